//! `distill`: preflight, teacher-logit cache, student (built from the teacher's layers or given),
//! KD training, and a report comparing student and teacher.
use super::{preflight, KdObjective, TeacherCache};
use crate::data::Splits;
use crate::eval::dataset::evaluate;
use crate::eval::tagging::Tagging;
use crate::eval::Mode;
use crate::export::report::TeacherSummary;
use crate::export::{report_kept, write_run_report, Origin, RunReport};
use crate::model::student::{build_student, default_layers};
use crate::model::{hub, load_dir, Head};
use crate::train::finetune::{check_output_dir, corpus_labels, run_device};
use crate::train::{prepare_splits, trainer, TrainConfig};
use anyhow::{bail, Result};
use std::path::PathBuf;

pub struct DistillArgs {
    pub teacher: String,
    /// Further teachers (same tokenizer, labels matched by name): the KD target is the mean of all
    /// teachers' softened distributions. The student is still built from `teacher`'s layers.
    pub more_teachers: Vec<String>,
    /// Weight of the attention-relation term (0 = off).
    pub attention_kd: f64,
    /// (student layer, teacher layer) for the attention-relation term (default: last, last).
    pub attention_layers: Option<(usize, usize)>,
    /// Student layers taken from the teacher (BERT teacher); ignored with `student`.
    pub student_layers: Option<Vec<usize>>,
    /// An existing student checkpoint (dir or hub id) instead of building one.
    pub student: Option<String>,
    pub data: Splits,
    pub out: PathBuf,
    pub cfg: TrainConfig,
    pub alpha: f64,
    pub temperature: f64,
    pub kd_all_tokens: bool,
    /// Weight of the hidden-state MSE term (0 = off); needs equal hidden sizes.
    pub hidden_mse: f64,
    /// Teacher layer for each student layer in the hidden-state loss (default: the builder's layer map).
    pub hidden_layer_map: Option<Vec<usize>>,
    pub label_map: Option<String>,
    pub min_teacher_f1: f64,
    pub resume: bool,
    pub nan_at_step: Option<usize>,
    pub exit_after_step: Option<usize>,
    pub hang_after_step: Option<usize>,
    /// Soft-label transfer sets (`distilner label`) trained on alongside the labelled data.
    pub transfer: Vec<PathBuf>,
    /// The torchrun group, when started by torchrun.
    pub dist: Option<std::sync::Arc<crate::train::dist::Dist>>,
    /// Told as the run goes (the Python package's callback); None from the CLI.
    pub progress: Option<crate::train::ProgressFn>,
}

/// Defaults of the options every shell (CLI, Python) exposes, kept here so they agree.
pub const DEFAULT_ALPHA: f64 = 0.5;
pub const DEFAULT_TEMPERATURE: f64 = 2.0;
pub const DEFAULT_MIN_TEACHER_F1: f64 = 0.1;

