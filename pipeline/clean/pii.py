"""PII masking: emails, phones, payment cards, IBANs, street addresses, order numbers and names become tokens.

Detectors are tuned for precision on review text: sizes ("5'8\"", "34DD"), prices, dates and SKUs stay.
Card numbers must pass Luhn and IBANs mod-97, so order numbers and SKUs are not taken for them. Addresses
come in two families: number first (US/UK "1234 N Main St", French "12 rue de Rivoli") and name first
(German/Dutch/Nordic "Hauptstraße 5", Romance "Via Roma 12"), each with an optional postal code and city.
Person names run last, so a name next to a masked address is seen as one (see `pipeline.clean.names`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pipeline.clean.config import PiiConfig
from pipeline.clean.names import NAME_TOKEN, NameRules, compile_name_rules, mask_names

__all__ = ["MASK_TOKENS", "PiiPatterns", "compile_pii_patterns", "mask_pii"]

MASK_TOKENS: dict[str, str] = {
    "email": "[EMAIL]",
    "order": "[ORDER]",
    "iban": "[IBAN]",
    "card": "[CARD]",
    "phone": "[PHONE]",
    "address": "[ADDRESS]",
    "name": NAME_TOKEN,
}
"""PII kind -> the token that replaces it in title and text."""

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# 13-19 digits in groups split by single spaces or dashes; validated by Luhn (see _valid_card).
_CARD = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
_PHONES = (
    # +44 20 7946 0958, +1 (415) 555-0132, +4915123456789: country code then 8-15 digits in all.
    re.compile(r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){1,6}(?!\w)"),
    # (415) 555-0132, 415.555.0132, 1-415-555-0132: North American layout with separators.
    re.compile(r"(?<![\w(+])(?:1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}\b"),
    # 020 7946 0958, 07700 900123: national format with a trunk 0.
    re.compile(r"(?<![\w+])0\d{2,4}[ .-]?\d{3,4}[ .-]?\d{3,4}\b"),
    # 4155550132: ten bare digits that can be a North American number.
    re.compile(r"\b1?[2-9]\d{2}[2-9]\d{6}\b"),
)
_PHONE_DIGITS = (8, 15)
# Gates: one cheap pass that every match of the detectors behind it must contain.
_ANY_DIGIT = re.compile(r"\d")
_IBAN_GATE = re.compile(r"[A-Z]{2}\d\d")
_SPACE_DIGIT = re.compile(r"\s\d")
_NUMBER_GATE = re.compile(r"\d[\d ().-]{6,}\d")  # phones and cards: 8+ characters of digits and separators
_PUNCTUATION_TO_SPACE = {code: " " for code in range(128) if not chr(code).isalnum()}
_NON_DIGIT = re.compile(r"\D")
# Street words may be written in lower case only with these abbreviations ("123 main st").
_LOWERCASE_SUFFIXES = ("st", "ave", "rd", "blvd", "ln", "hwy", "pkwy")
# Capitalized words that follow a number in Title Case titles ("Wore It 2 Weeks On The Road") but never
# start or make up a street name.
_UPPER = "A-ZÀ-ÖØ-Þ"  # capitals that open a (European) street or city name
_NAME = rf"[{_UPPER}][\w'’-]*"
_PARTICLES = (
    r"(?:(?:de|del|della|delle|dello|dei|degli|di|da|do|dos|das|du|des|la|le|les|los|las|el|y|e|i)\s+|[dl]['’]\s*)"
)
# A house number on the continent: 5, 5a, 221B, 12-14 (no "10/10": that is a rating).
_HOUSE_NUMBER = r"\d{1,5}[a-zA-Z]?(?:\s?[-–]\s?\d{1,5}[a-zA-Z]?)?\b"
# A number that counts something ("via FedEx 2 days", "via Amazon 2-3 business days") is no house number.
_NOT_A_QUANTITY = (
    r"(?!\s*(?:[-–/]\s*\d|%|[.,]\d|(?:x|hrs?|mins?|lbs?|kg|cm|mm|in|ft|oz|pcs|am|pm)\b"
    r"|(?:day|week|month|year|hour|minute|time|star|size|inch|pound|piece|pair|item|pack|set|business|working)s?\b))"
)
# Postal code (DE/FR/IT/ES 5 digits, NL "1016 DV", SE "114 55", PL "00-950", PT "1100-053", AT/CH/DK 4) + city.
_EUROPEAN_POSTAL_CITY = (
    rf"(?:,?\s+(?:[A-Z]{{1,2}}-)?(?:\d{{4}}\s?[A-Z]{{2}}|\d{{3}}\s\d{{2}}|\d{{2}}-\d{{3}}|\d{{4}}-\d{{3}}|\d{{4,5}})\b"
    rf"(?:\s+{_NAME}(?:[ -](?:{_NAME}|am|an|der|bei|im|sur|sous|en|de|del|la|le)){{0,2}})?)?"
)
# Any street name when a postal code and city follow the house number: "Unter den Linden 77, 10117 Berlin",
# "Damrak 1, 1012 LG Amsterdam", "Am Markt 3, 04109 Leipzig" (no street word to go by).
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul"
    "|aug|sept?|oct|nov|dec|januar|jänner|februar|märz|mai|juni|juli|oktober|dezember|janvier|février|mars|avril"
    "|juin|juillet|août|septembre|octobre|novembre|décembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto"
    "|septiembre|setiembre|octubre|noviembre|diciembre|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre"
    "|ottobre|dicembre|janeiro|fevereiro|março|maio|junho|julho|setembro|outubro|dezembro|januari|februari|maart"
    "|mei|augustus"
)
_STREET_BEFORE_POSTAL_CITY = re.compile(
    rf"\b(?!(?i:{_MONTHS})\b)[{_UPPER}][\w'’-]*(?:\s+(?:(?:den|der|dem|am|an|im|zum|zur|de|la|del|van|da|do)\s+)?[{_UPPER}][\w'’-]*){{0,2}}"
    rf"\s+{_HOUSE_NUMBER},?\s+(?:[A-Z]{{1,2}}-)?(?:\d{{4}}\s?[A-Z]{{2}}|\d{{4}}-\d{{3}}|\d{{4,5}})\b\s+[{_UPPER}][\w'’-]+"
)  # a date ("March 3, 2011 Amazon") is no street
_POSTAL_CITY_GATE = re.compile(r"\d,?\s+(?:[A-Z]{1,2}-)?\d{4}")
_UNIT_BEFORE_ADDRESS = re.compile(
    rf"\b(?:Flat|Apt|Apartment|Unit|Suite)\.?\s+[A-Za-z0-9-]{{1,5}},?\s+{re.escape(MASK_TOKENS['address'])}"
)
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}"
_NOT_STREET_NAMES = "|".join(
    (
        "A", "An", "And", "At", "For", "In", "Is", "It", "My", "Of", "On", "Or", "So", "The", "This", "To",
        "Too", "Up", "With", "Day", "Days", "Week", "Weeks", "Month", "Months", "Year", "Years", "Hour",
        "Hours", "Time", "Times", "Size", "Sizes", "Star", "Stars", "Lbs", "Pounds", "Inch", "Inches",
        "Color", "Colors", "Pair", "Pairs", "Piece", "Pieces", "Item", "Items",
    )
)  # fmt: skip


@dataclass(frozen=True)
class PiiPatterns:
    """Compiled detectors, built once per configuration by `compile_pii_patterns` (masking runs on every review)."""

    orders: tuple[re.Pattern[str], ...]
    order_gate: re.Pattern[str]
    address: re.Pattern[str]
    address_words: frozenset[str]
    """Tokens one of which every number-first US/UK address contains (a fast skip)."""
    european_address: re.Pattern[str]
    street_type_words: frozenset[str]
    """Tokens ("Via", "rue") that can open a Romance street name; with `street_name_suffixes`, the European gate."""
    street_name_suffixes: tuple[str, ...]
    """Lowercase endings ("straße", "gracht", "str."): a word ending so before a number opens the European gate."""
    mask_iban: bool = True
    names: NameRules | None = None
    """Person-name rules; None when name masking is switched off."""


def compile_pii_patterns(config: PiiConfig | None = None) -> PiiPatterns:
    """Compile the configured order-number and street-address patterns (default `PiiConfig()`)."""
    config = config or PiiConfig()
    suffixes = _suffix_forms(config.street_suffixes)
    type_words = _case_forms(config.street_type_words)
    return PiiPatterns(
        orders=tuple(re.compile(pattern, re.IGNORECASE) for pattern in config.order_number_patterns),
        order_gate=re.compile(r"\d" * config.order_number_min_digits),
        address=_address_pattern(suffixes),
        address_words=frozenset((*suffixes, *_LOWERCASE_SUFFIXES, "Box", "BOX")),
        european_address=_european_address_pattern(config.street_name_suffixes, type_words),
        street_type_words=frozenset(word.translate(_PUNCTUATION_TO_SPACE).strip() for word in type_words),
        street_name_suffixes=tuple(sorted({suffix.lower() for suffix in config.street_name_suffixes})),
        mask_iban=config.mask_iban,
        names=compile_name_rules(config) if config.mask_names else None,
    )


def mask_pii(text: str, patterns: PiiPatterns) -> tuple[str, list[str]]:
    """Replace PII in `text` by `MASK_TOKENS`; return the masked text and the kinds found, in detection order.

    Each detector is a full regex pass (~6 µs per 300 characters), so cheap gates decide which passes run.
    """
    kinds: list[str] = []
    if "@" in text:
        text, count = _EMAIL.subn(MASK_TOKENS["email"], text)
        if count:
            kinds.append("email")
    has_digit = _ANY_DIGIT.search(text) is not None
    if (has_digit or not patterns.order_gate.pattern) and patterns.order_gate.search(text):
        for pattern in patterns.orders:
            text, count = pattern.subn(MASK_TOKENS["order"], text)
            if count and "order" not in kinds:
                kinds.append("order")
    if has_digit:  # every kind but names carries digits
        text = _mask_numbers_and_addresses(text, patterns, kinds)
    if patterns.names is not None:
        text, names = mask_names(text, patterns.names)
        if names:
            kinds.append("name")
    return text, kinds


def _mask_numbers_and_addresses(text: str, patterns: PiiPatterns, kinds: list[str]) -> str:
    """Mask IBANs, phones, cards and street addresses (the detectors that need a digit), appending to `kinds`."""
    if patterns.mask_iban and _IBAN_GATE.search(text):
        text = _mask_validated(text, _IBAN, "iban", _valid_iban, kinds, split=" ")
    if _NUMBER_GATE.search(text):
        # A "+" number is a phone even when its digits pass Luhn; the other phone layouts come after cards.
        text = _mask_validated(text, _PHONES[0], "phone", _valid_phone, kinds)
        text = _mask_validated(text, _CARD, "card", _valid_card, kinds, split=" -")
        for pattern in _PHONES[1:]:
            text = _mask_validated(text, pattern, "phone", _valid_phone, kinds)
    words = text.translate(_PUNCTUATION_TO_SPACE).split()
    count = 0
    if not patterns.address_words.isdisjoint(words):
        text, count = patterns.address.subn(MASK_TOKENS["address"], text)
        if count:
            text = _UNIT_BEFORE_ADDRESS.sub(MASK_TOKENS["address"], text)
    if not patterns.street_type_words.isdisjoint(words) or _street_name_before_number(text, patterns):
        text, european = patterns.european_address.subn(MASK_TOKENS["address"], text)
        count += european
    if _POSTAL_CITY_GATE.search(text):
        text, named = _STREET_BEFORE_POSTAL_CITY.subn(MASK_TOKENS["address"], text)
        count += named
    if count:
        kinds.append("address")
    return text


def _street_name_before_number(text: str, patterns: PiiPatterns) -> bool:
    """Whether a word ending like a street name ("...straße", "...gracht") stands right before a number."""
    for match in _SPACE_DIGIT.finditer(text):
        start = match.start()
        if text[max(0, start - 9) : start].lower().rstrip(",").endswith(patterns.street_name_suffixes):
            return True
    return False


def _mask_validated(
    text: str,
    pattern: re.Pattern[str],
    kind: str,
    valid: Callable[[str], bool],
    kinds: list[str],
    split: str = "",
) -> str:
    """Mask matches of `pattern` that pass `valid`; with `split`, also the longest valid run of groups inside one."""
    if pattern.search(text) is None:
        return text
    token = MASK_TOKENS[kind]
    found = False

    def replace(match: re.Match[str]) -> str:
        nonlocal found
        candidate = match.group()
        if valid(candidate):
            found = True
            return token
        if split:
            # A card followed by another number ("4111 1111 1111 1111 20") matches as one run; mask the valid part.
            span = _valid_group_span(re.split(f"([{split}])", candidate), valid)
            if span is not None:
                found = True
                start, end = span
                return candidate[:start] + token + candidate[end:]
        return candidate

    text = pattern.sub(replace, text)
    if found and kind not in kinds:
        kinds.append(kind)
    return text


def _valid_group_span(parts: Sequence[str], valid: Callable[[str], bool]) -> tuple[int, int] | None:
    """Character span of the longest run of whole groups that passes `valid`; `parts` alternates group, separator."""
    offsets = [0]
    for part in parts:
        offsets.append(offsets[-1] + len(part))
    runs = [(first, last) for first in range(0, len(parts), 2) for last in range(first, len(parts), 2)]
    runs.sort(key=lambda run: offsets[run[0]] - offsets[run[1] + 1])  # longest first
    for first, last in runs:
        if valid("".join(parts[first : last + 1])):
            return offsets[first], offsets[last + 1]
    return None


def _valid_card(candidate: str) -> bool:
    digits = _NON_DIGIT.sub("", candidate)
    if not 13 <= len(digits) <= 19 or digits[0] not in "23456":  # issuer ranges: Mastercard, Amex, Visa, ...
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _valid_iban(candidate: str) -> bool:
    compact = candidate.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def _valid_phone(candidate: str) -> bool:
    low, high = _PHONE_DIGITS
    return low <= len(_NON_DIGIT.sub("", candidate)) <= high


def _suffix_forms(suffixes: Sequence[str]) -> tuple[str, ...]:
    """Capitalized and UPPERCASE forms of the street suffixes, longest first (so "Street" wins over "St")."""
    forms = {form for word in suffixes for form in (word[:1].upper() + word[1:], word.upper())}
    return tuple(sorted(forms, key=len, reverse=True))


def _case_forms(words: Sequence[str]) -> tuple[str, ...]:
    """lowercase, Capitalized and UPPERCASE forms of `words`, longest first."""
    forms = {form for word in words for form in (word.lower(), word[:1].upper() + word[1:].lower(), word.upper())}
    return tuple(sorted(forms, key=len, reverse=True))


def _address_pattern(suffix_forms: Sequence[str]) -> re.Pattern[str]:
    """`1234 N Main St`, `55 Elm Avenue Apt 4B`, `9 W 42nd Street, Springfield, IL 62704`, `P.O. Box 12`.

    Also UK: `14 Church Lane, Leeds LS2 7EW` (a `Flat 3, ` before it is masked by `_UNIT_BEFORE_ADDRESS`).
    """
    suffix = "|".join(map(re.escape, suffix_forms))
    lower_suffix = "|".join(_LOWERCASE_SUFFIXES)
    number = r"\b\d{1,6}[A-Za-z]?"  # first, so the scan jumps from digit to digit (a leading group is 4x slower)
    direction = r"(?:(?:[NSEW]|NE|NW|SE|SW|North|South|East|West)\.?\s+)?"
    name = rf"(?:(?!(?:{_NOT_STREET_NAMES})\b)[A-Z][A-Za-z'-]*|\d{{1,3}}(?:st|nd|rd|th))"
    unit = r"(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|Fl|Floor|Rm|Room|#)\.?\s*#?[A-Za-z0-9-]+)?"
    city = (
        r"(?:,\s*[A-Z][A-Za-z.'-]*(?:\s[A-Z][A-Za-z.'-]*){0,2},?\s+"
        rf"(?:{_UK_POSTCODE}|[A-Z]{{2}}(?:\s+\d{{5}}(?:-\d{{4}})?)?)\b)?"
    )
    after_direction = r"(?:\s+(?:NE|NW|SE|SW|[NSEW])\b\.?)?"  # "1600 Pennsylvania Ave NW"
    street = rf"{number}\s+{direction}(?:{name}\s+){{1,3}}(?:{suffix})\b\.?{after_direction}{unit}{city}"
    lower_street = rf"{number}\s+(?:[a-z]+\s+){{1,2}}(?:{lower_suffix})\b\.?"
    po_box = r"\bP\.?\s?O\.?\s+Box\s+\d+"
    return re.compile(f"{street}|{lower_street}|{po_box}")


def _european_address_pattern(name_suffixes: Sequence[str], type_forms: Sequence[str]) -> re.Pattern[str]:
    """`Hauptstraße 5, 04109 Leipzig`, `Berliner Str. 12`, `Via Roma 12`, `Calle de Alcalá, 45`, `12 rue de Rivoli`."""
    forms = _case_forms(name_suffixes)
    glued = "|".join(re.escape(form) for form in forms if form.islower() or form.isupper())
    separate = "|".join(re.escape(form) for form in forms if form[:1].isupper())
    street_type = "|".join(map(re.escape, type_forms))
    # "Keizersgracht 221" (suffix glued to the name) or "Berliner Straße 5" (suffix a word of its own).
    name_first = (
        rf"(?:\b[{_UPPER}][\w'’-]*?(?:{glued})|\b(?:{_NAME}\s+){{1,2}}(?:{separate}))(?:(?<=\.)\s*|,?\s+)"
        rf"{_HOUSE_NUMBER}"
    )
    # The name needs a capital then a small letter, so "via UPS 2" is not read as a street.
    romance_name = rf"{_PARTICLES}*[{_UPPER}][a-zß-öø-ÿ'’][\w'’-]*(?:[\s-]+{_PARTICLES}*{_NAME}){{0,3}}"
    type_then_number = rf"\b(?:{street_type})\.?\s+{romance_name},?\s+{_HOUSE_NUMBER}{_NOT_A_QUANTITY}"
    number_then_type = rf"\b\d{{1,5}}[a-zA-Z]?(?:\s+(?:bis|ter|quater))?,?\s+(?:{street_type})\.?\s+{romance_name}"
    return re.compile(f"(?:{name_first}|{type_then_number}|{number_then_type}){_EUROPEAN_POSTAL_CITY}")
