//! The offline verifier for bundles and receipts.
//!
//! Pure: it reads bytes it is given, trusts only the keys it is given, and
//! never touches a clock, a network, a database or a file.

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::bundle::{
    bundle_format, receipt_format, AsEntry, Bundle, EarlierCheckpoint, Entry, RawBundle, Receipt,
};
use super::checkpoint::{verify_checkpoint, VerifiedCheckpoint};
use super::code::title_of;
use super::digest::Sha256Digest;
use super::disclosure::{commitment, Disclosure};
use super::encoding::{b64, unb64};
use super::envelope::{pae, IN_TOTO_PAYLOAD_TYPE};
use super::keys::PublicKey;
use super::log::{is_meeting_id, origin_names_meeting};
use super::merkle::{self, Hash};
use super::statement::{
    AmendAction, AmendmentPredicate, CheckInPredicate, CodeVersion, Meeting, MeetingPredicate,
    Predicate, Presence, RollcallStatement, RosterCounts, Session, Subject, AMENDABLE_FIELDS,
    COMMITTED_FIELDS, CONSENTABLE_FIELDS,
};

/// How to verify.
#[derive(Default)]
pub struct Options<'a> {
    /// Keys the auditor trusts. Empty: the file's own keys are used, with a warning.
    pub pinned: Vec<PublicKey>,
    /// Called with the number of entries done so far and the total.
    pub progress: Option<&'a (dyn Fn(u64, u64) + Sync)>,
}

/// One thing that is wrong, and where.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Failure {
    /// Where in the file, e.g. `entries[12].envelope.signatures[0]`.
    pub location: String,
    pub reason: String,
}

/// The Code document an entry acknowledges.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct CodeSummary {
    pub name: String,
    pub title: String,
    pub language: Option<String>,
    pub sha256: String,
    /// Whether the full text is in the file and hashes to the digest.
    pub text_checked: bool,
}

/// The checkpoint the file is proven against.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct CheckpointSummary {
    pub origin: String,
    pub size: u64,
    pub root: String,
    pub signer: String,
    pub earlier: usize,
}

/// One attendee as the verified file shows them.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct AttendeeRow {
    /// Position in the log.
    pub index: u64,
    /// First 12 hex digits of the entry's leaf hash, SHA-256(0x00 ‖ payload).
    pub id: String,
    pub checked_in_at: String,
    pub role: String,
    pub presence: String,
    pub language: String,
    /// Disclosed fields.
    pub fields: BTreeMap<String, String>,
    /// Committed fields whose value is not disclosed in this file (and
    /// not marked erased).
    pub withheld: Vec<String>,
    /// Committed fields the file says were erased: their value and salt no
    /// longer exist anywhere, so no copy can disclose them.
    pub erased: Vec<String>,
    /// The committed fields the attendee agreed, in their signed check-in,
    /// to have shown on circulated lists (`check-in/v2`); `None` for a v1
    /// check-in, which predates the question.
    pub circulate: Option<Vec<String>>,
    /// `on time`, `before scheduled start` or `late`.
    pub timing: &'static str,
    /// The log indices of the secretary's amendments of this check-in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amended_by: Vec<u64>,
    /// Values the amendments corrected (the latest of each; `role` for
    /// the role). `fields` and `role` stay as the attendee signed them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub corrected: BTreeMap<String, String>,
    /// Struck by an amendment as recorded in error: left out of counts.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub struck: bool,
    /// The session the check-in was made in (`check-in/v3`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<u32>,
}

impl AttendeeRow {
    /// The value to show for `field` (or `role`): the corrected one, if an
    /// amendment corrected it, else what the attendee signed.
    pub fn current(&self, field: &str) -> Option<&str> {
        if let Some(v) = self.corrected.get(field) {
            return Some(v);
        }
        if field == "role" {
            return Some(&self.role);
        }
        self.fields.get(field).map(String::as_str)
    }
}

/// One of the meeting's sessions, as its signed entries give it.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct SessionRow {
    pub number: u32,
    pub name: String,
    pub starts_at: String,
    pub ends_at: String,
    pub opened_at: String,
    pub opened_by: String,
    /// Absent while the session is open.
    pub closed_at: Option<String>,
    /// Check-ins made during the session (struck ones included).
    pub check_ins: u64,
}

/// A secretary's signed amendment of a check-in.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct AmendmentRow {
    pub index: u64,
    /// The log index of the check-in it amends.
    pub amends: u64,
    /// The amended check-in's short id (its `id` in `attendees`).
    pub amends_id: String,
    /// `correct` or `strike`.
    pub action: &'static str,
    pub recorded_at: String,
    pub recorded_by: String,
    pub reason: String,
    /// The corrected role, if it was corrected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Disclosed corrected values.
    pub fields: BTreeMap<String, String>,
    pub withheld: Vec<String>,
    pub erased: Vec<String>,
}

/// Notes on discussion of the Code.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct NotesRow {
    pub index: u64,
    pub recorded_at: String,
    pub recorded_by: String,
    pub text: String,
}

/// A signed commitment to the roster of expected participants.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct RosterRow {
    pub index: u64,
    pub recorded_at: String,
    pub recorded_by: String,
    /// Rows of the roster.
    pub size: u64,
    /// SHA-256 of the roster's canonical form, in lowercase hex.
    pub sha256: String,
}

/// One delegation of a snapshot.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct DelegationRow {
    pub country: String,
    pub present: u64,
    /// Log indices of the check-ins of its head(s) of delegation.
    pub heads: Vec<u64>,
}

/// A signed snapshot of the delegations present.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct DelegationsRow {
    pub index: u64,
    pub recorded_at: String,
    pub recorded_by: String,
    pub delegations: Vec<DelegationRow>,
}

/// The verifier's findings.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub valid: bool,
    /// A receipt whose entry verified but that no checkpoint covers yet:
    /// signed, not yet proven in the log. Not `valid` until fetched again.
    pub pending: bool,
    /// `bundle` or `receipt`.
    pub kind: &'static str,
    /// Whether the signing keys were pinned by the auditor.
    pub keys_pinned: bool,
    pub signers: Vec<String>,
    pub meeting: Option<Meeting>,
    pub codes: Vec<CodeSummary>,
    pub entries: u64,
    pub attestations: u64,
    /// Check-ins not made with the remote link: in the room (the QR code
    /// or the static link) or recorded by a secretary.
    pub room: u64,
    /// Check-ins made with the meeting's remote link (`remote`).
    pub remote: u64,
    pub checkpoint: Option<CheckpointSummary>,
    pub closed_at: Option<String>,
    pub notes: Vec<NotesRow>,
    pub attendees: Vec<AttendeeRow>,
    /// The secretary's amendments, in log order (absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amendments: Vec<AmendmentRow>,
    /// The meeting's sessions, in the order they were opened (absent when
    /// it has none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sessions: Vec<SessionRow>,
    /// The roster entries, in log order (absent when none): the latest
    /// counts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rosters: Vec<RosterRow>,
    /// The delegation snapshots, in log order (absent when none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delegations: Vec<DelegationsRow>,
    /// What a close/v2 counted against the roster (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roster_counts: Option<RosterCounts>,
    pub warnings: Vec<String>,
    pub failures: Vec<Failure>,
}

/// The file could not be read as a rollcall document at all.
#[derive(Debug, thiserror::Error)]
pub enum Unreadable {
    #[error("not JSON: {0}")]
    NotJson(serde_json::Error),
    #[error("not a rollcall bundle or receipt (its \"format\" is {0:?})")]
    UnknownFormat(String),
}

#[derive(serde::Deserialize)]
struct Probe {
    format: Option<String>,
}

/// The short attestation id: the first 12 hex digits of the leaf hash.
fn encoding_hex_prefix(leaf: &Hash) -> String {
    super::encoding::hex(&leaf[..6])
}

fn fmt_time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

impl Report {
    /// A report of nothing yet (for pages shown before a first checkpoint).
    pub fn empty() -> Self {
        let mut r = Self::new("bundle");
        r.valid = true;
        r
    }

