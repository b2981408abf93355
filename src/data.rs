//! `distilner data stats FILE...`
use anyhow::Result;
use distilner::data::{stats::stats, DataError, DataRef};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    cmd: Sub,
}

#[derive(clap::Subcommand)]
enum Sub {
    /// Documents, sentences, tokens and entities per type (conlleval chunking), and the tag scheme.
    Stats {
        /// CoNLL, .parquet, .arrow, .jsonl or .json files, dataset directories or hub dataset ids.
        files: Vec<String>,
        /// Splits to show for a dataset directory or id (default: train, validation, test — those present).
        #[arg(long, value_delimiter = ',')]
        split: Option<Vec<String>>,
        #[command(flatten)]
        read: crate::data_flags::ReadFlags,
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(a: Args) -> Result<()> {
    let Sub::Stats {
        files,
        split,
        read,
        json,
    } = a.cmd;
    if files.is_empty() {
        anyhow::bail!("give one or more data files, directories or dataset ids, e.g. distilner data stats ../shared/data/conll2003/eng.train");
    }
    let opts = read.options();
    let explicit = split.is_some();
    let splits =
        split.unwrap_or_else(|| ["train", "validation", "test"].map(String::from).to_vec());
    let mut rows = Vec::new();
    for f in &files {
        if std::path::Path::new(f).is_file() {
            rows.push((f.clone(), stats(&DataRef::new(f, "train").load(&opts)?)));
            continue;
        }
        let mut seen = Vec::new();
        for sp in &splits {
            match DataRef::new(f, sp).load(&opts) {
                // A directory or id without this split: skipped unless the split was asked for.
                Err(DataError::NoSplit { .. }) if !explicit => continue,
                Err(e) => return Err(e.into()),
                Ok(c) if seen.contains(&c.source.files) => continue,
                Ok(c) => {
                    seen.push(c.source.files.clone());
                    rows.push((c.display_name(), stats(&c)));
                }
            }
        }
        if seen.is_empty() {
            anyhow::bail!("{f}: none of the splits {splits:?} found; name one with --split");
        }
    }
    if json {
        let v: serde_json::Map<String, serde_json::Value> = rows
            .iter()
            .map(|(f, s)| (f.clone(), serde_json::to_value(s).unwrap()))
            .collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    let mut types: Vec<String> = rows
        .iter()
        .flat_map(|(_, s)| s.entities.keys().cloned())
        .collect();
    types.sort();
    types.dedup();
    // The shared README's column order for CoNLL-2003, then any other types.
    let order: Vec<String> = ["PER", "LOC", "ORG", "MISC"]
        .iter()
        .map(|s| s.to_string())
        .filter(|t| types.contains(t))
        .chain(
            types
                .iter()
                .filter(|t| !["PER", "LOC", "ORG", "MISC"].contains(&t.as_str()))
                .cloned(),
        )
        .collect();
    let sep = |n: usize| {
        let s = n.to_string();
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    println!(
        "| file | docs | sentences | tokens | {} | scheme |",
        order.join(" | ")
    );
    println!("|---|---|---|---|{}---|", "---|".repeat(order.len()));
    for (f, s) in rows {
        let ents: Vec<String> = order
            .iter()
            .map(|t| sep(*s.entities.get(t).unwrap_or(&0)))
            .collect();
        println!(
            "| {f} | {} | {} | {} | {} | {} |",
            sep(s.docs),
            sep(s.sentences),
            sep(s.tokens),
            ents.join(" | "),
            s.scheme
        );
    }
    Ok(())
}
