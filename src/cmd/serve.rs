//! `rollcall serve`: set up what is missing, then run the service until
//! SIGINT or SIGTERM, finishing the check-ins already in flight.

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use rand_core::RngCore;
use rollcall::app::{App, RateLimiter, Settings};
use rollcall::http::auth_tools::{digest, random_token, SETUP_KEY};
use rollcall::http::client_ip::TrustedProxies;
use rollcall::http::{router, Config, Inner};
use rollcall::keystore::Keystore;
use rollcall::metrics::Metrics;
use rollcall::presence::PresenceKey;
use rollcall::store::Store;
use rollcall::trust::code::CodeDocument;
use rollcall::writer::{Logs, Writer};
use time::OffsetDateTime;
use tracing_subscriber::EnvFilter;

use crate::cli::ServeArgs;

/// Addresses of this machine on local networks (for phones to reach).
fn lan_addresses() -> Vec<IpAddr> {
    let mut out = Vec::new();
    // SAFETY: getifaddrs fills a linked list we walk read-only and free once.
    unsafe {
        let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
        if libc::getifaddrs(&mut head) != 0 {
            return out;
        }
        let mut p = head;
        while !p.is_null() {
            let a = (*p).ifa_addr;
            if !a.is_null() && i32::from((*a).sa_family) == libc::AF_INET {
                let sin = &*(a as *const libc::sockaddr_in);
                let ip = std::net::Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
                if !ip.is_loopback() && !ip.is_link_local() {
                    out.push(IpAddr::V4(ip));
                }
            }
            p = (*p).ifa_next;
        }
        libc::freeifaddrs(head);
    }
    out
}

/// Loads or makes the self-signed certificate kept in the data directory.
fn self_signed(data: &Path, names: Vec<String>) -> Result<(Vec<u8>, Vec<u8>)> {
    let dir = data.join("tls");
    let (cert, key) = (dir.join("self-signed.pem"), dir.join("self-signed-key.pem"));
    if cert.exists() && key.exists() {
        return Ok((std::fs::read(&cert)?, std::fs::read(&key)?));
    }
    std::fs::create_dir_all(&dir)?;
    let made =
        rcgen::generate_simple_self_signed(names).context("cannot generate a certificate")?;
    let (c, k) = (made.cert.pem(), made.key_pair.serialize_pem());
    std::fs::write(&cert, &c)?;
    {
        use std::io::Write;
        #[cfg(unix)]
        use std::os::unix::fs::OpenOptionsExt;
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create(true).truncate(true);
        #[cfg(unix)]
        o.mode(0o600);
        o.open(&key)?.write_all(k.as_bytes())?;
    }
    Ok((c.into_bytes(), k.into_bytes()))
}

/// SIGINT and SIGTERM, listened for from the first instruction of `serve`.
///
/// `run` blocks both signals before anything else happens (threads started
/// later inherit the mask), so a signal sent at any moment of start-up stays
/// pending instead of being delivered to a handler nobody listens on yet.
/// [`StopSignals::listen`] subscribes to both and only then unblocks them on
/// the thread that runs `serve`: the pending signal, if any, arrives now and
/// is seen. Without this, a signal arriving between tokio installing its
/// handler and subscribing to it was lost, and the server kept running.
struct StopSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
fn stop_signal_set() -> libc::sigset_t {
    // SAFETY: sigemptyset and sigaddset only write the set we own.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        set
    }
}

