//! `distilner run`: the main job on the embedded default — fine-tune the teacher (MiniLM), distil a
//! 3-layer DistilBERT-layout student, and print teacher vs student on the test split.
use crate::data_flags::DataFlags;
use crate::train_flags::TrainFlags;
use anyhow::Result;
use distilner::distill::run::DistillArgs;
use distilner::distill::DistillConfig;
use distilner::evaluate::precision::measure;
use distilner::model::student::parse_layers;
use distilner::pipeline::{distill, finetune};
use distilner::train::finetune::FinetuneArgs;
use distilner::train::{Faults, TrainConfig};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// Teacher backbone (directory or HF id).
    #[arg(long, default_value = "models/all-MiniLM-L6-v2")]
    model: String,
    #[command(flatten)]
    data: DataFlags,
    /// Output root: teacher/ and student/ run directories go inside.
    #[arg(long, default_value = "runs/default")]
    out: PathBuf,
    /// Teacher layers the student starts from (over the config's `[distill]` table) [default: 0,2,4].
    #[arg(long)]
    student_layers: Option<String>,
    /// Student epochs. Default 6 (twice the teacher's 3): with 3 the student kept 97.9% of the teacher's
    /// test F1 (bench/RESULTS.md); a 3-layer student has more to learn from the soft targets.
    #[arg(long, default_value_t = 6)]
    student_epochs: usize,
    /// Rounds of mention replacement added to the student's training data (see `distill --help`;
    /// the teacher's come from `--mention-replacement`). Default 1: on four seeds it beat 6 epochs
    /// without it on dev and test and was level on dev with 12 epochs, which cost more (bench/RESULTS.md).
    #[arg(long, default_value_t = 1)]
    student_mention_replacement: usize,
    /// The student's peak learning rate [default: `--lr`'s, or the config's; else 2e-4]. Without
    /// `--lr`, `--config` or `--preset` the teacher trains at 3e-4 with `--layer-lr-decay` 0.8 (see
    /// `TEACHER_DEFAULTS`).
    #[arg(long)]
    student_lr: Option<f64>,
    /// The student's layer-wise learning-rate decay [default: `--layer-lr-decay`'s, or the
    /// config's; else 1, off].
    #[arg(long)]
    student_layer_lr_decay: Option<f64>,
    /// The student's dropout while training [default: `--dropout`'s, or the config's; else its
    /// teacher config's].
    #[arg(long)]
    student_dropout: Option<f64>,
    /// Refuse to distil a teacher whose dev F1 is below this (see `distill --help`) [default: 0.1].
    #[arg(long)]
    min_teacher_f1: Option<f64>,
    /// Reuse a finished teacher run in OUT/teacher instead of training it again.
    #[arg(long)]
    reuse_teacher: bool,
    #[command(flatten)]
    flags: TrainFlags,
}

/// The teacher's learning rate and layer-wise decay when neither flags nor a config file set them:
/// 3e-4 with decay 0.8 (the embeddings at 0.8^7 of it) gave students +0.35 and +0.52 dev F1 over the
/// uniform 2e-4 on seeds 33 and 34 (bench/RESULTS.md, "Layer-wise learning-rate decay"). The
/// student keeps the uniform 2e-4: decay did not pay there.
const TEACHER_DEFAULTS: (f64, f64) = (3e-4, 0.8);

/// The student's training settings (the flags and config as given, then its own flags) and the
/// teacher's (the same, with `TEACHER_DEFAULTS` where nothing set the rate or its decay).
fn split_settings(a: &Args, mut cfg: TrainConfig) -> Result<(TrainConfig, TrainConfig)> {
    let mut scfg = cfg.clone();
    scfg.epochs = a.student_epochs;
    scfg.mention_replacement = a.student_mention_replacement;
    if let Some(lr) = a.student_lr {
        scfg.learning_rate = lr;
    }
    if let Some(d) = a.student_layer_lr_decay {
        scfg.layer_lr_decay = d;
    }
    if a.student_dropout.is_some() {
        scfg.dropout = a.student_dropout;
    }
    scfg.validate()?;
    let f = &a.flags;
    if f.config.is_none() && f.preset.is_none() {
        if f.lr.is_none() {
            cfg.learning_rate = TEACHER_DEFAULTS.0;
        }
        if f.layer_lr_decay.is_none() {
            cfg.layer_lr_decay = TEACHER_DEFAULTS.1;
        }
    }
    Ok((cfg, scfg))
}

fn dir_size(p: &Path) -> u64 {
    std::fs::metadata(p.join("model.safetensors"))
        .map(|m| m.len())
        .unwrap_or(0)
}

/// The student step's settings: the config's `[distill]` table (its KD terms), the flags on top.
/// The teacher is the one this job trains, so the table may not name teachers or a student.
fn student_settings(a: &Args, table: Option<DistillConfig>) -> Result<DistillConfig> {
    let mut d = table.unwrap_or_default();
    if !d.teachers.is_empty() || d.student.is_some() {
        anyhow::bail!(
            "{}: `run` distils the teacher it fine-tunes into a student it builds; remove `teachers` and `student` from the [distill] table (or use `distilner distill`)",
            a.flags.config.as_deref().unwrap_or(Path::new("")).display()
        );
    }
    if let Some(s) = &a.student_layers {
        d.student_layers = Some(parse_layers(s, usize::MAX)?);
    }
    d.student_layers.get_or_insert_with(|| vec![0, 2, 4]);
    if let Some(f) = a.min_teacher_f1 {
        d.min_teacher_f1 = f;
    }
    Ok(d)
}

