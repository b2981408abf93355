//! Training flags shared by `finetune`, `distill` and `run`: a TOML config, then flags on top.
use anyhow::Result;
use distilner::distill::config::{read_config, DistillConfig};
use distilner::train::dist::Dist;
use distilner::train::{Faults, TrainConfig};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args, Clone, Default)]
pub struct TrainFlags {
    /// TOML file with training settings (field names as in the saved train_config.toml), and for
    /// `distill` and `run` a `[distill]` table with the distillation settings; flags override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// `seed`: the seed model card's recipe (lr 6e-5, batch 128, 15 epochs, seed 33, no warmup, bf16 mixed precision where the hardware has it).
    #[arg(long, value_parser = ["seed"])]
    pub preset: Option<String>,
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Peak learning rate [default: 2e-4; the `seed` preset: 6e-5].
    #[arg(long)]
    pub lr: Option<f64>,
    #[arg(long)]
    pub batch_size: Option<usize>,
    #[arg(long)]
    pub seed: Option<u64>,
    #[arg(long)]
    pub warmup_ratio: Option<f64>,
    #[arg(long)]
    pub weight_decay: Option<f64>,
    /// Layer-wise learning-rate decay in (0, 1]: encoder layer i of L trains at decay^(L-i) times
    /// the rate, the embeddings one step lower, the head at the full rate [default: 1, off].
    #[arg(long)]
    pub layer_lr_decay: Option<f64>,
    /// Exponential moving average of the weights in [0, 1): the average is scored on dev and kept
    /// (0.999 averages over about the last 1,000 steps) [default: 0, off].
    #[arg(long)]
    pub ema_decay: Option<f64>,
    /// Dropout in [0, 1) while training, for the hidden states, attention and head alike, over the
    /// model config's (0.1 for BERT and MiniLM); the kept model's config.json records it.
    #[arg(long)]
    pub dropout: Option<f64>,
    /// Stop after N epochs without dev F1 gain.
    #[arg(long)]
    pub patience: Option<usize>,
    /// Sub-tokens per model input; longer sentences are split into overlapping windows.
    #[arg(long)]
    pub max_len: Option<usize>,
    /// Document context (FLERT): sub-tokens of the same document's neighbouring sentences fed on
    /// each side of every sentence, in training, evaluation and inference (0 = none).
    #[arg(long)]
    pub context: Option<usize>,
    /// Mention replacement: N extra rounds of the training sentences with entities, each mention
    /// swapped for a random one of its type from the training split, with their gold tags (0 = off).
    #[arg(long)]
    pub mention_replacement: Option<usize>,
    /// How word scores become labels: auto (constrained Viterbi only if it scores higher on dev,
    /// measured at the end of the run), argmax or viterbi. Saved in the run's tagging.json.
    #[arg(long)]
    pub decoding: Option<String>,
    /// libtorch intra-op threads.
    #[arg(long)]
    pub threads: Option<usize>,
    /// bf16 mixed precision (true/false): products in bf16, fp32 master weights and losses. Used where
    /// the hardware has native bf16 (CUDA; CPUs with AVX512-BF16 or AMX), otherwise fp32.
    #[arg(long)]
    pub mixed_precision: Option<bool>,
    /// auto, cpu or cuda.
    #[arg(long)]
    pub device: Option<String>,
    /// Use only the first N training sentences (smoke tests).
    #[arg(long)]
    pub max_train_sentences: Option<usize>,
    /// Use only the first N dev sentences.
    #[arg(long)]
    pub max_dev_sentences: Option<usize>,
    /// Save resumable state every N steps.
    #[arg(long)]
    pub save_every: Option<usize>,
    /// Continue a killed run from its last saved state (same command, same --out).
    #[arg(long)]
    pub resume: bool,
    /// Fault injection (tests): make the loss NaN at this step.
    #[arg(long, hide = true)]
    pub inject_nan_at_step: Option<usize>,
    /// Fault injection (tests): exit abruptly after this step (under torchrun: the last rank, on
    /// the group's first attempt only, so a restart can finish the run).
    #[arg(long, hide = true)]
    pub exit_after_step: Option<usize>,
    /// Fault injection (tests): under torchrun, the last rank stops answering after this step.
    #[arg(long, hide = true)]
    pub hang_after_step: Option<usize>,
    /// Under torchrun: seconds a rank waits for the others in a collective before it fails with an
    /// error (a rank that died or hangs), instead of waiting forever.
    #[arg(long, default_value_t = 1800)]
    pub dist_timeout: u64,
}

