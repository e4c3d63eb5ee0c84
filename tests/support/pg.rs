//! A real PostgreSQL server for the tests, from Debian's `postgresql`
//! package: a fresh cluster in a temporary directory on a free port, run as
//! an unprivileged user, stopped when the test process ends. No mock, no
//! container.
//!
//! `ROLLCALL_TEST_DATABASE=postgres` runs every test server on a database
//! of its own in one shared cluster (the whole suite against PostgreSQL).
//! Without PostgreSQL installed, the tests that need it skip, saying so in
//! one line, unless `ROLLCALL_TEST_REQUIRE_ALL` is set.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Set to `postgres` to run every test server on PostgreSQL.
pub const BACKEND: &str = "ROLLCALL_TEST_DATABASE";

/// Whether the suite runs against PostgreSQL.
pub fn suite_on_postgres() -> bool {
    std::env::var(BACKEND).is_ok_and(|v| v == "postgres")
}

/// A PostgreSQL cluster of the tests' own.
pub struct Cluster {
    pub port: u16,
    pub dir: PathBuf,
    bin: PathBuf,
    /// The cluster runs while this pipe is open: a shell waits for its end
    /// (the test process exiting, or [`Cluster::stop`]) and stops it.
    keeper: Mutex<Option<(Child, ChildStdin)>>,
    _tmp: tempfile::TempDir,
}

/// Debian's PostgreSQL server programs (the newest version installed).
fn server_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|b| b.join("initdb").is_file() && b.join("postgres").is_file())
        .collect();
    versions.sort();
    versions.pop()
}

/// Runs a program as the unprivileged `postgres` user when the tests run as
/// root (PostgreSQL refuses to run as root), else as ourselves.
fn as_postgres(program: &Path) -> Command {
    if unsafe { libc::geteuid() } == 0 {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Cluster {
    /// Starts a new cluster, or `None` (after saying so) if PostgreSQL is
    /// not installed.
    pub fn start() -> Option<Cluster> {
        let Some(bin) = server_bin() else {
            super::missing("a PostgreSQL server (Debian package postgresql)");
            return None;
        };
        let tmp = tempfile::tempdir().expect("temporary directory");
        let dir = tmp.path().join("pg");
        std::fs::create_dir(&dir).expect("cluster directory");
        if unsafe { libc::geteuid() } == 0 {
            // The unprivileged user must reach and own the directory.
            let _ = Command::new("chmod").arg("755").arg(tmp.path()).status();
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .expect("chown");
            assert!(
                status.success(),
                "cannot give {} to the postgres user",
                dir.display()
            );
        }
        let out = super::http::output_within(
            as_postgres(&bin.join("initdb"))
                .args(["-D"])
                .arg(dir.join("data"))
                .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"]),
            Duration::from_secs(120),
        );
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = free_port();
        let cluster = Cluster {
            port,
            dir,
            bin,
            keeper: Mutex::new(None),
            _tmp: tmp,
        };
        cluster.run();
        Some(cluster)
    }

    /// Starts the server on the cluster (again, after [`Cluster::stop`]).
    pub fn run(&self) {
        let postgres = self.bin.join("postgres");
        let script = format!(
            "{runas} {postgres} -D {data} -p {port} -k {dir} -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=on -c synchronous_commit=on & pid=$!; cat >/dev/null; kill -INT $pid; wait $pid",
            runas = if unsafe { libc::geteuid() } == 0 { "setpriv --reuid=postgres --regid=postgres --clear-groups" } else { "" },
            postgres = postgres.display(),
            data = self.dir.join("data").display(),
            port = self.port,
            dir = self.dir.display(),
        );
        let mut child = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start postgres");
        let stdin = child.stdin.take().expect("stdin");
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "PostgreSQL did not start within 60 s (cluster in {})",
                self.dir.display()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        // Accepting connections, not only listening.
        while !self.psql("postgres", "SELECT 1") {
            assert!(
                Instant::now() < deadline,
                "PostgreSQL did not accept queries within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        *self.keeper.lock().unwrap_or_else(|e| e.into_inner()) = Some((child, stdin));
    }

    /// Stops the server (a fast shutdown) and waits for it, at most 60 s.
    pub fn stop(&self) {
        let kept = self.keeper.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some((mut child, stdin)) = kept {
            drop(stdin);
            if super::http::wait_within(&mut child, Duration::from_secs(60)).is_none() {
                super::http::kill_and_reap(&mut child);
                panic!("PostgreSQL did not stop within 60 s");
            }
        }
    }

    fn psql(&self, db: &str, sql: &str) -> bool {
        let psql = self.bin.join("psql");
        let mut c = Command::new(&psql);
        c.args([
            "-X",
            "-q",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            db,
            "-c",
            sql,
        ])
        .arg("-p")
        .arg(self.port.to_string());
        super::http::output_within(&mut c, Duration::from_secs(60))
            .status
            .success()
    }

    /// A new, empty database; its URL.
    pub fn database(&self) -> String {
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "t{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        assert!(
            self.psql("postgres", &format!("CREATE DATABASE {name}")),
            "cannot create database {name}"
        );
        self.url(&name)
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Runs SQL on a database; whether it succeeded.
    pub fn sql(&self, url: &str, sql: &str) -> bool {
        let db = url.rsplit('/').next().unwrap_or("postgres");
        self.psql(db, sql)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some((mut child, stdin)) =
            self.keeper.lock().unwrap_or_else(|e| e.into_inner()).take()
        {
            drop(stdin);
            let _ = super::http::wait_within(&mut child, Duration::from_secs(30));
        }
    }
}

/// The suite's shared cluster (started on first use), or `None` if
/// PostgreSQL is not installed.
pub fn shared() -> Option<&'static Cluster> {
    static SHARED: OnceLock<Option<Cluster>> = OnceLock::new();
    SHARED.get_or_init(Cluster::start).as_ref()
}

/// A fresh database in the shared cluster, or `None` (said once) without
/// PostgreSQL.
pub fn fresh_database() -> Option<String> {
    shared().map(Cluster::database)
}

/// The database URL a test directory's server uses, if it is on PostgreSQL
/// (written by the test server at start), for the commands run there.
pub fn url_of(dir: &Path) -> Option<String> {
    std::fs::read_to_string(dir.join("database-url"))
        .ok()
        .map(|s| s.trim().to_owned())
}

/// Writes the database URL a test directory's commands use.
pub fn remember(dir: &Path, url: &str) {
    let mut f = std::fs::File::create(dir.join("database-url")).expect("database-url file");
    let _ = f.write_all(url.as_bytes());
}
