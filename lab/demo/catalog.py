"""The simulated shop behind the demo stream: SKUs, regions, warehouses, carriers and customers."""

from __future__ import annotations

import bisect
import random
import unicodedata
from dataclasses import dataclass

__all__ = [
    "CATEGORY_GROUP",
    "DIURNAL",
    "REGIONS",
    "Catalog",
    "Customer",
    "Region",
    "Sku",
    "build_catalog",
    "build_customers",
]


@dataclass(frozen=True, slots=True)
class Sku:
    """One product the shop sells; `kind` is the id prefix (JKT, DRS, CHG ...)."""

    sku: str
    category: str
    kind: str
    noun: str
    name: str
    supplier: str
    price: float
    colors: tuple[str, ...]
    sizes: tuple[str, ...]

    @property
    def group(self) -> str:
        """Phrase-bank family: apparel, shoes, electronics or home."""
        return CATEGORY_GROUP[self.category]


@dataclass(frozen=True, slots=True)
class Region:
    """A sales region with the warehouses that serve it (primary first) and its carriers."""

    name: str
    share: float
    territories: tuple[str, ...]
    warehouses: tuple[str, ...]
    carriers: tuple[str, ...]
    email_domains: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Customer:
    """A shopper; a customer always orders into the same region."""

    id: str
    display_name: str
    email: str
    handle: str
    region: Region


@dataclass(frozen=True, slots=True)
class Catalog:
    """The SKUs with their review popularity (Zipf-like weights, cumulative for fast sampling)."""

    skus: tuple[Sku, ...]
    popularity: tuple[float, ...]
    cum_popularity: tuple[float, ...]

    def draw(self, rng: random.Random) -> Sku:
        """A SKU drawn by review popularity."""
        return self.skus[min(bisect.bisect(self.cum_popularity, rng.random()), len(self.skus) - 1)]

    def by_kind(self, kind: str) -> list[Sku]:
        """SKUs whose id prefix is `kind`, most popular first."""
        ranked = sorted(range(len(self.skus)), key=lambda i: -self.popularity[i])
        return [self.skus[i] for i in ranked if self.skus[i].kind == kind]


# Relative review arrivals per UTC hour: US evenings, a quiet gap, then the European day and evening.
DIURNAL: tuple[float, ...] = (0.9, 0.8, 0.7, 0.55, 0.4, 0.3, 0.3, 0.35, 0.5, 0.65, 0.8, 0.9,
                              1.0, 1.05, 1.1, 1.15, 1.2, 1.25, 1.3, 1.3, 1.25, 1.15, 1.05, 1.0)  # fmt: skip

CATEGORY_GROUP = {
    "Jackets": "apparel",
    "Dresses": "apparel",
    "Tops": "apparel",
    "Jeans": "apparel",
    "Shoes": "shoes",
    "Electronics accessories": "electronics",
    "Home": "home",
}

