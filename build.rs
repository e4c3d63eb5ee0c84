//! Embeds every interface translation found in web/i18n/ (one JSON file per
//! language), so adding a language is adding one file; and builds the
//! verify page's WebAssembly (the trust crate, trust/wasm) from source.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    verifier_wasm();
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

/// Builds trust/wasm for `wasm32-unknown-unknown` into `OUT_DIR/verify.wasm`,
/// which the verify page embeds. Built with the same Cargo.lock, in a
/// target directory of its own (so the outer build's lock is not needed),
/// with paths remapped so the same source gives the same bytes. Where the
/// target is not installed, the file is left empty and the page says that
/// it has no verifier; set `ROLLCALL_REQUIRE_WASM=1` (as .ci/run does) to
/// make that an error instead.
fn verifier_wasm() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for p in [
        "trust/src",
        "trust/Cargo.toml",
        "trust/wasm/src",
        "trust/wasm/Cargo.toml",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(p).display());
    }
    println!("cargo:rerun-if-env-changed=ROLLCALL_REQUIRE_WASM");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    let dest = out.join("verify.wasm");
    let required = std::env::var("ROLLCALL_REQUIRE_WASM").is_ok_and(|v| !v.is_empty() && v != "0");
    match build_wasm(root, &out) {
        Ok(bytes) => std::fs::write(&dest, bytes).expect("write verify.wasm"),
        Err(why) => {
            if required {
                panic!("the verify page's WebAssembly was not built: {why}");
            }
            println!("cargo:warning=the /verify page will have no verifier: {why}");
            std::fs::write(&dest, b"").expect("write verify.wasm");
        }
    }
}

fn build_wasm(root: &Path, out: &Path) -> Result<Vec<u8>, String> {
    const TARGET: &str = "wasm32-unknown-unknown";
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| format!("cannot run {rustc}: {e}"))?;
    let sysroot = String::from_utf8_lossy(&sysroot.stdout).trim().to_owned();
    if !Path::new(&sysroot)
        .join("lib/rustlib")
        .join(TARGET)
        .exists()
    {
        return Err(format!(
            "the {TARGET} target is not installed (run `rustup target add {TARGET}`, then build again)"
        ));
    }
    // OUT_DIR is TARGET_DIR/PROFILE/build/rollcall-HASH/out; the wasm build
    // lives beside the profiles, shared by all of them.
    let target_dir = out
        .ancestors()
        .nth(4)
        .map(|t| t.join("verify-wasm"))
        .ok_or("unexpected OUT_DIR")?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let home = std::env::var("CARGO_HOME")
        .ok()
        .or_else(|| std::env::var("HOME").ok().map(|h| format!("{h}/.cargo")))
        .unwrap_or_default();
    let mut flags = format!("--remap-path-prefix={}=/rollcall", root.display());
    if !home.is_empty() {
        flags.push_str(&format!("\x1f--remap-path-prefix={home}=/cargo"));
    }
    let status = Command::new(cargo)
        .current_dir(root)
        .args([
            "build",
            "--locked",
            "-p",
            "rollcall-verify-wasm",
            "--target",
            TARGET,
            "--profile",
            "wasm",
        ])
        .arg("--target-dir")
        .arg(&target_dir)
        .env("CARGO_ENCODED_RUSTFLAGS", flags)
        .env_remove("RUSTFLAGS")
        .env_remove("RUSTC_WRAPPER")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!(
            "`cargo build -p rollcall-verify-wasm --target {TARGET}` failed ({status})"
        ));
    }
    let wasm = target_dir
        .join(TARGET)
        .join("wasm/rollcall_verify_wasm.wasm");
    std::fs::read(&wasm).map_err(|e| format!("cannot read {}: {e}", wasm.display()))
}
