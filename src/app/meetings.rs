//! What the console lists: the meetings, the Codes they may present, and
//! how many people have checked in.

use std::collections::HashMap;

use super::{App, Error};
use crate::store::{CodeRow, MeetingRow};

impl App {
    /// Every meeting.
    pub async fn meetings(&self) -> Result<Vec<MeetingRow>, Error> {
        Ok(self.store.meetings().await?)
    }

    /// The Codes a new meeting may present (originals, not translations).
    pub async fn codes(&self) -> Result<Vec<CodeRow>, Error> {
        Ok(self.store.codes().await?)
    }

    /// How many check-ins each meeting has, by meeting id.
    pub async fn check_in_counts(&self) -> Result<HashMap<String, i64>, Error> {
        Ok(self.store.check_in_counts().await?)
    }

    /// How many check-ins meeting `id` has; 0 when that cannot be read, as
    /// a count on a page is not worth failing it for.
    pub async fn check_in_count(&self, id: &str) -> i64 {
        self.store
            .check_in_counts()
            .await
            .ok()
            .and_then(|c| c.get(id).copied())
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{app, draft};

    #[tokio::test(flavor = "multi_thread")]
    async fn a_new_meeting_is_listed_with_no_check_ins_and_the_bundled_code_is_offered() {
        let app = app(0).await;
        let id = draft(&app, "Plenary").await.meeting.id;
        let all = app.meetings().await.unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].meeting.id, id);
        assert_eq!(app.check_in_count(&id).await, 0);
        let codes = app.codes().await.unwrap();
        assert!(codes.iter().any(|c| c.sha256 == all[0].code_sha256));
    }
}
