//! The secretary's console: meetings, the check-in QR code, open, close and
//! exports. Every form carries the session's CSRF token.

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;
use time::OffsetDateTime;

use super::auth::{CsrfForm, NoFields, Secretary};
use super::console_frame::{back_to_meeting, frame, frame_with, meeting_not_found, meeting_row};
use super::downloads::{self, ExportQuery};
use super::error::PageError;
use super::pages::layout;
use super::AppState;
use crate::app;
use crate::fields::FieldError;
use crate::i18n::{self, t};
use crate::local_time::{self, wall_clock, zone_names};
use crate::meeting::NewMeeting;
use crate::meeting_state::{MeetingState, PresenceMode};
use crate::store::{CodeRow, MeetingRow};

fn fmt(t: OffsetDateTime) -> String {
    i18n::current().datetime(t)
}

/// A meeting state in words.
fn state_name(state: MeetingState) -> &'static str {
    t(&format!("state.{state}"))
}

/// The meeting form, to create (`editing` is `None`) or edit a draft.
fn meeting_form(
    who: &Secretary,
    editing: Option<&str>,
    values: &NewMeeting,
    errors: &[crate::fields::FieldError],
    codes: &[CodeRow],
) -> Markup {
    let err = |f: &str| {
        errors
            .iter()
            .find(|e| e.field == f)
            .map(|e| super::public::translated_field_error("meeting", e))
    };
    let field = |id: &'static str, kind: &'static str, value: &str, required: bool| {
        let hint = t(&format!("meeting.hint.{id}"));
        let e = err(id);
        html! {
            div {
                label for=(id) { (t(&format!("meeting.field.{id}"))) @if !hint.is_empty() { span.hint { (hint) } } }
                @if let Some(e) = &e { span.field-error id=(format!("{id}-error")) { (e) } }
                input id=(id) name=(id) type=(kind) value=(value) required[required]
                    aria-invalid=[e.as_ref().map(|_| "true")] aria-describedby=[e.as_ref().map(|_| format!("{id}-error"))];
            }
        }
    };
    let action = editing.map_or_else(
        || "/console/meetings".to_owned(),
        |id| format!("/console/meetings/{id}/edit"),
    );
    html! {
        @if !errors.is_empty() { div.errors role="alert" { ul { @for e in errors { li { a href=(format!("#{}", e.field)) { (super::public::translated_field_error("meeting", e)) } } } } } }
        form.stack #meeting-form method="post" action=(action) {
            input type="hidden" name="csrf" value=(who.csrf);
            (field("title", "text", &values.title, true))
            (field("committee", "text", &values.committee, false))
            (field("location", "text", &values.location, false))
            (field("starts_at", "datetime-local", &wall_clock(&values.starts_at), true))
            (field("ends_at", "datetime-local", &wall_clock(&values.ends_at), true))
            div {
                label for="timezone" { (t("meeting.field.timezone")) span.hint { (t("meeting.hint.timezone")) } }
                @if let Some(e) = err("timezone") { span.field-error id="timezone-error" { (e) } }
                input #timezone name="timezone" type="text" list="zones" autocomplete="off" spellcheck="false"
                    value=(if values.timezone.is_empty() { "UTC" } else { &values.timezone })
                    data-browser-default[editing.is_none() && values.timezone.is_empty()]
                    aria-invalid=[err("timezone").map(|_| "true")] aria-describedby=[err("timezone").map(|_| "timezone-error")];
                datalist #zones { @for z in zone_names() { option value=(z) {} } }
            }
            div {
                label for="presence" { (t("meeting.field.presence")) }
                select #presence name="presence" {
                    @let chosen_static = values.presence.as_deref() == Some(PresenceMode::Static.as_str());
                    option value=(PresenceMode::Rotating) selected[!chosen_static] { (t("meeting.presence.rotating_long")) }
                    option value=(PresenceMode::Static) selected[chosen_static] { (t("meeting.presence.static_long")) }
                }
            }
            (field("concern_contact", "text", values.concern_contact.as_deref().unwrap_or(""), false))
            div {
                label for="code_sha256" { (t("meeting.field.code_sha256")) span.hint { (t("meeting.hint.code_sha256")) } }
                @if let Some(e) = err("code_sha256") { span.field-error { (e) } }
                select #code_sha256 name="code_sha256" {
                    @for c in codes {
                        option value=(c.sha256) selected[values.code_sha256.as_deref() == Some(c.sha256.as_str())] {
                            (c.title) " [" (c.language) "] " (c.sha256.get(..12).unwrap_or(&c.sha256))
                        }
                    }
                }
            }
            div { button type="submit" { @if editing.is_some() { (t("meeting.save")) } @else { (t("meeting.create")) } } }
        }
        script src="/static/meeting-form.js" defer {}
    }
}

