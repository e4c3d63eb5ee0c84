//! Interface languages. Each language is one flat JSON file in `web/i18n/`
//! (key → text, with `{name}` placeholders), embedded at build time: adding
//! a language is adding one file with the same keys as `en.json`.
//!
//! The language of a request is chosen once, by [`negotiate`], and made
//! current for the rendering of its response with [`scope`]; pages read it
//! with [`current`].

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::sync::OnceLock;

use time::OffsetDateTime;

mod files {
    include!(concat!(env!("OUT_DIR"), "/i18n_files.rs"));
}

/// The language every other translation is checked against, and the fallback.
pub const DEFAULT: &str = "en";

/// One language's strings.
#[derive(Debug)]
pub struct Catalog {
    /// BCP 47 tag, from the file name.
    pub tag: &'static str,
    strings: HashMap<String, String>,
}

/// Why a translation file cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CatalogError {
    #[error("{0}.json is not a flat JSON object of strings: {1}")]
    Json(String, String),
    #[error("{0}.json lacks keys present in en.json: {1:?}")]
    Missing(String, Vec<String>),
    #[error("{0}.json has keys en.json does not have: {1:?}")]
    Extra(String, Vec<String>),
    #[error("{0}.json: {1:?} uses placeholders {2:?}, en.json uses {3:?}")]
    Placeholders(String, String, Vec<String>, Vec<String>),
    #[error("there is no en.json")]
    NoDefault,
}

/// The `{name}` placeholders of a text, sorted.
pub fn placeholders(text: &str) -> Vec<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        rest = &rest[start + 1..];
        if let Some(end) = rest.find('}') {
            let name = &rest[..end];
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                out.insert(name.to_owned());
            }
            rest = &rest[end + 1..];
        }
    }
    out.into_iter().collect()
}

/// Parses translation files and checks each has exactly the keys and
/// placeholders of `en`.
pub fn parse_all(files: &[(&'static str, &str)]) -> Result<Vec<Catalog>, CatalogError> {
    let mut out = Vec::new();
    for (tag, text) in files {
        let strings: HashMap<String, String> = serde_json::from_str(text)
            .map_err(|e| CatalogError::Json((*tag).to_owned(), e.to_string()))?;
        out.push(Catalog { tag, strings });
    }
    let en = out
        .iter()
        .find(|c| c.tag == DEFAULT)
        .ok_or(CatalogError::NoDefault)?;
    for c in &out {
        let mut missing: Vec<String> = en
            .strings
            .keys()
            .filter(|k| !c.strings.contains_key(*k))
            .cloned()
            .collect();
        if !missing.is_empty() {
            missing.sort();
            return Err(CatalogError::Missing(c.tag.to_owned(), missing));
        }
        let mut extra: Vec<String> = c
            .strings
            .keys()
            .filter(|k| !en.strings.contains_key(*k))
            .cloned()
            .collect();
        if !extra.is_empty() {
            extra.sort();
            return Err(CatalogError::Extra(c.tag.to_owned(), extra));
        }
        for (k, v) in &c.strings {
            let (mine, theirs) = (placeholders(v), placeholders(&en.strings[k]));
            if mine != theirs {
                return Err(CatalogError::Placeholders(
                    c.tag.to_owned(),
                    k.clone(),
                    mine,
                    theirs,
                ));
            }
        }
    }
    // English first, then by tag, for the language switch.
    out.sort_by_key(|c| (c.tag != DEFAULT, c.tag));
    Ok(out)
}

/// Every embedded language, English first. The files are checked by the
/// test suite; a broken file is reported here at start-up.
pub fn catalogs() -> &'static [Catalog] {
    static ALL: OnceLock<Vec<Catalog>> = OnceLock::new();
    ALL.get_or_init(|| match parse_all(files::FILES) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "translation files are inconsistent; only English is used");
            let en = files::FILES
                .iter()
                .filter(|(t, _)| *t == DEFAULT)
                .copied()
                .collect::<Vec<_>>();
            parse_all(&en).unwrap_or_default()
        }
    })
}

