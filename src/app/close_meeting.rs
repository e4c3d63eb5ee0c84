//! A secretary closes a meeting: no more check-ins, and a final signed
//! checkpoint.

use super::{Actor, App, Error};
use crate::trust::checkpoint::{split_note, Checkpoint};

/// A closed meeting's final checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Closed {
    /// The size of the log it covers.
    pub size: u64,
    /// The signed checkpoint note.
    pub checkpoint: String,
}

impl Closed {
    fn from_note(note: String) -> Self {
        let size = Checkpoint::parse_body(split_note(&note).map(|(t, _)| t).unwrap_or_default())
            .map(|c| c.size)
            .unwrap_or_default();
        Closed {
            size,
            checkpoint: note,
        }
    }
}

impl App {
    /// Closes the open meeting `id`.
    pub async fn close_meeting(&self, id: &str, by: &Actor) -> Result<Closed, Error> {
        let closed = if self.store.roster(id).await?.is_some() {
            self.close_with_roster(id, by).await
        } else {
            self.writer.close(id).await.map_err(Error::from)
        };
        self.meetings.forget(id);
        let note = closed?;
        tracing::info!(meeting = %id, by = %by, "meeting closed");
        Ok(Closed::from_note(note))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{app, draft, secretary};
    use super::*;
    use crate::meeting::MeetingState;
    use crate::writer::WriteError;

    #[tokio::test(flavor = "multi_thread")]
    async fn the_check_in_path_sees_a_meeting_open_then_closed_at_once() {
        let app = app(0).await;
        let id = draft(&app, "Plenary").await.meeting.id;
        assert!(matches!(
            app.meeting_taking_check_ins(&id).await,
            Err(Error::Write(WriteError::NotOpen))
        ));
        app.open_meeting(&id, &secretary()).await.unwrap();
        // Read once, so that the open meeting is in the cache.
        let cached = app.meeting_taking_check_ins(&id).await.unwrap();
        assert_eq!(cached.state, MeetingState::Open);

        let closed = app.close_meeting(&id, &secretary()).await.unwrap();
        let size_line = closed.size.to_string();
        assert_eq!(closed.checkpoint.lines().nth(1), Some(size_line.as_str()));
        assert!(matches!(
            app.meeting_taking_check_ins(&id).await,
            Err(Error::Write(WriteError::Closed))
        ));
        assert!(matches!(
            app.close_meeting(&id, &secretary()).await,
            Err(Error::Write(_))
        ));
    }

    #[test]
    fn an_unreadable_note_has_size_zero() {
        let c = Closed::from_note("not a checkpoint".into());
        assert_eq!(c.size, 0);
        assert_eq!(c.checkpoint, "not a checkpoint");
    }
}
