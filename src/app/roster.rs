//! The expected participants: a secretary imports the roster, sees who is
//! expected and not yet checked in, confirms or rejects doubtful matches,
//! reads the delegations present and signs a snapshot of them. The log
//! commits to the roster's size and digest, never to its rows; closing a
//! meeting with a roster records its counts in a close/v2.

use std::collections::{BTreeMap, HashMap, HashSet};

use time::OffsetDateTime;

use super::{Actor, App, Error};
use crate::meeting_state::MeetingState;
use crate::roster::{clean, key, Expected, RefusedRow, Roster, RosterError};
use crate::store::roster::{Decision, StoredRoster};
use crate::store::EntryRow;
use crate::trust::disclosure::Disclosure;
use crate::trust::statement::{Delegation, Predicate, RollcallStatement, RosterCounts};
use crate::writer::{SecretaryEntry, WriteError};

/// How many times counts are taken again when check-ins keep arriving.
const TRIES: usize = 20;

/// What an import did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterImported {
    pub size: u64,
    /// SHA-256 of the canonical form, lowercase hex.
    pub sha256: String,
    /// The roster entry committing to it (`None` while the meeting is a
    /// draft: it is committed when the meeting opens).
    pub index: Option<u64>,
    /// Rows of the file not imported, and why.
    pub refused: Vec<RefusedRow>,
}

/// A check-in that counts (not struck), with its current values (the
/// secretary's corrections applied).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Present {
    pub index: u64,
    pub name: String,
    pub organization: String,
    pub country: String,
    pub email: Option<String>,
    pub role: String,
    /// Its presence method is `remote`.
    pub remote: bool,
}

/// What the committed log says that matters to the roster.
#[derive(Clone, Debug, Default)]
struct LogFacts {
    size: u64,
    present: Vec<Present>,
    /// The latest roster entry: its index, size and digest.
    roster: Option<(u64, u64, String)>,
}

fn values(disclosures: &str) -> BTreeMap<String, String> {
    serde_json::from_str::<Vec<String>>(disclosures)
        .unwrap_or_default()
        .iter()
        .filter_map(|d| Disclosure::parse(d).ok())
        .map(|d| (d.field, d.value))
        .collect()
}

fn facts(entries: &[EntryRow]) -> LogFacts {
    let mut f = LogFacts {
        size: entries.len() as u64,
        ..LogFacts::default()
    };
    let mut at: HashMap<u64, usize> = HashMap::new();
    let mut struck = HashSet::new();
    for e in entries {
        let Ok(s) = RollcallStatement::parse(&e.payload) else {
            continue;
        };
        let v = values(&e.disclosures);
        match s.predicate {
            Predicate::CheckIn(p) => {
                let method = serde_json::to_value(&p.presence)
                    .ok()
                    .and_then(|m| m.get("method")?.as_str().map(str::to_owned));
                at.insert(e.idx, f.present.len());
                f.present.push(Present {
                    index: e.idx,
                    name: v.get("name").cloned().unwrap_or_default(),
                    organization: v.get("organization").cloned().unwrap_or_default(),
                    country: v.get("country").cloned().unwrap_or_default(),
                    email: v.get("email").cloned(),
                    role: p.attendee.role,
                    remote: method.as_deref() == Some("remote"),
                });
            }
            Predicate::Amendment(a) => {
                let Some(&i) = at.get(&a.amends.index) else {
                    continue;
                };
                if a.action == crate::trust::statement::AmendAction::Strike {
                    struck.insert(a.amends.index);
                }
                let p = &mut f.present[i];
                if let Some(role) = a.role {
                    p.role = role;
                }
                for (field, value) in v {
                    match field.as_str() {
                        "name" => p.name = value,
                        "organization" => p.organization = value,
                        "country" => p.country = value,
                        _ => {}
                    }
                }
            }
            Predicate::Roster(r) => f.roster = Some((e.idx, r.size, r.sha256.to_string())),
            _ => {}
        }
    }
    f.present.retain(|p| !struck.contains(&p.index));
    f
}

/// How a roster row was matched to a check-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchedBy {
    Email,
    NameAndOrganization,
    /// The secretary confirmed it.
    Secretary,
}

