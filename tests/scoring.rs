//! The scorer against seqeval 1.2.2 / conlleval.pl: all 300 cases of metrics.jsonl.
mod common;
use distilner::eval::{conlleval, score, Mode, Report};
use serde_json::Value;

fn tags(v: &Value) -> Vec<Vec<String>> {
    serde_json::from_value(v.clone()).unwrap()
}

fn check(case: usize, r: &Report, want: &Value) {
    let close = |a: f64, b: &Value, what: &str| {
        let b = b.as_f64().unwrap();
        assert!((a - b).abs() < 1e-9, "case {case} {what}: {a} != {b}");
    };
    for k in ["precision", "recall", "f1", "accuracy"] {
        let got = match k {
            "precision" => r.precision,
            "recall" => r.recall,
            "f1" => r.f1,
            _ => r.accuracy,
        };
        close(got, &want[k], k);
    }
    let per = want["per_type"].as_object().unwrap();
    let got_types: Vec<&String> = r.per_type.keys().collect();
    let want_types: Vec<&String> = per.keys().collect();
    assert_eq!(got_types, want_types, "case {case} types");
    for (ty, w) in per {
        let g = &r.per_type[ty];
        close(g.precision, &w["precision"], &format!("{ty} precision"));
        close(g.recall, &w["recall"], &format!("{ty} recall"));
        close(g.f1, &w["f1"], &format!("{ty} f1"));
        assert_eq!(
            g.support as u64,
            w["support"].as_u64().unwrap(),
            "case {case} {ty} support"
        );
    }
}

#[test]
fn all_metric_cases_match_seqeval_and_conlleval() {
    let cases = common::jsonl(common::testvectors().join("metrics.jsonl"));
    assert_eq!(cases.len(), 300);
    for (i, c) in cases.iter().enumerate() {
        let (gold, pred) = (tags(&c["gold"]), tags(&c["pred"]));
        let d = score(&gold, &pred, Mode::Default).unwrap();
        check(i, &d, &c["default"]);
        let s = score(&gold, &pred, Mode::Strict).unwrap();
        check(i, &s, &c["strict_iob2"]);
        // conlleval: through its own text input, as `w GOLD PRED` lines.
        let mut text = String::new();
        for (g, p) in gold.iter().zip(&pred) {
            for (a, b) in g.iter().zip(p) {
                text += &format!("w {a} {b}\n");
            }
            text += "\n";
        }
        let (_, out) = conlleval::run(&text, "case", Mode::Default).unwrap();
        assert_eq!(
            out,
            c["conlleval_output"].as_str().unwrap(),
            "case {i} conlleval text"
        );
    }
}
