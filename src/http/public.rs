//! What attendees see: the check-in page (works without JavaScript), the
//! form it posts, and the receipt.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use maud::{html, Markup};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::auth::{random_token, read_cookie, set_cookie};
use super::error::{page_error, ApiError};
use super::pages::{code_html, layout, live};
use super::AppState;
use crate::checkin::{self, CheckInError, CheckInInput};
use crate::fields::{FieldError, ROLES};
use crate::store::MeetingRow;
use crate::trust::disclosure::Disclosure;
use crate::trust::encoding::{b64url, unb64url};
use crate::trust::statement::{Predicate, RollcallStatement};

const DEVICE_COOKIE: &str = "rc_device";
const ME_COOKIE: &str = "rc_me";
const YEAR: i64 = 365 * 24 * 3600;

/// What the form remembers on the attendee's device.
#[derive(Default, Serialize, Deserialize)]
struct Remembered {
    name: String,
    organization: String,
    country: String,
    role: String,
    email: String,
}

fn remembered(headers: &HeaderMap) -> Remembered {
    read_cookie(headers, ME_COOKIE)
        .and_then(|v| unb64url(&v).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// The stored key of a device cookie (its hash, never the cookie itself).
fn device_key(headers: &HeaderMap) -> Option<String> {
    read_cookie(headers, DEVICE_COOKIE)
        .filter(|v| {
            v.len() == 43
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(|v| b64url(&super::auth::digest(&v)))
}

#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    t: String,
}

fn fmt_local(t: OffsetDateTime) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    t.format(&f).unwrap_or_default()
}

/// The meeting, or a page saying why attendees cannot check in.
async fn meeting_for_page(
    state: &AppState,
    id: &str,
) -> Result<std::sync::Arc<MeetingRow>, Response> {
    match state.meetings.get(&state.store, id).await {
        Ok(Some(m)) if m.state == "open" => Ok(m),
        Ok(Some(m)) if m.state == "closed" => Err(page_error(
            StatusCode::GONE,
            "This meeting is closed",
            &format!("Check-in for “{}” has closed. If you attended, please speak to the secretary.", m.meeting.title),
        )
        .into_response()),
        Ok(Some(m)) => Err(page_error(
            StatusCode::CONFLICT,
            "Check-in has not opened yet",
            &format!("Check-in for “{}” opens when the secretary starts the meeting. Scan the code again then.", m.meeting.title),
        )
        .into_response()),
        Ok(None) => Err(page_error(StatusCode::NOT_FOUND, "Meeting not found", "There is no meeting at this address. Scan the QR code shown in the room again.").into_response()),
        Err(e) => Err(ApiError::from(e).into_response()),
    }
}

fn field_error<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.as_str())
}

/// The check-in page.
fn check_in_markup(
    meeting: &MeetingRow,
    code_text: &str,
    token: &str,
    values: &Remembered,
    errors: &[FieldError],
    banner: Option<&str>,
) -> Markup {
    let m = &meeting.meeting;
    let lang = meeting.languages.first().map_or("en", String::as_str);
    let input = |id: &'static str,
                 label: &'static str,
                 kind: &'static str,
                 value: &str,
                 autocomplete: &'static str,
                 required: bool,
                 hint: Option<&'static str>| {
        let err = field_error(errors, id);
        html! {
            div {
                label for=(id) { (label) @if !required { " (optional)" } @if let Some(h) = hint { span.hint { (h) } } }
                @if let Some(e) = err { span.field-error id=(format!("{id}-error")) { (e) } }
                input id=(id) name=(id) type=(kind) value=(value) autocomplete=(autocomplete) required[required]
                    aria-invalid=[err.map(|_| "true")] aria-describedby=[err.map(|_| format!("{id}-error"))];
            }
        }
    };
    layout(
        "en",
        &format!("Check in: {}", m.title),
        html! {
            h1 { "Check in: " (m.title) }
            p.meta { (m.committee) @if !m.committee.is_empty() && !m.location.is_empty() { " · " } (m.location) br;
                (fmt_local(m.starts_at)) " – " (fmt_local(m.ends_at)) " (" (m.timezone) ")" }
            @if let Some(b) = banner { div.errors role="alert" { p { (b) } } }
            @if !errors.is_empty() {
                div.errors role="alert" {
                    h2 { "Please correct " (errors.len()) " thing" @if errors.len() > 1 { "s" } }
                    ul { @for e in errors { li { a href=(format!("#{}", e.field)) { (e.message) } } } }
                }
            }
            p { "Please read the Code of Conduct below. By checking in you acknowledge it; your check-in is signed and added to the meeting's attendance list." }
            // The page speaks English; the Code section is marked with its own language.
            section.code aria-label="Code of Conduct" lang=(lang) { (code_html(code_text)) }
            form.stack method="post" action=(format!("/m/{}", m.id)) {
                input type="hidden" name="token" value=(token);
                input type="hidden" name="code_sha256" value=(meeting.code_sha256);
                input type="hidden" name="language" value=(lang);
                (input("name", "Full name", "text", &values.name, "name", true, None))
                (input("organization", "Organisation", "text", &values.organization, "organization", true, None))
                (input("country", "Country or national body", "text", &values.country, "country-name", true, Some("For example: France / AFNOR")))
                div {
                    label for="role" { "Role" }
                    @if let Some(e) = field_error(errors, "role") { span.field-error { (e) } }
                    select #role name="role" required {
                        @for (key, label) in ROLES {
                            option value=(key) selected[values.role == key || (values.role.is_empty() && key == "delegate")] { (label) }
                        }
                    }
                }
                (input("email", "Email", "email", &values.email, "email", false, Some("Lets you find your receipt again; never shown on the printed list without your consent.")))
                div {
                    @if let Some(e) = field_error(errors, "acknowledged") { span.field-error id="acknowledged-error" { (e) } }
                    label.check for="acknowledged" {
                        input #acknowledged type="checkbox" name="acknowledged" value="yes" required;
                        span { "I have read the Code of Conduct and will uphold it." }
                    }
                }
                div {
                    label.check for="remember" {
                        input #remember type="checkbox" name="remember" value="yes" checked;
                        span { "Remember my details on this device for the next meeting" }
                    }
                }
                div { button type="submit" { "Check in" } }
            }
        },
    )
}

