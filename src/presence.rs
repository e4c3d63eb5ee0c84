//! Presence tokens: what the meeting's QR code carries.
//!
//! A rotating token names a 30-second window and is accepted for a grace
//! period after it (long enough to read the Code), so a photo of the code
//! sent outside the room soon stops working. A static token (for a printed
//! agenda) is valid while the meeting is open. A remote token (the link
//! pasted in a video conference's chat) is valid while the meeting is
//! open too, whatever its room mode, and records `remote`: never presence
//! in the room. All are HMAC-SHA256 tags under a server secret over the
//! token's kind, so they cannot be forged, and a remote token cannot be
//! relabelled as a room token or the reverse.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::{Duration, OffsetDateTime};

use crate::meeting_state::PresenceMode;
use crate::trust::encoding::{b64url, unb64url};
use crate::trust::statement::Presence;

/// How long one rotating code is shown.
pub const PERIOD_SECONDS: i64 = 30;
/// Clock skew tolerated for a token from the future.
const SKEW_SECONDS: i64 = 5;
const ROTATING: u8 = 1;
const STATIC: u8 = 2;
const REMOTE: u8 = 3;

/// Why a presence token is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PresenceError {
    #[error("this check-in link is incomplete or damaged; scan the QR code again")]
    Malformed,
    #[error(
        "this check-in link is not valid for this meeting; scan the QR code shown in the room"
    )]
    Forged,
    #[error("this QR code has expired; scan the code shown in the room again")]
    Expired,
    #[error("this meeting uses the QR code shown in the room, not a printed link")]
    WrongMode,
    #[error("this remote check-in link is not valid for this meeting; ask the secretary to paste the meeting's remote link in the chat again")]
    ForgedRemote,
}

/// Whether `token` is of the remote kind, to word a page for a remote
/// participant. Says nothing of its validity: [`PresenceKey::check`] does.
pub fn is_remote_kind(token: &str) -> bool {
    unb64url(token.trim()).is_ok_and(|b| b.first() == Some(&REMOTE))
}

/// The secret behind presence tokens.
pub struct PresenceKey([u8; 32]);

impl fmt::Debug for PresenceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PresenceKey(<hidden>)")
    }
}

impl PresenceKey {
    pub fn new(secret: [u8; 32]) -> Self {
        Self(secret)
    }

    fn tag(&self, kind: u8, meeting_id: &str, window: i64) -> Hmac<Sha256> {
        // A 32-byte key is always accepted by HMAC.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(b"rollcall presence v1\n");
        mac.update(&[kind]);
        mac.update(meeting_id.as_bytes());
        mac.update(b"\n");
        mac.update(&window.to_be_bytes());
        mac
    }

    /// The rotating token for the window containing `now`, and when the
    /// next one replaces it.
    pub fn rotating(&self, meeting_id: &str, now: OffsetDateTime) -> (String, OffsetDateTime) {
        let t = now.unix_timestamp();
        let window = t - t.rem_euclid(PERIOD_SECONDS);
        let mut bytes = vec![ROTATING];
        bytes.extend_from_slice(&window.to_be_bytes());
        bytes.extend_from_slice(
            &self
                .tag(ROTATING, meeting_id, window)
                .finalize()
                .into_bytes()[..16],
        );
        let next = OffsetDateTime::from_unix_timestamp(window + PERIOD_SECONDS).unwrap_or(now);
        (b64url(&bytes), next)
    }

    /// The static token of a meeting.
    pub fn fixed(&self, meeting_id: &str) -> String {
        let mut bytes = vec![STATIC];
        bytes.extend_from_slice(&self.tag(STATIC, meeting_id, 0).finalize().into_bytes()[..16]);
        b64url(&bytes)
    }

    /// The remote token of a meeting: for participants who are not in the
    /// room; it records `remote`, never room presence.
    pub fn remote(&self, meeting_id: &str) -> String {
        let mut bytes = vec![REMOTE];
        bytes.extend_from_slice(&self.tag(REMOTE, meeting_id, 0).finalize().into_bytes()[..16]);
        b64url(&bytes)
    }

