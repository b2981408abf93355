//! The distillation objective as configured: logit KD, plus the hidden-state MSE and the
//! attention-relation terms when asked for (each checked against the two models' shapes first),
//! the teacher run once per batch for both.
use super::attention::AttentionKd;
use super::hidden::HiddenMse;
use super::KdObjective;
use crate::model::{ModelConfig, Output, TokenClassifier, Want};
use crate::train::{Batch, Objective};
use anyhow::{bail, Result};
use tch::Tensor;

/// The terms beside logit KD.
#[derive(Debug, Clone, Default)]
pub struct Extra {
    pub hidden_mse: f64,
    /// Teacher layer per student layer for the hidden-state loss.
    pub hidden_layer_map: Option<Vec<usize>>,
    pub attention_kd: f64,
    /// (student layer, teacher layer); default the last of each.
    pub attention_layers: Option<(usize, usize)>,
}

impl Extra {
    /// Whether a term runs the teacher on each batch.
    pub fn needs_teacher(&self) -> bool {
        self.hidden_mse > 0.0 || self.attention_kd > 0.0
    }

    /// The attention term's layer pair: as given, else the last layer of each model.
    fn attention_pair(&self, student: &ModelConfig, teacher: &ModelConfig) -> (usize, usize) {
        self.attention_layers.unwrap_or((
            (student.layers.max(1) - 1) as usize,
            (teacher.layers.max(1) - 1) as usize,
        ))
    }

    /// Write out the defaults the terms that are on would use, so the run can record them.
    pub fn resolve(&mut self, student: &ModelConfig, teacher: &ModelConfig) {
        if self.attention_kd > 0.0 {
            self.attention_layers = Some(self.attention_pair(student, teacher));
        }
    }

    /// The extra terms for the model card's loss line, with the layers each one pairs.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        if self.hidden_mse > 0.0 {
            let map = match &self.hidden_layer_map {
                Some(m) => m
                    .iter()
                    .enumerate()
                    .map(|(i, t)| format!("{i}↔{t}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                None => "no layer map".into(),
            };
            s += &format!(
                " + {}·hidden-state MSE (student layer ↔ teacher layer: {map})",
                self.hidden_mse
            );
        }
        if self.attention_kd > 0.0 {
            let pair = self
                .attention_layers
                .map(|(s, t)| format!("student layer {s} ↔ teacher layer {t}"))
                .unwrap_or_else(|| "last layers".into());
            s += &format!(
                " + {}·(attention + value-relation KL, MiniLM; {pair})",
                self.attention_kd
            );
        }
        s
    }
}

/// Logit KD plus the configured terms.
pub struct Combined<'a> {
    kd: &'a KdObjective<'a>,
    teacher: Option<&'a TokenClassifier>,
    hidden: Option<HiddenMse>,
    attention: Option<AttentionKd>,
}

impl<'a> Combined<'a> {
    /// `teacher` is needed only when `extra` has a term that runs it.
    pub(crate) fn new(
        kd: &'a KdObjective<'a>,
        teacher: Option<&'a TokenClassifier>,
        student: &ModelConfig,
        extra: &Extra,
    ) -> Result<Self> {
        let mut c = Combined {
            kd,
            teacher: None,
            hidden: None,
            attention: None,
        };
        if !extra.needs_teacher() {
            return Ok(c);
        }
        let Some(t) = teacher else {
            bail!("the hidden-state and attention terms need the teacher loaded");
        };
        c.teacher = Some(t);
        let (s, tc) = (student, &t.config);
        if extra.hidden_mse > 0.0 {
            let Some(map) = extra.hidden_layer_map.clone() else {
                bail!("--hidden-mse with --student needs --hidden-layer-map (a teacher layer per student layer)");
            };
            if map.len() != s.layers as usize || map.iter().any(|&l| l as i64 >= tc.layers) {
                bail!(
                    "--hidden-layer-map {map:?} must name one teacher layer (< {}) for each of the student's {} layers",
                    tc.layers,
                    s.layers
                );
            }
            if s.hidden != tc.hidden {
                bail!(
                    "--hidden-mse needs equal hidden sizes (student {}, teacher {})",
                    s.hidden,
                    tc.hidden
                );
            }
            c.hidden = Some(HiddenMse {
                layer_map: map,
                weight: extra.hidden_mse,
            });
        }
        if extra.attention_kd > 0.0 {
            let (sl, tl) = extra.attention_pair(s, tc);
            if sl as i64 >= s.layers || tl as i64 >= tc.layers {
                bail!(
                    "--attention-layers {sl}:{tl}: the student has {} layers and the teacher {}",
                    s.layers,
                    tc.layers
                );
            }
            if s.heads != tc.heads || s.hidden != tc.hidden {
                bail!(
                    "--attention-kd compares attention maps head by head: it needs the teacher's heads and hidden size (student {} heads × {}, teacher {} × {})",
                    s.heads, s.hidden, tc.heads, tc.hidden
                );
            }
            c.attention = Some(AttentionKd {
                student_layer: sl,
                teacher_layer: tl,
                weight: extra.attention_kd,
            });
        }
        Ok(c)
    }

    fn teacher_wants(&self) -> Want {
        Want {
            hidden: self.hidden.is_some(),
            qkv_layer: self.attention.as_ref().map(|a| a.teacher_layer),
        }
    }
}

impl Objective for Combined<'_> {
    fn loss(&self, out: &Output, batch: &Batch) -> Tensor {
        let mut loss = self.kd.loss(out, batch);
        let Some(teacher) = self.teacher else {
            return loss;
        };
        let want = self.teacher_wants();
        let t = tch::no_grad(|| teacher.forward_with(&batch.ids, &batch.mask, false, want));
        if let Some(h) = &self.hidden {
            loss += h.term(out, &t, batch);
        }
        if let Some(a) = &self.attention {
            loss += a.term(out, &t, batch);
        }
        loss
    }
    fn wants(&self) -> Want {
        Want {
            hidden: self.hidden.is_some(),
            qkv_layer: self.attention.as_ref().map(|a| a.student_layer),
        }
    }
    fn name(&self) -> &'static str {
        match (&self.hidden, &self.attention) {
            (None, None) => "kd",
            (Some(_), None) => "kd+hidden-mse",
            (None, Some(_)) => "kd+attention",
            (Some(_), Some(_)) => "kd+hidden-mse+attention",
        }
    }
}
