//! The roster and the delegations in the console: import (paste the
//! registration system's CSV, or type rows), who is expected and not yet
//! checked in, doubtful matches to confirm or reject, walk-ins, the
//! roster's canonical CSV, and the delegations with their signed
//! snapshots.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;
use time::OffsetDateTime;

use super::auth::{CsrfForm, Secretary};
use super::console_frame::{frame, meeting_row};
use super::error::{ApiError, PageError};
use super::pages::role_name;
use super::AppState;
use crate::app::{self, RosterImported, RosterView, RowStatus};
use crate::i18n::{self, t};
use crate::meeting_state::MeetingState;
use crate::roster::CANONICAL_HEADER;

fn import_form(csrf: &str, id: &str, csv: &str) -> Markup {
    html! {
        h2 { (t("roster.import_heading")) }
        form.stack method="post" action=(format!("/console/meetings/{id}/roster")) {
            input type="hidden" name="csrf" value=(csrf);
            div {
                label for="roster-csv" { (t("roster.csv")) span.hint #roster-csv-hint { (t("roster.csv_hint")) " " code { (CANONICAL_HEADER) } } }
                textarea #roster-csv name="csv" rows="8" required aria-describedby="roster-csv-hint" { (csv) }
            }
            div { button type="submit" { (t("roster.import")) } }
        }
    }
}

fn who_cell(r: &crate::roster::Expected) -> Markup {
    html! { (r.name) ", " (r.organization) ", " (r.country) " (" (role_name(r.role.as_str())) ")" }
}

fn view_markup(csrf: &str, id: &str, v: &RosterView, open: bool) -> Markup {
    let c = v.counts;
    let absent: Vec<_> = v
        .rows
        .iter()
        .filter(|r| !matches!(r.status, RowStatus::Present { .. }))
        .collect();
    html! {
        dl.facts #roster-counts {
            dt { (t("roster.expected")) } dd { (c.expected) }
            dt { (t("roster.present")) } dd { (i18n::f("roster.present_value", &[("room", &c.present_room.to_string()), ("remote", &c.present_remote.to_string())])) }
            dt { (t("roster.absent")) } dd { (c.absent) }
            dt { (t("roster.walk_ins")) } dd { (c.walk_ins) }
            dt { (t("roster.digest")) } dd.mono { (v.sha256) }
            dt { (t("roster.committed")) } dd { @if v.committed { (t("roster.committed_yes")) } @else { (t("roster.committed_no")) } }
        }
        p { a href=(format!("/console/meetings/{id}/roster.csv")) { (t("roster.download")) } }
        h2 #not-yet { (t("roster.not_yet_heading")) }
        @if absent.is_empty() { p { (t("roster.none")) } } @else {
            table aria-labelledby="not-yet" {
                thead { tr { th scope="col" { "#" } th scope="col" { (t("roster.col.expected")) } th scope="col" { (t("roster.col.match")) } } }
                tbody {
                    @for r in &absent {
                        tr {
                            td { (r.row_no) }
                            td { @if let Some(e) = &r.expected { (who_cell(e)) } @else { em { (t("list.erased")) } } }
                            td {
                                @if let RowStatus::Doubtful { check_in } = r.status {
                                    (i18n::f("roster.doubtful", &[("n", &check_in.to_string())]))
                                    @if open {
                                        @for (decision, label) in [("confirm", t("roster.confirm")), ("reject", t("roster.reject"))] {
                                            form.inline method="post" action=(format!("/console/meetings/{id}/roster/match")) {
                                                input type="hidden" name="csrf" value=(csrf);
                                                input type="hidden" name="row" value=(r.row_no);
                                                input type="hidden" name="check_in" value=(check_in);
                                                input type="hidden" name="decision" value=(decision);
                                                button type="submit" aria-label=(format!("{label}: {}, {} {check_in}", r.expected.as_ref().map_or("", |e| e.name.as_str()), t("roster.col.check_in"))) { (label) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 #walk-ins { (t("roster.walk_ins_heading")) }
        @if v.walk_ins.is_empty() { p { (t("roster.none")) } } @else {
            table aria-labelledby="walk-ins" {
                thead { tr { th scope="col" { (t("roster.col.check_in")) } th scope="col" { (t("checkin.field.name")) } th scope="col" { (t("checkin.field.organization")) } th scope="col" { (t("arrivals.col.country")) } } }
                tbody { @for p in &v.walk_ins { tr { td { (p.index) } td { (p.name) } td { (p.organization) } td { (p.country) } } } }
            }
        }
    }
}

async fn page_body(
    state: &AppState,
    who: &Secretary,
    id: &str,
    notice: Markup,
    csv: &str,
) -> Result<Markup, PageError> {
    let m = meeting_row(state, id).await?;
    let view = match state.roster_view(id).await {
        Ok(v) => Some(v),
        Err(app::Error::NoRoster) => None,
        Err(e) => return Err(e.into()),
    };
    let open = m.state == MeetingState::Open;
    Ok(html! {
        p { a href=(format!("/console/meetings/{id}")) { "← " (m.meeting.title) } }
        h1 { (t("roster.title")) }
        p { (t("roster.intro")) }
        (notice)
        @if let Some(v) = &view { (view_markup(&who.csrf, id, v, open)) } @else { p #no-roster { (t("roster.no_roster")) } }
        @if m.state != MeetingState::Closed { (import_form(&who.csrf, id, csv)) }
    })
}

/// `GET /console/meetings/{id}/roster`.
pub async fn roster_page(
    State(state): State<AppState>,
    who: Secretary,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let body = page_body(&state, &who, &id, html! {}, "").await?;
    Ok(frame(&who, t("roster.title"), body).into_response())
}

#[derive(Deserialize)]
pub struct RosterForm {
    #[serde(default)]
    csv: String,
}

fn imported_notice(done: &RosterImported) -> Markup {
    html! {
        div.notice #roster-imported role="status" {
            p { (i18n::f("roster.imported", &[("n", &done.size.to_string())])) }
            @if !done.refused.is_empty() {
                p { (i18n::f("roster.refused", &[("n", &done.refused.len().to_string())])) }
                ul #roster-refused { @for r in &done.refused { li { (i18n::f("roster.refused_line", &[("line", &r.line.to_string())])) " " (r.reason) } } }
            }
        }
    }
}

/// `POST /console/meetings/{id}/roster`: imports the pasted CSV and shows
/// what was imported and every row refused, with its line.
pub async fn import_roster(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { who, form }: CsrfForm<RosterForm>,
) -> Result<Response, PageError> {
    match state
        .import_roster(&id, &form.csv, &who.actor(), OffsetDateTime::now_utc())
        .await
    {
        Ok(done) => {
            let body = page_body(&state, &who, &id, imported_notice(&done), "").await?;
            Ok(frame(&who, t("roster.title"), body).into_response())
        }
        Err(e @ (app::Error::Roster(_) | app::Error::Invalid(_))) => {
            let e = ApiError::from(e);
            let notice = html! { div.errors #roster-error role="alert" { p { (e.message) } } };
            let body = page_body(&state, &who, &id, notice, &form.csv).await?;
            Ok((e.status, frame(&who, t("roster.title"), body)).into_response())
        }
        Err(e) => Err(PageError::refused(
            t("roster.not_imported"),
            ApiError::from(e),
        )),
    }
}

#[derive(Deserialize)]
pub struct MatchForm {
    #[serde(default)]
    row: String,
    #[serde(default)]
    check_in: String,
    #[serde(default)]
    decision: String,
}

/// `POST /console/meetings/{id}/roster/match`: confirms or rejects a
/// doubtful match.
pub async fn decide_match(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { who, form }: CsrfForm<MatchForm>,
) -> Result<Response, PageError> {
    let number = |v: &str| {
        v.trim().parse::<u64>().map_err(|_| {
            PageError::new(
                StatusCode::BAD_REQUEST,
                t("roster.not_decided"),
                format!(
                    "{v:?} is not a row or check-in number; use the buttons of the roster page"
                ),
            )
        })
    };
    state
        .decide_match(
            &id,
            number(&form.row)?,
            number(&form.check_in)?,
            form.decision == "confirm",
            &who.actor(),
            OffsetDateTime::now_utc(),
        )
        .await
        .map_err(|e| PageError::refused(t("roster.not_decided"), ApiError::from(e)))?;
    Ok(Redirect::to(&format!("/console/meetings/{id}/roster")).into_response())
}

/// `GET /console/meetings/{id}/roster.csv`: the roster's canonical form.
pub async fn roster_csv(
    State(state): State<AppState>,
    _who: Secretary,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let bytes = state.roster_canonical(&id).await?;
    Ok(super::roster_api::roster_download(&id, bytes))
}

/// `GET /console/meetings/{id}/delegations`: the delegations present, for
/// the chair, and a button to sign a snapshot of them.
pub async fn delegations_page(
    State(state): State<AppState>,
    who: Secretary,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let m = meeting_row(&state, &id).await?;
    let groups = state.delegations(&id).await?;
    let body = html! {
        p { a href=(format!("/console/meetings/{id}")) { "← " (m.meeting.title) } }
        h1 { (t("delegations.title")) }
        p { (i18n::f("delegations.count", &[("n", &groups.len().to_string())])) }
        @if groups.is_empty() { p { (t("roster.none")) } } @else {
            table #delegations {
                thead { tr { th scope="col" { (t("arrivals.col.country")) } th scope="col" { (t("delegations.col.present")) } th scope="col" { (t("delegations.col.expected")) } th scope="col" { (t("delegations.col.heads")) } } }
                tbody {
                    @for g in &groups {
                        tr {
                            td { (g.country) }
                            td { (g.present) }
                            td { @if g.expected > 0 { (g.expected) } @else { "—" } }
                            td { @if g.heads.is_empty() { "—" } @else { @for (i, h) in g.heads.iter().enumerate() { @if i > 0 { ", " } (h.name) } } }
                        }
                    }
                }
            }
        }
        @if m.state == MeetingState::Open {
            h2 { (t("delegations.snapshot_heading")) }
            p { (t("delegations.snapshot_intro")) }
            form method="post" action=(format!("/console/meetings/{id}/delegations")) {
                input type="hidden" name="csrf" value=(who.csrf);
                button type="submit" { (t("delegations.snapshot")) }
            }
        }
    };
    Ok(frame(&who, t("delegations.title"), body).into_response())
}

#[derive(Deserialize)]
pub struct EmptyForm {}

/// `POST /console/meetings/{id}/delegations`: signs a snapshot.
pub async fn snapshot(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { who, .. }: CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    state
        .snapshot_delegations(&id, &who.actor())
        .await
        .map_err(|e| PageError::refused(t("delegations.not_signed"), ApiError::from(e)))?;
    Ok((
        StatusCode::SEE_OTHER,
        [(
            header::LOCATION,
            format!("/console/meetings/{id}/delegations"),
        )],
    )
        .into_response())
}