/// Where a roster row stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowStatus {
    /// Checked in: the check-in's index.
    Present { check_in: u64, by: MatchedBy },
    /// Not matched, but this check-in has the same name: the secretary
    /// confirms or rejects it.
    Doubtful { check_in: u64 },
    /// Expected and not (yet) checked in.
    Absent,
}

/// One roster row and where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowView {
    pub row_no: u64,
    /// `None` once erased.
    pub expected: Option<Expected>,
    pub status: RowStatus,
}

/// The roster against the check-ins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RosterView {
    pub sha256: String,
    pub imported_by: String,
    pub imported_at: OffsetDateTime,
    /// The log commits to this roster (its latest roster entry).
    pub committed: bool,
    pub rows: Vec<RowView>,
    /// Check-ins that count and match no row.
    pub walk_ins: Vec<Present>,
    pub counts: RosterCounts,
    /// The log's size the view was taken at.
    log_size: u64,
}

/// Matches rows to check-ins: the secretary's confirmations first, then
/// the same email, then the same name and organisation; a row and a
/// check-in with only the same name are a doubtful match, unless the
/// secretary rejected it.
fn matching(
    roster: &StoredRoster,
    present: &[Present],
    decisions: &[(u64, u64, Decision)],
) -> (Vec<RowView>, Vec<Present>, RosterCounts) {
    let mut by_row: HashMap<u64, (u64, MatchedBy)> = HashMap::new();
    let mut taken: HashSet<u64> = HashSet::new();
    let here: HashSet<u64> = present.iter().map(|p| p.index).collect();
    let rejected: HashSet<(u64, u64)> = decisions
        .iter()
        .filter(|d| d.2 == Decision::Rejected)
        .map(|d| (d.0, d.1))
        .collect();
    for &(row, ci, d) in decisions {
        if d == Decision::Confirmed
            && here.contains(&ci)
            && !taken.contains(&ci)
            && !by_row.contains_key(&row)
        {
            by_row.insert(row, (ci, MatchedBy::Secretary));
            taken.insert(ci);
        }
    }
    type Key = fn(&Expected, &Present) -> bool;
    let rules: [(MatchedBy, Key); 2] = [
        (MatchedBy::Email, |r, p| {
            r.email.is_some() && p.email.as_deref().map(|e| e.trim().to_lowercase()) == r.email
        }),
        (MatchedBy::NameAndOrganization, |r, p| {
            key(&r.name) == key(&p.name) && key(&r.organization) == key(&p.organization)
        }),
    ];
    for (by, same) in rules {
        for (row_no, r) in &roster.rows {
            let Some(r) = r else { continue };
            if by_row.contains_key(row_no) {
                continue;
            }
            if let Some(p) = present.iter().find(|p| {
                !taken.contains(&p.index) && !rejected.contains(&(*row_no, p.index)) && same(r, p)
            }) {
                by_row.insert(*row_no, (p.index, by));
                taken.insert(p.index);
            }
        }
    }
    let rows: Vec<RowView> = roster
        .rows
        .iter()
        .map(|(row_no, r)| {
            let status = if let Some(&(check_in, by)) = by_row.get(row_no) {
                RowStatus::Present { check_in, by }
            } else if let Some(p) = r.as_ref().and_then(|r| {
                present.iter().find(|p| {
                    !taken.contains(&p.index)
                        && !rejected.contains(&(*row_no, p.index))
                        && !p.name.is_empty()
                        && key(&p.name) == key(&r.name)
                })
            }) {
                RowStatus::Doubtful { check_in: p.index }
            } else {
                RowStatus::Absent
            };
            RowView {
                row_no: *row_no,
                expected: r.clone(),
                status,
            }
        })
        .collect();
    // A check-in not taken by a row is a walk-in, unless its attendee was
    // already counted (they check in once per session): the person a row
    // was matched to, or a walk-in already listed. Those are repeats.
    let same_person = |a: &Present, b: &Present| {
        (a.email.is_some()
            && a.email.as_deref().map(|e| e.trim().to_lowercase())
                == b.email.as_deref().map(|e| e.trim().to_lowercase()))
            || (!a.name.is_empty()
                && key(&a.name) == key(&b.name)
                && key(&a.organization) == key(&b.organization))
    };
    let counted: Vec<&Present> = present
        .iter()
        .filter(|p| taken.contains(&p.index))
        .collect();
    let mut walk_ins: Vec<Present> = Vec::new();
    let mut repeats = 0u64;
    for p in present.iter().filter(|p| !taken.contains(&p.index)) {
        if counted.iter().any(|c| same_person(c, p)) || walk_ins.iter().any(|w| same_person(w, p)) {
            repeats += 1;
        } else {
            walk_ins.push(p.clone());
        }
    }
    let remote = present.iter().filter(|p| p.remote).count() as u64;
    let matched = by_row.len() as u64;
    let expected = roster.size;
    let counts = RosterCounts {
        expected,
        present_room: present.len() as u64 - remote,
        present_remote: remote,
        absent: expected.saturating_sub(matched),
        walk_ins: walk_ins.len() as u64,
        repeats,
    };
    (rows, walk_ins, counts)
}

