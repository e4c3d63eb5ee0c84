//! The one way a meeting's log is built, by the server's writer and by the
//! [`Recorder`](super::recorder::Recorder) alike: planning (index, time,
//! salts, de-duplication), building and signing statements, sealing
//! checkpoints, and assembling bundles and receipts from the entries.
//!
//! Pure: time and randomness are passed in, and storage is the caller's.

use std::collections::{HashMap, HashSet};

use rand_core::CryptoRngCore;
use time::OffsetDateTime;

use super::bundle::{
    encode_hashes, Bundle, EarlierCheckpoint, Entry, InclusionProof, Receipt, BUNDLE_FORMAT,
    RECEIPT_FORMAT,
};
use super::checkpoint::{verify_checkpoint, Checkpoint};
use super::code::CodeDocument;
use super::digest::Sha256Digest;
use super::disclosure::Disclosure;
use super::encoding::b64;
use super::envelope::{pae, Envelope, EnvelopeSignature, IN_TOTO_PAYLOAD_TYPE};
use super::keys::{PublicKey, Signer};
use super::merkle::{leaf_hash, Hash, Tree};
use super::statement::{
    AmendAction, AmendmentPredicate, Attendee, CheckInPredicate, ClosePredicate, CodeVersion,
    Delegation, DelegationsPredicate, EntryRef, Meeting, MeetingPredicate, NotesPredicate,
    Predicate, Presence, RollcallStatement, RosterCounts, RosterPredicate, Session,
    SessionClosePredicate, SessionOpenPredicate, Subject, SubjectDigest,
};

/// An attendee's answers on the check-in form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckIn<'a> {
    pub name: &'a str,
    pub organization: &'a str,
    pub country: &'a str,
    pub email: Option<&'a str>,
    pub role: &'a str,
    pub presence: Presence,
    pub language: &'a str,
    /// The attendee agrees to their email being shown on circulated lists.
    pub share_email: bool,
}

/// What recognises the same attendee checking in again. Without either
/// key, every check-in is new.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recognition {
    /// Normalised email: the same person, if under the same name.
    pub email_key: Option<String>,
    /// The device cookie: the same device.
    pub device_key: Option<String>,
    /// The name, lower-cased: an email recognises a repeat only for the same name.
    pub name_key: String,
}

/// Disclosures for the committed fields of a check-in, in field order,
/// salted from `rng` (a CSPRNG).
pub fn disclose(c: &CheckIn<'_>, rng: &mut (impl CryptoRngCore + ?Sized)) -> Vec<Disclosure> {
    let mut out = vec![
        Disclosure::new("name", c.name, rng),
        Disclosure::new("organization", c.organization, rng),
        Disclosure::new("country", c.country, rng),
    ];
    if let Some(email) = c.email {
        out.push(Disclosure::new("email", email, rng));
    }
    out
}

/// The in-toto subject naming a Code document.
pub fn subject(code: &CodeDocument) -> Subject {
    Subject {
        name: code.name.clone(),
        digest: SubjectDigest {
            sha256: code.digest(),
        },
    }
}

/// The version entry naming a Code document in a meeting statement.
pub fn version(code: &CodeDocument) -> CodeVersion {
    CodeVersion {
        name: code.name.clone(),
        digest: SubjectDigest {
            sha256: code.digest(),
        },
        language: code.language.clone(),
    }
}

/// The meeting statement (entry 0) opening a meeting under `code`,
/// offered in `languages` and, when translated, in `versions`.
pub fn meeting_statement(
    meeting: &Meeting,
    code: &CodeDocument,
    languages: Vec<String>,
    versions: Vec<CodeVersion>,
    now: OffsetDateTime,
) -> RollcallStatement {
    RollcallStatement {
        subject: subject(code),
        predicate: Predicate::Meeting(MeetingPredicate {
            meeting: meeting.clone(),
            code_title: code.title().to_owned(),
            languages,
            opened_at: now,
            versions,
        }),
    }
}

