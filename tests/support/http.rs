//! A real server on a random port, and a small HTTP/1.1 client that shows
//! exactly what went over the wire (status, headers, cookies, no redirects).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `rollcall serve`, stopped (SIGTERM) when dropped.
pub struct Server {
    pub child: Child,
    pub url: String,
    pub addr: String,
    pub setup_url: Option<String>,
    pub dir: PathBuf,
    /// Everything the server printed on stdout (its log included).
    pub output: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

/// The `serve` arguments every test server gets before its own.
const SERVE: [&str; 7] = [
    "serve",
    "--addr",
    "127.0.0.1:0",
    "--data",
    "data",
    "--keys",
    "keys",
];

impl Server {
    /// Starts the real binary with a fresh data and keys directory in `dir`.
    pub fn start(dir: &Path, extra: &[&str]) -> Server {
        Self::start_with(dir, extra, |_| {})
    }

    /// Runs `rollcall serve` with `extra` in `dir`, expecting it to refuse
    /// to start; returns its exit code and what it printed on stderr.
    pub fn refused(dir: &Path, extra: &[&str]) -> (Option<i32>, String) {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rollcall"));
        if let Some(url) = super::pg::url_of(dir) {
            command.env("ROLLCALL_DATABASE_URL", url);
        }
        let out = output_within(
            command.args(SERVE).args(extra).current_dir(dir),
            COMMAND_TIMEOUT,
        );
        assert!(!out.status.success(), "the server started with {extra:?}");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Like [`Server::start`], letting `configure` adjust the command first
    /// (environment, resource limits of the child).
    pub fn start_with(dir: &Path, extra: &[&str], configure: impl FnOnce(&mut Command)) -> Server {
        let mut args = SERVE.to_vec();
        args.extend_from_slice(&["--checkpoint-every", "1"]);
        args.extend_from_slice(extra);
        if super::pg::suite_on_postgres() && super::pg::url_of(dir).is_none() {
            let url = super::pg::fresh_database()
                .expect("ROLLCALL_TEST_DATABASE=postgres needs a PostgreSQL server (Debian package postgresql)");
            super::pg::remember(dir, &url);
        }
        let mut command = Command::new(env!("CARGO_BIN_EXE_rollcall"));
        if let Some(url) = super::pg::url_of(dir) {
            command.env("ROLLCALL_DATABASE_URL", url);
        }
        command
            .args(&args)
            .current_dir(dir)
            .env("ROLLCALL_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        configure(&mut command);
        let mut child = command.spawn().expect("start rollcall serve");
        let stdout = child.stdout.take().expect("stdout");
        let output = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        // One thread reads every line (so the server never blocks on its
        // stdout) and hands them over; the start-up lines are awaited with a
        // deadline, never without a bound.
        let (lines, received) = std::sync::mpsc::channel::<String>();
        let sink = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(mut o) = sink.lock() {
                    o.push(line.clone());
                }
                let _ = lines.send(line);
            }
        });
        let (mut url, mut setup_url, mut bound) = (None, None, None);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match received.recv_timeout(left) {
                Ok(line) => line,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    kill_and_reap(&mut child);
                    panic!(
                        "rollcall serve printed no start-up lines within {} s; killed it",
                        START_TIMEOUT.as_secs()
                    );
                }
                // It exited, or closed stdout: reported below.
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            };
            if let Some(a) = line.trim().strip_prefix("rollcall is running on ") {
                bound = Some(a.trim_end_matches('.').to_owned());
            }
            if let Some(u) = line.trim().strip_prefix("phones and browsers:") {
                url = Some(u.trim().to_owned());
            }
            if let Some(u) = line.trim().strip_prefix("first-run setup:") {
                setup_url = Some(u.trim().to_owned());
            }
            if line.contains("secretaries:") || line.contains("(creates the first secretary") {
                break;
            }
        }
        let url = url.expect("the server printed its URL");
        // The address it listens on (the public URL may name a proxy).
        let addr = bound.expect("the server printed the address it listens on");
        Server {
            child,
            url,
            addr,
            setup_url,
            dir: dir.to_owned(),
            output,
        }
    }

    /// Runs another `rollcall` command against this server's directories.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rollcall"));
        command.args(args).current_dir(&self.dir);
        if let Some(url) = super::pg::url_of(&self.dir) {
            command.env("ROLLCALL_DATABASE_URL", url);
        }
        output_within(&mut command, COMMAND_TIMEOUT)
    }

    /// A new API token.
    pub fn token(&self, name: &str) -> String {
        let out = self.cli(&["token", "create", "--name", name, "--data", "data"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// The server's public key, as auditors pin it.
    pub fn public_key(&self) -> String {
        let out = self.cli(&["keys", "show", "--keys", "keys"]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    /// Stops the server with SIGTERM and waits for it, at most
    /// [`STOP_TIMEOUT`]: a server still running then is killed and the test
    /// fails saying so.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        match self.try_stop() {
            Ok(status) => status,
            Err(message) => panic!("{message}"),
        }
    }

    /// [`Server::stop`] without the panic, for `Drop`.
    fn try_stop(&mut self) -> Result<std::process::ExitStatus, String> {
        signal(&self.child, libc::SIGTERM);
        if let Some(status) = wait_within(&mut self.child, STOP_TIMEOUT) {
            return Ok(status);
        }
        kill_and_reap(&mut self.child);
        Err(format!(
            "rollcall serve was still running {} s after SIGTERM; killed it",
            STOP_TIMEOUT.as_secs()
        ))
    }

    pub fn get(&self, path: &str) -> Response {
        request(&self.addr, "GET", path, &[], b"")
    }

    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        request(&self.addr, "GET", path, headers, b"")
    }

    pub fn post_json(&self, path: &str, token: Option<&str>, body: &serde_json::Value) -> Response {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("content-type", "application/json")];
        if let Some(a) = &auth {
            headers.push(("authorization", a.as_str()));
        }
        request(
            &self.addr,
            "POST",
            path,
            &headers,
            body.to_string().as_bytes(),
        )
    }

    pub fn get_auth(&self, path: &str, token: &str) -> Response {
        let auth = format!("Bearer {token}");
        request(
            &self.addr,
            "GET",
            path,
            &[("authorization", auth.as_str())],
            b"",
        )
    }

    pub fn delete_auth(&self, path: &str, token: &str) -> Response {
        let auth = format!("Bearer {token}");
        request(
            &self.addr,
            "DELETE",
            path,
            &[("authorization", auth.as_str())],
            b"",
        )
    }

    pub fn post_form(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        fields: &[(&str, &str)],
    ) -> Response {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut h = vec![("content-type", "application/x-www-form-urlencoded")];
        h.extend_from_slice(headers);
        request(&self.addr, "POST", path, &h, body.as_bytes())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            if let Err(message) = self.try_stop() {
                // A second panic while unwinding would abort the whole run.
                if !std::thread::panicking() {
                    panic!("{message}");
                }
            }
        }
    }
}

