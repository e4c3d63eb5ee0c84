//! The secretary's tools during a meeting: the projector view, live
//! arrivals, manual entry for people without a phone, notes on discussion
//! of the Code, and the printable list with the Code attached.
//! Everything is server-rendered; pages that update reload themselves.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;

use super::auth::{CsrfForm, Secretary};
use super::console_frame::{back_to_meeting, frame, meeting_row};
use super::downloads::{self, ExportQuery};
use super::error::{ApiError, PageError};
use super::pages::{live, page, role_name};
use super::AppState;
use crate::app::{self, ByHand, VerifiedList};
use crate::export::ExportError;
use crate::fields::FieldError;
use crate::i18n::{self, t};
use crate::meeting_state::MeetingState;
use crate::role::Role;
use crate::trust::verify::Report;

/// The principles of the Code: its level-3 headings (the ISO Code's
/// principles), else its level-2 headings.
fn principles(code: &str) -> Vec<&str> {
    let h3: Vec<&str> = code
        .lines()
        .filter_map(|l| l.strip_prefix("### "))
        .collect();
    if h3.is_empty() {
        code.lines().filter_map(|l| l.strip_prefix("## ")).collect()
    } else {
        h3
    }
}

/// The current check-in QR code as inline SVG (without the XML prolog).
fn inline_qr(state: &AppState, m: &crate::store::MeetingRow) -> (String, String) {
    let link = state.current_link(m, time::OffsetDateTime::now_utc());
    let (url, token) = (link.url, link.token);
    let svg = crate::qr::svg(&url).unwrap_or_default();
    let svg = svg
        .split_once("?>")
        .map_or(svg.as_str(), |(_, rest)| rest)
        .trim()
        .to_owned();
    (svg, token)
}

/// `GET /console/meetings/{id}/present`: for the projector. Large title,
/// the Code's principles, the rotating QR code and the number of arrivals.
/// A small script (`/static/present.js`) keeps the count and the code up
/// to date from [`present_json`]; without JavaScript the page reloads
/// itself every 10 seconds (the code rotates every 30).
pub async fn present(
    State(state): State<AppState>,
    _who: Secretary,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let m = meeting_row(&state, &id).await?;
    if m.state != MeetingState::Open {
        return Err(PageError::new(
            StatusCode::CONFLICT,
            t("present.not_open.title"),
            t("present.not_open.text"),
        ));
    }
    let count = state.check_in_count(&id).await;
    let remote = state.remote_check_in_count(&id).await;
    let (version, code) = super::public::shown_code(&state, &m).await?;
    let code = code.text;
    let (svg, token) = inline_qr(&state, &m);
    let lang = i18n::current();
    Ok(Html(
        page(
            &i18n::f("checkin.title", &[("title", &m.meeting.title)]),
            None,
            &["/static/present.js"],
            html! {
                noscript { meta http-equiv="refresh" content="10"; }
                div.present data-present=(format!("/console/meetings/{id}/present.json")) {
                    div {
                        h1 { (m.meeting.title) }
                        p.meta { (m.meeting.committee) " · " (m.meeting.location) }
                        h2 { (t("present.code_heading")) }
                        ul.principles lang=(version.language) { @for p in principles(&code) { li { (p) } } }
                        p.present-call { (t("present.scan")) }
                    }
                    div.present-qr {
                        div #present-qr role="img" data-token=(token) aria-label=(i18n::f("meeting.qr_alt", &[("title", &m.meeting.title)])) { (PreEscaped(svg)) }
                        p.count #present-count-region aria-live="polite" aria-atomic="true" {
                            strong #present-count { (count) } " " span #present-count-label { (count_label(lang, count)) }
                        }
                        p.meta #present-split { (room_remote(count, remote)) }
                        p.meta #present-status role="status" hidden { (t("present.offline")) }
                        button.secondary.present-full #present-full type="button" hidden { (t("present.fullscreen")) }
                    }
                }
            },
        )
        .into_string(),
    )
    .into_response())
}

/// "3 in the room · 2 remote", of `total` check-ins of which `remote` were
/// made with the remote link.
pub(super) fn room_remote(total: i64, remote: i64) -> String {
    i18n::f(
        "split.room_remote",
        &[
            ("room", &(total - remote).max(0).to_string()),
            ("remote", &remote.to_string()),
        ],
    )
}

fn count_label(lang: i18n::Lang, n: i64) -> &'static str {
    lang.t(if n == 1 {
        "present.checked_in.one"
    } else {
        "present.checked_in.many"
    })
}

