//! `GET /privacy`: the privacy notice linked from the check-in form: who
//! is responsible, what is collected and why, who sees what, how long it is
//! kept and the attendee's rights. The operator names the controller and
//! the contact, or replaces the notice with a Markdown file.

use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use maud::html;

use super::pages::{code_html, page};
use super::AppState;
use crate::i18n::{self, t};

/// What the operator says in the privacy notice.
#[derive(Clone, Debug, Default)]
pub struct Privacy {
    /// Who is responsible for the data (the controller).
    pub controller: Option<String>,
    /// Where attendees exercise their rights.
    pub contact: Option<String>,
    /// A Markdown notice replacing the built-in one.
    pub notice: Option<String>,
}

/// `GET /privacy`.
pub async fn notice(State(state): State<AppState>) -> Response {
    let p = &state.config.privacy;
    let body = match &p.notice {
        Some(markdown) => html! { div.notice-text { (code_html(markdown)) } },
        None => {
            let controller = p
                .controller
                .clone()
                .unwrap_or_else(|| t("privacy.controller_default").to_owned());
            let contact = p
                .contact
                .clone()
                .unwrap_or_else(|| t("privacy.contact_default").to_owned());
            let days = state.settings.retain_personal_data.to_string();
            html! {
                h1 { (t("privacy.title")) }
                p { (t("privacy.intro")) }
                h2 { (t("privacy.controller_heading")) }
                p #controller { (i18n::f("privacy.controller", &[("controller", &controller)])) }
                h2 { (t("privacy.collected_heading")) }
                p { (t("privacy.collected")) }
                p #roster { (t("privacy.roster")) }
                h2 { (t("privacy.who_heading")) }
                p { (t("privacy.who")) }
                h2 { (t("privacy.kept_heading")) }
                p #kept { (i18n::f("privacy.kept", &[("days", &days)])) }
                h2 { (t("privacy.rights_heading")) }
                p #rights { (i18n::f("privacy.rights", &[("contact", &contact)])) }
            }
        }
    };
    Html(page(t("privacy.title"), None, &[], body).into_string()).into_response()
}
