//! A meeting's append-only log, in memory: the leaf hashes in order, and
//! the signed entries, checkpoints and proofs made from them.

use super::checkpoint::Checkpoint;
use super::envelope::{Envelope, IN_TOTO_PAYLOAD_TYPE};
use super::keys::Signer;
use super::merkle::{self, Hash};
use super::statement::RollcallStatement;

/// The path every log origin ends with, before the meeting id.
pub const ORIGIN_PATH: &str = "/rollcall/meetings/";

/// The log origin for a meeting: `<host>/rollcall/meetings/<meeting id>`.
/// `verify` checks that it ends with the meeting's id.
pub fn origin_for(host: &str, meeting_id: &str) -> String {
    format!("{}{ORIGIN_PATH}{meeting_id}", host.trim_end_matches('/'))
}

/// Whether `origin` is the log origin of meeting `meeting_id`.
pub fn origin_names_meeting(origin: &str, meeting_id: &str) -> bool {
    origin
        .strip_suffix(meeting_id)
        .is_some_and(|head| head.ends_with(ORIGIN_PATH) && head.len() > ORIGIN_PATH.len())
}

/// Meeting ids: 1 to 64 ASCII letters, digits, '-' or '_'.
pub fn is_meeting_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Signs a statement, returning the envelope and the exact payload bytes.
pub fn sign_statement(signer: &Signer, statement: &RollcallStatement) -> (Envelope, Vec<u8>) {
    let payload = statement.to_payload();
    (
        Envelope::sign(signer, IN_TOTO_PAYLOAD_TYPE, &payload),
        payload,
    )
}

/// The leaf hashes of one meeting's log.
#[derive(Clone, Debug, Default)]
pub struct MeetingLog {
    pub origin: String,
    leaves: Vec<Hash>,
}

impl MeetingLog {
    /// An empty log with this origin.
    pub fn new(origin: String) -> Self {
        Self {
            origin,
            leaves: Vec::new(),
        }
    }

    /// A log with these leaf hashes already in it.
    pub fn from_leaves(origin: String, leaves: Vec<Hash>) -> Self {
        Self { origin, leaves }
    }

    /// Appends a payload; returns its 0-based index.
    pub fn append(&mut self, payload: &[u8]) -> u64 {
        self.leaves.push(merkle::leaf_hash(payload));
        self.leaves.len() as u64 - 1
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.leaves.len() as u64
    }

    /// The leaf hashes.
    pub fn leaves(&self) -> &[Hash] {
        &self.leaves
    }

    /// The checkpoint over the first `size` leaves.
    pub fn checkpoint_at(&self, size: u64) -> Option<Checkpoint> {
        let leaves = self.leaves.get(..usize::try_from(size).ok()?)?;
        Some(Checkpoint {
            origin: self.origin.clone(),
            size,
            root: merkle::root(leaves),
        })
    }

    /// The checkpoint over the whole log.
    pub fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            origin: self.origin.clone(),
            size: self.size(),
            root: merkle::root(&self.leaves),
        }
    }

    /// Inclusion proof of leaf `index` in the tree of the first `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Option<Vec<Hash>> {
        let leaves = self.leaves.get(..usize::try_from(size).ok()?)?;
        merkle::inclusion_proof(leaves, usize::try_from(index).ok()?)
    }

    /// Consistency proof from the tree of the first `old_size` leaves to the
    /// tree of the first `new_size`.
    pub fn consistency_proof(&self, old_size: u64, new_size: u64) -> Option<Vec<Hash>> {
        let leaves = self.leaves.get(..usize::try_from(new_size).ok()?)?;
        merkle::consistency_proof(leaves, usize::try_from(old_size).ok()?)
    }
}
