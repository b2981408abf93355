//! `distill`: preflight, teacher-logit cache, student (built from the teacher's layers or given),
//! KD training, and a report comparing student and teacher. `run` reads as its steps: prepare →
//! preflight (the teacher) → student → cache (examples and teacher logits) → train → report.
use super::config::DistillConfig;
use super::teacher_windows::{teacher_cache, StudentWindows, TeacherRun};
use super::{preflight, KdObjective, TeacherCache};
use crate::data::{Corpus, LabelSet, Splits};
use crate::eval::Mode;
use crate::evaluate::evaluate;
use crate::infer::tagging::Tagging;
use crate::infer::TagOptions;
use crate::model::student::{build_student, default_layers};
use crate::model::{hub, load_dir, Head, Loaded, TokenClassifier};
use crate::tokenize::{Example, NerTokenizer};
use crate::train::dist::Dist;
use crate::train::finetune::{check_output_dir, corpus_labels, run_device};
use crate::train::{prepare_splits, trainer, Finished, Origin, TeacherSummary, TrainConfig};
use anyhow::{bail, Result};
use std::path::PathBuf;

pub struct DistillArgs {
    /// The teachers, the student and the loss: flags over the config's `[distill]` table.
    pub distill: DistillConfig,
    pub data: Splits,
    pub out: PathBuf,
    pub cfg: TrainConfig,
    pub resume: bool,
    /// Fault injection for tests (`Faults::NONE` in real runs).
    pub faults: crate::train::Faults,
    /// Soft-label transfer sets (`distilner label`) trained on alongside the labelled data.
    pub transfer: Vec<PathBuf>,
    /// The torchrun group, when started by torchrun.
    pub dist: Option<std::sync::Arc<crate::train::dist::Dist>>,
    /// Told as the run goes (the Python package's callback); None from the CLI.
    pub progress: Option<crate::train::ProgressFn>,
}

/// Distil, keeping the student's best-dev checkpoint in `a.out`; `None` on ranks other than 0,
/// which report nothing. `pipeline::distill` adds the report.
pub fn run(a: DistillArgs) -> crate::Result<Option<Finished>> {
    let p = prepare(&a)?;
    let mut teacher = preflight_teacher(&a, &p)?;
    let student = student(&a, &p, &teacher)?;
    let cached = cache(&a, &p, &mut teacher, &student)?;
    let Student {
        mut model,
        tokenizer,
        base,
        built_layers,
    } = student;
    let mut extra = super::objectives::Extra {
        hidden_mse: a.distill.hidden_mse,
        hidden_layer_map: a.distill.hidden_layer_map.clone().or(built_layers.clone()),
        attention_kd: a.distill.attention_kd,
        attention_layers: a.distill.attention_layers,
    };
    extra.resolve(&model.config, &teacher.loaded.model.config);
    let settings = resolved(&a.distill, built_layers, &extra);
    let summary = teacher.summary(a.distill.first_teacher(), cached.teacher_test);
    let out = {
        let kd = KdObjective {
            cache: &cached.cache,
            alpha: a.distill.alpha,
            temperature: a.distill.temperature,
            all_tokens: a.distill.kd_all_tokens,
        };
        // The teacher stays loaded only for the losses that run it on each batch.
        let teacher_model = if extra.needs_teacher() {
            Some(teacher.loaded.model)
        } else {
            drop(teacher.loaded);
            crate::util::release_free_memory();
            None
        };
        let objective =
            super::objectives::Combined::new(&kd, teacher_model.as_ref(), &model.config, &extra)?;
        trainer::train(trainer::TrainJob {
            name: "distill",
            model: &mut model,
            tokenizer: &tokenizer,
            train: &cached.train,
            dev: &p.data.dev,
            dev_examples: &cached.dev,
            objective: &objective,
            cfg: &a.cfg,
            run_dir: &a.out,
            resume: a.resume,
            faults: a.faults,
            dist: a.dist.as_deref(),
            progress: a.progress.as_ref(),
        })?
    };
    if !p.main {
        return Ok(None);
    }
    let origin = Origin {
        what: "a distilled student of",
        base_model: base,
        kd: Some(kd_text(&a.distill, &extra, &cached, &summary)),
        distill: Some(settings.to_table()?),
        other_teachers: cached.others,
        teacher: Some(summary),
        extra_seconds: cached.cache_seconds,
        data: p.data.summary,
    };
    Ok(Some(Finished {
        dir: a.out,
        cfg: a.cfg,
        outcome: out,
        origin,
        dev: p.data.dev,
        test: p.data.test,
    }))
}

