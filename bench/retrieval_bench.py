"""Retrieval latency of `ReviewIndex.similar` at scale, against Chroma's own filtered query on the same queries.

Usage: .venv/bin/python -m bench.retrieval_bench --sizes 100000 1000000 [--queries 200] [--dir PATH]
Each size runs in its own process (so peak RSS is per size) over a fresh persistent Chroma directory filled with
random unit 384-d vectors and synthetic review metadata: N/100 SKUs with Zipf popularity, categories, regions,
`created_at` over 60 days. Results print as a table and land in `<dir>/retrieval_bench.json`.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import statistics
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

from store.embeddings import HashingEmbedder
from store.settings import Settings
from store.vector_index import COLLECTION_NAME, IndexItem, ReviewIndex

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
    size: int, catalog: Catalog, rng: np.random.Generator, chunk: int
) -> Iterator[tuple[list[str], np.ndarray, list[str], list[dict[str, Any]]]]:
    """Ids, unit embeddings, documents and `IndexItem.metadata()` dicts, `chunk` reviews at a time."""
    end_seconds = int(END.timestamp())
    for start in range(0, size, chunk):
        n = min(chunk, size - start)
        vectors = rng.standard_normal((n, DIMENSION), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        sku_index = rng.choice(len(catalog.skus), size=n, p=catalog.popularity)
        created = end_seconds - rng.integers(0, DAYS * 86_400, size=n)
        ratings = rng.choice(5, size=n, p=[0.08, 0.07, 0.12, 0.23, 0.5]) + 1
        regions = rng.integers(0, len(REGIONS), size=n)
        warehouses = rng.integers(0, len(WAREHOUSES), size=n)
        channels = rng.integers(0, len(CHANNELS), size=n)
        topics = rng.integers(-2, len(TOPICS), size=n)
        words = rng.integers(0, len(WORDS), size=(n, 30))
        ids, documents, metadatas = [], [], []
        for row in range(n):
            review_id = f"r{start + row:09d}"
            document = " ".join(WORDS[w] for w in words[row])
            sku = int(sku_index[row])
            item = IndexItem(
                review_id=review_id,
                text=document,
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
            ids.append(review_id)
            documents.append(document)
            metadatas.append(item.metadata())
        yield ids, vectors, documents, metadatas


def _latency_summary(seconds: list[float]) -> dict[str, float]:
    millis = np.asarray(seconds) * 1_000
    return {
        "p50_ms": float(np.percentile(millis, 50)),
        "p95_ms": float(np.percentile(millis, 95)),
        "max_ms": float(millis.max()),
        "n": len(seconds),
    }


def _timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _disk_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run_size(
    size: int, queries: int, out_dir: Path, zipf: float = 0.8, seed: int = 7, keep: bool = False
) -> dict[str, Any]:
    """Index `size` synthetic reviews into a fresh directory, then time each query kind; returns the figures."""
    rng = np.random.default_rng(seed)
    home = out_dir / f"index_{size}"
    shutil.rmtree(home, ignore_errors=True)
    settings = Settings(home=home, chroma_mode="persistent")
    result: dict[str, Any] = {"size": size, "queries": queries, "zipf": zipf, "load_avg_start": os.getloadavg()}
    catalog = Catalog.generate(size, zipf, rng)
    index = ReviewIndex.open(settings, HashingEmbedder(DIMENSION))
    # Same directory, same process: Chroma shares one system, so this is the collection ReviewIndex just created.
    client = chromadb.PersistentClient(
        path=str(settings.chroma_dir), settings=ChromaSettings(anonymized_telemetry=False)
    )
    collection = client.get_collection(COLLECTION_NAME)
    step = client.get_max_batch_size()
    add_seconds = generate_seconds = 0.0
    started = time.perf_counter()
    for ids, vectors, documents, metadatas in review_chunks(size, catalog, rng, chunk=step * 4):
        generate_seconds += time.perf_counter() - started
        for at in range(0, len(ids), step):
            adding = time.perf_counter()
            collection.add(
                ids=ids[at : at + step],
                embeddings=vectors[at : at + step],
                documents=documents[at : at + step],
                metadatas=cast(Any, metadatas[at : at + step]),
            )
            add_seconds += time.perf_counter() - adding
        started = time.perf_counter()
    result.update(
        indexed=index.count(),
        index_seconds=add_seconds,
        index_rate=size / add_seconds,
        generate_seconds=generate_seconds,
        peak_rss_mb_after_index=_peak_rss_mb(),
        load_avg_after_index=os.getloadavg(),
    )

    since = END - timedelta(days=WINDOW_DAYS)
    category_weights = np.bincount(catalog.category_of, weights=catalog.popularity, minlength=len(CATEGORIES))
    query_vectors = rng.standard_normal((queries, DIMENSION), dtype=np.float32)
    query_vectors /= np.linalg.norm(query_vectors, axis=1, keepdims=True)
    query_skus = [catalog.skus[i] for i in rng.choice(len(catalog.skus), size=queries, p=catalog.popularity)]
    query_categories = [CATEGORIES[i] for i in rng.choice(len(CATEGORIES), size=queries, p=category_weights)]
    since_seconds = int(since.timestamp())

    def ours(kind: str, i: int) -> Callable[[], object]:
        q = query_vectors[i]
        if kind == "unfiltered":
            return lambda: index.similar(q, k=10)
        if kind == "sku":
            return lambda: index.similar(q, k=10, sku=query_skus[i])
        if kind == "sku_14d":
            return lambda: index.similar(q, k=10, sku=query_skus[i], since=since)
        return lambda: index.similar(q, k=10, category=query_categories[i])

    def chroma(kind: str, i: int) -> Callable[[], object]:
        where: dict[str, Any] | None = {
            "unfiltered": None,
            "sku": {"sku": query_skus[i]},
            "sku_14d": {"$and": [{"sku": query_skus[i]}, {"created_at": {"$gte": since_seconds}}]},
            "category": {"category": query_categories[i]},
        }[kind]
        return lambda: collection.query(
            query_embeddings=[query_vectors[i]],
            n_results=10,
            where=cast(Any, where),
            include=["metadatas", "documents", "distances"],
        )

    # The first query loads the HNSW segment from disk; time it apart from the steady state.
    result["first_query_ms"] = _timed(ours("unfiltered", 0)) * 1_000
    for i in range(3):
        for kind in KINDS:
            ours(kind, i)()
    scope_sizes = [len(collection.get(where={"sku": s}, include=[])["ids"]) for s in query_skus]
    result["sku_scope_rows"] = {
        "median": statistics.median(scope_sizes),
        "max": max(scope_sizes),
        "share_exact_path": sum(n <= index.exact_scope_limit for n in scope_sizes) / len(scope_sizes),
    }
    result["kinds"] = {}
    for kind in KINDS:
        mine, theirs = [], []
        for i in range(queries):  # alternate so background load hits both sides alike
            mine.append(_timed(ours(kind, i)))
            theirs.append(_timed(chroma(kind, i)))
        ours_summary, chroma_summary = _latency_summary(mine), _latency_summary(theirs)
        result["kinds"][kind] = {
            "review_index": ours_summary,
            "chroma_query": chroma_summary,
            "p50_ratio": ours_summary["p50_ms"] / chroma_summary["p50_ms"],
        }
    index.close()
    result.update(
        disk_mb=_disk_bytes(home) / 1e6, peak_rss_mb=_peak_rss_mb(), load_avg_end=os.getloadavg(), cores=os.cpu_count()
    )
    if not keep:
        shutil.rmtree(home, ignore_errors=True)
    return result


def _run_in_child(size: int, queries: int, out_dir: Path, zipf: float, keep: bool) -> dict[str, Any]:
    # A fresh process per size keeps peak RSS and Chroma's per-process caches from leaking between sizes.
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return cast(dict[str, Any], pool.apply(run_size, (size, queries, out_dir, zipf, 7, keep)))


def render(results: list[dict[str, Any]], console: Console) -> None:
    """Print one latency table over all sizes and kinds, then the indexing figures per size."""
    latency = Table(title="top-10 similar: ReviewIndex.similar vs collection.query (ms)")
    for column in ("size", "kind", "ours p50", "ours p95", "ours max", "chroma p50", "chroma p95", "p50 ratio"):
        latency.add_column(column, justify="right")
    for result in results:
        for kind, figures in result["kinds"].items():
            ours, theirs = figures["review_index"], figures["chroma_query"]
            latency.add_row(
                f"{result['size']:,}",
                kind,
                f"{ours['p50_ms']:.1f}",
                f"{ours['p95_ms']:.1f}",
                f"{ours['max_ms']:.1f}",
                f"{theirs['p50_ms']:.1f}",
                f"{theirs['p95_ms']:.1f}",
                f"{figures['p50_ratio']:.2f}",
            )
    console.print(latency)
    totals = Table(title="indexing and footprint")
    for column in ("size", "items/s", "disk MB", "peak RSS MB", "SKU scope median/max", "exact-path share", "load avg"):
        totals.add_column(column, justify="right")
    for result in results:
        scope = result["sku_scope_rows"]
        load = "/".join(f"{value[0]:.1f}" for value in (result["load_avg_start"], result["load_avg_end"]))
        totals.add_row(
            f"{result['size']:,}",
            f"{result['index_rate']:,.0f}",
            f"{result['disk_mb']:,.0f}",
            f"{result['peak_rss_mb']:,.0f}",
            f"{scope['median']:,.0f}/{scope['max']:,}",
            f"{scope['share_exact_path']:.0%}",
            load,
        )
    console.print(totals)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--queries", type=int, default=200, help="Queries per kind (each also run through Chroma).")
    parser.add_argument("--dir", type=Path, default=None, help="Output directory (default: a new temp directory).")
    parser.add_argument("--zipf", type=float, default=0.8, help="SKU popularity exponent (rank**-zipf).")
    parser.add_argument("--keep-index", action="store_true", help="Keep each Chroma directory after measuring.")
    args = parser.parse_args()
    out_dir: Path = args.dir or Path(tempfile.mkdtemp(prefix="retrieval_bench_"))
    out_dir.mkdir(parents=True, exist_ok=True)
    console = Console(width=140)
    results = []
    for size in args.sizes:
        console.print(f"... {size:,} reviews, load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        results.append(_run_in_child(size, args.queries, out_dir, args.zipf, args.keep_index))
        (out_dir / "retrieval_bench.json").write_text(json.dumps(results, indent=2))
    render(results, console)
    console.print(f"JSON: {out_dir / 'retrieval_bench.json'}")


if __name__ == "__main__":
    main()
