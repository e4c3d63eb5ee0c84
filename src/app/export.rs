//! Exports a secretary or an attendee downloads: the signed bundle, the
//! verified attendance list (CSV, PDF), an attendee's receipt. The command
//! line, which runs offline, exports with the same two steps:
//! [`disclosed_bundle`] and [`verified_report`].

use time::OffsetDateTime;

use super::{App, Error};
use crate::export::{ExportError, ListText};
use crate::personal::Disclose;
use crate::store::{EntryRow, Store};
use crate::trust::bundle::{Bundle, Receipt};
use crate::trust::keys::PublicKey;
use crate::trust::verify::Report;
use crate::writer::Logs;

/// A meeting's signed list as of its latest checkpoint, with the texts of
/// every Code version it offers, disclosing only what `disclose` shows.
pub async fn disclosed_bundle(
    store: &Store,
    logs: &Logs,
    keys: &[PublicKey],
    id: &str,
    disclose: &Disclose,
) -> Result<Bundle, ExportError> {
    let mut b = crate::export::bundle(store, logs, keys, id).await?;
    disclose.apply(&mut b);
    Ok(b)
}

/// A stored log that does not verify against the server's own keys: it is
/// never exported.
#[derive(Debug, thiserror::Error)]
#[error("the stored log does not verify")]
pub struct Unverified {
    /// What the verifier found.
    pub report: Box<Report>,
}

/// The verifier's report on `bundle` against the server's own keys, when
/// it verifies.
pub fn verified_report(bundle: &Bundle, keys: &[PublicKey]) -> Result<Report, Unverified> {
    let report = crate::export::verified(bundle, keys);
    if report.valid {
        Ok(report)
    } else {
        Err(Unverified {
            report: Box::new(report),
        })
    }
}

/// [`verified_report`] as the server answers it: the failures are logged,
/// the client is told only that something went wrong.
fn checked(id: &str, bundle: &Bundle, keys: &[PublicKey]) -> Result<Report, Error> {
    verified_report(bundle, keys).map_err(|u| {
        tracing::error!(meeting = %id, failures = ?u.report.failures.iter().take(5).collect::<Vec<_>>(), "stored log does not verify");
        Error::Internal(u.to_string())
    })
}

/// A meeting's signed list and the report of its verification.
#[derive(Debug)]
pub struct VerifiedList {
    pub bundle: Bundle,
    pub report: Report,
}

impl App {
    /// A meeting's signed list with the texts of every Code version it
    /// offers, disclosing only what `disclose` shows.
    pub async fn bundle(&self, id: &str, disclose: &Disclose) -> Result<Bundle, Error> {
        Ok(disclosed_bundle(&self.store, &self.logs, &self.public_keys(), id, disclose).await?)
    }

    /// The list as of the latest checkpoint, verified against the server's
    /// own keys: a stored log that does not verify is never exported.
    pub async fn verified_list(
        &self,
        id: &str,
        disclose: &Disclose,
    ) -> Result<VerifiedList, Error> {
        let keys = self.public_keys();
        let bundle = self.bundle(id, disclose).await?;
        let report = tokio::task::block_in_place(|| checked(id, &bundle, &keys))?;
        Ok(VerifiedList { bundle, report })
    }

    /// The verified list as CSV.
    pub async fn attendance_csv(&self, id: &str, disclose: &Disclose) -> Result<String, Error> {
        let list = self.verified_list(id, disclose).await?;
        Ok(crate::export::csv(&list.report))
    }

    /// The printable list as a PDF in `text`'s language, with the exact
    /// bundle this server serves attached to it.
    pub async fn attendance_pdf(
        &self,
        id: &str,
        disclose: &Disclose,
        text: &ListText,
        now: OffsetDateTime,
    ) -> Result<Vec<u8>, Error> {
        let keys = self.public_keys();
        let b = self.bundle(id, disclose).await?;
        tokio::task::block_in_place(|| {
            let report = checked(id, &b, &keys)?;
            let json = serde_json::to_vec(&b).map_err(|e| {
                tracing::error!(meeting = %id, error = %e, "bundle does not serialise");
                Error::Internal("the bundle does not serialise".into())
            })?;
            crate::export::list_pdf(&b, &report, &json, text, &self.fonts, now).map_err(|e| {
                tracing::error!(meeting = %id, error = %e, "PDF list not written");
                Error::Internal("the PDF list was not written".into())
            })
        })
    }

    /// An attendee's receipt with its latest proof, and its stored entry.
    pub async fn receipt(&self, receipt_id: &str) -> Result<(Receipt, EntryRow), Error> {
        Ok(crate::export::receipt(
            &self.store,
            &self.logs,
            &self.public_keys(),
            &self.receipts,
            receipt_id,
        )
        .await?)
    }
}
