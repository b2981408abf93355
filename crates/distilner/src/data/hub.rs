//! Where a split's files are: inside a dataset directory (by the `datasets` library's own layouts and
//! split-name patterns), or for a hub id (`eriktks/conll2003`, `conll2003`) in the hub cache
//! (`HF_HUB_CACHE`/`HF_HOME`), then the `datasets` cache (`HF_DATASETS_CACHE`), then — only when
//! `HF_HUB_OFFLINE` is unset — downloaded from the hub.
use super::DataError;
use crate::util::{hf_home, hf_hub_cache, hf_offline};
use std::path::{Path, PathBuf};

/// Names the `datasets` library accepts for each split (its `SPLIT_KEYWORDS`).
fn aliases(split: &str) -> Vec<&str> {
    match split {
        "train" | "training" => vec!["train", "training"],
        "validation" | "valid" | "val" | "dev" => vec!["validation", "valid", "val", "dev"],
        "test" | "testing" | "eval" | "evaluation" => vec!["test", "testing", "eval", "evaluation"],
        s => vec![s],
    }
}

const DATA_EXT: [&str; 6] = ["parquet", "arrow", "jsonl", "json", "ndjson", "feather"];
const NOT_DATA: [&str; 4] = [
    "dataset_info.json",
    "dataset_infos.json",
    "state.json",
    "dataset_dict.json",
];

/// Does a path (relative to the dataset root) belong to `split`? A directory named after it
/// (`train/0000.parquet`) or a file-name part delimited by `-`, `_`, `.` (`train-00000-of-00001.parquet`,
/// `conll2003-train.arrow`, `validation.jsonl`).
fn in_split(rel: &Path, names: &[&str]) -> bool {
    let comps: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect();
    let Some((file, dirs)) = comps.split_last() else {
        return false;
    };
    if dirs.iter().any(|d| names.contains(&d.as_str())) {
        return true;
    }
    let stem = file.rsplit_once('.').map(|(s, _)| s).unwrap_or(file);
    stem.split(['-', '_', '.'])
        .any(|part| names.contains(&part))
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            if depth > 0 {
                walk(&p, depth - 1, out);
            }
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| DATA_EXT.contains(&e))
            && !NOT_DATA.contains(&name.as_str())
            && !name.starts_with("cache-")
        {
            out.push(p);
        }
    }
}

/// A `save_to_disk` dataset's shards in order (`state.json` `_data_files`).
fn saved_shards(dir: &Path) -> Result<Vec<PathBuf>, DataError> {
    let state = dir.join("state.json");
    let text = std::fs::read_to_string(&state).map_err(|source| DataError::Io {
        path: state.display().to_string(),
        source,
    })?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| DataError::Format {
        path: state.display().to_string(),
        what: format!("invalid JSON: {e}"),
    })?;
    let files: Option<Vec<PathBuf>> = v["_data_files"].as_array().map(|a| {
        a.iter()
            .filter_map(|f| f["filename"].as_str().map(|n| dir.join(n)))
            .collect()
    });
    match files {
        Some(f) if !f.is_empty() => Ok(f),
        _ => Err(DataError::Format {
            path: state.display().to_string(),
            what: "no `_data_files` listed; is this a `datasets` save_to_disk directory?".into(),
        }),
    }
}

/// The files of `split` inside `dir`, and the split name when the directory held several.
pub fn split_files(
    dir: &Path,
    split: &str,
    spec: &str,
) -> Result<(Vec<PathBuf>, Option<String>), DataError> {
    let names = aliases(split);
    // A DatasetDict saved with save_to_disk: one sub-directory per split.
    if dir.join("dataset_dict.json").is_file() {
        let sub = names
            .iter()
            .map(|n| dir.join(n))
            .find(|d| d.join("state.json").is_file());
        return match sub {
            Some(d) => Ok((saved_shards(&d)?, Some(split.to_string()))),
            None => Err(no_split(
                spec,
                split,
                dir,
                " among the DatasetDict's splits",
            )),
        };
    }
    // One Dataset saved with save_to_disk: the directory is the split.
    if dir.join("state.json").is_file() {
        return Ok((saved_shards(dir)?, None));
    }
    // The original CoNLL-2003 folder.
    let conll = match names[0] {
        "train" => Some("eng.train"),
        "validation" => Some("eng.testa"),
        "test" => Some("eng.testb"),
        _ => None,
    };
    if let Some(f) = conll.map(|f| dir.join(f)).filter(|f| f.is_file()) {
        return Ok((vec![f], Some(split.to_string())));
    }
    // A hub snapshot or a `datasets` cache directory: files named after the split.
    let mut all = Vec::new();
    walk(dir, 4, &mut all);
    let mut files: Vec<PathBuf> = all
        .iter()
        .filter(|p| in_split(p.strip_prefix(dir).unwrap_or(p), &names))
        .cloned()
        .collect();
    // One format per split: Parquet first (the hub's), then Arrow, then JSON.
    for ext in DATA_EXT {
        if files
            .iter()
            .any(|f| f.extension().is_some_and(|e| e == ext))
        {
            files.retain(|f| f.extension().is_some_and(|e| e == ext));
            break;
        }
    }
    let mut parents: Vec<&Path> = files.iter().filter_map(|f| f.parent()).collect();
    parents.dedup();
    if parents.len() > 1 {
        return Err(DataError::Format {
            path: spec.into(),
            what: format!(
                "split {split:?} matches files in several directories ({}); point --train/--dev/--test at one of them",
                parents.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
            ),
        });
    }
    if files.is_empty() {
        return Err(no_split(spec, split, dir, ""));
    }
    Ok((files, Some(split.to_string())))
}

