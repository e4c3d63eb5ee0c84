//! Exports as downloads, shared by the JSON API and the console: the
//! `?disclose=` query, file names, and the bundle, CSV and PDF responses.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use time::OffsetDateTime;

use super::error::ApiError;
use super::AppState;
use crate::app;
use crate::personal::Disclose;

/// `?disclose=circulated|full|FIELD,FIELD…` on every export (other query
/// members, such as `lang`, are left to others). Read as a list of pairs so
/// that a repeated `disclose` is refused as JSON, like any other mistake.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct ExportQuery(Vec<(String, String)>);

impl ExportQuery {
    /// The disclosure profile asked for (default: circulated).
    pub fn profile(&self) -> Result<Disclose, ApiError> {
        let invalid =
            |m: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_disclose", m);
        let mut given = self.0.iter().filter(|(k, _)| k == "disclose");
        let value = given.next().map_or("", |(_, v)| v.as_str());
        if given.next().is_some() {
            return Err(invalid(
                "give disclose once: circulated, full, or fields separated by commas".into(),
            ));
        }
        value
            .parse()
            .map_err(|e: crate::personal::DiscloseError| invalid(e.to_string()))
    }
}

/// An export's file name: an archive copy says it holds personal data.
pub fn export_file_name(stem: &str, disclose: &Disclose, extension: &str) -> String {
    if disclose.is_archive() {
        format!("{stem}-full-personal-data.{extension}")
    } else {
        format!("{stem}.{extension}")
    }
}

fn attachment(name: String) -> (header::HeaderName, String) {
    (
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{name}\""),
    )
}

/// The signed list as a JSON download, disclosing what `disclose` shows.
pub async fn bundle(
    state: &AppState,
    id: &str,
    disclose: &Disclose,
) -> Result<Response, app::Error> {
    let b = state.bundle(id, disclose).await?;
    Ok((
        [attachment(export_file_name(
            &format!("rollcall-{id}"),
            disclose,
            "json",
        ))],
        Json(b),
    )
        .into_response())
}

/// The verified list as a CSV download.
pub async fn csv(state: &AppState, id: &str, disclose: &Disclose) -> Result<Response, app::Error> {
    let csv = state.attendance_csv(id, disclose).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            attachment(export_file_name(&format!("rollcall-{id}"), disclose, "csv")),
        ],
        csv,
    )
        .into_response())
}

/// The printable list as a PDF download in the page's language, the exact
/// bundle this server serves attached to it.
pub async fn pdf(state: &AppState, id: &str, disclose: &Disclose) -> Result<Response, app::Error> {
    let mut text = crate::export::ListText::for_language(crate::i18n::current())
        .disclosing(disclose)
        .with_verify_page(format!("{}/verify", state.settings.public_url));
    if let Some(absent) = state.expected_absent(id).await? {
        text = text.with_expected_absent(absent);
    }
    let pdf = state
        .attendance_pdf(id, disclose, &text, OffsetDateTime::now_utc())
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            attachment(export_file_name(
                &format!("rollcall-{id}-list"),
                disclose,
                "pdf",
            )),
        ],
        pdf,
    )
        .into_response())
}
