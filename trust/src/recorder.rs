//! Records a meeting's log in memory, through the same [`log_core`] as the
//! server's writer: plans and signs each entry, keeps the exact payloads,
//! seals checkpoints and assembles bundles and receipts. Time and
//! randomness (the salts of disclosures) are always passed in.
//!
//! [`log_core`]: super::log_core

use time::OffsetDateTime;

use super::bundle::{Bundle, Entry, Receipt};
use super::checkpoint::Checkpoint;
use super::code::CodeDocument;
use super::keys::{PublicKey, Signer};
use super::log::origin_for;
use super::log_core::{
    self, seal, AmendRefused, Amendment, CheckInPlan, Planned, Planner, Recognition, Refused,
    SessionRefused, Signed, SignedCheckpoint,
};
use super::merkle::{empty_root, Tree};
use super::statement::{CodeVersion, Meeting, Session};
use super::{digest, statement};

pub use super::log_core::{check_in_statement, disclose, subject, version, CheckIn};

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
    /// The log's origin, named in its checkpoints.
    pub origin: String,
    tree: Tree,
    planner: Planner,
    checkpoints: Vec<SignedCheckpoint>,
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
        Self::start(
            signer,
            Box::new(rng),
            host,
            meeting,
            (code, Vec::new()),
            languages,
            Vec::new(),
            now,
        )
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
        let languages = all.iter().map(|c| c.language.clone()).collect();
        let versions = all.iter().map(|c| version(c)).collect();
        Self::start(
            signer,
            Box::new(rng),
            host,
            meeting,
            (code, translations),
            languages,
            versions,
            now,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn start(
        signer: &'a Signer,
        rng: Box<dyn rand_core::CryptoRngCore + 'a>,
        host: &str,
        meeting: Meeting,
        (code, translations): (CodeDocument, Vec<CodeDocument>),
        languages: Vec<String>,
        versions: Vec<CodeVersion>,
        now: OffsetDateTime,
    ) -> Self {
        let (planner, first) =
            Planner::open(meeting.clone(), code.clone(), languages, versions, now);
        let mut r = Self {
            signer,
            rng,
            origin: origin_for(host, &meeting.id),
            meeting,
            code,
            translations,
            entries: Vec::new(),
            tree: Tree::default(),
            planner,
            checkpoints: Vec::new(),
            used_keys: Vec::new(),
        };
        r.append(first);
        r
    }

    /// Records a check-in by an attendee shown `shown`, a version of the
    /// Code; returns its log index.
    pub fn check_in_shown(
        &mut self,
        c: &CheckIn<'_>,
        shown: &CodeDocument,
        now: OffsetDateTime,
    ) -> Result<u64, Refused> {
        self.record_check_in(c, Some(shown), now)
    }

    /// Records a check-in; returns its log index.
    pub fn check_in(&mut self, c: &CheckIn<'_>, now: OffsetDateTime) -> Result<u64, Refused> {
        self.record_check_in(c, None, now)
    }

    fn record_check_in(
        &mut self,
        c: &CheckIn<'_>,
        shown: Option<&CodeDocument>,
        now: OffsetDateTime,
    ) -> Result<u64, Refused> {
        // Nothing recognises an attendee here: every check-in is new.
        let plan = self
            .planner
            .check_in(c, shown, Recognition::default(), now, &mut *self.rng)?;
        Ok(match plan {
            CheckInPlan::New(p) => self.append(*p),
            CheckInPlan::Existing(index) => index,
        })
    }

    fn append(&mut self, planned: Planned) -> u64 {
        self.note_key_used();
        let signed = Signed::sign(self.signer, &planned.statement);
        self.entries
            .push(signed.entry(&self.signer.public().keyid(), planned.disclosures));
        self.tree.push(signed.leaf);
        planned.index
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

    /// Records notes on discussion of the Code.
    pub fn notes(&mut self, by: &str, text: &str, now: OffsetDateTime) -> u64 {
        let planned = self.planner.notes(by, text, now);
        self.append(planned)
    }

    /// Opens `session` for check-in; returns the entry's index.
    pub fn open_session(
        &mut self,
        session: Session,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<u64, SessionRefused> {
        let planned = self.planner.open_session(session, by, now)?;
        Ok(self.append(planned))
    }

    /// Closes the open session `number`; returns the entry's index.
    pub fn close_session(
        &mut self,
        number: u32,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<u64, SessionRefused> {
        let planned = self.planner.close_session(number, by, now)?;
        Ok(self.append(planned))
    }

    /// Records a secretary's amendment of the check-in at `a.amends`.
    pub fn amend(
        &mut self,
        a: &Amendment<'_>,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<u64, AmendRefused> {
        let leaf = usize::try_from(a.amends)
            .ok()
            .and_then(|i| self.tree.leaves().get(i).copied())
            .ok_or(AmendRefused::NotACheckIn(a.amends))?;
        let planned = self.planner.amend(a, by, &leaf, now, &mut *self.rng)?;
        Ok(self.append(planned))
    }

    /// Records the secretary's commitment to a roster.
    pub fn roster(
        &mut self,
        by: &str,
        size: u64,
        sha256: digest::Sha256Digest,
        now: OffsetDateTime,
    ) -> u64 {
        let planned = self.planner.roster(by, size, sha256, now);
        self.append(planned)
    }

    /// Records a snapshot of the delegations present.
    pub fn delegations(
        &mut self,
        by: &str,
        delegations: Vec<statement::Delegation>,
        now: OffsetDateTime,
    ) -> Result<u64, log_core::DelegationsRefused> {
        let planned = self.planner.delegations(by, delegations, now)?;
        Ok(self.append(planned))
    }

    /// Closes the meeting with the roster's counts (a close/v2) and signs
    /// the final checkpoint.
    pub fn close_counting(
        &mut self,
        now: OffsetDateTime,
        counts: statement::RosterCounts,
    ) -> String {
        let planned = self.planner.close_counting(now, Some(counts));
        self.append(planned);
        self.checkpoint()
    }

    /// Signs a checkpoint over the log as it stands and keeps it.
    pub fn checkpoint(&mut self) -> String {
        self.note_key_used();
        let size = self.size();
        // The tree holds `size` leaves, so the seal cannot fail.
        let note = seal(self.signer, &self.origin, &self.tree, size).unwrap_or_default();
        self.checkpoints.push(SignedCheckpoint {
            size,
            note: note.clone(),
        });
        note
    }

    /// Closes the meeting and signs the final checkpoint.
    pub fn close(&mut self, now: OffsetDateTime) -> String {
        let planned = self.planner.close(now);
        self.append(planned);
        self.checkpoint()
    }

    /// Number of entries in the log.
    pub fn size(&self) -> u64 {
        self.tree.len() as u64
    }

    /// The bundle as of the latest checkpoint (signing one if none covers
    /// the whole log).
    pub fn bundle(&mut self) -> Bundle {
        if self.checkpoints.last().map(|c| c.size) != Some(self.size()) {
            self.checkpoint();
        }
        let codes = std::iter::once(&self.code)
            .chain(&self.translations)
            .map(|c| c.text.clone())
            .collect();
        log_core::bundle(
            codes,
            self.entries.clone(),
            &self.checkpoints,
            &self.tree,
            &self.used_keys,
        )
        .unwrap_or_else(|| unreachable!("a checkpoint was just signed"))
    }

    /// The receipt for entry `index`, proven against the latest checkpoint
    /// that covers it.
    pub fn receipt(&self, index: u64) -> Option<Receipt> {
        let entry = self.entries.get(usize::try_from(index).ok()?)?.clone();
        Some(log_core::receipt(
            entry,
            index,
            &self.checkpoints,
            &self.tree,
            &self.used_keys,
        ))
    }

    /// The checkpoint body over the log now, unsigned.
    pub fn head(&self) -> Checkpoint {
        let size = self.tree.len();
        Checkpoint {
            origin: self.origin.clone(),
            size: size as u64,
            root: self.tree.root(size).unwrap_or_else(empty_root),
        }
    }
}
