//! A secretary creates a meeting: a draft, with the bundled Code unless
//! another is chosen.

use time::OffsetDateTime;

use super::{App, Error};
use crate::meeting::NewMeeting;
use crate::store::MeetingRow;

impl App {
    /// Validates and stores a new draft meeting created by `by`.
    pub async fn create_meeting(
        &self,
        input: NewMeeting,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<MeetingRow, Error> {
        let code = self.default_code(now).await?;
        let row =
            crate::meeting::create(&self.store, input, &self.origin_host(), &code, by, now).await?;
        tracing::info!(meeting = %row.meeting.id, by = %by, "meeting created");
        Ok(row)
    }
}
