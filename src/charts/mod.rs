//! Charts drawn with plotters on any `DrawingBackend`: an HTML canvas in the browser, an SVG
//! string in native tests and exports. Each chart returns a [`Frame`] describing where its data
//! sits in pixels, so a pointer position can be turned back into data (hover readouts).

use std::error::Error;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::Serialize;

mod coherence;
pub mod context;
pub mod delays;
pub mod generalisation;
mod heat;
mod lines;
pub mod phase;
pub mod prior;
mod semantic;
pub mod spectra;
pub mod sweep;

pub use coherence::{coherence_readout, coherence_svg, draw_coherence};
pub use delays::draw_mode_delays;
pub use heat::{draw_output, draw_svd};
pub use lines::{draw_loss, draw_modes};
pub use phase::{draw_phase, phase_readout, RunDot};
pub use semantic::{draw_illusion, draw_mds, draw_projection, draw_rsm, draw_typicality};
pub use spectra::{draw_spectra, spectra_readout};
pub use sweep::draw_sweep;

use crate::page::View;
use crate::run::Session;

/// Result of drawing a chart.
pub type ChartResult = Result<Frame, Box<dyn Error>>;

/// Draws the named panel of a session as the view shows it.
pub fn draw_panel<DB: DrawingBackend>(
    panel: &str,
    root: &DrawingArea<DB, Shift>,
    session: &Session,
    view: &View,
    theme: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    match panel {
        "loss" => draw_loss(root, session, view, theme),
        "modes" => draw_modes(root, session, view, theme),
        "output" => draw_output(root, session, view, theme),
        "svd" => draw_svd(root, session, view, theme),
        "mds" => draw_mds(root, session, view, theme),
        "rsm" => draw_rsm(root, session, view, theme),
        "illusion" => draw_illusion(root, session, view, theme),
        "typicality" => draw_typicality(root, session, view, theme),
        "projection" => draw_projection(root, session, view, theme),
        other => Err(format!("unknown panel {other:?}").into()),
    }
}

/// Renders a panel to an SVG document of the given size (CSS pixels).
pub fn panel_svg(
    panel: &str,
    session: &Session,
    view: &View,
    width: u32,
    height: u32,
) -> Result<String, String> {
    let mut out = String::new();
    {
        let backend = SVGBackend::with_string(&mut out, (width, height));
        let root = backend.into_drawing_area();
        draw_panel(panel, &root, session, view, &Theme::default()).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// Renders any chart to an SVG document of the given size (CSS pixels).
pub fn svg_with(
    width: u32,
    height: u32,
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>, &Theme) -> ChartResult,
) -> Result<String, String> {
    let mut out = String::new();
    {
        let backend = SVGBackend::with_string(&mut out, (width, height));
        let root = backend.into_drawing_area();
        draw(&root, &Theme::default()).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// Sizes and fonts, scaled for the device (HiDPI canvases are drawn at `scale` pixels per CSS
/// pixel).
#[derive(Clone, Debug)]
pub struct Theme {
    pub scale: f64,
    pub font: &'static str,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            scale: 1.0,
            font: "sans-serif",
        }
    }
}

impl Theme {
    pub fn with_scale(scale: f64) -> Theme {
        let scale = if scale.is_finite() {
            scale.clamp(0.5, 4.0)
        } else {
            1.0
        };
        Theme {
            scale,
            ..Theme::default()
        }
    }

    /// A length in device pixels.
    pub fn px(&self, css: f64) -> i32 {
        (css * self.scale).round() as i32
    }

    /// A text style of `size` CSS pixels.
    pub fn text(&self, size: f64) -> TextStyle<'static> {
        (self.font, size * self.scale).into_font().color(&INK)
    }

    pub fn stroke(&self, width: f64) -> u32 {
        (width * self.scale).round().max(1.0) as u32
    }
}

/// Text and axis colour.
pub const INK: RGBColor = RGBColor(40, 44, 52);
/// Faint grid colour.
pub const GRID: RGBColor = RGBColor(225, 228, 233);

