//! The addresses attendees check in at.

use time::OffsetDateTime;

use super::App;
use crate::meeting_state::PresenceMode;
use crate::store::MeetingRow;

/// The check-in address a meeting's QR code shows at a given time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckInLink {
    /// The public check-in page with the token.
    pub url: String,
    /// The presence token alone.
    pub token: String,
    /// When a rotating code is replaced; `None` for a static link.
    pub expires_at: Option<OffsetDateTime>,
}

impl App {
    /// The public check-in address of a meeting (without a token): the
    /// stable link for agendas.
    pub fn checkin_base(&self, id: &str) -> String {
        format!("{}/m/{id}", self.settings.public_url)
    }

    /// The check-in address the QR code shows at `now`.
    pub fn current_link(&self, m: &MeetingRow, now: OffsetDateTime) -> CheckInLink {
        let id = &m.meeting.id;
        let (token, expires_at) = if m.presence == PresenceMode::Static {
            (self.presence.fixed(id), None)
        } else {
            let (t, next) = self.presence.rotating(id, now);
            (t, Some(next))
        };
        CheckInLink {
            url: format!("{}?t={token}", self.checkin_base(id)),
            token,
            expires_at,
        }
    }

    /// The meeting's remote link, for the video conference's chat: valid
    /// while the meeting is open, and records `remote`, never presence in
    /// the room.
    pub fn remote_link(&self, m: &MeetingRow) -> CheckInLink {
        let token = self.presence.remote(&m.meeting.id);
        CheckInLink {
            url: format!("{}?t={token}", self.checkin_base(&m.meeting.id)),
            token,
            expires_at: None,
        }
    }
}
