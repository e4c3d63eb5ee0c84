//! The words a meeting's state and its presence mode are stored and shown
//! as, parsed once where they are read: the rest of the code matches on
//! the enums.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where a meeting is in its life: drafted, open for check-in, closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MeetingState {
    /// Created, still editable; nothing is signed yet.
    Draft,
    /// Taking check-ins; its details are signed.
    Open,
    /// Its log is sealed with a final checkpoint.
    Closed,
}

impl MeetingState {
    /// The word stored in the database and shown in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            MeetingState::Draft => "draft",
            MeetingState::Open => "open",
            MeetingState::Closed => "closed",
        }
    }
}

/// How attendees show they are in the room.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PresenceMode {
    /// A QR code on the screen that changes every 30 seconds.
    #[default]
    Rotating,
    /// A fixed link, printed or sent.
    Static,
}

impl PresenceMode {
    /// The word stored in the database and shown in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            PresenceMode::Rotating => "rotating",
            PresenceMode::Static => "static",
        }
    }
}

/// A word that names no state or mode.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {word:?}")]
pub struct UnknownWord {
    pub kind: &'static str,
    pub word: String,
}

impl FromStr for MeetingState {
    type Err = UnknownWord;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "draft" => Ok(MeetingState::Draft),
            "open" => Ok(MeetingState::Open),
            "closed" => Ok(MeetingState::Closed),
            _ => Err(UnknownWord {
                kind: "meeting state",
                word: s.to_owned(),
            }),
        }
    }
}

impl FromStr for PresenceMode {
    type Err = UnknownWord;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "rotating" => Ok(PresenceMode::Rotating),
            "static" => Ok(PresenceMode::Static),
            _ => Err(UnknownWord {
                kind: "presence mode",
                word: s.to_owned(),
            }),
        }
    }
}

impl fmt::Display for MeetingState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for PresenceMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_modes_read_back_the_words_they_are_stored_as() {
        for s in [
            MeetingState::Draft,
            MeetingState::Open,
            MeetingState::Closed,
        ] {
            assert_eq!(s.as_str().parse::<MeetingState>(), Ok(s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
        for m in [PresenceMode::Rotating, PresenceMode::Static] {
            assert_eq!(m.as_str().parse::<PresenceMode>(), Ok(m));
            assert_eq!(serde_json::to_value(m).unwrap(), m.as_str());
        }
    }

    #[test]
    fn an_unknown_word_is_refused_not_guessed() {
        assert!("Open".parse::<MeetingState>().is_err());
        assert!("".parse::<PresenceMode>().is_err());
    }
}