/// `GET /console/meetings/{id}/present.json`: what the projector view
/// shows now: `{"state", "count", "count_label", "room", "remote", "split",
/// "token", "qr_svg", "expires_at"}`.
pub async fn present_json(
    State(state): State<AppState>,
    _who: Secretary,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let m = meeting_row(&state, &id).await?;
    let count = state.check_in_count(&id).await;
    let remote = state.remote_check_in_count(&id).await;
    let next = state
        .current_link(&m, time::OffsetDateTime::now_utc())
        .expires_at;
    let (svg, token) = if m.state == MeetingState::Open {
        inline_qr(&state, &m)
    } else {
        (String::new(), String::new())
    };
    Ok(axum::Json(serde_json::json!({
        "state": m.state,
        "count": count,
        "count_label": count_label(i18n::current(), count),
        "room": (count - remote).max(0),
        "remote": remote,
        "split": room_remote(count, remote),
        "token": token,
        "qr_svg": svg,
        "expires_at": next.map(crate::store::ts),
    }))
    .into_response())
}

fn arrivals_chart(report: &Report) -> Markup {
    // Check-ins per five minutes, as bars.
    let times: Vec<time::OffsetDateTime> = report
        .attendees
        .iter()
        .filter_map(|a| {
            time::OffsetDateTime::parse(
                &a.checked_in_at,
                &time::format_description::well_known::Rfc3339,
            )
            .ok()
        })
        .collect();
    let (Some(first), Some(last)) = (times.iter().min(), times.iter().max()) else {
        return html! {};
    };
    let bucket = 300i64;
    let start = first.unix_timestamp() - first.unix_timestamp().rem_euclid(bucket);
    let n = (((last.unix_timestamp() - start) / bucket) + 1).clamp(1, 96) as usize;
    let mut counts = vec![0u32; n];
    for t in &times {
        let i = ((t.unix_timestamp() - start) / bucket) as usize;
        if let Some(c) = counts.get_mut(i.min(n - 1)) {
            *c += 1;
        }
    }
    let max = counts.iter().copied().max().unwrap_or(1).max(1);
    let (w, h) = (600.0f64, 160.0f64);
    let bw = w / n as f64;
    html! {
        figure {
            svg viewBox=(format!("0 0 {w} {}", h + 20.0)) width="100%" role="img" aria-labelledby="chart-title" {
                title #chart-title { (t("arrivals.chart")) }
                @for (i, c) in counts.iter().enumerate() {
                    @let bh = h * f64::from(*c) / f64::from(max);
                    rect x=(format!("{:.1}", i as f64 * bw + 1.0)) y=(format!("{:.1}", h - bh)) width=(format!("{:.1}", (bw - 2.0).max(1.0))) height=(format!("{bh:.1}")) fill="currentColor" {}
                }
                line x1="0" y1=(h) x2=(w) y2=(h) stroke="currentColor" {}
            }
            figcaption { (i18n::f("arrivals.chart_caption", &[("from", report.attendees.first().map_or("", |a| a.checked_in_at.as_str())), ("max", &max.to_string())])) }
        }
    }
}

