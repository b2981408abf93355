//! Small shared helpers.
use anyhow::{Context, Result};
use std::path::Path;

/// Write a file atomically: a temp file in the same directory, fsync, then rename, so a crash never
/// leaves a half-written file under the final name.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name().and_then(|s| s.to_str()).unwrap_or("out")
    ));
    let written = (|| -> Result<()> {
        let mut f = std::fs::File::create(&tmp)
            .with_context(|| format!("{}: cannot write", tmp.display()))?;
        f.write_all(bytes).with_context(|| {
            format!(
                "{}: cannot write (disk full?); the previous file, if any, is unchanged",
                path.display()
            )
        })?;
        f.sync_all()
            .with_context(|| format!("{}: cannot sync (disk full?)", path.display()))?;
        Ok(())
    })();
    commit_tmp(written, &tmp, path)
}

/// Rename a finished temp file into place, or remove it when writing it failed: a failed write
/// leaves neither a partial file nor a stray temp file behind.
pub(crate) fn commit_tmp(written: Result<()>, tmp: &Path, path: &Path) -> Result<()> {
    if let Err(e) = written {
        let _ = std::fs::remove_file(tmp);
        return Err(e);
    }
    std::fs::rename(tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(tmp);
        anyhow::anyhow!("{}: cannot rename into place: {e}", path.display())
    })
}

/// `cpu`, `cuda` (the first GPU) or `auto` (a GPU when libtorch sees one).
pub fn parse_device(s: &str) -> crate::Result<tch::Device> {
    match s {
        "cpu" => Ok(tch::Device::Cpu),
        "cuda" => Ok(tch::Device::Cuda(0)),
        "auto" => Ok(tch::Device::cuda_if_available()),
        other => fail!("device {other:?}: use cpu, cuda or auto"),
    }
}

/// Refuse to start work that will need about `needed` bytes in `dir` when its filesystem has less
/// free (checked up front so a long run does not die at its first checkpoint).
pub(crate) fn check_free_space(dir: &Path, needed: u64) -> Result<()> {
    let Some(free) = free_bytes(dir) else {
        return Ok(());
    };
    if free < needed {
        anyhow::bail!(
            "{}: {} MB free on its filesystem, but this run needs about {} MB (model, checkpoints); free space or choose another --out",
            dir.display(),
            free / 1_000_000,
            needed.div_ceil(1_000_000)
        );
    }
    Ok(())
}

/// Bytes available to this user on the filesystem holding `dir` (None where it cannot be asked).
pub fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `st` a properly sized out-parameter.
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    (rc == 0).then(|| st.f_bavail as u64 * st.f_frsize as u64)
}

/// The Hugging Face hub cache, as `huggingface_hub` finds it: `HF_HUB_CACHE`, else `HF_HOME/hub`, else
/// `~/.cache/huggingface/hub` (hf-hub's own `Cache::from_env` skips `HF_HUB_CACHE`).
pub fn hf_hub_cache() -> std::path::PathBuf {
    if let Some(p) = std::env::var_os("HF_HUB_CACHE").filter(|p| !p.is_empty()) {
        return p.into();
    }
    hf_home().join("hub")
}

/// `HF_HOME`, else `~/.cache/huggingface`.
pub fn hf_home() -> std::path::PathBuf {
    if let Some(p) = std::env::var_os("HF_HOME").filter(|p| !p.is_empty()) {
        return p.into();
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| ".".into());
    std::path::PathBuf::from(home).join(".cache/huggingface")
}

