"""RuleTagger: bilingual rule-based skill tagging (pure Python, runs in milliseconds)."""
from __future__ import annotations

import pytest

from simulator.rule_tagger import RuleTagger
from simulator.skills import ALL_SKILLS, CRITICAL_SKILLS
from simulator.tagging import SkillTagger, TagContext, make_tagger

TAGGER = RuleTagger()

# DEV cases: written alongside the rules and used while tuning them.
# Each case: (text, lang, skills that must fire, skills that must not fire).
DEV = [
    ("Are you thinking about killing yourself?", "en", {"suicide_inquiry"}, set()),
    ("Have you had thoughts of suicide?", "en", {"suicide_inquiry"}, set()),
    ("I'd like to ask you directly: are you thinking of ending your life?", "en", {"suicide_inquiry"}, set()),
    ("Is part of you not wanting to be alive anymore?", "en", {"suicide_inquiry"}, set()),
    ("Do you sometimes wish you were dead?", "en", {"suicide_inquiry"}, set()),
    ("Some people feeling like this think about taking their own life. Are you?", "en", {"suicide_inquiry"}, set()),
    ("你有没有想过自杀？", "zh", {"suicide_inquiry"}, set()),
    ("你现在是不是有轻生的念头？", "zh", {"suicide_inquiry"}, set()),
    ("我想直接问你，你是不是不想活了？", "zh", {"suicide_inquiry"}, set()),
    ("你有没有想过结束生命？", "zh", {"suicide_inquiry"}, set()),
    ("你会不会想伤害自己？", "zh", {"suicide_inquiry"}, set()),
    ("Suicide is never the answer.", "en", set(), {"suicide_inquiry"}),
    ("How did your father die?", "en", set(), {"suicide_inquiry"}),
    ("Did you eat today?", "en", set(), {"suicide_inquiry"}),
    ("你吃饭了吗？", "zh", set(), {"suicide_inquiry"}),
    ("我想死你了", "zh", set(), {"suicide_inquiry"}),
    ("What we talk about is confidential, unless your life is in danger.", "en", {"confidentiality"}, {"promise_secrecy"}),
    ("我们会为你保密，除非有生命危险。", "zh", {"confidentiality"}, {"promise_secrecy"}),
    ("I won't tell anyone no matter what.", "en", {"promise_secrecy"}, {"confidentiality"}),
    ("我绝对不会告诉任何人。", "zh", {"promise_secrecy"}, {"confidentiality"}),
    ("I can't promise to keep everything secret if you're in danger.", "en", {"confidentiality"}, {"promise_secrecy"}),
    ("What happened?", "en", {"premature_fact_probe"}, set()),
    ("发生什么事了？", "zh", {"premature_fact_probe"}, set()),
    ("你怎么了？", "zh", {"premature_fact_probe"}, set()),
    ("That sounds so painful. When you're ready, can you tell me what happened?", "en", set(), {"premature_fact_probe"}),
    ("听起来你很难过，不着急，发生什么事了？", "zh", set(), {"premature_fact_probe"}),
    ("我们怎么了解你的需要呢？", "zh", set(), {"premature_fact_probe"}),
    ("Say something!", "en", {"pressuring"}, set()),
    ("Hurry up, I don't have all day.", "en", {"pressuring"}, set()),
    ("快说话！", "zh", {"pressuring"}, set()),
    ("你到底说不说？", "zh", {"pressuring"}, set()),
    ("Take your time.", "en", {"patience_silence"}, {"pressuring"}),
    ("There's no hurry.", "en", {"patience_silence"}, {"pressuring"}),
    ("不着急，我在这里听着。", "zh", {"patience_silence"}, {"pressuring"}),
    ("希望你快点好起来。", "zh", set(), {"pressuring"}),
    ("You're sick.", "en", {"hostile_insult"}, set()),
    ("神经病！", "zh", {"hostile_insult"}, set()),
    ("无聊不无聊？", "zh", {"hostile_insult"}, set()),
    ("滚！", "zh", {"hostile_insult"}, set()),
    ("You're not crazy, and you're not stupid.", "en", set(), {"hostile_insult"}),
    ("你不是神经病，你只是太累了。", "zh", set(), {"hostile_insult"}),
    ("I'm calling 911 now and I'll stay on the line with you until help arrives.", "en", {"emergency_action"}, set()),
    ("We can send an ambulance to you right away.", "en", {"emergency_action"}, set()),
    ("我现在就帮你打120。", "zh", {"emergency_action"}, set()),
    ("我们会联系110，请保持通话。", "zh", {"emergency_action"}, set()),
    ("I'll stay here with you.", "en", set(), {"emergency_action"}),
    ("Hello, this is the Hope Crisis Line, how can I help?", "en", {"greeting_identify"}, set()),
    ("您好，这里是北京心理危机干预热线。", "zh", {"greeting_identify"}, set()),
    ("It sounds like you feel really alone.", "en", {"reflection_feeling"}, set()),
    ("听起来你很孤独。", "zh", {"reflection_feeling"}, set()),
    ("So what you're saying is that work has become unbearable.", "en", {"paraphrase_summary"}, set()),
    ("你的意思是，最近工作压力特别大。", "zh", {"paraphrase_summary"}, set()),
    ("That must be so hard.", "en", {"validation_empathy"}, set()),
    ("想哭就哭吧，没关系。", "zh", {"validation_empathy"}, {"directive_advice"}),
    ("Do you have a plan for how you would do it?", "en", {"risk_plan"}, set()),
    ("Do you have access to pills right now?", "en", {"risk_means"}, set()),
    ("你手边有药吗？", "zh", {"risk_means"}, set()),
    ("Are you planning to act on these thoughts tonight?", "en", {"risk_timeline"}, set()),
    ("Have you tried to kill yourself before?", "en", {"risk_history", "suicide_inquiry"}, set()),
    ("你之前有没有试过伤害自己？", "zh", {"risk_history"}, set()),
    ("What are your reasons for living?", "en", {"reasons_for_living"}, set()),
    ("有什么让你坚持到现在？", "zh", {"reasons_for_living"}, set()),
    ("Let's make a safety plan together: could you put the pills somewhere else tonight?", "en", {"safety_planning"}, set()),
    ("我们一起做一个安全计划好吗？", "zh", {"safety_planning"}, {"risk_plan"}),
    ("You could call 12356 tomorrow, it's a free psychological support line.", "en", {"referral"}, set()),
    ("可以去当地的精神卫生中心看看。", "zh", {"referral"}, set()),
    ("This line is for people in crisis, so I'm going to end this call now.", "en", {"boundary_setting"}, set()),
    ("热线是留给需要帮助的人的，我现在要结束这次通话了。", "zh", {"boundary_setting"}, set()),
    ("Some people in a similar situation have tried talking to a friend; would that fit you?", "en", {"collaborative_options"}, set()),
    ("我们一起想想还有什么办法，好吗？", "zh", {"collaborative_options"}, set()),
    ("Thank you for calling, feel free to call again. Goodbye.", "en", {"closing"}, set()),
    ("你应该去看医生。", "zh", {"directive_advice"}, set()),
    ("Calm down and stop crying.", "en", {"directive_advice"}, set()),
    ("You don't have to say anything.", "en", {"patience_silence"}, {"directive_advice"}),
    ("Other people have it much worse than you.", "en", {"minimizing"}, set()),
    ("It's your own fault.", "en", {"judging_blaming"}, set()),
    ("想想你的父母，你这样太自私了。", "zh", {"judging_blaming"}, set()),
    ("Why did you do that? Why?", "en", {"interrogating_why"}, set()),
    ("你为什么要这样？为什么不早说？", "zh", {"interrogating_why"}, set()),
    ("Why don't you try going for a walk?", "en", {"directive_advice"}, {"interrogating_why"}),
    ("我以前也离婚过，我懂。", "zh", {"self_disclosure"}, set()),
    ("It's brave of you to call.", "en", {"affirmation"}, set()),
    ("你能打这个电话，说明你很勇敢。", "zh", {"affirmation"}, set()),
    ("Can you tell me more about that?", "en", {"open_question"}, set()),
    ("Are you at home right now?", "en", {"closed_question"}, set()),
]

