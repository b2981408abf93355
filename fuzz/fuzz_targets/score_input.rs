#![no_main]
// The `score` input reader and scorer (both modes) never panic.
use distilner::eval::{conlleval, Mode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok((r, _)) = conlleval::run(text, "fuzz", Mode::Default) {
            assert!((0.0..=1.0).contains(&r.f1));
        }
        let _ = conlleval::run(text, "fuzz", Mode::Strict);
    }
});
