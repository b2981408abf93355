#![no_main]
// The serve request body: every input is a request or a 4xx error.
use distilner_server::request::{parse, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match parse(data, &Limits::default()) {
        Ok(r) => assert!(!r.texts.is_empty() && r.texts.len() <= Limits::default().max_batch),
        Err(e) => assert!((400..500).contains(&e.status)),
    }
});
