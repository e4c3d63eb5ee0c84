//! Builds a meeting's log in memory: signs each entry, keeps the exact
//! payloads, signs checkpoints and assembles bundles and receipts.
//! Time and randomness (the salts of disclosures) are always passed in.

use time::OffsetDateTime;

use super::bundle::{
    encode_hashes, Bundle, EarlierCheckpoint, Entry, InclusionProof, Receipt, BUNDLE_FORMAT,
    RECEIPT_FORMAT,
};
use super::checkpoint::{verify_checkpoint, Checkpoint};
use super::code::CodeDocument;
use super::disclosure::Disclosure;
use super::keys::{PublicKey, Signer};
use super::log::{origin_for, sign_statement, MeetingLog};
use super::statement::{
    Attendee, CheckInPredicate, ClosePredicate, CodeVersion, Meeting, MeetingPredicate,
    NotesPredicate, Predicate, Presence, RollcallStatement, Subject, SubjectDigest,
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

/// Disclosures for the committed fields of a check-in, in field order,
/// salted from `rng` (a CSPRNG).
pub fn disclose(
    c: &CheckIn<'_>,
    rng: &mut (impl rand_core::CryptoRngCore + ?Sized),
) -> Vec<Disclosure> {
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

/// The check-in statement for `c`, committing to `disclosures`.
pub fn check_in_statement(
    meeting: &Meeting,
    code: &CodeDocument,
    c: &CheckIn<'_>,
    disclosures: &[Disclosure],
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
        }),
    }
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

/// A meeting's log being recorded.
pub struct Recorder<'a> {
    signer: &'a Signer,
    /// Salts the disclosures of check-ins.
    rng: Box<dyn rand_core::CryptoRngCore + 'a>,
    pub meeting: Meeting,
    pub code: CodeDocument,
    /// Translations of the Code the meeting offers.
    pub translations: Vec<CodeDocument>,
    pub entries: Vec<Entry>,
    pub log: MeetingLog,
    checkpoints: Vec<(u64, String)>,
    check_ins: u64,
    used_keys: Vec<PublicKey>,
}

impl<'a> Recorder<'a> {
    /// Opens the meeting: entry 0 is the signed meeting statement.
    /// Check-ins are salted from `rng` (a CSPRNG).
    pub fn open(
        signer: &'a Signer,
        rng: impl rand_core::CryptoRngCore + 'a,
        host: &str,
        meeting: Meeting,
        code: CodeDocument,
        languages: Vec<String>,
        now: OffsetDateTime,
    ) -> Self {
        let mut r = Self {
            signer,
            rng: Box::new(rng),
            log: MeetingLog::new(origin_for(host, &meeting.id)),
            meeting: meeting.clone(),
            code: code.clone(),
            translations: Vec::new(),
            entries: Vec::new(),
            checkpoints: Vec::new(),
            check_ins: 0,
            used_keys: Vec::new(),
        };
        r.append(
            RollcallStatement {
                subject: subject(&code),
                predicate: Predicate::Meeting(MeetingPredicate {
                    meeting,
                    code_title: code.title().to_owned(),
                    languages,
                    opened_at: now,
                    versions: Vec::new(),
                }),
            },
            Vec::new(),
        );
        r
    }

    /// Opens a meeting offering the Code and its translations: the signed
    /// statement lists every version.
    pub fn open_translated(
        signer: &'a Signer,
        rng: impl rand_core::CryptoRngCore + 'a,
        host: &str,
        meeting: Meeting,
        code: CodeDocument,
        translations: Vec<CodeDocument>,
        now: OffsetDateTime,
    ) -> Self {
        let all: Vec<&CodeDocument> = std::iter::once(&code).chain(&translations).collect();
        let statement = RollcallStatement {
            subject: subject(&code),
            predicate: Predicate::Meeting(MeetingPredicate {
                meeting: meeting.clone(),
                code_title: code.title().to_owned(),
                languages: all.iter().map(|c| c.language.clone()).collect(),
                opened_at: now,
                versions: all.iter().map(|c| version(c)).collect(),
            }),
        };
        let mut r = Self {
            signer,
            rng: Box::new(rng),
            log: MeetingLog::new(origin_for(host, &meeting.id)),
            meeting,
            code,
            translations,
            entries: Vec::new(),
            checkpoints: Vec::new(),
            check_ins: 0,
            used_keys: Vec::new(),
        };
        r.append(statement, Vec::new());
        r
    }

    /// Records a check-in by an attendee shown `shown`, a version of the Code.
    pub fn check_in_shown(
        &mut self,
        c: &CheckIn<'_>,
        shown: &CodeDocument,
        now: OffsetDateTime,
    ) -> u64 {
        let disclosures = disclose(c, &mut *self.rng);
        let st = check_in_statement(&self.meeting, shown, c, &disclosures, now);
        self.check_ins += 1;
        self.append(st, disclosures.into_iter().map(|d| d.encoded).collect())
    }

