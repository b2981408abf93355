#![no_main]
// config.json parsing (BERT/DistilBERT) and tokenizer-config casing never panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Ok(c) = distilner::model::ModelConfig::from_json(v) {
            if let Some(l) = &c.labels {
                let _ = c.to_json(l);
            }
        }
    }
});
