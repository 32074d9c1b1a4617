"""UI strings in Chinese and English. Every UI string goes through `t()`, so moving to Flask-Babel is one swap."""
from __future__ import annotations

from simulator.skills import DESCRIPTIONS, Skill

DEFAULT_LANG = "zh"
UI_LANGS = ("zh", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "app_title": {"zh": "热线接听模拟训练", "en": "Hotline practice"},
    "catalogue": {"zh": "练习场景", "en": "Practice scenarios"},
    "filter": {"zh": "筛选", "en": "Filter"},
    "any": {"zh": "全部", "en": "Any"},
    "caller_type": {"zh": "来电类型", "en": "Caller type"},
    "language": {"zh": "语言", "en": "Language"},
    "difficulty": {"zh": "难度", "en": "Difficulty"},
    "no_scenarios": {"zh": "没有符合条件的场景。", "en": "No scenario matches these filters."},
    "start_call": {"zh": "开始通话", "en": "Start the call"},
    "lang_zh": {"zh": "中文", "en": "Chinese"},
    "lang_en": {"zh": "英文", "en": "English"},
    "type_silent": {"zh": "沉默来电", "en": "Silent caller"},
    "type_crying": {"zh": "哭泣来电", "en": "Crying caller"},
    "type_prank": {"zh": "骚扰/恶作剧来电", "en": "Prank caller"},
    "type_suicidal": {"zh": "自杀危机来电", "en": "Suicidal caller"},
    "type_advice": {"zh": "求助建议来电", "en": "Advice seeker"},
    "type_other": {"zh": "其他来电", "en": "Other caller"},
    "call_in_progress": {"zh": "通话中", "en": "Call in progress"},
    "call_ended": {"zh": "通话已结束", "en": "The call has ended"},
    "you": {"zh": "你", "en": "You"},
    "caller": {"zh": "来电者", "en": "Caller"},
    "silence": {"zh": "……（沉默 {seconds} 秒）", "en": "… (silence {seconds} s)"},
    "you_waited": {"zh": "……（你静候了 {seconds} 秒）", "en": "… (you waited {seconds} s)"},
    "caller_hung_up": {"zh": "（来电者挂断了电话）", "en": "(the caller hung up)"},
    "you_hung_up": {"zh": "（你结束了通话）", "en": "(you ended the call)"},
    "ev_crying": {"zh": "哭泣", "en": "crying"},
    "ev_prank_revealed": {"zh": "笑声 / 背景人声", "en": "laughing / voices in the background"},
    "ev_started_talking": {"zh": "开口说话", "en": "started talking"},
    "ev_hopelessness": {"zh": "流露绝望", "en": "hopelessness"},
    "ev_disclosed_ideation": {"zh": "透露自杀想法", "en": "disclosed suicidal thoughts"},
    "ev_disclosed_plan": {"zh": "透露自杀计划", "en": "disclosed a plan"},
    "ev_means_at_hand": {"zh": "手边有工具", "en": "means at hand"},
    "ev_imminent_risk": {"zh": "即刻危险", "en": "imminent risk"},
    "ev_past_attempt": {"zh": "既往自杀尝试", "en": "past attempt"},
    "ev_sexual_content": {"zh": "性相关内容", "en": "sexual content"},
    "ev_genuine_need": {"zh": "真实求助需求", "en": "genuine need"},
    "ev_agreed_safety_plan": {"zh": "同意安全计划", "en": "agreed to a safety plan"},
    "ev_caller_calmer": {"zh": "情绪平稳些", "en": "calmer"},
    "your_reply": {"zh": "你的回应", "en": "Your reply"},
    "send": {"zh": "说出", "en": "Say it"},
    "wait_in_silence": {"zh": "保持沉默，静候", "en": "Wait in silence"},
    "seconds_short": {"zh": "{seconds} 秒", "en": "{seconds} s"},
    "custom_seconds": {"zh": "自定义秒数", "en": "Custom seconds"},
    "wait": {"zh": "静候", "en": "Wait"},
    "silent_for": {"zh": "线路已沉默 {seconds} 秒", "en": "The line has been silent for {seconds} s"},
    "waited_total": {"zh": "你共静候了 {seconds} 秒", "en": "You have waited {seconds} s in total"},
    "call_clock": {"zh": "通话时长 {seconds} 秒", "en": "Call time {seconds} s"},
    "hang_up": {"zh": "挂断", "en": "Hang up"},
    "hang_up_confirm": {"zh": "确定要结束这通电话吗？", "en": "End this call?"},
    "see_report": {"zh": "查看评估报告", "en": "See the report"},
    "report": {"zh": "评估报告", "en": "Call report"},
    "verdict": {"zh": "结论", "en": "Verdict"},
    "verdict_pass": {"zh": "通过", "en": "Pass"},
    "verdict_fail": {"zh": "未通过", "en": "Not passed"},
    "score": {"zh": "得分", "en": "Score"},
    "pass_mark": {"zh": "及格线 {score}", "en": "pass mark {score}"},
    "critical_failures": {"zh": "关键失误", "en": "Critical failures"},
    "no_critical_failures": {"zh": "没有关键失误。", "en": "No critical failures."},
    "scorer_unsure": {"zh": "自动评分对以下关键项没有把握（没有计入结论），督导会复核：",
                      "en": "The scorer was unsure about these critical items (not counted in the verdict); a supervisor will check them:"},
    "rubric_items": {"zh": "评分项", "en": "Rubric items"},
    "result_met": {"zh": "已做到", "en": "met"},
    "result_missed": {"zh": "未做到", "en": "missed"},
    "result_violated": {"zh": "违反", "en": "violated"},
    "result_not_applicable": {"zh": "不适用", "en": "not applicable"},
    "critical": {"zh": "关键项", "en": "critical"},
    "source": {"zh": "依据", "en": "Source"},
    "evidence": {"zh": "证据", "en": "Evidence"},
    "turn_n": {"zh": "第 {n} 轮", "en": "turn {n}"},
    "better_reply": {"zh": "更好的回应示例", "en": "A better reply could be"},
    "transcript": {"zh": "通话记录", "en": "Transcript"},
    "skills": {"zh": "技能标签", "en": "Skills"},
    "not_scored": {"zh": "这通电话尚未评分。", "en": "This call has not been scored yet."},
    "rubric_changed": {"zh": "评分标准在评分后已更新；条目文字为当前版本。",
                       "en": "The rubric changed after scoring; item texts are the current version."},
    "guidance": {"zh": "这类来电的要点", "en": "What a good call looks like"},
    "back_to_catalogue": {"zh": "返回场景列表", "en": "Back to the scenarios"},
    "error": {"zh": "出错了", "en": "Something went wrong"},
    "err_empty_text": {"zh": "请先输入你要说的话（想保持沉默请用“静候”）。",
                       "en": "Type what you want to say first (to stay silent, use Wait)."},
    "err_bad_wait": {"zh": "静候的秒数须大于 0 且不超过 600。", "en": "Wait more than 0 and at most 600 seconds."},
    "err_call_ended": {"zh": "这通电话已经结束。", "en": "This call has already ended."},
    "err_caller_failed": {"zh": "来电者暂时无法回应；你的话已保存，请再试一次。",
                      "en": "The caller could not answer; your turn is saved, please try again."},
}


