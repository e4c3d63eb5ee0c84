//! Reads the signed bundle back out of a printed attendance list (PDF).
//!
//! The PDF list carries the exact bundle bytes as an embedded file named
//! [`BUNDLE_FILE_NAME`]. This module finds that file and returns its bytes,
//! so `rollcall verify list.pdf` checks the very file that was circulated.
//! It is part of the auditor's trusted base: pure (bytes in, bytes out), no
//! I/O, hard limits on everything it allocates, and no panics on hostile
//! input. It reads only what it needs of PDF syntax (ISO 32000-1 §7.3):
//! indirect objects, dictionaries, arrays, names, strings, numbers and
//! references, and streams without a filter or with `/FlateDecode`.
//! Objects inside compressed object streams are not searched; rollcall's
//! writer never puts a file specification there.

use std::collections::BTreeMap;

/// The name of the embedded file that holds the bundle.
pub const BUNDLE_FILE_NAME: &str = "attendance-bundle.json";
/// The largest PDF read.
pub const MAX_PDF_BYTES: usize = 1 << 30;
/// The largest bundle returned (after decompression).
pub const MAX_BUNDLE_BYTES: usize = 1 << 30;
/// How deeply arrays and dictionaries may nest.
const MAX_DEPTH: usize = 32;

/// Why no bundle could be taken from a PDF.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    #[error("this is not a PDF file (it does not start with %PDF-)")]
    NotPdf,
    #[error("the PDF is larger than {MAX_PDF_BYTES} bytes, more than rollcall reads")]
    TooLarge,
    #[error("this PDF has no rollcall bundle attached (no embedded file named {BUNDLE_FILE_NAME}); export the list again with `rollcall export MEETING --format pdf`, or download list.pdf from the meeting's console page")]
    NoBundle,
    #[error("this PDF has more than one different attachment named {BUNDLE_FILE_NAME}; it is not the list rollcall printed")]
    Ambiguous,
    #[error("the bundle attached to this PDF is damaged: {0}")]
    Damaged(&'static str),
    #[error("the bundle attached to this PDF is compressed with {0}, which rollcall does not read (only FlateDecode)")]
    UnsupportedFilter(String),
    #[error("the bundle attached to this PDF is larger than {MAX_BUNDLE_BYTES} bytes")]
    BundleTooLarge,
}

/// A PDF object, as far as this reader needs one.
#[derive(Debug, Clone, PartialEq)]
enum Obj {
    Null,
    Bool,
    Int(i64),
    Real,
    Name(Vec<u8>),
    Str(Vec<u8>),
    Array(Vec<Obj>),
    Dict(BTreeMap<Vec<u8>, Obj>),
    Ref(u32),
}

impl Obj {
    fn get(&self, key: &[u8]) -> Option<&Obj> {
        match self {
            Obj::Dict(d) => d.get(key),
            _ => None,
        }
    }
}

fn is_white(b: u8) -> bool {
    matches!(b, 0 | 9 | 10 | 12 | 13 | 32)
}

fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(b: u8) -> bool {
    !is_white(b) && !is_delim(b)
}

struct Lexer<'a> {
    b: &'a [u8],
    pos: usize,
}

type R<T> = Result<T, PdfError>;

const BAD: PdfError = PdfError::Damaged("malformed PDF syntax");

