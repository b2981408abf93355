//! Distillation settings: the `[distill]` table of a `--config` file, resolved under the flags and
//! saved with the run beside its training settings, so the saved file reproduces the run.
use crate::train::TrainConfig;
use serde::{Deserialize, Serialize};
use std::path::Path;
use toml::de::{DeTable, Deserializer, ValueDeserializer};

/// Defaults of the options every shell (CLI, Python, TOML) exposes, kept here so they agree.
pub const DEFAULT_ALPHA: f64 = 0.5;
/// T 4 beat 2 on dev for the main job's student on two seeds (bench/RESULTS.md, "The KD loss's own settings").
pub const DEFAULT_TEMPERATURE: f64 = 4.0;
pub const DEFAULT_MIN_TEACHER_F1: f64 = 0.1;

/// What a distillation run distils from, into what, and with which loss.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DistillConfig {
    /// Run directories, HF directories or ids with a token-classification head. Several: the KD
    /// target is the mean of their softened distributions; the student is built from the first.
    pub teachers: Vec<String>,
    /// Teacher layers the DistilBERT-layout student starts from (default: every other layer).
    pub student_layers: Option<Vec<usize>>,
    /// An existing student checkpoint (directory or id) instead of building one.
    pub student: Option<String>,
    /// loss = alpha·KL·T² + (1 − alpha)·CE.
    pub alpha: f64,
    pub temperature: f64,
    /// KL over every real sub-token instead of the labelled (first) ones.
    pub kd_all_tokens: bool,
    /// Weight of the hidden-state MSE term (0 = off).
    pub hidden_mse: f64,
    /// Teacher layer for each student layer in that term (default: `student_layers`).
    pub hidden_layer_map: Option<Vec<usize>>,
    /// Weight of the attention-relation term (MiniLM; 0 = off).
    pub attention_kd: f64,
    /// `[student layer, teacher layer]` for that term (default: the last of each).
    pub attention_layers: Option<(usize, usize)>,
    /// Document context per side the teachers read when their logits are cached (default: each
    /// teacher's own, from its tagging.json).
    pub teacher_context: Option<usize>,
    /// Teacher label renames, `TEACHER=DATA,...`.
    pub label_map: Option<String>,
    /// Refuse a teacher whose dev F1 is below this.
    pub min_teacher_f1: f64,
}

impl Default for DistillConfig {
    fn default() -> Self {
        DistillConfig {
            teachers: Vec::new(),
            student_layers: None,
            student: None,
            alpha: DEFAULT_ALPHA,
            temperature: DEFAULT_TEMPERATURE,
            kd_all_tokens: false,
            hidden_mse: 0.0,
            hidden_layer_map: None,
            attention_kd: 0.0,
            attention_layers: None,
            teacher_context: None,
            label_map: None,
            min_teacher_f1: DEFAULT_MIN_TEACHER_F1,
        }
    }
}

impl DistillConfig {
    /// As the `[distill]` table of a saved config.
    pub fn to_table(&self) -> crate::Result<toml::Table> {
        match toml::Value::try_from(self)? {
            toml::Value::Table(t) => Ok(t),
            _ => unreachable!("a struct serializes to a table"),
        }
    }

    /// The teacher the student is built from (and whose name the card gives first).
    pub fn first_teacher(&self) -> &str {
        self.teachers.first().map_or("", |t| t.as_str())
    }

    pub fn validate(&self) -> crate::Result<()> {
        let bad = |m: &str| Err(anyhow::anyhow!("invalid distillation settings: {m}").into());
        if self.teachers.is_empty() {
            return bad(
                "no teacher; give --teacher or `teachers = [...]` in the config's [distill] table",
            );
        }
        if !(0.0..=1.0).contains(&self.alpha) {
            return bad("alpha must be in [0, 1]");
        }
        if !(self.temperature.is_finite() && self.temperature > 0.0) {
            return bad("temperature must be a positive number");
        }
        if !(self.hidden_mse >= 0.0 && self.attention_kd >= 0.0) {
            return bad("hidden_mse and attention_kd are weights: 0 (off) or more");
        }
        if self.student.is_some() && self.student_layers.is_some() {
            return bad("student and student_layers exclude each other: a given student is not built from teacher layers");
        }
        Ok(())
    }
}

/// A `--config` file: training settings at the top level, distillation settings (if any) in its
/// `[distill]` table. Errors name the file, the line and the key.
pub fn read_config(path: &Path) -> crate::Result<(TrainConfig, Option<DistillConfig>)> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", path.display()))?;
    parse_config(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()).into())
}

/// As `read_config`, from text.
pub fn parse_config(text: &str) -> anyhow::Result<(TrainConfig, Option<DistillConfig>)> {
    let located = |mut e: toml::de::Error| {
        e.set_input(Some(text));
        anyhow::anyhow!("invalid config: {e}")
    };
    let mut root = DeTable::parse(text).map_err(located)?;
    let key = root
        .get_ref()
        .keys()
        .find(|k| k.get_ref().as_ref() == "distill")
        .cloned();
    let distill = match key.and_then(|k| root.get_mut().remove(&k)) {
        Some(v) => Some(DistillConfig::deserialize(ValueDeserializer::from(v)).map_err(located)?),
        None => None,
    };
    let train = TrainConfig::deserialize(Deserializer::from(root)).map_err(located)?;
    train.validate()?;
    Ok((train, distill))
}

/// The text of a run's train_config.toml: what `parse_config` reads back.
pub fn config_toml(train: &TrainConfig, distill: Option<&toml::Table>) -> crate::Result<String> {
    let mut s = toml::to_string(train)?;
    if let Some(d) = distill {
        let mut t = toml::Table::new();
        t.insert("distill".into(), toml::Value::Table(d.clone()));
        s += "\n";
        s += &toml::to_string(&t)?;
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_reads_back_and_errors_name_the_line() {
        let text = "epochs = 2\n[distill]\nteachers = [\"t\"]\nhidden_mse = 1.5\nhidden_layer_map = [1, 3]\nattention_layers = [0, 5]\n";
        let (t, d) = parse_config(text).unwrap();
        let d = d.unwrap();
        assert_eq!(t.epochs, 2);
        assert_eq!(
            (
                d.hidden_mse,
                d.hidden_layer_map.clone(),
                d.attention_layers,
                d.alpha
            ),
            (1.5, Some(vec![1, 3]), Some((0, 5)), DEFAULT_ALPHA)
        );
        let saved = config_toml(&t, Some(&d.to_table().unwrap())).unwrap();
        assert_eq!(parse_config(&saved).unwrap(), (t.clone(), Some(d)));
        assert_eq!(
            parse_config(&config_toml(&t, None).unwrap()).unwrap(),
            (t, None)
        );
        let e = parse_config("epochs = 2\n[distill]\nalpah = 0.3\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("alpah"), "{e}");
        let e = parse_config("epoch = 2\n").unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("epoch"), "{e}");
        assert!(parse_config("epochs = 0\n").is_err());
    }
}
