//! `distilner compile --model RUN_DIR`: compile a model ahead of time with PyTorch's own compiler
//! (torch.export + AOTInductor), once; `predict`, `eval`, `serve` and the Python `Tagger` then run
//! the packages on the CPU in the precision they run at (`--engine auto`, the default, or
//! `compiled`): fp32, bf16 where the CPU has native bf16, int8 where it has int8 dot products.
use anyhow::Result;
use distilner::data::DataRef;
use distilner::export::compiled::{checked_against, compile, manifest_for, CompileOptions};
use distilner::model::precision::{cpu_has_any, native_bf16};
use distilner::model::{hub, Precision};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Model directory (a run directory or any HF token-classification directory; the package is
    /// written into it as compiled/ and compiled.json).
    #[arg(long)]
    model: String,
    /// The Python with torch (the version distilner's libtorch is) and transformers: ./setup.sh's.
    #[arg(long, default_value = ".venv/bin/python")]
    python: PathBuf,
    /// Largest batch (rows) the package takes; larger batches run eager.
    #[arg(long, default_value_t = 1024)]
    max_batch: i64,
    /// Skip Inductor's max-autotune (which times its own C++ GEMMs against the BLAS library's for
    /// each shape: minutes, and the faster package) for its default lowering (tens of seconds).
    #[arg(long)]
    no_autotune: bool,
    /// Example batches (ROWSxLENGTH) max-autotune tunes a package for, one package each: its
    /// GEMM choices follow the example's row count, so one tuned for single sentences loses on
    /// batches of 32 and the other way round.
    #[arg(long, num_args = 1.., default_values = ["2x16", "32x40"], value_parser = parse_shape)]
    tune_for: Vec<[i64; 2]>,
    /// Skip timing eager and each package at batches of 1 to 64 rows: every batch the packages
    /// take then runs on the first package. By default each batch size runs on whichever engine
    /// was fastest for it (on an idle machine).
    #[arg(long)]
    no_measure: bool,
    /// Threads the compiler tunes for (and libtorch uses while checking the package).
    #[arg(long, default_value_t = 2)]
    threads: i32,
    /// Precisions to compile, one set of packages each (fp32, bf16, int8). Default: fp32; bf16 where
    /// the CPU has native bf16 (AVX512-BF16 / AMX: Inductor's bf16 micro-GEMMs use the tiles); int8
    /// where it has int8 dot products (VNNI / AMX).
    #[arg(long, num_args = 1..)]
    precision: Vec<String>,
    /// int8: the data whose first 512 sentences set the activation scales (static quantization): a
    /// CoNLL file, a .parquet/.arrow/.jsonl/.json file, a dataset directory or a hub id.
    #[arg(long, default_value = "../shared/data/conll2003")]
    calibration_data: String,
    #[arg(long, default_value = "validation")]
    calibration_split: String,
    #[command(flatten)]
    read: crate::data_flags::ReadFlags,
}

pub fn run(a: Args) -> Result<()> {
    tch::set_num_threads(a.threads);
    let dir = hub::resolve(&a.model)?;
    eprintln!(
        "[compile] {}: torch.export + AOTInductor{} (a minute or more)",
        dir.display(),
        if a.no_autotune {
            ""
        } else {
            " with max-autotune"
        }
    );
    let chosen = a.precision.is_empty();
    let precisions: Vec<Precision> = if chosen {
        let mut v = vec![Precision::Fp32];
        if native_bf16(tch::Device::Cpu) {
            v.push(Precision::Bf16);
        }
        if cpu_has_any(&["avx512_vnni", "amx_int8", "avx_vnni"]) {
            v.push(Precision::Int8);
        }
        v
    } else {
        a.precision
            .iter()
            .map(|p| Precision::parse(p, tch::Device::Cpu))
            .collect::<distilner::Result<_>>()?
    };
    for precision in precisions {
        let calibration = if precision == Precision::Int8 {
            let what = format!("{} ({})", a.calibration_data, a.calibration_split);
            match DataRef::new(&a.calibration_data, &a.calibration_split).load(&a.read.options()) {
                Ok(c) => Some((c.sentences.into_iter().map(|s| s.words).collect(), what)),
                // int8 was not asked for: the other precisions' packages stand.
                Err(e) if chosen => {
                    eprintln!("[compile] no int8 package: its calibration data {what} did not load ({e}); pass --calibration-data");
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
        } else {
            None
        };
        let o = CompileOptions {
            python: a.python.clone(),
            max_batch: a.max_batch,
            autotune: !a.no_autotune,
            tune_for: a.tune_for.clone(),
            measure: !a.no_measure,
            threads: a.threads,
            precision,
            calibration,
        };
        let m = compile(&dir, &o)?;
        report(&dir, &m, precision);
    }
    if dir.join(distilner::infer::precision::FILE).exists() {
        println!(
            "{} was measured before these packages: `distilner precision --model {}` times each precision on the engine it now runs on",
            dir.join(distilner::infer::precision::FILE).display(),
            dir.display()
        );
    }
    Ok(())
}

fn report(dir: &std::path::Path, m: &distilner::export::compiled::Manifest, p: Precision) {
    for pk in &m.packages {
        println!(
            "{}: tuned for {}x{}, compiled in {:.0} s, logits within {:.1e} of distilner's {} over {} padded rows",
            dir.join(&pk.file).display(),
            pk.tuned_for[0],
            pk.tuned_for[1],
            pk.compile_seconds,
            pk.max_abs_diff,
            checked_against(p).name(),
            m.checked_rows
        );
    }
    if let Some(c) = &m.calibration {
        println!("{} activation scales calibrated on {c}", p.name());
    }
    for t in &m.timings {
        let ms: Vec<String> = t.ms.iter().map(|(k, v)| format!("{k} {v:.2}")).collect();
        println!(
            "{} batch {}x{}: ms per call {}",
            p.name(),
            t.batch,
            t.length,
            ms.join(", ")
        );
    }
    for r in &m.routes {
        match r.up_to_tokens {
            Some(n) => println!("{} route: up to {n} positions -> {}", p.name(), r.engine),
            None => println!("{} route: larger -> {}", p.name(), r.engine),
        }
    }
    println!(
        "wrote {} (torch {}, {} kernels, batch 1-{}, length 2-{}; routes {})",
        dir.join(manifest_for(p)).display(),
        m.torch,
        m.vec_isa,
        m.max_batch,
        m.max_len,
        m.routing
    );
}

/// `ROWSxLENGTH`, e.g. 2x16 (the exporter needs at least 2 rows and 2 positions).
fn parse_shape(s: &str) -> std::result::Result<[i64; 2], String> {
    let bad = || format!("{s:?}: give ROWSxLENGTH, e.g. 2x16, with both at least 2");
    let (b, t) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let (b, t) = (
        b.trim().parse().map_err(|_| bad())?,
        t.trim().parse().map_err(|_| bad())?,
    );
    if b < 2 || t < 2 {
        return Err(bad());
    }
    Ok([b, t])
}
