//! in-toto Statements v1 and rollcall's predicates.
//!
//! Every log entry is one statement whose subject is the Code document
//! (name and SHA-256 digest). The predicate type says what the entry records.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use time::OffsetDateTime;

use super::digest::Sha256Digest;

/// The in-toto Statement v1 type.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// Entry 0 of every log: the meeting itself.
pub const MEETING_PREDICATE: &str = "https://rollcall.dev/meeting/v1";
/// An attendee's check-in, as recorded before attendees could consent to
/// their email being shown on circulated lists. Still read, never written.
pub const CHECK_IN_PREDICATE: &str = "https://rollcall.dev/check-in/v1";
/// An attendee's check-in: v1 with `circulate`, the committed fields the
/// attendee agreed to have disclosed on circulated lists.
pub const CHECK_IN_PREDICATE_V2: &str = "https://rollcall.dev/check-in/v2";
/// An attendee's check-in during one of the meeting's sessions: v2 with
/// `session`, the number of the session open when it was made.
pub const CHECK_IN_PREDICATE_V3: &str = "https://rollcall.dev/check-in/v3";
/// A session of the meeting (a day, a morning) opened for check-in.
pub const SESSION_OPEN_PREDICATE: &str = "https://rollcall.dev/session-open/v1";
/// The open session closed, with the number of its check-ins.
pub const SESSION_CLOSE_PREDICATE: &str = "https://rollcall.dev/session-close/v1";
/// The secretary's notes on discussion of the Code, for the meeting report.
pub const NOTES_PREDICATE: &str = "https://rollcall.dev/notes/v1";
/// A secretary's correction of a check-in, or its striking as recorded in
/// error, naming the original entry.
pub const AMENDMENT_PREDICATE: &str = "https://rollcall.dev/amendment/v1";
/// The last entry of a closed meeting's log.
pub const CLOSE_PREDICATE: &str = "https://rollcall.dev/close/v1";
/// The close of a meeting with a roster: v1 with the roster's counts.
pub const CLOSE_PREDICATE_V2: &str = "https://rollcall.dev/close/v2";
/// The secretary's commitment to the roster of expected participants: its
/// size and the digest of its canonical form, never its rows.
pub const ROSTER_PREDICATE: &str = "https://rollcall.dev/roster/v1";
/// A snapshot of the delegations present, by country or national body.
pub const DELEGATIONS_PREDICATE: &str = "https://rollcall.dev/delegations/v1";

/// The attendee fields that are committed to, never signed in clear.
pub const COMMITTED_FIELDS: [&str; 4] = ["name", "organization", "country", "email"];

/// An in-toto Statement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Statement<P> {
    #[serde(rename = "_type")]
    pub type_: String,
    pub subject: Vec<Subject>,
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    pub predicate: P,
}

/// An in-toto ResourceDescriptor naming the Code document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    pub name: String,
    pub digest: SubjectDigest,
}

/// The subject's digest set; rollcall uses SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectDigest {
    pub sha256: Sha256Digest,
}

/// A meeting as the secretary scheduled it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    pub id: String,
    pub title: String,
    pub committee: String,
    pub location: String,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    /// IANA time zone name the meeting is scheduled in, e.g. `Europe/Geneva`.
    pub timezone: String,
}

/// How an attendee showed they were present.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "kebab-case", try_from = "PresenceWire")]
pub enum Presence {
    /// Scanned the rotating QR code; the token was valid in this window.
    RotatingQr {
        #[serde(with = "time::serde::rfc3339")]
        not_before: OffsetDateTime,
        #[serde(with = "time::serde::rfc3339")]
        not_after: OffsetDateTime,
    },
    /// Used the meeting's static link (e.g. printed on the agenda).
    StaticLink,
    /// Entered by a secretary on the attendee's behalf.
    RecordedBySecretary { recorded_by: String },
    /// Used the meeting's remote link (pasted in a video conference's
    /// chat): attended remotely, not in the room.
    Remote,
}

/// Presence as it is read: a flat object, which parses far faster than
/// serde's buffered internally tagged enums.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PresenceWire {
    method: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    not_before: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    not_after: Option<OffsetDateTime>,
    #[serde(default)]
    recorded_by: Option<String>,
}

impl TryFrom<PresenceWire> for Presence {
    type Error = String;

