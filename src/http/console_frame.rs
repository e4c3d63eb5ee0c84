//! What every console page shares: the frame with the console's
//! navigation, the meeting a page is about (or the page saying it does not
//! exist), and the way back to a meeting after an action. Its own module so
//! that the console's pages use it without importing one another.

use axum::http::StatusCode;
use axum::response::{Html, Redirect};
use maud::{html, Markup};

use super::auth::Secretary;
use super::error::PageError;
use super::pages::page;
use super::AppState;
use crate::app;
use crate::i18n::t;
use crate::store::MeetingRow;

/// The console's page frame: the navigation, then `body`.
pub(super) fn frame(who: &Secretary, title: &str, body: Markup) -> Html<String> {
    frame_with(who, title, &[], body)
}

/// [`frame`] with page scripts.
pub(super) fn frame_with(
    who: &Secretary,
    title: &str,
    scripts: &[&str],
    body: Markup,
) -> Html<String> {
    Html(
        page(
            title,
            None,
            scripts,
            html! {
                nav.top aria-label=(t("console.nav")) {
                    a href="/console" { (t("console.meetings")) }
                    form method="post" action="/logout" {
                        input type="hidden" name="csrf" value=(who.csrf);
                        span.meta { (who.email) " " }
                        button.secondary type="submit" { (t("console.sign_out")) }
                    }
                }
                (body)
            },
        )
        .into_string(),
    )
}

/// The console's page for a meeting id that does not exist.
pub(super) fn meeting_not_found() -> PageError {
    PageError::new(
        StatusCode::NOT_FOUND,
        t("meeting.not_found.title"),
        t("console.meeting_not_found"),
    )
}

/// The meeting a console page is about.
pub(super) async fn meeting_row(state: &AppState, id: &str) -> Result<MeetingRow, PageError> {
    match state.meeting(id).await {
        Ok(m) => Ok(m),
        Err(app::Error::NotFound(_)) => Err(meeting_not_found()),
        Err(e) => Err(e.into()),
    }
}

/// After a console action: back to the meeting's page, or a page saying
/// why the action was refused.
pub(super) fn back_to_meeting<T>(
    id: &str,
    result: Result<T, app::Error>,
    failed: &str,
) -> Result<Redirect, PageError> {
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/console/meetings/{id}"))),
        Err(e) => Err(PageError::refused(failed, e)),
    }
}
