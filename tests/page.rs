//! The demo page in a real browser: Debian's headless Chromium (setup.sh installs it) loads `GET /`
//! from a running `distilner serve`, a sentence is typed and the button clicked, and the DOM must
//! hold one highlighted span per entity of `/predict`'s answer, with its type and score — drawn
//! exactly as `predict --format html` draws it (`infer::render::doc`).
mod common;
use chromiumoxide::browser::{Browser, BrowserConfig};
use common::*;
use distilner::infer::render;
use distilner::model::load_dir;
use futures_util::StreamExt;
use serde_json::Value;
use std::time::{Duration, Instant};

fn chromium() -> std::path::PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<std::path::PathBuf> = std::env::split_paths(&path).collect();
    std::env::var_os("CHROME")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            ["chromium", "chromium-browser", "google-chrome"]
                .iter()
                .flat_map(|n| dirs.iter().map(move |d| d.join(n)))
                .find(|p| p.is_file())
        })
        .expect(
            "no Chromium found: ./setup.sh installs Debian's `chromium` (apt-get install chromium), \
             or point CHROME at a Chrome/Chromium binary",
        )
}

/// What the page shows: the highlighted spans (text, type, hover title), #out's markup, the legend
/// and the raw JSON, once at least one span is drawn.
async fn shown(
    page: &chromiumoxide::Page,
) -> (Vec<(String, String, String)>, String, Vec<String>, Value) {
    let get = |js: &'static str| async move {
        let v: String = page.evaluate(js).await.unwrap().into_value().unwrap();
        v
    };
    let t0 = Instant::now();
    let marks: Vec<(String, String, String)> = loop {
        let v = get(
            "JSON.stringify([...document.querySelectorAll('#out mark.ent')]\
             .map(m => [m.firstChild.textContent, m.dataset.label, m.title]))",
        )
        .await;
        let marks: Vec<(String, String, String)> = serde_json::from_str(&v).unwrap();
        if !marks.is_empty() || t0.elapsed() > Duration::from_secs(20) {
            break marks;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let out = get("document.getElementById('out').innerHTML").await;
    let legend = get(
        "JSON.stringify([...document.querySelectorAll('#legend .key')].map(k => k.textContent))",
    )
    .await;
    let json = get("document.getElementById('json').textContent").await;
    (
        marks,
        out,
        serde_json::from_str(&legend).unwrap(),
        serde_json::from_str(&json).unwrap(),
    )
}

/// The spans `/predict`'s entities should become: (text by character offsets, type, title).
fn expected(text: &str, entities: &Value) -> Vec<(String, String, String)> {
    let chars: Vec<char> = text.chars().collect();
    entities
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let (s, t) = (
                e["start"].as_u64().unwrap() as usize,
                e["end"].as_u64().unwrap() as usize,
            );
            let l = e["entity_group"].as_str().unwrap().to_string();
            let score = e["score"].as_f64().unwrap();
            (
                chars[s..t].iter().collect(),
                l.clone(),
                format!("{l} {score:.4}"),
            )
        })
        .collect()
}

#[test]
fn the_page_highlights_what_predict_returns() {
    let m = tiny_model_dir("tiny-bert-ner");
    let port = free_port();
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_distilner"))
        .args(["serve", "--model", m.path().to_str().unwrap()])
        .args(["--port", &port.to_string(), "--threads", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let addr = format!("127.0.0.1:{port}");
    // Typed (the browser's keyboard has ASCII keys), then one given in the link (`/?text=`) whose
    // offsets count characters beyond UTF-16's single units.
    let typed = "Peter Blackburn & Mary flew from Paris to Berlin with the BBC <team>.";
    let linked = "Zoë Müller 🙂 met Angela Merkel in Köln.";
    let profile = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let predict = |addr: String, text: &'static str| async move {
        let body = serde_json::json!({ "inputs": text }).to_string();
        let (s, b) = distilner_server::client::request(&addr, "POST", "/predict", body.as_bytes())
            .await
            .unwrap();
        assert_eq!(s, 200);
        let v: Value = serde_json::from_slice(&b).unwrap();
        assert!(!v.as_array().unwrap().is_empty());
        v
    };
    let (first, second) = rt.block_on(async {
        let t0 = Instant::now();
        loop {
            if let Ok((200, _)) =
                distilner_server::client::request(&addr, "GET", "/health", b"").await
            {
                break;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "server did not come up"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let config = BrowserConfig::builder()
            .chrome_executable(chromium())
            .no_sandbox()
            .user_data_dir(profile.path())
            .window_size(1000, 700)
            .build()
            .unwrap();
        let (mut browser, mut handler) = Browser::launch(config).await.expect("launch chromium");
        let events = tokio::spawn(async move { while handler.next().await.is_some() {} });
        let page = browser.new_page(format!("http://{addr}/")).await.unwrap();
        page.wait_for_navigation().await.unwrap();
        page.evaluate("document.getElementById('text').value = ''")
            .await
            .unwrap();
        page.find_element("#text")
            .await
            .unwrap()
            .click()
            .await
            .unwrap()
            .type_str(typed)
            .await
            .unwrap();
        page.find_element("#tag")
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let first = (predict(addr.clone(), typed).await, shown(&page).await);
        let url = format!("http://{addr}/?text={}", urlencode(linked));
        let page = browser.new_page(url).await.unwrap();
        page.wait_for_navigation().await.unwrap();
        let second = (predict(addr.clone(), linked).await, shown(&page).await);
        browser.close().await.ok();
        events.abort();
        (first, second)
    });
    let _ = server.kill();
    let _ = server.wait();
    let l = load_dir(m.path(), distilner::model::Head::Keep, tch::Device::Cpu).unwrap();
    for (text, (entities, (marks, out, legend, json))) in [(typed, first), (linked, second)] {
        assert_eq!(marks, expected(text, &entities), "spans for {text:?}");
        assert_eq!(
            out,
            render::doc(text, &entities),
            "the page draws {text:?} differently from predict --format html"
        );
        assert_eq!(legend, render::types(l.model.labels.names()));
        assert_eq!(json, entities, "the raw JSON under the page");
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
