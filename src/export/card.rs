//! The model card: README.md in the seed card's format (HF Trainer's), with the numbers measured.
use super::RunReport;
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

pub fn render(r: &RunReport) -> String {
    let c = &r.config;
    let (split, headline) = match &r.test {
        Some(t) => ("test", t),
        None => ("validation", &r.dev),
    };
    let mut s = String::from("---\nlicense: apache-2.0\n");
    s += &format!("base_model: {}\n", r.base_model);
    s += "tags:\n- generated_by_distilner\n- token-classification\ndatasets:\n- conll2003\nmetrics:\n- precision\n- recall\n- f1\n- accuracy\n";
    s += &format!("model-index:\n- name: {}\n  results:\n  - task:\n      name: Token Classification\n      type: token-classification\n", r.name);
    s += &format!("    dataset:\n      name: conll2003\n      type: conll2003\n      config: conll2003\n      split: {split}\n      args: conll2003\n    metrics:\n");
    s += &metric("Precision", "precision", headline.precision);
    s += &metric("Recall", "recall", headline.recall);
    s += &metric("F1", "f1", headline.f1);
    s += &metric("Accuracy", "accuracy", headline.accuracy);
    s += "---\n\n";
    s += &format!("# {}\n\n", r.name);
    s += &format!("This model is {} [{}]({}) on the conll2003 dataset ({} split scored below), made with distilner.\n", r.what, r.base_model, r.base_model, split);
    s += &format!("It achieves the following results on the {split} set (entity level, seqeval default mode = conlleval, every word scored):\n");
    if let Some(h) = r.history.iter().find(|h| h.epoch == r.best_epoch) {
        s += &format!("- Loss: {:.4} (validation)\n", h.validation_loss);
    }
    s += &summary(headline);
    s += &format!("\nOn the validation set (eng.testa): F1 {:.4}, precision {:.4}, recall {:.4}, accuracy {:.4}.\n", r.dev.f1, r.dev.precision, r.dev.recall, r.dev.accuracy);
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
    s += "\n## Intended uses & limitations\n\nEnglish news-style named entities (PER, ORG, LOC, MISC) as in CoNLL-2003. Other domains will score lower.\n";
    s += "\n## Training and evaluation data\n\nCoNLL-2003 English: train eng.train (14,041 sentences), validation eng.testa (3,250), test eng.testb (3,453); IOB1 tags converted to IOB2 for training, labels matched by name.\n";
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
    s += &format!(
        "- training time: {:.0} s on {}\n",
        r.train_seconds, r.hardware
    );
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
    s += "\n![loss](loss.png) ![dev F1](dev_f1.png)\n";
    s += &format!(
        "\n### Framework versions\n\n- distilner {}\n- tch {} (libtorch {})\n- tokenizers (Rust) 0.22\n",
        env!("CARGO_PKG_VERSION"),
        "0.24.0",
        "2.11.0"
    );
    s
}