    fn new(kind: &'static str) -> Self {
        Self {
            valid: false,
            pending: false,
            kind,
            keys_pinned: false,
            signers: Vec::new(),
            meeting: None,
            codes: Vec::new(),
            entries: 0,
            attestations: 0,
            room: 0,
            remote: 0,
            checkpoint: None,
            closed_at: None,
            notes: Vec::new(),
            attendees: Vec::new(),
            amendments: Vec::new(),
            sessions: Vec::new(),
            rosters: Vec::new(),
            delegations: Vec::new(),
            roster_counts: None,
            warnings: Vec::new(),
            failures: Vec::new(),
        }
    }

    fn fail(&mut self, location: impl Into<String>, reason: impl Into<String>) {
        self.failures.push(Failure {
            location: location.into(),
            reason: reason.into(),
        });
    }

    fn structural(kind: &'static str, e: serde_json::Error) -> Self {
        let mut r = Self::new(kind);
        r.fail(
            format!("line {}, column {}", e.line(), e.column()),
            format!("the {kind} does not have the expected structure: {e}"),
        );
        r
    }
}

/// Verifies a bundle or receipt given as JSON bytes. The bytes are
/// released as soon as they are parsed, to keep peak memory low.
pub fn verify_json(bytes: Vec<u8>, options: &Options<'_>) -> Result<Report, Unreadable> {
    // The common case first: a well-formed bundle needs only one pass.
    if let Ok(b) = serde_json::from_slice::<RawBundle<'_>>(&bytes) {
        if bundle_format(&b.format).is_some() {
            return Ok(verify_raw_bundle(&b, options));
        }
    }
    let probe: Probe = serde_json::from_slice(&bytes).map_err(Unreadable::NotJson)?;
    let format = probe.format.as_deref().unwrap_or("");
    match format {
        f if bundle_format(f).is_some() => Ok(match serde_json::from_slice::<Bundle>(&bytes) {
            Ok(b) => {
                drop(bytes);
                verify_bundle(&b, options)
            }
            Err(e) => Report::structural("bundle", e),
        }),
        f if receipt_format(f).is_some() => Ok(match serde_json::from_slice::<Receipt>(&bytes) {
            Ok(r) => verify_receipt(&r, options),
            Err(e) => Report::structural("receipt", e),
        }),
        other => Err(Unreadable::UnknownFormat(other.to_owned())),
    }
}

/// Where an entry is in the file: `entries[i]` in a bundle, `entry` in a
/// receipt. Formatted only when something is wrong.
#[derive(Clone, Copy)]
struct Loc {
    bundle: bool,
    index: usize,
}

impl std::fmt::Display for Loc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.bundle {
            write!(f, "entries[{}]", self.index)
        } else {
            f.write_str("entry")
        }
    }
}

/// What a verified entry contributes to the report.
enum Content {
    Meeting(Box<MeetingPredicate>),
    CheckIn(Box<AttendeeRow>),
    Notes(NotesRow),
    Amendment(Box<AmendmentRow>, String),
    SessionOpen {
        session: Session,
        opened_at: OffsetDateTime,
        by: String,
    },
    SessionClose {
        session: u32,
        closed_at: OffsetDateTime,
        check_ins: u64,
    },
    Roster(RosterRow),
    Delegations(DelegationsRow),
    Close {
        closed_at: OffsetDateTime,
        check_ins: u64,
        roster: Option<RosterCounts>,
    },
}

/// An entry after its signature has been checked and its payload parsed.
struct CheckedEntry {
    leaf: Hash,
    key: Option<usize>,
    time: Option<OffsetDateTime>,
    /// The subject, when it differs from the meeting statement's.
    other_subject: Option<Subject>,
    /// The language of the Code version shown, for check-ins.
    language: Option<String>,
    content: Option<Content>,
    failures: Vec<Failure>,
}

/// What entries are checked against: the signed meeting statement.
#[derive(Clone, Copy, Default)]
struct Context<'m> {
    meeting: Option<&'m Meeting>,
    subject: Option<&'m Subject>,
    languages: Option<&'m [String]>,
    code_title: Option<&'m str>,
    /// The versions of the Code the meeting offers (empty in older logs).
    versions: &'m [CodeVersion],
    /// Whether the file's format allows `erased` (bundle and receipt v2).
    erasure: bool,
}

/// Decoded inputs of one entry, before signature verification.
struct Decoded {
    /// PAE(payloadType, payload): the signed message, with the payload at its end.
    message: Vec<u8>,
    payload_at: usize,
    signature: [u8; 64],
    key: usize,
}

impl Decoded {
    fn payload(&self) -> &[u8] {
        &self.message[self.payload_at..]
    }
}

/// Decodes the standard base64 payload straight into its PAE message, so
/// the payload is neither copied nor allocated twice.
fn decode_into_pae(payload_type: &str, payload_b64: &str) -> Option<(Vec<u8>, usize)> {
    use base64::Engine;
    let padding = payload_b64.bytes().rev().take_while(|&b| b == b'=').count();
    let len = (payload_b64.len() / 4 * 3).checked_sub(padding)?;
    let mut message = pae(payload_type, &[]);
    // pae() ends with "<len 0> "; replace the length with the real one.
    message.truncate(message.len() - 2);
    message.extend_from_slice(len.to_string().as_bytes());
    message.push(b' ');
    let at = message.len();
    message.reserve(len + 3);
    base64::engine::general_purpose::STANDARD
        .decode_vec(payload_b64, &mut message)
        .ok()?;
    (message.len() - at == len).then_some((message, at))
}

fn decode_entry(
    entry: &Entry,
    loc: Loc,
    keyids: &HashMap<String, usize>,
    failures: &mut Vec<Failure>,
) -> Option<Decoded> {
    let mut fail = |l: String, r: String| {
        failures.push(Failure {
            location: l,
            reason: r,
        })
    };
    let env = &entry.envelope;
    if env.payload_type != IN_TOTO_PAYLOAD_TYPE {
        fail(
            format!("{loc}.envelope.payloadType"),
            format!(
                "is {:?}, expected {IN_TOTO_PAYLOAD_TYPE:?}",
                env.payload_type
            ),
        );
        return None;
    }
    let Some((message, payload_at)) = decode_into_pae(&env.payload_type, &env.payload) else {
        fail(
            format!("{loc}.envelope.payload"),
            "is not standard padded base64".into(),
        );
        return None;
    };
    let [sig] = env.signatures.as_slice() else {
        fail(
            format!("{loc}.envelope.signatures"),
            format!(
                "has {} signatures; a rollcall entry has exactly one",
                env.signatures.len()
            ),
        );
        return None;
    };
    let Some(keyid) = &sig.keyid else {
        fail(
            format!("{loc}.envelope.signatures[0]"),
            "has no keyid".into(),
        );
        return None;
    };
    let Some(&key) = keyids.get(keyid) else {
        fail(
            format!("{loc}.envelope.signatures[0].keyid"),
            format!("names key {keyid}, which is not a trusted key"),
        );
        return None;
    };
    let Some(signature) = unb64(&sig.sig)
        .ok()
        .and_then(|s| <[u8; 64]>::try_from(s).ok())
    else {
        fail(
            format!("{loc}.envelope.signatures[0].sig"),
            "is not standard base64 of 64 bytes".into(),
        );
        return None;
    };
    Some(Decoded {
        message,
        payload_at,
        signature,
        key,
    })
}

