//! The offline verifier for bundles and receipts.
//!
//! Pure: it reads bytes it is given, trusts only the keys it is given, and
//! never touches a clock, a network, a database or a file.

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::batch::{self, Item};
use super::bundle::{Bundle, Entry, Receipt, BUNDLE_FORMAT, RECEIPT_FORMAT};
use super::checkpoint::{verify_checkpoint, VerifiedCheckpoint};
use super::code::title_of;
use super::digest::Sha256Digest;
use super::disclosure::{commitment, Disclosure};
use super::encoding::{b64, unb64};
use super::envelope::{pae, IN_TOTO_PAYLOAD_TYPE};
use super::keys::PublicKey;
use super::merkle::{self, Hash};
use super::statement::{Meeting, Predicate, RollcallStatement, COMMITTED_FIELDS};

/// How to verify.
#[derive(Default)]
pub struct Options<'a> {
    /// Keys the auditor trusts. Empty: the file's own keys are used, with a warning.
    pub pinned: Vec<PublicKey>,
    /// Verify every signature on its own instead of in batches.
    pub exhaustive: bool,
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
    /// First 12 hex digits of SHA-256 of the signed payload.
    pub id: String,
    pub checked_in_at: String,
    pub role: String,
    pub presence: String,
    pub language: String,
    /// Disclosed fields.
    pub fields: BTreeMap<String, String>,
    /// Committed fields whose value is not disclosed in this file.
    pub withheld: Vec<String>,
    /// `on time`, `before scheduled start` or `late`.
    pub timing: &'static str,
}

/// Notes on discussion of the Code.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct NotesRow {
    pub index: u64,
    pub recorded_at: String,
    pub recorded_by: String,
    pub text: String,
}

/// The verifier's findings.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub valid: bool,
    /// `bundle` or `receipt`.
    pub kind: &'static str,
    /// Whether the signing keys were pinned by the auditor.
    pub keys_pinned: bool,
    pub signers: Vec<String>,
    pub meeting: Option<Meeting>,
    pub codes: Vec<CodeSummary>,
    pub entries: u64,
    pub attestations: u64,
    pub checkpoint: Option<CheckpointSummary>,
    pub closed_at: Option<String>,
    pub notes: Vec<NotesRow>,
    pub attendees: Vec<AttendeeRow>,
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

