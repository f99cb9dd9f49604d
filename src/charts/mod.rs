//! Charts drawn with plotters on any `DrawingBackend`: an HTML canvas in the browser, an SVG
//! string in native tests and exports. Each chart returns a [`Frame`] describing where its data
//! sits in pixels, so a pointer position can be turned back into data (hover readouts).
//!
//! This tier holds the main run's charts and what every chart shares (the theme, palettes,
//! markers, grids, text). A chapter with a model of its own keeps that model's charts in its own
//! folder (`chapters/*/charts.rs`), drawn with these same parts.

use std::error::Error;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::Serialize;

pub mod delays;
pub mod display;
mod heat;
mod lines;
mod semantic;

pub use delays::{delays_readout, delays_table, draw_delays, draw_mode_delays};
pub use heat::{draw_output, draw_svd};
pub use lines::{draw_loss, draw_modes};
pub use semantic::{draw_illusion, draw_mds, draw_projection, draw_rsm, draw_typicality};

use crate::page::View;
use crate::run::Session;

/// Result of drawing a chart.
pub type ChartResult = Result<Frame, Box<dyn Error>>;

/// Draws the named panel of a session as the view shows it (the chapter registry decides when
/// a panel needs drawing; see `chapters::Chapter::version`).
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
    render_panel(panel, root, session, view, theme)
}

/// Draws the named panel of a session as the view shows it, always.
pub fn render_panel<DB: DrawingBackend>(
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
        "delays" => draw_delays(root, session, theme),
        other => Err(format!("unknown panel {other:?}").into()),
    }
}

/// The data-table view of a panel of the session: the numbers it draws as the view shows it.
pub fn panel_table(panel: &str, session: &Session, view: &View) -> Option<Table> {
    let run = session.run();
    Some(match panel {
        "loss" | "modes" => return lines::table(panel, run),
        "output" => heat::output_table(run, view),
        "svd" => heat::svd_table(run),
        "mds" => semantic::mds_table(run, view),
        "rsm" => semantic::rsm_table(session, view),
        "illusion" => semantic::illusion_table(run, view),
        "typicality" => semantic::typicality_table(run, view),
        "projection" => semantic::projection_table(run, view),
        "delays" => delays_table(session),
        _ => return None,
    })
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
        render_panel(panel, &root, session, view, &Theme::default()).map_err(|e| e.to_string())?;
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

/// Below this width in CSS pixels a chart lays itself out for a phone (see [`Theme::narrow`]).
pub const NARROW_CSS: f64 = 560.0;

/// Sizes, fonts and colours, scaled for the device (HiDPI canvases are drawn at `scale` pixels
/// per CSS pixel), light or dark. Every chart reads its colours from here: the background, the
/// ink of text and axes, the grid and the qualitative palette. SVG exports use the light theme.
#[derive(Clone, Debug)]
pub struct Theme {
    pub scale: f64,
    pub font: &'static str,
    /// Drawn for a dark page (`prefers-color-scheme: dark`).
    pub dark: bool,
    /// The chart's background.
    pub bg: RGBColor,
    /// Text and axis colour.
    pub ink: RGBColor,
    /// Faint grid colour.
    pub grid: RGBColor,
    /// The qualitative palette: series `k` is `palette[k % len]`, with marker `MARKERS[k % len]`.
    pub palette: [RGBColor; 8],
}

impl Default for Theme {
    fn default() -> Self {
        Theme::new(1.0, false)
    }
}

impl Theme {
    /// The theme for a canvas drawn at `scale` device pixels per CSS pixel, dark or light.
    pub fn new(scale: f64, dark: bool) -> Theme {
        let scale = if scale.is_finite() {
            scale.clamp(0.5, 4.0)
        } else {
            1.0
        };
        if dark {
            Theme {
                scale,
                font: "sans-serif",
                dark,
                bg: DARK_BG,
                ink: DARK_INK,
                grid: DARK_GRID,
                palette: PALETTE_DARK,
            }
        } else {
            Theme {
                scale,
                font: "sans-serif",
                dark,
                bg: WHITE,
                ink: INK,
                grid: GRID,
                palette: PALETTE,
            }
        }
    }

    /// The light theme at `scale`.
    pub fn with_scale(scale: f64) -> Theme {
        Theme::new(scale, false)
    }

    /// Colour of series (or mode) `k`, 0-based.
    pub fn mode(&self, k: usize) -> RGBColor {
        self.palette[k % self.palette.len()]
    }

    /// Ink at `alpha` over the background, as a solid colour (for text and lines that must not
    /// show what lies beneath).
    pub fn faint(&self, alpha: f64) -> RGBColor {
        blend(self.bg, self.ink, alpha)
    }

    /// A length in device pixels.
    pub fn px(&self, css: f64) -> i32 {
        (css * self.scale).round() as i32
    }

    /// Whether a drawing `width` device pixels wide is phone-narrow (under [`NARROW_CSS`] CSS
    /// pixels): charts of several plots stack them, legends go below, axes take fewer ticks.
    pub fn narrow(&self, width: u32) -> bool {
        (width as f64) < NARROW_CSS * self.scale
    }

    /// A text style of `size` CSS pixels.
    pub fn text(&self, size: f64) -> TextStyle<'static> {
        (self.font, size * self.scale).into_font().color(&self.ink)
    }

    pub fn stroke(&self, width: f64) -> u32 {
        (width * self.scale).round().max(1.0) as u32
    }

    /// Draws series `k`'s marker (the shape of `MARKERS[k % len]`) centred at `p` on a chart.
    pub fn marker<DB: DrawingBackend, CT: CoordTranslate>(
        &self,
        chart: &mut ChartContext<'_, DB, CT>,
        p: CT::From,
        k: usize,
        color: RGBColor,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
    where
        CT::From: Clone + 'static,
    {
        let r = self.px(4.0);
        let sw = self.stroke(1.0);
        let edge = self.bg.stroke_width(sw);
        let fill = color.filled();
        let shape = marker_points(MARKERS[k % MARKERS.len()], r);
        chart.draw_series(std::iter::once(
            EmptyElement::at(p.clone()) + Polygon::new(shape.clone(), fill),
        ))?;
        let mut ring = shape;
        ring.push(ring[0]);
        chart.draw_series(std::iter::once(
            EmptyElement::at(p) + PathElement::new(ring, edge),
        ))?;
        Ok(())
    }

    /// Draws series `k`'s marker centred at pixel `p` of a drawing area (a legend).
    pub fn marker_at<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        p: (i32, i32),
        k: usize,
        color: RGBColor,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let shape = marker_points(MARKERS[k % MARKERS.len()], self.px(4.0));
        let moved: Vec<(i32, i32)> = shape.iter().map(|&(x, y)| (p.0 + x, p.1 + y)).collect();
        area.draw(&Polygon::new(moved.clone(), color.filled()))?;
        let mut ring = moved;
        ring.push(ring[0]);
        area.draw(&PathElement::new(
            ring,
            self.bg.stroke_width(self.stroke(1.0)),
        ))
    }
}

