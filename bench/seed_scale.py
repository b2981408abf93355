"""The seed's scale: a BERT-base-cased teacher with dslim/bert-base-NER's published config and label
order (random weights: no hub here), and the PyTorch reference of the seed's distillation recipe.

  seed_scale.py make VOCAB OUT_DIR
      BertForTokenClassification, 12 x 768, dslim's id2label, the bert-base-cased vocab, saved with
      transformers (model.safetensors + tokenizer files).
  seed_scale.py step STUDENT_DIR BATCH SEQ [fp32|bf16] [STEPS]
      One PyTorch training step (forward, CE loss, backward, clip, AdamW) of the 6-layer student on random ids
      at BATCH x SEQ on the CPU (2 threads), median of STEPS after two untimed; peak memory: /usr/bin/time -v.
  seed_scale.py reference TEACHER_DIR CONLL_DIR OUT_JSON [--epochs 15] [--bs 128] [--lr 6e-5] [--layers 0,2,4,7,9,11]
                         [--limit N]
      The seed card's recipe in plain PyTorch on the same GPU: DistilBERT-recipe student (--layers of the teacher,
      by default 0,2,4,7,9,11), AdamW, linear schedule without warmup, bf16 autocast (the precision distilner uses),
      teacher run on each batch as the HF Trainer distillation loop does. Clocks stop after
      torch.cuda.synchronize(); peak memory from torch.cuda.max_memory_allocated(). --limit N trains on the first N
      sentences (a CPU dry run of the script: without a GPU it runs on the CPU in fp32).
      Under torchrun (WORLD_SIZE set) the student is wrapped in DistributedDataParallel on NCCL, one GPU per
      local rank, and each rank trains on its contiguous share of every global batch: PyTorch DDP, the
      reference for `torchrun ... distilner distill`.
"""
import json, math, os, random, sys, time

import torch
import torch.nn.functional as F

DSLIM = ["O", "B-MISC", "I-MISC", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]


def make(vocab, out):
    import shutil
    from transformers import AutoTokenizer, BertConfig, BertForTokenClassification
    cfg = BertConfig(  # dslim/bert-base-NER's config.json
        vocab_size=28996, hidden_size=768, num_hidden_layers=12, num_attention_heads=12,
        intermediate_size=3072, hidden_act="gelu", hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1, max_position_embeddings=512, type_vocab_size=2,
        layer_norm_eps=1e-12, id2label=dict(enumerate(DSLIM)), label2id={l: i for i, l in enumerate(DSLIM)},
    )
    torch.manual_seed(0)
    BertForTokenClassification(cfg).save_pretrained(out)
    # dslim's tokenizer files: the bert-base-cased vocab, no lower-casing.
    shutil.copy(vocab, os.path.join(out, "vocab.txt"))
    json.dump({"do_lower_case": False, "tokenizer_class": "BertTokenizer", "model_max_length": 512},
              open(os.path.join(out, "tokenizer_config.json"), "w"))
    assert len(AutoTokenizer.from_pretrained(out)) == 28996


def read_conll(path):
    sents, w, t = [], [], []
    for line in open(path, encoding="utf-8"):
        c = line.split()
        if not c or c[0] == "-DOCSTART-":
            if w:
                sents.append((w, t))
            w, t = [], []
            continue
        w.append(c[0]); t.append(c[-1])
    if w:
        sents.append((w, t))
    out = []
    for w, t in sents:  # IOB1 -> IOB2
        t2, prev = [], "O"
        for tag in t:
            if tag.startswith("I-") and (prev == "O" or prev[2:] != tag[2:]):
                tag = "B-" + tag[2:]
            t2.append(tag); prev = tag
        out.append((w, t2))
    return out


