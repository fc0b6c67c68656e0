"""Person-name masking: a run of capitalized words becomes `[NAME]` when the words around it say it is a person.

Strong cues mask any capitalized run: a self-introduction ("my name is", "je m'appelle"), a title ("Mrs", "Herr",
"Sra."), "a guy called"/"namens"/"un tal", "c/o", and a masked `[ADDRESS]` right after. Weaker cues need a known
first name (Faker's per-locale lists, shipped in its wheel): a sign-off closing the text ("Thanks, Peter"), a role
noun ("the driver Kevin"), or a person word around it ("spoke with Brian", "Kevin said"). A known first name with
no cue stays: food and fashion reviews name brands after people ("Melitta", "Duncan Hines", "Tracy Reese"). Brands
("Tommy Hilfiger top", "Levi's"), colours, months and places stay: see `PiiConfig.name_exceptions` and
`PiiConfig.brand_nouns`. Lowercase names are found only after the strongest cues ("my name is anna"). The cue words
are in `pipeline.clean.name_cues`.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from pipeline.clean.config import PiiConfig
from pipeline.clean.name_cues import (
    ABBREVIATED_TITLES,
    CALLED,
    CUE_LAST_WORDS,
    GENERIC_INTRODUCTIONS,
    GREETINGS,
    PERSON_AFTER,
    PERSON_BEFORE,
    PLACE_BEFORE,
    PLACE_WORDS,
    ROLES,
    SELF_INTRODUCTIONS,
    SIGN_OFFS,
    SOMEONE,
    THANKS,
    TITLES,
)

__all__ = ["NAME_TOKEN", "NameRules", "compile_name_rules", "mask_names"]

NAME_TOKEN = "[NAME]"

_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
# "Müller", "O'Neil", "McKenzie", "Jean-Luc"; two letters at least, so sizes ("M", "XS") never start a name.
_WORD = rf"[{_UPPER}](?:[{_LOWER}]+|['’][{_UPPER}][{_LOWER}]+)(?:(?:['’-]|(?<=Mc)|(?<=Mac))[{_UPPER}][{_LOWER}]+)*"
_WORD_END = r"(?=['’]s\b|[^\w'’]|$)"  # a possessive "'s" may follow
_PARTICLE = r"(?:van|von|der|den|de|la|le|del|della|di|da|dos|das|du|ter|ten|y)"
_GAP = r"[^\S\n]+"  # a run never crosses a line break: a signature sits on a line of its own
# A maximal run of capitalized words, particles allowed inside ("Emma van den Berg", "José Luis García").
_RUN = re.compile(rf"(?<![\w'’])({_WORD}){_WORD_END}(?:{_GAP}(?:{_PARTICLE}{_GAP})*{_WORD}{_WORD_END})*")
_RUN_WORD = re.compile(rf"(?<![\w'’]){_WORD}{_WORD_END}")
_Word = tuple[int, str]
"""A word of a run: (offset in the text, the word)."""
# Words and punctuation before a run, read right to left (a 48-character window is enough for every cue).
_CONTEXT_TOKEN = re.compile(r"c/o|[^\W\d_]+(?:['’-][^\W\d_]+)*|[^\w\s]")
_WINDOW = 48

_SENTENCE_END = frozenset((".", "!", "?", "…", "\n"))
_DASHES = frozenset(("-", "–", "—", "~"))
_DASH_BEFORE = re.compile(r"(?:^|\s)[-–—~]+\s*$")
_LOWER_CUE = re.compile(
    r"(?<![\w'’])(?i:my name is|mein name ist|ich hei(?:ß|ss)e|me llamo|mi nombre es|je m['’]appelle|mi chiamo"
    r"|meu nome é|me chamo|mijn naam is|ik heet|(?:guy|man|woman|lady|girl|agent|rep|driver|courier|seller)"
    rf"(?:,?{_GAP}(?:called|named)))[:,]?{_GAP}([{_LOWER}][{_LOWER}'’-]+(?:{_GAP}[{_LOWER}][{_LOWER}'’-]+){{0,2}})"
)
# Substrings one of which every lowercase cue contains: `_LOWER_CUE` runs only when one is there.
_LOWER_CUE_GATE = ("name", "nome", "naam", "nombre", "heiße", "heisse", "llamo", "appelle", "chiamo", "chamo", "heet")
_LOWER_CUE_GATE_CALLED = "call"
_LOWER_NAME = re.compile(r"\S+")
_LOWERCASE_LONG_WORD = re.compile(rf"(?<![\w'’])[{_LOWER}][\w'’]{{3}}")
_LONG_WORD = re.compile(r"(?<![\w'’])[^\W\d_][\w'’]{3}")
_ADDRESS_AFTER = re.compile(r"\s*(?:,|\bat\b|-)?\s*(?:\[ADDRESS\]|c/o\b)")
_END_AFTER = re.compile(r"[\s.!?)*~:]*")
_INITIAL_AFTER = re.compile(rf"[^\S\n]+[{_UPPER}]\.?(?![\w'’])")
_AFTER_WORD = re.compile(r"(?:['’]s)?[^\S\n]*,?[^\S\n]*([^\W\d_]+(?:['’][^\W\d_]+)?)")


@dataclass(frozen=True)
class NameRules:
    """What `mask_names` knows: first names and surnames as written, and words that are never names."""

    first_names: frozenset[str]
    surnames: frozenset[str]
    exceptions: frozenset[str]
    """Lowercased words and runs ("tracy reese") never masked unless a title or a self-introduction names them."""
    brand_nouns: frozenset[str]
    """Lowercased nouns after which a name is a brand ("Tommy Hilfiger top"), before which a colour ("couleur")."""


def compile_name_rules(config: PiiConfig | None = None) -> NameRules:
    """Load the first names and surnames of `config.name_locales` from Faker, and the configured exceptions."""
    config = config or PiiConfig()
    first_names, surnames = _faker_names(config.name_locales)
    exceptions = frozenset(word.lower() for word in config.name_exceptions)
    return NameRules(
        first_names=frozenset(name for name in first_names if name.lower() not in exceptions),
        surnames=surnames,
        exceptions=exceptions,
        brand_nouns=frozenset(word.lower() for word in config.brand_nouns),
    )


@lru_cache(maxsize=4)
def _faker_names(locales: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    """First names and surnames of Faker's person providers for `locales` (~30 ms; every Cleaner asks)."""
    first_names: set[str] = set()
    surnames: set[str] = set()
    for locale in locales:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in ("first_names", "first_names_female", "first_names_male", "first_names_nonbinary"):
            first_names.update(_name_shaped(getattr(provider, attribute, ())))
        surnames.update(_name_shaped(getattr(provider, "last_names", ())))
    return frozenset(first_names), frozenset(surnames)


