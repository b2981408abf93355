//! `compiled.json`: what a run directory's packages were compiled from, checked against and timed
//! at, and whether they can stand in for the model here.
use crate::model::Precision;
use crate::Result;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use tch::Device;

/// fp32's manifest and package directory inside a run directory; other precisions' carry their
/// name (`compiled-bf16.json`, `compiled-bf16/`), so each is compiled, checked and swapped alone.
pub const MANIFEST: &str = "compiled.json";
pub const DIR: &str = "compiled";

/// The package directory for `precision`'s packages.
pub fn dir_for(precision: Precision) -> String {
    match precision {
        Precision::Fp32 => DIR.into(),
        p => format!("{DIR}-{}", p.name()),
    }
}

/// The manifest file for `precision`'s packages.
pub fn manifest_for(precision: Precision) -> String {
    format!("{}.json", dir_for(precision))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Package {
    /// Relative to the run directory.
    pub file: String,
    /// The example batch (rows, length) max-autotune tuned its GEMMs for.
    pub tuned_for: [i64; 2],
    pub compile_seconds: f64,
    /// Largest |logit difference| from distilner's eager forward at the same precision over the
    /// checked padded rows.
    pub max_abs_diff: f64,
    /// Its attention kernel: `sdpa` (aten's fused kernel) or `math` (the two products written out
    /// around the softmax, for Inductor to fuse); older manifests: none recorded (sdpa).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attention: Option<String>,
}

/// One route: batches up to `up_to_tokens` positions (None: any) run on `engine` (a package's
/// file, or `eager`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RouteRecord {
    pub up_to_tokens: Option<i64>,
    pub engine: String,
}

/// Median milliseconds per call of each engine on one batch shape, as measured at compile time.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Timing {
    pub batch: i64,
    pub length: i64,
    pub ms: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub device: String,
    pub precision: String,
    /// Of config.json then model.safetensors: a package is its weights, frozen.
    pub weights_sha256: String,
    /// The torch that compiled it; libtorch must be the same version to run it.
    pub torch: String,
    pub transformers: String,
    /// The vector instruction set Inductor generated code for (e.g. avx2, avx512 avx512_vnni).
    pub vec_isa: String,
    /// The compiler's `-m` flags for it (what the kernels may use; older manifests: none recorded).
    #[serde(default)]
    pub arch_flags: String,
    pub cpu: String,
    pub max_batch: i64,
    pub max_len: i64,
    pub autotune: bool,
    /// The Inductor options the packages were compiled with (older manifests: none recorded).
    #[serde(default)]
    pub inductor_configs: BTreeMap<String, serde_json::Value>,
    pub threads: i32,
    /// The dtype attention runs in inside the packages (int8: bfloat16 where the CPU has native
    /// bf16; older manifests: none recorded, and their int8 attention is float32).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attention: Option<String>,
    pub packages: Vec<Package>,
    /// Rows of random ids compared with the eager model (padded batch and a batch of one).
    pub checked_rows: usize,
    pub routes: Vec<RouteRecord>,
    /// How the routes were chosen: measured (`timings`), or the first package for every batch.
    pub routing: String,
    pub timings: Vec<Timing>,
    /// int8: the sentences that set the activation scales.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<String>,
    pub created: String,
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

/// The cpuinfo flags code for `vec_isa` built with `arch_flags` needs. Inductor names its ISA by
/// components ("avx2", "avx512", "avx512 avx512_vnni", "avx512 avx512_vnni amx_tile") and compiles
/// with `-m` flags that may add more than the name says (`-mavx512bf16` where the compiling CPU
/// has it): both are required. None for a component or flag this does not know (never guessed).
pub fn cpu_flags_needed(vec_isa: &str, arch_flags: &str) -> Option<Vec<String>> {
    let mut need: Vec<String> = Vec::new();
    for c in vec_isa.split_whitespace() {
        let fs: &[&str] = match c {
            "avx2" => &["avx2", "fma"],
            "avx512" => &["avx512f", "avx512bw", "avx512dq", "avx512vl"],
            "avx512_vnni" => &["avx512_vnni"],
            "amx_tile" => &["amx_tile", "amx_bf16", "amx_int8"],
            // Inductor's scalar fallback runs anywhere.
            "INVALID_VEC_ISA" => &[],
            _ => return None,
        };
        need.extend(fs.iter().map(|f| f.to_string()));
    }
    for f in arch_flags.split_whitespace() {
        let name = f.strip_prefix("-m")?.replace('-', "_");
        // gcc spells a few without cpuinfo's underscore.
        let name = match name.as_str() {
            "avx512vnni" => "avx512_vnni".into(),
            "avx512bf16" => "avx512_bf16".into(),
            "avx512fp16" => "avx512_fp16".into(),
            _ => name,
        };
        need.push(name);
    }
    need.sort();
    need.dedup();
    Some(need)
}

