//! seqeval 1.2.2's averages, `zero_division` and `classification_report` text, from the entity counts
//! [`score`](super::score) makes: the Python package's `f1_score`/`classification_report` give
//! seqeval's numbers bit for bit (numpy's summation order included) and its report character for
//! character.
use super::metrics::Report;

/// seqeval's `average`: micro counts globally; macro and weighted average the per-type scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Average {
    Micro,
    Macro,
    Weighted,
}

/// The value a 0/0 precision, recall or F1 takes (seqeval's `zero_division`; its "warn" is `Zero`
/// plus a warning the caller raises from [`Scores::undefined`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ZeroDivision {
    #[default]
    Zero,
    One,
}

impl ZeroDivision {
    fn value(self) -> f64 {
        match self {
            ZeroDivision::Zero => 0.0,
            ZeroDivision::One => 1.0,
        }
    }
}

/// Precision, recall, F1 and support of one row (a type, or an average).
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
    /// Which divisions were 0/0 (precision: no prediction; recall: no gold entity), for warnings.
    pub undefined: Undefined,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Undefined {
    pub precision: bool,
    pub recall: bool,
    /// Neither gold nor predicted entities (F1 is then 0/0 too).
    pub f1: bool,
}

/// One type's counts: correct, predicted, gold.
type Counts = (usize, usize, usize);

fn counts(r: &Report) -> Vec<(String, Counts)> {
    // BTreeMap order = Python's sorted() on str (UTF-8 byte order is code point order).
    r.per_type
        .iter()
        .map(|(t, p)| (t.clone(), (p.correct, p.found, p.support)))
        .collect()
}

fn divide(num: usize, den: usize, zd: ZeroDivision) -> (f64, bool) {
    if den == 0 {
        (zd.value(), true)
    } else {
        (num as f64 / den as f64, false)
    }
}

fn prf((tp, pred, gold): Counts, zd: ZeroDivision) -> Scores {
    let (p, p_undef) = divide(tp, pred, zd);
    let (r, r_undef) = divide(tp, gold, zd);
    // numpy: (1 + beta²)·p·r / denom with a zero denom replaced by 1.
    let denom = if p + r == 0.0 { 1.0 } else { p + r };
    Scores {
        precision: p,
        recall: r,
        f1: 2.0 * p * r / denom,
        support: gold,
        undefined: Undefined {
            precision: p_undef,
            recall: r_undef,
            f1: pred == 0 && gold == 0,
        },
    }
}

/// Per-type rows, sorted by type name (seqeval's `average=None`).
pub fn per_type(r: &Report, zd: ZeroDivision) -> Vec<(String, Scores)> {
    counts(r)
        .into_iter()
        .map(|(t, c)| (t, prf(c, zd)))
        .collect()
}

/// numpy's pairwise summation (`np.add.reduce` on a contiguous float64 array), so averages over more
/// than eight types round exactly as seqeval's do.
fn np_sum(a: &[f64]) -> f64 {
    const BLOCK: usize = 128;
    let n = a.len();
    if n < 8 {
        return a.iter().fold(0.0, |s, x| s + x);
    }
    if n <= BLOCK {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&a[..8]);
        let mut i = 8;
        while i + 8 <= n {
            for (j, rj) in r.iter_mut().enumerate() {
                *rj += a[i + j];
            }
            i += 8;
        }
        let mut s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for x in &a[i..] {
            s += x;
        }
        return s;
    }
    let half = (n / 2) / 8 * 8;
    np_sum(&a[..half]) + np_sum(&a[half..])
}

/// One averaged row (seqeval's `average="micro"|"macro"|"weighted"`). With no type at all, macro
/// and weighted follow numpy: the mean of nothing is NaN; support is 0.
pub fn averaged(r: &Report, average: Average, zd: ZeroDivision) -> Scores {
    let c = counts(r);
    let gold: usize = c.iter().map(|x| x.1 .2).sum();
    let pred: usize = c.iter().map(|x| x.1 .1).sum();
    if average == Average::Micro {
        return prf((c.iter().map(|x| x.1 .0).sum(), pred, gold), zd);
    }
    let rows: Vec<Scores> = c.iter().map(|x| prf(x.1, zd)).collect();
    let undefined = Undefined {
        precision: rows.iter().any(|s| s.undefined.precision),
        recall: rows.iter().any(|s| s.undefined.recall),
        f1: rows.iter().any(|s| s.undefined.f1),
    };
    let col = |f: fn(&Scores) -> f64| rows.iter().map(f).collect::<Vec<f64>>();
    let (p, rc, f) = (col(|s| s.precision), col(|s| s.recall), col(|s| s.f1));
    let mean = |v: &[f64]| np_sum(v) / v.len() as f64;
    let (precision, recall, f1) = match average {
        Average::Macro => (mean(&p), mean(&rc), mean(&f)),
        _ if gold == 0 => {
            // seqeval returns zero_division values here instead of dividing by a zero weight sum.
            let z = zd.value();
            let pz = if pred == 0 { z } else { 0.0 };
            (pz, z, pz)
        }
        _ => {
            let w: Vec<f64> = c.iter().map(|x| x.1 .2 as f64).collect();
            let wmean = |v: &[f64]| {
                let prod: Vec<f64> = v.iter().zip(&w).map(|(a, b)| a * b).collect();
                np_sum(&prod) / gold as f64
            };
            (wmean(&p), wmean(&rc), wmean(&f))
        }
    };
    Scores {
        precision,
        recall,
        f1,
        support: gold,
        undefined,
    }
}