pub fn run(a: Args) -> Result<()> {
    let (cfg, table) = a.flags.resolve_with_distill()?;
    let (cfg, scfg) = split_settings(&a, cfg)?;
    let settings = student_settings(&a, table)?;
    let g = a.flags.group(&cfg)?;
    let splits = a.data.splits();
    if splits.test.is_none() {
        anyhow::bail!(
            "the main job ends with a test report; give it a test split (--test or --test-split)"
        );
    };
    let tdir = a.out.join("teacher");
    let sdir = a.out.join("student");
    let t0 = std::time::Instant::now();
    let teacher_done = a.reuse_teacher && tdir.join("metrics.json").exists();
    if !teacher_done {
        eprintln!("== 1/3 fine-tune the teacher ({}) ==", a.model);
        finetune(FinetuneArgs {
            model: a.model.clone(),
            data: splits.clone(),
            out: tdir.clone(),
            cfg: cfg.clone(),
            resume: g.resume,
            faults: Faults::NONE,
            dist: g.dist.clone(),
            progress: None,
        })?;
    }
    if let Some(d) = &g.dist {
        // Every rank loads the teacher rank 0 has just written (one node, or --out on a shared
        // filesystem).
        d.barrier()?;
    }
    distilner::util::release_free_memory();
    eprintln!(
        "== 2/3 distil the student (teacher layers {:?}) ==",
        settings.student_layers.as_deref().unwrap_or_default()
    );
    let r = distill(DistillArgs {
        distill: DistillConfig {
            teachers: vec![tdir.to_string_lossy().to_string()],
            ..settings
        },
        data: splits.clone(),
        out: sdir.clone(),
        cfg: scfg,
        resume: g.resume,
        faults: Faults::NONE,
        transfer: Vec::new(),
        dist: g.dist.clone(),
        progress: None,
    })?;
    let Some(r) = r else {
        return Ok(()); // not rank 0: rank 0 reports
    };
    eprintln!("== 3/3 test report ==");
    let t = r.teacher.as_ref().expect("teacher summary");
    let s_f1 = r.test.as_ref().map(|x| x.f1).unwrap_or(f64::NAN);
    // Every precision this device runs, scored and timed on dev; the choice (the fastest within
    // 0.3 dev F1 points of fp32) is saved beside each model for `--precision auto`.
    let device = tch::Device::cuda_if_available();
    tch::set_num_threads(cfg.threads as i32);
    let dev = splits.dev.load(&splits.read)?;
    let (tc, sc) = (measure(&tdir, &dev, device)?, measure(&sdir, &dev, device)?);
    tc.save(&tdir)?;
    sc.save(&sdir)?;
    let precisions: Vec<&str> = tc.measured.iter().map(|m| m.precision.as_str()).collect();
    let speeds: Vec<(f64, f64)> = tc
        .measured
        .iter()
        .zip(&sc.measured)
        .map(|(t, s)| (t.sentences_per_s, s.sentences_per_s))
        .collect();
    let head: String = precisions
        .iter()
        .map(|p| format!(" dev sentences/s (batch 32, {p}) |"))
        .collect();
    println!("| model | layers | parameters | size on disk | test F1 |{head}");
    println!("|---|---|---|---|---|{}", "---|".repeat(precisions.len()));
    let cols = |f: &dyn Fn(&(f64, f64)) -> f64| -> String {
        speeds.iter().map(|x| format!(" {:.0} |", f(x))).collect()
    };
    println!(
        "| teacher | {} | {} | {:.1} MB | {:.4} |{}",
        t.layers,
        t.parameters,
        dir_size(&tdir) as f64 / 1e6,
        t.test_f1,
        cols(&|x| x.0)
    );
    println!(
        "| student | {} | {} | {:.1} MB | {:.4} |{}",
        r.layers,
        r.parameters,
        dir_size(&sdir) as f64 / 1e6,
        s_f1,
        cols(&|x| x.1)
    );
    let speed = |c: &distilner::infer::precision::PrecisionChoice| {
        c.measured
            .iter()
            .find(|m| m.precision == c.chosen)
            .map_or(f64::NAN, |m| m.sentences_per_s)
    };
    println!(
        "--precision auto (saved in precision.json): teacher {}, student {} ({})",
        tc.chosen, sc.chosen, sc.rule
    );
    println!(
        "student keeps {:.1}% of the teacher's test F1 at {:.2}x its speed (each in its auto precision); total {:.1} min. Runs: {} and {}",
        100.0 * s_f1 / t.test_f1,
        speed(&sc) / speed(&tc),
        t0.elapsed().as_secs_f64() / 60.0,
        tdir.display(),
        sdir.display()
    );
    Ok(())
}