/// A language of the interface.
#[derive(Clone, Copy, Debug)]
pub struct Lang(&'static Catalog);

impl PartialEq for Lang {
    fn eq(&self, other: &Self) -> bool {
        self.0.tag == other.0.tag
    }
}

impl Lang {
    /// The language with this exact tag, if there is one.
    pub fn get(tag: &str) -> Option<Lang> {
        catalogs()
            .iter()
            .find(|c| c.tag.eq_ignore_ascii_case(tag))
            .map(Lang)
    }

    /// English.
    pub fn default_lang() -> Lang {
        Self::get(DEFAULT).unwrap_or_else(|| Lang(&catalogs()[0]))
    }

    /// Every language, English first.
    pub fn all() -> impl Iterator<Item = Lang> {
        catalogs().iter().map(Lang)
    }

    /// The BCP 47 tag.
    pub fn tag(&self) -> &'static str {
        self.0.tag
    }

    /// The text of a key; the key itself if it is unknown (a bug the parity
    /// test and the page tests catch).
    pub fn t(&self, key: &str) -> &'static str {
        match self.0.strings.get(key) {
            Some(s) => s.as_str(),
            None => {
                tracing::warn!(key, lang = self.0.tag, "missing translation key");
                Lang::default_lang()
                    .0
                    .strings
                    .get(key)
                    .map_or("", String::as_str)
            }
        }
    }

    /// Every key starting with `prefix`, with its text (for a page that
    /// translates itself in the browser).
    pub fn with_prefix(
        &self,
        prefix: &str,
    ) -> std::collections::BTreeMap<&'static str, &'static str> {
        self.0
            .strings
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    /// The text of a key with its `{name}` placeholders filled in.
    pub fn f(&self, key: &str, args: &[(&str, &str)]) -> String {
        fill(self.t(key), args)
    }

    /// A date and time as people of this language write it, in the time's
    /// own offset: "1 December 2026, 09:00".
    pub fn datetime(&self, t: OffsetDateTime) -> String {
        let months: Vec<&str> = self.t("date.months").split(',').collect();
        let month = months
            .get(usize::from(u8::from(t.month())) - 1)
            .copied()
            .unwrap_or("");
        fill(
            self.t("date.datetime"),
            &[
                ("day", &t.day().to_string()),
                ("month", month.trim()),
                ("year", &t.year().to_string()),
                ("time", &format!("{:02}:{:02}", t.hour(), t.minute())),
            ],
        )
    }

    /// A number of things, singular or plural.
    pub fn count(&self, one: &str, many: &str, n: u64) -> String {
        let key = if n == 1 { one } else { many };
        self.f(key, &[("n", &n.to_string())])
    }
}

fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (k, v) in args {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// One entry of an `Accept-Language` header.
fn accept_language(header: &str) -> Vec<(String, f32)> {
    let mut out: Vec<(String, f32)> = header
        .split(',')
        .filter_map(|part| {
            let mut it = part.split(';');
            let tag = it.next()?.trim().to_ascii_lowercase();
            if tag.is_empty() {
                return None;
            }
            let q = it
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (q > 0.0 && q <= 1.0).then_some((tag, q))
        })
        .collect();
    // Stable: equal weights keep the order the browser sent.
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out
}

/// The language the browser prefers among ours: exact tag, else its
/// primary subtag (`fr-CH` → `fr`); `*` means any, so none is chosen.
pub fn from_accept_language(header: &str) -> Option<Lang> {
    accept_language(header)
        .into_iter()
        .find_map(|(tag, _)| Lang::get(&tag).or_else(|| tag.split('-').next().and_then(Lang::get)))
}

/// Chooses a request's language: the `?lang=` switch, else the `lang`
/// cookie, else the browser's `Accept-Language`, else `fallback` (a
/// meeting's language), else English.
pub fn negotiate(
    query: Option<&str>,
    cookie: Option<&str>,
    accept: Option<&str>,
    fallback: Option<&str>,
) -> Lang {
    query
        .and_then(Lang::get)
        .or_else(|| cookie.and_then(Lang::get))
        .or_else(|| accept.and_then(from_accept_language))
        .or_else(|| fallback.and_then(Lang::get))
        .unwrap_or_else(Lang::default_lang)
}

/// What a response is rendered for: its language, the address of the page
/// (without `lang`) for the language switch, and whether the language was
/// chosen explicitly (switch or cookie) rather than guessed.
#[derive(Clone, Debug)]
pub struct Current {
    pub lang: Lang,
    pub here: String,
    pub explicit: bool,
    /// Nothing the client sent chose the language: English was the default.
    pub defaulted: bool,
}

tokio::task_local! {
    static CURRENT: Current;
}

/// Runs `fut` (a request's handling) with `current` as its language.
pub async fn scope<F: Future>(current: Current, fut: F) -> F::Output {
    CURRENT.scope(current, fut).await
}

/// Runs `fut` in the meeting's language when nothing the client sent chose
/// one (no switch, cookie or usable `Accept-Language`); else as it is.
pub async fn with_meeting_language<F: Future>(meeting_language: &str, fut: F) -> F::Output {
    let fallback = meeting_language
        .split('-')
        .next()
        .and_then(|primary| Lang::get(meeting_language).or_else(|| Lang::get(primary)));
    match (context(), fallback) {
        (Some(c), Some(lang)) if c.defaulted && lang != c.lang => {
            CURRENT
                .scope(
                    Current {
                        lang,
                        defaulted: false,
                        ..c
                    },
                    fut,
                )
                .await
        }
        _ => fut.await,
    }
}

/// Runs `render` as if the page were at `here` (for the language switch):
/// a page shown in answer to a form post links to the page the form is on.
pub fn rendered_at<R>(here: String, render: impl FnOnce() -> R) -> R {
    match context() {
        Some(c) => CURRENT.sync_scope(Current { here, ..c }, render),
        None => render(),
    }
}

/// The language of the response being rendered (English outside a request).
pub fn current() -> Lang {
    CURRENT
        .try_with(|c| c.lang)
        .unwrap_or_else(|_| Lang::default_lang())
}

/// The request's context, if any.
pub fn context() -> Option<Current> {
    CURRENT.try_with(Clone::clone).ok()
}

/// The text of `key` in the current language.
pub fn t(key: &str) -> &'static str {
    current().t(key)
}

