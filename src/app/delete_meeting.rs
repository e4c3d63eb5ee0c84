//! A secretary deletes a meeting created by mistake, while it is a draft;
//! once opened, its signed log is kept.

use super::{Actor, App, Error, Missing};
use crate::store::DraftDeletion;

impl App {
    /// Deletes the draft `id`.
    pub async fn delete_meeting(&self, id: &str, by: &Actor) -> Result<(), Error> {
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

#[cfg(test)]
mod tests {
    use super::super::testing::{app, draft, secretary};
    use super::super::{Error, Missing};
    use crate::meeting::MeetingState;

    #[tokio::test(flavor = "multi_thread")]
    async fn a_draft_created_by_mistake_is_deleted_and_gone() {
        let app = app(0).await;
        let id = draft(&app, "By mistake").await.meeting.id;
        app.delete_meeting(&id, &secretary()).await.unwrap();
        assert!(matches!(
            app.meeting(&id).await,
            Err(Error::NotFound(Missing::Meeting))
        ));
        assert!(matches!(
            app.delete_meeting(&id, &secretary()).await,
            Err(Error::NotFound(Missing::Meeting))
        ));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn an_opened_meeting_is_kept() {
        let app = app(0).await;
        let id = draft(&app, "Plenary").await.meeting.id;
        app.open_meeting(&id, &secretary()).await.unwrap();
        assert!(matches!(
            app.delete_meeting(&id, &secretary()).await,
            Err(Error::NotDraft)
        ));
        assert_eq!(app.meeting(&id).await.unwrap().state, MeetingState::Open);
    }
}