/// The check-in statement for `c`, committing to `disclosures`, made
/// during `session` (if one is open).
pub fn check_in_statement(
    meeting: &Meeting,
    code: &CodeDocument,
    c: &CheckIn<'_>,
    disclosures: &[Disclosure],
    session: Option<u32>,
    now: OffsetDateTime,
) -> RollcallStatement {
    RollcallStatement {
        subject: subject(code),
        predicate: Predicate::CheckIn(CheckInPredicate {
            meeting: meeting.clone(),
            checked_in_at: now,
            attendee: Attendee {
                role: c.role.to_owned(),
                commitments: disclosures
                    .iter()
                    .map(|d| (d.field.clone(), d.commitment()))
                    .collect(),
            },
            presence: c.presence.clone(),
            code_title: code.title().to_owned(),
            language: c.language.to_owned(),
            circulate: Some(if c.share_email && c.email.is_some() {
                vec!["email".to_owned()]
            } else {
                Vec::new()
            }),
            session,
        }),
    }
}

/// What an entry of the log records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryKind {
    Meeting,
    CheckIn,
    Notes,
    /// An amendment correcting a check-in.
    Correction,
    /// An amendment striking a check-in recorded in error.
    Strike,
    /// A session opened for check-in.
    SessionOpen,
    /// The open session closed.
    SessionClose,
    /// The secretary's commitment to the roster of expected participants.
    Roster,
    /// A snapshot of the delegations present.
    Delegations,
    Close,
}

impl EntryKind {
    /// The name stored beside each entry.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Meeting => "meeting",
            Self::CheckIn => "check-in",
            Self::Notes => "notes",
            Self::Correction => "correction",
            Self::Strike => "strike",
            Self::SessionOpen => "session-open",
            Self::SessionClose => "session-close",
            Self::Roster => "roster",
            Self::Delegations => "delegations",
            Self::Close => "close",
        }
    }
}

/// An entry given its place in the log, not yet signed.
#[derive(Clone, Debug)]
pub struct Planned {
    pub index: u64,
    pub kind: EntryKind,
    pub statement: RollcallStatement,
    /// The encoded disclosures travelling beside the statement.
    pub disclosures: Vec<String>,
}

/// A check-in, planned.
#[derive(Clone, Debug)]
pub enum CheckInPlan {
    /// A new entry.
    New(Box<Planned>),
    /// The same person or device again: the index of their entry.
    Existing(u64),
}

/// A secretary's amendment of the check-in at `amends`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Amendment<'a> {
    pub amends: u64,
    pub action: AmendAction,
    pub reason: &'a str,
    /// Corrected values (`correct` only); `None`: unchanged.
    pub role: Option<&'a str>,
    pub name: Option<&'a str>,
    pub organization: Option<&'a str>,
    pub country: Option<&'a str>,
}

/// Why an amendment is refused while planning.
#[derive(Clone, Copy, Debug, thiserror::Error, PartialEq, Eq)]
pub enum AmendRefused {
    #[error(
        "entry {0} of this meeting is not a check-in; only check-ins can be corrected or struck"
    )]
    NotACheckIn(u64),
    #[error("check-in {0} was struck as recorded in error; it cannot be amended again")]
    Struck(u64),
    #[error("a correction must change the name, organisation, country or role")]
    NothingToCorrect,
    #[error("a strike carries no corrected values; correct the check-in instead, or strike it without them")]
    StrikeWithValues,
    #[error("check-in {0} is still being recorded; try again in a moment")]
    NotYetRecorded(u64),
}

/// Why opening or closing a session is refused while planning.
#[derive(Clone, Copy, Debug, thiserror::Error, PartialEq, Eq)]
pub enum SessionRefused {
    #[error("session {0} is open; close it before opening another")]
    AnotherOpen(u32),
    #[error("session {0} was already opened; a session is opened once")]
    AlreadyOpened(u32),
    #[error("session {0} is not open")]
    NotOpen(u32),
}

/// Why a delegation snapshot is refused while planning.
#[derive(Clone, Copy, Debug, thiserror::Error, PartialEq, Eq)]
pub enum DelegationsRefused {
    #[error(
        "entry {0} of this meeting is not a check-in that counts; a head of delegation must be one"
    )]
    NotACheckIn(u64),
}

