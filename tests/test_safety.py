"""The content safety filter: method details and personal data are blocked, disclosures pass."""
from __future__ import annotations

import pytest

from simulator.safety import check, is_safe

UNSAFE = [
    ("en", "I'm going to take 40 sleeping pills tonight."),
    ("en", "Twenty tablets of paracetamol should be enough to kill me."),
    ("en", "What's the lethal dose of insulin?"),
    ("en", "First you tie the rope to the beam, then you stand on the chair."),
    ("en", "The quickest way is to jump from the roof of my building."),
    ("en", "It's 30 floors up, I would just jump from there."),
    ("en", "I've got 500 mg of diazepam saved."),
    ("en", "Mix them with alcohol so it doesn't hurt."),
    ("en", "Call me on 13812345678 if you want."),
    ("en", "Write to me at lonely.guy@example.com"),
    ("en", "I live at 42 Maple Street, come find me."),
    ("zh", "我已经攒了六十片安眠药。"),
    ("zh", "安定吃30粒就够了吧。"),
    ("zh", "安眠药吃多少才能死？"),
    ("zh", "先把门窗关紧，然后烧炭，就不会痛苦。"),
    ("zh", "从二十层楼顶跳下去一定会死。"),
    ("zh", "割腕的方法我已经查好了，先用刀片再泡热水。"),
    ("zh", "我的电话是13912345678，你打给我。"),
    ("zh", "我住在建国路88号。"),
    ("zh", "我的身份证号是110101199003071234。"),
]
SAFE = [
    ("en", "I've been thinking about ending my life."),
    ("en", "The doctor gave me sleeping pills and I've been keeping them."),
    ("en", "I thought about doing it before my daughter's holidays."),
    ("en", "I don't know how to tell my mom about any of this."),
    ("en", "I went to the roof yesterday just to breathe."),
    ("en", "If it gets bad I'll call 988 or go to the hospital."),
    ("en", "I'm 46 and I've worked nights for three years."),
    ("zh", "我想过死，想过好多次了。"),
    ("zh", "医生给我开过安眠药，我一直没吃，都攒着呢。"),
    ("zh", "我不知道怎么办，医生开了药我也不想吃。"),
    ("zh", "要是又撑不住了，我就打120或者去医院。"),
    ("zh", "我今年四十六岁，在厂里干了二十年。"),
    ("zh", "药就在床头柜里。"),
]


@pytest.mark.parametrize("lang,text", UNSAFE)
def test_blocks_method_detail_and_personal_data(lang, text):
    ok, reason = check(text, lang)
    assert not ok and reason, text


@pytest.mark.parametrize("lang,text", SAFE)
def test_lets_disclosure_and_ordinary_talk_through(lang, text):
    assert check(text, lang) == (True, "")


def test_unknown_language_runs_both_lexicons():
    assert not is_safe("我已经攒了六十片安眠药。")
    assert not is_safe("take 40 sleeping pills")
    assert is_safe("I just feel so tired.")


def test_reason_names_the_rule():
    assert check("安眠药吃多少才能死？", "zh")[1].startswith("lethal dose")
    assert check("Call me on 13812345678", "en")[1] == "personal data: phone number"


def test_substance_combination_blocked_in_both_languages():
    assert not is_safe("把安眠药和白酒一起喝下去。", "zh")
    assert is_safe("我昨晚喝了点酒，还是睡不着。", "zh")
