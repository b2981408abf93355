//! Teacher logits computed once over the training examples (the teacher is in eval mode, so they are
//! exactly what recomputing them every step would give) and kept on the training device.
use crate::model::TokenClassifier;
use crate::tokenize::pad_batch;
use crate::train::dist::Dist;
use crate::train::progress::Bar;
use crate::train::Example;
use anyhow::{bail, Result};
use tch::{Device, Kind, Tensor};

pub struct TeacherCache {
    /// Per example, [len, student labels] logits, columns already in the student's label order.
    logits: Vec<Tensor>,
}

impl TeacherCache {
    /// `col_map[j]` = teacher label id for student label j (mapped by name in preflight). In a
    /// torchrun group each rank runs every `world`-th batch of the one-process order (so each
    /// example's logits come from the very batch one process would put it in) and the shares are
    /// summed into every rank's copy.
    pub(crate) fn build(
        teacher: &TokenClassifier,
        examples: &[Example],
        col_map: &[usize],
        pad: i64,
        batch_size: usize,
        dist: Option<&Dist>,
    ) -> Result<Self> {
        let (rank, world) = dist.map_or((0, 1), |d| (d.rank(), d.world_size()));
        let mut order: Vec<usize> = (0..examples.len()).collect();
        order.sort_by_key(|&i| examples[i].input_ids.len());
        let idx = Tensor::from_slice(&col_map.iter().map(|&c| c as i64).collect::<Vec<_>>())
            .to_device(teacher.device());
        let mut logits: Vec<Option<Tensor>> = (0..examples.len()).map(|_| None).collect();
        let pb = Bar::new(examples.len() as u64, rank == 0, "teacher logits".into());
        tch::no_grad(|| {
            for (c, chunk) in order.chunks(batch_size.max(1)).enumerate() {
                if c % world != rank {
                    continue;
                }
                let rows: Vec<&[i64]> = chunk
                    .iter()
                    .map(|&i| examples[i].input_ids.as_slice())
                    .collect();
                let (ids, mask) = pad_batch(&rows, pad, teacher.device());
                let out = teacher
                    .forward(&ids, &mask, false, false)
                    .logits
                    .to_kind(Kind::Float)
                    .index_select(2, &idx);
                for (r, &i) in chunk.iter().enumerate() {
                    logits[i] = Some(
                        out.get(r as i64)
                            .narrow(0, 0, examples[i].input_ids.len() as i64)
                            .copy(),
                    );
                }
                pb.inc((chunk.len() * world) as u64);
            }
        });
        pb.finish_and_clear();
        let Some(d) = dist else {
            return Ok(TeacherCache {
                logits: logits
                    .into_iter()
                    .map(|t| t.expect("every example cached"))
                    .collect(),
            });
        };
        // One buffer holds every example's rows; each rank fills its own and zeros elsewhere, so
        // the sum over ranks is every rank's full cache (x + 0 = x exactly).
        let n = col_map.len() as i64;
        let lens: Vec<i64> = examples.iter().map(|e| e.input_ids.len() as i64).collect();
        let rows: i64 = lens.iter().sum();
        let flat = d.shared((rows * n) as usize, Kind::Float, d.device)?;
        let mut off = 0i64;
        for (t, &len) in logits.iter().zip(&lens) {
            if let Some(t) = t {
                flat.tensor
                    .narrow(0, off * n, len * n)
                    .copy_(&t.reshape([-1]));
            }
            off += len;
        }
        d.all_reduce(&flat)?;
        let all = flat
            .tensor
            .view([rows, n])
            .to_device(teacher.device())
            .copy();
        d.free(flat)?;
        let mut off = 0i64;
        let logits = lens
            .iter()
            .map(|&len| {
                let t = all.narrow(0, off, len);
                off += len;
                t
            })
            .collect();
        Ok(TeacherCache { logits })
    }

    /// One cache from several teachers' (TextBrewer's MultiTeacherDistiller): per position, the mean
    /// of the teachers' softened distributions softmax(z/T), stored as logits T·log(mean) so the KD
    /// loss, which softens by T again, sees exactly that mean as its target.
    pub fn ensemble(members: Vec<TeacherCache>, temperature: f64) -> TeacherCache {
        if members.len() == 1 {
            return members.into_iter().next().expect("one member");
        }
        let n = members[0].logits.len();
        assert!(
            members.iter().all(|m| m.logits.len() == n),
            "every teacher caches the same examples"
        );
        let logits = (0..n)
            .map(|i| {
                let z: Vec<&Tensor> = members.iter().map(|m| &m.logits[i]).collect();
                let p = Tensor::stack(&z, 0)
                    .g_div_scalar(temperature)
                    .softmax(-1, Kind::Float)
                    .mean_dim(0, false, Kind::Float);
                p.clamp_min(1e-12).log() * temperature
            })
            .collect();
        TeacherCache { logits }
    }

