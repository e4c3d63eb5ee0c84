//! The console: meetings grouped by state, drafts edited before opening,
//! the agenda link with its QR code, and the self-updating projector view.

use super::console_tools::signed_in;
use crate::support::http::Server;

fn create(server: &Server, c: &[(&str, &str)], csrf: &str, title: &str) -> String {
    let r = server.post_form(
        "/console/meetings",
        c,
        &[
            ("csrf", csrf),
            ("title", title),
            ("committee", "ISO/TC 46/WG 11"),
            ("location", "Room 3"),
            ("starts_at", "2020-01-01T09:00:00+01:00"),
            ("ends_at", "2099-01-01T17:00:00+01:00"),
            ("timezone", "Europe/Paris"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.text());
    r.header("location").unwrap().to_owned()
}

/// The text of the section whose heading has this id.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html.find(&format!(r#"id="{id}""#)).unwrap();
    let rest = &html[at..];
    &rest[..rest.find("</section>").unwrap()]
}

#[test]
fn meetings_are_listed_as_upcoming_open_and_closed_with_empty_states() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let (cookie, csrf) = signed_in(&server);
    let c = [("cookie", cookie.as_str())];
    let empty = server.get_with("/console", &c).text();
    for key in ["open", "draft", "closed"] {
        assert!(empty.contains(&format!(r#"id="empty-{key}""#)), "{empty}");
    }

    let draft = create(&server, &c, &csrf, "Draft meeting");
    let open = create(&server, &c, &csrf, "Open meeting");
    let closed = create(&server, &c, &csrf, "Closed meeting");
    for page in [&open, &closed] {
        server.post_form(&format!("{page}/open"), &c, &[("csrf", &csrf)]);
    }
    server.post_form(&format!("{closed}/close"), &c, &[("csrf", &csrf)]);

    let html = server.get_with("/console", &c).text();
    let (o, d, x) = (
        section(&html, "group-open"),
        section(&html, "group-draft"),
        section(&html, "group-closed"),
    );
    assert!(o.contains("Open meeting") && !o.contains("Draft meeting") && !o.contains("empty-"));
    assert!(d.contains("Draft meeting") && !d.contains("Closed meeting"));
    assert!(x.contains("Closed meeting") && !x.contains("Open meeting"));
    assert!(d.contains(&format!(r#"href="{draft}""#)));
    let fr = server
        .get_with("/console", &[c[0], ("accept-language", "fr")])
        .text();
    assert!(fr.contains("À venir") && fr.contains("Ouvertes") && fr.contains("Closes"));
}

#[test]
fn a_draft_can_be_edited_with_the_same_rules_until_it_is_opened() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let (cookie, csrf) = signed_in(&server);
    let c = [("cookie", cookie.as_str())];
    let page = create(&server, &c, &csrf, "WG 11 meeting");
    let form = server.get_with(&format!("{page}/edit"), &c);
    assert_eq!(form.status, 200);
    assert!(form.text().contains(r#"value="WG 11 meeting""#));

    let edit = |title: &str, ends: &str| {
        server.post_form(
            &format!("{page}/edit"),
            &c,
            &[
                ("csrf", &csrf),
                ("title", title),
                ("committee", "ISO/TC 46/WG 11"),
                ("location", "Room 4"),
                ("starts_at", "2020-01-01T09:00:00+01:00"),
                ("ends_at", ends),
                ("timezone", "Europe/Paris"),
                ("presence", "static"),
            ],
        )
    };
    // Same validation as creating: the end must follow the start.
    let bad = edit("WG 11 meeting", "2019-01-01T09:00:00+01:00");
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("End must be after the start"));
    assert!(
        server.get_with(&page, &c).text().contains("Room 3"),
        "nothing changed"
    );

    let ok = edit("WG 11 meeting (moved)", "2099-01-01T17:00:00+01:00");
    assert_eq!(ok.status, 303, "{}", ok.text());
    let shown = server.get_with(&page, &c).text();
    assert!(shown.contains("WG 11 meeting (moved)") && shown.contains("Room 4"));
    assert!(shown.contains("Static link"));

    server.post_form(&format!("{page}/open"), &c, &[("csrf", &csrf)]);
    let refused = edit("Too late", "2099-01-01T17:00:00+01:00");
    assert_eq!(refused.status, 409);
    assert!(
        refused.text().contains("can no longer be edited"),
        "{}",
        refused.text()
    );
    assert_eq!(server.get_with(&format!("{page}/edit"), &c).status, 409);
    let after = server.get_with(&page, &c).text();
    assert!(after.contains("WG 11 meeting (moved)") && !after.contains("Too late"));
    assert!(!after.contains(r#"id="edit-meeting""#));
}

#[test]
fn the_agenda_gets_a_stable_public_link_its_qr_code_and_snippets() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let (cookie, csrf) = signed_in(&server);
    let c = [("cookie", cookie.as_str())];
    let page = create(&server, &c, &csrf, "Plenary <2026>");
    let id = page.rsplit('/').next().unwrap();
    let html = server.get_with(&page, &c).text();
    let link = format!("{}/m/{id}", server.url.trim_end_matches('/'));
    assert!(
        html.contains(&format!(r#"id="public-link" href="{link}""#)),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            "&lt;a href=&quot;{link}&quot;&gt;Plenary &amp;lt;2026&amp;gt;"
        )),
        "HTML snippet, escaped"
    );
    assert!(html.contains(&format!(
        "[Plenary &lt;2026&gt;: meeting page and Code of Conduct]({link})"
    )));
    assert!(
        html.contains(r#"<label for="snippet-html">"#)
            && html.contains(r#"<label for="snippet-md">"#)
    );

    let svg = server.get_with(&format!("{page}/public-qr.svg"), &c);
    assert_eq!(svg.status, 200);
    assert_eq!(svg.header("content-type"), Some("image/svg+xml"));
    assert!(svg.text().contains("<svg"));
    let png = server.get_with(&format!("{page}/public-qr.png"), &c);
    assert_eq!(png.header("content-type"), Some("image/png"));
    assert!(png.body.starts_with(b"\x89PNG"));
    assert_eq!(
        server.get(&format!("{page}/public-qr.svg")).status,
        303,
        "secretaries only"
    );

    // The public page: the meeting and its full Code, before and during check-in.
    let public = server.get(&format!("/m/{id}"));
    assert_eq!(public.status, 200);
    let text = public.text();
    assert!(text.contains("Plenary &lt;2026&gt;") && text.contains("Behave ethically"));
    assert!(text.contains("Check-in opens when the meeting starts"));
    server.post_form(&format!("{page}/open"), &c, &[("csrf", &csrf)]);
    let open = server
        .get_with(&format!("/m/{id}"), &[("accept-language", "fr")])
        .text();
    assert!(open.contains("scannez le code QR"), "{open}");
}

#[test]
fn the_projector_view_updates_itself_from_a_json_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let (cookie, csrf) = signed_in(&server);
    let c = [("cookie", cookie.as_str())];
    let page = create(&server, &c, &csrf, "WG 11 meeting");
    server.post_form(&format!("{page}/open"), &c, &[("csrf", &csrf)]);

    let html = server.get_with(&format!("{page}/present"), &c).text();
    assert!(html.contains(r#"<script src="/static/present.js" defer>"#));
    assert!(html.contains(&format!(r#"data-present="{page}/present.json""#)));
    assert!(
        html.contains(r#"<noscript><meta http-equiv="refresh" content="10">"#),
        "fallback without JavaScript"
    );
    assert!(html.contains(r#"aria-live="polite""#) && html.contains(r#"id="present-count">0<"#));
    let js = server.get("/static/present.js");
    assert_eq!(js.status, 200);
    assert!(js
        .header("content-type")
        .unwrap()
        .starts_with("text/javascript"));
    assert!(js.text().contains("present.json") || js.text().contains("data-present"));
    let csp = js.header("content-security-policy").unwrap().to_owned();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );

    let before = server.get_with(&format!("{page}/present.json"), &c).json();
    assert_eq!(before["state"], "open");
    assert_eq!(before["count"], 0);
    assert!(before["qr_svg"].as_str().unwrap().starts_with("<svg"));
    let token = before["token"].as_str().unwrap().to_owned();
    assert!(html.contains(&format!(r#"data-token="{token}""#)));

    let manual = server.post_form(
        &format!("{page}/manual"),
        &c,
        &[
            ("csrf", &csrf),
            ("name", "Paper Pat"),
            ("organization", "DIN"),
            ("country", "DE / DIN"),
            ("role", "expert"),
            ("acknowledged", "yes"),
        ],
    );
    assert_eq!(manual.status, 303, "{}", manual.text());
    let after = server.get_with(&format!("{page}/present.json"), &c).json();
    assert_eq!(after["count"], 1);
    assert_eq!(after["count_label"], "checked in");
    assert_eq!(
        server.get(&format!("{page}/present.json")).status,
        303,
        "secretaries only"
    );
}

/// Meetings and log entries in the server's database.
fn totals(server: &Server) -> (i64, i64) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = crate::support::store_of(&server.dir).await;
        let t = store.totals().await.unwrap();
        (t.meetings, t.entries)
    })
}

#[test]
fn a_secretary_deletes_a_mistaken_draft_and_it_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let (cookie, csrf) = signed_in(&server);
    let c = [("cookie", cookie.as_str())];
    let kept = create(&server, &c, &csrf, "WG 11 meeting");
    let page = create(&server, &c, &csrf, "WG 11 meeting (typo)");
    let delete = format!("{page}/delete");

    // The draft's page has the control, behind a disclosure, with the
    // session's CSRF token and the reason it is possible.
    let html = server.get_with(&page, &c).text();
    let control = &html[html.find(r#"id="delete-draft""#).expect("a delete control")..];
    let control = &control[..control.find("</details>").unwrap()];
    assert!(
        control.contains("<summary>Delete this meeting…</summary>"),
        "{control}"
    );
    assert!(control.contains("Nothing has been signed for this meeting yet"));
    assert!(control.contains(&format!(r#"action="{delete}""#)));
    assert!(control.contains(&format!(r#"name="csrf" value="{csrf}""#)));
    assert!(control.contains(r#"aria-describedby="delete-why""#));
    let fr = server
        .get_with(&page, &[c[0], ("accept-language", "fr")])
        .text();
    assert!(fr.contains("Supprimer cette réunion") && fr.contains("Rien n’a encore été signé"));

    // Without the token, or with a wrong one: refused, nothing deleted.
    for fields in [&[][..], &[("csrf", "forged")][..]] {
        let refused = server.post_form(&delete, &c, fields);
        assert_eq!(refused.status, 403, "{fields:?}: {}", refused.text());
        assert_eq!(server.get_with(&page, &c).status, 200, "still there");
    }
    // Without a session: to the sign-in page.
    let anonymous = server.post_form(&delete, &[], &[("csrf", &csrf)]);
    assert_eq!(anonymous.header("location"), Some("/login"));
    assert_eq!(server.get_with(&page, &c).status, 200, "still there");

    let deleted = server.post_form(&delete, &c, &[("csrf", &csrf)]);
    assert_eq!(deleted.status, 303, "{}", deleted.text());
    assert_eq!(deleted.header("location"), Some("/console"));
    let gone = server.get_with(&page, &c);
    assert_eq!(gone.status, 404);
    assert!(gone.text().contains("There is no meeting with this id"));
    let list = server.get_with("/console", &c).text();
    assert!(!list.contains("(typo)"), "{list}");
    assert!(
        list.contains(&format!(r#"href="{kept}""#)),
        "the other draft stays"
    );
    assert_eq!(
        server.post_form(&delete, &c, &[("csrf", &csrf)]).status,
        404
    );
    assert_eq!(totals(&server), (1, 0), "nothing of it is left");
}

#[test]
fn an_opened_meeting_cannot_be_deleted_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let (cookie, csrf) = signed_in(&server);
    let c = [("cookie", cookie.as_str())];
    let api = server.token("t");
    let (id, token, code) = super::open_meeting(&server, &api, "static");
    let checked_in = server.post_json(
        &format!("/api/v1/meetings/{id}/checkins"),
        None,
        &super::attendee(&token, &code, 1),
    );
    assert_eq!(checked_in.status, 201, "{}", checked_in.text());
    let page = format!("/console/meetings/{id}");
    let api_path = format!("/api/v1/meetings/{id}");

    for state in ["open", "closed"] {
        let html = server.get_with(&page, &c).text();
        assert!(
            !html.contains("delete-draft") && !html.contains(&format!("{page}/delete")),
            "no delete control on an {state} meeting"
        );
        let refused = server.post_form(&format!("{page}/delete"), &c, &[("csrf", &csrf)]);
        assert_eq!(refused.status, 409, "{state}: {}", refused.text());
        let text = refused.text();
        assert!(text.contains("This meeting cannot be deleted"), "{text}");
        assert!(text.contains("its records are signed in its log and kept"));
        assert!(text.contains(&format!(r#"href="{page}""#)), "a way back");

        let refused = server.delete_auth(&api_path, &api);
        assert_eq!(refused.status, 409, "{state}: {}", refused.text());
        let e = refused.json();
        assert_eq!(e["error"]["code"], "meeting_not_draft", "{e}");
        assert!(e["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Only a draft can be deleted"));

        if state == "open" {
            let closed = server.post_form(&format!("{page}/close"), &c, &[("csrf", &csrf)]);
            assert_eq!(closed.status, 303);
        }
    }

    // Even a meeting whose state wrongly read `draft` keeps its signed log.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store = rt.block_on(crate::support::store_of(&server.dir));
    let set_state = |state: &str| match crate::support::pg::url_of(&server.dir) {
        Some(url) => assert!(crate::support::pg::shared()
            .expect("the suite's PostgreSQL")
            .sql(
                &url,
                &format!("UPDATE meetings SET state = '{state}' WHERE id = '{id}'")
            )),
        None => {
            rt.block_on(
                sqlx::query("UPDATE meetings SET state = ? WHERE id = ?")
                    .bind(state)
                    .bind(&id)
                    .execute(store.sqlite_pool().expect("an SQLite store")),
            )
            .unwrap();
        }
    };
    set_state("draft");
    assert_eq!(
        rt.block_on(store.delete_draft(&id)).unwrap(),
        rollcall::store::DraftDeletion::NotDraft
    );
    set_state("closed");

    // Still there, whole: the meeting, its log, and a list that verifies.
    assert_eq!(
        totals(&server),
        (1, 3),
        "meeting, check-in and close entries"
    );
    assert_eq!(server.get_auth(&api_path, &api).json()["state"], "closed");
    let bundle = server.get_with(&format!("{page}/bundle.json"), &c);
    assert_eq!(bundle.status, 200);
    std::fs::write(dir.path().join("list.json"), &bundle.body).unwrap();
    let v = server.cli(&[
        "verify",
        "list.json",
        "--key",
        &server.public_key(),
        "--json",
    ]);
    let report: serde_json::Value = serde_json::from_slice(&v.stdout).unwrap();
    assert_eq!(report["valid"], true, "{report}");
    assert_eq!(report["attendees"].as_array().map(Vec::len), Some(1));
}

#[test]
fn refused_downloads_and_forms_answer_the_browser_with_a_page_not_json() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let (cookie, csrf) = signed_in(&server);
    let c = [("cookie", cookie.as_str())];
    let draft = create(&server, &c, &csrf, "Draft meeting");

    // A draft has no list yet, and a mistyped disclosure is no profile:
    // the secretary's browser shows the site's error page.
    for (path, status) in [
        (format!("{draft}/bundle.json"), 409),
        (format!("{draft}/attendance.csv"), 409),
        (format!("{draft}/attendance.csv?disclose=phone"), 422),
    ] {
        let r = server.get_with(&path, &c);
        assert_eq!(r.status, status, "{path}: {}", r.text());
        let kind = r.header("content-type").unwrap_or_default();
        assert!(kind.starts_with("text/html"), "{path}: {kind}");
        assert!(!r.text().trim_start().starts_with('{'), "{}", r.text());
    }

    // A form sent without its token is refused like a forged one, and
    // nothing changes.
    let r = server.post_form(&format!("{draft}/open"), &c, &[]);
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r
        .header("content-type")
        .unwrap_or_default()
        .starts_with("text/html"));
    let page = server.get_with(&draft, &c).text();
    assert!(
        page.contains(r#"id="edit-meeting""#),
        "still a draft: {page}"
    );
}

#[test]
fn a_secretary_types_the_time_on_the_wall_clock_and_the_server_works_out_the_offset() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let (cookie, csrf) = signed_in(&server);
    let c = [("cookie", cookie.as_str())];
    let token = server.token("offsets");
    let form = |starts: &str, ends: &str, zone: &str| {
        server.post_form(
            "/console/meetings",
            &c,
            &[
                ("csrf", csrf.as_str()),
                ("title", "ISO/TC 68 plenary"),
                ("starts_at", starts),
                ("ends_at", ends),
                ("timezone", zone),
            ],
        )
    };
    let times = |location: &str| {
        let id = location.rsplit('/').next().unwrap().to_owned();
        let m = server
            .get_auth(&format!("/api/v1/meetings/{id}"), &token)
            .json();
        (
            m["starts_at"].as_str().unwrap().to_owned(),
            m["ends_at"].as_str().unwrap().to_owned(),
            m["timezone"].as_str().unwrap().to_owned(),
        )
    };

    // What a browser's date-and-time field sends, in winter and in summer.
    let winter = form("2026-12-01T09:00", "2026-12-01T17:30", "Europe/Zurich");
    assert_eq!(winter.status, 303, "{}", winter.text());
    assert_eq!(
        times(winter.header("location").unwrap()),
        (
            "2026-12-01T09:00:00+01:00".to_owned(),
            "2026-12-01T17:30:00+01:00".to_owned(),
            "Europe/Zurich".to_owned()
        )
    );
    let summer = form("2026-07-01T09:00", "2026-07-01T17:00", "America/New_York");
    assert_eq!(summer.status, 303, "{}", summer.text());
    assert_eq!(
        times(summer.header("location").unwrap()).0,
        "2026-07-01T09:00:00-04:00"
    );

    // The form offers every zone, and shows times as typed when it comes back.
    let page = server.get_with("/console", &c).text();
    assert!(page.contains(r#"type="datetime-local""#), "{page}");
    assert!(page.contains(r#"<option value="Asia/Tokyo">"#));
    assert!(page.contains(r#"src="/static/meeting-form.js""#));

    // A time the clocks skip, and a zone no database has: clear, and nothing created.
    let gap = form("2026-03-29T02:30", "2026-03-29T10:00", "Europe/Zurich");
    assert_eq!(gap.status, 422);
    let text = gap.text();
    assert!(
        text.contains("2026-03-29T02:30 does not exist in Europe/Zurich"),
        "{text}"
    );
    assert!(
        text.contains(r#"value="2026-03-29T02:30""#),
        "typed value kept"
    );
    let nowhere = form("2026-12-01T09:00", "2026-12-01T17:00", "Mars/Olympus_Mons");
    assert_eq!(nowhere.status, 422);
    assert!(nowhere.text().contains("is not a time zone rollcall knows"));
    let all = server.get_auth("/api/v1/meetings", &token).json();
    assert_eq!(all["meetings"].as_array().map(Vec::len), Some(2), "{all}");
    assert_eq!(server.get("/static/meeting-form.js").status, 200);
}