    fn try_from(w: PresenceWire) -> Result<Self, String> {
        match (w.method.as_str(), w.not_before, w.not_after, w.recorded_by) {
            ("rotating-qr", Some(not_before), Some(not_after), None) => Ok(Presence::RotatingQr {
                not_before,
                not_after,
            }),
            ("static-link", None, None, None) => Ok(Presence::StaticLink),
            ("recorded-by-secretary", None, None, Some(recorded_by)) => {
                Ok(Presence::RecordedBySecretary { recorded_by })
            }
            ("remote", None, None, None) => Ok(Presence::Remote),
            (m, ..) => Err(format!(
                "presence method {m:?} is unknown or has the wrong fields"
            )),
        }
    }
}

impl Presence {
    /// A short human label.
    pub fn label(&self) -> &'static str {
        match self {
            Presence::RotatingQr { .. } => "rotating QR code",
            Presence::StaticLink => "static link",
            Presence::RecordedBySecretary { .. } => "recorded by secretary",
            Presence::Remote => "remote",
        }
    }

    /// Whether the attendee attended remotely rather than in the room.
    pub fn is_remote(&self) -> bool {
        matches!(self, Presence::Remote)
    }
}

/// Entry 0: the meeting and the Code it presents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingPredicate {
    pub meeting: Meeting,
    /// Title of the Code document.
    pub code_title: String,
    /// Languages the Code is offered in (BCP 47).
    pub languages: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
    /// Every version of the Code attendees may be shown: the subject first,
    /// then its translations, one per language of `languages`, in order.
    /// Absent in logs from before translations (the subject is then the
    /// only version, in `languages[0]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<CodeVersion>,
}

/// One version of a Code a meeting offers: the subject a check-in names
/// when the attendee was shown it, and its language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeVersion {
    pub name: String,
    pub digest: SubjectDigest,
    pub language: String,
}

/// An attendee's role and committed personal fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendee {
    pub role: String,
    /// Field name → SD-JWT style commitment of its disclosure.
    pub commitments: BTreeMap<String, String>,
}

/// A check-in attestation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInPredicate {
    pub meeting: Meeting,
    #[serde(with = "time::serde::rfc3339")]
    pub checked_in_at: OffsetDateTime,
    pub attendee: Attendee,
    pub presence: Presence,
    /// Title of the Code document acknowledged (the subject).
    pub code_title: String,
    /// BCP 47 tag of the Code version the attendee was shown.
    pub language: String,
    /// v2 only (absent in v1): the committed fields the attendee agreed to
    /// have disclosed on lists circulated to other participants, such as
    /// `["email"]`; `[]` when they did not agree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub circulate: Option<Vec<String>>,
    /// v3 only (absent before): the session open when the attendee
    /// checked in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<u32>,
}

/// The fields an attendee may agree to show on circulated lists (the others
/// are always shown there).
pub const CONSENTABLE_FIELDS: [&str; 1] = ["email"];

/// Notes on discussion of the Code, for the meeting report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotesPredicate {
    pub meeting_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    pub recorded_by: String,
    pub text: String,
}

/// The meeting was closed; no entry may follow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosePredicate {
    pub meeting_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub closed_at: OffsetDateTime,
    /// Number of check-in entries before this one.
    pub check_ins: u64,
    /// v2 only: the counts against the latest roster. A close/v1 is read
    /// and written exactly as before (this member is not part of it); a
    /// close/v2 goes through [`CloseV2`].
    #[serde(skip)]
    pub roster: Option<RosterCounts>,
}

/// A close/v2 predicate as signed: close/v1's members, then the counts.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CloseV2 {
    meeting_id: String,
    #[serde(with = "time::serde::rfc3339")]
    closed_at: OffsetDateTime,
    check_ins: u64,
    expected: u64,
    present_room: u64,
    present_remote: u64,
    absent: u64,
    walk_ins: u64,
    repeats: u64,
}

impl CloseV2 {
    fn of(p: &ClosePredicate, c: RosterCounts) -> Self {
        Self {
            meeting_id: p.meeting_id.clone(),
            closed_at: p.closed_at,
            check_ins: p.check_ins,
            expected: c.expected,
            present_room: c.present_room,
            present_remote: c.present_remote,
            absent: c.absent,
            walk_ins: c.walk_ins,
            repeats: c.repeats,
        }
    }

