//! English and French: chosen by the browser, a switch on every page or
//! its cookie; Code translations shown to attendees in their language and
//! recorded in the signed check-in.

use serde_json::json;

use crate::support::http::Server;

#[test]
fn a_french_browser_gets_french_pages_with_the_right_html_lang() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let fr = server.get_with(
        "/login",
        &[("accept-language", "fr-CH, fr;q=0.9, en;q=0.5")],
    );
    assert_eq!(fr.status, 200);
    let html = fr.text();
    assert!(html.contains(r#"<html lang="fr">"#), "{html}");
    assert!(html.contains("Connexion du secrétariat") && html.contains("Mot de passe"));
    let vary = fr.all("vary").join(", ");
    assert!(
        vary.contains("Accept-Language") && vary.contains("Cookie"),
        "{vary}"
    );

    let en = server.get_with("/login", &[("accept-language", "de, en;q=0.8")]);
    assert!(en.text().contains(r#"<html lang="en">"#));
    assert!(en.text().contains("Secretary sign-in"));
    // No preference at all: English.
    assert!(server.get("/").text().contains(r#"<html lang="en">"#));
}

#[test]
fn the_language_switch_sets_a_cookie_that_outranks_the_browser() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let home = server.get("/").text();
    // The switch: a labelled navigation, each link in its own language.
    assert!(
        home.contains(r#"<nav class="langs" aria-label="Language">"#),
        "{home}"
    );
    assert!(
        home.contains(r#"href="/?lang=fr" hreflang="fr" lang="fr""#),
        "{home}"
    );
    assert!(
        home.contains(r#"hreflang="en" lang="en" aria-current="true""#),
        "{home}"
    );

    let switched = server.get_with("/login?lang=fr", &[("accept-language", "en")]);
    assert!(switched.text().contains(r#"<html lang="fr">"#));
    let set = switched.header("set-cookie").unwrap_or_default().to_owned();
    assert!(
        set.starts_with("lang=fr;") && set.contains("SameSite=Lax"),
        "{set}"
    );
    let cookie = switched.cookie("lang").unwrap();
    let later = server.get_with("/", &[("cookie", &cookie), ("accept-language", "en")]);
    assert!(later.text().contains(r#"<html lang="fr">"#));
    assert!(later
        .text()
        .contains(r#"hreflang="fr" lang="fr" aria-current="true""#));
    // Switching back keeps the rest of the address.
    let page = server
        .get_with("/m/m-nothing?t=abc&lang=en", &[("cookie", &cookie)])
        .text();
    assert!(page.contains(r#"<html lang="en">"#));
    assert!(
        page.contains(r#"href="/m/m-nothing?t=abc&amp;lang=fr""#),
        "{page}"
    );
    // Pages attendees may hit by mistake are translated too.
    let missing = server.get_with("/nowhere", &[("accept-language", "fr")]);
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("Page introuvable"));
}

#[test]
fn every_translation_file_has_exactly_the_keys_and_placeholders_of_english() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web/i18n");
    let mut files: Vec<(&'static str, &'static str)> = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "json") {
            let tag = path.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            files.push((
                Box::leak(tag.into_boxed_str()),
                Box::leak(text.into_boxed_str()),
            ));
        }
    }
    assert!(files.len() >= 2, "English and French at least");
    let parsed = rollcall::i18n::parse_all(&files);
    assert!(parsed.is_ok(), "{:?}", parsed.err());
    // And a file with a key missing is refused, naming the key.
    let en = files.iter().find(|f| f.0 == "en").unwrap().1;
    let mut broken: serde_json::Map<String, serde_json::Value> = serde_json::from_str(en).unwrap();
    broken.remove("checkin.submit");
    let broken = serde_json::to_string(&broken).unwrap();
    let err = rollcall::i18n::parse_all(&[("en", en), ("xx", &broken)])
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("checkin.submit"), "{err}");
}

/// A translation of the ISO Code written for this test only (not an official text).
const TEST_FR: &str = "# Code de conduite (traduction d’essai)\n\n### Agir de façon éthique\n\nTexte d’essai sans valeur officielle.\n";

#[test]
fn a_french_attendee_reads_the_translated_code_and_the_attestation_records_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let iso = rollcall::trust::code::CodeDocument::iso().digest().to_hex();
    std::fs::write(dir.path().join("test-fr.md"), TEST_FR).unwrap();
    let added = server.cli(&[
        "code",
        "add",
        "test-fr.md",
        "--language",
        "fr",
        "--translation-of",
        &iso,
        "--data",
        "data",
    ]);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let fr_digest = String::from_utf8_lossy(&added.stdout).trim().to_owned();
    let listed = String::from_utf8_lossy(&server.cli(&["code", "list", "--data", "data"]).stdout)
        .into_owned();
    assert!(
        listed.contains(&format!("{fr_digest}  fr  (translation)")),
        "{listed}"
    );
    // A second French translation of the same Code is refused.
    std::fs::write(dir.path().join("other-fr.md"), "# Autre\n").unwrap();
    let again = server.cli(&[
        "code",
        "add",
        "other-fr.md",
        "--language",
        "fr",
        "--translation-of",
        &iso,
        "--data",
        "data",
    ]);
    assert!(!again.status.success());

    let api = server.token("t");
    let (id, token, code) = super::open_meeting(&server, &api, "static");
    assert_eq!(code, iso);
    let m = server
        .get_auth(&format!("/api/v1/meetings/{id}"), &api)
        .json();
    assert_eq!(m["languages"], json!(["en", "fr"]));

    // The French page shows the French version and posts its digest.
    let page = server.get_with(&format!("/m/{id}?t={token}"), &[("accept-language", "fr")]);
    let html = page.text();
    assert!(html.contains(r#"<html lang="fr">"#));
    assert!(html.contains("Texte d’essai sans valeur officielle."));
    assert!(
        html.contains(r#"aria-label="Code de conduite" lang="fr""#),
        "{html}"
    );
    assert!(html.contains(&format!(r#"name="code_sha256" value="{fr_digest}""#)));
    assert!(html.contains(r#"name="language" value="fr""#));
    assert!(
        !html.contains("code-language-note"),
        "no note when shown in the reader's language"
    );
    // An English reader sees the original.
    let en = server.get(&format!("/m/{id}?t={token}")).text();
    assert!(en.contains(&format!(r#"name="code_sha256" value="{iso}""#)));

    let form = server.post_form(
        &format!("/m/{id}"),
        &[("accept-language", "fr")],
        &[
            ("token", &token),
            ("code_sha256", &fr_digest),
            ("language", "fr"),
            ("name", "Camille Martin"),
            ("organization", "AFNOR"),
            ("country", "FR / AFNOR"),
            ("role", "delegate"),
            ("email", ""),
            ("acknowledged", "yes"),
        ],
    );
    assert_eq!(form.status, 303, "{}", form.text());
    let receipt = server
        .get_with(
            form.header("location").unwrap(),
            &[("accept-language", "fr")],
        )
        .text();
    assert!(
        receipt.contains("Votre présence est enregistrée") && receipt.contains("Délégué"),
        "{receipt}"
    );
    assert!(receipt.contains(&fr_digest));

    // A French label on the English version is refused, nothing recorded.
    let mismatch = server.post_form(
        &format!("/m/{id}"),
        &[],
        &[
            ("token", &token),
            ("code_sha256", &iso),
            ("language", "fr"),
            ("name", "Wrong Label"),
            ("organization", "X"),
            ("country", "Y"),
            ("role", "delegate"),
            ("acknowledged", "yes"),
        ],
    );
    assert_eq!(mismatch.status, 422, "{}", mismatch.text());

    assert_eq!(
        server
            .post_json(
                &format!("/api/v1/meetings/{id}/close"),
                Some(&api),
                &json!({})
            )
            .status,
        200
    );
    let bundle = server.get_auth(&format!("/api/v1/meetings/{id}/bundle"), &api);
    let b = bundle.json();
    assert!(b["codes"].as_array().unwrap().iter().any(|c| c == TEST_FR));
    std::fs::write(dir.path().join("list.json"), bundle.text()).unwrap();
    let key = server.public_key();
    let v = server.cli(&["verify", "list.json", "--key", &key, "--json"]);
    let out = String::from_utf8_lossy(&v.stdout).into_owned();
    assert!(
        v.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&v.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let attendee = &report["attendees"][0];
    assert_eq!(attendee["language"], "fr", "{report}");
    let fr_code = report["codes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["sha256"] == fr_digest.as_str())
        .expect("the acknowledged French version is listed and checked");
    assert_eq!(fr_code["language"], "fr");
    assert_eq!(fr_code["text_checked"], true);
}

#[test]
fn a_browser_naming_none_of_our_languages_gets_the_meetings_language() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    std::fs::write(
        dir.path().join("gt.md"),
        "# Code du groupe (essai)\n\nTexte d’essai.\n",
    )
    .unwrap();
    let added = server.cli(&["code", "add", "gt.md", "--language", "fr", "--data", "data"]);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let digest = String::from_utf8_lossy(&added.stdout).trim().to_owned();
    let api = server.token("t");
    let r = server.post_json(
        "/api/v1/meetings",
        Some(&api),
        &json!({"title": "GT 3", "starts_at": "2020-01-01T09:00:00Z", "ends_at": "2099-01-01T09:00:00Z", "code_sha256": digest}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let lang_of = |headers: &[(&str, &str)]| {
        let html = server.get_with(&format!("/m/{id}"), headers).text();
        html[html.find("<html lang=\"").unwrap() + 12..]
            .split('"')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(lang_of(&[("accept-language", "de-DE, de;q=0.9")]), "fr");
    assert_eq!(lang_of(&[]), "fr");
    assert_eq!(lang_of(&[("accept-language", "de, en;q=0.5")]), "en");
    assert_eq!(lang_of(&[("cookie", "lang=en")]), "en");
}

#[test]
fn a_refused_check_in_form_switches_language_back_to_the_form() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("bench");
    let (id, token, code) = super::open_meeting(&server, &api, "static");
    // The name is left out: the form comes back with the error.
    let refused = server.post_form(
        &format!("/m/{id}"),
        &[("accept-language", "en")],
        &[
            ("token", &token),
            ("code_sha256", &code),
            ("name", ""),
            ("organization", "AFNOR"),
            ("country", "FR / AFNOR"),
            ("role", "delegate"),
            ("acknowledged", "yes"),
        ],
    );
    assert_eq!(refused.status, 422, "{}", refused.text());
    let html = refused.text();
    let switch = format!(r#"href="/m/{id}?t={token}&amp;lang=fr""#);
    assert!(html.contains(&switch), "no {switch} in {html}");
    // Following it gives the check-in form in French, not the public page.
    let fr = server.get(&format!("/m/{id}?t={token}&lang=fr"));
    assert_eq!(fr.status, 200);
    let fr = fr.text();
    assert!(fr.contains(r#"<html lang="fr">"#), "{fr}");
    assert!(
        fr.contains(r#"name="acknowledged""#)
            && fr.contains(&format!(r#"name="token" value="{token}""#)),
        "{fr}"
    );
}
