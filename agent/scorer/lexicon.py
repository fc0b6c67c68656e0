"""Precise, named regex rules for the review flags; a fired rule lifts the flag's confidence to its precision prior."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["LEXICON_VERSION", "RULES", "LexiconRule", "match_rules"]

LEXICON_VERSION = "lexicon-2"
"""Bump when a rule, guard or prior changes: it is part of the scorer version hash."""

_WINDOW = 40
"""Characters inspected around a match for negation cues (before) and `unless` guards (both sides)."""

# A cue in the same clause, shortly before a match, means the hazard is denied or hypothetical (legal rules opt out:
# threats are usually conditional, "if you don't refund me I'll sue"):
# "does not overheat", "no rash", "worried it would catch fire". "would" alone is not a cue because
# reviewers use it for habits ("it would get so hot").
_NEGATION = re.compile(
    r"\b(no|not|never|without|zero|nor|none|hardly|free of|worried|afraid|fear|in case|protection|protects?|"
    r"prevents?|anti|instead of|\w+n't|dont|doesnt|didnt|wont|isnt|wasnt|cant|havent|hasnt)\b[^.!?;]*$"
)
_CLAUSE_BREAK = re.compile(r"[.!?;,]|\bbut\b|\bthough\b|\bhowever\b")

_ELECTRIC = (
    r"(charger|charging (brick|case|pad|port)|brick|adapter|adaptor|plug|cable|cord|wire|battery|power ?bank|"
    r"power strip|extension cord|outlet|socket|earbuds?|headphones?|case|device|lamp|bulb|heater|port|"
    r"laptop|phone|kettle|iron|dryer|heating pad|heated \w+|unit|motor|base)"
)
_BODY = (
    r"(hands?|fingers?|fingertips?|thumbs?|palms?|skin|legs?|arms?|wrists?|ears?|neck|face|thighs?|lap|chin|"
    r"eyes?|lips?|feet|foot|toes?|back|chest|belly|mouth|head|knees?)"
)
_WHO = r"(my|his|her|our|their|your|the|a|my (son|daughter|kid|child|baby|toddler)'?s?)"


@dataclass(frozen=True)
class LexiconRule:
    """One named rule: `pattern` fires `flag` unless a negation cue precedes it or `unless` matches nearby.

    `triggers` are lowercase substrings of which at least one must occur before the regex is even tried.
    """

    name: str
    flag: str
    triggers: tuple[str, ...]
    pattern: re.Pattern[str]
    precision_prior: float
    unless: re.Pattern[str] | None = None
    negatable: bool = True


def _rule(
    name: str,
    flag: str,
    triggers: tuple[str, ...],
    pattern: str,
    prior: float,
    unless: str | None = None,
    negatable: bool = True,
) -> LexiconRule:
    return LexiconRule(
        name=name,
        flag=flag,
        triggers=triggers,
        pattern=re.compile(pattern, re.IGNORECASE),
        precision_prior=prior,
        unless=re.compile(unless, re.IGNORECASE) if unless else None,
        negatable=negatable,
    )


RULES: tuple[LexiconRule, ...] = (
    # --- safety_hazard -----------------------------------------------------------------------------
    _rule(
        "safety.overheat",
        "safety_hazard",
        ("overheat",),
        r"\boverheat(s|ed|ing)?\b",
        0.9,
        unless=r"overheat(ing)? protection|\b(i|you|we|she|he) (\w+ )?(get|got|gets|getting) overheated",
    ),
    _rule(
        "safety.too_hot",
        "safety_hazard",
        ("hot",),
        rf"\b(too hot to (touch|hold)|hot to the touch|(dangerously|scarily|scary|alarmingly) hot|scalding hot|"
        rf"{_ELECTRIC} (\w+ )?(gets?|got|getting|became|becomes|was|is|were|runs?) (\w+ )?(hot|scalding|scorching)\b)",
        0.8,
        unless=r"hot (pink|chocolate|coffee|tea|water bottle|item|look)|looks? hot|hot in (this|it)",
    ),
    _rule(
        "safety.melt",
        "safety_hazard",
        ("melt",),
        r"\bmelt(s|ed|ing)?\b",
        0.85,
        unless=r"melt(s|ed)? (my|your) heart|burn test|melt(s|ed|ing)? away|melts? in (your|my) mouth",
    ),
    _rule(
        "safety.fire",
        "safety_hazard",
        ("fire", "flame"),
        r"\b(caught|catch(es|ing)?|set) (on )?fire\b|\b(burst|went up) (into|in) flames?\b|\bflames? (shot|came"
        r"|coming)\b"
        r"|\bfire (hazard|risk|waiting to happen)\b|\bstart(ed)? a fire\b",
        0.95,
    ),
    _rule(
        "safety.smoke",
        "safety_hazard",
        ("smok", "smell", "burn"),
        r"\b(started|starts|began|begins|was|were|is|kept) (to )?smok(e|ing)\b|\bsmoke (came|coming|poured|pouring"
        r"|rising)\b"
        r"|\b(puff|plume|cloud|wisps?) of smoke\b|\bsmoke (from|out of|started|began)\b"
        r"|\bsmell(ed)? something burning\b"
        r"|\b(burning|burnt|burned|melting|melted) (plastic |rubber |electrical )?(smell|odou?r)\b"
        r"|\bsmell(s|ed)? (like |of )?(burning|burnt|smoke|melting)\b|\bsmoke smell\b",
        0.9,
        unless=r"smoking hot|smok(e|y) (gr[ae]y|eye)",
    ),
    _rule(
        "safety.spark",
        "safety_hazard",
        ("spark", "arced", "arcing"),
        r"\b(spark(s|ed|ing)|arc(ed|ing))\b",
        0.85,
        unless=r"sparks? (joy|conversation|interest|compliments)",
    ),
    _rule(
        "safety.shock",
        "safety_hazard",
        ("shock", "zap", "electr"),
        r"\belectrocut\w*|\belectric(al)? shock|\b(got|get|getting) (shocked|zapped)\b(?! (at|by|how|that|to|when))"
        r"|\b(shocked|zapped) (me|him|her|us|them|my \w+)\b(?! (how|that|with|at|by))"
        r"|\b(gave|gives|give) (me|him|her|us) (a|an) (\w+ )?shock\b|\b(got|get|getting|received) (a"
        r"|an) (\w+ )?(electric(al)? )?shock\b",
        0.85,
        unless=r"shock(ing)? absorb|shockingly|(price|quality|cost) shocked",
    ),
    _rule(
        "safety.burn",
        "safety_hazard",
        ("burn", "scald", "blister", "scorch"),
        rf"\b(burn(s|ed|t)?|scald(s|ed)?|blister(s|ed)?) ({_WHO} )?(\w+ ){{0,3}}{_BODY}\b"
        rf"|\bburn (marks?|blisters?)\b|\b(got|was|were|been) (badly )?(burn(ed|t)|scalded)\b|\bburns? on (my|his"
        rf"|her)\b"
        rf"|\bscorch(ed|es|ing)?\b|\bscald(s|ed|ing)?\b|\bchemical burn|\bit burned\b",
        0.85,
        unless=r"burnt orange|burn-?out velvet|burns? (evenly|clean|a hole in (my|your) wallet)|burn test",
    ),
    _rule(
        "safety.cut",
        "safety_hazard",
        ("sharp", "cut", "slic", "nick", "gash", "scratch", "blood", "bleed", "stitches"),
        rf"\bsharp (metal |plastic )?(edges?|burrs?|points?|corners?|wire)\b"
        rf"|\b(cut|sliced|nicked|gashed|scratched) (open )?{_WHO} (\w+ )?{_BODY}\b"
        rf"|\b(cut|sliced) (my|his|her) (\w+ )?(open|badly)\b|\bdrew blood\b|\b(started|was|kept) bleeding\b"
        rf"|\bneeded stitches\b",
        0.85,
        unless=r"sharp (looking|dressed)",
    ),
    _rule(
        "safety.choking",
        "safety_hazard",
        ("chok", "swallow", "strangul", "button batter"),
        r"\bchok(e|es|ed|ing) (hazard|risk)\b|\b(toddler|baby|kid|child|infant|son|daughter)\b[^.!?]{0,40}\b(chok(e"
        r"|ed|es|ing)|swallow(ed)?)\b"
        r"|\b(if|could be|when) swallowed\b|\bswallow(ed)? (a|the|one of the) (button|bead|piece|magnet|battery"
        r"|part)s?\b"
        r"|\bstrangulation\b|\bbutton batter(y|ies)\b",
        0.9,
        unless=r"choked (up|on my coffee|laughing)",
    ),
    _rule(
        "safety.allergy",
        "safety_hazard",
        ("rash", "hive", "welt", "dermatitis", "allergic", "broke out", "reaction"),
        r"\b(rash|rashes|hives|welts|dermatitis)\b|\ballergic reaction\b|\bbroke out in\b|\b(skin|bad) reaction\b"
        r"|\bskin (started|was|is) (burning|blistering|peeling)\b",
        0.85,
        unless=r"rash ?guard",
    ),
    _rule(
        "safety.toxic",
        "safety_hazard",
        ("toxic", "fume", "dizzy", "headache", "nause", "sore throat", "eyes"),
        r"\btoxic\b|\bfumes\b|\b(gave|giving|gives|got) (me|us|my \w+|the whole family)( all)? (a )?(headaches?"
        r"|nausea|dizzy|sore throat)"
        r"|\bmakes? me dizzy\b|\beyes (burn|water)\b"
        r"|\b(chemical|plastic|paint|gas|strong) (smell|odou?r|fumes)\b.{0,100}\b(headaches?|dizzy|nause\w*"
        r"|sore throat)\b"
        r"|\b(headaches?|dizzy|nause\w*)\b.{0,40}\b(smell|odou?r|fumes)\b",
        0.8,
        unless=r"non-?\s?toxic|toxic (ex|relationship|positivity)",
    ),
    _rule(
        "safety.explode",
        "safety_hazard",
        ("explod", "blew up", "swell", "swollen", "bulg", "puff"),
        r"\bexplod(ed|es|ing)\b|\bblew up (in|on|while|with a bang)\b"
        r"|\bbattery\b[^.!?]{0,40}\b(swell(ed|ing|s)?|swollen|bulg(ed|es|ing)|puff(ed|ing))\b|\b(swollen"
        r"|bulging) battery\b"
        r"|\bbattery swelling\b",
        0.9,
        unless=r"explosion of colou?r|exploded with compliments",
    ),
    _rule(
        "safety.hazard_words",
        "safety_hazard",
        ("hazard", "unsafe", "not safe", "danger", "recall"),
        r"\b(safety|electrical|shock|burn|health) hazard\b|\bunsafe\b|\bnot safe\b|\bdangerous\b|\bshould be recalled\b"
        r"|\brecall (these|this|it)\b",
        0.8,
        unless=r"dangerous(ly)? (cute|good|comfy|comfortable|soft|addictive)",
    ),
    # --- legal_threat ------------------------------------------------------------------------------
    _rule(
        "legal.lawyer",
        "legal_threat",
        ("lawyer", "attorney", "solicitor", "legal"),
        r"\b(contact(ing|ed)?|call(ing|ed)?|hir(e|ed|ing)|get(ting)?|talk(ing|ed)? to|speak(ing)? (to|with)"
        r"|consult(ing|ed)?|"
        r"retain(ed)?|involv(e|ing)|forward(ed|ing)? (this|all of this|everything)? ?to|hear(ing)? from|drafting)"
        r" (an? |my |our )?(lawyer|attorney|solicitor|legal counsel)s?\b"
        r"|\b(my|our) (lawyer|attorney|solicitor)s? (will|is|are|has|have|agrees?)\b(?! (friend|sister|brother))"
        r"|\b(lawyer|attorney) has been contacted\b|\blegal (action|counsel|proceedings)\b",
        0.9,
        unless=r"lawyer friend|as an? (lawyer|attorney)",
        negatable=False,
    ),
    _rule(
        "legal.lawsuit",
        "legal_threat",
        ("sue", "suing", "lawsuit", "class action", "small claims", "court", "suit"),
        r"\b(will|going to|gonna|plan(ning)? to|intend to|'ll|i'd|i would|might|considering|thinking (of|about)|be) "
        r"(still )?su(e|ing)\b|\bsu(e|ing) (you|them|the company|your company|this company|the seller"
        r"|for (the )?damages)\b"
        r"|\blawsuit\b|\bclass action\b|\bsmall claims\b|\bsee you in court\b|\btak(e|ing) (you|them|this"
        r"|it) to court\b"
        r"|\bfil(e|ed|ing) (a )?suit\b|\bplanning to sue\b",
        0.9,
        unless=r"sue for how|su(e|ing) (you )?for (being|how)|if i could lol",
        negatable=False,
    ),
    _rule(
        "legal.regulator",
        "legal_threat",
        (
            "bbb",
            "better business",
            "ftc",
            "federal trade",
            "consumer",
            "attorney general",
            "cpsc",
            "trading standards",
            "ombudsman",
        ),
        r"\b(bbb|better business bureau|ftc|federal trade commission|consumer protection|attorney general|cpsc|"
        r"consumer product safety commission|trading standards|ombudsman|consumer affairs)\b",
        0.9,
        negatable=False,
    ),
    # --- refund_intent ---------------------------------------------------------------------------------
    _rule(
        "refund.refund_request",
        "refund_intent",
        ("refund", "money back", "reimburse", "charge", "restocking", "dispute"),
        r"\b(refund(ed|ing|s)?|money back|reimburse\w*|charge ?back|restocking fee|(filed|open(ed)?) a dispute"
        r"|dispute[sd]? (the|this|a) charge|disputed? with my (bank|card))\b",
        0.8,
        unless=r"refund guarantee|no need (for|to)|didn'?t need",
        negatable=False,
    ),
    _rule(
        "refund.return_request",
        "refund_intent",
        ("return", "back", "rma"),
        r"\b(return(ing|ed|s)? (it|this|them|these|the \w+|for)|send(ing)? (it |this |them |these )?back"
        r"|sent (it|this|them|these|the \w+) back|back it goes|(it'?s|it is|this is|this one is|these are|they'?re"
        r"|they are) going back"
        r"|going back\.|return label|rma\b|start(ed)? (a|the) return|(request(ing|ed)?|initiated) a return"
        r"|packed it up for return"
        r"|will be returning|am returning|i'?m returning)",
        0.85,
        unless=r"return to (buy|this shop|the store|order)|returning customer|no need to return|almost returned",
    ),
    _rule(
        "refund.return_mention",
        "refund_intent",
        ("return",),
        r"\breturn(s|ed|ing)?\b",
        0.65,
        unless=r"return(ing)? (to|customer)|no need to return|almost returned|returned nothing|returned to sender"
        r"|(easy|great|generous|good) returns?( policy)?",
    ),
    # --- profanity ---------------------------------------------------------------------------------------
    _rule(
        "profanity.f_word",
        "profanity",
        ("fuck", "f*", "f#", "f@", "f$", "wtf", "stfu", "fml", "motherf"),
        r"\b(f+u+c+k+\w*|f[*#@$]{1,3}(c?k)?\w*|f\*ck\w*|motherf\w+|wtf|stfu|fml)\b|\bf\*+",
        0.95,
        negatable=False,
    ),
    _rule(
        "profanity.s_word",
        "profanity",
        ("shit", "sh!t", "sh1t", "sh*t", "bullsh"),
        r"\b(sh[i!1*]t(?!ake)\w*|bullsh[i!1*]t\w*|bullsh\*t|horseshit)\b",
        0.95,
        negatable=False,
    ),
    _rule(
        "profanity.insult",
        "profanity",
        ("bitch", "asshole", "bastard", "dick", "cunt", "jackass", "dumbass", "badass", "goddamn", " ass"),
        r"\b(bitch\w*|asshole\w*|bastards?|dick(head)?s?|cunt\w*|jackass|dumbass|badass|goddamn\w*|cheap ass|my ass|"
        r"your ass)\b",
        0.9,
        negatable=False,
    ),
)


def _negated(text: str, start: int) -> bool:
    before = text[max(0, start - _WINDOW) : start]
    clause = _CLAUSE_BREAK.split(before)[-1]
    return bool(_NEGATION.search(clause.lower()))


def _english_negation(text: str, start: int, end: int) -> bool:
    return _negated(text, start)


def rule_fires(rule: LexiconRule, text: str, negated: Callable[[str, int, int], bool] = _english_negation) -> bool:
    """Whether `rule` matches `text` somewhere not negated (per `negated(text, start, end)`) and not guarded."""
    for match in rule.pattern.finditer(text):
        if rule.negatable and negated(text, match.start(), match.end()):
            continue
        if rule.unless is not None:
            window = text[max(0, match.start() - _WINDOW) : match.end() + _WINDOW]
            if rule.unless.search(window):
                continue
        return True
    return False


def match_rules(text: str) -> dict[str, list[str]]:
    """Return flag name -> names of the rules that fired on `text` (flags with no fired rule are absent)."""
    fired: dict[str, list[str]] = {}
    lowered = text.lower()
    for rule in RULES:
        # Substring checks are ~100x cheaper than the regexes and almost every review fails all of them.
        if any(trigger in lowered for trigger in rule.triggers) and rule_fires(rule, text):
            fired.setdefault(rule.flag, []).append(rule.name)
    return fired
