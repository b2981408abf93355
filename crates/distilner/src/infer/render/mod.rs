//! Entities drawn as HTML in displaCy's manner: each entity a coloured `<mark>` carrying its type,
//! the score on hover, a legend of the model's types. `predict --format html` writes this, and the
//! page that `serve` shows at `GET /` draws the very same markup in the browser (`page.html`'s
//! script mirrors `doc` and `color` line for line; a browser test holds them to it).
use serde_json::Value;

pub const STYLE: &str = include_str!("style.css");

/// displaCy's colours for the CoNLL types; any other type gets a hue from its name.
pub fn color(label: &str) -> String {
    match label {
        "PER" => "#aa9cfc".into(),
        "ORG" => "#7aecec".into(),
        "LOC" => "#ff9561".into(),
        "MISC" => "#feca74".into(),
        _ => {
            let h = label.chars().fold(0u32, |h, c| (h * 31 + c as u32) % 360);
            format!("hsl({h},70%,80%)")
        }
    }
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An entity's type: `entity_group`, or a token's `entity` without its scheme prefix.
fn entity_type(e: &Value) -> String {
    let l = e["entity_group"]
        .as_str()
        .or_else(|| e["entity"].as_str())
        .unwrap_or("");
    match l.as_bytes() {
        [b'B' | b'I' | b'E' | b'S', b'-', ..] => l[2..].to_string(),
        _ => l.to_string(),
    }
}

/// The types a label set names (`B-PER`, `I-PER` → `PER`), in order, without `O`.
pub fn types<S: AsRef<str>>(labels: &[S]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in labels {
        let t = entity_type(&serde_json::json!({ "entity": l.as_ref() }));
        if t != "O" && !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// One text with its entities (the pipeline's JSON; offsets in characters) marked up.
pub fn doc(text: &str, entities: &Value) -> String {
    let chars: Vec<char> = text.chars().collect();
    let slice = |a: usize, b: usize| -> String {
        chars[a.min(chars.len())..b.min(chars.len())]
            .iter()
            .collect()
    };
    let mut ents: Vec<&Value> = entities
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    ents.sort_by_key(|e| e["start"].as_u64().unwrap_or(0));
    let (mut out, mut at) = (String::new(), 0usize);
    for e in ents {
        let (s, t) = (
            e["start"].as_u64().unwrap_or(0) as usize,
            e["end"].as_u64().unwrap_or(0) as usize,
        );
        if s < at {
            continue; // overlapping tokens (strategy "none" never overlaps; be safe)
        }
        let l = escape(&entity_type(e));
        let score = e["score"].as_f64().unwrap_or(0.0);
        out.push_str(&escape(&slice(at, s)));
        out.push_str(&format!(
            "<mark class=\"ent\" data-label=\"{l}\" style=\"background:{}\" title=\"{l} {score:.4}\">{}<span class=\"lbl\">{l}</span></mark>",
            color(&entity_type(e)),
            escape(&slice(s, t)),
        ));
        at = t;
    }
    out.push_str(&escape(&slice(at, chars.len())));
    format!("<div class=\"doc\">{out}</div>")
}

pub fn legend(types: &[String]) -> String {
    let keys: String = types
        .iter()
        .map(|t| {
            format!(
                "<span class=\"key\" style=\"background:{}\">{}</span>",
                color(t),
                escape(t)
            )
        })
        .collect();
    format!("<div class=\"legend\">{keys}</div>")
}

/// A whole HTML document: the legend, then each text with its entities.
pub fn document(title: &str, types: &[String], docs: &[(String, Value)]) -> String {
    let body: String = docs
        .iter()
        .map(|(t, e)| doc(t, e))
        .collect::<Vec<_>>()
        .join("\n");
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{}</title>\n<style>\n{STYLE}</style></head>\n<body>\n<h1>{}</h1>\n{}\n{body}\n</body></html>\n",
        escape(title),
        escape(title),
        legend(types)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn marks_entities_by_character_offsets_and_escapes_text() {
        let text = "Zoë <b> met Angela Merkel in Paris.";
        let ents = json!([
            {"entity_group": "PER", "score": 0.99871, "word": "Angela Merkel", "start": 12, "end": 25},
            {"entity_group": "LOC", "score": 0.5, "word": "Paris", "start": 29, "end": 34},
        ]);
        let html = doc(text, &ents);
        assert_eq!(
            html,
            "<div class=\"doc\">Zoë &lt;b&gt; met <mark class=\"ent\" data-label=\"PER\" \
             style=\"background:#aa9cfc\" title=\"PER 0.9987\">Angela Merkel<span class=\"lbl\">PER\
             </span></mark> in <mark class=\"ent\" data-label=\"LOC\" style=\"background:#ff9561\" \
             title=\"LOC 0.5000\">Paris<span class=\"lbl\">LOC</span></mark>.</div>"
        );
        assert_eq!(
            types(&["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]),
            ["PER", "LOC"]
        );
        // Token-level output (strategy none): the scheme prefix is not part of the type.
        let html = doc(
            "Paris",
            &json!([{"entity": "B-LOC", "score": 1.0, "start": 0, "end": 5}]),
        );
        assert!(html.contains("data-label=\"LOC\""));
        assert!(color("DATE").starts_with("hsl("));
    }
}
