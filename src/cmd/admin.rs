//! `rollcall user add`, `rollcall token create`, `rollcall export`: the
//! secretary's tools on the server machine, working on its database.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use rollcall::http::auth_tools::{check_new_password, digest, hash_password, random_token};
use rollcall::keystore::Keystore;
use rollcall::store::writer::Logs;
use rollcall::store::Store;
use time::OffsetDateTime;

use crate::cli::{CodeCommand, DataDir, ExportArgs, ExportFormat, TokenCommand, UserCommand};

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

async fn open(data: &DataDir) -> Result<Store> {
    std::fs::create_dir_all(&data.dir)
        .with_context(|| format!("cannot create {}", data.dir.display()))?;
    Store::open(&data.dir.join("rollcall.db"))
        .await
        .with_context(|| format!("cannot open the database in {}", data.dir.display()))
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

pub fn user(command: UserCommand) -> Result<ExitCode> {
    let UserCommand::Add {
        email,
        password_stdin,
        data,
    } = command;
    let email = match rollcall::fields::email(&email) {
        Ok(Some(e)) => e,
        _ => bail!("{email:?} is not an email address such as secretary@example.org"),
    };
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

pub fn token(command: TokenCommand) -> Result<ExitCode> {
    let TokenCommand::Create { name, data } = command;
    let name = rollcall::fields::text("name", "Token name", &name, 100, true)
        .map_err(|e| anyhow::anyhow!(e.message))?;
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

pub fn export(args: ExportArgs) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let store = open(&args.data).await?;
        let ring = Keystore::new(&args.keys.dir).keyring()?;
        let keys = ring.public_keys();
        if keys.is_empty() {
            bail!(
                "no public keys in {}; pass the server's --keys directory",
                args.keys.dir.display()
            );
        }
        let logs = Logs::default();
        let bundle = rollcall::export::bundle(&store, &logs, &keys, &args.meeting)
            .await
            .with_context(|| format!("cannot export meeting {}", args.meeting))?;
        let verified = || -> Result<_> {
            let report = rollcall::export::verified(&bundle, &keys);
            if !report.valid {
                bail!(
                    "the stored log of {} does not verify: {:?}",
                    args.meeting,
                    report.failures.first()
                );
            }
            Ok(report)
        };
        let Some(lang) = rollcall::i18n::Lang::get(&args.language) else {
            let tags: Vec<&str> = rollcall::i18n::Lang::all().map(|l| l.tag()).collect();
            bail!(
                "no translation for the language {:?}; use one of {}",
                args.language,
                tags.join(", ")
            );
        };
        let text = rollcall::export::ListText::for_language(lang);
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
                eprintln!("Wrote {}", path.display());
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
            data,
        } => {
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
                            .any(|(d, l)| *l == code.language && *d != code.digest().to_hex())
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
            let store = open(&data).await?;
            store
                .put_code(
                    &rollcall::trust::code::CodeDocument::iso(),
                    OffsetDateTime::now_utc(),
                )
                .await?;
            for (digest, name, language, title) in store.codes().await? {
                println!("{digest}  {language}  {name}  {title}");
                for (t, l) in store.translations(&digest).await? {
                    println!("  {t}  {l}  (translation)");
                }
            }
            Ok(ExitCode::SUCCESS)
        }),
    }
}
