//! Command-line interface definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// rollcall: signed attendance lists with the Code of Conduct attached.
#[derive(Debug, Parser)]
#[command(name = "rollcall", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the check-in service.
    Serve(ServeArgs),
    /// Manage secretary accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens for automation.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Export a meeting's signed list (bundle), attendance CSV, or printable list (HTML or PDF) from the server's data.
    Export(ExportArgs),
    /// Load Code of Conduct documents (the ISO Code is built in).
    #[command(subcommand)]
    Code(CodeCommand),
    /// Copy the database to a new file, consistently, even while the server runs.
    ///
    /// The copy holds every meeting, check-in, checkpoint, account and token
    /// hash as committed when the backup started, and is checked after it is
    /// written. It does not hold the signing key: back up the keys
    /// directory separately, and keep it secret.
    ///
    /// To restore: stop the server, put the copy in place as
    /// DATA/rollcall.db (removing rollcall.db-wal and rollcall.db-shm), and
    /// start it with the same keys directory. A restore takes every open
    /// meeting's log back to the moment of the backup: check-ins
    /// acknowledged after it are gone, and a checkpoint published after it
    /// is not consistent with the restored log.
    Backup(BackupArgs),
    /// Copy a whole installation into a new, empty database: an SQLite data
    /// directory into PostgreSQL, when an organisation outgrows the
    /// embedded default.
    ///
    /// Meetings, logs, checkpoints, erasure records, accounts, API tokens,
    /// Code documents and settings are copied in one transaction (sessions
    /// are not: secretaries sign in again). The copy is then proved: every
    /// meeting's signed list exported from both databases must be
    /// byte-identical. Stop the server first, so that nothing is recorded
    /// after the copy; then start it with --database TARGET and the same
    /// keys directory.
    CopyData(CopyDataArgs),
    /// Erase an attendee's personal data from a meeting: the values (and
    /// their salts) are deleted from the database, the signed log stays, so
    /// every list exported afterwards still verifies and shows the fields
    /// as erased. Each erasure is recorded (who, when, which check-in,
    /// which fields; never the values).
    Erase(EraseArgs),
    /// Create, show or rotate the server's Ed25519 signing key.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Verify a signed attendance list (bundle) or an attendee's receipt, offline.
    ///
    /// Exit status: 0 valid, 1 invalid, 2 unreadable file or bad usage.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub struct KeysDir {
    /// Directory holding the signing key and the keyring.
    #[arg(
        long = "keys",
        env = "ROLLCALL_KEYS",
        default_value = "keys",
        value_name = "DIR"
    )]
    pub dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create the signing key (mode 0600) and print its public key.
    Init {
        #[command(flatten)]
        keys: KeysDir,
        /// Replace an existing signing key (its public key stays in the keyring).
        #[arg(long)]
        force: bool,
    },
    /// Print the public key auditors pin, and every retired key.
    Show {
        #[command(flatten)]
        keys: KeysDir,
        /// Also print the C2SP verifier key for this log origin
        /// (e.g. `example.org/rollcall/meetings/MEETING_ID`).
        #[arg(long, value_name = "ORIGIN")]
        origin: Option<String>,
    },
    /// Make a new signing key; old public keys are kept so old lists still verify.
    Rotate {
        #[command(flatten)]
        keys: KeysDir,
    },
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The bundle (.json), receipt (.json) or printed list (.pdf, with the bundle attached) to check.
    #[arg(value_name = "FILE", required_unless_present = "page")]
    pub file: Option<PathBuf>,
    /// Instead of verifying, write the verify page to PAGE: one HTML file
    /// that checks lists and receipts in a browser, offline (open it from
    /// disk; nothing is uploaded).
    #[arg(long, value_name = "PAGE", conflicts_with_all = ["file", "keys", "json"])]
    pub page: Option<PathBuf>,
    /// The language the page opens in (its reader can switch).
    #[arg(long, value_name = "TAG", default_value = "en", requires = "page")]
    pub language: String,
    /// A trusted public key (base64, as `rollcall keys show` prints it) or a
    /// file holding keys: one per line, or the server's published
    /// rollcall-keys.json (every key it has signed with). Repeat for several keys.
    #[arg(long = "key", value_name = "KEY")]
    pub keys: Vec<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DataDir {
    /// Directory holding the database (created if missing), unless
    /// --database names another.
    #[arg(
        long = "data",
        id = "data_dir",
        env = "ROLLCALL_DATA",
        default_value = "data",
        value_name = "DIR"
    )]
    pub dir: PathBuf,
    /// The database: postgres://USER@HOST/DATABASE for PostgreSQL (several
    /// instances may share it), or sqlite://PATH. Default: the SQLite file
    /// rollcall.db in the data directory.
    #[arg(long = "database", env = "ROLLCALL_DATABASE_URL", value_name = "URL")]
    pub database: Option<rollcall::store::Database>,
}