/// Checks the fields an entry says were erased: only in a v2 file, each a
/// committed field, once, and not disclosed beside. Returns them.
fn check_erased(
    commitments: Option<&BTreeMap<String, String>>,
    disclosed: &BTreeMap<String, String>,
    erased: &[String],
    allowed: bool,
    loc: Loc,
    failures: &mut Vec<Failure>,
) -> Vec<String> {
    if erased.is_empty() {
        return Vec::new();
    }
    if !allowed {
        failures.push(Failure {
            location: format!("{loc}.erased"),
            reason: "erased fields are marked only in bundle/v2 and receipt/v2 files".into(),
        });
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for (j, field) in erased.iter().enumerate() {
        let reason = if !commitments.is_some_and(|c| c.contains_key(field)) {
            Some(format!("{field:?} is not a field this entry commits to"))
        } else if disclosed.contains_key(field) {
            Some(format!("{field:?} is marked erased but disclosed"))
        } else if out.contains(field) {
            Some(format!("{field:?} is marked erased twice"))
        } else {
            None
        };
        match reason {
            Some(reason) => failures.push(Failure {
                location: format!("{loc}.erased[{j}]"),
                reason,
            }),
            None => out.push(field.clone()),
        }
    }
    out
}

/// Checks a v2 check-in's consent: only fields one may consent to show,
/// each committed. Returns it (`None` for v1).
fn check_circulate(
    p: &CheckInPredicate,
    loc: Loc,
    failures: &mut Vec<Failure>,
) -> Option<Vec<String>> {
    let circulate = p.circulate.as_ref()?;
    for field in circulate {
        if !CONSENTABLE_FIELDS.contains(&field.as_str())
            || !p.attendee.commitments.contains_key(field)
        {
            failures.push(Failure {
                location: format!("{loc}.envelope.payload"),
                reason: format!(
                    "agrees to circulate {field:?}, which is not an optional field it commits to"
                ),
            });
        }
    }
    Some(circulate.clone())
}

/// Matches disclosures to the statement's commitments.
fn check_disclosures(
    commitments: Option<&BTreeMap<String, String>>,
    disclosures: &[String],
    loc: Loc,
    failures: &mut Vec<Failure>,
) -> (BTreeMap<String, String>, Vec<String>) {
    let mut disclosed = BTreeMap::new();
    let Some(commitments) = commitments else {
        if !disclosures.is_empty() {
            failures.push(Failure {
                location: format!("{loc}.disclosures"),
                reason: "this entry commits to no fields, so it can have no disclosures".into(),
            });
        }
        return (disclosed, Vec::new());
    };
    for field in commitments.keys() {
        if !COMMITTED_FIELDS.contains(&field.as_str()) {
            failures.push(Failure {
                location: format!("{loc}.envelope.payload"),
                reason: format!("commits to unknown field {field:?}"),
            });
        }
    }
    for (j, d) in disclosures.iter().enumerate() {
        let digest = commitment(d);
        let Some((field, _)) = commitments.iter().find(|(_, c)| **c == digest) else {
            failures.push(Failure {
                location: format!("{loc}.disclosures[{j}]"),
                reason: "matches none of the signed commitments".into(),
            });
            continue;
        };
        match Disclosure::parse(d) {
            Ok(dis) if &dis.field == field => {
                if disclosed.insert(field.clone(), dis.value).is_some() {
                    failures.push(Failure {
                        location: format!("{loc}.disclosures[{j}]"),
                        reason: format!("discloses {field:?} a second time"),
                    });
                }
            }
            Ok(dis) => failures.push(Failure {
                location: format!("{loc}.disclosures[{j}]"),
                reason: format!("names field {:?} but is committed as {field:?}", dis.field),
            }),
            Err(e) => failures.push(Failure {
                location: format!("{loc}.disclosures[{j}]"),
                reason: e.to_string(),
            }),
        }
    }
    let withheld = commitments
        .keys()
        .filter(|f| !disclosed.contains_key(*f))
        .cloned()
        .collect();
    (disclosed, withheld)
}

/// What a check-in claims agrees with itself and with the meeting
/// statement: it commits to a name, was made inside its QR code's window,
/// names the meeting's Code title and the meeting's details.
fn check_check_in_claims(
    p: &CheckInPredicate,
    subject: &Subject,
    meeting: &Meeting,
    loc: Loc,
    ctx: Context<'_>,
    failures: &mut Vec<Failure>,
) {
    let mut fail = |location: String, reason: &str| {
        failures.push(Failure {
            location,
            reason: reason.to_owned(),
        })
    };
    if !p.attendee.commitments.contains_key("name") {
        fail(
            format!("{loc}.envelope.payload"),
            "the check-in commits to no name",
        );
    }
    if let Presence::RotatingQr {
        not_before,
        not_after,
    } = &p.presence
    {
        if p.checked_in_at < *not_before || p.checked_in_at > *not_after {
            fail(
                format!("{loc}.envelope.payload"),
                "the check-in time is outside the window of the QR code it used",
            );
        }
    }
    if ctx.subject == Some(subject) && ctx.code_title.is_some_and(|t| t != p.code_title) {
        fail(
            format!("{loc}.envelope.payload"),
            "its Code title differs from the meeting statement's",
        );
    }
    if p.meeting != *meeting {
        fail(
            loc.to_string(),
            "its meeting details differ from the signed meeting statement",
        );
    }
}

/// What an amendment claims agrees with itself: a reason; a correction
/// changes something and commits only to fields that can be corrected; a
/// strike carries no values.
fn check_amendment_claims(p: &AmendmentPredicate, loc: Loc, failures: &mut Vec<Failure>) {
    let mut fail = |reason: String| {
        failures.push(Failure {
            location: format!("{loc}.envelope.payload"),
            reason,
        })
    };
    if p.reason.trim().is_empty() {
        fail("the amendment gives no reason".into());
    }
    for field in p.commitments.keys() {
        if !AMENDABLE_FIELDS.contains(&field.as_str()) {
            fail(format!(
                "the amendment corrects {field:?}, which cannot be corrected"
            ));
        }
    }
    let has_values = p.role.is_some() || !p.commitments.is_empty();
    match p.action {
        AmendAction::Correct if !has_values => fail("the correction corrects nothing".into()),
        AmendAction::Strike if has_values => fail("the strike carries corrected values".into()),
        _ => {}
    }
    let leaf_ok = p.amends.leaf.len() == 64
        && p.amends
            .leaf
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !leaf_ok {
        fail("the amended entry's leaf hash is not 64 lowercase hex digits".into());
    }
}

/// The Code a check-in acknowledges is a version the meeting statement
/// offers, in the language the check-in says it was shown in, and that
/// language is one the meeting offers.
fn check_code_shown(
    p: &CheckInPredicate,
    subject: &Subject,
    loc: Loc,
    ctx: Context<'_>,
    failures: &mut Vec<Failure>,
) {
    let mut fail = |reason: String| {
        failures.push(Failure {
            location: format!("{loc}.envelope.payload"),
            reason,
        })
    };
    if !ctx.versions.is_empty() {
        match ctx
            .versions
            .iter()
            .find(|v| v.digest == subject.digest && v.name == subject.name)
        {
            None => fail(format!(
                "acknowledges Code {} {:?}, which is not a version the meeting statement offers",
                subject.digest.sha256, subject.name
            )),
            Some(v) if v.language != p.language => fail(format!(
                "says the Code was shown in {:?}, but the version it acknowledges is in {:?}",
                p.language, v.language
            )),
            Some(_) => {}
        }
    }
    if let Some(langs) = ctx.languages {
        if !langs.contains(&p.language) {
            fail(format!(
                "the Code was shown in {:?}, which the meeting does not offer",
                p.language
            ));
        }
    }
}

/// An entry's fields: disclosed (checked against their commitments),
/// withheld from this copy, and erased.
struct Fields {
    disclosed: BTreeMap<String, String>,
    withheld: Vec<String>,
    erased: Vec<String>,
}

/// Checks an entry's disclosures and erasure marks against the
/// commitments of its statement.
fn disclosed_fields(
    commitments: Option<&BTreeMap<String, String>>,
    entry: &Entry,
    loc: Loc,
    ctx: Context<'_>,
    failures: &mut Vec<Failure>,
) -> Fields {
    let (disclosed, withheld) = check_disclosures(commitments, &entry.disclosures, loc, failures);
    let erased = check_erased(
        commitments,
        &disclosed,
        &entry.erased,
        ctx.erasure,
        loc,
        failures,
    );
    let withheld = withheld
        .into_iter()
        .filter(|f| !erased.contains(f))
        .collect();
    Fields {
        disclosed,
        withheld,
        erased,
    }
}

/// Turns a verified payload into what the report needs, checking it
/// against the meeting statement.
fn digest_entry(payload: &[u8], entry: &Entry, loc: Loc, ctx: Context<'_>, out: &mut CheckedEntry) {
    let s = match RollcallStatement::parse(payload) {
        Ok(s) => s,
        Err(e) => {
            out.failures.push(Failure {
                location: format!("{loc}.envelope.payload"),
                reason: e.to_string(),
            });
            return;
        }
    };
    out.time = Some(s.predicate.time());
    if ctx.subject != Some(&s.subject) {
        out.other_subject = Some(s.subject.clone());
    }
    if let Some(m) = ctx.meeting {
        if s.predicate.meeting_id() != m.id {
            out.failures.push(Failure {
                location: loc.to_string(),
                reason: format!(
                    "belongs to meeting {:?}, not {:?}",
                    s.predicate.meeting_id(),
                    m.id
                ),
            });
        }
    }
    let commitments = match &s.predicate {
        Predicate::CheckIn(p) => Some(&p.attendee.commitments),
        Predicate::Amendment(p) => Some(&p.commitments),
        _ => None,
    };
    let fields = disclosed_fields(commitments, entry, loc, ctx, &mut out.failures);
    out.content = Some(match s.predicate {
        Predicate::Meeting(p) => Content::Meeting(Box::new(p)),
        Predicate::CheckIn(p) => {
            let meeting = ctx.meeting.unwrap_or(&p.meeting);
            check_check_in_claims(&p, &s.subject, meeting, loc, ctx, &mut out.failures);
            check_code_shown(&p, &s.subject, loc, ctx, &mut out.failures);
            out.language = Some(p.language.clone());
            let circulate = check_circulate(&p, loc, &mut out.failures);
            Content::CheckIn(Box::new(AttendeeRow {
                index: loc.index as u64,
                id: encoding_hex_prefix(&out.leaf),
                checked_in_at: fmt_time(p.checked_in_at),
                role: p.attendee.role,
                presence: p.presence.label().to_owned(),
                language: p.language,
                fields: fields.disclosed,
                withheld: fields.withheld,
                erased: fields.erased,
                circulate,
                timing: timing(meeting, p.checked_in_at),
                amended_by: Vec::new(),
                corrected: BTreeMap::new(),
                struck: false,
                session: p.session,
            }))
        }
        Predicate::Notes(p) => Content::Notes(NotesRow {
            index: loc.index as u64,
            recorded_at: fmt_time(p.recorded_at),
            recorded_by: p.recorded_by,
            text: p.text,
        }),
        Predicate::Amendment(p) => {
            check_amendment_claims(&p, loc, &mut out.failures);
            let leaf = p.amends.leaf;
            Content::Amendment(
                Box::new(AmendmentRow {
                    index: loc.index as u64,
                    amends: p.amends.index,
                    amends_id: leaf.get(..12).unwrap_or_default().to_owned(),
                    action: p.action.as_str(),
                    recorded_at: fmt_time(p.recorded_at),
                    recorded_by: p.recorded_by,
                    reason: p.reason,
                    role: p.role,
                    fields: fields.disclosed,
                    withheld: fields.withheld,
                    erased: fields.erased,
                }),
                leaf,
            )
        }
        Predicate::SessionOpen(p) => {
            if p.session.number == 0 {
                out.failures.push(Failure {
                    location: format!("{loc}.envelope.payload"),
                    reason: "session numbers start at 1".into(),
                });
            }
            if p.session.ends_at < p.session.starts_at {
                out.failures.push(Failure {
                    location: format!("{loc}.envelope.payload"),
                    reason: "the session ends before it starts".into(),
                });
            }
            Content::SessionOpen {
                session: p.session,
                opened_at: p.opened_at,
                by: p.recorded_by,
            }
        }
        Predicate::SessionClose(p) => Content::SessionClose {
            session: p.session,
            closed_at: p.closed_at,
            check_ins: p.check_ins,
        },
        Predicate::Roster(p) => Content::Roster(RosterRow {
            index: loc.index as u64,
            recorded_at: fmt_time(p.recorded_at),
            recorded_by: p.recorded_by,
            size: p.size,
            sha256: p.sha256.to_string(),
        }),
        Predicate::Delegations(p) => Content::Delegations(DelegationsRow {
            index: loc.index as u64,
            recorded_at: fmt_time(p.recorded_at),
            recorded_by: p.recorded_by,
            delegations: p
                .delegations
                .into_iter()
                .map(|d| DelegationRow {
                    country: d.country,
                    present: d.present,
                    heads: d.heads,
                })
                .collect(),
        }),
        Predicate::Close(p) => Content::Close {
            closed_at: p.closed_at,
            check_ins: p.check_ins,
            roster: p.roster,
        },
    });
}

/// Verifies the signatures of `entries` (in parallel, in batches) and
/// digests what verified. `first` is the index of `entries[0]` in the file.
fn check_entries<E: AsEntry>(
    entries: &[E],
    first: usize,
    bundle: bool,
    keys: &[PublicKey],
    ctx: Context<'_>,
    options: &Options<'_>,
    total: u64,
) -> Vec<CheckedEntry> {
    let keyids: HashMap<String, usize> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.keyid(), i))
        .collect();
    let done = std::sync::atomic::AtomicU64::new(first as u64);
    entries
        .par_chunks(CHUNK)
        .enumerate()
        .flat_map_iter(|(c, chunk)| {
            let out = check_chunk(chunk, first + c * CHUNK, bundle, keys, &keyids, ctx);
            if let Some(progress) = options.progress {
                let n = done.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed);
                progress(n + chunk.len() as u64, total);
            }
            out
        })
        .collect()
}

