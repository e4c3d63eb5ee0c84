//! The secretary's console: meetings, the check-in QR code, open, close and
//! exports. Every form carries the session's CSRF token.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Json};
use maud::{html, Markup};
use serde::Deserialize;
use time::OffsetDateTime;

use super::api::{current_link, default_code, origin_host};
use super::auth::Secretary;
use super::error::{page_error, ApiError};
use super::pages::layout;
use super::AppState;
use crate::meeting::{MeetingError, NewMeeting};
use crate::store::writer::WriteError;
use crate::store::MeetingRow;

pub(super) fn frame(who: &Secretary, title: &str, body: Markup) -> Html<String> {
    Html(
        layout(
            "en",
            title,
            html! {
                nav.top aria-label="Console" {
                    a href="/console" { "Meetings" }
                    form method="post" action="/logout" {
                        input type="hidden" name="csrf" value=(who.csrf);
                        span.meta { (who.email) " " }
                        button.secondary type="submit" { "Sign out" }
                    }
                }
                (body)
            },
        )
        .into_string(),
    )
}

fn fmt(t: OffsetDateTime) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    t.format(&f).unwrap_or_default()
}

fn create_form(
    who: &Secretary,
    values: &NewMeeting,
    errors: &[crate::fields::FieldError],
    codes: &[(String, String, String, String)],
) -> Markup {
    let err = |f: &str| {
        errors
            .iter()
            .find(|e| e.field == f)
            .map(|e| e.message.clone())
    };
    let field = |id: &'static str,
                 label: &'static str,
                 kind: &'static str,
                 value: &str,
                 hint: &'static str| {
        html! {
            div {
                label for=(id) { (label) @if !hint.is_empty() { span.hint { (hint) } } }
                @if let Some(e) = err(id) { span.field-error { (e) } }
                input id=(id) name=(id) type=(kind) value=(value);
            }
        }
    };
    html! {
        h2 { "New meeting" }
        @if !errors.is_empty() { div.errors role="alert" { ul { @for e in errors { li { (e.message) } } } } }
        form.stack method="post" action="/console/meetings" {
            input type="hidden" name="csrf" value=(who.csrf);
            (field("title", "Title", "text", &values.title, ""))
            (field("committee", "Committee or working group", "text", &values.committee, "For example ISO/TC 46/WG 11"))
            (field("location", "Location", "text", &values.location, ""))
            (field("starts_at", "Starts", "text", &values.starts_at, "Date, time and UTC offset, e.g. 2026-12-01T09:00:00+01:00"))
            (field("ends_at", "Ends", "text", &values.ends_at, "e.g. 2026-12-01T17:00:00+01:00"))
            (field("timezone", "Time zone", "text", if values.timezone.is_empty() { "UTC" } else { &values.timezone }, "IANA name, e.g. Europe/Geneva"))
            div {
                label for="presence" { "How attendees show presence" }
                select #presence name="presence" {
                    option value="rotating" selected[values.presence.as_deref() != Some("static")] { "Rotating QR code on the screen (recommended)" }
                    option value="static" selected[values.presence.as_deref() == Some("static")] { "Static link (printed agenda)" }
                }
            }
            div {
                label for="code_sha256" { "Code of Conduct presented" }
                select #code_sha256 name="code_sha256" {
                    @for (digest, _, language, title) in codes {
                        option value=(digest) selected[values.code_sha256.as_deref() == Some(digest.as_str())] {
                            (title) " [" (language) "] " (digest.get(..12).unwrap_or(digest))
                        }
                    }
                }
            }
            div { button type="submit" { "Create meeting" } }
        }
    }
}

/// `GET /console`: the meetings.
pub async fn meetings(
    State(state): State<AppState>,
    who: Secretary,
) -> Result<Html<String>, ApiError> {
    default_code(&state).await?;
    let codes = state.store.codes().await?;
    let all = state.store.meetings().await?;
    let counts = state.store.check_in_counts().await?;
    Ok(frame(
        &who,
        "Meetings",
        html! {
            h1 { "Meetings" }
            @if all.is_empty() { p { "No meetings yet. Create the first one below." } }
            @else {
                table {
                    thead { tr { th scope="col" { "Meeting" } th scope="col" { "Starts" } th scope="col" { "State" } th scope="col" { "Check-ins" } } }
                    tbody {
                        @for m in &all {
                            tr {
                                td { a href=(format!("/console/meetings/{}", m.meeting.id)) { (m.meeting.title) } br; span.meta { (m.meeting.committee) } }
                                td { (fmt(m.meeting.starts_at)) }
                                td { (m.state) }
                                td { (counts.get(&m.meeting.id).copied().unwrap_or(0)) }
                            }
                        }
                    }
                }
            }
            (create_form(&who, &NewMeeting::default(), &[], &codes))
        },
    ))
}