/// [`t`] with placeholders filled in.
pub fn f(key: &str, args: &[(&str, &str)]) -> String {
    current().f(key, args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_language_has_the_keys_of_english() {
        let all = parse_all(files::FILES).unwrap();
        assert!(all.iter().any(|c| c.tag == "fr"));
        assert_eq!(all[0].tag, "en");
    }

    #[test]
    fn files_with_missing_extra_or_changed_placeholders_are_refused() {
        let en = r#"{"a": "Hello {name}", "b": "x"}"#;
        assert!(matches!(
            parse_all(&[("en", en), ("fr", r#"{"a": "Bonjour {name}"}"#)]),
            Err(CatalogError::Missing(..))
        ));
        assert!(matches!(
            parse_all(&[
                ("en", en),
                ("fr", r#"{"a": "Bonjour {name}", "b": "x", "c": "y"}"#)
            ]),
            Err(CatalogError::Extra(..))
        ));
        assert!(matches!(
            parse_all(&[("en", en), ("fr", r#"{"a": "Bonjour {nom}", "b": "x"}"#)]),
            Err(CatalogError::Placeholders(..))
        ));
        assert!(parse_all(&[("en", en), ("fr", r#"{"a": "Bonjour {name}", "b": "x"}"#)]).is_ok());
    }

    #[test]
    fn negotiation_prefers_switch_then_cookie_then_browser_then_meeting() {
        let tag = |l: Lang| l.tag();
        assert_eq!(
            tag(negotiate(Some("fr"), Some("en"), Some("en"), None)),
            "fr"
        );
        assert_eq!(
            tag(negotiate(Some("xx"), Some("fr"), Some("en"), None)),
            "fr"
        );
        assert_eq!(
            tag(negotiate(
                None,
                None,
                Some("de-CH, fr;q=0.8, en;q=0.5"),
                None
            )),
            "fr"
        );
        assert_eq!(tag(negotiate(None, None, Some("fr-CA"), None)), "fr");
        assert_eq!(
            tag(negotiate(None, None, Some("en;q=0.2, fr;q=0.9"), None)),
            "fr"
        );
        assert_eq!(tag(negotiate(None, None, Some("fr;q=0"), Some("en"))), "en");
        assert_eq!(tag(negotiate(None, None, Some("de"), Some("fr"))), "fr");
        assert_eq!(tag(negotiate(None, None, None, None)), "en");
    }

    #[test]
    fn dates_are_written_per_language() {
        let t = time::macros::datetime!(2026-12-01 09:05 +01:00);
        assert_eq!(
            Lang::get("en").unwrap().datetime(t),
            "1 December 2026, 09:05"
        );
        assert_eq!(
            Lang::get("fr").unwrap().datetime(t),
            "1 décembre 2026 à 09:05"
        );
    }
}