/// `a` moved towards `b` by `t` (0 = a, 1 = b).
pub fn blend(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let mix = |x: u8, y: u8| channel(x as f64 + (y as f64 - x as f64) * t);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// A colour channel from its value in 0..=255, rounded half up. (`+ 0.5` and a cast, not
/// `f64::round`: the page's wasm is compiled for size, where `round` stays a call, and a heat
/// map of 256 x 256 cells makes three per cell.)
#[inline]
fn channel(v: f64) -> u8 {
    (v + 0.5) as u8
}

/// The marker shapes, in series order, so that neighbouring series differ in shape as well as
/// colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    Circle,
    Square,
    TriangleUp,
    Diamond,
    TriangleDown,
    Hexagon,
    Pentagon,
    Star,
}

/// Marker of series `k`: `MARKERS[k % MARKERS.len()]`.
pub const MARKERS: [Marker; 8] = [
    Marker::Circle,
    Marker::Square,
    Marker::TriangleUp,
    Marker::Diamond,
    Marker::TriangleDown,
    Marker::Hexagon,
    Marker::Pentagon,
    Marker::Star,
];

/// The outline of a marker of radius `r` pixels about (0, 0), as a polygon.
pub fn marker_points(m: Marker, r: i32) -> Vec<(i32, i32)> {
    let rf = r as f64;
    let poly = |n: usize, radius: f64, phase: f64| -> Vec<(i32, i32)> {
        (0..n)
            .map(|k| {
                let a = phase + std::f64::consts::TAU * k as f64 / n as f64;
                (
                    (radius * a.cos()).round() as i32,
                    (radius * a.sin()).round() as i32,
                )
            })
            .collect()
    };
    use std::f64::consts::FRAC_PI_2;
    match m {
        Marker::Circle => poly(16, rf, 0.0),
        Marker::Square => {
            let s = (rf * 0.85).round() as i32;
            vec![(-s, -s), (s, -s), (s, s), (-s, s)]
        }
        Marker::TriangleUp => poly(3, rf * 1.2, -FRAC_PI_2),
        Marker::Diamond => poly(4, rf * 1.15, 0.0),
        Marker::TriangleDown => poly(3, rf * 1.2, FRAC_PI_2),
        Marker::Hexagon => poly(6, rf * 1.05, 0.0),
        Marker::Pentagon => poly(5, rf * 1.1, -FRAC_PI_2),
        Marker::Star => (0..10)
            .map(|k| {
                let radius = if k % 2 == 0 { rf * 1.3 } else { rf * 0.55 };
                let a = -FRAC_PI_2 + std::f64::consts::PI * k as f64 / 5.0;
                (
                    (radius * a.cos()).round() as i32,
                    (radius * a.sin()).round() as i32,
                )
            })
            .collect(),
    }
}

