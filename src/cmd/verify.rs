//! `rollcall verify FILE [--key KEY]... [--json]`.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rollcall::trust::checkpoint::parse_verifier_key;
use rollcall::trust::keys::PublicKey;
use rollcall::trust::pdf_attachment::{extract_bundle, BUNDLE_FILE_NAME};
use rollcall::trust::verify::{verify_json, Options, Report};

use crate::cli::VerifyArgs;

/// Most failures listed in the human report; `--json` lists all.
const SHOWN_FAILURES: usize = 40;

/// `/.well-known/rollcall-keys.json` as a server serves it (only what
/// `--key` needs of it).
#[derive(serde::Deserialize)]
struct PublishedKeys {
    keys: Vec<PublishedKey>,
}

#[derive(serde::Deserialize)]
struct PublishedKey {
    public_key: String,
}

/// Parses one `--key`: a base64 key, a C2SP verifier key, or a file of them.
fn parse_keys(arg: &str) -> Result<Vec<PublicKey>> {
    let parse_one = |text: &str| -> Result<PublicKey> {
        PublicKey::parse(text)
            .or_else(|e| parse_verifier_key(text).map(|(_, k)| k).map_err(|_| e))
            .map_err(anyhow::Error::from)
    };
    if let Ok(k) = parse_one(arg) {
        return Ok(vec![k]);
    }
    let path = std::path::Path::new(arg);
    if !path.exists() {
        bail!("--key {arg:?} is neither a public key (base64 of 32 bytes, as `rollcall keys show` prints it) nor a file");
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read key file {arg}"))?;
    let mut keys = Vec::new();
    if let Ok(ring) = serde_json::from_str::<rollcall::keystore::Keyring>(&text) {
        return Ok(ring.public_keys());
    }
    // The list a server publishes at /.well-known/rollcall-keys.json.
    if let Ok(published) = serde_json::from_str::<PublishedKeys>(&text) {
        return published
            .keys
            .iter()
            .map(|k| parse_one(&k.public_key).with_context(|| format!("a key in {arg}")))
            .collect();
    }
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        keys.push(parse_one(line).with_context(|| format!("{arg} line {}", n + 1))?);
    }
    if keys.is_empty() {
        bail!("key file {arg} holds no keys");
    }
    Ok(keys)
}

/// The exit status of a receipt that is signed but not yet covered by a
/// checkpoint (FORMAT.md §11.1).
pub const PENDING: u8 = 3;