    fn into_predicate(self) -> ClosePredicate {
        ClosePredicate {
            meeting_id: self.meeting_id,
            closed_at: self.closed_at,
            check_ins: self.check_ins,
            roster: Some(RosterCounts {
                expected: self.expected,
                present_room: self.present_room,
                present_remote: self.present_remote,
                absent: self.absent,
                walk_ins: self.walk_ins,
                repeats: self.repeats,
            }),
        }
    }
}

/// What a close/v2 counts against the roster committed by the latest
/// roster entry. `present_room + present_remote` are the check-ins not
/// struck; `expected = present - walk_ins - repeats + absent`. Matching
/// check-ins to roster rows is the secretary's record, not an attestation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterCounts {
    /// Rows of the roster.
    pub expected: u64,
    /// Check-ins not struck whose presence method is not `remote`.
    pub present_room: u64,
    /// Check-ins not struck whose presence method is `remote`.
    pub present_remote: u64,
    /// Roster rows no present check-in was matched to.
    pub absent: u64,
    /// Present check-ins matched to no roster row: one per person not on
    /// the roster.
    pub walk_ins: u64,
    /// Present check-ins by someone already counted (a roster row's
    /// person, or a walk-in) checking in again in another session.
    pub repeats: u64,
}

impl RosterCounts {
    /// Check-ins counted present.
    pub fn present(&self) -> u64 {
        self.present_room + self.present_remote
    }

    /// Whether the counts agree with each other: the matched check-ins
    /// (`present - walk_ins - repeats`) and the absent rows make up the
    /// roster.
    pub fn consistent(&self) -> bool {
        self.walk_ins
            .checked_add(self.repeats)
            .is_some_and(|n| n <= self.present())
            && self.absent <= self.expected
            && self.present() - self.walk_ins - self.repeats + self.absent == self.expected
    }
}

/// The roster of expected participants, committed to without its rows
/// (personal data): how many rows, and the SHA-256 of its canonical form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterPredicate {
    pub meeting_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    pub recorded_by: String,
    pub size: u64,
    pub sha256: Sha256Digest,
}

/// One delegation in a snapshot: the country or national body as the
/// attendees gave it, how many of them are present, and the log indices
/// of the check-ins of its head(s) of delegation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delegation {
    pub country: String,
    pub present: u64,
    pub heads: Vec<u64>,
}

/// A signed snapshot of the delegations present at `recorded_at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DelegationsPredicate {
    pub meeting_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    pub recorded_by: String,
    pub delegations: Vec<Delegation>,
}

/// One of a meeting's sessions, as the secretary scheduled it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Session {
    /// 1, 2, 3…: its number within the meeting.
    pub number: u32,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
}

/// A session opened for check-in: check-ins until its close are for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionOpenPredicate {
    pub meeting_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
    pub recorded_by: String,
    pub session: Session,
}

/// The open session closed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionClosePredicate {
    pub meeting_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub closed_at: OffsetDateTime,
    pub recorded_by: String,
    /// The number of the session closed.
    pub session: u32,
    /// Number of check-in entries for this session.
    pub check_ins: u64,
}

/// The fields an amendment may correct: the committed ones but the email,
/// which recognises an attendee checking in again.
pub const AMENDABLE_FIELDS: [&str; 3] = ["name", "organization", "country"];

/// What an amendment does to the check-in it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AmendAction {
    /// Some of its values were recorded wrongly: the amendment carries the
    /// right ones.
    Correct,
    /// It was recorded in error (a test, someone who was not there): it is
    /// left out of the counts. It stays in the log.
    Strike,
}

impl AmendAction {
    /// The word in the statement.
    pub fn as_str(self) -> &'static str {
        match self {
            AmendAction::Correct => "correct",
            AmendAction::Strike => "strike",
        }
    }
}

/// The entry an amendment names: its index in the same log and its leaf
/// hash, SHA-256(0x00 ‖ payload), in lowercase hex.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryRef {
    pub index: u64,
    pub leaf: String,
}

/// A secretary's signed amendment of an earlier check-in of the meeting.
/// Corrected attendee fields are committed like a check-in's, their
/// disclosures travelling beside the statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmendmentPredicate {
    pub meeting_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    pub recorded_by: String,
    pub amends: EntryRef,
    pub action: AmendAction,
    pub reason: String,
    /// The corrected role (`correct` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Field name → commitment of the corrected value (`correct` only).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub commitments: BTreeMap<String, String>,
}