/// Entries are checked in chunks of this many, in parallel.
const CHUNK: usize = 256;

/// Checks one chunk of entries, the first of which is entry `start` of
/// the file: decodes each, verifies its signature strictly, and digests
/// what verified.
fn check_chunk<E: AsEntry>(
    chunk: &[E],
    start: usize,
    bundle: bool,
    keys: &[PublicKey],
    keyids: &HashMap<String, usize>,
    ctx: Context<'_>,
) -> Vec<CheckedEntry> {
    let loc = |k: usize| Loc {
        bundle,
        index: start + k,
    };
    let parsed: Vec<Option<std::borrow::Cow<'_, Entry>>> =
        chunk.iter().map(|e| e.as_entry().ok()).collect();
    let mut out: Vec<CheckedEntry> = chunk
        .iter()
        .map(|_| CheckedEntry {
            leaf: [0; 32],
            key: None,
            time: None,
            other_subject: None,
            language: None,
            content: None,
            failures: Vec::new(),
        })
        .collect();
    let decoded: Vec<Option<Decoded>> = parsed
        .iter()
        .enumerate()
        .map(|(k, e)| match e {
            Some(e) => decode_entry(e, loc(k), keyids, &mut out[k].failures),
            None => {
                let why = chunk[k]
                    .as_entry()
                    .err()
                    .map(|e| e.to_string())
                    .unwrap_or_default();
                out[k].failures.push(Failure {
                    location: loc(k).to_string(),
                    reason: format!("is not a valid entry: {why}"),
                });
                None
            }
        })
        .collect();
    // Strict single verification (RFC 8032 §5.1.7, cofactorless,
    // canonical encodings, no small-order points) of every signature.
    // Batch equations cannot be made to agree with it exactly: see
    // docs/FORMAT.md §3.
    let valid: Vec<bool> = decoded
        .iter()
        .map(|d| {
            d.as_ref()
                .is_some_and(|d| keys[d.key].verify_strict(&d.message, &d.signature))
        })
        .collect();
    for (k, entry) in parsed.iter().enumerate() {
        let o = &mut out[k];
        let Some(entry) = entry else { continue };
        match &decoded[k] {
            Some(d) => {
                o.leaf = merkle::leaf_hash(d.payload());
                o.key = Some(d.key);
                if valid[k] {
                    digest_entry(d.payload(), entry, loc(k), ctx, o);
                } else {
                    o.failures.push(Failure {
                        location: format!("{}.envelope.signatures[0].sig", loc(k)),
                        reason: "the signature does not verify over the payload".into(),
                    });
                }
            }
            // The leaf is the payload as written, so the root check
            // still reports against it.
            None => o.leaf = merkle::leaf_hash(&unb64(&entry.envelope.payload).unwrap_or_default()),
        }
    }
    out
}

/// Picks the trusted keys: pinned ones, else the file's own with a warning.
fn trusted_keys(report: &mut Report, own: &[PublicKey], options: &Options<'_>) -> Vec<PublicKey> {
    if options.pinned.is_empty() {
        report.warnings.push(
            "NO KEY PINNED: this file vouches for itself. Anyone can make a file that passes \
             this check. Pin the server's public key with --key to know who signed it."
                .into(),
        );
        own.to_vec()
    } else {
        report.keys_pinned = true;
        options.pinned.clone()
    }
}

