//! `distilner._core`: the Rust core's entry points for the Python package. Argument handling,
//! seqeval's signatures and pipeline-shaped results live in `distilner/__init__.py`; this file only
//! converts types, releases the GIL around model work and turns errors into `distilner.Error`.
use distilner::data::{DataError, DataRef, ReadOptions};
use distilner::eval::seqeval::{self, Average, Scores, ZeroDivision};
use distilner::eval::{score, Mode, Report};
use distilner::infer::{Strategy, TagOptions, Tagger, TaggerRequest};
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::sync::Mutex;

mod train;

create_exception!(
    _core,
    Error,
    PyValueError,
    "A distilner error: bad input, a model or data that cannot be used."
);
create_exception!(
    _core,
    SplitNotFound,
    Error,
    "The dataset has no split of that name."
);
create_exception!(
    _core,
    ModelError,
    Error,
    "A model directory that cannot be loaded (config.json, weights, head, tokenizer files)."
);
create_exception!(
    _core,
    PreflightError,
    Error,
    "A distillation refused before its first step (labels, scheme, a dead teacher)."
);
create_exception!(
    _core,
    TrainError,
    Error,
    "A training run that stopped (a non-finite loss) or would not start (saved state)."
);

pub(crate) fn err(e: impl std::fmt::Display) -> PyErr {
    Error::new_err(e.to_string())
}

/// The library's typed error as the matching exception (all subclasses of `distilner.Error`).
pub(crate) fn lib_err(e: distilner::Error) -> PyErr {
    use distilner::Error as E;
    let text = e.to_string();
    match e {
        E::Data(DataError::NoSplit { .. }) => SplitNotFound::new_err(text),
        E::Model(_) | E::Tokenizer(_) => ModelError::new_err(text),
        E::Preflight(_) => PreflightError::new_err(text),
        E::Train(_) => TrainError::new_err(text),
        _ => Error::new_err(text),
    }
}

fn report(y_true: &[Vec<String>], y_pred: &[Vec<String>], strict: bool) -> PyResult<Report> {
    let mode = if strict { Mode::Strict } else { Mode::Default };
    score(y_true, y_pred, mode).map_err(err)
}

fn zero_division(one: bool) -> ZeroDivision {
    if one {
        ZeroDivision::One
    } else {
        ZeroDivision::Zero
    }
}

type Row = (f64, f64, f64, usize, (bool, bool, bool));

fn row(s: &Scores) -> Row {
    let u = s.undefined;
    (
        s.precision,
        s.recall,
        s.f1,
        s.support,
        (u.precision, u.recall, u.f1),
    )
}

/// Per-type rows `(name, (p, r, f1, support, undefined))` for `average=None`, else one averaged row.
#[pyfunction]
#[pyo3(signature = (y_true, y_pred, strict, average, zero_division_one))]
fn prfs(
    y_true: Vec<Vec<String>>,
    y_pred: Vec<Vec<String>>,
    strict: bool,
    average: Option<String>,
    zero_division_one: bool,
) -> PyResult<(Vec<String>, Vec<Row>)> {
    let r = report(&y_true, &y_pred, strict)?;
    let zd = zero_division(zero_division_one);
    let avg = match average.as_deref() {
        None => {
            let rows = seqeval::per_type(&r, zd);
            return Ok((
                rows.iter().map(|x| x.0.clone()).collect(),
                rows.iter().map(|x| row(&x.1)).collect(),
            ));
        }
        Some("micro") => Average::Micro,
        Some("macro") => Average::Macro,
        Some("weighted") => Average::Weighted,
        Some(a) => {
            return Err(PyValueError::new_err(format!(
                "average has to be one of (None, 'micro', 'macro', 'weighted'), not {a:?}"
            )))
        }
    };
    Ok((vec![], vec![row(&seqeval::averaged(&r, avg, zd))]))
}

/// Token accuracy over all sentences.
#[pyfunction]
fn accuracy(y_true: Vec<Vec<String>>, y_pred: Vec<Vec<String>>) -> PyResult<f64> {
    Ok(report(&y_true, &y_pred, false)?.accuracy)
}