impl Manifest {
    /// Why this CPU cannot run the kernels: an ISA this does not know, or the flags it lacks.
    fn isa_missing(&self) -> Option<String> {
        use crate::model::precision::cpu_has_any;
        let Some(need) = cpu_flags_needed(&self.vec_isa, &self.arch_flags) else {
            return Some(format!(
                "its kernels use {} ({}), which this version of distilner does not know",
                self.vec_isa, self.arch_flags
            ));
        };
        let lacks: Vec<String> = need
            .into_iter()
            .filter(|f| !cpu_has_any(&[f.as_str()]))
            .collect();
        (!lacks.is_empty()).then(|| {
            format!(
                "its kernels use {} and this CPU lacks {}",
                self.vec_isa,
                lacks.join(", ")
            )
        })
    }

    /// `dir`'s manifest for `precision`'s packages, if it has one.
    pub fn load(dir: &Path, precision: Precision) -> Result<Option<Manifest>> {
        let p = dir.join(manifest_for(precision));
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

    pub fn save(&self, dir: &Path) -> Result<()> {
        let p = dir.join(manifest_for(self.precision()?));
        std::fs::write(&p, serde_json::to_string_pretty(self)? + "\n")
            .with_context(|| format!("cannot write {}", p.display()))?;
        Ok(())
    }

    /// The precision its packages compute in.
    pub fn precision(&self) -> Result<Precision> {
        Precision::parse(&self.precision, Device::Cpu)
    }

    /// Largest |logit difference| from eager over every package.
    pub fn max_abs_diff(&self) -> f64 {
        self.packages
            .iter()
            .map(|p| p.max_abs_diff)
            .fold(0.0, f64::max)
    }

    /// Why the packages cannot stand in for the model in `dir` on `device` here (None: they can).
    pub fn unusable(&self, dir: &Path, device: Device) -> Result<Option<String>> {
        let missing = self
            .packages
            .iter()
            .map(|p| dir.join(&p.file))
            .find(|p| !p.exists());
        let why = if device.is_cuda() {
            "it was compiled for the CPU and this run is on CUDA".to_string()
        } else if self.torch != libtorch_version() {
            format!(
                "it was compiled by torch {} and this binary runs libtorch {}",
                self.torch,
                libtorch_version()
            )
        } else if let Some(why) = self.isa_missing() {
            why
        } else if let Some(p) = missing {
            format!("{} is missing", p.display())
        } else if weights_sha256(dir)? != self.weights_sha256 {
            "config.json or model.safetensors changed since it was compiled".to_string()
        } else {
            return Ok(None);
        };
        Ok(Some(why))
    }
}

#[cfg(test)]
mod tests {
    use super::cpu_flags_needed;

    #[test]
    fn inductor_isa_names_and_flags_map_to_cpuinfo_flags() {
        let amx = cpu_flags_needed(
            "avx512 avx512_vnni amx_tile",
            "-mavx512f -mavx512dq -mavx512vl -mavx512bw -mfma -mavx512vnni -mamx-tile -mamx-bf16 -mamx-int8 -mavx512bf16",
        )
        .unwrap();
        for f in [
            "avx512f",
            "avx512_vnni",
            "amx_tile",
            "amx_int8",
            "avx512_bf16",
            "fma",
        ] {
            assert!(amx.iter().any(|x| x == f), "{f} not in {amx:?}");
        }
        assert_eq!(
            cpu_flags_needed("avx2", "").unwrap(),
            ["avx2", "fma"].map(String::from)
        );
        assert_eq!(
            cpu_flags_needed("avx2", "-mavx2 -mfma -mf16c").unwrap(),
            ["avx2", "f16c", "fma"].map(String::from)
        );
        assert!(cpu_flags_needed("neon", "").is_none());
        assert!(cpu_flags_needed("avx2", "-O3").is_none());
        assert!(cpu_flags_needed("INVALID_VEC_ISA", "").unwrap().is_empty());
    }
}