def mask_names(text: str, rules: NameRules) -> tuple[str, int]:
    """Replace person names in `text` by `[NAME]`; return the text and the number of names masked."""
    spans: list[tuple[int, int]] = []
    for run in _RUN.finditer(text):
        first = run.group(1)
        if first not in rules.first_names and first not in TITLES and not _cue_before(text, run.start()):
            later = run.group().split()[1:]
            if rules.first_names.isdisjoint(later) and not _ADDRESS_AFTER.match(text, run.end()):
                continue  # the common case, "Amazon", "The": no known first name, no cue (a fast skip)
        span = _person_span(text, run, rules)
        if span is not None:
            spans.append(span)
    lowered = text.lower()
    if _LOWER_CUE_GATE_CALLED in lowered or any(cue in lowered for cue in _LOWER_CUE_GATE):
        spans.extend(_lowercase_names(text, rules))
    if not spans:
        return text, 0
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    for start, end in reversed(merged):
        text = text[:start] + NAME_TOKEN + text[end:]
    return text, len(merged)


class _Context:
    """The words and punctuation right before a run, lowercased, for cue look-ups."""

    def __init__(self, text: str, start: int) -> None:
        low = max(0, start - _WINDOW)
        tokens = _CONTEXT_TOKEN.findall(text, low, start)
        gap = text[low:start]
        newline = gap.rfind("\n")
        self.line_start = (newline >= 0 and not gap[newline + 1 :].strip()) or (low == 0 and not gap.strip())
        self.text_start = low == 0 and not gap.strip()
        self.punctuation: list[str] = []
        while tokens and not tokens[-1][0].isalpha() and tokens[-1] != "c/o":
            self.punctuation.append(tokens.pop())
        self.words = [token.lower().replace("’", "'") for token in tokens]
        self.last = tokens[-1] if tokens else ""
        self.dash = _DASH_BEFORE.search(gap) is not None  # "Never again. - Mike", not "Wine-A-Rita"

    def ends_with(self, phrases: frozenset[str], longest: int = 4) -> bool:
        """Whether the last 1..`longest` words, joined by spaces, are one of `phrases`."""
        return any(" ".join(self.words[-size:]) in phrases for size in range(1, min(longest, len(self.words)) + 1))

    def opens_sentence(self) -> bool:
        """Whether the run starts the text, a line or a sentence (where every word is capitalized)."""
        return self.text_start or self.line_start or any(mark in _SENTENCE_END for mark in self.punctuation)


