"""The encoder-based caller-event reader (a CallerEventDetector): multilingual-e5 sentence embeddings (the plain
encoder, no adapter) and one logistic unit per risk event, trained on the project's authored caller lines
(models/data/caller_events_{lang}.jsonl) by scripts/train_event_reader.py.

The keyword rules (simulator.caller_events) read the plain wordings reliably but miss the endless ways a caller says
"I wish I could just not be here". The reader adds what it is sure of; `CombinedEventDetector` (the default whenever
the ML extras are installed) is rules ∪ model, and feeds the model's readings into the rules' reasoning about
imminence. It reads no text out: it only names events.
"""
from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from simulator.tagging import EVENTS

log = logging.getLogger(__name__)
DATA_DIR = Path(__file__).resolve().parent / "data"
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
HEAD_FILE = WEIGHTS_DIR / "event_head.npz"

# The events the model reads: the ones a caller voices in endless ways and that decide risk items.
MODEL_EVENTS = ("hopelessness", "disclosed_ideation", "disclosed_plan", "means_at_hand", "imminent_risk",
                "past_attempt")
assert set(MODEL_EVENTS) <= set(EVENTS)


@dataclass(frozen=True)
class EventLine:
    id: str
    text: str
    lang: str
    events: frozenset[str]
    kind: str
    split: str   # train | val | test (60/20/20 by a hash of the id, as for the skill lines)


def event_lines(lang: str, split: str | None = None, path: Path | None = None) -> list[EventLine]:
    """The authored caller lines labelled with events. A malformed row names file, line and field."""
    from models.skill_data import _split_of, checked_rows

    path = path or DATA_DIR / f"caller_events_{lang}.jsonl"
    out, seen = [], set()
    checks = (("id", lambda v: isinstance(v, str) and v.strip()), ("text", lambda v: isinstance(v, str) and v.strip()),
              ("events", lambda v: isinstance(v, list) and all(e in MODEL_EVENTS for e in v)),
              ("kind", lambda v: isinstance(v, str) and v.strip()))
    for n, row in checked_rows(path, checks, f"; events must be a list drawn from {', '.join(MODEL_EVENTS)}"):
        if row["id"] in seen:
            raise ValueError(f"{path.name} line {n}: field 'id' repeats {row['id']!r}")
        seen.add(row["id"])
        line_split = _split_of(row["id"])
        if split is None or line_split == split:
            out.append(EventLine(row["id"], row["text"], lang, frozenset(row["events"]), row["kind"], line_split))
    return out


def second_opinions(path: Path | None = None) -> dict[str, tuple[frozenset[str], bool]]:
    """A blind second annotator's events for the caller lines, by line id: (events, unsure)."""
    from models.skill_data import checked_rows

    path = path or DATA_DIR / "caller_events_second.jsonl"
    checks = (("id", lambda v: isinstance(v, str) and v.strip()),
              ("events", lambda v: isinstance(v, list) and all(e in MODEL_EVENTS for e in v)),
              ("unsure", lambda v: isinstance(v, bool)))
    return {row["id"]: (frozenset(row["events"]), row["unsure"]) for _, row in checked_rows(path, checks)}


def label_matrix(lines: Sequence[EventLine]) -> np.ndarray:
    return np.array([[e in ln.events for e in MODEL_EVENTS] for ln in lines], dtype=np.float32)