impl DataDir {
    /// The database these options name.
    pub fn database(&self) -> rollcall::store::Database {
        self.database
            .clone()
            .unwrap_or_else(|| rollcall::store::Database::Sqlite(self.dir.join("rollcall.db")))
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "ROLLCALL_ADDR", default_value = "0.0.0.0:8080")]
    pub addr: std::net::SocketAddr,
    #[command(flatten)]
    pub data: DataDir,
    #[command(flatten)]
    pub keys: KeysDir,
    /// A directory of extra fonts for the PDF list, tried before the
    /// built-in and system fonts (for scripts the system lacks).
    #[arg(long, value_name = "DIR", env = "ROLLCALL_FONTS")]
    pub fonts: Option<PathBuf>,
    /// Base URL printed in QR codes and links, e.g. https://rollcall.example.org
    /// behind a reverse proxy. Default: this machine's address on the local network.
    #[arg(long, env = "ROLLCALL_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// TLS certificate chain (PEM). Needs --tls-key.
    #[arg(
        long,
        env = "ROLLCALL_TLS_CERT",
        requires = "tls_key",
        value_name = "FILE"
    )]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM). Needs --tls-cert.
    #[arg(
        long,
        env = "ROLLCALL_TLS_KEY",
        requires = "tls_cert",
        value_name = "FILE"
    )]
    pub tls_key: Option<PathBuf>,
    /// Serve HTTPS with a generated self-signed certificate (kept in the data directory).
    #[arg(long, env = "ROLLCALL_SELF_SIGNED", conflicts_with = "tls_cert")]
    pub self_signed: bool,
    /// A reverse proxy (address, or range in CIDR form) whose X-Forwarded-For
    /// header names the client, for per-client rate limits. Repeat it for
    /// several; ROLLCALL_TRUSTED_PROXIES takes a comma-separated list.
    /// Without it the header is ignored, as anyone can send it.
    #[arg(
        long = "trusted-proxy",
        env = "ROLLCALL_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_name = "ADDRESS"
    )]
    pub trusted_proxies: Vec<String>,
    /// Seconds a rotating QR code stays valid after it is replaced (time to read the Code).
    #[arg(
        long,
        env = "ROLLCALL_PRESENCE_GRACE",
        default_value_t = 600,
        value_name = "SECONDS"
    )]
    pub presence_grace: u32,
    /// Days after a meeting closes that its attendees' personal data (names,
    /// organisations, countries, emails) are kept; then they are erased, and
    /// the signed list keeps verifying. A meeting can set its own in the
    /// console. 0 erases them at the first run of the job after closing.
    #[arg(
        long,
        env = "ROLLCALL_RETAIN_PERSONAL_DATA",
        default_value_t = rollcall::personal::DEFAULT_RETENTION_DAYS,
        value_parser = clap::value_parser!(u32).range(0..=36500),
        value_name = "DAYS"
    )]
    pub retain_personal_data: u32,
    /// Who is responsible for the personal data collected (the controller),
    /// named in the privacy notice linked from the check-in form.
    #[arg(long, env = "ROLLCALL_PRIVACY_CONTROLLER", value_name = "NAME")]
    pub privacy_controller: Option<String>,
    /// Where attendees exercise their rights (an email or a web address),
    /// named in the privacy notice.
    #[arg(long, env = "ROLLCALL_PRIVACY_CONTACT", value_name = "EMAIL_OR_URL")]
    pub privacy_contact: Option<String>,
    /// Where attendees raise a concern about conduct, for meetings that name
    /// no contact of their own: an https:// address (for example the
    /// organisation's procedure for addressing misconduct) or an email
    /// address. Attendee pages link to it as "Raise a concern".
    #[arg(long, env = "ROLLCALL_CONCERN_URL", value_name = "URL")]
    pub concern_url: Option<String>,
    /// A Markdown file replacing the built-in privacy notice entirely.
    #[arg(long, env = "ROLLCALL_PRIVACY_NOTICE", value_name = "FILE")]
    pub privacy_notice: Option<PathBuf>,
    /// Check-ins accepted per minute from one client address (a room behind one NAT
    /// shares an address; raise it for load tests from one machine; 0 means no limit).
    #[arg(
        long,
        env = "ROLLCALL_CHECKIN_RATE",
        default_value_t = 600,
        value_name = "PER_MINUTE"
    )]
    pub checkin_rate: u32,
    /// Sign-in attempts accepted per minute from one client address.
    #[arg(
        long,
        env = "ROLLCALL_LOGIN_RATE",
        default_value_t = 10,
        value_name = "PER_MINUTE"
    )]
    pub login_rate: u32,
    /// Seconds between checkpoints while a meeting's log grows.
    #[arg(
        long,
        env = "ROLLCALL_CHECKPOINT_EVERY",
        default_value_t = 3,
        value_name = "SECONDS"
    )]
    pub checkpoint_every: u64,
    /// Log as JSON lines instead of text.
    #[arg(long, env = "ROLLCALL_LOG_JSON")]
    pub log_json: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a secretary account (asks for the password, or reads it from stdin).
    Add {
        /// The secretary's email, used to sign in.
        email: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        data: DataDir,
    },
    /// List the secretary accounts: created, disabled or not, active sessions.
    List {
        #[command(flatten)]
        data: DataDir,
    },
    /// Stop an account from signing in and end its sessions at once (the
    /// account is kept: meetings and signed entries name it).
    Disable {
        /// The secretary's email, as `rollcall user list` shows it.
        email: String,
        #[command(flatten)]
        data: DataDir,
    },
    /// Let a disabled account sign in again.
    Enable {
        /// The secretary's email, as `rollcall user list` shows it.
        email: String,
        #[command(flatten)]
        data: DataDir,
    },
    /// Set a new password (asks for it, or reads it from stdin) and end the
    /// account's sessions.
    Password {
        /// The secretary's email, as `rollcall user list` shows it.
        email: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        data: DataDir,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token and print it once (only its hash is stored).
    Create {
        /// A name saying what the token is for.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        data: DataDir,
    },
    /// List the API tokens: name, when created, when last used (never the tokens).
    List {
        #[command(flatten)]
        data: DataDir,
    },
    /// Delete an API token; the running server refuses it from the next request.
    Revoke {
        /// The token's name, as `rollcall token list` shows it.
        name: String,
        #[command(flatten)]
        data: DataDir,
    },
}

