"""distilner: seqeval-identical NER scoring, a transformers-compatible tagger and data loading, on
distilner's Rust core (libtorch through tch-rs, the same libtorch as the torch installed beside it).

    import distilner
    tagger = distilner.Tagger("runs/student")
    tagger("Angela Merkel visited Paris.")          # as transformers.pipeline("token-classification")
    distilner.f1_score(y_true, y_pred)              # as seqeval.metrics.f1_score
    distilner.load_dataset("../shared/data/conll2003", split="validation")
"""
from __future__ import annotations

import json
import os
import warnings
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np
import torch  # noqa: F401  (loads the libtorch the extension links, from the same wheel)

from . import _core
from ._core import Error, ModelError, PreflightError, SplitNotFound, TrainError

__all__ = [
    "Error",
    "ModelError",
    "PreflightError",
    "SplitNotFound",
    "TrainError",
    "UndefinedMetricWarning",
    "Tagger",
    "f1_score",
    "precision_score",
    "recall_score",
    "accuracy_score",
    "classification_report",
    "load_dataset",
    "finetune",
    "distill",
]
__version__ = "0.1.0"


class UndefinedMetricWarning(UserWarning):
    """A precision, recall or F1 was 0/0 and set by ``zero_division`` (seqeval's warning)."""


# --- scoring: seqeval 1.2.2's functions and numbers ------------------------------------------------

def _sentences(y: Any) -> List[List[str]]:
    y = list(y)
    if y and isinstance(y[0], str):  # one flat sequence, as seqeval also accepts
        return [list(y)]
    return [list(s) for s in y]


def _unsuffix(seqs: List[List[str]]) -> List[List[str]]:
    # seqeval's suffix=True reads "PER-B" as prefix B, type PER; rewritten to "B-PER".
    return [[t if t == "O" else f"{t[-1]}-{t[:-1].rsplit('-', 1)[0]}" for t in s] for s in seqs]


def _prepare(y_true, y_pred, suffix):
    t, p = _sentences(y_true), _sentences(y_pred)
    if len(t) != len(p):
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples: [{len(t)}, {len(p)}]"
        )
    if suffix:
        t, p = _unsuffix(t), _unsuffix(p)
    return t, p


def _scheme_is_iob2(scheme, y_true) -> bool:
    """True for scheme IOB2 (a string or seqeval.scheme.IOB2); None: detected from y_true as
    seqeval's auto_detect does. Other schemes are refused: the strict mode here is IOB2's."""
    if scheme is None:
        prefixes = {t.split("-", 1)[0] if t != "O" else "O" for s in y_true for t in s}
        if prefixes <= {"B", "I", "O"}:
            return True
        raise ValueError(
            f"strict mode: the tags' prefixes {sorted(prefixes)} are not IOB2; distilner's strict "
            "mode implements IOB2 only (convert the tags, or use mode=None)"
        )
    name = scheme if isinstance(scheme, str) else getattr(scheme, "__name__", repr(scheme))
    if name.upper() != "IOB2":
        raise ValueError(f"scheme {name!r}: distilner's strict mode implements IOB2 only")
    return True


def _zero_division(zero_division) -> bool:
    if zero_division in ("warn", 0, 0.0):
        return False
    if zero_division in (1, 1.0):
        return True
    raise ValueError(f'zero_division must be "warn", 0 or 1, not {zero_division!r}')


def _warn(what: str, modifier: str, many: bool) -> None:
    where = "in labels with" if many else "due to"
    warnings.warn(
        f"{what} ill-defined and being set to 0.0 {where} no {modifier} samples. "
        "Use `zero_division` parameter to control this behavior.",
        UndefinedMetricWarning,
        stacklevel=3,
    )


def _prfs(y_true, y_pred, average, suffix, mode, zero_division, scheme, metric):
    t, p = _prepare(y_true, y_pred, suffix)
    strict = mode == "strict" and scheme is not None and _scheme_is_iob2(scheme, t)
    names, rows = _core.prfs(t, p, strict, average, _zero_division(zero_division))
    if zero_division == "warn":
        undefined = [r[4] for r in rows]
        many = average is None and len(rows) > 1
        if metric == "precision" and any(u[0] for u in undefined):
            _warn("Precision is", "predicted", many)
        if metric == "recall" and any(u[1] for u in undefined):
            _warn("Recall is", "true", many)
        if metric == "f-score" and any(u[2] for u in undefined):
            _warn("F-score is", "true nor predicted", many)
    if average is None:
        return tuple(np.array([r[i] for r in rows]) for i in range(4))
    # seqeval returns numpy scalars (np.average) for the averages, a plain int for the support.
    p, r, f, s = rows[0][:4]
    if average == "weighted" and s == 0:  # seqeval's early return, plain floats
        return p, r, f, s
    return np.float64(p), np.float64(r), np.float64(f), s


