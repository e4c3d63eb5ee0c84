//! Checkpoints: C2SP `tlog-checkpoint` bodies carried in C2SP `signed-note`s.
//!
//! ```text
//! <origin>\n<tree size>\n<base64 root hash>\n
//! \n
//! — <key name> <base64(key ID ‖ Ed25519 signature)>\n
//! ```

use super::encoding::{b64, unb64};
use super::keys::{PublicKey, Signer};
use super::merkle::Hash;

/// The signature line prefix: EM DASH, SPACE.
const SIG_PREFIX: &str = "\u{2014} ";

/// A log head: which log, how many entries, and the root over them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line, e.g. `rollcall.example.org/rollcall/meetings/tc46-2026`.
    pub origin: String,
    /// Number of leaves.
    pub size: u64,
    /// RFC 6962 root hash.
    pub root: Hash,
}

/// A checkpoint whose signature by `key` has been verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    pub checkpoint: Checkpoint,
    pub key: PublicKey,
}

/// Why a note or checkpoint is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NoteError {
    #[error("the note is malformed: {0}")]
    Malformed(&'static str),
    #[error("the checkpoint body is malformed: {0}")]
    Body(&'static str),
    #[error("the note carries a signature by key {0:?} that is not trusted")]
    UnknownSignature(String),
    #[error("the note's signature by {0:?} does not verify")]
    BadSignature(String),
    #[error("the note has no signature by a trusted key named after its origin {0:?}")]
    NoTrustedSignature(String),
}

impl Checkpoint {
    /// The note text that is signed.
    pub fn body(&self) -> String {
        format!("{}\n{}\n{}\n", self.origin, self.size, b64(&self.root))
    }

    /// The complete signed note, signed under the key name `origin`.
    pub fn sign(&self, signer: &Signer) -> String {
        let body = self.body();
        let sig = signer.sign(body.as_bytes());
        let mut blob = Vec::with_capacity(68);
        blob.extend_from_slice(&signer.public().note_key_id(&self.origin));
        blob.extend_from_slice(&sig);
        format!("{body}\n{SIG_PREFIX}{} {}\n", self.origin, b64(&blob))
    }

    /// Parses a checkpoint body (origin, decimal size, base64 root, optional
    /// extension lines).
    pub fn parse_body(text: &str) -> Result<Self, NoteError> {
        let lines: Vec<&str> = text
            .strip_suffix('\n')
            .ok_or(NoteError::Body("it must end with a newline"))?
            .split('\n')
            .collect();
        if lines.len() < 3 {
            return Err(NoteError::Body(
                "it needs an origin, a size and a root line",
            ));
        }
        let origin = lines[0];
        if origin.is_empty() || origin.chars().any(|c| c.is_control()) {
            return Err(NoteError::Body(
                "the origin line is empty or has control characters",
            ));
        }
        let size_text = lines[1];
        if size_text.is_empty()
            || !size_text.bytes().all(|b| b.is_ascii_digit())
            || (size_text.len() > 1 && size_text.starts_with('0'))
        {
            return Err(NoteError::Body(
                "the size is not a decimal number without leading zeros",
            ));
        }
        let size = size_text
            .parse::<u64>()
            .map_err(|_| NoteError::Body("the size does not fit in 64 bits"))?;
        let root: Hash = unb64(lines[2])
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or(NoteError::Body("the root is not base64 of 32 bytes"))?;
        if lines[3..].iter().any(|l| l.is_empty()) {
            return Err(NoteError::Body("extension lines must not be empty"));
        }
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
        })
    }
}

/// A signature line of a note: key name, key ID and signature bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub key_id: [u8; 4],
    pub signature: Vec<u8>,
}

/// Splits a signed note into its text and signature lines (C2SP signed-note).
pub fn split_note(note: &str) -> Result<(&str, Vec<NoteSignature>), NoteError> {
    let cut = note.rfind("\n\n").ok_or(NoteError::Malformed(
        "no blank line separates the text from its signatures",
    ))?;
    let (text, sigs) = (&note[..cut + 1], &note[cut + 2..]);
    if !sigs.ends_with('\n') {
        return Err(NoteError::Malformed(
            "the last signature line must end with a newline",
        ));
    }
    let mut out = Vec::new();
    for line in sigs[..sigs.len() - 1].split('\n') {
        let rest = line.strip_prefix(SIG_PREFIX).ok_or(NoteError::Malformed(
            "a signature line must start with an em dash and a space",
        ))?;
        let (name, sig) = rest.split_once(' ').ok_or(NoteError::Malformed(
            "a signature line needs a key name and a signature",
        ))?;
        if name.is_empty() || name.contains('+') || name.chars().any(char::is_whitespace) {
            return Err(NoteError::Malformed(
                "a key name must be non-empty, without '+' or spaces",
            ));
        }
        let blob = unb64(sig).map_err(|_| NoteError::Malformed("a signature is not base64"))?;
        if blob.len() < 5 {
            return Err(NoteError::Malformed("a signature is too short"));
        }
        out.push(NoteSignature {
            name: name.to_owned(),
            key_id: [blob[0], blob[1], blob[2], blob[3]],
            signature: blob[4..].to_vec(),
        });
    }
    if out.is_empty() {
        return Err(NoteError::Malformed("the note has no signature lines"));
    }
    Ok((text, out))
}

