//! A C ABI over an embedded CPython running `collectives.py` (torch.distributed). The host has
//! already loaded libpython with RTLD_GLOBAL; this library starts the interpreter, puts the host's
//! Python paths on `sys.path`, imports torch and answers JSON requests. Every call returns a
//! string the caller frees with `dtd_free`.
use pyo3::prelude::*;
use pyo3::types::PyModule;
use std::ffi::{c_char, CStr, CString};
use std::sync::OnceLock;

static MODULE: OnceLock<Py<PyModule>> = OnceLock::new();

fn out(s: String) -> *mut c_char {
    CString::new(s.replace('\0', " "))
        .unwrap_or_default()
        .into_raw()
}

/// The exception's type and message: what torch.distributed said (a timeout, a closed peer).
fn py_error(_py: Python<'_>, e: PyErr) -> String {
    e.to_string()
}

/// Start Python with `sys_path` (a JSON list) in front of its own path and import the module.
/// Returns null on success, else the error.
///
/// # Safety
/// `sys_path_json` must be a valid NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn dtd_start(sys_path_json: *const c_char) -> *mut c_char {
    let paths = unsafe { CStr::from_ptr(sys_path_json) }
        .to_string_lossy()
        .to_string();
    let paths: Vec<String> = match serde_json::from_str(&paths) {
        Ok(p) => p,
        Err(e) => return out(format!("bad sys.path list: {e}")),
    };
    Python::initialize();
    let r = Python::attach(|py| -> Result<(), String> {
        let sys = py.import("sys").map_err(|e| py_error(py, e))?;
        let path = sys.getattr("path").map_err(|e| py_error(py, e))?;
        for (i, p) in paths.iter().enumerate() {
            path.call_method1("insert", (i, p.as_str()))
                .map_err(|e| py_error(py, e))?;
        }
        let code = CString::new(include_str!("collectives.py")).map_err(|e| e.to_string())?;
        let m = PyModule::from_code(py, &code, c"collectives.py", c"distilner_collectives")
            .map_err(|e| py_error(py, e))?;
        let _ = MODULE.set(m.unbind());
        Ok(())
    });
    match r {
        Ok(()) => std::ptr::null_mut(),
        Err(e) => out(e),
    }
}

/// One request (JSON with an `op`); returns 0 and the answer (JSON), or 1 and the error.
///
/// # Safety
/// `request` must be a valid NUL-terminated string and `answer` a valid pointer.
#[no_mangle]
pub unsafe extern "C" fn dtd_call(request: *const c_char, answer: *mut *mut c_char) -> i32 {
    let req = unsafe { CStr::from_ptr(request) }
        .to_string_lossy()
        .to_string();
    let Some(m) = MODULE.get() else {
        unsafe { *answer = out("dtd_start was not called".into()) };
        return 1;
    };
    let r = Python::attach(|py| -> Result<String, String> {
        // The collective itself runs with the GIL released (torch's bindings drop it).
        m.bind(py)
            .getattr("dispatch")
            .and_then(|f| f.call1((req.as_str(),)))
            .and_then(|v| v.extract::<String>())
            .map_err(|e| py_error(py, e))
    });
    let (code, s) = match r {
        Ok(s) => (0, s),
        Err(e) => (1, e),
    };
    unsafe { *answer = out(s) };
    code
}

/// Free a string this library returned.
///
/// # Safety
/// `p` must come from this library (or be null).
#[no_mangle]
pub unsafe extern "C" fn dtd_free(p: *mut c_char) {
    if !p.is_null() {
        drop(unsafe { CString::from_raw(p) });
    }
}
