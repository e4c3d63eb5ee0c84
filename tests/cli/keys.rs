//! `rollcall keys` creates, shows and rotates the signing key safely.

use std::os::unix::fs::PermissionsExt;

use crate::support::{rollcall, text};

#[test]
fn keys_init_creates_a_private_key_and_prints_the_public_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = rollcall(&["keys", "init", "--keys", "k"], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let public = text(&out.stdout).trim().to_owned();
    assert!(
        rollcall::trust::keys::PublicKey::parse(&public).is_ok(),
        "{public}"
    );
    let secret = dir.path().join("k/signing.pem");
    let mode = std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let pem = std::fs::read_to_string(&secret).unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    // Nothing secret is printed.
    assert!(!text(&out.stdout).contains("PRIVATE"));
    assert!(!text(&out.stderr).contains(pem.lines().nth(1).unwrap()));

    // `keys show` prints the same key, and the verifier key for an origin.
    let show = rollcall(
        &[
            "keys",
            "show",
            "--keys",
            "k",
            "--origin",
            "example.org/rollcall/meetings/m1",
        ],
        dir.path(),
    );
    assert!(show.status.success());
    let lines: Vec<String> = text(&show.stdout).lines().map(str::to_owned).collect();
    assert_eq!(lines[0], public);
    assert!(
        lines[1].starts_with("example.org/rollcall/meetings/m1+"),
        "{lines:?}"
    );
    let (_, k) = rollcall::trust::checkpoint::parse_verifier_key(&lines[1]).unwrap();
    assert_eq!(k.to_base64(), public);
}

#[test]
fn keys_init_never_overwrites_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let first = rollcall(&["keys", "init", "--keys", "k"], dir.path());
    let again = rollcall(&["keys", "init", "--keys", "k"], dir.path());
    assert_eq!(again.status.code(), Some(2));
    assert!(
        text(&again.stderr).contains("--force"),
        "{}",
        text(&again.stderr)
    );
    let show = rollcall(&["keys", "show", "--keys", "k"], dir.path());
    assert_eq!(
        text(&show.stdout),
        text(&first.stdout),
        "the key is unchanged"
    );
    let forced = rollcall(&["keys", "init", "--keys", "k", "--force"], dir.path());
    assert!(forced.status.success());
    assert_ne!(text(&forced.stdout), text(&first.stdout));
}

#[test]
fn keys_rotate_keeps_the_old_public_key() {
    let dir = tempfile::tempdir().unwrap();
    let old = text(&rollcall(&["keys", "init", "--keys", "k"], dir.path()).stdout);
    let rotated = rollcall(&["keys", "rotate", "--keys", "k"], dir.path());
    assert!(rotated.status.success(), "{}", text(&rotated.stderr));
    let new = text(&rotated.stdout);
    assert_ne!(old, new);
    let ring = std::fs::read_to_string(dir.path().join("k/keyring.json")).unwrap();
    assert!(ring.contains(old.trim()) && ring.contains(new.trim()));
    let show = rollcall(&["keys", "show", "--keys", "k"], dir.path());
    assert!(text(&show.stderr).contains(&format!("retired {}", old.trim())));
}

#[test]
fn a_key_file_readable_by_others_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    rollcall(&["keys", "init", "--keys", "k"], dir.path());
    let secret = dir.path().join("k/signing.pem");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
    let show = rollcall(&["keys", "show", "--keys", "k"], dir.path());
    assert_eq!(show.status.code(), Some(2));
    assert!(
        text(&show.stderr).contains("chmod 600"),
        "{}",
        text(&show.stderr)
    );
}

#[test]
fn keys_show_without_a_key_says_how_to_make_one() {
    let dir = tempfile::tempdir().unwrap();
    let show = rollcall(&["keys", "show", "--keys", "nowhere"], dir.path());
    assert_eq!(show.status.code(), Some(2));
    assert!(text(&show.stderr).contains("rollcall keys init"));
}
