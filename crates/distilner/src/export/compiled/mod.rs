//! `distilner compile`: a run directory compiled once, ahead of time, by PyTorch's own compiler —
//! `torch.export` of the model as transformers loads it, AOTInductor's C++ kernels with the weights
//! frozen and prepacked — into packages under `compiled/`, one per example shape max-autotune tunes
//! for, each checked against distilner's eager logits; then which engine is fastest for which batch
//! size is measured, and `compiled.json` records it all. The inference commands then run them
//! (`infer::engine`). The compiler is Python's (the venv's torch, the very version libtorch here
//! is); running needs none.
mod manifest;
mod measure;

pub use manifest::{
    dir_for, libtorch_version, manifest_for, weights_sha256, Manifest, Package, RouteRecord,
    Timing, DIR, MANIFEST,
};
pub use measure::{routes_from, EAGER};

use crate::model::aoti::{AotiError, CompiledModel};
use crate::model::{load_model, Head, Precision, TokenClassifier};
use crate::tokenize::{pad_batch, NerTokenizer};
use crate::Result;
use anyhow::{anyhow, Context};
use std::path::{Path, PathBuf};
use std::process::Command;
use tch::{Device, Kind, Tensor};

const SCRIPT: &str = include_str!("aoti_compile.py");
/// fp32 packages' logits must match distilner's eager fp32 ones this closely (measured: 2e-5 on the
/// main job's models; reordered fp32 sums, not a different model).
pub const TOLERANCE: f64 = 1e-3;
/// bf16 packages run the whole model in bf16 as transformers does (distilner's eager bf16 keeps
/// LayerNorm and softmax in fp32), so their logits may differ by this share of the largest eager
/// logit (measured on the main job's student: 0.7% against fp32). What decides whether bf16 is good
/// enough is dev F1: `distilner precision` measures it on the engine that will run.
pub const BF16_TOLERANCE_OF_SCALE: f64 = 0.03;
/// int8 packages quantize every Linear statically (activation scales calibrated once on real
/// text), so on the check's random ids, outside what was calibrated, their logits may differ from
/// eager fp32's by this share of the largest eager logit (measured on the main job's student: 0.18;
/// a wrong weight moves them by the whole scale). Dev F1 decides, as for bf16 (`distilner precision`).
pub const INT8_TOLERANCE_OF_SCALE: f64 = 0.3;
/// Calibration batches: rows each, and sentences at most (in file order, so lengths mix).
const CALIBRATION_BATCH: usize = 32;
const CALIBRATION_SENTENCES: usize = 512;
/// Row lengths of the padded check batch (each capped at the model's longest window).
const CHECK_LENGTHS: [i64; 5] = [2, 5, 17, 40, i64::MAX];

#[derive(Debug, Clone)]
pub struct CompileOptions {
    /// The Python with torch (the version libtorch here is) and transformers (./setup.sh's .venv).
    pub python: PathBuf,
    /// Largest batch (rows) the packages take (larger ones run eager).
    pub max_batch: i64,
    /// Inductor's max-autotune: benchmarks its C++ GEMM templates against the library's for the
    /// example's shapes (minutes; the faster packages), else its default lowering (tens of seconds).
    pub autotune: bool,
    /// The example batches (rows, length) to tune a package for, one package each; without
    /// autotune only the first is compiled (the example then changes nothing).
    pub tune_for: Vec<[i64; 2]>,
    /// Time eager and each package per batch size and route each size to the fastest; else every
    /// batch the packages take runs on the first.
    pub measure: bool,
    pub threads: i32,
    /// What the packages compute in: fp32, bf16 (AMX / AVX512-BF16 micro-GEMMs where the CPU
    /// has them), or int8 (static: needs `calibration`).
    pub precision: Precision,
    /// int8 only: sentences (words) whose activations set the quantization scales, and what they
    /// are (for the manifest).
    pub calibration: Option<(Vec<Vec<String>>, String)>,
}

/// The eager precision a package's logits are checked against: int8 packages against fp32 (eager
/// int8 is dynamic, a different approximation), the others against their own.
pub fn checked_against(p: Precision) -> Precision {
    match p {
        Precision::Int8 => Precision::Fp32,
        p => p,
    }
}

