//! CoNLL reader: word first, tag last, any number of columns in between.
//! Space or tab separated, `-DOCSTART-` lines, blank lines, CRLF, a UTF-8 BOM and trailing
//! spaces are all accepted; anything else is an error naming the file and line.
use super::{Corpus, DataError, Sentence, Source};
use std::path::{Path, PathBuf};

/// Read and validate a CoNLL file.
pub fn read_conll(path: impl AsRef<Path>) -> Result<Corpus, DataError> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| DataError::Io {
        path: name.clone(),
        source,
    })?;
    let mut corpus = parse_conll(&bytes, &name)?;
    corpus.path = path.to_path_buf();
    corpus.source.files = vec![path.to_path_buf()];
    Ok(corpus)
}

/// Check one tag; `Ok(())` for `O` and `P-TYPE` with P in B/I/E/S and a non-empty type.
pub fn check_tag(tag: &str) -> Result<(), &'static str> {
    if tag == "O" {
        return Ok(());
    }
    let Some((prefix, ty)) = tag.split_once('-') else {
        return Err("no `-` between prefix and type");
    };
    if !matches!(prefix, "B" | "I" | "E" | "S") {
        return Err("prefix is not one of B, I, E, S");
    }
    if ty.is_empty() {
        return Err("empty entity type");
    }
    Ok(())
}

/// Parse bytes (a whole file). `name` is used in error messages.
pub fn parse_conll(bytes: &[u8], name: &str) -> Result<Corpus, DataError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(DataError::Empty { path: name.into() });
    }
    let mut sentences = Vec::new();
    let mut doc_starts = Vec::new();
    let mut cur = Sentence {
        words: vec![],
        tags: vec![],
    };
    let flush = |cur: &mut Sentence, out: &mut Vec<Sentence>| {
        if !cur.words.is_empty() {
            out.push(std::mem::replace(
                cur,
                Sentence {
                    words: vec![],
                    tags: vec![],
                },
            ));
        }
    };
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let lineno = i + 1;
        let line = std::str::from_utf8(raw).map_err(|e| DataError::Utf8 {
            path: name.into(),
            line: lineno,
            byte: e.valid_up_to() + 1,
        })?;
        // Only ASCII space, tab and CR separate columns: other Unicode spaces are part of words.
        let cols: Vec<&str> = line
            .split([' ', '\t', '\r'])
            .filter(|c| !c.is_empty())
            .collect();
        if cols.is_empty() {
            flush(&mut cur, &mut sentences);
            continue;
        }
        if cols[0] == "-DOCSTART-" {
            flush(&mut cur, &mut sentences);
            doc_starts.push(sentences.len());
            continue;
        }
        if cols.len() < 2 {
            return Err(DataError::Columns {
                path: name.into(),
                line: lineno,
                text: line.trim_end().into(),
            });
        }
        let tag = cols[cols.len() - 1];
        check_tag(tag).map_err(|why| DataError::BadTag {
            path: name.into(),
            line: lineno,
            tag: tag.into(),
            why,
        })?;
        cur.words.push(cols[0].to_string());
        cur.tags.push(tag.to_string());
    }
    flush(&mut cur, &mut sentences);
    if sentences.is_empty() {
        return Err(DataError::NoSentences { path: name.into() });
    }
    Ok(Corpus {
        path: PathBuf::from(name),
        sentences,
        doc_starts,
        source: Source::file(name, "conll"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_columns_bom_crlf_docstart() {
        let text = "\u{feff}-DOCSTART- -X- -X- O\r\n\r\nEU NNP B-NP I-ORG \r\nrejects\tVBZ\tI-VP\tO\r\n\nPeter B-PER\n";
        let c = parse_conll(text.as_bytes(), "t").unwrap();
        assert_eq!(c.doc_starts, [0]);
        assert_eq!(c.sentences.len(), 2);
        assert_eq!(c.sentences[0].words, ["EU", "rejects"]);
        assert_eq!(c.sentences[0].tags, ["I-ORG", "O"]);
        assert_eq!(c.sentences[1].tags, ["B-PER"]);
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse_conll(b"EU I-ORG\nrejects\n", "f.txt")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("f.txt:2:"), "{e}");
        let e = parse_conll(b"EU X-ORG\n", "f").unwrap_err().to_string();
        assert!(e.contains("f:1") && e.contains("X-ORG"), "{e}");
        let e = parse_conll(b"EU B-\n", "f").unwrap_err().to_string();
        assert!(e.contains("empty entity type"), "{e}");
        let e = parse_conll(b"EU O\nx\xff O\n", "f")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("f:2: invalid UTF-8"), "{e}");
        assert!(matches!(
            parse_conll(b"", "f"),
            Err(DataError::Empty { .. })
        ));
        assert!(matches!(
            parse_conll(b"-DOCSTART- O\n\n", "f"),
            Err(DataError::NoSentences { .. })
        ));
    }

    #[test]
    fn unicode_spaces_stay_in_words() {
        let c = parse_conll("a\u{a0}b O\n".as_bytes(), "f").unwrap();
        assert_eq!(c.sentences[0].words, ["a\u{a0}b"]);
    }
}
