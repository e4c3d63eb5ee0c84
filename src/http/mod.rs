//! The HTTP service: routes, shared state and the middleware every
//! response passes through. One file per resource.

// Handlers return a ready `Response` as their error, as axum rejections do.
#![allow(clippy::result_large_err)]

mod api;
mod auth;
pub mod client_ip;

/// Account and token helpers the command line shares with the web sign-in.
pub mod auth_tools {
    pub use super::auth::{
        check_new_password, digest, hash_password, random_token, ABSOLUTE_SECONDS, IDLE_SECONDS,
        SETUP_KEY,
    };
}
mod console;
mod console_frame;
mod console_sessions;
mod downloads;
mod error;
mod health;
mod meeting_tools;
pub(crate) mod pages;
mod personal_data;
pub mod privacy;
mod public;
mod roster_api;
mod roster_pages;
mod verify_page;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tower_http::timeout::TimeoutLayer;

use crate::app::App;
pub use crate::app::RateLimiter;

/// Settings of the web layer alone, parsed once at start-up (those of the
/// application are [`crate::app::Settings`]).
#[derive(Clone, Debug)]
pub struct Config {
    /// Whether browsers reach the server over HTTPS: it speaks TLS itself,
    /// or its public URL is `https://` (a TLS-terminating reverse proxy in
    /// front). Cookies are then `Secure` and HSTS is sent.
    pub https: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: client_ip::TrustedProxies,
    /// What the privacy notice says.
    pub privacy: privacy::Privacy,
}

/// Everything a request handler may use: the application, and what only
/// the web needs. Dereferences to the [`App`].
pub struct Inner {
    pub app: App,
    pub config: Config,
    pub login_limit: RateLimiter,
}

impl std::ops::Deref for Inner {
    type Target = App;

    fn deref(&self) -> &App {
        &self.app
    }
}

/// Shared state, cheap to clone.
pub type AppState = Arc<Inner>;

// Every route: its path, then its handler for each method. The router is
// built from this table and [`routes`] lists it, so the cross-site test
// covers a route as soon as it is added here.
macro_rules! route_table {
    ($($path:literal => $first:ident($handler:expr) $(. $method:ident($more:expr))* ,)*) => {
        const ROUTES: &[(&str, &str)] =
            &[$( (stringify!($first), $path) $(, (stringify!($method), $path))* ),*];

        fn with_routes(router: Router<AppState>) -> Router<AppState> {
            router $(.route($path, $first($handler) $(.$method($more))*))*
        }
    };
}

