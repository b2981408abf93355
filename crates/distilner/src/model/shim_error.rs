//! Errors from the C++ shims (`int8/shim.cpp`, `aoti/shim.cpp`): a C++ exception's message, copied
//! with strdup into the `err` out-parameter, taken here as a Rust string and freed.
use std::ffi::{c_char, CStr};

/// `err` as a Rust string, freed (the shim's strdup and this free share the process's malloc).
pub(crate) fn take_error(err: *mut c_char) -> String {
    if err.is_null() {
        return "unknown error".into();
    }
    // SAFETY: a NUL-terminated string from strdup, read and freed once, here.
    let s = unsafe { CStr::from_ptr(err) }
        .to_string_lossy()
        .into_owned();
    unsafe { libc::free(err.cast()) };
    s
}