def _person_span(text: str, run: re.Match[str], rules: NameRules) -> tuple[int, int] | None:
    """The part of `run` that names a person, judged by the words around it; None when it names none."""
    words = [(run.start() + word.start(), word.group()) for word in _RUN_WORD.finditer(run.group())]
    start, end = run.span()
    context = _Context(text, start)
    titled = _titled_name(words, context, rules)
    if titled is not None:
        return _trim(text, titled, rules, keep_exceptions=True, brand_check=True)
    known = words[0][1] in rules.first_names
    after = _AFTER_WORD.match(text, end)
    next_word = after.group(1).lower() if after else ""
    if _strong_cue(context) and next_word not in rules.brand_nouns:
        return _trim(text, words, rules, keep_exceptions=True)
    if known and not context.punctuation and (_called_thing(context) or context.ends_with(GENERIC_INTRODUCTIONS, 2)):
        return _trim(text, words, rules, brand_check=True)  # "I'm Sarah", "a clerk named Mat"; not "I'm Italian"
    if run.group().lower() in rules.exceptions or (context.words and context.words[-1] in rules.brand_nouns):
        return None  # "Tracy Reese", "la couleur Rose"
    role = context.punctuation in ([], [","], ["("]) and context.ends_with(ROLES, 2)
    if role and (known or words[0][1] in rules.surnames or context.punctuation == [","]):
        return _trim(text, words, rules, brand_check=True)  # "my daughter Emily", "the driver, Kevin,"
    if _ADDRESS_AFTER.match(text, end):
        return _trim(text, words, rules)  # "Maria Schneider, [ADDRESS]", "Tom Baker c/o ..."
    if _is_title_case(text):
        return None
    signature = _signature(text, words, context, rules)
    if signature is not None:
        return _trim(text, signature, rules)
    if known and context.punctuation in ([], [","]) and context.ends_with(GREETINGS, 1):
        return _trim(text, words, rules)  # "Dear Linda,"
    return _known_name(text, words, context, next_word, rules)


def _cue_before(text: str, start: int) -> bool:
    """Whether the word before `start` can end a cue ("is", "named", "Mrs", "c/o", "Thanks,", "driver (")."""
    end = start
    for _ in range(2):  # a bare "(" or "," between the cue and the name: look one word further
        while end > 0 and text[end - 1].isspace():
            end -= 1
        begin = max(text.rfind(" ", 0, end), text.rfind("\n", 0, end)) + 1
        word = text[begin:end]
        if word in _DASHES:
            return True
        stripped = word.strip(".,:;!-–—~(").lower().replace("’", "'")
        if stripped:
            return stripped in CUE_LAST_WORDS
        end = begin
    return False


def _titled_name(words: list[_Word], context: _Context, rules: NameRules) -> list[_Word] | None:
    """The words after a title or a capitalized role: "Mrs Patel", "Mr. Thompson", "M. Dupont", "Mein Sohn Lukas"."""
    if len(words) > 1 and words[0][1] in TITLES:
        return words[1:]
    for index, (_, word) in enumerate(words[:-1]):  # German nouns are capitalized
        following = words[index + 1][1]
        if word.lower() in ROLES and (following in rules.first_names or following in rules.surnames):
            return words[index + 1 :]
    if context.last in TITLES and (
        not context.punctuation or (context.punctuation == ["."] and context.last in ABBREVIATED_TITLES)
    ):
        return words  # "Mr. Thompson", not "Swiss Miss. Unfortunately"
    if context.last == "M" and context.punctuation == ["."] and words[0][1] in rules.surnames | rules.first_names:
        return words  # "M. Dupont"; "M." alone is a size
    return None


def _strong_cue(context: _Context) -> bool:
    """A cue after which any capitalized run is a name: "my name is", "un tal", "c/o", "an agent named"."""
    if context.last == "c/o":
        return True
    if context.punctuation not in ([], [":"], [","]):
        return False
    if context.ends_with(SELF_INTRODUCTIONS) or (not context.punctuation and context.ends_with(SOMEONE, 2)):
        return True
    return (
        not context.punctuation
        and _called_thing(context)
        and len(context.words) > 1
        and context.words[-2] in ROLES | {"woman", "man", "person"}
    )


def _called_thing(context: _Context) -> bool:
    return bool(context.words) and context.words[-1] in CALLED


