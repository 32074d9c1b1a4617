"""The skill taxonomy: the contract between taggers and rubrics."""
from __future__ import annotations

from enum import Enum


class Skill(str, Enum):
    """One counselling behaviour a trainee turn can show."""

    # positive
    greeting_identify = "greeting_identify"
    open_question = "open_question"
    closed_question = "closed_question"
    reflection_feeling = "reflection_feeling"
    paraphrase_summary = "paraphrase_summary"
    validation_empathy = "validation_empathy"
    affirmation = "affirmation"
    patience_silence = "patience_silence"
    confidentiality = "confidentiality"
    suicide_inquiry = "suicide_inquiry"
    risk_plan = "risk_plan"
    risk_means = "risk_means"
    risk_timeline = "risk_timeline"
    risk_history = "risk_history"
    reasons_for_living = "reasons_for_living"
    safety_planning = "safety_planning"
    emergency_action = "emergency_action"
    referral = "referral"
    boundary_setting = "boundary_setting"
    collaborative_options = "collaborative_options"
    closing = "closing"
    # negative
    directive_advice = "directive_advice"
    minimizing = "minimizing"
    judging_blaming = "judging_blaming"
    pressuring = "pressuring"
    promise_secrecy = "promise_secrecy"
    interrogating_why = "interrogating_why"
    hostile_insult = "hostile_insult"
    self_disclosure = "self_disclosure"
    premature_fact_probe = "premature_fact_probe"


NEGATIVE: frozenset[Skill] = frozenset({
    Skill.directive_advice, Skill.minimizing, Skill.judging_blaming, Skill.pressuring,
    Skill.promise_secrecy, Skill.interrogating_why, Skill.hostile_insult,
    Skill.self_disclosure, Skill.premature_fact_probe,
})
POSITIVE: frozenset[Skill] = frozenset(Skill) - NEGATIVE
ALL_SKILLS: tuple[str, ...] = tuple(s.value for s in Skill)

# Verdict-deciding skills: a tagger must not miss these.
CRITICAL_SKILLS: frozenset[Skill] = frozenset({
    Skill.suicide_inquiry, Skill.emergency_action, Skill.promise_secrecy,
    Skill.pressuring, Skill.hostile_insult,
})

DESCRIPTIONS: dict[Skill, dict[str, str]] = {
    Skill.greeting_identify: {"en": "Greets and names the hotline", "zh": "问候并报出热线名称"},
    Skill.open_question: {"en": "Open question inviting the caller to tell more", "zh": "开放式提问，邀请来电者多说"},
    Skill.closed_question: {"en": "Closed (yes/no or fact) question", "zh": "封闭式提问"},
    Skill.reflection_feeling: {"en": "Reflects the caller's feeling", "zh": "情感反映"},
    Skill.paraphrase_summary: {"en": "Paraphrases or summarises what the caller said", "zh": "内容复述或总结"},
    Skill.validation_empathy: {"en": "Validates and empathises", "zh": "共情与认可"},
    Skill.affirmation: {"en": "Affirms the caller's strengths or the step of calling", "zh": "肯定来电者的力量或求助行为"},
    Skill.patience_silence: {"en": "Allows silence, says there is no hurry", "zh": "允许沉默，表示不着急"},
    Skill.confidentiality: {"en": "Explains confidentiality and its limits", "zh": "说明保密原则及其限度"},
    Skill.suicide_inquiry: {"en": "Asks directly about suicide", "zh": "直接询问自杀想法"},
    Skill.risk_plan: {"en": "Asks about a plan", "zh": "评估自杀计划"},
    Skill.risk_means: {"en": "Asks about means and access", "zh": "评估自杀工具与可及性"},
    Skill.risk_timeline: {"en": "Asks about timing and intent", "zh": "评估时间与意图"},
    Skill.risk_history: {"en": "Asks about past attempts", "zh": "询问既往自杀尝试"},
    Skill.reasons_for_living: {"en": "Explores reasons for living and buffers", "zh": "探索活下去的理由与保护因素"},
    Skill.safety_planning: {"en": "Builds a safety plan together", "zh": "共同制定安全计划"},
    Skill.emergency_action: {"en": "Takes an emergency step (120/110, emergency services)", "zh": "启动紧急干预（120/110 等）"},
    Skill.referral: {"en": "Gives referral information", "zh": "提供转介信息"},
    Skill.boundary_setting: {"en": "Sets a calm, firm boundary with a reason", "zh": "平静而坚定地设定界限并说明理由"},
    Skill.collaborative_options: {"en": "Explores options together", "zh": "与来电者一起探索可行办法"},
    Skill.closing: {"en": "Closes the call warmly", "zh": "温和地结束通话"},
    Skill.directive_advice: {"en": "Orders advice ('you should…')", "zh": "指令式建议（“你应该……”）"},
    Skill.minimizing: {"en": "Minimises the caller's pain", "zh": "淡化来电者的痛苦"},
    Skill.judging_blaming: {"en": "Judges or blames", "zh": "评判或指责"},
    Skill.pressuring: {"en": "Presses the caller to speak or act", "zh": "催促、逼迫来电者"},
    Skill.promise_secrecy: {"en": "Promises unconditional secrecy", "zh": "承诺无条件保密"},
    Skill.interrogating_why: {"en": "Interrogates with 'why'", "zh": "连续追问“为什么”"},
    Skill.hostile_insult: {"en": "Insults, mocks or shows anger", "zh": "辱骂、嘲讽或发怒"},
    Skill.self_disclosure: {"en": "Talks about own life", "zh": "过多自我暴露"},
    Skill.premature_fact_probe: {"en": "Probes facts before any empathy", "zh": "共情之前急于追问事实"},
}


def parse_skill(name: str) -> Skill:
    """Return the Skill called `name`, or raise ValueError listing the valid names."""
    try:
        return Skill(name)
    except ValueError:
        raise ValueError(f"unknown skill {name!r}; valid skills: {', '.join(ALL_SKILLS)}") from None
