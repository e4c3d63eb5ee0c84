//! What attendees see: the check-in page (works without JavaScript), the
//! form it posts, and the receipt.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use maud::{html, Markup};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::auth::{random_token, read_cookie, set_cookie};
use super::client_ip::ClientIp;
use super::error::{page_error, ApiError, PageError};
use super::pages::{code_html, countries_datalist, layout, live, page, role_name};
use super::AppState;
use crate::checkin::CheckInInput;
use crate::fields::FieldError;
use crate::i18n::{self, t};
use crate::meeting_state::{MeetingState, PresenceMode};
use crate::role::Role;
use crate::store::CodeVersion;
use crate::store::MeetingRow;
use crate::trust::code::CodeDocument;
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
    i18n::current().datetime(t)
}

/// The page for a meeting id that does not exist.
fn meeting_not_found() -> Response {
    page_error(
        StatusCode::NOT_FOUND,
        t("meeting.not_found.title"),
        t("meeting.not_found.text"),
    )
    .into_response()
}

/// The meeting, or a page saying why attendees cannot check in.
async fn meeting_for_page(
    state: &AppState,
    id: &str,
) -> Result<std::sync::Arc<MeetingRow>, Response> {
    match state.cached_meeting(id).await {
        Ok(m) if m.state == MeetingState::Open => Ok(m),
        Ok(m) if m.state == MeetingState::Closed => Err(page_error(
            StatusCode::GONE,
            t("checkin.closed.title"),
            &i18n::f("checkin.closed.text", &[("title", &m.meeting.title)]),
        )
        .into_response()),
        Ok(m) => Err(page_error(
            StatusCode::CONFLICT,
            t("checkin.not_open.title"),
            &i18n::f("checkin.not_open.text", &[("title", &m.meeting.title)]),
        )
        .into_response()),
        Err(crate::app::Error::NotFound(_)) => Err(meeting_not_found()),
        Err(e) => Err(PageError::from(e).into_response()),
    }
}

fn field_error(errors: &[FieldError], field: &str) -> Option<String> {
    errors.iter().find(|e| e.field == field).map(field_message)
}

/// A check-in field error in the page's language.
pub(super) fn field_message(e: &FieldError) -> String {
    translated_field_error("checkin", e)
}

/// A field error in the page's language: the validator's own (English)
/// message, or the translated advice `{form}.error.{field}`.
pub(super) fn translated_field_error(form: &str, e: &FieldError) -> String {
    let lang = i18n::current();
    if lang.tag() == i18n::DEFAULT {
        return e.message.clone();
    }
    let key = format!("{form}.error.{}", e.field);
    match lang.t(&key) {
        "" => e.message.clone(),
        s => s.to_owned(),
    }
}

/// The version of a meeting's Code to show: the one in the reader's
/// language, else the original.
pub(super) async fn shown_code(
    state: &AppState,
    meeting: &MeetingRow,
) -> Result<(CodeVersion, CodeDocument), PageError> {
    let lang = i18n::current();
    let version = meeting
        .version_in(lang.tag())
        .or_else(|| {
            meeting
                .versions
                .iter()
                .find(|v| v.language.split('-').next() == Some(lang.tag()))
        })
        .or_else(|| meeting.versions.first())
        .cloned()
        .unwrap_or_else(|| CodeVersion {
            sha256: meeting.code_sha256.clone(),
            language: meeting.languages.first().cloned().unwrap_or_default(),
        });
    match state.store.code(&version.sha256).await? {
        Some(c) => Ok((version, c)),
        None => Err(PageError::internal()),
    }
}

/// The training programme of a meeting's Code: that of the version with
/// digest `shown`, else that of the original.
pub(super) async fn training_url(
    state: &AppState,
    meeting: &MeetingRow,
    shown: &str,
) -> Result<Option<String>, PageError> {
    if let Some(url) = state.store.training_url(shown).await? {
        return Ok(Some(url));
    }
    Ok(state.store.training_url(&meeting.code_sha256).await?)
}