def _signature(text: str, words: list[_Word], context: _Context, rules: NameRules) -> list[_Word] | None:
    """A name closing the text after a sign-off ("Thanks, Peter", "Regards, Hannah K.") or on its own last line."""
    initial = _INITIAL_AFTER.match(text, words[-1][0] + len(words[-1][1]))
    if not _END_AFTER.fullmatch(text, initial.end() if initial else words[-1][0] + len(words[-1][1])):
        return None
    if initial:
        letter = initial.group().lstrip()
        words = [*words, (initial.end() - len(letter), letter)]
    known = words[0][1] in rules.first_names
    full_name = len(words) > 1 and words[1][1] in rules.surnames
    if known and context.ends_with(THANKS):
        return words
    if (known or full_name) and (context.ends_with(SIGN_OFFS) or context.dash):
        return words
    if known and not context.text_start and (context.line_start or (full_name and context.opens_sentence())):
        return words  # "...\nPeter", "Otherwise, very good. Gary Peterson"
    return None


def _known_name(
    text: str, words: list[_Word], context: _Context, next_word: str, rules: NameRules
) -> tuple[int, int] | None:
    """Weakest cue: a known first name with a person word before or after it ("spoke with Brian", "Kevin said").

    A first name alone is not enough ("Melitta", "Duncan Hines", "Betty Crocker" are brands), and one deeper in a
    run is part of a product ("Christmas Eve", "Bloody Mary"), except after an opening thanks ("Thanks Peter").
    """
    if words[0][1] in PLACE_WORDS or (not context.punctuation and context.ends_with(PLACE_BEFORE, 2)):
        return None
    opens = context.opens_sentence()
    thanks_first = opens and len(words) > 1 and words[0][1].lower() in THANKS | SIGN_OFFS
    name = words[1:] if thanks_first else words
    if name[0][1] not in rules.first_names:
        return None
    person_before = thanks_first or (
        not opens
        and (
            (not context.punctuation and context.ends_with(PERSON_BEFORE, 2))
            or (context.punctuation == [","] and context.ends_with(ROLES | THANKS, 2))
        )
    )
    if person_before or next_word in PERSON_AFTER:
        return _trim(text, name, rules, brand_check=True)
    return None


def _trim(
    text: str,
    words: list[_Word],
    rules: NameRules,
    keep_exceptions: bool = False,
    brand_check: bool = False,
) -> tuple[int, int] | None:
    """Span of `words` up to the first that cannot be part of a name; with `brand_check`, None for a brand."""
    last = 0
    for index in range(1, len(words)):
        lowered = words[index][1].lower()
        if lowered in rules.brand_nouns or (not keep_exceptions and lowered in rules.exceptions):
            break
        last = index
    start, end = words[0][0], words[last][0] + len(words[last][1])
    if brand_check:
        name = " ".join(word for _, word in words[: last + 1]).lower()
        if name in rules.exceptions or words[0][1].lower() in rules.brand_nouns or last + 1 < len(words):
            return None  # "Calvin Klein Jeans", "Tracy Reese"
        if re.match(r"['’]s?\b", text[end : end + 2]):
            return None  # "Levi's", "Mrs. May's", "Bob's Red Mill": a possessive name is a shop or a brand
        following = _AFTER_WORD.match(text, end)
        noun = following.group(1).lower() if following else ""
        if noun in rules.brand_nouns or (noun.endswith("s") and noun[:-1] in rules.brand_nouns):
            return None  # "Tommy Hilfiger top", "Betty Crocker mixes": a label, not a person
    return start, end


def _lowercase_names(text: str, rules: NameRules) -> list[tuple[int, int]]:
    """Spans of lowercase names right after "my name is" or "a guy called" ("anna"), from the name lists."""
    spans = []
    for cue in _LOWER_CUE.finditer(text):
        end = None
        for word in _LOWER_NAME.finditer(cue.group(1)):
            name = word.group().capitalize()
            if (name not in rules.first_names and name not in rules.surnames) or name.lower() in rules.exceptions:
                break
            end = cue.start(1) + word.end()
        if end is not None:
            spans.append((cue.start(1), end))
    return spans


def _is_title_case(text: str) -> bool:
    """Review titles in Title Case ("Perfect Summer Dress For Grace") carry no first-name signal."""
    return _LOWERCASE_LONG_WORD.search(text) is None and len(_LONG_WORD.findall(text)) >= 3


def _name_shaped(names: Iterable[str]) -> Iterable[str]:
    """Names of three letters or more that are one capitalized word as a text writes them ("Priya", "O'Neil")."""
    return (name for name in names if len(name) >= 3 and _RUN_WORD.fullmatch(name))
