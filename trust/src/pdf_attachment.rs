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
//! Objects packed into compressed object streams (§7.5.7, what a PDF
//! re-saved by qpdf, Acrobat or Ghostscript often has) are read too: each
//! object stream is inflated once, within a total budget.

use std::collections::BTreeMap;

/// The name of the embedded file that holds the bundle.
pub const BUNDLE_FILE_NAME: &str = "attendance-bundle.json";
/// The largest PDF read.
pub const MAX_PDF_BYTES: usize = 1 << 30;
/// The largest bundle returned (after decompression).
pub const MAX_BUNDLE_BYTES: usize = 1 << 30;
/// How deeply arrays and dictionaries may nest.
const MAX_DEPTH: usize = 32;
/// The most bytes all object streams of one PDF may inflate to.
const MAX_OBJECT_STREAM_BYTES: usize = 64 << 20;
/// The most objects one object stream may declare.
const MAX_OBJECTS_PER_STREAM: usize = 100_000;

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

/// Where an indirect object's latest definition is: at an offset of the
/// file (just after `n g obj`), or parsed out of a compressed object stream.
enum Loc {
    File(usize),
    Packed(Obj),
}

/// Each indirect object's latest definition, and the dictionaries among
/// them that have an `/EF` entry (file specifications). The file is scanned
/// once, front to back: after each object (parsed or not) the scan goes on
/// where its parse stopped, and stream data whose length is written
/// directly is skipped, so the work stays linear in the size of the file.
/// An object stream met on the way is inflated (within
/// [`MAX_OBJECT_STREAM_BYTES`] for the whole file) and its objects are
/// indexed as if they stood there. A later definition replaces an earlier
/// one, as in an incremental update.
struct Objects {
    at: BTreeMap<u32, Loc>,
    file_specs: BTreeMap<u32, Obj>,
}

impl Objects {
    fn define(&mut self, num: u32, loc: Loc) {
        self.file_specs.remove(&num);
        if let Loc::Packed(dict @ Obj::Dict(_)) = &loc {
            if dict.get(b"EF").is_some() {
                self.file_specs.insert(num, dict.clone());
            }
        }
        self.at.insert(num, loc);
    }
}

fn index_objects(pdf: &[u8]) -> Objects {
    let mut objects = Objects {
        at: BTreeMap::new(),
        file_specs: BTreeMap::new(),
    };
    let mut budget = MAX_OBJECT_STREAM_BYTES;
    // Object streams whose length is an indirect object, read once the
    // scan has found that object.
    let mut later = Vec::new();
    let mut i = 0usize;
    while let Some(found) = find(pdf, b"obj", i) {
        i = found + 3;
        if pdf.get(i).is_some_and(|c| is_regular(*c)) {
            continue;
        }
        let Some(num) = number_before(pdf, found) else {
            continue;
        };
        objects.define(num, Loc::File(i));
        let mut lx = Lexer::new(pdf, i);
        let parsed = lx.object(0);
        i = lx.pos.max(i);
        if let Ok(dict @ Obj::Dict(_)) = parsed {
            if lx.keyword(b"stream") {
                // Skip the stream data, reading it first if it is an
                // object stream.
                let packed = dict.get(b"Type") == Some(&Obj::Name(b"ObjStm".to_vec()));
                match dict.get(b"Length") {
                    Some(Obj::Int(len)) => {
                        if let Ok(len) = usize::try_from(*len) {
                            if packed {
                                if let Ok(data) = stream_data(pdf, &mut lx, len) {
                                    for (n, obj) in packed_objects(&dict, data, &mut budget) {
                                        objects.define(n, Loc::Packed(obj));
                                    }
                                }
                            }
                            i = lx.pos.saturating_add(len).min(pdf.len());
                        }
                    }
                    Some(Obj::Ref(_)) if packed => later.push((dict, lx.pos)),
                    _ => {}
                }
            } else if dict.get(b"EF").is_some() {
                objects.file_specs.insert(num, dict);
            }
        }
    }
    for (dict, at) in later {
        let len = match dict.get(b"Length").map(|l| resolve(pdf, &objects.at, l)) {
            Some(Ok(l)) => match *l {
                Obj::Int(n) => usize::try_from(n).ok(),
                _ => None,
            },
            _ => None,
        };
        let mut lx = Lexer::new(pdf, at);
        if let Some(data) = len.and_then(|len| stream_data(pdf, &mut lx, len).ok()) {
            for (n, obj) in packed_objects(&dict, data, &mut budget) {
                if !objects.at.contains_key(&n) {
                    objects.define(n, Loc::Packed(obj));
                }
            }
        }
    }
    objects
}