# HELD-OUT: written before any rule existed and never used to tune the rules.
# Each case: (text, lang, skills that must fire, skills that must not fire).
HELDOUT = [
    ("Have you had moments where you thought the world would be better without you, and considered ending things?", "en", {"suicide_inquiry"}, set()),
    ("Sometimes people in this much pain think about taking their life. Is that something you've thought about?", "en", {"suicide_inquiry"}, set()),
    ("Do you ever wish you could go to sleep and never wake up?", "en", {"suicide_inquiry"}, set()),
    ("Are you having thoughts of harming yourself right now?", "en", {"suicide_inquiry"}, set()),
    ("你有没有过不想再活下去的念头？", "zh", {"suicide_inquiry"}, set()),
    ("很多人在这么痛苦的时候会想到自杀，你会这样想吗？", "zh", {"suicide_inquiry"}, set()),
    ("你是不是想过要结束自己的生命？", "zh", {"suicide_inquiry"}, set()),
    ("你最近有没有想伤害自己？", "zh", {"suicide_inquiry"}, set()),
    ("Did you get any sleep last night?", "en", set(), {"suicide_inquiry"}),
    ("你昨晚睡得好吗？", "zh", set(), {"suicide_inquiry"}),
    ("Everything you tell me stays between us, except if someone's life is at risk.", "en", {"confidentiality"}, {"promise_secrecy"}),
    ("这里的谈话是保密的，但如果涉及生命安全，我们需要采取措施。", "zh", {"confidentiality"}, {"promise_secrecy"}),
    ("I promise I'll never tell a soul, whatever you say.", "en", {"promise_secrecy"}, set()),
    ("放心，不管你说什么我都不会跟任何人讲。", "zh", {"promise_secrecy"}, set()),
    ("So what exactly happened?", "en", {"premature_fact_probe"}, set()),
    ("到底出了什么事？", "zh", {"premature_fact_probe"}, set()),
    ("Come on, talk to me, I haven't got all day.", "en", {"pressuring"}, {"patience_silence"}),
    ("你倒是说句话啊！", "zh", {"pressuring"}, set()),
    ("Are you kidding me? What an idiot.", "en", {"hostile_insult"}, set()),
    ("你有病吧，打这种电话。", "zh", {"hostile_insult"}, set()),
    ("There's no rush at all, I'm right here whenever you're ready.", "en", {"patience_silence"}, {"pressuring"}),
    ("慢慢来，我会一直在这儿陪着你。", "zh", {"patience_silence"}, {"pressuring"}),
    ("I'm going to call an ambulance for you now, and I'll stay on the phone with you.", "en", {"emergency_action"}, set()),
    ("我现在帮你联系120，你别挂电话。", "zh", {"emergency_action"}, set()),
    ("Hello, you've reached the crisis support line, my name is Lin.", "en", {"greeting_identify"}, set()),
    ("你好，这里是心理援助热线。", "zh", {"greeting_identify"}, set()),
    ("It sounds like you're feeling completely overwhelmed.", "en", {"reflection_feeling"}, set()),
    ("听起来你现在非常委屈。", "zh", {"reflection_feeling"}, set()),
    ("Have you worked out how you would do it?", "en", {"risk_plan"}, set()),
    ("你有具体的计划吗？", "zh", {"risk_plan"}, set()),
    ("Is there anything you could use to hurt yourself near you right now?", "en", {"risk_means"}, set()),
    ("Have you ever tried to end your life before?", "en", {"risk_history"}, set()),
    ("你以前有过自杀的尝试吗？", "zh", {"risk_history"}, set()),
    ("What has kept you going until now?", "en", {"reasons_for_living"}, set()),
    ("You really should just go and see a doctor.", "en", {"directive_advice"}, set()),
    ("这有什么大不了的，别想太多。", "zh", {"minimizing"}, set()),
    ("Why would you do something like that? Why didn't you tell anyone?", "en", {"interrogating_why"}, set()),
    ("This line has to stay open for people in crisis, so I'm going to end this call now.", "en", {"boundary_setting"}, set()),
    ("谢谢你今天打来，如果需要可以随时再打给我们，再见。", "zh", {"closing"}, set()),
    ("When I went through my divorce I felt the same way.", "en", {"self_disclosure"}, set()),
    ("It took real courage to pick up the phone today.", "en", {"affirmation"}, set()),
    ("I'm not going to rush you.", "en", {"patience_silence"}, {"pressuring"}),
]


