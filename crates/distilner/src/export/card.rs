//! The model card: README.md in the seed card's format (HF Trainer's), with the numbers measured.
use super::RunReport;
use crate::data::SplitSummary;
use crate::eval::Report;

fn metric(name: &str, ty: &str, v: f64) -> String {
    format!("    - name: {name}\n      type: {ty}\n      value: {v:.4}\n")
}

fn summary(r: &Report) -> String {
    format!(
        "- Precision: {:.4}\n- Recall: {:.4}\n- F1: {:.4}\n- Accuracy: {:.4}\n",
        r.precision, r.recall, r.f1, r.accuracy
    )
}

/// A split's short name: the hub id or the file's name, and the split.
fn split_name(d: &SplitSummary) -> String {
    let base = dataset_name(d);
    match &d.source.split {
        Some(sp) => format!("{base} [{sp}]"),
        None => base,
    }
}

/// The dataset as the card's metadata names it: a hub id as given, else the file or folder name.
fn dataset_name(d: &SplitSummary) -> String {
    let spec = std::path::Path::new(&d.source.dataset);
    if spec.exists() {
        spec.file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| d.source.dataset.clone())
    } else {
        d.source.dataset.clone()
    }
}

fn data_section(r: &RunReport) -> String {
    let mut s = String::from("\n## Training and evaluation data\n\n| role | dataset | split | format | files | sentences | tokens |\n|---|---|---|---|---|---|---|\n");
    for d in &r.data {
        let cut = if d.sentences < d.sentences_in_file {
            format!(" (first {} of {})", d.sentences, d.sentences_in_file)
        } else {
            String::new()
        };
        let files: Vec<String> = d
            .source
            .files
            .iter()
            .map(|f| {
                f.file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default()
            })
            .collect();
        s += &format!(
            "| {} | {} | {} | {} | {} | {}{cut} | {} |\n",
            d.role,
            d.source.dataset,
            d.source.split.as_deref().unwrap_or("(whole file)"),
            d.source.format,
            files.join(", "),
            d.sentences,
            d.tokens
        );
    }
    for d in r.data.iter().filter(|d| d.source.label_names.is_some()) {
        s += &format!(
            "\nThe {} split stores integer tags; their names {:?} come from {}.",
            d.role,
            d.source.label_names.as_deref().unwrap_or_default(),
            d.source.label_names_from.as_deref().unwrap_or("?")
        );
    }
    s += &format!(
        "\nTags were converted to IOB2 for training; labels are matched by name ({:?}).\n",
        r.labels
    );
    s
}

