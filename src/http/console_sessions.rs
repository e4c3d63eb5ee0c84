//! The console's sessions: the meeting page lists them with their state
//! and check-ins, opens and closes each, and defines the next one.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;
use time::OffsetDateTime;

use super::auth::{CsrfForm, NoFields, Secretary};
use super::console_frame::{back_to_meeting, frame, meeting_row};
use super::error::{ApiError, PageError};
use super::AppState;
use crate::app;
use crate::fields::FieldError;
use crate::i18n::{self, t};
use crate::meeting_state::MeetingState;
use crate::store::{MeetingRow, SessionDef, SessionState};

fn when(s: &SessionDef) -> String {
    let lang = i18n::current();
    format!(
        "{} – {}",
        lang.datetime(s.starts_at),
        lang.datetime(s.ends_at)
    )
}

/// The meeting page's sessions section: each session with its state,
/// check-ins and the button that opens or closes it, then the form that
/// defines the next one.
pub fn section(
    who: &Secretary,
    m: &MeetingRow,
    sessions: &[SessionDef],
    errors: &[FieldError],
) -> Markup {
    let id = &m.meeting.id;
    let open_one = sessions.iter().any(|s| s.state == SessionState::Open);
    html! {
        section #sessions aria-labelledby="sessions-heading" {
            h2 #sessions-heading { (t("sessions.heading")) }
            p { (t("sessions.intro")) }
            @if !sessions.is_empty() {
                table {
                    thead { tr {
                        th scope="col" { "#" }
                        th scope="col" { (t("sessions.col.name")) }
                        th scope="col" { (t("sessions.col.when")) }
                        th scope="col" { (t("sessions.col.state")) }
                        th scope="col" { (t("console.col.checkins")) }
                        @if m.state == MeetingState::Open { th scope="col" { (t("sessions.col.action")) } }
                    } }
                    tbody {
                        @for s in sessions {
                            tr {
                                td { (s.number) }
                                td { (s.name) }
                                td { (when(s)) }
                                td { (t(&format!("sessions.state.{}", match s.state { SessionState::Planned => "planned", SessionState::Open => "open", SessionState::Closed => "closed" }))) }
                                td { (s.check_ins) }
                                @if m.state == MeetingState::Open {
                                    td {
                                        @match s.state {
                                            SessionState::Planned if !open_one => {
                                                form method="post" action=(format!("/console/meetings/{id}/sessions/{}/open", s.number)) {
                                                    input type="hidden" name="csrf" value=(who.csrf);
                                                    button type="submit" aria-label=(i18n::f("sessions.open_named", &[("name", &s.name)])) { (t("sessions.open")) }
                                                }
                                            }
                                            SessionState::Open => {
                                                form method="post" action=(format!("/console/meetings/{id}/sessions/{}/close", s.number)) {
                                                    input type="hidden" name="csrf" value=(who.csrf);
                                                    button type="submit" aria-label=(i18n::f("sessions.close_named", &[("name", &s.name)])) { (t("sessions.close")) }
                                                }
                                            }
                                            _ => { "—" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if m.state != MeetingState::Closed {
                h3 { (t("sessions.add_heading")) }
                @if !errors.is_empty() { div.errors role="alert" { ul { @for e in errors { li { (super::public::field_message(e)) } } } } }
                form.stack method="post" action=(format!("/console/meetings/{id}/sessions")) {
                    input type="hidden" name="csrf" value=(who.csrf);
                    div { label for="s-name" { (t("sessions.col.name")) span.hint { (t("sessions.name_hint")) } } input #s-name name="name" type="text" required maxlength="120"; }
                    div { label for="s-start" { (t("sessions.start")) span.hint { (i18n::f("sessions.time_hint", &[("zone", &m.meeting.timezone)])) } } input #s-start name="starts_at" type="datetime-local" required; }
                    div { label for="s-end" { (t("sessions.end")) } input #s-end name="ends_at" type="datetime-local" required; }
                    div { button type="submit" { (t("sessions.add")) } }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct SessionForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
}

/// `POST /console/meetings/{id}/sessions`: defines the next session, or
/// shows the form again with what is wrong.
pub async fn add(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { who, form: f }: CsrfForm<SessionForm>,
) -> Result<Response, PageError> {
    let m = meeting_row(&state, &id).await?;
    let input = app::SessionInput {
        name: f.name,
        starts_at: f.starts_at,
        ends_at: f.ends_at,
    };
    match state
        .add_session(&id, &input, OffsetDateTime::now_utc())
        .await
        .map_err(ApiError::from)
    {
        Ok(_) => Ok(Redirect::to(&format!("/console/meetings/{id}#sessions")).into_response()),
        Err(e) if !e.fields.is_empty() => {
            let sessions = state.sessions(&id).await.unwrap_or_default();
            Ok((
                e.status,
                frame(
                    &who,
                    t("sessions.heading"),
                    html! { h1 { (m.meeting.title) } (section(&who, &m, &sessions, &e.fields)) },
                ),
            )
                .into_response())
        }
        Err(e) => Err(PageError::refused(t("sessions.not_recorded"), e)),
    }
}

/// `POST /console/meetings/{id}/sessions/{number}/open`.
pub async fn open(
    State(state): State<AppState>,
    Path((id, number)): Path<(String, String)>,
    CsrfForm { who, .. }: CsrfForm<NoFields>,
) -> Result<Redirect, PageError> {
    let r = match super::api::session_number(&number) {
        Ok(n) => state.open_session(&id, n, &who.actor()).await,
        Err(e) => Err(e),
    };
    back_to_meeting(&id, r, t("sessions.not_recorded"))
}

/// `POST /console/meetings/{id}/sessions/{number}/close`.
pub async fn close(
    State(state): State<AppState>,
    Path((id, number)): Path<(String, String)>,
    CsrfForm { who, .. }: CsrfForm<NoFields>,
) -> Result<Redirect, PageError> {
    let r = match super::api::session_number(&number) {
        Ok(n) => state.close_session(&id, n, &who.actor()).await,
        Err(e) => Err(e),
    };
    back_to_meeting(&id, r, t("sessions.not_recorded"))
}