fn no_split(spec: &str, split: &str, dir: &Path, looked: &str) -> DataError {
    let mut all = Vec::new();
    walk(dir, 4, &mut all);
    let mut found: Vec<String> = all
        .iter()
        .map(|p| p.strip_prefix(dir).unwrap_or(p).display().to_string())
        .take(12)
        .collect();
    if dir.join("dataset_dict.json").is_file() {
        found = std::fs::read_dir(dir)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter(|e| e.path().join("state.json").is_file())
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .collect()
            })
            .unwrap_or_default();
        found.sort();
    }
    DataError::NoSplit {
        spec: spec.into(),
        split: split.into(),
        looked: looked.into(),
        found: if found.is_empty() {
            "no data files".into()
        } else {
            found.join(", ")
        },
    }
}

/// `org/name` or a bare `name` that is not a path on disk.
pub fn looks_like_id(s: &str) -> bool {
    let parts: Vec<&str> = s.split('/').collect();
    !s.is_empty()
        && parts.len() <= 2
        && parts.iter().all(|p| {
            !p.is_empty()
                && !p.starts_with('.')
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
        && !s.ends_with(".parquet")
        && !s.ends_with(".arrow")
        && !s.ends_with(".json")
        && !s.ends_with(".jsonl")
}

/// The one directory under `root` named `prefix + id` — or, for a bare name, the only
/// `prefix + <org><sep><name>` (the hub redirects `conll2003` to `eriktks/conll2003`).
fn repo_dir(root: &Path, id: &str, prefix: &str, sep: &str) -> Option<PathBuf> {
    let exact = root.join(format!("{prefix}{}", id.replace('/', sep)));
    if exact.is_dir() {
        return Some(exact);
    }
    if id.contains('/') {
        return None;
    }
    let suffix = format!("{sep}{id}");
    let hits: Vec<PathBuf> = std::fs::read_dir(root)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .map(|n| n.to_string_lossy().to_string())
                .is_some_and(|n| n.starts_with(prefix) && n.ends_with(&suffix))
        })
        .collect();
    (hits.len() == 1).then(|| hits[0].clone())
}

/// The hub cache's snapshot for a dataset repo: `refs/main`, else the newest snapshot.
fn hub_snapshot(id: &str) -> Option<PathBuf> {
    let repo = repo_dir(&hf_hub_cache(), id, "datasets--", "--")?;
    if let Ok(rev) = std::fs::read_to_string(repo.join("refs/main")) {
        let s = repo.join("snapshots").join(rev.trim());
        if s.is_dir() {
            return Some(s);
        }
    }
    newest_dir(
        std::fs::read_dir(repo.join("snapshots"))
            .ok()?
            .filter_map(|e| e.ok())
            .map(|e| e.path()),
    )
}

fn newest_dir(dirs: impl Iterator<Item = PathBuf>) -> Option<PathBuf> {
    dirs.filter(|p| p.is_dir())
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
}

/// `HF_DATASETS_CACHE`, else `HF_HOME/datasets`.
fn datasets_cache() -> PathBuf {
    std::env::var_os("HF_DATASETS_CACHE")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| hf_home().join("datasets"))
}