fn fmt_time(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

impl Report {
    fn new(kind: &'static str) -> Self {
        Self {
            valid: false,
            kind,
            keys_pinned: false,
            signers: Vec::new(),
            meeting: None,
            codes: Vec::new(),
            entries: 0,
            attestations: 0,
            checkpoint: None,
            closed_at: None,
            notes: Vec::new(),
            attendees: Vec::new(),
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

/// Verifies a bundle or receipt given as JSON bytes.
pub fn verify_json(bytes: &[u8], options: &Options<'_>) -> Result<Report, Unreadable> {
    let probe: Probe = serde_json::from_slice(bytes).map_err(Unreadable::NotJson)?;
    match probe.format.as_deref() {
        Some(BUNDLE_FORMAT) => Ok(match serde_json::from_slice::<Bundle>(bytes) {
            Ok(b) => verify_bundle(&b, options),
            Err(e) => Report::structural("bundle", e),
        }),
        Some(RECEIPT_FORMAT) => Ok(match serde_json::from_slice::<Receipt>(bytes) {
            Ok(r) => verify_receipt(&r, options),
            Err(e) => Report::structural("receipt", e),
        }),
        other => Err(Unreadable::UnknownFormat(other.unwrap_or("").to_owned())),
    }
}

/// An entry after its signature has been checked.
struct CheckedEntry {
    leaf: Hash,
    statement: Option<RollcallStatement>,
    key: Option<usize>,
    disclosed: BTreeMap<String, String>,
    withheld: Vec<String>,
    failures: Vec<Failure>,
}

/// Decoded inputs of one entry, before signature verification.
struct Decoded {
    payload: Vec<u8>,
    message: Vec<u8>,
    signature: [u8; 64],
    key: usize,
}

fn decode_entry(
    entry: &Entry,
    loc: &str,
    keyids: &HashMap<String, usize>,
    failures: &mut Vec<Failure>,
) -> Option<Decoded> {
    let mut fail = |l: String, r: String| failures.push(Failure { location: l, reason: r });
    let env = &entry.envelope;
    if env.payload_type != IN_TOTO_PAYLOAD_TYPE {
        fail(
            format!("{loc}.envelope.payloadType"),
            format!("is {:?}, expected {IN_TOTO_PAYLOAD_TYPE:?}", env.payload_type),
        );
        return None;
    }
    let Ok(payload) = unb64(&env.payload) else {
        fail(
            format!("{loc}.envelope.payload"),
            "is not standard padded base64".into(),
        );
        return None;
    };
    let [sig] = env.signatures.as_slice() else {
        fail(
            format!("{loc}.envelope.signatures"),
            format!("has {} signatures; a rollcall entry has exactly one", env.signatures.len()),
        );
        return None;
    };
    let sloc = format!("{loc}.envelope.signatures[0]");
    let Some(keyid) = &sig.keyid else {
        fail(sloc, "has no keyid".into());
        return None;
    };
    let Some(&key) = keyids.get(keyid) else {
        fail(
            format!("{sloc}.keyid"),
            format!("names key {keyid}, which is not a trusted key"),
        );
        return None;
    };
    let Some(signature) = unb64(&sig.sig).ok().and_then(|s| <[u8; 64]>::try_from(s).ok()) else {
        fail(format!("{sloc}.sig"), "is not standard base64 of 64 bytes".into());
        return None;
    };
    let message = pae(&env.payload_type, &payload);
    Some(Decoded {
        payload,
        message,
        signature,
        key,
    })
}

/// Matches disclosures to the statement's commitments.
fn check_disclosures(
    statement: &RollcallStatement,
    disclosures: &[String],
    loc: &str,
    failures: &mut Vec<Failure>,
) -> (BTreeMap<String, String>, Vec<String>) {
    let mut disclosed = BTreeMap::new();
    let commitments = match &statement.predicate {
        Predicate::CheckIn(p) => &p.attendee.commitments,
        _ => {
            if !disclosures.is_empty() {
                failures.push(Failure {
                    location: format!("{loc}.disclosures"),
                    reason: "this entry commits to no fields, so it can have no disclosures".into(),
                });
            }
            return (disclosed, Vec::new());
        }
    };
    for (field, _) in commitments.iter() {
        if !COMMITTED_FIELDS.contains(&field.as_str()) {
            failures.push(Failure {
                location: format!("{loc}.envelope.payload"),
                reason: format!("commits to unknown field {field:?}"),
            });
        }
    }
    for (j, d) in disclosures.iter().enumerate() {
        let dloc = format!("{loc}.disclosures[{j}]");
        let digest = commitment(d);
        let Some((field, _)) = commitments.iter().find(|(_, c)| **c == digest) else {
            failures.push(Failure {
                location: dloc,
                reason: "matches none of the signed commitments".into(),
            });
            continue;
        };
        match Disclosure::parse(d) {
            Ok(dis) if &dis.field == field => {
                if disclosed.insert(field.clone(), dis.value).is_some() {
                    failures.push(Failure {
                        location: dloc,
                        reason: format!("discloses {field:?} a second time"),
                    });
                }
            }
            Ok(dis) => failures.push(Failure {
                location: dloc,
                reason: format!("names field {:?} but is committed as {field:?}", dis.field),
            }),
            Err(e) => failures.push(Failure {
                location: dloc,
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

/// Verifies the signatures of `entries` (in parallel, batched) and parses
/// what verified.
fn check_entries(
    entries: &[Entry],
    keys: &[PublicKey],
    options: &Options<'_>,
    location: impl Fn(usize) -> String + Sync,
) -> Vec<CheckedEntry> {
    let keyids: HashMap<String, usize> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.keyid(), i))
        .collect();
    let done = std::sync::atomic::AtomicU64::new(0);
    const CHUNK: usize = 128;
    entries
        .par_chunks(CHUNK)
        .enumerate()
        .flat_map_iter(|(c, chunk)| {
            let mut failures: Vec<Vec<Failure>> = vec![Vec::new(); chunk.len()];
            let decoded: Vec<Option<Decoded>> = chunk
                .iter()
                .enumerate()
                .map(|(k, e)| decode_entry(e, &location(c * CHUNK + k), &keyids, &mut failures[k]))
                .collect();
            let present: Vec<usize> = (0..chunk.len()).filter(|&k| decoded[k].is_some()).collect();
            let items: Vec<Item> = present
                .iter()
                .filter_map(|&k| decoded[k].as_ref())
                .map(|d| Item {
                    message: &d.message,
                    signature: d.signature,
                    key: &keys[d.key],
                })
                .collect();
            let ok = batch::verify_all(&items, options.exhaustive);
            let mut valid = vec![false; chunk.len()];
            for (n, &k) in present.iter().enumerate() {
                valid[k] = ok[n];
            }
            let out: Vec<CheckedEntry> = chunk
                .iter()
                .enumerate()
                .map(|(k, entry)| {
                    let loc = location(c * CHUNK + k);
                    let mut fails = std::mem::take(&mut failures[k]);
                    let d = decoded[k].as_ref();
                    // The leaf is the payload as written, even when unsigned,
                    // so the root check still reports against it.
                    let leaf = match d {
                        Some(d) => merkle::leaf_hash(&d.payload),
                        None => merkle::leaf_hash(
                            &unb64(&entry.envelope.payload).unwrap_or_default(),
                        ),
                    };
                    let mut statement = None;
                    let (mut disclosed, mut withheld) = (BTreeMap::new(), Vec::new());
                    match d {
                        Some(d) if valid[k] => match RollcallStatement::parse(&d.payload) {
                            Ok(s) => {
                                (disclosed, withheld) =
                                    check_disclosures(&s, &entry.disclosures, &loc, &mut fails);
                                statement = Some(s);
                            }
                            Err(e) => fails.push(Failure {
                                location: format!("{loc}.envelope.payload"),
                                reason: e.to_string(),
                            }),
                        },
                        Some(_) => fails.push(Failure {
                            location: format!("{loc}.envelope.signatures[0].sig"),
                            reason: "the signature does not verify over the payload".into(),
                        }),
                        None => {}
                    }
                    CheckedEntry {
                        leaf,
                        statement,
                        key: d.map(|d| d.key),
                        disclosed,
                        withheld,
                        failures: fails,
                    }
                })
                .collect();
            if let Some(progress) = options.progress {
                let n = done.fetch_add(chunk.len() as u64, std::sync::atomic::Ordering::Relaxed);
                progress(n + chunk.len() as u64, entries.len() as u64);
            }
            out
        })
        .collect()
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

/// The meeting id named by a log origin (its last path segment).
fn origin_meeting(origin: &str) -> &str {
    origin.rsplit('/').next().unwrap_or(origin)
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

fn attendee_row(
    index: u64,
    payload_id: String,
    p: &super::statement::CheckInPredicate,
    c: &CheckedEntry,
    meeting: &Meeting,
) -> AttendeeRow {
    AttendeeRow {
        index,
        id: payload_id,
        checked_in_at: fmt_time(p.checked_in_at),
        role: p.attendee.role.clone(),
        presence: p.presence.label().to_owned(),
        language: p.language.clone(),
        fields: c.disclosed.clone(),
        withheld: c.withheld.clone(),
        timing: timing(meeting, p.checked_in_at),
    }
}

/// Verifies a parsed bundle.
pub fn verify_bundle(bundle: &Bundle, options: &Options<'_>) -> Report {
    let mut report = Report::new("bundle");
    report.entries = bundle.entries.len() as u64;

    // 1. Trusted keys.
    let keys = trusted_keys(&mut report, &bundle.public_keys, options);

    // 2. Checkpoint signature.
    let checkpoint: Option<VerifiedCheckpoint> = match verify_checkpoint(&bundle.checkpoint, &keys) {
        Ok(c) => Some(c),
        Err(e) => {
            report.fail("checkpoint", e.to_string());
            None
        }
    };

    // 3. Every envelope signature (and 4. every disclosure).
    let checked = check_entries(&bundle.entries, &keys, options, |i| format!("entries[{i}]"));
    let mut used_keys: HashSet<usize> = checked.iter().filter_map(|c| c.key).collect();
    if let Some(cp) = &checkpoint {
        if let Some(i) = keys.iter().position(|k| *k == cp.key) {
            used_keys.insert(i);
        }
    }
    for c in &checked {
        report.failures.extend(c.failures.iter().cloned());
    }

    // The meeting comes from entry 0, which is signed.
    let meeting = match checked.first().and_then(|c| c.statement.as_ref()) {
        Some(RollcallStatement {
            predicate: Predicate::Meeting(m),
            ..
        }) => Some(m.meeting.clone()),
        Some(_) => {
            report.fail("entries[0]", "the first entry must be the signed meeting statement");
            None
        }
        None if bundle.entries.is_empty() => {
            report.fail("entries", "the log is empty; it must start with the meeting statement");
            None
        }
        None => None,
    };
    // 5. Code text against its digest, and every entry's subject against the texts.
    let mut code_by_digest: HashMap<Sha256Digest, usize> = HashMap::new();
    for (k, text) in bundle.codes.iter().enumerate() {
        if code_by_digest.insert(Sha256Digest::of(text.as_bytes()), k).is_some() {
            report.fail(format!("codes[{k}]"), "the same Code text is included twice");
        }
    }
    // digest -> (subject name, language shown)
    let mut referenced: BTreeMap<Sha256Digest, (String, Option<String>)> = BTreeMap::new();
    for (i, c) in checked.iter().enumerate() {
        let Some(s) = &c.statement else { continue };
        let digest = s.subject.digest.sha256;
        let language = match &s.predicate {
            Predicate::CheckIn(p) => Some(p.language.clone()),
            Predicate::Meeting(p) if p.languages.len() == 1 => p.languages.first().cloned(),
            _ => None,
        };
        match referenced.get_mut(&digest) {
            Some(seen) => {
                if seen.0 != s.subject.name {
                    report.fail(
                        format!("entries[{i}]"),
                        format!("names Code {digest} {:?}, but earlier entries call it {:?}", s.subject.name, seen.0),
                    );
                }
                if seen.1.is_none() {
                    seen.1 = language;
                }
            }
            None => {
                if !code_by_digest.contains_key(&digest) {
                    report.fail(
                        format!("entries[{i}]"),
                        format!("acknowledges Code {digest}, whose text is not in the bundle (or was altered)"),
                    );
                }
                referenced.insert(digest, (s.subject.name.clone(), language));
            }
        }
    }
    for (k, text) in bundle.codes.iter().enumerate() {
        let digest = Sha256Digest::of(text.as_bytes());
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

    // 6. Merkle root recomputed from the leaves equals the checkpoint.
    let leaves: Vec<Hash> = checked.iter().map(|c| c.leaf).collect();
    let root = par_root(&leaves);
    if let Some(cp) = &checkpoint {
        let c = &cp.checkpoint;
        if c.size != leaves.len() as u64 {
            report.fail(
                "checkpoint",
                format!("covers {} entries but the bundle has {}", c.size, leaves.len()),
            );
        } else if c.root != root {
            report.fail(
                "checkpoint",
                "its root hash does not match the entries (an entry was altered, added, removed or reordered)",
            );
        }
        if let Some(m) = &meeting {
            if origin_meeting(&c.origin) != m.id {
                report.fail(
                    "checkpoint",
                    format!("is for log {:?}, not meeting {:?}", c.origin, m.id),
                );
            }
        }
    }

    // 7. Earlier checkpoints are consistent with the final one.
    let mut last_size = 0u64;
    for (k, e) in bundle.earlier_checkpoints.iter().enumerate() {
        let loc = format!("earlier_checkpoints[{k}]");
        let v = match verify_checkpoint(&e.checkpoint, &keys) {
            Ok(v) => v,
            Err(err) => {
                report.fail(format!("{loc}.checkpoint"), err.to_string());
                continue;
            }
        };
        if let Some(i) = keys.iter().position(|k| *k == v.key) {
            used_keys.insert(i);
        }
        let Some(fin) = &checkpoint else { continue };
        let (old, new) = (&v.checkpoint, &fin.checkpoint);
        if old.origin != new.origin {
            report.fail(&loc, format!("is for log {:?}, not {:?}", old.origin, new.origin));
            continue;
        }
        if old.size <= last_size && k > 0 || old.size >= new.size {
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
            Some(p) if merkle::verify_consistency(old.size, new.size, &old.root, &new.root, &p) => {}
            Some(_) => report.fail(
                format!("{loc}.consistency"),
                "the final checkpoint does not provably extend this one (the log was rewritten)",
            ),
            None => report.fail(format!("{loc}.consistency"), "is not a list of base64 hashes"),
        }
    }

    // Listed public keys: each one must sign something, and no other key may.
    for (k, key) in bundle.public_keys.iter().enumerate() {
        let used = keys
            .iter()
            .position(|t| t == key)
            .is_some_and(|i| used_keys.contains(&i));
        if !used {
            report.fail(format!("public_keys[{k}]"), "signs nothing that verified in this bundle");
        }
    }
    for &i in &used_keys {
        if !bundle.public_keys.contains(&keys[i]) {
            report.fail(
                "public_keys",
                format!("does not list key {}, which signed this bundle", keys[i]),
            );
        }
    }
    let mut used: Vec<usize> = used_keys.into_iter().collect();
    used.sort_unstable();
    report.signers = used.iter().map(|&i| keys[i].to_base64()).collect();

    // 8. Order: meeting first, one log per meeting, no duplicates, times
    //    never going back, nothing after the close. 9. Timing labels.
    let mut seen: HashMap<Hash, usize> = HashMap::with_capacity(checked.len());
    let mut last_time: Option<OffsetDateTime> = None;
    let mut check_ins = 0u64;
    let mut closed: Option<usize> = None;
    for (i, c) in checked.iter().enumerate() {
        let loc = format!("entries[{i}]");
        if let Some(j) = seen.insert(c.leaf, i) {
            report.fail(&loc, format!("duplicates entries[{j}]"));
        }
        let Some(s) = &c.statement else { continue };
        if let Some(k) = closed {
            report.fail(&loc, format!("follows the meeting's close in entries[{k}]"));
        }
        let at = s.predicate.time();
        if let Some(prev) = last_time {
            if at < prev {
                report.fail(&loc, "is out of order: its time is earlier than the entry before it");
            }
        }
        last_time = Some(at);
        let Some(m) = &meeting else { continue };
        if s.predicate.meeting_id() != m.id {
            report.fail(&loc, format!("belongs to meeting {:?}, not {:?}", s.predicate.meeting_id(), m.id));
            continue;
        }
        match &s.predicate {
            Predicate::Meeting(_) if i > 0 => {
                report.fail(&loc, "a second meeting statement; only entries[0] may be one")
            }
            Predicate::Meeting(_) => {}
            Predicate::CheckIn(p) => {
                check_ins += 1;
                if p.meeting != *m {
                    report.fail(&loc, "its meeting details differ from the signed meeting statement");
                }
                let id = Sha256Digest::of(&unb64(&bundle.entries[i].envelope.payload).unwrap_or_default()).short(12);
                report.attendees.push(attendee_row(i as u64, id, p, c, m));
            }
            Predicate::Notes(p) => report.notes.push(NotesRow {
                index: i as u64,
                recorded_at: fmt_time(p.recorded_at),
                recorded_by: p.recorded_by.clone(),
                text: p.text.clone(),
            }),
            Predicate::Close(p) => {
                closed = Some(i);
                report.closed_at = Some(fmt_time(p.closed_at));
                if p.check_ins != check_ins {
                    report.fail(
                        &loc,
                        format!("the close records {} check-ins but the log has {check_ins}", p.check_ins),
                    );
                }
            }
        }
    }
    report.attestations = check_ins;
    if closed.is_none() && meeting.is_some() {
        report
            .warnings
            .push("the meeting was not closed when this list was exported: it may be incomplete".into());
    }
    let late = report.attendees.iter().filter(|a| a.timing != "on time").count();
    if late > 0 {
        report.warnings.push(format!(
            "{late} check-in(s) fall outside the scheduled meeting time and are labelled"
        ));
    }
    if let Some(cp) = checkpoint {
        report.checkpoint = Some(CheckpointSummary {
            origin: cp.checkpoint.origin,
            size: cp.checkpoint.size,
            root: b64(&cp.checkpoint.root),
            signer: cp.key.to_base64(),
            earlier: bundle.earlier_checkpoints.len(),
        });
    }
    report.meeting = meeting;
    report.valid = report.failures.is_empty();
    report
}

/// Verifies a parsed receipt.
pub fn verify_receipt(receipt: &Receipt, options: &Options<'_>) -> Report {
    let mut report = Report::new("receipt");
    report.entries = 1;
    let keys = trusted_keys(&mut report, &receipt.public_keys, options);
    let checked = check_entries(std::slice::from_ref(&receipt.entry), &keys, options, |_| "entry".to_owned());
    let Some(c) = checked.into_iter().next() else {
        report.fail("entry", "missing");
        return report;
    };
    report.failures.extend(c.failures.iter().cloned());
    if let Some(k) = c.key {
        report.signers.push(keys[k].to_base64());
    }
    match &c.statement {
        Some(RollcallStatement {
            subject,
            predicate: Predicate::CheckIn(p),
        }) => {
            report.attestations = 1;
            report.meeting = Some(p.meeting.clone());
            report.codes.push(CodeSummary {
                name: subject.name.clone(),
                title: p.code_title.clone(),
                language: Some(p.language.clone()),
                sha256: subject.digest.sha256.to_hex(),
                text_checked: false,
            });
            let id = Sha256Digest::of(&unb64(&receipt.entry.envelope.payload).unwrap_or_default()).short(12);
            let index = receipt.inclusion.as_ref().map_or(0, |i| i.index);
            report.attendees.push(attendee_row(index, id, p, &c, &p.meeting));
        }
        Some(_) => report.fail("entry", "a receipt holds a check-in, not another kind of entry"),
        None => {}
    }
    match (&receipt.checkpoint, &receipt.inclusion) {
        (Some(note), Some(inclusion)) => match verify_checkpoint(note, &keys) {
            Ok(cp) => {
                let proof: Option<Vec<Hash>> = inclusion
                    .hashes
                    .iter()
                    .map(|h| unb64(h).ok().and_then(|b| b.try_into().ok()))
                    .collect();
                let cpc = &cp.checkpoint;
                match proof {
                    Some(p) if merkle::verify_inclusion(inclusion.index, cpc.size, &c.leaf, &p, &cpc.root) => {}
                    Some(_) => report.fail(
                        "inclusion",
                        "the entry is not in the log at this checkpoint (wrong index, proof or log)",
                    ),
                    None => report.fail("inclusion.hashes", "is not a list of base64 hashes"),
                }
                if let Some(m) = &report.meeting {
                    if origin_meeting(&cpc.origin) != m.id {
                        report.fail(
                            "checkpoint",
                            format!("is for log {:?}, not meeting {:?}", cpc.origin, m.id),
                        );
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
            Err(e) => report.fail("checkpoint", e.to_string()),
        },
        _ => report.fail(
            "inclusion",
            "no checkpoint covers this check-in yet; download the receipt again in a few seconds",
        ),
    }
    for (k, key) in receipt.public_keys.iter().enumerate() {
        if !report.signers.contains(&key.to_base64()) {
            report.fail(format!("public_keys[{k}]"), "signs nothing that verified in this receipt");
        }
    }
    report.valid = report.failures.is_empty();
    report
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
