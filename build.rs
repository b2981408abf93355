//! Embeds libtorch's directory as an rpath so `target/*/distilner` runs with no LD_LIBRARY_PATH (and
//! `dlopen("libtorch_cuda.so")` finds the CUDA backend there on GPU machines). torch-sys, a direct
//! dependency for this reason only, names the directory.
fn main() {
    if let Ok(dir) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        let dir = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.into());
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
    }
}
