//! Data parallelism on PyTorch's own c10d (torchrun's environment; Gloo on CPU, NCCL on CUDA).
//! The loop calls [`GradSync::all_reduce`] once per step; the rest of the pipeline asks a [`Dist`]
//! only who writes (rank 0) and which share of the work is its own.
pub mod env;
pub mod grads;
pub mod python;

pub use env::Launch;
pub(crate) use grads::broadcast_tensors;
pub use grads::GradSync;

use crate::Result;
use anyhow::anyhow;
use serde_json::{json, Value};
use tch::{Device, Kind, Tensor};

/// This process's place in a torchrun group, and the group's collectives.
pub struct Dist {
    pub launch: Launch,
    /// `gloo` or `nccl`, as torch.distributed reports it.
    pub backend: String,
    /// CPU, or the local rank's GPU.
    pub device: Device,
    pub timeout_s: u64,
    pub torch_version: String,
    plugin: python::Plugin,
}

/// A buffer allocated by torch.distributed's side whose memory this process views as a tensor: a
/// collective on it works on the loop's data in place.
pub struct Shared {
    handle: u64,
    pub tensor: Tensor,
}

fn device_name(d: Device) -> String {
    match d {
        Device::Cuda(i) => format!("cuda:{i}"),
        _ => "cpu".into(),
    }
}

impl Dist {
    /// Join the group torchrun described, or `None` outside torchrun. `device` is the run's device:
    /// on CUDA each local rank takes its own GPU.
    pub fn from_env(device: Device, timeout_s: u64) -> Result<Option<Dist>> {
        let Some(launch) = Launch::from_env()? else {
            return Ok(None);
        };
        let device = match device {
            Device::Cuda(_) => Device::Cuda(launch.local_rank),
            d => d,
        };
        if let Device::Cuda(i) = device {
            let n = tch::Cuda::device_count() as usize;
            if i >= n {
                fail!("local rank {i} has no GPU of its own ({n} visible); start at most {n} processes per node");
            }
        }
        let plugin = python::Plugin::load()?;
        let req = json!({"op": "init", "device": device_name(device), "timeout_s": timeout_s});
        let info = plugin.call(&req).map_err(|e| {
            anyhow!(
                "rank {}: joining the process group at {} failed: {e}",
                launch.rank,
                launch.master
            )
        })?;
        let d = Dist {
            backend: info["backend"].as_str().unwrap_or("?").to_string(),
            torch_version: info["torch"].as_str().unwrap_or("?").to_string(),
            launch,
            device,
            timeout_s,
            plugin,
        };
        if info["world_size"].as_u64() != Some(d.launch.world_size as u64)
            || info["rank"].as_u64() != Some(d.launch.rank as u64)
        {
            fail!(
                "torch.distributed reports rank/world {info} but torchrun's environment says {:?}",
                d.launch
            );
        }
        eprintln!(
            "[dist] rank {}/{} (local {}) on {} with {} via Python {} ({}), torch {}",
            d.launch.rank,
            d.launch.world_size,
            d.launch.local_rank,
            device_name(device),
            d.backend,
            d.plugin.python_version,
            d.plugin.python.display(),
            d.torch_version
        );
        Ok(Some(d))
    }

    pub fn rank(&self) -> usize {
        self.launch.rank
    }
    pub fn world_size(&self) -> usize {
        self.launch.world_size
    }
    /// Rank 0 writes the run directory and draws progress.
    pub fn is_main(&self) -> bool {
        self.launch.rank == 0
    }

    fn call(&self, req: Value) -> Result<Value> {
        let op = req["op"].as_str().unwrap_or("?").to_string();
        Ok(self.plugin.call(&req).map_err(|e| {
            let timed_out = e.to_lowercase().contains("timed out") || e.to_lowercase().contains("timeout");
            if timed_out {
                anyhow!(
                    "rank {}: no answer from the other ranks within {} s in {op} (a rank stopped or hangs); raise --dist-timeout if a step legitimately takes longer. torch.distributed said: {e}",
                    self.rank(),
                    self.timeout_s
                )
            } else {
                anyhow!("rank {}: torch.distributed {op} failed: {e}", self.rank())
            }
        })?)
    }

