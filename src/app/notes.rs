//! A secretary records notes on the discussion of the Code in the log.

use super::{Actor, App, Error};

/// The longest notes accepted at once, in characters.
pub const NOTES_MAX_CHARS: usize = 20_000;

/// Notes as they will be signed: checked, or the field error saying why not.
pub fn valid_notes(text: &str) -> Result<String, Error> {
    crate::fields::multiline("text", "Notes", text, NOTES_MAX_CHARS)
        .map_err(|e| Error::Invalid(vec![e]))
}

impl App {
    /// Appends notes by `by` to the open meeting `id`; returns their index
    /// in the log.
    pub async fn add_notes(&self, id: &str, by: &Actor, text: &str) -> Result<u64, Error> {
        let text = valid_notes(text)?;
        Ok(self.writer.notes(id, &by.recorded_as(), &text).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{app, draft, secretary};
    use super::*;
    use crate::writer::WriteError;

    #[tokio::test(flavor = "multi_thread")]
    async fn notes_are_appended_to_an_open_meeting_and_too_long_ones_are_not() {
        let app = app(0).await;
        let id = draft(&app, "Plenary").await.meeting.id;
        assert!(matches!(
            app.add_notes(&id, &secretary(), "Discussed the Code").await,
            Err(Error::Write(WriteError::NotOpen))
        ));
        app.open_meeting(&id, &secretary()).await.unwrap();
        let before = app.store.entries(&id).await.unwrap().len();
        let index = app
            .add_notes(&id, &secretary(), "Discussed the Code")
            .await
            .unwrap();
        assert_eq!(index as usize, before);

        let long = "a".repeat(NOTES_MAX_CHARS + 1);
        let e = app.add_notes(&id, &secretary(), &long).await.unwrap_err();
        assert_eq!(e.fields()[0].field, "text");
        assert_eq!(app.store.entries(&id).await.unwrap().len(), before + 1);
    }

    #[test]
    fn notes_up_to_the_limit_are_accepted() {
        let long = "a".repeat(NOTES_MAX_CHARS);
        assert_eq!(valid_notes(&long).unwrap(), long);
    }

    #[test]
    fn longer_notes_are_refused_naming_the_field() {
        let e = valid_notes(&"a".repeat(NOTES_MAX_CHARS + 1)).unwrap_err();
        assert_eq!(e.fields().len(), 1);
        assert_eq!(e.fields()[0].field, "text");
    }
}
