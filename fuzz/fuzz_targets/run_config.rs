#![no_main]
// The TOML run config never panics; what it accepts validates.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(c) = distilner::train::TrainConfig::from_toml(text) {
            assert!(c.validate().is_ok());
        }
    }
});
