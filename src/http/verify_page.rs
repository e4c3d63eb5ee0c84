//! `GET /verify`: the auditor's verify page (see [`crate::verify_page`]),
//! offering this server's keys with the warning that they prove nothing
//! about a file from the same server; and `GET /verify/rollcall-verify.html`,
//! the same page without them, to download and keep.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::i18n;
use crate::verify_page::{content_security_policy, render, FILE_NAME};

fn html(body: String, download: bool) -> Response {
    let mut res = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response();
    let h = res.headers_mut();
    // Replaces the site-wide policy: this page may run its WebAssembly in a
    // worker made from its own text, and may connect nowhere at all.
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{}; frame-ancestors 'none'",
        content_security_policy()
    )) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    if download {
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{FILE_NAME}\"")) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    res
}

/// `GET /verify`.
pub async fn page(State(state): State<AppState>) -> Response {
    let keys =
        serde_json::to_string_pretty(&super::health::published_keys(&state)).unwrap_or_default();
    html(render(i18n::current(), Some(&keys)), false)
}

/// `GET /verify/rollcall-verify.html`: the self-contained page to keep.
pub async fn download() -> Response {
    html(render(i18n::current(), None), true)
}
