//! The signed attendance list (bundle) and the attendee's receipt.
//!
//! Both are JSON documents whose every value is signed or checked against
//! signed content; `deny_unknown_fields` keeps anything else out. The meeting
//! itself is entry 0 of the log, signed like every other entry.

use serde::{Deserialize, Serialize};

use super::encoding::b64;
use super::envelope::Envelope;
use super::keys::PublicKey;
use super::merkle::Hash;

/// `format` of a bundle written before erasure: still read, never written.
pub const BUNDLE_FORMAT_V1: &str = "https://rollcall.dev/bundle/v1";
/// `format` of a bundle: v1, whose entries may say which committed fields
/// were erased (`erased`).
pub const BUNDLE_FORMAT: &str = "https://rollcall.dev/bundle/v2";
/// `format` of a receipt written before erasure: still read, never written.
pub const RECEIPT_FORMAT_V1: &str = "https://rollcall.dev/receipt/v1";
/// `format` of a receipt: v1, whose entry may say which fields were erased.
pub const RECEIPT_FORMAT: &str = "https://rollcall.dev/receipt/v2";

/// Whether a bundle `format` is one this verifier reads, and whether that
/// version allows `erased` in entries.
pub fn bundle_format(format: &str) -> Option<bool> {
    match format {
        BUNDLE_FORMAT => Some(true),
        BUNDLE_FORMAT_V1 => Some(false),
        _ => None,
    }
}

/// Like [`bundle_format`], for receipts.
pub fn receipt_format(format: &str) -> Option<bool> {
    match format {
        RECEIPT_FORMAT => Some(true),
        RECEIPT_FORMAT_V1 => Some(false),
        _ => None,
    }
}

/// One log entry: the signed envelope and the disclosures of its committed fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub envelope: Envelope,
    #[serde(default)]
    pub disclosures: Vec<String>,
    /// v2: committed fields whose value (and salt) the server erased, so
    /// that no copy can disclose them any more. Not signed: it tells a
    /// reader why a field is missing, not whether it was erased.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub erased: Vec<String>,
}

/// A signed checkpoint earlier than the final one, with the RFC 9162
/// consistency proof from it to the final checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EarlierCheckpoint {
    pub checkpoint: String,
    /// base64 hashes of the consistency proof.
    pub consistency: Vec<String>,
}

/// The signed attendance list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// Always [`BUNDLE_FORMAT`].
    pub format: String,
    /// The full text of every Code document an entry acknowledges. Each is
    /// identified by its SHA-256; its name, title and language come from the
    /// signed entries, so nothing here is taken on trust.
    pub codes: Vec<String>,
    /// Every log entry, in log order.
    pub entries: Vec<Entry>,
    /// The latest (for a closed meeting: final) signed checkpoint.
    pub checkpoint: String,
    /// Earlier checkpoints, oldest first.
    #[serde(default)]
    pub earlier_checkpoints: Vec<EarlierCheckpoint>,
    /// The public keys whose signatures appear in the bundle.
    pub public_keys: Vec<PublicKey>,
}

/// A bundle as read from a file: each entry is kept as its raw JSON and
/// parsed later, in parallel, chunk by chunk.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBundle<'a> {
    pub format: String,
    pub codes: Vec<String>,
    #[serde(borrow)]
    pub entries: Vec<&'a serde_json::value::RawValue>,
    pub checkpoint: String,
    #[serde(default)]
    pub earlier_checkpoints: Vec<EarlierCheckpoint>,
    pub public_keys: Vec<PublicKey>,
}

/// Something that is, or can be parsed into, an [`Entry`].
pub trait AsEntry: Sync {
    fn as_entry(&self) -> Result<std::borrow::Cow<'_, Entry>, serde_json::Error>;
}

impl AsEntry for Entry {
    fn as_entry(&self) -> Result<std::borrow::Cow<'_, Entry>, serde_json::Error> {
        Ok(std::borrow::Cow::Borrowed(self))
    }
}

impl AsEntry for &serde_json::value::RawValue {
    fn as_entry(&self) -> Result<std::borrow::Cow<'_, Entry>, serde_json::Error> {
        serde_json::from_str(self.get()).map(std::borrow::Cow::Owned)
    }
}

/// An RFC 9162 inclusion proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InclusionProof {
    /// 0-based leaf index.
    pub index: u64,
    /// base64 hashes of the audit path.
    pub hashes: Vec<String>,
}

/// What an attendee keeps: their entry, where it is in the log, and the
/// checkpoint that proves it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// Always [`RECEIPT_FORMAT`].
    pub format: String,
    pub entry: Entry,
    /// Absent until a checkpoint covers the entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inclusion: Option<InclusionProof>,
    /// The signed checkpoint the proof is against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<String>,
    /// The public keys whose signatures appear in the receipt.
    pub public_keys: Vec<PublicKey>,
}

/// base64 of each hash, as proofs are written.
pub fn encode_hashes(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(|h| b64(h)).collect()
}