/// A qualitative palette for modes (Tableau 10).
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Colour of mode `alpha` (0-based).
pub fn mode_color(alpha: usize) -> RGBColor {
    PALETTE[alpha % PALETTE.len()]
}

/// Diverging blue-white-red colour for `v` on the scale `[-vmax, vmax]` (ColorBrewer RdBu).
pub fn diverging(v: f64, vmax: f64) -> RGBColor {
    let x = if vmax > 0.0 && v.is_finite() {
        (v / vmax).clamp(-1.0, 1.0)
    } else {
        0.0
    };
    let white = (247.0, 247.0, 247.0);
    let (end, t) = if x >= 0.0 {
        ((178.0, 24.0, 43.0), x)
    } else {
        ((33.0, 102.0, 172.0), -x)
    };
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    RGBColor(
        mix(white.0, end.0),
        mix(white.1, end.1),
        mix(white.2, end.2),
    )
}

/// Where a chart put its data, in device pixels of the drawing area.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Frame {
    /// An x-y plot: the plotting rectangle and the data ranges it spans.
    Xy {
        left: i32,
        top: i32,
        right: i32,
        bottom: i32,
        x_min: f64,
        x_max: f64,
        y_min: f64,
        y_max: f64,
        y_log: bool,
    },
    /// One or more heat maps.
    Grids { grids: Vec<Grid> },
    /// A chart made of several of the above (the coherence demo's plot and heat maps).
    Parts { parts: Vec<Frame> },
}

impl Frame {
    /// The frame of an x-y chart: its plotting area's pixel rectangle and the data ranges the
    /// axes span (`y_log`: the y axis is logarithmic, its range still in data units).
    pub fn xy<DB: DrawingBackend, X: Ranged, Y: Ranged>(
        area: &DrawingArea<DB, plotters::coord::cartesian::Cartesian2d<X, Y>>,
        (x_min, x_max): (f64, f64),
        (y_min, y_max): (f64, f64),
        y_log: bool,
    ) -> Frame {
        let (xr, yr) = area.get_pixel_range();
        Frame::Xy {
            left: xr.start,
            top: yr.start,
            right: xr.end,
            bottom: yr.end,
            x_min,
            x_max,
            y_min,
            y_max,
            y_log,
        }
    }
}

/// One heat map inside a chart.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Grid {
    pub name: String,
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
    pub rows: usize,
    pub cols: usize,
    /// Each displayed row stands for every `row_stride`-th row of the data (1 = all rows shown).
    pub row_stride: usize,
}

impl Grid {
    /// The cell under a pixel, if any.
    pub fn cell_at(&self, x: f64, y: f64) -> Option<(usize, usize)> {
        if x < self.left as f64 || x >= self.right as f64 || y < self.top as f64 {
            return None;
        }
        if y >= self.bottom as f64 || self.rows == 0 || self.cols == 0 {
            return None;
        }
        let c =
            ((x - self.left as f64) / (self.right - self.left) as f64 * self.cols as f64) as usize;
        let r =
            ((y - self.top as f64) / (self.bottom - self.top) as f64 * self.rows as f64) as usize;
        Some((r.min(self.rows - 1), c.min(self.cols - 1)))
    }

    /// Pixel bounds of cell (r, c).
    pub fn cell_rect(&self, r: usize, c: usize) -> ((i32, i32), (i32, i32)) {
        let w = (self.right - self.left) as f64;
        let h = (self.bottom - self.top) as f64;
        let x0 = self.left + (c as f64 * w / self.cols as f64).round() as i32;
        let x1 = self.left + ((c + 1) as f64 * w / self.cols as f64).round() as i32;
        let y0 = self.top + (r as f64 * h / self.rows as f64).round() as i32;
        let y1 = self.top + ((r + 1) as f64 * h / self.rows as f64).round() as i32;
        ((x0, y0), (x1.max(x0 + 1), y1.max(y0 + 1)))
    }
}