/// `GET /console`: the meetings, grouped by state.
pub async fn meetings(
    State(state): State<AppState>,
    who: Secretary,
) -> Result<Html<String>, PageError> {
    state.default_code(OffsetDateTime::now_utc()).await?;
    let codes = state.codes().await?;
    let all = state.meetings().await?;
    let counts = state.check_in_counts().await?;
    let groups = crate::meeting::group(&all);
    let table = |rows: &[&MeetingRow], id: &str| {
        html! {
            table aria-labelledby=(id) {
                thead { tr { th scope="col" { (t("console.col.meeting")) } th scope="col" { (t("console.col.starts")) } th scope="col" { (t("console.col.checkins")) } } }
                tbody {
                    @for m in rows {
                        tr {
                            td { a href=(format!("/console/meetings/{}", m.meeting.id)) { (m.meeting.title) } br; span.meta { (m.meeting.committee) } }
                            td { (fmt(m.meeting.starts_at)) }
                            td { (counts.get(&m.meeting.id).copied().unwrap_or(0)) }
                        }
                    }
                }
            }
        }
    };
    Ok(frame(
        &who,
        t("console.meetings"),
        html! {
            h1 { (t("console.meetings")) }
            p { a.button href="#new-meeting" { (t("meeting.new")) } }
            @for (key, rows) in [(MeetingState::Open, &groups.open), (MeetingState::Draft, &groups.upcoming), (MeetingState::Closed, &groups.closed)] {
                section.group aria-labelledby=(format!("group-{key}")) {
                    h2 #(format!("group-{key}")) { (t(&format!("console.group.{key}"))) " (" (rows.len()) ")" }
                    @if rows.is_empty() {
                        p.meta.empty #(format!("empty-{key}")) { (t(&format!("console.empty.{key}"))) }
                    } @else {
                        (table(rows, &format!("group-{key}")))
                    }
                }
            }
            h2 #new-meeting { (t("meeting.new")) }
            (meeting_form(&who, None, &NewMeeting::default(), &[], &codes))
        },
    ))
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
    #[serde(default)]
    concern_contact: String,
}

impl NewMeetingForm {
    /// The meeting as typed (for showing the form again), and as the
    /// application takes it: times in the form's wall-clock format are
    /// given the UTC offset of the chosen time zone on that day.
    fn resolve(self) -> (NewMeeting, Result<NewMeeting, Vec<FieldError>>) {
        let typed = NewMeeting::from(self);
        let zone = match local_time::zone(&typed.timezone) {
            Ok(z) => z,
            Err(e) => return (typed, Err(vec![e])),
        };
        let name = if typed.timezone.trim().is_empty() {
            "UTC"
        } else {
            typed.timezone.trim()
        };
        let starts = local_time::to_rfc3339("starts_at", "Start", &typed.starts_at, &zone, name);
        let ends = local_time::to_rfc3339("ends_at", "End", &typed.ends_at, &zone, name);
        match (starts, ends) {
            (Ok(starts_at), Ok(ends_at)) => {
                let resolved = NewMeeting {
                    starts_at,
                    ends_at,
                    ..typed.clone()
                };
                (typed, Ok(resolved))
            }
            (s, e) => (
                typed,
                Err([s.err(), e.err()].into_iter().flatten().collect()),
            ),
        }
    }
}

impl From<NewMeetingForm> for NewMeeting {
    fn from(m: NewMeetingForm) -> Self {
        NewMeeting {
            title: m.title,
            committee: m.committee,
            location: m.location,
            starts_at: m.starts_at,
            ends_at: m.ends_at,
            timezone: m.timezone,
            presence: m.presence,
            languages: None,
            code_sha256: m.code_sha256.filter(|c| !c.is_empty()),
            concern_contact: Some(m.concern_contact),
        }
    }
}

