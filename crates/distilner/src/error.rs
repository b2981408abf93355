//! The library's error at its entry points (a run, loading a model or a tagger): one typed variant per
//! kind of failure a caller may want to tell apart, `Other` for the rest. Inside a stage errors travel
//! as `anyhow` with context; at the entry point the typed error at the root is recovered.
use crate::data::DataError;
use crate::distill::preflight::PreflightError;
use crate::eval::metrics::LengthMismatch;
use crate::model::aoti::AotiError;
use crate::model::int8::Int8Error;
use crate::model::ModelError;
use crate::tokenize::TokenizerError;
use crate::train::TrainError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input data that cannot be read as given (file, line or row named, with the fix).
    #[error(transparent)]
    Data(#[from] DataError),
    /// A model directory distilner cannot load (its config.json, weights or head).
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A model directory whose tokenizer files are missing or unreadable.
    #[error(transparent)]
    Tokenizer(#[from] TokenizerError),
    /// A distillation refused before its first step (labels, scheme, a dead teacher).
    #[error(transparent)]
    Preflight(#[from] PreflightError),
    /// A training run that stopped or would not start.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// int8 inference this machine or model cannot run.
    #[error(transparent)]
    Int8(#[from] Int8Error),
    /// A compiled package libtorch could not load.
    #[error(transparent)]
    Aoti(#[from] AotiError),
    /// Gold and predicted tags of different lengths.
    #[error(transparent)]
    Score(#[from] LengthMismatch),
    /// libtorch refused an operation.
    #[error(transparent)]
    Torch(#[from] tch::TchError),
    #[error("{0:#}")]
    Other(anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<anyhow::Error> for Error {
    /// The typed error at the root of `e`'s chain, if it has one.
    fn from(e: anyhow::Error) -> Self {
        macro_rules! typed {
            ($e:ident, $($t:ty => $v:expr),*) => {{
                $(let $e = match $e.downcast::<$t>() {
                    Ok(x) => return $v(x),
                    Err(e) => e,
                };)*
                $e
            }};
        }
        let e = typed!(e,
            Error => |x| x,
            DataError => Error::Data,
            ModelError => Error::Model,
            TokenizerError => Error::Tokenizer,
            PreflightError => Error::Preflight,
            TrainError => Error::Train,
            Int8Error => Error::Int8,
            AotiError => Error::Aoti,
            LengthMismatch => Error::Score,
            tch::TchError => Error::Torch
        );
        Error::Other(e)
    }
}

/// Failures with no typed variant of their own (the message carries the path or value).
macro_rules! other_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::Other(anyhow::Error::from(e))
            }
        }
    )*};
}
other_from!(std::io::Error, serde_json::Error, toml::ser::Error);

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn the_typed_root_is_recovered_through_context() {
        let inner: anyhow::Result<()> =
            Err(PreflightError::BadLabelMap { pair: "x".into() }.into());
        let e: Error = inner.context("while distilling").unwrap_err().into();
        assert!(
            matches!(e, Error::Preflight(PreflightError::BadLabelMap { .. })),
            "{e:?}"
        );
        let e: Error = anyhow::anyhow!("plain").into();
        assert!(matches!(e, Error::Other(_)));
        // An Error that went through anyhow comes back as itself.
        let round: anyhow::Error =
            Error::Train(TrainError::PreviousState { run: "r".into() }).into();
        assert!(matches!(Error::from(round), Error::Train(_)));
    }
}