/// Holds SIGINT and SIGTERM pending on this thread and those it starts.
#[cfg(unix)]
fn block_stop_signals() {
    let set = stop_signal_set();
    // SAFETY: changes this thread's signal mask only.
    unsafe {
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

#[cfg(not(unix))]
fn block_stop_signals() {}

impl StopSignals {
    /// Subscribes to SIGINT and SIGTERM, then lets them through on this
    /// thread. Must run inside the runtime, on the thread that blocked them.
    fn listen() -> Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let interrupt = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
            let terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
            let set = stop_signal_set();
            // SAFETY: changes this thread's signal mask only.
            unsafe {
                libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
            }
            Ok(Self {
                interrupt,
                terminate,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// Resolves at the first SIGINT or SIGTERM (sent at any time since
    /// [`StopSignals::listen`], or held pending before it).
    async fn received(mut self) {
        #[cfg(unix)]
        tokio::select! { _ = self.interrupt.recv() => {}, _ = self.terminate.recv() => {} }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down: finishing check-ins in flight");
    }
}

pub fn run(args: ServeArgs) -> Result<ExitCode> {
    // Before any thread exists, so that every thread inherits the mask.
    block_stop_signals();
    let filter = EnvFilter::try_from_env("ROLLCALL_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    if args.log_json {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?
        .block_on(serve(args))
}

async fn serve(args: ServeArgs) -> Result<ExitCode> {
    // First, before anything is bound, created or printed.
    let stop = StopSignals::listen()?;
    // Options are checked before anything is created on disk.
    let trusted_proxies =
        TrustedProxies::parse(&args.trusted_proxies).map_err(anyhow::Error::msg)?;
    let chosen_url = args
        .public_url
        .as_deref()
        .map(check_public_url)
        .transpose()?;
    let concern_contact = match args.concern_url.as_deref() {
        None => None,
        Some(v) => rollcall::fields::concern_contact("concern_url", "--concern-url", v)
            .map_err(|e| anyhow::anyhow!("{}", e.message))?,
    };
    let notice = args
        .privacy_notice
        .as_deref()
        .map(|p| {
            std::fs::read_to_string(p).with_context(|| {
                format!(
                    "cannot read the privacy notice {} (--privacy-notice): give a Markdown file",
                    p.display()
                )
            })
        })
        .transpose()?;
    let now = OffsetDateTime::now_utc();
    std::fs::create_dir_all(&args.data.dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            args.data.dir.display()
        )
    })?;
    let db = args.data.database();
    let store = Store::connect(&db)
        .await
        .with_context(|| format!("cannot open the database {db}"))?;

    let keystore = Keystore::new(&args.keys.dir);
    let (signer, created) = keystore.load_or_init(now)?;
    if created {
        eprintln!(
            "Created a signing key in {} (keep it secret, back it up).",
            args.keys.dir.display()
        );
    }
    let keyring = keystore.keyring()?.keys;
    let signer = Arc::new(signer);

    // Instances sharing a database share this secret: the first to start
    // stores it, the others read it.
    let presence_secret = match store.setting("presence_secret").await? {
        Some(s) if s.len() == 32 => s,
        _ => {
            let mut s = vec![0u8; 32];
            rand_core::OsRng.fill_bytes(&mut s);
            store.first_setting("presence_secret", &s).await?
        }
    };
    let secret: [u8; 32] = presence_secret.as_slice().try_into().map_err(|_| {
        anyhow::anyhow!("the stored presence secret is not 32 bytes: the database was altered by hand; restore it from a backup")
    })?;
    store.put_code(&CodeDocument::iso(), now).await?;

    let tls = args.tls_cert.is_some() || args.self_signed;
    let scheme = if tls { "https" } else { "http" };
    let lan = lan_addresses();
    let listener = std::net::TcpListener::bind(args.addr).with_context(|| {
        format!(
            "cannot listen on {} (is another server using the port? choose one with --addr)",
            args.addr
        )
    })?;
    listener.set_nonblocking(true)?;
    let bound = listener.local_addr()?;
    let port = bound.port();
    let host_for = |ip: &IpAddr| {
        if port == 443 && tls || port == 80 && !tls {
            ip.to_string()
        } else {
            format!("{ip}:{port}")
        }
    };
    let public_url = match chosen_url {
        Some(u) => u,
        None if !bound.ip().is_unspecified() => format!("{scheme}://{}", host_for(&bound.ip())),
        None => match lan.first() {
            Some(ip) => format!("{scheme}://{}", host_for(ip)),
            None => format!("{scheme}://{}", host_for(&IpAddr::from([127, 0, 0, 1]))),
        },
    };

    let metrics = Arc::new(Metrics::default());
    let logs = Logs::default();
    let receipts = rollcall::receipt_id::ReceiptIds::from_presence_secret(&secret);
    let (writer, writer_task) = Writer::start(
        store.clone(),
        signer.clone(),
        logs.clone(),
        metrics.clone(),
        receipts.clone(),
        Duration::from_secs(args.checkpoint_every.max(1)),
    )
    .await?;

    let state = Arc::new(Inner {
        app: App {
            store: store.clone(),
            writer,
            logs,
            signer: signer.clone(),
            keyring,
            presence: PresenceKey::new(secret),
            settings: Settings {
                public_url: public_url.clone(),
                presence_grace: time::Duration::seconds(i64::from(args.presence_grace)),
                retain_personal_data: args.retain_personal_data,
                concern_contact,
            },
            metrics,
            check_in_limit: RateLimiter::new(args.checkin_rate, args.checkin_rate.max(1)),
            meetings: Default::default(),
            remote_counts: Default::default(),
            receipts,
            fonts: Arc::new(rollcall::export::fonts::FontLibrary::new(
                args.fonts.as_deref(),
                true,
            )),
        },
        config: Config {
            https: tls || public_url.starts_with("https://"),
            trusted_proxies,
            privacy: rollcall::http::privacy::Privacy {
                controller: args.privacy_controller.clone(),
                contact: args.privacy_contact.clone(),
                notice,
            },
        },
        login_limit: RateLimiter::new(args.login_rate, args.login_rate.max(1)),
    });
    // Personal data that came due while the server was stopped are erased
    // before it serves, then the job runs every hour.
    run_retention(&store, args.retain_personal_data).await;
    tokio::spawn(retention_job(store.clone(), args.retain_personal_data));
    tokio::spawn(wal_checkpoints(store.clone()));
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();

    // TLS is set up before anything is printed, so a bad certificate stops
    // the start with a clear message.
    let mut fingerprint = None;
    let tls_config = if !tls {
        None
    } else if let (Some(c), Some(k)) = (&args.tls_cert, &args.tls_key) {
        Some(
            axum_server::tls_rustls::RustlsConfig::from_pem_file(c, k)
                .await
                .with_context(|| {
                    format!(
                        "cannot load the TLS certificate {} and key {}",
                        c.display(),
                        k.display()
                    )
                })?,
        )
    } else {
        let mut names = vec!["localhost".to_owned()];
        names.extend(lan.iter().map(IpAddr::to_string));
        let (c, k) = self_signed(&args.data.dir, names)?;
        use sha2::Digest;
        fingerprint = rustls_pemfile_der(&c)
            .map(|der| rollcall::trust::encoding::hex(&sha2::Sha256::digest(der)));
        Some(
            axum_server::tls_rustls::RustlsConfig::from_pem(c, k)
                .await
                .context("cannot use the self-signed certificate")?,
        )
    };

    println!("rollcall is running on {bound}.");
    println!("  phones and browsers: {public_url}");
    if args.public_url.is_none() {
        for ip in lan.iter().skip(1) {
            println!("  also reachable at:   {scheme}://{}", host_for(ip));
        }
    }
    println!("  auditors pin key:    {}", signer.public());
    if let Some(f) = &fingerprint {
        println!("  certificate SHA-256: {f} (self-signed; phones will ask to trust it)");
    }
    if !tls && public_url.starts_with("https://") {
        if state.config.trusted_proxies.is_empty() {
            println!("  behind a proxy:      every client counts as the proxy for rate limits;");
            println!(
                "                       name it with --trusted-proxy ADDRESS to count each client"
            );
        } else {
            println!(
                "  behind a proxy:      client addresses read from X-Forwarded-For set by {}",
                args.trusted_proxies.join(", ")
            );
        }
    }
    if store.user_count().await? == 0 {
        // Only a hash is stored, so each start makes a new link until one is used.
        let token = random_token();
        store.set_setting(SETUP_KEY, &digest(&token)).await?;
        println!("  first-run setup:     {public_url}/setup?token={token}");
        println!("                       (creates the first secretary account; or run `rollcall user add EMAIL`)");
    } else {
        println!("  secretaries:         {public_url}/console");
    }
    tracing::info!(addr = %bound, %public_url, tls, "listening");

    if let Some(config) = tls_config {
        let handle = axum_server::Handle::new();
        let h = handle.clone();
        tokio::spawn(async move {
            stop.received().await;
            h.graceful_shutdown(Some(Duration::from_secs(30)));
        });
        axum_server::from_tcp_rustls(listener, config)
            .handle(handle)
            .serve(app)
            .await
            .context("the server failed")?;
    } else {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        axum::serve(listener, app)
            .with_graceful_shutdown(stop.received())
            .await
            .context("the server failed")?;
    }
    // Every request is done: let the writer finish what is queued.
    drop(state);
    let _ = tokio::task::spawn_blocking(move || writer_task.join()).await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// How often the retention job looks for personal data due for erasure.
const RETENTION_EVERY: Duration = Duration::from_secs(3600);

/// Erases the personal data of meetings past their retention; logs how
/// many (never what).
async fn run_retention(store: &Store, default_days: u32) {
    match rollcall::personal::retention(store, default_days, OffsetDateTime::now_utc()).await {
        Ok(done) => {
            for (meeting, erased) in done {
                tracing::info!(%meeting, check_ins = erased.check_ins.len(), fields = erased.count(), "retention: personal data erased");
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "retention: erasure failed; it is tried again within the hour")
        }
    }
}

/// Copies SQLite's write-ahead log into the database file every second,
/// beside the log writer rather than inside its commits.
async fn wal_checkpoints(store: Store) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(1));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(e) = store.checkpoint_wal().await {
            tracing::warn!(error = %e, "could not copy the write-ahead log into the database file; tried again in a second");
        }
    }
}

async fn retention_job(store: Store, default_days: u32) {
    let mut every = tokio::time::interval(RETENTION_EVERY);
    every.tick().await;
    loop {
        every.tick().await;
        run_retention(&store, default_days).await;
    }
}

/// The DER bytes of the first certificate in a PEM text.
fn rustls_pemfile_der(pem: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine;
    let text = std::str::from_utf8(pem).ok()?;
    let body: String = text
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN CERTIFICATE"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    base64::engine::general_purpose::STANDARD.decode(body).ok()
}

/// The `--public-url` as links are built from it: an absolute http(s) URL
/// without a trailing slash, query or fragment.
fn check_public_url(url: &str) -> Result<String> {
    let trimmed = url.trim().trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"));
    let host = rest.map(|r| r.split('/').next().unwrap_or_default());
    match host {
        Some(h) if !h.is_empty() && !trimmed.contains(['?', '#', ' ']) => Ok(trimmed.to_owned()),
        _ => bail!(
            "--public-url {url:?} is not a web address attendees can open; give the full base URL \
             with its scheme, such as https://rollcall.example.org or http://192.168.1.20:8080"
        ),
    }
}
