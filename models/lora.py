"""Low-rank adapters on the shared encoder: a task can tune it without a second 470 MB copy.

Adapters are named and switched per call (`use_adapter`), so retrieval keeps the plain
encoder while the skill classifier runs the same weights plus its own small adapter.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import torch
from torch import nn

TARGETS = ("attention.self.query", "attention.self.value", "intermediate.dense", "output.dense")


class LoRALinear(nn.Module):
    """A frozen Linear plus any number of named low-rank updates, one active at a time, or one per group of rows
    (`active` a tuple: the batch is that many equal groups of rows, group g runs with adapter active[g]), so an
    ensemble's members share one pass of the frozen weights."""

    def __init__(self, base: nn.Linear):
        super().__init__()
        self.base = base
        self.adapters = nn.ModuleDict()
        self.active: str | tuple[str | None, ...] | None = None

    def add(self, name: str, rank: int, alpha: float) -> None:
        a = nn.Linear(self.base.in_features, rank, bias=False)
        b = nn.Linear(rank, self.base.out_features, bias=False)
        nn.init.kaiming_uniform_(a.weight, a=5 ** 0.5)
        nn.init.zeros_(b.weight)  # starts as the plain encoder
        self.adapters[name] = nn.Sequential(a, b)
        self.adapters[name].scale = alpha / rank

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.base(x)
        if isinstance(self.active, tuple):
            if x.shape[0] % len(self.active):
                raise ValueError(f"{x.shape[0]} rows do not split into {len(self.active)} adapter groups")
            return out + torch.cat([self._delta(name, part) for name, part in
                                    zip(self.active, x.chunk(len(self.active), dim=0))], dim=0)
        return (out + self._delta(self.active, x)) if self.active in self.adapters else out

    def _delta(self, name: str | None, x: torch.Tensor) -> torch.Tensor:
        if name is None or name not in self.adapters:
            return x.new_zeros(*x.shape[:-1], self.base.out_features)
        ad = self.adapters[name]
        return ad(x) * ad.scale


def _lora_modules(model: nn.Module) -> list[LoRALinear]:
    return [m for m in model.modules() if isinstance(m, LoRALinear)]


def attach(model: nn.Module, name: str, rank: int = 8, alpha: float = 16.0) -> list[nn.Parameter]:
    """Add adapter `name` to every target Linear of every encoder layer; return its parameters."""
    params: list[nn.Parameter] = []
    for layer in model.encoder.layer:
        for path in TARGETS:
            parent_path, _, leaf = path.rpartition(".")
            parent = layer.get_submodule(parent_path)
            mod = getattr(parent, leaf)
            if not isinstance(mod, LoRALinear):
                mod = LoRALinear(mod)
                setattr(parent, leaf, mod)
            if name not in mod.adapters:
                mod.add(name, rank, alpha)
            params += list(mod.adapters[name].parameters())
    return params


def adapter_state(model: nn.Module, name: str) -> dict[str, torch.Tensor]:
    """The adapter's weights only (a few hundred KB), keyed by module path."""
    return {k: v.detach().clone() for k, v in model.state_dict().items() if f".adapters.{name}." in k}


def load_adapter(model: nn.Module, name: str, state: dict[str, torch.Tensor], rank: int, alpha: float) -> None:
    attach(model, name, rank, alpha)
    missing = [k for k in state if k not in model.state_dict()]
    if missing:
        raise ValueError(f"adapter {name!r} does not fit this encoder (e.g. {missing[0]})")
    model.load_state_dict(state, strict=False)


@contextmanager
def use_adapter(model: nn.Module, name: str | tuple[str | None, ...] | None) -> Iterator[None]:
    """Run the model with adapter `name` active (None: the plain encoder; a tuple: one adapter per equal group of
    the batch's rows, see LoRALinear)."""
    mods = _lora_modules(model)
    previous = [m.active for m in mods]
    for m in mods:
        m.active = name
    try:
        yield
    finally:
        for m, p in zip(mods, previous):
            m.active = p