/// `GET /console/meetings/{id}/arrivals`: who has checked in, newest first;
/// reloads every 10 seconds.
pub async fn arrivals(
    State(state): State<AppState>,
    _who: Secretary,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let m = meeting_row(&state, &id).await?;
    let open = m.state == MeetingState::Open;
    // The secretary's own view of arrivals shows every field.
    let report = match state
        .verified_list(&id, &crate::personal::Disclose::Full)
        .await
    {
        Ok(list) => list.report,
        Err(app::Error::Export(ExportError::NotOpened)) => Report::empty(),
        Err(e) => return Err(e.into()),
    };
    Ok(Html(
        page(
            &i18n::f("arrivals.title", &[("title", &m.meeting.title)]),
            None,
            &[],
            html! {
                (live(&format!("/api/v1/meetings/{id}/checkpoint"), "size", &report.checkpoint.as_ref().map_or("null".to_owned(), |c| c.size.to_string()), 10))
                p { a href=(format!("/console/meetings/{id}")) { "← " (m.meeting.title) } }
                h1 { (t("arrivals.heading")) }
                p aria-live="polite" { strong { (report.attendees.iter().filter(|a| !a.struck).count()) } " " (t("arrivals.count")) }
                p #arrivals-split { (i18n::f("split.room_remote", &[("room", &report.room.to_string()), ("remote", &report.remote.to_string())])) }
                (arrivals_chart(&report))
                table {
                    thead { tr { th scope="col" { (t("arrivals.col.time")) } th scope="col" { (t("checkin.field.name")) } th scope="col" { (t("checkin.field.organization")) } th scope="col" { (t("arrivals.col.country")) } th scope="col" { (t("checkin.field.role")) } th scope="col" { (t("arrivals.col.presence")) } @if open { th scope="col" { (t("arrivals.col.amend")) } } } }
                    tbody {
                        @for a in report.attendees.iter().rev() {
                            tr.struck[a.struck] {
                                td { (a.checked_in_at.get(11..19).unwrap_or(&a.checked_in_at)) }
                                td { (field(a, "name")) }
                                td { (field(a, "organization")) }
                                td { (field(a, "country")) }
                                td { (role_name(a.current("role").unwrap_or(&a.role))) @if a.corrected.contains_key("role") { " " em { "(" (t("arrivals.corrected")) ")" } } }
                                td { (presence_name(&a.presence)) @if a.struck { " " strong { "(" (t("arrivals.struck")) ")" } } }
                                @if open {
                                    td { @if !a.struck { a href=(format!("/console/meetings/{id}/amend?check_in={}", a.index)) aria-label=(format!("{} {}", t("amend.link"), a.current("name").unwrap_or(&a.id))) { (t("amend.link")) } } }
                                }
                            }
                        }
                    }
                }
            },
        )
        .into_string(),
    )
    .into_response())
}

/// A disclosed field (as corrected, marked so), or "withheld" (never a
/// blank that looks like a name).
fn field(a: &crate::trust::verify::AttendeeRow, name: &str) -> Markup {
    if let Some(v) = a.corrected.get(name) {
        return html! { (v) " " em { "(" (t("arrivals.corrected")) ")" } };
    }
    match a.fields.get(name) {
        Some(v) => html! { (v) },
        None if a.withheld.iter().any(|w| w == name) => html! { em { (t("arrivals.withheld")) } },
        None if a.erased.iter().any(|w| w == name) => html! { em { (t("list.erased")) } },
        None => html! { "—" },
    }
}

/// A presence method (the verifier's English label) in words.
fn presence_name(label: &str) -> &'static str {
    match t(&format!("presence.{}", label.replace(' ', "_"))) {
        "" => "—",
        s => s,
    }
}