/// The `len` bytes of a stream whose keyword `stream` `lx` has just read
/// (they start after the end-of-line that follows it).
fn stream_data<'p>(pdf: &'p [u8], lx: &mut Lexer<'_>, len: usize) -> R<&'p [u8]> {
    match (lx.peek(), pdf.get(lx.pos + 1)) {
        (Some(b'\r'), Some(b'\n')) => lx.pos += 2,
        (Some(b'\n' | b'\r'), _) => lx.pos += 1,
        _ => return Err(BAD),
    }
    lx.pos
        .checked_add(len)
        .and_then(|end| pdf.get(lx.pos..end))
        .ok_or(PdfError::Damaged("the file is truncated"))
}

/// The objects of one object stream (ISO 32000-1 §7.5.7): `/N` pairs of
/// object number and offset, then the objects from `/First` on. Anything
/// damaged yields fewer objects, never an error: a bad object stream only
/// matters if the bundle's file specification is in it, and then the
/// search reports that no bundle was found.
fn packed_objects(dict: &Obj, data: &[u8], budget: &mut usize) -> Vec<(u32, Obj)> {
    let filter_ok = match dict.get(b"Filter") {
        None => true,
        Some(Obj::Name(n)) => n == b"FlateDecode" || n == b"Fl",
        Some(Obj::Array(a)) => {
            matches!(a.as_slice(), [Obj::Name(n)] if n == b"FlateDecode" || n == b"Fl")
        }
        Some(_) => false,
    };
    if !filter_ok || dict.get(b"DecodeParms").is_some_and(|p| *p != Obj::Null) {
        return Vec::new();
    }
    let inflated;
    let data = if dict.get(b"Filter").is_some() {
        match miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(data, *budget) {
            Ok(d) => {
                inflated = d;
                &inflated[..]
            }
            Err(_) => return Vec::new(),
        }
    } else {
        data
    };
    *budget = budget.saturating_sub(data.len());
    let (Some(Obj::Int(n)), Some(Obj::Int(first))) = (dict.get(b"N"), dict.get(b"First")) else {
        return Vec::new();
    };
    let (Ok(n), Ok(first)) = (usize::try_from(*n), usize::try_from(*first)) else {
        return Vec::new();
    };
    let mut header = Lexer::new(data, 0);
    let mut out = Vec::new();
    for _ in 0..n.min(MAX_OBJECTS_PER_STREAM) {
        let (Some(num), Some(offset)) = (header.uint(), header.uint()) else {
            break;
        };
        let (Ok(num), Some(at)) = (
            u32::try_from(num),
            usize::try_from(offset)
                .ok()
                .and_then(|o| o.checked_add(first)),
        ) else {
            break;
        };
        if at >= data.len() {
            break;
        }
        if let Ok(obj) = Lexer::new(data, at).object(0) {
            out.push((num, obj));
        }
    }
    out
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
    objects: &BTreeMap<u32, Loc>,
    o: &'o Obj,
) -> R<std::borrow::Cow<'o, Obj>> {
    match o {
        Obj::Ref(n) => match objects
            .get(n)
            .ok_or(PdfError::Damaged("a referenced object is missing"))?
        {
            Loc::File(at) => Ok(std::borrow::Cow::Owned(Lexer::new(pdf, *at).object(0)?)),
            Loc::Packed(obj) => Ok(std::borrow::Cow::Owned(obj.clone())),
        },
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
    let at = match objects.at.get(&stream) {
        Some(Loc::File(at)) => *at,
        // Streams cannot be packed into object streams (§7.5.7).
        Some(Loc::Packed(_)) => return Err(PdfError::Damaged("the embedded file is not a stream")),
        None => return Err(PdfError::Damaged("the embedded file object is missing")),
    };
    let mut lx = Lexer::new(pdf, at);
    let dict = lx.object(0)?;
    if !matches!(dict, Obj::Dict(_)) || !lx.keyword(b"stream") {
        return Err(PdfError::Damaged("the embedded file is not a stream"));
    }
    let len = match dict.get(b"Length").map(|l| resolve(pdf, &objects.at, l)) {
        Some(Ok(l)) => match *l {
            Obj::Int(n) => usize::try_from(n).map_err(|_| PdfError::Damaged("negative length"))?,
            _ => return Err(PdfError::Damaged("the stream length is not a number")),
        },
        Some(Err(e)) => return Err(e),
        None => return Err(PdfError::Damaged("the stream has no length")),
    };
    let data = stream_data(pdf, &mut lx, len)?;
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

    /// A PDF whose file specification is packed into a compressed object
    /// stream, as `qpdf --object-streams=generate` writes it; with
    /// `indirect_length`, the object stream's length is an object of its own.
    fn pdf_with_object_stream(data: &[u8], indirect_length: bool) -> Vec<u8> {
        let spec = format!("<< /Type /Filespec /F ({BUNDLE_FILE_NAME}) /UF ({BUNDLE_FILE_NAME}) /EF << /F 2 0 R >> >>");
        let other = "<< /Type /Catalog >>";
        let header = format!("1 0 3 {} ", spec.len() + 1);
        let body = format!("{header}{spec} {other}");
        let z = miniz_oxide::deflate::compress_to_vec_zlib(body.as_bytes(), 6);
        let mut out = b"%PDF-1.7\n".to_vec();
        out.extend_from_slice(
            format!(
                "2 0 obj\n<< /Type /EmbeddedFile /Length {} >>\nstream\n",
                data.len()
            )
            .as_bytes(),
        );
        out.extend_from_slice(data);
        out.extend_from_slice(b"\nendstream\nendobj\n");
        let length = if indirect_length {
            "5 0 R".to_owned()
        } else {
            z.len().to_string()
        };
        out.extend_from_slice(
            format!(
                "4 0 obj\n<< /Type /ObjStm /N 2 /First {} /Filter /FlateDecode /Length {length} >>\nstream\n",
                header.len()
            )
            .as_bytes(),
        );
        out.extend_from_slice(&z);
        out.extend_from_slice(b"\nendstream\nendobj\n");
        out.extend_from_slice(format!("5 0 obj\n{}\nendobj\n%%EOF\n", z.len()).as_bytes());
        out
    }

    #[test]
    fn a_file_specification_in_a_compressed_object_stream_is_found() {
        let body = br#"{"format":"x"}"#;
        for indirect in [false, true] {
            let pdf = pdf_with_object_stream(body, indirect);
            assert_eq!(
                extract_bundle(&pdf).unwrap(),
                body,
                "indirect length: {indirect}"
            );
        }
        // Damage anywhere never panics; cutting the object stream short
        // loses the specification.
        let pdf = pdf_with_object_stream(body, false);
        for i in 0..pdf.len() {
            let mut p = pdf.clone();
            p[i] ^= 0x5a;
            let _ = extract_bundle(&p);
        }
        let at = find(&pdf, b"4 0 obj", 0).unwrap();
        assert_eq!(extract_bundle(&pdf[..at + 60]), Err(PdfError::NoBundle));
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
