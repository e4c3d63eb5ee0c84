//! The printable attendance list as a tagged, accessible PDF (PDF/UA-1 and
//! PDF/A-3a), with the signed bundle attached as `attendance-bundle.json`.
//!
//! Layout is done here: A4 landscape pages, a table whose header repeats on
//! every page, cells wrapped at measured glyph advances, the notes, the
//! verification block with its QR code, the Code as an annex, and
//! "page N of M" at the foot of every page.
//!
//! While laying out, every piece of text (and the QR code) is filed under
//! an element of the document's logical structure: the title (H1), section
//! headings (H2, and below them the Code's own headings), paragraphs, the
//! attendance list as one table (a header row of column headers, then one
//! row per attendee, across all pages), the Code's lists, and the QR code
//! as a figure with a text alternative. What only repeats or decorates —
//! the table header on later pages, shading, rules, the page footers — is
//! marked as an artifact, outside the structure.

use std::num::NonZeroU16;

use krilla::color::rgb;
use krilla::configure::{Accessibility, Archival, ConfigurationBuilder, ValidationError};
use krilla::destination::XyzDestination;
use krilla::embed::{AssociationKind, EmbeddedFile, MimeType};
use krilla::error::KrillaError;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule};
use krilla::surface::Surface;
use krilla::tagging::{
    Artifact, ArtifactType, BBox, ContentTag, Identifier, ListNumbering, Node, SpanTag,
    TableHeaderScope, Tag, TagGroup, TagKind, TagTree,
};
use krilla::{Document, SerializeSettings};
use pulldown_cmark::{Event, HeadingLevel, Parser, Tag as Md, TagEnd};

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
    /// The document would break a standard it is written to; nothing is
    /// written rather than a file that claims a conformance it lacks.
    #[error("the PDF was not written because it would not conform: {0}")]
    Nonconforming(String),
}

/// A readable account of why krilla refused to write the document.
fn writer_error(e: KrillaError) -> PdfRenderError {
    let KrillaError::Validation(errors) = e else {
        return PdfRenderError::Writer(e.to_string());
    };
    /// Distinct problems named; the rest are counted.
    const SHOWN: usize = 10;
    let mut seen = std::collections::HashSet::new();
    let problems: Vec<String> = errors
        .iter()
        .map(|(err, validators)| {
            let by: Vec<&str> = validators.into_iter().map(|v| v.as_str()).collect();
            format!("{} ({})", describe(err), by.join(", "))
        })
        .filter(|p| seen.insert(p.clone()))
        .collect();
    let mut message = problems
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if problems.len() > SHOWN {
        message.push_str(&format!("; and {} more", problems.len() - SHOWN));
    }
    PdfRenderError::Nonconforming(message)
}

