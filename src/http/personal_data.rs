//! Personal data in the console and on the receipt page: archive copies,
//! erasure on request (a confirmation page that names what goes and what
//! stays), the record of erasures, and the meeting's retention.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;
use time::OffsetDateTime;

use super::auth::{CsrfForm, Secretary};
use super::console_frame::{frame, meeting_row};
use super::error::{page_error, PageError};
use super::pages::page;
use super::AppState;
use crate::i18n::{self, t};
use crate::personal::{self, Erase, ErasedBy, PersonalDataError};
use crate::store::MeetingRow;

fn error_page(e: &PersonalDataError) -> Response {
    match e {
        PersonalDataError::Store(s) => PageError::from(StoreFailure(s)).into_response(),
        other => page_error(
            StatusCode::NOT_FOUND,
            t("erase.not_done"),
            &other.to_string(),
        )
        .into_response(),
    }
}

/// A store failure, answered as the rest of the console answers it.
struct StoreFailure<'a>(&'a crate::store::StoreError);

impl From<StoreFailure<'_>> for PageError {
    fn from(f: StoreFailure<'_>) -> Self {
        tracing::error!(error = %f.0, "erasure failed");
        if f.0.is_unavailable() {
            PageError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                t("auth.unavailable.title"),
                "The server cannot write to its database (the database is unreachable, or its disk is full or read-only); nothing was erased. Try again once the operator has fixed it",
            )
        } else {
            PageError::internal()
        }
    }
}

/// When a closed meeting's personal data are, or were, erased.
fn retention_text(state: &AppState, m: &MeetingRow) -> String {
    let days = m
        .retain_days
        .unwrap_or(i64::from(state.settings.retain_personal_data));
    if let Some(at) = &m.personal_data_erased_at {
        return i18n::f("retention.done", &[("date", at.get(..10).unwrap_or(at))]);
    }
    match m
        .closed_at
        .as_deref()
        .and_then(|c| OffsetDateTime::parse(c, &time::format_description::well_known::Rfc3339).ok())
    {
        Some(closed) => {
            let due =
                personal::erasure_due(closed, m.retain_days, state.settings.retain_personal_data);
            i18n::f(
                "retention.due",
                &[
                    ("date", &crate::store::ts(due)[..10]),
                    ("days", &days.to_string()),
                ],
            )
        }
        None => i18n::f("retention.after_close", &[("days", &days.to_string())]),
    }
}