def f1_score(y_true, y_pred, *, average: Optional[str] = "micro", suffix: bool = False,
             mode: Optional[str] = None, sample_weight=None, zero_division="warn", scheme=None):
    """seqeval.metrics.f1_score: the same signature and the same numbers. ``sample_weight`` is
    accepted and, as in seqeval, does not change the result."""
    return _prfs(y_true, y_pred, average, suffix, mode, zero_division, scheme, "f-score")[2]


def precision_score(y_true, y_pred, *, average: Optional[str] = "micro", suffix: bool = False,
                    mode: Optional[str] = None, sample_weight=None, zero_division="warn",
                    scheme=None):
    """seqeval.metrics.precision_score."""
    return _prfs(y_true, y_pred, average, suffix, mode, zero_division, scheme, "precision")[0]


def recall_score(y_true, y_pred, *, average: Optional[str] = "micro", suffix: bool = False,
                 mode: Optional[str] = None, sample_weight=None, zero_division="warn", scheme=None):
    """seqeval.metrics.recall_score."""
    return _prfs(y_true, y_pred, average, suffix, mode, zero_division, scheme, "recall")[1]


def accuracy_score(y_true, y_pred) -> float:
    """seqeval.metrics.accuracy_score: the share of tokens whose tag is right."""
    t, p = _prepare(y_true, y_pred, False)
    n = sum(len(s) for s in t)
    if n == 0:
        raise ZeroDivisionError("accuracy_score: no tokens")
    return _core.accuracy(t, p)


def classification_report(y_true, y_pred, *, digits: int = 2, suffix: bool = False,
                          output_dict: bool = False, mode: Optional[str] = None,
                          sample_weight=None, zero_division="warn", scheme=None):
    """seqeval.metrics.classification_report: the same text (or dict with ``output_dict=True``)."""
    t, p = _prepare(y_true, y_pred, suffix)
    strict = mode == "strict" and _scheme_is_iob2(scheme, t)
    zd = _zero_division(zero_division)
    if not output_dict and zero_division != "warn":
        return _core.report_text(t, p, strict, digits, zd)
    names, rows = _core.prfs(t, p, strict, None, zd)  # per type: for the warnings and the dict
    if zero_division == "warn":
        many = len(rows) > 1
        if any(r[4][0] for r in rows):
            _warn("Precision and F-score are", "predicted", many)
        if any(r[4][1] for r in rows):
            _warn("Recall and F-score are", "true", many)
    if not output_dict:
        return _core.report_text(t, p, strict, digits, zd)

    def entry(r, plain_support=False, plain_scores=False):
        # seqeval's types: numpy scalars, except where numpy was not involved (averages over no
        # type at all, weighted averages with no gold entity).
        f = float if plain_scores else np.float64
        return {"precision": f(r[0]), "recall": f(r[1]), "f1-score": f(r[2]),
                "support": int(r[3]) if plain_support else np.int64(r[3])}

    out = {n: entry(r) for n, r in zip(names, rows)}
    for avg in ("micro", "macro", "weighted"):
        r = _core.prfs(t, p, strict, avg, zd)[1][0]
        out[f"{avg} avg"] = entry(r, plain_support=avg != "micro" and not names,
                                  plain_scores=avg == "weighted" and r[3] == 0)
    return out


# --- tagging: the transformers token-classification pipeline's output -------------------------------

class Tagger:
    """A trained token-classification model (a distilner run directory, a Hugging Face model
    directory or a cached hub id) ready to tag text.

    ``Tagger(model)(texts, aggregation_strategy=...)`` returns what
    ``transformers.pipeline("token-classification", model=model, aggregation_strategy=...)``
    returns: a list of entity dicts for a string, a list of such lists for a list of strings.

    precision: fp32, bf16, fp16 (CUDA), int8 (CPU) or auto (the model's measured choice).
    decoding: auto (the model's tagging.json), argmax or viterbi. context: document context
    sub-tokens per side (default: the model's). threads: libtorch intra-op threads.
    engine: auto (the packages ``distilner compile`` wrote for this precision, fp32 or bf16, where
    they apply), eager or compiled.
    """

    def __init__(self, model: str, precision: str = "fp32", device: str = "cpu", *,
                 decoding: str = "auto", context: Optional[int] = None,
                 threads: Optional[int] = None, batch_size: int = 32, engine: str = "auto"):
        self._t = _core.Tagger(str(model), precision, device, decoding, context, threads,
                               batch_size, engine)
        self.model = str(model)

    @property
    def labels(self) -> List[str]:
        """The model's labels in its own id order."""
        return self._t.labels

    @property
    def precision(self) -> str:
        return self._t.precision

    @property
    def notes(self) -> List[str]:
        """Why each choice was made (precision, engine, decoding, context)."""
        return self._t.notes

    def __call__(self, inputs: Union[str, Sequence[str]], aggregation_strategy: str = "simple"):
        single = isinstance(inputs, str)
        texts = [inputs] if single else [str(t) for t in inputs]
        out = json.loads(self._t.predict_json(texts, str(aggregation_strategy)))
        for ents in out:
            for e in ents:
                e["score"] = np.float32(e["score"])  # the pipeline's type
        return out[0] if single else out

    def __repr__(self) -> str:
        return f"Tagger({self.model!r}, precision={self.precision!r})"