    /// Logits cached over `from` (the teacher's windows) re-seated onto `to` (the student's windows
    /// of the same sentences, in the same order): [CLS], the sentence's own sub-tokens and [SEP] take
    /// the teacher's rows; document context only the student's window holds gets zero rows, which
    /// no loss reads (the KD term reads labelled positions; `teacher_windows` refuses the rest).
    pub fn onto(self, from: &[Example], to: &[Example]) -> Result<TeacherCache> {
        if from.len() != to.len() || self.logits.len() != from.len() {
            bail!(
                "teacher windows ({}) and student windows ({}) differ in number; they must cut the same sentences the same way",
                from.len(),
                to.len()
            );
        }
        let logits = self
            .logits
            .into_iter()
            .zip(from.iter().zip(to))
            .map(|(z, (f, t))| {
                if f.sentence != t.sentence || f.input_ids[f.own.clone()] != t.input_ids[t.own.clone()] {
                    bail!(
                        "sentence {}: the teacher's window and the student's hold different sub-tokens",
                        t.sentence + 1
                    );
                }
                let n = z.size()[1];
                let (flast, tlast) = (f.input_ids.len() as i64 - 1, t.input_ids.len() as i64 - 1);
                let own = t.own.len() as i64;
                let rows = Tensor::zeros([tlast + 1, n], (Kind::Float, z.device()));
                rows.narrow(0, 0, 1).copy_(&z.narrow(0, 0, 1));
                rows.narrow(0, t.own.start as i64, own)
                    .copy_(&z.narrow(0, f.own.start as i64, own));
                rows.narrow(0, tlast, 1).copy_(&z.narrow(0, flast, 1));
                Ok(rows)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(TeacherCache { logits })
    }

    /// Append examples' targets computed elsewhere (a transfer set), on `device`.
    pub fn extend(&mut self, logits: Vec<Tensor>, device: Device) {
        self.logits
            .extend(logits.into_iter().map(|t| t.to_device(device)));
    }

    /// Teacher logits for a batch, padded to `seq` positions: [batch, seq, labels].
    pub fn batch(&self, index: &[usize], seq: i64, device: Device) -> Tensor {
        let rows: Vec<Tensor> = index
            .iter()
            .map(|&i| {
                let t = &self.logits[i];
                let pad = seq - t.size()[0];
                if pad > 0 {
                    t.constant_pad_nd([0, 0, 0, pad])
                } else {
                    t.shallow_clone()
                }
            })
            .collect();
        Tensor::stack(&rows, 0).to_device(device)
    }

    /// Bytes the cached logits occupy (fp32, labelled columns only).
    pub fn bytes(&self) -> usize {
        self.logits.iter().map(|t| t.numel() * 4).sum()
    }

    pub fn len(&self) -> usize {
        self.logits.len()
    }
    pub fn is_empty(&self) -> bool {
        self.logits.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(c: &TeacherCache, i: usize, t: f64) -> Tensor {
        (&c.logits[i] / t).softmax(-1, Kind::Float)
    }

    #[test]
    fn identical_teachers_give_one_teachers_target() {
        let z = Tensor::from_slice(&[2.0f32, -1.0, 0.5, 0.0, 3.0, -2.0]).view([2, 3]);
        let one = || TeacherCache {
            logits: vec![z.copy()],
        };
        let e = TeacherCache::ensemble(vec![one(), one(), one()], 2.0);
        let diff = (target(&e, 0, 2.0) - target(&one(), 0, 2.0)).abs().max();
        assert!(diff.double_value(&[]) < 1e-6, "{diff}");
    }

    fn example(sentence: usize, ids: &[i64], own: std::ops::Range<usize>) -> Example {
        Example {
            input_ids: ids.to_vec(),
            labels: vec![-100; ids.len()],
            sentence,
            own,
        }
    }

    #[test]
    fn onto_reseats_the_sentence_rows_and_the_specials() {
        // Teacher window: [CLS] c1 c2 | a b | c3 [SEP]; student window: [CLS] a b [SEP].
        let from = [example(0, &[101, 7, 8, 1, 2, 9, 102], 3..5)];
        let to = [example(0, &[101, 1, 2, 102], 1..3)];
        let z = Tensor::arange(14, (Kind::Float, Device::Cpu)).view([7, 2]);
        let c = TeacherCache { logits: vec![z] }.onto(&from, &to).unwrap();
        let got: Vec<f32> = Vec::try_from(c.logits[0].reshape([-1])).unwrap();
        assert_eq!(got, vec![0.0, 1.0, 6.0, 7.0, 8.0, 9.0, 12.0, 13.0]);
        // The other way round: the student's context rows are zeros.
        let z = Tensor::arange(8, (Kind::Float, Device::Cpu)).view([4, 2]);
        let c = TeacherCache { logits: vec![z] }.onto(&to, &from).unwrap();
        let got: Vec<f32> = Vec::try_from(c.logits[0].reshape([-1])).unwrap();
        assert_eq!(
            got,
            vec![0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 2.0, 3.0, 4.0, 5.0, 0.0, 0.0, 6.0, 7.0]
        );
    }

    #[test]
    fn onto_refuses_windows_of_different_text() {
        let from = [example(0, &[101, 1, 3, 102], 1..3)];
        let to = [example(0, &[101, 1, 2, 102], 1..3)];
        let z = Tensor::zeros([4, 2], (Kind::Float, Device::Cpu));
        let e = TeacherCache { logits: vec![z] }
            .onto(&from, &to)
            .err()
            .unwrap();
        assert!(e.to_string().contains("sentence 1"), "{e}");
    }

    #[test]
    fn different_teachers_give_the_mean_distribution() {
        let a = Tensor::from_slice(&[4.0f32, 0.0, 0.0]).view([1, 3]);
        let b = Tensor::from_slice(&[0.0f32, 4.0, 0.0]).view([1, 3]);
        let (ta, tb) = (
            (&a / 2.0).softmax(-1, Kind::Float),
            (&b / 2.0).softmax(-1, Kind::Float),
        );
        let e = TeacherCache::ensemble(
            vec![
                TeacherCache { logits: vec![a] },
                TeacherCache { logits: vec![b] },
            ],
            2.0,
        );
        let want = (ta + tb) / 2.0;
        let diff = (target(&e, 0, 2.0) - want).abs().max();
        assert!(diff.double_value(&[]) < 1e-6, "{diff}");
    }
}
