//! `distilner score FILE`: a drop-in for conlleval.pl.
use anyhow::{Context, Result};
use distilner::eval::{conlleval, Mode};
use std::io::Read;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// `word ... GOLD PRED` lines, blank lines between sentences; `-` or nothing reads standard input.
    file: Option<PathBuf>,
    /// JSON (precision, recall, f1, accuracy, per_type) instead of conlleval's text.
    #[arg(long)]
    json: bool,
    /// `default` (conlleval / seqeval default) or `strict` (seqeval mode="strict", scheme=IOB2).
    #[arg(long, value_enum, default_value_t = Mode::Default)]
    mode: Mode,
}

pub fn run(a: Args) -> Result<()> {
    let (name, bytes) = match &a.file {
        Some(p) if p.as_os_str() != "-" => (
            p.display().to_string(),
            std::fs::read(p).with_context(|| format!("{}: cannot read", p.display()))?,
        ),
        _ => {
            let mut b = Vec::new();
            std::io::stdin().read_to_end(&mut b)?;
            ("<stdin>".to_string(), b)
        }
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        let upto = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = upto.iter().filter(|&&b| b == b'\n').count() + 1;
        anyhow::anyhow!("{name}:{line}: invalid UTF-8; re-encode the file as UTF-8")
    })?;
    let (report, out) = conlleval::run(&text, &name, a.mode)?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{out}");
    }
    Ok(())
}
