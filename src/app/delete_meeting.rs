//! A secretary deletes a meeting created by mistake, while it is a draft;
//! once opened, its signed log is kept.

use super::{App, Error, Missing};
use crate::store::DraftDeletion;

impl App {
    /// Deletes the draft `id`.
    pub async fn delete_meeting(&self, id: &str, by: &str) -> Result<(), Error> {
        let deleted = self.store.delete_draft(id).await;
        self.meetings.forget(id);
        match deleted? {
            DraftDeletion::Deleted => {
                tracing::info!(meeting = %id, by = %by, "draft meeting deleted");
                Ok(())
            }
            DraftDeletion::NotFound => Err(Error::NotFound(Missing::Meeting)),
            DraftDeletion::NotDraft => Err(Error::NotDraft),
        }
    }
}
