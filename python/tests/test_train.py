"""finetune and distill from Python: the run the CLI makes, the metrics it writes, progress events."""
import hashlib
import json
import pytest

import distilner


def sha(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_distill_from_python_equals_the_cli(trained_student, tmp_path):
    d = trained_student.parent  # the fixture's CLI runs: teacher/, run/ (the student), data files
    args = dict(train=str(d / "train.conll"), dev=str(d / "dev.conll"), test="none", epochs=8,
                lr=3e-3, threads=1, min_teacher_f1=0)
    events = []
    m = distilner.distill(str(d / "teacher"), out=tmp_path / "py", student_layers=[0],
                          progress=events.append, **args)
    cli = d / "run" / "model.safetensors"
    # Same data, settings and seed, one thread: the same weights, bit for bit, and the same scores.
    assert sha(tmp_path / "py" / "model.safetensors") == sha(cli)
    cli_m = json.loads((d / "run" / "metrics.json").read_text())
    assert m["dev"] == cli_m["dev"]
    epochs = [e for e in events if e["event"] == "epoch"]
    assert [e["epoch"] for e in epochs] == list(range(1, 9))
    # The epoch events carry what the run's history records.
    assert [e["dev_f1"] for e in epochs] == [h["f1"] for h in m["history"]]
    assert any(e["event"] == "step" for e in events)


def test_finetune_from_python_and_option_errors(tiny_bert, trained_student, tmp_path):
    d = trained_student.parent
    m = distilner.finetune(str(tiny_bert), out=tmp_path / "ft", train=str(d / "dev.conll"),
                           dev=str(d / "dev.conll"), test="none", epochs=1, threads=1)
    assert 0.0 <= m["dev"]["f1"] <= 1.0 and (tmp_path / "ft" / "model.safetensors").is_file()
    with pytest.raises(distilner.Error, match="epochz"):
        distilner.finetune(str(tiny_bert), out=tmp_path / "x", train=str(d / "dev.conll"),
                           dev=str(d / "dev.conll"), epochz=2)
    with pytest.raises(distilner.Error, match="dataset"):
        distilner.finetune(str(tiny_bert), out=tmp_path / "y")


def test_failures_raise_typed_exceptions(tiny_bert, trained_student, tmp_path):
    d = trained_student.parent
    data = dict(train=str(d / "train.conll"), dev=str(d / "dev.conll"), test="none", threads=1)
    # A teacher below --min-teacher-f1 is refused before any step, as a PreflightError.
    with pytest.raises(distilner.PreflightError, match="min-teacher-f1"):
        distilner.distill(str(d / "teacher"), out=tmp_path / "dead", min_teacher_f1=1.01, **data)
    # A directory with a previous run's state is refused unless resumed, as a TrainError.
    with pytest.raises(distilner.TrainError, match="--resume"):
        distilner.distill(str(d / "teacher"), out=d / "run", student_layers=[0], epochs=1,
                          min_teacher_f1=0, **data)
    # A model directory without weights, as a ModelError; all are distilner.Error.
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "config.json").write_text('{"model_type": "bert"}')
    with pytest.raises(distilner.ModelError, match="model.safetensors"):
        distilner.Tagger(str(tmp_path / "empty"))
    # A model without tokenizer files, as a ModelError naming what to copy there.
    import shutil
    (tmp_path / "no_tok").mkdir()
    for f in ("config.json", "model.safetensors"):
        shutil.copy(d / "run" / f, tmp_path / "no_tok" / f)
    with pytest.raises(distilner.ModelError, match="no tokenizer.json or vocab.txt"):
        distilner.Tagger(str(tmp_path / "no_tok"))
    assert issubclass(distilner.PreflightError, distilner.Error)