/// Verifies a signed note against named keys: every signature must come
/// from a trusted key, and at least one from a key named `required_name`.
/// Returns the text and the key that signed under `required_name`.
pub fn verify_note<'a>(
    note: &'a str,
    trusted: &[PublicKey],
    required_name: impl Fn(&str) -> String,
) -> Result<(&'a str, PublicKey), NoteError> {
    let (text, sigs) = split_note(note)?;
    let name = required_name(text);
    let mut signer = None;
    for s in &sigs {
        let key = trusted
            .iter()
            .find(|k| k.note_key_id(&s.name) == s.key_id)
            .ok_or_else(|| NoteError::UnknownSignature(s.name.clone()))?;
        let sig: [u8; 64] = s
            .signature
            .as_slice()
            .try_into()
            .map_err(|_| NoteError::BadSignature(s.name.clone()))?;
        if !key.verify_strict(text.as_bytes(), &sig) {
            return Err(NoteError::BadSignature(s.name.clone()));
        }
        if s.name == name {
            signer = Some(*key);
        }
    }
    signer
        .map(|k| (text, k))
        .ok_or(NoteError::NoTrustedSignature(name))
}

/// Verifies a signed checkpoint: a trusted key named after the origin
/// signed it, and the body parses.
pub fn verify_checkpoint(
    note: &str,
    trusted: &[PublicKey],
) -> Result<VerifiedCheckpoint, NoteError> {
    let (text, key) = verify_note(note, trusted, |text| {
        text.split('\n').next().unwrap_or_default().to_owned()
    })?;
    Ok(VerifiedCheckpoint {
        checkpoint: Checkpoint::parse_body(text)?,
        key,
    })
}

/// Parses a C2SP verifier key `name+hex8+base64(0x01 ‖ key)`, checking
/// that the key ID matches.
pub fn parse_verifier_key(vkey: &str) -> Result<(String, PublicKey), NoteError> {
    let mut parts = vkey.trim().splitn(3, '+');
    let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(NoteError::Malformed("a verifier key is name+keyid+key"));
    };
    let typed = unb64(key).map_err(|_| NoteError::Malformed("the verifier key is not base64"))?;
    if typed.len() != 33 || typed[0] != 0x01 {
        return Err(NoteError::Malformed(
            "the verifier key is not an Ed25519 (type 0x01) key",
        ));
    }
    let bytes: [u8; 32] = typed[1..]
        .try_into()
        .map_err(|_| NoteError::Malformed("the verifier key has the wrong length"))?;
    let pk = PublicKey::from_bytes(&bytes)
        .map_err(|_| NoteError::Malformed("the verifier key is not a valid Ed25519 key"))?;
    if super::encoding::hex(&pk.note_key_id(name)) != id {
        return Err(NoteError::Malformed(
            "the verifier key's ID does not match its name and key",
        ));
    }
    Ok((name.to_owned(), pk))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_checkpoint_round_trips() {
        let signer = Signer::from_seed(&[9; 32]);
        let cp = Checkpoint {
            origin: "example.org/rollcall/m1".into(),
            size: 3,
            root: [5; 32],
        };
        let note = cp.sign(&signer);
        let v = verify_checkpoint(&note, &[*signer.public()]).unwrap();
        assert_eq!(v.checkpoint, cp);
        let other = Signer::from_seed(&[8; 32]);
        assert!(matches!(
            verify_checkpoint(&note, &[*other.public()]),
            Err(NoteError::UnknownSignature(_))
        ));
        let forged = note.replace("\n3\n", "\n4\n");
        assert!(matches!(
            verify_checkpoint(&forged, &[*signer.public()]),
            Err(NoteError::BadSignature(_))
        ));
    }

    #[test]
    fn malformed_bodies_are_refused() {
        for body in ["o\n03\nAAAA\n", "o\n3\n", "\n3\nAAAA\n", "o\n3\nAAAA"] {
            assert!(Checkpoint::parse_body(body).is_err(), "{body:?}");
        }
    }
}