# --- data ---------------------------------------------------------------------------------------------

_SPLITS = ("train", "validation", "test")


def load_dataset(path: str, split: Optional[str] = None, *, tokens_column: Optional[str] = None,
                 tags_column: Optional[str] = None,
                 label_names: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    """Read labelled NER data the way the CLI does: CoNLL text, Parquet, Arrow, JSON Lines/JSON,
    a ``datasets`` save_to_disk directory or a cached hub id. Integer tags become names.

    With ``split``, one split: ``{"tokens": [[...]], "ner_tags": [[...]], "doc_starts": [...],
    "source": {...}}`` (``datasets.Dataset.from_dict`` takes the first two as they are). Without,
    a dict of the splits found among train/validation/test (a single file is "train").
    """
    names = list(label_names) if label_names is not None else None

    def one(s: str) -> Dict[str, Any]:
        tokens, tags, doc_starts, source = _core.read_split(
            str(path), s, tokens_column, tags_column, names
        )
        return {"tokens": tokens, "ner_tags": tags, "doc_starts": doc_starts,
                "source": json.loads(source)}

    if split is not None:
        return one(split)
    import os

    if os.path.isfile(str(path)):
        return {"train": one("train")}
    out, errors = {}, []
    for s in _SPLITS:
        try:
            out[s] = one(s)
        except _core.SplitNotFound as e:  # any other error (bad rows, unreadable files) is raised
            errors.append(f"{s}: {e}")
    if not out:
        raise Error(f"{path}: no train, validation or test split could be read:\n" + "\n".join(errors))
    return out


# --- training: the CLI's finetune and distill -----------------------------------------------------

def _run(fn, kw: Dict[str, Any], progress) -> Dict[str, Any]:
    callback = None if progress is None else (lambda event: progress(json.loads(event)))
    return json.loads(fn(json.dumps(kw, default=os.fspath), callback))


def finetune(model: str, *, out: str, progress=None, **options) -> Dict[str, Any]:
    """``distilner finetune``: fine-tune ``model`` (a directory or cached hub id) into the run
    directory ``out`` and return its metrics.json as a dict.

    Options are the CLI's, as keyword arguments: data (``dataset``, ``train``, ``dev``, ``test``
    (``"none"`` skips it), ``train_split``/``dev_split``/``test_split``, ``tokens_column``,
    ``tags_column``, ``label_names``), ``resume``, and every training setting under its flag name
    (``epochs``, ``lr``, ``batch_size``, ``seed``, ``patience``, ``context``, ``decoding``,
    ``threads``, ...) or its config-file name (``learning_rate``, ``early_stopping_patience``, ...).
    ``progress(event)`` is called with a dict every tenth of an epoch (``event="step"``) and after
    each epoch's dev evaluation (``event="epoch"``). The GIL is released while the run trains.
    """
    return _run(_core.finetune, dict(model=str(model), out=str(out), **options), progress)


def distill(teacher: Union[str, Sequence[str]], *, out: str, progress=None,
            **options) -> Dict[str, Any]:
    """``distilner distill``: distil ``teacher`` (or several: the KD target is their mean) into a
    student written to ``out``; returns its metrics.json as a dict. Options as ``finetune``'s, plus
    the CLI's distillation options: ``student_layers`` ([0, 2, 4] or "0,2,4"), ``student``,
    ``alpha``, ``temperature``, ``kd_all_tokens``, ``hidden_mse``, ``hidden_layer_map``,
    ``attention_kd``, ``attention_layers`` ("S:T" or (S, T)), ``teacher_context``, ``label_map``,
    ``min_teacher_f1``, ``transfer``.
    """
    t = [str(teacher)] if isinstance(teacher, (str, os.PathLike)) else [str(x) for x in teacher]
    return _run(_core.distill, dict(teacher=t, out=str(out), **options), progress)