route_table! {
    "/api/v1/meetings" => post(api::create_meeting).get(api::list_meetings),
    "/api/v1/meetings/{id}" => get(api::get_meeting).delete(api::delete_meeting),
    "/api/v1/meetings/{id}/open" => post(api::open_meeting),
    "/api/v1/meetings/{id}/close" => post(api::close_meeting),
    "/api/v1/meetings/{id}/notes" => post(api::add_notes),
    "/api/v1/meetings/{id}/amendments" => post(api::amend_check_in),
    "/api/v1/meetings/{id}/sessions" => post(api::add_session).get(api::list_sessions),
    "/api/v1/meetings/{id}/sessions/{number}/open" => post(api::open_session),
    "/api/v1/meetings/{id}/sessions/{number}/close" => post(api::close_session),
    "/api/v1/meetings/{id}/roster" => post(roster_api::import_roster).get(roster_api::roster),
    "/api/v1/meetings/{id}/roster.csv" => get(roster_api::roster_csv),
    "/api/v1/meetings/{id}/roster/matches" => post(roster_api::decide_match),
    "/api/v1/meetings/{id}/delegations" => get(roster_api::delegations).post(roster_api::snapshot_delegations),
    "/api/v1/meetings/{id}/checkin-link" => get(api::checkin_link),
    "/api/v1/meetings/{id}/remote-link" => get(api::remote_link),
    "/api/v1/meetings/{id}/checkins" => post(api::check_in),
    "/api/v1/meetings/{id}/bundle" => get(api::bundle),
    "/api/v1/meetings/{id}/checkpoint" => get(api::checkpoint),
    "/api/v1/meetings/{id}/attendance.csv" => get(api::attendance_csv),
    "/api/v1/meetings/{id}/attendance.pdf" => get(api::attendance_pdf),
    "/api/v1/receipts/{id}" => get(api::receipt),
    "/" => get(pages::home),
    "/healthz" => get(health::healthz),
    "/metrics" => get(health::metrics),
    "/.well-known/rollcall-keys.json" => get(health::keys),
    "/static/style.css" => get(pages::stylesheet),
    "/static/live.js" => get(pages::live_script),
    "/static/meeting-form.js" => get(pages::meeting_form_script),
    "/static/present.js" => get(pages::present_script),
    "/static/copy.js" => get(pages::copy_script),
    "/m/{id}" => get(public::check_in_page).post(public::check_in_form),
    "/r/{id}" => get(public::receipt_page),
    "/privacy" => get(privacy::notice),
    "/verify" => get(verify_page::page),
    "/verify/rollcall-verify.html" => get(verify_page::download),
    "/r/{id}/receipt.json" => get(public::receipt_file),
    "/r/{id}/erase" => get(personal_data::receipt_confirm).post(personal_data::receipt_erase),
    "/setup" => get(auth::setup_page).post(auth::setup_submit),
    "/login" => get(auth::login_page).post(auth::login_submit),
    "/logout" => post(auth::logout),
    "/console" => get(console::meetings),
    "/console/meetings" => post(console::create_meeting),
    "/console/meetings/{id}" => get(console::meeting),
    "/console/meetings/{id}/open" => post(console::open_meeting),
    "/console/meetings/{id}/close" => post(console::close_meeting),
    "/console/meetings/{id}/delete" => post(console::delete_meeting),
    "/console/meetings/{id}/qr.svg" => get(console::qr_svg),
    "/console/meetings/{id}/edit" => get(console::edit_page).post(console::edit_meeting),
    "/console/meetings/{id}/public-qr.svg" => get(console::public_qr_svg),
    "/console/meetings/{id}/public-qr.png" => get(console::public_qr_png),
    "/console/meetings/{id}/present.json" => get(meeting_tools::present_json),
    "/console/meetings/{id}/present" => get(meeting_tools::present),
    "/console/meetings/{id}/arrivals" => get(meeting_tools::arrivals),
    "/console/meetings/{id}/manual" => post(meeting_tools::manual_entry),
    "/console/meetings/{id}/notes" => post(meeting_tools::notes),
    "/console/meetings/{id}/sessions" => post(console_sessions::add),
    "/console/meetings/{id}/sessions/{number}/open" => post(console_sessions::open),
    "/console/meetings/{id}/sessions/{number}/close" => post(console_sessions::close),
    "/console/meetings/{id}/amend" => get(meeting_tools::amend_page).post(meeting_tools::amend),
    "/console/meetings/{id}/roster" => get(roster_pages::roster_page).post(roster_pages::import_roster),
    "/console/meetings/{id}/roster/match" => post(roster_pages::decide_match),
    "/console/meetings/{id}/roster.csv" => get(roster_pages::roster_csv),
    "/console/meetings/{id}/delegations" => get(roster_pages::delegations_page).post(roster_pages::snapshot),
    "/console/meetings/{id}/list" => get(meeting_tools::printable_list),
    "/console/meetings/{id}/list.pdf" => get(meeting_tools::list_pdf),
    "/console/meetings/{id}/qr.png" => get(console::qr_png),
    "/console/meetings/{id}/erase" => get(personal_data::confirm).post(personal_data::erase),
    "/console/meetings/{id}/retention" => post(personal_data::retention),
    "/console/meetings/{id}/bundle.json" => get(console::bundle),
    "/console/meetings/{id}/attendance.csv" => get(console::attendance_csv),
}

/// Every route of the application, as (method, path with `{id}`).
pub fn routes() -> Vec<(Method, &'static str)> {
    ROUTES
        .iter()
        .filter_map(|(method, path)| {
            Method::from_bytes(method.to_ascii_uppercase().as_bytes())
                .ok()
                .map(|m| (m, *path))
        })
        .collect()
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    with_routes(Router::new())
        .fallback(pages::not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            same_origin_only,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), language))
        .layer(middleware::from_fn(body_limit))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(15),
        ))
        // Outermost, so that the 408 and 413 answered by the layers above
        // carry the headers too.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
        .with_state(state)
}

/// The most a request body may hold, by route: 64 KiB, but more where a
/// valid body is larger: a roster's CSV (thousands of rows), and notes
/// (20,000 characters, each up to 12 bytes once escaped in JSON or a form).
fn body_limit_for(path: &str) -> usize {
    if path.ends_with("/roster") {
        4 * 1024 * 1024
    } else if path.ends_with("/notes") {
        320 * 1024
    } else {
        64 * 1024
    }
}

