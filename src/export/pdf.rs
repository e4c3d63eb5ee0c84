//! The printable attendance list as a PDF (PDF/A-3b), with the signed
//! bundle attached as `attendance-bundle.json`.
//!
//! Layout is done here: A4 landscape pages, a table whose header repeats on
//! every page, cells wrapped at measured glyph advances, the notes, the
//! verification block with its QR code, the Code as an annex, and
//! "page N of M" at the foot of every page.

use krilla::color::rgb;
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::embed::{AssociationKind, EmbeddedFile, MimeType};
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule};
use krilla::surface::Surface;
use krilla::{Document, SerializeSettings};
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

use super::fonts::{FontLibrary, Shaped};
use super::{audit_text, cell, meeting_line, Cell, ListText};
use crate::trust::bundle::Bundle;
use crate::trust::pdf_attachment::BUNDLE_FILE_NAME;
use crate::trust::verify::Report;

/// Why the PDF could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PdfRenderError {
    #[error("the PDF could not be written: {0}")]
    Writer(String),
}

const PAGE_W: f32 = 841.89;
const PAGE_H: f32 = 595.28;
const MARGIN: f32 = 36.0;
const FOOT: f32 = 24.0;
const BODY: f32 = 8.5;
const PAD: f32 = 3.0;
const BLACK: u8 = 0;
const GREY: u8 = 100;

/// Relative column widths: #, name, organisation, country, role, time,
/// presence, attestation.
const COLUMNS: [f32; 8] = [0.035, 0.19, 0.16, 0.10, 0.085, 0.155, 0.155, 0.12];

enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        gray: u8,
        line: Shaped,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        gray: u8,
    },
    Qr {
        x: f32,
        y: f32,
        module: f32,
        width: usize,
        dark: Vec<bool>,
    },
}

struct Layout<'a> {
    fonts: &'a FontLibrary,
    text: &'a ListText,
    pages: Vec<Vec<Op>>,
    y: f32,
    /// Drawn at the top of each new page while the table runs.
    table_header: bool,
}

fn line_height(size: f32) -> f32 {
    size * 1.35
}

fn bottom() -> f32 {
    PAGE_H - MARGIN - FOOT
}

fn content_width() -> f32 {
    PAGE_W - 2.0 * MARGIN
}

