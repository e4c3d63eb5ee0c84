//! What leaves the server: bundles, receipts, CSV attendance lists and
//! the printable list (HTML and PDF), assembled from the stored log.

pub mod fonts;
pub mod html;
pub mod pdf;

use std::fmt::Write as _;

use crate::store::{EntryRow, Store, StoreError};
use crate::trust::bundle::{Bundle, Entry, Receipt};
use crate::trust::keys::PublicKey;
use crate::trust::log_core;
use crate::trust::merkle::Tree;
use crate::trust::verify::{verify_bundle, Options, Report};
use crate::writer::Logs;

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("there is no meeting with this id")]
    UnknownMeeting,
    #[error("there is no receipt with this id")]
    UnknownReceipt,
    #[error("the meeting has not been opened, so there is no list yet")]
    NotOpened,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("stored entry {0} is corrupt")]
    Corrupt(u64),
}

fn entry(row: &EntryRow) -> Result<Entry, ExportError> {
    Ok(Entry {
        envelope: row.envelope(),
        disclosures: serde_json::from_str(&row.disclosures)
            .map_err(|_| ExportError::Corrupt(row.idx))?,
        erased: serde_json::from_str(&row.erased).map_err(|_| ExportError::Corrupt(row.idx))?,
    })
}

/// The signed attendance list as of the latest checkpoint.
pub async fn bundle(
    store: &Store,
    logs: &Logs,
    keys: &[PublicKey],
    meeting_id: &str,
) -> Result<Bundle, ExportError> {
    let meeting = store
        .meeting(meeting_id)
        .await?
        .ok_or(ExportError::UnknownMeeting)?;
    let checkpoints = store.checkpoints(meeting_id).await?;
    let Some(size) = checkpoints.last().map(|c| c.size) else {
        return Err(ExportError::NotOpened);
    };
    let rows = store.entries(meeting_id).await?;
    let entries: Vec<Entry> = rows
        .iter()
        .take(size as usize)
        .map(entry)
        .collect::<Result<_, _>>()?;
    let tree = logs.covering(store, meeting_id, size).await?;
    let code = store
        .code(&meeting.code_sha256)
        .await?
        .ok_or(ExportError::UnknownMeeting)?;
    // Every version the meeting offered (its translations follow the
    // original), so each acknowledged text can be checked offline.
    let mut codes = vec![code.text];
    for v in meeting.versions.iter().skip(1) {
        if let Some(c) = store.code(&v.sha256).await? {
            codes.push(c.text);
        }
    }
    let tree = tree.read().map_err(|_| ExportError::Corrupt(0))?;
    log_core::bundle(codes, entries, &checkpoints, &tree, keys).ok_or(ExportError::NotOpened)
}

/// An attendee's receipt, proven against the latest checkpoint covering it
/// (without proof while no checkpoint covers it yet).
pub async fn receipt(
    store: &Store,
    logs: &Logs,
    keys: &[PublicKey],
    receipts: &crate::receipt_id::ReceiptIds,
    receipt_id: &str,
) -> Result<(Receipt, EntryRow), ExportError> {
    let (meeting_id, idx) = receipts
        .parse(receipt_id)
        .ok_or(ExportError::UnknownReceipt)?;
    let row = store
        .entry(&meeting_id, idx)
        .await?
        .filter(|r| r.kind == "check-in")
        .ok_or(ExportError::UnknownReceipt)?;
    let e = entry(&row)?;
    let checkpoints = store.checkpoints(&row.meeting_id).await?;
    // The tree is needed only for a proof.
    let latest = checkpoints.last().map_or(0, |c| c.size);
    let receipt = if latest > row.idx {
        let tree = logs.covering(store, &row.meeting_id, latest).await?;
        let tree = tree.read().map_err(|_| ExportError::Corrupt(row.idx))?;
        log_core::receipt(e, row.idx, &checkpoints, &tree, keys)
    } else {
        log_core::receipt(e, row.idx, &checkpoints, &Tree::default(), keys)
    };
    Ok((receipt, row))
}

/// Verifies a bundle against the server's own keys (for lists and CSV).
pub fn verified(bundle: &Bundle, keys: &[PublicKey]) -> Report {
    verify_bundle(
        bundle,
        &Options {
            pinned: keys.to_vec(),
            ..Options::default()
        },
    )
}