fn timing(meeting: &Meeting, at: OffsetDateTime) -> &'static str {
    if at < meeting.starts_at {
        "before scheduled start"
    } else if at > meeting.ends_at {
        "late"
    } else {
        "on time"
    }
}

/// The parts of a bundle, however it was read.
struct Parts<'b, E> {
    entries: &'b [E],
    codes: &'b [String],
    checkpoint: &'b str,
    earlier_checkpoints: &'b [EarlierCheckpoint],
    public_keys: &'b [PublicKey],
    /// Whether entries may mark erased fields (bundle/v2).
    erasure: bool,
}

/// Verifies a parsed bundle.
pub fn verify_bundle(bundle: &Bundle, options: &Options<'_>) -> Report {
    verify_parts(
        Parts {
            entries: &bundle.entries,
            codes: &bundle.codes,
            checkpoint: &bundle.checkpoint,
            earlier_checkpoints: &bundle.earlier_checkpoints,
            public_keys: &bundle.public_keys,
            erasure: bundle_format(&bundle.format).unwrap_or(true),
        },
        options,
    )
}

/// Verifies a bundle read from a file, parsing its entries in parallel.
pub fn verify_raw_bundle(bundle: &RawBundle<'_>, options: &Options<'_>) -> Report {
    verify_parts(
        Parts {
            entries: &bundle.entries,
            codes: &bundle.codes,
            checkpoint: &bundle.checkpoint,
            earlier_checkpoints: &bundle.earlier_checkpoints,
            public_keys: &bundle.public_keys,
            erasure: bundle_format(&bundle.format).unwrap_or(true),
        },
        options,
    )
}

/// The versions a meeting statement offers: the subject first, one per
/// language of `languages` in the same order, no digest twice.
fn check_versions(report: &mut Report, m: &MeetingPredicate, subject: Option<&Subject>) {
    if m.versions.is_empty() {
        return;
    }
    if let (Some(first), Some(s)) = (m.versions.first(), subject) {
        if first.digest != s.digest || first.name != s.name {
            report.fail(
                "entries[0]",
                "its first Code version is not the Code it names as subject",
            );
        }
    }
    let langs: Vec<&String> = m.versions.iter().map(|v| &v.language).collect();
    if langs != m.languages.iter().collect::<Vec<_>>() {
        report.fail(
            "entries[0]",
            "the languages of its Code versions differ from its languages",
        );
    }
    let digests: HashSet<_> = m.versions.iter().map(|v| v.digest.sha256).collect();
    let unique_langs: HashSet<_> = langs.iter().collect();
    if digests.len() != m.versions.len() || unique_langs.len() != langs.len() {
        report.fail(
            "entries[0]",
            "it lists the same Code version or language twice",
        );
    }
}

/// What the signed meeting statement (entry 0) fixes for the other entries.
#[derive(Default)]
struct MeetingFacts {
    meeting: Option<Meeting>,
    /// The Code the meeting presents, when entry 0 named it.
    subject: Option<Subject>,
    languages: Option<Vec<String>>,
    code_title: Option<String>,
    versions: Vec<CodeVersion>,
}

impl MeetingFacts {
    fn context(&self, erasure: bool) -> Context<'_> {
        Context {
            meeting: self.meeting.as_ref(),
            subject: self.subject.as_ref(),
            languages: self.languages.as_deref(),
            code_title: self.code_title.as_deref(),
            versions: &self.versions,
            erasure,
        }
    }
}

/// The verifier's steps over a bundle, in the order of FORMAT.md §11.2.
fn verify_parts<E: AsEntry>(bundle: Parts<'_, E>, options: &Options<'_>) -> Report {
    let mut report = Report::new("bundle");
    report.entries = bundle.entries.len() as u64;
    let keys = trusted_keys(&mut report, bundle.public_keys, options);
    let checkpoint = step2_checkpoint(&mut report, bundle.checkpoint, &keys);
    let (mut checked, facts) = steps3_to_5_entries(&mut report, &bundle, &keys, options);
    let mut used_keys: HashSet<usize> = checked.iter().filter_map(|c| c.key).collect();
    if let Some(cp) = &checkpoint {
        used_keys.extend(keys.iter().position(|k| *k == cp.key));
    }
    for c in checked.iter_mut() {
        report.failures.append(&mut c.failures);
    }
    step6_codes(&mut report, bundle.codes, &checked, &facts);
    step7_tree(
        &mut report,
        &checked,
        checkpoint.as_ref(),
        facts.meeting.as_ref(),
    );
    step8_earlier_checkpoints(
        &mut report,
        bundle.earlier_checkpoints,
        &keys,
        checkpoint.as_ref(),
        &mut used_keys,
    );
    step9_public_keys(&mut report, bundle.public_keys, &keys, used_keys);
    let closed = step10_order(&mut report, checked);
    step11_labels(&mut report, closed, facts.meeting.is_some());
    if let Some(cp) = checkpoint {
        report.checkpoint = Some(CheckpointSummary {
            origin: cp.checkpoint.origin,
            size: cp.checkpoint.size,
            root: b64(&cp.checkpoint.root),
            signer: cp.key.to_base64(),
            earlier: bundle.earlier_checkpoints.len(),
        });
    }
    report.meeting = facts.meeting;
    report.valid = report.failures.is_empty();
    report
}

/// Step 2: the checkpoint is a valid note under the trusted keys.
fn step2_checkpoint(
    report: &mut Report,
    note: &str,
    keys: &[PublicKey],
) -> Option<VerifiedCheckpoint> {
    match verify_checkpoint(note, keys) {
        Ok(c) => Some(c),
        Err(e) => {
            report.fail("checkpoint", e.to_string());
            None
        }
    }
}

/// Steps 3 to 5: entry 0 on its own, the meeting it states, then every
/// other entry checked against that meeting.
fn steps3_to_5_entries<E: AsEntry>(
    report: &mut Report,
    bundle: &Parts<'_, E>,
    keys: &[PublicKey],
    options: &Options<'_>,
) -> (Vec<CheckedEntry>, MeetingFacts) {
    let total = bundle.entries.len() as u64;
    let head = bundle.entries.get(..1).unwrap_or_default();
    let head_ctx = Context {
        erasure: bundle.erasure,
        ..Context::default()
    };
    let mut checked = check_entries(head, 0, true, keys, head_ctx, options, total);
    let facts = step4_meeting(report, checked.first(), bundle.entries.is_empty());
    let rest = bundle.entries.get(1..).unwrap_or_default();
    let ctx = facts.context(bundle.erasure);
    checked.extend(check_entries(rest, 1, true, keys, ctx, options, total));
    (checked, facts)
}

/// Step 4: entry 0 must be the meeting statement, with a well-formed id,
/// an end not before its start, and consistent Code versions.
fn step4_meeting(report: &mut Report, first: Option<&CheckedEntry>, empty: bool) -> MeetingFacts {
    let Some(first) = first else {
        if empty {
            report.fail(
                "entries",
                "the log is empty; it must start with the meeting statement",
            );
        }
        return MeetingFacts::default();
    };
    let m = match first.content.as_ref() {
        Some(Content::Meeting(m)) => m,
        Some(_) => {
            report.fail(
                "entries[0]",
                "the first entry must be the signed meeting statement",
            );
            return MeetingFacts::default();
        }
        None => return MeetingFacts::default(),
    };
    check_versions(report, m, first.other_subject.as_ref());
    if !is_meeting_id(&m.meeting.id) {
        report.fail(
            "entries[0]",
            format!(
                "the meeting id {:?} is not 1-64 letters, digits, '-' or '_'",
                m.meeting.id
            ),
        );
    }
    if m.meeting.ends_at < m.meeting.starts_at {
        report.fail("entries[0]", "the meeting ends before it starts");
    }
    MeetingFacts {
        meeting: Some(m.meeting.clone()),
        subject: first.other_subject.clone(),
        languages: Some(m.languages.clone()),
        code_title: Some(m.code_title.clone()),
        versions: m.versions.clone(),
    }
}

