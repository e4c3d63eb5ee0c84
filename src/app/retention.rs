//! A secretary sets how long a meeting keeps its attendees' personal data
//! after it closes.

use super::{App, Error, Missing};
use crate::fields::FieldError;

/// The longest retention a meeting may set, in days (a hundred years).
pub const MAX_RETENTION_DAYS: u32 = 36_500;

impl App {
    /// Keeps meeting `id`'s personal data `days` days after it closes;
    /// `None`: the server's default.
    pub async fn set_retention(&self, id: &str, days: Option<u32>) -> Result<(), Error> {
        if days.is_some_and(|d| d > MAX_RETENTION_DAYS) {
            return Err(Error::Invalid(vec![FieldError {
                field: "days",
                message: format!(
                    "Retention must be a number of days up to {MAX_RETENTION_DAYS}, or empty for the server's default"
                ),
            }]));
        }
        if self.store.set_retention(id, days).await? {
            Ok(())
        } else {
            Err(Error::NotFound(Missing::Meeting))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{app, draft};
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn a_meeting_keeps_personal_data_up_to_a_hundred_years() {
        let app = app(0).await;
        let id = draft(&app, "Plenary").await.meeting.id;
        app.set_retention(&id, Some(MAX_RETENTION_DAYS))
            .await
            .unwrap();
        assert_eq!(
            app.meeting(&id).await.unwrap().retain_days,
            Some(i64::from(MAX_RETENTION_DAYS))
        );
        let e = app
            .set_retention(&id, Some(MAX_RETENTION_DAYS + 1))
            .await
            .unwrap_err();
        assert_eq!(e.fields()[0].field, "days");
        app.set_retention(&id, None).await.unwrap();
        assert_eq!(app.meeting(&id).await.unwrap().retain_days, None);
        assert!(matches!(
            app.set_retention("m-nosuchthing", None).await,
            Err(Error::NotFound(Missing::Meeting))
        ));
    }
}
