"""distilner.load_dataset reads the formats the CLI reads, with integer tags turned into names."""
import json
import pathlib

import pytest

import distilner
from conftest import CONLL, conll_subset


def test_conll_folder_has_the_three_splits():
    d = distilner.load_dataset(str(CONLL))
    assert set(d) == {"train", "validation", "test"}
    # ../shared/README.md: 14,041 / 3,250 / 3,453 sentences.
    assert [len(d[s]["tokens"]) for s in ("train", "validation", "test")] == [14041, 3250, 3453]
    t = d["train"]
    assert all(len(w) == len(g) for w, g in zip(t["tokens"], t["ner_tags"]))
    assert len(t["doc_starts"]) == 946 and t["source"]["format"] == "conll"


def test_jsonl_with_integer_tags_and_names(tmp_path):
    names = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    rows = [{"tokens": ["Ann", "in", "Oslo"], "ner_tags": [1, 0, 3]}]
    f = tmp_path / "d.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    with pytest.raises(distilner.Error, match="label"):
        distilner.load_dataset(str(f), split="train")
    d = distilner.load_dataset(str(f), split="train", label_names=names)
    assert d["ner_tags"] == [["B-PER", "O", "B-LOC"]]
    assert distilner.load_dataset(str(f), label_names=names)["train"]["tokens"] == [["Ann", "in", "Oslo"]]


def test_bad_row_names_file_and_row(tmp_path):
    f = tmp_path / "bad.jsonl"
    f.write_text('{"tokens": ["a", "b"], "ner_tags": ["O", "O"]}\n{"tokens": ["a"], "ner_tags": ["O", "O"]}\n')
    with pytest.raises(distilner.Error) as e:
        distilner.load_dataset(str(f), split="train")
    assert "bad.jsonl" in str(e.value) and "2" in str(e.value)


def test_a_bad_split_is_raised_not_skipped(tmp_path):
    d = tmp_path / "ds"
    d.mkdir()
    conll_subset("eng.testa", 5, d / "eng.testa")
    (d / "eng.train").write_text("EU B-ORG\nrejects\n\n")  # a line without a tag
    with pytest.raises(distilner.Error, match="eng.train"):
        distilner.load_dataset(str(d))
