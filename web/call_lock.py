"""One move at a time per call, held across the move's per-turn commits.

A row lock (SELECT ... FOR UPDATE) ends with the first per-turn commit, so it cannot keep a
second request from slipping in between a trainee's turn and the caller's answer. PostgreSQL
gets a session-level advisory lock on a connection of its own, released when the move ends
(or by the server if the process dies). SQLite, the single-process embedded default, gets an
in-process lock; across processes the unique (call_id, idx) index and the guarded state
write in web.calls still refuse an interleaved move with a 409.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import text

from web.extensions import db

LOCK_SPACE = 0x4C4C  # first key of the two-key advisory lock: "call moves" (the second is the call id)
_STRIPES = [threading.Lock() for _ in range(64)]


@contextmanager
def move_lock(call_id: int) -> Iterator[None]:
    """Hold the call's move lock for the duration of the block (waits for a running move to end)."""
    if db.engine.dialect.name == "postgresql":
        with _advisory(call_id):
            yield
    else:
        with _STRIPES[call_id % len(_STRIPES)]:
            yield


@contextmanager
def _advisory(call_id: int) -> Iterator[None]:
    args = {"space": LOCK_SPACE, "id": call_id}
    with db.engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:space, :id)"), args)
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:space, :id)"), args)
            conn.commit()
