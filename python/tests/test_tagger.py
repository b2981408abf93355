"""distilner.Tagger against transformers.pipeline("token-classification") on the same model, for
every aggregation strategy: same entities, words, offsets and labels; scores within 1e-4."""
import subprocess

import numpy as np
import pytest
from conftest import BIN, REPO, tiny_model
from transformers import pipeline

import distilner

TEXTS = [
    "U.S. President Joe Biden met Angela Merkel's team in Paris.",
    "The e-mail from J.P. Morgan Chase & Co. arrived at 3.5% past noon.",
    "EU rejects German call to boycott British lamb.",
    "Peter Blackburn (BRUSSELS) -- O'Neill's U.N.-backed plan, \"Project X\", starts today.",
]
STRATEGIES = ["none", "simple", "first", "average", "max"]


def compare(model_dir, tagger=None):
    tagger = tagger or distilner.Tagger(str(model_dir), threads=1)
    compared = 0
    for s in STRATEGIES:
        pipe = pipeline("token-classification", model=str(model_dir), aggregation_strategy=s,
                        device="cpu")
        ours_all = tagger(TEXTS, aggregation_strategy=s)
        assert len(ours_all) == len(TEXTS)
        for t, ours in zip(TEXTS, ours_all):
            theirs = pipe(t)
            assert len(ours) == len(theirs), (s, t, ours, theirs)
            for a, b in zip(ours, theirs):
                assert a.keys() == b.keys(), (s, a, b)
                for k in b:
                    if k == "score":
                        assert isinstance(a[k], np.float32)
                        assert abs(float(a[k]) - float(b[k])) < 1e-4, (s, t, a, b)
                    else:
                        assert a[k] == b[k], (s, t, k, a, b)
                compared += 1
    return compared


def test_tiny_bert_equals_pipeline(tiny_bert):
    assert compare(tiny_bert) > 50


def test_tiny_distilbert_equals_pipeline(tiny_distilbert):
    assert compare(tiny_distilbert) > 50


def test_trained_student_equals_pipeline(trained_student):
    assert compare(trained_student) >= 5


def test_compiled_engine_equals_pipeline(tmp_path):
    """engine="compiled": the package `distilner compile` wrote, run from Python, still equals the
    transformers pipeline; without one, the Tagger says how to make it."""
    model = tiny_model("tiny-distilbert-ner", tmp_path / "m")
    with pytest.raises(Exception, match="has no compiled (fp32|bf16) package"):
        distilner.Tagger(str(model), threads=1, engine="compiled")
    subprocess.run([str(BIN), "compile", "--model", str(model), "--no-autotune", "--threads", "1",
                    "--precision", "fp32"], check=True, cwd=REPO, capture_output=True)
    tagger = distilner.Tagger(str(model), threads=1, engine="compiled")
    assert any(n.startswith("engine compiled") for n in tagger.notes), tagger.notes
    assert compare(model, tagger) > 50


def test_string_and_list_inputs(tiny_bert):
    tagger = distilner.Tagger(str(tiny_bert), threads=1)
    one = tagger(TEXTS[0])
    assert isinstance(one, list) and (not one or isinstance(one[0], dict))
    assert tagger([TEXTS[0]])[0] == one
    assert tagger.labels[0] == "O" and tagger.precision == "fp32"
    assert any("decoding" in n for n in tagger.notes)


def test_bad_inputs_are_named(tiny_bert, tmp_path):
    with pytest.raises(distilner.Error, match="no-such-model"):
        distilner.Tagger(str(tmp_path / "no-such-model"))
    with pytest.raises(distilner.Error, match="aggregation_strategy"):
        distilner.Tagger(str(tiny_bert))("x", aggregation_strategy="longest")
    with pytest.raises(distilner.Error, match="device"):
        distilner.Tagger(str(tiny_bert), device="tpu")