#[derive(Deserialize)]
pub struct CreateForm {
    csrf: String,
    #[serde(flatten)]
    meeting: NewMeetingForm,
}

#[derive(Deserialize)]
pub struct NewMeetingForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    committee: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    timezone: String,
    #[serde(default)]
    presence: Option<String>,
    #[serde(default)]
    code_sha256: Option<String>,
}

/// `POST /console/meetings`.
pub async fn create_meeting(
    State(state): State<AppState>,
    who: Secretary,
    Form(f): Form<CreateForm>,
) -> Response {
    if let Err(r) = who.check_csrf(&f.csrf) {
        return r;
    }
    let m = f.meeting;
    let input = NewMeeting {
        title: m.title,
        committee: m.committee,
        location: m.location,
        starts_at: m.starts_at,
        ends_at: m.ends_at,
        timezone: m.timezone,
        presence: m.presence,
        languages: None,
        code_sha256: m.code_sha256.filter(|c| !c.is_empty()),
    };
    let code = match default_code(&state).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    match crate::meeting::create(
        &state.store,
        input.clone(),
        &origin_host(&state),
        &code,
        &who.email,
        OffsetDateTime::now_utc(),
    )
    .await
    {
        Ok(row) => Redirect::to(&format!("/console/meetings/{}", row.meeting.id)).into_response(),
        Err(MeetingError::Invalid(errors)) => {
            let codes = state.store.codes().await.unwrap_or_default();
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                frame(
                    &who,
                    "New meeting",
                    html! { h1 { "New meeting" } (create_form(&who, &input, &errors, &codes)) },
                ),
            )
                .into_response()
        }
        Err(MeetingError::Store(e)) => ApiError::from(e).into_response(),
    }
}

pub(super) async fn meeting_row(state: &AppState, id: &str) -> Result<MeetingRow, Response> {
    match state.store.meeting(id).await {
        Ok(Some(m)) => Ok(m),
        Ok(None) => Err(page_error(
            StatusCode::NOT_FOUND,
            "Meeting not found",
            "There is no meeting with this id.",
        )
        .into_response()),
        Err(e) => Err(ApiError::from(e).into_response()),
    }
}

/// `GET /console/meetings/{id}`.
pub async fn meeting(
    State(state): State<AppState>,
    who: Secretary,
    Path(id): Path<String>,
) -> Response {
    let m = match meeting_row(&state, &id).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let count = state
        .store
        .check_in_counts()
        .await
        .ok()
        .and_then(|c| c.get(&id).copied())
        .unwrap_or(0);
    let (url, _, _) = current_link(&state, &m);
    let mm = &m.meeting;
    frame(
        &who,
        &mm.title,
        html! {
            h1 { (mm.title) }
            p.meta { (mm.committee) " · " (mm.location) br; (fmt(mm.starts_at)) " – " (fmt(mm.ends_at)) " (" (mm.timezone) ")" }
            dl.facts {
                dt { "State" } dd { (m.state) }
                dt { "Check-ins" } dd { (count) }
                dt { "Presence" } dd { @if m.presence == "static" { "Static link" } @else { "Rotating QR code" } }
                dt { "Code" } dd.mono { "sha256:" (m.code_sha256) }
                dt { "Log origin" } dd.mono { (m.origin) }
            }
            @match m.state.as_str() {
                "draft" => {
                    form method="post" action=(format!("/console/meetings/{id}/open")) {
                        input type="hidden" name="csrf" value=(who.csrf);
                        button type="submit" { "Open check-in" }
                    }
                }
                "open" => {
                    p.actions {
                        a.button href=(format!("/console/meetings/{id}/present")) { "Present (projector)" }
                        a href=(format!("/console/meetings/{id}/arrivals")) { "Live arrivals" }
                    }
                    h2 { "Check-in QR code" }
                    p { "Show this code on the screen. It changes every 30 seconds; reload the page to refresh it." }
                    img.qr src=(format!("/console/meetings/{id}/qr.svg")) alt=(format!("QR code to check in to {}", mm.title)) width="320" height="320";
                    p.mono { (url) }
                    (super::meeting_tools::manual_entry_form(&who.csrf, &id, &[]))
                    (super::meeting_tools::notes_form(&who.csrf, &id))
                    h2 { "Close" }
                    form method="post" action=(format!("/console/meetings/{id}/close")) {
                        input type="hidden" name="csrf" value=(who.csrf);
                        button type="submit" { "Close the meeting" }
                    }
                }
                _ => { p { "The meeting is closed. Its list is sealed by the final checkpoint." } }
            }
            @if m.state != "draft" {
                h2 { "Exports" }
                ul {
                    li { a href=(format!("/console/meetings/{id}/bundle.json")) { "Signed list (bundle, JSON)" } }
                    li { a href=(format!("/console/meetings/{id}/attendance.csv")) { "Attendance (CSV)" } }
                    li { a href=(format!("/console/meetings/{id}/list")) { "Printable list with the Code attached (HTML)" } }
                    li { a href=(format!("/console/meetings/{id}/list.pdf")) { "Printable list with the Code and the signed list attached (PDF)" } }
                }
            }
        },
    )
    .into_response()
}