def _check(text: str, lang: str, must: set[str], must_not: set[str]) -> None:
    result = TAGGER.tag([text], TagContext(lang=lang))[0]
    assert must <= set(result), f"missing {must - set(result)} in {result} for {text!r}"
    assert not (must_not & set(result)), f"unexpected {must_not & set(result)} in {result} for {text!r}"


@pytest.mark.parametrize("text,lang,must,must_not", DEV)
def test_dev_cases(text, lang, must, must_not):
    _check(text, lang, must, must_not)


@pytest.mark.parametrize("text,lang,must,must_not", HELDOUT)
def test_heldout_cases(text, lang, must, must_not):
    _check(text, lang, must, must_not)


def test_implements_protocol_and_registry():
    tagger = make_tagger("rules")
    assert isinstance(tagger, SkillTagger) and tagger.name == "rules"


def test_output_shape_and_ranges():
    texts = ["Take your time.", "", "你有没有想过自杀？", "What happened? Say something!"]
    out = TAGGER.tag(texts)
    assert len(out) == len(texts) and out[1] == {}
    for tagging in out:
        assert set(tagging) <= set(ALL_SKILLS)
        assert all(0.5 <= c <= 1.0 for c in tagging.values())
    assert {"premature_fact_probe", "pressuring"} <= set(out[3])


