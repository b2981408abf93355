//! The names of integer tags, from wherever the Hugging Face stack keeps them, in this order:
//! the file's `huggingface` schema metadata (written by `datasets`), `dataset_info.json` /
//! `dataset_infos.json` beside the file, the dataset card's YAML `dataset_info.features`, and last
//! the user's `--label-names`. A user list that contradicts the data's own names is refused.
use super::rows::LabelNames;
use super::DataError;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Names for `column` in HF `Features` JSON (`{"ner_tags": {"feature": {"_type": "ClassLabel",
/// "names": [...]}, "_type": "Sequence"}}`; `List` in datasets ≥ 4; `[ClassLabel]` shorthand).
pub fn class_label_names(features: &Value, column: &str) -> Option<Vec<String>> {
    let mut f = features.get(column)?;
    for _ in 0..4 {
        if let Some(inner) = f.as_array().and_then(|a| a.first()) {
            f = inner;
        } else if let Some(inner) = f.get("feature") {
            f = inner;
        } else {
            break;
        }
    }
    if f.get("_type").and_then(Value::as_str) != Some("ClassLabel") {
        return None;
    }
    f.get("names")?
        .as_array()?
        .iter()
        .map(|n| n.as_str().map(String::from))
        .collect()
}

/// From a `huggingface` schema metadata value (`{"info": {"features": {...}}}`).
fn from_schema_metadata(meta: &str, column: &str) -> Option<Vec<String>> {
    let v: Value = serde_json::from_str(meta).ok()?;
    let features = v.get("info").and_then(|i| i.get("features"))?;
    class_label_names(features, column)
}

/// Directories to look in for metadata: the file's own, then up to three parents, stopping at a hub
/// snapshot's root (`.../snapshots/<rev>`).
fn candidate_dirs(file: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut d = if file.is_dir() {
        Some(file)
    } else {
        file.parent()
    };
    while let Some(dir) = d {
        out.push(if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir.to_path_buf()
        });
        if out.len() == 4 || dir.parent().and_then(|p| p.file_name()) == Some("snapshots".as_ref())
        {
            break;
        }
        d = dir.parent().filter(|p| !p.as_os_str().is_empty());
    }
    out
}

/// Pick the config whose name is a component of the file's path, else `default`, else the first
/// one that has the column.
fn pick_config(configs: Vec<(String, Vec<String>)>, file: &Path) -> Option<(String, Vec<String>)> {
    let in_path = |name: &str| file.components().any(|c| c.as_os_str() == name);
    let mut configs = configs;
    if let Some(i) = configs.iter().position(|(n, _)| in_path(n)) {
        return Some(configs.swap_remove(i));
    }
    if let Some(i) = configs.iter().position(|(n, _)| n == "default") {
        return Some(configs.swap_remove(i));
    }
    configs.into_iter().next()
}

fn from_info_files(dir: &Path, file: &Path, column: &str) -> Option<LabelNames> {
    let read = |name: &str| -> Option<Value> {
        serde_json::from_str(&std::fs::read_to_string(dir.join(name)).ok()?).ok()
    };
    if let Some(v) = read("dataset_info.json") {
        if let Some(names) = v.get("features").and_then(|f| class_label_names(f, column)) {
            return Some(LabelNames {
                names,
                origin: dir.join("dataset_info.json").display().to_string(),
            });
        }
    }
    let v = read("dataset_infos.json")?;
    let configs: Vec<(String, Vec<String>)> = v
        .as_object()?
        .iter()
        .filter_map(|(name, info)| {
            let names = class_label_names(info.get("features")?, column)?;
            Some((name.clone(), names))
        })
        .collect();
    let (config, names) = pick_config(configs, file)?;
    Some(LabelNames {
        names,
        origin: format!(
            "{} (config {config})",
            dir.join("dataset_infos.json").display()
        ),
    })
}

/// The dataset card's YAML front matter: `dataset_info.features[].{sequence|list}.class_label.names`.
fn from_card(dir: &Path, file: &Path, column: &str) -> Option<LabelNames> {
    use yaml_rust2::{Yaml, YamlLoader};
    let path = dir.join("README.md");
    let text = std::fs::read_to_string(&path).ok()?;
    let front = text.strip_prefix("---")?.split("\n---").next()?;
    let docs = YamlLoader::load_from_str(front).ok()?;
    let info = &docs.first()?["dataset_info"];
    let infos: Vec<&Yaml> = match info {
        Yaml::Array(a) => a.iter().collect(),
        Yaml::Hash(_) => vec![info],
        _ => return None,
    };
    let names_of = |info: &Yaml| -> Option<Vec<String>> {
        let feats = info["features"].as_vec()?;
        let feat = feats.iter().find(|f| f["name"].as_str() == Some(column))?;
        let mut node = feat;
        for key in ["sequence", "list"] {
            if !feat[key].is_badvalue() {
                node = &feat[key];
            }
        }
        let names = &node["class_label"]["names"];
        match names {
            Yaml::Array(a) => a.iter().map(|n| n.as_str().map(String::from)).collect(),
            Yaml::Hash(h) => {
                let mut pairs: Vec<(i64, String)> = h
                    .iter()
                    .map(|(k, v)| {
                        let id = k
                            .as_i64()
                            .or_else(|| k.as_str().and_then(|s| s.parse().ok()))?;
                        Some((id, v.as_str()?.to_string()))
                    })
                    .collect::<Option<_>>()?;
                pairs.sort();
                // Ids must be 0..n with no gap, or the names cannot be placed by id.
                if pairs.iter().enumerate().any(|(i, (id, _))| *id != i as i64) {
                    return None;
                }
                Some(pairs.into_iter().map(|(_, n)| n).collect())
            }
            _ => None,
        }
    };
    let configs: Vec<(String, Vec<String>)> = infos
        .into_iter()
        .filter_map(|i| {
            let name = i["config_name"].as_str().unwrap_or("default").to_string();
            Some((name, names_of(i)?))
        })
        .collect();
    let (config, names) = pick_config(configs, file)?;
    Some(LabelNames {
        names,
        origin: format!("{} (dataset card, config {config})", path.display()),
    })
}

