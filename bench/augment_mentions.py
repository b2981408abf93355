"""Issue 14 (session 26): an unlabelled transfer set made from the training split by mention replacement
(Dai & Adel 2020): each training sentence with entities, COPIES times, with every entity mention swapped
for a random mention of the same type from the same split. Labels are dropped: `distilner label` has the
teacher tag the sentences, and `distill --transfer` learns from its probabilities. With OUT ending in .conll
(session 27) the new sentences keep their labels (mention replacement knows every new tag) and are written as
CoNLL in IOB1, as the training split is, to be appended to it: `distill --train` then learns from them with
the gold tags and the teacher's full sub-token logits, like any training sentence.
usage: .venv/bin/python bench/augment_mentions.py CONLL_TRAIN COPIES SEED OUT.jsonl|OUT.conll"""
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


def iob1(n, spans):
    """IOB1 tags for n words and mention spans (start, end, type): I-X inside a mention, B-X only on the
    first word of a mention that directly follows another of the same type."""
    tags = ["O"] * n
    for i, (s, e, k) in enumerate(spans):
        tags[s:e] = [f"I-{k}"] * (e - s)
        if i and spans[i - 1][1] == s and spans[i - 1][2] == k:
            tags[s] = f"B-{k}"
    return tags


conll = out.endswith(".conll")
rng = random.Random(seed)
n = 0
with open(out, "w", encoding="utf-8") as f:
    if conll:
        f.write("-DOCSTART- -X- -X- O\n\n")
    for _ in range(copies):
        for words, ss in data:
            if not ss:
                continue
            new, spans, last = [], [], 0
            for s, e, k in ss:
                new += words[last:s]
                m = rng.choice(pool[k])
                spans.append((len(new), len(new) + len(m), k))
                new += m
                last = e
            new += words[last:]
            if conll:
                f.writelines(f"{w} -X- -X- {t}\n" for w, t in zip(new, iob1(len(new), spans)))
                f.write("\n")
            else:
                f.write(json.dumps({"tokens": new}) + "\n")
            n += 1
print(f"{n} sentences from {len(data)} ({sum(map(len, pool.values()))} mentions: "
      + ", ".join(f"{k} {len(v)}" for k, v in sorted(pool.items())) + f") -> {out}", file=sys.stderr)