def test_language_detected_without_context():
    assert "suicide_inquiry" in TAGGER.tag(["你是不是想结束自己的生命？"])[0]
    assert "suicide_inquiry" in TAGGER.tag(["Are you thinking of suicide?"])[0]


def test_bare_plan_question_counts_more_after_caller_ideation():
    bare = TAGGER.tag(["Do you have a plan?"])[0]["risk_plan"]
    ctx = TagContext(previous_caller_text="I just want to die.")
    assert TAGGER.tag(["Do you have a plan?"], ctx)[0]["risk_plan"] > bare


def test_strong_wording_more_confident_than_hedged():
    strong = TAGGER.tag(["Are you thinking of killing yourself?"])[0]["suicide_inquiry"]
    hedged = TAGGER.tag(["Are you thinking of ending things?"])[0]["suicide_inquiry"]
    assert strong > hedged >= 0.5


def test_critical_skills_all_reachable():
    texts = ["Are you thinking of suicide?", "I'm calling an ambulance.", "I won't tell anyone, I promise.",
             "Say something!", "You idiot."]
    found = set().union(*TAGGER.tag(texts))
    assert {s.value for s in CRITICAL_SKILLS} <= found


# REPORTED: misses reported from golden calls and reviews (fixed by general rules, not these sentences).
# Each case: (text, lang, skills that must fire, skills that must not fire).
REPORTED = [
    ("一个人关在宿舍这么多天，夜里心慌又睡不着，难怪你会害怕。", "zh", {"validation_empathy"}, {"hostile_insult", "judging_blaming"}),
    ("这条热线是为需要心理帮助的人设立的，很多人可能正打不进来，我们把线路腾出来给他们。", "zh", {"boundary_setting"}, set()),
    ("听起来你现在很累，觉得活着没意思。能跟我说说发生了什么吗？", "zh", {"reflection_feeling", "open_question"},
     {"suicide_inquiry", "closed_question"}),
    ("You keep picturing him alone and frightened, and it's breaking your heart that you couldn't be there.", "en",
     {"reflection_feeling"}, set()),
    ("妈妈确诊住院，你自己又被隔离，连去看她都做不到，心里一定又担心又无助。", "zh", {"reflection_feeling"}, set()),
    ("you must be really scared", "en", {"reflection_feeling"}, {"directive_advice"}),
    ("That must feel so humiliating and sad.", "en", {"reflection_feeling"}, set()),
    ("你一直在怪自己，心里特别内疚。", "zh", {"reflection_feeling"}, {"judging_blaming"}),
    ("你一定又难过又丢脸。", "zh", {"reflection_feeling"}, {"hostile_insult"}),
    ("Hello, this is the Hope Support Line. What made you call today?", "en", {"open_question"}, set()),
    ("And right now there's a huge emptiness where your dad was. What have the last few days been like for you?", "en",
     {"open_question"}, set()),
    ("Your aunt knew him well too. How would it be to call her, maybe tomorrow?", "en", {"open_question"}, set()),
    ("你愿意多说说这几天是怎么过的吗？", "zh", {"open_question"}, {"closed_question"}),
    ("能多跟我说说吗？", "zh", {"open_question"}, {"closed_question"}),
    ("这两天你是怎么过来的？", "zh", {"open_question"}, set()),
    ("今天我们谈到了妈妈确诊住院、你在隔离中见不到她的担心。", "zh", {"paraphrase_summary"}, set()),
    ("Cry as much as you need to; I'm right here with you.", "en", {"validation_empathy"}, {"directive_advice"}),
    ("I think you might be having a bit of fun with me, and that's okay, but this line has to stay free for people who "
     "really need help, so I'll say goodbye now.", "en", {"boundary_setting"}, {"pressuring"}),
    ("你身边现在有没有可以用来伤害自己的东西？", "zh", {"risk_means"}, {"suicide_inquiry"}),
    ("你先别哭了，冷静一下，哭也解决不了问题。", "zh", {"pressuring"}, set()),
    ("你们是不是有病？拿热线开玩笑，无聊透顶！", "zh", {"hostile_insult"}, set()),
    ("能不能先把药放到门外？", "zh", {"safety_planning"}, set()),
    ("能不能先把药交给家人？", "zh", {"safety_planning"}, set()),
    # General calls (advice, won't hang up, questioning the counselor, long wait): review of the paths.
    ("我今年二十四岁，还在读研究生", "zh", {"self_disclosure"}, set()),
    ("我还没结婚，也没孩子", "zh", {"self_disclosure"}, set()),
    ("I'm twenty-five and doing my master's", "en", {"self_disclosure"}, set()),
    ("I'm not married and I don't have kids", "en", {"self_disclosure"}, set()),
    ("I lost my job once too", "en", {"self_disclosure"}, set()),
    ("咱们的谈话时间已经到了", "zh", {"boundary_setting"}, {"pressuring"}),
    ("Our time is up", "en", {"boundary_setting"}, {"pressuring"}),
    ("我要挂了", "zh", {"closing"}, {"pressuring"}),
    ("I'm going to hang up now", "en", {"closing"}, {"pressuring"}),
    ("We've talked for nearly an hour, and I need to keep the line free for other callers.", "en",
     {"boundary_setting"}, {"pressuring"}),
    ("你这是太敏感了", "zh", {"judging_blaming"}, set()),
    ("你就是想太多了，别自己吓自己", "zh", {"minimizing"}, set()),
    ("You're being oversensitive", "en", {"judging_blaming"}, set()),
    ("一定等得很着急吧", "zh", {"reflection_feeling"}, set()),
    ("听起来你真的很为难", "zh", {"reflection_feeling"}, set()),
    ("听起来你心里很乱", "zh", {"reflection_feeling"}, set()),
    ("你也很不容易", "zh", {"validation_empathy"}, set()),
    ("这段时间真的很难熬", "zh", {"validation_empathy"}, set()),
    ("That sounds like a really hard place to be", "en", {"validation_empathy"}, set()),
    ("That must have been so frustrating", "en", {"validation_empathy"}, set()),
    ("Anyone would be upset after waiting that long", "en", {"validation_empathy"}, set()),
    ("It sounds like that silence frightens you", "en", {"reflection_feeling"}, set()),
    ("你觉得哪一个最可行？", "zh", {"collaborative_options"}, set()),
    ("Which of these feels most possible to you?", "en", {"collaborative_options"}, set()),
    ("有些父母会先不催孩子，只是敲敲门、送个饭，你觉得适合你们吗？", "zh", {"collaborative_options"}, {"directive_advice"}),
    ("让我们谈谈您想怎样处理", "zh", {"collaborative_options"}, {"directive_advice"}),
    ("Listen to me: jobs come and go, your parents don't. Just go back now.", "en", {"directive_advice"}, set()),
    ("You're asking what you should do, and even in the same situation people choose differently.", "en",
     set(), {"directive_advice"}),
    ("Some people in a similar situation stop pressing and just knock, leave a meal, and wait for a chance to talk.", "en",
     {"collaborative_options"}, {"pressuring"}),
    ("I'm not a doctor; I'm a trained hotline counsellor", "en", set(), {"referral"}),
    ("I'm sorry, I don't share personal details", "en", {"boundary_setting"}, {"confidentiality", "promise_secrecy"}),
    ("是什么让你不太想挂电话？", "zh", {"open_question"}, {"reasons_for_living"}),
    ("能说说你打来是因为什么吗？", "zh", {"open_question"}, {"interrogating_why"}),
    ("Would you like to try telling me what's happening?", "en", {"open_question"}, {"premature_fact_probe"}),
]

