//! torchrun's environment: who this process is in the group. Absent `RANK`/`WORLD_SIZE`, the
//! process is alone and nothing distributed loads.
use anyhow::{bail, Result};

#[derive(Debug, Clone, PartialEq)]
pub struct Launch {
    pub rank: usize,
    pub world_size: usize,
    pub local_rank: usize,
    pub master: String,
    /// How many times torchrun has restarted the group (`TORCHELASTIC_RESTART_COUNT`).
    pub restart_count: usize,
}

impl Launch {
    /// Read from the process environment; `None` when torchrun did not start this process.
    pub(crate) fn from_env() -> Result<Option<Launch>> {
        Self::from_vars(|k| std::env::var(k).ok())
    }

    pub(crate) fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Option<Launch>> {
        let (Some(rank), Some(world)) = (get("RANK"), get("WORLD_SIZE")) else {
            return Ok(None);
        };
        let num = |k: &str, v: &str| -> Result<usize> {
            v.trim().parse().map_err(|_| {
                anyhow::anyhow!("environment {k}={v:?} is not a number; start distilner with torchrun, or unset RANK and WORLD_SIZE")
            })
        };
        let rank = num("RANK", &rank)?;
        let world_size = num("WORLD_SIZE", &world)?;
        let local_rank = match get("LOCAL_RANK") {
            Some(v) => num("LOCAL_RANK", &v)?,
            None => rank,
        };
        if world_size == 0 || rank >= world_size {
            bail!("environment RANK={rank} WORLD_SIZE={world_size}: the rank must be below the world size");
        }
        let (Some(addr), Some(port)) = (get("MASTER_ADDR"), get("MASTER_PORT")) else {
            bail!("RANK and WORLD_SIZE are set but MASTER_ADDR/MASTER_PORT are not; start distilner with torchrun (it sets all of them)");
        };
        let restart_count = match get("TORCHELASTIC_RESTART_COUNT") {
            Some(v) => num("TORCHELASTIC_RESTART_COUNT", &v)?,
            None => 0,
        };
        Ok(Some(Launch {
            rank,
            world_size,
            local_rank,
            master: format!("{addr}:{port}"),
            restart_count,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn launch(vars: &[(&str, &str)]) -> Result<Option<Launch>> {
        let m: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Launch::from_vars(|k| m.get(k).cloned())
    }

    #[test]
    fn reads_torchrun_and_refuses_half_set_environments() {
        assert_eq!(launch(&[]).unwrap(), None);
        let l = launch(&[
            ("RANK", "3"),
            ("WORLD_SIZE", "16"),
            ("LOCAL_RANK", "1"),
            ("MASTER_ADDR", "node0"),
            ("MASTER_PORT", "29500"),
            ("TORCHELASTIC_RESTART_COUNT", "1"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(
            (l.rank, l.world_size, l.local_rank, l.restart_count),
            (3, 16, 1, 1)
        );
        assert_eq!(l.master, "node0:29500");
        let e = launch(&[("RANK", "0"), ("WORLD_SIZE", "2")]).unwrap_err();
        assert!(e.to_string().contains("MASTER_ADDR"), "{e}");
        let e = launch(&[
            ("RANK", "2"),
            ("WORLD_SIZE", "2"),
            ("MASTER_ADDR", "a"),
            ("MASTER_PORT", "1"),
        ])
        .unwrap_err();
        assert!(e.to_string().contains("below the world size"), "{e}");
        assert!(launch(&[("RANK", "x"), ("WORLD_SIZE", "2")]).is_err());
    }
}
