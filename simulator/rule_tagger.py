"""RuleTagger: a bilingual (Chinese/English) rule-based SkillTagger built on stdlib `re`.

Single-pattern skills come from simulator/rule_patterns_{en,zh}.py; skills decided by a
combination of cues (suicide inquiry, risk questions, confidentiality versus secrecy,
bare fact probes, "why" interrogation, the counsellor's own role versus a referral, hang-up
notices) come from simulator/rule_composites.py.
"""
from __future__ import annotations

import logging
from typing import Sequence

from simulator import rule_composites as comp
from simulator import rule_patterns_en, rule_patterns_zh
from simulator.risk_lexicon import suicide_strength
from simulator.rule_text import compile_patterns, detect_lang, first_match, normalise
from simulator.skills import ALL_SKILLS
from simulator.tagging import TagContext, Tagging, register_tagger

log = logging.getLogger(__name__)
# Skills whose words do not count when quoted or reported ("your dad calling you a waste of space" reflects
# an insult, it does not make one).
_REPORTABLE = frozenset({"hostile_insult", "judging_blaming"})

_PATTERNS = {
    "en": (compile_patterns(rule_patterns_en.PATTERNS), rule_patterns_en.NEGATABLE),
    "zh": (compile_patterns(rule_patterns_zh.PATTERNS), rule_patterns_zh.NEGATABLE),
}


class RuleTagger:
    """Tags trainee utterances with skills by bilingual surface rules."""

    name = "rules"

    def __init__(self, min_confidence: float = 0.5) -> None:
        self.min_confidence = min_confidence

    def tag(self, texts: Sequence[str], context: TagContext | None = None) -> list[Tagging]:
        """Return, for each text, the skills found with their confidences."""
        context = context or TagContext()
        return [self.tag_one(text, context) for text in texts]

    def tag_one(self, text: str, context: TagContext) -> Tagging:
        """Tag one utterance."""
        if not text or not text.strip():
            return {}
        lang = context.lang if context.lang in _PATTERNS else detect_lang(text)
        text = normalise(text)
        found = self._pattern_skills(text, lang)
        table, negatable = _PATTERNS[lang]
        for skill, conf in comp.emergency(text, lang, table["emergency_action"], "emergency_action" in negatable).items():
            found[skill] = max(found.get(skill, 0.0), conf)
        found.update(comp.suicide_inquiry(text, lang))
        found.update(comp.risk_questions(text, lang, self._risk_context(context)))
        found.update(comp.confidentiality(text, lang))
        found.update(comp.interrogating_why(text, lang))
        found.update(comp.fact_probe(text, lang, set(found)))
        found = comp.invitation_is_open(text, lang, found)
        found = comp.own_role_is_no_referral(text, lang, found, table["referral"])
        found = comp.hang_up_notice(text, lang, found)
        result = {k: v for k, v in found.items() if v >= self.min_confidence and k in ALL_SKILLS}
        log.debug("rules[%s] %r -> %s", lang, text[:60], result)
        return result

    @staticmethod
    def _pattern_skills(text: str, lang: str) -> dict[str, float]:
        """Skills found by single patterns (negation-aware where the table says so)."""
        table, negatable = _PATTERNS[lang]
        found = {}
        for skill, patterns in table.items():
            if skill == "emergency_action":
                continue  # decided per sentence in rule_composites.emergency
            conf = first_match(patterns, text, lang, skill in negatable, skill in _REPORTABLE)
            if conf:
                found[skill] = conf
        return found

    @staticmethod
    def _risk_context(context: TagContext) -> bool:
        """Whether the caller's last words carried suicide talk (makes bare risk questions count)."""
        caller = context.previous_caller_text
        if not caller:
            return context.caller_type == "suicidal"
        return bool(suicide_strength(caller, detect_lang(caller)))


@register_tagger("rules")
def make_rule_tagger(**options) -> RuleTagger:
    """Factory registered under "rules"."""
    return RuleTagger(**options)
