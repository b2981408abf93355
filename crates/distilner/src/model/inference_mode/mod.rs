//! libtorch's inference mode (`torch.inference_mode()`) for the inference paths: no autograd
//! records, and no view or version-counter bookkeeping either, which `no_grad` still does on every
//! op. Tensors made inside are inference tensors: fine to read, view and compute from afterwards,
//! but never to modify in place or to save for a backward pass, so training (and the teacher's
//! cached logits, which feed a loss) stays under `no_grad`. Measured on the MiniLM teacher in int8
//! at batch 1 (`examples/int8_b1_profile.rs`, bench/RESULTS.md): 5–16% per sentence.
use std::ffi::c_void;
use std::marker::PhantomData;
use std::ptr::NonNull;

extern "C" {
    fn dn_inference_mode_enter() -> *mut c_void;
    fn dn_inference_mode_exit(guard: *mut c_void);
}

/// Inference mode until dropped, on this thread (hence neither `Send` nor `Sync`).
pub struct InferenceMode {
    guard: NonNull<c_void>,
    _thread_bound: PhantomData<*const ()>,
}

impl InferenceMode {
    pub fn enter() -> Self {
        // SAFETY: plain allocation of libtorch's RAII guard; freed once, by Drop, on this thread.
        let guard = unsafe { dn_inference_mode_enter() };
        InferenceMode {
            guard: NonNull::new(guard).expect("operator new does not return null"),
            _thread_bound: PhantomData,
        }
    }
}

impl Drop for InferenceMode {
    fn drop(&mut self) {
        // SAFETY: made by `enter` on this thread (the type is !Send), dropped once.
        unsafe { dn_inference_mode_exit(self.guard.as_ptr()) }
    }
}

/// `f()` in inference mode.
pub fn inference_mode<T>(f: impl FnOnce() -> T) -> T {
    let _g = InferenceMode::enter();
    f()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind, Tensor};

    /// Inside, new tensors are inference tensors and gradients are off; after, neither, and what
    /// was made inside can still be read and computed from.
    #[test]
    fn scoped_inference_tensors_stay_usable_after() {
        let w = Tensor::ones([2], (Kind::Float, Device::Cpu)).set_requires_grad(true);
        let y = inference_mode(|| {
            let y = &w * 2.0;
            assert!(y.is_inference());
            assert!(!y.requires_grad());
            y
        });
        let z = &w * 2.0;
        assert!(!z.is_inference() && z.requires_grad());
        assert_eq!((y.sum(Kind::Float) + 1.0).double_value(&[]), 5.0);
    }
}