/// Raised where seqeval raises: a report needs at least one entity, gold or predicted.
#[derive(Debug, thiserror::Error)]
#[error("no entity in y_true or y_pred: a classification report needs at least one")]
pub struct NoEntities;

/// seqeval's `classification_report(..., digits)` text: one row per type, then micro, macro and
/// weighted averages, formatted as its `StringReporter` does.
pub fn classification_report(
    r: &Report,
    digits: usize,
    zd: ZeroDivision,
) -> Result<String, NoEntities> {
    let rows = per_type(r, zd);
    let name_width = rows
        .iter()
        .map(|(t, _)| t.chars().count())
        .max()
        .ok_or(NoEntities)?;
    let width = name_width.max("weighted avg".len()).max(digits);
    let row = |name: &str, s: &Scores| {
        format!(
            "{name:>width$}  {:>9.digits$} {:>9.digits$} {:>9.digits$} {:>9}",
            s.precision, s.recall, s.f1, s.support
        )
    };
    let mut out = format!(
        "{:>width$}  {:>9} {:>9} {:>9} {:>9}\n\n",
        "", "precision", "recall", "f1-score", "support"
    );
    let mut lines: Vec<String> = rows.iter().map(|(t, s)| row(t, s)).collect();
    lines.push(String::new());
    for (name, a) in [
        ("micro avg", Average::Micro),
        ("macro avg", Average::Macro),
        ("weighted avg", Average::Weighted),
    ] {
        lines.push(row(name, &averaged(r, a, zd)));
    }
    lines.push(String::new());
    out.push_str(&lines.join("\n"));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{score, Mode};

    fn report(g: &[&[&str]], p: &[&[&str]]) -> Report {
        fn v<'a>(x: &[&[&'a str]]) -> Vec<Vec<&'a str>> {
            x.iter().map(|s| s.to_vec()).collect()
        }
        score(&v(g), &v(p), Mode::Default).unwrap()
    }

    #[test]
    fn seqeval_docstring_example() {
        // seqeval's own classification_report example, text as its docstring prints it.
        let r = report(
            &[
                &["O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"],
                &["B-PER", "I-PER", "O"],
            ],
            &[
                &["O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"],
                &["B-PER", "I-PER", "O"],
            ],
        );
        let want = "              precision    recall  f1-score   support\n\n\
                    \x20       MISC       0.00      0.00      0.00         1\n\
                    \x20        PER       1.00      1.00      1.00         1\n\n\
                    \x20  micro avg       0.50      0.50      0.50         2\n\
                    \x20  macro avg       0.50      0.50      0.50         2\n\
                    weighted avg       0.50      0.50      0.50         2\n";
        assert_eq!(
            classification_report(&r, 2, ZeroDivision::Zero).unwrap(),
            want
        );
    }

    #[test]
    fn zero_division_and_weights() {
        // LOC only predicted: its recall is 0/0; weighted average ignores it (weight 0).
        let r = report(&[&["B-PER", "O"]], &[&["B-PER", "B-LOC"]]);
        let rows = per_type(&r, ZeroDivision::One);
        assert_eq!(rows[0].0, "LOC");
        assert_eq!((rows[0].1.precision, rows[0].1.recall), (0.0, 1.0));
        assert!(rows[0].1.undefined.recall && !rows[0].1.undefined.precision);
        let w = averaged(&r, Average::Weighted, ZeroDivision::Zero);
        assert_eq!((w.precision, w.recall, w.f1, w.support), (1.0, 1.0, 1.0, 1));
        let m = averaged(&r, Average::Macro, ZeroDivision::Zero);
        assert_eq!((m.precision, m.recall), (0.5, 0.5));
        assert!(
            classification_report(&report(&[&["O"]], &[&["O"]]), 2, ZeroDivision::Zero).is_err()
        );
    }

    #[test]
    fn pairwise_sum_matches_numpy_order() {
        // 0.1 summed 10 times: sequential gives 0.9999999999999999, numpy's 8-way blocks give 1.0.
        let v = vec![0.1f64; 10];
        assert_eq!(np_sum(&v), 1.0);
        assert_eq!(np_sum(&v[..7]), v[..7].iter().fold(0.0, |s, x| s + x));
    }
}
