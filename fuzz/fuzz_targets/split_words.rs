#![no_main]
// Raw-text word splitting: offsets are char boundaries inside the input and slice back to the word.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let mut last = 0;
        for w in distilner::infer::words::split_words(text) {
            assert!(w.start < w.end && w.end <= text.len());
            assert!(text.is_char_boundary(w.start) && text.is_char_boundary(w.end));
            assert_eq!(&text[w.start..w.end], w.text);
            assert!(w.start >= last);
            last = w.end;
        }
    }
});