/// The data's own names for `column`, if it has any.
pub fn find_names(file: &Path, column: &str, schema_meta: Option<&str>) -> Option<LabelNames> {
    if let Some(names) = schema_meta.and_then(|m| from_schema_metadata(m, column)) {
        return Some(LabelNames {
            names,
            origin: format!("{} (huggingface schema metadata)", file.display()),
        });
    }
    let dirs = candidate_dirs(file);
    dirs.iter()
        .find_map(|d| from_info_files(d, file, column))
        .or_else(|| dirs.iter().find_map(|d| from_card(d, file, column)))
}

/// The names to use: the data's own, or `--label-names`; both given and different is an error.
pub fn resolve(
    file: &Path,
    column: &str,
    schema_meta: Option<&str>,
    given: Option<&[String]>,
) -> Result<Option<LabelNames>, DataError> {
    let path = file.display().to_string();
    let found = find_names(file, column, schema_meta);
    let names = match (found, given) {
        (Some(f), Some(g)) if f.names != g => {
            return Err(DataError::LabelNamesConflict {
                path,
                given: g.to_vec(),
                origin: f.origin,
                found: f.names,
            })
        }
        (Some(f), _) => Some(f),
        (None, Some(g)) => Some(LabelNames {
            names: g.to_vec(),
            origin: "--label-names".into(),
        }),
        (None, None) => None,
    };
    if let Some(n) = &names {
        n.validate(&path)?;
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HUB: [&str; 9] = [
        "O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC",
    ];

    #[test]
    fn features_json_in_every_shape() {
        let names = serde_json::json!(HUB);
        for f in [
            serde_json::json!({"ner_tags": {"feature": {"names": names, "_type": "ClassLabel"}, "_type": "Sequence"}}),
            serde_json::json!({"ner_tags": {"feature": {"names": names, "_type": "ClassLabel"}, "_type": "List"}}),
            serde_json::json!({"ner_tags": [{"names": names, "_type": "ClassLabel"}]}),
        ] {
            assert_eq!(class_label_names(&f, "ner_tags").unwrap(), HUB);
            assert!(class_label_names(&f, "tags").is_none());
        }
        let strings = serde_json::json!({"ner_tags": {"feature": {"dtype": "string", "_type": "Value"}, "_type": "List"}});
        assert!(class_label_names(&strings, "ner_tags").is_none());
    }

    #[test]
    fn card_yaml_names_by_id_and_config() {
        let d = tempfile::tempdir().unwrap();
        let card = "---\ndataset_info:\n- config_name: other\n  features:\n  - name: ner_tags\n    sequence:\n      class_label:\n        names:\n          '0': O\n          '1': B-X\n- config_name: conll2003\n  features:\n  - name: tokens\n    sequence: string\n  - name: ner_tags\n    list:\n      class_label:\n        names:\n          '1': B-PER\n          '0': O\n          '2': I-PER\n---\n# card\n";
        std::fs::write(d.path().join("README.md"), card).unwrap();
        let sub = d.path().join("conll2003");
        std::fs::create_dir(&sub).unwrap();
        let file = sub.join("train-00000-of-00001.parquet");
        let n = find_names(&file, "ner_tags", None).unwrap();
        assert_eq!(n.names, ["O", "B-PER", "I-PER"]);
        assert!(n.origin.contains("config conll2003"), "{}", n.origin);
    }

    #[test]
    fn user_names_only_where_the_data_has_none_or_agrees() {
        let d = tempfile::tempdir().unwrap();
        let file = d.path().join("x.jsonl");
        let given: Vec<String> = ["O", "B-PER", "I-PER"].map(String::from).to_vec();
        let r = resolve(&file, "ner_tags", None, Some(&given))
            .unwrap()
            .unwrap();
        assert_eq!(r.origin, "--label-names");
        assert!(resolve(&file, "ner_tags", None, None).unwrap().is_none());
        let info = serde_json::json!({"features": {"ner_tags": {"feature": {"names": ["O", "B-LOC", "I-LOC"], "_type": "ClassLabel"}, "_type": "List"}}});
        std::fs::write(d.path().join("dataset_info.json"), info.to_string()).unwrap();
        let e = resolve(&file, "ner_tags", None, Some(&given)).unwrap_err();
        assert!(matches!(e, DataError::LabelNamesConflict { .. }), "{e}");
        let bad: Vec<String> = ["O", "PER"].map(String::from).to_vec();
        std::fs::remove_file(d.path().join("dataset_info.json")).unwrap();
        let e = resolve(&file, "ner_tags", None, Some(&bad))
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"PER\"") && e.contains("id 1"), "{e}");
    }
}