/// The options checked, the output directory made, the data read.
struct Prepared {
    main: bool,
    device: tch::Device,
    data: crate::data::Loaded,
    data_labels: LabelSet,
    opt: TagOptions,
}

fn prepare(a: &DistillArgs) -> Result<Prepared> {
    a.cfg.validate()?;
    a.distill.validate()?;
    let dist = a.dist.as_deref();
    let main = dist.is_none_or(|d| d.is_main());
    if main {
        check_output_dir(&a.out)?;
    }
    tch::set_num_threads(a.cfg.threads as i32);
    let device = run_device(&a.cfg, dist);
    let data = a
        .data
        .load(a.cfg.max_train_sentences, a.cfg.max_dev_sentences)?
        .with_mention_replacement(a.cfg.mention_replacement, a.cfg.seed);
    let data_labels = corpus_labels(&data.train);
    Ok(Prepared {
        main,
        device,
        data,
        data_labels,
        opt: a.cfg.tag_options(),
    })
}

/// The teacher as preflight accepted it.
struct Teacher {
    loaded: Loaded,
    /// How it is scored: as it is meant to be applied (its own context and decoding).
    opt: TagOptions,
    dev_f1: f64,
}

impl Teacher {
    fn summary(&self, name: &str, test_f1: Option<f64>) -> TeacherSummary {
        TeacherSummary {
            name: name.to_string(),
            layers: self.loaded.model.config.layers,
            parameters: self.loaded.model.num_parameters(),
            dev_f1: self.dev_f1,
            test_f1: test_f1.unwrap_or(f64::NAN),
        }
    }
}