    /// Checks a token for a meeting whose room mode is `rotating` or
    /// `static`: a room token gives the room's method, a remote token
    /// gives `remote`, whatever the mode.
    pub fn check(
        &self,
        meeting_id: &str,
        token: &str,
        mode: PresenceMode,
        now: OffsetDateTime,
        grace: Duration,
    ) -> Result<Presence, PresenceError> {
        let bytes = unb64url(token.trim()).map_err(|_| PresenceError::Malformed)?;
        match (bytes.first(), bytes.len()) {
            (Some(&ROTATING), 25) => {
                let window = i64::from_be_bytes(
                    bytes[1..9]
                        .try_into()
                        .map_err(|_| PresenceError::Malformed)?,
                );
                self.tag(ROTATING, meeting_id, window)
                    .verify_truncated_left(&bytes[9..])
                    .map_err(|_| PresenceError::Forged)?;
                if mode != PresenceMode::Rotating {
                    return Err(PresenceError::Forged);
                }
                let not_before = OffsetDateTime::from_unix_timestamp(window)
                    .map_err(|_| PresenceError::Malformed)?;
                let not_after = not_before + Duration::seconds(PERIOD_SECONDS) + grace;
                if now < not_before - Duration::seconds(SKEW_SECONDS) || now > not_after {
                    return Err(PresenceError::Expired);
                }
                Ok(Presence::RotatingQr {
                    not_before,
                    not_after,
                })
            }
            (Some(&STATIC), 17) => {
                self.tag(STATIC, meeting_id, 0)
                    .verify_truncated_left(&bytes[1..])
                    .map_err(|_| PresenceError::Forged)?;
                if mode != PresenceMode::Static {
                    return Err(PresenceError::WrongMode);
                }
                Ok(Presence::StaticLink)
            }
            (Some(&REMOTE), 17) => {
                self.tag(REMOTE, meeting_id, 0)
                    .verify_truncated_left(&bytes[1..])
                    .map_err(|_| PresenceError::ForgedRemote)?;
                Ok(Presence::Remote)
            }
            _ => Err(PresenceError::Malformed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn rotating_tokens_expire_after_the_grace_period() {
        let key = PresenceKey::new([7; 32]);
        let now = datetime!(2026-12-01 09:00:10 UTC);
        let (token, next) = key.rotating("m1", now);
        assert_eq!(next, datetime!(2026-12-01 09:00:30 UTC));
        let grace = Duration::minutes(10);
        let p = key
            .check("m1", &token, PresenceMode::Rotating, now, grace)
            .unwrap();
        assert_eq!(
            p,
            Presence::RotatingQr {
                not_before: datetime!(2026-12-01 09:00:00 UTC),
                not_after: datetime!(2026-12-01 09:10:30 UTC)
            }
        );
        assert_eq!(
            key.check(
                "m1",
                &token,
                PresenceMode::Rotating,
                now + Duration::minutes(11),
                grace
            ),
            Err(PresenceError::Expired)
        );
        assert_eq!(
            key.check("m2", &token, PresenceMode::Rotating, now, grace),
            Err(PresenceError::Forged)
        );
        assert_eq!(
            PresenceKey::new([8; 32]).check("m1", &token, PresenceMode::Rotating, now, grace),
            Err(PresenceError::Forged)
        );
        assert_eq!(
            key.check("m1", "garbage!", PresenceMode::Rotating, now, grace),
            Err(PresenceError::Malformed)
        );
    }

    #[test]
    fn static_tokens_work_only_for_static_meetings() {
        let key = PresenceKey::new([7; 32]);
        let now = datetime!(2026-12-01 09:00:10 UTC);
        let t = key.fixed("m1");
        assert_eq!(
            key.check("m1", &t, PresenceMode::Static, now, Duration::ZERO),
            Ok(Presence::StaticLink)
        );
        assert_eq!(
            key.check("m1", &t, PresenceMode::Rotating, now, Duration::ZERO),
            Err(PresenceError::WrongMode)
        );
        assert!(format!("{key:?}").contains("hidden"));
    }

    #[test]
    fn remote_tokens_give_remote_presence_and_cannot_be_relabelled_as_room_tokens() {
        let key = PresenceKey::new([7; 32]);
        let now = datetime!(2026-12-01 09:00:10 UTC);
        let remote = key.remote("m1");
        for mode in [PresenceMode::Rotating, PresenceMode::Static] {
            assert_eq!(
                key.check("m1", &remote, mode, now, Duration::ZERO),
                Ok(Presence::Remote)
            );
        }
        assert_ne!(remote, key.fixed("m1"));
        // The same tag under the static kind byte: not a room token.
        let mut bytes = unb64url(&remote).unwrap();
        bytes[0] = STATIC;
        assert_eq!(
            key.check(
                "m1",
                &b64url(&bytes),
                PresenceMode::Static,
                now,
                Duration::ZERO
            ),
            Err(PresenceError::Forged)
        );
        // And the static token relabelled as remote is not a remote token.
        let mut bytes = unb64url(&key.fixed("m1")).unwrap();
        bytes[0] = REMOTE;
        assert_eq!(
            key.check(
                "m1",
                &b64url(&bytes),
                PresenceMode::Static,
                now,
                Duration::ZERO
            ),
            Err(PresenceError::ForgedRemote)
        );
        // Another meeting's, or another server's, remote token.
        assert_eq!(
            key.check("m2", &remote, PresenceMode::Rotating, now, Duration::ZERO),
            Err(PresenceError::ForgedRemote)
        );
        assert_eq!(
            PresenceKey::new([8; 32]).check(
                "m1",
                &remote,
                PresenceMode::Rotating,
                now,
                Duration::ZERO
            ),
            Err(PresenceError::ForgedRemote)
        );
    }
}