/// Whether a line may break before or after `c` (ideographs, kana, hangul).
fn ideographic(c: char) -> bool {
    matches!(u32::from(c),
        0x2E80..=0x2FFF | 0x3040..=0x30FF | 0x3100..=0x31FF | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

/// Splits text at line-break opportunities: after spaces, and around
/// ideographs.
fn segments(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        if let Some(p) = prev {
            let brk = (p.is_whitespace() && !c.is_whitespace())
                || ((ideographic(p) || ideographic(c)) && !c.is_whitespace());
            if brk && !unicode_normalization::char::is_combining_mark(c) && i > start {
                out.push(&text[start..i]);
                start = i;
            }
        }
        prev = Some(c);
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

impl<'a> Layout<'a> {
    fn width(&self, s: &str, size: f32) -> f32 {
        self.fonts.shape(s).width * size
    }

    /// Breaks `text` into lines no wider than `width`.
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<Shaped> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            let mut line_w = 0.0;
            for seg in segments(para) {
                let w = self.width(seg, size);
                if line_w + w <= width || line.is_empty() && w <= width {
                    line.push_str(seg);
                    line_w += w;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                if w <= width {
                    line.push_str(seg);
                    line_w = w;
                    continue;
                }
                // A word wider than the column: break it between characters.
                let mut piece = String::new();
                for c in seg.chars() {
                    let mut next = piece.clone();
                    next.push(c);
                    if !piece.is_empty()
                        && !unicode_normalization::char::is_combining_mark(c)
                        && self.width(&next, size) > width
                    {
                        lines.push(std::mem::take(&mut piece));
                        piece.push(c);
                    } else {
                        piece = next;
                    }
                }
                line_w = self.width(&piece, size);
                line = piece;
            }
            lines.push(line);
        }
        lines
            .iter()
            .map(|l| self.fonts.shape(l.trim_end()))
            .collect()
    }

    fn page(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
        if self.table_header {
            self.header_row();
        }
    }

    /// Makes room for `h` points, starting a new page if needed.
    fn need(&mut self, h: f32) {
        if self.y + h > bottom() && self.y > MARGIN + 1.0 {
            self.new_page();
        }
    }

    fn text_at(&mut self, x: f32, baseline: f32, size: f32, gray: u8, line: Shaped) {
        self.page().push(Op::Text {
            x,
            y: baseline,
            size,
            gray,
            line,
        });
    }

    /// A wrapped paragraph across the content width, at `indent`.
    fn paragraph(&mut self, text: &str, size: f32, gray: u8, indent: f32, after: f32) {
        self.paragraph_with("", text, size, gray, indent, after);
    }

    /// A paragraph with a hanging `prefix` (a list bullet): the prefix at
    /// `indent`, every line of the text after it.
    fn paragraph_with(
        &mut self,
        prefix: &str,
        text: &str,
        size: f32,
        gray: u8,
        indent: f32,
        after: f32,
    ) {
        let lh = line_height(size);
        let hang = if prefix.is_empty() {
            0.0
        } else {
            self.width(prefix, size)
        };
        let indent_first = indent;
        let indent = indent + hang;
        for (i, line) in self
            .wrap(text, size, content_width() - indent)
            .into_iter()
            .enumerate()
        {
            self.need(lh);
            if i == 0 && hang > 0.0 {
                let bullet = self.fonts.shape(prefix);
                let y = self.y + size;
                self.text_at(MARGIN + indent_first, y, size, gray, bullet);
            }
            let x = if line.rtl {
                PAGE_W - MARGIN - line.width * size
            } else {
                MARGIN + indent
            };
            let y = self.y + size;
            self.text_at(x, y, size, gray, line);
            self.y += lh;
        }
        self.y += after;
    }

    fn rule(&mut self, y: f32, gray: u8) {
        self.page().push(Op::Rect {
            x: MARGIN,
            y,
            w: content_width(),
            h: 0.5,
            gray,
        });
    }

    fn columns() -> [(f32, f32); 8] {
        let mut x = MARGIN;
        COLUMNS.map(|f| {
            let w = f * content_width();
            let c = (x, w);
            x += w;
            c
        })
    }

    /// One table row: each cell wrapped, the row as tall as its tallest cell.
    fn row(&mut self, cells: &[(String, u8)], size: f32, shade: Option<u8>) {
        let lh = line_height(size);
        let cols = Self::columns();
        let wrapped: Vec<(Vec<Shaped>, u8)> = cells
            .iter()
            .zip(cols)
            .map(|((t, g), (_, w))| (self.wrap(t, size, w - 2.0 * PAD), *g))
            .collect();
        let lines = wrapped.iter().map(|(l, _)| l.len()).max().unwrap_or(1);
        let h = lines as f32 * lh + 2.0 * PAD;
        self.need(h);
        let top = self.y;
        if let Some(gray) = shade {
            self.page().push(Op::Rect {
                x: MARGIN,
                y: top,
                w: content_width(),
                h,
                gray,
            });
        }
        for ((cell_lines, gray), (x, w)) in wrapped.into_iter().zip(cols) {
            for (i, line) in cell_lines.into_iter().enumerate() {
                let lx = if line.rtl {
                    x + w - PAD - line.width * size
                } else {
                    x + PAD
                };
                let baseline = top + PAD + i as f32 * lh + size;
                self.text_at(lx, baseline, size, gray, line);
            }
        }
        self.y = top + h;
        self.rule(self.y, 200);
    }

    fn header_row(&mut self) {
        let t = self.text;
        let cells: Vec<(String, u8)> = [
            &t.col_number,
            &t.col_name,
            &t.col_organisation,
            &t.col_country,
            &t.col_role,
            &t.col_time,
            &t.col_presence,
            &t.col_attestation,
        ]
        .iter()
        .map(|s| ((*s).clone(), BLACK))
        .collect();
        // The header itself never triggers a page break recursion.
        let saved = self.table_header;
        self.table_header = false;
        self.row(&cells, BODY, Some(225));
        self.table_header = saved;
    }

    fn heading(&mut self, s: &str, size: f32) {
        self.need(line_height(size) * 3.0);
        self.y += size * 0.6;
        self.paragraph(s, size, BLACK, 0.0, size * 0.3);
    }

    /// The Code, from its Markdown: headings, paragraphs and list items.
    fn markdown(&mut self, md: &str) {
        let mut buf = String::new();
        let mut size = BODY + 0.5;
        let mut depth: usize = 0;
        let mut prefix = String::new();
        let flush =
            |me: &mut Self, buf: &mut String, size: f32, indent: f32, prefix: &mut String| {
                let t = buf.trim();
                if !t.is_empty() {
                    me.paragraph_with(prefix, t, size, BLACK, indent, size * 0.5);
                }
                buf.clear();
                prefix.clear();
            };
        for ev in Parser::new(md) {
            let indent = 14.0 * depth as f32;
            match ev {
                Event::Start(Tag::Heading { level, .. }) => {
                    flush(self, &mut buf, size, indent, &mut prefix);
                    size = match level {
                        HeadingLevel::H1 => 14.0,
                        HeadingLevel::H2 => 12.0,
                        HeadingLevel::H3 => 10.5,
                        _ => 9.5,
                    };
                    self.need(line_height(size) * 3.0);
                    self.y += size * 0.4;
                }
                Event::End(TagEnd::Heading(_)) => {
                    flush(self, &mut buf, size, indent, &mut prefix);
                    size = BODY + 0.5;
                }
                Event::Start(Tag::List(_)) => {
                    flush(self, &mut buf, size, indent, &mut prefix);
                    depth += 1;
                }
                Event::End(TagEnd::List(_)) => depth = depth.saturating_sub(1),
                Event::Start(Tag::Item) => {
                    flush(self, &mut buf, size, indent, &mut prefix);
                    prefix = "• ".to_owned();
                }
                Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::BlockQuote(_))
                | Event::HardBreak => flush(self, &mut buf, size, indent, &mut prefix),
                Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                    buf.push_str(&t);
                }
                Event::SoftBreak => buf.push(' '),
                Event::Rule => {
                    flush(self, &mut buf, size, indent, &mut prefix);
                    let y = self.y + 4.0;
                    self.rule(y, 160);
                    self.y += 10.0;
                }
                _ => {}
            }
        }
        flush(self, &mut buf, size, 0.0, &mut prefix);
    }
}

