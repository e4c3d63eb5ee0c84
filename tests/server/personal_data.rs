//! Personal data: each export discloses only what its reader needs, an
//! attendee's consent to show their email is signed, and what is erased is
//! gone from the database file while every list still verifies.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

use super::console_tools::signed_in;
use super::{eventually, open_meeting};
use crate::support::http::Server;
use crate::support::text;
use rollcall::trust::disclosure::Disclosure;

/// Every disclosure in a bundle or receipt JSON, as (field, value) per entry.
fn disclosed(doc: &Value) -> Vec<BTreeMap<String, String>> {
    let entries: Vec<&Value> = match doc.get("entries") {
        Some(e) => e.as_array().unwrap().iter().collect(),
        None => vec![&doc["entry"]],
    };
    entries
        .iter()
        .map(|e| {
            e["disclosures"]
                .as_array()
                .map(|ds| {
                    ds.iter()
                        .map(|d| {
                            let d = Disclosure::parse(d.as_str().unwrap()).unwrap();
                            (d.field, d.value)
                        })
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect()
}

/// Every email disclosed in a bundle or receipt.
fn emails(doc: &Value) -> Vec<String> {
    disclosed(doc)
        .into_iter()
        .filter_map(|mut f| f.remove("email"))
        .collect()
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Whether `needle` is anywhere in the database's files.
pub(super) fn in_database_files(data: &Path, needle: &str) -> bool {
    std::fs::read_dir(data)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("rollcall.db"))
        .any(|e| contains(&std::fs::read(e.path()).unwrap_or_default(), needle))
}

/// A meeting with three attendees: one who agreed to show their email, one
/// who did not, one who gave none. Returns (id, api token, receipts).
fn meeting_with_three(server: &Server) -> (String, String, Vec<String>) {
    static TOKENS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = TOKENS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let api = server.token(&format!("secretary-{n}"));
    let (id, token, code) = open_meeting(server, &api, "static");
    let mut receipts = Vec::new();
    for (name, email, share) in [
        ("Ada Private", Some("ada.private@example.org"), false),
        ("Bo Shared", Some("bo.shared@example.org"), true),
        ("Cy Noemail", None, false),
    ] {
        let mut body = json!({
            "token": token, "name": name, "organization": "Example Standards Body",
            "country": "CH / SNV", "role": "delegate",
            "acknowledged": true, "code_sha256": code, "share_email": share,
        });
        if let Some(e) = email {
            body["email"] = json!(e);
        }
        let r = server.post_json(&format!("/api/v1/meetings/{id}/checkins"), None, &body);
        assert_eq!(r.status, 201, "{}", r.text());
        receipts.push(r.json()["receipt_id"].as_str().unwrap().to_owned());
    }
    let closed = server.post_json(
        &format!("/api/v1/meetings/{id}/close"),
        Some(&api),
        &json!({}),
    );
    assert_eq!(closed.status, 200, "{}", closed.text());
    (id, api, receipts)
}

fn verify(server: &Server, file: &str, content: &[u8]) -> String {
    std::fs::write(server.dir.join(file), content).unwrap();
    let key = server.public_key();
    let out = server.cli(&["verify", file, "--key", &key]);
    let shown = text(&out.stdout);
    assert!(
        out.status.success(),
        "{file} does not verify:\n{shown}{}",
        text(&out.stderr)
    );
    shown
}

#[test]
fn a_circulated_list_discloses_no_email_unless_its_attendee_agreed_and_still_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let (cookie, _) = signed_in(&server);
    let (id, api, receipts) = meeting_with_three(&server);
    let shared = vec!["bo.shared@example.org".to_owned()];

    // The bundle, by default and by name.
    for query in ["", "?disclose=circulated"] {
        let r = server.get_auth(&format!("/api/v1/meetings/{id}/bundle{query}"), &api);
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(emails(&r.json()), shared, "bundle{query}");
        assert!(r
            .header("content-disposition")
            .unwrap()
            .contains(&format!("rollcall-{id}.json")));
        let names: Vec<String> = disclosed(&r.json())
            .into_iter()
            .filter_map(|mut f| f.remove("name"))
            .collect();
        assert_eq!(names, ["Ada Private", "Bo Shared", "Cy Noemail"]);
        verify(&server, "circulated.json", &r.body);
    }
    // The PDF's attachment, from the API and the console.
    for (path, headers) in [
        (
            format!("/api/v1/meetings/{id}/attendance.pdf"),
            vec![("authorization".to_owned(), format!("Bearer {api}"))],
        ),
        (
            format!("/console/meetings/{id}/list.pdf"),
            vec![("cookie".to_owned(), cookie.clone())],
        ),
    ] {
        let h: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let r = server.get_with(&path, &h);
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        let attached = rollcall::trust::pdf_attachment::extract_bundle(&r.body).unwrap();
        let doc: Value = serde_json::from_slice(&attached).unwrap();
        assert_eq!(emails(&doc), shared, "{path}");
        let report = verify(&server, "circulated.pdf", &r.body);
        assert!(report.contains("withheld"), "{report}");
    }
    // The CSV and the printable HTML list.
    let csv = server
        .get_auth(&format!("/api/v1/meetings/{id}/attendance.csv"), &api)
        .text();
    let html = server
        .get_with(
            &format!("/console/meetings/{id}/list"),
            &[("cookie", &cookie)],
        )
        .text();
    for (what, body) in [("CSV", &csv), ("HTML list", &html)] {
        assert!(!body.contains("ada.private@example.org"), "{what}: {body}");
        assert!(body.contains("Ada Private"), "{what}");
    }
    assert!(csv.contains("bo.shared@example.org"), "{csv}");
    assert!(
        !html.contains("personal-data"),
        "a circulated list is not labelled as an archive"
    );

    // The secretary's archive copy: every field, labelled in its name and
    // on its first page.
    let r = server.get_auth(&format!("/api/v1/meetings/{id}/bundle?disclose=full"), &api);
    assert_eq!(
        emails(&r.json()),
        ["ada.private@example.org", "bo.shared@example.org"]
    );
    assert!(r
        .header("content-disposition")
        .unwrap()
        .contains(&format!("rollcall-{id}-full-personal-data.json")));
    verify(&server, "full.json", &r.body);
    let r = server.get_with(
        &format!("/console/meetings/{id}/list.pdf?disclose=full"),
        &[("cookie", &cookie)],
    );
    assert!(r
        .header("content-disposition")
        .unwrap()
        .contains("-list-full-personal-data.pdf"));
    let attached = rollcall::trust::pdf_attachment::extract_bundle(&r.body).unwrap();
    assert_eq!(emails(&serde_json::from_slice(&attached).unwrap()).len(), 2);
    let html = server
        .get_with(
            &format!("/console/meetings/{id}/list?disclose=full"),
            &[("cookie", &cookie)],
        )
        .text();
    assert!(html.contains("Contains personal data"), "{html}");
    let csv = server.get_auth(
        &format!("/api/v1/meetings/{id}/attendance.csv?disclose=full"),
        &api,
    );
    assert!(csv.text().contains("ada.private@example.org"));
    assert!(csv
        .header("content-disposition")
        .unwrap()
        .contains("-full-personal-data.csv"));

    // Chosen fields, and a profile that does not exist.
    let r = server.get_auth(&format!("/api/v1/meetings/{id}/bundle?disclose=name"), &api);
    assert!(disclosed(&r.json())
        .iter()
        .all(|f| f.keys().all(|k| k == "name")));
    verify(&server, "names.json", &r.body);
    for query in ["disclose=phone", "disclose=full&disclose=name"] {
        // A profile that does not exist, or a second one, is refused, not guessed.
        let r = server.get_auth(
            &format!("/api/v1/meetings/{id}/attendance.csv?{query}"),
            &api,
        );
        assert_eq!(r.status, 422, "{query}");
        assert_eq!(
            r.json()["error"]["code"],
            "invalid_disclose",
            "{}",
            r.text()
        );
    }

    // Each attendee's receipt keeps all of their own disclosures.
    let receipt = server
        .get(&format!("/api/v1/receipts/{}", receipts[0]))
        .json();
    assert_eq!(emails(&receipt), ["ada.private@example.org"]);

    // The command line exports the same copies.
    let out = server.cli(&["export", &id, "--data", "data", "--keys", "keys"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        emails(&serde_json::from_slice(&out.stdout).unwrap()),
        shared
    );
    let out = server.cli(&[
        "export",
        &id,
        "--disclose",
        "full",
        "--format",
        "csv",
        "-o",
        "full.csv",
        "--data",
        "data",
        "--keys",
        "keys",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("contains personal data"));
    let out = server.cli(&["export", &id, "--disclose", "everything", "--data", "data"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("circulated"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_erased_email_is_gone_from_the_database_file_and_every_list_still_verifies() {
    if !crate::support::on_sqlite("the check of the database file's bytes") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let (id, api, receipts) = meeting_with_three(&server);
    let data = dir.path().join("data");
    let full = server
        .get_auth(&format!("/api/v1/meetings/{id}/bundle?disclose=full"), &api)
        .json();
    // What the database holds of Ada's email: the disclosure (value and
    // salt, base64url) and the plain address kept to recognise a repeat.
    let ada_email_disclosure = full["entries"][1]["disclosures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap().to_owned())
        .find(|d| Disclosure::parse(d).unwrap().field == "email")
        .unwrap();
    assert!(in_database_files(&data, &ada_email_disclosure));
    assert!(in_database_files(&data, "ada.private@example.org"));

    let out = server.cli(&[
        "erase",
        &id,
        "--receipt",
        &receipts[0],
        "--fields",
        "email",
        "--data",
        "data",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("erased email"),
        "{}",
        text(&out.stderr)
    );

    // Gone from every file of the database.
    assert!(eventually(|| !in_database_files(
        &data,
        &ada_email_disclosure
    )));
    assert!(!in_database_files(&data, "ada.private@example.org"));

    // Every export still verifies, and says the email was erased.
    let r = server.get_auth(&format!("/api/v1/meetings/{id}/bundle?disclose=full"), &api);
    let doc = r.json();
    assert_eq!(emails(&doc), ["bo.shared@example.org"]);
    assert_eq!(doc["entries"][1]["erased"], json!(["email"]));
    let report = verify(&server, "after.json", &r.body);
    assert!(report.contains("erased"), "{report}");
    let csv = server
        .get_auth(
            &format!("/api/v1/meetings/{id}/attendance.csv?disclose=full"),
            &api,
        )
        .text();
    let erased = csv
        .lines()
        .next()
        .unwrap()
        .split(',')
        .position(|c| c == "erased")
        .unwrap();
    let ada = csv.lines().find(|l| l.contains("Ada Private")).unwrap();
    assert_eq!(
        ada.split(',').nth(erased),
        Some("email"),
        "the CSV names the erased field: {ada}"
    );
    // The receipt too.
    let receipt = server.get(&format!("/api/v1/receipts/{}", receipts[0]));
    assert_eq!(receipt.json()["entry"]["erased"], json!(["email"]));
    verify(&server, "receipt.json", &receipt.body);

    // Erasing by email, everything: the name goes too.
    let out = server.cli(&[
        "erase",
        &id,
        "--email",
        "BO.shared@example.org",
        "--fields",
        "all",
        "--data",
        "data",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!in_database_files(&data, "Bo Shared"));
    let doc = server
        .get_auth(&format!("/api/v1/meetings/{id}/bundle?disclose=full"), &api)
        .json();
    assert_eq!(
        doc["entries"][2]["erased"],
        json!(["country", "email", "name", "organization"])
    );
    // Bad requests change nothing and say what to do.
    for (args, says) in [
        (
            vec!["erase", &id, "--email", "nobody@example.org"],
            "no check-in",
        ),
        (
            vec!["erase", &id, "--receipt", "m-zzzzzzzzzz.1.xx"],
            "not a receipt",
        ),
        (
            vec!["erase", "m-nonexisting", "--email", "a@example.org"],
            "no meeting",
        ),
        (vec!["erase", &id], "--receipt"),
        (
            vec![
                "erase",
                &id,
                "--email",
                "a@example.org",
                "--fields",
                "phone",
            ],
            "email or all",
        ),
    ] {
        let mut args = args;
        args.extend(["--data", "data"]);
        let out = server.cli(&args);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            text(&out.stderr).contains(says),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

/// The CSRF token on a console page.
fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").unwrap() + 19;
    page[at..at + page[at..].find('"').unwrap()].to_owned()
}

#[test]
fn a_secretary_erases_from_the_console_after_a_confirmation_and_an_attendee_erases_their_own_email()
{
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--retain-personal-data", "30"]);
    let (cookie, _) = signed_in(&server);
    let api = server.token("secretary");
    let (id, token, code) = open_meeting(&server, &api, "static");
    // Through the form, agreeing to show the email.
    let form = server.get(&format!("/m/{id}?t={token}")).text();
    assert!(form.contains("name=\"share_email\""), "{form}");
    assert!(
        form.contains("href=\"/privacy\""),
        "the form links the privacy notice"
    );
    let r = server.post_form(
        &format!("/m/{id}"),
        &[],
        &[
            ("token", &token),
            ("name", "Dee Form"),
            ("organization", "DIN"),
            ("country", "DE / DIN"),
            ("role", "delegate"),
            ("email", "dee@example.org"),
            ("share_email", "yes"),
            ("acknowledged", "yes"),
            ("code_sha256", &code),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let receipt_url = r.header("location").unwrap().to_owned();
    let receipt_id = receipt_url.trim_start_matches("/r/").to_owned();
    let shown = server.get(&receipt_url).text();
    assert!(
        shown.contains("dee@example.org") && shown.contains("as you agreed"),
        "{shown}"
    );
    assert!(eventually(|| server
        .get_auth(&format!("/api/v1/meetings/{id}/bundle"), &api)
        .status
        == 200));
    let doc = server
        .get_auth(&format!("/api/v1/meetings/{id}/bundle"), &api)
        .json();
    assert_eq!(
        emails(&doc),
        ["dee@example.org"],
        "consent shows the email when circulated"
    );

    // The attendee erases their email from their receipt page.
    let ask = server.get(&format!("{receipt_url}/erase")).text();
    assert!(ask.contains("Erase my email"), "{ask}");
    let r = server.post_form(&format!("{receipt_url}/erase"), &[], &[]);
    assert_eq!(r.status, 303);
    let shown = server.get(&receipt_url).text();
    assert!(!shown.contains("dee@example.org"), "{shown}");
    assert!(shown.contains("erased"), "{shown}");
    // A second request finds nothing left, and changes nothing.
    assert_eq!(
        server
            .post_form(&format!("{receipt_url}/erase"), &[], &[])
            .status,
        303
    );

    // The secretary erases the rest, after reviewing what goes and what stays.
    let page = server
        .get_with(&format!("/console/meetings/{id}"), &[("cookie", &cookie)])
        .text();
    assert!(page.contains("id=\"personal-data\""), "{page}");
    assert!(page.contains("30 days after the meeting closes"), "{page}");
    let review = server.get_with(
        &format!(
            "/console/meetings/{id}/erase?who={}&fields=all",
            crate::support::http::urlencode(&format!("http://x/r/{receipt_id}"))
        ),
        &[("cookie", &cookie)],
    );
    assert_eq!(review.status, 200, "{}", review.text());
    let review = review.text();
    assert!(review.contains("What stays"), "{review}");
    let csrf = csrf_of(&review);
    let r = server.post_form(
        &format!("/console/meetings/{id}/erase"),
        &[("cookie", &cookie)],
        &[("csrf", &csrf), ("who", &receipt_id), ("fields", "all")],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    let doc = server
        .get_auth(&format!("/api/v1/meetings/{id}/bundle?disclose=full"), &api)
        .json();
    assert_eq!(
        doc["entries"][1]["erased"],
        json!(["country", "email", "name", "organization"])
    );
    assert!(doc["entries"][1]["disclosures"]
        .as_array()
        .is_none_or(|d| d.is_empty()));
    verify(&server, "erased.json", &serde_json::to_vec(&doc).unwrap());
    // Recorded, and listed on the meeting page: who, when, which fields.
    let page = server
        .get_with(&format!("/console/meetings/{id}"), &[("cookie", &cookie)])
        .text();
    let table = &page[page.find("id=\"erasures\"").unwrap()..];
    assert!(
        table.contains("attendee") && table.contains("sec@example.org"),
        "{table}"
    );
    assert!(
        !page.contains("Dee Form"),
        "the erased name is nowhere on the page"
    );
    // The same email can check in again as a new attendee.
    let again = server.post_json(
        &format!("/api/v1/meetings/{id}/checkins"),
        None,
        &json!({"token": token, "name": "Dee Again", "organization": "DIN", "country": "DE",
                "role": "delegate", "email": "dee@example.org", "acknowledged": true,
                "code_sha256": code}),
    );
    assert_eq!(again.status, 201, "{}", again.text());
    assert_eq!(again.json()["existing"], false);

    // Bad requests: nothing erased, a page that says why.
    for (who, fields) in [
        ("nobody@example.org", "email"),
        ("m-zzzz.1.abc", "email"),
        (receipt_id.as_str(), "phone"),
    ] {
        let r = server.get_with(
            &format!(
                "/console/meetings/{id}/erase?who={}&fields={fields}",
                crate::support::http::urlencode(who)
            ),
            &[("cookie", &cookie)],
        );
        assert!(r.status == 404 || r.status == 422, "{who}: {}", r.status);
        assert!(r.text().contains("Nothing was erased"), "{}", r.text());
    }
    // Retention set per meeting; a bad value is refused.
    let r = server.post_form(
        &format!("/console/meetings/{id}/retention"),
        &[("cookie", &cookie)],
        &[("csrf", &csrf), ("days", "7")],
    );
    assert_eq!(r.status, 303);
    let page = server
        .get_with(&format!("/console/meetings/{id}"), &[("cookie", &cookie)])
        .text();
    assert!(page.contains("7 days after the meeting closes"), "{page}");
    let r = server.post_form(
        &format!("/console/meetings/{id}/retention"),
        &[("cookie", &cookie)],
        &[("csrf", &csrf), ("days", "forever")],
    );
    assert_eq!(r.status, 422);
}

#[test]
fn the_privacy_notice_names_the_controller_the_contact_and_the_retention() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        &[
            "--privacy-controller",
            "Example Standards Body",
            "--privacy-contact",
            "dpo@example.org",
            "--retain-personal-data",
            "90",
        ],
    );
    let page = server.get("/privacy").text();
    for says in [
        "Example Standards Body",
        "dpo@example.org",
        "90 days",
        "Who sees what",
    ] {
        assert!(page.contains(says), "{says} missing: {page}");
    }
    let fr = server.get("/privacy?lang=fr").text();
    assert!(
        fr.contains("Qui voit quoi") && fr.contains("90 jours"),
        "{fr}"
    );
    // An operator's own notice replaces it.
    std::fs::write(
        dir.path().join("notice.md"),
        "# Our notice\n\nAsk <b>us</b>.",
    )
    .unwrap();
    let other = tempfile::tempdir().unwrap();
    let notice = dir.path().join("notice.md");
    let server = Server::start(
        other.path(),
        &["--privacy-notice", notice.to_str().unwrap()],
    );
    let page = server.get("/privacy").text();
    assert!(
        page.contains("Our notice") && page.contains("&lt;b&gt;"),
        "{page}"
    );
    let (_, err) = Server::refused(other.path(), &["--privacy-notice", "missing.md"]);
    assert!(err.contains("cannot read the privacy notice"), "{err}");
}

#[test]
fn no_name_organisation_or_email_reaches_the_server_log() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with(dir.path(), &[], |c| {
        c.env("ROLLCALL_LOG", "trace");
    });
    let (cookie, _) = signed_in(&server);
    let (id, _, receipts) = meeting_with_three(&server);
    let r = server.get_with(
        &format!("/console/meetings/{id}/list.pdf"),
        &[("cookie", &cookie)],
    );
    assert_eq!(r.status, 200);
    let out = server.cli(&[
        "erase",
        &id,
        "--receipt",
        &receipts[0],
        "--fields",
        "all",
        "--data",
        "data",
    ]);
    assert!(out.status.success());
    let mut server = server;
    server.stop();
    let log = server.output.lock().unwrap().join("\n");
    assert!(log.lines().count() > 20, "the trace log is written: {log}");
    for secret in [
        "Ada Private",
        "ada.private@example.org",
        "Bo Shared",
        "bo.shared@example.org",
        "Cy Noemail",
        "Example Standards Body",
    ] {
        assert!(!log.contains(secret), "{secret} is in the log");
    }
}

#[test]
fn retention_erases_on_time_by_the_clock_it_is_given_and_catches_up_after_a_restart() {
    use rollcall::personal::retention;
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[]);
    let (id, api, _) = meeting_with_three(&server);
    let (id2, _, _) = {
        // A second meeting that keeps its data for 3 days instead of 365.
        let (cookie, csrf) = signed_in(&server);
        let (m, a, r) = meeting_with_three(&server);
        let set = server.post_form(
            &format!("/console/meetings/{m}/retention"),
            &[("cookie", &cookie)],
            &[("csrf", &csrf), ("days", "3")],
        );
        assert_eq!(set.status, 303, "{}", set.text());
        (m, a, r)
    };
    server.stop();

    // The job, run by hand on the server's database with a clock of our own.
    let db = dir.path().to_owned();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let closed_at = rt.block_on(async {
        let store = crate::support::store_of(&db).await;
        let m = store.meeting(&id2).await.unwrap().unwrap();
        time::OffsetDateTime::parse(
            m.closed_at.as_deref().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    });
    let run = |days_after: time::Duration| {
        rt.block_on(async {
            let store = crate::support::store_of(&db).await;
            retention(&store, 365, closed_at + days_after)
                .await
                .unwrap()
        })
    };
    assert!(
        run(time::Duration::days(3) - time::Duration::seconds(1)).is_empty(),
        "not before its time"
    );
    let done = run(time::Duration::days(3));
    assert_eq!(done.len(), 1, "only the 3-day meeting: {done:?}");
    assert_eq!(done[0].0, id2);
    assert_eq!(
        done[0].1.count(),
        4 + 4 + 3,
        "every field of every check-in"
    );
    assert!(run(time::Duration::days(3)).is_empty(), "done once");
    // The first meeting (365 days) still holds its names.
    // The bytes of the database files are SQLite's to check.
    let files = crate::support::pg::url_of(dir.path()).is_none();
    assert!(!files || in_database_files(&dir.path().join("data"), "bo.shared@example.org"));

    // After a restart, a server whose retention has passed erases at start,
    // before serving: the first meeting goes too.
    let server = Server::start(dir.path(), &["--retain-personal-data", "0"]);
    let doc = server
        .get_auth(&format!("/api/v1/meetings/{id}/bundle?disclose=full"), &api)
        .json();
    assert!(
        doc["entries"].as_array().unwrap()[1..4]
            .iter()
            .all(|e| e["disclosures"].as_array().is_none_or(|d| d.is_empty())),
        "{doc}"
    );
    assert!(!files || !in_database_files(&dir.path().join("data"), "Ada Private"));
    assert!(!files || !in_database_files(&dir.path().join("data"), "bo.shared@example.org"));
    let report = verify(&server, "retained.json", &serde_json::to_vec(&doc).unwrap());
    assert!(
        report.contains("erased: country (3), email (2), name (3), organization (3)"),
        "{report}"
    );
    let (cookie, _) = {
        let r = server.post_form(
            "/login",
            &[],
            &[
                ("email", "sec@example.org"),
                ("password", "correct horse battery"),
            ],
        );
        (r.cookie("rc_session").unwrap(), ())
    };
    let page = server
        .get_with(&format!("/console/meetings/{id}"), &[("cookie", &cookie)])
        .text();
    assert!(page.contains("personal data were erased on"), "{page}");
    assert!(
        page.contains("retention"),
        "the erasures list says the job did it"
    );
}