#[derive(Debug, Subcommand)]
pub enum CodeCommand {
    /// Load a Code document (Markdown, UTF-8) so meetings can present it.
    /// It is normalised (NFC, LF line endings, one final newline) and
    /// identified by the SHA-256 printed.
    Add {
        /// The Markdown file.
        file: PathBuf,
        /// The name it is attested under, e.g. `wg-code-of-conduct.md` (default: the file name).
        #[arg(long)]
        name: Option<String>,
        /// Its language, a BCP 47 tag such as `en` or `fr`.
        #[arg(long, default_value = "en")]
        language: String,
        /// Load it as a translation of the Code with this SHA-256 (as
        /// `rollcall code list` shows it): meetings created with that Code
        /// from now on also offer this version, to attendees who read this
        /// language.
        #[arg(long, value_name = "SHA256")]
        translation_of: Option<String>,
        /// The Code's training programme (an https:// address), linked from
        /// the agenda snippets and the meeting's public page. Not part of
        /// the Code: its SHA-256 does not change. Given for a Code already
        /// loaded, it sets or replaces the link.
        #[arg(long, value_name = "URL")]
        training_url: Option<String>,
        #[command(flatten)]
        data: DataDir,
    },
    /// List the loaded Code documents and their translations.
    List {
        #[command(flatten)]
        data: DataDir,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExportFormat {
    /// The signed attendance list that `rollcall verify` checks.
    Bundle,
    /// The attendance list as CSV.
    Csv,
    /// The printable list (HTML page) with the Code attached.
    Html,
    /// The printable list as PDF, with the Code and the signed bundle attached.
    Pdf,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The meeting id.
    pub meeting: String,
    /// What to export.
    #[arg(long, value_enum, default_value = "bundle")]
    pub format: ExportFormat,
    /// Write to this file instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// A directory of extra fonts for the PDF, tried before the system's.
    #[arg(long, value_name = "DIR", env = "ROLLCALL_FONTS")]
    pub fonts: Option<PathBuf>,
    /// Language of the printed list (html, pdf): a tag of the interface's
    /// translation files, such as en or fr.
    #[arg(long, value_name = "TAG", default_value = "en")]
    pub language: String,
    /// What the copy discloses of each attendee: `circulated` (name,
    /// organisation, country or national body, role; the email only of
    /// those who agreed), `full` (every field: the secretary's archive,
    /// labelled as containing personal data), or fields separated by
    /// commas from name, organization, country, email.
    #[arg(long, value_name = "PROFILE", default_value = "circulated")]
    pub disclose: rollcall::personal::Disclose,
    #[command(flatten)]
    pub data: DataDir,
    #[command(flatten)]
    pub keys: KeysDir,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("whose").required(true).args(["receipt", "email"])))]