/// The manual-entry form for people without a phone.
pub fn manual_entry_form(csrf: &str, id: &str, errors: &[FieldError]) -> Markup {
    html! {
        h2 { (t("manual.heading")) }
        @if !errors.is_empty() { div.errors role="alert" { ul { @for e in errors { li { (super::public::field_message(e)) } } } } }
        form.stack method="post" action=(format!("/console/meetings/{id}/manual")) {
            input type="hidden" name="csrf" value=(csrf);
            div { label for="m-name" { (t("checkin.field.name")) } input #m-name name="name" type="text" required; }
            div { label for="m-org" { (t("checkin.field.organization")) } input #m-org name="organization" type="text" required; }
            div { label for="m-country" { (t("checkin.field.country")) span.hint { (t("checkin.hint.country")) } } input #m-country name="country" type="text" list="countries" autocomplete="off" required; (super::pages::countries_datalist()) }
            div { label for="m-role" { (t("checkin.field.role")) } select #m-role name="role" { @for role in Role::ALL { option value=(role.as_str()) { (role_name(role.as_str())) } } } }
            div { label for="m-email" { (t("checkin.field.email")) " " (t("form.optional")) } input #m-email name="email" type="email"; }
            div { label.check for="m-ack" { input #m-ack type="checkbox" name="acknowledged" value="yes" required; span { (t("manual.acknowledge")) } } }
            div { button type="submit" { (t("manual.submit")) } }
        }
    }
}

#[derive(Deserialize)]
pub struct ManualForm {
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
}

/// `POST /console/meetings/{id}/manual`: the attestation says the
/// secretary recorded it, and who.
pub async fn manual_entry(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { who, form: f }: CsrfForm<ManualForm>,
) -> Result<Response, PageError> {
    let m = meeting_row(&state, &id).await?;
    let by_hand = ByHand {
        name: f.name,
        organization: f.organization,
        country: f.country,
        role: f.role,
        email: f.email,
        acknowledged: f.acknowledged.as_deref() == Some("yes"),
    };
    let result = state
        .record_by_hand(&m, by_hand, &who.actor())
        .await
        .map_err(ApiError::from);
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/console/meetings/{id}")).into_response()),
        Err(e) if !e.fields.is_empty() => Ok((
            e.status,
            frame(
                &who,
                t("manual.heading"),
                html! { h1 { (m.meeting.title) } (manual_entry_form(&who.csrf, &id, &e.fields)) },
            ),
        )
            .into_response()),
        Err(e) => Err(PageError::refused(t("manual.not_recorded"), e)),
    }
}

/// The notes form.
pub fn notes_form(csrf: &str, id: &str) -> Markup {
    html! {
        h2 { (t("notes.heading")) }
        p.meta { (t("notes.intro")) }
        form.stack method="post" action=(format!("/console/meetings/{id}/notes")) {
            input type="hidden" name="csrf" value=(csrf);
            div { label for="notes" { (t("notes.label")) } textarea #notes name="text" required {} }
            div { button type="submit" { (t("notes.submit")) } }
        }
    }
}

#[derive(Deserialize)]
pub struct NotesForm {
    #[serde(default)]
    text: String,
}

/// `POST /console/meetings/{id}/notes`.
pub async fn notes(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { who, form: f }: CsrfForm<NotesForm>,
) -> Result<Redirect, PageError> {
    let recorded = state.add_notes(&id, &who.actor(), &f.text).await;
    back_to_meeting(&id, recorded, t("notes.not_recorded"))
}

/// `GET /console/meetings/{id}/list`: the attendance list to print, with
/// the checkpoint's fingerprint, a QR code an auditor can use to find and
/// check it, and the full Code attached as an annex.
pub async fn printable_list(
    State(state): State<AppState>,
    _who: Secretary,
    Path(id): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Html<String>, PageError> {
    meeting_row(&state, &id).await?;
    let disclose = q.profile().map_err(|e| PageError::refused("No list", e))?;
    let VerifiedList { bundle, report } = state
        .verified_list(&id, &disclose)
        .await
        .map_err(|e| PageError::refused("No list yet", e))?;
    let mut text = crate::export::ListText::for_language(crate::i18n::current())
        .disclosing(&disclose)
        .with_verify_page(format!("{}/verify", state.settings.public_url));
    if let Some(absent) = state.expected_absent(&id).await? {
        text = text.with_expected_absent(absent);
    }
    Ok(Html(crate::export::html::printable_list(
        &bundle, &report, &text,
    )))
}

/// `GET /console/meetings/{id}/list.pdf`: the same list as a PDF, with the
/// signed bundle attached so `rollcall verify list.pdf` checks it.
pub async fn list_pdf(
    State(state): State<AppState>,
    _who: Secretary,
    Path(id): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, PageError> {
    let disclose = q
        .profile()
        .map_err(|e| PageError::refused("No list yet", e))?;
    downloads::pdf(&state, &id, &disclose)
        .await
        .map_err(|e| PageError::refused("No list yet", e))
}

#[derive(Deserialize)]
pub struct AmendQuery {
    check_in: Option<u64>,
}

/// The check-in at log index `index`, as the verified list shows it to
/// the secretary (every field).
async fn check_in_row(
    state: &AppState,
    id: &str,
    index: u64,
) -> Result<crate::trust::verify::AttendeeRow, PageError> {
    let report = state
        .verified_list(id, &crate::personal::Disclose::Full)
        .await
        .map_err(|e| PageError::refused(t("amend.not_recorded"), e))?;
    report
        .report
        .attendees
        .into_iter()
        .find(|a| a.index == index)
        .ok_or_else(|| {
            PageError::new(
                StatusCode::NOT_FOUND,
                t("amend.not_recorded"),
                t("amend.no_check_in").to_owned(),
            )
        })
}

/// The correction form for one check-in, with what it records now.
fn amend_form(
    csrf: &str,
    id: &str,
    a: &crate::trust::verify::AttendeeRow,
    errors: &[FieldError],
) -> Markup {
    let value = |f: &str| a.current(f).unwrap_or("").to_owned();
    let role = value("role");
    html! {
        h1 { (t("amend.title")) }
        p { (t("amend.intro")) }
        h2 { (t("amend.current")) }
        dl.facts #amend-current {
            dt { (t("checkin.field.name")) } dd { (field(a, "name")) }
            dt { (t("checkin.field.organization")) } dd { (field(a, "organization")) }
            dt { (t("arrivals.col.country")) } dd { (field(a, "country")) }
            dt { (t("checkin.field.role")) } dd { (role_name(&role)) }
            dt { (t("arrivals.col.time")) } dd { (a.checked_in_at) }
            dt { (t("list.col_attestation")) } dd.mono { (a.id) }
        }
        @if !errors.is_empty() { div.errors role="alert" { ul { @for e in errors { li { (super::public::field_message(e)) } } } } }
        form.stack method="post" action=(format!("/console/meetings/{id}/amend")) {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="check_in" value=(a.index);
            fieldset {
                legend { (t("amend.action")) }
                label.check for="a-correct" { input #a-correct type="radio" name="action" value="correct" checked; span { (t("amend.action.correct")) } }
                label.check for="a-strike" { input #a-strike type="radio" name="action" value="strike"; span { (t("amend.action.strike")) } }
            }
            div {
                label for="a-reason" { (t("amend.reason")) span.hint { (t("amend.reason_hint")) } }
                input #a-reason name="reason" type="text" required maxlength=(app::REASON_MAX_CHARS);
            }
            p.meta #a-values-hint { (t("amend.values_hint")) }
            div { label for="a-name" { (t("checkin.field.name")) } input #a-name name="name" type="text" value=(value("name")) aria-describedby="a-values-hint"; }
            div { label for="a-org" { (t("checkin.field.organization")) } input #a-org name="organization" type="text" value=(value("organization")); }
            div { label for="a-country" { (t("checkin.field.country")) } input #a-country name="country" type="text" list="countries" autocomplete="off" value=(value("country")); (super::pages::countries_datalist()) }
            div { label for="a-role" { (t("checkin.field.role")) } select #a-role name="role" { @for r in Role::ALL { option value=(r.as_str()) selected[r.as_str() == role] { (role_name(r.as_str())) } } } }
            div { button type="submit" { (t("amend.submit")) } }
        }
    }
}

/// `GET /console/meetings/{id}/amend?check_in=N`: correct or strike a
/// check-in of an open meeting.
pub async fn amend_page(
    State(state): State<AppState>,
    who: Secretary,
    Path(id): Path<String>,
    Query(q): Query<AmendQuery>,
) -> Result<Response, PageError> {
    let m = meeting_row(&state, &id).await?;
    let index = q.check_in.ok_or_else(|| {
        PageError::new(
            StatusCode::BAD_REQUEST,
            t("amend.not_recorded"),
            t("amend.no_check_in").to_owned(),
        )
    })?;
    let a = check_in_row(&state, &id, index).await?;
    Ok(frame(
        &who,
        t("amend.title"),
        html! {
            p { a href=(format!("/console/meetings/{id}/arrivals")) { "← " (m.meeting.title) } }
            (amend_form(&who.csrf, &id, &a, &[]))
        },
    )
    .into_response())
}

#[derive(Deserialize)]
pub struct AmendForm {
    #[serde(default)]
    check_in: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    organization: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    role: String,
}

/// `POST /console/meetings/{id}/amend`: the form shows every value as
/// recorded, so only those changed are signed as corrections; a strike
/// carries none.
pub async fn amend(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CsrfForm { who, form: f }: CsrfForm<AmendForm>,
) -> Result<Response, PageError> {
    let index: u64 = f.check_in.trim().parse().map_err(|_| {
        PageError::new(
            StatusCode::BAD_REQUEST,
            t("amend.not_recorded"),
            t("amend.no_check_in").to_owned(),
        )
    })?;
    let a = check_in_row(&state, &id, index).await?;
    let strike = f.action == "strike";
    let changed = |field: &str, v: String| {
        if strike || a.current(field) == Some(v.trim()) {
            String::new()
        } else {
            v
        }
    };
    let input = app::AmendInput {
        check_in: index,
        reason: f.reason,
        name: changed("name", f.name),
        organization: changed("organization", f.organization),
        country: changed("country", f.country),
        role: changed("role", f.role),
        action: f.action,
    };
    let result = state
        .amend_check_in(&id, &who.actor(), &input)
        .await
        .map_err(ApiError::from);
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/console/meetings/{id}/arrivals")).into_response()),
        Err(e) if !e.fields.is_empty() => Ok((
            e.status,
            frame(
                &who,
                t("amend.title"),
                amend_form(&who.csrf, &id, &a, &e.fields),
            ),
        )
            .into_response()),
        Err(e) => Err(PageError::refused(t("amend.not_recorded"), e)),
    }
}
