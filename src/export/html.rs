//! The printable attendance list as an HTML page.

use maud::{html, Markup, PreEscaped};

use super::{audit_text, cell, meeting_line, session_table, Cell, ListText};
use crate::markup::{code_html, layout_refresh};
use crate::trust::bundle::Bundle;
use crate::trust::verify::{AttendeeRow, Report};

fn field(a: &AttendeeRow, name: &str, text: &ListText) -> Markup {
    match cell(a, name) {
        Cell::Value(v) => html! { (v) },
        Cell::Corrected(v) => html! { (v) " " em.corrected { "(" (text.corrected) ")" } },
        Cell::Withheld => html! { em { (text.withheld) } },
        Cell::Erased => html! { em { (text.erased) } },
        Cell::NotGiven => html! { (text.not_given) },
    }
}

/// Each attendee with their number among the counted check-ins (`None`
/// for one struck as recorded in error).
pub(crate) fn numbered(report: &Report) -> impl Iterator<Item = (Option<usize>, &AttendeeRow)> {
    let mut n = 0;
    report.attendees.iter().map(move |a| {
        if a.struck {
            (None, a)
        } else {
            n += 1;
            (Some(n), a)
        }
    })
}

/// The list with the checkpoint's fingerprint, a QR code an auditor can
/// use to find and check it, and the full Code attached as an annex.
pub fn printable_list(bundle: &Bundle, report: &Report, text: &ListText) -> String {
    let cp = report.checkpoint.as_ref();
    let signer = cp.map_or("", |c| c.signer.as_str());
    let qr = crate::qr::svg(&audit_text(report)).unwrap_or_default();
    let qr = qr
        .split_once("?>")
        .map_or(qr.as_str(), |(_, rest)| rest)
        .to_owned();
    let title = report.meeting.as_ref().map_or("", |m| m.title.as_str());
    layout_refresh(
        &text.lang,
        &format!("{}{}", text.title_prefix, title),
        None,
        html! {
            header.list-head {
                h1 { (text.title_prefix) (title) }
                p { (meeting_line(report)) }
                @if report.closed_at.is_none() { p.notice { (text.provisional) } }
                @if let Some(warning) = &text.personal_data { p.notice.personal-data { strong { (warning) } } }
            }
            table.attendance {
                thead { tr {
                    th scope="col" { (text.col_number) } th scope="col" { (text.col_name) }
                    th scope="col" { (text.col_organisation) } th scope="col" { (text.col_country) }
                    th scope="col" { (text.col_role) } th scope="col" { (text.col_time) }
                    th scope="col" { (text.col_presence) } th scope="col" { (text.col_attestation) }
                } }
                tbody {
                    @for (n, a) in numbered(report) {
                        tr.struck[a.struck] {
                            td { (text.number_cell(n)) }
                            td { (field(a, "name", text)) }
                            td { (field(a, "organization", text)) }
                            td { (field(a, "country", text)) }
                            td { (text.role_cell(a)) }
                            td { (text.time_cell(a)) }
                            td { (text.presence(&a.presence)) }
                            td.mono { (a.id) }
                        }
                    }
                }
            }
            @if let Some(table) = session_table(report, text) {
                section #sessions {
                    h2 { (text.sessions_heading) }
                    table.attendance {
                        thead { tr {
                            th scope="col" { (text.col_name) }
                            @for (_, name) in &table.columns { th scope="col" { (name) } }
                        } }
                        tbody {
                            @for (person, at) in &table.people {
                                tr {
                                    th scope="row" { (person) }
                                    @for here in at { td { @if *here { span role="img" aria-label=(text.session_present) { "✓" } } } }
                                }
                            }
                        }
                        tfoot { tr {
                            th scope="row" { (text.session_total) }
                            @for n in &table.totals { td { (n) } }
                        } }
                    }
                }
            }
            @if !report.amendments.is_empty() {
                section #amendments {
                    h2 { (text.amendments_heading) }
                    ul { @for line in text.amendments(report) { li { (line) } } }
                }
            }
            @if !report.delegations.is_empty() {
                section #delegations {
                    h2 { (text.delegations_heading) }
                    ul { @for line in text.delegations(report) { li { (line) } } }
                }
            }
            @if let Some(absent) = &text.expected_absent {
                section #expected-absent {
                    h2 { (text.absent_heading) }
                    p.notice { (text.absent_note) }
                    ul { @for line in absent { li { (line) } } }
                }
            }
            @if !report.notes.is_empty() {
                h2 { (text.notes_heading) }
                @for n in &report.notes { blockquote { p { (n.text) } footer { (n.recorded_by) ", " (n.recorded_at) } } }
            }
            section.verify {
                h2 { (text.verification_heading) }
                div.verify-grid {
                    div role="img" aria-label=(text.qr_label) { (PreEscaped(qr)) }
                    dl.facts {
                        dt { (text.check_ins) } dd #check-ins { (text.count(report)) }
                        @if let Some(counts) = text.roster_counts_value(report) { dt { (text.roster_counts) } dd { (counts) } }
                        dt { (text.log) } dd.mono { (cp.map_or("", |c| c.origin.as_str())) }
                        dt { (text.checkpoint) } dd.mono { (text.size) " " (cp.map_or(0, |c| c.size)) ", " (text.root) " " (cp.map_or("", |c| c.root.as_str())) }
                        dt { (text.signed_by) } dd.mono { (signer) }
                        dt { (text.code) } dd.mono { @for c in &report.codes { (c.title) " sha256:" (c.sha256) } }
                    }
                }
                p { (text.verify_json) " " code { "rollcall verify LIST.json --key " (signer) } "." }
                @if let Some(page) = &text.verify_page { p #verify-page { (page) } }
            }
            section.annex {
                h2 { (text.annex_heading) }
                @for t in &bundle.codes { div.code { (code_html(t)) } }
            }
        },
    )
    .into_string()
}