pub struct EraseArgs {
    /// The meeting id.
    pub meeting: String,
    /// The check-in to erase, by its receipt id (the end of the attendee's
    /// receipt link, `/r/RECEIPT_ID`).
    #[arg(long, value_name = "RECEIPT_ID")]
    pub receipt: Option<String>,
    /// Every check-in of the meeting that gave this email.
    #[arg(long, value_name = "EMAIL")]
    pub email: Option<String>,
    /// What to erase: `email` (the optional email) or `all` (name,
    /// organisation, country and email).
    #[arg(long, value_name = "email|all", default_value = "email")]
    pub fields: rollcall::personal::Erase,
    #[command(flatten)]
    pub data: DataDir,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The new file to write (an existing file is never overwritten).
    pub output: PathBuf,
    #[command(flatten)]
    pub data: DataDir,
}

#[derive(Debug, Args)]
pub struct CopyDataArgs {
    /// Where the data are now: a data directory (its rollcall.db), or a
    /// database URL (sqlite://PATH, postgres://…).
    #[arg(long, value_name = "DATA_DIR|URL")]
    pub from: String,
    /// The new, empty database: postgres://USER@HOST/DATABASE (or
    /// sqlite://PATH). A database that holds anything is refused.
    #[arg(long, value_name = "URL")]
    pub to: rollcall::store::Database,
    #[command(flatten)]
    pub keys: KeysDir,
}

#[cfg(test)]
mod tests {
    #[test]
    fn command_line_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
