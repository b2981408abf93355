//! The page at `GET /`: one self-contained HTML file (style and script inline, nothing fetched from
//! elsewhere) compiled into the binary.
use std::sync::OnceLock;

pub fn html() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| {
        include_str!("page.html").replace("/*STYLE*/", distilner::infer::render::STYLE)
    })
}
