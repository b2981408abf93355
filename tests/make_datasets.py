"""Copies of CoNLL files as Hugging Face users have them, made with the real `datasets` library.

usage: make_datasets.py OUT train=FILE validation=FILE [test=FILE ...]

Each split becomes a Dataset with the hub's conll2003 features: `tokens` and integer `ner_tags`
(ClassLabel names in the hub's order O, B-PER, I-PER, B-ORG, ...). Tags are kept as in the file and
`-DOCSTART-` lines become marker rows, so the copies hold exactly what the files hold. Written:
  OUT/parquet/<split>.parquet            Dataset.to_parquet (names in the `huggingface` schema metadata)
  OUT/saved/                             DatasetDict.save_to_disk (Arrow streams + dataset_info.json)
  OUT/jsonl_str/<split>.jsonl            Dataset.to_json with tag names
  OUT/jsonl_int/<split>.jsonl            Dataset.to_json with integer tags (names nowhere)
  OUT/hub/datasets--test--conll2003/     a hub cache entry: refs/main, snapshots/<rev>/conll2003/
                                         <split>-00000-of-00001.parquet without schema metadata,
                                         the names only in the dataset card's YAML (README.md)
  OUT/dscache/test___conll2003/...       the `datasets` cache of the loaded hub-layout dataset
"""
import os
import shutil
import sys

import datasets
import pyarrow.parquet as pq
from datasets import ClassLabel, Dataset, DatasetDict, Features, List, Value
from datasets.info import DatasetInfosDict
from huggingface_hub import DatasetCardData

HUB_NAMES = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
FEATURES = Features(
    {
        "id": Value("string"),
        "tokens": List(Value("string")),
        "ner_tags": List(ClassLabel(names=HUB_NAMES)),
    }
)


def read_conll(path):
    rows, words, tags = [], [], []

    def flush():
        if words:
            rows.append((list(words), list(tags)))
            words.clear()
            tags.clear()

    for line in open(path, encoding="utf-8"):
        cols = line.split()
        if not cols:
            flush()
        elif cols[0] == "-DOCSTART-":
            flush()
            rows.append((["-DOCSTART-"], ["O"]))
        else:
            words.append(cols[0])
            tags.append(cols[-1])
    flush()
    return rows


def main():
    out = sys.argv[1]
    splits = dict(a.split("=", 1) for a in sys.argv[2:])
    datasets.disable_progress_bars()
    dd = DatasetDict()
    for split, path in splits.items():
        rows = read_conll(path)
        dd[split] = Dataset.from_dict(
            {
                "id": [str(i) for i in range(len(rows))],
                "tokens": [w for w, _ in rows],
                "ner_tags": [[HUB_NAMES.index(t) for t in ts] for _, ts in rows],
            },
            features=FEATURES,
        )
    os.makedirs(f"{out}/parquet", exist_ok=True)
    os.makedirs(f"{out}/jsonl_str", exist_ok=True)
    os.makedirs(f"{out}/jsonl_int", exist_ok=True)
    dd.save_to_disk(f"{out}/saved")
    snap = f"{out}/hub/datasets--test--conll2003/snapshots/0123abcd"
    os.makedirs(f"{snap}/conll2003", exist_ok=True)
    os.makedirs(f"{out}/hub/datasets--test--conll2003/refs", exist_ok=True)
    with open(f"{out}/hub/datasets--test--conll2003/refs/main", "w") as f:
        f.write("0123abcd")
    for split, ds in dd.items():
        ds.to_parquet(f"{out}/parquet/{split}.parquet")
        ds.to_json(f"{out}/jsonl_int/{split}.jsonl")
        names = ds.features["ner_tags"].feature.names
        strs = Dataset.from_dict(
            {"tokens": ds["tokens"], "ner_tags": [[names[i] for i in t] for t in ds["ner_tags"]]}
        )
        strs.to_json(f"{out}/jsonl_str/{split}.jsonl")
        # The hub's file without `datasets` metadata: the names must come from the card.
        table = pq.read_table(f"{out}/parquet/{split}.parquet").replace_schema_metadata(None)
        pq.write_table(table, f"{snap}/conll2003/{split}-00000-of-00001.parquet")
    card = DatasetCardData()
    DatasetInfosDict({"conll2003": dd[next(iter(dd))].info}).to_dataset_card_data(card)
    with open(f"{snap}/README.md", "w") as f:
        f.write("---\n" + card.to_yaml() + "\n---\n\n# test/conll2003\n")
    # The `datasets` cache of that dataset, loaded the way users load data files.
    cache = f"{out}/dscache_tmp"
    data_files = {s: f"{out}/parquet/{s}.parquet" for s in dd}
    datasets.load_dataset("parquet", data_files=data_files, cache_dir=cache)
    shutil.move(f"{cache}/parquet", f"{out}/dscache/test___conll2003")
    shutil.rmtree(cache)


if __name__ == "__main__":
    main()