/// Step 6: each Code text hashes to a digest some signed entry names, once,
/// and every acknowledged Code's text is present.
fn step6_codes(
    report: &mut Report,
    codes: &[String],
    checked: &[CheckedEntry],
    facts: &MeetingFacts,
) {
    let mut code_by_digest: HashMap<Sha256Digest, usize> = HashMap::new();
    for (k, text) in codes.iter().enumerate() {
        if code_by_digest
            .insert(Sha256Digest::of(text.as_bytes()), k)
            .is_some()
        {
            report.fail(
                format!("codes[{k}]"),
                "the same Code text is included twice",
            );
        }
    }
    let referenced = referenced_codes(report, checked, facts, &code_by_digest);
    for (k, text) in codes.iter().enumerate() {
        let digest = Sha256Digest::of(text.as_bytes());
        if facts
            .subject
            .as_ref()
            .is_some_and(|s| s.digest.sha256 == digest)
            && facts
                .code_title
                .as_deref()
                .is_some_and(|t| t != title_of(text))
        {
            report.fail(
                format!("codes[{k}]"),
                "its title differs from the Code title signed in the meeting statement",
            );
        }
        let Some((name, language)) = referenced.get(&digest) else {
            report.fail(
                format!("codes[{k}]"),
                format!("text hashes to {digest}, which no signed entry acknowledges (altered or extra text)"),
            );
            continue;
        };
        report.codes.push(CodeSummary {
            name: name.clone(),
            title: title_of(text).to_owned(),
            language: language.clone(),
            sha256: digest.to_hex(),
            text_checked: true,
        });
    }
}

/// Step 6, the signed side: every Code digest the entries name, with its
/// name and the language it was shown in; fails entries whose Code text is
/// missing or whose name for a digest differs from earlier entries'.
fn referenced_codes(
    report: &mut Report,
    checked: &[CheckedEntry],
    facts: &MeetingFacts,
    code_by_digest: &HashMap<Sha256Digest, usize>,
) -> BTreeMap<Sha256Digest, (String, Option<String>)> {
    let mut referenced: BTreeMap<Sha256Digest, (String, Option<String>)> = BTreeMap::new();
    let statement = match checked.first().and_then(|c| c.content.as_ref()) {
        Some(Content::Meeting(m)) => Some(m),
        _ => None,
    };
    if let (Some(s), Some(m)) = (&facts.subject, statement) {
        let language = match m.versions.first() {
            Some(v) => Some(v.language.clone()),
            None => (m.languages.len() == 1).then(|| m.languages[0].clone()),
        };
        referenced.insert(s.digest.sha256, (s.name.clone(), language));
        // Translations the meeting offers may be attached even if no one
        // was shown them.
        for v in m.versions.iter().skip(1) {
            referenced
                .entry(v.digest.sha256)
                .or_insert_with(|| (v.name.clone(), Some(v.language.clone())));
        }
        if !code_by_digest.contains_key(&s.digest.sha256) {
            report.fail(
                "entries[0]",
                format!(
                    "presents Code {}, whose text is not in the bundle (or was altered)",
                    s.digest.sha256
                ),
            );
        }
    }
    let mut missing: HashSet<Sha256Digest> =
        facts.subject.iter().map(|s| s.digest.sha256).collect();
    for (i, c) in checked.iter().enumerate().skip(1) {
        let Some(s) = &c.other_subject else { continue };
        let digest = s.digest.sha256;
        let absent = !code_by_digest.contains_key(&digest);
        match referenced.get_mut(&digest) {
            Some(seen) => {
                if seen.0 != s.name {
                    report.fail(
                        format!("entries[{i}]"),
                        format!(
                            "names Code {digest} {:?}, but earlier entries call it {:?}",
                            s.name, seen.0
                        ),
                    );
                }
                if seen.1.is_none() {
                    seen.1.clone_from(&c.language);
                }
                if absent && missing.insert(digest) {
                    report.fail(
                        format!("entries[{i}]"),
                        format!("acknowledges Code {digest}, whose text is not in the bundle (or was altered)"),
                    );
                }
            }
            None => {
                if absent {
                    report.fail(
                        format!("entries[{i}]"),
                        format!("acknowledges Code {digest}, whose text is not in the bundle (or was altered)"),
                    );
                }
                missing.insert(digest);
                referenced.insert(digest, (s.name.clone(), c.language.clone()));
            }
        }
    }
    referenced
}

/// Step 7: the Merkle root recomputed from every leaf equals the
/// checkpoint's, over as many entries, for this meeting's log.
fn step7_tree(
    report: &mut Report,
    checked: &[CheckedEntry],
    checkpoint: Option<&VerifiedCheckpoint>,
    meeting: Option<&Meeting>,
) {
    let leaves: Vec<Hash> = checked.iter().map(|c| c.leaf).collect();
    let root = par_root(&leaves);
    let Some(cp) = checkpoint else { return };
    let c = &cp.checkpoint;
    if c.size != leaves.len() as u64 {
        report.fail(
            "checkpoint",
            format!(
                "covers {} entries but the bundle has {}",
                c.size,
                leaves.len()
            ),
        );
    } else if c.root != root {
        report.fail(
            "checkpoint",
            "its root hash does not match the entries (an entry was altered, added, removed or reordered)",
        );
    }
    if let Some(m) = meeting {
        if !origin_names_meeting(&c.origin, &m.id) {
            report.fail(
                "checkpoint",
                format!("is for log {:?}, not meeting {:?}", c.origin, m.id),
            );
        }
    }
}

/// Step 8: each earlier checkpoint is valid, of the same log, strictly
/// growing below the final size, and provably extended by the final one.
fn step8_earlier_checkpoints(
    report: &mut Report,
    earlier: &[EarlierCheckpoint],
    keys: &[PublicKey],
    checkpoint: Option<&VerifiedCheckpoint>,
    used_keys: &mut HashSet<usize>,
) {
    let mut last_size = 0u64;
    for (k, e) in earlier.iter().enumerate() {
        let loc = format!("earlier_checkpoints[{k}]");
        let v = match verify_checkpoint(&e.checkpoint, keys) {
            Ok(v) => v,
            Err(err) => {
                report.fail(format!("{loc}.checkpoint"), err.to_string());
                continue;
            }
        };
        used_keys.extend(keys.iter().position(|k| *k == v.key));
        let Some(fin) = checkpoint else { continue };
        let (old, new) = (&v.checkpoint, &fin.checkpoint);
        if old.origin != new.origin {
            report.fail(
                &loc,
                format!("is for log {:?}, not {:?}", old.origin, new.origin),
            );
            continue;
        }
        if old.size <= last_size || old.size >= new.size {
            report.fail(
                &loc,
                "earlier checkpoints must grow strictly and stay below the final size",
            );
            continue;
        }
        last_size = old.size;
        let proof: Option<Vec<Hash>> = e
            .consistency
            .iter()
            .map(|h| unb64(h).ok().and_then(|b| b.try_into().ok()))
            .collect();
        match proof {
            Some(p) if merkle::verify_consistency(old.size, new.size, &old.root, &new.root, &p) => {
            }
            Some(_) => report.fail(
                format!("{loc}.consistency"),
                "the final checkpoint does not provably extend this one (the log was rewritten)",
            ),
            None => report.fail(
                format!("{loc}.consistency"),
                "is not a list of base64 hashes",
            ),
        }
    }
}

/// Step 9: every listed key signs something that verified, and every key
/// that signed is listed; the signers are reported.
fn step9_public_keys(
    report: &mut Report,
    listed: &[PublicKey],
    keys: &[PublicKey],
    used_keys: HashSet<usize>,
) {
    for (k, key) in listed.iter().enumerate() {
        let used = keys
            .iter()
            .position(|t| t == key)
            .is_some_and(|i| used_keys.contains(&i));
        if !used {
            report.fail(
                format!("public_keys[{k}]"),
                "signs nothing that verified in this bundle",
            );
        }
    }
    let mut used: Vec<usize> = used_keys.into_iter().collect();
    used.sort_unstable();
    for &i in &used {
        if !listed.contains(&keys[i]) {
            report.fail(
                "public_keys",
                format!("does not list key {}, which signed this bundle", keys[i]),
            );
        }
    }
    report.signers = used.iter().map(|&i| keys[i].to_base64()).collect();
}