# kind -> (category, noun, name stems, price range, supplier pool)
_KINDS: dict[str, tuple[str, str, tuple[str, ...], tuple[int, int], tuple[int, ...]]] = {
    "JKT": (
        "Jackets",
        "jacket",
        ("Shell Jacket", "Puffer Jacket", "Rain Jacket", "Parka", "Field Jacket"),
        (79, 249),
        (1, 2, 3),
    ),
    "DRS": (
        "Dresses",
        "dress",
        ("Wrap Dress", "Midi Dress", "Slip Dress", "Shirt Dress", "Maxi Dress"),
        (39, 159),
        (2, 4, 5),
    ),
    "TOP": ("Tops", "top", ("Knit Top", "Linen Blouse", "Crew Tee", "Cardigan", "Tank"), (15, 69), (3, 5, 6)),
    "JNS": ("Jeans", "jeans", ("Straight Jeans", "Skinny Jeans", "Wide-Leg Jeans", "Mom Jeans"), (49, 129), (4, 6)),
    "SHO": ("Shoes", "shoes", ("Runner", "Chelsea Boot", "Loafer", "Sandal", "Court Sneaker"), (59, 179), (7, 8)),
    "CHG": (
        "Electronics accessories",
        "charger",
        ("65W GaN Charger", "Dual USB-C Charger", "Wireless Charging Pad"),
        (19, 59),
        (9, 10),
    ),
    "CBL": ("Electronics accessories", "cable", ("Braided USB-C Cable", "Lightning Cable"), (9, 29), (9, 10)),
    "PWB": ("Electronics accessories", "power bank", ("10000mAh Power Bank", "Slim Power Bank"), (25, 79), (10,)),
    "EAR": ("Electronics accessories", "earbuds", ("Wireless Earbuds", "Sport Earbuds"), (29, 99), (9,)),
    "MUG": ("Home", "mug", ("Stoneware Mug", "Travel Mug", "Espresso Cup Set"), (9, 39), (11, 12)),
    "BLK": ("Home", "blanket", ("Waffle Throw", "Knit Blanket"), (35, 89), (11,)),
    "LMP": ("Home", "lamp", ("Desk Lamp", "Bedside Lamp"), (29, 89), (12,)),
    "PLW": ("Home", "cushion", ("Linen Cushion", "Velvet Cushion"), (19, 49), (11, 12)),
}
_KIND_WEIGHTS = {"JKT": 14, "DRS": 18, "TOP": 22, "JNS": 12, "SHO": 12, "CHG": 4, "CBL": 3, "PWB": 2,
                 "EAR": 2, "MUG": 5, "BLK": 3, "LMP": 2, "PLW": 2}  # fmt: skip
_ADJECTIVES = ("Alpine", "Harbor", "Nordic", "Everyday", "Classic", "Coastal", "Urban", "Meadow", "Summit",
               "Soft", "Heritage", "Studio", "Weekend", "Cedar", "Luna", "Metro", "Willow", "Ember")  # fmt: skip
_COLORS = ("black", "navy", "olive", "camel", "ivory", "forest green", "burgundy", "sky blue", "charcoal",
           "blush pink", "mustard", "emerald green", "rust", "sand", "white", "grey")  # fmt: skip
_SIZES = {
    "apparel": ("XS", "S", "M", "L", "XL"),
    "JNS": ("26", "28", "30", "32", "34"),
    "shoes": ("37", "38", "39", "40", "41", "42"),
}

REGIONS: tuple[Region, ...] = (
    Region("US-West", 0.21, ("US",), ("WH-RENO", "WH-DAL"), ("UPS", "FedEx", "USPS"),
           ("gmail.com", "yahoo.com", "icloud.com", "outlook.com")),
    Region("US-East", 0.24, ("US",), ("WH-NJ", "WH-DAL"), ("UPS", "FedEx", "USPS"),
           ("gmail.com", "yahoo.com", "aol.com", "outlook.com")),
    Region("US-Central", 0.12, ("US",), ("WH-DAL", "WH-NJ"), ("UPS", "FedEx", "USPS"),
           ("gmail.com", "hotmail.com", "icloud.com")),
    Region("UK", 0.14, ("GB",), ("WH-NHM", "WH-ROT"), ("Royal Mail", "DPD", "Evri"),
           ("gmail.com", "hotmail.co.uk", "btinternet.com", "outlook.com")),
    Region("EU-North", 0.10, ("SE", "DK", "FI", "NO"), ("WH-ROT",), ("PostNord", "DHL"),
           ("gmail.com", "live.se", "outlook.com")),
    Region("EU-West", 0.13, ("NL", "FR", "BE", "IE"), ("WH-ROT", "WH-LEJ"), ("DHL", "DPD", "PostNL"),
           ("gmail.com", "orange.fr", "ziggo.nl", "outlook.com")),
    Region("EU-Central", 0.06, ("DE", "AT", "PL"), ("WH-LEJ", "WH-ROT"), ("DHL", "DPD", "GLS"),
           ("gmail.com", "gmx.de", "web.de", "outlook.com")),
)  # fmt: skip

_FIRST = ("Ann", "Maria", "James", "Priya", "Chen", "Olivia", "Liam", "Sofia", "Noah", "Aisha", "Emma", "Lucas",
          "Zoë", "José", "Björn", "Siobhán", "Fatima", "Mateo", "Hannah", "Kenji", "Grace", "Omar", "Ingrid",
          "Daniel", "Chloé", "Ravi", "Amara", "Sean", "Mia", "Tomasz", "Leila", "Ethan", "Yuki", "Nina", "Sam",
          "Isabel", "Jonas", "Keisha", "Marco", "Elif", "Ruth", "Dev", "Freya", "Carlos", "Anya", "Kofi")  # fmt: skip
