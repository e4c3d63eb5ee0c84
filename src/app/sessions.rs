//! A secretary defines a meeting's sessions (the days or half-days of a
//! plenary), and opens and closes each for check-in. Opening and closing
//! are signed entries of the meeting's log; a check-in while a session is
//! open is for that session.

use time::OffsetDateTime;

use super::{Actor, App, Error, Missing};
use crate::fields::{self, Errors};
use crate::local_time;
use crate::meeting_state::MeetingState;
use crate::store::SessionDef;
use crate::trust::statement::Session;

/// A session as the secretary types it: start and end either RFC 3339 or
/// the wall clock of the meeting's time zone (what a browser's date and
/// time field gives).
#[derive(Clone, Debug, Default)]
pub struct SessionInput {
    pub name: String,
    pub starts_at: String,
    pub ends_at: String,
}

impl App {
    /// Defines the next session of meeting `id` (a draft or open meeting).
    pub async fn add_session(
        &self,
        id: &str,
        input: &SessionInput,
        now: OffsetDateTime,
    ) -> Result<SessionDef, Error> {
        let m = self.meeting(id).await?;
        if m.state == MeetingState::Closed {
            return Err(Error::Write(crate::writer::WriteError::Closed));
        }
        let tz = &m.meeting.timezone;
        let zone = local_time::zone(tz).map_err(|e| Error::Invalid(vec![e]))?;
        let mut e = Errors::default();
        let name = e.take(fields::text("name", "Session name", &input.name, 120, true));
        let time = |field: &'static str, label: &str, value: &str| {
            local_time::to_rfc3339(field, label, value, &zone, tz).and_then(|t| {
                OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339).map_err(
                    |_| fields::FieldError {
                        field,
                        message: format!(
                            "{label} must be a date and a time, e.g. 2026-12-01T09:00"
                        ),
                    },
                )
            })
        };
        let starts = e.take(time("starts_at", "Start", &input.starts_at));
        let ends = e.take(time("ends_at", "End", &input.ends_at));
        if let (Some(s), Some(t)) = (starts, ends) {
            if t <= s {
                e.add("ends_at", "End must be after the start");
            }
        }
        e.into_result(|| ()).map_err(Error::Invalid)?;
        let (name, starts, ends) = (
            name.unwrap_or_default(),
            starts.unwrap_or(now),
            ends.unwrap_or(now),
        );
        let number = self.store.add_session(id, &name, starts, ends, now).await?;
        Ok(SessionDef {
            number,
            name,
            starts_at: starts,
            ends_at: ends,
            state: crate::store::SessionState::Planned,
            check_ins: 0,
        })
    }

    /// The meeting's sessions, with their state as the log records it.
    pub async fn sessions(&self, id: &str) -> Result<Vec<SessionDef>, Error> {
        self.meeting(id).await?;
        Ok(self.store.sessions(id).await?)
    }

    /// The name of the session open now in meeting `id`, if one is: what
    /// the check-in page says a check-in will be for.
    pub async fn open_session_name(&self, id: &str) -> Option<String> {
        match self.store.open_session(id).await {
            Ok(open) => open.map(|(_, name)| name),
            Err(e) => {
                tracing::warn!(error = %e, "could not read the open session");
                None
            }
        }
    }

    /// Opens session `number` of the open meeting `id`; returns the index
    /// of its signed entry.
    pub async fn open_session(&self, id: &str, number: u32, by: &Actor) -> Result<u64, Error> {
        let def = self
            .sessions(id)
            .await?
            .into_iter()
            .find(|s| s.number == number)
            .ok_or(Error::NotFound(Missing::Session))?;
        let session = Session {
            number,
            name: def.name,
            starts_at: def.starts_at,
            ends_at: def.ends_at,
        };
        Ok(self
            .writer
            .open_session(id, session, &by.recorded_as())
            .await?)
    }

    /// Closes the open session `number` of meeting `id`; returns the index
    /// of its signed entry.
    pub async fn close_session(&self, id: &str, number: u32, by: &Actor) -> Result<u64, Error> {
        if !self.sessions(id).await?.iter().any(|s| s.number == number) {
            return Err(Error::NotFound(Missing::Session));
        }
        Ok(self
            .writer
            .close_session(id, number, &by.recorded_as())
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{app, draft, secretary};
    use super::*;
    use crate::trust::log_core::SessionRefused;
    use crate::writer::WriteError;

    fn day(n: u32) -> SessionInput {
        SessionInput {
            name: format!("Day {n}"),
            starts_at: format!("2026-12-0{n}T09:00"),
            ends_at: format!("2026-12-0{n}T17:00"),
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn sessions_are_numbered_opened_one_at_a_time_and_closed() {
        let app = app(0).await;
        let id = draft(&app, "Plenary").await.meeting.id;
        let now = OffsetDateTime::now_utc();
        assert_eq!(app.add_session(&id, &day(1), now).await.unwrap().number, 1);
        assert_eq!(app.add_session(&id, &day(2), now).await.unwrap().number, 2);
        let mut bad = day(3);
        bad.ends_at = "2026-12-03T08:00".into();
        bad.name = " ".into();
        let e = app.add_session(&id, &bad, now).await.unwrap_err();
        let fields: Vec<_> = e.fields().iter().map(|f| f.field).collect();
        assert_eq!(fields, ["name", "ends_at"]);

        app.open_meeting(&id, &secretary()).await.unwrap();
        app.open_session(&id, 1, &secretary()).await.unwrap();
        assert!(matches!(
            app.open_session(&id, 2, &secretary()).await,
            Err(Error::Write(WriteError::Session(
                SessionRefused::AnotherOpen(1)
            )))
        ));
        assert!(matches!(
            app.open_session(&id, 9, &secretary()).await,
            Err(Error::NotFound(Missing::Session))
        ));
        app.close_session(&id, 1, &secretary()).await.unwrap();
        let states: Vec<_> = app
            .sessions(&id)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.state)
            .collect();
        assert_eq!(
            states,
            [
                crate::store::SessionState::Closed,
                crate::store::SessionState::Planned
            ]
        );
    }
}