/// Why a check-in is refused while planning.
#[derive(Clone, Copy, Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refused {
    #[error("this email address has already checked in to this meeting under another name")]
    EmailTaken,
    #[error("the QR code has expired")]
    Expired,
    #[error("no session is open: check-in resumes when the secretary opens the next session")]
    BetweenSessions,
}

/// One meeting's log being planned: the next index, the time of the latest
/// entry (entries are never dated before the one they follow), the
/// check-ins counted so far and what recognises their attendees.
#[derive(Clone, Debug)]
pub struct Planner {
    meeting: Meeting,
    code: CodeDocument,
    next: u64,
    last_time: OffsetDateTime,
    check_ins: u64,
    /// (Session, email key) → (index, lower-cased name); session 0: none.
    by_email: HashMap<(u32, String), (u64, String)>,
    /// (Session, device key) → index.
    by_device: HashMap<(u32, String), u64>,
    /// The session open now, and its check-ins so far.
    open_session: Option<(u32, u64)>,
    /// Every session opened in the log.
    sessions_opened: HashSet<u32>,
    /// The indices of the check-ins in the log.
    check_in_at: HashSet<u64>,
    /// The check-ins struck as recorded in error.
    struck: HashSet<u64>,
}

impl Planner {
    /// Opens a meeting: the planner and entry 0, the meeting statement.
    pub fn open(
        meeting: Meeting,
        code: CodeDocument,
        languages: Vec<String>,
        versions: Vec<CodeVersion>,
        now: OffsetDateTime,
    ) -> (Self, Planned) {
        let statement = meeting_statement(&meeting, &code, languages, versions, now);
        let mut p = Self::resume(meeting, code, 0, now);
        let index = p.reserve(now).0;
        (
            p,
            Planned {
                index,
                kind: EntryKind::Meeting,
                statement,
                disclosures: Vec::new(),
            },
        )
    }

    /// Continues a log already `size` entries long, the latest dated
    /// `last_time`. Tell it of each recorded check-in with
    /// [`recorded_check_in`](Self::recorded_check_in).
    pub fn resume(
        meeting: Meeting,
        code: CodeDocument,
        size: u64,
        last_time: OffsetDateTime,
    ) -> Self {
        Self {
            meeting,
            code,
            next: size,
            last_time,
            check_ins: 0,
            by_email: HashMap::new(),
            by_device: HashMap::new(),
            check_in_at: HashSet::new(),
            struck: HashSet::new(),
            open_session: None,
            sessions_opened: HashSet::new(),
        }
    }

    /// Takes into account an entry already in the log at `index`, dated
    /// `at` (when readable): the next index follows it, and no later entry
    /// is dated before it.
    pub fn recorded(&mut self, index: u64, at: Option<OffsetDateTime>) {
        self.next = self.next.max(index + 1);
        if let Some(at) = at {
            self.last_time = self.last_time.max(at);
        }
    }

    /// Counts a check-in already in the log, and remembers what recognises
    /// its attendee.
    pub fn recorded_check_in(&mut self, index: u64, who: Recognition) {
        self.recorded_session_check_in(index, who, None);
    }

    /// [`recorded_check_in`](Self::recorded_check_in) for a check-in made
    /// during `session`.
    pub fn recorded_session_check_in(
        &mut self,
        index: u64,
        who: Recognition,
        session: Option<u32>,
    ) {
        self.check_ins += 1;
        self.check_in_at.insert(index);
        if let (Some(s), Some((open, n))) = (session, self.open_session.as_mut()) {
            if s == *open {
                *n += 1;
            }
        }
        self.remember(index, who, session.unwrap_or(0));
    }

    /// Takes into account a session opened (`open`) or closed in the log.
    pub fn recorded_session(&mut self, number: u32, open: bool) {
        if open {
            self.sessions_opened.insert(number);
            self.open_session = Some((number, 0));
        } else if self.open_session.is_some_and(|(n, _)| n == number) {
            self.open_session = None;
        }
    }

    /// The session open now, if any.
    pub fn session_open_now(&self) -> Option<u32> {
        self.open_session.map(|(n, _)| n)
    }

