"""How well ReviewOps understands shops and languages it was not trained on, and what the cascade costs.

    python -m lab.bench.understanding_bench                 # everything below (~15 min on 2 cores, cache warm)
    python -m lab.bench.understanding_bench --only speed    # one part: rules, cross, topics, flags, languages, speed
    python -m lab.bench.understanding_bench --export-cache  # refresh data/embeddings/e5_training_cache.npz

Cross-domain: train on the seed set + one star-rated domain (clothing or food), test on the other domain's held-out
split and on its own, text only; sentiment per-class F1 for the first pass alone and for the cascade, with the share
of reviews that took the semantic stage. Topics: micro-F1 on the hand-labelled food sample (food never trained on).
Flags: recall on the unseen-phrasing set (7 languages) and false flags on its controls. Languages: sentiment and
routes per language on the multilingual normal set. Speed: reviews/s of the first pass and the cascade on an English
and an all-German stream, peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import f1_score

from agent.router import route_review
from agent.scorer import FastScorer, load_current, train_scorer
from agent.scorer.cascade import CascadeItem, ScoringCascade
from agent.scorer.dataset import StarReview, load_food_reviews, load_labeled_reviews, load_star_reviews
from agent.scorer.encoder import SHIPPED_CACHE, E5Encoder, EmbeddingCache, warm_embedding_cache
from agent.scorer.semantic import SEMANTIC_FLAGS, prototype_texts
from agent.scorer.semantic_training import SemanticTraining, sample_star_rows
from store.routing_config import load_routing_config
from store.schemas import Channel, CleanedReview, Route
from store.settings import PROJECT_ROOT
from store.taxonomy import load_taxonomy
from store.understanding_config import load_understanding_config

SHARED = PROJECT_ROOT.parent / "shared" / "data"
CLOTHING_CSV = SHARED / "womens_clothing_reviews.csv"
FOOD_CSV = SHARED / "amazon_fine_food_6k.csv"
SEED = PROJECT_ROOT / "data" / "seed" / "labeled_reviews.jsonl"
DATA = PROJECT_ROOT / "eval" / "suites" / "data"
WORK = PROJECT_ROOT / ".reviewops-bench"
SENTIMENTS = ["negative", "neutral", "positive"]
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _setup(threads: int) -> SemanticTraining:
    cache = EmbeddingCache(WORK / "embeddings.sqlite")
    warm_embedding_cache(cache)
    return SemanticTraining(encoder=E5Encoder(threads), taxonomy=load_taxonomy(), cache=cache)


def train(domains: Sequence[str], setup: SemanticTraining) -> FastScorer:
    """A scorer trained on the seed set + the named domains' train splits (cached by domain list)."""
    out = WORK / ("models-" + "+".join(domains))
    try:
        scorer = load_current(out)
        if scorer.semantic is not None:
            return scorer
    except FileNotFoundError:
        pass
    csv = CLOTHING_CSV if "clothing" in domains else None
    food = FOOD_CSV if "food" in domains else None
    train_scorer(SEED, out, csv, food_path=food, semantic=setup)
    return load_current(out)


def _cascade(scorer: FastScorer, setup: SemanticTraining) -> ScoringCascade:
    return ScoringCascade(scorer, load_understanding_config(), setup.encoder)


def _items(rows: Sequence[StarReview], language: str = "en") -> list[CascadeItem]:
    return [CascadeItem(f"r{i}", r.title, r.text, None, language) for i, r in enumerate(rows)]


def _sentiment_report(truth: Sequence[str], pred: Sequence[str]) -> dict[str, Any]:
    per = f1_score(truth, pred, labels=SENTIMENTS, average=None, zero_division=0)
    return {
        "macro_f1": round(float(np.mean(per)), 3),
        **{f"{s}_f1": round(float(f), 3) for s, f in zip(SENTIMENTS, per, strict=True)},
    }


def cross_domain(setup: SemanticTraining) -> dict[str, Any]:
    heldout = {
        "clothing": [r for r in load_star_reviews(CLOTHING_CSV) if r.split == "heldout"],
        "food": [r for r in load_food_reviews(FOOD_CSV) if r.split == "heldout"],
    }
    results: dict[str, Any] = {}
    for domains in (["clothing"], ["food"], ["clothing", "food"]):
        scorer = train(domains, setup)
        cascade = _cascade(scorer, setup)
        for test, rows in heldout.items():
            truth = [r.sentiment.value for r in rows]
            first = scorer.score_batch([(f"r{i}", r.title, r.text, None) for i, r in enumerate(rows)], NOW)
            cascade.stats.semantic = 0
            full = cascade.score_batch(_items(rows), NOW)
            key = f"train {'+'.join(domains)} -> test {test}"
            results[key] = {
                "n": len(rows),
                "first_pass": _sentiment_report(truth, [s.sentiment.value for s in first]),
                "cascade": _sentiment_report(truth, [s.sentiment.value for s in full]),
                "semantic_share": round(sum(s.stage == "semantic" for s in full) / len(rows), 3),
            }
            print(key, json.dumps(results[key]), flush=True)
    return results