/// Step 10: the meeting first and only first, no entry twice, times never
/// going back, nothing after the close, and the close's count right. Puts
/// the rows on the report; returns whether the meeting was closed.
fn step10_order(report: &mut Report, checked: Vec<CheckedEntry>) -> bool {
    let mut seen: HashMap<Hash, usize> = HashMap::with_capacity(checked.len());
    let mut last_time: Option<OffsetDateTime> = None;
    let mut check_ins = 0u64;
    let mut closed: Option<usize> = None;
    let mut leaves: Vec<Hash> = Vec::with_capacity(checked.len());
    // Log index of a check-in → its row in `report.attendees`.
    let mut rows: HashMap<u64, usize> = HashMap::new();
    let mut sessions = Sessions::default();
    for (i, c) in checked.into_iter().enumerate() {
        leaves.push(c.leaf);
        if let Some(j) = seen.insert(c.leaf, i) {
            report.fail(format!("entries[{i}]"), format!("duplicates entries[{j}]"));
        }
        let Some(content) = c.content else { continue };
        if let Some(k) = closed {
            report.fail(
                format!("entries[{i}]"),
                format!("follows the meeting's close in entries[{k}]"),
            );
        }
        if let (Some(prev), Some(at)) = (last_time, c.time) {
            if at < prev {
                report.fail(
                    format!("entries[{i}]"),
                    "is out of order: its time is earlier than the entry before it",
                );
            }
        }
        last_time = c.time.or(last_time);
        match content {
            Content::Meeting(_) if i > 0 => report.fail(
                format!("entries[{i}]"),
                "a second meeting statement; only entries[0] may be one",
            ),
            Content::Meeting(_) => {}
            Content::CheckIn(row) => {
                check_ins += 1;
                sessions.check_in(report, i, row.session);
                rows.insert(i as u64, report.attendees.len());
                report.attendees.push(*row);
            }
            Content::SessionOpen {
                session,
                opened_at,
                by,
            } => sessions.open(report, i, session, opened_at, by),
            Content::SessionClose {
                session,
                closed_at,
                check_ins,
            } => sessions.close(report, i, session, closed_at, check_ins),
            Content::Notes(row) => report.notes.push(row),
            Content::Amendment(row, leaf) => {
                apply_amendment(report, &rows, &leaves, i, &row, &leaf);
                report.amendments.push(*row);
            }
            Content::Roster(row) => report.rosters.push(row),
            Content::Delegations(row) => {
                check_delegations(report, &rows, i, &row);
                report.delegations.push(row);
            }
            Content::Close {
                closed_at,
                check_ins: recorded,
                roster,
            } => {
                if let Some(counts) = roster {
                    check_roster_counts(report, i, &counts);
                    report.roster_counts = Some(counts);
                }
                closed = Some(i);
                report.closed_at = Some(fmt_time(closed_at));
                // A session still open ends with the meeting.
                if let Some(k) = sessions.open.take() {
                    sessions.rows[k].closed_at = Some(fmt_time(closed_at));
                }
                if recorded != check_ins {
                    report.fail(
                        format!("entries[{i}]"),
                        format!(
                            "the close records {recorded} check-ins but the log has {check_ins}"
                        ),
                    );
                }
            }
        }
    }
    report.attestations = check_ins;
    report.sessions = sessions.rows;
    // Room and remote: the check-ins counted, struck ones left out.
    for a in report.attendees.iter().filter(|a| !a.struck) {
        if a.presence == Presence::Remote.label() {
            report.remote += 1;
        } else {
            report.room += 1;
        }
    }
    closed.is_some()
}

/// Step 10, for sessions: one open at a time, each opened once, every
/// check-in after the first opening made during the open session and
/// naming it, and each close counting the check-ins of its session.
#[derive(Default)]
struct Sessions {
    rows: Vec<SessionRow>,
    /// The row of the session open now.
    open: Option<usize>,
}

impl Sessions {
    fn open(&mut self, report: &mut Report, i: usize, s: Session, at: OffsetDateTime, by: String) {
        if let Some(k) = self.open {
            report.fail(
                format!("entries[{i}]"),
                format!(
                    "opens session {} while session {} is open",
                    s.number, self.rows[k].number
                ),
            );
            return;
        }
        if self.rows.iter().any(|r| r.number == s.number) {
            report.fail(
                format!("entries[{i}]"),
                format!("opens session {} a second time", s.number),
            );
            return;
        }
        self.open = Some(self.rows.len());
        self.rows.push(SessionRow {
            number: s.number,
            name: s.name,
            starts_at: fmt_time(s.starts_at),
            ends_at: fmt_time(s.ends_at),
            opened_at: fmt_time(at),
            opened_by: by,
            closed_at: None,
            check_ins: 0,
        });
    }

    fn close(
        &mut self,
        report: &mut Report,
        i: usize,
        number: u32,
        at: OffsetDateTime,
        recorded: u64,
    ) {
        let Some(k) = self.open.filter(|&k| self.rows[k].number == number) else {
            report.fail(
                format!("entries[{i}]"),
                format!("closes session {number}, which is not open"),
            );
            return;
        };
        self.open = None;
        let row = &mut self.rows[k];
        row.closed_at = Some(fmt_time(at));
        if row.check_ins != recorded {
            report.fail(
                format!("entries[{i}]"),
                format!(
                    "the close of session {number} records {recorded} check-ins but the log has {}",
                    row.check_ins
                ),
            );
        }
    }

    fn check_in(&mut self, report: &mut Report, i: usize, session: Option<u32>) {
        let none_yet = self.rows.is_empty();
        let open = self.open.map(|k| &mut self.rows[k]);
        match (session, open) {
            (None, None) if none_yet => {}
            (Some(n), Some(row)) if row.number == n => row.check_ins += 1,
            (Some(n), _) => report.fail(
                format!("entries[{i}]"),
                format!("is for session {n}, which is not open at this point of the log"),
            ),
            (None, _) => report.fail(
                format!("entries[{i}]"),
                "names no session, but the meeting's sessions have begun",
            ),
        }
    }
}

/// Step 10, for a delegation snapshot at `entries[i]`: each head of
/// delegation is an earlier check-in not struck, and the delegations count
/// no more attendees than are present.
fn check_delegations(
    report: &mut Report,
    rows: &HashMap<u64, usize>,
    i: usize,
    d: &DelegationsRow,
) {
    let present = report.attendees.iter().filter(|a| !a.struck).count() as u64;
    let counted: u64 = d.delegations.iter().map(|g| g.present).sum();
    if counted > present {
        report.fail(
            format!("entries[{i}]"),
            format!("the snapshot counts {counted} attendees in delegations but only {present} check-ins count"),
        );
    }
    for g in &d.delegations {
        for h in &g.heads {
            let ok = rows.get(h).is_some_and(|&r| !report.attendees[r].struck);
            if !ok {
                report.fail(
                    format!("entries[{i}]"),
                    format!(
                        "names entries[{h}] head of the delegation of {:?}, which is not an earlier check-in that counts",
                        g.country
                    ),
                );
            }
        }
    }
}

/// Step 10, for a close/v2 at `entries[i]`: the latest roster entry before
/// it has `expected` rows, the check-ins not struck are `present_room +
/// present_remote` (a check-in is remote when its presence method is
/// `remote`), and the counts agree with each other.
fn check_roster_counts(report: &mut Report, i: usize, c: &RosterCounts) {
    let loc = format!("entries[{i}]");
    match report.rosters.last().map(|r| r.size) {
        None => report.fail(
            loc.clone(),
            "the close counts against a roster but the log commits to none",
        ),
        Some(size) if size != c.expected => report.fail(
            loc.clone(),
            format!(
                "the close expects {} participants but the latest roster has {size}",
                c.expected
            ),
        ),
        Some(_) => {}
    }
    let counted = report.attendees.iter().filter(|a| !a.struck);
    let remote = counted.clone().filter(|a| is_remote(a)).count() as u64;
    let room = counted.count() as u64 - remote;
    if (room, remote) != (c.present_room, c.present_remote) {
        report.fail(
            loc.clone(),
            format!(
                "the close counts {} present in the room and {} remotely but the log has {room} and {remote} check-ins that count",
                c.present_room, c.present_remote
            ),
        );
    }
    if !c.consistent() {
        report.fail(
            loc,
            format!(
                "the close's counts disagree: {} expected should be {} present, less {} walk-ins and {} repeats, plus {} absent",
                c.expected,
                c.present(),
                c.walk_ins,
                c.repeats,
                c.absent
            ),
        );
    }
}

