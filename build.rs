//! Embeds libtorch's directory as an rpath so `target/*/distilner` runs with no LD_LIBRARY_PATH, and
//! force-links libtorch_cuda when present (otherwise the linker drops it and the GPU is silently unused).
fn main() {
    let Ok(dir) = std::env::var("DEP_TCH_LIBTORCH_LIB") else {
        return;
    };
    let dir = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone().into());
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
    if dir.join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
}
