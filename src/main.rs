//! The `distilner` command line: a thin shell over the library, one file per subcommand.
mod bench;
mod compile;
mod data;
mod data_flags;
mod distill;
mod eval;
mod finetune;
mod init_student;
mod inspect;
mod label;
mod model_flags;
mod pipeline;
mod precision;
mod predict;
mod score;
mod serve;
mod train_flags;

use clap::{Parser, Subcommand};
use distilner::util;

/// jemalloc for the whole process: with `override_allocator_on_supported_platforms` it also serves
/// libtorch's own malloc/posix_memalign calls (see Cargo.toml).
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(
    name = "distilner",
    version,
    about = "Turn big BERT named-entity models into small, fast DistilBERT-layout ones that still work.",
    long_about = "Turn big BERT named-entity models into small, fast DistilBERT-layout ones that still work.\n\n\
        Typical flow:\n  \
        distilner finetune --model models/all-MiniLM-L6-v2 --out runs/teacher   # teacher on CoNLL-2003\n  \
        distilner distill  --teacher runs/teacher --student-layers 0,2,4 --out runs/student\n  \
        distilner eval     --model runs/student --data ../shared/data/conll2003/eng.testb\n  \
        distilner predict  --model runs/student \"Angela Merkel visited Paris.\"\n\n\
        `distilner run` does finetune + distill + the test report on the embedded default in one go.\n\
        Models are HF directories or Hugging Face ids (org/name) found in the local HF cache."
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Inspect CoNLL data files (`data stats FILE...`).
    Data(data::Args),
    /// Score `... GOLD PRED` lines like conlleval.pl (byte-identical report), or as JSON.
    Score(score::Args),
    /// Print a model's architecture, size, labels and tokenizer casing.
    Inspect(inspect::Args),
    /// Build a DistilBERT-layout student from a BERT teacher's layers and save it as an HF directory.
    InitStudent(init_student::Args),
    /// Fine-tune a BERT/DistilBERT checkpoint on CoNLL data (the teacher).
    Finetune(finetune::Args),
    /// Distil a teacher into a DistilBERT-layout student.
    Distill(distill::Args),
    /// A teacher tags unlabelled text into a soft-label transfer set for `distill --transfer`.
    Label(label::Args),
    /// Evaluate a model on a CoNLL file (every word scored).
    Eval(eval::Args),
    /// Tag text, files (text, JSONL, CoNLL) with entities and character offsets.
    Predict(predict::Args),
    /// HTTP API: POST /predict, GET /health, GET /info (micro-batched).
    Serve(serve::Args),
    /// Inference speed (sentences/s, tokens/s, latency) vs the PyTorch eager baseline and ONNX Runtime.
    Bench(bench::Args),
    /// Compile a model ahead of time (torch.export + AOTInductor) for faster fp32 CPU inference.
    Compile(compile::Args),
    /// Measure a model's dev F1 and speed in each precision; save the choice `--precision auto` follows.
    Precision(precision::Args),
    /// The main job: fine-tune the teacher, distil the student, report teacher vs student on test.
    Run(pipeline::Args),
}

impl Cmd {
    /// Commands that only run models forward: they keep freed pages and many oneDNN primitives;
    /// training bounds the primitives (`util::size_primitive_cache`).
    fn is_inference(&self) -> bool {
        matches!(
            self,
            Cmd::Eval(_)
                | Cmd::Predict(_)
                | Cmd::Serve(_)
                | Cmd::Bench(_)
                | Cmd::Precision(_)
                | Cmd::Label(_)
                | Cmd::Compile(_)
        )
    }
}

fn main() {
    // Piped into `head` and the like, exit quietly when the reader goes away (Rust's default turns
    // EPIPE into a panic in println!).
    // SAFETY: called first thing, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    // Both before the first tensor operation and before any thread exists.
    if cli.cmd.is_inference() {
        util::size_primitive_cache(util::INFERENCE_PRIMITIVES);
    } else {
        util::size_primitive_cache(util::TRAINING_PRIMITIVES);
    }
    util::keep_freed_pages();
    // Before any device is chosen: CUDA's libraries only where a GPU driver exists.
    distilner::util::load_cuda_backend();
    let r = match cli.cmd {
        Cmd::Data(a) => data::run(a),
        Cmd::Score(a) => score::run(a),
        Cmd::Inspect(a) => inspect::run(a),
        Cmd::InitStudent(a) => init_student::run(a),
        Cmd::Finetune(a) => finetune::run(a),
        Cmd::Distill(a) => distill::run(a),
        Cmd::Label(a) => label::run(a),
        Cmd::Eval(a) => eval::run(a),
        Cmd::Predict(a) => predict::run(a),
        Cmd::Serve(a) => serve::run(a),
        Cmd::Bench(a) => bench::run(a),
        Cmd::Precision(a) => precision::run(a),
        Cmd::Compile(a) => compile::run(a),
        Cmd::Run(a) => pipeline::run(a),
    };
    if let Err(e) = r {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bounded to training's 64 primitives, every inference pass over the test split rebuilt them
    /// all (`util::size_primitive_cache`); so only training commands are bounded.
    #[test]
    fn only_training_bounds_the_primitive_cache() {
        let inference = |args: &[&str]| {
            let cli = Cli::try_parse_from([&["distilner"], args].concat()).unwrap();
            cli.cmd.is_inference()
        };
        for cmd in ["eval", "bench", "precision", "compile"] {
            assert!(inference(&[cmd, "--model", "m"]), "{cmd}");
        }
        assert!(inference(&["predict", "--model", "m", "text"]));
        assert!(inference(&["serve", "--model", "m"]));
        assert!(inference(&[
            "label",
            "--teacher",
            "t",
            "--input",
            "i",
            "--out",
            "o"
        ]));
        assert!(!inference(&["finetune", "--model", "m", "--out", "o"]));
        assert!(!inference(&["distill", "--teacher", "t", "--out", "o"]));
        assert!(!inference(&["run"]));
    }
}
