//! The browser workspace's static files, embedded in the binary at compile
//! time (no build step, no CDN: it works with the network unplugged).
//!
//! Serves `/` (the page) and `/assets/…` (CSS and ES modules). The UI's
//! behaviour lives in `ui/`; this module only hands the files out.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

/// (path under `ui/`, content type, bytes).
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "index.html",
        "text/html; charset=utf-8",
        include_bytes!("../ui/index.html"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../ui/app.css"),
    ),
    (
        "icon.svg",
        "image/svg+xml",
        include_bytes!("../ui/icon.svg"),
    ),
    ("js/main.js", JS, include_bytes!("../ui/js/main.js")),
    ("js/api.js", JS, include_bytes!("../ui/js/api.js")),
    ("js/dom.js", JS, include_bytes!("../ui/js/dom.js")),
    ("js/markdown.js", JS, include_bytes!("../ui/js/markdown.js")),
    ("js/projects.js", JS, include_bytes!("../ui/js/projects.js")),
    ("js/sources.js", JS, include_bytes!("../ui/js/sources.js")),
    ("js/reader.js", JS, include_bytes!("../ui/js/reader.js")),
    ("js/palette.js", JS, include_bytes!("../ui/js/palette.js")),
    ("js/codes.js", JS, include_bytes!("../ui/js/codes.js")),
    ("js/compare.js", JS, include_bytes!("../ui/js/compare.js")),
    ("js/memos.js", JS, include_bytes!("../ui/js/memos.js")),
    ("js/search.js", JS, include_bytes!("../ui/js/search.js")),
    ("js/history.js", JS, include_bytes!("../ui/js/history.js")),
    ("js/exchange.js", JS, include_bytes!("../ui/js/exchange.js")),
    ("js/analysis.js", JS, include_bytes!("../ui/js/analysis.js")),
    ("js/network.js", JS, include_bytes!("../ui/js/network.js")),
    (
        "js/participants.js",
        JS,
        include_bytes!("../ui/js/participants.js"),
    ),
    ("js/audit.js", JS, include_bytes!("../ui/js/audit.js")),
    (
        "js/pseudonymise.js",
        JS,
        include_bytes!("../ui/js/pseudonymise.js"),
    ),
    (
        "js/properties.js",
        JS,
        include_bytes!("../ui/js/properties.js"),
    ),
    ("js/live.js", JS, include_bytes!("../ui/js/live.js")),
    ("js/login.js", JS, include_bytes!("../ui/js/login.js")),
    (
        "login.css",
        "text/css; charset=utf-8",
        include_bytes!("../ui/login.css"),
    ),
];

const JS: &str = "text/javascript; charset=utf-8";

pub fn router() -> Router {
    Router::new()
        .route("/", get(index))
        .route("/favicon.ico", get(|| async { serve("icon.svg") }))
        .route("/assets/{*path}", get(asset))
}

async fn index() -> Response {
    serve("index.html")
}

async fn asset(Path(path): Path<String>) -> Response {
    if path == "index.html" {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    serve(&path)
}

fn serve(path: &str) -> Response {
    match ASSETS.iter().find(|(p, _, _)| *p == path) {
        Some((_, ctype, bytes)) => {
            let mut r = (StatusCode::OK, *bytes).into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            r
        }
        None => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_module_the_page_imports_is_embedded() {
        // Each `import … from './x.js'` in the UI must name an embedded file,
        // or the page breaks only in the browser.
        for (path, _, bytes) in ASSETS.iter().filter(|(p, _, _)| p.ends_with(".js")) {
            let src = std::str::from_utf8(bytes).expect("UI sources are UTF-8");
            for line in src.lines().filter(|l| l.starts_with("import ")) {
                let Some(spec) = line.split(['\'', '"']).nth(1) else {
                    continue;
                };
                let target = format!("js/{}", spec.trim_start_matches("./"));
                assert!(
                    ASSETS.iter().any(|(p, _, _)| *p == target),
                    "{path} imports {spec}, which is not embedded"
                );
            }
        }
    }

    #[test]
    fn no_inline_script_or_style_in_the_page() {
        let html = std::str::from_utf8(ASSETS[0].2).expect("index.html is UTF-8");
        assert!(
            !html.contains("<script>"),
            "inline scripts are blocked by the CSP"
        );
        assert!(
            !html.contains("style="),
            "inline styles are blocked by the CSP"
        );
        assert!(
            !html.contains("onclick"),
            "inline handlers are blocked by the CSP"
        );
    }
}
