//! A meeting's log: its origin and meeting ids. The log itself is built by
//! [`log_core`](super::log_core) over a [`merkle::Tree`](super::merkle::Tree).

/// The path every log origin ends with, before the meeting id.
pub const ORIGIN_PATH: &str = "/rollcall/meetings/";

/// The log origin for a meeting: `<host>/rollcall/meetings/<meeting id>`.
/// `verify` checks that it ends with the meeting's id.
pub fn origin_for(host: &str, meeting_id: &str) -> String {
    format!("{}{ORIGIN_PATH}{meeting_id}", host.trim_end_matches('/'))
}

/// Whether `origin` is the log origin of meeting `meeting_id`.
pub fn origin_names_meeting(origin: &str, meeting_id: &str) -> bool {
    origin
        .strip_suffix(meeting_id)
        .is_some_and(|head| head.ends_with(ORIGIN_PATH) && head.len() > ORIGIN_PATH.len())
}

/// Meeting ids: 1 to 64 ASCII letters, digits, '-' or '_'.
pub fn is_meeting_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