/// Any rollcall predicate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Predicate {
    Meeting(MeetingPredicate),
    CheckIn(CheckInPredicate),
    Notes(NotesPredicate),
    Amendment(AmendmentPredicate),
    SessionOpen(SessionOpenPredicate),
    SessionClose(SessionClosePredicate),
    Roster(RosterPredicate),
    Delegations(DelegationsPredicate),
    Close(ClosePredicate),
}

impl Predicate {
    /// The predicate type URI.
    pub fn type_uri(&self) -> &'static str {
        match self {
            Predicate::Meeting(_) => MEETING_PREDICATE,
            Predicate::CheckIn(p) if p.session.is_some() => CHECK_IN_PREDICATE_V3,
            Predicate::CheckIn(p) if p.circulate.is_some() => CHECK_IN_PREDICATE_V2,
            Predicate::CheckIn(_) => CHECK_IN_PREDICATE,
            Predicate::Notes(_) => NOTES_PREDICATE,
            Predicate::Amendment(_) => AMENDMENT_PREDICATE,
            Predicate::SessionOpen(_) => SESSION_OPEN_PREDICATE,
            Predicate::SessionClose(_) => SESSION_CLOSE_PREDICATE,
            Predicate::Roster(_) => ROSTER_PREDICATE,
            Predicate::Delegations(_) => DELEGATIONS_PREDICATE,
            Predicate::Close(p) if p.roster.is_some() => CLOSE_PREDICATE_V2,
            Predicate::Close(_) => CLOSE_PREDICATE,
        }
    }

    /// The signed time of the entry.
    pub fn time(&self) -> OffsetDateTime {
        match self {
            Predicate::Meeting(p) => p.opened_at,
            Predicate::CheckIn(p) => p.checked_in_at,
            Predicate::Notes(p) => p.recorded_at,
            Predicate::Amendment(p) => p.recorded_at,
            Predicate::SessionOpen(p) => p.opened_at,
            Predicate::SessionClose(p) => p.closed_at,
            Predicate::Roster(p) => p.recorded_at,
            Predicate::Delegations(p) => p.recorded_at,
            Predicate::Close(p) => p.closed_at,
        }
    }

    /// The meeting id the entry belongs to.
    pub fn meeting_id(&self) -> &str {
        match self {
            Predicate::Meeting(p) => &p.meeting.id,
            Predicate::CheckIn(p) => &p.meeting.id,
            Predicate::Notes(p) => &p.meeting_id,
            Predicate::Amendment(p) => &p.meeting_id,
            Predicate::SessionOpen(p) => &p.meeting_id,
            Predicate::SessionClose(p) => &p.meeting_id,
            Predicate::Roster(p) => &p.meeting_id,
            Predicate::Delegations(p) => &p.meeting_id,
            Predicate::Close(p) => &p.meeting_id,
        }
    }
}

/// Why a payload is not a rollcall statement.
#[derive(Debug, thiserror::Error)]
pub enum StatementError {
    #[error("the payload is not an in-toto Statement: {0}")]
    Json(#[from] serde_json::Error),
    #[error("_type is {0:?}, expected {STATEMENT_TYPE:?}")]
    Type(String),
    #[error("the statement must name exactly one subject, the Code document")]
    Subject,
    #[error("predicateType {0:?} is not a rollcall predicate")]
    PredicateType(String),
    #[error("a check-in/v1 predicate has no \"circulate\"; a check-in/v2 predicate must have it")]
    CheckInVersion,
    #[error("a check-in/v3 predicate must have \"circulate\" and \"session\"; earlier versions have no \"session\"")]
    SessionVersion,
    #[error("a check-in/v1 predicate cannot use the presence method \"remote\", which exists only from check-in/v2 on")]
    RemoteInV1,
}

/// A parsed rollcall statement: the Code subject and the predicate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RollcallStatement {
    pub subject: Subject,
    pub predicate: Predicate,
}

