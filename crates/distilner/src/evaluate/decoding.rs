//! Choosing a model's decoding by its dev F1: constrained Viterbi is kept only where it pays. The
//! choice is an `infer::tagging::Tagging`, saved beside the weights.
use super::evaluate;
use crate::data::Corpus;
use crate::eval::{Mode, Report};
use crate::infer::tagging::{DecodingScore, Tagging};
use crate::infer::{Decoding, TagOptions};
use crate::model::Loaded;
use crate::Result;

/// Decide the decoding for `model` on `dev`: `wanted` when the user fixed one, else Viterbi only if
/// its dev F1 is strictly higher than argmax's. Returns the choice and the dev report under it.
pub fn choose_decoding(
    model: &Loaded,
    dev: &Corpus,
    opt: &TagOptions,
    wanted: Option<Decoding>,
) -> Result<(Tagging, Report)> {
    let mut measured = Vec::new();
    let mut reports = Vec::new();
    for d in [Decoding::Argmax, Decoding::Viterbi] {
        let o = TagOptions {
            decoding: d,
            ..*opt
        };
        let (r, _) = evaluate(&model.model, &model.tokenizer, dev, &o, Mode::Default)?;
        measured.push(DecodingScore {
            decoding: d,
            dev_f1: r.f1,
        });
        reports.push(r);
    }
    let (decoding, rule) = match wanted {
        Some(d) => (d, "set by the user".to_string()),
        None if measured[1].dev_f1 > measured[0].dev_f1 => (
            Decoding::Viterbi,
            "measured: constrained Viterbi scored higher on dev than argmax".into(),
        ),
        None => (
            Decoding::Argmax,
            "measured: constrained Viterbi did not score higher on dev than argmax".into(),
        ),
    };
    let report = reports.swap_remove(if decoding == Decoding::Viterbi { 1 } else { 0 });
    Ok((
        Tagging {
            document_context: opt.context,
            decoding,
            decoding_rule: rule,
            measured,
        },
        report,
    ))
}
