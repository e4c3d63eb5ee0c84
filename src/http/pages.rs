//! The pages and files every visitor may fetch: the home page, the
//! stylesheet and scripts, the not-found page. The page frame itself is in
//! [`crate::markup`], re-exported here for the handlers.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse};
use maud::{html, PreEscaped};

pub use crate::markup::{code_html, layout, live, page, simple_page};

use super::AppState;
use crate::i18n::{self, t};

/// The stylesheet, embedded in the binary.
pub const STYLE: &str = include_str!("../../web/static/style.css");

/// The projector view's updater, embedded in the binary.
pub const PRESENT_JS: &str = include_str!("../../web/static/present.js");
/// The console's copy buttons.
pub const COPY_JS: &str = include_str!("../../web/static/copy.js");

/// `GET /static/copy.js`.
pub async fn copy_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        COPY_JS,
    )
}

/// `GET /static/present.js`.
pub async fn present_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        PRESENT_JS,
    )
}

/// `GET /static/style.css`.
pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLE,
    )
}

/// The script of [`live`], embedded in the binary.
pub const LIVE_JS: &str = include_str!("../../web/static/live.js");

/// The meeting form's script (the browser's time zone as the default).
pub const MEETING_FORM_JS: &str = include_str!("../../web/static/meeting-form.js");

/// `GET /static/meeting-form.js`.
pub async fn meeting_form_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        MEETING_FORM_JS,
    )
}

/// `GET /static/live.js`.
pub async fn live_script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        LIVE_JS,
    )
}

/// `GET /`.
pub async fn home(State(state): State<AppState>) -> impl IntoResponse {
    let users = state.store.user_count().await.unwrap_or(1);
    Html(
        layout(
            "rollcall",
            html! {
                h1 { "rollcall" }
                p { (t("home.tagline")) }
                @if users == 0 {
                    p { (t("home.no_account")) " " code { "rollcall user add EMAIL" } }
                } @else {
                    p { a.button href="/console" { (t("home.sign_in")) } }
                }
                p { (t("home.attendees")) }
                p { (t("home.auditors")) " "
                    a href="/.well-known/rollcall-keys.json" { "/.well-known/rollcall-keys.json" } }
            },
        )
        .into_string(),
    )
}

/// Unknown paths.
pub async fn not_found() -> impl IntoResponse {
    (
        StatusCode::NOT_FOUND,
        Html(simple_page(t("error.not_found.title"), t("error.not_found.text")).into_string()),
    )
}

/// The suggestions for "Country or national body" (web/countries.txt): the
/// ISO 3166-1 countries, with their national standards bodies where known.
const COUNTRIES: &str = include_str!("../../web/countries.txt");

/// The `<datalist id="countries">` of the country fields: suggestions that
/// work without JavaScript, while any other text (a liaison) is still
/// accepted. Written once, as compactly as HTML allows (an option's text is
/// its value, and its end tag is implied), as it weighs on the check-in
/// page.
pub fn countries_datalist() -> PreEscaped<&'static str> {
    use std::fmt::Write as _;
    static LIST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PreEscaped(LIST.get_or_init(|| {
        let mut out = String::from(r#"<datalist id="countries">"#);
        for line in COUNTRIES.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            out.push_str("<option>");
            let _ = write!(maud::Escaper::new(&mut out), "{line}");
            out.push('\n');
        }
        out.push_str("</datalist>");
        out
    }))
}

/// The label of an attendee role in the current language.
pub fn role_name(key: &str) -> String {
    match i18n::t(&format!("role.{key}")) {
        "" => crate::fields::role_label(key).to_owned(),
        s => s.to_owned(),
    }
}