/// Whether a check-in's presence method is `remote` (its label is the
/// method's name).
fn is_remote(a: &AttendeeRow) -> bool {
    a.presence == "remote"
}

/// Step 10, for an amendment at `entries[i]`: it names an earlier
/// check-in of this log by index and leaf hash, not already struck. Its
/// corrections are noted on that check-in's row.
fn apply_amendment(
    report: &mut Report,
    rows: &HashMap<u64, usize>,
    leaves: &[Hash],
    i: usize,
    a: &AmendmentRow,
    leaf: &str,
) {
    let Some(&row) = rows.get(&a.amends) else {
        report.fail(
            format!("entries[{i}]"),
            format!(
                "amends entries[{}], which is not an earlier check-in of this meeting",
                a.amends
            ),
        );
        return;
    };
    let named = usize::try_from(a.amends).ok().and_then(|k| leaves.get(k));
    if named.map(|h| super::encoding::hex(h)) != Some(leaf.to_owned()) {
        report.fail(
            format!("entries[{i}]"),
            format!(
                "names the leaf hash of a different entry than entries[{}]",
                a.amends
            ),
        );
        return;
    }
    let target = &mut report.attendees[row];
    if target.struck {
        report.fail(
            format!("entries[{i}]"),
            format!(
                "amends entries[{}], which an earlier amendment struck",
                a.amends
            ),
        );
        return;
    }
    target.amended_by.push(a.index);
    if a.action == AmendAction::Strike.as_str() {
        target.struck = true;
    }
    if let Some(role) = &a.role {
        target.corrected.insert("role".into(), role.clone());
    }
    for (field, value) in &a.fields {
        target.corrected.insert(field.clone(), value.clone());
    }
}

/// Step 11: warnings for a list exported before the close and for
/// check-ins outside the scheduled time (each row carries its label).
fn step11_labels(report: &mut Report, closed: bool, meeting_known: bool) {
    if !closed && meeting_known {
        report.warnings.push(
            "the meeting was not closed when this list was exported: it may be incomplete".into(),
        );
    }
    let late = report
        .attendees
        .iter()
        .filter(|a| a.timing != "on time" && !a.struck)
        .count();
    if late > 0 {
        report.warnings.push(format!(
            "{late} check-in(s) fall outside the scheduled meeting time and are labelled"
        ));
    }
    let struck = report.attendees.iter().filter(|a| a.struck).count();
    if struck > 0 {
        report.warnings.push(format!(
            "{struck} check-in(s) were struck by the secretary as recorded in error, with the \
             reasons listed; they are left out of the counts"
        ));
    }
}

/// Verifies a parsed receipt.
pub fn verify_receipt(receipt: &Receipt, options: &Options<'_>) -> Report {
    let mut report = Report::new("receipt");
    report.entries = 1;
    // Step R1: the trusted keys.
    let keys = trusted_keys(&mut report, &receipt.public_keys, options);
    // Step R2: the entry's signature and contents, as in a bundle.
    let checked = check_entries(
        std::slice::from_ref(&receipt.entry),
        0,
        false,
        &keys,
        Context {
            erasure: receipt_format(&receipt.format).unwrap_or(true),
            ..Context::default()
        },
        options,
        1,
    );
    let Some(mut c) = checked.into_iter().next() else {
        report.fail("entry", "missing");
        return report;
    };
    report.failures.append(&mut c.failures);
    if let Some(k) = c.key {
        report.signers.push(keys[k].to_base64());
    }
    // Step R3: it is a check-in; what it says.
    receipt_check_in(receipt, c.content, &mut report);
    // Step R4: its place in the log, proven against a checkpoint (or pending).
    match (&receipt.checkpoint, &receipt.inclusion) {
        (Some(note), Some(inclusion)) => {
            receipt_inclusion(note, inclusion, &c.leaf, &keys, &mut report)
        }
        // Signed, but fetched before a checkpoint covered it: nothing is
        // wrong, and nothing proves its place in the log yet.
        (None, None) => report.pending = true,
        _ => report.fail(
            "inclusion",
            "inclusion and checkpoint come together: the receipt has one without the other",
        ),
    }
    // Step R5: the keys it lists are exactly those that signed it.
    receipt_keys(receipt, &mut report);
    // Pending only if nothing else is wrong; never valid without its proof.
    report.pending &= report.failures.is_empty();
    report.valid = report.failures.is_empty() && !report.pending;
    report
}

/// Step R3: a receipt holds a check-in; its attendee, meeting and Code go
/// into the report.
fn receipt_check_in(receipt: &Receipt, content: Option<Content>, report: &mut Report) {
    let payload = unb64(&receipt.entry.envelope.payload).unwrap_or_default();
    let parsed = RollcallStatement::parse(&payload).map(|s| (s.subject, s.predicate));
    match (content, parsed) {
        (Some(Content::CheckIn(mut row)), Ok((subject, Predicate::CheckIn(p)))) => {
            report.attestations = 1;
            report.codes.push(CodeSummary {
                name: subject.name,
                title: p.code_title.clone(),
                language: Some(p.language.clone()),
                sha256: subject.digest.sha256.to_hex(),
                text_checked: false,
            });
            row.index = receipt.inclusion.as_ref().map_or(0, |i| i.index);
            report.attendees.push(*row);
            report.meeting = Some(p.meeting);
        }
        (Some(_), _) => report.fail(
            "entry",
            "a receipt holds a check-in, not another kind of entry",
        ),
        _ => {}
    }
}

/// Step R4: the checkpoint is signed by a trusted key, is the meeting's
/// log, and the inclusion proof puts the entry's `leaf` in it.
fn receipt_inclusion(
    note: &str,
    inclusion: &super::bundle::InclusionProof,
    leaf: &Hash,
    keys: &[PublicKey],
    report: &mut Report,
) {
    let cp = match verify_checkpoint(note, keys) {
        Ok(cp) => cp,
        Err(e) => return report.fail("checkpoint", e.to_string()),
    };
    let proof: Option<Vec<Hash>> = inclusion
        .hashes
        .iter()
        .map(|h| unb64(h).ok().and_then(|b| b.try_into().ok()))
        .collect();
    let cpc = &cp.checkpoint;
    match proof {
        Some(p) if merkle::verify_inclusion(inclusion.index, cpc.size, leaf, &p, &cpc.root) => {}
        Some(_) => report.fail(
            "inclusion",
            "the entry is not in the log at this checkpoint (wrong index, proof or log)",
        ),
        None => report.fail("inclusion.hashes", "is not a list of base64 hashes"),
    }
    if let Some(m) = &report.meeting {
        if !origin_names_meeting(&cpc.origin, &m.id) {
            let reason = format!("is for log {:?}, not meeting {:?}", cpc.origin, m.id);
            report.fail("checkpoint", reason);
        }
    }
    if !report.signers.contains(&cp.key.to_base64()) {
        report.signers.push(cp.key.to_base64());
    }
    report.checkpoint = Some(CheckpointSummary {
        origin: cpc.origin.clone(),
        size: cpc.size,
        root: b64(&cpc.root),
        signer: cp.key.to_base64(),
        earlier: 0,
    });
}

/// Step R5: every key the receipt lists signed something in it, and every
/// key that signed is listed.
fn receipt_keys(receipt: &Receipt, report: &mut Report) {
    for (k, key) in receipt.public_keys.iter().enumerate() {
        if !report.signers.contains(&key.to_base64()) {
            report.fail(
                format!("public_keys[{k}]"),
                "signs nothing that verified in this receipt",
            );
        }
    }
    for signer in report.signers.clone() {
        if !receipt.public_keys.iter().any(|k| k.to_base64() == signer) {
            report.fail(
                "public_keys",
                format!("does not list key {signer}, which signed this receipt"),
            );
        }
    }
}

/// MTH computed with both halves in parallel at the top levels.
fn par_root(leaves: &[Hash]) -> Hash {
    if leaves.len() < 4096 {
        return merkle::root(leaves);
    }
    let k = 1usize << (usize::BITS - 1 - (leaves.len() - 1).leading_zeros());
    let (l, r) = rayon::join(|| par_root(&leaves[..k]), || par_root(&leaves[k..]));
    merkle::node_hash(&l, &r)
}
