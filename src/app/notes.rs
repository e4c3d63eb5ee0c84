//! A secretary records notes on the discussion of the Code in the log.

use super::{App, Error};

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
    pub async fn add_notes(&self, id: &str, by: &str, text: &str) -> Result<u64, Error> {
        let text = valid_notes(text)?;
        Ok(self.writer.notes(id, by, &text).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