/// `POST /console/meetings`.
pub async fn create_meeting(
    State(state): State<AppState>,
    CsrfForm { who, form }: CsrfForm<NewMeetingForm>,
) -> Result<Response, PageError> {
    let (input, resolved) = form.resolve();
    let outcome = match resolved {
        Ok(resolved) => {
            state
                .create_meeting(resolved, &who.actor(), OffsetDateTime::now_utc())
                .await
        }
        Err(errors) => Err(app::Error::Invalid(errors)),
    };
    Ok(match outcome {
        Ok(row) => Redirect::to(&format!("/console/meetings/{}", row.meeting.id)).into_response(),
        Err(app::Error::Invalid(errors)) => {
            let codes = state.codes().await.unwrap_or_default();
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                frame(
                    &who,
                    t("meeting.new"),
                    html! { h1 { (t("meeting.new")) } (meeting_form(&who, None, &input, &errors, &codes)) },
                ),
            )
                .into_response()
        }
        Err(e) => return Err(e.into()),
    })
}

/// The 409 page saying what can no longer be done to a meeting once it is
/// opened, with a link back to it.
fn refused_once_opened(id: &str, title: &str, text: &str, text_id: &str) -> Response {
    (
        StatusCode::CONFLICT,
        Html(
            layout(
                title,
                html! {
                    h1 { (title) }
                    p id=(text_id) { (text) }
                    p { a href=(format!("/console/meetings/{id}")) { (t("meeting.back")) } }
                },
            )
            .into_string(),
        ),
    )
        .into_response()
}

/// The page saying a meeting can no longer be edited.
fn edit_refused(id: &str) -> Response {
    refused_once_opened(
        id,
        t("meeting.edit_refused.title"),
        t("meeting.edit_refused.text"),
        "edit-refused",
    )
}

/// The page saying a meeting was opened, so it is kept.
fn delete_refused(id: &str) -> Response {
    refused_once_opened(
        id,
        t("meeting.delete_refused.title"),
        t("meeting.delete_refused.text"),
        "delete-refused",
    )
}

/// `GET /console/meetings/{id}/edit`: the form, for a draft.
pub async fn edit_page(
    State(state): State<AppState>,
    who: Secretary,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let m = meeting_row(&state, &id).await?;
    if m.state != MeetingState::Draft {
        return Ok(edit_refused(&id));
    }
    let codes = state.codes().await.unwrap_or_default();
    let title = i18n::f("meeting.edit_title", &[("title", &m.meeting.title)]);
    Ok(frame(
        &who,
        &title,
        html! {
            p { a href=(format!("/console/meetings/{id}")) { (t("meeting.back")) } }
            h1 { (title) }
            (meeting_form(&who, Some(&id), &crate::meeting::as_input(&m), &[], &codes))
        },
    )
    .into_response())
}

/// `POST /console/meetings/{id}/edit`: same rules as creating; refused
/// once the meeting is opened.
pub async fn edit_meeting(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { who, form }: CsrfForm<NewMeetingForm>,
) -> Result<Response, PageError> {
    let m = meeting_row(&state, &id).await?;
    let (input, resolved) = form.resolve();
    let outcome = match resolved {
        Ok(resolved) => {
            state
                .edit_meeting(&m, resolved, OffsetDateTime::now_utc())
                .await
        }
        Err(errors) => Err(app::Error::Invalid(errors)),
    };
    Ok(match outcome {
        Ok(_) => Redirect::to(&format!("/console/meetings/{id}")).into_response(),
        Err(app::Error::Meeting(crate::meeting::MeetingError::AlreadyOpened)) => edit_refused(&id),
        Err(app::Error::Invalid(errors)) => {
            let codes = state.codes().await.unwrap_or_default();
            let title = i18n::f("meeting.edit_title", &[("title", &m.meeting.title)]);
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                frame(
                    &who,
                    &title,
                    html! { h1 { (title) } (meeting_form(&who, Some(&id), &input, &errors, &codes)) },
                ),
            )
                .into_response()
        }
        Err(e) => return Err(e.into()),
    })
}