# VARIANTS: new wordings of the same categories, written for this fix (not from any data set).
VARIANTS = [
    ("怪不得你这阵子总是睡不好，心里这么慌。", "zh", {"validation_empathy"}, {"hostile_insult", "judging_blaming"}),
    ("No wonder you feel so scared at night.", "en", set(), {"hostile_insult"}),
    ("难怪没人愿意理你。", "zh", {"hostile_insult"}, set()),
    ("这条线是留给需要紧急帮助的人的，请把电话让出来。", "zh", {"boundary_setting"}, set()),
    ("还有别人在排队等着打进来，我得把线路空出来了。", "zh", {"boundary_setting"}, set()),
    ("我不会挂断电话，我一直在这里。", "zh", set(), {"boundary_setting"}),
    ("It sounds like you feel life isn't worth living. Can you tell me what's been happening?", "en", set(),
     {"suicide_inquiry"}),
    ("看来你觉得人生没什么意义？", "zh", set(), {"suicide_inquiry"}),
    ("Some people who feel this low think about ending their life. Is that true for you?", "en", {"suicide_inquiry"}, set()),
    ("你说活着没意思，是不是有过想死的念头？", "zh", {"suicide_inquiry"}, set()),
    ("Do you have anything at home you could use to end your life?", "en", {"risk_means"}, {"suicide_inquiry"}),
    ("你家里有没有能用来伤害自己的药？", "zh", {"risk_means"}, {"suicide_inquiry"}),
    ("You must have felt so alone that night.", "en", {"reflection_feeling"}, {"directive_advice"}),
    ("Talk for as long as you need to.", "en", set(), {"directive_advice"}),
    ("What you should do is just forget him.", "en", {"directive_advice"}, set()),
    ("你心里其实也很委屈吧。", "zh", {"reflection_feeling"}, set()),
    ("What brought you to ring us tonight?", "en", {"open_question"}, set()),
    ("I'm glad you called. How has this week been for you?", "en", {"open_question"}, set()),
    ("能跟我讲讲那天的情况吗？", "zh", {"open_question"}, {"closed_question"}),
    ("那段时间你是怎么撑过来的？", "zh", {"open_question"}, set()),
    ("Tonight you told me about your exams and your sister.", "en", {"paraphrase_summary"}, set()),
    ("刚才我们聊到了你和爸爸的矛盾。", "zh", {"paraphrase_summary"}, set()),
    ("你是不是有毛病啊？", "zh", {"hostile_insult"}, set()),
    ("你们真是有病，别再打来了。", "zh", {"hostile_insult"}, set()),
    ("别哭了！冷静下来！", "zh", {"pressuring"}, set()),
    ("Could you put the tablets in another room for tonight?", "en", {"safety_planning"}, set()),
    ("我们先把刀锁到柜子里，好吗？", "zh", {"safety_planning"}, set()),
    ("晚上这个念头冒出来的时候，你可以给谁打电话？", "zh", {"safety_planning"}, set()),
    # General calls: two new wordings per reported gap (and the false alarms' near misses).
    ("我才二十出头，我今年二十三岁。", "zh", {"self_disclosure"}, set()),
    ("我现在还是个大学生，在读大四。", "zh", {"self_disclosure"}, set()),
    ("我已经结婚了，有两个孩子。", "zh", {"self_disclosure"}, set()),
    ("我也没有孩子，所以不太懂。", "zh", {"self_disclosure"}, set()),
    ("I'm 23, just a bit older than your son.", "en", {"self_disclosure"}, set()),
    ("I'm still a student, in my final year.", "en", {"self_disclosure"}, set()),
    ("I'm divorced myself, and I have two kids.", "en", {"self_disclosure"}, set()),
    ("I'm single and I don't have any children.", "en", {"self_disclosure"}, set()),
    ("I got laid off last year myself.", "en", {"self_disclosure"}, set()),
    ("I was bullied at school as well.", "en", {"self_disclosure"}, set()),
    ("我们今天的通话时间差不多了。", "zh", {"boundary_setting"}, {"pressuring"}),
    ("时间快到了，我们来总结一下今天谈的。", "zh", {"boundary_setting"}, {"pressuring"}),
    ("I'm afraid we're running out of time for tonight.", "en", {"boundary_setting"}, {"pressuring"}),
    ("We've come to the end of our time together.", "en", {"boundary_setting"}, {"pressuring"}),
    ("好，那我先挂了，保重。", "zh", {"closing"}, {"pressuring"}),
    ("再不说话我就挂了。", "zh", {"pressuring"}, {"closing"}),
    ("I'll hang up now. Take good care of yourself.", "en", {"closing"}, {"pressuring"}),
    ("If you won't talk, I'm going to hang up.", "en", {"pressuring"}, {"closing"}),
    ("Other callers are waiting, so I need to keep the line clear now.", "en", {"boundary_setting"}, set()),
    ("I'll keep the line open for a little while longer, no rush.", "en", {"patience_silence"}, {"boundary_setting"}),
    ("你是不是有点过于敏感了？", "zh", {"judging_blaming"}, set()),
    ("你就是太玻璃心了。", "zh", {"judging_blaming"}, set()),
    ("别瞎想了，没事的。", "zh", {"minimizing"}, set()),
    ("你不是想太多，这种担心很正常。", "zh", set(), {"minimizing"}),
    ("Honestly, you're being a bit paranoid.", "en", {"judging_blaming"}, set()),
    ("You're too sensitive about this.", "en", {"judging_blaming"}, set()),
    ("打了这么久才打进来，你肯定特别着急。", "zh", {"reflection_feeling"}, set()),
    ("爸爸妈妈两头都放不下，你心里一定很为难。", "zh", {"reflection_feeling"}, set()),
    ("别乱想，先睡觉。", "zh", set(), {"reflection_feeling"}),
    ("照顾老伴这么多年，您也真是够辛苦的。", "zh", {"validation_empathy"}, set()),
    ("一个人熬过这些日子，这些天一定很难熬。", "zh", {"validation_empathy"}, set()),
    ("That seems like such a lonely place to be.", "en", {"validation_empathy"}, set()),
    ("Waiting on hold for half an hour is really frustrating.", "en", {"validation_empathy"}, set()),
    ("Most people in your shoes would feel scared too.", "en", {"validation_empathy"}, set()),
    ("It seems like the quiet at night really scares you.", "en", {"reflection_feeling"}, set()),
    ("这几个办法里，你觉得哪个最适合你？", "zh", {"collaborative_options"}, set()),
    ("有的家长会先写一封信给孩子，这个办法可行吗？", "zh", {"collaborative_options"}, set()),
    ("Which one seems most doable for you this week?", "en", {"collaborative_options"}, set()),
    ("咱们一起商量一下你打算怎么处理这件事。", "zh", {"collaborative_options"}, set()),
    ("Take my advice and quit that job.", "en", {"directive_advice"}, set()),
    ("Do what I tell you: go home and look after your dad.", "en", {"directive_advice"}, set()),
    ("I hear you wondering whether you should move back home.", "en", set(), {"directive_advice"}),
    ("你问我你应该怎么做，其实每个人的选择都不一样。", "zh", set(), {"directive_advice"}),
    ("Maybe give it some time and see if there's a moment to talk.", "en", set(), {"pressuring"}),
    ("You called, so talk!", "en", {"pressuring"}, set()),
    ("I'm one of the trained volunteers on this line, not a psychiatrist.", "en", {"greeting_identify"}, {"referral"}),
    ("我不是心理医生，我是这条热线的志愿者。", "zh", set(), {"referral"}),
    ("I'd rather not go into my personal life, but I'm here for you.", "en", {"boundary_setting"}, {"confidentiality"}),
    ("请原谅，更多个人信息我不便透露。", "zh", {"boundary_setting"}, {"confidentiality", "promise_secrecy"}),
    ("是什么让你今晚想多聊一会儿？", "zh", {"open_question"}, {"reasons_for_living"}),
    ("能说说你是因为什么睡不着吗？", "zh", {"open_question"}, {"interrogating_why"}),
    ("你哭是因为什么？", "zh", {"premature_fact_probe"}, {"interrogating_why"}),
    ("Do you want to tell me what's been going on?", "en", {"open_question"}, {"premature_fact_probe"}),
    ("Can you tell me what happened?", "en", {"premature_fact_probe"}, set()),
]