def _multilabel_micro(truth: Sequence[set[str]], pred: Sequence[set[str]]) -> dict[str, float]:
    tp = sum(len(t & p) for t, p in zip(truth, pred, strict=True))
    fp = sum(len(p - t) for t, p in zip(truth, pred, strict=True))
    fn = sum(len(t - p) for t, p in zip(truth, pred, strict=True))
    precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
    return {"micro_f1": round(f1, 3), "precision": round(precision, 3), "recall": round(recall, 3), "tp": tp}


def topics(setup: SemanticTraining) -> dict[str, Any]:
    rows = _jsonl(DATA / "food_topics_handlabeled.jsonl")
    truth = [set(r["topics"]) for r in rows]
    items = [CascadeItem(r["id"], r["title"], r["text"], None, "en") for r in rows]
    results: dict[str, Any] = {"n": len(rows), "with_topic": sum(bool(t) for t in truth)}
    for domains in (["clothing"], ["clothing", "food"]):
        scorer = train(domains, setup)
        first = scorer.score_batch([(i.review_id, i.title, i.text, None) for i in items], NOW)
        full = _cascade(scorer, setup).score_batch(items, NOW)
        heads = scorer.semantic
        assert heads is not None
        vectors = setup.encoder.encode([f"{i.title}. {i.text}" for i in items])
        out = heads.predict(vectors)
        every = [
            {label for label, p, t in zip(heads.labels, probs, heads.thresholds, strict=False) if p >= t}
            for probs in out.topics
        ]
        name = "+".join(domains)
        results[f"train {name}"] = {
            "first_pass": _multilabel_micro(truth, [{t.label for t in s.topics} for s in first]),
            "cascade": _multilabel_micro(truth, [{t.label for t in s.topics} for s in full]),
            "semantic_on_every_review": _multilabel_micro(
                truth, [a | {t.label for t in s.topics} for a, s in zip(every, first, strict=True)]
            ),
        }
        print(f"topics train {name}", json.dumps(results[f"train {name}"]), flush=True)
    return results


def _route(score: Any, language: str, routing: Any, taxonomy: Any, understanding: Any) -> Any:
    review = CleanedReview(
        review_id=score.review_id, source="bench", channel=Channel.storefront, text="-", language=language,
        created_at=NOW, received_at=NOW, cleaned_at=NOW, dedup_key=score.review_id,
    )  # fmt: skip
    return route_review(review, score, routing, taxonomy, frozenset(), NOW, understanding)


def flags(setup: SemanticTraining) -> dict[str, Any]:
    rows = _jsonl(DATA / "flags_unseen_phrasings.jsonl")
    scorer = train(["clothing", "food"], setup)
    cascade = _cascade(scorer, setup)
    routing, taxonomy, understanding = load_routing_config(), load_taxonomy(), load_understanding_config()
    scores = cascade.score_batch([CascadeItem(r["id"], r["title"], r["text"], None, r["lang"]) for r in rows], NOW)
    results: dict[str, Any] = {}
    for flag in SEMANTIC_FLAGS:
        by_lang: dict[str, list[int]] = {}
        for row, score in zip(rows, scores, strict=True):
            if flag in row["flags"]:
                raised = score.flags.get(flag, 0.0) >= routing.flag_thresholds[flag] or flag in score.flag_rules
                by_lang.setdefault(row["lang"], []).append(int(raised))
        hits = [h for v in by_lang.values() for h in v]
        results[flag] = {
            "recall": round(sum(hits) / len(hits), 3),
            "cases": len(hits),
            "by_language": {k: f"{sum(v)}/{len(v)}" for k, v in sorted(by_lang.items())},
        }
    escalated = [
        _route(s, r["lang"], routing, taxonomy, understanding).route == Route.agent
        for r, s in zip(rows, scores, strict=True)
    ]
    must = [any(f in r["flags"] for f in ("safety_hazard", "legal_threat")) for r in rows]
    results["safety_or_legal_escalated"] = f"{sum(e for e, m in zip(escalated, must, strict=True) if m)}/{sum(must)}"
    controls = [(r, s) for r, s in zip(rows, scores, strict=True) if not r["flags"]]
    results["controls_false_safety"] = sum(
        s.flags.get("safety_hazard", 0) >= routing.flag_thresholds["safety_hazard"] for _, s in controls
    )
    results["controls"] = len(controls)
    missed = [
        r["id"] for r, s in zip(rows, scores, strict=True)
        if "safety_hazard" in r["flags"] and s.flags.get("safety_hazard", 0) < routing.flag_thresholds["safety_hazard"]
        and "safety_hazard" not in s.flag_rules
    ]  # fmt: skip
    results["safety_missed"] = missed
    print("flags", json.dumps(results), flush=True)
    return results