impl RollcallStatement {
    /// Parses exact payload bytes (already verified) into a statement.
    pub fn parse(payload: &[u8]) -> Result<Self, StatementError> {
        let raw: Statement<&RawValue> = serde_json::from_slice(payload)?;
        if raw.type_ != STATEMENT_TYPE {
            return Err(StatementError::Type(raw.type_));
        }
        let [subject]: [Subject; 1] = raw
            .subject
            .try_into()
            .map_err(|_| StatementError::Subject)?;
        let text = raw.predicate.get();
        let predicate = match raw.predicate_type.as_str() {
            MEETING_PREDICATE => Predicate::Meeting(serde_json::from_str(text)?),
            CHECK_IN_PREDICATE | CHECK_IN_PREDICATE_V2 | CHECK_IN_PREDICATE_V3 => {
                let p: CheckInPredicate = serde_json::from_str(text)?;
                let v3 = raw.predicate_type == CHECK_IN_PREDICATE_V3;
                if v3 != p.session.is_some() || (v3 && p.circulate.is_none()) {
                    return Err(StatementError::SessionVersion);
                }
                if !v3 && p.circulate.is_some() != (raw.predicate_type == CHECK_IN_PREDICATE_V2) {
                    return Err(StatementError::CheckInVersion);
                }
                if p.circulate.is_none() && p.presence.is_remote() {
                    return Err(StatementError::RemoteInV1);
                }
                Predicate::CheckIn(p)
            }
            NOTES_PREDICATE => Predicate::Notes(serde_json::from_str(text)?),
            AMENDMENT_PREDICATE => Predicate::Amendment(serde_json::from_str(text)?),
            SESSION_OPEN_PREDICATE => Predicate::SessionOpen(serde_json::from_str(text)?),
            SESSION_CLOSE_PREDICATE => Predicate::SessionClose(serde_json::from_str(text)?),
            ROSTER_PREDICATE => Predicate::Roster(serde_json::from_str(text)?),
            DELEGATIONS_PREDICATE => Predicate::Delegations(serde_json::from_str(text)?),
            CLOSE_PREDICATE => Predicate::Close(serde_json::from_str(text)?),
            CLOSE_PREDICATE_V2 => {
                Predicate::Close(serde_json::from_str::<CloseV2>(text)?.into_predicate())
            }
            other => return Err(StatementError::PredicateType(other.to_owned())),
        };
        Ok(Self { subject, predicate })
    }

    /// Serialises the statement to the bytes that will be signed.
    pub fn to_payload(&self) -> Vec<u8> {
        fn encode<P: Serialize>(subject: &Subject, uri: &str, p: &P) -> Vec<u8> {
            let st = Statement {
                type_: STATEMENT_TYPE.to_owned(),
                subject: vec![subject.clone()],
                predicate_type: uri.to_owned(),
                predicate: p,
            };
            // Plain data with string keys always serialises.
            serde_json::to_vec(&st).unwrap_or_default()
        }
        let uri = self.predicate.type_uri();
        match &self.predicate {
            Predicate::Meeting(p) => encode(&self.subject, uri, p),
            Predicate::CheckIn(p) => encode(&self.subject, uri, p),
            Predicate::Notes(p) => encode(&self.subject, uri, p),
            Predicate::Amendment(p) => encode(&self.subject, uri, p),
            Predicate::SessionOpen(p) => encode(&self.subject, uri, p),
            Predicate::SessionClose(p) => encode(&self.subject, uri, p),
            Predicate::Roster(p) => encode(&self.subject, uri, p),
            Predicate::Delegations(p) => encode(&self.subject, uri, p),
            Predicate::Close(p) => match p.roster {
                Some(c) => encode(&self.subject, uri, &CloseV2::of(p, c)),
                None => encode(&self.subject, uri, p),
            },
        }
    }
}

#[cfg(test)]
mod presence_tests {
    use super::Presence;

    #[test]
    fn remote_presence_parses_round_trips_and_takes_no_fields() {
        let p: Presence = serde_json::from_str(r#"{"method":"remote"}"#).unwrap();
        assert_eq!(p, Presence::Remote);
        assert!(p.is_remote());
        assert_eq!(p.label(), "remote");
        assert_eq!(serde_json::to_string(&p).unwrap(), r#"{"method":"remote"}"#);
        for bad in [
            r#"{"method":"remote","recorded_by":"x"}"#,
            r#"{"method":"remote","not_before":"2026-12-01T09:00:00Z","not_after":"2026-12-01T09:10:00Z"}"#,
            r#"{"method":"remote","room":true}"#,
            r#"{"method":"Remote"}"#,
            r#"{"method":"telepresence"}"#,
        ] {
            assert!(
                serde_json::from_str::<Presence>(bad).is_err(),
                "{bad} must be refused"
            );
        }
    }
}
