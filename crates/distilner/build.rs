//! Embeds libtorch's directory as an rpath in this crate's own test binaries (the `distilner` binary's
//! is set by the root build.rs).
//! Records the versions actually built against (libtorch's own version file, Cargo.lock) so
//! model cards and metrics.json name them instead of constants.
fn lock_version(lock: &str, name: &str) -> String {
    let key = format!("name = \"{name}\"\nversion = \"");
    lock.find(&key)
        .and_then(|i| lock[i + key.len()..].split('"').next())
        .unwrap_or("unknown")
        .to_string()
}

fn libtorch_version(lib: &std::path::Path) -> String {
    // The PyPI wheel: torch/version.py (`__version__ = '2.11.0+cu130'`); a libtorch zip: build-version.
    let root = lib.parent().unwrap_or(lib);
    if let Ok(py) = std::fs::read_to_string(root.join("version.py")) {
        if let Some(v) = py
            .lines()
            .find_map(|l| l.strip_prefix("__version__ = "))
            .map(|v| v.trim_matches(|c| c == '\'' || c == '"'))
        {
            return v.to_string();
        }
    }
    std::fs::read_to_string(root.join("build-version"))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

fn main() {
    // The workspace's lock file, two levels up from this crate.
    println!("cargo:rerun-if-changed=../../Cargo.lock");
    let lock = std::fs::read_to_string("../../Cargo.lock").unwrap_or_default();
    for (env, name) in [
        ("TCH", "tch"),
        ("TOKENIZERS", "tokenizers"),
        ("ARROW", "arrow-array"),
        ("PARQUET", "parquet"),
    ] {
        println!(
            "cargo:rustc-env=DISTILNER_{env}_VERSION={}",
            lock_version(&lock, name)
        );
    }
    let Ok(dir) = std::env::var("DEP_TCH_LIBTORCH_LIB") else {
        println!("cargo:rustc-env=DISTILNER_LIBTORCH_VERSION=unknown");
        return;
    };
    let dir = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone().into());
    println!(
        "cargo:rustc-env=DISTILNER_LIBTORCH_VERSION={}",
        libtorch_version(&dir)
    );
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
    shim(&dir, "src/model/int8/shim.cpp", "distilner_int8");
    shim(&dir, "src/model/aoti/shim.cpp", "distilner_aoti");
    shim(
        &dir,
        "src/model/inference_mode/shim.cpp",
        "distilner_inference_mode",
    );
    // libtorch_cuda is not linked: `util::load_cuda_backend` dlopens it where a GPU driver exists, so
    // CPU runs do not map CUDA's libraries (~350 MB resident).
}

/// A C++ shim for what tch does not wrap (`model/int8`: libtorch's dynamic int8 linear through the
/// dispatcher; `model/aoti`: libtorch's AOTInductor package loader; `model/inference_mode`: its
/// inference-mode guard), compiled with the include paths
/// and C++ flags torch-sys compiles tch's own C++ with.
fn shim(lib: &std::path::Path, file: &str, name: &str) {
    println!("cargo:rerun-if-changed={file}");
    println!("cargo:rerun-if-env-changed=LIBTORCH_CXX11_ABI");
    let root = lib.parent().unwrap_or(lib);
    let abi = std::env::var("LIBTORCH_CXX11_ABI").unwrap_or_else(|_| "1".into());
    cc::Build::new()
        .cpp(true)
        .pic(true)
        .warnings(false)
        .include(root.join("include"))
        .include(root.join("include/torch/csrc/api/include"))
        .flag("-std=c++17")
        .flag(format!("-D_GLIBCXX_USE_CXX11_ABI={abi}"))
        .flag("-DGLOG_USE_GLOG_EXPORT")
        .file(file)
        .compile(name);
}
