//! Property tests (the CI-sized versions of the fuzz targets): parsers never panic, offsets stay on
//! char boundaries, IOB1↔IOB2 keeps entities, perfect predictions score 1.
use distilner::data::chunks::chunks_default;
use distilner::data::{convert, parse_conll};
use distilner::eval::{conlleval, score, Mode};
use distilner::infer::words::split_words;
use distilner::train::TrainConfig;
use distilner_server::request::{parse, Limits};
use proptest::prelude::*;

fn tag() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("O".to_string()),
        (
            prop_oneof![Just("B"), Just("I")],
            prop_oneof![Just("PER"), Just("LOC"), Just("ORG")]
        )
            .prop_map(|(p, t)| format!("{p}-{t}")),
    ]
}

fn sentences() -> impl Strategy<Value = Vec<Vec<String>>> {
    prop::collection::vec(prop::collection::vec(tag(), 1..12), 1..6)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn iob1_iob2_round_trip_keeps_entities(s in sentences()) {
        for t in &s {
            let iob2 = convert(t, true);
            let iob1 = convert(&iob2, false);
            prop_assert_eq!(chunks_default(t), chunks_default(&iob2));
            prop_assert_eq!(chunks_default(t), chunks_default(&iob1));
            prop_assert_eq!(convert(&iob1, true), iob2);
        }
    }

    #[test]
    fn perfect_prediction_scores_one(s in sentences()) {
        let r = score(&s, &s, Mode::Default).unwrap();
        prop_assert_eq!(r.accuracy, 1.0);
        if r.gold_entities > 0 {
            prop_assert_eq!((r.precision, r.recall, r.f1), (1.0, 1.0, 1.0));
        }
        let iob2: Vec<Vec<String>> = s.iter().map(|t| convert(t, true)).collect();
        let r = score(&iob2, &iob2, Mode::Strict).unwrap();
        if r.gold_entities > 0 {
            prop_assert_eq!(r.f1, 1.0);
        }
    }

    #[test]
    fn f1_is_bounded_and_symmetric_in_counts(g in sentences(), seed in any::<u64>()) {
        // A prediction of the same shape: rotate tags within each sentence.
        let p: Vec<Vec<String>> = g.iter().map(|t| { let mut t = t.clone(); let k = (seed as usize) % t.len(); t.rotate_left(k); t }).collect();
        let r = score(&g, &p, Mode::Default).unwrap();
        prop_assert!((0.0..=1.0).contains(&r.f1) && (0.0..=1.0).contains(&r.accuracy));
        let swapped = score(&p, &g, Mode::Default).unwrap();
        prop_assert!((r.f1 - swapped.f1).abs() < 1e-12);
    }

    #[test]
    fn conll_reader_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse_conll(&bytes, "fuzz");
    }

    #[test]
    fn conll_reader_never_panics_on_near_valid_text(lines in prop::collection::vec("[A-Za-z\\-\\. \\t]{0,12} ?(O|B-PER|I-|X-Y|-DOCSTART-)?\r?", 0..30)) {
        let text = lines.join("\n");
        if let Ok(c) = parse_conll(text.as_bytes(), "fuzz") {
            for s in &c.sentences {
                prop_assert_eq!(s.words.len(), s.tags.len());
            }
        }
    }

    #[test]
    fn score_input_never_panics(text in "[a-z \\n\\t]{0,20}( (O|B-PER|I-LOC|E-X|S-Y|Q-Z|B-))*\\n?") {
        let _ = conlleval::run(&text, "fuzz", Mode::Default);
        let _ = conlleval::run(&text, "fuzz", Mode::Strict);
    }

    #[test]
    fn word_offsets_are_char_boundaries(text in "\\PC{0,60}") {
        for w in split_words(&text) {
            prop_assert!(text.is_char_boundary(w.start) && text.is_char_boundary(w.end) && w.start < w.end);
            prop_assert_eq!(&text[w.start..w.end], w.text.as_str());
            prop_assert!(!w.text.chars().any(char::is_whitespace));
        }
    }

    #[test]
    fn request_parser_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse(&bytes, &Limits::default());
    }

    #[test]
    fn request_parser_on_json_shapes(s in "\\{(\"inputs\": ?(\"[a-z ]{0,8}\"|\\[(\"[a-z]{0,3}\",?){0,4}\\]|[0-9]+|null)(, ?\"parameters\": ?\\{\"aggregation_strategy\": ?\"(simple|first|x)\"\\})?)?\\}") {
        match parse(s.as_bytes(), &Limits::default()) {
            Ok(r) => prop_assert!(!r.texts.is_empty()),
            Err(e) => prop_assert!((400..500).contains(&e.status)),
        }
    }

    #[test]
    fn toml_config_never_panics(s in "[a-z_]{1,12} ?= ?(-?[0-9]{1,4}(\\.[0-9]+)?|\"[a-z]{0,5}\"|true)\\n?") {
        let _ = TrainConfig::from_toml(&s);
    }

    #[test]
    fn model_config_parser_never_panics(s in "\\{(\"(model_type|hidden_size|num_attention_heads|num_hidden_layers|vocab_size|intermediate_size|id2label)\": ?(\"bert\"|\"distilbert\"|-?[0-9]{1,3}|\\{\"0\": \"O\"\\}|null),? ?){0,7}\\}") {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(&s) {
            let _ = distilner::model::ModelConfig::from_json(v);
        }
    }
}