    /// A zeroed buffer of `numel` elements on `device`, shared with torch.distributed.
    pub fn shared(&self, numel: usize, kind: Kind, device: Device) -> Result<Shared> {
        let dtype = match kind {
            Kind::Float => "f32",
            Kind::Int64 => "i64",
            k => fail!("no shared buffers of {k:?}"),
        };
        let r = self.call(
            json!({"op": "buffer", "numel": numel, "dtype": dtype, "device": device_name(device)}),
        )?;
        let ptr = r["ptr"]
            .as_u64()
            .ok_or_else(|| anyhow!("buffer without a pointer: {r}"))?;
        // SAFETY: the buffer is a contiguous tensor of `numel` elements of `kind` that Python keeps
        // alive until `free` (Drop of Shared does not free it early: see `Shared::free`).
        let tensor =
            unsafe { Tensor::from_blob(ptr as *const u8, &[numel as i64], &[1], kind, device) };
        Ok(Shared {
            handle: r["handle"].as_u64().unwrap_or(0),
            tensor,
        })
    }

    /// Release a buffer (its tensor view must not be used afterwards).
    pub fn free(&self, s: Shared) -> Result<()> {
        drop(s.tensor);
        self.call(json!({"op": "free", "handle": s.handle}))?;
        Ok(())
    }

    /// Sum over ranks, in place.
    pub fn all_reduce(&self, s: &Shared) -> Result<()> {
        self.call(json!({"op": "all_reduce", "handle": s.handle}))?;
        Ok(())
    }

    /// Rank `src`'s values to every rank, in place.
    pub fn broadcast(&self, s: &Shared, src: usize) -> Result<()> {
        self.call(json!({"op": "broadcast", "handle": s.handle, "src": src}))?;
        Ok(())
    }

    /// Every rank's `value`, by rank.
    pub fn gather_json(&self, value: &Value) -> Result<Vec<Value>> {
        let r = self.call(json!({"op": "gather_object", "value": value}))?;
        Ok(r.as_array()
            .cloned()
            .ok_or_else(|| anyhow!("gather answered {r}"))?)
    }

    /// Rank 0's `value` on every rank (others pass anything, e.g. `Value::Null`).
    pub fn broadcast_json(&self, value: Value) -> Result<Value> {
        self.call(json!({"op": "broadcast_object", "value": value, "src": 0}))
    }

    pub fn barrier(&self) -> Result<()> {
        self.call(json!({"op": "barrier"}))?;
        Ok(())
    }

    /// Refuse to go on unless every rank has the same `value` for `what` (settings, data); the
    /// error names the first differing line and the ranks.
    pub fn agree(&self, what: &str, value: &str) -> Result<()> {
        let all = self.gather_json(&Value::String(value.to_string()))?;
        let first = all[0].as_str().unwrap_or_default();
        for (r, v) in all.iter().enumerate().skip(1) {
            let v = v.as_str().unwrap_or_default();
            if v != first {
                let (a, b) = first_difference(first, v);
                fail!(
                    "ranks were started with different {what}: rank 0 has {a:?} where rank {r} has {b:?}; start every rank with the same command and data"
                );
            }
        }
        Ok(())
    }
}

/// The first line where `a` and `b` differ.
fn first_difference(a: &str, b: &str) -> (String, String) {
    let (mut la, mut lb) = (a.lines(), b.lines());
    loop {
        match (la.next(), lb.next()) {
            (Some(x), Some(y)) if x == y => continue,
            (x, y) => {
                return (
                    x.unwrap_or("(nothing)").to_string(),
                    y.unwrap_or("(nothing)").to_string(),
                )
            }
        }
    }
}

impl Drop for Dist {
    fn drop(&mut self) {
        let _ = self.plugin.call(&json!({"op": "destroy"}));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_the_first_differing_line() {
        let (a, b) = super::first_difference("x\nlr = 1\ny", "x\nlr = 2\ny");
        assert_eq!((a.as_str(), b.as_str()), ("lr = 1", "lr = 2"));
        let (a, b) = super::first_difference("x", "x\nmore");
        assert_eq!((a.as_str(), b.as_str()), ("(nothing)", "more"));
    }
}
