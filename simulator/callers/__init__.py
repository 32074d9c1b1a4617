"""Callers: the simulated side of a call."""
from simulator.callers.base import CALLERS, Caller, CallerAction, CallState, make_caller, register_caller, warm_callers

__all__ = ["CALLERS", "Caller", "CallerAction", "CallState", "make_caller", "register_caller", "warm_callers"]
