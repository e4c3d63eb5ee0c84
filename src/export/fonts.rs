//! Fonts for the PDF list: a fallback chain that covers the scripts
//! attendees write their names in, and shaping of a line of text into
//! positioned glyphs in visual order.
//!
//! The chain, first match per character wins:
//! 1. fonts in the operator's directory (`--fonts DIR` or `ROLLCALL_FONTS`);
//! 2. Noto Sans, built in (Latin, Greek, Cyrillic), so a machine with no
//!    fonts at all still prints Latin-script lists;
//! 3. system fonts for other scripts, in a preferred order (Noto Sans
//!    Arabic, Hebrew, Devanagari, CJK, …, as Debian's `fonts-noto-core` and
//!    `fonts-noto-cjk` install them);
//! 4. any other regular system font that has the character.
//!
//! A character no font covers is printed as `[U+XXXX]` and logged, never
//! dropped or drawn as an empty box.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, Mutex};

use krilla::text::{Font, GlyphId, KrillaGlyph};
use rustybuzz::{Direction, UnicodeBuffer};
use unicode_bidi::BidiInfo;

/// The built-in font (SIL Open Font License; see assets/fonts/OFL.txt).
static BUILTIN: &[u8] = include_bytes!("../../assets/fonts/NotoSans-Regular.ttf");

/// Families tried, in this order, after the built-in font.
const PREFERRED: &[&str] = &[
    "Noto Sans",
    "Noto Sans Arabic",
    "Noto Sans Hebrew",
    "Noto Sans Devanagari",
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK KR",
    "Noto Sans Bengali",
    "Noto Sans Tamil",
    "Noto Sans Telugu",
    "Noto Sans Gujarati",
    "Noto Sans Gurmukhi",
    "Noto Sans Kannada",
    "Noto Sans Malayalam",
    "Noto Sans Sinhala",
    "Noto Sans Thai",
    "Noto Sans Lao",
    "Noto Sans Khmer",
    "Noto Sans Myanmar",
    "Noto Sans Armenian",
    "Noto Sans Georgian",
    "Noto Sans Ethiopic",
    "Noto Sans Syriac",
    "Noto Sans Thaana",
    "Noto Sans Tifinagh",
    "Noto Sans Symbols",
    "Noto Sans Symbols2",
    "Noto Sans Math",
    "DejaVu Sans",
    "Liberation Sans",
];

/// A font ready for shaping and for the PDF.
#[derive(Clone)]
pub struct LoadedFont {
    pub pdf: Font,
    data: Arc<Vec<u8>>,
    index: u32,
}

impl LoadedFont {
    fn new(data: Arc<Vec<u8>>, index: u32) -> Option<Self> {
        let pdf = Font::new(data.clone().into(), index)?;
        Some(Self { pdf, data, index })
    }
}

fn path_key(f: &fontdb::FaceInfo) -> String {
    match &f.source {
        fontdb::Source::File(p) => p.display().to_string(),
        _ => String::new(),
    }
}

enum Slot {
    Builtin,
    System(fontdb::ID),
}

/// The fonts the PDF list can use, loaded on first use of each.
pub struct FontLibrary {
    db: fontdb::Database,
    chain: Vec<Slot>,
    loaded: Mutex<HashMap<usize, Option<LoadedFont>>>,
    by_char: Mutex<HashMap<char, Option<usize>>>,
    builtin: LoadedFont,
}

impl FontLibrary {
    /// Scans `extra` (if any) and, with `system`, the system's font
    /// directories.
    pub fn new(extra: Option<&Path>, system: bool) -> Self {
        let mut db = fontdb::Database::new();
        let mut chain = Vec::new();
        if let Some(dir) = extra {
            db.load_fonts_dir(dir);
            if db.is_empty() {
                tracing::warn!(dir = %dir.display(), "no fonts found in the fonts directory");
            }
            let mut ids: Vec<(String, fontdb::ID)> =
                db.faces().map(|f| (path_key(f), f.id)).collect();
            ids.sort();
            chain.extend(ids.into_iter().map(|(_, id)| Slot::System(id)));
        }
        chain.push(Slot::Builtin);
        if system {
            let before: Vec<fontdb::ID> = db.faces().map(|f| f.id).collect();
            db.load_system_fonts();
            let mut seen: Vec<fontdb::ID> = before;
            for family in PREFERRED {
                let q = fontdb::Query {
                    families: &[fontdb::Family::Name(family)],
                    ..fontdb::Query::default()
                };
                if let Some(id) = db.query(&q) {
                    if !seen.contains(&id) {
                        seen.push(id);
                        chain.push(Slot::System(id));
                    }
                }
            }
            // Then every other upright regular face, in a stable order.
            let mut rest: Vec<(String, u32, fontdb::ID)> = db
                .faces()
                .filter(|f| !seen.contains(&f.id))
                .filter(|f| f.style == fontdb::Style::Normal && f.weight == fontdb::Weight::NORMAL)
                .map(|f| (path_key(f), f.index, f.id))
                .collect();
            rest.sort();
            chain.extend(rest.into_iter().map(|(_, _, id)| Slot::System(id)));
        }
        let builtin =
            LoadedFont::new(Arc::new(BUILTIN.to_vec()), 0).unwrap_or_else(unreachable_font);
        Self {
            db,
            chain,
            loaded: Mutex::new(HashMap::new()),
            by_char: Mutex::new(HashMap::new()),
            builtin,
        }
    }