/// The roster of meeting `id` against its check-ins, from the store (the
/// command line's export reads it too).
pub async fn roster_view(store: &crate::store::Store, id: &str) -> Result<RosterView, Error> {
    let stored = store.roster(id).await?.ok_or(Error::NoRoster)?;
    let facts = facts(&store.entries(id).await?);
    let decisions: Vec<(u64, u64, Decision)> = store
        .match_decisions(id)
        .await?
        .into_iter()
        .map(|d| (d.row_no, d.check_in, d.decision))
        .collect();
    let (rows, walk_ins, counts) = matching(&stored, &facts.present, &decisions);
    Ok(RosterView {
        committed: facts.roster.as_ref().map(|r| &r.2) == Some(&stored.sha256),
        sha256: stored.sha256,
        imported_by: stored.imported_by,
        imported_at: stored.imported_at,
        rows,
        walk_ins,
        counts,
        log_size: facts.size,
    })
}

/// The roster's rows matched to no check-in, one line each ("name,
/// organisation, country (role)"), for the printed list; `None` without a
/// roster. Never an email.
pub async fn expected_absent(
    store: &crate::store::Store,
    id: &str,
) -> Result<Option<Vec<String>>, Error> {
    match roster_view(store, id).await {
        Ok(v) => Ok(Some(
            v.rows
                .iter()
                .filter(|r| !matches!(r.status, RowStatus::Present { .. }))
                .filter_map(|r| r.expected.as_ref())
                .map(|e| {
                    format!(
                        "{}, {}, {} ({})",
                        e.name,
                        e.organization,
                        e.country,
                        crate::i18n::t(&format!("role.{}", e.role.as_str()))
                    )
                })
                .collect(),
        )),
        Err(Error::NoRoster) => Ok(None),
        Err(e) => Err(e),
    }
}

/// One delegation present, for the chair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DelegationSummary {
    /// The country or national body as the attendees gave it ([`clean`]).
    pub country: String,
    pub present: u64,
    /// The check-ins of its head(s) of delegation.
    pub heads: Vec<Present>,
    /// Rows of the roster with this country (0 without a roster).
    pub expected: u64,
}

fn delegations(present: &[Present], roster: Option<&StoredRoster>) -> Vec<DelegationSummary> {
    let mut groups: BTreeMap<String, DelegationSummary> = BTreeMap::new();
    for p in present {
        let country = clean(&p.country);
        if country.is_empty() {
            continue;
        }
        let g = groups
            .entry(country.clone())
            .or_insert_with(|| DelegationSummary {
                country,
                present: 0,
                heads: Vec::new(),
                expected: 0,
            });
        g.present += 1;
        if p.role == crate::role::Role::HeadOfDelegation.as_str() {
            g.heads.push(p.clone());
        }
    }
    for (_, r) in roster.map_or(&[][..], |r| &r.rows[..]) {
        if let Some(g) = r.as_ref().and_then(|r| groups.get_mut(&clean(&r.country))) {
            g.expected += 1;
        }
    }
    groups.into_values().collect()
}

impl App {
    async fn log_facts(&self, id: &str) -> Result<LogFacts, Error> {
        Ok(facts(&self.store.entries(id).await?))
    }

