"""Cleaning settings (PII patterns, language set, spam lists, near-duplicate parameters) from config/cleaning.yaml.

Every field has a default equal to the shipped YAML, so `CleaningConfig()` is a working configuration; the
YAML is where the business edits them.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from store.settings import get_settings
from store.yaml_config import field_error, load_yaml_model

__all__ = [
    "CleaningConfig",
    "LanguageConfig",
    "NearDuplicateConfig",
    "PiiConfig",
    "SpamConfig",
    "load_cleaning_config",
]

_Fraction = Annotated[float, Field(gt=0.0, le=1.0)]
_Phrases = tuple[Annotated[str, Field(min_length=1)], ...]

_MODEL_CONFIG = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class PiiConfig(BaseModel):
    """What PII masking looks for beyond the built-in email, phone, card and IBAN detectors."""

    model_config = _MODEL_CONFIG

    order_number_patterns: tuple[str, ...] = (
        r"(?:\b(?:ORD|ORDER)|#)[- ]?\d{5,}\b",
        r"\border\s+(?:number|num|no\.?|nr\.?|id)\s*[:#]?\s*\d{5,}\b",
    )
    """Regexes (matched case-insensitively) whose whole match is replaced by `[ORDER]`."""

    order_number_min_digits: int = Field(default=5, ge=0)
    """Order-number patterns run only on texts with a run of this many digits (a fast skip; the defaults need 5)."""

    street_suffixes: _Phrases = (
        "Street", "St", "Avenue", "Ave", "Road", "Rd", "Boulevard", "Blvd", "Drive", "Dr", "Lane", "Ln",
        "Court", "Ct", "Pl", "Terrace", "Ter", "Cir", "Parkway", "Pkwy", "Highway", "Hwy", "Trl",
    )  # fmt: skip
    """Words that end a US-style street address (`1234 N Main St`), matched Capitalized or UPPERCASE.

    Everyday words that end Title Case titles ("Way", "Place", "Square") are left out on purpose.
    """

    street_name_suffixes: _Phrases = (
        "straße", "strasse", "str.", "gasse", "weg", "platz", "allee", "gracht", "laan", "straat", "plein",
        "gatan", "gata", "vägen", "väg", "vej", "veien", "vegen",
    )  # fmt: skip
    """Endings of European street names written before the house number, glued or as a word of their own.

    `Hauptstraße 5`, `Berliner Str. 12`, `Keizersgracht 221`, `Storgatan 14`; a postal code and city may follow.
    """

    street_type_words: _Phrases = (
        "rue", "avenue", "boulevard", "bd", "chemin", "place", "quai", "allée", "impasse", "via", "viale", "piazza",
        "corso", "calle", "c/", "avenida", "avda", "av", "paseo", "plaza", "carrer", "rua", "travessa", "praça",
        "alameda", "largo",
    )  # fmt: skip
    """Words that open a street name in Romance languages: `Via Roma 12`, `Calle de Alcalá 45`, `12 rue de Rivoli`.

    The number may stand before or after the name; a postal code and city may follow.
    """

    mask_iban: bool = True
    """Also mask IBANs (checksum-validated) as `[IBAN]`."""

    mask_names: bool = True
    """Also mask person names as `[NAME]` (after cues, next to addresses, sign-offs, known first names)."""

    name_locales: tuple[Annotated[str, Field(pattern=r"^[a-z]{2}_[A-Z]{2}$")], ...] = (
        "en_US", "en_GB", "en_IE", "en_IN", "de_DE", "de_AT", "de_CH", "es_ES", "es_MX", "fr_FR", "fr_BE",
        "it_IT", "pt_PT", "pt_BR", "nl_NL", "nl_BE", "pl_PL",
    )  # fmt: skip
    """Faker locales whose first-name and surname lists are loaded (shipped in the Faker wheel)."""

    name_exceptions: _Phrases = (
        # the store, and brands or product lines named like people
        "Retailer", "Maeve", "Pilcro", "Lucky", "Tracy Reese", "Eva Franco", "Isabella Sinclair", "Tory Burch",
        "Tommy Hilfiger", "Calvin Klein", "Ralph Lauren", "Michael Kors", "Kate Spade", "Marc Jacobs",
        "Stella McCartney", "Vera Wang", "Eileen Fisher", "Lilly Pulitzer", "Jessica Simpson", "Nicole Miller",
        "Karen Millen", "Hugo Boss", "Anna Sui", "Nina Ricci", "Ted Baker", "Betsey Johnson", "Mara Hoffman",
        "Earl Grey",
        # colours
        "Rose", "Olive", "Ruby", "Amber", "Jade", "Coral", "Hazel", "Jasmine", "Lily", "Daisy", "Iris", "Heather",
        "Holly", "Ivy", "Marine", "Sienna", "Rosa", "Bianca", "Blanca", "Crystal", "Diamond", "Rosemary", "Basil",
        "Sandy", "Misty", "Dawn", "Ginger", "Honey", "Pearl", "Violet", "Scarlet",
        # months, seasons, holidays
        "April", "May", "June", "July", "August", "Summer", "Autumn", "Noel", "Valentine", "Easter", "Christmas",
        # places
        "Florence", "Sydney", "Austin", "Chelsea", "Madison", "Savannah", "Georgia", "Virginia", "Carolina",
        "Dakota", "Jordan", "Israel", "Siena", "Milan", "Lourdes", "Regina", "Paris", "India", "Asia", "Brooklyn",
        "France",
        # words that are also first names somewhere
        "Tea", "Can", "Don", "Said", "Else", "Lean", "Edit", "Theres", "Maxi", "Ole", "Mart", "German", "Jet",
        "Forum", "Feline", "Ale", "Angel", "Destiny", "Faith", "Grace", "Joy", "Hope", "Eden", "Van", "Wolf", "Cal",
        "Star", "Sunny",
    )  # fmt: skip
    """Words and runs of words never masked as a name, matched case-insensitively, unless a title or a
    self-introduction names them ("Mrs Rose"): brands named like people, colours, months, places."""

    brand_nouns: _Phrases = (
        "top", "tops", "dress", "dresses", "jeans", "jean", "denim", "pants", "trousers", "shorts", "skirt", "shirt",
        "tee", "blouse", "sweater", "cardigan", "jacket", "coat", "vest", "suit", "belt", "bag", "purse", "shoes",
        "boots", "sandals", "sneakers", "heels", "bra", "swimsuit", "scarf", "watch", "perfume", "brand",
        "brands", "line", "collection", "label", "design", "designs", "style", "product", "products", "store",
        "stores", "shop", "outlet", "size", "sizes", "sizing", "fit", "color", "colour", "colors", "colours",
        "tea", "coffee", "sauce", "mix", "chips", "cereal", "bars", "chocolate", "candy", "cookies", "snacks",
        "kleid", "hose", "jacke", "größe", "farbe", "marke", "vestido", "talla", "marca", "robe", "taille", "couleur",
        "marque", "vestito", "taglia", "colore", "tamanho", "cor", "jurk", "maat", "kleur", "merk",
    )  # fmt: skip
    """Nouns (lowercase) after which a name reads as a brand ("Tommy Hilfiger top"); one before it marks a
    colour or size ("la couleur Rose")."""

    @field_validator("name_locales")
    @classmethod
    def _locales_have_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for index, locale in enumerate(value):
            if importlib.util.find_spec(f"faker.providers.person.{locale}") is None:
                raise field_error(f"Faker has no person names for {locale!r} (see faker/providers/person/)", index)
        return value

    @field_validator("order_number_patterns")
    @classmethod
    def _patterns_compile(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for index, pattern in enumerate(value):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise field_error(f"{pattern!r} is not a valid regular expression: {exc}", index) from None
        return value


class LanguageConfig(BaseModel):
    """Which languages the detector may answer, and when it says `und` instead."""

    model_config = _MODEL_CONFIG

    languages: tuple[Annotated[str, Field(pattern=r"^[a-z]{2}$")], ...] = (
        "en", "es", "fr", "de", "it", "pt", "nl", "sv", "da", "no", "fi", "pl", "cs", "ro", "hu", "tr",
        "el", "ru", "uk", "ja", "zh", "ko", "ar", "he", "hi", "id", "vi", "th",
    )  # fmt: skip
    """ISO 639-1 codes the detector chooses among; fewer languages is faster and more accurate."""

    min_letters: int = Field(default=8, ge=1)
    """Texts with fewer letters than this are `und` (too short to tell)."""

    min_confidence: _Fraction = 0.5
    """Detections below this calibrated probability are `und`."""

    max_chars: int = Field(default=160, ge=20)
    """Only the first this-many characters are classified (cost grows with length; accuracy does not)."""


class SpamConfig(BaseModel):
    """Word lists and limits for the spam rules in `pipeline.clean.spam`; phrases match case-insensitively."""

    model_config = _MODEL_CONFIG

    solicitation_phrases: _Phrases = (
        "buy followers", "buy likes", "cheap followers", "free followers", "get followers",
        "follow for follow", "follow me for follow", "follow4follow", "f4f", "like for like", "l4l", "sub4sub",
        "link in bio", "link in my bio", "check my bio", "dm me for", "dm for details", "dm for price", "dm to order",
        "inbox me for", "whatsapp me", "message me on whatsapp", "contact me on whatsapp", "telegram me", "dm me on",
        "visit my site", "visit my website", "visit my page", "check out my channel", "check my profile",
        "subscribe to my channel", "use my promo code", "use my code", "my referral code", "my referral link",
        "make money from home", "work from home and earn", "earn money online", "guaranteed returns",
        "investment opportunity", "double your bitcoin", "crypto investment", "crypto trading signals",
        "trading bot", "forex signals", "passive income", "earn crypto", "claim your prize", "claim your reward",
        "replica watches", "replica bags", "replica handbags", "replica designer", "binary options", "online casino",
        "cheap viagra",
    )  # fmt: skip
    """Phrases that make a review spam on their own."""

    promo_words: _Phrases = (
        "promo code", "coupon code", "discount code", "use code", "click", "click here", "click the link",
        "click link", "tap the link", "claim your", "claim now", "claim here", "buy now", "order now", "shop now",
        "limited offer", "limited time offer", "today only", "only today", "% off", "best price", "best prices",
        "lowest price", "lowest prices", "cheap prices", "free gift", "giveaway", "win a", "win an", "win free",
        "chance to win", "prize", "followers", "crypto", "bitcoin", "forex", "trading", "earn money", "make money",
        "subscribe",
    )  # fmt: skip
    """Calls to action and offers that make a review spam together with a link to a domain not allowed.

    Claims of income or returns ("made $870 today", "300% APY") count as well, built in.
    """

    contact_promo_words: _Phrases = (
        "crypto", "bitcoin", "forex", "trading", "investment", "followers", "giveaway", "earn money", "make money",
    )  # fmt: skip
    """Offers that make a review spam together with a masked contact ([EMAIL], [PHONE]).

    Shorter than `promo_words`: complaints leave a contact next to "promo code" or "cheap" all the time.
    """

    allowed_link_domains: _Phrases = (
        "retailer.com", "ups.com", "fedex.com", "usps.com", "dhl.com", "imgur.com",
    )  # fmt: skip
    """Links to these domains (and their subdomains) are not links for the spam rules: the store, carriers."""

    short_link_max_words: int = Field(default=3, ge=0)
    """A review with a link and at most this many other words is spam (support tickets exempt)."""

    shouting_min_upper_ratio: _Fraction = 0.7
    """Share of uppercase letters from which a review with a link counts as shouting spam."""

    stuffing_min_tokens: int = Field(default=12, ge=2)
    """Keyword stuffing is judged only on reviews with at least this many words."""

    stuffing_max_distinct_ratio: _Fraction = 0.4
    """Distinct words / words at or below this is keyword stuffing."""

    stuffing_max_top_token_share: _Fraction = 0.4
    """One word (3+ letters, not a stopword) making up more than this share of words is keyword stuffing."""

    gibberish_min_letters: int = Field(default=15, ge=1)
    """Gibberish is judged only on reviews with at least this many ASCII letters."""

    gibberish_max_vowel_ratio: _Fraction = 0.2
    """Vowels (a, e, i, o, u, y) / ASCII letters below this is gibberish."""

    gibberish_min_bigrams: int = Field(default=12, ge=2)
    """Letter pairs inside words (3+ words) a text needs before its letter-pair likelihood is judged."""

    gibberish_max_bigram_bits: float = Field(default=-0.8, le=0.0)
    """Mean letter-pair log-likelihood, in bits over uniform letters, at or below which a text is keyboard mash.

    English prose scores about +2, other Latin-script languages +0.1 to +1.8, typo-ridden text above -0.5,
    random letters about -1.7.
    """


class NearDuplicateConfig(BaseModel):
    """MinHash + LSH parameters for spotting pasted complaints (word 3-shingles, Jaccard similarity)."""

    model_config = _MODEL_CONFIG

    threshold: _Fraction = 0.75
    """Estimated Jaccard similarity of word 3-shingles at or above which a text is a near-duplicate.

    Each changed word breaks 3 shingles: two edits in a 50-word text leave ≈0.78, three ≈0.68.
    """

    num_perm: int = Field(default=128, ge=8, le=1024)
    """MinHash permutations; must be a multiple of `bands`."""

    bands: int = Field(default=32, ge=1)
    """LSH bands; the matched-band count estimates similarity, so more bands estimate it more finely."""

    min_words: int = Field(default=8, ge=3)
    """Texts with fewer words are never near-duplicate matched (too generic: "love it!")."""

    max_docs: int = Field(default=100_000, ge=1)
    """The index remembers at least this many most recent texts (16 bytes per band each); older ones age out."""

    seed: int = 20261102
    """Seed of the hash permutations; changing it changes which borderline pairs match."""

    @model_validator(mode="after")
    def _bands_divide_permutations(self) -> NearDuplicateConfig:
        if self.num_perm % self.bands:
            raise field_error(f"num_perm ({self.num_perm}) must be a multiple of bands ({self.bands})", "num_perm")
        return self


class CleaningConfig(BaseModel):
    """Everything the bronze -> silver cleaning stage can be told."""

    model_config = _MODEL_CONFIG

    pii: PiiConfig = PiiConfig()
    """PII masking patterns."""
    language: LanguageConfig = LanguageConfig()
    """Language detection."""
    spam: SpamConfig = SpamConfig()
    """Spam rules."""
    near_duplicate: NearDuplicateConfig = NearDuplicateConfig()
    """Near-duplicate (pasted complaint) detection."""


def load_cleaning_config(path: Path | None = None) -> CleaningConfig:
    """Load and validate cleaning settings (default `<config_dir>/cleaning.yaml`)."""
    return load_yaml_model(path or get_settings().config_dir / "cleaning.yaml", CleaningConfig)