/// Compile the model in `dir`, check each package against distilner's eager forward, measure the
/// routes, and record them. The previous packages stay until the new ones are checked.
pub fn compile(dir: &Path, o: &CompileOptions) -> Result<Manifest> {
    let p = o.precision;
    if !matches!(p, Precision::Fp32 | Precision::Bf16 | Precision::Int8) {
        fail!(
            "compile makes fp32, bf16 and int8 packages; {} runs eager (use --precision fp32, bf16 or int8)",
            p.name()
        );
    }
    if p == Precision::Int8 && o.calibration.is_none() {
        fail!("an int8 package needs calibration sentences (CompileOptions::calibration)");
    }
    let (mut model, _) = load_model(dir, Head::Keep, Device::Cpu)?;
    model.set_inference_precision(checked_against(p))?;
    let sha = weights_sha256(dir)?;
    let max_len = model.config.max_position;
    let shapes: Vec<[i64; 2]> = match (o.autotune, o.tune_for.first()) {
        (_, None) => vec![[2, 16]],
        (false, Some(&s)) => vec![s],
        (true, _) => o.tune_for.clone(),
    };
    let sub = dir_for(p);
    let work = dir.join(format!("{sub}.partial"));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    let name = |[b, t]: [i64; 2]| format!("model-cpu-{}-{b}x{t}.pt2", p.name());
    // The calibration file, and what it holds (for the manifest).
    let calibration = match (p, &o.calibration) {
        (Precision::Int8, Some((sentences, what))) => Some(
            write_calibration(dir, &work, sentences, max_len)
                .map(|(path, n)| (path, format!("{n} sentences of {what}"))),
        ),
        _ => None,
    }
    .transpose()
    .inspect_err(|_| {
        let _ = std::fs::remove_dir_all(&work);
    })?;
    let file = calibration.as_ref().map(|(path, _)| path.as_path());
    let info = run_python(dir, &work, &shapes, name, max_len, file, o).inspect_err(|_| {
        let _ = std::fs::remove_dir_all(&work);
    })?;
    if let Some(f) = file {
        let _ = std::fs::remove_file(f);
    }
    let s = |k: &str| info[k].as_str().unwrap_or("unknown").to_string();
    let mut loaded = Vec::new();
    let mut packages = Vec::new();
    for (i, &shape) in shapes.iter().enumerate() {
        let c = CompiledModel::load(&work.join(name(shape)), 1, o.max_batch, max_len)?;
        let (diff, scale) = check(&model, &c, max_len);
        let tolerance = match p {
            Precision::Fp32 => TOLERANCE,
            Precision::Int8 => INT8_TOLERANCE_OF_SCALE * scale,
            _ => BF16_TOLERANCE_OF_SCALE * scale,
        };
        if diff > tolerance {
            let _ = std::fs::remove_dir_all(&work);
            return Err(AotiError::Mismatch {
                dir: dir.to_path_buf(),
                diff,
                tolerance,
            }
            .into());
        }
        packages.push(Package {
            file: format!("{sub}/{}", name(shape)),
            tuned_for: shape,
            compile_seconds: info["packages"][i]["seconds"].as_f64().unwrap_or(f64::NAN),
            max_abs_diff: diff,
            attention: info["packages"][i]["attention"].as_str().map(String::from),
        });
        loaded.push(c);
    }
    // Routes race the packages against what would run otherwise: eager at this precision.
    model.set_inference_precision(p)?;
    let (routes, timings, routing) = if o.measure {
        let named: Vec<(String, &CompiledModel)> = packages
            .iter()
            .map(|p| p.file.clone())
            .zip(&loaded)
            .collect();
        let timings = measure::measure(&model, &named, o.max_batch);
        (routes_from(&timings), timings, "measured".to_string())
    } else {
        let first = RouteRecord {
            up_to_tokens: None,
            engine: packages[0].file.clone(),
        };
        (
            vec![first],
            vec![],
            "the first package for every batch".to_string(),
        )
    };
    drop(loaded);
    // Swap in the checked packages: the old manifest goes first, so no moment pairs it with new files.
    let _ = std::fs::remove_file(dir.join(manifest_for(p)));
    let _ = std::fs::remove_dir_all(dir.join(&sub));
    std::fs::rename(&work, dir.join(&sub))?;
    let m = Manifest {
        device: "cpu".into(),
        precision: p.name().into(),
        weights_sha256: sha,
        torch: s("torch"),
        transformers: s("transformers"),
        vec_isa: s("vec_isa"),
        arch_flags: info["arch_flags"].as_str().unwrap_or_default().to_string(),
        cpu: crate::util::hardware(Device::Cpu),
        max_batch: o.max_batch,
        max_len,
        autotune: o.autotune,
        inductor_configs: serde_json::from_value(info["inductor_configs"].clone())
            .unwrap_or_default(),
        attention: info["attention"].as_str().map(String::from),
        threads: o.threads,
        packages,
        checked_rows: CHECK_LENGTHS.len() + 1,
        routes,
        routing,
        timings,
        calibration: calibration.map(|(_, what)| what),
        created: chrono::Local::now().to_rfc3339(),
    };
    m.save(dir)?;
    Ok(m)
}

