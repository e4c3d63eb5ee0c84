//! "Country or national body" suggests the ISO 3166 countries, with their
//! national standards bodies, and still takes any text.

use super::console_tools::signed_in;
use super::open_meeting;
use crate::support::http::Server;

/// The `<datalist id="countries">` of a page.
fn datalist(page: &str) -> &str {
    let at = page
        .find(r#"<datalist id="countries">"#)
        .expect("a datalist");
    let rest = &page[at..];
    &rest[..rest.find("</datalist>").expect("its end")]
}

#[test]
fn attendee_picks_a_country_or_national_body_from_suggestions_without_javascript() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("t");
    let (id, token, _) = open_meeting(&server, &api, "static");
    for lang in ["en", "fr"] {
        let page = server
            .get_with(&format!("/m/{id}?t={token}"), &[("accept-language", lang)])
            .text();
        assert!(
            page.contains(r#"<input id="country" name="country" type="text" value="" autocomplete="country-name" required list="countries">"#),
            "{page}"
        );
        let list = datalist(&page);
        assert_eq!(
            list.matches("<option>").count(),
            249,
            "every ISO 3166-1 country"
        );
        for entry in [
            "France (AFNOR)",
            "Germany (DIN)",
            "United Kingdom (BSI)",
            "United States (ANSI)",
            "Japan (JISC)",
            "China (SAC)",
            "Côte d'Ivoire",
            "Åland Islands",
        ] {
            assert!(list.contains(&format!("<option>{entry}\n")), "{entry}");
        }
    }
}

#[test]
fn free_text_such_as_a_liaison_is_still_accepted_as_country() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let api = server.token("t");
    let (id, token, code) = open_meeting(&server, &api, "static");
    let r = server.post_form(
        &format!("/m/{id}"),
        &[],
        &[
            ("token", &token),
            ("name", "Ada Lovelace"),
            ("organization", "Example terminology body"),
            ("country", "ISO/TC 37 liaison"),
            ("role", "delegate"),
            ("acknowledged", "yes"),
            ("code_sha256", &code),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let receipt = r.header("location").unwrap().to_owned();
    assert!(receipt.starts_with("/r/"), "{receipt}");
    let page = server.get(&receipt).text();
    assert!(page.contains("<dd>ISO/TC 37 liaison</dd>"), "{page}");
    // Nor is a suggestion required by the API.
    let mut body = super::attendee(&token, &code, 2);
    body["country"] = serde_json::json!("Liaison: ISO/TC 37 → W3C");
    let r = server.post_json(&format!("/api/v1/meetings/{id}/checkins"), None, &body);
    assert_eq!(r.status, 201, "{}", r.text());
}

#[test]
fn the_secretary_s_record_by_hand_form_suggests_countries_too() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let (cookie, csrf) = signed_in(&server);
    let c = [("cookie", cookie.as_str())];
    let made = server.post_form(
        "/console/meetings",
        &c,
        &[
            ("csrf", &csrf),
            ("title", "WG 11"),
            ("starts_at", "2020-01-01T09:00"),
            ("ends_at", "2099-01-01T17:00"),
            ("timezone", "Europe/Paris"),
        ],
    );
    let page = made.header("location").unwrap().to_owned();
    server.post_form(&format!("{page}/open"), &c, &[("csrf", &csrf)]);
    let html = server.get_with(&page, &c).text();
    assert!(
        html.contains(r#"<input id="m-country" name="country" type="text" list="countries""#),
        "{html}"
    );
    assert!(datalist(&html).contains("<option>France (AFNOR)\n"));
    let manual = server.post_form(
        &format!("{page}/manual"),
        &c,
        &[
            ("csrf", &csrf),
            ("name", "Grace Hopper"),
            ("organization", "Example body"),
            ("country", "ISO/TC 37 liaison"),
            ("role", "observer"),
            ("acknowledged", "yes"),
        ],
    );
    assert_eq!(manual.status, 303, "{}", manual.text());
}
