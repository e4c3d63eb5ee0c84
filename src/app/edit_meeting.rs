//! A secretary corrects a draft. Once opened, a meeting's details are
//! signed and can no longer change.

use time::OffsetDateTime;

use super::{App, Error};
use crate::meeting::NewMeeting;
use crate::store::MeetingRow;

impl App {
    /// Replaces the details of the draft `current` with `input`, under the
    /// rules of creating one.
    pub async fn edit_meeting(
        &self,
        current: &MeetingRow,
        input: NewMeeting,
        now: OffsetDateTime,
    ) -> Result<MeetingRow, Error> {
        let code = self.default_code(now).await?;
        let result = crate::meeting::update_draft(&self.store, current, input, &code).await;
        self.meetings.forget(&current.meeting.id);
        Ok(result?)
    }
}