    /// The built-in font, used for the `[U+XXXX]` placeholders.
    pub fn primary(&self) -> LoadedFont {
        self.builtin.clone()
    }

    fn font(&self, slot: usize) -> Option<LoadedFont> {
        let mut loaded = self.loaded.lock().ok()?;
        if let Some(f) = loaded.get(&slot) {
            return f.clone();
        }
        let font = match self.chain.get(slot)? {
            Slot::Builtin => Some(self.builtin.clone()),
            Slot::System(id) => self
                .db
                .with_face_data(*id, |data, index| {
                    LoadedFont::new(Arc::new(data.to_vec()), index)
                })
                .flatten(),
        };
        loaded.insert(slot, font.clone());
        font
    }

    fn covers(&self, slot: usize, c: char) -> bool {
        let check = |data: &[u8], index: u32| {
            rustybuzz::ttf_parser::Face::parse(data, index)
                .ok()
                .and_then(|f| f.glyph_index(c))
                .is_some()
        };
        match self.chain.get(slot) {
            Some(Slot::Builtin) => check(BUILTIN, 0),
            Some(Slot::System(id)) => {
                if let Ok(loaded) = self.loaded.lock() {
                    if let Some(Some(f)) = loaded.get(&slot) {
                        return check(&f.data, f.index);
                    }
                }
                self.db.with_face_data(*id, check).unwrap_or(false)
            }
            None => false,
        }
    }

    /// Where the font that prints `c` comes from: a file path, `built-in`,
    /// or `None` when no font has it.
    pub fn source_of(&self, c: char) -> Option<String> {
        match self.chain.get(self.slot_for(c)?)? {
            Slot::Builtin => Some("built-in".to_owned()),
            Slot::System(id) => self.db.face(*id).map(path_key),
        }
    }

    /// The first font in the chain that has `c`.
    fn slot_for(&self, c: char) -> Option<usize> {
        if let Some(hit) = self.by_char.lock().ok().and_then(|m| m.get(&c).copied()) {
            return hit;
        }
        let found = (0..self.chain.len()).find(|&s| self.covers(s, c));
        if found.is_none() {
            tracing::warn!(
                character = %format!("U+{:04X}", u32::from(c)),
                "no font covers this character; it is printed as its code point. Install fonts-noto-core and fonts-noto-cjk, or pass --fonts DIR (ROLLCALL_FONTS)"
            );
        }
        if let Ok(mut m) = self.by_char.lock() {
            m.insert(c, found);
        }
        found
    }

    /// Shapes one line of text (no line breaks) at size 1: runs of glyphs
    /// in visual order, each in one font.
    pub fn shape(&self, text: &str) -> Shaped {
        let text = self.visible(text);
        let mut out = Shaped {
            runs: Vec::new(),
            width: 0.0,
            rtl: false,
        };
        if text.is_empty() {
            return out;
        }
        let slots = self.assign(&text);
        let bidi = BidiInfo::new(&text, None);
        for para in &bidi.paragraphs {
            out.rtl |= para.level.is_rtl();
            let (levels, runs) = bidi.visual_runs(para, para.range.clone());
            for run in runs {
                let rtl = levels.get(run.start).is_some_and(|l| l.is_rtl());
                let mut pieces = split_by_slot(&text, run, &slots);
                if rtl {
                    pieces.reverse();
                }
                for (range, slot) in pieces {
                    let font = slot
                        .and_then(|s| self.font(s))
                        .unwrap_or_else(|| self.primary());
                    let piece = &text[range];
                    let glyphs = shape_run(&font, piece, rtl);
                    let width: f32 = glyphs.iter().map(|g| g.x_advance).sum();
                    out.width += width;
                    out.runs.push(Run {
                        font,
                        glyphs,
                        text: piece.to_owned(),
                        width,
                    });
                }
            }
        }
        out
    }

