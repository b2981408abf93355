//! Rows of (tokens, tags) from any table format → validated sentences. Integer tags are turned into
//! names here, through the dataset's own label names; a row that cannot be read exactly is an error.
use super::conll::check_tag;
use super::{DataError, Loc, Sentence};

/// One row's tags as the file stores them.
pub enum RawTags {
    Names(Vec<Option<String>>),
    Ids(Vec<Option<i64>>),
}

/// The names of integer tags, in id order, and where they came from (for messages and the card).
#[derive(Debug, Clone)]
pub struct LabelNames {
    pub names: Vec<String>,
    pub origin: String,
}

impl LabelNames {
    /// Every name must be a valid tag: a ClassLabel like `PER` or `LABEL_3` cannot be trained on
    /// without guessing its scheme.
    pub fn validate(&self, path: &str) -> Result<(), DataError> {
        for (id, n) in self.names.iter().enumerate() {
            check_tag(n).map_err(|why| DataError::BadLabelName {
                path: path.into(),
                name: n.clone(),
                id,
                origin: self.origin.clone(),
                why,
            })?;
        }
        Ok(())
    }
}

/// Collects sentences from rows, counting `-DOCSTART-` marker rows as documents.
pub struct RowBuilder<'a> {
    pub path: &'a str,
    pub tokens_column: &'a str,
    pub tags_column: &'a str,
    pub names: Option<&'a LabelNames>,
    pub sentences: Vec<Sentence>,
    /// The sentence index each `-DOCSTART-` row precedes.
    pub doc_starts: Vec<usize>,
}

impl<'a> RowBuilder<'a> {
    pub fn new(path: &'a str, tokens_column: &'a str, tags_column: &'a str) -> Self {
        RowBuilder {
            path,
            tokens_column,
            tags_column,
            names: None,
            sentences: Vec::new(),
            doc_starts: Vec::new(),
        }
    }

    fn null(&self, loc: Loc, column: &str) -> DataError {
        DataError::NullRow {
            path: self.path.into(),
            loc,
            column: column.into(),
        }
    }

    pub fn push(
        &mut self,
        loc: Loc,
        tokens: Option<Vec<Option<String>>>,
        tags: Option<RawTags>,
    ) -> Result<(), DataError> {
        let tokens = tokens.ok_or_else(|| self.null(loc, self.tokens_column))?;
        let words: Vec<String> = tokens
            .into_iter()
            .map(|t| t.ok_or_else(|| self.null(loc, self.tokens_column)))
            .collect::<Result<_, _>>()?;
        let tags = tags.ok_or_else(|| self.null(loc, self.tags_column))?;
        let tags: Vec<String> = match tags {
            RawTags::Names(v) => v
                .into_iter()
                .map(|t| t.ok_or_else(|| self.null(loc, self.tags_column)))
                .collect::<Result<_, _>>()?,
            RawTags::Ids(v) => {
                let names = self.names.ok_or_else(|| DataError::NoLabelNames {
                    path: self.path.into(),
                    column: self.tags_column.into(),
                })?;
                let mut out = Vec::with_capacity(v.len());
                for (pos, id) in v.into_iter().enumerate() {
                    let id = id.ok_or_else(|| self.null(loc, self.tags_column))?;
                    let name = usize::try_from(id)
                        .ok()
                        .and_then(|i| names.names.get(i))
                        .ok_or_else(|| DataError::TagOutOfRange {
                            path: self.path.into(),
                            loc,
                            id,
                            pos,
                            n: names.names.len(),
                            origin: names.origin.clone(),
                            names: names.names.clone(),
                        })?;
                    out.push(name.clone());
                }
                out
            }
        };
        if words.len() != tags.len() {
            return Err(DataError::LengthMismatch {
                path: self.path.into(),
                loc,
                tokens: words.len(),
                tags: tags.len(),
            });
        }
        if words.first().is_some_and(|w| w == "-DOCSTART-") {
            self.doc_starts.push(self.sentences.len());
            return Ok(());
        }
        for (pos, t) in tags.iter().enumerate() {
            check_tag(t).map_err(|why| DataError::BadRowTag {
                path: self.path.into(),
                loc,
                tag: t.clone(),
                pos,
                why,
            })?;
        }
        // An empty row holds no words to lose.
        if !words.is_empty() {
            self.sentences.push(Sentence { words, tags });
        }
        Ok(())
    }
}

/// What one file gave.
pub struct Table {
    pub sentences: Vec<Sentence>,
    pub doc_starts: Vec<usize>,
    pub names: Option<LabelNames>,
}

/// The column to read: the user's, else the first of `defaults` that exists, else the first default
/// (so the error names what was looked for).
pub fn pick_column(given: Option<&str>, defaults: &[&str], has: impl Fn(&str) -> bool) -> String {
    if let Some(g) = given {
        return g.to_string();
    }
    defaults
        .iter()
        .find(|d| has(d))
        .unwrap_or(&defaults[0])
        .to_string()
}

pub const TOKENS_COLUMNS: [&str; 2] = ["tokens", "words"];
pub const TAGS_COLUMNS: [&str; 3] = ["ner_tags", "tags", "labels"];
