//! `distilner distill`
use crate::data_flags::DataFlags;
use crate::train_flags::TrainFlags;
use anyhow::Result;
use distilner::distill::run::DistillArgs;
use distilner::distill::DistillConfig;
use distilner::model::student::parse_layers;
use distilner::pipeline::distill;
use std::path::PathBuf;

/// Each distillation flag overrides the same field of the `--config` file's `[distill]` table;
/// the resolved settings are saved in the run's train_config.toml and metrics.json.
#[derive(clap::Args)]
pub struct Args {
    /// Teacher: a finetune run directory, an HF directory or id with a token-classification head.
    /// Repeat for several teachers (same tokenizer; e.g. one backbone fine-tuned with different
    /// seeds): the KD target is the mean of their softened distributions, and the student is built
    /// from the first one's layers. Required here or as `teachers` in the config.
    #[arg(long)]
    pub teacher: Vec<String>,
    /// Teacher layers the DistilBERT-layout student starts from (default: every other layer).
    #[arg(long, conflicts_with = "student")]
    pub student_layers: Option<String>,
    /// Distil into this existing checkpoint (same tokenizer) instead of building a student.
    #[arg(long)]
    pub student: Option<String>,
    #[command(flatten)]
    pub data: DataFlags,
    #[arg(long)]
    pub out: PathBuf,
    /// Weight of the KD term: loss = α·KL·T² + (1−α)·CE [default: 0.5].
    #[arg(long)]
    pub alpha: Option<f64>,
    /// Softmax temperature T [default: 4].
    #[arg(long)]
    pub temperature: Option<f64>,
    /// KL over every real sub-token instead of the labelled (first) ones.
    #[arg(long)]
    pub kd_all_tokens: bool,
    /// Add a hidden-state MSE term with this weight (0 = off, the default); runs the teacher on
    /// each batch.
    #[arg(long)]
    pub hidden_mse: Option<f64>,
    /// Teacher layer for each student layer in the hidden-state loss (default: --student-layers).
    #[arg(long)]
    pub hidden_layer_map: Option<String>,
    /// Document context (sub-tokens per side) the teachers read when their logits are cached;
    /// default: each teacher's own (its tagging.json), whatever --context gives the student. A
    /// context teacher thus teaches a student that reads sentences alone.
    #[arg(long)]
    pub teacher_context: Option<usize>,
    /// Add the attention-relation term (MiniLM: KL of the self-attention distributions and of the
    /// value relations) with this weight (0 = off, the default); runs the teacher on each batch.
    #[arg(long)]
    pub attention_kd: Option<f64>,
    /// The layer pair for --attention-kd as STUDENT:TEACHER (default: the last layer of each).
    #[arg(long)]
    pub attention_layers: Option<String>,
    /// Rename teacher labels: TEACHER=DATA,... (e.g. LABEL_1=B-PER).
    #[arg(long)]
    pub label_map: Option<String>,
    /// Refuse a teacher whose dev F1 through distilner is below this [default: 0.1].
    #[arg(long)]
    pub min_teacher_f1: Option<f64>,
    /// A soft-label transfer set from `distilner label` (directory or Parquet file), trained on
    /// beside the labelled data; repeat for several.
    #[arg(long)]
    pub transfer: Vec<PathBuf>,
    #[command(flatten)]
    pub flags: TrainFlags,
}

impl Args {
    /// The config's `[distill]` table (or the defaults) with the flags on top.
    fn settings(&self, table: Option<DistillConfig>) -> Result<DistillConfig> {
        let mut d = table.unwrap_or_default();
        if !self.teacher.is_empty() {
            d.teachers = self.teacher.clone();
        }
        if let Some(s) = &self.student_layers {
            d.student_layers = Some(parse_layers(s, usize::MAX)?);
        }
        if let Some(s) = &self.hidden_layer_map {
            d.hidden_layer_map = Some(parse_layers(s, usize::MAX)?);
        }
        if let Some(s) = &self.attention_layers {
            d.attention_layers = Some(parse_pair(s)?);
        }
        if self.kd_all_tokens {
            d.kd_all_tokens = true;
        }
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = self.$f.clone() { d.$f = v.into(); } )* };
        }
        set!(
            student,
            alpha,
            temperature,
            hidden_mse,
            teacher_context,
            attention_kd,
            label_map,
            min_teacher_f1
        );
        Ok(d) // checked by the library's first step
    }
}

pub fn run(a: Args) -> Result<()> {
    let (cfg, table) = a.flags.resolve_with_distill()?;
    let distill_cfg = a.settings(table)?;
    let g = a.flags.group(&cfg)?;
    let r = distill(DistillArgs {
        distill: distill_cfg,
        data: a.data.splits(),
        out: a.out.clone(),
        cfg,
        resume: g.resume,
        faults: g.faults,
        transfer: a.transfer,
        dist: g.dist,
        progress: None,
    })?;
    let Some(r) = r else {
        return Ok(()); // not rank 0: rank 0 reports
    };
    let t = r.teacher.as_ref().expect("distill reports its teacher");
    println!(
        "distill done: student dev F1 {:.4}{} (teacher test F1 {:.4}), {:.0}s; model and card in {}",
        r.dev.f1,
        r.test.as_ref().map(|x| format!(", test F1 {:.4}", x.f1)).unwrap_or_default(),
        t.test_f1,
        r.train_seconds,
        a.out.display()
    );
    Ok(())
}

/// `S:T` → (S, T).
fn parse_pair(s: &str) -> Result<(usize, usize)> {
    let bad = || {
        anyhow::anyhow!("--attention-layers {s:?}: give STUDENT:TEACHER layer indices, e.g. 2:5")
    };
    let (a, b) = s.split_once(':').ok_or_else(bad)?;
    Ok((
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    ))
}
