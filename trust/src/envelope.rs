//! DSSE envelopes (Dead Simple Signing Envelope, protocol v1.0.x).
//!
//! The signature covers PAE(payloadType, payload), never the JSON of the
//! envelope, and the payload bytes are kept exactly as signed.

use serde::{Deserialize, Serialize};

use super::encoding::{b64, unb64, unb64_lenient};
use super::keys::{PublicKey, Signer};

/// The payload type of in-toto statements.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// A DSSE envelope as it appears in JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// base64 of the exact payload bytes.
    pub payload: String,
    /// How to interpret the payload.
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    /// One or more signatures over PAE(payloadType, payload).
    pub signatures: Vec<EnvelopeSignature>,
}

/// One DSSE signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeSignature {
    /// Hint naming the key; rollcall always sets it (hex SHA-256 of the public key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyid: Option<String>,
    /// base64 of the 64-byte Ed25519 signature.
    pub sig: String,
}

/// The DSSE pre-authentication encoding:
/// `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths in ASCII decimal.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload_type.len() + payload.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// Why an envelope does not verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EnvelopeError {
    #[error("payload is not valid base64")]
    PayloadEncoding,
    #[error("payloadType {0:?} is not one this verifier accepts")]
    PayloadType(String),
    #[error("signature {0} is not base64 of 64 bytes")]
    SignatureEncoding(usize),
    #[error("only {found} of the {needed} required distinct trusted keys signed")]
    Threshold { found: usize, needed: usize },
}

impl Envelope {
    /// Signs `payload` with one key, recording the key's DSSE keyid.
    pub fn sign(signer: &Signer, payload_type: &str, payload: &[u8]) -> Self {
        let sig = signer.sign(&pae(payload_type, payload));
        Self {
            payload: b64(payload),
            payload_type: payload_type.to_owned(),
            signatures: vec![EnvelopeSignature {
                keyid: Some(signer.public().keyid()),
                sig: b64(&sig),
            }],
        }
    }

    /// Verifies per the DSSE protocol: the payload type must be supported and
    /// at least `threshold` distinct trusted keys must have signed. A `keyid`,
    /// when present, narrows which keys are tried. Both standard and URL-safe
    /// base64 are accepted, as the protocol allows. Returns the payload.
    pub fn verify(
        &self,
        trusted: &[(Option<String>, PublicKey)],
        threshold: usize,
        supported_types: &[&str],
    ) -> Result<Vec<u8>, EnvelopeError> {
        let payload = unb64_lenient(&self.payload).map_err(|_| EnvelopeError::PayloadEncoding)?;
        if !supported_types.contains(&self.payload_type.as_str()) {
            return Err(EnvelopeError::PayloadType(self.payload_type.clone()));
        }
        let message = pae(&self.payload_type, &payload);
        let mut verified: Vec<usize> = Vec::new();
        for (n, s) in self.signatures.iter().enumerate() {
            let sig = unb64_lenient(&s.sig).map_err(|_| EnvelopeError::SignatureEncoding(n))?;
            let sig: [u8; 64] = sig
                .try_into()
                .map_err(|_| EnvelopeError::SignatureEncoding(n))?;
            for (k, (keyid, key)) in trusted.iter().enumerate() {
                if let (Some(want), Some(have)) = (keyid, &s.keyid) {
                    if want != have {
                        continue;
                    }
                }
                if !verified.contains(&k) && key.verify_strict(&message, &sig) {
                    verified.push(k);
                    break;
                }
            }
        }
        if verified.len() < threshold.max(1) {
            return Err(EnvelopeError::Threshold {
                found: verified.len(),
                needed: threshold.max(1),
            });
        }
        Ok(payload)
    }

    /// Decodes the payload as rollcall writes it: standard padded base64 only.
    pub fn payload_bytes(&self) -> Result<Vec<u8>, EnvelopeError> {
        unb64(&self.payload).map_err(|_| EnvelopeError::PayloadEncoding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_dsse_specification_example() {
        // From the DSSE protocol document.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }

    #[test]
    fn signed_envelope_verifies_and_keeps_exact_bytes() {
        let signer = Signer::from_seed(&[3; 32]);
        let payload = br#"{"b":1, "a":2}"#;
        let env = Envelope::sign(&signer, IN_TOTO_PAYLOAD_TYPE, payload);
        let trusted = [(None, *signer.public())];
        let got = env.verify(&trusted, 1, &[IN_TOTO_PAYLOAD_TYPE]).unwrap();
        assert_eq!(got, payload);
        let mut bad = env.clone();
        bad.payload_type = "application/json".into();
        assert!(bad.verify(&trusted, 1, &["application/json"]).is_err());
    }
}
