//! Corpus statistics (`distilner data stats`): documents, sentences, tokens, entities per type.
use super::chunks::chunks_default;
use super::Corpus;
use std::collections::BTreeMap;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Stats {
    pub docs: usize,
    pub sentences: usize,
    pub tokens: usize,
    pub entities: BTreeMap<String, usize>,
    pub scheme: String,
}

pub fn stats(c: &Corpus) -> Stats {
    let mut entities = BTreeMap::new();
    for s in &c.sentences {
        for e in chunks_default(&s.tags) {
            *entities.entry(e.ty).or_insert(0) += 1;
        }
    }
    Stats {
        docs: c.docs(),
        sentences: c.sentences.len(),
        tokens: c.sentences.iter().map(|s| s.words.len()).sum(),
        entities,
        scheme: super::detect(c.sentences.iter().map(|s| s.tags.as_slice())).to_string(),
    }
}
