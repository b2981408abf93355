"""distilner's scoring functions against seqeval 1.2.2 on every case of the shared test vectors:
the same numbers (compared with ==, not a tolerance) and the same report text."""
import json
import warnings

import numpy as np
import pytest
from seqeval import metrics as sq
from seqeval.scheme import IOB2

import distilner
from conftest import TESTVECTORS

CASES = [json.loads(l) for l in open(TESTVECTORS / "metrics.jsonl")]


def both(fn_name, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(distilner, fn_name)(*args, **kw), getattr(sq, fn_name)(*args, **kw)


def same(a, b):
    """Equal values (NaN equals NaN, as numpy's mean of nothing gives both) of the same type."""
    if isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and a.shape == b.shape
                and bool(np.array_equal(a, b, equal_nan=True)))
    return type(a) is type(b) and (a == b or (np.isnan(a) and np.isnan(b)))


def test_there_are_cases():
    assert len(CASES) == 300


# zero_division 0 computes as "warn" does (only the warning differs), so "warn" and 1 cover it;
# mode="strict" with scheme=None is seqeval's default mode for these three functions.
@pytest.mark.parametrize("mode,scheme", [(None, None), ("strict", IOB2), ("strict", None)])
@pytest.mark.parametrize("average", ["micro", "macro", "weighted", None])
@pytest.mark.parametrize("zero_division", ["warn", 1])
def test_scores_equal_seqeval(mode, scheme, average, zero_division):
    cases = CASES if scheme is not None or mode is None else CASES[:40]
    for i, c in enumerate(cases):
        for fn in ("f1_score", "precision_score", "recall_score"):
            ours, theirs = both(fn, c["gold"], c["pred"], average=average, mode=mode,
                                scheme=scheme, zero_division=zero_division)
            assert same(ours, theirs), (i, fn, ours, theirs)


def test_accuracy_equals_seqeval():
    for c in CASES:
        ours, theirs = both("accuracy_score", c["gold"], c["pred"])
        assert ours == theirs


@pytest.mark.parametrize("digits", [2, 4])
@pytest.mark.parametrize("mode", [None, "strict"])
def test_report_text_equals_seqeval(digits, mode):
    compared = 0
    for i, c in enumerate(CASES):
        try:
            theirs = sq.classification_report(c["gold"], c["pred"], digits=digits, mode=mode,
                                              scheme=IOB2 if mode else None, zero_division=0)
        except ValueError:  # seqeval needs at least one entity; so does distilner
            with pytest.raises(ValueError):
                distilner.classification_report(c["gold"], c["pred"], digits=digits, mode=mode)
            continue
        ours = distilner.classification_report(c["gold"], c["pred"], digits=digits, mode=mode,
                                               scheme="IOB2" if mode else None, zero_division=0)
        assert ours == theirs, f"case {i}:\n{ours}\n---\n{theirs}"
        compared += 1
    assert compared > 250


def test_report_dict_equals_seqeval():
    for c in CASES[:50]:
        ours, theirs = both("classification_report", c["gold"], c["pred"], output_dict=True)
        assert ours.keys() == theirs.keys()
        for k in theirs:
            for m in ("precision", "recall", "f1-score", "support"):
                assert same(ours[k][m], theirs[k][m]), (k, m, ours[k][m], theirs[k][m])


def test_suffix_tags_equal_seqeval():
    def suffixed(seqs):
        return [[t if t == "O" else f"{t.split('-', 1)[1]}-{t.split('-', 1)[0]}" for t in s]
                for s in seqs]

    for c in CASES[:60]:
        g, p = suffixed(c["gold"]), suffixed(c["pred"])
        ours, theirs = both("f1_score", g, p, suffix=True)
        assert ours == theirs


def test_warnings_as_seqeval_and_refusals():
    # No predicted entity: precision is 0/0, seqeval warns; so does distilner.
    with pytest.warns(distilner.UndefinedMetricWarning):
        assert distilner.precision_score([["B-PER", "O"]], [["O", "O"]]) == 0.0
    with pytest.raises(ValueError, match="IOB2"):
        distilner.f1_score([["S-PER"]], [["S-PER"]], mode="strict", scheme="IOBES")
    with pytest.raises(ValueError, match="inconsistent"):
        distilner.f1_score([["O"], ["O"]], [["O"]])
    with pytest.raises(ValueError, match="average"):
        distilner.f1_score([["O"]], [["O"]], average="samples")