/// The Code as shown to attendees, marked with its language, with a note
/// when it is not in the page's language.
pub(super) fn code_section(version: &CodeVersion, code: &CodeDocument) -> Markup {
    let lang = i18n::current();
    let same = version.language.split('-').next() == Some(lang.tag());
    html! {
        @if !same {
            p.notice #code-language-note {
                (t("code.original_language")) " " span lang=(version.language) { (language_name(&version.language)) } "."
            }
        }
        section.code aria-label=(t("code.label")) lang=(version.language) { (code_html(&code.text)) }
    }
}

/// The name of a language in that language ("Français"), or its tag.
pub(super) fn language_name(tag: &str) -> String {
    i18n::Lang::get(tag)
        .or_else(|| tag.split('-').next().and_then(i18n::Lang::get))
        .map_or_else(|| tag.to_owned(), |l| l.t("language.name").to_owned())
}

/// What the check-in page says above the form: why the last try was
/// refused, and the session a check-in will be for.
#[derive(Clone, Copy, Default)]
struct Notices<'a> {
    banner: Option<&'a str>,
    session: Option<&'a str>,
}

/// The check-in page.
fn check_in_markup(
    concern: Markup,
    meeting: &MeetingRow,
    shown: &(CodeVersion, CodeDocument),
    token: &str,
    values: &Remembered,
    errors: &[FieldError],
    notices: Notices<'_>,
) -> Markup {
    let Notices { banner, session } = notices;
    let m = &meeting.meeting;
    let (version, _) = shown;
    let input = |id: &'static str,
                 kind: &'static str,
                 value: &str,
                 autocomplete: &'static str,
                 required: bool,
                 hint: Option<&str>,
                 list: Option<&str>| {
        let err = field_error(errors, id);
        let label = t(&format!("checkin.field.{id}"));
        html! {
            div {
                label for=(id) { (label) @if !required { " " (t("form.optional")) } @if let Some(h) = hint { span.hint { (h) } } }
                @if let Some(e) = &err { span.field-error id=(format!("{id}-error")) { (e) } }
                input id=(id) name=(id) type=(kind) value=(value) autocomplete=(autocomplete) required[required] list=[list]
                    aria-invalid=[err.as_ref().map(|_| "true")] aria-describedby=[err.as_ref().map(|_| format!("{id}-error"))];
            }
        }
    };
    let title = i18n::f("checkin.title", &[("title", &m.title)]);
    layout(
        &title,
        html! {
            h1 { (title) }
            (meeting_meta(m))
            @if let Some(b) = banner { div.errors role="alert" { p { (b) } } }
            @if !errors.is_empty() {
                div.errors role="alert" {
                    h2 { (i18n::current().count("form.errors.one", "form.errors.many", errors.len() as u64)) }
                    ul { @for e in errors { li { a href=(format!("#{}", e.field)) { (field_message(e)) } } } }
                }
            }
            @if let Some(name) = session {
                p #checkin-session { strong { (i18n::f("checkin.session", &[("name", name)])) } }
            }
            @if crate::presence::is_remote_kind(token) {
                p.notice #remote-notice { (t("checkin.remote_notice")) }
            }
            p { (t("checkin.intro")) }
            (code_section(version, &shown.1))
            form.stack method="post" action=(format!("/m/{}", m.id)) {
                input type="hidden" name="token" value=(token);
                input type="hidden" name="code_sha256" value=(version.sha256);
                input type="hidden" name="language" value=(version.language);
                (input("name", "text", &values.name, "name", true, Some(t("checkin.hint.name")), None))
                (input("organization", "text", &values.organization, "organization", true, Some(t("checkin.hint.organization")), None))
                (input("country", "text", &values.country, "country-name", true, Some(t("checkin.hint.country")), Some("countries")))
                (countries_datalist())
                div {
                    label for="role" { (t("checkin.field.role")) }
                    @if let Some(e) = field_error(errors, "role") { span.field-error { (e) } }
                    select #role name="role" required {
                        @for role in Role::ALL {
                            option value=(role.as_str()) selected[values.role == role.as_str() || (values.role.is_empty() && role == Role::Delegate)] { (role_name(role.as_str())) }
                        }
                    }
                }
                (input("email", "email", &values.email, "email", false, Some(t("checkin.hint.email")), None))
                div {
                    label.check for="share_email" {
                        input #share_email type="checkbox" name="share_email" value="yes";
                        span { (t("checkin.share_email")) }
                    }
                }
                div {
                    @if let Some(e) = field_error(errors, "acknowledged") { span.field-error id="acknowledged-error" { (e) } }
                    label.check for="acknowledged" {
                        input #acknowledged type="checkbox" name="acknowledged" value="yes" required;
                        span { (t("checkin.acknowledge")) }
                    }
                }
                div {
                    label.check for="remember" {
                        input #remember type="checkbox" name="remember" value="yes" checked;
                        span { (t("checkin.remember")) }
                    }
                }
                p.meta { a href="/privacy" { (t("checkin.privacy")) } }
                div { button type="submit" { (t("checkin.submit")) } }
            }
            (concern)
        },
    )
}

