"""Text helpers shared by the rule tagger and the rule event detector (stdlib `re` only)."""
from __future__ import annotations

import re
from typing import Iterable, Pattern

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Sentences end at terminal punctuation (ASCII and full-width); "…" and line breaks too.
_SENTENCE_END = re.compile(r"(?<=[.!?。！？…\n])\s*|(?<=[;；])\s*")
# Clauses also break at commas and at "but"/"但是": negation does not cross them.
_CLAUSE_BREAK = re.compile(r"[,，、;；:：.!?。！？…\n]|\bbut\b|但是|可是|不过", re.I)

_EN_NEGATION = re.compile(
    r"\b(not|never|no|nobody|neither|nor|without|don't|dont|doesn't|didn't|won't|wouldn't|"
    r"isn't|aren't|wasn't|haven't|hasn't|can't|cannot|couldn't|shouldn't)\b|n't\b", re.I)
_ZH_NEGATION = re.compile(r"不|没|别|无|非|未|勿|绝不|从不|从没")
# A first-person denial frames a longer stretch: "我没觉得你在捣乱", "我可不是说你矫情", "我从来没嫌你烦".
# (Second person stays out: "你不觉得丢人吗" is a jibe, not a denial.)
_ZH_DENIAL = re.compile(r"我(们)?(可|也|并|真|从来|一点)?(都|也)?(不|没|没有|从不|从没|从来没)(有)?"
                        r"(觉得|认为|是说|说过?|嫌|怪|想说)|"
                        r"(没人|没有人|谁(都|也)不|不会有人)(会)?(觉得|认为|说|嫌|笑话?|怪)")  # "没人会觉得你矫情"

# Reported words: an insult someone else used, or the caller used about themselves, quoted or reported back
# ("your dad calling you a waste of space", "you said you feel pathetic", "同学都叫你“神经病”"), or the caller's fear of
# being seen so ("你怕丢人", "被人当成神经病").
_EN_REPORTED = re.compile(
    r"\b(call(s|ed|ing)? (you|yourself|him|her|them)|being called|get(ting)? called|"
    r"(you|he|she|they|people|everyone) (said|say|says|keep saying|told you) (that )?(you|you're|you are|you were|"
    r"you feel|you felt|you're just)|call(s|ed|ing)? you names|"
    r"(?<!\bi )(?<!\bwe )\b(yell(s|ed)?|shout(s|ed)?|scream(s|ed)?|wrote|writes|text(s|ed)?|post(s|ed)?) (at you )?(that )?you|"
    # the caller's own view of themselves, or their fear of how others will see them
    r"\byou (feel|felt)\b|\byou('re| are) feeling\b|\bpart of you (thinks|feels|believes|says)\b|"
    r"(?<!\bdo )(?<!\bdid )\byou (think|thinks|thought|believe|believes|believed) (that )?(you're|you are|you were|"
    r"yourself)\b|"
    r"\b(?!i\b|we\b)\w+('ll| will| would| might| may| could| are going to| is going to) (think|say|see|call|judge)\b|"
    r"(?<!\bi'm )(?<!\bi am )(?<!\bi was )\bthinking (you're|you are|you were|of you as)\b|"
    # how people in general feel, said to normalise ("lots of people feel like an idiot ringing us")
    r"(people|callers|everyone|everybody|anyone|anybody|many|most|others|folks)\b[^.!?]{0,20}\b(feel|feels|felt) "
    r"(like|a bit like))\b", re.I)
_ZH_REPORTED = re.compile(r"(?<!我)(说|叫|骂|喊|称|笑话|笑|嘲笑|嫌)(你|自己|他|她|孩子)|被.{0,8}(说成|叫成|骂成|说|叫|骂|当成|看成|当作)|"
                          r"说成|骂成|(?<!我)(?<!我是)(怕|担心|害怕|生怕)|(?<!我)(会|要|就)(觉得|说|嫌|笑话?|看不起)你|"
                          r"(?<![我不])觉得(?!你)")  # "觉得这种事说出来挺丢人" names the caller's feeling
_QUOTED = re.compile(r'"[^"]*"|「[^」]*」|『[^』]*』|(?<!\w)\'[^\']+\'(?!\w)')

_EN_QUESTION_START = re.compile(
    r"^\s*(and |so |but |ok(ay)?,? |also,? |now,? )?(do|does|did|are|is|was|were|have|has|had|can|could|"
    r"would|will|shall|should|may|might|what|how|when|where|who|whom|which|why|whether|"
    r"tell me|i('d| would) like to ask|i want to ask|can i ask|may i ask|i need to ask)\b", re.I)