/// Text and axis colour (light theme).
pub const INK: RGBColor = RGBColor(40, 44, 52);
/// Faint grid colour (light theme).
pub const GRID: RGBColor = RGBColor(225, 228, 233);
/// The dark theme's background, ink and grid.
pub const DARK_BG: RGBColor = RGBColor(24, 26, 31);
pub const DARK_INK: RGBColor = RGBColor(222, 225, 230);
pub const DARK_GRID: RGBColor = RGBColor(52, 56, 64);

/// The qualitative palette (light theme): Okabe & Ito's colour-blind-safe set (Okabe and Ito
/// 2008, "Color Universal Design"), ordered so that neighbouring series stay apart under
/// deuteranopia, protanopia and tritanopia (checked in tests/charts.rs), with its yellow
/// darkened to read on white.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(60, 60, 60),    // near black
    RGBColor(181, 160, 0),   // dark yellow
];

/// The dark theme's palette: the same hues, lightened where needed to keep a contrast of at least
/// 3:1 against the dark background.
pub const PALETTE_DARK: [RGBColor; 8] = [
    RGBColor(60, 150, 225),  // blue, lightened
    RGBColor(230, 159, 0),   // orange
    RGBColor(150, 215, 250), // sky blue, lightened
    RGBColor(240, 80, 80),   // vermillion, lightened
    RGBColor(0, 190, 140),   // bluish green, lightened
    RGBColor(220, 150, 190), // reddish purple, lightened
    RGBColor(225, 225, 225), // light grey
    RGBColor(240, 228, 66),  // yellow
];

/// Colour of mode `alpha` (0-based) in the light theme (the SVG exports').
pub fn mode_color(alpha: usize) -> RGBColor {
    PALETTE[alpha % PALETTE.len()]
}

/// Diverging blue-white-red colour for `v` on the scale `[-vmax, vmax]` (ColorBrewer RdBu).
#[inline]
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
    let mix = |a: f64, b: f64| channel(a + (b - a) * t);
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

    /// Fills every cell `(r, c)` with `color(r, c)`, as one element: a heat map of 256 × 256
    /// cells is one call into the drawing area, not 65,536.
    pub fn fill<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        color: impl Fn(usize, usize) -> RGBColor,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let mut cells = Cells {
            corners: Vec::with_capacity(2 * self.rows * self.cols),
            colors: Vec::with_capacity(self.rows * self.cols),
        };
        // The cells' edges, as cell_rect rounds them, once per row and column.
        let xs: Vec<(i32, i32)> = (0..self.cols)
            .map(|c| {
                let ((x0, _), (x1, _)) = self.cell_rect(0, c);
                (x0, x1)
            })
            .collect();
        let ys: Vec<(i32, i32)> = (0..self.rows)
            .map(|r| {
                let ((_, y0), (_, y1)) = self.cell_rect(r, 0);
                (y0, y1)
            })
            .collect();
        for (r, &(y0, y1)) in ys.iter().enumerate() {
            for (c, &(x0, x1)) in xs.iter().enumerate() {
                cells.corners.push((x0, y0));
                cells.corners.push((x1, y1));
                cells.colors.push(color(r, c));
            }
        }
        root.draw(&cells)
    }
}

