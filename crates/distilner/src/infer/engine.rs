//! Which engine runs a model's inference forward: distilner's eager layers, or the package
//! `distilner compile` wrote beside the weights (AOTInductor, fp32, CPU). `auto` takes the package
//! where it can stand in for the model — same weights, this libtorch, this CPU's instructions, fp32
//! on the CPU — and says why not otherwise; `compiled` insists, `eager` never looks.
use crate::export::compiled::Manifest;
use crate::model::aoti::{AotiError, CompiledModel};
use crate::model::{Precision, TokenClassifier};
use crate::Result;
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Auto,
    Eager,
    Compiled,
}

impl Engine {
    pub fn parse(s: &str) -> Result<Engine> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "auto" => Engine::Auto,
            "eager" => Engine::Eager,
            "compiled" | "aoti" => Engine::Compiled,
            other => fail!("unknown engine {other:?}: use auto, eager or compiled"),
        })
    }
}

/// Set `model` (loaded from `dir`, already at its inference precision) to run on `engine`, with
/// `runners` calls at once; the note says which engine runs and why.
pub fn attach(
    model: &mut TokenClassifier,
    dir: &Path,
    engine: Engine,
    runners: usize,
) -> Result<String> {
    if engine == Engine::Eager {
        return Ok("engine eager (asked for)".into());
    }
    let (manifest, why_not) = match Manifest::load(dir)? {
        None => (
            None,
            format!(
                "{} has no compiled package (`distilner compile --model {}` makes one)",
                dir.display(),
                dir.display()
            ),
        ),
        Some(m) => {
            let why = if model.precision() != Precision::Fp32 {
                Some(format!(
                    "the package is fp32 and this run is {}",
                    model.precision().name()
                ))
            } else {
                m.unusable(dir, model.device())?
            };
            (Some(m), why.unwrap_or_default())
        }
    };
    match manifest {
        Some(m) if why_not.is_empty() => {
            let path = dir.join(&m.package);
            let c = CompiledModel::load(&path, runners, m.max_batch, m.max_len)?;
            model.set_compiled(Some(Arc::new(c)));
            Ok(format!(
                "engine compiled ({}: AOTInductor by torch {}, {} kernels, logits within {:.1e} of eager)",
                path.display(),
                m.torch,
                m.vec_isa,
                m.max_abs_diff
            ))
        }
        _ if engine == Engine::Compiled => Err(AotiError::Unusable(why_not).into()),
        _ => Ok(format!("engine eager ({why_not})")),
    }
}
