"""The six injected incidents: what breaks, where, from when, and how customers describe it across channels."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from lab.demo.catalog import DIURNAL, REGIONS, Catalog, Customer, Region, Sku
from lab.demo.payloads import Draft
from lab.demo.text import frame_complaint, near_duplicate, nps_score_for, stylize, text_values

__all__ = ["INCIDENT_SPECS", "IncidentPlan", "IncidentSpec", "incident_drafts", "plan_incidents"]

DAY = 86_400


@dataclass(frozen=True, slots=True)
class IncidentSpec:
    """One kind of incident: its taxonomy topic, playbook, when it starts and the channels its reports arrive on."""

    kind: str
    topic: str
    flags: tuple[str, ...]
    playbook: str
    start_fraction: float
    ramp_days: float
    channels: tuple[tuple[str, float], ...]
    near_duplicates: int
    cores: tuple[str, ...]
    details: tuple[str, ...]
    titles: tuple[str, ...]


@dataclass(slots=True)
class IncidentPlan:
    """An incident placed in one simulated shop: its scope, start (seconds after stream start) and report rate."""

    id: str
    spec: IncidentSpec
    starts_at: int
    rate_per_day: float
    scope: dict[str, str]
    sku: Sku | None = None
    region: Region | None = None
    warehouse: str | None = None
    carrier: str | None = None
    drafts: list[Draft] = field(default_factory=list)


INCIDENT_SPECS: tuple[IncidentSpec, ...] = (
    IncidentSpec(
        "zipper_defect", "product_quality.defect", (), "defective_product", 0.25, 1.5,
        (("storefront", 0.65), ("support", 0.2), ("nps", 0.1), ("social", 0.05)), 2,
        ("The zipper broke after {n} days.", "Zipper pull came right off in my hand.",
         "The zip split open from the bottom on the second wear.", "Zip teeth came apart halfway up.",
         "The zipper keeps unzipping itself from the bottom.",
         "The zipper slider snapped off the first time I used it.",
         "Main zip jammed and then the teeth separated.", "The zipper tore away from the fabric.",
         "Zipper splits open every time I sit down.", "The zipper pull tab broke off and now I can't close the jacket.",
         "Zip is completely broken after one week.", "the zipper just gave up on day {n}.",
         "Zipper broke on the {name} the second time I zipped it up."),
        ("Useless in the cold without a working zip.", "I was really careful with it too.",
         "Looks like a cheap zipper on an otherwise nice jacket.", "My partner's one has the same problem.",
         "Checked the other reviews and I'm not the only one.", ""),
        ("Zipper broke", "Broken zip", "Zipper fell apart", "Zip split", "Faulty zipper"),
    ),
    IncidentSpec(
        "runs_small", "sizing_fit.runs_small", (), "size_guidance", 0.35, 1.0,
        (("storefront", 0.8), ("support", 0.1), ("nps", 0.1)), 1,
        ("Ordered my usual {size} and it's way too tight across the chest.", "Runs at least two sizes small.",
         "Couldn't even get it over my hips.", "The bodice is tiny, size up twice.",
         "I'm always a size {size} in this shop and this one is painfully tight.",
         "Super small, fits like a kids' size.",
         "The size chart is off, it runs really small.", "So tight I couldn't close it at the back.",
         "Way smaller than every other dress I own in size {size}.", "Had to send it back for two sizes up.",
         "Tight under the arms and across the waist, size up!"),
        ("Such a pretty dress otherwise.", "Exchanging for a bigger size.", "Please fix the size guide.", ""),
        ("Runs small", "Way too small", "Size up!", "Tiny fit", "Sizing is off"),
    ),
    IncidentSpec(
        "carrier_delay", "shipping_delivery.late", (), "shipping_delay", 0.45, 1.0,
        (("storefront", 0.35), ("support", 0.3), ("social", 0.2), ("nps", 0.15)), 2,
        ("{carrier} tracking hasn't moved in {n} days.", "Stuck at the {carrier} depot for over a week.",
         "Package has been in transit with {carrier} forever, still not delivered.",
         "{carrier} keeps pushing the delivery date back.",
         "Ordered {n} days ago, still not here, {carrier} says delayed.",
         "{carrier} missed the delivery window three times now.",
         "My parcel is delayed again, {carrier} has no idea where it is.",
         "Still waiting, {carrier} says 'exception: delayed' every day.",
         "Express shipping and it's a week late with {carrier}.",
         "The {carrier} delivery is {n} days late and counting.",
         "{carrier} says 'delayed due to operational issues', that was {n} days ago.",
         "Tracking just says 'arriving late' with {carrier}, no new date.",
         "It's been sitting at a {carrier} hub since last week.",
         "Day {n} of waiting for {carrier} to deliver my package.",
         "Paid for 2-day shipping, {carrier} has had it for a week.",
         "{carrier} delivery attempt never happened, now it's just 'delayed'."),
        ("Needed it for a trip.", "No updates at all.", "Really frustrating.", "Why do you still use them?",
         "Customer service just tells me to wait.", "Missed the birthday I bought it for.", "Please refund shipping.",
         "Everyone I know here has the same problem.", "", ""),
        ("Still not delivered", "Late delivery", "Where is my order", "Delayed again", "Shipping delay"),
    ),
    IncidentSpec(
        "crushed_packaging", "packaging.damaged", (), "packaging_damage", 0.5, 1.0,
        (("storefront", 0.5), ("support", 0.3), ("nps", 0.2)), 0,
        ("Box arrived completely crushed.", "The package was flattened, like someone stood on it.",
         "Outer box crushed and the {item} inside was bent.", "Arrived in a caved-in box with the tape split open.",
         "Second order in a row with a crushed box.", "Packaging was smashed and soaked through.",
         "The box was crushed flat and the {item} got damaged.", "The parcel looked like it went through a press.",
         "Crushed box, dented corners, {item} squashed.", "Shipping box was crushed and torn on arrival."),
        ("Please pack things better.", "Took photos for you.", "The {item} itself seems okay, barely.",
         "Same thing happened to my neighbour's order.", "Whoever packs these needs to take more care.", "", ""),
        ("Crushed box", "Damaged packaging", "Arrived crushed", "Terrible packing"),
    ),
    IncidentSpec(
        "misleading_photo", "listing_accuracy.photo_mismatch", (), "listing_correction", 0.3, 0.5,
        (("storefront", 0.8), ("social", 0.1), ("nps", 0.1)), 0,
        ("The color is nothing like the photo, it's a muddy brown not {color}.",
         "Looks completely different from the listing pictures.",
         "The photo shows a rich {color}, what I got is washed out.", "The pictures must be heavily edited.",
         "The pattern in the photo is bold, in real life it's tiny and faded.",
         "Not the same shade as pictured at all.",
         "Nothing like the model photo.", "The listing photo is misleading, the real color is way darker.",
         "Compared it to the photo side by side, not even close.",
         "Looks cheap, the photos are clearly not this product."),
        ("Feels like false advertising.", "Returning it.", "Please update the pictures.", ""),
        ("Not as pictured", "Misleading photos", "Wrong color", "Looks nothing like the photo"),
    ),
    IncidentSpec(
        "safety_overheat", "product_quality.defect", ("safety_hazard",), "safety_hazard", 0.55, 2.0,
        (("storefront", 0.45), ("support", 0.35), ("social", 0.2)), 1,
        ("The charger got so hot it melted the plastic around the plug.",
         "Smelled burning plastic and saw smoke coming from the charger.",
         "The charger overheated and scorched my nightstand.", "It sparked when I plugged it in.",
         "Way too hot to touch after 10 minutes, I unplugged it right away.", "The casing warped from the heat.",
         "My charger started smoking overnight, it could have caused a fire.", "Burnt my finger on the charger brick.",
         "This charger is a fire hazard, it overheats every time.", "The plug end is melted and blackened."),
        ("My kids were in the room.", "Please recall this.", "I have photos.", "Lucky I was awake.", ""),
        ("DANGEROUS - overheats", "Melted charger", "Fire hazard", "Charger smoking"),
    ),
)  # fmt: skip


def _sku_volume(catalog: Catalog, sku: Sku, reviews_per_day: float) -> float:
    return reviews_per_day * 0.8 * catalog.popularity[catalog.skus.index(sku)]


def _pick_sku(rng: random.Random, catalog: Catalog, kind: str) -> Sku:
    ranked = catalog.by_kind(kind)
    return rng.choice(ranked[: max(1, (len(ranked) * 2 + 4) // 5)])


def plan_incidents(rng: random.Random, catalog: Catalog, days: int, reviews_per_day: float) -> list[IncidentPlan]:
    """Place each incident on a target (SKU, region+carrier or warehouse) with a start time and a clear report rate."""
    plans: list[IncidentPlan] = []
    big_regions = [r for r in REGIONS if r.share >= 0.1]
    delay_region = rng.choice(big_regions)
    warehouses = sorted({r.warehouses[0] for r in REGIONS} - {delay_region.warehouses[0]})
    for number, spec in enumerate(INCIDENT_SPECS, start=1):
        starts_at = int(days * DAY * spec.start_fraction) // 3600 * 3600 + rng.randrange(8, 16) * 3600
        plan = IncidentPlan(f"INC-{number:02d}-{spec.kind}", spec, starts_at, 3.0, {})
        if spec.kind == "carrier_delay":
            plan.region, plan.carrier = delay_region, rng.choice(delay_region.carriers)
            plan.scope = {"region": delay_region.name, "carrier": plan.carrier}
            plan.rate_per_day = max(12.0, 0.2 * reviews_per_day * delay_region.share)
        elif spec.kind == "crushed_packaging":
            plan.warehouse = rng.choice(warehouses)
            plan.scope = {"warehouse": plan.warehouse}
            plan.rate_per_day = max(6.0, 0.015 * reviews_per_day)
        else:
            kind = {"zipper_defect": "JKT", "runs_small": "DRS", "misleading_photo": "TOP", "safety_overheat": "CHG"}[
                spec.kind
            ]
            plan.sku = _pick_sku(rng, catalog, kind)
            plan.scope = {"sku": plan.sku.sku}
            floor = 2.0 if spec.kind == "safety_overheat" else 4.0
            plan.rate_per_day = max(floor, 0.6 * _sku_volume(catalog, plan.sku, reviews_per_day))
        plans.append(plan)
    return plans


def _report_times(rng: random.Random, plan: IncidentPlan, last: int, minimum: int) -> list[int]:
    """Arrival times of reports: a ramp from 30% to the full rate over `ramp_days`, shaped by the time of day."""
    peak = max(DIURNAL)
    rate = plan.rate_per_day / DAY * peak / (sum(DIURNAL) / 24)
    times: list[int] = []
    quiet_until = plan.starts_at
    if plan.spec.kind == "safety_overheat":  # one report, a second some hours later, then the rest
        quiet = min(36 * 3600, (last - plan.starts_at) // 3)
        times = [plan.starts_at + rng.randrange(60, 900), plan.starts_at + rng.randrange(quiet // 6, quiet * 5 // 9)]
        quiet_until += quiet
    t = float(quiet_until)
    while True:
        t += rng.expovariate(rate)
        if t >= last:
            break
        ramp = min(1.0, 0.3 + 0.7 * (t - plan.starts_at) / (plan.spec.ramp_days * DAY))
        if rng.random() < ramp * DIURNAL[int(t // 3600) % 24] / peak:
            times.append(int(t))
    while len(times) < minimum:  # short streams still get enough reports to be detectable
        times.append(rng.randrange(quiet_until, last))
    if plan.spec.kind != "safety_overheat":
        times[times.index(min(times))] = plan.starts_at + rng.randrange(60, 3600)
    return sorted(times)


def _pick_channel(rng: random.Random, channels: tuple[tuple[str, float], ...]) -> str:
    r = rng.random()
    for channel, weight in channels:
        r -= weight
        if r < 0:
            return channel
    return channels[-1][0]


def _report(
    rng: random.Random,
    plan: IncidentPlan,
    created: int,
    customer: Customer,
    catalog: Catalog,
    channel: str | None = None,
) -> Draft:
    spec = plan.spec
    channel = channel or _pick_channel(rng, spec.channels)
    region = plan.region or customer.region
    sku = plan.sku or catalog.draw(rng)
    values = text_values(rng, sku, plan.carrier)
    if spec.kind == "carrier_delay" and channel != "support":
        values["item"] = values["name"] = "order"
    core = rng.choice(spec.cores).format_map(values)
    core = f"{core} {rng.choice(spec.details).format_map(values)}".strip()
    rating: int | None = None
    if channel == "storefront":
        rating = 1 if rng.random() < 0.6 else 2 if rng.random() < 0.75 else 3
        rating = 5 if rng.random() < 0.04 and spec.kind != "safety_overheat" else rating
    elif channel == "nps":
        rating = nps_score_for(rng, "negative")
    title, body = frame_complaint(rng, channel, core, rng.choice(spec.titles), values)
    warehouse = plan.warehouse or (region.warehouses[0] if rng.random() < 0.85 else region.warehouses[-1])
    delay = rng.randrange(3600, 6 * 3600) if channel == "support" else rng.randrange(5, 900)
    social = channel == "social"
    return Draft(
        created=created,
        received=created + delay,
        source=channel,
        customer=customer,
        intent="negative",
        topic=spec.topic,
        sku=None if social and plan.sku is None else sku,
        region=None if social and plan.region is None else region.name,
        warehouse=None if social else warehouse,
        carrier=plan.carrier or rng.choice(region.carriers),
        quantity=1 if rng.random() < 0.85 else 2,
        has_order=not social,
        rating=rating,
        title=title,
        body=body if spec.kind == "safety_overheat" else stylize(rng, body),
        incident=plan.id,
    )


def incident_drafts(
    rng: random.Random, plans: list[IncidentPlan], customers: list[Customer], catalog: Catalog, days: int, minimum: int
) -> list[Draft]:
    """All reports of every planned incident, at least `minimum` distinct ones each, plus pasted near-duplicates."""
    last = days * DAY - 8 * 3600  # every report, even a slow support export, arrives inside the window
    drafts: list[Draft] = []
    for plan in plans:
        if plan.starts_at >= last - DAY:
            raise ValueError(
                f"days={days} is too short for incidents=True: {plan.id} starts {plan.starts_at / DAY:.1f} days in and "
                "needs a day of reports after that; use days >= 5 or incidents=False"
            )
        pool = [
            c
            for c in customers
            if (plan.region is None or c.region is plan.region)
            and (plan.warehouse is None or plan.warehouse in c.region.warehouses)
        ]
        for created in _report_times(rng, plan, last, minimum):
            plan.drafts.append(_report(rng, plan, created, rng.choice(pool), catalog))
        # a complaint gets pasted once it has circulated for a day, so the safety case still opens with 1-2 reports
        originals = [d for d in plan.drafts if d.source != "social" and plan.starts_at + DAY < d.created < last - DAY]
        for original in rng.sample(originals, min(plan.spec.near_duplicates, len(originals))):
            copies = rng.choice((1, 2)) if plan.spec.near_duplicates > 1 else 1
            for _ in range(copies):
                created = rng.randrange(original.created + 600, min(last, original.created + 3 * DAY))
                copy = _report(rng, plan, created, rng.choice(pool), catalog, channel=original.source)
                copy.sku, copy.rating, copy.title = original.sku, original.rating, original.title
                copy.near_copy_of = original
                copy.body = near_duplicate(rng, original.body)
                plan.drafts.append(copy)
        drafts.extend(plan.drafts)
    return drafts