/// A contact as people read it: the address of a `mailto:` link, else the URL.
pub(super) fn contact_text(contact: &str) -> &str {
    contact.strip_prefix("mailto:").unwrap_or(contact)
}

/// The "Raise a concern" link of attendee pages, to the meeting's contact
/// or the server's default; nothing when neither is set.
fn concern_link(state: &AppState, meeting: &MeetingRow) -> Markup {
    html! {
        @if let Some(contact) = state.concern_contact(meeting) {
            p.meta #raise-concern { (t("concern.text")) " " a href=(contact) { (t("concern.link")) } }
        }
    }
}

/// The meeting's committee, place and time, as every page shows them.
pub(super) fn meeting_meta(m: &crate::trust::statement::Meeting) -> Markup {
    html! {
        p.meta { (m.committee) @if !m.committee.is_empty() && !m.location.is_empty() { " · " } (m.location) br;
            (fmt_local(m.starts_at)) " – " (fmt_local(m.ends_at)) " (" (m.timezone) ")" }
    }
}

/// `GET /m/{id}` without a token: the meeting's public page, the stable
/// address for agendas. It shows the meeting and its full Code; while
/// check-in is open, it says how to check in.
async fn public_meeting_page(state: &AppState, id: &str) -> Response {
    let meeting = match state.cached_meeting(id).await {
        Ok(m) => m,
        Err(crate::app::Error::NotFound(_)) => return meeting_not_found(),
        Err(e) => return PageError::from(e).into_response(),
    };
    let shown = match shown_code(state, &meeting).await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    // The training programme of the version shown, else of the original.
    let training = match training_url(state, &meeting, &shown.0.sha256).await {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let m = &meeting.meeting;
    let static_link = (meeting.state == MeetingState::Open
        && meeting.presence == PresenceMode::Static)
        .then(|| state.current_link(&meeting, OffsetDateTime::now_utc()).url);
    Html(
        layout(
            &m.title,
            html! {
                h1 { (m.title) }
                (meeting_meta(m))
                @match meeting.state {
                    MeetingState::Open => {
                        @if let Some(link) = &static_link {
                            p.actions { a.button #checkin-link href=(link) { (t("public.check_in_now")) } }
                        } @else {
                            p.notice { (t("public.scan_in_room")) }
                        }
                    }
                    MeetingState::Closed => { p.notice { (t("public.closed")) } }
                    MeetingState::Draft => { p.notice { (t("public.not_open")) } }
                }
                h2 { (t("public.code_heading")) }
                @if meeting.versions.len() > 1 {
                    p.meta { (t("public.also_in")) " "
                        @for (i, v) in meeting.versions.iter().enumerate() {
                            @if i > 0 { ", " }
                            a href=(format!("/m/{}?lang={}", m.id, v.language)) hreflang=(v.language) lang=(v.language) { (language_name(&v.language)) }
                        }
                    }
                }
                @if let Some(url) = &training {
                    p #code-training { a href=(url) { (t("code.training")) } }
                }
                (code_section(&shown.0, &shown.1))
                p.meta { (t("public.fingerprint")) " " span.mono { "sha256:" (shown.0.sha256) } }
                (concern_link(state, &meeting))
            },
        )
        .into_string(),
    )
    .into_response()
}

/// A presence problem in the page's language.
fn presence_message(e: &crate::presence::PresenceError) -> String {
    error_message(&ApiError::from(e.clone()))
}

/// An error without fields in the page's language, by its stable code.
fn error_message(e: &ApiError) -> String {
    if i18n::current().tag() == i18n::DEFAULT {
        return e.message.clone();
    }
    match t(&format!("error.api.{}", e.code)) {
        "" => e.message.clone(),
        s => s.to_owned(),
    }
}

/// `GET /m/{id}?t=TOKEN`: the check-in page; without a token, the
/// meeting's public page.
pub async fn check_in_page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = meeting_language(&state, &id).await;
    i18n::with_meeting_language(&lang, check_in_page_in(state, id, q, headers)).await
}

/// The language of a meeting's Code (the original), for visitors whose
/// browser names no language of ours.
async fn meeting_language(state: &AppState, id: &str) -> String {
    match state.cached_meeting(id).await {
        Ok(m) => m.versions.first().map(|v| v.language.clone()),
        Err(_) => None,
    }
    .unwrap_or_default()
}

async fn check_in_page_in(
    state: AppState,
    id: String,
    q: PageQuery,
    headers: HeaderMap,
) -> Response {
    if q.t.is_empty() {
        return public_meeting_page(&state, &id).await;
    }
    let meeting = match meeting_for_page(&state, &id).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    if let Err(e) = state.check_presence(&meeting, &q.t, OffsetDateTime::now_utc()) {
        let status = if e == crate::presence::PresenceError::Expired {
            StatusCode::GONE
        } else {
            StatusCode::FORBIDDEN
        };
        return page_error(status, t("checkin.bad_code.title"), &presence_message(&e))
            .into_response();
    }
    let shown = match shown_code(&state, &meeting).await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let session = state.open_session_name(&id).await;
    let mut res = Html(
        check_in_markup(
            concern_link(&state, &meeting),
            &meeting,
            &shown,
            &q.t,
            &remembered(&headers),
            &[],
            Notices {
                banner: None,
                session: session.as_deref(),
            },
        )
        .into_string(),
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
    #[serde(default)]
    share_email: Option<String>,
}

/// `POST /m/{id}`: the form. Success redirects to the receipt.
pub async fn check_in_form(
    State(state): State<AppState>,
    Path(id): Path<String>,
    client: ClientIp,
    headers: HeaderMap,
    Form(f): Form<CheckInFormData>,
) -> Response {
    let lang = meeting_language(&state, &id).await;
    i18n::with_meeting_language(&lang, check_in_form_in(state, id, client, headers, f)).await
}

async fn check_in_form_in(
    state: AppState,
    id: String,
    client: ClientIp,
    headers: HeaderMap,
    f: CheckInFormData,
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
        share_email: f.share_email.as_deref() == Some("yes"),
    };
    let mut new_device = None;
    let device = device_key(&headers).or_else(|| {
        let v = random_token();
        let key = b64url(&super::auth::digest(&v));
        new_device = Some(v);
        Some(key)
    });
    let accepted = state
        .check_in(
            client.0,
            &meeting,
            &input,
            device,
            OffsetDateTime::now_utc(),
        )
        .await
        .map_err(ApiError::from);
    match accepted {
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
            let shown = match shown_code(&state, &meeting).await {
                Ok(s) => s,
                Err(e) => return e.into_response(),
            };
            let values = Remembered {
                name: f.name,
                organization: f.organization,
                country: f.country,
                role: f.role,
                email: f.email,
            };
            let (errors, banner) = if e.fields.is_empty() {
                (Vec::new(), Some(error_message(&e)))
            } else {
                (e.fields.clone(), None)
            };
            // The language switch leads back to this form (its scan
            // link), not to the meeting's public page.
            let form_at = format!("/m/{}?t={}", meeting.meeting.id, query_value(&f.token));
            let session = state.open_session_name(&meeting.meeting.id).await;
            let markup = i18n::rendered_at(form_at, || {
                check_in_markup(
                    concern_link(&state, &meeting),
                    &meeting,
                    &shown,
                    &f.token,
                    &values,
                    &errors,
                    Notices {
                        banner: banner.as_deref(),
                        session: session.as_deref(),
                    },
                )
                .into_string()
            });
            (e.status, Html(markup)).into_response()
        }
    }
}

