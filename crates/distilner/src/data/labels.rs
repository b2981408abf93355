//! The label set: label names and ids. Labels are always matched by name, never by position
//! (the seed model card's F1 0.0165 came from a teacher and a dataset ordering labels differently).
use std::collections::BTreeSet;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelSet {
    labels: Vec<String>,
    index: HashMap<String, usize>,
}

impl LabelSet {
    pub fn new(labels: Vec<String>) -> Self {
        let index = labels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.clone(), i))
            .collect();
        LabelSet { labels, index }
    }

    /// Discover labels from IOB2 (or IOBES) tags: `O` first, then for each type in alphabetical order
    /// `B-`, `I-` (and `E-`, `S-` when the data uses them). `B-`/`I-` are always both present so a
    /// model can emit any IOB2 sequence.
    pub fn from_tags<'a>(tags: impl IntoIterator<Item = &'a String>) -> Self {
        let mut types = BTreeSet::new();
        let mut iobes = false;
        for t in tags {
            if let Some((p, ty)) = t.split_once('-') {
                types.insert(ty.to_string());
                iobes |= p == "E" || p == "S";
            }
        }
        let mut labels = vec!["O".to_string()];
        let prefixes: &[&str] = if iobes {
            &["B", "I", "E", "S"]
        } else {
            &["B", "I"]
        };
        for ty in &types {
            labels.extend(prefixes.iter().map(|p| format!("{p}-{ty}")));
        }
        LabelSet::new(labels)
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
    pub fn id(&self, label: &str) -> Option<usize> {
        self.index.get(label).copied()
    }
    pub fn name(&self, id: usize) -> &str {
        &self.labels[id]
    }
    pub fn names(&self) -> &[String] {
        &self.labels
    }
    /// Entity types, sorted.
    pub fn types(&self) -> Vec<String> {
        let set: BTreeSet<String> = self
            .labels
            .iter()
            .filter_map(|l| l.split_once('-').map(|(_, t)| t.to_string()))
            .collect();
        set.into_iter().collect()
    }

    /// For each of `self`'s labels, the id of the same-named label in `other`; the missing names are
    /// returned as the error.
    pub fn map_to(&self, other: &LabelSet) -> Result<Vec<usize>, Vec<String>> {
        let missing: Vec<String> = self
            .labels
            .iter()
            .filter(|l| other.id(l).is_none())
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(missing);
        }
        Ok(self.labels.iter().map(|l| other.id(l).unwrap()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_by_name_not_position() {
        let teacher = LabelSet::new(
            [
                "O", "B-MISC", "I-MISC", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC",
            ]
            .map(String::from)
            .to_vec(),
        );
        let data = LabelSet::new(
            [
                "O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC",
            ]
            .map(String::from)
            .to_vec(),
        );
        let m = data.map_to(&teacher).unwrap();
        assert_eq!(m, vec![0, 3, 4, 5, 6, 7, 8, 1, 2]);
        let small = LabelSet::new(vec!["O".into(), "B-PER".into()]);
        assert_eq!(data.map_to(&small).unwrap_err().len(), 7);
    }

    #[test]
    fn discovers_sorted() {
        let tags: Vec<String> = ["O", "I-PER", "B-LOC"].map(String::from).to_vec();
        let l = LabelSet::from_tags(&tags);
        assert_eq!(l.names(), ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]);
    }
}
