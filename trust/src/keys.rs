//! Ed25519 keys: the public keys auditors pin and the server's signer.

use std::fmt;

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use super::encoding::{b64, hex, unb64};

/// An Ed25519 public key that is canonically encoded, not of small order and
/// in the prime-order subgroup: the keys strict verification accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

/// Why text is not an acceptable public key.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("a public key is the standard base64 of 32 bytes (44 characters ending in '='), as `rollcall keys show` prints it")]
    Encoding,
    #[error("these 32 bytes are not a point on the Ed25519 curve")]
    NotAPoint,
    #[error("the key is not canonically encoded")]
    NonCanonical,
    #[error("the key is a weak (small-order or mixed-order) Ed25519 point, which strict verification rejects")]
    Weak,
}

impl PublicKey {
    /// Accepts 32 bytes only if strict Ed25519 verification would accept the key.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, KeyError> {
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| KeyError::NotAPoint)?;
        let point = key.to_edwards();
        if point.compress().as_bytes() != bytes {
            return Err(KeyError::NonCanonical);
        }
        if key.is_weak() || !point.is_torsion_free() {
            return Err(KeyError::Weak);
        }
        Ok(Self(key))
    }

    /// Parses the standard base64 of the 32 key bytes.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let bytes = unb64(text.trim()).map_err(|_| KeyError::Encoding)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Encoding)?;
        Self::from_bytes(&bytes)
    }

    /// The 32 key bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        self.0.as_bytes()
    }

    /// The dalek verifying key.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.0
    }

    /// The key as standard base64, the form auditors pin.
    pub fn to_base64(&self) -> String {
        b64(self.as_bytes())
    }

    /// The DSSE `keyid`: lowercase hex SHA-256 of the 32 key bytes.
    pub fn keyid(&self) -> String {
        hex(&Sha256::digest(self.as_bytes()))
    }

    /// The C2SP signed-note key ID for this key under `name`:
    /// the first four bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key).
    pub fn note_key_id(&self, name: &str) -> [u8; 4] {
        let mut h = Sha256::new();
        h.update(name.as_bytes());
        h.update([0x0a, 0x01]);
        h.update(self.as_bytes());
        let d = h.finalize();
        [d[0], d[1], d[2], d[3]]
    }

    /// The C2SP signed-note verifier key: `name+hex(key ID)+base64(0x01 ‖ key)`.
    pub fn verifier_key(&self, name: &str) -> String {
        let mut typed = Vec::with_capacity(33);
        typed.push(0x01);
        typed.extend_from_slice(self.as_bytes());
        format!("{name}+{}+{}", hex(&self.note_key_id(name)), b64(&typed))
    }

    /// Strict single verification (RFC 8032 §5.1.7, cofactorless, canonical encodings).
    pub fn verify_strict(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        self.0
            .verify_strict(message, &Signature::from_bytes(signature))
            .is_ok()
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_base64())
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl Serialize for PublicKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_base64())
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The server's signing key. Its secret never appears in `Debug` output.
pub struct Signer {
    key: SigningKey,
    public: PublicKey,
}

impl Signer {
    /// Wraps a dalek signing key.
    pub fn new(key: SigningKey) -> Self {
        let public = PublicKey(key.verifying_key());
        Self { key, public }
    }

    /// A fresh random key drawn from `rng`, a cryptographically secure
    /// generator the caller provides (the crate takes no randomness itself).
    pub fn generate(rng: &mut impl rand_core::CryptoRngCore) -> Self {
        Self::new(SigningKey::generate(rng))
    }

    /// From a 32-byte RFC 8032 private key (seed).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self::new(SigningKey::from_bytes(seed))
    }

    /// The public half.
    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    /// The dalek signing key, for encoding it to a key file.
    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// Ed25519 signature of `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signer {{ public: {}, secret: <hidden> }}", self.public)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_secret() {
        let signer = Signer::from_seed(&[7; 32]);
        let shown = format!("{signer:?}");
        assert!(shown.contains("<hidden>"));
        assert!(!shown.contains(&hex(&[7; 32])));
    }

    #[test]
    fn weak_and_malformed_keys_are_refused() {
        // The identity point (small order) and a non-canonical encoding of it.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(PublicKey::from_bytes(&identity), Err(KeyError::Weak));
        assert_eq!(PublicKey::parse("not base64"), Err(KeyError::Encoding));
        assert_eq!(PublicKey::parse("AAAA"), Err(KeyError::Encoding));
        let key = Signer::from_seed(&[1; 32]).public().to_base64();
        assert!(PublicKey::parse(&key).is_ok());
    }
}
