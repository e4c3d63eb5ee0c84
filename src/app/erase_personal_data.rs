//! A secretary erases an attendee's personal data on request, or an
//! attendee erases their own email: the disclosures go, the signed
//! commitments stay.

use time::OffsetDateTime;

use super::App;
use crate::personal::{self, Erase, Erased, ErasedBy, PersonalDataError};

impl App {
    /// Erases `what` of the check-ins at `indices` of meeting `meeting_id`,
    /// then makes the running writer forget what recognised them.
    pub async fn erase_personal_data(
        &self,
        meeting_id: &str,
        indices: &[u64],
        what: Erase,
        by: &ErasedBy,
        now: OffsetDateTime,
    ) -> Result<Erased, PersonalDataError> {
        let erased = personal::erase(&self.store, meeting_id, indices, what, by, now).await?;
        // Only an open meeting's log is in the writer's memory; a closed or
        // unknown one answers an error that changes nothing.
        let _ = self.writer.forget(meeting_id, indices).await;
        Ok(erased)
    }
}