@pytest.mark.parametrize("text,lang,must,must_not", REPORTED)
def test_reported_cases(text, lang, must, must_not):
    _check(text, lang, must, must_not)


@pytest.mark.parametrize("text,lang,must,must_not", VARIANTS)
def test_variant_cases(text, lang, must, must_not):
    _check(text, lang, must, must_not)


# Contempt worded as a jibe, a sneer or a brush-off (the contempt rule in models/data/README.md), with the
# neighbours that must stay clear of it. Written for the rule, not taken from the data set.
CONTEMPT = [
    ("她不回你消息就哭成这样，也太矫情了吧。", "zh", {"hostile_insult"}, set()),
    ("跟我说这些干嘛，关我啥事。", "zh", {"hostile_insult"}, set()),
    ("又来了，有完没完？", "zh", {"hostile_insult"}, set()),
    ("你一个大小伙子哭给谁看呢？", "zh", {"hostile_insult"}, set()),
    ("想哭就哭吧，没人会说你矫情。", "zh", {"validation_empathy"}, {"hostile_insult"}),
    ("嗯，不着急，我有的是时间陪您。", "zh", {"patience_silence"}, {"hostile_insult"}),
    ("Oh, big deal, so he didn't text back.", "en", {"hostile_insult"}, set()),
    ("I haven't got all night, mate.", "en", {"hostile_insult"}, set()),
    ("Stop wasting my time and say what you want.", "en", {"hostile_insult"}, set()),
    ("You're being so dramatic about a parking fine.", "en", {"hostile_insult"}, set()),
    ("We have all the time you need; it's not a big deal if you pause.", "en", set(), {"hostile_insult"}),
    ("You'll get over it in time, you're young.", "en", set(), {"hostile_insult"}),
    ("嗯，我在。", "zh", {"patience_silence"}, {"pressuring"}),
    ("不出声也没关系，我陪你坐一会儿。", "zh", {"patience_silence"}, {"pressuring"}),
    # a first-person denial covers the rest of its clause; a second-person jibe does not deny anything
    ("我从来没觉得你是在捣乱，你能打来挺好的。", "zh", set(), {"hostile_insult"}),
    ("我可不是说你矫情。", "zh", set(), {"hostile_insult"}),
    ("我没嫌你烦，慢慢说。", "zh", set(), {"hostile_insult"}),
    ("你就是打来捣乱的吧？", "zh", {"hostile_insult"}, set()),
    ("我不觉得累，你就是矫情。", "zh", {"hostile_insult"}, set()),
    # insults reported or quoted back are reflections, not insults; the same words said to the caller still are
    ("Your brother kept calling you pathetic, and you started to believe him.", "en", set(), {"hostile_insult"}),
    ("You said you feel stupid for still caring about her.", "en", set(), {"hostile_insult"}),
    ("People telling you to 'just grow up' wore you down.", "en", set(), {"hostile_insult"}),
    ("You're pathetic.", "en", {"hostile_insult"}, set()),
    ("老师当着全班说你“蠢”，那一刻一定很难堪。", "zh", set(), {"hostile_insult"}),
    ("你被他们叫成废物，心里一直憋着。", "zh", set(), {"hostile_insult"}),
    ("我说你这人怎么这么蠢？", "zh", {"hostile_insult"}, set()),
    ("我觉得你挺丢人的。", "zh", {"hostile_insult"}, set()),
]