    /// Takes into account an amendment already in the log, of the check-in
    /// at `amends`.
    pub fn recorded_amendment(&mut self, amends: u64, action: AmendAction) {
        if action == AmendAction::Strike {
            self.struck.insert(amends);
            self.forget(&[amends]);
        }
    }

    fn remember(&mut self, index: u64, who: Recognition, session: u32) {
        if let Some(k) = who.email_key {
            self.by_email.insert((session, k), (index, who.name_key));
        }
        if let Some(k) = who.device_key {
            self.by_device.insert((session, k), index);
        }
    }

    /// Forgets what recognised these check-ins (after their personal data
    /// were erased).
    pub fn forget(&mut self, indices: &[u64]) {
        self.by_email.retain(|_, (i, _)| !indices.contains(i));
        self.by_device.retain(|_, i| !indices.contains(i));
    }

    /// Whether the check-in at `index` is still recognised by an email or
    /// a device.
    pub fn recognises(&self, index: u64) -> bool {
        self.by_email.values().any(|(i, _)| *i == index)
            || self.by_device.values().any(|i| *i == index)
    }

    /// The meeting.
    pub fn meeting(&self) -> &Meeting {
        &self.meeting
    }

    /// The Code the meeting was opened under.
    pub fn code(&self) -> &CodeDocument {
        &self.code
    }

    /// The next index: the number of entries planned.
    pub fn next(&self) -> u64 {
        self.next
    }

    /// Reserves the next index and the entry's time (never earlier than the
    /// entry before it).
    fn reserve(&mut self, now: OffsetDateTime) -> (u64, OffsetDateTime) {
        let index = self.next;
        self.next += 1;
        self.last_time = self.last_time.max(now);
        (index, self.last_time)
    }

    /// Plans a check-in by an attendee shown `shown` (one of the Code's
    /// translations; `None`: the Code itself), recognised by `who`, salting
    /// its disclosures from `rng`. The same person or device again gets
    /// their own entry back.
    pub fn check_in(
        &mut self,
        c: &CheckIn<'_>,
        shown: Option<&CodeDocument>,
        who: Recognition,
        now: OffsetDateTime,
        rng: &mut (impl CryptoRngCore + ?Sized),
    ) -> Result<CheckInPlan, Refused> {
        if self.open_session.is_none() && !self.sessions_opened.is_empty() {
            return Err(Refused::BetweenSessions);
        }
        let session = self.open_session.map(|(n, _)| n);
        let key = session.unwrap_or(0);
        // An email is the person; without one, the device and the name are.
        // Each session is checked in to separately.
        let existing = match &who.email_key {
            Some(k) => match self.by_email.get(&(key, k.clone())) {
                Some((index, name)) if *name == who.name_key => Some(*index),
                // Never hand one person's receipt to someone who knows their email.
                Some(_) => return Err(Refused::EmailTaken),
                None => None,
            },
            None => who
                .device_key
                .as_ref()
                .and_then(|k| self.by_device.get(&(key, k.clone())))
                .copied(),
        };
        if let Some(index) = existing {
            return Ok(CheckInPlan::Existing(index));
        }
        if let Presence::RotatingQr { not_after, .. } = &c.presence {
            if now.max(self.last_time) > *not_after {
                return Err(Refused::Expired);
            }
        }
        let (index, at) = self.reserve(now);
        self.check_ins += 1;
        self.check_in_at.insert(index);
        if let Some((_, n)) = self.open_session.as_mut() {
            *n += 1;
        }
        let disclosures = disclose(c, rng);
        let code = shown.unwrap_or(&self.code);
        let statement = check_in_statement(&self.meeting, code, c, &disclosures, session, at);
        self.remember(index, who, key);
        Ok(CheckInPlan::New(Box::new(Planned {
            index,
            kind: EntryKind::CheckIn,
            statement,
            disclosures: disclosures.into_iter().map(|d| d.encoded).collect(),
        })))
    }

    /// Plans notes on discussion of the Code.
    pub fn notes(&mut self, by: &str, text: &str, now: OffsetDateTime) -> Planned {
        let (index, at) = self.reserve(now);
        Planned {
            index,
            kind: EntryKind::Notes,
            statement: RollcallStatement {
                subject: subject(&self.code),
                predicate: Predicate::Notes(NotesPredicate {
                    meeting_id: self.meeting.id.clone(),
                    recorded_at: at,
                    recorded_by: by.to_owned(),
                    text: text.to_owned(),
                }),
            },
            disclosures: Vec::new(),
        }
    }