/// Every label of the printable list (HTML and PDF), in one language,
/// taken from that language's translation file (`list.*` keys).
#[derive(Debug, Clone)]
pub struct ListText {
    /// BCP 47 tag of the list's language.
    pub lang: String,
    ui: crate::i18n::Lang,
    pub title_prefix: String,
    pub provisional: String,
    pub col_number: String,
    pub col_name: String,
    pub col_organisation: String,
    pub col_country: String,
    pub col_role: String,
    pub col_time: String,
    pub col_presence: String,
    pub col_attestation: String,
    pub withheld: String,
    pub erased: String,
    pub not_given: String,
    /// Set on copies that carry every field (the secretary's archive): said
    /// on the first page.
    pub personal_data: Option<String>,
    pub notes_heading: String,
    pub verification_heading: String,
    pub check_ins: String,
    pub log: String,
    pub checkpoint: String,
    pub size: String,
    pub root: String,
    pub signed_by: String,
    pub code: String,
    pub qr_label: String,
    pub verify_json: String,
    pub verify_pdf: String,
    /// Where the verify page is ("Or check it in a browser … : URL"), when
    /// a server printed the list.
    pub verify_page: Option<String>,
    pub annex_heading: String,
    pub page_of: String,
    /// After a value an amendment corrected.
    pub corrected: String,
    /// In the number column of a check-in struck as recorded in error.
    pub struck: String,
    pub amendments_heading: String,
    pub sessions_heading: String,
    pub session_total: String,
    pub session_present: String,
    pub no_session: String,
    pub delegations_heading: String,
    pub absent_heading: String,
    /// Under the "expected but absent" heading: whose record it is.
    pub absent_note: String,
    pub roster_counts: String,
    /// The roster's rows matched to no check-in, one line each (set by
    /// [`with_expected_absent`](Self::with_expected_absent) when the
    /// meeting has a roster): the secretary's record, never signed.
    pub expected_absent: Option<Vec<String>>,
}

impl ListText {
    /// The list in English.
    pub fn english() -> Self {
        Self::for_language(crate::i18n::Lang::default_lang())
    }

    /// The list in one of the interface languages.
    pub fn for_language(ui: crate::i18n::Lang) -> Self {
        let s = |key: &str| ui.t(&format!("list.{key}")).to_owned();
        Self {
            lang: ui.tag().to_owned(),
            ui,
            title_prefix: s("title_prefix"),
            provisional: s("provisional"),
            col_number: s("col_number"),
            col_name: s("col_name"),
            col_organisation: s("col_organisation"),
            col_country: s("col_country"),
            col_role: s("col_role"),
            col_time: s("col_time"),
            col_presence: s("col_presence"),
            col_attestation: s("col_attestation"),
            withheld: s("withheld"),
            erased: s("erased"),
            not_given: s("not_given"),
            personal_data: None,
            notes_heading: s("notes_heading"),
            verification_heading: s("verification_heading"),
            check_ins: s("check_ins"),
            log: s("log"),
            checkpoint: s("checkpoint"),
            size: s("size"),
            root: s("root"),
            signed_by: s("signed_by"),
            code: s("code"),
            qr_label: s("qr_label"),
            verify_json: s("verify_json"),
            verify_pdf: s("verify_pdf"),
            verify_page: None,
            annex_heading: s("annex_heading"),
            page_of: s("page_of"),
            corrected: s("corrected"),
            struck: s("struck"),
            amendments_heading: s("amendments_heading"),
            sessions_heading: s("sessions_heading"),
            session_total: s("session_total"),
            session_present: s("session_present"),
            no_session: s("no_session"),
            delegations_heading: s("delegations_heading"),
            absent_heading: s("absent_heading"),
            absent_note: s("absent_note"),
            roster_counts: s("roster_counts"),
            expected_absent: None,
        }
    }

    /// The same labels for a copy made with `disclose`: an archive copy
    /// says on its first page that it contains personal data.
    #[must_use]
    pub fn disclosing(mut self, disclose: &crate::personal::Disclose) -> Self {
        self.personal_data = disclose
            .is_archive()
            .then(|| self.ui.t("list.personal_data").to_owned());
        self
    }