class EventHead:
    """One logistic unit per event over a unit-norm embedding, with a decision threshold per event."""

    def __init__(self, weight: np.ndarray, bias: np.ndarray, thresholds: np.ndarray, meta: dict | None = None,
                 memory=None):
        self.weight = np.asarray(weight, np.float32)          # [events, dim]
        self.bias = np.asarray(bias, np.float32)              # [events]
        self.thresholds = np.asarray(thresholds, np.float32)  # [events]
        self.meta = dict(meta or {})
        # the authored training lines voting by their nearest neighbours, blended with the units (the skill
        # tagger's recipe, models.skill_classifier.ExampleMemory); None: the units alone
        self.memory = memory

    @staticmethod
    def make_memory(x: np.ndarray, y: np.ndarray, k: int = 10, tau: float = 0.05, mix: float = 0.5):
        from models.skill_classifier import ExampleMemory
        return ExampleMemory(x, y, k, tau, mix, n_labels=len(MODEL_EVENTS))

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray, l2: float = 1e-3, epochs: int = 400, lr: float = 0.05,
            seed: int = 0, mask: np.ndarray | None = None) -> "EventHead":
        """Full-batch logistic regression (Adam), positives weighted up to balance each event's classes; `mask`
        (0/1 like y) leaves out the labels that are not known (a real help-seeker's line is known to show no plan,
        but whether it voices hopelessness is not)."""
        import torch

        torch.manual_seed(seed)
        xt, yt = torch.from_numpy(np.asarray(x, np.float32)), torch.from_numpy(np.asarray(y, np.float32))
        mt = torch.ones_like(yt) if mask is None else torch.from_numpy(np.asarray(mask, np.float32))
        w = torch.zeros(yt.shape[1], xt.shape[1], requires_grad=True)
        b = torch.zeros(yt.shape[1], requires_grad=True)
        opt = torch.optim.Adam([w, b], lr=lr)
        loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight(yt, mt), reduction="none")
        for _ in range(epochs):
            opt.zero_grad()
            # embeddings are unit-norm, so cosines are small: scale the logits' input
            loss = (loss_fn(xt @ w.T * 10.0 + b, yt) * mt).sum() / mt.sum() + l2 * (w ** 2).sum()
            loss.backward()
            opt.step()
        return cls(w.detach().numpy() * 10.0, b.detach().numpy(), np.full(yt.shape[1], 0.5, np.float32))

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        import torch

        # torch, not numpy: a numpy BLAS call leaves threads spinning that slow the encoder's next pass
        with torch.inference_mode():
            z = torch.from_numpy(np.ascontiguousarray(x, np.float32)) @ torch.from_numpy(self.weight).T
            probs = torch.sigmoid(z + torch.from_numpy(self.bias)).numpy()
        return self.memory.blend(probs, x) if self.memory is not None else probs

    def save(self, path: Path) -> None:
        mem = {}
        if self.memory is not None:
            m = self.memory
            mem = {"mem_emb": m.emb.astype(np.float16), "mem_labels": m.labels.astype(np.uint8),
                   "mem_knobs": np.array([m.k, m.tau, m.mix], np.float32)}
        np.savez(path, weight=self.weight.astype(np.float16), bias=self.bias, thresholds=self.thresholds,
                 events=np.array(MODEL_EVENTS), meta=np.array(json.dumps(self.meta, ensure_ascii=False)), **mem)

    @classmethod
    def load(cls, path: Path = HEAD_FILE) -> "EventHead":
        if not Path(path).is_file():
            raise FileNotFoundError(f"no event reader head at {path}: train one with scripts/train_event_reader.py")
        with np.load(path, allow_pickle=False) as blob:
            events = tuple(str(e) for e in blob["events"])
            if events != MODEL_EVENTS:
                raise ValueError(f"{path}: the head reads {events}, this code expects {MODEL_EVENTS}; retrain it")
            memory = None
            if "mem_emb" in blob.files:
                k, tau, mix = (float(v) for v in blob["mem_knobs"])
                memory = cls.make_memory(blob["mem_emb"].astype(np.float32), blob["mem_labels"], int(k), tau, mix)
            return cls(blob["weight"].astype(np.float32), blob["bias"], blob["thresholds"],
                       json.loads(str(blob["meta"])), memory)


def pos_weight(y, mask=None):
    """Per event, known negatives / positives (at most 10): each event's classes weigh the same in the loss."""
    known = y.new_ones(y.shape) if mask is None else mask
    pos = (y * known).sum(0).clamp(min=1.0)
    return ((known.sum(0) - pos) / pos).clamp(min=1.0, max=10.0)


# Real help-seekers' lines (the model callers' pool, models/data/caller_pool_{lang}.jsonl: ESConv seekers and the
# Chinese corpora) are known negatives for the events of acting (a plan, means, imminence, a past attempt); whether
# one voices hopelessness or a wish to die is not labelled, so those stay unknown. Lines the pool files under
# "hopeless" are left out altogether.
ACT_EVENTS = ("disclosed_plan", "means_at_hand", "imminent_risk", "past_attempt")


def seeker_lines(lang: str, split: str | None = None) -> list[tuple[str, str]]:
    """(text, split) of the pool's real help-seeker lines, split 60/20/20 by a hash of their source id."""
    from models.caller_pool import load_pool
    from models.skill_data import _split_of

    out = [(ln.text, _split_of(ln.src)) for ln in load_pool(lang) if ln.cat != "hopeless" and ln.text.strip()]
    return [o for o in out if split is None or o[1] == split]


