//! Loading torch.distributed into this process: the Python whose torch provides the libtorch this
//! binary runs on (found from the loaded `libtorch_cpu.so`, or `DISTILNER_PYTHON`), its libpython
//! (RTLD_GLOBAL, so torch's extension modules resolve against it), then the plugin beside the binary
//! (`libdistilner_torchdist.so`) that embeds the interpreter. Both sides then share one libtorch:
//! the dynamic loader reuses the already loaded libraries of the same name.
use anyhow::{anyhow, bail, Context, Result};
use libloading::os::unix::{Library, Symbol, RTLD_GLOBAL, RTLD_NOW};
use serde_json::Value;
use std::ffi::{c_char, CStr, CString};
use std::path::{Path, PathBuf};

type StartFn = unsafe extern "C" fn(*const c_char) -> *mut c_char;
type CallFn = unsafe extern "C" fn(*const c_char, *mut *mut c_char) -> i32;
type FreeFn = unsafe extern "C" fn(*mut c_char);

pub struct Plugin {
    call: Symbol<CallFn>,
    free: Symbol<FreeFn>,
    pub python: PathBuf,
    pub python_version: String,
}

/// Where this process's libtorch was loaded from (`/proc/self/maps`).
fn libtorch_dir() -> Option<PathBuf> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    maps.lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .find(|p| p.ends_with("/libtorch_cpu.so"))
        .and_then(|p| Path::new(p).parent().map(Path::to_path_buf))
}

/// The interpreter of the environment `torch/lib` belongs to: `<env>/lib/pythonX.Y/site-packages/torch/lib`.
fn find_python() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("DISTILNER_PYTHON") {
        return Ok(PathBuf::from(p));
    }
    let lib = libtorch_dir().ok_or_else(|| {
        anyhow!("cannot tell which libtorch this process runs on; set DISTILNER_PYTHON to the python whose torch it is")
    })?;
    let tried: Vec<PathBuf> = lib
        .ancestors()
        .skip(4)
        .take(3)
        .flat_map(|root| ["python3", "python"].map(|n| root.join("bin").join(n)))
        .collect();
    tried.iter().find(|p| p.is_file()).cloned().ok_or_else(|| {
        anyhow!(
            "libtorch is loaded from {} but no python was found beside it (tried {tried:?}); set DISTILNER_PYTHON to the python whose torch it is",
            lib.display()
        )
    })
}

/// Beside the binary (or one directory up, for examples and test binaries), or `DISTILNER_TORCHDIST_LIB`.
fn plugin_path() -> Result<PathBuf> {
    const NAME: &str = "libdistilner_torchdist.so";
    if let Some(p) = std::env::var_os("DISTILNER_TORCHDIST_LIB") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe()?;
    let dirs: Vec<&Path> = exe.ancestors().skip(1).take(2).collect();
    Ok(dirs
        .iter()
        .map(|d| d.join(NAME))
        .find(|p| p.is_file())
        .unwrap_or_else(|| dirs[0].join(NAME)))
}

const PROBE: &str = r#"
import json, os, sys, sysconfig
v = sysconfig.get_config_var
libs = []
for name in (v("LDLIBRARY"), v("INSTSONAME")):
    for d in (v("LIBDIR"), os.path.join(sys.base_prefix, "lib")):
        if name and d and ".so" in name:
            libs.append(os.path.join(d, name))
print(json.dumps({"shared": bool(v("Py_ENABLE_SHARED")), "libs": libs, "home": sys.base_prefix,
                  "path": [p for p in sys.path if p], "version": sys.version.split()[0]}))
"#;

impl Plugin {
    pub(crate) fn load() -> Result<Plugin> {
        let python = find_python()?;
        let out = std::process::Command::new(&python)
            .args(["-c", PROBE])
            .output()
            .with_context(|| format!("{}: cannot run", python.display()))?;
        if !out.status.success() {
            bail!(
                "{} failed: {}",
                python.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let probe: Value = serde_json::from_slice(&out.stdout)
            .with_context(|| format!("{}: unreadable answer", python.display()))?;
        let version = probe["version"].as_str().unwrap_or("?").to_string();
        let libs: Vec<PathBuf> = probe["libs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(PathBuf::from))
            .collect();
        let Some(libpython) = libs.iter().find(|p| p.is_file()) else {
            bail!(
                "Python {version} ({}) has no shared libpython (tried {libs:?}); torch.distributed is embedded from it, so it needs a Python built with --enable-shared (pyenv: PYTHON_CONFIGURE_OPTS=--enable-shared), or set DISTILNER_PYTHON to one",
                python.display()
            );
        };
        // SAFETY: loading a shared library; libpython's initialisers have no preconditions.
        let py = unsafe { Library::open(Some(libpython), RTLD_NOW | RTLD_GLOBAL) }
            .with_context(|| format!("{}: cannot load", libpython.display()))?;
        let plugin_path = plugin_path()?;
        // SAFETY: as above; the plugin's symbols resolve against the libpython loaded globally.
        let lib = unsafe { Library::open(Some(&plugin_path), RTLD_NOW) }.with_context(|| {
            format!(
                "{}: cannot load the torch.distributed plugin; build it with `cargo build --release` (./setup.sh does)",
                plugin_path.display()
            )
        })?;
        // The interpreter finds its standard library under the Python it came from, not beside this
        // binary. Set before it starts; nothing else reads PYTHONHOME in this process.
        // SAFETY: called before the training threads exist (the group is set up first).
        unsafe { std::env::set_var("PYTHONHOME", probe["home"].as_str().unwrap_or("")) };
        let path = serde_json::to_string(&probe["path"])?;
        // SAFETY: the symbols have the signatures the plugin defines (crates/torchdist/src/lib.rs).
        let (start, call, free) = unsafe {
            (
                lib.get::<StartFn>(b"dtd_start")?,
                lib.get::<CallFn>(b"dtd_call")?,
                lib.get::<FreeFn>(b"dtd_free")?,
            )
        };
        let c = CString::new(path)?;
        // SAFETY: a valid C string; the answer is freed with the plugin's own free.
        let err = unsafe { start(c.as_ptr()) };
        if !err.is_null() {
            let msg = unsafe { CStr::from_ptr(err) }.to_string_lossy().to_string();
            unsafe { free(err) };
            bail!(
                "starting torch.distributed in Python {version} ({}): {msg}",
                python.display()
            );
        }
        // Python and the plugin stay loaded for the life of the process (an interpreter cannot be
        // unloaded).
        std::mem::forget(py);
        std::mem::forget(lib);
        Ok(Plugin {
            call,
            free,
            python,
            python_version: version,
        })
    }

    /// One request to `collectives.py`; its answer, or the Python exception's text.
    pub fn call(&self, req: &Value) -> std::result::Result<Value, String> {
        let c = CString::new(req.to_string()).map_err(|e| e.to_string())?;
        let mut ans: *mut c_char = std::ptr::null_mut();
        // SAFETY: valid pointers; the answer is a string the plugin allocated.
        let code = unsafe { (self.call)(c.as_ptr(), &mut ans) };
        let text = if ans.is_null() {
            String::new()
        } else {
            let s = unsafe { CStr::from_ptr(ans) }.to_string_lossy().to_string();
            unsafe { (self.free)(ans) };
            s
        };
        if code != 0 {
            return Err(text);
        }
        serde_json::from_str(&text).map_err(|e| format!("unreadable answer {text:?}: {e}"))
    }
}
