//! `rollcall user`, `rollcall token`, `rollcall export`, `rollcall code`:
//! the operator's tools on the server machine, working on its database.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context, Result};
use rollcall::app::export;
use rollcall::http::auth_tools::{
    check_new_password, digest, hash_password, random_token, ABSOLUTE_SECONDS, IDLE_SECONDS,
};
use rollcall::keystore::Keystore;
use rollcall::meeting::MeetingState;
use rollcall::store::Store;
use rollcall::writer::Logs;
use time::OffsetDateTime;

use crate::cli::{
    BackupArgs, CodeCommand, DataDir, EraseArgs, ExportArgs, ExportFormat, TokenCommand,
    UserCommand,
};

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

async fn open(data: &DataDir) -> Result<Store> {
    let db = data.database();
    if let rollcall::store::Database::Sqlite(path) = &db {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
    }
    Store::connect(&db)
        .await
        .with_context(|| format!("cannot open the database {db}"))
}

/// The database of an existing data directory: commands that read or
/// change what a server recorded do not create an empty one by mistake.
async fn open_existing(data: &DataDir) -> Result<Store> {
    if let rollcall::store::Database::Sqlite(path) = data.database() {
        if !path.is_file() {
            if data.database.is_some() {
                bail!(
                    "there is no rollcall database at {}; give the server's --database URL (or ROLLCALL_DATABASE_URL)",
                    path.display()
                );
            }
            bail!(
                "there is no rollcall database in {}; pass the server's data directory with --data DIR (or ROLLCALL_DATA), or its --database URL",
                data.dir.display()
            );
        }
    }
    open(data).await
}

fn read_password(from_stdin: bool) -> Result<String> {
    if from_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    let first = rpassword::prompt_password("Password: ")?;
    let again = rpassword::prompt_password("Password again: ")?;
    check_new_password(&first, &again).map_err(anyhow::Error::msg)?;
    Ok(first)
}

/// A time as `YYYY-MM-DD HH:MM UTC`.
fn when(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.format(time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute] UTC"
    ))
    .unwrap_or_else(|_| rollcall::store::ts(t))
}

/// Prints `rows` under `header` in columns two spaces apart.
fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut out = String::new();
        for (cell, w) in cells.zip(&widths) {
            out.push_str(cell);
            out.extend(std::iter::repeat_n(' ', w - cell.chars().count() + 2));
        }
        println!("{}", out.trim_end());
    };
    line(&mut header.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
}

fn sessions(n: u64) -> String {
    if n == 1 {
        "1 session".to_owned()
    } else {
        format!("{n} sessions")
    }
}

/// The email as accounts store it.
fn account_email(email: &str) -> Result<String> {
    match rollcall::fields::email(email) {
        Ok(Some(e)) => Ok(e),
        _ => bail!("{email:?} is not an email address such as secretary@example.org"),
    }
}

fn unknown_account(email: &str) -> anyhow::Error {
    anyhow!("no secretary account has the email {email}; `rollcall user list` shows the accounts")
}

