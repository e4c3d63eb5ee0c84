//! `rollcall token list|revoke` and `rollcall user list|disable|enable|password`
//! against a running server: what an operator does when a token leaks or a
//! secretary leaves, and what the server does about it at once.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::support::http::{collect_within, Server, COMMAND_TIMEOUT};
use crate::support::{rollcall, text};

const PASSWORD: &str = "correct horse battery";
const NEW_PASSWORD: &str = "a longer and different secret";

/// Runs `rollcall` in the server's directory with `input` on standard input.
fn cli_with_input(server: &Server, args: &[&str], input: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rollcall"));
    if let Some(url) = crate::support::pg::url_of(&server.dir) {
        command.env("ROLLCALL_DATABASE_URL", url);
    }
    let mut child = command
        .args(args)
        .current_dir(&server.dir)
        .env_remove("ROLLCALL_DATA")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run rollcall");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write the password");
    collect_within(&mut child, COMMAND_TIMEOUT, &format!("rollcall {args:?}"))
}

/// `rollcall` in the server's directory; asserts it succeeds.
fn ok(server: &Server, args: &[&str]) -> Output {
    let out = server.cli(args);
    assert!(
        out.status.success(),
        "rollcall {args:?} failed: {}",
        text(&out.stderr)
    );
    out
}

