"""English surface patterns per skill: (regex, confidence). 0.9 strong, 0.6-0.75 weaker cues.

Skills computed from combinations (suicide_inquiry, the risk_* questions, confidentiality vs
promise_secrecy, premature_fact_probe, interrogating_why) live in simulator/rule_tagger.py.
"""
from __future__ import annotations

_FEEL = (r"(sad|scared|afraid|frightened|terrified|hurt|angry|furious|alone|lonely|isolated|overwhelmed|"
         r"exhausted|drained|hopeless|desperate|ashamed|anxious|worried|upset|lost|heartbroken|devastated|"
         r"tired|helpless|trapped|guilty|numb|empty|stuck|confused|frustrated|betrayed|panicked|panicky|"
         r"grief|grieving|pain|painful|low|down|miserable|worthless|broken|nervous|shaken|crushed|"
         r"rejected|humiliated|embarrassed|distressed|at the end of your rope|on edge|torn|humiliating|frightening|terrifying|"
         r"embarrassing|shameful|crushing|devastating|isolating|heartbreaking|lonely|frustrating|upsetting|stressful|infuriating|"
         r"unsettling|worrying|distressing)")
# After "no wonder you": a feeling or a sign of distress makes it validating ("no wonder you're in bits"), not a jibe.
_NO_WONDER_OK = (r"(" + _FEEL + r"|in (bits|pieces|tears|a state)|crying|cried|can't (sleep|eat|stop|think)|couldn't (sleep|eat|"
                 r"stop)|falling apart|shaking|struggling|fed up|sick of|feel|felt|feeling|reeling|rattled|worn out|wiped out)")

