"""Issue 14 (session 26): an unlabelled transfer set made from the training split by mention replacement
(Dai & Adel 2020): each training sentence with entities, COPIES times, with every entity mention swapped
for a random mention of the same type from the same split. Labels are dropped: `distilner label` has the
teacher tag the sentences, and `distill --transfer` learns from its probabilities.
usage: .venv/bin/python bench/augment_mentions.py CONLL_TRAIN COPIES SEED OUT.jsonl"""
import json, random, sys
from collections import defaultdict

from seqeval.metrics.sequence_labeling import get_entities

path, copies, seed, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]


def sentences(path):
    """(words, IOB1 tags) per sentence; -DOCSTART- lines separate documents."""
    words, tags = [], []
    for line in open(path, encoding="utf-8"):
        cols = line.split()
        if not cols or cols[0] == "-DOCSTART-":
            if words:
                yield words, tags
            words, tags = [], []
            continue
        words.append(cols[0])
        tags.append(cols[-1])
    if words:
        yield words, tags


# seqeval's spans read IOB1 as conlleval does: a mention starts at B-X, or at I-X after O or another type.
data = [(w, [(s, e + 1, k) for k, s, e in get_entities(t)]) for w, t in sentences(path)]
pool = defaultdict(list)
for words, ss in data:
    for s, e, k in ss:
        pool[k].append(words[s:e])
rng = random.Random(seed)
n = 0
with open(out, "w", encoding="utf-8") as f:
    for _ in range(copies):
        for words, ss in data:
            if not ss:
                continue
            new, last = [], 0
            for s, e, k in ss:
                new += words[last:s] + rng.choice(pool[k])
                last = e
            new += words[last:]
            f.write(json.dumps({"tokens": new}) + "\n")
            n += 1
print(f"{n} sentences from {len(data)} ({sum(map(len, pool.values()))} mentions: "
      + ", ".join(f"{k} {len(v)}" for k, v in sorted(pool.items())) + f") -> {out}", file=sys.stderr)
