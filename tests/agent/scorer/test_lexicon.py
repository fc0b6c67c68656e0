"""Specification of the lexicon: precise named rules that fire on real hazard phrasings and not on look-alikes."""

from __future__ import annotations

import pytest

from agent.scorer.lexicon import RULES, match_rules
from store.schemas import FLAG_NAMES


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("The charger overheated after ten minutes.", "safety.overheat"),
        ("Wall adapter is hot to the touch after five minutes.", "safety.too_hot"),
        ("The plug melted into the outlet.", "safety.melt"),
        ("This power bank caught fire on my nightstand.", "safety.fire"),
        ("Smoke started coming out of the charging brick.", "safety.smoke"),
        ("It smells like burning plastic when it charges.", "safety.smoke"),
        ("It sparked when I plugged it in.", "safety.spark"),
        ("The lamp shocked me when I touched the base.", "safety.shock"),
        ("Got a shock from the charger when I unplugged it.", "safety.shock"),
        ("The kettle handle burned my hand.", "safety.burn"),
        ("The zipper has a sharp edge that cut my son's chin.", "safety.cut"),
        ("The eyes came off in my toddler's mouth, a choking hazard.", "safety.choking"),
        ("These leggings gave me a rash all over.", "safety.allergy"),
        ("Strong toxic smell from the rug.", "safety.toxic"),
        ("The battery on the case is bulging.", "safety.explode"),
        ("Honestly this is dangerous.", "safety.hazard_words"),
    ],
)
def test_safety_rule_fires_on_hazard_phrasing(text: str, rule: str) -> None:
    assert rule in match_rules(text).get("safety_hazard", [])


@pytest.mark.parametrize(
    "text",
    [
        "This dress is fire 🔥 wore it to brunch",
        "The hot pink is so vibrant.",
        "The burnt orange is gorgeous for fall.",
        "I look smoking hot in this dress.",
        "Killer deal on these boots.",
        "Shockingly good sound for cheap earbuds.",
        "This sweater sparks joy every time.",
        "Bought the rash guard for surfing.",
        "The choker necklace is delicate.",
        "Sharp looking blazer, tailored and crisp.",
        "The romper melted my heart.",
        "Love that the mat is non-toxic.",
        "Charges fast and doesn't overheat like my old one.",
        "I have eczema and this fabric didn't give me any rash.",
        "No sharp edges, rounded corners.",
        "I was shocked at how comfortable this dress is.",
        "The candle smells amazing and burns evenly.",
        "Smoke gray color is really elegant.",
    ],
)
def test_safety_rules_ignore_hard_negatives(text: str) -> None:
    assert "safety_hazard" not in match_rules(text)


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("If I don't get my refund by Friday I'm contacting my lawyer.", "legal_threat"),
        ("I'm filing in small claims court next week.", "legal_threat"),
        ("Filed a complaint with the BBB.", "legal_threat"),
        ("Reporting this listing to the FTC.", "legal_threat"),
        ("We will sue.", "legal_threat"),
        ("Sending it back for a refund.", "refund_intent"),
        ("Way too small, returning it.", "refund_intent"),
        ("Filed a chargeback with my card company.", "refund_intent"),
        ("What the fuck is this.", "profanity"),
        ("Shit quality, see-through.", "profanity"),
        ("sh!t fabric", "profanity"),
    ],
)
def test_flag_rules_fire_on_clear_phrasing(text: str, flag: str) -> None:
    assert flag in match_rules(text)


@pytest.mark.parametrize(
    "text",
    [
        "I'd sue for how cute this is if I could lol.",
        "Bought this for my friend Sue and she loves it.",
        "My lawyer friend recommended this blazer for court days.",
        "Will definitely return to this shop to buy more!",
        "I'm a returning customer and love it.",
        "Fits perfectly, no need to return.",
        "The bass on these earbuds is deep.",
        "Classic Dickies work pants fit.",
        "Assembly was easy.",
    ],
)
def test_legal_refund_and_profanity_rules_ignore_look_alikes(text: str) -> None:
    assert match_rules(text) == {}


def test_every_rule_is_named_after_its_flag_and_has_a_precision_prior() -> None:
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))
    for rule in RULES:
        assert rule.flag in FLAG_NAMES
        assert rule.name.split(".")[0] in {"safety", "legal", "refund", "profanity"}
        assert 0.5 <= rule.precision_prior <= 1.0
        assert rule.triggers and all(t == t.lower() for t in rule.triggers)


def test_match_rules_reports_every_rule_that_fired_per_flag() -> None:
    fired = match_rules("Sparks and smoke came from the plug, I'm returning it and calling my lawyer.")
    assert {"safety.spark", "safety.smoke"} <= set(fired["safety_hazard"])
    assert fired["legal_threat"] == ["legal.lawyer"]
    assert "refund_intent" in fired