fn describe(e: &ValidationError) -> String {
    match e {
        ValidationError::ContainsNotDefGlyph(_, _, text) => {
            format!("a font has no glyph for {text:?}")
        }
        ValidationError::NoCodepointMapping(..) | ValidationError::InvalidCodepointMapping(..) => {
            "a glyph cannot be mapped back to text".to_owned()
        }
        ValidationError::UnicodePrivateArea(_, _, c, _) => format!(
            "a glyph stands for a private-use character U+{:04X}",
            u32::from(*c)
        ),
        ValidationError::NoDocumentLanguage => "the document has no language".to_owned(),
        ValidationError::NoDocumentTitle => "the document has no title".to_owned(),
        ValidationError::MissingAltText(_) => "a figure has no text alternative".to_owned(),
        ValidationError::MissingHeadingTitle => "a heading has no title".to_owned(),
        ValidationError::MissingDocumentOutline => "the document has no outline".to_owned(),
        ValidationError::MissingTagging => "the document is not tagged".to_owned(),
        ValidationError::RestrictedLicense(_) => {
            "a font's licence does not allow embedding it".to_owned()
        }
        other => format!("{other:?}"),
    }
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

/// Where drawn content belongs.
#[derive(Clone, Copy)]
enum Mark {
    /// Content of a structure element: the index of its slot among the
    /// tag tree's leaves.
    Leaf(usize),
    /// Outside the logical structure (the repeated table header).
    Artifact(ArtifactType),
}

/// A structure element being built.
struct Elem {
    tag: TagKind,
    kids: Vec<Kid>,
}

enum Kid {
    Elem(usize),
    Leaf(usize),
}

/// The logical structure, built in reading order while laying out. Element
/// 0 is the document itself.
struct Tree {
    elems: Vec<Elem>,
    /// The open elements, innermost last (element 0 is always open).
    open: Vec<usize>,
    leaves: usize,
}

impl Tree {
    fn new() -> Self {
        Self {
            elems: vec![Elem {
                tag: Tag::NonStruct.into(),
                kids: Vec::new(),
            }],
            open: vec![0],
            leaves: 0,
        }
    }

    fn current(&self) -> usize {
        self.open.last().copied().unwrap_or(0)
    }

    /// Opens an element inside the current one.
    fn open(&mut self, tag: impl Into<TagKind>) -> usize {
        let e = self.elems.len();
        self.elems.push(Elem {
            tag: tag.into(),
            kids: Vec::new(),
        });
        let parent = self.current();
        self.elems[parent].kids.push(Kid::Elem(e));
        self.open.push(e);
        e
    }

    fn close(&mut self) {
        if self.open.len() > 1 {
            self.open.pop();
        }
    }

    /// Closes `e` and every element opened inside it.
    fn close_to(&mut self, e: usize) {
        if !self.open.contains(&e) {
            return;
        }
        while self.open.len() > 1 {
            if self.open.pop() == Some(e) {
                break;
            }
        }
    }

    /// A new piece of content in the current element.
    fn leaf(&mut self) -> usize {
        let l = self.leaves;
        self.leaves += 1;
        let e = self.current();
        self.elems[e].kids.push(Kid::Leaf(l));
        l
    }

    /// The tag tree, with the identifiers the drawn content received.
    fn finish(&self, ids: &[Option<Identifier>], lang: &str) -> TagTree {
        let mut tree = TagTree::new().with_lang(Some(lang.to_owned()));
        for node in self.nodes(0, ids) {
            tree.push(node);
        }
        tree
    }

    fn nodes(&self, e: usize, ids: &[Option<Identifier>]) -> Vec<Node> {
        let mut out = Vec::new();
        for kid in &self.elems[e].kids {
            match kid {
                Kid::Leaf(l) => {
                    if let Some(Some(id)) = ids.get(*l) {
                        out.push(Node::Leaf(*id));
                    }
                }
                Kid::Elem(k) => {
                    let children = self.nodes(*k, ids);
                    let tag = &self.elems[*k].tag;
                    // Empty cells stay, so every row has all its columns.
                    let keep = matches!(tag, TagKind::TD(_) | TagKind::TH(_) | TagKind::TR(_));
                    if !children.is_empty() || keep {
                        out.push(TagGroup::with_children(tag.clone(), children).into());
                    }
                }
            }
        }
        out
    }
}

enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        gray: u8,
        line: Shaped,
        mark: Mark,
    },
    /// Shading and rules: always artifacts.
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
        mark: Mark,
    },
}

/// An entry of the document outline (bookmarks): level, title, page, y.
struct Bookmark {
    level: u16,
    title: String,
    page: usize,
    y: f32,
}