def reference(tdir, conll, out, epochs=15, bs=128, lr=6e-5, seed=33, layers="0,2,4,7,9,11", limit=0):
    from transformers import AutoTokenizer, BertForTokenClassification
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    cuda = dev.type == "cuda"
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    ddp = "WORLD_SIZE" in os.environ
    rank, world = 0, 1
    if ddp:
        import torch.distributed as dist
        dev = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
        torch.cuda.set_device(dev)
        dist.init_process_group("nccl", device_id=dev)
        rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(seed)
    tok = AutoTokenizer.from_pretrained(tdir)
    # fp32 master weights whatever the file stores (a bf16 copy travels to the GPU machine).
    teacher = BertForTokenClassification.from_pretrained(tdir, dtype=torch.float32).to(dev).eval()
    l2i = teacher.config.label2id  # labels by name: the data's tags through the teacher's own ids
    feats = []
    train = read_conll(os.path.join(conll, "eng.train"))
    for words, tags in train[:limit or len(train)]:
        enc = tok(words, is_split_into_words=True, truncation=True, max_length=256)
        lab, prev = [], None
        for w in enc.word_ids():
            lab.append(-100 if w is None or w == prev else l2i[tags[w]]); prev = w
        feats.append((enc["input_ids"], lab))
    keep = [int(i) for i in str(layers).split(",")]
    scfg = teacher.config.__class__.from_dict({**teacher.config.to_dict(), "num_hidden_layers": len(keep)})
    student = BertForTokenClassification(scfg)
    sd = {}
    for k, v in teacher.state_dict().items():
        if ".encoder.layer." in k:
            i = int(k.split(".encoder.layer.")[1].split(".")[0])
            if i in keep:
                sd[k.replace(f".encoder.layer.{i}.", f".encoder.layer.{keep.index(i)}.")] = v
        else:
            sd[k] = v
    student.load_state_dict(sd); student.to(dev).train()
    model = student
    if ddp:
        model = torch.nn.parallel.DistributedDataParallel(student, device_ids=[dev.index])
    steps = epochs * math.ceil(len(feats) / bs)
    decay = [p for n, p in student.named_parameters() if not ("bias" in n or "LayerNorm" in n)]
    nodecay = [p for n, p in student.named_parameters() if "bias" in n or "LayerNorm" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": nodecay, "weight_decay": 0.0}],
                            lr=lr, betas=(0.9, 0.999), eps=1e-8, fused=cuda)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, (steps - s) / steps))
    rng = random.Random(seed)
    sync()
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    t0 = time.time(); epoch_s = []
    for ep in range(epochs):
        te = time.time()
        idx = list(range(len(feats))); rng.shuffle(idx)
        for i in range(0, len(idx), bs):
            b = idx[i:i + bs]; b = b[len(b) * rank // world:len(b) * (rank + 1) // world]; m = max(len(feats[j][0]) for j in b)
            ids = torch.zeros(len(b), m, dtype=torch.long); att = torch.zeros_like(ids)
            lab = torch.full((len(b), m), -100, dtype=torch.long)
            for r, j in enumerate(b):
                n = len(feats[j][0]); ids[r, :n] = torch.tensor(feats[j][0]); att[r, :n] = 1
                lab[r, :n] = torch.tensor(feats[j][1])
            ids, att, lab = ids.to(dev, non_blocking=True), att.to(dev, non_blocking=True), lab.to(dev, non_blocking=True)
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=cuda):
                with torch.no_grad():
                    tl = teacher(input_ids=ids, attention_mask=att).logits
                sl = model(input_ids=ids, attention_mask=att).logits
            mask = lab != -100
            s, t = sl[mask].float(), tl[mask].float()
            kd = F.kl_div(F.log_softmax(s / 2.0, -1), F.softmax(t / 2.0, -1), reduction="batchmean") * 4.0
            loss = 0.5 * kd + 0.5 * F.cross_entropy(s, lab[mask])
            opt.zero_grad(set_to_none=True); loss.backward()
            torch.nn.utils.clip_grad_norm_(student.parameters(), 1.0)
            opt.step(); sched.step()
        sync(); epoch_s.append(time.time() - te)
        print(f"reference epoch {ep + 1}/{epochs}: {epoch_s[-1]:.1f}s loss {loss.item():.4f}", flush=True)
    res = {"torch": torch.__version__, "gpu": torch.cuda.get_device_name(0) if cuda else None, "epochs": epochs,
           "batch_size": bs, "world_size": world, "ddp": ddp, "student_layers": keep, "train_sentences": len(feats),
           "lr": lr, "steps": steps, "train_seconds": time.time() - t0, "epoch_seconds": epoch_s,
           "peak_memory_allocated_gb": torch.cuda.max_memory_allocated() / 1e9 if cuda else None,
           "train_subword_tokens": sum(len(f[0]) for f in feats)}
    if rank == 0:
        json.dump(res, open(out, "w"), indent=1)
        print(json.dumps(res))
    if ddp:
        dist.destroy_process_group()


def step(sdir, batch, seq, precision="fp32", steps=8):
    from transformers import AutoModelForTokenClassification
    torch.set_num_threads(2); torch.manual_seed(0)
    m = AutoModelForTokenClassification.from_pretrained(sdir).train()
    opt = torch.optim.AdamW(m.parameters(), lr=1e-4, weight_decay=0.01)
    ids = torch.randint(28996, (batch, seq)); att = torch.ones_like(ids); lab = torch.randint(9, (batch, seq))
    times = []
    for i in range(steps + 2):
        t = time.time()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
            logits = m(input_ids=ids, attention_mask=att).logits
        loss = F.cross_entropy(logits.float().view(-1, logits.shape[-1]), lab.view(-1))
        opt.zero_grad(set_to_none=True); loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step()
        if i >= 2:
            times.append(time.time() - t)
    times.sort()
    print(f"pytorch batch {batch} seq {seq} {precision}: median step {times[len(times) // 2] * 1000:.1f} ms")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "step":
        step(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), *(sys.argv[5:6] or ["fp32"]), *([int(sys.argv[6])] if len(sys.argv) > 6 else []))
    elif cmd == "make":
        make(sys.argv[2], sys.argv[3])
    else:
        kw = {}
        rest = sys.argv[5:]
        for k, v in zip(rest[::2], rest[1::2]):
            kw[k.lstrip("-")] = float(v) if k == "--lr" else v if k == "--layers" else int(v)
        reference(sys.argv[2], sys.argv[3], sys.argv[4], **kw)