fn fill(gray: u8) -> Fill {
    Fill {
        paint: rgb::Color::new(gray, gray, gray).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

fn draw(surface: &mut Surface<'_>, op: &Op) {
    match op {
        Op::Text {
            x,
            y,
            size,
            gray,
            line,
        } => {
            surface.set_fill(Some(fill(*gray)));
            let mut x = *x;
            for run in &line.runs {
                surface.draw_glyphs(
                    Point::from_xy(x, *y),
                    &run.glyphs,
                    run.font.pdf.clone(),
                    &run.text,
                    *size,
                    false,
                );
                x += run.width * size;
            }
        }
        Op::Rect { x, y, w, h, gray } => {
            let mut pb = PathBuilder::new();
            if let Some(r) = Rect::from_xywh(*x, *y, *w, *h) {
                pb.push_rect(r);
            }
            if let Some(path) = pb.finish() {
                surface.set_fill(Some(fill(*gray)));
                surface.draw_path(&path);
            }
        }
        Op::Qr {
            x,
            y,
            module,
            width,
            dark,
        } => {
            let mut pb = PathBuilder::new();
            for (i, _) in dark.iter().enumerate().filter(|(_, d)| **d) {
                let (mx, my) = ((i % width) as f32, (i / width) as f32);
                if let Some(r) = Rect::from_xywh(x + mx * module, y + my * module, *module, *module)
                {
                    pb.push_rect(r);
                }
            }
            if let Some(path) = pb.finish() {
                surface.set_fill(Some(fill(0)));
                surface.draw_path(&path);
            }
        }
    }
}

fn pdf_date(t: time::OffsetDateTime) -> DateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    DateTime::new(t.year().clamp(0, 9999) as u16)
        .month(u8::from(t.month()))
        .day(t.day())
        .hour(t.hour())
        .minute(t.minute())
        .second(t.second())
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

/// Lays out and writes the PDF list.
pub fn render(
    bundle: &Bundle,
    report: &Report,
    bundle_json: &[u8],
    text: &ListText,
    fonts: &FontLibrary,
    now: time::OffsetDateTime,
) -> Result<Vec<u8>, PdfRenderError> {
    let title = report.meeting.as_ref().map_or("", |m| m.title.as_str());
    let mut l = Layout {
        fonts,
        text,
        pages: vec![Vec::new()],
        y: MARGIN,
        table_header: false,
    };
    // Header.
    l.paragraph(
        &format!("{}{}", text.title_prefix, title),
        16.0,
        BLACK,
        0.0,
        2.0,
    );
    l.paragraph(&meeting_line(report), 10.0, BLACK, 0.0, 2.0);
    if report.closed_at.is_none() {
        l.paragraph(&text.provisional, 10.0, BLACK, 0.0, 2.0);
    }
    l.y += 6.0;
    // The table.
    l.header_row();
    l.table_header = true;
    let show = |c: Cell<'_>| match c {
        Cell::Value(v) => (v.to_owned(), BLACK),
        Cell::Withheld => (text.withheld.clone(), GREY),
        Cell::NotGiven => (text.not_given.clone(), GREY),
    };
    for (n, a) in report.attendees.iter().enumerate() {
        let cells = [
            ((n + 1).to_string(), BLACK),
            show(cell(a, "name")),
            show(cell(a, "organization")),
            show(cell(a, "country")),
            (text.role(&a.role), BLACK),
            (text.time_cell(a), BLACK),
            (text.presence(&a.presence), BLACK),
            (a.id.clone(), BLACK),
        ];
        l.row(&cells, BODY, (n % 2 == 1).then_some(246));
    }
    l.table_header = false;
    // Notes.
    if !report.notes.is_empty() {
        l.heading(&text.notes_heading, 12.0);
        for n in &report.notes {
            l.paragraph(&n.text, 9.5, BLACK, 10.0, 1.0);
            l.paragraph(
                &format!("{}, {}", n.recorded_by, n.recorded_at),
                8.0,
                GREY,
                10.0,
                6.0,
            );
        }
    }
    // Verification: the QR code beside the facts that tie the list to
    // the attached bundle.
    let cp = report.checkpoint.as_ref();
    let signer = cp.map_or("", |c| c.signer.as_str());
    let qr = crate::qr::modules(&audit_text(report))
        .map_err(|e| PdfRenderError::Writer(e.to_string()))?;
    let qr_side = 120.0f32;
    l.need(qr_side + 110.0);
    l.heading(&text.verification_heading, 12.0);
    let top = l.y;
    let module = qr_side / qr.0 as f32;
    l.page().push(Op::Qr {
        x: MARGIN,
        y: top,
        module,
        width: qr.0,
        dark: qr.1,
    });
    let facts = [
        (text.check_ins.as_str(), report.attestations.to_string()),
        (
            text.log.as_str(),
            cp.map_or("", |c| c.origin.as_str()).to_owned(),
        ),
        (
            text.checkpoint.as_str(),
            format!(
                "{} {}, {} {}",
                text.size,
                cp.map_or(0, |c| c.size),
                text.root,
                cp.map_or("", |c| c.root.as_str())
            ),
        ),
        (text.signed_by.as_str(), signer.to_owned()),
        (
            text.code.as_str(),
            report
                .codes
                .iter()
                .map(|c| format!("{} sha256:{}", c.title, c.sha256))
                .collect::<Vec<_>>()
                .join("; "),
        ),
    ];
    let fx = MARGIN + qr_side + 16.0;
    let label_w = 80.0;
    let value_w = PAGE_W - MARGIN - fx - label_w;
    l.y = top;
    for (label, value) in facts {
        let lh = line_height(9.0);
        let label_line = l.fonts.shape(label);
        let y0 = l.y;
        l.text_at(fx, y0 + 9.0, 9.0, GREY, label_line);
        for line in l.wrap(&value, 9.0, value_w) {
            l.text_at(fx + label_w, l.y + 9.0, 9.0, BLACK, line);
            l.y += lh;
        }
        l.y += 2.0;
    }
    l.y += 4.0;
    let hint = format!(
        "{} rollcall verify LIST.pdf --key {signer}",
        text.verify_pdf
    );
    for line in l.wrap(&hint, 9.0, PAGE_W - MARGIN - fx) {
        l.text_at(fx, l.y + 9.0, 9.0, BLACK, line);
        l.y += line_height(9.0);
    }
    l.y = l.y.max(top + qr_side) + 8.0;
    // Annex: the Code, from a new page.
    for code in &bundle.codes {
        l.new_page();
        l.paragraph(&text.annex_heading, 12.0, BLACK, 0.0, 6.0);
        l.markdown(code);
    }

    // Write the document.
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A3_B)
        .finish()
        .map_err(|e| PdfRenderError::Writer(format!("{e:?}")))?;
    let settings = SerializeSettings {
        configuration,
        ..SerializeSettings::default()
    };
    let mut doc = Document::new_with(settings);
    doc.set_metadata(
        Metadata::new()
            .title(format!("{}{}", text.title_prefix, title))
            .creator("rollcall".to_owned())
            .language(text.lang.clone())
            .creation_date(pdf_date(now)),
    );
    let total = l.pages.len();
    let footer_left = format!(
        "{}{} · {} {} {} {}",
        text.title_prefix,
        title,
        text.checkpoint,
        cp.map_or(0, |c| c.size),
        text.root,
        cp.map_or("", |c| c.root.as_str())
    );
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
        .ok_or_else(|| PdfRenderError::Writer("bad page size".into()))?;
    for (i, ops) in l.pages.iter().enumerate() {
        let mut page = doc.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in ops {
            draw(&mut surface, op);
        }
        let foot_y = PAGE_H - MARGIN;
        let page_no = fonts.shape(&text.page(i + 1, total));
        let right = PAGE_W - MARGIN - page_no.width * 7.5;
        let mut left = fonts.shape(&footer_left);
        let max_left = right - MARGIN - 12.0;
        if left.width * 7.5 > max_left {
            let short: String = footer_left.chars().take(80).collect();
            left = fonts.shape(&format!("{short}…"));
        }
        draw(
            &mut surface,
            &Op::Text {
                x: MARGIN,
                y: foot_y,
                size: 7.5,
                gray: GREY,
                line: left,
            },
        );
        draw(
            &mut surface,
            &Op::Text {
                x: right,
                y: foot_y,
                size: 7.5,
                gray: GREY,
                line: page_no,
            },
        );
        surface.finish();
        page.finish();
    }
    let attached = doc.embed_file(EmbeddedFile {
        path: BUNDLE_FILE_NAME.to_owned(),
        mime_type: MimeType::new("application/json"),
        description: Some(
            "The signed attendance list (rollcall bundle); check it with rollcall verify"
                .to_owned(),
        ),
        association_kind: AssociationKind::Source,
        data: bundle_json.to_vec().into(),
        modification_date: Some(pdf_date(now)),
        compress: Some(true),
        location: None,
    });
    if attached.is_none() {
        return Err(PdfRenderError::Writer(
            "the bundle could not be attached".into(),
        ));
    }
    doc.finish()
        .map_err(|e| PdfRenderError::Writer(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::segments;

    #[test]
    fn lines_break_after_spaces_and_around_ideographs() {
        assert_eq!(segments("Ana María López"), ["Ana ", "María ", "López"]);
        assert_eq!(segments("王小明 Li"), ["王", "小", "明 ", "Li"]);
        assert_eq!(segments("e\u{301}t\u{e9}"), ["e\u{301}t\u{e9}"]);
    }
}
