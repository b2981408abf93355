//! Entity chunking. `chunks_default` is conlleval.pl's (= seqeval's default mode): any tag sequence
//! yields chunks, an `I-` after `O` or another type starts one. `chunks_strict_iob2` is seqeval's
//! `mode="strict", scheme=IOB2`: an entity is `B-X I-X*`; a stray `I-` is no entity.

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Entity {
    pub ty: String,
    /// First word, inclusive.
    pub start: usize,
    /// Last word, exclusive.
    pub end: usize,
}

/// Prefix and type of a tag, as conlleval/seqeval read it (`O` has type `_`... no type).
fn parts(tag: &str) -> (char, &str) {
    let prefix = tag.chars().next().unwrap_or('O');
    let rest = tag.get(prefix.len_utf8()..).unwrap_or("");
    let ty = rest.split_once('-').map(|(_, t)| t).unwrap_or(rest);
    (prefix, if ty.is_empty() { "_" } else { ty })
}

fn end_of_chunk(prev: char, tag: char, prev_ty: &str, ty: &str) -> bool {
    matches!(prev, 'E' | 'S')
        || (matches!(prev, 'B' | 'I') && matches!(tag, 'B' | 'S' | 'O'))
        || (prev != 'O' && prev != '.' && prev_ty != ty)
}

fn start_of_chunk(prev: char, tag: char, prev_ty: &str, ty: &str) -> bool {
    matches!(tag, 'B' | 'S')
        || (matches!(prev, 'E' | 'S' | 'O') && matches!(tag, 'E' | 'I'))
        || (tag != 'O' && tag != '.' && prev_ty != ty)
}

/// conlleval / seqeval default-mode chunks of one sentence.
pub fn chunks_default<S: AsRef<str>>(tags: &[S]) -> Vec<Entity> {
    let mut out = Vec::new();
    let (mut prev, mut prev_ty) = ('O', "_");
    let mut begin = 0;
    for i in 0..=tags.len() {
        let (tag, ty) = if i < tags.len() {
            parts(tags[i].as_ref())
        } else {
            ('O', "_")
        };
        if end_of_chunk(prev, tag, prev_ty, ty) {
            out.push(Entity {
                ty: prev_ty.to_string(),
                start: begin,
                end: i,
            });
        }
        if start_of_chunk(prev, tag, prev_ty, ty) {
            begin = i;
        }
        prev = tag;
        prev_ty = ty;
    }
    out
}

/// seqeval strict IOB2 entities of one sentence.
pub fn chunks_strict_iob2<S: AsRef<str>>(tags: &[S]) -> Vec<Entity> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tags.len() {
        let (p, ty) = parts(tags[i].as_ref());
        if p == 'B' && tags[i].as_ref().starts_with("B-") {
            let mut j = i + 1;
            while j < tags.len() {
                let t = tags[j].as_ref();
                let (pj, tyj) = parts(t);
                if pj == 'I' && t.starts_with("I-") && tyj == ty {
                    j += 1;
                } else {
                    break;
                }
            }
            out.push(Entity {
                ty: ty.to_string(),
                start: i,
                end: j,
            });
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    fn e(ty: &str, start: usize, end: usize) -> Entity {
        Entity {
            ty: ty.into(),
            start,
            end,
        }
    }

    #[test]
    fn default_chunks_iob1_and_stray_i() {
        let t = ["I-PER", "I-PER", "B-PER", "O", "I-LOC", "I-ORG", "B-ORG"];
        assert_eq!(
            chunks_default(&t),
            vec![
                e("PER", 0, 2),
                e("PER", 2, 3),
                e("LOC", 4, 5),
                e("ORG", 5, 6),
                e("ORG", 6, 7)
            ]
        );
    }

    #[test]
    fn strict_drops_stray_i() {
        let t = ["I-PER", "B-LOC", "I-LOC", "I-PER", "B-ORG"];
        assert_eq!(chunks_strict_iob2(&t), vec![e("LOC", 1, 3), e("ORG", 4, 5)]);
    }
}
