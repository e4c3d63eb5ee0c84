//! What the console lists: the meetings, the Codes they may present, and
//! how many people have checked in.

use std::collections::HashMap;
use std::sync::Mutex;

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

    /// How many of meeting `id`'s check-ins were made with the remote
    /// link; 0 when that cannot be read. Only entries appended since the
    /// last call are read (the log only grows).
    pub async fn remote_check_in_count(&self, id: &str) -> i64 {
        let (from, known) = self.remote_counts.get(id);
        match self.store.remote_check_ins_from(id, from).await {
            Ok((next, n)) => self.remote_counts.set(id, next, known + n),
            Err(_) => known,
        }
    }

    /// How many check-ins meeting `id` has; 0 when that cannot be read, as
    /// a count on a page is not worth failing it for.
    pub async fn check_in_count(&self, id: &str) -> i64 {
        self.store.check_in_count(id).await.unwrap_or(0)
    }
}

/// Per meeting, the index up to which its log was read for remote
/// check-ins, and how many it found.
#[derive(Default)]
pub struct RemoteCounts(Mutex<HashMap<String, (i64, i64)>>);

impl RemoteCounts {
    fn get(&self, id: &str) -> (i64, i64) {
        self.0
            .lock()
            .ok()
            .and_then(|c| c.get(id).copied())
            .unwrap_or((0, 0))
    }

    /// Records the count read up to `next`, unless a later read is known.
    fn set(&self, id: &str, next: i64, remote: i64) -> i64 {
        let Ok(mut c) = self.0.lock() else {
            return remote;
        };
        if c.len() > 10_000 {
            c.clear();
        }
        let e = c.entry(id.to_owned()).or_insert((next, remote));
        if next >= e.0 {
            *e = (next, remote);
        }
        e.1
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use time::OffsetDateTime;

    use super::super::testing::{app, draft, secretary};
    use crate::checkin::CheckInInput;

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

    #[tokio::test(flavor = "multi_thread")]
    async fn remote_check_ins_are_counted_as_the_log_grows() {
        let app = app(0).await;
        let id = draft(&app, "Plenary").await.meeting.id;
        app.open_meeting(&id, &secretary()).await.unwrap();
        let m = app.meeting_taking_check_ins(&id).await.unwrap();
        let now = OffsetDateTime::now_utc();
        let remote = app.remote_link(&m).token;
        let room = app.current_link(&m, now).token;
        let ip = IpAddr::from([192, 0, 2, 1]);
        let person = |token: &str, n: usize| CheckInInput {
            token: token.into(),
            name: format!("Attendee {n}"),
            organization: "SNV".into(),
            country: "CH".into(),
            role: "delegate".into(),
            acknowledged: true,
            code_sha256: m.code_sha256.clone(),
            ..CheckInInput::default()
        };
        assert_eq!(app.remote_check_in_count(&id).await, 0);
        app.check_in(ip, &m, &person(&remote, 1), None, now)
            .await
            .unwrap();
        app.check_in(ip, &m, &person(&room, 2), None, now)
            .await
            .unwrap();
        assert_eq!(app.remote_check_in_count(&id).await, 1);
        app.check_in(ip, &m, &person(&remote, 3), None, now)
            .await
            .unwrap();
        assert_eq!(app.remote_check_in_count(&id).await, 2);
        assert_eq!(app.remote_check_in_count(&id).await, 2, "nothing new");
        assert_eq!(app.check_in_count(&id).await, 3);
    }
}