_EN_ASK = re.compile(r"\b(ask(ing)? (you|about|if|whether)|wonder(ing)? (if|whether)|"
                     r"i('d| would) like to know|let me ask)\b", re.I)
_ZH_QUESTION = re.compile(r"吗|嘛[？?]|呢[？?。]?$|有没有|是不是|会不会|要不要|想不想|是否|有过.{0,12}吗|"
                          r"问问?你|想知道|什么时候|怎么|多久|哪|几次|谁")

Compiled = list[tuple[Pattern[str], float]]

# The polite 您 reads as 你 for the rules ("您是不是想过自杀？" asks the same as "你…").
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2014": " - ", "您": "你"})
_BARE_CONTRACTIONS = re.compile(
    r"\b(dont|wont|cant|didnt|doesnt|isnt|arent|wasnt|werent|havent|hasnt|shouldnt|couldnt|wouldnt|"
    r"im|ive|youre|youve|youll|youd|theyre|thats|whats|theres)\b", re.I)
_FIXED = {"dont": "don't", "wont": "won't", "cant": "can't", "im": "I'm", "ive": "I've", "youre": "you're",
          "youve": "you've", "youll": "you'll", "youd": "you'd", "theyre": "they're", "thats": "that's",
          "whats": "what's", "theres": "there's"}


def normalise(text: str) -> str:
    """Straighten quotes, read 您 as 你, restore apostrophes in contractions ("wont" -> "won't")."""
    text = text.translate(_QUOTES)
    return _BARE_CONTRACTIONS.sub(lambda m: _FIXED.get(m.group(0).lower(), m.group(0)[:-1] + "'t"), text)


def compile_patterns(table: dict[str, list[tuple[str, float]]], flags: int = re.I) -> dict[str, Compiled]:
    """Compile a skill -> [(regex, confidence)] table once, at import time."""
    return {key: [(re.compile(rx, flags), conf) for rx, conf in rows] for key, rows in table.items()}


def detect_lang(text: str) -> str:
    """Return "zh" when the text holds any CJK character, else "en"."""
    return "zh" if CJK.search(text) else "en"


def sentences(text: str) -> list[str]:
    """Split a text into non-empty sentences, keeping their end punctuation."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def is_question(sentence: str, lang: str) -> bool:
    """Whether a sentence asks something (punctuation, interrogative words, 'I want to ask')."""
    s = sentence.strip()
    if s.endswith(("?", "？")):
        return True
    if lang == "zh":
        return bool(_ZH_QUESTION.search(s))
    return bool(_EN_QUESTION_START.search(s) or _EN_ASK.search(s))


def clause_before(text: str, start: int, width: int) -> str:
    """The text before `start`, cut at the last clause break and limited to `width` chars."""
    before = text[max(0, start - width):start]
    parts = _CLAUSE_BREAK.split(before)
    return parts[-1] if parts else ""


def negated(text: str, start: int, lang: str) -> bool:
    """Whether a negation word sits just before `start` within the same clause."""
    if lang == "zh":
        return bool(_ZH_NEGATION.search(clause_before(text, start, 4))
                    or _ZH_DENIAL.search(clause_before(text, start, 14)))
    return bool(_EN_NEGATION.search(clause_before(text, start, 28)))


def reported(text: str, start: int, lang: str) -> bool:
    """Whether the words at `start` are quoted, or reported as someone else's (or the caller's own) words."""
    if any(q.start() < start < q.end() for q in _QUOTED.finditer(text)):
        return True
    if lang == "zh":
        return bool(_ZH_REPORTED.search(clause_before(text, start, 16)))
    return bool(_EN_REPORTED.search(clause_before(text, start, 40)))


def first_match(patterns: Compiled, text: str, lang: str, negatable: bool, reportable: bool = False) -> float:
    """Highest confidence among patterns matching `text` (0.0 if none).

    With `negatable`, a match preceded by a negation in its clause does not count,
    but another, un-negated occurrence of the same pattern still does. With `reportable`, neither does a
    match in quoted or reported words.
    """
    best = 0.0
    for rx, conf in patterns:
        if conf <= best:
            continue
        if any(not (negatable and negated(text, m.start(), lang)) and not (reportable and reported(text, m.start(), lang))
               for m in rx.finditer(text)):
            best = conf
    return best


def any_match(patterns: Iterable[Pattern[str]], text: str) -> bool:
    """Whether any of the compiled patterns occurs in `text`."""
    return any(rx.search(text) for rx in patterns)