pub fn render(r: &RunReport, curves: bool) -> String {
    let c = &r.config;
    let (role, headline) = match &r.test {
        Some(t) => ("test", t),
        None => ("validation", &r.dev),
    };
    let head = r.data.iter().find(|d| d.role == role);
    let train = r.data.iter().find(|d| d.role == "train");
    let ds = train.map(dataset_name).unwrap_or_else(|| "unknown".into());
    let split = head
        .and_then(|d| d.source.split.clone())
        .unwrap_or_else(|| role.to_string());
    let hub_ids: Vec<String> = {
        let mut v: Vec<String> = r
            .data
            .iter()
            .filter(|d| !std::path::Path::new(&d.source.dataset).exists())
            .map(|d| d.source.dataset.clone())
            .collect();
        v.dedup();
        v
    };
    let mut s = String::from("---\nlicense: apache-2.0\n");
    s += &format!("base_model: {}\n", r.base_model);
    s += "tags:\n- generated_by_distilner\n- token-classification\n";
    if !hub_ids.is_empty() {
        s += "datasets:\n";
        for id in &hub_ids {
            s += &format!("- {id}\n");
        }
    }
    s += "metrics:\n- precision\n- recall\n- f1\n- accuracy\n";
    s += &format!("model-index:\n- name: {}\n  results:\n  - task:\n      name: Token Classification\n      type: token-classification\n", r.name);
    s += &format!(
        "    dataset:\n      name: {ds}\n      type: {ds}\n      split: {split}\n    metrics:\n"
    );
    s += &metric("Precision", "precision", headline.precision);
    s += &metric("Recall", "recall", headline.recall);
    s += &metric("F1", "f1", headline.f1);
    s += &metric("Accuracy", "accuracy", headline.accuracy);
    s += "---\n\n";
    s += &format!("# {}\n\n", r.name);
    s += &format!(
        "This model is {} [{}]({}) trained on {}, made with distilner.\n",
        r.what,
        r.base_model,
        r.base_model,
        train.map(split_name).unwrap_or_else(|| ds.clone())
    );
    s += &format!("It achieves the following results on the {role} set, {} (entity level, seqeval default mode = conlleval, every word scored):\n", head.map(split_name).unwrap_or_default());
    if let Some(h) = r.history.iter().find(|h| h.epoch == r.best_epoch) {
        s += &format!("- Loss: {:.4} (validation)\n", h.validation_loss);
    }
    s += &summary(headline);
    let dev_name = r
        .data
        .iter()
        .find(|d| d.role == "validation")
        .map(split_name)
        .unwrap_or_default();
    s += &format!("\nOn the validation set ({dev_name}): F1 {:.4}, precision {:.4}, recall {:.4}, accuracy {:.4}.\n", r.dev.f1, r.dev.precision, r.dev.recall, r.dev.accuracy);
    s += "\n## Model description\n\n";
    s += &format!(
        "{} with {} layers, hidden size {}, {} parameters; labels {:?}.\n",
        r.architecture, r.layers, r.hidden, r.parameters, r.labels
    );
    if let Some(t) = &r.teacher {
        s += "\n## Teacher vs student\n\n| model | layers | parameters | test F1 | dev F1 |\n|---|---|---|---|---|\n";
        s += &format!(
            "| teacher ({}) | {} | {} | {:.4} | {:.4} |\n",
            t.name, t.layers, t.parameters, t.test_f1, t.dev_f1
        );
        s += &format!(
            "| student (this model) | {} | {} | {:.4} | {:.4} |\n\nThe student keeps {:.1}% of the teacher's test F1.\n",
            r.layers,
            r.parameters,
            r.test.as_ref().map(|t| t.f1).unwrap_or(f64::NAN),
            r.dev.f1,
            100.0 * r.test.as_ref().map(|t| t.f1).unwrap_or(f64::NAN) / t.test_f1
        );
    }
    let types: Vec<&str> = {
        let mut t: Vec<&str> = r
            .labels
            .iter()
            .filter_map(|l| l.split_once('-').map(|x| x.1))
            .collect();
        t.sort();
        t.dedup();
        t
    };
    s += &format!("\n## Intended uses & limitations\n\nNamed entities of the types {} in text like the training data ({ds}). Other domains and entity types will score lower or not at all.\n", types.join(", "));
    s += &data_section(r);
    s += "\n## Training procedure\n\n### Training hyperparameters\n\nThe following hyperparameters were used during training:\n";
    s += &format!(
        "- learning_rate: {}\n- train_batch_size: {}\n- eval_batch_size: {}\n- seed: {}\n",
        c.learning_rate, c.batch_size, c.eval_batch_size, c.seed
    );
    s += &format!("- optimizer: AdamW with betas=({},{}) and epsilon={:e}, weight decay {} (none on biases and LayerNorm)\n", c.adam_beta1, c.adam_beta2, c.adam_epsilon, c.weight_decay);
    s += &format!(
        "- lr_scheduler_type: linear (warmup ratio {})\n- num_epochs: {}\n- max_grad_norm: {}\n",
        c.warmup_ratio, c.epochs, c.max_grad_norm
    );
    if c.ema_decay > 0.0 {
        s += &format!(
            "- weight averaging: the exponential moving average of the weights (decay {}) is what was scored on dev and kept\n",
            c.ema_decay
        );
    }
    if let Some(p) = c.dropout {
        s += &format!(
            "- dropout: {p} for the hidden states, attention and head (set for this run over the base model's config)\n"
        );
    }
    if c.layer_lr_decay != 1.0 {
        s += &format!(
            "- layer-wise learning-rate decay: {} (encoder layer i of L at {}^(L-i) times the rate, embeddings one step lower, head at the full rate)\n",
            c.layer_lr_decay, c.layer_lr_decay
        );
    }
    s += &format!(
        "- mixed_precision_training: {}\n",
        if r.mixed_precision_used {
            "bf16 mixed precision (fp32 master weights)"
        } else {
            "no (fp32)"
        }
    );
    if let Some(kd) = &r.kd {
        s += &format!("- distillation: {kd}\n");
    }
    if c.mention_replacement > 0 {
        let added = r.data.iter().find(|d| d.role == "train (added)");
        s += &format!(
            "- mention replacement (Dai & Adel 2020): {} training sentences added, {} round(s) of the training split's sentences with entities, each mention swapped for a random mention of its type from the split (seed {}), trained on with their gold tags\n",
            added.map_or(0, |d| d.sentences),
            c.mention_replacement,
            c.seed
        );
    }
    s += &tagging_lines(&r.tagging);
    let p = &r.parallel;
    if p.backend != "none" {
        s += &format!(
            "- training time: {:.0} s, data-parallel over {} process{} (torch.distributed, {}; global batch {} split across them): {}\n",
            r.train_seconds,
            p.world_size,
            if p.world_size == 1 { "" } else { "es" },
            p.backend,
            r.config.batch_size,
            p.devices
                .iter()
                .enumerate()
                .map(|(i, d)| format!("rank {i} on {d}"))
                .collect::<Vec<_>>()
                .join("; ")
        );
    } else {
        s += &format!(
            "- training time: {:.0} s in one process on {}\n",
            r.train_seconds, r.hardware
        );
    }
    s += "\n### Training results\n\n| Training Loss | Epoch | Step | Validation Loss | Precision | Recall | F1 | Accuracy |\n";
    s +=
        "|:-------------:|:-----:|:----:|:---------------:|:---------:|:------:|:--:|:--------:|\n";
    for h in &r.history {
        s += &format!(
            "| {:.4} | {:.1} | {} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} |\n",
            h.training_loss,
            h.epoch as f64,
            h.step,
            h.validation_loss,
            h.precision,
            h.recall,
            h.f1,
            h.accuracy
        );
    }
    s += &format!(
        "\nThe checkpoint kept is epoch {} (best validation F1).\n",
        r.best_epoch
    );
    if let Some(t) = &r.test {
        s += "\n### Per-type results (test)\n\n| type | precision | recall | F1 | support |\n|---|---|---|---|---|\n";
        for (ty, m) in &t.per_type {
            s += &format!(
                "| {ty} | {:.4} | {:.4} | {:.4} | {} |\n",
                m.precision, m.recall, m.f1, m.support
            );
        }
    }
    if curves {
        s += "\n![loss](loss.png) ![dev F1](dev_f1.png)\n";
    }
    let v = super::report::versions();
    s += "\n### Framework versions\n\n";
    for (k, name) in [
        ("distilner", "distilner"),
        ("tch", "tch"),
        ("libtorch", "libtorch"),
        ("tokenizers", "tokenizers (Rust)"),
        ("arrow", "arrow (Rust)"),
        ("parquet", "parquet (Rust)"),
    ] {
        s += &format!("- {name} {}\n", v[k].as_str().unwrap_or("unknown"));
    }
    s
}

/// Document context and decoding, as used for the scores above (and saved in tagging.json).
fn tagging_lines(t: &crate::infer::tagging::Tagging) -> String {
    let mut s = if t.document_context > 0 {
        format!("- document context: {} sub-tokens of the same document's neighbouring sentences on each side of a sentence (FLERT), in training, evaluation and `distilner predict` on documents\n", t.document_context)
    } else {
        "- document context: none (each sentence alone)\n".to_string()
    };
    let measured: Vec<String> = t
        .measured
        .iter()
        .map(|m| format!("{} {:.4}", m.decoding.name(), m.dev_f1))
        .collect();
    s += &format!(
        "- decoding: {} ({}; dev F1: {})\n",
        t.decoding.name(),
        t.decoding_rule,
        measured.join(", ")
    );
    s
}
