"""Paths shared by the Python tests: the repository, ../shared, and tiny model directories made the
way the Rust tests make them (tests/common/mod.rs: the tiny checkpoints with the first 1,000 entries
of the bert-base-cased vocabulary)."""
import os
import pathlib
import shutil
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
TESTVECTORS = SHARED / "testvectors"
CONLL = SHARED / "data" / "conll2003"
BIN = pathlib.Path(os.environ.get("DISTILNER_BIN", REPO / "target" / "release" / "distilner"))


def tiny_model(name: str, out: pathlib.Path) -> pathlib.Path:
    out.mkdir(parents=True, exist_ok=True)
    for f in ("config.json", "model.safetensors"):
        shutil.copy(TESTVECTORS / name / f, out / f)
    vocab = (SHARED / "data" / "vocab" / "bert-base-cased-vocab.txt").read_text().splitlines()
    (out / "vocab.txt").write_text("\n".join(vocab[:1000]) + "\n")
    (out / "tokenizer_config.json").write_text(
        '{"do_lower_case": false, "tokenizer_class": "BertTokenizer"}'
    )
    return out


def conll_subset(split: str, n: int, out: pathlib.Path) -> pathlib.Path:
    """The first n sentences of a CoNLL split (the -DOCSTART- lines kept)."""
    blocks = (CONLL / split).read_text().split("\n\n")
    kept, count = [], 0
    for b in blocks:
        if not b.strip():
            continue
        kept.append(b.strip("\n"))
        if not b.startswith("-DOCSTART-"):
            count += 1
        if count >= n:
            break
    out.write_text("\n\n".join(kept) + "\n\n")
    return out


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory):
    return tiny_model("tiny-bert-ner", tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="session")
def tiny_distilbert(tmp_path_factory):
    return tiny_model("tiny-distilbert-ner", tmp_path_factory.mktemp("tiny-distilbert"))


@pytest.fixture(scope="session")
def trained_student(tmp_path_factory, tiny_bert):
    """A student the CLI distilled from a teacher the CLI fine-tuned (the tiny checkpoint, 1,400
    CoNLL sentences): run directories as distilner writes them, with heads that predict entities."""
    d = tmp_path_factory.mktemp("student")
    train = conll_subset("eng.train", 1400, d / "train.conll")
    dev = conll_subset("eng.testa", 50, d / "dev.conll")
    common = ["--train", str(train), "--dev", str(dev), "--test", "none", "--epochs", "8",
              "--lr", "3e-3", "--threads", "1"]
    subprocess.run([str(BIN), "finetune", "--model", str(tiny_bert), *common,
                    "--out", str(d / "teacher")], check=True, capture_output=True)
    subprocess.run([str(BIN), "distill", "--teacher", str(d / "teacher"), "--student-layers", "0",
                    *common, "--min-teacher-f1", "0", "--out", str(d / "run")],
                   check=True, capture_output=True)
    return d / "run"