/// Filled rectangles drawn as one element: `corners` holds each one's two corners in turn, in the
/// drawing area's coordinates. The element gives plotters a single point, the area's origin, so
/// only that one is translated to the backend; every corner is moved by the same shift (a
/// [`Shift`] area's translation is an offset).
struct Cells {
    corners: Vec<(i32, i32)>,
    colors: Vec<RGBColor>,
}

const ORIGIN: [(i32, i32); 1] = [(0, 0)];

impl<'a> plotters::element::PointCollection<'a, (i32, i32)> for &'a Cells {
    type Point = &'a (i32, i32);
    type IntoIter = &'a [(i32, i32)];
    fn point_iter(self) -> Self::IntoIter {
        &ORIGIN
    }
}

impl<DB: DrawingBackend> plotters::element::Drawable<DB> for Cells {
    fn draw<I: Iterator<Item = (i32, i32)>>(
        &self,
        mut pos: I,
        backend: &mut DB,
        _: (u32, u32),
    ) -> Result<(), plotters_backend::DrawingErrorKind<DB::ErrorType>> {
        let Some((dx, dy)) = pos.next() else {
            return Ok(());
        };
        for (pair, color) in self.corners.chunks_exact(2).zip(&self.colors) {
            let (a, b) = (pair[0], pair[1]);
            backend.draw_rect((a.0 + dx, a.1 + dy), (b.0 + dx, b.1 + dy), color, true)?;
        }
        Ok(())
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

/// One area a keyboard cursor steps through: a plot's rectangle or a heat map, in device pixels,
/// with `cols` x `rows` stops (a heat map's cells; for a plot, one stop every few pixels).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Area {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
    pub cols: usize,
    pub rows: usize,
}

impl Area {
    /// The pixel at the centre of stop (col, row).
    pub fn at(&self, col: usize, row: usize) -> (f64, f64) {
        let w = (self.right - self.left) / self.cols.max(1) as f64;
        let h = (self.bottom - self.top) / self.rows.max(1) as f64;
        (
            self.left + (col as f64 + 0.5) * w,
            self.top + (row as f64 + 0.5) * h,
        )
    }
}

impl Frame {
    /// The areas a keyboard cursor steps through, in the order the chart lays them out: each heat
    /// map cell by cell, each x-y plot with a stop every `pitch` device pixels both ways.
    pub fn areas(&self, pitch: f64) -> Vec<Area> {
        let pitch = pitch.max(1.0);
        match self {
            &Frame::Xy {
                left,
                top,
                right,
                bottom,
                ..
            } => {
                let (l, t, r, b) = (left as f64, top as f64, right as f64, bottom as f64);
                if r <= l || b <= t {
                    return Vec::new();
                }
                vec![Area {
                    left: l,
                    top: t,
                    right: r,
                    bottom: b,
                    cols: ((r - l) / pitch).floor().max(1.0) as usize,
                    rows: ((b - t) / pitch).floor().max(1.0) as usize,
                }]
            }
            Frame::Grids { grids } => grids
                .iter()
                .filter(|g| g.rows > 0 && g.cols > 0 && g.right > g.left && g.bottom > g.top)
                .map(|g| Area {
                    left: g.left as f64,
                    top: g.top as f64,
                    right: g.right as f64,
                    bottom: g.bottom as f64,
                    cols: g.cols,
                    rows: g.rows,
                })
                .collect(),
            Frame::Parts { parts } => parts.iter().flat_map(|p| p.areas(pitch)).collect(),
        }
    }
}

/// The numbers a chart draws, for its data-table view: one named column per series (the x
/// first) and one row per point. A cell is a number, a text, or null where a series has no
/// value (a prediction that does not apply, a value that is not finite).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<serde_json::Value>>,
    /// What the table leaves out or how to read it, if anything.
    pub note: Option<String>,
    /// When the rows were thinned ([`Table::thinned`]): how many the whole table has, and the
    /// stride of the rows kept (every `every`-th, from the first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_rows: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub every: Option<usize>,
}

impl Table {
    pub fn new(columns: Vec<String>) -> Table {
        Table {
            columns,
            rows: Vec::new(),
            note: None,
            total_rows: None,
            every: None,
        }
    }