/// The first `CALIBRATION_SENTENCES` sentences, encoded with the model's tokenizer (cut to its
/// positions) and padded in batches, as `ids.N` / `mask.N` in a safetensors file the Python half
/// reads; and how many sentences it holds.
fn write_calibration(
    dir: &Path,
    work: &Path,
    sentences: &[Vec<String>],
    max_len: i64,
) -> Result<(PathBuf, usize)> {
    let tok = NerTokenizer::from_dir(dir)?;
    let max = max_len.min(512) as usize;
    let rows = sentences
        .iter()
        .filter(|s| !s.is_empty())
        .take(CALIBRATION_SENTENCES)
        .map(|w| tok.encode_row(w, max))
        .collect::<Result<Vec<Vec<i64>>>>()?;
    if rows.is_empty() {
        fail!("no calibration sentences: int8 packages need some (--calibration-data)");
    }
    let mut named = Vec::new();
    for (i, chunk) in rows.chunks(CALIBRATION_BATCH).enumerate() {
        let refs: Vec<&[i64]> = chunk.iter().map(|r| r.as_slice()).collect();
        let (ids, mask) = pad_batch(&refs, tok.pad_id, Device::Cpu);
        named.push((format!("ids.{i}"), ids));
        named.push((format!("mask.{i}"), mask));
    }
    let path = work.join("calibration.safetensors");
    Tensor::write_safetensors(&named, &path)?;
    Ok((path, rows.len()))
}

/// Run the Python half; its JSON line.
fn run_python(
    dir: &Path,
    work: &Path,
    shapes: &[[i64; 2]],
    name: impl Fn([i64; 2]) -> String,
    max_len: i64,
    calibration: Option<&Path>,
    o: &CompileOptions,
) -> Result<serde_json::Value> {
    let script = tempfile::Builder::new().suffix(".py").tempfile()?;
    std::fs::write(script.path(), SCRIPT)?;
    let outs = shapes
        .iter()
        .map(|&s| format!("{}:{}x{}", work.join(name(s)).display(), s[0], s[1]));
    let run = Command::new(&o.python)
        .arg(script.path())
        .arg(dir)
        .args([
            o.max_batch.to_string(),
            max_len.to_string(),
            (o.autotune as u8).to_string(),
            o.threads.to_string(),
            match o.precision {
                Precision::Bf16 => "bfloat16",
                Precision::Int8 => "int8",
                _ => "float32",
            }
            .to_string(),
            // The packages' attention as eager's at this precision (int8: bf16 where native).
            match o.precision.attention_kind() {
                Kind::BFloat16 => "bfloat16",
                _ => "float32",
            }
            .to_string(),
        ])
        .arg(calibration.map_or("-".into(), |c| c.as_os_str().to_owned()))
        .args(outs)
        .env("OMP_NUM_THREADS", o.threads.to_string())
        .output()
        .with_context(|| {
            format!(
                "cannot run {} (run ./setup.sh, or pass --python with torch {} and transformers)",
                o.python.display(),
                libtorch_version()
            )
        })?;
    if !run.status.success() {
        let stderr = String::from_utf8_lossy(&run.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        return Err(AotiError::Compile {
            dir: dir.to_path_buf(),
            status: run.status.to_string(),
            tail: lines[lines.len().saturating_sub(15)..].join("\n"),
        }
        .into());
    }
    let stdout = String::from_utf8_lossy(&run.stdout);
    Ok(stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .ok_or_else(|| anyhow!("the compile script printed no result:\n{stdout}"))?)
}

/// Largest |logit difference| between a package and the eager model over real positions of a
/// padded batch (`CHECK_LENGTHS`, capped at the longest window) and a batch of one; and the
/// largest |eager logit| there.
fn check(model: &TokenClassifier, compiled: &CompiledModel, max_len: i64) -> (f64, f64) {
    let _g = tch::no_grad_guard();
    tch::manual_seed(0);
    let vocab = model.config.vocab_size;
    let rows: Vec<Vec<i64>> = CHECK_LENGTHS
        .iter()
        .map(|&n| n.min(max_len))
        .map(|n| {
            Vec::<i64>::try_from(Tensor::randint_low(
                1,
                vocab,
                [n],
                (Kind::Int64, Device::Cpu),
            ))
            .unwrap_or_default()
        })
        .collect();
    let (mut worst, mut scale) = (0f64, 0f64);
    let batches: [Vec<&[i64]>; 2] = [
        rows.iter().map(|r| r.as_slice()).collect(),
        vec![rows[2].as_slice()],
    ];
    for b in &batches {
        // Padding positions are masked out of attention and of the comparison: any id will do.
        let (ids, mask) = pad_batch(b, 0, Device::Cpu);
        let eager = model.forward(&ids, &mask, false, false).logits;
        let aot = compiled.logits(&ids, &mask);
        let real = mask.to_kind(Kind::Bool).unsqueeze(-1);
        let off = real.logical_not();
        scale = scale.max(eager.abs().masked_fill(&off, 0.0).max().double_value(&[]));
        let d = (eager - aot).abs().masked_fill(&off, 0.0);
        worst = worst.max(d.max().double_value(&[]));
    }
    (worst, scale)
}
