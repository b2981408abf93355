//! Tag schemes: detect IOB1 / IOB2 / IOBES and convert IOB1 <-> IOB2 without changing entities.

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Scheme {
    /// `I-` starts entities; `B-` only between two adjacent entities of one type (original CoNLL-2003).
    Iob1,
    /// Every entity starts with `B-` (the Hugging Face `conll2003` dataset).
    Iob2,
    /// `B-`/`I-`/`E-`/`S-`.
    Iobes,
    /// Both `I-` starts and `B-` starts that IOB1 forbids.
    Mixed,
    /// No entity start that tells them apart (e.g. all `O`).
    Unknown,
}

impl std::fmt::Display for Scheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = match self {
            Scheme::Iob1 => "IOB1",
            Scheme::Iob2 => "IOB2",
            Scheme::Iobes => "IOBES",
            Scheme::Mixed => "mixed IOB1/IOB2",
            Scheme::Unknown => "unknown (no entities)",
        };
        f.write_str(s)
    }
}

fn split(tag: &str) -> (&str, &str) {
    tag.split_once('-').unwrap_or((tag, ""))
}

/// Detect the scheme of a set of tag sequences.
pub fn detect<'a>(seqs: impl IntoIterator<Item = &'a [String]>) -> Scheme {
    let (mut i_start, mut b_start) = (false, false);
    for tags in seqs {
        let mut prev_ty = "";
        for tag in tags {
            let (p, ty) = split(tag);
            match p {
                "E" | "S" => return Scheme::Iobes,
                "I" if prev_ty != ty => i_start = true,
                "B" if prev_ty != ty => b_start = true,
                _ => {}
            }
            prev_ty = if p == "O" { "" } else { ty };
        }
    }
    match (i_start, b_start) {
        (true, false) => Scheme::Iob1,
        (false, true) => Scheme::Iob2,
        (true, true) => Scheme::Mixed,
        (false, false) => Scheme::Unknown,
    }
}

/// Rewrite one sequence's tags to IOB2 (`to_iob2 = true`) or IOB1. Input may be IOB1, IOB2 or mixed;
/// the entities (conlleval chunking) stay the same.
pub fn convert(tags: &[String], to_iob2: bool) -> Vec<String> {
    let mut out = Vec::with_capacity(tags.len());
    let mut prev_ty = "";
    for tag in tags {
        let (p, ty) = split(tag);
        let starts = p == "B" || (p == "I" && prev_ty != ty);
        let new = match p {
            "B" | "I" if starts => {
                let follows_same = prev_ty == ty;
                if to_iob2 || follows_same {
                    format!("B-{ty}")
                } else {
                    format!("I-{ty}")
                }
            }
            _ => tag.clone(),
        };
        prev_ty = if p == "O" { "" } else { ty };
        out.push(new);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    fn v(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn detects() {
        assert_eq!(detect([v("I-PER I-PER B-PER O").as_slice()]), Scheme::Iob1);
        assert_eq!(detect([v("I-PER B-PER O I-LOC").as_slice()]), Scheme::Iob1);
        assert_eq!(detect([v("B-PER I-PER O B-LOC").as_slice()]), Scheme::Iob2);
        assert_eq!(detect([v("B-PER E-PER").as_slice()]), Scheme::Iobes);
        assert_eq!(detect([v("I-PER O B-LOC").as_slice()]), Scheme::Mixed);
        assert_eq!(detect([v("O O").as_slice()]), Scheme::Unknown);
    }

    #[test]
    fn converts_both_ways() {
        let iob1 = v("I-PER I-PER B-PER O I-LOC I-ORG");
        let iob2 = v("B-PER I-PER B-PER O B-LOC B-ORG");
        assert_eq!(convert(&iob1, true), iob2);
        assert_eq!(convert(&iob2, false), iob1);
    }
}
