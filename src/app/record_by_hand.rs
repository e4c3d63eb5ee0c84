//! A secretary records the check-in of someone without a phone. The
//! signed attestation says the secretary recorded it, and who.

use super::{App, Error};
use crate::checkin::{self, CheckInInput};
use crate::store::writer::CheckInAccepted;
use crate::store::MeetingRow;
use crate::trust::statement::Presence;

/// What the secretary types in for the attendee.
#[derive(Clone, Debug, Default)]
pub struct ByHand {
    pub name: String,
    pub organization: String,
    pub country: String,
    pub role: String,
    pub email: String,
    /// The attendee said they have read the Code and will uphold it.
    pub acknowledged: bool,
}

impl App {
    /// Records `who` at `meeting`, as recorded by the secretary `by`.
    pub async fn record_by_hand(
        &self,
        meeting: &MeetingRow,
        who: ByHand,
        by: &str,
    ) -> Result<CheckInAccepted, Error> {
        let input = CheckInInput {
            token: String::new(),
            name: who.name,
            organization: who.organization,
            country: who.country,
            role: who.role,
            email: Some(who.email),
            acknowledged: who.acknowledged,
            code_sha256: meeting.code_sha256.clone(),
            language: None,
            // Only the attendee can agree to show their email to others.
            share_email: false,
        };
        let presence = Presence::RecordedBySecretary {
            recorded_by: by.to_owned(),
        };
        let req = checkin::validate(meeting, &input, presence, None)?;
        Ok(self.writer.check_in(req).await?)
    }
}
