//! The Python package's pytest suite (python/tests), run from `cargo test`: python/install.sh builds
//! the wheel with maturin (incremental) and installs it into .venv, then pytest runs against it.
mod common;
use common::venv_python;
use std::path::Path;
use std::process::Command;

#[test]
fn python_package_pytest_suite() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let install = Command::new("bash")
        .arg(root.join("python/install.sh"))
        .output()
        .unwrap();
    assert!(
        install.status.success(),
        "python/install.sh failed:\n{}",
        String::from_utf8_lossy(&install.stderr)
    );
    // The binary the fixtures call (a distilled tiny student) is the one this `cargo test` built.
    let out = Command::new(venv_python())
        .args([
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "python/tests",
        ])
        .current_dir(root)
        .env("DISTILNER_BIN", env!("CARGO_BIN_EXE_distilner"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "pytest failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A suite that collected nothing would also exit 0 with -q on some versions: insist on passes.
    assert!(text.contains(" passed"), "{text}");
}