# A reflection of the caller's feelings or fears that happens to hold an insult word is no insult ("you sound
# hopeless", "sick of", "mad at", "no wonder you're in bits", "你怕丢人", "被人当成神经病", "想过去死" in a suicide
# question); the same words aimed at the caller still are. Written for these rules, not taken from any data set.
REFLECTED = [
    ("You sound so hopeless tonight.", "en", set(), {"hostile_insult"}),
    ("You seem completely hopeless about the new job.", "en", set(), {"hostile_insult"}),
    ("You're sick of being the one who holds it together.", "en", set(), {"hostile_insult"}),
    ("You're mad at your sister, and that's fair.", "en", set(), {"hostile_insult"}),
    ("Ugh, that sounds miserable.", "en", set(), {"hostile_insult"}),
    ("Ugh, I'm so sorry that happened.", "en", set(), {"hostile_insult"}),
    ("No wonder you're in pieces after a week like that.", "en", set(), {"hostile_insult"}),
    ("Plenty of callers feel like a nuisance the first time; lots of people feel like an idiot ringing.", "en",
     set(), {"hostile_insult"}),
    ("You're hopeless, you know that?", "en", {"hostile_insult"}, set()),
    ("You're sick in the head.", "en", {"hostile_insult"}, set()),
    ("Ugh, this again?", "en", {"hostile_insult"}, set()),
    ("No wonder nobody calls you back.", "en", {"hostile_insult"}, set()),
    ("你是不是一直在想活着没意思，甚至想过去死？", "zh", {"suicide_inquiry"}, {"hostile_insult"}),
    ("你肯定烦死了吧，被催了一整天。", "zh", set(), {"hostile_insult"}),
    ("你受够了你妈天天唠叨。", "zh", set(), {"hostile_insult"}),
    ("你担心同事觉得你蠢，所以一直不敢问。", "zh", set(), {"hostile_insult"}),
    ("你怕丢人，这些事从来没跟家里说过。", "zh", set(), {"hostile_insult"}),
    ("同学笑你是爱哭鬼，那段时间你一定很孤单。", "zh", set(), {"hostile_insult"}),
    ("被人当成疯子看，换谁都会难受。", "zh", set(), {"hostile_insult"}),
    ("难怪你这几天老是哭。", "zh", set(), {"hostile_insult"}),
    ("你现在心里一团糟，这很正常。", "zh", set(), {"hostile_insult"}),
    ("你去死吧。", "zh", {"hostile_insult"}, set()),
    ("我受够你们这种电话了。", "zh", {"hostile_insult"}, set()),
    ("烦死了，说重点！", "zh", {"hostile_insult"}, set()),
    ("难怪你老公不要你。", "zh", {"hostile_insult"}, set()),
]