/// `GET /m/{id}?t=TOKEN`: the check-in page.
pub async fn check_in_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let meeting = match meeting_for_page(&state, &id).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    if q.t.is_empty() {
        return page_error(StatusCode::BAD_REQUEST, "Scan the QR code", "This address needs the code shown in the meeting room. Scan the QR code on the screen with your phone's camera.").into_response();
    }
    if let Err(e) = state.presence.check(
        &id,
        &q.t,
        &meeting.presence,
        OffsetDateTime::now_utc(),
        state.config.presence_grace,
    ) {
        let status = if e == crate::presence::PresenceError::Expired {
            StatusCode::GONE
        } else {
            StatusCode::FORBIDDEN
        };
        return page_error(
            status,
            "Cannot check in with this code",
            &super::error::capitalise(&e.to_string()),
        )
        .into_response();
    }
    let code = match state.store.code(&meeting.code_sha256).await {
        Ok(Some(c)) => c,
        Ok(None) => return ApiError::internal().into_response(),
        Err(e) => return ApiError::from(e).into_response(),
    };
    let mut res = Html(
        check_in_markup(&meeting, &code.text, &q.t, &remembered(&headers), &[], None).into_string(),
    )
    .into_response();
    if read_cookie(&headers, DEVICE_COOKIE).is_none() {
        if let Ok(v) = set_cookie(&state, DEVICE_COOKIE, &random_token(), YEAR, "Lax").parse() {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

#[derive(Deserialize)]
pub struct CheckInFormData {
    #[serde(default)]
    token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    organization: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    acknowledged: Option<String>,
    #[serde(default)]
    code_sha256: String,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    remember: Option<String>,
}

/// The shared pipeline of the form and the API: rate limit, presence,
/// validation, then the writer.
pub async fn intake(
    state: &AppState,
    ip: std::net::IpAddr,
    meeting: &MeetingRow,
    input: &CheckInInput,
    device: Option<String>,
) -> Result<crate::store::writer::CheckInAccepted, ApiError> {
    if !state.check_in_limit.allow(ip) {
        state.metrics.rate_limited();
        return Err(ApiError::too_many());
    }
    let presence = state
        .presence
        .check(
            &meeting.meeting.id,
            &input.token,
            &meeting.presence,
            OffsetDateTime::now_utc(),
            state.config.presence_grace,
        )
        .map_err(CheckInError::from)?;
    let req = checkin::validate(meeting, input, presence, device)?;
    Ok(state
        .writer
        .check_in(req)
        .await
        .map_err(CheckInError::from)?)
}

/// `POST /m/{id}`: the form. Success redirects to the receipt.
pub async fn check_in_form(
    State(state): State<AppState>,
    Path(id): Path<String>,
    info: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<CheckInFormData>,
) -> Response {
    let meeting = match meeting_for_page(&state, &id).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let input = CheckInInput {
        token: f.token.clone(),
        name: f.name.clone(),
        organization: f.organization.clone(),
        country: f.country.clone(),
        role: f.role.clone(),
        email: Some(f.email.clone()),
        acknowledged: f.acknowledged.as_deref() == Some("yes"),
        code_sha256: f.code_sha256.clone(),
        language: f.language.clone(),
    };
    let mut new_device = None;
    let device = device_key(&headers).or_else(|| {
        let v = random_token();
        let key = b64url(&super::auth::digest(&v));
        new_device = Some(v);
        Some(key)
    });
    match intake(&state, super::client_ip(&info), &meeting, &input, device).await {
        Ok(accepted) => {
            let mut res = Redirect::to(&format!("/r/{}", accepted.receipt_id)).into_response();
            let mut cookies = Vec::new();
            if let Some(v) = new_device {
                cookies.push(set_cookie(&state, DEVICE_COOKIE, &v, YEAR, "Lax"));
            }
            if f.remember.as_deref() == Some("yes") {
                let me = Remembered {
                    name: f.name,
                    organization: f.organization,
                    country: f.country,
                    role: f.role,
                    email: f.email,
                };
                let value = b64url(&serde_json::to_vec(&me).unwrap_or_default());
                cookies.push(set_cookie(&state, ME_COOKIE, &value, YEAR, "Lax"));
            } else {
                cookies.push(set_cookie(&state, ME_COOKIE, "", 0, "Lax"));
            }
            for c in cookies {
                if let Ok(v) = c.parse() {
                    res.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            res
        }
        Err(e) => {
            let code = match state.store.code(&meeting.code_sha256).await {
                Ok(Some(c)) => c.text,
                _ => String::new(),
            };
            let values = Remembered {
                name: f.name,
                organization: f.organization,
                country: f.country,
                role: f.role,
                email: f.email,
            };
            let (errors, banner) = if e.fields.is_empty() {
                (Vec::new(), Some(e.message.clone()))
            } else {
                (e.fields.clone(), None)
            };
            (
                e.status,
                Html(
                    check_in_markup(
                        &meeting,
                        &code,
                        &f.token,
                        &values,
                        &errors,
                        banner.as_deref(),
                    )
                    .into_string(),
                ),
            )
                .into_response()
        }
    }
}

/// `GET /r/{id}`: the receipt page.
pub async fn receipt_page(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let keys = state.public_keys();
    let (receipt, row) = match crate::export::receipt(
        &state.store,
        &state.logs,
        &keys,
        &state.receipts,
        &id,
    )
    .await
    {
        Ok(r) => r,
        Err(crate::export::ExportError::UnknownReceipt) => {
            return page_error(
                StatusCode::NOT_FOUND,
                "Receipt not found",
                "There is no receipt at this address.",
            )
            .into_response()
        }
        Err(e) => return ApiError::from(e).into_response(),
    };
    let Ok(RollcallStatement {
        subject,
        predicate: Predicate::CheckIn(p),
    }) = RollcallStatement::parse(&row.payload)
    else {
        return ApiError::internal().into_response();
    };
    let fields: Vec<(String, String)> = receipt
        .entry
        .disclosures
        .iter()
        .filter_map(|d| Disclosure::parse(d).ok())
        .map(|d| (d.field, d.value))
        .collect();
    let get = |f: &str| {
        fields
            .iter()
            .find(|(k, _)| k == f)
            .map_or("", |(_, v)| v.as_str())
            .to_owned()
    };
    let proven = receipt.inclusion.is_some();
    let short = crate::trust::encoding::hex(&row.leaf[..6]);
    Html(
        layout(
            "en",
            "Checked in",
            html! {
                @if !proven { (live(&format!("/r/{id}/receipt.json"), "inclusion", "null", 5)) }
                h1.ok { "You are checked in" }
                p { "Thank you, " (get("name")) ". Your check-in to " strong { (p.meeting.title) } " is signed and recorded." }
                dl.facts {
                    dt { "Name" } dd { (get("name")) }
                    dt { "Organisation" } dd { (get("organization")) }
                    dt { "Country or national body" } dd { (get("country")) }
                    dt { "Role" } dd { (crate::fields::role_label(&p.attendee.role)) }
                    dt { "Meeting" } dd { (p.meeting.title) " (" (p.meeting.committee) ")" }
                    dt { "Checked in at" } dd { (fmt_local(p.checked_in_at)) " UTC" }
                    dt { "Code acknowledged" } dd { (p.code_title) br; span.mono { "sha256:" (subject.digest.sha256) } }
                    dt { "Attestation" } dd.mono { (short) }
                }
                @if proven {
                    p.notice { "Your check-in is included in the meeting's signed log (entry " (row.idx) "). The receipt below proves it." }
                } @else {
                    p.notice role="status" { "Your check-in is recorded. Proof of inclusion in the meeting's log follows within a few seconds; this page shows it when it arrives." }
                }
                p.actions {
                    a.button href=(format!("/r/{id}/receipt.json")) download=(format!("rollcall-receipt-{short}.json")) { "Download receipt" }
                }
                p.meta { "Anyone can check the receipt offline with " code { "rollcall verify" } " and the server's public key." }
            },
        )
        .into_string(),
    )
    .into_response()
}

/// `GET /r/{id}/receipt.json`.
pub async fn receipt_file(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let keys = state.public_keys();
    match crate::export::receipt(&state.store, &state.logs, &keys, &state.receipts, &id).await {
        Ok((receipt, row)) => (
            [(
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"rollcall-receipt-{}.json\"",
                    crate::trust::encoding::hex(&row.leaf[..6])
                ),
            )],
            Json(receipt),
        )
            .into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}