/// Refuses a body declared larger than its route's limit (`413`), and cuts
/// one that grows past it while it is read (the extractor then fails).
async fn body_limit(req: Request, next: Next) -> Response {
    let limit = body_limit_for(req.uri().path());
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return (StatusCode::PAYLOAD_TOO_LARGE, "length limit exceeded").into_response();
    }
    let (parts, body) = req.into_parts();
    let body = axum::body::Body::new(http_body_util::Limited::new(body, limit));
    next.run(Request::from_parts(parts, body)).await
}

/// Headers on every response: a strict CSP without inline script, no
/// sniffing, no framing, no referrer to other sites, and HSTS over TLS.
async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    state.metrics.http_response(res.status().as_u16());
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: &'static str, v: &'static str| {
        h.insert(k, HeaderValue::from_static(v));
    };
    // A page with a policy of its own (the verify page) keeps it.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        set(
            h,
            "content-security-policy",
            "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        );
    }
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    // `same-origin`, not `no-referrer`: under `no-referrer` browsers send
    // `Origin: null` with the site's own form posts, which the CSRF check
    // must refuse. Other sites still get no referrer (the check-in and
    // receipt addresses carry tokens).
    set(h, "referrer-policy", "same-origin");
    set(h, "cross-origin-opener-policy", "same-origin");
    set(
        h,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=()",
    );
    if state.config.https {
        set(h, "strict-transport-security", "max-age=31536000");
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, "cache-control", "no-store");
    }
    res
}

/// Chooses the language of the response (see [`crate::i18n::negotiate`])
/// and renders it in that language. `?lang=` also sets the `lang` cookie,
/// so the choice sticks; HTML responses vary with both inputs.
async fn language(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let query = req.uri().query().unwrap_or("");
    let switch = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "lang")
        .map(|(_, v)| v.to_owned());
    let rest: Vec<&str> = query
        .split('&')
        .filter(|kv| !kv.is_empty() && !kv.starts_with("lang="))
        .collect();
    let here = if rest.is_empty() {
        req.uri().path().to_owned()
    } else {
        format!("{}?{}", req.uri().path(), rest.join("&"))
    };
    let headers = req.headers();
    let cookie = auth::read_cookie(headers, LANG_COOKIE);
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let lang = crate::i18n::negotiate(switch.as_deref(), cookie.as_deref(), accept, None);
    let chosen = switch.as_deref().and_then(crate::i18n::Lang::get);
    let explicit = chosen.is_some() || cookie.as_deref().and_then(crate::i18n::Lang::get).is_some();
    let current = crate::i18n::Current {
        lang,
        here,
        explicit,
        defaulted: !explicit && accept.and_then(crate::i18n::from_accept_language).is_none(),
    };
    let mut res = crate::i18n::scope(current, next.run(req)).await;
    if let Some(l) = chosen {
        if let Ok(v) =
            auth::set_cookie(&state, LANG_COOKIE, l.tag(), 365 * 24 * 3600, "Lax").parse()
        {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        res.headers_mut().append(
            header::VARY,
            HeaderValue::from_static("Accept-Language, Cookie"),
        );
        if let Ok(v) = HeaderValue::from_str(lang.tag()) {
            res.headers_mut().insert(header::CONTENT_LANGUAGE, v);
        }
    }
    res
}

/// The cookie that keeps the language chosen with the switch.
pub const LANG_COOKIE: &str = "lang";

/// Refuses state-changing requests a browser sends on behalf of another
/// site (CSRF): `Sec-Fetch-Site` must be same-origin (or absent, for
/// non-browser clients), and `Origin`, when sent, must be this server.
async fn same_origin_only(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers();
    let site_ok = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v == "same-origin" || v == "none");
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_ok = match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => {
            let bare = origin.split_once("://").map_or(origin, |(_, rest)| rest);
            origin == state.settings.public_url || Some(bare) == host
        }
    };
    if site_ok && origin_ok {
        next.run(req).await
    } else {
        error::page_error(
            StatusCode::FORBIDDEN,
            crate::i18n::t("error.csrf.title"),
            crate::i18n::t("error.csrf.text"),
        )
        .into_response()
    }
}
