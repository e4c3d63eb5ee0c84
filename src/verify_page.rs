//! The verify page: one self-contained HTML file (markup, style, script and
//! the verifier as WebAssembly) that checks a PDF list, a bundle or a
//! receipt in the browser, offline, with the trust crate itself.
//!
//! The same file is served at `/verify`, offered for download, and written
//! by `rollcall verify --page FILE`. Its Content Security Policy allows no
//! connection at all; its one script and one style are allowed by hash.

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::i18n::Lang;

/// The verifier: trust/wasm compiled for `wasm32-unknown-unknown` by
/// build.rs. Empty when that target was not installed at build time.
pub const WASM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/verify.wasm"));

const TEMPLATE: &str = include_str!("../web/verify/page.html");
const STYLE: &str = include_str!("../web/verify/page.css");
const SCRIPT: &str = include_str!("../web/verify/page.js");

/// The name the page is downloaded and written under.
pub const FILE_NAME: &str = "rollcall-verify.html";

/// Whether this build has the verifier built in.
pub fn available() -> bool {
    !WASM.is_empty()
}

fn hash(text: &str) -> String {
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
    )
}

/// The page's Content Security Policy: its own script (by hash) may run
/// WebAssembly and start a worker from its own text; nothing may be
/// fetched, sent or framed.
pub fn content_security_policy() -> &'static str {
    static CSP: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CSP.get_or_init(|| {
        format!(
            "default-src 'none'; script-src {} 'wasm-unsafe-eval'; worker-src blob:; style-src {}; img-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'",
            hash(SCRIPT),
            hash(STYLE)
        )
    })
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Makes JSON safe inside a `<script>` element.
fn script_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value)
        .unwrap_or_else(|_| "null".into())
        .replace("</", "<\\/")
        .replace("<!--", "<\\!--")
}

/// The page in `lang` (the reader can switch to any other language in
/// it). `server_keys`, when a server renders the page, is the text of its
/// published keys, offered with a warning that a key from the same place
/// as the file proves nothing.
pub fn render(lang: Lang, server_keys: Option<&str>) -> String {
    let strings: std::collections::BTreeMap<&str, _> = Lang::all()
        .map(|l| {
            let mut s = l.with_prefix("verify.");
            s.extend(l.with_prefix("presence."));
            s.extend(l.with_prefix("role."));
            (l.tag(), s)
        })
        .collect();
    // Encoded once: the same bytes for every page served.
    static WASM_BASE64: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let wasm = WASM_BASE64.get_or_init(|| base64::engine::general_purpose::STANDARD.encode(WASM));
    let fill = |text: &str| -> String {
        text.replace("{{lang}}", lang.tag())
            .replace("{{title}}", &escape(lang.t("verify.title")))
            .replace("{{csp}}", content_security_policy())
    };
    // The untrusted-free parts first, then the embedded data, so that no
    // placeholder inside the data is ever replaced.
    fill(TEMPLATE)
        .replacen("{{style}}", STYLE, 1)
        .replacen("{{strings}}", &script_json(&strings), 1)
        .replacen("{{server_keys}}", &script_json(&server_keys), 1)
        .replacen("{{wasm}}", wasm, 1)
        .replacen("{{script}}", SCRIPT, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_and_style_are_allowed_by_hash_and_nothing_may_connect() {
        let page = render(Lang::default_lang(), None);
        let csp = content_security_policy();
        assert!(page.contains(csp));
        assert!(csp.contains("connect-src 'none'"));
        assert!(page.contains(&format!("<script>{SCRIPT}</script>")));
        assert!(page.contains(&format!("<style>{STYLE}</style>")));
        assert!(!page.contains("{{"), "every placeholder is filled");
    }

    #[test]
    fn server_keys_cannot_close_the_script_element() {
        let page = render(
            Lang::default_lang(),
            Some("</script><script>alert(1)</script>"),
        );
        assert!(!page.contains("</script><script>alert(1)"));
    }
}