/// seqeval's classification_report text.
#[pyfunction]
fn report_text(
    y_true: Vec<Vec<String>>,
    y_pred: Vec<Vec<String>>,
    strict: bool,
    digits: usize,
    zero_division_one: bool,
) -> PyResult<String> {
    let r = report(&y_true, &y_pred, strict)?;
    seqeval::classification_report(&r, digits, zero_division(zero_division_one))
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

/// The tagger: one model loaded once; calls release the GIL while the model runs.
#[pyclass(name = "Tagger", module = "distilner._core")]
struct PyTagger {
    inner: Mutex<Tagger>,
    labels: Vec<String>,
    precision: String,
    notes: Vec<String>,
}

#[pymethods]
impl PyTagger {
    #[new]
    #[pyo3(signature = (model, precision, device, decoding, context, threads, batch_size, engine))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        model: String,
        precision: String,
        device: String,
        decoding: String,
        context: Option<usize>,
        threads: Option<i32>,
        batch_size: usize,
        engine: String,
    ) -> PyResult<Self> {
        let device = match device.to_ascii_lowercase().as_str() {
            "cpu" => tch::Device::Cpu,
            "cuda" => tch::Device::Cuda(0),
            d => match d.strip_prefix("cuda:").and_then(|i| i.parse().ok()) {
                Some(i) => tch::Device::Cuda(i),
                None => return Err(err(format!("device {device:?}: use cpu, cuda or cuda:N"))),
            },
        };
        if let Some(t) = threads {
            tch::set_num_threads(t);
        }
        let req = TaggerRequest {
            model,
            precision,
            decoding,
            context,
            device,
            engine,
        };
        let base = TagOptions {
            batch_size,
            ..TagOptions::default()
        };
        let t = py.detach(|| Tagger::load(&req, base)).map_err(lib_err)?;
        Ok(PyTagger {
            labels: t.loaded.model.labels.names().to_vec(),
            precision: t.precision.name().to_string(),
            notes: t.notes.clone(),
            inner: Mutex::new(t),
        })
    }

    /// Entities per text as JSON (one array per text), in the pipeline's shape.
    fn predict_json(
        &self,
        py: Python<'_>,
        texts: Vec<String>,
        strategy: String,
    ) -> PyResult<String> {
        let strategy: Strategy = strategy.parse().map_err(err)?;
        py.detach(|| -> distilner::Result<String> {
            let t = self
                .inner
                .lock()
                .map_err(|_| anyhow::anyhow!("the tagger panicked earlier"))?;
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let out = t.predict(&refs, strategy)?;
            Ok(serde_json::to_string(&out)?)
        })
        .map_err(lib_err)
    }

    #[getter]
    fn labels(&self) -> Vec<String> {
        self.labels.clone()
    }

    #[getter]
    fn precision(&self) -> String {
        self.precision.clone()
    }

    #[getter]
    fn notes(&self) -> Vec<String> {
        self.notes.clone()
    }
}

/// Words per sentence, tags per sentence, document starts, the source as JSON.
type SplitRows = (Vec<Vec<String>>, Vec<Vec<String>>, Vec<usize>, String);

/// One split read as the CLI reads it: `(tokens, tags, doc_starts, source JSON)`.
#[pyfunction]
#[pyo3(signature = (path, split, tokens_column=None, tags_column=None, label_names=None))]
fn read_split(
    py: Python<'_>,
    path: String,
    split: String,
    tokens_column: Option<String>,
    tags_column: Option<String>,
    label_names: Option<Vec<String>>,
) -> PyResult<SplitRows> {
    let opts = ReadOptions {
        tokens_column,
        tags_column,
        label_names,
    };
    let c = py
        .detach(|| DataRef::new(path, split).load(&opts))
        .map_err(|e| match e {
            DataError::NoSplit { .. } => SplitNotFound::new_err(e.to_string()),
            e => err(e),
        })?;
    let source = serde_json::to_string(&c.source).map_err(err)?;
    let (words, tags) = c.sentences.into_iter().map(|s| (s.words, s.tags)).unzip();
    Ok((words, tags, c.doc_starts, source))
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("Error", m.py().get_type::<Error>())?;
    m.add("SplitNotFound", m.py().get_type::<SplitNotFound>())?;
    m.add("ModelError", m.py().get_type::<ModelError>())?;
    m.add("PreflightError", m.py().get_type::<PreflightError>())?;
    m.add("TrainError", m.py().get_type::<TrainError>())?;
    m.add_function(wrap_pyfunction!(accuracy, m)?)?;
    m.add_function(wrap_pyfunction!(prfs, m)?)?;
    m.add_function(wrap_pyfunction!(report_text, m)?)?;
    m.add_function(wrap_pyfunction!(read_split, m)?)?;
    m.add_function(wrap_pyfunction!(train::finetune, m)?)?;
    m.add_function(wrap_pyfunction!(train::distill, m)?)?;
    m.add_class::<PyTagger>()?;
    Ok(())
}
