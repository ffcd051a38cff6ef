//! A rendered frame as an SVG image, for the screenshots in `screenshots/`. The frames come
//! from the real App drawn into a `TestBackend` with seeded demo data, so no real host, address
//! or token can appear in them.

use std::fmt::Write;

use ratatui::buffer::{Buffer, Cell};
use ratatui::style::{Color, Modifier};

const CELL_WIDTH: f32 = 8.4;
const CELL_HEIGHT: f32 = 18.0;
const BASELINE: f32 = 13.5;

/// Default colours of the terminal the screenshot pretends to be.
pub struct Canvas {
    pub foreground: &'static str,
    pub background: &'static str,
}

pub const DARK_TERMINAL: Canvas = Canvas {
    foreground: "#c9d1d9",
    background: "#0d1117",
};

fn hex(color: Color, default: &str) -> String {
    let named = |s: &str| s.to_string();
    match color {
        Color::Reset => default.to_string(),
        Color::Black => named("#1e2127"),
        Color::Red => named("#cd3131"),
        Color::Green => named("#0dbc79"),
        Color::Yellow => named("#e5e510"),
        Color::Blue => named("#2472c8"),
        Color::Magenta => named("#bc3fbc"),
        Color::Cyan => named("#11a8cd"),
        Color::Gray => named("#c0c0c0"),
        Color::DarkGray => named("#666666"),
        Color::LightRed => named("#f14c4c"),
        Color::LightGreen => named("#23d18b"),
        Color::LightYellow => named("#f5f543"),
        Color::LightBlue => named("#3b8eea"),
        Color::LightMagenta => named("#d670d6"),
        Color::LightCyan => named("#29b8db"),
        Color::White => named("#e5e5e5"),
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Indexed(i) => indexed(i),
    }
}

/// The xterm 256-colour palette.
fn indexed(i: u8) -> String {
    const BASE: [&str; 16] = [
        "#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd", "#e5e5e5",
        "#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff",
    ];
    match i {
        0..=15 => BASE[usize::from(i)].to_string(),
        16..=231 => {
            let n = i - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            format!(
                "#{:02x}{:02x}{:02x}",
                level(n / 36),
                level((n / 6) % 6),
                level(n % 6)
            )
        }
        _ => {
            let v = 8 + (i - 232) * 10;
            format!("#{v:02x}{v:02x}{v:02x}")
        }
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[derive(PartialEq)]
struct Look {
    fg: String,
    bg: String,
    bold: bool,
    dim: bool,
    underlined: bool,
}

fn look(cell: &Cell, canvas: &Canvas) -> Look {
    let mut fg = hex(cell.fg, canvas.foreground);
    let mut bg = hex(cell.bg, canvas.background);
    if cell.modifier.contains(Modifier::REVERSED) {
        std::mem::swap(&mut fg, &mut bg);
    }
    Look {
        fg,
        bg,
        bold: cell.modifier.contains(Modifier::BOLD),
        dim: cell.modifier.contains(Modifier::DIM),
        underlined: cell.modifier.contains(Modifier::UNDERLINED),
    }
}

/// The whole buffer as an SVG document.
pub fn render(buffer: &Buffer, canvas: &Canvas, title: &str) -> String {
    let area = buffer.area;
    let width = f32::from(area.width) * CELL_WIDTH;
    let height = f32::from(area.height) * CELL_HEIGHT;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" xml:space="preserve" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" role="img" aria-label="{}">"#,
        escape(title)
    );
    out.push_str(
        "<style>text{font-family:'DejaVu Sans Mono','Menlo','Consolas','Liberation Mono',monospace;font-size:14px;white-space:pre}</style>\n",
    );
    let _ = writeln!(
        out,
        r#"<rect width="100%" height="100%" fill="{}"/>"#,
        canvas.background
    );

    for y in 0..area.height {
        let cells: Vec<&Cell> = (0..area.width).map(|x| &buffer[(x, y)]).collect();
        let mut x = 0usize;
        while x < cells.len() {
            let current = look(cells[x], canvas);
            let start = x;
            while x < cells.len() && look(cells[x], canvas) == current {
                x += 1;
            }
            let run = &cells[start..x];
            let top = f32::from(y) * CELL_HEIGHT;
            if current.bg != canvas.background {
                let _ = writeln!(
                    out,
                    r#"<rect x="{:.1}" y="{top:.1}" width="{:.1}" height="{CELL_HEIGHT:.1}" fill="{}"/>"#,
                    start as f32 * CELL_WIDTH,
                    run.len() as f32 * CELL_WIDTH,
                    current.bg
                );
            }
            // Draw from the first visible cell: renderers drop leading spaces in text runs.
            let Some(first) = run.iter().position(|c| !c.symbol().trim().is_empty()) else {
                continue;
            };
            let last = run
                .iter()
                .rposition(|c| !c.symbol().trim().is_empty())
                .unwrap_or(first);
            let visible = &run[first..=last];
            let text: String = visible.iter().map(|c| c.symbol()).collect();
            let left = (start + first) as f32 * CELL_WIDTH;
            let length = visible.len() as f32 * CELL_WIDTH;
            let mut attrs = format!(r#"fill="{}""#, current.fg);
            if current.bold {
                attrs.push_str(r#" font-weight="bold""#);
            }
            if current.dim {
                attrs.push_str(r#" opacity="0.7""#);
            }
            if current.underlined {
                attrs.push_str(r#" text-decoration="underline""#);
            }
            let _ = writeln!(
                out,
                r#"<text x="{left:.1}" y="{:.1}" {attrs} textLength="{length:.1}" lengthAdjust="spacingAndGlyphs">{}</text>"#,
                top + BASELINE,
                escape(&text)
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    #[test]
    fn renders_runs_with_colours_and_escapes() {
        let mut buffer = Buffer::empty(Rect::new(0, 0, 10, 2));
        buffer.set_string(0, 0, "a<b", Style::default().fg(Color::Rgb(1, 2, 3)));
        buffer.set_string(
            0,
            1,
            "ok",
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD),
        );
        let svg = render(&buffer, &DARK_TERMINAL, "t");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert!(svg.contains(r##"fill="#010203""##) && svg.contains("a&lt;b"));
        assert!(svg.contains(r#"font-weight="bold""#));
        assert!(svg.contains(&format!(
            r#"fill="{}" font-weight"#,
            DARK_TERMINAL.background
        )));
    }

    #[test]
    fn palette() {
        assert_eq!(indexed(196), "#ff0000");
        assert_eq!(indexed(244), "#808080");
        assert_eq!(hex(Color::Reset, "#123456"), "#123456");
    }
}