    /// Imports the roster of the draft or open meeting `id` from the
    /// registration system's CSV, replacing any earlier one. An open
    /// meeting's log commits to it at once; a draft's, when it opens.
    pub async fn import_roster(
        &self,
        id: &str,
        csv: &str,
        by: &Actor,
        now: OffsetDateTime,
    ) -> Result<RosterImported, Error> {
        let meeting = self.meeting(id).await?;
        if meeting.state == MeetingState::Closed {
            return Err(Error::Write(WriteError::Closed));
        }
        let (roster, refused) = Roster::parse_csv(csv)?;
        self.store
            .replace_roster(id, &roster, &by.recorded_as(), now)
            .await?;
        let index = if meeting.state == MeetingState::Open {
            self.commit_roster(id, by).await?
        } else {
            None
        };
        tracing::info!(meeting = %id, by = %by, rows = roster.rows().len(), refused = refused.len(), "roster imported");
        Ok(RosterImported {
            size: roster.rows().len() as u64,
            sha256: roster.sha256().to_string(),
            index,
            refused,
        })
    }

    /// Appends a roster entry committing to the stored roster unless the
    /// log's latest roster entry already does; returns its index.
    pub async fn commit_roster(&self, id: &str, by: &Actor) -> Result<Option<u64>, Error> {
        let Some(stored) = self.store.roster(id).await? else {
            return Ok(None);
        };
        let facts = self.log_facts(id).await?;
        if let Some((idx, _, sha)) = &facts.roster {
            if *sha == stored.sha256 {
                return Ok(Some(*idx));
            }
        }
        let sha256 = crate::trust::digest::Sha256Digest::parse(&stored.sha256)
            .ok_or_else(|| Error::Internal("the stored roster digest is not hex".into()))?;
        let idx = self
            .writer
            .secretary_entry(
                id,
                SecretaryEntry::Roster {
                    by: by.recorded_as(),
                    size: stored.size,
                    sha256,
                },
            )
            .await?;
        self.store.roster_committed(id, &stored.sha256, idx).await?;
        Ok(Some(idx))
    }

    /// The roster of meeting `id` against its check-ins.
    pub async fn roster_view(&self, id: &str) -> Result<RosterView, Error> {
        self.meeting(id).await?;
        roster_view(&self.store, id).await
    }

    /// The secretary confirms (or rejects) that roster row `row_no` and the
    /// check-in at `check_in` are the same person.
    pub async fn decide_match(
        &self,
        id: &str,
        row_no: u64,
        check_in: u64,
        confirm: bool,
        by: &Actor,
        now: OffsetDateTime,
    ) -> Result<(), Error> {
        let meeting = self.meeting(id).await?;
        let stored = self.store.roster(id).await?.ok_or(Error::NoRoster)?;
        if !stored.rows.iter().any(|(n, _)| *n == row_no) {
            return Err(Error::NoSuchRosterRow(row_no));
        }
        if meeting.state == MeetingState::Closed {
            return Err(Error::Write(WriteError::Closed));
        }
        let facts = self.log_facts(id).await?;
        if !facts.present.iter().any(|p| p.index == check_in) {
            return Err(Error::NotPresent(check_in));
        }
        let decision = if confirm {
            Decision::Confirmed
        } else {
            Decision::Rejected
        };
        self.store
            .decide_match(id, row_no, check_in, decision, &by.recorded_as(), now)
            .await?;
        Ok(())
    }

    /// The canonical form of the meeting's roster: the exact bytes whose
    /// SHA-256 the log commits to.
    pub async fn roster_canonical(&self, id: &str) -> Result<Vec<u8>, Error> {
        self.meeting(id).await?;
        let stored = self.store.roster(id).await?.ok_or(Error::NoRoster)?;
        let rows: Option<Vec<Expected>> = stored.rows.into_iter().map(|(_, r)| r).collect();
        let rows = rows.ok_or(Error::RosterErased)?;
        if rows.len() as u64 != stored.size {
            return Err(Error::RosterErased);
        }
        Ok(Roster::from_rows(rows).canonical())
    }

    /// The roster's rows matched to no check-in, one line each ("name,
    /// organisation, country (role)"), for the printed list; `None`
    /// without a roster. Never an email.
    pub async fn expected_absent(&self, id: &str) -> Result<Option<Vec<String>>, Error> {
        expected_absent(&self.store, id).await
    }

