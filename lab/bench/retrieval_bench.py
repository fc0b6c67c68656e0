"""Retrieval latency of `ReviewIndex.similar` at scale, against Chroma's own filtered query on the same queries.

Usage: .venv/bin/python -m lab.bench.retrieval_bench --sizes 100000 1000000 [--vectors minilm|random] [--queries 200]
       [--compare 50] [--index-minutes 30] [--dir PATH] [--keep-index]
Each size runs in its own process (so peak RSS is per size) over a fresh persistent index written through
`ReviewIndex.upsert` with precomputed embeddings (Chroma plus the scope table): N/100 SKUs with Zipf popularity,
categories, regions, `created_at` over 60 days. `--vectors minilm` (default) derives every review from one of a few
thousand real reviews embedded with MiniLM (see lab/bench/bench_vectors.py); the embedding rate itself is measured by
`reviewops bench`. The index is then reopened (a cold scope cache, as after a restart) and each query kind timed;
the first `--compare` queries of a kind also run through Chroma's filtered query, whose recall against ours is
reported. Results print as tables and land in `<dir>/retrieval_bench.json`.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings
from rich.console import Console
from rich.table import Table

from lab.bench.bench_vectors import BaseVectors, load_minilm_base, perturbed, random_unit
from pipeline.factory import shared_csv_path
from store.embeddings import HashingEmbedder, ReviewEmbedder, TextEmbedder
from store.scope_store import FILE_NAME as SCOPE_FILE_NAME
from store.settings import Settings
from store.vector_index import COLLECTION_NAME, IndexItem, ReviewIndex

logger = logging.getLogger("bench.retrieval")

DIMENSION = 384
DAYS = 60
WINDOW_DAYS = 14
END = datetime(2025, 6, 1, tzinfo=UTC)
CATEGORIES = ["dresses", "tops", "knits", "jeans", "outerwear", "intimates", "swim", "shoes", "bags", "jewelry"]
REGIONS = ["us-east", "us-west", "us-central", "eu-west", "eu-north", "apac"]
WAREHOUSES = ["wh-nj", "wh-ca", "wh-tx", "wh-de", "wh-sg"]
CHANNELS = ["web", "app", "marketplace"]
TOPICS = ["sizing_fit.runs_small", "product_quality.material", "shipping_delivery.late", "pricing_value.overpriced"]
_WORD_TEXT = (
    "fabric fit size small large color photo zipper seam soft thin cheap love return refund late box great dress "
    "shirt wash shrank runs true comfortable quality price worth ordered arrived wrong itchy"
)
WORDS = _WORD_TEXT.split()
KINDS = ("unfiltered", "sku", "sku_14d", "category")
CHUNK = 5_000


@dataclass(frozen=True)
class Catalog:
    """The synthetic SKUs: popularity (share of reviews and of query traffic), category and supplier each."""

    skus: list[str]
    popularity: np.ndarray
    category_of: np.ndarray
    supplier_of: np.ndarray

    @classmethod
    def generate(cls, size: int, zipf: float, rng: np.random.Generator) -> Catalog:
        """N/100 SKUs whose popularity falls as rank**-zipf, each in one category."""
        count = max(size // 100, 1)
        weights = 1.0 / np.arange(1, count + 1) ** zipf
        return cls(
            skus=[f"SKU-{i:06d}" for i in range(count)],
            popularity=weights / weights.sum(),
            category_of=rng.integers(0, len(CATEGORIES), size=count),
            supplier_of=rng.integers(0, max(count // 20, 1), size=count),
        )


def review_chunks(
    size: int, catalog: Catalog, rng: np.random.Generator, chunk: int, base: BaseVectors | None
) -> Iterator[tuple[list[IndexItem], np.ndarray, np.ndarray]]:
    """Items, their unit embeddings and SKU numbers, `chunk` reviews at a time."""
    end_seconds = int(END.timestamp())
    for start in range(0, size, chunk):
        n = min(chunk, size - start)
        picks = rng.integers(0, len(base.texts), size=n) if base is not None else None
        vectors = perturbed(base.vectors, picks, rng) if base and picks is not None else random_unit(n, DIMENSION, rng)
        sku_index = rng.choice(len(catalog.skus), size=n, p=catalog.popularity)
        created = end_seconds - rng.integers(0, DAYS * 86_400, size=n)
        ratings = rng.choice(5, size=n, p=[0.08, 0.07, 0.12, 0.23, 0.5]) + 1
        regions = rng.integers(0, len(REGIONS), size=n)
        warehouses = rng.integers(0, len(WAREHOUSES), size=n)
        channels = rng.integers(0, len(CHANNELS), size=n)
        topics = rng.integers(-2, len(TOPICS), size=n)
        words = rng.integers(0, len(WORDS), size=(n, 30))
        items = []
        for row in range(n):
            sku = int(sku_index[row])
            if base is not None and picks is not None:
                text = base.texts[picks[row]]
            else:
                text = " ".join(WORDS[w] for w in words[row])
            items.append(
                IndexItem(
                    review_id=f"r{start + row:09d}",
                    text=text,
                    sku=catalog.skus[sku],
                    category=CATEGORIES[catalog.category_of[sku]],
                    topics=[TOPICS[topics[row]]] if topics[row] >= 0 else [],
                    rating=int(ratings[row]),
                    region=REGIONS[regions[row]],
                    warehouse=WAREHOUSES[warehouses[row]],
                    supplier=f"SUP-{catalog.supplier_of[sku]:04d}",
                    created_at=datetime.fromtimestamp(int(created[row]), UTC),
                    channel=CHANNELS[channels[row]],
                    sentiment="negative" if ratings[row] <= 2 else "positive",
                )
            )
        yield items, vectors, sku_index


def _latency_summary(seconds: list[float]) -> dict[str, float]:
    if not seconds:
        return {"p50_ms": float("nan"), "p95_ms": float("nan"), "max_ms": float("nan"), "n": 0}
    millis = np.asarray(seconds) * 1_000
    return {
        "p50_ms": float(np.percentile(millis, 50)),
        "p95_ms": float(np.percentile(millis, 95)),
        "max_ms": float(millis.max()),
        "n": len(seconds),
    }


def _timed(call: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _disk_bytes(path: Path, prefix: str = "") -> int:
    return sum(f.stat().st_size for f in path.rglob(f"{prefix}*") if f.is_file())


def _embedder(vectors: str) -> TextEmbedder:
    # The index records its embedder; with MiniLM-derived vectors it is MiniLM (never called: vectors are given).
    return ReviewEmbedder(threads=1) if vectors == "minilm" else HashingEmbedder(DIMENSION)


def _build(
    settings: Settings, size: int, catalog: Catalog, rng: np.random.Generator, base: BaseVectors | None,
    vectors: str, deadline: float | None,
) -> dict[str, Any]:  # fmt: skip
    """Write up to `size` reviews through `ReviewIndex.upsert`, stopping after the chunk that passes `deadline`."""
    sku_rows = np.zeros(len(catalog.skus), dtype=np.int64)
    write_seconds = generate_seconds = 0.0
    indexed = 0
    with ReviewIndex.open(settings, _embedder(vectors)) as index:
        generating = time.perf_counter()
        for items, embeddings, sku_index in review_chunks(size, catalog, rng, CHUNK, base):
            generate_seconds += time.perf_counter() - generating
            writing = time.perf_counter()
            index.upsert(items, embeddings=embeddings)
            write_seconds += time.perf_counter() - writing
            indexed += len(items)
            sku_rows += np.bincount(sku_index, minlength=len(catalog.skus))
            if indexed % 50_000 < CHUNK:
                logger.info("indexed %d/%d (%.0f/s)", indexed, size, indexed / write_seconds)
            if deadline is not None and time.time() > deadline:
                logger.warning("indexing budget spent at %d of %d reviews", indexed, size)
                break
            generating = time.perf_counter()
        count = index.count()
    return {
        "indexed": count,
        "stopped_at_budget": indexed < size,
        "index_seconds": write_seconds,
        "index_rate": indexed / write_seconds,
        "generate_seconds": generate_seconds,
        "sku_rows": sku_rows,
    }


def run_size(
    size: int, queries: int, out_dir: Path, zipf: float = 0.8, seed: int = 7, keep: bool = False,
    vectors: str = "random", base_count: int = 2_000, csv_path: Path | None = None,
    index_minutes: float | None = None, compare: int = 50,
) -> dict[str, Any]:  # fmt: skip
    """Index `size` synthetic reviews into a fresh directory, reopen it, then time each query kind."""
    if vectors not in ("random", "minilm"):
        raise ValueError(f"vectors must be 'random' or 'minilm', got {vectors!r}")
    rng = np.random.default_rng(seed)
    home = out_dir / f"index_{size}"
    shutil.rmtree(home, ignore_errors=True)
    settings = Settings(home=home, chroma_mode="persistent")
    base = None
    if vectors == "minilm":
        if csv_path is None:
            raise ValueError("--vectors minilm needs the reviews CSV (csv_path); or use --vectors random")
        base = load_minilm_base(csv_path, base_count, out_dir)
    result: dict[str, Any] = {
        "size": size, "queries": queries, "zipf": zipf, "vectors": vectors, "load_avg_start": os.getloadavg(),
        "base_vectors": len(base.texts) if base else 0,
    }  # fmt: skip
    catalog = Catalog.generate(size, zipf, rng)
    deadline = time.time() + index_minutes * 60 if index_minutes else None
    built = _build(settings, size, catalog, rng, base, vectors, deadline)
    sku_rows = built.pop("sku_rows")
    result.update(built, peak_rss_mb_after_index=_peak_rss_mb(), load_avg_after_index=os.getloadavg())

    open_seconds, index = _timed(lambda: ReviewIndex.open(settings, _embedder(vectors)))
    result["open_seconds"] = open_seconds
    # Same directory, same process: Chroma shares one system, so this is the collection ReviewIndex opened.
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    client = chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
    collection = client.get_collection(COLLECTION_NAME)

    since = END - timedelta(days=WINDOW_DAYS)
    since_seconds = int(since.timestamp())
    category_weights = np.bincount(catalog.category_of, weights=catalog.popularity, minlength=len(CATEGORIES))
    if base is not None:
        query_vectors = perturbed(base.vectors, rng.integers(0, len(base.texts), size=queries), rng)
    else:
        query_vectors = random_unit(queries, DIMENSION, rng)
    query_sku_index = rng.choice(len(catalog.skus), size=queries, p=catalog.popularity)
    query_skus = [catalog.skus[i] for i in query_sku_index]
    query_categories = [CATEGORIES[i] for i in rng.choice(len(CATEGORIES), size=queries, p=category_weights)]
    filters: dict[str, Callable[[int], dict[str, Any]]] = {
        "unfiltered": lambda i: {},
        "sku": lambda i: {"sku": query_skus[i]},
        "sku_14d": lambda i: {"sku": query_skus[i], "since": since},
        "category": lambda i: {"category": query_categories[i]},
    }

    def chroma_where(kind: str, i: int) -> dict[str, Any] | None:
        return {
            "unfiltered": None,
            "sku": {"sku": query_skus[i]},
            "sku_14d": {"$and": [{"sku": query_skus[i]}, {"created_at": {"$gte": since_seconds}}]},
            "category": {"category": query_categories[i]},
        }[kind]

    # The first query loads the HNSW segment from disk; time it apart from the steady state.
    result["first_query_ms"] = _timed(lambda: index.similar(query_vectors[0], k=10))[0] * 1_000
    scope = sku_rows[query_sku_index]
    result["sku_scope_rows"] = {"median": float(np.median(scope)), "max": int(sku_rows.max())}
    result["kinds"] = {}
    for kind in KINDS:
        before = index.stats()
        mine: list[float] = []
        cold: list[float] = []
        warm: list[float] = []
        theirs: list[float] = []
        recalls: list[float] = []
        for i in range(queries):
            misses = index.stats().cache
            started = time.perf_counter()
            hits = index.similar(query_vectors[i], k=10, **filters[kind](i))
            seconds = time.perf_counter() - started
            mine.append(seconds)
            after = index.stats().cache
            was_cold = misses is not None and after is not None and after.misses > misses.misses
            (cold if was_cold else warm).append(seconds)
            if i < compare:  # alternate so background load hits both sides alike
                started = time.perf_counter()
                answer = collection.query(
                    query_embeddings=[query_vectors[i]],
                    n_results=10,
                    where=cast(Any, chroma_where(kind, i)),
                    include=["distances"],
                )
                theirs.append(time.perf_counter() - started)
                ours = {hit.review_id for hit in hits}
                recalls.append(len(ours & set(answer["ids"][0])) / len(ours) if ours else 1.0)
        after_stats = index.stats()
        ours_summary, chroma_summary = _latency_summary(mine), _latency_summary(theirs)
        result["kinds"][kind] = {
            "review_index": ours_summary,
            "cold": _latency_summary(cold),
            "warm": _latency_summary(warm),
            "exact_share": (after_stats.exact - before.exact) / queries if kind != "unfiltered" else 0.0,
            "chroma_query": chroma_summary,
            "chroma_recall_at_10": float(np.mean(recalls)) if recalls else float("nan"),
            "p50_ratio": ours_summary["p50_ms"] / chroma_summary["p50_ms"] if theirs else float("nan"),
        }
    cache = index.stats().cache
    index.close()
    result.update(
        cache_mb=cache.megabytes if cache else 0.0,
        rss_mb=_rss_mb(),
        peak_rss_mb=_peak_rss_mb(),
        disk_mb=_disk_bytes(home) / 1e6,
        scope_table_mb=_disk_bytes(settings.chroma_dir, SCOPE_FILE_NAME) / 1e6,
        load_avg_end=os.getloadavg(),
        cores=os.cpu_count(),
    )
    if not keep:
        shutil.rmtree(home, ignore_errors=True)
    return result


def _child(kwargs: dict[str, Any]) -> dict[str, Any]:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    return run_size(**kwargs)


def _run_in_child(kwargs: dict[str, Any]) -> dict[str, Any]:
    # A fresh process per size keeps peak RSS and Chroma's per-process caches from leaking between sizes.
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return cast(dict[str, Any], pool.apply(_child, (kwargs,)))


def render(results: list[dict[str, Any]], console: Console) -> None:
    """Print one latency table over all sizes and kinds, then the indexing and footprint figures per size."""
    latency = Table(title="top-10 similar: ReviewIndex.similar (ours) vs collection.query (chroma), ms")
    columns = ("size", "kind", "ours p50", "ours p95", "max", "cold n", "cold p95", "warm p95", "exact",
               "chroma p50", "chroma p95", "chroma recall")  # fmt: skip
    for column in columns:
        latency.add_column(column, justify="right")
    for result in results:
        for kind, figures in result["kinds"].items():
            ours, theirs = figures["review_index"], figures["chroma_query"]
            latency.add_row(
                f"{result['indexed']:,}",
                kind,
                f"{ours['p50_ms']:.1f}",
                f"{ours['p95_ms']:.1f}",
                f"{ours['max_ms']:.1f}",
                str(figures["cold"]["n"]),
                f"{figures['cold']['p95_ms']:.1f}",
                f"{figures['warm']['p95_ms']:.1f}",
                f"{figures['exact_share']:.0%}",
                f"{theirs['p50_ms']:.1f}",
                f"{theirs['p95_ms']:.1f}",
                f"{figures['chroma_recall_at_10']:.2f}",
            )
    console.print(latency)
    totals = Table(title="indexing and footprint")
    for column in ("indexed", "vectors", "reviews/s", "open s", "disk MB (scope table)", "RSS / peak MB",
                   "cache MB", "SKU rows median/max", "load avg"):  # fmt: skip
        totals.add_column(column, justify="right")
    for result in results:
        scope = result["sku_scope_rows"]
        load = "/".join(f"{value[0]:.1f}" for value in (result["load_avg_start"], result["load_avg_end"]))
        reached = f"{result['indexed']:,}" + (f" of {result['size']:,}" if result["stopped_at_budget"] else "")
        totals.add_row(
            reached,
            result["vectors"],
            f"{result['index_rate']:,.0f}",
            f"{result['open_seconds']:.1f}",
            f"{result['disk_mb']:,.0f} ({result['scope_table_mb']:,.0f})",
            f"{result['rss_mb']:,.0f} / {result['peak_rss_mb']:,.0f}",
            f"{result['cache_mb']:,.0f}",
            f"{scope['median']:,.0f}/{scope['max']:,}",
            load,
        )
    console.print(totals)
    if any(result["vectors"] == "minilm" for result in results):
        console.print(
            "vectors: perturbations (cosine 0.8) of real MiniLM embeddings of CSV reviews; the embedding rate is "
            "measured separately (`reviewops bench`)."
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--queries", type=int, default=200, help="Queries per kind.")
    parser.add_argument("--compare", type=int, default=50, help="Queries per kind also run through Chroma.")
    parser.add_argument("--vectors", choices=["minilm", "random"], default="minilm")
    parser.add_argument("--base", type=int, default=2_000, help="Real reviews embedded as bases (minilm).")
    parser.add_argument("--index-minutes", type=float, default=None, help="Stop indexing a size after this long.")
    parser.add_argument("--dir", type=Path, default=None, help="Output directory (default: a new temp directory).")
    parser.add_argument("--zipf", type=float, default=0.8, help="SKU popularity exponent (rank**-zipf).")
    parser.add_argument("--keep-index", action="store_true", help="Keep each index directory after measuring.")
    args = parser.parse_args()
    out_dir: Path = args.dir or Path(tempfile.mkdtemp(prefix="retrieval_bench_"))
    out_dir.mkdir(parents=True, exist_ok=True)
    console = Console(width=160)
    csv_path = shared_csv_path(Settings()) if args.vectors == "minilm" else None
    if args.vectors == "minilm" and csv_path is None:
        parser.error("--vectors minilm needs ../shared/data/womens_clothing_reviews.csv; use --vectors random")
    if csv_path is not None:  # embed the bases here, so no measured child loads torch and the model
        load_minilm_base(csv_path, args.base, out_dir)
    results = []
    for size in args.sizes:
        console.print(f"... {size:,} reviews, load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        kwargs = {
            "size": size, "queries": args.queries, "out_dir": out_dir, "zipf": args.zipf, "keep": args.keep_index,
            "vectors": args.vectors, "base_count": args.base, "csv_path": csv_path,
            "index_minutes": args.index_minutes, "compare": args.compare,
        }  # fmt: skip
        results.append(_run_in_child(kwargs))
        (out_dir / "retrieval_bench.json").write_text(json.dumps(results, indent=2))
    render(results, console)
    console.print(f"JSON: {out_dir / 'retrieval_bench.json'}")


if __name__ == "__main__":
    main()
