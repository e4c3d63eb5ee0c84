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

#[cfg(test)]
mod tests {
    use super::super::testing::{app, draft, secretary};
    use super::*;
    use crate::meeting::{as_input, MeetingError};

    #[tokio::test(flavor = "multi_thread")]
    async fn a_draft_is_corrected_and_an_opened_meeting_is_not() {
        let app = app(0).await;
        let m = draft(&app, "Plenery").await;
        let fixed = NewMeeting {
            title: "Plenary".into(),
            ..as_input(&m)
        };
        let now = OffsetDateTime::now_utc();
        let edited = app.edit_meeting(&m, fixed.clone(), now).await.unwrap();
        assert_eq!(edited.meeting.title, "Plenary");
        assert_eq!(edited.origin, m.origin, "the log origin is kept");

        app.open_meeting(&m.meeting.id, &secretary()).await.unwrap();
        let opened = app.meeting(&m.meeting.id).await.unwrap();
        assert!(matches!(
            app.edit_meeting(&opened, fixed, now).await,
            Err(Error::Meeting(MeetingError::AlreadyOpened))
        ));
    }
}