/// After a console action: back to the meeting's page, or a page saying
/// why the action was refused.
pub(super) fn back_to_meeting<T>(
    id: &str,
    result: Result<T, WriteError>,
    failed: &str,
) -> Response {
    match result {
        Ok(_) => Redirect::to(&format!("/console/meetings/{id}")).into_response(),
        Err(e) => {
            let e = ApiError::from(e);
            page_error(e.status, failed, &e.message).into_response()
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    csrf: String,
}

/// `POST /console/meetings/{id}/open`.
pub async fn open_meeting(
    State(state): State<AppState>,
    who: Secretary,
    Path(id): Path<String>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    if let Err(r) = who.check_csrf(&f.csrf) {
        return r;
    }
    let opened = state.writer.open(&id).await;
    state.meetings.forget(&id);
    back_to_meeting(&id, opened, "Cannot open the meeting")
}

/// `POST /console/meetings/{id}/close`.
pub async fn close_meeting(
    State(state): State<AppState>,
    who: Secretary,
    Path(id): Path<String>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    if let Err(r) = who.check_csrf(&f.csrf) {
        return r;
    }
    let closed = state.writer.close(&id).await;
    state.meetings.forget(&id);
    back_to_meeting(&id, closed, "Cannot close the meeting")
}

/// `GET /console/meetings/{id}/qr.svg`: the current check-in code.
pub async fn qr_svg(
    State(state): State<AppState>,
    _who: Secretary,
    Path(id): Path<String>,
) -> Response {
    let m = match meeting_row(&state, &id).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let (url, _, _) = current_link(&state, &m);
    match crate::qr::svg(&url) {
        Ok(svg) => ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response(),
        Err(_) => ApiError::internal().into_response(),
    }
}

/// `GET /console/meetings/{id}/qr.png`.
pub async fn qr_png(
    State(state): State<AppState>,
    _who: Secretary,
    Path(id): Path<String>,
) -> Response {
    let m = match meeting_row(&state, &id).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let (url, _, _) = current_link(&state, &m);
    match crate::qr::png(&url, 10) {
        Ok(png) => ([(header::CONTENT_TYPE, "image/png")], png).into_response(),
        Err(_) => ApiError::internal().into_response(),
    }
}

/// `GET /console/meetings/{id}/bundle.json`.
pub async fn bundle(
    State(state): State<AppState>,
    _who: Secretary,
    Path(id): Path<String>,
) -> Response {
    match crate::export::bundle(&state.store, &state.logs, &state.public_keys(), &id).await {
        Ok(b) => (
            [(
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"rollcall-{id}.json\""),
            )],
            Json(b),
        )
            .into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `GET /console/meetings/{id}/attendance.csv`.
pub async fn attendance_csv(
    State(state): State<AppState>,
    _who: Secretary,
    Path(id): Path<String>,
) -> Response {
    match super::api::csv_response(&state, &id).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}