def languages(setup: SemanticTraining) -> dict[str, Any]:
    rows = _jsonl(DATA / "multilingual_normal_reviews.jsonl")
    scorer = train(["clothing", "food"], setup)
    cascade = _cascade(scorer, setup)
    routing, taxonomy, understanding = load_routing_config(), load_taxonomy(), load_understanding_config()
    scores = cascade.score_batch([CascadeItem(r["id"], r["title"], r["text"], None, r["lang"]) for r in rows], NOW)
    first = scorer.score_batch([(r["id"], r["title"], r["text"], None) for r in rows], NOW)
    results: dict[str, Any] = {}
    for lang in sorted({r["lang"] for r in rows}):
        idx = [i for i, r in enumerate(rows) if r["lang"] == lang]
        truth = [rows[i]["sentiment"] for i in idx]
        routes = Counter(_route(scores[i], lang, routing, taxonomy, understanding).route.value for i in idx)
        results[lang] = {
            "first_pass": _sentiment_report(truth, [first[i].sentiment.value for i in idx])["macro_f1"],
            "cascade": _sentiment_report(truth, [scores[i].sentiment.value for i in idx])["macro_f1"],
            "escalated_share": round(routes.get("agent", 0) / len(idx), 3),
            "routes": dict(routes),
        }
    print("languages", json.dumps(results), flush=True)
    return results


def escalation(setup: SemanticTraining) -> dict[str, Any]:
    """Share of normal held-out clothing and food reviews the router sends to the agent, with the cascade."""
    scorer = train(["clothing", "food"], setup)
    cascade = _cascade(scorer, setup)
    routing, taxonomy, understanding = load_routing_config(), load_taxonomy(), load_understanding_config()
    results: dict[str, Any] = {}
    streams = {
        "clothing": [r for r in load_star_reviews(CLOTHING_CSV) if r.split == "heldout"][:1500],
        "food": [r for r in load_food_reviews(FOOD_CSV) if r.split == "heldout"],
    }
    for name, rows in streams.items():
        scores = cascade.score_batch(_items(rows), NOW)
        routes = [_route(s, "en", routing, taxonomy, understanding) for s in scores]
        results[name] = {
            "escalated_share": round(sum(d.route == Route.agent for d in routes) / len(rows), 3),
            "semantic_share": round(sum(s.stage == "semantic" for s in scores) / len(rows), 3),
            "top_reasons": Counter(r.split("(")[0] for d in routes for r in d.reasons).most_common(5),
        }
    print("escalation", json.dumps(results), flush=True)
    return results


