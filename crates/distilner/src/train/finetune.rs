//! `finetune`: a BERT/DistilBERT checkpoint (with or without a head) trained on CoNLL data.
use super::dist::Dist;
use super::{ce::CrossEntropy, prepare_splits, trainer, Finished, Origin, TrainConfig};
use crate::data::{Corpus, LabelSet, Splits};
use crate::model::{hub, load_dir, Head};
use anyhow::Result;
use std::path::PathBuf;

pub struct FinetuneArgs {
    pub model: String,
    pub data: Splits,
    pub out: PathBuf,
    pub cfg: TrainConfig,
    pub resume: bool,
    /// Fault injection for tests (`Faults::NONE` in real runs).
    pub faults: crate::train::Faults,
    /// The torchrun group, when started by torchrun.
    pub dist: Option<std::sync::Arc<Dist>>,
    /// Told as the run goes (the Python package's callback); None from the CLI.
    pub progress: Option<super::ProgressFn>,
}

/// Labels of a corpus, IOB2 (`O`, then `B-`/`I-` per type).
pub fn corpus_labels(c: &Corpus) -> LabelSet {
    let tags: Vec<String> = c
        .sentences
        .iter()
        .flat_map(|s| crate::data::convert(&s.tags, true))
        .collect();
    LabelSet::from_tags(&tags)
}

pub(crate) fn check_output_dir(out: &std::path::Path) -> Result<()> {
    std::fs::create_dir_all(out).map_err(|e| {
        anyhow::anyhow!("{}: cannot create the output directory: {e}", out.display())
    })?;
    let probe = out.join(".write-test");
    std::fs::write(&probe, b"x").map_err(|e| {
        anyhow::anyhow!(
            "{}: the output directory is not writable ({e}); choose another --out",
            out.display()
        )
    })?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// Fine-tune, keeping the best-dev checkpoint in `a.out`; `None` on ranks other than 0, which
/// report nothing. `pipeline::finetune` adds the report.
pub fn run(a: FinetuneArgs) -> crate::Result<Option<Finished>> {
    a.cfg.validate()?;
    let dist = a.dist.as_deref();
    let main = dist.is_none_or(|d| d.is_main());
    if main {
        check_output_dir(&a.out)?;
    }
    tch::set_num_threads(a.cfg.threads as i32);
    let data = a
        .data
        .load(a.cfg.max_train_sentences, a.cfg.max_dev_sentences)?
        .with_mention_replacement(a.cfg.mention_replacement, a.cfg.seed);
    let (train_c, dev_c) = (&data.train, &data.dev);
    if train_c.sentences.len() < 2 {
        return Err(anyhow::anyhow!(
            "{}: only {} sentence(s); fine-tuning needs a real training set",
            train_c.display_name(),
            train_c.sentences.len()
        )
        .into());
    }
    let labels = corpus_labels(train_c);
    let dir = hub::resolve(&a.model)?;
    tch::manual_seed(a.cfg.seed as i64);
    let mut loaded = load_dir(&dir, Head::ForLabels(&labels), run_device(&a.cfg, dist))?;
    if main {
        eprintln!(
            "[finetune] {} ({} layers, {} parameters); {} head with labels {:?}",
            dir.display(),
            loaded.model.config.layers,
            loaded.model.num_parameters(),
            if loaded.new_head {
                "new"
            } else {
                "the checkpoint's"
            },
            loaded.model.labels.names()
        );
    }
    let ml = &loaded.model.labels;
    let win = a.cfg.tag_options().fit(&loaded.model);
    let (train, dev) = prepare_splits(
        train_c,
        dev_c,
        &loaded.tokenizer,
        ml,
        &win,
        a.cfg.label_all_subtokens,
    )?;
    let out = trainer::train(trainer::TrainJob {
        name: "finetune",
        model: &mut loaded.model,
        tokenizer: &loaded.tokenizer,
        train: &train,
        dev: dev_c,
        dev_examples: &dev,
        objective: &CrossEntropy,
        cfg: &a.cfg,
        run_dir: &a.out,
        resume: a.resume,
        faults: a.faults,
        dist,
        progress: a.progress.as_ref(),
    })?;
    if !main {
        return Ok(None);
    }
    let origin = Origin {
        what: "a fine-tuned version of",
        base_model: a.model,
        teacher: None,
        other_teachers: Vec::new(),
        kd: None,
        distill: None,
        extra_seconds: 0.0,
        data: data.summary,
    };
    Ok(Some(Finished {
        dir: a.out,
        cfg: a.cfg,
        outcome: out,
        origin,
        dev: data.dev,
        test: data.test,
    }))
}

/// The training device: the configured one, or under torchrun on CUDA, the local rank's GPU.
pub fn run_device(cfg: &TrainConfig, dist: Option<&Dist>) -> tch::Device {
    dist.map_or_else(|| cfg.device(), |d| d.device)
}
