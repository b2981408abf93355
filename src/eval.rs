//! `distilner eval --model M --data F [--mode strict] [--conlleval]`
use anyhow::Result;
use distilner::data::DataRef;
use distilner::eval::{conlleval, Mode};
use distilner::evaluate::evaluate;
use distilner::infer::TagOptions;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    m: crate::model_flags::ModelFlags,
    /// Gold data: a CoNLL file, a .parquet/.arrow/.jsonl/.json file, a dataset directory or a hub id.
    #[arg(long, default_value = "../shared/data/conll2003")]
    data: String,
    /// The split to score when --data holds several.
    #[arg(long, default_value = "test")]
    split: String,
    #[command(flatten)]
    read: crate::data_flags::ReadFlags,
    #[arg(long, value_enum, default_value_t = Mode::Default)]
    mode: Mode,
    /// Print conlleval.pl's text report instead of JSON.
    #[arg(long)]
    conlleval: bool,
    /// Write `word GOLD PRED` lines here (conlleval input).
    #[arg(long)]
    write_predictions: Option<PathBuf>,
    #[arg(long, default_value_t = 64)]
    batch_size: usize,
}

pub fn run(a: Args) -> Result<()> {
    let l = a.m.load()?;
    let corpus = DataRef::new(&a.data, &a.split).load(&a.read.options())?;
    let opt = a.m.tag_options(TagOptions {
        batch_size: a.batch_size,
        ..TagOptions::default()
    })?;
    let (report, pred) = evaluate(&l.model, &l.tokenizer, &corpus, &opt, a.mode)?;
    if let Some(p) = &a.write_predictions {
        let mut s = String::new();
        for (sent, tags) in corpus.sentences.iter().zip(&pred) {
            for ((w, g), p) in sent
                .words
                .iter()
                .zip(distilner::data::convert(&sent.tags, true))
                .zip(tags)
            {
                s += &format!("{w} {g} {p}\n");
            }
            s.push('\n');
        }
        std::fs::write(p, s)?;
    }
    if a.conlleval {
        print!("{}", conlleval::format_report(&report));
    } else {
        println!("{}", serde_json::to_string_pretty(&report)?);
    }
    Ok(())
}