    fn append(&mut self, statement: RollcallStatement, disclosures: Vec<String>) -> u64 {
        self.note_key_used();
        let (envelope, payload) = sign_statement(self.signer, &statement);
        self.entries.push(Entry {
            erased: Vec::new(),
            envelope,
            disclosures,
        });
        self.log.append(&payload)
    }

    /// Signs everything from now on with `signer` (a rotated key).
    pub fn rotate(&mut self, signer: &'a Signer) {
        self.signer = signer;
    }

    fn note_key_used(&mut self) {
        if !self.used_keys.contains(self.signer.public()) {
            self.used_keys.push(*self.signer.public());
        }
    }

    /// Records a check-in; returns its log index.
    pub fn check_in(&mut self, c: &CheckIn<'_>, now: OffsetDateTime) -> u64 {
        let disclosures = disclose(c, &mut *self.rng);
        let st = check_in_statement(&self.meeting, &self.code, c, &disclosures, now);
        self.check_ins += 1;
        self.append(st, disclosures.into_iter().map(|d| d.encoded).collect())
    }

    /// Records notes on discussion of the Code.
    pub fn notes(&mut self, by: &str, text: &str, now: OffsetDateTime) -> u64 {
        let st = RollcallStatement {
            subject: subject(&self.code),
            predicate: Predicate::Notes(NotesPredicate {
                meeting_id: self.meeting.id.clone(),
                recorded_at: now,
                recorded_by: by.to_owned(),
                text: text.to_owned(),
            }),
        };
        self.append(st, Vec::new())
    }

    /// Signs a checkpoint over the log as it stands and keeps it.
    pub fn checkpoint(&mut self) -> String {
        self.note_key_used();
        let note = self.log.checkpoint().sign(self.signer);
        self.checkpoints.push((self.log.size(), note.clone()));
        note
    }

    /// Closes the meeting and signs the final checkpoint.
    pub fn close(&mut self, now: OffsetDateTime) -> String {
        let st = RollcallStatement {
            subject: subject(&self.code),
            predicate: Predicate::Close(ClosePredicate {
                meeting_id: self.meeting.id.clone(),
                closed_at: now,
                check_ins: self.check_ins,
            }),
        };
        self.append(st, Vec::new());
        self.checkpoint()
    }

    /// The bundle as of the latest checkpoint (signing one if none covers
    /// the whole log).
    pub fn bundle(&mut self) -> Bundle {
        if self.checkpoints.last().map(|c| c.0) != Some(self.log.size()) {
            self.checkpoint();
        }
        let (size, note) = self.checkpoints.last().cloned().unwrap_or_default();
        let earlier = self
            .checkpoints
            .iter()
            .filter(|(s, _)| *s > 0 && *s < size)
            .fold(Vec::<(u64, String)>::new(), |mut acc, c| {
                if acc.last().map(|l| l.0) != Some(c.0) {
                    acc.push(c.clone());
                }
                acc
            })
            .into_iter()
            .map(|(s, n)| EarlierCheckpoint {
                checkpoint: n,
                consistency: encode_hashes(
                    &self.log.consistency_proof(s, size).unwrap_or_default(),
                ),
            })
            .collect();
        Bundle {
            format: BUNDLE_FORMAT.to_owned(),
            codes: std::iter::once(&self.code)
                .chain(&self.translations)
                .map(|c| c.text.clone())
                .collect(),
            entries: self.entries[..size as usize].to_vec(),
            checkpoint: note,
            earlier_checkpoints: earlier,
            public_keys: self.used_keys.clone(),
        }
    }

    /// The receipt for entry `index`, proven against the latest checkpoint
    /// that covers it.
    pub fn receipt(&self, index: u64) -> Option<Receipt> {
        let entry = self.entries.get(usize::try_from(index).ok()?)?.clone();
        let covering = self.checkpoints.iter().rev().find(|(s, _)| *s > index);
        let (inclusion, checkpoint) = match covering {
            Some((size, note)) => (
                Some(InclusionProof {
                    index,
                    hashes: encode_hashes(&self.log.inclusion_proof(index, *size)?),
                }),
                Some(note.clone()),
            ),
            None => (None, None),
        };
        // The keys that signed the entry and the checkpoint, once each.
        let keyid = entry
            .envelope
            .signatures
            .first()
            .and_then(|s| s.keyid.clone());
        let public_keys: Vec<PublicKey> = self
            .used_keys
            .iter()
            .filter(|k| {
                keyid.as_deref() == Some(k.keyid().as_str())
                    || checkpoint
                        .as_deref()
                        .is_some_and(|n| verify_checkpoint(n, &[**k]).is_ok())
            })
            .copied()
            .collect();
        Some(Receipt {
            format: RECEIPT_FORMAT.to_owned(),
            entry,
            inclusion,
            checkpoint,
            public_keys,
        })
    }

    /// The checkpoint body over the log now, unsigned.
    pub fn head(&self) -> Checkpoint {
        self.log.checkpoint()
    }
}
