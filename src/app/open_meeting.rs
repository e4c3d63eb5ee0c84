//! A secretary opens a meeting for check-in: its first checkpoint is
//! signed, and its details are fixed from then on.

use super::{App, Error};
use crate::store::MeetingRow;

impl App {
    /// Opens the draft `id`; returns the meeting as it now is.
    pub async fn open_meeting(&self, id: &str, by: &str) -> Result<MeetingRow, Error> {
        let opened = self.writer.open(id).await;
        self.meetings.forget(id);
        opened?;
        tracing::info!(meeting = %id, by = %by, "meeting opened");
        self.meeting(id).await
    }
}