/// `GET /console/meetings/{id}`.
pub async fn meeting(
    State(state): State<AppState>,
    who: Secretary,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let m = meeting_row(&state, &id).await?;
    let count = state.check_in_count(&id).await;
    let remote_count = state.remote_check_in_count(&id).await;
    let url = state.current_link(&m, OffsetDateTime::now_utc()).url;
    let remote = state.remote_link(&m).url;
    let public = state.checkin_base(&id);
    let personal = super::personal_data::section(&state, &who, &m).await;
    let training = super::public::training_url(&state, &m, &m.code_sha256).await?;
    let sessions = state.sessions(&id).await?;
    let mm = &m.meeting;
    let languages = m
        .versions
        .iter()
        .map(|v| super::public::language_name(&v.language))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(frame_with(
        &who,
        &mm.title,
        &["/static/copy.js"],
        html! {
            h1 { (mm.title) }
            (super::public::meeting_meta(mm))
            dl.facts {
                dt { (t("meeting.state")) } dd #meeting-state { (state_name(m.state)) }
                dt { (t("console.col.checkins")) } dd #checkin-count { (count) }
                dt { (t("meeting.room_remote")) } dd #checkin-split { (super::meeting_tools::room_remote(count, remote_count)) }
                dt { (t("meeting.field.presence")) } dd { @if m.presence == PresenceMode::Static { (t("meeting.presence.static")) } @else { (t("meeting.presence.rotating")) } }
                dt { (t("meeting.code")) } dd.mono { "sha256:" (m.code_sha256) }
                dt { (t("meeting.code_languages")) } dd { (languages) }
                dt { (t("meeting.origin")) } dd.mono { (m.origin) }
                dt { (t("meeting.field.concern_contact")) }
                dd #concern-contact {
                    @match (&m.concern_contact, state.concern_contact(&m)) {
                        (Some(own), _) => { a href=(own) { (super::public::contact_text(own)) } }
                        (None, Some(default)) => { a href=(default) { (super::public::contact_text(default)) } " " (t("meeting.concern_default")) }
                        (None, None) => { (t("meeting.concern_none")) }
                    }
                }
            }
            @match m.state {
                MeetingState::Draft => {
                    p.actions {
                        a.button #edit-meeting href=(format!("/console/meetings/{id}/edit")) { (t("meeting.edit")) }
                    }
                    form method="post" action=(format!("/console/meetings/{id}/open")) {
                        input type="hidden" name="csrf" value=(who.csrf);
                        button type="submit" { (t("meeting.open")) }
                    }
                    (delete_draft_form(&who.csrf, &id))
                }
                MeetingState::Open => {
                    p.actions {
                        a.button href=(format!("/console/meetings/{id}/present")) { (t("meeting.present")) }
                        a href=(format!("/console/meetings/{id}/arrivals")) { (t("meeting.arrivals")) }
                    }
                    h2 { (t("meeting.qr_heading")) }
                    p { @if m.presence == PresenceMode::Static { (t("meeting.qr_static")) } @else { (t("meeting.qr_rotating")) } }
                    img.qr src=(format!("/console/meetings/{id}/qr.svg")) alt=(i18n::f("meeting.qr_alt", &[("title", &mm.title)])) width="320" height="320";
                    p.mono { (url) }
                    (remote_section(&remote))
                    (super::meeting_tools::manual_entry_form(&who.csrf, &id, &[]))
                    (super::meeting_tools::notes_form(&who.csrf, &id))
                    h2 { (t("meeting.close_heading")) }
                    form method="post" action=(format!("/console/meetings/{id}/close")) {
                        input type="hidden" name="csrf" value=(who.csrf);
                        button type="submit" { (t("meeting.close")) }
                    }
                }
                MeetingState::Closed => { p { (t("meeting.closed_text")) } }
            }
            @if m.state != MeetingState::Closed || !sessions.is_empty() {
                (super::console_sessions::section(&who, &m, &sessions, &[]))
            }
            p.actions #roster-links {
                a href=(format!("/console/meetings/{id}/roster")) { (t("roster.link")) }
                @if m.state != MeetingState::Draft { a href=(format!("/console/meetings/{id}/delegations")) { (t("delegations.link")) } }
            }
            (agenda_snippet(&id, &mm.title, &public, training.as_deref()))
            @if m.state != MeetingState::Draft {
                h2 { (t("meeting.exports")) }
                p { (t("meeting.exports_intro")) }
                ul {
                    li { a href=(format!("/console/meetings/{id}/bundle.json")) { (t("meeting.export.bundle")) } }
                    li { a href=(format!("/console/meetings/{id}/attendance.csv")) { (t("meeting.export.csv")) } }
                    li { a href=(format!("/console/meetings/{id}/list")) { (t("meeting.export.list")) } }
                    li { a href=(format!("/console/meetings/{id}/list.pdf")) { (t("meeting.export.pdf")) } }
                }
            }
            (personal)
        },
    )
    .into_response())
}