/// The meeting page's section on personal data: archive copies, erasure,
/// the erasures done, and retention.
pub async fn section(state: &AppState, who: &Secretary, m: &MeetingRow) -> Markup {
    let id = &m.meeting.id;
    let erasures = state.store.erasures(id).await.unwrap_or_default();
    html! {
        section #personal-data aria-labelledby="personal-data-heading" {
            h2 #personal-data-heading { (t("personal.heading")) }
            p { (t("personal.intro")) }
            @if m.state != crate::meeting_state::MeetingState::Draft {
                h3 { (t("personal.archive_heading")) }
                p { (t("personal.archive_text")) }
                ul {
                    li { a href=(format!("/console/meetings/{id}/list.pdf?disclose=full")) { (t("meeting.export.pdf")) } }
                    li { a href=(format!("/console/meetings/{id}/bundle.json?disclose=full")) { (t("meeting.export.bundle")) } }
                    li { a href=(format!("/console/meetings/{id}/attendance.csv?disclose=full")) { (t("meeting.export.csv")) } }
                }
                h3 { (t("erase.heading")) }
                form method="get" action=(format!("/console/meetings/{id}/erase")) {
                    div {
                        label for="erase-who" { (t("erase.who")) }
                        input #erase-who name="who" required aria-describedby="erase-who-hint";
                        p.hint #erase-who-hint { (t("erase.who_hint")) }
                    }
                    fieldset {
                        legend { (t("erase.fields")) }
                        label { input type="radio" name="fields" value="email" checked; " " (t("erase.fields.email")) }
                        label { input type="radio" name="fields" value="all"; " " (t("erase.fields.all")) }
                    }
                    button type="submit" { (t("erase.review")) }
                }
                @if !erasures.is_empty() {
                    h3 { (t("erase.done_heading")) }
                    table #erasures {
                        thead { tr {
                            th scope="col" { (t("erase.col.when")) }
                            th scope="col" { (t("erase.col.entry")) }
                            th scope="col" { (t("erase.col.fields")) }
                            th scope="col" { (t("erase.col.by")) }
                        } }
                        tbody {
                            @for e in &erasures {
                                tr {
                                    td { (crate::store::ts(e.erased_at).get(..16).unwrap_or_default().replace('T', " ")) " UTC" }
                                    td { (e.idx) }
                                    td { (e.fields.join(", ")) }
                                    td { (e.erased_by) }
                                }
                            }
                        }
                    }
                }
            }
            h3 { (t("retention.heading")) }
            p #retention { (retention_text(state, m)) }
            @if m.personal_data_erased_at.is_none() {
                form method="post" action=(format!("/console/meetings/{id}/retention")) {
                    input type="hidden" name="csrf" value=(who.csrf);
                    label for="retain-days" { (t("retention.days")) }
                    input #retain-days name="days" type="number" min="0" max="36500" inputmode="numeric"
                        value=(m.retain_days.map(|d| d.to_string()).unwrap_or_default())
                        placeholder=(state.settings.retain_personal_data.to_string())
                        aria-describedby="retain-hint";
                    p.hint #retain-hint { (i18n::f("retention.hint", &[("days", &state.settings.retain_personal_data.to_string())])) }
                    button type="submit" { (t("retention.save")) }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct EraseQuery {
    #[serde(default)]
    who: String,
    #[serde(default)]
    fields: String,
}

#[derive(Deserialize)]
pub struct EraseForm {
    #[serde(default)]
    who: String,
    #[serde(default)]
    fields: String,
}

/// The check-ins a receipt id or an email names in a meeting.
async fn whose(state: &AppState, m: &MeetingRow, who: &str) -> Result<Vec<u64>, PersonalDataError> {
    let who = who.trim();
    if who.contains('@') {
        return personal::check_ins_with_email(&state.store, &m.meeting.id, who).await;
    }
    let receipt = who.rsplit("/r/").next().unwrap_or(who);
    match state.receipts.parse(receipt) {
        Some((meeting, idx)) if meeting == m.meeting.id => Ok(vec![idx]),
        _ => Err(PersonalDataError::UnknownReceipt(
            receipt.chars().take(80).collect(),
        )),
    }
}

fn parse_fields(fields: &str) -> Result<Erase, Response> {
    fields.parse::<Erase>().map_err(|e| {
        page_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            t("erase.not_done"),
            &e.to_string(),
        )
        .into_response()
    })
}

/// What the review page and the erasure itself both read from a request:
/// the meeting, which fields, and the check-ins the attendee's email or
/// receipt names; or the page saying why nothing can be erased.
async fn erasure_request(
    state: &AppState,
    id: &str,
    who: &str,
    fields: &str,
) -> Result<(MeetingRow, Erase, Vec<u64>), Response> {
    let m = meeting_row(state, id)
        .await
        .map_err(IntoResponse::into_response)?;
    let what = parse_fields(fields)?;
    let indices = whose(state, &m, who).await.map_err(|e| error_page(&e))?;
    Ok((m, what, indices))
}

/// `GET /console/meetings/{id}/erase?who=…&fields=email|all`: what will be
/// erased and what stays, before anything is done.
pub async fn confirm(
    State(state): State<AppState>,
    who: Secretary,
    Path(id): Path<String>,
    Query(q): Query<EraseQuery>,
) -> Response {
    let (m, what, indices) = match erasure_request(&state, &id, &q.who, &q.fields).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let fields = what
        .fields()
        .iter()
        .map(|f| t(&format!("checkin.field.{f}")))
        .collect::<Vec<_>>()
        .join(", ");
    let entries = indices
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    frame(
        &who,
        t("erase.confirm_title"),
        html! {
            h1 { (t("erase.confirm_title")) }
            p { (i18n::f("erase.confirm_what", &[("fields", &fields), ("entries", &entries), ("title", &m.meeting.title)])) }
            p { (t("erase.confirm_stays")) }
            form method="post" action=(format!("/console/meetings/{id}/erase")) {
                input type="hidden" name="csrf" value=(who.csrf);
                input type="hidden" name="who" value=(q.who);
                input type="hidden" name="fields" value=(what.label());
                button.danger type="submit" { (t("erase.confirm_button")) }
            }
            p { a href=(format!("/console/meetings/{id}")) { (t("erase.cancel")) } }
        },
    )
    .into_response()
}

/// `POST /console/meetings/{id}/erase`.
pub async fn erase(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { who, form: f }: CsrfForm<EraseForm>,
) -> Response {
    let (_, what, indices) = match erasure_request(&state, &id, &f.who, &f.fields).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let by = ErasedBy::Secretary(who.email.clone());
    match state
        .erase_personal_data(&id, &indices, what, &by, OffsetDateTime::now_utc())
        .await
    {
        Ok(_) => Redirect::to(&format!("/console/meetings/{id}#personal-data")).into_response(),
        Err(e) => error_page(&e),
    }
}

#[derive(Deserialize)]
pub struct RetentionForm {
    #[serde(default)]
    days: String,
}

/// `POST /console/meetings/{id}/retention`: this meeting's retention in
/// days after closing; empty for the server's default.
pub async fn retention(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { form: f, .. }: CsrfForm<RetentionForm>,
) -> Response {
    if let Err(r) = meeting_row(&state, &id).await {
        return r.into_response();
    }
    let typed = f.days.trim();
    let invalid = || {
        page_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            t("retention.not_saved"),
            &i18n::f("retention.invalid", &[("days", typed)]),
        )
        .into_response()
    };
    let days = match typed {
        "" => None,
        d => match d.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => return invalid(),
        },
    };
    match state.set_retention(&id, days).await {
        Ok(()) => Redirect::to(&format!("/console/meetings/{id}#retention")).into_response(),
        Err(crate::app::Error::Invalid(_)) => invalid(),
        Err(crate::app::Error::Store(e)) => PageError::from(StoreFailure(&e)).into_response(),
        Err(e) => PageError::from(e).into_response(),
    }
}