    /// Plans a secretary's amendment of an earlier check-in whose leaf hash
    /// is `leaf`, committing to the corrected values with salts from `rng`.
    /// A struck check-in no longer recognises its attendee, who may check
    /// in again.
    pub fn amend(
        &mut self,
        a: &Amendment<'_>,
        by: &str,
        leaf: &Hash,
        now: OffsetDateTime,
        rng: &mut (impl CryptoRngCore + ?Sized),
    ) -> Result<Planned, AmendRefused> {
        if !self.check_in_at.contains(&a.amends) {
            return Err(AmendRefused::NotACheckIn(a.amends));
        }
        if self.struck.contains(&a.amends) {
            return Err(AmendRefused::Struck(a.amends));
        }
        let values = [
            ("name", a.name),
            ("organization", a.organization),
            ("country", a.country),
        ];
        let has_values = a.role.is_some() || values.iter().any(|(_, v)| v.is_some());
        match (a.action, has_values) {
            (AmendAction::Correct, false) => return Err(AmendRefused::NothingToCorrect),
            (AmendAction::Strike, true) => return Err(AmendRefused::StrikeWithValues),
            _ => {}
        }
        let disclosures: Vec<Disclosure> = values
            .iter()
            .filter_map(|(f, v)| v.map(|v| Disclosure::new(f, v, rng)))
            .collect();
        let (index, at) = self.reserve(now);
        let kind = match a.action {
            AmendAction::Correct => EntryKind::Correction,
            AmendAction::Strike => {
                self.struck.insert(a.amends);
                self.forget(&[a.amends]);
                EntryKind::Strike
            }
        };
        Ok(Planned {
            index,
            kind,
            statement: RollcallStatement {
                subject: subject(&self.code),
                predicate: Predicate::Amendment(AmendmentPredicate {
                    meeting_id: self.meeting.id.clone(),
                    recorded_at: at,
                    recorded_by: by.to_owned(),
                    amends: EntryRef {
                        index: a.amends,
                        leaf: super::encoding::hex(leaf),
                    },
                    action: a.action,
                    reason: a.reason.to_owned(),
                    role: a.role.map(str::to_owned),
                    commitments: disclosures
                        .iter()
                        .map(|d| (d.field.clone(), d.commitment()))
                        .collect(),
                }),
            },
            disclosures: disclosures.into_iter().map(|d| d.encoded).collect(),
        })
    }