@pytest.mark.parametrize("text,lang,must,must_not", CONTEMPT + REFLECTED)
def test_contempt_cases(text, lang, must, must_not):
    _check(text, lang, must, must_not)


# Pressure is a demand on the caller. What the trainee does at once, the consequence of a piece of advice, or
# "I'll wait for you" is none; impatience at waiting still is, and it must not read as patience.
PRESSURE = [
    ("您吃了多少片？我这边马上给您叫救护车。", "zh", {"emergency_action"}, {"pressuring"}),
    ("您别挂，我们马上联系120。", "zh", set(), {"pressuring"}),
    ("你马上给我停下来！", "zh", {"pressuring"}, set()),
    ("马上告诉我你在哪！", "zh", {"pressuring"}, set()),
    ("早点去看医生，不然拖久了更麻烦。", "zh", set(), {"pressuring"}),
    ("快说，不然我挂了！", "zh", {"pressuring"}, set()),
    ("再不开口，否则我就结束通话。", "zh", {"pressuring"}, set()),
    ("想好了没？我等你半天了。", "zh", {"pressuring"}, {"patience_silence"}),
    ("我都等您老半天了。", "zh", {"pressuring"}, {"patience_silence"}),
    ("我会一直等你，不着急。", "zh", {"patience_silence"}, {"pressuring"}),
]


@pytest.mark.parametrize("text,lang,must,must_not", PRESSURE)
def test_pressure_cases(text, lang, must, must_not):
    _check(text, lang, must, must_not)
