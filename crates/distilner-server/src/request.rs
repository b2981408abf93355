//! Request bodies: parsed and validated by hand so every bad input gets a JSON 4xx error.
use distilner::infer::Strategy;
use serde_json::Value;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub max_text_chars: usize,
    pub max_batch: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1 << 20,
            max_text_chars: 20_000,
            max_batch: 64,
        }
    }
}

#[derive(Debug, PartialEq)]
pub struct PredictRequest {
    pub texts: Vec<String>,
    /// Whether `inputs` was a single string (the answer is then one list, not a list of lists).
    pub single: bool,
    pub strategy: Strategy,
}

#[derive(Debug, PartialEq)]
pub struct BadRequest {
    pub status: u16,
    pub message: String,
}

fn bad(status: u16, message: impl Into<String>) -> BadRequest {
    BadRequest {
        status,
        message: message.into(),
    }
}

/// Parse `{"inputs": "..." | ["...", ...], "parameters": {"aggregation_strategy": "simple"}}`.
pub fn parse(body: &[u8], limits: &Limits) -> Result<PredictRequest, BadRequest> {
    if body.len() > limits.max_body_bytes {
        return Err(bad(
            413,
            format!(
                "body is {} bytes; the limit is {}",
                body.len(),
                limits.max_body_bytes
            ),
        ));
    }
    let text = std::str::from_utf8(body).map_err(|e| {
        bad(
            400,
            format!("body is not valid UTF-8 (byte {})", e.valid_up_to()),
        )
    })?;
    let v: Value =
        serde_json::from_str(text).map_err(|e| bad(400, format!("malformed JSON: {e}")))?;
    let obj = v
        .as_object()
        .ok_or_else(|| bad(422, "the body must be a JSON object with an `inputs` field"))?;
    for k in obj.keys() {
        if k != "inputs" && k != "parameters" {
            return Err(bad(
                422,
                format!("unknown field `{k}`; expected `inputs` and optional `parameters`"),
            ));
        }
    }
    let (texts, single) = match obj.get("inputs") {
        Some(Value::String(s)) => (vec![s.clone()], true),
        Some(Value::Array(a)) => {
            let t: Option<Vec<String>> = a.iter().map(|x| x.as_str().map(String::from)).collect();
            (
                t.ok_or_else(|| bad(422, "`inputs` must be a string or a list of strings"))?,
                false,
            )
        }
        Some(_) => return Err(bad(422, "`inputs` must be a string or a list of strings")),
        None => return Err(bad(422, "missing `inputs`")),
    };
    if texts.is_empty() {
        return Err(bad(422, "`inputs` is an empty list"));
    }
    if texts.len() > limits.max_batch {
        return Err(bad(
            422,
            format!(
                "{} inputs; the limit is {} per request",
                texts.len(),
                limits.max_batch
            ),
        ));
    }
    for (i, t) in texts.iter().enumerate() {
        if t.trim().is_empty() {
            return Err(bad(422, format!("input {i} is empty")));
        }
        let n = t.chars().count();
        if n > limits.max_text_chars {
            return Err(bad(
                413,
                format!(
                    "input {i} has {n} characters; the limit is {}",
                    limits.max_text_chars
                ),
            ));
        }
    }
    let mut strategy = Strategy::Simple;
    match obj.get("parameters") {
        None | Some(Value::Null) => {}
        Some(Value::Object(p)) => {
            for (k, val) in p {
                match (k.as_str(), val) {
                    ("aggregation_strategy", Value::String(s)) => {
                        strategy = s.parse().map_err(|e: String| bad(422, e))?
                    }
                    ("aggregation_strategy", _) => {
                        return Err(bad(422, "`aggregation_strategy` must be a string"))
                    }
                    (other, _) => return Err(bad(422, format!("unknown parameter `{other}`"))),
                }
            }
        }
        Some(_) => return Err(bad(422, "`parameters` must be an object")),
    }
    Ok(PredictRequest {
        texts,
        single,
        strategy,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &[u8]) -> Result<PredictRequest, BadRequest> {
        parse(
            s,
            &Limits {
                max_body_bytes: 200,
                max_text_chars: 10,
                max_batch: 2,
            },
        )
    }

    #[test]
    fn good_requests() {
        let r = p(br#"{"inputs": "Paris"}"#).unwrap();
        assert_eq!(
            (r.texts, r.single, r.strategy),
            (vec!["Paris".to_string()], true, Strategy::Simple)
        );
        let r = p(br#"{"inputs": ["a", "b"], "parameters": {"aggregation_strategy": "first"}}"#)
            .unwrap();
        assert_eq!(
            (r.texts.len(), r.single, r.strategy),
            (2, false, Strategy::First)
        );
    }

    #[test]
    fn bad_requests_get_4xx() {
        let code = |b: &[u8]| p(b).unwrap_err().status;
        assert_eq!(code(b"{"), 400);
        assert_eq!(code(b"\xff\xfe"), 400);
        assert_eq!(code(br#"[1]"#), 422);
        assert_eq!(code(br#"{"inputs": 3}"#), 422);
        assert_eq!(code(br#"{"inputs": [1]}"#), 422);
        assert_eq!(code(br#"{"inputs": []}"#), 422);
        assert_eq!(code(br#"{"inputs": "  "}"#), 422);
        assert_eq!(code(br#"{"inputs": ["a","b","c"]}"#), 422);
        assert_eq!(code(br#"{"inputs": "abcdefghijkl"}"#), 413);
        assert_eq!(code(&[b' '; 300]), 413);
        assert_eq!(
            code(br#"{"inputs": "a", "parameters": {"aggregation_strategy": "bogus"}}"#),
            422
        );
        assert_eq!(code(br#"{"inputs": "a", "x": 1}"#), 422);
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(
            parse(deep.as_bytes(), &Limits::default())
                .unwrap_err()
                .status,
            400
        );
    }
}
