//! Hand-worked cases for each strategy. Labels: O, B-PER, I-PER, B-LOC, I-LOC.
use super::*;

fn labels() -> LabelSet {
    LabelSet::new(
        ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
            .map(String::from)
            .to_vec(),
    )
}

fn tok(index: usize, text: &str, start: usize, end: usize, first: bool, probs: [f32; 5]) -> Token {
    Token {
        index,
        text: text.into(),
        start,
        end,
        first_of_word: first,
        probs: probs.to_vec(),
    }
}

/// "Jean-Luc visits Mo ##sul": tokens with hand-set probabilities.
fn case() -> Vec<Token> {
    vec![
        tok(1, "jean", 0, 4, true, [0.1, 0.8, 0.1, 0.0, 0.0]),
        tok(2, "##luc", 4, 7, false, [0.1, 0.2, 0.7, 0.0, 0.0]),
        tok(3, "visits", 8, 14, true, [0.9, 0.05, 0.05, 0.0, 0.0]),
        tok(4, "mo", 15, 17, true, [0.2, 0.0, 0.0, 0.7, 0.1]),
        // Continuation token most confident about O: `first` keeps LOC, `max` takes O, `average` LOC.
        tok(5, "##sul", 17, 20, false, [0.95, 0.0, 0.0, 0.0, 0.05]),
    ]
}

fn get(v: &Value, i: usize, k: &str) -> Value {
    v[i][k].clone()
}

#[test]
fn none_lists_non_o_tokens() {
    let v = aggregate(&case(), &labels(), Strategy::None, Decoding::Argmax);
    let ents: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["entity"].as_str().unwrap())
        .collect();
    assert_eq!(ents, ["B-PER", "I-PER", "B-LOC"]);
    assert_eq!(get(&v, 1, "word"), "##luc");
    assert_eq!(get(&v, 2, "index"), 4);
    assert!((get(&v, 0, "score").as_f64().unwrap() - 0.8).abs() < 1e-6);
}

#[test]
fn simple_groups_tokens() {
    // jean B-PER + ##luc I-PER -> PER "jeanluc" (score (0.8+0.7)/2); mo B-LOC; ##sul O.
    let v = aggregate(&case(), &labels(), Strategy::Simple, Decoding::Argmax);
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(get(&v, 0, "entity_group"), "PER");
    assert_eq!(get(&v, 0, "word"), "jeanluc");
    assert!((get(&v, 0, "score").as_f64().unwrap() - 0.75).abs() < 1e-6);
    assert_eq!(
        (get(&v, 0, "start"), get(&v, 0, "end")),
        (0.into(), 7.into())
    );
    assert_eq!(get(&v, 1, "word"), "mo");
    assert_eq!(get(&v, 1, "end"), 17);
}

#[test]
fn first_uses_first_subtoken() {
    let v = aggregate(&case(), &labels(), Strategy::First, Decoding::Argmax);
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(get(&v, 0, "word"), "jeanluc");
    assert!((get(&v, 0, "score").as_f64().unwrap() - 0.8).abs() < 1e-6);
    assert_eq!(get(&v, 1, "entity_group"), "LOC");
    assert_eq!(get(&v, 1, "word"), "mosul");
    assert_eq!(
        (get(&v, 1, "start"), get(&v, 1, "end")),
        (15.into(), 20.into())
    );
    assert!((get(&v, 1, "score").as_f64().unwrap() - 0.7).abs() < 1e-6);
}

#[test]
fn average_means_score_vectors() {
    // jean/luc average: O .1, B-PER .5, I-PER .4 -> B-PER .5; mo/sul: O .575, B-LOC .35 -> O.
    let v = aggregate(&case(), &labels(), Strategy::Average, Decoding::Argmax);
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(get(&v, 0, "entity_group"), "PER");
    assert!((get(&v, 0, "score").as_f64().unwrap() - 0.5).abs() < 1e-6);
}

#[test]
fn max_takes_most_confident_subtoken() {
    // jean (.8) vs ##luc (.7) -> B-PER .8; mo (.7) vs ##sul (.95) -> O.
    let v = aggregate(&case(), &labels(), Strategy::Max, Decoding::Argmax);
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert!((get(&v, 0, "score").as_f64().unwrap() - 0.8).abs() < 1e-6);
}

#[test]
fn b_tag_splits_groups_and_i_after_o_starts_one() {
    let t = vec![
        tok(1, "a", 0, 1, true, [0.0, 0.9, 0.1, 0.0, 0.0]),
        tok(2, "b", 2, 3, true, [0.0, 0.9, 0.1, 0.0, 0.0]),
        tok(3, "c", 4, 5, true, [0.9, 0.0, 0.1, 0.0, 0.0]),
        tok(4, "d", 6, 7, true, [0.0, 0.0, 0.0, 0.1, 0.9]),
    ];
    let v = aggregate(&t, &labels(), Strategy::Simple, Decoding::Argmax);
    let words: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["word"].as_str().unwrap())
        .collect();
    assert_eq!(words, ["a", "b", "d"]);
}
