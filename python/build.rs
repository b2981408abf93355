//! The extension finds libtorch in the torch wheel installed beside it: site-packages/distilner/ →
//! site-packages/torch/lib. The same libtorch is then shared with `import torch` in one process.
fn main() {
    println!("cargo:rustc-link-arg=-Wl,-rpath,$ORIGIN/../torch/lib");
}