/// Rank 0 scores `t` on dev and tells the others (one process: itself).
fn dev_f1(
    t: &Loaded,
    dev: &Corpus,
    opt: &TagOptions,
    main: bool,
    dist: Option<&Dist>,
) -> Result<f64> {
    let f1 = if main {
        evaluate(&t.model, &t.tokenizer, dev, opt, Mode::Default)?
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
}

/// Preflight: labels by name, scheme, the teacher's own dev F1 (with and without a label map).
fn preflight_teacher(a: &DistillArgs, p: &Prepared) -> Result<Teacher> {
    let dist = a.dist.as_deref();
    let d = &a.distill;
    let tdir = hub::resolve(d.first_teacher())?;
    let mut teacher = load_dir(&tdir, Head::Keep, p.device)?;
    let own_labels = teacher.model.labels.clone();
    if let Some(m) = &d.label_map {
        teacher.model.labels =
            preflight::rename(&teacher.model.labels, &preflight::parse_label_map(m)?);
    }
    preflight::check_labels(&p.data_labels, &teacher.model.labels)?;
    let scheme = preflight::check_scheme(&p.data.train, &teacher.model.labels)?;
    let opt = Tagging::load(&tdir)?.map_or(p.opt, |t| t.apply(p.opt));
    let t_dev_f1 = dev_f1(&teacher, &p.data.dev, &opt, p.main, dist)?;
    if p.main {
        eprintln!(
            "[preflight] labels mapped by name:\n{}[preflight] data scheme {scheme} (trained as IOB2); teacher dev F1 {:.4}",
            preflight::mapping_table(&p.data_labels, &teacher.model.labels),
            t_dev_f1
        );
    }
    if d.label_map.is_some() && preflight::check_labels(&p.data_labels, &own_labels).is_ok() {
        // The teacher's own names already cover the data: score it without the map too. A map that
        // lowers its dev F1 renames labels by position (the seed card's mistake).
        let mapped = std::mem::replace(&mut teacher.model.labels, own_labels.clone());
        let own = dev_f1(&teacher, &p.data.dev, &opt, p.main, dist)?;
        teacher.model.labels = mapped;
        preflight::check_label_map_gain(own, t_dev_f1, &own_labels, &teacher.model.labels)?;
    }
    preflight::check_teacher_f1(
        t_dev_f1,
        d.min_teacher_f1,
        &p.data_labels,
        &teacher.model.labels,
    )?;
    Ok(Teacher {
        loaded: teacher,
        opt,
        dev_f1: t_dev_f1,
    })
}

struct Student {
    model: TokenClassifier,
    tokenizer: NerTokenizer,
    /// The card's base model: the given student, or the teacher it was built from.
    base: String,
    /// The teacher layers a built student starts from.
    built_layers: Option<Vec<usize>>,
}

/// The student: the given checkpoint (a head in the data's label order), or a DistilBERT-layout
/// one built from the teacher's layers.
fn student(a: &DistillArgs, p: &Prepared, teacher: &Teacher) -> Result<Student> {
    let t = &teacher.loaded;
    tch::manual_seed(a.cfg.seed as i64);
    match &a.distill.student {
        Some(s) => {
            let l = load_dir(
                &hub::resolve(s)?,
                // A new head is laid out in the data's label order, never the teacher's: the student
                // must not depend on how the teacher happens to number its labels.
                Head::ForLabels(&p.data_labels),
                p.device,
            )?;
            if l.tokenizer.inner.get_vocab(true) != t.tokenizer.inner.get_vocab(true) {
                bail!("the student's vocabulary differs from the teacher's; distillation needs the same tokenizer");
            }
            Ok(Student {
                model: l.model,
                tokenizer: l.tokenizer,
                base: s.clone(),
                built_layers: None,
            })
        }
        None => {
            let layers = a
                .distill
                .student_layers
                .clone()
                .unwrap_or_else(|| default_layers(t.model.config.layers as usize));
            if p.main {
                eprintln!("[distill] student: DistilBERT layout from teacher layers {layers:?}");
            }
            Ok(Student {
                model: build_student(&t.model, &layers)?,
                tokenizer: t.tokenizer.clone(),
                base: a.distill.first_teacher().to_string(),
                built_layers: Some(layers),
            })
        }
    }
}

/// The examples and every teacher's logits over them, cached once.
struct Cached {
    train: Vec<Example>,
    dev: Vec<Example>,
    cache: TeacherCache,
    others: Vec<TeacherSummary>,
    cache_seconds: f64,
    /// The card's words for the teacher's document context, when it differs from the student's.
    context_text: String,
    /// The card's words for the transfer set, when there is one.
    transfer_text: String,
    teacher_test: Option<f64>,
}

/// Examples for the student's windows, the teacher's test F1 (fp32), then the teachers' logits in the
/// run's precision (plus a transfer set's).
fn cache(
    a: &DistillArgs,
    p: &Prepared,
    teacher: &mut Teacher,
    student: &Student,
) -> Result<Cached> {
    let dist = a.dist.as_deref();
    let (train_c, dev_c, test_c) = (&p.data.train, &p.data.dev, p.data.test.as_ref());
    let t = &mut teacher.loaded;
    let col_map = preflight::check_labels(&student.model.labels, &t.model.labels)?;
    let win = p.opt.fit(&student.model).fit(&t.model);
    let (mut train, dev) = prepare_splits(
        train_c,
        dev_c,
        &student.tokenizer,
        &student.model.labels,
        &win,
        a.cfg.label_all_subtokens,
    )?;
    let teacher_test = test_c
        .filter(|_| p.main)
        .map(|c| evaluate(&t.model, &t.tokenizer, c, &teacher.opt, Mode::Default).map(|r| r.0.f1))
        .transpose()?;
    // Reported teacher scores come from fp32 (above); the cache takes the run's precision, as the
    // student's own products do.
    t.model.set_inference_precision(a.cfg.precision(p.device))?;
    let transfer = if a.transfer.is_empty() {
        None
    } else {
        let tr = super::transfer::load(
            &a.transfer,
            &student.tokenizer,
            &student.model.labels,
            &win,
            a.cfg.label_all_subtokens,
            train_c.sentences.len(),
        )?;
        if p.main {
            eprintln!(
                "[distill] transfer set: {} sentences ({} examples) from {} part(s), trained on beside {} labelled sentences",
                tr.sentences,
                tr.examples.len(),
                tr.files.len(),
                train_c.sentences.len()
            );
        }
        Some(tr)
    };
    let labelled = train.len();
    if let Some(tr) = &transfer {
        train.extend(tr.examples.iter().cloned());
    }
    if let Some(d) = dist {
        // Before the cache's collectives, which assume the same examples everywhere.
        d.agree("data", &crate::train::batches::digest(&train, &dev))?;
    }
    let t0 = std::time::Instant::now();
    let windows = StudentWindows {
        corpus: train_c,
        examples: &train[..labelled],
        tokenizer: &student.tokenizer,
        labels: &student.model.labels,
        win,
        all_subtokens: a.cfg.label_all_subtokens,
        kd_all_tokens: a.distill.kd_all_tokens,
    };
    let teacher_context = a.distill.teacher_context.unwrap_or(teacher.opt.context);
    let first = teacher_cache(
        &TeacherRun {
            model: &t.model,
            col_map: &col_map,
            context: teacher_context,
            batch_size: a.cfg.eval_batch_size,
            dist,
        },
        &windows,
    )?;
    let (mut cache, others) = if a.distill.teachers.len() < 2 {
        (first, Vec::new())
    } else {
        let mut caches = vec![first];
        let mut others = Vec::new();
        for name in &a.distill.teachers[1..] {
            let (c, summary) = super::ensemble::member_cache(
                name,
                &super::ensemble::Member {
                    student_labels: &student.model.labels,
                    data_labels: &p.data_labels,
                    windows: &windows,
                    teacher_context: a.distill.teacher_context,
                    dev: dev_c,
                    test: test_c.filter(|_| p.main),
                    opt: p.opt,
                    cfg: &a.cfg,
                    min_teacher_f1: a.distill.min_teacher_f1,
                    device: p.device,
                    dist,
                },
            )?;
            if p.main {
                eprintln!(
                    "[distill] teacher {name}: dev F1 {:.4}, logits cached",
                    summary.dev_f1
                );
            }
            caches.push(c);
            others.push(summary);
        }
        (
            TeacherCache::ensemble(caches, a.distill.temperature),
            others,
        )
    };
    let cache_seconds = t0.elapsed().as_secs_f64();
    let context_text = if teacher_context == win.context {
        String::new()
    } else {
        format!(
            "; the teacher read {teacher_context} sub-tokens of document context per side, the student {}",
            win.context
        )
    };
    let transfer_text = match transfer {
        Some(tr) => {
            let text = format!(
                "; plus a soft-label transfer set of {} unlabelled sentences ({}), the teacher's top-k probabilities as KD targets and its tags as CE targets",
                tr.sentences,
                a.transfer.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
            );
            cache.extend(tr.logits, p.device);
            text
        }
        None => String::new(),
    };
    if p.main {
        eprintln!(
            "[distill] teacher logits cached for {} examples in {cache_seconds:.1}s ({:.1} MB)",
            cache.len(),
            cache.bytes() as f64 / 1e6
        );
    }
    Ok(Cached {
        train,
        dev,
        cache,
        others,
        cache_seconds,
        context_text,
        transfer_text,
        teacher_test,
    })
}

/// The settings as the run used them: the defaults it filled in (the student's layers, the layer
/// maps of the terms that are on) written out, so the saved config says what happened.
fn resolved(
    d: &DistillConfig,
    built_layers: Option<Vec<usize>>,
    extra: &super::objectives::Extra,
) -> DistillConfig {
    let mut r = d.clone();
    if r.student.is_none() {
        r.student_layers = built_layers;
    }
    if extra.hidden_mse > 0.0 {
        r.hidden_layer_map = extra.hidden_layer_map.clone();
    }
    if extra.attention_kd > 0.0 {
        r.attention_layers = extra.attention_layers;
    }
    r
}

/// The card's account of the objective and the teachers.
fn kd_text(
    d: &DistillConfig,
    extra: &super::objectives::Extra,
    cached: &Cached,
    teacher: &TeacherSummary,
) -> String {
    let text = format!(
        "loss = {a}·KL(teacher‖student)·T² + {b}·CE, T = {t}, over {} sub-tokens{}; teacher logits cached once ({:.0} s){}{}",
        if d.kd_all_tokens { "all real" } else { "labelled" },
        extra.describe(),
        cached.cache_seconds,
        cached.context_text,
        cached.transfer_text,
        a = d.alpha,
        b = 1.0 - d.alpha,
        t = d.temperature
    );
    if cached.others.is_empty() {
        return text;
    }
    let all: Vec<String> = std::iter::once(teacher)
        .chain(&cached.others)
        .map(|t| {
            format!(
                "{} (dev F1 {:.4}, test F1 {:.4})",
                t.name, t.dev_f1, t.test_f1
            )
        })
        .collect();
    format!(
        "{text}; KD target: the mean of {} teachers' softened distributions: {}",
        all.len(),
        all.join(", ")
    )
}