/// The remote link, for the secretary to paste in the video conference's
/// chat, with a button that copies it (shown when JavaScript runs).
fn remote_section(link: &str) -> Markup {
    html! {
        section #remote aria-labelledby="remote-heading" {
            h2 #remote-heading { (t("meeting.remote_heading")) }
            p #remote-why { (t("meeting.remote_text")) }
            div {
                label for="remote-link" { (t("meeting.remote_label")) }
                input #remote-link type="text" readonly value=(link) aria-describedby="remote-why";
            }
            p.actions {
                button.secondary #remote-copy type="button" data-copy="remote-link" data-copied=(t("meeting.remote_copied")) data-copy-failed=(t("meeting.remote_copy_failed")) hidden { (t("meeting.remote_copy")) }
            }
            p.meta #remote-link-status role="status" {}
        }
    }
}

/// Deleting a draft, behind a disclosure so that one click cannot do it.
fn delete_draft_form(csrf: &str, id: &str) -> Markup {
    html! {
        details.danger #delete-draft {
            summary { (t("meeting.delete.summary")) }
            p #delete-why { (t("meeting.delete.text")) }
            form method="post" action=(format!("/console/meetings/{id}/delete")) {
                input type="hidden" name="csrf" value=(csrf);
                button.danger type="submit" aria-describedby="delete-why" { (t("meeting.delete.button")) }
            }
        }
    }
}

/// The stable public address of a meeting, its QR code and ready-made
/// snippets for the agenda, which link the Code's training programme too
/// when it has one.
fn agenda_snippet(id: &str, title: &str, public: &str, training: Option<&str>) -> Markup {
    let text = i18n::f("agenda.link_text", &[("title", title)]);
    let md = |s: &str| s.replace('[', "\\[").replace(']', "\\]");
    let html_snippet = html! {
        a href=(public) { (text) }
        @if let Some(url) = training { " (" a href=(url) { (t("code.training")) } ")" }
    }
    .into_string();
    let md_snippet = match training {
        // Brackets in a Markdown link's address would end it early.
        Some(url) => format!(
            "[{}]({public}) ([{}]({}))",
            md(&text),
            md(t("code.training")),
            url.replace('(', "%28").replace(')', "%29")
        ),
        None => format!("[{}]({public})", md(&text)),
    };
    html! {
        section #agenda aria-labelledby="agenda-heading" {
            h2 #agenda-heading { (t("agenda.heading")) }
            p { (t("agenda.intro")) }
            p.mono { a #public-link href=(public) { (public) } }
            @if let Some(url) = training {
                p #agenda-training { (t("agenda.training")) " " a href=(url) { (url) } }
            }
            img.qr #public-qr src=(format!("/console/meetings/{id}/public-qr.svg")) alt=(i18n::f("agenda.qr_alt", &[("title", title)])) width="200" height="200";
            p.actions {
                a #public-qr-svg href=(format!("/console/meetings/{id}/public-qr.svg")) download=(format!("rollcall-{id}-qr.svg")) { (t("agenda.download_svg")) }
                a #public-qr-png href=(format!("/console/meetings/{id}/public-qr.png")) download=(format!("rollcall-{id}-qr.png")) { (t("agenda.download_png")) }
            }
            div {
                label for="snippet-html" { (t("agenda.html")) }
                textarea #snippet-html readonly rows="2" { (html_snippet) }
            }
            div {
                label for="snippet-md" { (t("agenda.markdown")) }
                textarea #snippet-md readonly rows="2" { (md_snippet) }
            }
        }
    }
}

