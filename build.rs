//! Embeds every interface translation found in web/i18n/ (one JSON file per
//! language), so adding a language is adding one file.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // `sqlx::migrate!` embeds migrations/; without this a new migration file
    // alone would not rebuild the crate.
    println!("cargo:rerun-if-changed=migrations");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("web/i18n");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("web/i18n/ must exist")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut out = String::from("/// Every translation file: (language tag, JSON text).\npub const FILES: &[(&str, &str)] = &[\n");
    for p in &files {
        println!("cargo:rerun-if-changed={}", p.display());
        let tag = p
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("UTF-8 file name");
        writeln!(
            out,
            "    ({tag:?}, include_str!({:?})),",
            p.display().to_string()
        )
        .expect("write");
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("i18n_files.rs");
    std::fs::write(dest, out).expect("write i18n_files.rs");
}
