//! conlleval.pl: its input (`... GOLD PRED` lines) and its text report, byte for byte.
use super::metrics::{score, Mode, Report};

/// Parse conlleval input: whitespace-separated columns, the last two are gold and predicted tags;
/// blank lines and `-DOCSTART-` lines end sentences. Errors name the line.
/// Gold and predicted tag sequences, one inner list per sentence.
pub type TagPairs = (Vec<Vec<String>>, Vec<Vec<String>>);

pub fn parse_input(text: &str, name: &str) -> crate::Result<TagPairs> {
    let (mut gold, mut pred) = (Vec::new(), Vec::new());
    let (mut g, mut p) = (Vec::new(), Vec::new());
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (i, line) in text.lines().enumerate() {
        let cols: Vec<&str> = line
            .split([' ', '\t', '\r'])
            .filter(|c| !c.is_empty())
            .collect();
        if cols.is_empty() || cols[0] == "-DOCSTART-" {
            if !g.is_empty() {
                gold.push(std::mem::take(&mut g));
                pred.push(std::mem::take(&mut p));
            }
            continue;
        }
        if cols.len() < 2 {
            fail!(
                "{name}:{}: expected `... GOLD PRED` (at least two columns), found {:?}",
                i + 1,
                line
            );
        }
        for t in &cols[cols.len() - 2..] {
            if let Err(why) = crate::data::conll::check_tag(t) {
                fail!("{name}:{}: bad tag {t:?}: {why}", i + 1);
            }
        }
        g.push(cols[cols.len() - 2].to_string());
        p.push(cols[cols.len() - 1].to_string());
    }
    if !g.is_empty() {
        gold.push(g);
        pred.push(p);
    }
    Ok((gold, pred))
}

/// conlleval.pl's percentages, computed its way (from counts, FB1 from the percentages) so the
/// rounding of `%6.2f` matches to the byte.
fn pcts(correct: usize, found: usize, gold: usize) -> (f64, f64, f64) {
    let p = if found > 0 {
        100.0 * correct as f64 / found as f64
    } else {
        0.0
    };
    let r = if gold > 0 {
        100.0 * correct as f64 / gold as f64
    } else {
        0.0
    };
    let f = if p + r > 0.0 {
        2.0 * p * r / (p + r)
    } else {
        0.0
    };
    (p, r, f)
}

/// The report conlleval.pl prints for a scored input.
pub fn format_report(r: &Report) -> String {
    let mut s = format!(
        "processed {} tokens with {} phrases; found: {} phrases; correct: {}.\n",
        r.tokens, r.gold_entities, r.found_entities, r.correct_entities
    );
    if r.tokens > 0 {
        let (p, rc, f) = pcts(r.correct_entities, r.found_entities, r.gold_entities);
        let acc = 100.0 * r.correct_tokens as f64 / r.tokens as f64;
        s += &format!(
            "accuracy: {acc:6.2}%; precision: {p:6.2}%; recall: {rc:6.2}%; FB1: {f:6.2}\n"
        );
    }
    for (ty, m) in &r.per_type {
        let (p, rc, f) = pcts(m.correct, m.found, m.support);
        s += &format!(
            "{ty:>17}: precision: {p:6.2}%; recall: {rc:6.2}%; FB1: {f:6.2}  {}\n",
            m.found
        );
    }
    s
}

/// Score conlleval input text and return (report, text).
pub fn run(text: &str, name: &str, mode: Mode) -> crate::Result<(Report, String)> {
    let (g, p) = parse_input(text, name)?;
    let r = score(&g, &p, mode)?;
    let t = format_report(&r);
    Ok((r, t))
}
