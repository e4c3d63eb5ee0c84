//! Who performs an action.

use std::fmt;

/// Who performs an action, as the log and the records name them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// A secretary signed in to the console, named by their email.
    Secretary { email: String },
    /// A script holding an API token, named by the token's name.
    Token { name: String },
}

impl Actor {
    /// The name recorded in the log and in the meeting's records: the
    /// secretary's email, or `token:NAME`.
    pub fn recorded_as(&self) -> String {
        match self {
            Actor::Secretary { email } => email.clone(),
            Actor::Token { name } => format!("token:{name}"),
        }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.recorded_as())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_recorded_apart_from_any_email() {
        let token = Actor::Token {
            name: "automation".into(),
        };
        let secretary = Actor::Secretary {
            email: "sec@example.org".into(),
        };
        assert_eq!(token.recorded_as(), "token:automation");
        assert_eq!(secretary.to_string(), "sec@example.org");
    }
}