/// How long a server may take to print its start-up lines.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a server may take to stop after SIGTERM (it first commits the
/// check-ins in flight).
pub const STOP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a one-off `rollcall` command may run.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// Sends `sig` to a child process.
pub fn signal(child: &Child, sig: libc::c_int) {
    // SAFETY: sending a signal to our own child process, not yet reaped.
    unsafe {
        libc::kill(child.id() as libc::pid_t, sig);
    }
}

/// Waits for `child` to exit, at most `limit`; `None` if it is still running.
pub fn wait_within(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Ok(None) | Err(_) => return None,
        }
    }
}

/// SIGKILL, then reap (a killed process always exits).
pub fn kill_and_reap(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Runs `command` to completion with its stdout and stderr captured, at
/// most `limit`: a command still running then is killed and the test fails.
pub fn output_within(command: &mut Command, limit: Duration) -> std::process::Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    collect_within(&mut child, limit, &format!("{command:?}"))
}

/// Reads a spawned child's piped stdout and stderr until it exits, at most
/// `limit` (then it is killed and the test fails naming `what`).
pub fn collect_within(child: &mut Child, limit: Duration, what: &str) -> std::process::Output {
    fn drain(pipe: Option<impl Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
        std::thread::spawn(move || {
            let mut out = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut out);
            }
            out
        })
    }
    let (stdout, stderr) = (drain(child.stdout.take()), drain(child.stderr.take()));
    let Some(status) = wait_within(child, limit) else {
        kill_and_reap(child);
        panic!(
            "{what} was still running after {} s; killed it",
            limit.as_secs()
        );
    };
    std::process::Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An HTTP response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// `name=value` of a Set-Cookie header, if set.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.all("set-cookie")
            .into_iter()
            .find(|c| c.starts_with(&format!("{name}=")))
            .and_then(|c| c.split(';').next())
            .map(str::to_owned)
    }
}

/// Sends one request on a fresh connection and reads the whole response.
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).ok();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).expect("send");
    s.write_all(body).expect("send body");
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    parse_response(&raw)
}

/// Parses a raw HTTP/1.1 response.
pub fn parse_response(raw: &[u8]) -> Response {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a full response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(p) = rest.windows(2).position(|w| w == b"\r\n") {
            let size =
                usize::from_str_radix(String::from_utf8_lossy(&rest[..p]).trim(), 16).unwrap_or(0);
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[p + 2..p + 2 + size]);
            rest = &rest[p + 2 + size + 2..];
        }
        body = out;
    }
    Response {
        status,
        headers,
        body,
    }
}