/// A QR code image of `url`, as SVG or PNG.
fn qr_image(url: &str, png: bool) -> Result<Response, PageError> {
    let image = if png {
        crate::qr::png(url, 10).map(|b| ("image/png", b))
    } else {
        crate::qr::svg(url).map(|s| ("image/svg+xml", s.into_bytes()))
    };
    match image {
        Ok((kind, bytes)) => Ok(([(header::CONTENT_TYPE, kind)], bytes).into_response()),
        Err(_) => Err(PageError::internal()),
    }
}

/// `GET /console/meetings/{id}/public-qr.svg`: the stable public link as a QR code.
pub async fn public_qr_svg(
    state: State<AppState>,
    who: Secretary,
    id: Path<String>,
) -> Result<Response, PageError> {
    public_qr(state, who, id, false).await
}

/// `GET /console/meetings/{id}/public-qr.png`.
pub async fn public_qr_png(
    state: State<AppState>,
    who: Secretary,
    id: Path<String>,
) -> Result<Response, PageError> {
    public_qr(state, who, id, true).await
}

async fn public_qr(
    State(state): State<AppState>,
    _who: Secretary,
    Path(id): Path<String>,
    png: bool,
) -> Result<Response, PageError> {
    meeting_row(&state, &id).await?;
    qr_image(&state.checkin_base(&id), png)
}

/// `POST /console/meetings/{id}/open`.
pub async fn open_meeting(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { who, .. }: CsrfForm<NoFields>,
) -> Result<Redirect, PageError> {
    let opened = state.open_meeting(&id, &who.actor()).await;
    back_to_meeting(&id, opened, t("meeting.cannot_open"))
}

/// `POST /console/meetings/{id}/close`.
pub async fn close_meeting(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { who, .. }: CsrfForm<NoFields>,
) -> Result<Redirect, PageError> {
    let closed = state.close_meeting(&id, &who.actor()).await;
    back_to_meeting(&id, closed, t("meeting.cannot_close"))
}

/// `POST /console/meetings/{id}/delete`: deletes a draft created by
/// mistake, then back to the list; refused once the meeting is opened.
pub async fn delete_meeting(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { who, .. }: CsrfForm<NoFields>,
) -> Result<Response, PageError> {
    match state.delete_meeting(&id, &who.actor()).await {
        Ok(()) => Ok(Redirect::to("/console").into_response()),
        Err(app::Error::NotFound(_)) => Err(meeting_not_found()),
        Err(app::Error::NotDraft) => Ok(delete_refused(&id)),
        Err(e) => Err(e.into()),
    }
}

/// `GET /console/meetings/{id}/qr.svg`: the current check-in code.
pub async fn qr_svg(
    state: State<AppState>,
    who: Secretary,
    id: Path<String>,
) -> Result<Response, PageError> {
    checkin_qr(state, who, id, false).await
}

/// `GET /console/meetings/{id}/qr.png`.
pub async fn qr_png(
    state: State<AppState>,
    who: Secretary,
    id: Path<String>,
) -> Result<Response, PageError> {
    checkin_qr(state, who, id, true).await
}

async fn checkin_qr(
    State(state): State<AppState>,
    _who: Secretary,
    Path(id): Path<String>,
    png: bool,
) -> Result<Response, PageError> {
    let m = meeting_row(&state, &id).await?;
    qr_image(&state.current_link(&m, OffsetDateTime::now_utc()).url, png)
}

/// `GET /console/meetings/{id}/bundle.json`.
pub async fn bundle(
    State(state): State<AppState>,
    _who: Secretary,
    Path(id): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, PageError> {
    Ok(downloads::bundle(&state, &id, &q.profile()?).await?)
}

/// `GET /console/meetings/{id}/attendance.csv`.
pub async fn attendance_csv(
    State(state): State<AppState>,
    _who: Secretary,
    Path(id): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, PageError> {
    Ok(downloads::csv(&state, &id, &q.profile()?).await?)
}
