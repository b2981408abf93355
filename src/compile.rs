//! `distilner compile --model RUN_DIR`: compile a model ahead of time with PyTorch's own compiler
//! (torch.export + AOTInductor), once; `predict`, `eval`, `serve` and the Python `Tagger` then run
//! the package in fp32 on the CPU (`--engine auto`, the default, or `compiled`).
use anyhow::Result;
use distilner::export::compiled::{compile, CompileOptions};
use distilner::model::hub;
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
    /// Threads the compiler tunes for (and libtorch uses while checking the package).
    #[arg(long, default_value_t = 2)]
    threads: i32,
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
    let o = CompileOptions {
        python: a.python,
        max_batch: a.max_batch,
        autotune: !a.no_autotune,
        threads: a.threads,
    };
    let m = compile(&dir, &o)?;
    println!(
        "compiled {} in {:.0} s: torch {}, {} kernels, batch 1-{}, length 2-{}; logits within {:.1e} of distilner's over {} padded rows",
        dir.join(&m.package).display(),
        m.compile_seconds,
        m.torch,
        m.vec_isa,
        m.max_batch,
        m.max_len,
        m.max_abs_diff,
        m.checked_rows
    );
    Ok(())
}
