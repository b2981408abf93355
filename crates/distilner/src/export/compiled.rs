//! `distilner compile`: a run directory compiled once, ahead of time, by PyTorch's own compiler —
//! `torch.export` of the model as transformers loads it, AOTInductor's C++ kernels with the weights
//! frozen and prepacked — into `compiled/model-cpu-fp32.pt2`, with `compiled.json` saying what it was
//! compiled from and checked against. The inference commands then run it (`infer::engine`). The
//! compiler is Python's (the venv's torch, the very version libtorch here is); running needs none.
use crate::model::aoti::{AotiError, CompiledModel};
use crate::model::{load_model, Head, TokenClassifier};
use crate::tokenize::pad_batch;
use crate::Result;
use anyhow::{anyhow, Context};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;
use tch::{Device, Kind, Tensor};

pub const MANIFEST: &str = "compiled.json";
pub const PACKAGE: &str = "compiled/model-cpu-fp32.pt2";
const SCRIPT: &str = include_str!("aoti_compile.py");
/// The compiled logits must match distilner's eager fp32 ones this closely (measured: 2e-5 on the
/// main job's student; reordered fp32 sums, not a different model).
pub const TOLERANCE: f64 = 1e-3;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// The package, relative to the run directory.
    pub package: String,
    pub device: String,
    pub precision: String,
    /// Of config.json then model.safetensors: a package is its weights, frozen.
    pub weights_sha256: String,
    /// The torch that compiled it; libtorch must be the same version to run it.
    pub torch: String,
    pub transformers: String,
    /// The vector instruction set Inductor generated code for (e.g. avx2, avx512).
    pub vec_isa: String,
    pub cpu: String,
    pub max_batch: i64,
    pub max_len: i64,
    pub autotune: bool,
    pub threads: i32,
    pub compile_seconds: f64,
    /// Largest |logit difference| from distilner's eager fp32 over `checked_rows` padded rows.
    pub max_abs_diff: f64,
    pub checked_rows: usize,
    pub created: String,
}

#[derive(Debug, Clone)]
pub struct CompileOptions {
    /// The Python with torch (the version libtorch here is) and transformers (./setup.sh's .venv).
    pub python: PathBuf,
    /// Largest batch the package takes (larger ones run eager).
    pub max_batch: i64,
    /// Inductor's max-autotune: benchmarks its C++ GEMM templates against the library's per shape
    /// (minutes; the faster package), else its default lowering (tens of seconds).
    pub autotune: bool,
    pub threads: i32,
}

/// sha256 over the files that make the model: a package is stale when either changed.
pub fn weights_sha256(dir: &Path) -> Result<String> {
    let mut h = Sha256::new();
    for f in ["config.json", "model.safetensors"] {
        let p = dir.join(f);
        let mut r =
            std::fs::File::open(&p).with_context(|| format!("cannot read {}", p.display()))?;
        std::io::copy(&mut r, &mut h).with_context(|| format!("cannot read {}", p.display()))?;
    }
    Ok(format!("{:x}", h.finalize()))
}

/// The libtorch this binary runs, as torch names its version (`2.11.0+cu130`).
pub fn libtorch_version() -> &'static str {
    env!("DISTILNER_LIBTORCH_VERSION")
}

/// Where `vec_isa` runs: the cpuinfo flags Inductor's own ISA check asks for.
fn cpu_runs(vec_isa: &str) -> bool {
    use crate::model::precision::cpu_has_any;
    let all = |fs: &[&str]| fs.iter().all(|f| cpu_has_any(&[f]));
    match vec_isa {
        "avx2" => all(&["avx2", "fma"]),
        "avx512" => all(&["avx512f", "avx512bw", "avx512dq", "avx512vl"]),
        "amx" => all(&["avx512f", "amx_tile", "amx_bf16"]),
        // Inductor's scalar fallback runs anywhere.
        "" | "None" | "invalid vec isa" => true,
        _ => false,
    }
}

impl Manifest {
    pub fn load(dir: &Path) -> Result<Option<Manifest>> {
        let p = dir.join(MANIFEST);
        if !p.exists() {
            return Ok(None);
        }
        let m = serde_json::from_str(&std::fs::read_to_string(&p)?).with_context(|| {
            format!(
                "{}: not a compiled-model manifest; delete it or run `distilner compile` again",
                p.display()
            )
        })?;
        Ok(Some(m))
    }