    /// The delegations present in meeting `id`, by country or national
    /// body, with their heads of delegation.
    pub async fn delegations(&self, id: &str) -> Result<Vec<DelegationSummary>, Error> {
        self.meeting(id).await?;
        let stored = self.store.roster(id).await?;
        let facts = self.log_facts(id).await?;
        Ok(delegations(&facts.present, stored.as_ref()))
    }

    /// Signs a snapshot of the delegations present now into the open
    /// meeting's log; returns its index and the delegations.
    pub async fn snapshot_delegations(
        &self,
        id: &str,
        by: &Actor,
    ) -> Result<(u64, Vec<DelegationSummary>), Error> {
        self.meeting(id).await?;
        for _ in 0..TRIES {
            let facts = self.log_facts(id).await?;
            let groups = delegations(&facts.present, None);
            let signed = groups
                .iter()
                .map(|g| Delegation {
                    country: g.country.clone(),
                    present: g.present,
                    heads: g.heads.iter().map(|h| h.index).collect(),
                })
                .collect();
            match self
                .writer
                .secretary_entry(
                    id,
                    SecretaryEntry::Delegations {
                        by: by.recorded_as(),
                        delegations: signed,
                        size: facts.size,
                    },
                )
                .await
            {
                Err(WriteError::Moved) => tokio::task::yield_now().await,
                r => return Ok((r?, groups)),
            }
        }
        Err(Error::Write(WriteError::Moved))
    }

    /// Closes a meeting that has a roster: commits the roster if its log
    /// does not yet, then signs a close/v2 with the counts, taken again if
    /// entries arrive meanwhile.
    pub(super) async fn close_with_roster(&self, id: &str, by: &Actor) -> Result<String, Error> {
        self.commit_roster(id, by).await?;
        for _ in 0..TRIES {
            let view = self.roster_view(id).await?;
            if !view.committed {
                // Imported again meanwhile: the log commits to it first.
                self.commit_roster(id, by).await?;
                continue;
            }
            match self
                .writer
                .close_counting(id, view.counts, view.log_size)
                .await
            {
                Err(WriteError::Moved) => tokio::task::yield_now().await,
                r => return Ok(r?),
            }
        }
        Err(Error::Write(WriteError::Moved))
    }
}