/// The run's report; `None` on ranks other than 0, which write nothing.
pub fn run(a: DistillArgs) -> Result<Option<RunReport>> {
    a.cfg.validate()?;
    if !(0.0..=1.0).contains(&a.alpha) || a.temperature <= 0.0 {
        bail!("--alpha must be in [0, 1] and --temperature positive");
    }
    let dist = a.dist.as_deref();
    let main = dist.is_none_or(|d| d.is_main());
    if main {
        check_output_dir(&a.out)?;
    }
    tch::set_num_threads(a.cfg.threads as i32);
    let device = run_device(&a.cfg, dist);
    let data = a
        .data
        .load(a.cfg.max_train_sentences, a.cfg.max_dev_sentences)?;
    let (train_c, dev_c, test_c) = (&data.train, &data.dev, data.test.as_ref());
    let data_labels = corpus_labels(train_c);

    // Preflight: labels by name, scheme, the teacher's own dev F1.
    let tdir = hub::resolve(&a.teacher)?;
    let mut teacher = load_dir(&tdir, Head::Keep, device)?;
    let own_labels = teacher.model.labels.clone();
    if let Some(m) = &a.label_map {
        teacher.model.labels =
            preflight::rename(&teacher.model.labels, &preflight::parse_label_map(m)?);
    }
    preflight::check_labels(&data_labels, &teacher.model.labels)?;
    let scheme = preflight::check_scheme(train_c, &teacher.model.labels)?;
    let opt = a.cfg.tag_options();
    // The teacher is scored as it is meant to be applied: its own context and decoding.
    let teacher_opt = Tagging::load(&tdir)?.map_or(opt, |t| t.apply(opt));
    // Rank 0 scores the teacher on dev and tells the others (one process: itself).
    let dev_f1 = |t: &crate::model::Loaded| -> Result<f64> {
        let f1 = if main {
            evaluate(&t.model, &t.tokenizer, dev_c, &teacher_opt, Mode::Default)?
                .0
                .f1
        } else {
            0.0
        };
        match dist {
            Some(d) => Ok(d
                .broadcast_json(serde_json::json!(f1))?
                .as_f64()
                .unwrap_or(f64::NAN)),
            None => Ok(f1),
        }
    };
    let t_dev_f1 = dev_f1(&teacher)?;
    if main {
        eprintln!(
            "[preflight] labels mapped by name:\n{}[preflight] data scheme {scheme} (trained as IOB2); teacher dev F1 {:.4}",
            preflight::mapping_table(&data_labels, &teacher.model.labels),
            t_dev_f1
        );
    }
    if a.label_map.is_some() && preflight::check_labels(&data_labels, &own_labels).is_ok() {
        // The teacher's own names already cover the data: score it without the map too. A map that
        // lowers its dev F1 renames labels by position (the seed card's mistake).
        let mapped = std::mem::replace(&mut teacher.model.labels, own_labels.clone());
        let own = dev_f1(&teacher)?;
        teacher.model.labels = mapped;
        preflight::check_label_map_gain(own, t_dev_f1, &own_labels, &teacher.model.labels)?;
    }
    preflight::check_teacher_f1(
        t_dev_f1,
        a.min_teacher_f1,
        &data_labels,
        &teacher.model.labels,
    )?;

    // Student.
    tch::manual_seed(a.cfg.seed as i64);
    let mut built_layers = None;
    let (mut student, stok, base) = match &a.student {
        Some(s) => {
            let l = load_dir(
                &hub::resolve(s)?,
                // A new head is laid out in the data's label order, never the teacher's: the student
                // must not depend on how the teacher happens to number its labels.
                Head::ForLabels(&data_labels),
                device,
            )?;
            if l.tokenizer.inner.get_vocab(true) != teacher.tokenizer.inner.get_vocab(true) {
                bail!("the student's vocabulary differs from the teacher's; distillation needs the same tokenizer");
            }
            (l.model, l.tokenizer, s.clone())
        }
        None => {
            let layers = a
                .student_layers
                .clone()
                .unwrap_or_else(|| default_layers(teacher.model.config.layers as usize));
            if main {
                eprintln!("[distill] student: DistilBERT layout from teacher layers {layers:?}");
            }
            built_layers = Some(layers.clone());
            (
                build_student(&teacher.model, &layers)?,
                teacher.tokenizer.clone(),
                a.teacher.clone(),
            )
        }
    };
    let col_map = preflight::check_labels(&student.labels, &teacher.model.labels)?;
    let win = opt.fit(&student).fit(&teacher.model);
    let (mut train, dev) = prepare_splits(
        train_c,
        dev_c,
        &stok,
        &student.labels,
        &win,
        a.cfg.label_all_subtokens,
    )?;
    let teacher_test = test_c
        .filter(|_| main)
        .map(|c| {
            evaluate(
                &teacher.model,
                &teacher.tokenizer,
                c,
                &teacher_opt,
                Mode::Default,
            )
            .map(|r| r.0.f1)
        })
        .transpose()?;
    // Reported teacher scores come from fp32 (above); the cache takes the run's precision, as the
    // student's own products do.
    teacher
        .model
        .set_inference_precision(a.cfg.precision(device))?;
    let transfer = if a.transfer.is_empty() {
        None
    } else {
        let t = super::transfer::load(
            &a.transfer,
            &stok,
            &student.labels,
            &win,
            a.cfg.label_all_subtokens,
            train_c.sentences.len(),
        )?;
        if main {
            eprintln!(
                "[distill] transfer set: {} sentences ({} examples) from {} part(s), trained on beside {} labelled sentences",
                t.sentences,
                t.examples.len(),
                t.files.len(),
                train_c.sentences.len()
            );
        }
        Some(t)
    };
    let labelled = train.len();
    if let Some(t) = &transfer {
        train.extend(t.examples.iter().cloned());
    }
    if let Some(d) = dist {
        // Before the cache's collectives, which assume the same examples everywhere.
        d.agree("data", &crate::train::batches::digest(&train, &dev))?;
    }
    let t0 = std::time::Instant::now();
    let first = TeacherCache::build(
        &teacher.model,
        &train[..labelled],
        &col_map,
        teacher.tokenizer.pad_id,
        a.cfg.eval_batch_size,
        dist,
    )?;
    let (mut cache, others) = if a.more_teachers.is_empty() {
        (first, Vec::new())
    } else {
        let mut caches = vec![first];
        let mut others = Vec::new();
        for name in &a.more_teachers {
            let (c, summary) = super::ensemble::member_cache(
                name,
                &super::ensemble::Member {
                    student_labels: &student.labels,
                    data_labels: &data_labels,
                    tokenizer: &stok,
                    examples: &train[..labelled],
                    dev: dev_c,
                    test: test_c.filter(|_| main),
                    opt,
                    cfg: &a.cfg,
                    min_teacher_f1: a.min_teacher_f1,
                    device,
                    dist,
                },
            )?;
            if main {
                eprintln!(
                    "[distill] teacher {name}: dev F1 {:.4}, logits cached",
                    summary.dev_f1
                );
            }
            caches.push(c);
            others.push(summary);
        }
        (TeacherCache::ensemble(caches, a.temperature), others)
    };
    let cache_seconds = t0.elapsed().as_secs_f64();
    let transfer_text = match transfer {
        Some(t) => {
            let text = format!(
                "; plus a soft-label transfer set of {} unlabelled sentences ({}), the teacher's top-k probabilities as KD targets and its tags as CE targets",
                t.sentences,
                a.transfer.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
            );
            cache.extend(t.logits, device);
            text
        }
        None => String::new(),
    };
    if main {
        eprintln!(
            "[distill] teacher logits cached for {} examples in {cache_seconds:.1}s ({:.1} MB)",
            cache.len(),
            cache.bytes() as f64 / 1e6
        );
    }
    let teacher_summary = TeacherSummary {
        name: a.teacher.clone(),
        layers: teacher.model.config.layers,
        parameters: teacher.model.num_parameters(),
        dev_f1: t_dev_f1,
        test_f1: teacher_test.unwrap_or(f64::NAN),
    };
    let kd = KdObjective {
        cache: &cache,
        alpha: a.alpha,
        temperature: a.temperature,
        all_tokens: a.kd_all_tokens,
    };
    // The teacher stays loaded only for the losses that run it on each batch.
    let extra = super::objectives::Extra {
        hidden_mse: a.hidden_mse,
        hidden_layer_map: a.hidden_layer_map.clone().or(built_layers.clone()),
        attention_kd: a.attention_kd,
        attention_layers: a.attention_layers,
    };
    let teacher_model = if extra.needs_teacher() {
        Some(teacher.model)
    } else {
        drop(teacher);
        crate::util::release_free_memory();
        None
    };
    let combined =
        super::objectives::Combined::new(&kd, teacher_model.as_ref(), &student.config, &extra)?;
    let objective = &combined;
    let out = trainer::train(trainer::TrainJob {
        name: "distill",
        model: &mut student,
        tokenizer: &stok,
        train: &train,
        dev: dev_c,
        dev_examples: &dev,
        objective,
        cfg: &a.cfg,
        run_dir: &a.out,
        resume: a.resume,
        nan_at_step: a.nan_at_step,
        exit_after_step: a.exit_after_step,
        hang_after_step: a.hang_after_step,
        dist,
        progress: a.progress.as_ref(),
    })?;
    if !main {
        return Ok(None);
    }
    let kd_text = format!(
            "loss = {a}·KL(teacher‖student)·T² + {b}·CE, T = {t}, over {} sub-tokens{}; teacher logits cached once ({cache_seconds:.0} s){transfer_text}",
            if a.kd_all_tokens { "all real" } else { "labelled" },
            extra.describe(),
            a = a.alpha,
            b = 1.0 - a.alpha,
            t = a.temperature
        );
    let kd_text = if others.is_empty() {
        kd_text
    } else {
        let all: Vec<String> = std::iter::once(&teacher_summary)
            .chain(&others)
            .map(|t| {
                format!(
                    "{} (dev F1 {:.4}, test F1 {:.4})",
                    t.name, t.dev_f1, t.test_f1
                )
            })
            .collect();
        format!(
            "{kd_text}; KD target: the mean of {} teachers' softened distributions: {}",
            all.len(),
            all.join(", ")
        )
    };
    let origin = Origin {
        what: "a distilled student of",
        base_model: base,
        other_teachers: others,
        teacher: Some(teacher_summary),
        kd: Some(kd_text),
        extra_seconds: cache_seconds,
        data: data.summary.clone(),
    };
    let report = report_kept(&a.out, &a.cfg, &out, dev_c, test_c, origin)?;
    write_run_report(&a.out, &report)?;
    Ok(Some(report))
}
