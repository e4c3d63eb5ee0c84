//! A secretary creates a meeting: a draft, with the bundled Code unless
//! another is chosen.

use time::OffsetDateTime;

use super::{Actor, App, Error};
use crate::meeting::NewMeeting;
use crate::store::MeetingRow;

impl App {
    /// Validates and stores a new draft meeting created by `by`.
    pub async fn create_meeting(
        &self,
        input: NewMeeting,
        by: &Actor,
        now: OffsetDateTime,
    ) -> Result<MeetingRow, Error> {
        let code = self.default_code(now).await?;
        let row = crate::meeting::create(
            &self.store,
            input,
            &self.origin_host(),
            &code,
            &by.recorded_as(),
            now,
        )
        .await?;
        tracing::info!(meeting = %row.meeting.id, by = %by, "meeting created");
        Ok(row)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{app, secretary};
    use super::*;
    use crate::meeting::{MeetingState, PresenceMode};

    #[tokio::test(flavor = "multi_thread")]
    async fn a_new_meeting_is_a_draft_presenting_the_bundled_code() {
        let app = app(0).await;
        let now = OffsetDateTime::now_utc();
        let m = app
            .create_meeting(
                NewMeeting {
                    title: "Plenary".into(),
                    starts_at: "2026-12-01T09:00:00+01:00".into(),
                    ends_at: "2026-12-01T17:00:00+01:00".into(),
                    ..NewMeeting::default()
                },
                &secretary(),
                now,
            )
            .await
            .unwrap();
        assert_eq!(m.state, MeetingState::Draft);
        assert_eq!(m.presence, PresenceMode::Rotating);
        assert_eq!(m.code_sha256, app.default_code(now).await.unwrap());
        assert!(m.origin.starts_with("rollcall.example/"), "{}", m.origin);
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn every_invalid_field_is_named_and_nothing_is_stored() {
        let app = app(0).await;
        let e = app
            .create_meeting(
                NewMeeting {
                    starts_at: "tomorrow".into(),
                    ends_at: "2026-12-01T17:00:00+01:00".into(),
                    presence: Some("sometimes".into()),
                    ..NewMeeting::default()
                },
                &secretary(),
                OffsetDateTime::now_utc(),
            )
            .await
            .unwrap_err();
        let fields: Vec<&str> = e.fields().iter().map(|f| f.field).collect();
        assert_eq!(fields, ["title", "starts_at", "presence"]);
        assert!(app.store.meetings().await.unwrap().is_empty());
    }
}
