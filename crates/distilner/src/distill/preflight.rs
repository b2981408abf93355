//! Checks before any distillation step: labels mapped by name (the seed card's F1 0.0165 came from
//! labels mapped by position), the data's tag scheme, and the teacher's own dev F1 through our
//! pipeline. Each failure stops the run with the full picture printed.
use crate::data::{Corpus, LabelSet, Scheme};
use std::collections::HashMap;

/// Why a distillation was refused before its first step.
#[derive(Debug, thiserror::Error)]
pub enum PreflightError {
    #[error("--label-map: {pair:?} is not `teacher_label=data_label`")]
    BadLabelMap { pair: String },
    #[error(
        "preflight: the teacher cannot produce data labels {missing:?} (labels are matched by name, never by position):\n{table}\
         Pass --label-map TEACHER=DATA,... (e.g. --label-map LABEL_1=B-PER,LABEL_2=I-PER) if the names differ."
    )]
    MissingLabels { missing: Vec<String>, table: String },
    #[error("preflight: {path} uses IOBES tags but the model's labels are IOB ({labels:?})")]
    Scheme { path: String, labels: Vec<String> },
    #[error(
        "preflight: the teacher scores dev F1 {f1:.4} through distilner's pipeline (minimum {min_f1}); distilling it would \
         give a dead student like the seed's (F1 0.0165). Check that its id2label matches its head and the data:\n{table}\
         (--min-teacher-f1 0 overrides this check)"
    )]
    TeacherTooWeak { f1: f64, min_f1: f64, table: String },
    #[error(
        "preflight: --label-map renames the teacher's labels {renamed} and its dev F1 through the map is {mapped_f1:.4}, \
         against {own_f1:.4} with its own id2label names. The map pairs labels by position, not by meaning \
         (the seed card's F1 0.0165); its names already match the data's, so drop --label-map"
    )]
    LabelMapByPosition {
        renamed: String,
        own_f1: f64,
        mapped_f1: f64,
    },
}

type Result<T> = std::result::Result<T, PreflightError>;

/// Parse `--label-map teacherLabel=dataLabel,...` (e.g. `LABEL_1=B-PER`).
pub fn parse_label_map(s: &str) -> Result<HashMap<String, String>> {
    s.split(',')
        .filter(|x| !x.trim().is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => {
                Ok((a.trim().to_string(), b.trim().to_string()))
            }
            _ => Err(PreflightError::BadLabelMap {
                pair: pair.to_string(),
            }),
        })
        .collect()
}

/// Rename teacher labels with a user map (teacher name → data name).
pub fn rename(teacher: &LabelSet, map: &HashMap<String, String>) -> LabelSet {
    LabelSet::new(
        teacher
            .names()
            .iter()
            .map(|l| map.get(l).cloned().unwrap_or_else(|| l.clone()))
            .collect(),
    )
}

/// A table of how each data label maps to the teacher's ids (for error messages and logs).
pub fn mapping_table(data: &LabelSet, teacher: &LabelSet) -> String {
    let mut s = String::from("  data label   -> teacher id (teacher label)\n");
    for l in data.names() {
        match teacher.id(l) {
            Some(i) => s += &format!("  {l:<12} -> {i} ({})\n", teacher.name(i)),
            None => s += &format!("  {l:<12} -> MISSING\n"),
        }
    }
    s += &format!("  teacher id2label: {:?}\n", teacher.names());
    s
}

/// Every data label must exist in the teacher by name.
pub fn check_labels(data: &LabelSet, teacher: &LabelSet) -> Result<Vec<usize>> {
    data.map_to(teacher)
        .map_err(|missing| PreflightError::MissingLabels {
            missing,
            table: mapping_table(data, teacher),
        })
}

/// The data's scheme: IOB1/IOB2 are fine (training converts to IOB2); IOBES needs a model with E-/S-.
pub fn check_scheme(corpus: &Corpus, model_labels: &LabelSet) -> Result<Scheme> {
    let s = crate::data::detect(corpus.sentences.iter().map(|s| s.tags.as_slice()));
    if s == Scheme::Iobes && !model_labels.names().iter().any(|l| l.starts_with("E-")) {
        return Err(PreflightError::Scheme {
            path: corpus.path.display().to_string(),
            labels: model_labels.names().to_vec(),
        });
    }
    Ok(s)
}

/// Refuse a teacher that scores (near) zero on dev through our pipeline.
pub fn check_teacher_f1(f1: f64, min_f1: f64, data: &LabelSet, teacher: &LabelSet) -> Result<()> {
    if f1 < min_f1 {
        return Err(PreflightError::TeacherTooWeak {
            f1,
            min_f1,
            table: mapping_table(data, teacher),
        });
    }
    Ok(())
}

/// Refuse a `--label-map` that makes the teacher worse than its own label names do: it renames
/// labels by position, the seed card's mistake.
pub fn check_label_map_gain(
    own_f1: f64,
    mapped_f1: f64,
    own: &LabelSet,
    mapped: &LabelSet,
) -> Result<()> {
    if mapped_f1 < own_f1 {
        let renamed: Vec<String> = own
            .names()
            .iter()
            .zip(mapped.names())
            .filter(|(a, b)| a != b)
            .map(|(a, b)| format!("{a}→{b}"))
            .collect();
        return Err(PreflightError::LabelMapByPosition {
            renamed: renamed.join(", "),
            own_f1,
            mapped_f1,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    fn ls(v: &[&str]) -> LabelSet {
        LabelSet::new(v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn seed_orders_map_by_name() {
        let teacher = ls(&[
            "O", "B-MISC", "I-MISC", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC",
        ]);
        let data = ls(&[
            "O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC",
        ]);
        assert_eq!(
            check_labels(&data, &teacher).unwrap(),
            vec![0, 3, 4, 5, 6, 7, 8, 1, 2]
        );
    }

    #[test]
    fn generic_names_are_refused_then_mapped() {
        let teacher = ls(&["LABEL_0", "LABEL_1", "LABEL_2"]);
        let data = ls(&["O", "B-PER", "I-PER"]);
        let e = check_labels(&data, &teacher).unwrap_err().to_string();
        assert!(e.contains("MISSING") && e.contains("--label-map"), "{e}");
        let m = parse_label_map("LABEL_0=O,LABEL_1=B-PER,LABEL_2=I-PER").unwrap();
        assert_eq!(
            check_labels(&data, &rename(&teacher, &m)).unwrap(),
            vec![0, 1, 2]
        );
        assert!(parse_label_map("x").is_err());
    }

    #[test]
    fn dead_teacher_is_refused() {
        let l = ls(&["O"]);
        assert!(check_teacher_f1(0.01, 0.1, &l, &l).is_err());
        assert!(check_teacher_f1(0.5, 0.1, &l, &l).is_ok());
    }
}