/// The newest prepared copy of a dataset in the `datasets` cache
/// (`<org>___<name>/<config>/<version>/<hash>/` with dataset_info.json and `<builder>-<split>.arrow`).
fn datasets_cache_dir(id: &str) -> Option<PathBuf> {
    let root = datasets_cache();
    let base = repo_dir(&root, id, "", "___").or_else(|| {
        let plain = root.join(id.rsplit('/').next()?);
        plain.is_dir().then_some(plain)
    })?;
    let mut found = Vec::new();
    fn infos(d: &Path, depth: usize, out: &mut Vec<PathBuf>) {
        if d.join("dataset_info.json").is_file() {
            out.push(d.to_path_buf());
        }
        if depth == 0 {
            return;
        }
        if let Ok(rd) = std::fs::read_dir(d) {
            for e in rd.filter_map(|e| e.ok()) {
                if e.path().is_dir() {
                    infos(&e.path(), depth - 1, out);
                }
            }
        }
    }
    infos(&base, 4, &mut found);
    newest_dir(found.into_iter())
}

/// The files of `split` of hub dataset `id`: from the caches, or downloaded.
pub fn dataset_files(id: &str, split: &str) -> Result<Vec<PathBuf>, DataError> {
    let hub = hf_hub_cache();
    let mut searched = vec![format!("hub cache {}", hub.display())];
    if let Some(snap) = hub_snapshot(id) {
        return split_files(&snap, split, id).map(|(f, _)| f);
    }
    searched.push(format!("datasets cache {}", datasets_cache().display()));
    if let Some(dir) = datasets_cache_dir(id) {
        return split_files(&dir, split, id).map(|(f, _)| f);
    }
    if hf_offline() {
        return Err(DataError::DatasetNotFound {
            id: id.into(),
            searched: searched.join(", ") + "; HF_HUB_OFFLINE is set, so nothing was downloaded",
        });
    }
    download(id, split).map_err(|why| DataError::DownloadFailed {
        id: id.into(),
        why: format!(
            "{why} (not in the local caches either: {})",
            searched.join(", ")
        ),
    })
}

/// Without the `hub` feature (no HTTP in this build), nothing is downloaded.
#[cfg(not(feature = "hub"))]
fn download(_id: &str, _split: &str) -> Result<Vec<PathBuf>, String> {
    Err(NO_HUB.into())
}

/// Why an id the caches lack cannot be fetched by this build.
#[cfg(not(feature = "hub"))]
pub(crate) const NO_HUB: &str =
    "this build has no hub downloads (distilner's `hub` feature is off)";

#[cfg(feature = "hub")]
fn download(id: &str, split: &str) -> Result<Vec<PathBuf>, String> {
    let repo = crate::util::hf_api()
        .map_err(|e| e.to_string())?
        .dataset(id.to_string());
    let info = repo.info().map_err(|e| e.to_string())?;
    let names = aliases(split);
    let mut wanted: Vec<&str> = info
        .siblings
        .iter()
        .map(|s| s.rfilename.as_str())
        .filter(|f| {
            Path::new(f)
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| DATA_EXT.contains(&e))
                && in_split(Path::new(f), &names)
        })
        .collect();
    for ext in DATA_EXT {
        if wanted.iter().any(|f| f.ends_with(ext)) {
            wanted.retain(|f| f.ends_with(ext));
            break;
        }
    }
    if wanted.is_empty() {
        return Err(format!(
            "the repository has no data files for split {split:?}"
        ));
    }
    // The card and info files carry the label names of integer tags.
    for meta in ["README.md", "dataset_info.json", "dataset_infos.json"] {
        if info.siblings.iter().any(|s| s.rfilename == meta) {
            repo.get(meta).map_err(|e| format!("{meta}: {e}"))?;
        }
    }
    wanted
        .iter()
        .map(|f| repo.get(f).map_err(|e| format!("{f}: {e}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_patterns() {
        let t = aliases("train");
        let v = aliases("validation");
        assert!(in_split(
            Path::new("conll2003/train-00000-of-00001.parquet"),
            &t
        ));
        assert!(in_split(Path::new("conll2003/train/0000.parquet"), &t));
        assert!(in_split(Path::new("conll2003-train.arrow"), &t));
        assert!(in_split(Path::new("dev.jsonl"), &v));
        assert!(!in_split(
            Path::new("conll2003/test-00000-of-00001.parquet"),
            &t
        ));
        assert!(!in_split(Path::new("eng.testa"), &aliases("test")));
        assert!(!in_split(Path::new("contest.parquet"), &aliases("test")));
    }

    #[test]
    fn ids() {
        assert!(looks_like_id("eriktks/conll2003"));
        assert!(looks_like_id("conll2003"));
        assert!(!looks_like_id("./data"));
        assert!(!looks_like_id("a/b/c"));
        assert!(!looks_like_id("train.parquet"));
    }
}