def seeker_mask() -> np.ndarray:
    return np.array([e in ACT_EVENTS for e in MODEL_EVENTS], dtype=np.float32)


def tune_thresholds(probs: np.ndarray, y: np.ndarray, min_precision: float = 0.9,
                    mask: np.ndarray | None = None) -> np.ndarray:
    """Per event: the lowest cut whose precision on these lines is at least `min_precision` (the most recall
    bought without false readings, which would make a risk item apply to a call that has no risk); when no cut
    reaches it, the cut of the best F1. Cuts stay within [0.3, 0.95]. `mask` (0/1 like y) keeps each event to the
    lines whose label for it is known."""
    cuts = np.full(y.shape[1], 0.5, np.float32)
    grid = np.round(np.arange(0.30, 0.951, 0.01), 2)
    known = np.ones_like(y, dtype=bool) if mask is None else np.asarray(mask) > 0
    for j in range(y.shape[1]):
        best_f1, best_f1_cut, floor_cut = -1.0, 0.5, None
        p_j, y_j = probs[known[:, j], j], y[known[:, j], j] > 0   # only the lines whose label is known
        for c in grid:
            pred = p_j >= c
            tp = float((pred & y_j).sum())
            prec = tp / max(pred.sum(), 1)
            rec = tp / max(y_j.sum(), 1)
            f1 = 2 * prec * rec / max(prec + rec, 1e-9)
            if f1 > best_f1:
                best_f1, best_f1_cut = f1, c
            if floor_cut is None and pred.sum() > 0 and prec >= min_precision:
                floor_cut = c
        cuts[j] = floor_cut if floor_cut is not None else best_f1_cut
    return cuts


class ModelEventDetector:
    """Reads the risk events of MODEL_EVENTS from a caller's words with the encoder and the trained head."""

    name = "model"

    def __init__(self, head_path: Path = HEAD_FILE, encoder=None):
        self.head_path = Path(head_path)
        self._encoder = encoder
        self._head: EventHead | None = None
        self._lock = threading.Lock()

    def _ready(self) -> tuple[object, EventHead]:
        if self._head is None:
            with self._lock:
                if self._head is None:
                    if self._encoder is None:
                        from models.encoder import get_encoder
                        self._encoder = get_encoder()
                    self._head = EventHead.load(self.head_path)
        return self._encoder, self._head

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        encoder, head = self._ready()
        if not texts:
            return np.zeros((0, len(MODEL_EVENTS)), np.float32)
        return head.probabilities(encoder.encode(list(texts)))

    def detect_many(self, texts: Sequence[str], lang: str | None = None) -> list[set[str]]:
        _, head = self._ready()
        out: list[set[str]] = [set() for _ in texts]
        keep = [i for i, t in enumerate(texts) if t and t.strip() and not _stage_direction(t)]
        if keep:
            probs = self.probabilities([texts[i] for i in keep])
            for row, i in zip(probs, keep):
                out[i] = {e for e, p, c in zip(MODEL_EVENTS, row, head.thresholds) if p >= c}
        return out

    def detect(self, text: str, lang: str | None = None) -> set[str]:
        return self.detect_many([text], lang)[0]


def _stage_direction(text: str) -> bool:
    """A caller turn that is only a bracketed stage direction ("(sobbing)", "（沉默）") says nothing to read."""
    t = text.strip()
    return len(t) >= 2 and t[0] in "([（【*" and t[-1] in ")]）】*"


class CombinedEventDetector:
    """Rules ∪ model: the model's readings join the rules' own, and take part in the rules' reasoning about
    imminence ("tonight" with a wish to die read by the model is imminent risk, as it is with one read by the rules)."""

    name = "combined"

    def __init__(self, model: ModelEventDetector | None = None, rules=None):
        from simulator.caller_events import RuleEventDetector

        self.model = model or ModelEventDetector()
        self.rules = rules or RuleEventDetector()

    def detect_many(self, texts: Sequence[str], lang: str | None = None) -> list[set[str]]:
        read = self.model.detect_many(texts, lang)
        return [self.rules.detect(t, lang, also=m) if t and t.strip() else set() for t, m in zip(texts, read)]

    def detect(self, text: str, lang: str | None = None) -> set[str]:
        return self.detect_many([text], lang)[0]
