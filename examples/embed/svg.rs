//! A minimal SVG scatter plot: points coloured by label, with a legend.

use std::fmt::Write;

/// Ten distinguishable colours (Tableau 10).
const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];

/// Renders `xy` (`n × 2`) coloured by `labels` with legend entries `names`, and a title.
pub fn scatter(xy: &[f32], labels: &[u8], names: &[String], title: &str) -> String {
    let (w, h, margin, legend_w) = (800.0f64, 800.0f64, 20.0f64, 90.0f64);
    let n = xy.len() / 2;
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for i in 0..n {
        let (x, y) = (xy[2 * i] as f64, xy[2 * i + 1] as f64);
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    let span = (x1 - x0).max(y1 - y0).max(1e-12);
    let plot = w - 2.0 * margin;
    let radius = if n > 20_000 { 0.6 } else { 1.6 };
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}">"#,
        w + legend_w,
        h + 30.0,
        w + legend_w,
        h + 30.0
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{margin}" y="22" font-family="sans-serif" font-size="16">{title}</text>"#
    );
    // one group per label keeps the file small (the fill is stated once)
    for (label, colour) in PALETTE.iter().enumerate() {
        let _ = write!(s, r#"<g fill="{colour}" fill-opacity="0.8">"#);
        for i in 0..n {
            if labels.get(i).copied().unwrap_or(0) as usize % PALETTE.len() != label {
                continue;
            }
            let px = margin + (xy[2 * i] as f64 - x0) / span * plot;
            let py = 30.0 + margin + (y1 - xy[2 * i + 1] as f64) / span * plot;
            let _ = write!(s, r#"<circle cx="{px:.1}" cy="{py:.1}" r="{radius}"/>"#);
        }
        let _ = writeln!(s, "</g>");
    }
    for (k, name) in names.iter().enumerate().take(PALETTE.len()) {
        let y = 60.0 + 22.0 * k as f64;
        let _ = writeln!(
            s,
            r#"<circle cx="{}" cy="{y}" r="6" fill="{}"/><text x="{}" y="{}" font-family="sans-serif" font-size="14">{name}</text>"#,
            w + 15.0,
            PALETTE[k],
            w + 28.0,
            y + 5.0
        );
    }
    s.push_str("</svg>\n");
    s
}