PATTERNS: dict[str, list[tuple[str, float]]] = {
    "greeting_identify": [
        (r"\b(this is|you('ve| have) reached|you('re| are) (through|connected) to|welcome to|you('ve| have) called)\b"
         r"[^.?!]{0,60}\b(line|hotline|helpline|lifeline|service|cent(er|re)|crisis|support)\b", 0.9),
        (r"^\W*(hello|hi|good (morning|afternoon|evening))\b[^.?!]{0,80}\b(hotline|helpline|lifeline|crisis line|support line)", 0.9),
        (r"\bmy name is\b|\bi'm [A-Z][a-z]+,? (a|the|one of the) (volunteer|counsel?l?or|listener)", 0.6),
        # "I'm a trained hotline counsellor", "I'm one of the volunteers on this line"
        (r"\bi('m| am) (a|an|one of the) ([\w-]+ ){0,3}(volunteers?|counsel?l?ors?|listeners?|call handlers?)\b", 0.6),
    ],
    "open_question": [
        (r"\b(can|could|would) you (tell|say|share|talk) (me |a bit |a little |some )*(more|about|what|how)", 0.85),
        (r"(^|[.!?;]\s+)\W*(and |so )?(what|how)\b(?! (many|much|old|long|often)\b)[^.!?]*\?", 0.75),
        (r"\bwhat (made|brought|led) you (to )?(call|decide|reach|pick|ring|get in touch)", 0.85),
        (r"\btell me (more|about|what|how)\b|\bwhat('s| is) (been )?(on your mind|going on for you|that like)", 0.85),
        (r"\bwhat would you like to (talk|say|share)|\bhow (are|have) you (been )?(feeling|doing|coping)", 0.85),
        (r"\bi('d| would) like to (hear|understand) (more|what|how)", 0.8),
        (r"\b(would you like|do you want|would you be willing|would you feel able) to (try )?(tell|telling|talk|talking|say|share)\b",
         0.85),
    ],
    "closed_question": [
        (r"^\W*(and |so )?(do|does|did|are|is|was|were|have|has|had|can|could|will|would|shall|should)"
         r" (you|he|she|they|it|there|anyone|someone|we)\b[^.!?]*\?", 0.8),
        (r"\b(right|okay|ok|yes or no|is that (right|so))\s*\?\s*$", 0.6),
    ],
    "reflection_feeling": [
        (r"\b(sounds?|seems?|looks?|feels?) (like|as if|as though)?\s*(you('re| are| feel| must)|it's)\b[^.!?]{0,40}\b" + _FEEL, 0.9),
        (r"\b(sounds?|seems?) (really |so |very |quite |pretty )?" + _FEEL, 0.85),
        (r"\byou('re| are)( really| so| very| feeling| still)* (feeling )?" + _FEEL, 0.8),
        (r"\byou (must|might|may) (be )?(feel(ing)?|be) (so |really |very )?" + _FEEL, 0.85),
        (r"\bi (can )?(hear|sense) (how|that you('re| are)|the|so much|a lot of)\b[^.!?]{0,30}" + _FEEL, 0.9),
        (r"\byou feel\b[^.!?]{0,25}" + _FEEL, 0.75),
        # "that must feel so humiliating", "it's breaking your heart"
        (r"\b(must|might|may) (have )?(feel|felt|be|been) (so |really |very |incredibly |such a |a bit |quite )*" + _FEEL, 0.85),
        (r"\b(it's|it is|that's|that is) (breaking|broken) your heart|\byour heart (is )?(breaking|aching|broken)", 0.85),
        (r"\b(sounds?|seems?|feels?) (like|as if|as though)\b[^.!?]{0,40}\b(frighten|scare|terrifie|terrif|worrie|worr|upset|hurt|"
         r"overwhelm|exhaust|haunt|torment|weigh|bother)(s|ed|ing)?( on| at)? you\b", 0.85),
    ],
    "paraphrase_summary": [
        (r"\bso (what )?(you're|you are) (saying|telling me)|\bwhat i('m| am) hearing( is)?|\bif i (understand|heard|got) (you|that|this)",
         0.9),
        (r"\bin other words\b|\bto sum (it )?up\b|\blet me (see if i|make sure i|check i|summari[sz]e)|\bto summari[sz]e\b", 0.9),
        (r"\bi hear (you saying|that you)|\bif i('ve| have) got (this|it|that) right|\bso you've been\b|\bso you're\b", 0.75),
        (r"\byou (said|mentioned|told me) (that|earlier|before)|\bso (for you|basically|it's)\b", 0.6),
        (r"\b(today|tonight|so far|earlier) (we('ve)?|you('ve)?) (talked|spoke|told me|shared|mentioned|discussed)( about)?\b|"
         r"(^|[.!?]\s+)\W*(so,? )?we('ve| have) (talked|been talking) about\b|\byou keep (picturing|imagining|replaying|seeing|going over|"
         r"thinking about|coming back to|blaming yourself)", 0.8),
    ],
    "validation_empathy": [
        (r"\b(that|this|it) (sounds|must be|must have been|seems|is|'s)( like)? (so |really |incredibly |very |truly |such a |"
         r"a really |a )?(hard|difficult|painful|awful|terrible|overwhelming|heavy|tough|frightening|scary|"
         r"lot to (carry|deal with|cope with|bear)|heartbreaking|exhausting|frustrating|upsetting|stressful|lonely|distressing)", 0.9),
        (r"\b(is|was|'s) (so|really|incredibly|very|truly|deeply) (frustrating|upsetting|exhausting|stressful|distressing|"
         r"frightening|lonely|painful)\b", 0.8),
        (r"\b(it's|it is|that's|that is) (okay|ok|alright|all right|understandable|natural|normal|fine|human)"
         r" (to|that|if) (feel|cry|be|you)", 0.9),
        (r"\b(anyone|anybody|most people|many people|any of us)( in your (position|shoes|place))? (would|could|might) (feel|"
         r"(be|get|have been|have felt) [^.!?]{0,15}" + _FEEL + r")|\bmakes (complete |total |a lot of )?sense",
         0.85),
        (r"\bi('m| am) (so |really |very |truly )?sorry (you|to hear|for your loss|that|about)", 0.9),
        (r"\bi can (only )?(imagine|understand|see why|see how)|\byou('re| are) not alone\b|\bi('m| am) here (with|for) you", 0.8),
        (r"\b(let it out|cry if you need|go ahead and cry|you can cry)|\bof course you (feel|are|would)|"
         r"\bcry (as much as|for as long as|all) you (need|want|like)|\bno wonder you\b[^.!?]{0,30}" + _NO_WONDER_OK, 0.85),
    ],
    "affirmation": [
        (r"\b(took|takes|taking) (real |a lot of |great |some )?(courage|strength|bravery|guts)", 0.9),
        (r"\b(brave|strong|good|right thing|important|wise) (of you )?(to|that you) (call|reach|pick|talk|tell|ring|share|ask)", 0.9),
        (r"\bi('m| am) (really |so |very )?glad (you|that you) (called|reached|rang|told|shared|are|'re|decided)", 0.9),
        (r"\b(thank you|thanks) (so much )?for (calling|reaching out|telling|trusting|sharing|being honest|staying)", 0.75),
        (r"\byou('ve| have) (done|managed|coped|survived|gotten|got|held on|kept going)\b[^.!?]{0,30}"
         r"(so much|well|a lot|this far|through)|\byou('re| are) (doing|handling it) (really |so )?well", 0.8),
    ],
    "patience_silence": [
        (r"\btake (all )?(the |your )?(time|as long as you need)|\bin your own time\b|\bat your own pace\b", 0.9),
        (r"\bno (rush|hurry|pressure)\b|\b(there's|there is) no (rush|hurry|need to hurry)|\bnot in a (rush|hurry)\b", 0.9),
        (r"\b(whenever|when) you('re| are| feel) ready\b|\bi('ll| will| can) wait\b|\bi('m| am) (not )?going (anywhere|to wait)", 0.85),
        (r"\bi('m| am) (still )?(here|listening|right here|on the line)\b|\bi('m| am) here and (i'm )?listening", 0.75),
        (r"\b(it's|it is) (okay|ok|fine|alright) (to be (quiet|silent)|not to (talk|speak|say)|if you (can't|don't) (talk|speak|say))",
         0.9),
        (r"\b(don't|do not) have to (say|talk|speak|explain)|\b(not|won't) (going to )?(rush|hurry|pressure) you", 0.85),
        (r"\b(tap|knock on) (the|your) phone|\bmake (any|a) (sound|noise)|\b(any|some) (little )?(sound|signal)\b", 0.8),
    ],
    "reasons_for_living": [
        (r"\breasons? (to|for) (live|living|stay(ing)? alive|keep(ing)? going|hold(ing)? on|being here)", 0.9),
        (r"\bwhat('s| has| is)? (kept|keeps|keeping|stopped|stops|held|holds) you (going|alive|here|back|from)", 0.9),
        (r"\b(who|what) (would you miss|do you live for|matters (most )?to you|gives you (hope|strength|a reason))", 0.85),
        (r"\b(anyone|someone|people|things?) (you care about|you love|in your life that|worth living|to look forward)", 0.75),
        (r"\b(part of you|a part of you) (that )?(wants|want) to (live|stay|keep going)", 0.9),
    ],
    "safety_planning": [
        (r"\bsafety plan\b|\bkeep(ing)? (yourself )?(you )?safe\b|\bstay(ing)? safe\b|\bsafe (place|tonight|right now)", 0.9),
        (r"\b(put|move|give|get|lock|hand)\b[^.!?]{0,25}\b(away|out of reach|somewhere (else|safe)|to someone|out of the (house|room)|"
         r"in(to)? (another|a different|the other|the next) room|outside)", 0.8),
        (r"\b(who|someone|anyone) (could|can) (you )?(call|be with you|stay with you|come over|you reach)", 0.8),
        (r"\b(get|make it) through (tonight|the night|today|the next)|\bif (the|these|those) (thoughts|feelings|urges) (come|get)", 0.85),
        (r"\b(agree|promise) (to|that you)[^.!?]{0,30}(call|reach|contact|keep|stay)|\bwhat could you do (if|when|instead)", 0.75),
    ],
    "emergency_action": [
        (r"(?<![\d-])(120|110|911|999|112)(?![\d-])", 0.9),
        (r"\b(ambulance|paramedics?|emergency services|emergency (room|department|team|help|line)|police|first responders|"
         r"(mobile )?crisis team|rescue (team|services?|crew)|a ?& ?e|coast ?guard|fire (brigade|service|department))\b", 0.85),
        (r"\b(send|sending|sent|get|getting|call|calling)\s+(you\s+)?(someone|help|emergency help|an? (ambulance|team|unit))\b", 0.85),
        (r"\bhelp is (coming|on (its|the) way|being (called|sent))|\b(stay|keep you) on the (line|phone) (with you )?(until|while)|"
         r"\b(is|are) on (its|their|the) way\b", 0.9),
        (r"\b(address|location|where you are|room number|landmark)\b[^.!?]{0,50}\b(send|find you|get to you|reach you|help)|"
         r"\b(so|to) (we|i|they|someone|the \w+ team) can (send|find|reach|get to)\b|\bwhat('s| is) your (address|location)", 0.8),
    ],
    "referral": [
        (r"\b(988|116 ?123|samaritans|lifeline|crisis text line|12356|12320|400-?161-?9995)\b", 0.85),
        (r"\b(psychiatrist|psychologist|therapist|counsel?l?or|counsel?ling|mental health (service|clinic|team|centre|center)|"
         r"gp|family doctor|outpatient|clinic|support group)\b", 0.65),
        (r"\b(number|contact|details|website|service) (for|of|you can)\b[^.!?]{0,40}(call|contact|reach|help)", 0.6),
        (r"\brefer(ral|ring)? you\b|\bi can give you (the |a )?(number|contact|details)", 0.85),
    ],
    "boundary_setting": [
        (r"\b(this|the|our) (line|hotline|service) (is|has to|needs to|must|should) (stay |be )?"
         r"(kept )?(open|free|available|reserved|for)\b", 0.9),
        (r"\bfor (people|callers|someone|those) (who (are|need|might)|in (crisis|need|distress))", 0.75),
        (r"\b(keep|free up|make) (the|this|our) (line|hotline|phone line) (free|clear)\b|\bneed to keep the (line|hotline) "
         r"(open|available|free)\b|\b(line|hotline) (free|open|clear|available) for (other|others|people|someone|callers|those)\b", 0.9),
        (r"\b(our|the) time (is|'s) (up|nearly up|almost up|over)\b|\bwe('re| are) (out of|running out of) time\b|"
         r"\bwe('ve| have) (come to|reached) the end of (our|the) time\b", 0.85),
        # declining to give the counsellor's own details ("I don't share personal details")
        (r"\bi( don't| do not| won't| will not| can't| cannot|'d rather not| would rather not| am not able to|'m not able to) "
         r"(share|give( out)?|talk about|go into|disclose)( any| more)?( of)? (my )?(own )?(personal|private)( details| information|"
         r" info| life| things)?\b", 0.8),
        (r"\bi('m| am) (going to|gonna|about to|now) (end|hang up|close|finish|stop) (this|the|our)? ?(call|conversation)", 0.8),
        (r"\bi (can't|cannot|won't|will not) (continue|discuss|talk about|engage|go on with) (this|that|with)", 0.85),
        (r"\b(not|isn't) (appropriate|okay|ok|what this (line|service) is for)|\bif you (continue|keep)\b", 0.75),
    ],
    "collaborative_options": [
        (r"\b(some|other|many) people (in|who|find|have found|have tried|in a similar)", 0.85),
        (r"\bwould (it|that|this) (help|fit|work|suit|feel)( for you)?\s*\?|\bhow would you feel about\b", 0.85),
        (r"\b(shall|could|can|should|might) we (think|look|explore|work out|figure|talk about|go through|try)", 0.85),
        (r"\bwhat (do you think|might|could|would) (would |might |could )?(help|you could do|work|be possible|be a first step)", 0.85),
        (r"\bwhat (has|have) (helped|worked) (you )?(before|in the past)|\bwhat options\b|\bone (option|idea) (is|might)", 0.85),
        (r"\bwhich (of (these|them|those)|one|option|idea|step)\b[^.?!]{0,30}\b(possible|doable|realistic|feasible|manageable|"
         r"fits?|right for you|helpful|help|work)", 0.85),
        (r"\btogether\b", 0.6),
    ],
    "closing": [
        (r"\b(good ?bye|bye)\b|\btake care( of yourself)?\b", 0.85),
        (r"\b(call|ring|contact) (us |back |again |anytime )*(again|back|any ?time)|\bfeel free to (call|ring|contact)", 0.85),
        (r"\bthank you for (calling|your call)|\b(line|we)('re| is| are) (open|here|available) (24|every|from|round)", 0.8),
        (r"\bbefore we (finish|end|hang up|say goodbye)|\bwish you (well|all the best)|\bservice hours\b", 0.8),
    ],
    "directive_advice": [
        # not "as much as you need to" (permission) nor "you must be scared" (a guess at a feeling)
        (r"(?<!as )(?<!if )(?<!whatever )(?<!anything )(?<!when )(?<!what )(?<!whether )(?<!how )(?<!where )(?<!which )\byou (really |just |simply |definitely )?"
         r"(should|must(?! (be|feel|have been|have felt|have)\b)|ought to|had better|'d better|need to|have to|"
         r"'ve got to|have got to|gotta)\b(?! (feel|be feeling))", 0.85),
        (r"\b(calm down|stop crying|pull yourself together|cheer up|get over it|move on|snap out of it|think positive(ly)?|"
         r"look on the bright side|toughen up|man up|be strong)\b", 0.85),
        (r"\bwhy (don't|not) you (just )?(try|go|call|talk|take|get|see|tell|do|stop)|\bif i were you\b", 0.85),
        (r"\bwhat you (really |just )?(should|must|need to|have to|ought to) do is\b|\blisten to me\b|\btake my advice\b|"
         r"\bdo (what|as) i (say|tell you)\b|\bthe (right|only) (thing|choice|answer) (is|would be) to\b", 0.85),
        (r"^\W*(just )?(go|get|stop|try|talk to|call|tell|see|forget|ignore|leave|quit)\b(?! ahead)", 0.6),
    ],
    "minimizing": [
        (r"\b(it's|it is|that's|that is|this is) (not (that|so) (bad|big|serious)|no big deal|nothing|not the end of the world|"
         r"just a)\b", 0.85),
        (r"\b(could|can) (be|have been) (a lot |much )?worse\b|\b(other|lots of|many) people have (it|had it) (much |a lot |far )?worse",
         0.9),
        (r"\byou'll (get over it|be fine|forget|feel better tomorrow)|\b(it'll|it will|this will) (pass|blow over)\b", 0.8),
        (r"\b(everyone|everybody) (feels|goes through|has days)|\byou're overreacting\b|\bat least you\b", 0.8),
        (r"\b(don't|do not) (worry|be so) (about it|dramatic|sensitive)|\bnot worth (crying|getting upset|killing|dying)", 0.85),
        (r"\byou have (so much|everything|a lot) to live for\b", 0.7),
    ],
    "judging_blaming": [
        (r"\b(it's|it is|it was|that's|that was) (all )?your (own )?fault\b|\byou brought (this|it) on yourself", 0.9),
        (r"\byou shouldn't have\b|\bhow could you\b|\bwhat were you thinking\b", 0.85),
        (r"\b(that('s| is| was)|suicide is|killing yourself is|you('re| are)( being)?) "
         r"(so |really |very |a bit |a little |too |kind of |quite |just )?(stupid|selfish|wrong|irresponsible|foolish|cowardly|a sin|weak|childish|silly|dramatic|over-?sensitive|hypersensitive|"
         r"too sensitive|paranoid|hysterical|overdramatic)", 0.9),
        (r"\bthink (about|of) (what (this|that) would do|how your (family|parents|kids|mother)|your (family|parents|kids))", 0.75),
    ],
    "pressuring": [
        (r"(^|[.!?,]\s*|\b(just|please|now|come on,?)\s)say something\b|\bsay something\s*([!.?,]|or\b|$)|\bhurry( up)?\b|"
         r"\bspeak up\b|\banswer (me|the question|my question)\b|\bspit it out\b|\bget to the point\b", 0.9),
        (r"\bi (haven't|have not|don't|do not) (got |have )?(all day|time for this)|\bstop wasting (my |the )?(time|line)", 0.9),
        (r"\bwhat are you waiting for\b|\b(are you|you) (going|gonna) (to )?(talk|say|speak) or\b|\bone more time\b|"
         r"\bkeep asking until\b|\bcount of (three|3|five|ten)\b|\bin the next \w+ (seconds|minutes)\b", 0.9),
        (r"\b(hang|hanging) up (on you )?(if|unless)\b|\bor (else|i('ll| will| am|'m) (hang|hanging|end|stop))\b|\bquick(ly)?\W+"
         r"(tell|say|talk|what)|\b(no (arguments|excuses|more excuses)|i insist|make (a|your) (decision|choice)|decide now|"
         r"make up your mind|yes or no\s*[.!]|otherwise (this|i|we))\b", 0.85),
        # an imperative or "you have to / I need you to" demand plus "now/immediately"
        (r"(^\W*|\byou (need|have|must|'ve got|got) to |\bi (need|want) you to )(tell|talk|say|speak|answer|decide|stop|calm|"
         r"promise|agree|commit|explain|give|make|flush|throw|put|get)\b[^.!?]{0,40}\b(right now|immediately|this (second|minute|"
         r"instant)|at once|now)\b", 0.8),
        (r"\b(stop (crying|whining|sobbing)|calm down|pull yourself together|that's enough)\b", 0.75),
        (r"\b(can't|cannot) help (you )?(if|unless) you (don't|won't)? ?(talk|speak|say)|\bif you (don't|won't) (talk|speak|say)|"
         r"(^|[.!?]\s*|\b(just|now|please|then|come on|so),?\s)(talk|speak|answer)( me)?[.!]|\byou('d| would) be talking\b|\bjust sit(ting)? there\b|"
         r"\b(why|what) (are you|did you) (even )?call(ing)? (if|when) you\b", 0.8),
        (r"\b(come on|c'mon),? (just )?(talk|say|tell|speak|answer|out with it)\b|\bjust (tell|say|talk)\b|\bwell\?\s*$|"
         r"\bhello\?\s*hello\?|\bplease (just )?(speak|talk|say)\b", 0.65),
    ],
    "hostile_insult": [
        (r"\b(idiot|moron|loser|freak|psycho|pervert|weirdo|nutcase|creep|jerk|imbecile|retard(ed)?|clown|brat|crybaby|cry baby|"
         r"drama queen|time[- ]?waster|attention[- ]seeker|waste of space|piece of work|snowflake|pathetic|dumbass)s?\b", 0.9),
        (r"\b(shut up|shut your (mouth|face)|screw you|piss off|get lost|f\W?u\W?c\W?k|damn you|go to hell|grow up|get a life|"
         r"see if i care|go (on|ahead)( then)?,? do it|for (heaven's|god's|pete's|crying out loud)( sake)?|can't be bothered)\b", 0.9),
        # "sick of", "mad at" name a feeling; "you sound / seem / look hopeless" reflects one ("you're hopeless" jeers)
        (r"\byou( really| truly)?('re| are| sound| seem| look| act| acting)( really| so| such| such a| a| an| just| totally| completely|"
         r" like)* (sick(?! (of|with|about)\b)|crazy|insane|nuts|pathetic|ridiculous|a joke|disgusting|stupid|useless|"
         r"mad(?! (at|about|with|that)\b)|unbelievable|annoying|clueless|"
         r"dumb|exhausting|a mess|impossible|mental|deaf|ungrateful|lazy|spoiled|childish|a child|a baby)\b|"
         r"\byou( really| truly)?('re| are| act| acting)( really| so| such| just| totally| completely)* hopeless\b|"
         r"\bare you (crazy|insane|nuts|stupid|mad|sick|deaf|dumb|mentally)\b|\bwhat a joke\b", 0.9),
        (r"\bwhat('s| is) wrong with you\b|\bare you (kidding|joking|serious)( me)?\s*\?|\bsick in the head\b|\bwaste of (my )?time|"
         r"\bno wonder (nobody|no one)\b|\bno wonder (your|you)\b(?![^.!?]{0,30}" + _NO_WONDER_OK + r")|\bif you really wanted to\b|\b(losing|lost) my patience\b|\b(had|have had) "
         r"enough of (you|your|this)\b|\bdo you think this is funny\b|\b(sob story|waterworks|whining)\b|\b(what|such|talking|talk|load of|pile of) (utter |complete |absolute )?rubbish\b|"
         r"\b(so|how) (dumb|stupid|pathetic|ridiculous|embarrassing)\b|\bwhat an? (embarrassing|stupid|ridiculous|pathetic)\b", 0.85),
        # a bare "ugh" sighs at the caller; "ugh, that's awful" sighs with them
        (r"^\W*ugh\b(?!\W*(that('s| is| was| sounds| must)|how (awful|horrible|terrible|rough|hard|painful|unfair|cruel|"
         r"scary)|what an? (awful|horrible|terrible|rotten|cruel|nightmare)|i'm (so |really )?sorry|sorry)\b)|\bgive me a break\b|\bseriously\?|\b(ha ?){3,}|\byou again\?|\boh great\b|\bboring\b", 0.65),
        # contempt worded as a jibe, a sneer or a brush-off (the contempt rule in models/data/README.md)
        (r"\b(so|being) dramatic\b|\bdrama (llama|queen)|\bstop this drama\b|\b(haven't|have not) got all (day|night)\b|"
         r"\bdon't have all (day|night)\b|\b(don't|do not) have time for (this|you|drama)\b|\bwast(e|ing) (my|our|the) (time|line)\b|"
         r"\bjust get over it\b|\bget over it already\b|\bwelcome to adulthood\b|\bbig deal\b|\bcall the news\b|\btiny violin\b|\ba medal\b|\bbravo\b|"
         r"\bwell done you\b|\blucky me\b|\briveting\b|\bcouldn't care less\b|\bnobody cares about (you|your)\b|\bmake me sick\b|"
         r"\bsick of (you|people like you)\b|\bdoing my head in\b|\bheard it all before\b|\bis getting old\b|\byou're a lot\b|"
         r"\bcrocodile tears\b|\ba you problem\b|\b(this|so) dense\b|\bare you thick\b|\btalking to a wall\b|\bmuppet\b|"
         r"\bpoor you\b|\bwhat nonsense\b|\btimepass\b|\b(is this|are you) seriously\b|\bcan't do anything right\b|"
         r"\bwhat a (genius|tragedy)\b|\bgenius that you are\b|\bbecause of course you did\b", 0.85),
    ],
    "self_disclosure": [
        (r"\bwhen i (was|went|had|lost|got|used)\b|\bi (went|have been|'ve been) through\b|\bhappened to me\b", 0.85),
        (r"\bmy (own )?(wife|husband|mother|father|mom|mum|dad|ex|kids?|son|daughter|boyfriend|girlfriend|family|"
         r"divorce|sister|brother|depression|childhood)\b", 0.75),
        (r"\bin my (own )?(life|experience|case)\b|\bme too\b|\bsame (thing )?(happened|with me)|\bi (also|too) (had|felt|lost)", 0.85),
        (r"\bi (know|remember) (exactly )?(how|what) (it|that|you) (feels?|is like)", 0.6),
        (r"\bi('m| am) (only |just |nearly |almost |still )?(twenty|thirty|forty|fifty|sixty|seventy|[1-9]\d)([- ]\w+)?"
         r"( years old)?\b(?! (minutes|hours|seconds|percent|miles|km|times|days)\b)(?!%)", 0.8),
        (r"\bi('m| am) (still )?(doing|studying|in|taking|working on) (my |a )?(master'?s|phd|doctorate|degree|undergrad|"
         r"(first|second|third|final) year|postgrad)|\bi('m| am) (still )?(a |an )?(student|grad student|postgraduate|undergraduate)\b", 0.8),
        (r"\bi('m| am) (not |un)?(married|single|divorced|engaged|widowed)\b|\bi (don't|do not|haven't|have never) (have|had|got) "
         r"(any )?(kids|children|a (partner|husband|wife|girlfriend|boyfriend))\b|\bi have (a |one |two |three |\w+ )?(kids?|"
         r"children|sons?|daughters?)\b", 0.8),
        (r"\bi (once |also )?(lost|had|went through|struggled with|failed|got (fired|laid off|divorced|dumped)|was (fired|laid off|"
         r"bullied|depressed|divorced|dumped))\b[^.!?]{0,30}\b(too|as well|once|myself)\b", 0.8),
    ],
}

# Skills whose matches do not count after a negation in the same clause ("you're not crazy").
NEGATABLE: frozenset[str] = frozenset({
    "hostile_insult", "pressuring", "judging_blaming", "minimizing", "directive_advice", "self_disclosure", "emergency_action",
})