impl<'a> Lexer<'a> {
    fn new(b: &'a [u8], pos: usize) -> Self {
        Self { b, pos }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if is_white(c) {
                self.pos += 1;
            } else if c == b'%' {
                while let Some(c) = self.peek() {
                    if c == b'\n' || c == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    fn word(&mut self) -> &'a [u8] {
        let start = self.pos;
        while self.peek().is_some_and(is_regular) {
            self.pos += 1;
        }
        &self.b[start..self.pos]
    }

    fn keyword(&mut self, kw: &[u8]) -> bool {
        self.skip_ws();
        let save = self.pos;
        if self.word() == kw {
            true
        } else {
            self.pos = save;
            false
        }
    }

    fn uint(&mut self) -> Option<u64> {
        self.skip_ws();
        let save = self.pos;
        let w = self.word();
        if w.is_empty() || w.len() > 10 || !w.iter().all(u8::is_ascii_digit) {
            self.pos = save;
            return None;
        }
        std::str::from_utf8(w).ok()?.parse().ok()
    }

    fn object(&mut self, depth: usize) -> R<Obj> {
        if depth > MAX_DEPTH {
            return Err(PdfError::Damaged("objects nested too deeply"));
        }
        self.skip_ws();
        match self.peek().ok_or(BAD)? {
            b'/' => {
                self.pos += 1;
                Ok(Obj::Name(self.name()?))
            }
            b'(' => {
                self.pos += 1;
                Ok(Obj::Str(self.literal()?))
            }
            b'<' if self.b.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                let mut d = BTreeMap::new();
                loop {
                    self.skip_ws();
                    match self.peek().ok_or(BAD)? {
                        b'>' if self.b.get(self.pos + 1) == Some(&b'>') => {
                            self.pos += 2;
                            return Ok(Obj::Dict(d));
                        }
                        b'/' => {
                            self.pos += 1;
                            let k = self.name()?;
                            let v = self.object(depth + 1)?;
                            d.insert(k, v);
                        }
                        _ => return Err(BAD),
                    }
                }
            }
            b'<' => {
                self.pos += 1;
                Ok(Obj::Str(self.hex()?))
            }
            b'[' => {
                self.pos += 1;
                let mut a = Vec::new();
                loop {
                    self.skip_ws();
                    if self.peek().ok_or(BAD)? == b']' {
                        self.pos += 1;
                        return Ok(Obj::Array(a));
                    }
                    a.push(self.object(depth + 1)?);
                }
            }
            _ => self.atom(),
        }
    }

    /// A number, a reference `n g R`, or a keyword.
    fn atom(&mut self) -> R<Obj> {
        let start = self.pos;
        let w = self.word();
        match w {
            b"null" => return Ok(Obj::Null),
            b"true" | b"false" => return Ok(Obj::Bool),
            b"" => return Err(BAD),
            _ => {}
        }
        let text = std::str::from_utf8(w).map_err(|_| BAD)?;
        if let Ok(n) = text.parse::<i64>() {
            // Perhaps a reference: n g R.
            let after = self.pos;
            if n >= 0 && n <= i64::from(u32::MAX) {
                if let Some(_gen) = self.uint() {
                    if self.keyword(b"R") {
                        return Ok(Obj::Ref(n as u32));
                    }
                }
            }
            self.pos = after;
            return Ok(Obj::Int(n));
        }
        if text.parse::<f64>().is_ok() || text.starts_with('.') || text.starts_with("-.") {
            return Ok(Obj::Real);
        }
        self.pos = start;
        Err(BAD)
    }

    fn name(&mut self) -> R<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(c) = self.peek().filter(|c| is_regular(*c)) {
            self.pos += 1;
            if c == b'#' {
                let h = self.b.get(self.pos..self.pos + 2).ok_or(BAD)?;
                let v = std::str::from_utf8(h)
                    .ok()
                    .and_then(|s| u8::from_str_radix(s, 16).ok())
                    .ok_or(BAD)?;
                out.push(v);
                self.pos += 2;
            } else {
                out.push(c);
            }
        }
        Ok(out)
    }

    fn literal(&mut self) -> R<Vec<u8>> {
        let mut out = Vec::new();
        let mut depth = 1usize;
        loop {
            let c = self.peek().ok_or(BAD)?;
            self.pos += 1;
            match c {
                b'(' => {
                    depth += 1;
                    out.push(c);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(out);
                    }
                    out.push(c);
                }
                b'\\' => {
                    let e = self.peek().ok_or(BAD)?;
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xff) as u8);
                        }
                        other => out.push(other),
                    }
                }
                _ => out.push(c),
            }
        }
    }

    fn hex(&mut self) -> R<Vec<u8>> {
        let mut digits = Vec::new();
        loop {
            let c = self.peek().ok_or(BAD)?;
            self.pos += 1;
            match c {
                b'>' => break,
                c if is_white(c) => {}
                c if c.is_ascii_hexdigit() => digits.push(c),
                _ => return Err(BAD),
            }
        }
        if !digits.len().is_multiple_of(2) {
            digits.push(b'0');
        }
        Ok(digits
            .chunks(2)
            .filter_map(|p| {
                std::str::from_utf8(p)
                    .ok()
                    .and_then(|s| u8::from_str_radix(s, 16).ok())
            })
            .collect())
    }
}