    /// Plans opening `session` for check-in: check-ins until it closes
    /// are for it. One session is open at a time, and each opens once.
    pub fn open_session(
        &mut self,
        session: Session,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<Planned, SessionRefused> {
        if let Some((open, _)) = self.open_session {
            return Err(SessionRefused::AnotherOpen(open));
        }
        if self.sessions_opened.contains(&session.number) {
            return Err(SessionRefused::AlreadyOpened(session.number));
        }
        let (index, at) = self.reserve(now);
        self.recorded_session(session.number, true);
        Ok(Planned {
            index,
            kind: EntryKind::SessionOpen,
            statement: RollcallStatement {
                subject: subject(&self.code),
                predicate: Predicate::SessionOpen(SessionOpenPredicate {
                    meeting_id: self.meeting.id.clone(),
                    opened_at: at,
                    recorded_by: by.to_owned(),
                    session,
                }),
            },
            disclosures: Vec::new(),
        })
    }

    /// Plans closing the open session `number`, counting its check-ins.
    pub fn close_session(
        &mut self,
        number: u32,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<Planned, SessionRefused> {
        let Some((open, check_ins)) = self.open_session.filter(|(n, _)| *n == number) else {
            return Err(SessionRefused::NotOpen(number));
        };
        let (index, at) = self.reserve(now);
        self.recorded_session(open, false);
        Ok(Planned {
            index,
            kind: EntryKind::SessionClose,
            statement: RollcallStatement {
                subject: subject(&self.code),
                predicate: Predicate::SessionClose(SessionClosePredicate {
                    meeting_id: self.meeting.id.clone(),
                    closed_at: at,
                    recorded_by: by.to_owned(),
                    session: open,
                    check_ins,
                }),
            },
            disclosures: Vec::new(),
        })
    }

    /// Plans the secretary's commitment to the roster: its number of rows
    /// and the SHA-256 of its canonical form.
    pub fn roster(
        &mut self,
        by: &str,
        size: u64,
        sha256: Sha256Digest,
        now: OffsetDateTime,
    ) -> Planned {
        let (index, at) = self.reserve(now);
        Planned {
            index,
            kind: EntryKind::Roster,
            statement: RollcallStatement {
                subject: subject(&self.code),
                predicate: Predicate::Roster(RosterPredicate {
                    meeting_id: self.meeting.id.clone(),
                    recorded_at: at,
                    recorded_by: by.to_owned(),
                    size,
                    sha256,
                }),
            },
            disclosures: Vec::new(),
        }
    }

    /// Plans a snapshot of the delegations present. Each head of
    /// delegation must be a check-in of this log not struck.
    pub fn delegations(
        &mut self,
        by: &str,
        delegations: Vec<Delegation>,
        now: OffsetDateTime,
    ) -> Result<Planned, DelegationsRefused> {
        for d in &delegations {
            for &h in &d.heads {
                if !self.check_in_at.contains(&h) || self.struck.contains(&h) {
                    return Err(DelegationsRefused::NotACheckIn(h));
                }
            }
        }
        let (index, at) = self.reserve(now);
        Ok(Planned {
            index,
            kind: EntryKind::Delegations,
            statement: RollcallStatement {
                subject: subject(&self.code),
                predicate: Predicate::Delegations(DelegationsPredicate {
                    meeting_id: self.meeting.id.clone(),
                    recorded_at: at,
                    recorded_by: by.to_owned(),
                    delegations,
                }),
            },
            disclosures: Vec::new(),
        })
    }

    /// Plans the close, which counts the check-ins planned before it.
    pub fn close(&mut self, now: OffsetDateTime) -> Planned {
        self.close_counting(now, None)
    }

    /// Plans the close with the roster's counts, if any (a close/v2).
    pub fn close_counting(&mut self, now: OffsetDateTime, roster: Option<RosterCounts>) -> Planned {
        let (index, at) = self.reserve(now);
        Planned {
            index,
            kind: EntryKind::Close,
            statement: RollcallStatement {
                subject: subject(&self.code),
                predicate: Predicate::Close(ClosePredicate {
                    meeting_id: self.meeting.id.clone(),
                    closed_at: at,
                    check_ins: self.check_ins,
                    roster,
                }),
            },
            disclosures: Vec::new(),
        }
    }
}

/// A statement signed: the exact payload, its DSSE signature and its leaf.
#[derive(Clone, Debug)]
pub struct Signed {
    pub signature: [u8; 64],
    pub payload: Vec<u8>,
    pub leaf: Hash,
}

impl Signed {
    /// Signs a statement's payload (DSSE, in-toto payload type).
    pub fn sign(signer: &Signer, statement: &RollcallStatement) -> Self {
        let payload = statement.to_payload();
        let signature = signer.sign(&pae(IN_TOTO_PAYLOAD_TYPE, &payload));
        let leaf = leaf_hash(&payload);
        Self {
            signature,
            payload,
            leaf,
        }
    }

    /// The log entry: the envelope signed by the key with DSSE `keyid`, and
    /// the disclosures beside it.
    pub fn entry(&self, keyid: &str, disclosures: Vec<String>) -> Entry {
        Entry {
            envelope: Envelope {
                payload: b64(&self.payload),
                payload_type: IN_TOTO_PAYLOAD_TYPE.to_owned(),
                signatures: vec![EnvelopeSignature {
                    keyid: Some(keyid.to_owned()),
                    sig: b64(&self.signature),
                }],
            },
            disclosures,
            erased: Vec::new(),
        }
    }
}

/// Signs the checkpoint over the first `size` leaves of `tree`, the log
/// named `origin`; `None` if the tree is shorter.
pub fn seal(signer: &Signer, origin: &str, tree: &Tree, size: u64) -> Option<String> {
    let root = tree.root(usize::try_from(size).ok()?)?;
    let checkpoint = Checkpoint {
        origin: origin.to_owned(),
        size,
        root,
    };
    Some(checkpoint.sign(signer))
}

/// The keys among `keys` that signed one of these entries or notes, in the
/// order of `keys`.
pub fn signers(keys: &[PublicKey], entries: &[Entry], notes: &[&str]) -> Vec<PublicKey> {
    keys.iter()
        .filter(|k| {
            let id = k.keyid();
            entries.iter().any(|e| {
                e.envelope
                    .signatures
                    .iter()
                    .any(|s| s.keyid.as_deref() == Some(id.as_str()))
            }) || notes.iter().any(|n| verify_checkpoint(n, &[**k]).is_ok())
        })
        .copied()
        .collect()
}

/// A signed checkpoint note and the log size it covers, as a log keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCheckpoint {
    pub size: u64,
    pub note: String,
}

/// The bundle as of the latest of `checkpoints` (signed notes with the log
/// size they cover, oldest first): the entries it covers, each earlier
/// checkpoint (once per size) with its consistency proof, the text of each
/// Code document (once), and the keys among `keys` that signed any of it.
/// `None` without a checkpoint.
pub fn bundle(
    codes: Vec<String>,
    mut entries: Vec<Entry>,
    checkpoints: &[SignedCheckpoint],
    tree: &Tree,
    keys: &[PublicKey],
) -> Option<Bundle> {
    let SignedCheckpoint { size, note } = checkpoints.last().cloned()?;
    entries.truncate(usize::try_from(size).ok()?);
    let mut earlier: Vec<EarlierCheckpoint> = Vec::new();
    let mut last_size = None;
    for SignedCheckpoint { size: s, note: n } in
        checkpoints.iter().filter(|c| c.size > 0 && c.size < size)
    {
        if last_size == Some(*s) {
            continue;
        }
        last_size = Some(*s);
        let proof = usize::try_from(*s)
            .ok()
            .zip(usize::try_from(size).ok())
            .and_then(|(old, new)| tree.consistency_proof(old, new))
            .unwrap_or_default();
        earlier.push(EarlierCheckpoint {
            checkpoint: n.clone(),
            consistency: encode_hashes(&proof),
        });
    }
    let mut unique: Vec<String> = Vec::with_capacity(codes.len());
    for c in codes {
        if !unique.contains(&c) {
            unique.push(c);
        }
    }
    let mut notes: Vec<&str> = vec![note.as_str()];
    notes.extend(earlier.iter().map(|e| e.checkpoint.as_str()));
    let public_keys = signers(keys, &entries, &notes);
    Some(Bundle {
        format: BUNDLE_FORMAT.to_owned(),
        codes: unique,
        entries,
        checkpoint: note,
        earlier_checkpoints: earlier,
        public_keys,
    })
}

/// The receipt for the entry at `index`, proven against the latest of
/// `checkpoints` that covers it (without proof while none does), with the
/// keys among `keys` that signed the entry or that checkpoint.
pub fn receipt(
    entry: Entry,
    index: u64,
    checkpoints: &[SignedCheckpoint],
    tree: &Tree,
    keys: &[PublicKey],
) -> Receipt {
    let covering = checkpoints.iter().rev().find(|c| c.size > index);
    let proof = covering.and_then(|SignedCheckpoint { size, note }| {
        let hashes =
            tree.inclusion_proof(usize::try_from(index).ok()?, usize::try_from(*size).ok()?)?;
        Some((
            InclusionProof {
                index,
                hashes: encode_hashes(&hashes),
            },
            note.clone(),
        ))
    });
    let (inclusion, checkpoint) = match proof {
        Some((p, note)) => (Some(p), Some(note)),
        None => (None, None),
    };
    let notes: Vec<&str> = checkpoint.iter().map(String::as_str).collect();
    let public_keys = signers(keys, std::slice::from_ref(&entry), &notes);
    Receipt {
        format: RECEIPT_FORMAT.to_owned(),
        entry,
        inclusion,
        checkpoint,
        public_keys,
    }
}

#[cfg(test)]
mod tests {
    use rand_core::SeedableRng;
    use time::macros::datetime;
    use time::Duration;