def speed(setup: SemanticTraining, repeats: int = 3) -> dict[str, Any]:
    """Median reviews/s of the first pass and the cascade, same process, same rows; peak RSS."""
    scorer = train(["clothing", "food"], setup)
    english = [r for r in load_star_reviews(CLOTHING_CSV) if r.split == "heldout"][:2000]
    german_texts = [r for r in _jsonl(DATA / "multilingual_normal_reviews.jsonl") if r["lang"] == "de"]
    german = [CascadeItem(f"de{i}", r["title"], r["text"], None, "de") for i, r in enumerate(german_texts * 4)]
    cascade = _cascade(scorer, setup)
    cascade.score_batch(_items(english[:50]), NOW)  # load the encoder outside the timing

    def rate(fn: Any, n: int) -> float:
        runs = []
        for _ in range(repeats):
            started = time.perf_counter()
            fn()
            runs.append(n / (time.perf_counter() - started))
        return round(float(np.median(runs)), 1)

    items = _items(english)
    first_rate = rate(
        lambda: scorer.score_batch([(i.review_id, i.title, i.text, None) for i in items], NOW), len(items)
    )
    share = sum(s.stage == "semantic" for s in cascade.score_batch(items, NOW)) / len(items)
    cascade_rate = rate(lambda: cascade.score_batch(items, NOW), len(items))
    german_rate = rate(lambda: cascade.score_batch(german, NOW), len(german))
    results = {
        "english_first_pass_per_s": first_rate,
        "english_cascade_per_s": cascade_rate,
        "english_semantic_share": round(share, 3),
        "cascade_over_first_pass": round(cascade_rate / first_rate, 3),
        "german_cascade_per_s": german_rate,
        "encoder_threads": setup.encoder.threads if isinstance(setup.encoder, E5Encoder) else None,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print("speed", json.dumps(results), flush=True)
    return results


def export_cache(setup: SemanticTraining) -> None:
    """Snapshot the embeddings `reviewops train` needs (seed, prototypes, star sample) into the shipped npz."""
    assert setup.cache is not None
    texts = [e.document for e in load_labeled_reviews(SEED)]
    texts += [r.document for r in sample_star_rows(load_star_reviews(CLOTHING_CSV) + load_food_reviews(FOOD_CSV), 2000)]
    taxonomy = setup.taxonomy
    for label in (*taxonomy.topic_ids(), *SEMANTIC_FLAGS):
        texts += prototype_texts(taxonomy, label)
    from agent.scorer.encoder import encode_cached

    encode_cached(setup.encoder, texts, setup.cache)
    keys = [EmbeddingCache.key(setup.encoder.model_id, t) for t in texts]
    print(f"wrote {setup.cache.export(keys, SHIPPED_CACHE)} vectors to {SHIPPED_CACHE}")


class _CachedEncoder:
    """The setup's encoder through its embedding cache, so variants of one text set embed it once."""

    def __init__(self, setup: SemanticTraining) -> None:
        self.setup = setup
        self.model_id = setup.encoder.model_id
        self.dimension = setup.encoder.dimension

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        from agent.scorer.encoder import encode_cached

        return encode_cached(self.setup.encoder, texts, self.setup.cache)


def _truth(rows: Sequence[dict[str, Any]]) -> list[set[str]]:
    return [set(r["topics"]) for r in rows]


def _labels(scores: Sequence[Any]) -> list[set[str]]:
    return [{t.label for t in s.topics} for s in scores]


def cascade_rules(setup: SemanticTraining) -> dict[str, Any]:
    """The cascade's English combine settings (config/understanding.yaml) against what they trade: seed held-out
    urgency and topics, food topics, and the share of unseen English safety reports whose flag reaches the router."""
    scorer = train(["clothing", "food"], setup)
    base, routing = load_understanding_config(), load_routing_config()
    seed = [r for r in _jsonl(SEED) if r["split"] == "heldout"]
    food = _jsonl(DATA / "food_topics_handlabeled.jsonl")
    unseen_en = [r for r in _jsonl(DATA / "flags_unseen_phrasings.jsonl") if r["lang"] == "en"]
    encoder = _CachedEncoder(setup)
    results: dict[str, Any] = {}
    for confirm in (0.5, 0.7, 0.8):
        for nearest in (False, True):
            config = base.model_copy(update={"english_flag_confirm": confirm, "complaint_nearest_leaf": nearest})
            cascade = ScoringCascade(scorer, config, encoder)
            seed_scores = cascade.score_batch(
                [CascadeItem(r["id"], r["title"], r["text"], None, "en") for r in seed], NOW
            )
            food_scores = cascade.score_batch(
                [CascadeItem(r["id"], r["title"], r["text"], None, "en") for r in food], NOW
            )
            unseen = cascade.score_batch(
                [CascadeItem(r["id"], r["title"], r["text"], None, "en") for r in unseen_en], NOW
            )
            safety = [s for r, s in zip(unseen_en, unseen, strict=True) if "safety_hazard" in r["flags"]]
            bar = routing.flag_thresholds["safety_hazard"]
            reached = sum("safety_hazard" in s.flag_rules or s.flags.get("safety_hazard", 0.0) >= bar for s in safety)
            name = f"english_flag_confirm={confirm} complaint_nearest_leaf={nearest}"
            urgency = f1_score([r["urgency"] for r in seed], [s.urgency.value for s in seed_scores], average="macro")
            results[name] = {
                "seed_urgency_macro_f1": round(float(urgency), 3),
                "seed_topics": _multilabel_micro(_truth(seed), _labels(seed_scores)),
                "food_topics": _multilabel_micro(_truth(food), _labels(food_scores)),
                "english_safety_reaching_router": f"{reached}/{len(safety)}",
            }
            print(name, json.dumps(results[name]), flush=True)
    return results


PARTS = {"rules": cascade_rules, "cross": cross_domain, "topics": topics, "flags": flags, "languages": languages,
         "escalation": escalation, "speed": speed}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=sorted(PARTS), action="append")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--export-cache", action="store_true")
    parser.add_argument("--out", type=Path, default=WORK / "understanding.json")
    args = parser.parse_args()
    setup = _setup(args.threads)
    if args.export_cache:
        export_cache(setup)
        return
    results = {name: PARTS[name](setup) for name in (args.only or PARTS)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