    /// The same labels, pointing the reader to the verify page at `url`.
    #[must_use]
    pub fn with_verify_page(mut self, url: String) -> Self {
        self.verify_page = Some(format!("{} {url}", self.ui.t("list.verify_page")));
        self
    }

    /// The same labels, with the roster's rows matched to no check-in.
    #[must_use]
    pub fn with_expected_absent(mut self, rows: Vec<String>) -> Self {
        self.expected_absent = Some(rows);
        self
    }

    /// What a close/v2 counted against the roster, in words.
    pub fn roster_counts_value(&self, report: &Report) -> Option<String> {
        let c = report.roster_counts?;
        let mut text = self.ui.f(
            "list.roster_counts_value",
            &[
                ("expected", &c.expected.to_string()),
                ("room", &c.present_room.to_string()),
                ("remote", &c.present_remote.to_string()),
                ("absent", &c.absent.to_string()),
                ("walk_ins", &c.walk_ins.to_string()),
            ],
        );
        if c.repeats > 0 {
            text.push_str(&self.ui.f(
                "list.roster_counts_repeats",
                &[("repeats", &c.repeats.to_string())],
            ));
        }
        Some(text)
    }

    /// Each signed delegation snapshot in words, heads of delegation by
    /// their check-in's id (never by name).
    pub fn delegations(&self, report: &Report) -> Vec<String> {
        let id_of = |index: u64| {
            report
                .attendees
                .iter()
                .find(|a| a.index == index)
                .map_or_else(|| format!("#{index}"), |a| a.id.clone())
        };
        report
            .delegations
            .iter()
            .map(|d| {
                let groups: Vec<String> = d
                    .delegations
                    .iter()
                    .map(|g| {
                        let mut s = format!("{} {}", g.country, g.present);
                        if !g.heads.is_empty() {
                            let ids: Vec<String> = g.heads.iter().map(|&h| id_of(h)).collect();
                            s.push_str(&format!(
                                " ({})",
                                self.ui
                                    .f("list.delegation_head", &[("ids", &ids.join(", "))])
                            ));
                        }
                        s
                    })
                    .collect();
                self.ui.f(
                    "list.delegations_line",
                    &[
                        ("at", &d.recorded_at),
                        ("n", &d.delegations.len().to_string()),
                        ("groups", &groups.join("; ")),
                        ("by", &d.recorded_by),
                    ],
                )
            })
            .collect()
    }

    /// A role's name in this language.
    pub fn role(&self, key: &str) -> String {
        match self.ui.t(&format!("role.{key}")) {
            "" => crate::fields::role_label(key).to_owned(),
            s => s.to_owned(),
        }
    }

    /// How presence was shown ("rotating QR code", …) in this language.
    pub fn presence(&self, label: &str) -> String {
        match self.ui.t(&format!("presence.{}", label.replace(' ', "_"))) {
            "" => label.to_owned(),
            s => s.to_owned(),
        }
    }

    /// The time column: date and time (UTC), and the timing when not on time.
    pub fn time_cell(&self, a: &crate::trust::verify::AttendeeRow) -> String {
        let t = a
            .checked_in_at
            .get(..19)
            .unwrap_or(&a.checked_in_at)
            .replace('T', " ");
        if a.timing == "on time" {
            t
        } else {
            let timing = match self.ui.t(&format!("timing.{}", a.timing.replace(' ', "_"))) {
                "" => a.timing,
                s => s,
            };
            format!("{t} ({timing})")
        }
    }

    /// The role column: the corrected role, marked, if an amendment
    /// corrected it.
    pub fn role_cell(&self, a: &crate::trust::verify::AttendeeRow) -> String {
        match a.corrected.get("role") {
            Some(r) => format!("{} ({})", self.role(r), self.corrected),
            None => self.role(&a.role),
        }
    }

    /// The number column: the row's place among the counted check-ins, or
    /// "struck".
    pub fn number_cell(&self, n: Option<usize>) -> String {
        n.map_or_else(|| self.struck.clone(), |n| n.to_string())
    }