/// `HF_HUB_OFFLINE=1` (or true): never touch the network.
pub fn hf_offline() -> bool {
    std::env::var("HF_HUB_OFFLINE").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// The hub API over the cache `hf_hub_cache` names (and `HF_ENDPOINT`, `HF_TOKEN` as hf-hub reads them).
#[cfg(feature = "hub")]
pub fn hf_api() -> Result<hf_hub::api::sync::Api, hf_hub::api::sync::ApiError> {
    let mut b = hf_hub::api::sync::ApiBuilder::from_cache(hf_hub::Cache::new(hf_hub_cache()))
        .with_progress(true);
    if let Ok(endpoint) = std::env::var("HF_ENDPOINT") {
        b = b.with_endpoint(endpoint);
    }
    b.build()
}

/// Load libtorch's CUDA backend (`libtorch_cuda.so`, with cuDNN, cuBLAS, NCCL behind it) when this
/// machine has an NVIDIA driver, before anything asks libtorch about CUDA. Linked unconditionally
/// those libraries map ~350 MB into every process, CPU-only runs included; loaded on demand they
/// cost nothing where there is no GPU. `CUDA_VISIBLE_DEVICES=""` skips it. Returns whether it loaded.
pub fn load_cuda_backend() -> bool {
    static LOADED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *LOADED.get_or_init(|| {
        if std::env::var_os("CUDA_VISIBLE_DEVICES").is_some_and(|v| v.is_empty()) {
            return false;
        }
        let driver = ["/dev/nvidiactl", "/dev/nvidia0", "/proc/driver/nvidia/version"]
            .iter()
            .any(|p| Path::new(p).exists());
        if !driver {
            return false;
        }
        // Found through LD_LIBRARY_PATH, then the binary's RUNPATH (libtorch's directory, build.rs).
        let name = c"libtorch_cuda.so";
        // SAFETY: dlopen with a valid C string; the handle is kept for the life of the process.
        let h = unsafe { libc::dlopen(name.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) };
        if h.is_null() {
            // SAFETY: dlerror returns a thread-local C string or null.
            let e = unsafe { libc::dlerror() };
            let why = if e.is_null() {
                "unknown error".into()
            } else {
                unsafe { std::ffi::CStr::from_ptr(e) }.to_string_lossy().to_string()
            };
            eprintln!("warning: an NVIDIA driver is present but libtorch_cuda.so did not load ({why}); running on the CPU");
            return false;
        }
        true
    })
}

/// oneDNN caches one compiled primitive per matmul shape (1,024 by default, as in PyTorch), and a
/// batch of a new sequence length is a new shape for every matmul in it.
/// - Training bounds it (`TRAINING_PRIMITIVES`): the 1,024 held ~350 MB of a fine-tune's peak
///   (heaptrack), and 64 cost no measured speed on fp32 (AVX2), nor on AMX bf16 (the main job with
///   1,024 stepped as fast, and peaked at 2.10 GB).
/// - Inference widens it (`INFERENCE_PRIMITIVES`): a pass over the test split at batch 32 meets ~100
///   lengths, and each engine and batch size its own primitives. Bounded to 64, every pass rebuilt
///   them all (AMX brgemm JIT, milliseconds each): the student's bf16 package ran 1,796 sentences/s
///   at batch 32; with 1,024, 2,274 in `bench` (engines interleaved evict each other) and 2,487
///   alone; with 4,096, 2,837. Memory grows only with the shapes actually met.
///
/// Must run before the first tensor operation; a user's own setting wins.
pub fn size_primitive_cache(shapes: usize) {
    if std::env::var_os("ONEDNN_PRIMITIVE_CACHE_CAPACITY").is_none() {
        // SAFETY: called at the start of main, before any other thread exists.
        unsafe { std::env::set_var("ONEDNN_PRIMITIVE_CACHE_CAPACITY", shapes.to_string()) };
    }
}

pub const TRAINING_PRIMITIVES: usize = 64;
pub const INFERENCE_PRIMITIVES: usize = 4096;

/// Give freed heap pages back to the OS: called between phases of a run (after an epoch's
/// evaluation, between the teacher and the student), so one phase's peak is not carried as resident
/// memory into the next. jemalloc (the binary's allocator, libtorch's too) purges every arena;
/// glibc's heap, where anything still allocates from it, is trimmed.
pub fn release_free_memory() {
    jemalloc_ctl("arena.4096.purge", None); // 4096 = MALLCTL_ARENAS_ALL
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns unused heap memory to the OS.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Training gives its kept pages back every this many optimisation steps as well as at the end of
/// each epoch: kept for a whole epoch, freed activations of the batches' varying shapes piled up
/// (the main job's teacher reached 2.28 GB in its first epoch against 1.88 GB purged every 100
/// steps). The main job peaked at 2.00 GB against 2.31, for 2.5% more time: the pages a purge
/// returns are faulted in again by the next step (bench/RESULTS.md, session 32).
pub const PURGE_EVERY_STEPS: usize = 100;

/// The training steps between purges: [`PURGE_EVERY_STEPS`], or the environment's
/// `DISTILNER_PURGE_EVERY_STEPS` (fewer for a lower peak on a tight machine; 0 = at epoch ends only).
pub fn purge_every_steps() -> Result<usize> {
    const VAR: &str = "DISTILNER_PURGE_EVERY_STEPS";
    match std::env::var(VAR) {
        Err(_) => Ok(PURGE_EVERY_STEPS),
        Ok(v) => v.trim().parse().with_context(|| {
            format!("{VAR}={v:?} is not a number of steps: unset it, or give a whole number (0 = purge at epoch ends only)")
        }),
    }
}

/// Keep freed pages instead of returning them to the OS after jemalloc's 10 s decay, in every
/// command. libtorch frees and reallocates the same multi-megabyte activations every forward (and
/// backward); returned, each reuse faulted its pages back in (zeroed by the kernel):
/// - inference: 21% of int8 time at batch 32 was in the kernel; kept, 1,229 → 1,692 sentences/s
///   (student, 1,000 CoNLL test sentences, 2 threads; minor page faults 492k → 76k);
/// - training: a one-epoch student took 16–17 M minor faults and 33–39 s of system time; kept,
///   0.74 M and 7 s, 1:35–1:53 → 1:24–1:27 wall, peak resident memory 1.23 → 1.63 GB
///   (bench/RESULTS.md, session 31). Phases, epochs and every [`PURGE_EVERY_STEPS`] training steps
///   still give their pages back ([`release_free_memory`]), so kept pages do not pile up.
///
/// Call before the model threads start; arenas made later inherit the default set here.
pub fn keep_freed_pages() {
    let never: isize = -1;
    for key in ["dirty_decay_ms", "muzzy_decay_ms"] {
        jemalloc_ctl(&format!("arenas.{key}"), Some(never));
        let narenas = jemalloc_read::<u32>("arenas.narenas").unwrap_or(0);
        for i in 0..narenas {
            jemalloc_ctl(&format!("arena.{i}.{key}"), Some(never)); // fails quietly for unused arenas
        }
    }
}

/// `mallctl(name)`, writing `value` (an ssize_t) if given. Errors are ignored: these are tuning knobs.
#[cfg(feature = "jemalloc")]
fn jemalloc_ctl(name: &str, value: Option<isize>) {
    let Ok(c) = std::ffi::CString::new(name) else {
        return;
    };
    let mut v = value.unwrap_or(0);
    let (ptr, len) = match value {
        Some(_) => (
            &mut v as *mut isize as *mut libc::c_void,
            std::mem::size_of::<isize>(),
        ),
        None => (std::ptr::null_mut(), 0),
    };
    // SAFETY: `c` is NUL-terminated; `ptr` points at an ssize_t of `len` bytes (or is null with 0).
    unsafe {
        tikv_jemalloc_sys::mallctl(
            c.as_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            ptr,
            len,
        );
    }
}

/// Without jemalloc (the Python extension) the knobs are not there.
#[cfg(not(feature = "jemalloc"))]
fn jemalloc_ctl(_name: &str, _value: Option<isize>) {}

#[cfg(not(feature = "jemalloc"))]
fn jemalloc_read<T>(_name: &str) -> Option<T> {
    None
}

/// Read a jemalloc value of type `T` (u32 for counts, isize for ssize_t settings).
#[cfg(feature = "jemalloc")]
fn jemalloc_read<T: Default + Copy>(name: &str) -> Option<T> {
    let c = std::ffi::CString::new(name).ok()?;
    let mut v = T::default();
    let mut len = std::mem::size_of::<T>();
    // SAFETY: reads one value into `v`, whose size is passed in `len`.
    let rc = unsafe {
        tikv_jemalloc_sys::mallctl(
            c.as_ptr(),
            &mut v as *mut T as *mut libc::c_void,
            &mut len,
            std::ptr::null_mut(),
            0,
        )
    };
    (rc == 0 && len == std::mem::size_of::<T>()).then_some(v)
}

#[cfg(all(test, feature = "jemalloc"))]
mod jemalloc_tests {
    /// Every command switches jemalloc to keeping freed pages, for the arenas that exist and
    /// for those made later.
    #[test]
    fn keep_freed_pages_sets_the_decay_everywhere() {
        super::keep_freed_pages();
        for key in ["dirty_decay_ms", "muzzy_decay_ms"] {
            assert_eq!(
                super::jemalloc_read::<isize>(&format!("arenas.{key}")),
                Some(-1)
            );
            assert_eq!(
                super::jemalloc_read::<isize>(&format!("arena.0.{key}")),
                Some(-1)
            );
        }
    }
}

/// The device a run actually used, in words.
pub fn hardware(device: tch::Device) -> String {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    match device {
        tch::Device::Cuda(i) => {
            let name = std::process::Command::new("nvidia-smi")
                .args([
                    "--query-gpu=name",
                    "--format=csv,noheader",
                    "-i",
                    &i.to_string(),
                ])
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .filter(|n| !n.is_empty());
            format!(
                "CUDA GPU {i}{} ({} visible)",
                name.map(|n| format!(", {n}")).unwrap_or_default(),
                tch::Cuda::device_count()
            )
        }
        _ => {
            let model = std::fs::read_to_string("/proc/cpuinfo")
                .ok()
                .and_then(|c| {
                    c.lines()
                        .find_map(|l| l.strip_prefix("model name"))
                        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
                })
                .unwrap_or_else(|| "unknown model".into());
            format!(
                "CPU ({model}), {} intra-op thread(s) of {cores} cores",
                tch::get_num_threads()
            )
        }
    }
}

/// Versions of what this build links, read from Cargo.lock and libtorch's version file at build time.
pub fn versions() -> serde_json::Value {
    serde_json::json!({
        "distilner": env!("CARGO_PKG_VERSION"),
        "tch": env!("DISTILNER_TCH_VERSION"),
        "libtorch": env!("DISTILNER_LIBTORCH_VERSION"),
        "tokenizers": env!("DISTILNER_TOKENIZERS_VERSION"),
        "arrow": env!("DISTILNER_ARROW_VERSION"),
        "parquet": env!("DISTILNER_PARQUET_VERSION"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_writes_and_free_space() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        // A failed write (the target is a directory, so the rename fails) leaves no temp file.
        let sub = d.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("x"), b"x").unwrap();
        assert!(write_atomic(&sub, b"z").is_err());
        let names: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        let free = free_bytes(d.path()).unwrap();
        assert!(free > 0);
        check_free_space(d.path(), 1).unwrap();
        let e = check_free_space(d.path(), free.saturating_mul(4).max(u64::MAX / 2)).unwrap_err();
        assert!(e.to_string().contains("MB free"), "{e}");
    }
}