    use super::*;

    fn planner() -> Planner {
        let meeting = Meeting {
            id: "m-1".into(),
            title: "Plenary".into(),
            committee: "TC 1".into(),
            location: "Geneva".into(),
            starts_at: datetime!(2026-12-01 09:00 UTC),
            ends_at: datetime!(2026-12-01 17:00 UTC),
            timezone: "Europe/Zurich".into(),
        };
        let at = datetime!(2026-12-01 08:00 UTC);
        Planner::open(
            meeting,
            CodeDocument::iso(),
            vec!["en".into()],
            Vec::new(),
            at,
        )
        .0
    }

    fn ada(presence: Presence) -> CheckIn<'static> {
        CheckIn {
            name: "Ada",
            organization: "Org",
            country: "CH",
            email: Some("ada@example.org"),
            role: "delegate",
            presence,
            language: "en",
            share_email: false,
        }
    }

    fn by(email: Option<&str>, device: Option<&str>, name: &str) -> Recognition {
        Recognition {
            email_key: email.map(str::to_owned),
            device_key: device.map(str::to_owned),
            name_key: name.to_owned(),
        }
    }

    #[test]
    fn the_same_person_again_gets_their_own_entry_and_a_stranger_with_their_email_is_refused() {
        let mut p = planner();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let now = datetime!(2026-12-01 09:00 UTC);
        let c = ada(Presence::StaticLink);
        let first = p.check_in(
            &c,
            None,
            by(Some("ada@example.org"), None, "ada"),
            now,
            &mut rng,
        );
        assert!(matches!(first, Ok(CheckInPlan::New(ref e)) if e.index == 1));
        let again = p.check_in(
            &c,
            None,
            by(Some("ada@example.org"), None, "ada"),
            now,
            &mut rng,
        );
        assert!(matches!(again, Ok(CheckInPlan::Existing(1))));
        let other = p.check_in(
            &c,
            None,
            by(Some("ada@example.org"), None, "eve"),
            now,
            &mut rng,
        );
        assert_eq!(other.err(), Some(Refused::EmailTaken));
        // A device is recognised when no email is given.
        let phone = p.check_in(&c, None, by(None, Some("phone"), "bob"), now, &mut rng);
        assert!(matches!(phone, Ok(CheckInPlan::New(ref e)) if e.index == 2));
        let phone = p.check_in(&c, None, by(None, Some("phone"), "bob"), now, &mut rng);
        assert!(matches!(phone, Ok(CheckInPlan::Existing(2))));
        // Once forgotten (erased), nothing recognises them.
        p.forget(&[1, 2]);
        assert!(!p.recognises(1));
        let later = p.check_in(
            &c,
            None,
            by(Some("ada@example.org"), None, "ada"),
            now,
            &mut rng,
        );
        assert!(matches!(later, Ok(CheckInPlan::New(ref e)) if e.index == 3));
    }

    #[test]
    fn entries_are_never_dated_before_the_one_they_follow_and_expired_codes_are_refused() {
        let mut p = planner();
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(2);
        let t = datetime!(2026-12-01 10:00 UTC);
        let qr = Presence::RotatingQr {
            not_before: t - Duration::seconds(30),
            not_after: t + Duration::seconds(60),
        };
        let c = ada(qr);
        assert!(p
            .check_in(&c, None, Recognition::default(), t, &mut rng)
            .is_ok());
        let notes = p.notes("Sam", "Quorum.", t - Duration::hours(1));
        assert_eq!(notes.statement.predicate.time(), t);
        // The log's latest time is past the code's validity.
        let _ = p.notes("Sam", "Later.", t + Duration::minutes(5));
        assert_eq!(
            p.check_in(&c, None, Recognition::default(), t, &mut rng)
                .err(),
            Some(Refused::Expired)
        );
        let close = p.close(t);
        assert_eq!(close.index, 4);
        assert!(matches!(
            close.statement.predicate,
            Predicate::Close(ClosePredicate { check_ins: 1, .. })
        ));
    }
}
