//! QR codes of check-in links, as SVG and PNG.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// Why a QR code could not be made.
#[derive(Debug, thiserror::Error)]
#[error("the link is too long for a QR code")]
pub struct QrError;

fn code(data: &str) -> Result<QrCode, QrError> {
    QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).map_err(|_| QrError)
}

/// An SVG image of `data`, scalable, with a quiet zone.
pub fn svg(data: &str) -> Result<String, QrError> {
    Ok(code(data)?
        .render::<svg::Color>()
        .min_dimensions(256, 256)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

/// The modules of `data`'s QR code: its width and, row by row, whether
/// each module is dark (without the quiet zone).
pub fn modules(data: &str) -> Result<(usize, Vec<bool>), QrError> {
    let code = code(data)?;
    let dark = code
        .to_colors()
        .iter()
        .map(|c| *c == qrcode::Color::Dark)
        .collect();
    Ok((code.width(), dark))
}

/// A PNG image of `data`, `scale` pixels per module, 4-module quiet zone.
pub fn png(data: &str, scale: u32) -> Result<Vec<u8>, QrError> {
    let code = code(data)?;
    let modules = code.width() as u32;
    let colors = code.to_colors();
    let quiet = 4;
    let size = (modules + 2 * quiet) * scale;
    let mut pixels = vec![255u8; (size * size) as usize];
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (mx, my) = (i as u32 % modules + quiet, i as u32 / modules + quiet);
            for y in my * scale..(my + 1) * scale {
                let row = (y * size) as usize;
                pixels[row + (mx * scale) as usize..row + ((mx + 1) * scale) as usize].fill(0);
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, size, size);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(|_| QrError)?;
        w.write_image_data(&pixels).map_err(|_| QrError)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn svg_and_png_are_produced() {
        let url = "https://rollcall.example/m/m-abc?t=AAAA";
        let s = super::svg(url).unwrap();
        assert!(s.starts_with("<?xml") && s.contains("<svg"));
        let p = super::png(url, 8).unwrap();
        assert_eq!(&p[..8], b"\x89PNG\r\n\x1a\n");
    }
}