struct Layout<'a> {
    fonts: &'a FontLibrary,
    text: &'a ListText,
    pages: Vec<Vec<Op>>,
    y: f32,
    /// Drawn at the top of each new page while the table runs.
    table_header: bool,
    tree: Tree,
    /// Set while drawing what is not part of the logical structure.
    artifact: Option<ArtifactType>,
    bookmarks: Vec<Bookmark>,
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

    /// Breaks `text` into lines no wider than `width`. A line that ends at
    /// a space (or at a line feed) keeps one space at its end: invisible,
    /// but the word boundary stays in the text, as tagged PDF requires.
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<Shaped> {
        let mut lines = Vec::new();
        let mut paras = text.split('\n').peekable();
        while let Some(para) = paras.next() {
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
            if paras.peek().is_some() {
                line.push(' ');
            }
            lines.push(line);
        }
        let last = lines.len().saturating_sub(1);
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let t = l.trim_end();
                if i < last && t.len() < l.len() {
                    self.fonts.shape(&format!("{t} "))
                } else {
                    self.fonts.shape(t)
                }
            })
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
            // The header repeated for sighted readers; in the structure the
            // table has it once.
            let saved = self.artifact.replace(ArtifactType::PaginationOther);
            self.header_row();
            self.artifact = saved;
        }
    }

    /// Makes room for `h` points, starting a new page if needed.
    fn need(&mut self, h: f32) {
        if self.y + h > bottom() && self.y > MARGIN + 1.0 {
            self.new_page();
        }
    }

    /// Where the next piece of content goes: a new leaf of the current
    /// structure element, or an artifact.
    fn mark(&mut self) -> Mark {
        match self.artifact {
            Some(kind) => Mark::Artifact(kind),
            None => Mark::Leaf(self.tree.leaf()),
        }
    }

    fn text_at(&mut self, x: f32, baseline: f32, size: f32, gray: u8, line: Shaped) {
        if line.runs.is_empty() {
            return;
        }
        let mark = self.mark();
        self.page().push(Op::Text {
            x,
            y: baseline,
            size,
            gray,
            line,
            mark,
        });
    }

    /// A wrapped paragraph across the content width, at `indent`.
    fn paragraph(&mut self, text: &str, size: f32, gray: u8, indent: f32, after: f32) {
        self.block(Tag::P.into(), "", false, text, size, gray, indent, after);
    }

    /// A block of wrapped text filed as `tag`, with an optional hanging
    /// `prefix` (a list bullet): the prefix at `indent`, every line of the
    /// text after it. For a list `item`, the bullet becomes the item's
    /// label and a list body is opened (and left open) for the text and
    /// whatever else the item holds.
    #[allow(clippy::too_many_arguments)]
    fn block(
        &mut self,
        tag: TagKind,
        prefix: &str,
        item: bool,
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
        let mut opened = false;
        for (i, line) in self
            .wrap(text, size, content_width() - indent)
            .into_iter()
            .enumerate()
        {
            self.need(lh);
            if i == 0 && item {
                self.tree.open(Tag::Lbl);
                self.bullet(prefix, indent_first, size, gray);
                self.tree.close();
                self.tree.open(Tag::LBody);
            }
            if !opened {
                self.tree.open(tag.clone());
                opened = true;
            }
            if i == 0 && !item && hang > 0.0 {
                self.bullet(prefix, indent_first, size, gray);
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
        if opened {
            self.tree.close();
        }
        self.y += after;
    }

    fn bullet(&mut self, prefix: &str, indent: f32, size: f32, gray: u8) {
        let bullet = self.fonts.shape(prefix);
        let y = self.y + size;
        self.text_at(MARGIN + indent, y, size, gray, bullet);
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

    /// One table row: each cell wrapped, the row as tall as its tallest
    /// cell; in the structure a row (TR) of header cells (TH, for the
    /// column) or data cells (TD), unless drawn as an artifact.
    fn row(&mut self, cells: &[(String, u8)], size: f32, shade: Option<u8>, header: bool) {
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
        let tagged = self.artifact.is_none();
        if tagged {
            self.tree.open(Tag::TR);
        }
        for ((cell_lines, gray), (x, w)) in wrapped.into_iter().zip(cols) {
            if tagged {
                if header {
                    self.tree.open(Tag::TH(TableHeaderScope::Column));
                } else {
                    self.tree.open(Tag::TD);
                }
            }
            for (i, line) in cell_lines.into_iter().enumerate() {
                let lx = if line.rtl {
                    x + w - PAD - line.width * size
                } else {
                    x + PAD
                };
                let baseline = top + PAD + i as f32 * lh + size;
                self.text_at(lx, baseline, size, gray, line);
            }
            if tagged {
                self.tree.close();
            }
        }
        if tagged {
            self.tree.close();
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
        self.row(&cells, BODY, Some(225), true);
        self.table_header = saved;
    }

    /// A heading of `level` (1 for the title), in the outline too when it
    /// is a section's.
    fn heading(&mut self, s: &str, size: f32, level: u16, before: f32, after: f32) {
        if level > 1 {
            self.need(line_height(size) * 3.0);
        }
        self.y += before;
        if level <= 2 {
            self.bookmarks.push(Bookmark {
                level,
                title: s.to_owned(),
                page: self.pages.len().saturating_sub(1),
                y: self.y,
            });
        }
        self.block(heading_tag(level, s), "", false, s, size, BLACK, 0.0, after);
    }

    /// The Code, from its Markdown: headings (filed one level below the
    /// annex heading), paragraphs, and lists of labelled items.
    fn markdown(&mut self, md: &str) {
        /// Lists nested deeper than this are filed as the innermost one's
        /// paragraphs (they are still drawn indented).
        const MAX_LISTS: usize = 8;
        struct Item {
            li: Option<usize>,
            body: bool,
        }
        let mut buf = String::new();
        let mut size = BODY + 0.5;
        let mut depth: usize = 0;
        let mut prefix = String::new();
        let mut heading: Option<u16> = None;
        let mut lists: Vec<Option<usize>> = Vec::new();
        let mut items: Vec<Item> = Vec::new();
        // Draws the buffered text (the first text of a list item opens the
        // item's body).
        let flush = |me: &mut Self,
                     buf: &mut String,
                     size: f32,
                     indent: f32,
                     prefix: &mut String,
                     heading: Option<u16>,
                     items: &mut [Item]| {
            let t = buf.trim();
            if !t.is_empty() {
                let tag = match heading {
                    Some(level) => heading_tag(level, t),
                    None => Tag::P.into(),
                };
                let item = items
                    .last_mut()
                    .filter(|i| !prefix.is_empty() && i.li.is_some() && !i.body);
                let labelled = item.is_some();
                if let Some(i) = item {
                    i.body = true;
                }
                me.block(tag, prefix, labelled, t, size, BLACK, indent, size * 0.5);
            }
            buf.clear();
            prefix.clear();
        };
        macro_rules! flush {
            ($me:expr, $indent:expr) => {
                flush(
                    $me,
                    &mut buf,
                    size,
                    $indent,
                    &mut prefix,
                    heading,
                    &mut items,
                )
            };
        }
        for ev in Parser::new(md) {
            let indent = 14.0 * depth as f32;
            match ev {
                Event::Start(Md::Heading { level, .. }) => {
                    flush!(self, indent);
                    size = match level {
                        HeadingLevel::H1 => 14.0,
                        HeadingLevel::H2 => 12.0,
                        HeadingLevel::H3 => 10.5,
                        _ => 9.5,
                    };
                    // Below the annex heading (H2).
                    heading = Some((level as u16 + 2).min(6));
                    self.need(line_height(size) * 3.0);
                    self.y += size * 0.4;
                }
                Event::End(TagEnd::Heading(_)) => {
                    flush!(self, indent);
                    size = BODY + 0.5;
                    heading = None;
                }
                Event::Start(Md::List(_)) => {
                    flush!(self, indent);
                    depth += 1;
                    let structured = lists.iter().flatten().count() < MAX_LISTS;
                    if let Some(item) = items.last_mut() {
                        if item.li.is_some() && !item.body && structured {
                            self.tree.open(Tag::LBody);
                            item.body = true;
                        }
                    }
                    lists.push(structured.then(|| self.tree.open(Tag::L(ListNumbering::Disc))));
                }
                Event::End(TagEnd::List(_)) => {
                    flush!(self, indent);
                    depth = depth.saturating_sub(1);
                    if let Some(Some(l)) = lists.pop() {
                        self.tree.close_to(l);
                    }
                }
                Event::Start(Md::Item) => {
                    flush!(self, indent);
                    let structured = matches!(lists.last(), Some(Some(_)));
                    items.push(Item {
                        li: structured.then(|| self.tree.open(Tag::LI)),
                        body: false,
                    });
                    prefix = "• ".to_owned();
                }
                Event::End(TagEnd::Item) => {
                    flush!(self, indent);
                    if let Some(Item { li: Some(li), .. }) = items.pop() {
                        self.tree.close_to(li);
                    }
                }
                Event::End(TagEnd::Paragraph | TagEnd::BlockQuote(_)) | Event::HardBreak => {
                    flush!(self, indent);
                }
                Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => {
                    buf.push_str(&t);
                }
                Event::SoftBreak => buf.push(' '),
                Event::Rule => {
                    flush!(self, indent);
                    let y = self.y + 4.0;
                    self.rule(y, 160);
                    self.y += 10.0;
                }
                _ => {}
            }
        }
        flush!(self, 0.0);
    }
}

/// A heading element: its level (1 to 6) and its text as its title.
fn heading_tag(level: u16, title: &str) -> TagKind {
    let level = NonZeroU16::new(level.clamp(1, 6)).unwrap_or(NonZeroU16::MIN);
    Tag::Hn(level, Some(title.to_owned())).into()
}

fn fill(gray: u8) -> Fill {
    Fill {
        paint: rgb::Color::new(gray, gray, gray).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

/// Opens the marked-content section `mark` asks for.
fn start(surface: &mut Surface<'_>, mark: Mark, ids: &mut [Option<Identifier>], span: bool) {
    match mark {
        Mark::Leaf(l) => {
            let tag = if span {
                ContentTag::Span(SpanTag::empty())
            } else {
                ContentTag::Other
            };
            let id = surface.start_tagged(tag);
            if let Some(slot) = ids.get_mut(l) {
                *slot = Some(id);
            }
        }
        Mark::Artifact(kind) => {
            surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(kind)));
        }
    }
}

fn draw(surface: &mut Surface<'_>, op: &Op, ids: &mut [Option<Identifier>]) {
    match op {
        Op::Text {
            x,
            y,
            size,
            gray,
            line,
            mark,
        } => {
            start(surface, *mark, ids, true);
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
            surface.end_tagged();
        }
        Op::Rect { x, y, w, h, gray } => {
            let mut pb = PathBuilder::new();
            if let Some(r) = Rect::from_xywh(*x, *y, *w, *h) {
                pb.push_rect(r);
            }
            if let Some(path) = pb.finish() {
                start(surface, Mark::Artifact(ArtifactType::Layout), ids, false);
                surface.set_fill(Some(fill(*gray)));
                surface.draw_path(&path);
                surface.end_tagged();
            }
        }
        Op::Qr {
            x,
            y,
            module,
            width,
            dark,
            mark,
        } => {
            let mut pb = PathBuilder::new();
            for (i, _) in dark.iter().enumerate().filter(|(_, d)| **d) {
                let (mx, my) = ((i % width) as f32, (i / width) as f32);
                if let Some(r) = Rect::from_xywh(x + mx * module, y + my * module, *module, *module)
                {
                    pb.push_rect(r);
                }
            }
            // Started even when there is nothing to draw, so the figure's
            // identifier is always placed.
            start(surface, *mark, ids, false);
            if let Some(path) = pb.finish() {
                surface.set_fill(Some(fill(0)));
                surface.draw_path(&path);
            }
            surface.end_tagged();
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

/// Whether `tag` looks like a BCP 47 language tag ("fr", "fr-CA",
/// "zh-Hant-TW"), so it can be written as a language.
fn language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or("");
    (2..=8).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// The language a Code's text is written in, when the signed entries say
/// and it is a well-formed tag.
fn code_language(report: &Report, code: &str) -> Option<String> {
    let digest = crate::trust::digest::Sha256Digest::of(code.as_bytes()).to_hex();
    report
        .codes
        .iter()
        .find(|c| c.sha256 == digest)
        .and_then(|c| c.language.clone())
        .filter(|l| language_tag(l))
}

/// The document outline: the title, and under it the sections.
fn outline(bookmarks: &[Bookmark]) -> Outline {
    let mut outline = Outline::new();
    let mut top: Option<OutlineNode> = None;
    for b in bookmarks {
        let node = OutlineNode::new(
            b.title.clone(),
            XyzDestination::new(b.page, Point::from_xy(MARGIN, b.y)),
        );
        match (b.level, top.as_mut()) {
            (1, _) => {
                if let Some(t) = top.take() {
                    outline.push_child(t);
                }
                top = Some(node.with_open(true));
            }
            (_, Some(t)) => t.push_child(node),
            (_, None) => outline.push_child(node),
        }
    }
    if let Some(t) = top {
        outline.push_child(t);
    }
    outline
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
    let doc_title = format!("{}{}", text.title_prefix, title);
    let mut l = Layout {
        fonts,
        text,
        pages: vec![Vec::new()],
        y: MARGIN,
        table_header: false,
        tree: Tree::new(),
        artifact: None,
        bookmarks: Vec::new(),
    };
    // Header.
    l.heading(&doc_title, 16.0, 1, 0.0, 2.0);
    l.paragraph(&meeting_line(report), 10.0, BLACK, 0.0, 2.0);
    if report.closed_at.is_none() {
        l.paragraph(&text.provisional, 10.0, BLACK, 0.0, 2.0);
    }
    if let Some(warning) = &text.personal_data {
        l.paragraph(warning, 10.0, BLACK, 0.0, 2.0);
    }
    l.y += 6.0;
    // The table: one in the structure, however many pages it runs over.
    let table = l.tree.open(Tag::Table);
    l.tree.open(Tag::THead);
    l.header_row();
    l.tree.close();
    l.tree.open(Tag::TBody);
    l.table_header = true;
    let show = |c: Cell<'_>| match c {
        Cell::Value(v) => (v.to_owned(), BLACK),
        Cell::Corrected(v) => (format!("{v} ({})", text.corrected), BLACK),
        Cell::Withheld => (text.withheld.clone(), GREY),
        Cell::Erased => (text.erased.clone(), GREY),
        Cell::NotGiven => (text.not_given.clone(), GREY),
    };
    for (row, (n, a)) in super::html::numbered(report).enumerate() {
        let cells = [
            (text.number_cell(n), if n.is_some() { BLACK } else { GREY }),
            show(cell(a, "name")),
            show(cell(a, "organization")),
            show(cell(a, "country")),
            (text.role_cell(a), BLACK),
            (text.time_cell(a), BLACK),
            (text.presence(&a.presence), BLACK),
            (a.id.clone(), BLACK),
        ];
        l.row(&cells, BODY, (row % 2 == 1).then_some(246), false);
    }
    l.table_header = false;
    l.tree.close_to(table);
    // Attendance by session: each session's total, then each person with
    // the sessions they were at.
    if let Some(table) = super::session_table(report, text) {
        l.heading(&text.sessions_heading, 12.0, 2, 12.0 * 0.6, 12.0 * 0.3);
        for ((_, name), n) in table.columns.iter().zip(&table.totals) {
            l.paragraph(
                &format!("{name}: {} {n}", text.session_total),
                9.5,
                BLACK,
                10.0,
                1.0,
            );
        }
        l.y += 4.0;
        for (person, at) in &table.people {
            let sessions: Vec<&str> = table
                .columns
                .iter()
                .zip(at)
                .filter(|(_, here)| **here)
                .map(|((_, name), _)| name.as_str())
                .collect();
            l.paragraph(
                &format!("{person}: {}", sessions.join("; ")),
                9.0,
                BLACK,
                10.0,
                1.0,
            );
        }
    }
    // The secretary's amendments.
    if !report.amendments.is_empty() {
        l.heading(&text.amendments_heading, 12.0, 2, 12.0 * 0.6, 12.0 * 0.3);
        for line in text.amendments(report) {
            l.paragraph(&line, 9.5, BLACK, 10.0, 3.0);
        }
    }
    // The signed delegation snapshots, then the secretary's record of who
    // was expected but absent.
    if !report.delegations.is_empty() {
        l.heading(&text.delegations_heading, 12.0, 2, 12.0 * 0.6, 12.0 * 0.3);
        for line in text.delegations(report) {
            l.paragraph(&line, 9.5, BLACK, 10.0, 3.0);
        }
    }
    if let Some(absent) = &text.expected_absent {
        l.heading(&text.absent_heading, 12.0, 2, 12.0 * 0.6, 12.0 * 0.3);
        l.paragraph(&text.absent_note, 9.5, GREY, 10.0, 3.0);
        for line in absent {
            l.paragraph(line, 9.5, BLACK, 10.0, 3.0);
        }
    }
    if let Some(counts) = text.roster_counts_value(report) {
        l.paragraph(
            &format!("{}: {counts}", text.roster_counts),
            9.5,
            BLACK,
            10.0,
            3.0,
        );
    }
    // Notes.
    if !report.notes.is_empty() {
        l.heading(&text.notes_heading, 12.0, 2, 12.0 * 0.6, 12.0 * 0.3);
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
    let audit = audit_text(report);
    let qr = crate::qr::modules(&audit).map_err(|e| PdfRenderError::Writer(e.to_string()))?;
    let qr_side = 120.0f32;
    l.need(qr_side + 110.0);
    l.heading(&text.verification_heading, 12.0, 2, 12.0 * 0.6, 12.0 * 0.3);
    let top = l.y;
    let module = qr_side / qr.0 as f32;
    // What the code holds, for those who cannot scan it.
    let alt = format!("{}: {}", text.qr_label, audit.replace('\n', "; "));
    let page = l.pages.len() - 1;
    let figure = Tag::Figure(Some(alt))
        .with_bbox(Rect::from_xywh(MARGIN, top, qr_side, qr_side).map(|r| BBox::new(page, r)));
    l.tree.open(figure);
    let mark = l.mark();
    l.page().push(Op::Qr {
        x: MARGIN,
        y: top,
        module,
        width: qr.0,
        dark: qr.1,
        mark,
    });
    l.tree.close();
    let facts = [
        (text.check_ins.as_str(), text.count(report)),
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
        // The space after the label keeps it apart from the value in the text.
        let label_line = l.fonts.shape(&format!("{label} "));
        let y0 = l.y;
        l.tree.open(Tag::P);
        l.text_at(fx, y0 + 9.0, 9.0, GREY, label_line);
        for line in l.wrap(&value, 9.0, value_w) {
            l.text_at(fx + label_w, l.y + 9.0, 9.0, BLACK, line);
            l.y += lh;
        }
        l.tree.close();
        l.y += 2.0;
    }
    l.y += 4.0;
    let mut hint = format!(
        "{} rollcall verify LIST.pdf --key {signer}",
        text.verify_pdf
    );
    if let Some(page) = &text.verify_page {
        hint.push(' ');
        hint.push_str(page);
    }
    l.tree.open(Tag::P);
    for line in l.wrap(&hint, 9.0, PAGE_W - MARGIN - fx) {
        l.text_at(fx, l.y + 9.0, 9.0, BLACK, line);
        l.y += line_height(9.0);
    }
    l.tree.close();
    l.y = l.y.max(top + qr_side) + 8.0;
    // Annex: the Code, from a new page, in its own language when known.
    for code in &bundle.codes {
        l.new_page();
        let section = l.tree.open(Tag::Section);
        l.heading(&text.annex_heading, 12.0, 2, 0.0, 6.0);
        let lang = code_language(report, code).filter(|c| *c != text.lang);
        l.tree.open(Tag::Div.with_lang(lang));
        l.markdown(code);
        l.tree.close_to(section);
    }

    // Write the document: PDF/UA-1 for accessibility, PDF/A-3a for
    // archiving (the "a" level is the accessible one: tagged, with a
    // language and text for every glyph), both checked by krilla.
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A3_A)
        .with_accessibility_validator(Accessibility::UA1)
        .finish()
        .map_err(|e| PdfRenderError::Writer(format!("{e:?}")))?;
    let settings = SerializeSettings {
        configuration,
        enable_tagging: true,
        ..SerializeSettings::default()
    };
    let mut doc = Document::new_with(settings);
    doc.set_metadata(
        Metadata::new()
            .title(doc_title.clone())
            .creator("rollcall".to_owned())
            .language(text.lang.clone())
            .creation_date(pdf_date(now)),
    );
    let total = l.pages.len();
    let footer_left = format!(
        "{doc_title} · {} {} {} {}",
        text.checkpoint,
        cp.map_or(0, |c| c.size),
        text.root,
        cp.map_or("", |c| c.root.as_str())
    );
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
        .ok_or_else(|| PdfRenderError::Writer("bad page size".into()))?;
    let mut ids: Vec<Option<Identifier>> = vec![None; l.tree.leaves];
    let footer = Mark::Artifact(ArtifactType::Footer);
    for (i, ops) in l.pages.iter().enumerate() {
        let mut page = doc.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in ops {
            draw(&mut surface, op, &mut ids);
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
                mark: footer,
            },
            &mut ids,
        );
        draw(
            &mut surface,
            &Op::Text {
                x: right,
                y: foot_y,
                size: 7.5,
                gray: GREY,
                line: page_no,
                mark: footer,
            },
            &mut ids,
        );
        surface.finish();
        page.finish();
    }
    doc.set_tag_tree(l.tree.finish(&ids, &text.lang));
    doc.set_outline(outline(&l.bookmarks));
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
    doc.finish().map_err(writer_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_break_after_spaces_and_around_ideographs() {
        assert_eq!(segments("Ana María López"), ["Ana ", "María ", "López"]);
        assert_eq!(segments("王小明 Li"), ["王", "小", "明 ", "Li"]);
        assert_eq!(segments("e\u{301}t\u{e9}"), ["e\u{301}t\u{e9}"]);
    }

    fn layout<'a>(fonts: &'a FontLibrary, text: &'a ListText) -> Layout<'a> {
        Layout {
            fonts,
            text,
            pages: vec![Vec::new()],
            y: MARGIN,
            table_header: false,
            tree: Tree::new(),
            artifact: None,
            bookmarks: Vec::new(),
        }
    }

    /// The structure below element `e`, as `Kind(children)`; leaves are `·`.
    fn outline_of(tree: &Tree, e: usize) -> String {
        let kids: Vec<String> = tree.elems[e]
            .kids
            .iter()
            .map(|k| match k {
                Kid::Leaf(_) => "·".to_owned(),
                Kid::Elem(k) => {
                    let name = match &tree.elems[*k].tag {
                        TagKind::Hn(h) => format!("H{}", h.level()),
                        TagKind::P(_) => "P".into(),
                        TagKind::L(_) => "L".into(),
                        TagKind::LI(_) => "LI".into(),
                        TagKind::Lbl(_) => "Lbl".into(),
                        TagKind::LBody(_) => "LBody".into(),
                        other => format!("{other:?}").chars().take(8).collect(),
                    };
                    format!("{name}({})", outline_of(tree, *k))
                }
            })
            .collect();
        kids.join(",")
    }

    #[test]
    fn the_codes_lists_become_labelled_list_items() {
        let fonts = FontLibrary::new(None, false);
        let text = ListText::english();
        let mut l = layout(&fonts, &text);
        l.markdown("# Code\n\nIntro.\n\n- one\n- two\n  - inner\n\n## Rules\n\nLast.");
        assert_eq!(
            outline_of(&l.tree, 0),
            "H3(·),P(·),L(LI(Lbl(·),LBody(P(·))),LI(Lbl(·),LBody(P(·),L(LI(Lbl(·),LBody(P(·))))))),H4(·),P(·)"
        );
        assert_eq!(l.tree.open, [0], "every element is closed");
    }

    #[test]
    fn deeply_nested_lists_stay_flat_in_the_structure() {
        let fonts = FontLibrary::new(None, false);
        let text = ListText::english();
        let mut l = layout(&fonts, &text);
        let mut md = String::new();
        for depth in 0..40 {
            md.push_str(&"  ".repeat(depth));
            md.push_str("- x\n");
        }
        l.markdown(&md);
        let lists = l
            .tree
            .elems
            .iter()
            .filter(|e| matches!(e.tag, TagKind::L(_)))
            .count();
        assert!(lists <= 8, "{lists} lists");
        assert_eq!(l.tree.open, [0]);
    }

    #[test]
    fn wrapped_lines_keep_the_space_between_words() {
        let fonts = FontLibrary::new(None, false);
        let text = ListText::english();
        let l = layout(&fonts, &text);
        let lines = l.wrap("alpha beta gamma\ndelta", 10.0, 40.0);
        let texts: Vec<String> = lines
            .iter()
            .map(|s| s.runs.iter().map(|r| r.text.as_str()).collect())
            .collect();
        assert_eq!(texts.concat(), "alpha beta gamma delta");
        assert!(texts.len() > 2, "{texts:?}");
    }

    #[test]
    fn a_refused_document_says_what_broke_which_standard() {
        let both = ConfigurationBuilder::new()
            .with_archival_validator(Archival::A3_A)
            .with_accessibility_validator(Accessibility::UA1)
            .finish()
            .unwrap()
            .validators();
        let e = writer_error(KrillaError::Validation(vec![
            (ValidationError::MissingAltText(None), both),
            (ValidationError::MissingAltText(None), both),
            (ValidationError::MissingHeadingTitle, both),
        ]));
        assert_eq!(
            e.to_string(),
            "the PDF was not written because it would not conform: \
             a figure has no text alternative (PDF/A-3a, PDF/UA-1); \
             a heading has no title (PDF/A-3a, PDF/UA-1)"
        );
    }

    #[test]
    fn only_well_formed_language_tags_are_written() {
        for good in ["en", "fr", "fr-CA", "zh-Hant-TW"] {
            assert!(language_tag(good), "{good}");
        }
        for bad in ["", "e", "en_GB", "fr-", "en)>>", "x-verylongsubtag"] {
            assert!(!language_tag(bad), "{bad}");
        }
    }
}