    /// The check-ins counted (struck ones left out), with how many were in
    /// the room and how many remote, and how many were struck.
    pub fn count(&self, report: &Report) -> String {
        let struck = report.attendees.iter().filter(|a| a.struck).count();
        let split = self.ui.f(
            "list.check_ins_split",
            &[
                ("total", &(report.room + report.remote).to_string()),
                ("room", &report.room.to_string()),
                ("remote", &report.remote.to_string()),
            ],
        );
        if struck == 0 {
            split
        } else {
            self.ui.f(
                "list.count_struck",
                &[("n", &split), ("struck", &struck.to_string())],
            )
        }
    }

    /// Each amendment in words, in log order.
    pub fn amendments(&self, report: &Report) -> Vec<String> {
        report
            .amendments
            .iter()
            .map(|m| {
                let mut changes: Vec<String> =
                    m.fields.iter().map(|(f, v)| format!("{f} → {v}")).collect();
                if let Some(r) = &m.role {
                    changes.push(format!("role → {}", self.role(r)));
                }
                changes.extend(
                    m.withheld
                        .iter()
                        .map(|f| format!("{f} → {}", self.withheld)),
                );
                changes.extend(m.erased.iter().map(|f| format!("{f} → {}", self.erased)));
                let key = if m.action == "strike" {
                    "list.amendment_strike"
                } else {
                    "list.amendment_correct"
                };
                self.ui.f(
                    key,
                    &[
                        ("id", &m.amends_id),
                        ("changes", &changes.join("; ")),
                        ("reason", &m.reason),
                        ("by", &m.recorded_by),
                        ("at", &m.recorded_at),
                    ],
                )
            })
            .collect()
    }

    /// "page N of M".
    pub fn page(&self, n: usize, total: usize) -> String {
        self.page_of
            .replace("{n}", &n.to_string())
            .replace("{total}", &total.to_string())
    }
}

/// Attendance by session: who (each person once) was at which session,
/// and how many were at each. Struck check-ins are left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionTable {
    /// The columns: `None` for check-ins made before the first session
    /// opened (only when there are some), then each session's number and
    /// name, in the order they were opened.
    pub columns: Vec<(Option<u32>, String)>,
    /// Each person: how the list names them, and whether they checked in
    /// to each column.
    pub people: Vec<(String, Vec<bool>)>,
    /// Check-ins per column.
    pub totals: Vec<usize>,
}

/// The person × session table of a meeting with sessions (`None` without).
/// A person is their name and organisation as shown (corrected if an
/// amendment corrected them); an attendee whose name this copy withholds
/// stands alone, under their attestation id.
pub fn session_table(report: &Report, text: &ListText) -> Option<SessionTable> {
    if report.sessions.is_empty() {
        return None;
    }
    let counted: Vec<&crate::trust::verify::AttendeeRow> =
        report.attendees.iter().filter(|a| !a.struck).collect();
    let mut columns: Vec<(Option<u32>, String)> = Vec::new();
    if counted.iter().any(|a| a.session.is_none()) {
        columns.push((None, text.no_session.clone()));
    }
    columns.extend(
        report
            .sessions
            .iter()
            .map(|s| (Some(s.number), format!("{}. {}", s.number, s.name))),
    );
    let mut people: Vec<(String, Vec<bool>)> = Vec::new();
    let mut by_key: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut totals = vec![0; columns.len()];
    for a in counted {
        let Some(col) = columns.iter().position(|(n, _)| *n == a.session) else {
            continue;
        };
        let (key, label) = match (a.current("name"), a.current("organization")) {
            (Some(n), Some(o)) => (
                format!("{}\n{}", n.to_lowercase(), o.to_lowercase()),
                format!("{n}, {o}"),
            ),
            (Some(n), None) => (n.to_lowercase(), n.to_owned()),
            _ => (a.id.clone(), a.id.clone()),
        };
        let row = *by_key.entry(key).or_insert_with(|| {
            people.push((label, vec![false; columns.len()]));
            people.len() - 1
        });
        if !people[row].1[col] {
            people[row].1[col] = true;
            totals[col] += 1;
        }
    }
    Some(SessionTable {
        columns,
        people,
        totals,
    })
}