_LAST = ("Lee", "Garcia", "Smith", "Patel", "Wang", "Johnson", "Müller", "Rossi", "Nguyen", "Okafor", "Brown",
         "Kowalski", "Andersson", "O'Brien", "Haddad", "Silva", "Kim", "Martin", "Jansen", "Dubois", "Khan",
         "Novak", "Walsh", "Tanaka", "Lindqvist", "Moreau", "Hughes", "Fischer", "Ortiz", "Murphy", "Becker",
         "Sato", "Cohen", "Ivanova", "Reyes", "Clarke", "Larsen", "Mensah", "Baker", "Schmidt")  # fmt: skip


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(c for c in folded.lower() if c.isalnum())


def _zipf_weights(n: int, s: float = 1.05, q: float = 2.7) -> list[float]:
    raw = [1.0 / (rank + q) ** s for rank in range(1, n + 1)]
    total = sum(raw)
    return [w / total for w in raw]


def build_catalog(rng: random.Random, n_skus: int) -> Catalog:
    """`n_skus` products over the seven categories; popularity ranks are shuffled so ids carry no signal."""
    if n_skus < len(_KINDS):
        raise ValueError(
            f"skus={n_skus} is too small: the demo shop needs at least {len(_KINDS)} (one per product kind)"
        )
    kinds = list(_KINDS)
    weights = [_KIND_WEIGHTS[k] for k in kinds]
    chosen = kinds + rng.choices(kinds, weights=weights, k=n_skus - len(kinds))
    numbers = rng.sample(range(1, max(n_skus * 2, 200)), n_skus)
    skus: list[Sku] = []
    for kind, number in zip(chosen, numbers, strict=True):
        category, noun, stems, (low, high), suppliers = _KINDS[kind]
        group = CATEGORY_GROUP[category]
        sizes = _SIZES.get(kind) or _SIZES.get(group) or ()
        price = float(rng.randrange(low, high + 1)) - rng.choice((0.0, 0.01, 0.05))
        skus.append(
            Sku(
                sku=f"{kind}-{number:04d}",
                category=category,
                kind=kind,
                noun=noun,
                name=f"{rng.choice(_ADJECTIVES)} {rng.choice(stems)}",
                supplier=f"SUP-{rng.choice(suppliers):02d}",
                price=round(price, 2),
                colors=tuple(rng.sample(_COLORS, 3)),
                sizes=sizes,
            )
        )
    popularity = _zipf_weights(n_skus)
    rng.shuffle(popularity)
    cum: list[float] = []
    acc = 0.0
    for weight in popularity:
        acc += weight
        cum.append(acc)
    cum[-1] = 1.0
    return Catalog(tuple(skus), tuple(popularity), tuple(cum))


def build_customers(rng: random.Random, n: int) -> list[Customer]:
    """`n` distinct customers (ids C-xxxxx) spread over the regions by their sales share."""
    n = min(n, 90_000)
    shares = [r.share for r in REGIONS]
    customers: list[Customer] = []
    for number in rng.sample(range(10_000, 100_000), n):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        region = rng.choices(REGIONS, weights=shares)[0]
        f, la = _ascii(first), _ascii(last)
        local = rng.choice(
            (
                f"{f}.{la}",
                f"{f}{la[0]}{rng.randrange(1, 99)}",
                f"{f[0]}{la}",
                f"{f}_{la}{rng.randrange(70, 100)}",
                f"{f}{la}",
            )
        )
        style = rng.random()
        display = first if style < 0.4 else f"{first} {last[0]}." if style < 0.8 else f"{first} {last}"
        handle = rng.choice((f"@{f}{la}", f"@{f}_{la[:3]}", f"@{f}{rng.randrange(1, 999)}", f"@the{f}"))
        customers.append(
            Customer(f"C-{number}", display, f"{local}@{rng.choice(region.email_domains)}", handle, region)
        )
    return customers
