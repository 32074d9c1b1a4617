"""The SkillTagger seam: anything that turns trainee texts into skills with confidences."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol, Sequence, runtime_checkable

# skill name -> confidence in [0, 1]; only skills judged present are listed
Tagging = dict[str, float]


@dataclass(frozen=True)
class TagContext:
    """What a tagger may know besides the text itself."""

    lang: str | None = None
    caller_type: str | None = None
    previous_caller_text: str | None = None


@runtime_checkable
class SkillTagger(Protocol):
    """Tags trainee utterances with skills of simulator.skills.Skill."""

    name: str

    def tag(self, texts: Sequence[str], context: TagContext | None = None) -> list[Tagging]:
        """Return, for each text, the skills present with their confidences."""
        ...


def tag_in_contexts(tagger: SkillTagger, texts: Sequence[str], contexts: Sequence[TagContext]) -> list[Tagging]:
    """Tag texts that each have their own context (e.g. the turns of a transcript), in one pass when the
    tagger offers `tag_each` (a model tags a batch far faster than turn by turn), else one text at a time."""
    if len(texts) != len(contexts):
        raise ValueError(f"{len(texts)} texts but {len(contexts)} contexts")
    if not texts:
        return []
    each = getattr(tagger, "tag_each", None)
    if callable(each):
        return each(texts, contexts)
    return [tagger.tag([text], ctx)[0] for text, ctx in zip(texts, contexts)]


# Caller events: what a caller reveals. Scripted/model callers emit them; the
# CallerEventDetector reads them from words in transcripts that carry none.
EVENTS: tuple[str, ...] = (
    "started_talking",       # a silent caller speaks for the first time
    "crying",                # audible crying
    "hopelessness",          # voices hopelessness / a wish not to go on
    "disclosed_ideation",    # says they think of suicide / wish to die
    "disclosed_plan",        # has a plan
    "means_at_hand",         # has the means within reach
    "imminent_risk",         # intends to act now / soon
    "past_attempt",
    "prank_revealed",        # laughter, admits a prank, others in background
    "sexual_content",        # steers to sexual detail
    "genuine_need",          # a caller who seemed a prank turns out genuine
    "agreed_safety_plan",
    "caller_calmer",
)


@runtime_checkable
class CallerEventDetector(Protocol):
    """Reads events from a caller's words (for transcripts from elsewhere)."""

    def detect(self, text: str, lang: str | None = None) -> set[str]:
        ...


TAGGERS: dict[str, Callable[..., SkillTagger]] = {}

# How readily the model reads a verdict-deciding skill (suicide_inquiry, emergency_action, promise_secrecy,
# pressuring, hostile_insult): each level is a false-reading budget its thresholds were tuned to on validation
# (models/weights/SKILL_HEAD.md gives the recall and the false readings each buys). "standard" is the shipped cut;
# a hotline that would rather have a supervisor look at more sound calls than let a harmful move pass picks a
# higher one. Only the model's thresholds move: rules and the other skills stay as they are.
SENSITIVITIES = ("standard", "high", "highest")


def check_sensitivity(level: str) -> str:
    """Return `level` if it is known, else raise ValueError naming the known ones."""
    if level not in SENSITIVITIES:
        raise ValueError(f"unknown skill sensitivity {level!r}; known: {', '.join(SENSITIVITIES)}")
    return level


SENSITIVE_KINDS = frozenset({"model", "combined"})  # the model-backed taggers; rules and custom kinds take no option


def sensitivity_options(kind: str, level: str) -> dict[str, str]:
    """The keyword options that pass `level` to a tagger of `kind` (none for a kind without a model)."""
    return {"sensitivity": level} if kind in SENSITIVE_KINDS else {}


def register_tagger(kind: str) -> Callable[[Callable[..., SkillTagger]], Callable[..., SkillTagger]]:
    """Register a tagger factory under `kind` (used by config to pick one)."""
    def deco(factory: Callable[..., SkillTagger]) -> Callable[..., SkillTagger]:
        TAGGERS[kind] = factory
        return factory
    return deco


def make_tagger(kind: str, **options) -> SkillTagger:
    """Build the tagger registered as `kind`; a clear error lists the known kinds."""
    if kind not in TAGGERS:
        # Taggers living in models/ register themselves on import.
        if kind in ("model", "combined"):
            import importlib
            importlib.import_module("models.skill_classifier")
        else:
            import simulator.rule_tagger  # noqa: F401
    try:
        factory = TAGGERS[kind]
    except KeyError:
        raise ValueError(f"unknown tagger kind {kind!r}; known: {', '.join(sorted(TAGGERS))}") from None
    return factory(**options)