/// `GET /r/{id}`: the receipt page.
pub async fn receipt_page(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let (receipt, row) = match state.receipt(&id).await {
        Ok(r) => r,
        Err(crate::app::Error::NotFound(crate::app::Missing::Receipt)) => {
            return page_error(
                StatusCode::NOT_FOUND,
                t("receipt.not_found.title"),
                t("receipt.not_found.text"),
            )
            .into_response()
        }
        Err(e) => return PageError::from(e).into_response(),
    };
    let Ok(RollcallStatement {
        subject,
        predicate: Predicate::CheckIn(p),
    }) = RollcallStatement::parse(&row.payload)
    else {
        return PageError::internal().into_response();
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
    // A field erased since shows as erased, never as a blank.
    let shown = |f: &str| {
        if receipt.entry.erased.iter().any(|e| e == f) {
            html! { em { (t("list.erased")) } }
        } else {
            html! { (get(f)) }
        }
    };
    // The concern link needs the meeting; a receipt still shows without it.
    let concern = match state.cached_meeting(&row.meeting_id).await {
        Ok(m) => concern_link(&state, &m),
        Err(_) => html! {},
    };
    let proven = receipt.inclusion.is_some();
    let short = crate::trust::encoding::hex(&row.leaf[..6]);
    Html(
        page(
            t("receipt.title"),
            None,
            &[],
            html! {
                @if !proven { (live(&format!("/r/{id}/receipt.json"), "inclusion", "null", 5)) }
                h1.ok { (t("receipt.heading")) }
                @if get("name").is_empty() {
                    p { (i18n::f("receipt.recorded", &[("title", &p.meeting.title)])) }
                } @else {
                    p { (i18n::f("receipt.thanks", &[("name", &get("name")), ("title", &p.meeting.title)])) }
                }
                dl.facts {
                    dt { (t("checkin.field.name")) } dd { (shown("name")) }
                    dt { (t("checkin.field.organization")) } dd { (shown("organization")) }
                    dt { (t("checkin.field.country")) } dd { (shown("country")) }
                    dt { (t("checkin.field.role")) } dd { (role_name(&p.attendee.role)) }
                    dt { (t("receipt.meeting")) } dd { (p.meeting.title) " (" (p.meeting.committee) ")" }
                    dt { (t("receipt.checked_in_at")) } dd { (fmt_local(p.checked_in_at)) " UTC" }
                    dt { (t("receipt.code")) } dd { span lang=(p.language) { (p.code_title) } " (" (language_name(&p.language)) ")" br; span.mono { "sha256:" (subject.digest.sha256) } }
                    dt { (t("receipt.attestation")) } dd.mono { (short) }
                    @if receipt.entry.erased.iter().any(|f| f == "email") {
                        dt { (t("checkin.field.email")) } dd { em { (t("list.erased")) } }
                    } @else if !get("email").is_empty() {
                        dt { (t("checkin.field.email")) }
                        dd {
                            (get("email")) " ("
                            @if p.circulate.as_ref().is_some_and(|c| c.iter().any(|f| f == "email")) { (t("receipt.email_shared")) } @else { (t("receipt.email_private")) }
                            ") "
                            a #erase-email href=(format!("/r/{id}/erase")) { (t("receipt.erase_email")) }
                        }
                    }
                }
                @if proven {
                    p.notice { (i18n::f("receipt.proven", &[("index", &row.idx.to_string())])) }
                } @else {
                    p.notice role="status" { (t("receipt.pending")) }
                }
                p.actions {
                    a.button href=(format!("/r/{id}/receipt.json")) download=(format!("rollcall-receipt-{short}.json")) { (t("receipt.download")) }
                }
                p.meta { (t("receipt.verify")) " " code { "rollcall verify" } }
                p.meta { (t("receipt.verify_page")) " " a #verify-page href="/verify" { (state.settings.public_url) "/verify" } }
                (concern)
            },
        )
        .into_string(),
    )
    .into_response()
}

/// `GET /r/{id}/receipt.json`.
pub async fn receipt_file(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match state.receipt(&id).await {
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

/// `value` percent-encoded for a URL query (everything but unreserved
/// characters).
fn query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