    /// `text` with every character that no font covers replaced by
    /// `[U+XXXX]`, and control characters by spaces.
    fn visible(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            if c.is_control() {
                out.push(' ');
            } else if joiner(c) || c.is_whitespace() || self.slot_for(c).is_some() {
                out.push(c);
            } else {
                out.push_str(&format!("[U+{:04X}]", u32::from(c)));
            }
        }
        out
    }

    /// The font slot of each byte position's character: marks, joiners
    /// and spaces stay with the font before them when it has them.
    fn assign(&self, text: &str) -> Vec<(usize, Option<usize>)> {
        let mut out: Vec<(usize, Option<usize>)> = Vec::new();
        let mut prev: Option<usize> = None;
        for (i, c) in text.char_indices() {
            let sticky =
                joiner(c) || unicode_normalization::char::is_combining_mark(c) || c.is_whitespace();
            let slot = match prev {
                Some(p) if sticky && (c.is_whitespace() || joiner(c) || self.covers(p, c)) => {
                    Some(p)
                }
                _ if c.is_whitespace() || joiner(c) => prev.or(Some(self.builtin_slot())),
                _ => self.slot_for(c),
            };
            prev = slot;
            out.push((i, slot));
        }
        out
    }

    fn builtin_slot(&self) -> usize {
        self.chain
            .iter()
            .position(|s| matches!(s, Slot::Builtin))
            .unwrap_or(0)
    }
}

fn unreachable_font() -> LoadedFont {
    // The built-in font is a valid TrueType file compiled into the binary.
    panic!("the built-in font cannot be read")
}

/// Zero-width joiners and variation selectors: they belong to the
/// character before them.
fn joiner(c: char) -> bool {
    matches!(u32::from(c), 0x200C | 0x200D | 0xFE00..=0xFE0F | 0xE0100..=0xE01EF)
}

/// Splits `run` into pieces of one font each (in logical order).
fn split_by_slot(
    text: &str,
    run: Range<usize>,
    slots: &[(usize, Option<usize>)],
) -> Vec<(Range<usize>, Option<usize>)> {
    let mut pieces: Vec<(Range<usize>, Option<usize>)> = Vec::new();
    let start = slots.partition_point(|(i, _)| *i < run.start);
    for (k, &(i, slot)) in slots.iter().enumerate().skip(start) {
        if i >= run.end {
            break;
        }
        let end = slots
            .get(k + 1)
            .map_or(text.len(), |(j, _)| *j)
            .min(run.end);
        match pieces.last_mut() {
            Some((r, s)) if *s == slot => r.end = end,
            _ => pieces.push((i..end, slot)),
        }
    }
    pieces
}

fn shape_run(font: &LoadedFont, text: &str, rtl: bool) -> Vec<KrillaGlyph> {
    let Some(face) = rustybuzz::Face::from_slice(&font.data, font.index) else {
        return Vec::new();
    };
    let upem = font.pdf.units_per_em();
    let mut buffer = UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.guess_segment_properties();
    buffer.set_direction(if rtl {
        Direction::RightToLeft
    } else {
        Direction::LeftToRight
    });
    let output = rustybuzz::shape(&face, &[], buffer);
    let infos = output.glyph_infos();
    let positions = output.glyph_positions();
    // Cluster starts, sorted, to find where each cluster ends.
    let mut starts: Vec<usize> = infos.iter().map(|i| i.cluster as usize).collect();
    starts.sort_unstable();
    starts.dedup();
    infos
        .iter()
        .zip(positions)
        .map(|(info, pos)| {
            let start = info.cluster as usize;
            let end = starts
                .get(starts.partition_point(|s| *s <= start))
                .copied()
                .unwrap_or(text.len());
            KrillaGlyph::new(
                GlyphId::new(info.glyph_id),
                pos.x_advance as f32 / upem,
                pos.x_offset as f32 / upem,
                pos.y_offset as f32 / upem,
                pos.y_advance as f32 / upem,
                start..end,
                None,
            )
        })
        .collect()
}

/// Glyphs of one font, positioned at size 1.
pub struct Run {
    pub font: LoadedFont,
    pub glyphs: Vec<KrillaGlyph>,
    pub text: String,
    pub width: f32,
}

/// A shaped line: runs in visual order.
pub struct Shaped {
    pub runs: Vec<Run>,
    /// Advance width at size 1.
    pub width: f32,
    /// Whether the line's base direction is right-to-left.
    pub rtl: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_needs_no_system_fonts() {
        let lib = FontLibrary::new(None, false);
        let s = lib.shape("Zoë Ångström");
        assert_eq!(s.runs.len(), 1);
        assert!(s.width > 5.0 && s.width < 8.0, "{}", s.width);
    }

    #[test]
    fn the_operators_fonts_come_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Operator.ttf");
        std::fs::write(&path, BUILTIN).unwrap();
        let lib = FontLibrary::new(Some(dir.path()), false);
        assert_eq!(lib.source_of('A'), Some(path.display().to_string()));
        let lib = FontLibrary::new(None, false);
        assert_eq!(lib.source_of('A').as_deref(), Some("built-in"));
        assert_eq!(lib.source_of('王'), None);
    }

    #[test]
    fn uncovered_characters_become_visible_code_points() {
        let lib = FontLibrary::new(None, false);
        let s = lib.shape("王");
        let text: String = s.runs.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(text, "[U+738B]");
    }
}
