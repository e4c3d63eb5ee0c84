//! Shared helpers: a meeting recorded with the real trust core, and the real binary.

#![allow(dead_code)]

pub mod http;
pub mod pg;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

// A meeting recorded with the trust core: the trust crate's test helpers.
#[path = "../../trust/tests/support/recorded.rs"]
mod recorded;
pub use recorded::*;

/// Runs the real `rollcall` binary.
pub fn rollcall(args: &[&str], cwd: &Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rollcall"));
    command
        .args(args)
        .current_dir(cwd)
        .env_remove("ROLLCALL_KEYS");
    if let Some(url) = pg::url_of(cwd) {
        command.env("ROLLCALL_DATABASE_URL", url);
    }
    http::output_within(&mut command, http::COMMAND_TIMEOUT)
}

pub fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

pub fn write_json(dir: &Path, name: &str, value: &impl serde::Serialize) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
    path
}

/// Set by `.ci/run`: every external program a test uses must be installed,
/// and a missing one fails the test instead of skipping it.
pub const REQUIRE_ALL: &str = "ROLLCALL_TEST_REQUIRE_ALL";

/// The shipped subsets of Noto fonts for the scripts the tests' names use
/// (tests/fonts/OFL.txt), so that the PDF tests need no system fonts.
pub fn test_fonts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fonts")
}

/// Whether `program` (from Debian's `package`) is on the PATH. When it is
/// not, the test skips what needs it and says so in one line on stderr,
/// once per program, unless [`REQUIRE_ALL`] is set, when the test fails.
pub fn have(program: &str, package: &str) -> bool {
    let found = std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()));
    if !found {
        missing(&format!("{program} (Debian package {package})"));
    }
    found
}

/// Reports that something a test needs is missing: one line on stderr
/// (written past the test harness's capture, so `cargo test` shows it)
/// the first time, or a failure when [`REQUIRE_ALL`] is set.
pub fn missing(what: &str) {
    use std::io::Write;
    static SAID: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    if std::env::var_os(REQUIRE_ALL).is_some_and(|v| !v.is_empty() && v != "0") {
        panic!("{what} is missing and {REQUIRE_ALL} is set: install it (.ci/run does)");
    }
    let mut said = SAID.lock().unwrap_or_else(|e| e.into_inner());
    if !said.iter().any(|s| s == what) {
        said.push(what.to_owned());
        let _ = writeln!(
            std::io::stderr(),
            "note: skipping the checks that need {what}: not installed here"
        );
    }
}

/// The database of a test directory's server: its PostgreSQL database when
/// it has one, else the SQLite file in its data directory.
pub async fn store_of(dir: &Path) -> rollcall::store::Store {
    match pg::url_of(dir) {
        Some(url) => rollcall::store::Store::open_postgres(&url).await,
        None => rollcall::store::Store::open(&dir.join("data/rollcall.db")).await,
    }
    .expect("open the test server's database")
}

/// Whether this test may run on the current backend: tests about the SQLite
/// file itself (its backup, its bytes on disk) skip when the suite runs on
/// PostgreSQL, saying so in one line.
pub fn on_sqlite(what: &str) -> bool {
    if pg::suite_on_postgres() {
        eprintln!(
            "note: skipping {what}: it is about the SQLite file, and the suite runs on PostgreSQL"
        );
        return false;
    }
    true
}