pub fn run(args: VerifyArgs) -> Result<ExitCode> {
    let mut pinned = Vec::new();
    for k in &args.keys {
        pinned.extend(parse_keys(k)?);
    }
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let from_pdf = bytes.starts_with(b"%PDF");
    let bytes = if from_pdf {
        extract_bundle(&bytes).with_context(|| {
            format!("cannot take the signed list out of {}", args.file.display())
        })?
    } else {
        bytes
    };
    let bar = if std::io::stderr().is_terminal() && !args.json && bytes.len() > 4 << 20 {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("verifying {bar:40} {pos}/{len} entries ({per_sec})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Some(bar)
    } else {
        None
    };
    let progress = |done: u64, total: u64| {
        if let Some(b) = &bar {
            b.set_length(total);
            b.set_position(done);
        }
    };
    let options = Options {
        pinned,
        progress: Some(&progress),
    };
    let report = verify_json(bytes, &options)
        .with_context(|| format!("cannot read {} as a rollcall file", args.file.display()))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if args.json {
        if from_pdf {
            eprintln!(
                "bundle taken from the PDF's attachment {BUNDLE_FILE_NAME} in {}",
                args.file.display()
            );
        }
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        if from_pdf {
            println!(
                "bundle taken from the PDF's attachment {BUNDLE_FILE_NAME} in {}",
                args.file.display()
            );
        }
        for w in &report.warnings {
            eprintln!("WARNING: {w}");
        }
        print!("{}", render(&report));
    }
    Ok(if report.valid {
        ExitCode::SUCCESS
    } else if report.pending {
        ExitCode::from(PENDING)
    } else {
        ExitCode::from(1)
    })
}

/// The human report.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let verdict = if r.valid {
        "VALID"
    } else if r.pending {
        "PENDING"
    } else {
        "INVALID"
    };
    let _ = writeln!(out, "{verdict} {}", r.kind);
    if r.pending {
        let _ = writeln!(
            out,
            "  signed, not yet in a checkpoint: fetch the receipt again in a few seconds, then verify it again"
        );
    }
    if let Some(m) = &r.meeting {
        let _ = writeln!(
            out,
            "  meeting      {} ({}), {}",
            m.title, m.committee, m.location
        );
        let t = |t: time::OffsetDateTime| {
            t.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        };
        let _ = writeln!(
            out,
            "               id {}, scheduled {} to {} ({})",
            m.id,
            t(m.starts_at),
            t(m.ends_at),
            m.timezone
        );
    }
    for c in &r.codes {
        let _ = writeln!(
            out,
            "  code         {} [{}] sha256:{}{}",
            c.title,
            c.language.as_deref().unwrap_or("?"),
            c.sha256,
            if c.text_checked {
                " (text checked)"
            } else {
                ""
            }
        );
    }
    let labelled = r.attendees.iter().filter(|a| a.timing != "on time").count();
    let withheld = r
        .attendees
        .iter()
        .filter(|a| !a.withheld.is_empty())
        .count();
    let _ = writeln!(
        out,
        "  attestations {} check-in(s){}{}, {} log entries",
        r.attestations,
        if labelled > 0 {
            format!(", {labelled} outside the scheduled time")
        } else {
            String::new()
        },
        if withheld > 0 {
            format!(", {withheld} with withheld fields")
        } else {
            String::new()
        },
        r.entries
    );
    if let Some(line) = personal_data_line(r) {
        let _ = writeln!(out, "  fields       {line}");
    }
    if !r.notes.is_empty() {
        let _ = writeln!(
            out,
            "  notes        {} note(s) on discussion of the Code",
            r.notes.len()
        );
    }
    if let Some(c) = &r.closed_at {
        let _ = writeln!(out, "  closed       {c}");
    }
    let pin = if r.keys_pinned {
        "pinned with --key"
    } else {
        "NOT PINNED: taken from the file itself"
    };
    for s in &r.signers {
        let _ = writeln!(out, "  signer       {s} ({pin})");
    }
    if let Some(c) = &r.checkpoint {
        let _ = writeln!(
            out,
            "  checkpoint   {} size {} root {}",
            c.origin, c.size, c.root
        );
        if c.earlier > 0 {
            let _ = writeln!(
                out,
                "               {} earlier checkpoint(s), consistent",
                c.earlier
            );
        }
    }
    if !r.failures.is_empty() {
        let _ = writeln!(out, "  {} problem(s):", r.failures.len());
        for f in r.failures.iter().take(SHOWN_FAILURES) {
            let _ = writeln!(out, "  - {}: {}", f.location, f.reason);
        }
        if r.failures.len() > SHOWN_FAILURES {
            let _ = writeln!(
                out,
                "  … and {} more (use --json to see all)",
                r.failures.len() - SHOWN_FAILURES
            );
        }
    }
    out
}

/// Which committed fields this copy withholds and which were erased, by
/// field and number of check-ins, and how many attendees agreed to show
/// their email on circulated lists.
fn personal_data_line(r: &rollcall::trust::verify::Report) -> Option<String> {
    use std::collections::BTreeMap;
    let count = |pick: fn(&rollcall::trust::verify::AttendeeRow) -> &Vec<String>| {
        let mut by_field: BTreeMap<&str, usize> = BTreeMap::new();
        for a in &r.attendees {
            for f in pick(a) {
                *by_field.entry(f.as_str()).or_default() += 1;
            }
        }
        by_field
            .iter()
            .map(|(f, n)| format!("{f} ({n})"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (withheld, erased) = (count(|a| &a.withheld), count(|a| &a.erased));
    let consented = r
        .attendees
        .iter()
        .filter(|a| {
            a.circulate
                .as_ref()
                .is_some_and(|c| c.iter().any(|f| f == "email"))
        })
        .count();
    let mut parts = Vec::new();
    if !withheld.is_empty() {
        parts.push(format!("withheld from this copy: {withheld}"));
    }
    if !erased.is_empty() {
        parts.push(format!("erased: {erased}"));
    }
    if consented > 0 {
        parts.push(format!(
            "{consented} attendee(s) agreed to show their email on circulated lists"
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}
