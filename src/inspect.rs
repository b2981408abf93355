//! `distilner inspect MODEL`
use anyhow::Result;
use distilner::model::{hub, load_dir, Head};

#[derive(clap::Args)]
pub struct Args {
    /// Model directory or Hugging Face id.
    model: String,
}

pub fn run(a: Args) -> Result<()> {
    let dir = hub::resolve(&a.model)?;
    let cfg = distilner::model::ModelConfig::from_file(&dir.join("config.json"))?;
    let labels = cfg.labels.clone().filter(|_| cfg.has_head);
    let dummy = distilner::data::LabelSet::new(vec!["O".into()]);
    let head = match &labels {
        Some(_) => Head::Keep,
        None => Head::ForLabels(&dummy),
    };
    let l = load_dir(&dir, head, tch::Device::Cpu)?;
    let m = &l.model;
    let size: u64 = std::fs::metadata(dir.join("model.safetensors"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!("model:        {}", dir.display());
    println!(
        "architecture: {:?}{}",
        m.config.arch,
        if labels.is_some() {
            "ForTokenClassification"
        } else {
            "Model (no head)"
        }
    );
    println!("layers:       {}", m.config.layers);
    println!(
        "hidden size:  {} ({} heads, FFN {})",
        m.config.hidden, m.config.heads, m.config.intermediate
    );
    println!("max length:   {}", m.config.max_position);
    let head_params = if labels.is_some() {
        0
    } else {
        m.config.hidden + 1
    };
    println!("parameters:   {}", m.num_parameters() - head_params);
    println!(
        "on disk:      {:.1} MB (model.safetensors)",
        size as f64 / 1e6
    );
    match labels {
        Some(l) => println!("labels:       {:?}", l.names()),
        None => println!("labels:       none (no token-classification head; `finetune` adds one)"),
    }
    println!(
        "tokenizer:    {} tokens, {}",
        l.tokenizer.vocab_size(),
        if l.tokenizer.lowercase {
            "uncased"
        } else {
            "cased"
        }
    );
    Ok(())
}
