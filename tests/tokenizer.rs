//! Tokenizer alignment against `tokenizer(words, is_split_into_words=True)` (transformers 5.24).
mod common;
use distilner::tokenize::NerTokenizer;

fn check(tok: &NerTokenizer, file: &str) {
    let lines = common::jsonl(common::testvectors().join(file));
    assert!(lines.len() >= 300);
    for (i, l) in lines.iter().enumerate() {
        let words: Vec<String> = serde_json::from_value(l["words"].clone()).unwrap();
        let enc = tok.encode_words(&words).unwrap();
        let ids: Vec<i64> = serde_json::from_value(l["input_ids"].clone()).unwrap();
        let wids: Vec<Option<usize>> = serde_json::from_value(l["word_ids"].clone()).unwrap();
        assert_eq!(enc.input_ids, ids, "{file} line {i}: {words:?}");
        assert_eq!(enc.word_ids, wids, "{file} line {i}: {words:?}");
    }
}

#[test]
fn cased_vocab_matches_transformers() {
    let vocab = common::shared().join("data/vocab/bert-base-cased-vocab.txt");
    let tok = NerTokenizer::from_vocab(&vocab, false).unwrap();
    let e = tok
        .encode_words(
            &"EU rejects German call to boycott British lamb ."
                .split(' ')
                .collect::<Vec<_>>(),
        )
        .unwrap();
    assert_eq!(
        e.input_ids,
        [101, 7270, 22961, 1528, 1840, 1106, 21423, 1418, 2495, 12913, 119, 102]
    );
    check(&tok, "tokenize_cased.jsonl");
}

#[test]
fn uncased_minilm_matches_transformers() {
    let dir = common::minilm();
    if !dir.join("vocab.txt").exists() {
        panic!("{} missing: run ./setup.sh", dir.display());
    }
    let tok = NerTokenizer::from_dir(&dir).unwrap();
    assert!(tok.lowercase);
    check(&tok, "tokenize_uncased.jsonl");
    // The vocab.txt route gives the same ids as tokenizer.json.
    let tok2 = NerTokenizer::from_vocab(&dir.join("vocab.txt"), true).unwrap();
    check(&tok2, "tokenize_uncased.jsonl");
}
