//! A secretary opens a meeting for check-in: its first checkpoint is
//! signed, and its details are fixed from then on.

use super::{Actor, App, Error};
use crate::store::MeetingRow;

impl App {
    /// Opens the draft `id`; returns the meeting as it now is.
    pub async fn open_meeting(&self, id: &str, by: &Actor) -> Result<MeetingRow, Error> {
        let opened = self.writer.open(id).await;
        self.meetings.forget(id);
        opened?;
        tracing::info!(meeting = %id, by = %by, "meeting opened");
        // A roster imported while the meeting was a draft is committed
        // right after the meeting statement (else at the latest when it
        // closes).
        if let Err(e) = self.commit_roster(id, by).await {
            tracing::warn!(meeting = %id, error = %e, "roster not committed at opening");
        }
        self.meeting(id).await
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{app, draft, secretary};
    use super::super::{Error, Missing};
    use crate::meeting::MeetingState;
    use crate::writer::WriteError;

    #[tokio::test(flavor = "multi_thread")]
    async fn a_draft_opens_once() {
        let app = app(0).await;
        let id = draft(&app, "Plenary").await.meeting.id;
        let opened = app.open_meeting(&id, &secretary()).await.unwrap();
        assert_eq!(opened.state, MeetingState::Open);
        assert!(opened.opened_at.is_some());
        assert!(matches!(
            app.open_meeting(&id, &secretary()).await,
            Err(Error::Write(WriteError::AlreadyOpened))
        ));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn an_unknown_meeting_does_not_open() {
        let app = app(0).await;
        let e = app.open_meeting("m-nosuchthing", &secretary()).await;
        assert!(
            matches!(
                e,
                Err(Error::Write(WriteError::UnknownMeeting) | Error::NotFound(Missing::Meeting))
            ),
            "{e:?}"
        );
    }
}