/// What a training command takes from torchrun's environment.
pub struct Group {
    pub dist: Option<Arc<Dist>>,
    /// `--resume`, or a group torchrun restarted (it continues from the last saved state).
    pub resume: bool,
    /// The hidden fault-injection flags (tests); under torchrun, the kill and the hang go to the
    /// last rank on the group's first attempt only.
    pub faults: Faults,
}

impl TrainFlags {
    /// Join the torchrun group if this process was started by torchrun (nothing loads otherwise).
    pub fn group(&self, cfg: &TrainConfig) -> Result<Group> {
        let dist = Dist::from_env(cfg.device(), self.dist_timeout)?.map(Arc::new);
        let Some(d) = &dist else {
            return Ok(Group {
                dist: None,
                resume: self.resume,
                faults: Faults {
                    nan_at_step: self.inject_nan_at_step,
                    exit_after_step: self.exit_after_step,
                    hang_after_step: None,
                },
            });
        };
        // The same command on every rank, or a refusal naming the first difference.
        let argv: Vec<String> = std::env::args().skip(1).collect();
        d.agree("command lines", &argv.join("\n"))?;
        let l = &d.launch;
        let faulty = l.rank + 1 == l.world_size && l.restart_count == 0;
        if l.restart_count > 0 && d.is_main() {
            eprintln!(
                "[dist] torchrun restarted the group (restart {}); continuing from the last saved state",
                l.restart_count
            );
        }
        Ok(Group {
            resume: self.resume || l.restart_count > 0,
            faults: Faults {
                nan_at_step: self.inject_nan_at_step,
                exit_after_step: self.exit_after_step.filter(|_| faulty),
                hang_after_step: self.hang_after_step.filter(|_| faulty),
            },
            dist,
        })
    }
}

impl TrainFlags {
    /// The training settings, for a command that does not distil: a `[distill]` table in the
    /// config is refused rather than ignored.
    pub fn resolve(&self) -> Result<TrainConfig> {
        let (c, d) = self.resolve_with_distill()?;
        if d.is_some() {
            anyhow::bail!(
                "{}: its [distill] table holds distillation settings, which `finetune` does not use; remove the table, or run `distilner distill` with this config",
                self.config.as_deref().unwrap_or(std::path::Path::new("")).display()
            );
        }
        Ok(c)
    }

    /// The training settings (file, preset, then flags) and the config's `[distill]` table as written.
    pub fn resolve_with_distill(&self) -> Result<(TrainConfig, Option<DistillConfig>)> {
        let (mut c, distill) = match (&self.config, self.preset.as_deref()) {
            (Some(p), _) => read_config(p)?,
            (None, Some("seed")) => (TrainConfig::seed_preset(), None),
            _ => (TrainConfig::default(), None),
        };
        if self.config.is_some() && self.preset.as_deref() == Some("seed") {
            anyhow::bail!("--preset and --config both set the whole configuration; use one");
        }
        macro_rules! set {
            ($($f:ident => $field:ident),*) => { $( if let Some(v) = self.$f.clone() { c.$field = v; } )* };
        }
        set!(epochs => epochs, lr => learning_rate, batch_size => batch_size, seed => seed, warmup_ratio => warmup_ratio,
             weight_decay => weight_decay, layer_lr_decay => layer_lr_decay, ema_decay => ema_decay, patience => early_stopping_patience, max_len => max_len, threads => threads,
             device => device, max_train_sentences => max_train_sentences, max_dev_sentences => max_dev_sentences,
             save_every => save_every, mixed_precision => mixed_precision, context => document_context,
             decoding => decoding, mention_replacement => mention_replacement);
        if self.dropout.is_some() {
            c.dropout = self.dropout;
        }
        c.validate()?;
        Ok((c, distill))
    }
}