impl Frame {
    /// Data coordinates under a pixel of an x-y frame, if the pixel is inside the plot.
    pub fn data_at(&self, x: f64, y: f64) -> Option<(f64, f64)> {
        match *self {
            Frame::Xy {
                left,
                top,
                right,
                bottom,
                x_min,
                x_max,
                y_min,
                y_max,
                y_log,
            } => {
                let (l, t, r, b) = (left as f64, top as f64, right as f64, bottom as f64);
                if x < l || x > r || y < t || y > b || r <= l || b <= t {
                    return None;
                }
                let fx = (x - l) / (r - l);
                let fy = (b - y) / (b - t);
                let dx = x_min + fx * (x_max - x_min);
                let dy = if y_log {
                    (y_min.ln() + fy * (y_max.ln() - y_min.ln())).exp()
                } else {
                    y_min + fy * (y_max - y_min)
                };
                Some((dx, dy))
            }
            Frame::Grids { .. } => None,
            Frame::Parts { ref parts } => parts.iter().find_map(|p| p.data_at(x, y)),
        }
    }
}

/// A short human-readable number.
pub fn fmt_num(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if !v.is_finite() {
        format!("{v}")
    } else if v.abs() >= 1e4 || v.abs() < 1e-3 {
        let t = format!("{v:.2e}");
        let (mantissa, exp) = t.split_once('e').unwrap_or((&t, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        format!("{mantissa}e{exp}")
    } else {
        let digits = (2 - v.abs().log10().floor() as i32).clamp(0, 6) as usize;
        let s = format!("{v:.digits$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    }
}

/// `text` wrapped at spaces to fit `max_width` device pixels: the lines and the distance from
/// one line's top to the next.
pub fn wrap_text<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    max_width: i32,
    style: &TextStyle<'_>,
) -> (Vec<String>, i32) {
    let width = |t: &str| {
        root.estimate_text_size(t, style)
            .map(|s| s.0 as i32)
            .unwrap_or(0)
    };
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if width(&candidate) > max_width && !line.is_empty() {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    lines.push(line);
    let height = root
        .estimate_text_size("Mg", style)
        .map(|s| s.1 as i32)
        .unwrap_or(12);
    (lines, height + 2)
}

/// Draws `text` from (x, y) downwards, wrapped at spaces to fit `max_width` device pixels.
pub fn draw_wrapped<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    (x, y): (i32, i32),
    max_width: i32,
    style: &TextStyle<'_>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (lines, step) = wrap_text(root, text, max_width, style);
    for (k, l) in lines.iter().enumerate() {
        root.draw(&Text::new(
            l.clone(),
            (x, y + k as i32 * step),
            style.clone(),
        ))?;
    }
    Ok(())
}

/// The hover readout for a pixel of a panel drawn with `frame`.
pub fn readout(
    panel: &str,
    frame: &Frame,
    session: &Session,
    view: &View,
    x: f64,
    y: f64,
) -> Option<String> {
    match panel {
        "loss" | "modes" => lines::readout(panel, frame, session.run(), x, y),
        "output" | "svd" => heat::readout(panel, frame, session.run(), view, x, y),
        _ => semantic::readout(panel, frame, session, view, x, y),
    }
}

/// The house axes every x-y chart shares: grid, axis labels and number formats.
pub(crate) fn mesh<DB: DrawingBackend, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    x_desc: &str,
    y_desc: &str,
    th: &Theme,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
where
    X: Ranged<ValueType = f64> + plotters::coord::ranged1d::ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + plotters::coord::ranged1d::ValueFormatter<f64>,
{
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style(th.text(11.0))
        .axis_desc_style(th.text(12.0))
        .light_line_style(GRID.mix(0.0))
        .bold_line_style(GRID)
        .axis_style(INK.mix(0.6))
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|v| fmt_num(*v))
        .y_label_formatter(&|v| fmt_num(*v))
        .draw()
}