    /// At most `max_rows` rows: every k-th row from the first, k = ⌈rows / max_rows⌉, with
    /// `total_rows` and `every` saying so (the table as it is when it already fits). A page
    /// showing a table asks for this, so a dataset's million-row output table is not sent whole.
    pub fn thinned(mut self, max_rows: usize) -> Table {
        let n = self.rows.len();
        if max_rows == 0 || n <= max_rows {
            return self;
        }
        let every = n.div_ceil(max_rows);
        self.rows = self.rows.into_iter().step_by(every).collect();
        self.total_rows = Some(n);
        self.every = Some(every);
        self
    }

    /// A table with these column names and no rows yet.
    pub fn of(columns: &[&str]) -> Table {
        Table::new(columns.iter().map(|c| c.to_string()).collect())
    }

    /// A cell holding a number (null when it is not finite).
    pub fn num(x: f64) -> serde_json::Value {
        if x.is_finite() {
            serde_json::json!(x)
        } else {
            serde_json::Value::Null
        }
    }

    /// A cell holding a number that may be absent.
    pub fn opt(x: Option<f64>) -> serde_json::Value {
        x.map(Table::num).unwrap_or(serde_json::Value::Null)
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

/// The size in pixels of `text` drawn in `style` on `area` (its `estimate_text_size`; the
/// display list's recorder remembers every size it measured, see [`display::measure_text`]).
pub fn text_size<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    text: &str,
    style: &TextStyle<'_>,
) -> Option<(u32, u32)> {
    area.estimate_text_size(text, style).ok()
}

/// `text` wrapped at spaces to fit `max_width` device pixels: the lines and the distance from
/// one line's top to the next.
pub fn wrap_text<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    max_width: i32,
    style: &TextStyle<'_>,
) -> (Vec<String>, i32) {
    let width = |t: &str| text_size(root, t, style).map(|s| s.0 as i32).unwrap_or(0);
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
    // At least the font's size: a measure can come back short (a height of 0 has been seen
    // from the page's canvas measure), which would draw the lines over each other.
    let size = style.font.get_size().ceil() as i32;
    let height = text_size(root, "Mg", style)
        .map(|s| s.1 as i32)
        .unwrap_or(size)
        .max(size);
    (lines, height + 2)
}

/// Draws `text` from (x, y) downwards, wrapped at spaces to fit `max_width` device pixels;
/// answers the height it took.
pub fn draw_wrapped<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    (x, y): (i32, i32),
    max_width: i32,
    style: &TextStyle<'_>,
) -> Result<i32, DrawingAreaErrorKind<DB::ErrorType>> {
    let (lines, step) = wrap_text(root, text, max_width, style);
    for (k, l) in lines.iter().enumerate() {
        root.draw(&Text::new(
            l.clone(),
            (x, y + k as i32 * step),
            style.clone(),
        ))?;
    }
    Ok(lines.len() as i32 * step)
}

/// Draws `text` wrapped inside the top-left corner of a chart's plotting area (pixel ranges
/// `xr`, `yr` from `plotting_area().get_pixel_range()`), with a small inset.
pub fn draw_corner_note<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    (xr, yr): (std::ops::Range<i32>, std::ops::Range<i32>),
    style: &TextStyle<'_>,
    th: &Theme,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    draw_wrapped(
        root,
        text,
        (xr.start + th.px(6.0), yr.start + th.px(4.0)),
        xr.end - xr.start - th.px(12.0),
        style,
    )?;
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
        "loss" | "modes" => lines::readout(panel, frame, session.run(), view, x, y),
        "output" | "svd" => heat::readout(panel, frame, session.run(), view, x, y),
        "delays" => delays_readout(frame, session, x, y),
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
    mesh_ticks(chart, x_desc, y_desc, (6, 6), th)
}

/// [`mesh`] with at most `(x, y)` tick labels on each axis (fewer on a small plot).
pub(crate) fn mesh_ticks<DB: DrawingBackend, X, Y>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>,
    x_desc: &str,
    y_desc: &str,
    (x_labels, y_labels): (usize, usize),
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
        .light_line_style(th.grid.mix(0.0))
        .bold_line_style(th.grid)
        .axis_style(th.ink.mix(0.6))
        .x_labels(x_labels)
        .y_labels(y_labels)
        .x_label_formatter(&|v| fmt_num(*v))
        .y_label_formatter(&|v| fmt_num(*v))
        .draw()
}