/// A cell of the list: a disclosed value, withheld from this copy, erased
/// for good, or never given.
pub enum Cell<'a> {
    Value(&'a str),
    /// A value a secretary's signed amendment corrected.
    Corrected(&'a str),
    Withheld,
    Erased,
    NotGiven,
}

/// One field of an attendee, telling a withheld field from a missing one.
pub fn cell<'a>(a: &'a crate::trust::verify::AttendeeRow, name: &str) -> Cell<'a> {
    if let Some(v) = a.corrected.get(name) {
        return Cell::Corrected(v);
    }
    match a.fields.get(name) {
        Some(v) => Cell::Value(v),
        None if a.withheld.iter().any(|w| w == name) => Cell::Withheld,
        None if a.erased.iter().any(|w| w == name) => Cell::Erased,
        None => Cell::NotGiven,
    }
}

/// The meeting line under the title: committee, location, dates and zone.
pub fn meeting_line(report: &Report) -> String {
    report.meeting.as_ref().map_or_else(String::new, |m| {
        format!(
            "{} · {} · {} – {} ({})",
            m.committee,
            m.location,
            crate::store::ts(m.starts_at),
            crate::store::ts(m.ends_at),
            m.timezone
        )
    })
}

/// What the list's QR code carries: what an auditor needs to find and
/// check the signed list.
pub fn audit_text(report: &Report) -> String {
    let cp = report.checkpoint.as_ref();
    let signer = cp.map_or("", |c| c.signer.as_str());
    format!(
        "rollcall-list\norigin={}\nsize={}\nroot={}\nkey={}\nverify: rollcall verify LIST.json --key {}",
        cp.map_or("", |c| c.origin.as_str()),
        cp.map_or(0, |c| c.size),
        cp.map_or("", |c| c.root.as_str()),
        signer,
        signer,
    )
}

/// The printable list as a PDF: the list, then the Code as an annex, with
/// the exact signed bundle `bundle_json` attached as
/// `attendance-bundle.json`.
pub fn list_pdf(
    bundle: &Bundle,
    report: &Report,
    bundle_json: &[u8],
    text: &ListText,
    fonts: &fonts::FontLibrary,
    now: time::OffsetDateTime,
) -> Result<Vec<u8>, pdf::PdfRenderError> {
    pdf::render(bundle, report, bundle_json, text, fonts, now)
}

/// Neutralises a cell a spreadsheet would run as a formula.
fn csv_cell(out: &mut String, value: &str) {
    let risky = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let v = if risky {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if v.contains([',', '"', '\n', '\r']) || risky {
        let _ = write!(out, "\"{}\"", v.replace('"', "\"\""));
    } else {
        out.push_str(&v);
    }
}

/// The attendance list as CSV (RFC 4180), from a verified report. Values
/// a secretary's amendment corrected are given as corrected, and named in
/// `corrected`; a check-in struck as recorded in error says so in `struck`.
pub fn csv(report: &Report) -> String {
    let mut out = String::from(
        "index,attestation_id,checked_in_at,name,organization,country,role,email,presence,language,timing,withheld,erased,corrected,struck,session\r\n",
    );
    for a in &report.attendees {
        let get = |f: &str| a.current(f).unwrap_or("").to_owned();
        let corrected: Vec<&str> = a.corrected.keys().map(String::as_str).collect();
        let cells = [
            a.index.to_string(),
            a.id.clone(),
            a.checked_in_at.clone(),
            get("name"),
            get("organization"),
            get("country"),
            get("role"),
            get("email"),
            a.presence.clone(),
            a.language.clone(),
            a.timing.to_owned(),
            a.withheld.join(" "),
            a.erased.join(" "),
            corrected.join(" "),
            if a.struck { "true" } else { "false" }.to_owned(),
            a.session.map(|n| n.to_string()).unwrap_or_default(),
        ];
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            csv_cell(&mut out, c);
        }
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        let mut s = String::new();
        csv_cell(&mut s, "=HYPERLINK(\"http://x\")");
        assert_eq!(s, "\"'=HYPERLINK(\"\"http://x\"\")\"");
        let mut s = String::new();
        csv_cell(&mut s, "Plain, name");
        assert_eq!(s, "\"Plain, name\"");
        let mut s = String::new();
        csv_cell(&mut s, "-1+1");
        assert_eq!(s, "\"'-1+1\"");
    }
}