/// The receipt id's check-in, or the page to answer.
fn receipt_entry(state: &AppState, id: &str) -> Result<(String, u64), Response> {
    state.receipts.parse(id).ok_or_else(|| {
        page_error(
            StatusCode::NOT_FOUND,
            t("receipt.not_found.title"),
            t("receipt.not_found.text"),
        )
        .into_response()
    })
}

/// `GET /r/{id}/erase`: an attendee asks to erase their email; the receipt
/// link is their capability. Their name stays on the official list: only
/// the secretary can erase that.
pub async fn receipt_confirm(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    if let Err(r) = receipt_entry(&state, &id) {
        return r;
    }
    Html(
        page(
            t("erase.mine_title"),
            None,
            &[],
            html! {
                h1 { (t("erase.mine_title")) }
                p { (t("erase.mine_text")) }
                form method="post" action=(format!("/r/{id}/erase")) {
                    button.danger type="submit" { (t("erase.mine_button")) }
                }
                p { a href=(format!("/r/{id}")) { (t("erase.mine_cancel")) } }
            },
        )
        .into_string(),
    )
    .into_response()
}

/// `POST /r/{id}/erase`: erases the attendee's email, then back to the receipt.
pub async fn receipt_erase(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let (meeting, idx) = match receipt_entry(&state, &id) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let erased = state
        .erase_personal_data(
            &meeting,
            &[idx],
            Erase::Email,
            &ErasedBy::Attendee,
            OffsetDateTime::now_utc(),
        )
        .await;
    match erased {
        Ok(_) => Redirect::to(&format!("/r/{id}")).into_response(),
        Err(e) => error_page(&e),
    }
}
