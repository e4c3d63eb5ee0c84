//! The auditor's verifier for the browser: `rollcall verify` as
//! WebAssembly, for the page at `/verify` and the self-contained file
//! `rollcall verify --page FILE` writes.
//!
//! The interface is three byte buffers in the module's memory, so the page
//! needs no generated glue:
//!
//! 1. the page asks for an input buffer with [`rc_input`] (`0` for the
//!    file, `1` for the keys' text) and copies the bytes into it;
//! 2. [`rc_verify`] reads both, verifies, and leaves the result (JSON, see
//!    [`Outcome`]) in the output buffer;
//! 3. the page reads [`rc_output_len`] bytes at [`rc_output_ptr`].
//!
//! Everything the verdict depends on is [`outcome`], plain Rust tested
//! here and from the page's browser tests against the CLI.

use std::cell::RefCell;

use rollcall_trust::key_list::parse_key_list;
use rollcall_trust::pdf_attachment::{extract_bundle, BUNDLE_FILE_NAME};
use rollcall_trust::verify::{verify_json, Options, Report};

/// What the page is told: the CLI's `--json` report, or why there is none.
#[derive(serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Outcome {
    /// The file was read and verified: `report` is exactly what
    /// `rollcall verify --json` prints for it.
    Report {
        report: Box<Report>,
        /// The PDF attachment the bundle was taken from, if a PDF was given.
        from_pdf: Option<&'static str>,
    },
    /// The keys' text holds no usable key.
    BadKeys { message: String },
    /// The file is not a rollcall list, receipt or PDF list.
    Unreadable { message: String },
}

/// Verifies `file` (a PDF list, a bundle or a receipt) against the keys in
/// `keys` (empty: the file's own keys, with the same warning the CLI gives).
pub fn outcome(file: Vec<u8>, keys: &str, progress: &(dyn Fn(u64, u64) + Sync)) -> Outcome {
    let pinned = if keys.trim().is_empty() {
        Vec::new()
    } else {
        match parse_key_list(keys) {
            Ok(k) => k,
            Err(e) => {
                return Outcome::BadKeys {
                    message: e.to_string(),
                }
            }
        }
    };
    let from_pdf = file.starts_with(b"%PDF");
    let bytes = if from_pdf {
        match extract_bundle(&file) {
            Ok(b) => b,
            Err(e) => {
                return Outcome::Unreadable {
                    message: format!("cannot take the signed list out of this PDF: {e}"),
                }
            }
        }
    } else {
        file
    };
    let options = Options {
        pinned,
        progress: Some(progress),
    };
    match verify_json(bytes, &options) {
        Ok(report) => Outcome::Report {
            report: Box::new(report),
            from_pdf: from_pdf.then_some(BUNDLE_FILE_NAME),
        },
        Err(e) => Outcome::Unreadable {
            message: format!("cannot read this file as a rollcall file: {e}"),
        },
    }
}

thread_local! {
    static INPUTS: RefCell<[Vec<u8>; 2]> = const { RefCell::new([Vec::new(), Vec::new()]) };
    static OUTPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// A zeroed buffer of `len` bytes for input `which` (0: the file, 1: the
/// keys' text); the page writes into it at the address returned.
#[no_mangle]
pub extern "C" fn rc_input(which: u32, len: usize) -> *mut u8 {
    INPUTS.with(|i| {
        let mut i = i.borrow_mut();
        let buf = &mut i[usize::from(which != 0)];
        *buf = vec![0; len];
        buf.as_mut_ptr()
    })
}

/// Verifies the inputs; the result is in the output buffer.
#[no_mangle]
pub extern "C" fn rc_verify() {
    let (file, keys) = INPUTS.with(|i| {
        let mut i = i.borrow_mut();
        (std::mem::take(&mut i[0]), std::mem::take(&mut i[1]))
    });
    let keys = String::from_utf8_lossy(&keys).into_owned();
    let result = outcome(file, &keys, &report_progress);
    let json = serde_json::to_vec(&result).unwrap_or_else(|e| {
        format!(r#"{{"outcome":"unreadable","message":"the report could not be written: {e}"}}"#)
            .into_bytes()
    });
    OUTPUT.with(|o| *o.borrow_mut() = json);
}

/// Where the result starts.
#[no_mangle]
pub extern "C" fn rc_output_ptr() -> *const u8 {
    OUTPUT.with(|o| o.borrow().as_ptr())
}

/// How long the result is.
#[no_mangle]
pub extern "C" fn rc_output_len() -> usize {
    OUTPUT.with(|o| o.borrow().len())
}

#[cfg(target_arch = "wasm32")]
#[link(wasm_import_module = "rollcall")]
extern "C" {
    /// The page's progress callback (entries done, total).
    fn progress(done: f64, total: f64);
}

fn report_progress(done: u64, total: u64) {
    #[cfg(target_arch = "wasm32")]
    // SAFETY: an imported JavaScript function taking two numbers; it
    // reads no memory of this module.
    unsafe {
        progress(done as f64, total as f64)
    };
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (done, total);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(o: &Outcome) -> serde_json::Value {
        serde_json::to_value(o).unwrap()
    }

    #[test]
    fn keys_that_cannot_be_read_are_named() {
        let o = outcome(b"{}".to_vec(), "not a key", &|_, _| {});
        let v = json(&o);
        assert_eq!(v["outcome"], "bad_keys");
        assert!(v["message"].as_str().unwrap().starts_with("line 1: "));
    }

    #[test]
    fn a_file_that_is_not_a_rollcall_file_is_unreadable() {
        let v = json(&outcome(b"hello".to_vec(), "", &|_, _| {}));
        assert_eq!(v["outcome"], "unreadable");
        let v = json(&outcome(b"%PDF-1.7\n%%EOF".to_vec(), "", &|_, _| {}));
        assert_eq!(v["outcome"], "unreadable");
        assert!(v["message"].as_str().unwrap().contains(BUNDLE_FILE_NAME));
    }

    #[test]
    fn the_buffers_carry_the_file_and_the_result() {
        let p = rc_input(0, 5);
        assert!(!p.is_null());
        INPUTS.with(|i| i.borrow_mut()[0].copy_from_slice(b"hello"));
        rc_verify();
        let out = OUTPUT.with(|o| o.borrow().clone());
        assert_eq!(rc_output_len(), out.len());
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["outcome"], "unreadable");
    }
}
