//! Embeds libtorch's directory as an rpath in this crate's test binaries, so they run with no
//! LD_LIBRARY_PATH. torch-sys, a direct dependency for this reason only, names the directory.
fn main() {
    if let Ok(dir) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        let dir = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.into());
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
    }
}
