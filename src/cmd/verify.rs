//! `rollcall verify FILE [--key KEY]... [--json]`.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rollcall::trust::key_list::{parse_key_list, parse_one_key, KeyListError};
use rollcall::trust::keys::PublicKey;
use rollcall::trust::pdf_attachment::{extract_bundle, BUNDLE_FILE_NAME};
use rollcall::trust::verify::{verify_json, Options, Report};

use crate::cli::VerifyArgs;

/// Most failures listed in the human report; `--json` lists all.
const SHOWN_FAILURES: usize = 40;

/// Parses one `--key`: a base64 key, a C2SP verifier key, or a file of
/// them (a keyring, the server's published `rollcall-keys.json`, or one key
/// per line).
fn parse_keys(arg: &str) -> Result<Vec<PublicKey>> {
    if let Ok(k) = parse_one_key(arg) {
        return Ok(vec![k]);
    }
    let path = std::path::Path::new(arg);
    if !path.exists() {
        bail!("--key {arg:?} is neither a public key (base64 of 32 bytes, as `rollcall keys show` prints it) nor a file");
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read key file {arg}"))?;
    if let Ok(ring) = serde_json::from_str::<rollcall::keystore::Keyring>(&text) {
        return Ok(ring.public_keys());
    }
    parse_key_list(&text).map_err(|e| match e {
        KeyListError::Empty => anyhow::anyhow!("key file {arg} holds no keys"),
        e => anyhow::anyhow!("key file {arg}: {e}"),
    })
}

/// The exit status of a receipt that is signed but not yet covered by a
/// checkpoint (FORMAT.md §11.1).
pub const PENDING: u8 = 3;

pub fn run(args: VerifyArgs) -> Result<ExitCode> {
    if let Some(page) = &args.page {
        return write_page(page, &args.language);
    }
    let Some(file) = &args.file else {
        bail!("name the file to verify: rollcall verify FILE --key KEY");
    };
    let mut pinned = Vec::new();
    for k in &args.keys {
        pinned.extend(parse_keys(k)?);
    }
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let from_pdf = bytes.starts_with(b"%PDF");
    let bytes = if from_pdf {
        extract_bundle(&bytes)
            .with_context(|| format!("cannot take the signed list out of {}", file.display()))?
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
        .with_context(|| format!("cannot read {} as a rollcall file", file.display()))?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if args.json {
        if from_pdf {
            eprintln!(
                "bundle taken from the PDF's attachment {BUNDLE_FILE_NAME} in {}",
                file.display()
            );
        }
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        if from_pdf {
            println!(
                "bundle taken from the PDF's attachment {BUNDLE_FILE_NAME} in {}",
                file.display()
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

/// `rollcall verify --page FILE`: writes the self-contained verify page.
fn write_page(path: &std::path::Path, language: &str) -> Result<ExitCode> {
    let Some(lang) = rollcall::i18n::Lang::get(language) else {
        let tags: Vec<_> = rollcall::i18n::Lang::all().map(|l| l.tag()).collect();
        bail!(
            "--language {language:?} is not one of rollcall's languages ({})",
            tags.join(", ")
        );
    };
    if !rollcall::verify_page::available() {
        bail!("this rollcall was built without the verify page's WebAssembly: run `rustup target add wasm32-unknown-unknown` and build rollcall again");
    }
    let page = rollcall::verify_page::render(lang, None);
    std::fs::write(path, &page).with_context(|| format!("cannot write {}", path.display()))?;
    println!(
        "wrote the verify page to {} ({} KB): open it in a browser, offline; nothing is uploaded",
        path.display(),
        page.len().div_ceil(1024)
    );
    Ok(ExitCode::SUCCESS)
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
        "  attestations {} check-in(s) ({} in the room, {} remote){}{}, {} log entries",
        r.attestations,
        r.room,
        r.remote,
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
    if !r.amendments.is_empty() {
        let struck = r.attendees.iter().filter(|a| a.struck).count();
        let _ = writeln!(
            out,
            "  amendments   {} by the secretary: {} correction(s), {struck} check-in(s) struck as recorded in error",
            r.amendments.len(),
            r.amendments.iter().filter(|a| a.action == "correct").count(),
        );
        for a in &r.amendments {
            let _ = writeln!(
                out,
                "               entries[{}] {} entries[{}] ({}): {}",
                a.index,
                if a.action == "strike" {
                    "strikes"
                } else {
                    "corrects"
                },
                a.amends,
                a.amends_id,
                a.reason
            );
        }
    }
    if let Some(roster) = r.rosters.last() {
        let _ = writeln!(
            out,
            "  roster       {} expected, committed by entries[{}] (sha256 {}){}",
            roster.size,
            roster.index,
            roster.sha256,
            if r.rosters.len() > 1 {
                format!("; the latest of {} roster entries", r.rosters.len())
            } else {
                String::new()
            }
        );
    }
    if let Some(c) = &r.roster_counts {
        let _ = writeln!(
            out,
            "  attendance   {} expected: {} present in the room, {} remotely, {} absent, {} not on the roster, {} again in another session (matching is the secretary's record)",
            c.expected, c.present_room, c.present_remote, c.absent, c.walk_ins, c.repeats
        );
    }
    for d in &r.delegations {
        let _ = writeln!(
            out,
            "  delegations  entries[{}] at {}: {} delegation(s) present",
            d.index,
            d.recorded_at,
            d.delegations.len()
        );
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