    /// Why the package cannot stand in for the model in `dir` on `device` here (None: it can).
    pub fn unusable(&self, dir: &Path, device: Device) -> Result<Option<String>> {
        let why = if device.is_cuda() {
            "it was compiled for the CPU and this run is on CUDA".to_string()
        } else if self.torch != libtorch_version() {
            format!(
                "it was compiled by torch {} and this binary runs libtorch {}",
                self.torch,
                libtorch_version()
            )
        } else if !cpu_runs(&self.vec_isa) {
            format!("its kernels use {} and this CPU lacks it", self.vec_isa)
        } else if !dir.join(&self.package).exists() {
            format!("{} is missing", dir.join(&self.package).display())
        } else if weights_sha256(dir)? != self.weights_sha256 {
            "config.json or model.safetensors changed since it was compiled".to_string()
        } else {
            return Ok(None);
        };
        Ok(Some(why))
    }
}

/// Compile the model in `dir`, check the package against distilner's eager forward, and record it.
pub fn compile(dir: &Path, o: &CompileOptions) -> Result<Manifest> {
    let (model, _) = load_model(dir, Head::Keep, Device::Cpu)?;
    let model = &model;
    let sha = weights_sha256(dir)?;
    let max_len = model.config.max_position;
    let out = dir.join(PACKAGE);
    std::fs::create_dir_all(out.parent().expect("PACKAGE has a directory"))?;
    let partial = out.with_extension("partial.pt2");
    let script = tempfile::Builder::new().suffix(".py").tempfile()?;
    std::fs::write(script.path(), SCRIPT)?;
    let run = Command::new(&o.python)
        .arg(script.path())
        .arg(dir)
        .arg(&partial)
        .args([
            o.max_batch.to_string(),
            max_len.to_string(),
            (o.autotune as u8).to_string(),
            o.threads.to_string(),
        ])
        .env("OMP_NUM_THREADS", o.threads.to_string())
        .output()
        .with_context(|| {
            format!(
                "cannot run {} (run ./setup.sh, or pass --python with torch {} and transformers)",
                o.python.display(),
                libtorch_version()
            )
        })?;
    let stderr = String::from_utf8_lossy(&run.stderr);
    if !run.status.success() {
        let _ = std::fs::remove_file(&partial);
        let tail: Vec<&str> = stderr.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(AotiError::Compile {
            dir: dir.to_path_buf(),
            status: run.status.to_string(),
            tail: tail.join("\n"),
        }
        .into());
    }
    let stdout = String::from_utf8_lossy(&run.stdout);
    let info: serde_json::Value = stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .ok_or_else(|| anyhow!("the compile script printed no result:\n{stdout}"))?;
    let s = |k: &str| info[k].as_str().unwrap_or("unknown").to_string();
    let compiled = CompiledModel::load(&partial, 1, o.max_batch, max_len)?;
    let (diff, rows) = check(model, &compiled, max_len);
    drop(compiled);
    if diff > TOLERANCE {
        let _ = std::fs::remove_file(&partial);
        return Err(AotiError::Mismatch {
            dir: dir.to_path_buf(),
            diff,
            tolerance: TOLERANCE,
        }
        .into());
    }
    std::fs::rename(&partial, &out)?;
    let m = Manifest {
        package: PACKAGE.into(),
        device: "cpu".into(),
        precision: "fp32".into(),
        weights_sha256: sha,
        torch: s("torch"),
        transformers: s("transformers"),
        vec_isa: s("vec_isa"),
        cpu: crate::util::hardware(Device::Cpu),
        max_batch: o.max_batch,
        max_len,
        autotune: o.autotune,
        threads: o.threads,
        compile_seconds: info["compile_seconds"].as_f64().unwrap_or(f64::NAN),
        max_abs_diff: diff,
        checked_rows: rows,
        created: chrono::Local::now().to_rfc3339(),
    };
    let p = dir.join(MANIFEST);
    std::fs::write(&p, serde_json::to_string_pretty(&m)? + "\n")
        .with_context(|| format!("cannot write {}", p.display()))?;
    Ok(m)
}

/// Largest |logit difference| between the package and the eager model over real positions of a
/// padded batch (lengths 2 to the longest window) and a batch of one, and how many rows that was.
fn check(model: &TokenClassifier, compiled: &CompiledModel, max_len: i64) -> (f64, usize) {
    let _g = tch::no_grad_guard();
    tch::manual_seed(0);
    let vocab = model.config.vocab_size;
    let lens = [2, 5, 17, 40.min(max_len), max_len];
    let rows: Vec<Vec<i64>> = lens
        .iter()
        .map(|&n| {
            Vec::<i64>::try_from(Tensor::randint_low(
                1,
                vocab,
                [n],
                (Kind::Int64, Device::Cpu),
            ))
            .unwrap_or_default()
        })
        .collect();
    let mut worst = 0f64;
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
        let d = (eager - aot).abs().masked_fill(&real.logical_not(), 0.0);
        worst = worst.max(d.max().double_value(&[]));
    }
    (worst, rows.len() + 1)
}