fn add_secretary(server: &Server, email: &str) {
    let out = cli_with_input(
        server,
        &["user", "add", email, "--password-stdin", "--data", "data"],
        &format!("{PASSWORD}\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}

fn sign_in(server: &Server, email: &str, password: &str) -> crate::support::http::Response {
    server.post_form("/login", &[], &[("email", email), ("password", password)])
}

/// Signs in and returns the session cookie (`rc_session=…`).
fn session(server: &Server, email: &str, password: &str) -> String {
    let r = sign_in(server, email, password);
    assert_eq!(r.status, 303, "{}", r.text());
    r.cookie("rc_session").expect("a session cookie")
}

/// The status of the console for this session cookie (200, or 303 to /login).
fn console(server: &Server, cookie: &str) -> u16 {
    let r = server.get_with("/console", &[("cookie", cookie)]);
    if r.status == 303 {
        assert_eq!(r.header("location"), Some("/login"));
    }
    r.status
}

/// The row of a `list` table whose first column is `first`.
fn row(table: &str, first: &str) -> Option<Vec<String>> {
    table
        .lines()
        .skip(1)
        .map(|l| {
            l.split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .find(|cells| cells.first().is_some_and(|c| c == first))
}

/// `YYYY-MM-DD HH:MM UTC`.
fn is_utc_minute(s: &str) -> bool {
    time::PrimitiveDateTime::parse(
        s.trim_end_matches(" UTC"),
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]"),
    )
    .is_ok()
        && s.ends_with(" UTC")
}

#[test]
fn operator_revokes_a_leaked_token_and_the_server_refuses_it_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let leaked = server.token("laptop-script");
    let deploy = server.token("deploy");

    let before = text(&ok(&server, &["token", "list", "--data", "data"]).stdout);
    assert!(before.starts_with("NAME"), "a header first:\n{before}");
    for name in ["laptop-script", "deploy"] {
        let r = row(&before, name).unwrap_or_else(|| panic!("{name} listed:\n{before}"));
        assert!(is_utc_minute(&r[1]), "created time: {r:?}");
        assert_eq!(r[2], "never", "not used yet: {r:?}");
    }

    for token in [&leaked, &deploy] {
        assert_eq!(server.get_auth("/api/v1/meetings", token).status, 200);
    }
    let used = text(&ok(&server, &["token", "list", "--data", "data"]).stdout);
    for name in ["laptop-script", "deploy"] {
        let r = row(&used, name).unwrap_or_else(|| panic!("{name} listed:\n{used}"));
        assert!(is_utc_minute(&r[2]), "last use recorded: {r:?}");
    }

    let revoke = ok(
        &server,
        &["token", "revoke", "laptop-script", "--data", "data"],
    );
    assert!(
        text(&revoke.stderr).contains("laptop-script"),
        "{}",
        text(&revoke.stderr)
    );
    // The running server is not restarted: the next request is refused.
    let refused = server.get_auth("/api/v1/meetings", &leaked);
    assert_eq!(refused.status, 401, "{}", refused.text());
    assert_eq!(refused.header("www-authenticate"), Some("Bearer"));
    assert_eq!(server.get_auth("/api/v1/meetings", &deploy).status, 200);

    let after = text(&ok(&server, &["token", "list", "--data", "data"]).stdout);
    assert!(row(&after, "laptop-script").is_none(), "{after}");
    assert!(row(&after, "deploy").is_some(), "{after}");

    // The tokens themselves are never printed, nor any part of them.
    for out in [&before, &used, &after] {
        for token in [&leaked, &deploy] {
            assert!(!out.contains(&token[3..13]), "a token in the list:\n{out}");
        }
        assert!(!out.contains("rc_"), "{out}");
    }
}

#[test]
fn revoking_an_unknown_token_fails_and_points_to_token_list() {
    let dir = tempfile::tempdir().unwrap();
    let _server = Server::start(dir.path(), &[]);
    let out = rollcall(&["token", "revoke", "ghost", "--data", "data"], dir.path());
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("\"ghost\""), "names the token: {err}");
    assert!(
        err.contains("rollcall token list"),
        "says what to do: {err}"
    );
}

#[test]
fn an_empty_token_list_says_how_to_create_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let _server = Server::start(dir.path(), &[]);
    let out = rollcall(&["token", "list", "--data", "data"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "", "no table");
    let note = text(&out.stderr);
    assert!(note.contains("no API tokens"), "{note}");
    assert!(note.contains("rollcall token create --name NAME"), "{note}");
}

#[test]
fn a_disabled_secretary_is_signed_out_at_once_and_cannot_sign_in_until_enabled() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    add_secretary(&server, "leaving@example.org");
    let cookie = session(&server, "leaving@example.org", PASSWORD);
    assert_eq!(console(&server, &cookie), 200);
    let wrong = sign_in(&server, "leaving@example.org", "not the password at all");
    assert_eq!(wrong.status, 401);

    let out = ok(
        &server,
        &["user", "disable", "leaving@example.org", "--data", "data"],
    );
    assert!(
        text(&out.stderr).contains("1 session ended"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(console(&server, &cookie), 303, "the open session has ended");

    // The right password now gets exactly the wrong password's answer, so
    // the answer does not tell that the account exists.
    let refused = sign_in(&server, "leaving@example.org", PASSWORD);
    assert_eq!(refused.status, 401);
    assert!(refused.cookie("rc_session").is_none());
    assert_eq!(refused.text(), wrong.text());

    ok(
        &server,
        &["user", "enable", "leaving@example.org", "--data", "data"],
    );
    let again = session(&server, "leaving@example.org", PASSWORD);
    assert_eq!(console(&server, &again), 200);
    assert_eq!(
        console(&server, &cookie),
        303,
        "the old session stays ended"
    );
}

#[test]
fn a_new_password_replaces_the_old_one_and_ends_existing_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    add_secretary(&server, "sec@example.org");
    let cookie = session(&server, "sec@example.org", PASSWORD);
    assert_eq!(console(&server, &cookie), 200);

    let too_short = cli_with_input(
        &server,
        &[
            "user",
            "password",
            "sec@example.org",
            "--password-stdin",
            "--data",
            "data",
        ],
        "short\n",
    );
    assert!(!too_short.status.success());
    assert!(text(&too_short.stderr).contains("at least 12 characters"));
    assert_eq!(console(&server, &cookie), 200, "nothing changed");

    let out = cli_with_input(
        &server,
        &[
            "user",
            "password",
            "sec@example.org",
            "--password-stdin",
            "--data",
            "data",
        ],
        &format!("{NEW_PASSWORD}\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(console(&server, &cookie), 303, "the old session is gone");
    assert_eq!(sign_in(&server, "sec@example.org", PASSWORD).status, 401);
    let fresh = session(&server, "sec@example.org", NEW_PASSWORD);
    assert_eq!(console(&server, &fresh), 200);

    let unknown = cli_with_input(
        &server,
        &[
            "user",
            "password",
            "gone@example.org",
            "--password-stdin",
            "--data",
            "data",
        ],
        &format!("{NEW_PASSWORD}\n"),
    );
    assert!(!unknown.status.success());
    let err = text(&unknown.stderr);
    assert!(err.contains("gone@example.org"), "{err}");
    assert!(err.contains("rollcall user list"), "{err}");
}

#[test]
fn user_list_shows_each_account_whether_disabled_and_its_active_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let empty = rollcall(&["user", "list", "--data", "data"], dir.path());
    assert!(empty.status.success());
    assert_eq!(text(&empty.stdout), "");
    assert!(
        text(&empty.stderr).contains("rollcall user add EMAIL"),
        "{}",
        text(&empty.stderr)
    );

    add_secretary(&server, "alice@example.org");
    add_secretary(&server, "bob@example.org");
    session(&server, "alice@example.org", PASSWORD);
    session(&server, "alice@example.org", PASSWORD);
    session(&server, "bob@example.org", PASSWORD);
    ok(
        &server,
        &["user", "disable", "bob@example.org", "--data", "data"],
    );

    let list = text(&ok(&server, &["user", "list", "--data", "data"]).stdout);
    let header: Vec<&str> = list
        .lines()
        .next()
        .unwrap_or_default()
        .split("  ")
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .collect();
    assert_eq!(header, ["EMAIL", "CREATED", "DISABLED", "ACTIVE SESSIONS"]);
    let alice = row(&list, "alice@example.org").expect("alice listed");
    assert!(is_utc_minute(&alice[1]), "{alice:?}");
    assert_eq!(alice[2..], ["no", "2"], "{list}");
    let bob = row(&list, "bob@example.org").expect("bob listed");
    assert!(is_utc_minute(&bob[2]), "disabled, with the time: {bob:?}");
    assert_eq!(bob[3], "0", "{list}");

    let unknown = server.cli(&["user", "disable", "carol@example.org", "--data", "data"]);
    assert!(!unknown.status.success());
    let err = text(&unknown.stderr);
    assert!(err.contains("carol@example.org"), "{err}");
    assert!(err.contains("rollcall user list"), "{err}");
}

#[test]
fn a_mistyped_data_directory_is_named_and_nothing_is_created_there() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["token", "list", "--data", "nowhere"][..],
        &["token", "revoke", "ci", "--data", "nowhere"],
        &["user", "list", "--data", "nowhere"],
        &["user", "disable", "sec@example.org", "--data", "nowhere"],
        &["export", "m-nothing", "--data", "nowhere", "--keys", "keys"],
    ] {
        let out = rollcall(args, dir.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(
            err.contains("there is no rollcall database in nowhere") && err.contains("--data DIR"),
            "{args:?}: {err}"
        );
        assert!(!dir.path().join("nowhere").exists(), "{args:?} created it");
    }
}
