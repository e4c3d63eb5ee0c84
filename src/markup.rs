//! HTML that every part of rollcall renders: the page frame, the language
//! switch, Markdown (a Code of Conduct) as HTML. No HTTP here, so exports
//! (the printable list) and the web pages share it.

use maud::{html, Markup, PreEscaped, DOCTYPE};
use pulldown_cmark::{Event, Options, Parser};

use crate::i18n::{self, t, Lang};

/// The site's icon, inline so that no page costs a request for it.
const ICON: &str = "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'><rect width='32' height='32' rx='7' fill='%230b57a4'/><path d='M8 16.5l5.5 5.5L24 10.5' fill='none' stroke='%23fff' stroke-width='4' stroke-linecap='round' stroke-linejoin='round'/></svg>";

/// The page frame in the current language: `<html lang>`, viewport,
/// title, stylesheet, skip link, the language switch and the main landmark.
pub fn layout(title: &str, body: Markup) -> Markup {
    page(title, None, &[], body)
}

/// A page written in one fixed language (`lang`), without the language
/// switch, that reloads itself every `refresh` seconds.
pub fn layout_refresh(lang: &str, title: &str, refresh: Option<u32>, body: Markup) -> Markup {
    frame(lang, false, title, refresh, &[], body)
}

/// The page frame, with optional self-refresh and page scripts (served
/// from `/static/`; the CSP allows no inline script).
pub fn page(title: &str, refresh: Option<u32>, scripts: &[&str], body: Markup) -> Markup {
    frame(i18n::current().tag(), true, title, refresh, scripts, body)
}

fn frame(
    lang: &str,
    switch: bool,
    title: &str,
    refresh: Option<u32>,
    scripts: &[&str],
    body: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                @if let Some(r) = refresh { meta http-equiv="refresh" content=(r); }
                title { (title) " · rollcall" }
                link rel="icon" href=(ICON);
                link rel="stylesheet" href="/static/style.css";
                @for s in scripts { script src=(s) defer {} }
            }
            body {
                a.skip href="#main" { (Lang::get(lang).unwrap_or_else(i18n::current).t("layout.skip")) }
                @if switch { header.site { (language_switch()) } }
                main #main { (body) }
            }
        }
    }
}

/// Keeps a page current without a timed reload (which takes the page away
/// from people still reading it): `live.js` polls the JSON at `url` and
/// reloads once its member `key` no longer equals `value` (JSON text).
/// Without JavaScript the page refreshes itself every `fallback` seconds.
pub fn live(url: &str, key: &str, value: &str, fallback: u32) -> Markup {
    html! {
        noscript { meta http-equiv="refresh" content=(fallback); }
        div hidden data-live=(url) data-live-key=(key) data-live-value=(value) {}
        script src="/static/live.js" defer {}
    }
}

/// Links to this page in every language, as a navigation landmark.
pub fn language_switch() -> Markup {
    let ctx = i18n::context();
    let current = i18n::current();
    let here = ctx.map_or_else(|| "/".to_owned(), |c| c.here);
    let sep = if here.contains('?') { '&' } else { '?' };
    html! {
        nav.langs aria-label=(t("layout.language")) {
            ul {
                @for l in Lang::all() {
                    li {
                        a href=(format!("{here}{sep}lang={}", l.tag())) hreflang=(l.tag()) lang=(l.tag())
                            aria-current=[(l == current).then_some("true")] { (l.t("language.name")) }
                    }
                }
            }
        }
    }
}

/// A page with a heading and one paragraph.
pub fn simple_page(title: &str, message: &str) -> Markup {
    layout(
        title,
        html! {
            h1 { (title) }
            p { (message) }
            p { a href="/" { (t("layout.home")) } }
        },
    )
}

/// Renders a Code of Conduct (Markdown) to HTML. Raw HTML in the source is
/// shown as text, never interpreted; headings are shifted down one level so
/// the page keeps a single `h1`.
pub fn code_html(markdown: &str) -> Markup {
    let parser = Parser::new_ext(markdown, Options::empty()).map(|event| match event {
        Event::Html(t) | Event::InlineHtml(t) => Event::Text(t),
        Event::Start(pulldown_cmark::Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(pulldown_cmark::Tag::Heading {
            level: shift(level),
            id,
            classes,
            attrs,
        }),
        Event::End(pulldown_cmark::TagEnd::Heading(level)) => {
            Event::End(pulldown_cmark::TagEnd::Heading(shift(level)))
        }
        e => e,
    });
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, parser);
    PreEscaped(out)
}

fn shift(level: pulldown_cmark::HeadingLevel) -> pulldown_cmark::HeadingLevel {
    use pulldown_cmark::HeadingLevel::*;
    match level {
        H1 => H2,
        H2 => H3,
        H3 => H4,
        H4 => H5,
        _ => H6,
    }
}