pub fn user(command: UserCommand) -> Result<ExitCode> {
    match command {
        UserCommand::Add {
            email,
            password_stdin,
            data,
        } => {
            let email = account_email(&email)?;
            let password = read_password(password_stdin)?;
            check_new_password(&password, &password).map_err(anyhow::Error::msg)?;
            let hash = hash_password(&password).map_err(anyhow::Error::msg)?;
            runtime()?.block_on(async {
                let store = open(&data).await?;
                if !store
                    .create_user(&email, &hash, OffsetDateTime::now_utc())
                    .await?
                {
                    bail!("a secretary with email {email} already exists");
                }
                let _ = store
                    .delete_setting(rollcall::http::auth_tools::SETUP_KEY)
                    .await;
                eprintln!("Created secretary {email}. Sign in at /login.");
                Ok(ExitCode::SUCCESS)
            })
        }
        UserCommand::List { data } => runtime()?.block_on(async {
            let store = open_existing(&data).await?;
            let now = OffsetDateTime::now_utc().unix_timestamp();
            let users = store
                .users(now - IDLE_SECONDS, now - ABSOLUTE_SECONDS)
                .await?;
            if users.is_empty() {
                eprintln!(
                    "There are no secretary accounts yet. Create one with \
                     `rollcall user add EMAIL`, or with the first-run setup link \
                     that `rollcall serve` prints."
                );
                return Ok(ExitCode::SUCCESS);
            }
            let rows: Vec<Vec<String>> = users
                .into_iter()
                .map(|u| {
                    vec![
                        u.email,
                        when(u.created_at),
                        u.disabled_at.map_or_else(|| "no".to_owned(), when),
                        u.active_sessions.to_string(),
                    ]
                })
                .collect();
            print_table(&["EMAIL", "CREATED", "DISABLED", "ACTIVE SESSIONS"], &rows);
            Ok(ExitCode::SUCCESS)
        }),
        UserCommand::Disable { email, data } => {
            let email = account_email(&email)?;
            runtime()?.block_on(async {
                let store = open_existing(&data).await?;
                let before = store
                    .user_disabled_at(&email)
                    .await?
                    .ok_or_else(|| unknown_account(&email))?;
                let ended = store
                    .disable_user(&email, OffsetDateTime::now_utc())
                    .await?
                    .ok_or_else(|| unknown_account(&email))?;
                match before {
                    Some(since) => eprintln!(
                        "Secretary {email} was already disabled (since {}); {} ended.",
                        when(since),
                        sessions(ended)
                    ),
                    None => eprintln!(
                        "Disabled secretary {email}: they can no longer sign in, and {} ended. \
                         `rollcall user enable {email}` lets them sign in again.",
                        sessions(ended)
                    ),
                }
                Ok(ExitCode::SUCCESS)
            })
        }
        UserCommand::Enable { email, data } => {
            let email = account_email(&email)?;
            runtime()?.block_on(async {
                let store = open_existing(&data).await?;
                let before = store
                    .user_disabled_at(&email)
                    .await?
                    .ok_or_else(|| unknown_account(&email))?;
                if before.is_none() {
                    eprintln!("Secretary {email} is already enabled; nothing to do.");
                    return Ok(ExitCode::SUCCESS);
                }
                if !store.enable_user(&email).await? {
                    return Err(unknown_account(&email));
                }
                eprintln!("Enabled secretary {email}: they can sign in again.");
                Ok(ExitCode::SUCCESS)
            })
        }
        UserCommand::Password {
            email,
            password_stdin,
            data,
        } => {
            let email = account_email(&email)?;
            let runtime = runtime()?;
            let store = runtime.block_on(open_existing(&data))?;
            // Check the account before asking for a password.
            let disabled = runtime
                .block_on(store.user_disabled_at(&email))?
                .ok_or_else(|| unknown_account(&email))?
                .is_some();
            let password = read_password(password_stdin)?;
            check_new_password(&password, &password).map_err(anyhow::Error::msg)?;
            let hash = hash_password(&password).map_err(anyhow::Error::msg)?;
            let ended = runtime
                .block_on(store.set_password(&email, &hash))?
                .ok_or_else(|| unknown_account(&email))?;
            eprintln!(
                "Set a new password for secretary {email}; {} ended.",
                sessions(ended)
            );
            if disabled {
                eprintln!(
                    "The account is still disabled; `rollcall user enable {email}` lets it sign in."
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn token(command: TokenCommand) -> Result<ExitCode> {
    match command {
        TokenCommand::Create { name, data } => {
            let name = rollcall::fields::text("name", "Token name", &name, 100, true)
                .map_err(|e| anyhow!(e.message))?;
            let token = format!("rc_{}", random_token());
            runtime()?.block_on(async {
                let store = open(&data).await?;
                if !store
                    .create_token(&name, &digest(&token), OffsetDateTime::now_utc())
                    .await?
                {
                    bail!("a token named {name:?} already exists; choose another name");
                }
                eprintln!("API token {name:?} created. It is shown only once; store it safely:");
                println!("{token}");
                Ok(ExitCode::SUCCESS)
            })
        }
        TokenCommand::List { data } => runtime()?.block_on(async {
            let store = open_existing(&data).await?;
            let tokens = store.tokens().await?;
            if tokens.is_empty() {
                eprintln!(
                    "There are no API tokens. Create one with `rollcall token create --name NAME`."
                );
                return Ok(ExitCode::SUCCESS);
            }
            let rows: Vec<Vec<String>> = tokens
                .into_iter()
                .map(|t| {
                    vec![
                        t.name,
                        when(t.created_at),
                        t.last_used.map_or_else(|| "never".to_owned(), when),
                    ]
                })
                .collect();
            print_table(&["NAME", "CREATED", "LAST USED"], &rows);
            Ok(ExitCode::SUCCESS)
        }),
        TokenCommand::Revoke { name, data } => {
            // The same normalisation as `token create`; a name it rejects
            // cannot exist, and is reported as unknown below.
            let name =
                rollcall::fields::text("name", "Token name", &name, 100, true).unwrap_or(name);
            runtime()?.block_on(async {
                let store = open_existing(&data).await?;
                if !store.revoke_token(&name).await? {
                    bail!(
                        "no API token is named {name:?}; `rollcall token list` shows the token names"
                    );
                }
                eprintln!(
                    "Revoked API token {name:?}: the server refuses it from the next request on."
                );
                Ok(ExitCode::SUCCESS)
            })
        }
    }
}

pub fn export(args: ExportArgs) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let store = open_existing(&args.data).await?;
        let ring = Keystore::new(&args.keys.dir).keyring()?;
        let keys = ring.public_keys();
        if keys.is_empty() {
            bail!(
                "no public keys in {}; pass the server's --keys directory",
                args.keys.dir.display()
            );
        }
        let logs = Logs::default();
        let bundle = export::disclosed_bundle(&store, &logs, &keys, &args.meeting, &args.disclose)
            .await
            .with_context(|| format!("cannot export meeting {}", args.meeting))?;
        let verified = || -> Result<_> {
            export::verified_report(&bundle, &keys).map_err(|u| {
                anyhow!(
                    "the stored log of {} does not verify: {:?}",
                    args.meeting,
                    u.report.failures.first()
                )
            })
        };
        let Some(lang) = rollcall::i18n::Lang::get(&args.language) else {
            let tags: Vec<&str> = rollcall::i18n::Lang::all().map(|l| l.tag()).collect();
            bail!(
                "no translation for the language {:?}; use one of {}",
                args.language,
                tags.join(", ")
            );
        };
        let mut text = rollcall::export::ListText::for_language(lang).disclosing(&args.disclose);
        // The roster's rows matched to no check-in: the secretary's record,
        // in the printed list (never an email).
        if let Some(absent) = rollcall::app::expected_absent(&store, &args.meeting).await? {
            text = text.with_expected_absent(absent);
        }
        let bytes = match args.format {
            ExportFormat::Bundle => serde_json::to_vec_pretty(&bundle)?,
            ExportFormat::Csv => rollcall::export::csv(&verified()?).into_bytes(),
            ExportFormat::Html => {
                rollcall::export::html::printable_list(&bundle, &verified()?, &text).into_bytes()
            }
            ExportFormat::Pdf => {
                let report = verified()?;
                let fonts = rollcall::export::fonts::FontLibrary::new(args.fonts.as_deref(), true);
                rollcall::export::list_pdf(
                    &bundle,
                    &report,
                    &serde_json::to_vec(&bundle)?,
                    &text,
                    &fonts,
                    time::OffsetDateTime::now_utc(),
                )?
            }
        };
        match &args.output {
            Some(path) => {
                std::fs::write(path, &bytes)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                if args.disclose.is_archive() {
                    eprintln!(
                        "Wrote {} (disclosing {}: it contains personal data; keep it in the archive, do not circulate it)",
                        path.display(),
                        args.disclose.label()
                    );
                } else {
                    eprintln!("Wrote {}", path.display());
                }
            }
            None if matches!(args.format, ExportFormat::Pdf)
                && std::io::IsTerminal::is_terminal(&std::io::stdout()) =>
            {
                bail!("a PDF is not for a terminal; write it to a file with -o list.pdf")
            }
            None => std::io::stdout().write_all(&bytes)?,
        }
        Ok(ExitCode::SUCCESS)
    })
}

pub fn code(command: CodeCommand) -> Result<ExitCode> {
    match command {
        CodeCommand::Add {
            file,
            name,
            language,
            translation_of,
            training_url,
            data,
        } => {
            let training_url = match training_url.as_deref() {
                None => None,
                Some(v) => rollcall::fields::https_url("training_url", "--training-url", v)
                    .map_err(|e| anyhow::anyhow!("{}", e.message))?,
            };
            let text = std::fs::read_to_string(&file).with_context(|| {
                format!("cannot read {} (it must be UTF-8 text)", file.display())
            })?;
            let name = name.unwrap_or_else(|| {
                file.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
            let code = rollcall::trust::code::CodeDocument::new(&name, &language, &text)
                .with_context(|| format!("{} cannot be used as a Code document", file.display()))?;
            runtime()?.block_on(async {
                let store = open(&data).await?;
                store
                    .put_code(
                        &rollcall::trust::code::CodeDocument::iso(),
                        OffsetDateTime::now_utc(),
                    )
                    .await?;
                let original = match &translation_of {
                    None => None,
                    Some(of) => {
                        let of = of.trim().trim_start_matches("sha256:").to_ascii_lowercase();
                        let Some(orig) = store.code(&of).await? else {
                            anyhow::bail!(
                                "no Code with SHA-256 {of} is loaded; `rollcall code list` shows the loaded Codes"
                            );
                        };
                        if store.translation_of(&of).await?.is_some() {
                            anyhow::bail!(
                                "{of} is itself a translation; give the SHA-256 of the original Code"
                            );
                        }
                        if orig.language == code.language {
                            anyhow::bail!(
                                "the original is already in {:?}; a translation must be in another language (--language)",
                                code.language
                            );
                        }
                        if store
                            .translations(&of)
                            .await?
                            .iter()
                            .any(|t| t.language == code.language && t.sha256 != code.digest().to_hex())
                        {
                            anyhow::bail!(
                                "a {:?} translation of this Code is already loaded; meetings offer one version per language",
                                code.language
                            );
                        }
                        Some(of)
                    }
                };
                let digest = store.put_code(&code, OffsetDateTime::now_utc()).await?;
                if let Some(of) = &original {
                    if digest == *of {
                        anyhow::bail!("the translation is the same text as the original");
                    }
                    store.set_translation_of(&digest, of).await?;
                    eprintln!("Loaded as the {:?} translation of {of}.", code.language);
                }
                if let Some(url) = &training_url {
                    store.set_training_url(&digest, Some(url)).await?;
                    eprintln!("Its training programme: {url}");
                }
                eprintln!(
                    "Loaded {:?} ({}, {}). Meetings present it with \"code_sha256\":",
                    code.title(),
                    code.name,
                    code.language
                );
                println!("{digest}");
                Ok(ExitCode::SUCCESS)
            })
        }
        CodeCommand::List { data } => runtime()?.block_on(async {
            let store = open_existing(&data).await?;
            store
                .put_code(
                    &rollcall::trust::code::CodeDocument::iso(),
                    OffsetDateTime::now_utc(),
                )
                .await?;
            for c in store.codes().await? {
                println!("{}  {}  {}  {}", c.sha256, c.language, c.name, c.title);
                if let Some(url) = &c.training_url {
                    println!("  training: {url}");
                }
                for t in store.translations(&c.sha256).await? {
                    println!("  {}  {}  (translation)", t.sha256, t.language);
                }
            }
            Ok(ExitCode::SUCCESS)
        }),
    }
}

pub fn backup(args: BackupArgs) -> Result<ExitCode> {
    let out = &args.output;
    if out.exists() {
        bail!(
            "{} already exists; a backup never overwrites a file: give a new file name",
            out.display()
        );
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    if !parent.is_dir() {
        bail!(
            "the directory {} does not exist; create it or write the backup elsewhere",
            parent.display()
        );
    }
    runtime()?.block_on(async {
        let store = open_existing(&args.data).await?;
        if let Err(e) = store.backup_to(out).await {
            // Nothing was there before: do not leave half a copy behind.
            let _ = std::fs::remove_file(out);
            return Err(anyhow::Error::new(e)
                .context(format!("cannot write the backup {}", out.display())));
        }
        let copy = Store::open_read_only(out)
            .await
            .with_context(|| format!("cannot read back the backup {}", out.display()))?;
        if let Some(problems) = copy.integrity_problems().await? {
            bail!(
                "the backup {} failed SQLite's integrity check ({problems}); keep the server's \
                 database as it is and try again, to a different disk if this one may be failing",
                out.display()
            );
        }
        let rollcall::store::Totals { meetings, entries } = copy.totals().await?;
        let bytes = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
        eprintln!(
            "Backed up {meetings} meetings and {entries} log entries to {} ({:.1} MB); SQLite's \
             integrity check of the copy passed.",
            out.display(),
            bytes as f64 / 1e6
        );
        eprintln!(
            "The signing key is not in it: keep a copy of the keys directory too, as secret as the key itself."
        );
        Ok(ExitCode::SUCCESS)
    })
}

pub fn copy_data(args: crate::cli::CopyDataArgs) -> Result<ExitCode> {
    use rollcall::store::{CopyError, Database};
    let from: Database = if args.from.contains("://") {
        args.from.parse()?
    } else {
        let path = std::path::Path::new(&args.from).join("rollcall.db");
        if !path.is_file() {
            bail!(
                "there is no rollcall database in {}; give the server's data directory (or a database URL) with --from",
                args.from
            );
        }
        Database::Sqlite(path)
    };
    if from == args.to {
        bail!("--from and --to name the same database; copy into a new, empty one");
    }
    runtime()?.block_on(async {
        let ring = Keystore::new(&args.keys.dir).keyring()?;
        let keys = ring.public_keys();
        if keys.is_empty() {
            bail!(
                "no public keys in {}; pass the server's --keys directory (the copy is proved by exporting every list from both databases)",
                args.keys.dir.display()
            );
        }
        let source = Store::connect(&from)
            .await
            .with_context(|| format!("cannot open the database {from}"))?;
        let target = Store::connect(&args.to)
            .await
            .with_context(|| format!("cannot open the database {}", args.to))?;
        let copied = match source.copy_into(&target).await {
            Ok(c) => c,
            Err(e @ CopyError::NotEmpty(_)) => bail!("{e}"),
            Err(CopyError::Store(e)) => {
                return Err(anyhow::Error::new(e).context(format!(
                    "copying into {} failed; nothing was copied",
                    args.to
                )))
            }
        };
        let summary: Vec<String> = copied.iter().map(|(t, n)| format!("{n} {t}")).collect();
        eprintln!("Copied {} into {}.", summary.join(", "), args.to);
        // The proof: every list, exported from both, byte for byte.
        let full: rollcall::personal::Disclose = "full".parse().map_err(|e| anyhow!("{e:?}"))?;
        let (mut proved, mut drafts) = (0, 0);
        for m in source.meetings().await? {
            let id = &m.meeting.id;
            let a = export::disclosed_bundle(&source, &Logs::default(), &keys, id, &full).await;
            let b = export::disclosed_bundle(&target, &Logs::default(), &keys, id, &full).await;
            match (a, b) {
                (Ok(a), Ok(b)) => {
                    if serde_json::to_vec(&a)? != serde_json::to_vec(&b)? {
                        bail!("the list of meeting {id} exported from {} differs from the original's: do not use the copy", args.to);
                    }
                    proved += 1;
                }
                (Err(rollcall::export::ExportError::NotOpened), Err(rollcall::export::ExportError::NotOpened)) => {
                    drafts += 1
                }
                (a, b) => bail!(
                    "meeting {id}: the original exports {:?}, the copy {:?}; do not use the copy",
                    a.err(),
                    b.err()
                ),
            }
        }
        eprintln!(
            "Proved: the signed list of each of the {proved} opened meetings is byte-identical in both databases ({drafts} drafts have none yet)."
        );
        eprintln!(
            "Next: stop the old server for good, and start rollcall serve --database URL with the same keys directory."
        );
        Ok(ExitCode::SUCCESS)
    })
}

pub fn erase(args: EraseArgs) -> Result<ExitCode> {
    use rollcall::personal::{self, ErasedBy};
    runtime()?.block_on(async {
        let store = open_existing(&args.data).await?;
        let Some(meeting) = store.meeting(&args.meeting).await? else {
            bail!(
                "there is no meeting {:?} in {}; the console and `rollcall export` name meetings by id",
                args.meeting,
                args.data.database()
            );
        };
        let indices = match (&args.receipt, &args.email) {
            (Some(receipt), _) => {
                let secret = store
                    .setting("presence_secret")
                    .await?
                    .and_then(|s| <[u8; 32]>::try_from(s.as_slice()).ok())
                    .ok_or_else(|| anyhow!("this database has no receipt secret: it has never served a check-in"))?;
                let receipts = rollcall::receipt_id::ReceiptIds::from_presence_secret(&secret);
                match receipts.parse(receipt.trim()) {
                    Some((m, idx)) if m == meeting.meeting.id => vec![idx],
                    _ => bail!(
                        "{receipt:?} is not a receipt of meeting {}: give the end of the attendee's receipt link (/r/RECEIPT_ID)",
                        meeting.meeting.id
                    ),
                }
            }
            (None, Some(email)) => personal::check_ins_with_email(&store, &meeting.meeting.id, email)
                .await
                .map_err(|e| anyhow!("{e}"))?,
            (None, None) => bail!("name the check-in with --receipt RECEIPT_ID or --email EMAIL"),
        };
        let erased = personal::erase(
            &store,
            &meeting.meeting.id,
            &indices,
            args.fields,
            &ErasedBy::Operator,
            OffsetDateTime::now_utc(),
        )
        .await
        .map_err(|e| anyhow!("{e}"))?;
        for (idx, fields) in &erased.check_ins {
            if fields.is_empty() {
                eprintln!("Check-in {idx}: nothing left to erase ({} already erased or never given).", args.fields.label());
            } else {
                eprintln!("Check-in {idx}: erased {}.", fields.join(", "));
            }
        }
        if !erased.purged {
            eprintln!(
                "The database's write-ahead log is in use by the running server; the erased values leave it at the server's next checkpoint of the log."
            );
        }
        if meeting.state == MeetingState::Open && erased.count() > 0 {
            eprintln!("The meeting is open: a running server forgets the erased email for recognising repeat check-ins when it restarts.");
        }
        eprintln!("The signed log is unchanged: every list exported from now on still verifies and shows these fields as erased.");
        Ok(ExitCode::SUCCESS)
    })
}
