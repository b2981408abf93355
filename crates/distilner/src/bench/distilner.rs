//! distilner's own engine in `bench`: one model in one precision, timed as `infer_reference.py`
//! times PyTorch (forward + argmax over pre-padded batches).
use super::data::BenchData;
use super::{BatchStats, BenchResult, Pass, Timed};
use crate::infer::tagger::window_probs;
use crate::model::inference_mode::inference_mode;
use crate::model::{Loaded, Precision};
use crate::tokenize::pad_batch;
use crate::Result;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;
use tch::Tensor;

pub struct DistilnerEngine<'a> {
    dir: PathBuf,
    pub loaded: Loaded,
    data: &'a BenchData,
    batches: HashMap<usize, Vec<(Tensor, Tensor)>>,
    f1: f64,
}

impl<'a> DistilnerEngine<'a> {
    /// `loaded` switched to `precision`, scored on `data` (its F1 goes in the table).
    pub fn new(
        dir: &Path,
        mut loaded: Loaded,
        precision: Precision,
        data: &'a BenchData,
    ) -> Result<Self> {
        loaded.model.set_inference_precision(precision)?;
        let probs = window_probs(&loaded.model, &data.windows, loaded.tokenizer.pad_id, 32);
        let f1 = data.f1(&probs, &loaded.model.labels)?;
        Ok(DistilnerEngine {
            dir: dir.to_path_buf(),
            loaded,
            data,
            batches: HashMap::new(),
            f1,
        })
    }

    fn batches(&mut self, bs: usize) -> &[(Tensor, Tensor)] {
        let (data, pad, device) = (
            self.data,
            self.loaded.tokenizer.pad_id,
            self.loaded.model.device(),
        );
        self.batches.entry(bs).or_insert_with(|| {
            let mut order: Vec<usize> = (0..data.rows.len()).collect();
            order.sort_by_key(|&i| data.rows[i].len());
            order
                .chunks(bs)
                .map(|b| {
                    let rows: Vec<&[i64]> = b.iter().map(|&i| data.rows[i].as_slice()).collect();
                    pad_batch(&rows, pad, device)
                })
                .collect()
        })
    }
}

impl Timed for DistilnerEngine<'_> {
    fn pass(&mut self, bs: usize, warm: bool) -> Result<Pass> {
        self.batches(bs);
        let (model, batches) = (&self.loaded.model, &self.batches[&bs]);
        let todo = if warm {
            &batches[..batches.len().min(5)]
        } else {
            &batches[..]
        };
        let mut lat_ms = Vec::with_capacity(todo.len());
        let t0 = Instant::now();
        inference_mode(|| {
            for (ids, mask) in todo {
                let t1 = Instant::now();
                let _ = model.logits(ids, mask).argmax(-1, false);
                wait_for(model.device());
                lat_ms.push(t1.elapsed().as_secs_f64() * 1000.0);
            }
        });
        Ok(Pass {
            total_s: t0.elapsed().as_secs_f64(),
            lat_ms,
        })
    }

    fn result(&self, batches: BTreeMap<usize, BatchStats>) -> BenchResult {
        let cuda = if self.loaded.model.device().is_cuda() {
            " cuda"
        } else {
            ""
        };
        let compiled = if self.loaded.model.compiled().is_some() {
            " compiled"
        } else {
            ""
        };
        let engine = format!(
            "distilner {}{compiled}{cuda}",
            self.loaded.model.precision().name()
        );
        BenchResult::timed(engine, &self.dir, self.data, batches, self.f1)
    }

    fn data(&self) -> &BenchData {
        self.data
    }
}

/// GPU work is queued asynchronously: a clock read before the queue drains times only the kernel
/// launches, so every timed batch ends with a synchronize on CUDA.
fn wait_for(device: tch::Device) {
    if let tch::Device::Cuda(i) = device {
        tch::Cuda::synchronize(i as i64);
    }
}
