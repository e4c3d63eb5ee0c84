//! Receipt ids: `<meeting id>.<log index>.<tag>`, where the tag is an
//! HMAC-SHA256 under a server secret. A receipt id finds its entry without
//! any index in the database, and cannot be guessed, so receipts (which
//! carry names) cannot be enumerated.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::trust::encoding::{b64url, unb64url};
use crate::trust::log::is_meeting_id;

/// The secret behind receipt ids.
#[derive(Clone)]
pub struct ReceiptIds([u8; 32]);

impl fmt::Debug for ReceiptIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReceiptIds(<hidden>)")
    }
}

impl ReceiptIds {
    pub fn new(secret: [u8; 32]) -> Self {
        Self(secret)
    }

    /// The receipt ids of a server whose presence secret (kept in its
    /// database) is `presence_secret`.
    pub fn from_presence_secret(presence_secret: &[u8; 32]) -> Self {
        use sha2::Digest;
        Self::new(
            Sha256::new()
                .chain_update(b"rollcall receipt ids\n")
                .chain_update(presence_secret)
                .finalize()
                .into(),
        )
    }

    fn tag(&self, meeting_id: &str, idx: u64) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(b"rollcall receipt v1\n");
        mac.update(meeting_id.as_bytes());
        mac.update(b"\n");
        mac.update(&idx.to_be_bytes());
        mac
    }

    /// The receipt id of entry `idx` of a meeting's log.
    pub fn make(&self, meeting_id: &str, idx: u64) -> String {
        let tag = self.tag(meeting_id, idx).finalize().into_bytes();
        format!("{meeting_id}.{idx}.{}", b64url(&tag[..16]))
    }

    /// The (meeting id, index) a receipt id names, if its tag is genuine.
    pub fn parse(&self, id: &str) -> Option<(String, u64)> {
        let mut parts = id.splitn(3, '.');
        let (meeting, idx, tag) = (parts.next()?, parts.next()?, parts.next()?);
        if !is_meeting_id(meeting) || idx.len() > 20 || !idx.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let idx: u64 = idx.parse().ok()?;
        let tag = unb64url(tag).ok()?;
        self.tag(meeting, idx).verify_truncated_left(&tag).ok()?;
        (tag.len() == 16).then(|| (meeting.to_owned(), idx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_ids_round_trip_and_cannot_be_forged() {
        let ids = ReceiptIds::new([3; 32]);
        let id = ids.make("m-abc", 42);
        assert_eq!(ids.parse(&id), Some(("m-abc".into(), 42)));
        assert_eq!(ids.parse(&id.replace(".42.", ".43.")), None);
        assert_eq!(ReceiptIds::new([4; 32]).parse(&id), None);
        assert_eq!(ids.parse("m-abc.42"), None);
        assert_eq!(ids.parse("../etc.1.AAAA"), None);
        assert!(format!("{ids:?}").contains("hidden"));
    }
}