impl From<RosterError> for Error {
    fn from(e: RosterError) -> Self {
        Error::Roster(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::role::Role;

    fn expected(name: &str, org: &str, email: Option<&str>) -> Option<Expected> {
        Some(Expected {
            name: name.into(),
            organization: org.into(),
            country: "CH / SNV".into(),
            role: Role::Delegate,
            email: email.map(str::to_owned),
        })
    }

    fn present(index: u64, name: &str, org: &str, email: Option<&str>, remote: bool) -> Present {
        Present {
            index,
            name: name.into(),
            organization: org.into(),
            country: "CH / SNV".into(),
            email: email.map(str::to_owned),
            role: "delegate".into(),
            remote,
        }
    }

    fn roster(rows: Vec<Option<Expected>>) -> StoredRoster {
        StoredRoster {
            size: rows.len() as u64,
            sha256: String::new(),
            imported_by: String::new(),
            imported_at: OffsetDateTime::UNIX_EPOCH,
            committed_idx: None,
            rows: rows
                .into_iter()
                .enumerate()
                .map(|(i, r)| (i as u64 + 1, r))
                .collect(),
        }
    }

    #[test]
    fn someone_at_two_sessions_is_counted_once_and_their_second_check_in_is_a_repeat() {
        let r = roster(vec![
            expected("Ada Lovelace", "BSI", Some("ada@example.org")),
            expected("Bo Li", "SAC", None),
        ]);
        let p = vec![
            present(2, "Ada Lovelace", "BSI", Some("ada@example.org"), false),
            present(3, "Walk In", "DIN", None, false),
            // The next session: Ada again (remotely), and the walk-in again.
            present(5, "Ada Lovelace", "BSI", Some("ada@example.org"), true),
            present(6, "walk in", "din", None, false),
        ];
        let (rows, walk_ins, counts) = matching(&r, &p, &[]);
        assert_eq!(
            rows[0].status,
            RowStatus::Present {
                check_in: 2,
                by: MatchedBy::Email
            }
        );
        assert_eq!(walk_ins.iter().map(|p| p.index).collect::<Vec<_>>(), [3]);
        assert_eq!(
            counts,
            RosterCounts {
                expected: 2,
                present_room: 3,
                present_remote: 1,
                absent: 1,
                walk_ins: 1,
                repeats: 2
            }
        );
        assert!(counts.consistent());
    }

    #[test]
    fn email_then_name_and_organisation_match_and_the_same_name_alone_is_doubtful_until_decided() {
        let r = roster(vec![
            expected("Ada Lovelace", "BSI", Some("ada@example.org")),
            expected("Alan  Turing", "bsi", None),
            expected("Grace Hopper", "ANSI", None),
            expected("Absent Person", "JISC", None),
        ]);
        let p = vec![
            // Another name, the same email: the email decides.
            present(1, "A. Lovelace", "BSI", Some("ADA@example.org"), false),
            present(2, "alan turing", "BSI", None, true),
            present(3, "Grace Hopper", "US Navy", None, false),
            present(4, "Walk In", "DIN", None, false),
        ];
        let (rows, walk_ins, counts) = matching(&r, &p, &[]);
        assert_eq!(
            rows.iter().map(|r| r.status).collect::<Vec<_>>(),
            [
                RowStatus::Present {
                    check_in: 1,
                    by: MatchedBy::Email
                },
                RowStatus::Present {
                    check_in: 2,
                    by: MatchedBy::NameAndOrganization
                },
                RowStatus::Doubtful { check_in: 3 },
                RowStatus::Absent,
            ]
        );
        assert_eq!(walk_ins.iter().map(|p| p.index).collect::<Vec<_>>(), [3, 4]);
        assert_eq!(
            counts,
            RosterCounts {
                expected: 4,
                present_room: 3,
                present_remote: 1,
                absent: 2,
                walk_ins: 2,
                repeats: 0
            }
        );
        assert!(counts.consistent());

        let (rows, _, counts) = matching(&r, &p, &[(3, 3, Decision::Confirmed)]);
        assert_eq!(
            rows[2].status,
            RowStatus::Present {
                check_in: 3,
                by: MatchedBy::Secretary
            }
        );
        assert_eq!((counts.absent, counts.walk_ins), (1, 1));
        let (rows, _, _) = matching(&r, &p, &[(3, 3, Decision::Rejected)]);
        assert_eq!(
            rows[2].status,
            RowStatus::Absent,
            "a rejected pair is not suggested again"
        );
    }

    #[test]
    fn an_erased_row_counts_only_through_its_confirmed_match_and_a_struck_check_in_not_at_all() {
        let r = roster(vec![None, expected("Bo", "X", None)]);
        let p = vec![present(1, "", "", None, false)];
        let (rows, _, counts) = matching(
            &r,
            &p,
            &[(1, 1, Decision::Confirmed), (2, 9, Decision::Confirmed)],
        );
        assert_eq!(
            rows[0].status,
            RowStatus::Present {
                check_in: 1,
                by: MatchedBy::Secretary
            }
        );
        assert_eq!(
            rows[1].status,
            RowStatus::Absent,
            "check-in 9 does not count"
        );
        assert_eq!((counts.absent, counts.walk_ins), (1, 0));
    }

    #[test]
    fn delegations_group_by_the_exact_cleaned_country_with_their_heads() {
        let mut head = present(2, "Ada", "BSI", None, false);
        head.role = "head-of-delegation".into();
        head.country = " United  Kingdom (BSI) ".into();
        let mut other = present(3, "Alan", "BSI", None, false);
        other.country = "United Kingdom (BSI)".into();
        let mut lower = present(4, "Bo", "BSI", None, false);
        lower.country = "united kingdom (bsi)".into();
        let mut none = present(5, "Cy", "X", None, false);
        none.country = String::new();
        let d = delegations(&[head, other, lower, none], None);
        assert_eq!(
            d.iter()
                .map(|g| (g.country.as_str(), g.present, g.heads.len()))
                .collect::<Vec<_>>(),
            [
                ("United Kingdom (BSI)", 2, 1),
                ("united kingdom (bsi)", 1, 0)
            ]
        );
    }
}
