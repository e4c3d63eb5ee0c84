//! Salted commitments to attendee fields, in the SD-JWT disclosure format
//! (IETF draft-ietf-oauth-selective-disclosure-jwt, "Disclosures for Object
//! Properties" and "Hashing Disclosures"):
//!
//! * disclosure = base64url-no-pad( UTF-8 JSON array `[salt, field, value]` )
//! * commitment = base64url-no-pad( SHA-256( ASCII bytes of the disclosure ) )
//!
//! The signed statement holds only commitments; disclosures travel beside
//! it, so a field can be withheld or erased without touching a signature.

use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};

use super::encoding::{b64url, unb64url};

/// A decoded disclosure together with its exact encoded form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disclosure {
    /// The encoded disclosure, exactly as hashed.
    pub encoded: String,
    pub salt: String,
    pub field: String,
    pub value: String,
}

/// Why a disclosure is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DisclosureError {
    #[error("the disclosure is not unpadded base64url")]
    Encoding,
    #[error("the disclosure is not a JSON array of three strings [salt, field, value]")]
    Shape,
    #[error("the disclosure's salt is shorter than 128 bits")]
    ShortSalt,
}

/// The commitment (digest) of an encoded disclosure.
pub fn commitment(encoded: &str) -> String {
    b64url(&Sha256::digest(encoded.as_bytes()))
}

impl Disclosure {
    /// A disclosure with a fresh 128-bit salt from `rng` (a CSPRNG).
    pub fn new(field: &str, value: &str, rng: &mut (impl CryptoRngCore + ?Sized)) -> Self {
        let mut salt = [0u8; 16];
        rng.fill_bytes(&mut salt);
        Self::with_salt(&b64url(&salt), field, value)
    }

    /// A disclosure with a given salt.
    pub fn with_salt(salt: &str, field: &str, value: &str) -> Self {
        // Serialising three strings as a JSON array cannot fail.
        let json = serde_json::to_string(&(salt, field, value)).unwrap_or_default();
        Self {
            encoded: b64url(json.as_bytes()),
            salt: salt.to_owned(),
            field: field.to_owned(),
            value: value.to_owned(),
        }
    }

    /// This disclosure's commitment.
    pub fn commitment(&self) -> String {
        commitment(&self.encoded)
    }

    /// Decodes an encoded disclosure.
    pub fn parse(encoded: &str) -> Result<Self, DisclosureError> {
        let json = unb64url(encoded).map_err(|_| DisclosureError::Encoding)?;
        let (salt, field, value): (String, String, String) =
            serde_json::from_slice(&json).map_err(|_| DisclosureError::Shape)?;
        // 22 base64url characters carry 128 bits.
        if salt.chars().count() < 22 {
            return Err(DisclosureError::ShortSalt);
        }
        Ok(Self {
            encoded: encoded.to_owned(),
            salt,
            field,
            value,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sd_jwt_specification_example_digest() {
        // The example disclosure and digest from the SD-JWT specification.
        let d = "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0";
        assert_eq!(commitment(d), "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0");
        let parsed = Disclosure::parse(d).unwrap();
        assert_eq!(parsed.field, "family_name");
        assert_eq!(parsed.value, "M\u{f6}bius");
    }

    #[test]
    fn fresh_disclosures_round_trip_and_differ() {
        let mut rng = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(1);
        let a = Disclosure::new("name", "Ada Lovelace", &mut rng);
        let b = Disclosure::new("name", "Ada Lovelace", &mut rng);
        assert_ne!(a.commitment(), b.commitment());
        assert_eq!(Disclosure::parse(&a.encoded).unwrap(), a);
        assert_eq!(
            Disclosure::parse("WyJhIiwiYiJd"),
            Err(DisclosureError::Shape)
        );
    }
}
