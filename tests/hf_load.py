"""Load a distilner run directory with Python transformers, unchanged, and print logits as JSON.

usage: python tests/hf_load.py MODEL_DIR WORDS_JSON
"""
import json, sys

import torch
from transformers import AutoModelForTokenClassification, AutoTokenizer

model_dir, words = sys.argv[1], json.loads(sys.argv[2])
tok = AutoTokenizer.from_pretrained(model_dir)
model = AutoModelForTokenClassification.from_pretrained(model_dir).eval()
enc = tok(words, is_split_into_words=True, return_tensors="pt")
with torch.no_grad():
    logits = model(**enc).logits[0]
print(json.dumps({"input_ids": enc["input_ids"][0].tolist(), "word_ids": enc.word_ids(), "logits": logits.tolist(),
                  "id2label": {str(k): v for k, v in model.config.id2label.items()}, "class": type(model).__name__}))
