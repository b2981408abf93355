#![no_main]
// The CoNLL reader: any bytes give sentences (words and tags of equal length) or an error, never a panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = distilner::data::parse_conll(data, "fuzz") {
        for s in &c.sentences {
            assert_eq!(s.words.len(), s.tags.len());
            let iob2 = distilner::data::convert(&s.tags, true);
            assert_eq!(distilner::data::chunks::chunks_default(&s.tags), distilner::data::chunks::chunks_default(&iob2));
        }
    }
});