def t(key: str, lang: str | None = None, **values: object) -> str:
    """The UI string `key` in `lang` (zh by default), with `{name}` placeholders filled."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    text = _gettext_in(entry["en"], lang) or entry.get(lang or DEFAULT_LANG) or entry[DEFAULT_LANG]
    return text.format(**values) if values else text


def _gettext_in(msgid: str, lang: str | None) -> str | None:
    """`msgid` translated by Flask-Babel's catalogues into `lang` (default: the request's locale).

    None when there is no app, or the catalogue lacks a translation (e.g. .mo files not compiled
    yet: scripts/compile_translations.py), so `t` can fall back to the text kept in MESSAGES.
    """
    from flask import has_app_context
    from flask_babel import force_locale, get_locale, gettext
    if not has_app_context():
        return None
    target = lang or str(get_locale() or DEFAULT_LANG)
    with force_locale(target):
        text = gettext(msgid)
    return None if text == msgid and target != "en" else text


def skill_label(name: str, lang: str | None = None) -> str:
    """A skill's description in `lang`, or its name if it is not in the taxonomy."""
    try:
        return DESCRIPTIONS[Skill(name)][lang or DEFAULT_LANG]
    except (ValueError, KeyError):
        return name


def pick_lang(*candidates: str | None) -> str:
    """The first candidate that is a UI language, else the default."""
    return next((c for c in candidates if c in UI_LANGS), DEFAULT_LANG)