/// A PDF text string as Unicode (UTF-16BE with a byte-order mark, UTF-8
/// with one, or PDFDocEncoding, read here as Latin-1).
fn text_string(b: &[u8]) -> String {
    if let Some(rest) = b.strip_prefix(&[0xfe, 0xff]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|p| u16::from_be_bytes([p[0], p[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else if let Some(rest) = b.strip_prefix(&[0xef, 0xbb, 0xbf]) {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        b.iter().map(|&c| char::from(c)).collect()
    }
}

/// Each indirect object's latest definition (where its value starts, just
/// after `n g obj`), and the dictionaries among them that have an `/EF`
/// entry (file specifications). The file is scanned once, front to back:
/// after each object (parsed or not) the scan goes on where its parse
/// stopped, and stream data whose length is written directly is skipped,
/// so the work stays linear in the size of the file. A later definition
/// replaces an earlier one, as in an incremental update.
struct Objects {
    at: BTreeMap<u32, usize>,
    file_specs: BTreeMap<u32, Obj>,
}

fn index_objects(pdf: &[u8]) -> Objects {
    let mut objects = Objects {
        at: BTreeMap::new(),
        file_specs: BTreeMap::new(),
    };
    let mut i = 0usize;
    while let Some(found) = find(pdf, b"obj", i) {
        i = found + 3;
        if pdf.get(i).is_some_and(|c| is_regular(*c)) {
            continue;
        }
        let Some(num) = number_before(pdf, found) else {
            continue;
        };
        objects.at.insert(num, i);
        objects.file_specs.remove(&num);
        let mut lx = Lexer::new(pdf, i);
        let parsed = lx.object(0);
        i = lx.pos.max(i);
        if let Ok(dict @ Obj::Dict(_)) = parsed {
            if lx.keyword(b"stream") {
                // Skip the stream data.
                if let Some(Obj::Int(len)) = dict.get(b"Length") {
                    if let Ok(len) = usize::try_from(*len) {
                        i = lx.pos.saturating_add(len).min(pdf.len());
                    }
                }
            } else if dict.get(b"EF").is_some() {
                objects.file_specs.insert(num, dict);
            }
        }
    }
    objects
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Reads `n g ` backwards from `end` (the position of `obj`).
fn number_before(pdf: &[u8], end: usize) -> Option<u32> {
    let mut p = end;
    let back_ws = |p: &mut usize| -> bool {
        let start = *p;
        while *p > 0 && is_white(pdf[*p - 1]) {
            *p -= 1;
        }
        *p < start
    };
    let back_digits = |p: &mut usize| -> Option<(usize, usize)> {
        let e = *p;
        while *p > 0 && pdf[*p - 1].is_ascii_digit() && e - *p < 10 {
            *p -= 1;
        }
        (*p < e).then_some((*p, e))
    };
    if !back_ws(&mut p) {
        return None;
    }
    back_digits(&mut p)?;
    if !back_ws(&mut p) {
        return None;
    }
    let (s, e) = back_digits(&mut p)?;
    if p > 0 && is_regular(pdf[p - 1]) {
        return None;
    }
    std::str::from_utf8(&pdf[s..e]).ok()?.parse().ok()
}

fn resolve<'o>(
    pdf: &[u8],
    objects: &BTreeMap<u32, usize>,
    o: &'o Obj,
) -> R<std::borrow::Cow<'o, Obj>> {
    match o {
        Obj::Ref(n) => {
            let at = *objects
                .get(n)
                .ok_or(PdfError::Damaged("a referenced object is missing"))?;
            Ok(std::borrow::Cow::Owned(Lexer::new(pdf, at).object(0)?))
        }
        other => Ok(std::borrow::Cow::Borrowed(other)),
    }
}

/// The bytes of the file embedded in `pdf` under [`BUNDLE_FILE_NAME`].
pub fn extract_bundle(pdf: &[u8]) -> Result<Vec<u8>, PdfError> {
    if pdf.len() > MAX_PDF_BYTES {
        return Err(PdfError::TooLarge);
    }
    let head = pdf.get(..1024).unwrap_or(pdf);
    if find(head, b"%PDF-", 0).is_none() {
        return Err(PdfError::NotPdf);
    }
    let objects = index_objects(pdf);
    // File specifications naming the bundle, and the streams they point to.
    let mut streams = Vec::new();
    for spec in objects.file_specs.values() {
        let Some(ef) = spec.get(b"EF") else { continue };
        let named = [b"UF".as_slice(), b"F"].iter().any(
            |k| matches!(spec.get(k), Some(Obj::Str(s)) if text_string(s) == BUNDLE_FILE_NAME),
        );
        if !named {
            continue;
        }
        let ef = resolve(pdf, &objects.at, ef)?;
        match ef.get(b"F").or_else(|| ef.get(b"UF")) {
            Some(Obj::Ref(n)) => {
                if !streams.contains(n) {
                    streams.push(*n);
                }
            }
            _ => {
                return Err(PdfError::Damaged(
                    "the file specification has no embedded file",
                ))
            }
        }
    }
    let stream = match streams.as_slice() {
        [] => return Err(PdfError::NoBundle),
        [one] => *one,
        _ => return Err(PdfError::Ambiguous),
    };
    let at = *objects
        .at
        .get(&stream)
        .ok_or(PdfError::Damaged("the embedded file object is missing"))?;
    let mut lx = Lexer::new(pdf, at);
    let dict = lx.object(0)?;
    if !matches!(dict, Obj::Dict(_)) || !lx.keyword(b"stream") {
        return Err(PdfError::Damaged("the embedded file is not a stream"));
    }
    // The data starts after the end-of-line that follows `stream`.
    match (lx.peek(), pdf.get(lx.pos + 1)) {
        (Some(b'\r'), Some(b'\n')) => lx.pos += 2,
        (Some(b'\n' | b'\r'), _) => lx.pos += 1,
        _ => return Err(BAD),
    }
    let len = match dict.get(b"Length").map(|l| resolve(pdf, &objects.at, l)) {
        Some(Ok(l)) => match *l {
            Obj::Int(n) => usize::try_from(n).map_err(|_| PdfError::Damaged("negative length"))?,
            _ => return Err(PdfError::Damaged("the stream length is not a number")),
        },
        Some(Err(e)) => return Err(e),
        None => return Err(PdfError::Damaged("the stream has no length")),
    };
    let data = lx
        .pos
        .checked_add(len)
        .and_then(|end| pdf.get(lx.pos..end))
        .ok_or(PdfError::Damaged("the file is truncated"))?;
    let mut after = Lexer::new(pdf, lx.pos + len);
    if !after.keyword(b"endstream") {
        return Err(PdfError::Damaged(
            "the stream length does not match its data",
        ));
    }
    let filters: Vec<Vec<u8>> = match dict.get(b"Filter") {
        None => Vec::new(),
        Some(Obj::Name(n)) => vec![n.clone()],
        Some(Obj::Array(a)) => a
            .iter()
            .map(|f| match f {
                Obj::Name(n) => Ok(n.clone()),
                _ => Err(BAD),
            })
            .collect::<R<_>>()?,
        Some(_) => return Err(BAD),
    };
    if dict.get(b"DecodeParms").is_some_and(|p| *p != Obj::Null) {
        return Err(PdfError::UnsupportedFilter("decode parameters".into()));
    }
    let bytes = match filters.as_slice() {
        [] => {
            if data.len() > MAX_BUNDLE_BYTES {
                return Err(PdfError::BundleTooLarge);
            }
            data.to_vec()
        }
        [f] if f == b"FlateDecode" || f == b"Fl" => {
            miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(data, MAX_BUNDLE_BYTES)
                .map_err(|e| match e.status {
                    miniz_oxide::inflate::TINFLStatus::HasMoreOutput => PdfError::BundleTooLarge,
                    _ => PdfError::Damaged("its compressed data does not decompress"),
                })?
        }
        [f] => {
            return Err(PdfError::UnsupportedFilter(
                String::from_utf8_lossy(f).into_owned(),
            ))
        }
        _ => return Err(PdfError::UnsupportedFilter("a chain of filters".into())),
    };
    if let Some(Obj::Int(size)) = dict.get(b"Params").and_then(|p| p.get(b"Size")) {
        if usize::try_from(*size).ok() != Some(bytes.len()) {
            return Err(PdfError::Damaged(
                "its size differs from the size recorded with it",
            ));
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdf_with(stream_dict: &str, data: &[u8], name: &str) -> Vec<u8> {
        let mut out = b"%PDF-1.7\n%\xe2\xe3\n".to_vec();
        out.extend_from_slice(
            format!("1 0 obj\n<< /Type /Filespec /F ({name}) /UF ({name}) /EF << /F 2 0 R /UF 2 0 R >> /AFRelationship /Source >>\nendobj\n").as_bytes(),
        );
        out.extend_from_slice(
            format!(
                "2 0 obj\n<< /Type /EmbeddedFile /Length {} {stream_dict} >>\nstream\n",
                data.len()
            )
            .as_bytes(),
        );
        out.extend_from_slice(data);
        out.extend_from_slice(b"\nendstream\nendobj\ntrailer\n<< /Root 3 0 R >>\n%%EOF\n");
        out
    }

    #[test]
    fn plain_and_compressed_attachments_are_read() {
        let body = br#"{"format":"x"}"#;
        let pdf = pdf_with("/Subtype /application#2Fjson", body, BUNDLE_FILE_NAME);
        assert_eq!(extract_bundle(&pdf).unwrap(), body);
        let z = miniz_oxide::deflate::compress_to_vec_zlib(body, 6);
        let pdf = pdf_with(
            "/Filter /FlateDecode /Params << /Size 14 >>",
            &z,
            BUNDLE_FILE_NAME,
        );
        assert_eq!(extract_bundle(&pdf).unwrap(), body);
    }

    #[test]
    fn a_pdf_without_the_attachment_says_so() {
        let pdf = pdf_with("", b"{}", "other.json");
        assert_eq!(extract_bundle(&pdf), Err(PdfError::NoBundle));
        assert_eq!(extract_bundle(b"{\"format\":1}"), Err(PdfError::NotPdf));
        assert!(extract_bundle(&pdf)
            .unwrap_err()
            .to_string()
            .contains("rollcall export MEETING --format pdf"));
    }

    #[test]
    fn damaged_compressed_data_and_wrong_sizes_are_errors() {
        let body = br#"{"format":"x"}"#;
        let mut z = miniz_oxide::deflate::compress_to_vec_zlib(body, 6);
        let last = z.len() - 1;
        z[last] ^= 1; // breaks the Adler-32 checksum
        let pdf = pdf_with("/Filter /FlateDecode", &z, BUNDLE_FILE_NAME);
        assert!(matches!(extract_bundle(&pdf), Err(PdfError::Damaged(_))));
        let pdf = pdf_with("/Params << /Size 99 >>", body, BUNDLE_FILE_NAME);
        assert!(matches!(extract_bundle(&pdf), Err(PdfError::Damaged(_))));
        let pdf = pdf_with("/Filter /LZWDecode", body, BUNDLE_FILE_NAME);
        assert!(matches!(
            extract_bundle(&pdf),
            Err(PdfError::UnsupportedFilter(_))
        ));
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let body = br#"{"format":"rollcall-bundle/1"}"#;
        let z = miniz_oxide::deflate::compress_to_vec_zlib(body, 6);
        let pdf = pdf_with("/Filter /FlateDecode", &z, BUNDLE_FILE_NAME);
        let end = find(&pdf, b"endstream", 0).unwrap();
        for n in 0..end {
            assert!(extract_bundle(&pdf[..n]).is_err(), "prefix of {n} bytes");
        }
        // Flipping any byte never panics.
        for i in 0..pdf.len() {
            let mut p = pdf.clone();
            p[i] ^= 0x5a;
            let _ = extract_bundle(&p);
        }
    }

    #[test]
    fn two_different_attachments_with_the_name_are_refused() {
        let mut pdf = pdf_with("", b"{}", BUNDLE_FILE_NAME);
        pdf.extend_from_slice(
            format!("4 0 obj\n<< /Type /Filespec /F ({BUNDLE_FILE_NAME}) /EF << /F 5 0 R >> >>\nendobj\n5 0 obj\n<< /Length 2 >>\nstream\n[]\nendstream\nendobj\n").as_bytes(),
        );
        assert_eq!(extract_bundle(&pdf), Err(PdfError::Ambiguous));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut pdf = b"%PDF-1.7\n1 0 obj\n".to_vec();
        pdf.extend(std::iter::repeat_n(b'[', 10_000));
        assert_eq!(extract_bundle(&pdf), Err(PdfError::NoBundle));
    }

    #[test]
    fn unclosed_strings_end_the_scan() {
        let mut pdf = b"%PDF-1.7\n".to_vec();
        for n in 0..20_000 {
            pdf.extend_from_slice(format!("{n} 0 obj (").as_bytes());
        }
        assert_eq!(extract_bundle(&pdf), Err(PdfError::NoBundle));
    }

    #[test]
    fn utf16_names_are_understood() {
        let mut s = vec![0xfe, 0xff];
        for u in BUNDLE_FILE_NAME.encode_utf16() {
            s.extend_from_slice(&u.to_be_bytes());
        }
        assert_eq!(text_string(&s), BUNDLE_FILE_NAME);
    }
}
