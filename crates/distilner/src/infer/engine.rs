//! Which engine runs a model's inference forward: distilner's eager layers, or the package
//! `distilner compile` wrote beside the weights (AOTInductor, CPU, one set per precision: fp32,
//! bf16, int8). `auto` takes the packages where they can stand in for the model — same weights, the
//! model's precision, this libtorch, this CPU's instructions, the CPU — and says why not
//! otherwise; `compiled` insists, `eager` never looks.
use crate::export::compiled::{
    checked_against, dir_for, manifest_for, Manifest, RouteRecord, EAGER,
};
use crate::model::aoti::{AotiError, Compiled, CompiledModel, Route};
use crate::model::{Precision, TokenClassifier};
use crate::Result;
use anyhow::anyhow;
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
    let p = model.precision();
    let (manifest, why_not) = match Manifest::load(dir, p)? {
        None if p == Precision::Fp16 => (
            None,
            "there is no compiled fp16 package: compile makes fp32, bf16 and int8 packages only"
                .to_string(),
        ),
        None => (
            None,
            format!(
                "{} has no compiled {} package (`distilner compile --model {} --precision {}` makes one)",
                dir.display(),
                p.name(),
                dir.display(),
                p.name(),
            ),
        ),
        Some(m) => {
            let why = m.unusable(dir, model.device())?;
            (Some(m), why.unwrap_or_default())
        }
    };
    match manifest {
        Some(m) if why_not.is_empty() => {
            let c = match load_compiled(&m, dir, runners) {
                Ok(c) => c,
                // `auto` asks for the package only where it applies: one libtorch cannot load
                // (truncated, say) leaves the model eager, with the reason.
                Err(e) if engine == Engine::Auto => return Ok(format!("engine eager ({e})")),
                Err(e) => return Err(e),
            };
            let note = format!(
                "engine compiled ({}: {} AOTInductor by torch {}, {} kernels, logits within {:.1e} of eager {}; {})",
                dir.join(dir_for(p)).display(),
                p.name(),
                m.torch,
                m.vec_isa,
                m.max_abs_diff(),
                checked_against(p).name(),
                describe(&m.routes)
            );
            model.set_compiled(Some(Arc::new(c)));
            Ok(note)
        }
        _ if engine == Engine::Compiled => Err(AotiError::Unusable(why_not).into()),
        _ => Ok(format!("engine eager ({why_not})")),
    }
}

/// The manifest's packages, loaded, and its routes as package indices.
fn load_compiled(m: &Manifest, dir: &Path, runners: usize) -> Result<Compiled> {
    let packages = m
        .packages
        .iter()
        .map(|p| CompiledModel::load(&dir.join(&p.file), runners, m.max_batch, m.max_len))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let routes = m
        .routes
        .iter()
        .map(|r| {
            let package = match r.engine.as_str() {
                EAGER => None,
                e => Some(m.packages.iter().position(|p| p.file == e).ok_or_else(|| {
                    anyhow!(
                        "{}: a route names {e:?}, which is not among its packages; run `distilner compile` again",
                        dir.join(manifest_for(m.precision().unwrap_or(Precision::Fp32))).display()
                    )
                })?),
            };
            Ok(Route {
                up_to_tokens: r.up_to_tokens,
                package,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Compiled { packages, routes })
}

/// "batches up to 48 positions on compiled/…-2x16.pt2, up to 384 on …, larger on eager".
fn describe(routes: &[RouteRecord]) -> String {
    let parts: Vec<String> = routes
        .iter()
        .map(|r| {
            let e = r.engine.rsplit('/').next().unwrap_or(&r.engine);
            match r.up_to_tokens {
                Some(n) => format!("up to {n} positions on {e}"),
                None => format!("the rest on {e}"),
            }
        })
        .collect();
    format!("batches {}", parts.join(", "))
}
