//! A model compiled ahead of time by PyTorch's own compiler (torch.export + AOTInductor, written by
//! `distilner compile`) and run through libtorch's C++ loader (`shim.cpp`): fp32 logits from
//! Inductor's generated kernels, with the weights frozen and prepacked into the package. The eager
//! `TokenClassifier` stays the reference it is checked against.
mod routes;
pub use routes::{route_for, Compiled, Route};

use super::shim_error::take_error;
use std::ffi::{c_char, CStr, CString};
use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use tch::Tensor;

#[repr(C)]
struct DnAoti {
    _private: [u8; 0],
}

type CTensor = torch_sys::C_tensor;

extern "C" {
    fn dn_aoti_load(path: *const c_char, runners: usize, err: *mut *mut c_char) -> *mut DnAoti;
    fn dn_aoti_run(
        m: *mut DnAoti,
        ids: *const CTensor,
        mask: *const CTensor,
        err: *mut *mut c_char,
    ) -> *mut CTensor;
    fn dn_aoti_free(m: *mut DnAoti);
}

#[derive(Debug, thiserror::Error)]
pub enum AotiError {
    #[error("{path}: libtorch could not load this compiled package ({why}); run `distilner compile --model <run dir>` again, or use --engine eager")]
    Load { path: PathBuf, why: String },
    #[error("--engine compiled: cannot use the compiled package: {0}")]
    Unusable(String),
    #[error("torch.export / AOTInductor failed on {dir} ({status}); the compiler said:\n{tail}")]
    Compile {
        dir: PathBuf,
        status: String,
        tail: String,
    },
    #[error("{dir}: the compiled model's logits differ from distilner's by up to {diff:.2e} (tolerance {tolerance:.0e}), so it was not kept; compile with --no-autotune, or report it")]
    Mismatch {
        dir: PathBuf,
        diff: f64,
        tolerance: f64,
    },
}

/// The package's shared library needs `libtorch.so` (a linker stub the binary itself does not
/// need) among the loaded libraries: opened once, globally, from libtorch's directory (the binary's
/// RUNPATH).
fn load_libtorch() -> Result<(), String> {
    static LOADED: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    LOADED
        .get_or_init(|| {
            // SAFETY: dlopen with a valid C string; the handle is kept for the life of the process.
            let h = unsafe {
                libc::dlopen(c"libtorch.so".as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL)
            };
            if h.is_null() {
                // SAFETY: dlerror returns a thread-local C string or null.
                let e = unsafe { libc::dlerror() };
                return Err(if e.is_null() {
                    "libtorch.so did not load".into()
                } else {
                    unsafe { CStr::from_ptr(e) }.to_string_lossy().into_owned()
                });
            }
            Ok(())
        })
        .clone()
}

pub struct CompiledModel {
    ptr: NonNull<DnAoti>,
    pub path: PathBuf,
    /// The batch and length range it was exported for; `fits` says whether a batch is inside it.
    max_batch: i64,
    max_len: i64,
}

// SAFETY: the loader's container hands each concurrent call a runner of its own and makes the
// others wait (as PyTorch serves one package from many threads); the constants are read-only.
unsafe impl Send for CompiledModel {}
unsafe impl Sync for CompiledModel {}

impl Drop for CompiledModel {
    fn drop(&mut self) {
        // SAFETY: allocated by dn_aoti_load, dropped once.
        unsafe { dn_aoti_free(self.ptr.as_ptr()) }
    }
}

impl CompiledModel {
    /// Load the package at `path`, exported for up to `max_batch` rows of up to `max_len`
    /// sub-tokens, with `runners` calls allowed at once.
    pub fn load(
        path: &Path,
        runners: usize,
        max_batch: i64,
        max_len: i64,
    ) -> Result<Self, AotiError> {
        let fail = |why: String| AotiError::Load {
            path: path.to_path_buf(),
            why,
        };
        load_libtorch().map_err(fail)?;
        let c = CString::new(path.to_string_lossy().as_bytes())
            .map_err(|_| fail("the path has a NUL byte".into()))?;
        let mut err = std::ptr::null_mut();
        // SAFETY: `c` outlives the call; the loader copies what it keeps.
        let p = unsafe { dn_aoti_load(c.as_ptr(), runners.max(1), &mut err) };
        let ptr = NonNull::new(p).ok_or_else(|| fail(take_error(err)))?;
        Ok(CompiledModel {
            ptr,
            path: path.to_path_buf(),
            max_batch,
            max_len,
        })
    }

    /// Whether `ids` [batch, seq] is inside the shapes the package was exported for.
    pub fn fits(&self, ids: &Tensor) -> bool {
        let s = ids.size();
        s.len() == 2 && (1..=self.max_batch).contains(&s[0]) && (2..=self.max_len).contains(&s[1])
    }

    /// Logits [batch, seq, labels], as fp32, for int64 `ids` and `mask` [batch, seq]. A libtorch error
    /// (a shape outside the compiled range) panics, as tch's own infallible ops do.
    pub fn logits(&self, ids: &Tensor, mask: &Tensor) -> Tensor {
        let mut err = std::ptr::null_mut();
        // SAFETY: the inputs outlive the call; the result is a new tensor we own.
        let y = unsafe { dn_aoti_run(self.ptr.as_ptr(), ids.as_ptr(), mask.as_ptr(), &mut err) };
        if y.is_null() {
            panic!(
                "compiled model {}: {}",
                self.path.display(),
                take_error(err)
            );
        }
        // bf16 packages return bf16 logits; callers get fp32 either way.
        unsafe { Tensor::from_ptr(y) }.to_kind(tch::Kind::Float)
    }
}
