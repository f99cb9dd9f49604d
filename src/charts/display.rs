//! A display list: a plotters backend that records what a chart draws (lines, rectangles,
//! paths, polygons, circles, pixels, bitmaps and text with its font, size and anchor) instead of
//! drawing it, and replays it onto any other backend. Every panel is drawn once into a
//! [`DisplayList`] and then replayed onto the page's canvas or into an SVG document, so the chart
//! code is compiled for one backend only, and the replay gives each backend exactly the calls it
//! would have had from the chart itself.
//!
//! Text is measured once per font, size and string, and remembered ([`measure_text`]). The host
//! may install its own measure ([`set_text_measure`]); the page's is the canvas's `measureText`.
//! Without one, the recorder measures as the chart's own backend would: neither the canvas
//! backend nor the SVG backend has its own `estimate_text_size`, so both use plotters' font
//! (plotters' fixed metric natively, and in wasm a DOM element laid out per call, which forces a
//! synchronous layout of the whole page each time).

use std::convert::Infallible;

use plotters::coord::Shift;
use plotters::element::{Drawable, PointCollection};
use plotters::prelude::*;
use plotters::style::text_anchor::Pos;
use plotters::style::{FontDesc, FontTransform};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind, FontStyle,
};

/// A host's text measure: the size in pixels, (width, height), of a string in a font given by
/// its CSS family, style (`normal`, `italic`, `oblique`, `bold`) and size in pixels.
pub type TextMeasure = fn(family: &str, style: &str, size: f64, text: &str) -> (u32, u32);

/// The host's text measure, if it installed one.
static TEXT_MEASURE: std::sync::OnceLock<TextMeasure> = std::sync::OnceLock::new();

/// Installs the host's text measure (once; later calls are ignored).
pub fn set_text_measure(measure: TextMeasure) {
    let _ = TEXT_MEASURE.set(measure);
}

/// Most strings whose measured size is remembered (the cache is emptied when it would grow past).
const TEXT_SIZES_KEPT: usize = 4096;

/// A measured text's key: font family and style, size, and the text.
type TextKey = (String, u64, String);

thread_local! {
    /// Measured text sizes by font, size and text: a string's size in a font does not change.
    static TEXT_SIZES: std::cell::RefCell<std::collections::HashMap<TextKey, (u32, u32)>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// The size in pixels of `text` in `style`, unrotated: remembered, else from the host's measure,
/// else from plotters' font.
pub fn measure_text<S: BackendTextStyle>(text: &str, style: &S) -> Option<(u32, u32)> {
    let family = style.family();
    let font_style = style.style();
    let key = (
        format!("{}|{}", family.as_str(), font_style.as_str()),
        style.size().to_bits(),
        text.to_string(),
    );
    if let Some(size) = TEXT_SIZES.with(|c| c.borrow().get(&key).copied()) {
        return Some(size);
    }
    let size = match TEXT_MEASURE.get() {
        Some(measure) => measure(family.as_str(), font_style.as_str(), style.size(), text),
        None => {
            let ((x0, y0), (x1, y1)) = style.layout_box(text).ok()?;
            ((x1 - x0).max(0) as u32, (y1 - y0).max(0) as u32)
        }
    };
    TEXT_SIZES.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= TEXT_SIZES_KEPT {
            c.clear();
        }
        c.insert(key, size);
    });
    Some(size)
}

/// A line's or a shape's colour and stroke width, as the backend received them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stroke {
    pub rgb: (u8, u8, u8),
    pub alpha: f64,
    pub width: u32,
}

impl Stroke {
    fn of<S: BackendStyle>(style: &S) -> Stroke {
        let c = style.color();
        Stroke {
            rgb: c.rgb,
            alpha: c.alpha,
            width: style.stroke_width(),
        }
    }

    fn color(&self) -> BackendColor {
        BackendColor {
            alpha: self.alpha,
            rgb: self.rgb,
        }
    }
}

impl BackendStyle for Stroke {
    fn color(&self) -> BackendColor {
        Stroke::color(self)
    }

    fn stroke_width(&self) -> u32 {
        self.width
    }
}

/// A text's font and placement, as the backend received them.
#[derive(Clone)]
pub struct Font {
    pub family: String,
    pub size: f64,
    pub style: FontStyle,
    pub transform: FontTransform,
    pub anchor: Pos,
    pub rgb: (u8, u8, u8),
    pub alpha: f64,
}

/// One recorded drawing call, in device pixels.
#[derive(Clone)]
pub enum Op {
    Pixel(BackendCoord, Stroke),
    Line(BackendCoord, BackendCoord, Stroke),
    Rect(BackendCoord, BackendCoord, Stroke, bool),
    Path(Vec<BackendCoord>, Stroke),
    Circle(BackendCoord, u32, Stroke, bool),
    Polygon(Vec<BackendCoord>, Stroke),
    Text(String, Box<Font>, BackendCoord),
    Bitmap(BackendCoord, (u32, u32), Vec<u8>),
}

/// What a chart drew, call by call (see the module documentation).
#[derive(Clone, Default)]
pub struct DisplayList {
    size: (u32, u32),
    ops: Vec<Op>,
}

impl DisplayList {
    /// An empty list for a drawing of `size` pixels.
    pub fn new(size: (u32, u32)) -> DisplayList {
        DisplayList {
            size,
            ops: Vec::new(),
        }
    }

    /// The backend that records into this list (after what it holds already).
    pub fn recorder(&mut self) -> Recorder<'_> {
        Recorder { list: self }
    }

    /// Records what `draw` draws on a drawing area of `size` pixels.
    pub fn record<T, E>(
        size: (u32, u32),
        draw: impl FnOnce(&DrawingArea<Recorder<'_>, Shift>) -> Result<T, E>,
    ) -> Result<(DisplayList, T), E> {
        let mut list = DisplayList::new(size);
        let out = draw(&list.recorder().into_drawing_area())?;
        Ok((list, out))
    }

    /// What was drawn, in order.
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// Draws every recorded call onto `area`, whose top-left corner stands for (0, 0).
    pub fn replay<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        area.draw(&Replay(self))
    }

    /// Draws every recorded call onto a backend, shifted by `origin`.
    fn replay_onto<DB: DrawingBackend>(
        &self,
        db: &mut DB,
        (ox, oy): BackendCoord,
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        let at = |(x, y): BackendCoord| (x + ox, y + oy);
        for op in &self.ops {
            match op {
                Op::Pixel(p, s) => db.draw_pixel(at(*p), s.color())?,
                Op::Line(a, b, s) => db.draw_line(at(*a), at(*b), s)?,
                Op::Rect(a, b, s, fill) => db.draw_rect(at(*a), at(*b), s, *fill)?,
                Op::Path(path, s) => db.draw_path(path.iter().map(|&p| at(p)), s)?,
                Op::Circle(c, r, s, fill) => db.draw_circle(at(*c), *r, s, *fill)?,
                Op::Polygon(vert, s) => db.fill_polygon(vert.iter().map(|&p| at(p)), s)?,
                Op::Text(text, f, p) => {
                    let style = TextStyle {
                        font: FontDesc::new(FontFamily::from(f.family.as_str()), f.size, f.style)
                            .transform(f.transform.clone()),
                        color: BackendColor {
                            alpha: f.alpha,
                            rgb: f.rgb,
                        },
                        pos: f.anchor,
                    };
                    db.draw_text(text, &style, at(*p))?
                }
                Op::Bitmap(p, dim, src) => db.blit_bitmap(at(*p), *dim, src)?,
            }
        }
        Ok(())
    }
}

/// The plotters backend that appends every drawing call to a [`DisplayList`].
pub struct Recorder<'a> {
    list: &'a mut DisplayList,
}

impl Recorder<'_> {
    fn push(&mut self, op: Op) {
        self.list.ops.push(op);
    }
}

impl DrawingBackend for Recorder<'_> {
    type ErrorType = Infallible;

    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<Infallible>> {
        measure_text(text, style).ok_or_else(|| {
            DrawingErrorKind::FontError(
                format!("cannot measure {text:?} in {}", style.family().as_str()).into(),
            )
        })
    }

    fn get_size(&self) -> (u32, u32) {
        self.list.size
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Infallible>> {
        Ok(())
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Infallible>> {
        Ok(())
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        self.push(Op::Pixel(point, Stroke::of(&color)));
        Ok(())
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        self.push(Op::Line(from, to, Stroke::of(style)));
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        self.push(Op::Rect(upper_left, bottom_right, Stroke::of(style), fill));
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        self.push(Op::Path(path.into_iter().collect(), Stroke::of(style)));
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        self.push(Op::Circle(center, radius, Stroke::of(style), fill));
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        self.push(Op::Polygon(vert.into_iter().collect(), Stroke::of(style)));
        Ok(())
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        let c = style.color();
        let font = Font {
            family: style.family().as_str().to_string(),
            size: style.size(),
            style: style.style(),
            transform: style.transform(),
            anchor: style.anchor(),
            rgb: c.rgb,
            alpha: c.alpha,
        };
        self.push(Op::Text(text.to_string(), Box::new(font), pos));
        Ok(())
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        dim: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        self.push(Op::Bitmap(pos, dim, src.to_vec()));
        Ok(())
    }
}

/// The element that replays a display list onto whatever backend its drawing area has.
struct Replay<'a>(&'a DisplayList);

impl<'a, 'b> PointCollection<'b, BackendCoord> for &'b Replay<'a> {
    type Point = &'b BackendCoord;
    type IntoIter = std::iter::Once<&'b BackendCoord>;

    fn point_iter(self) -> Self::IntoIter {
        std::iter::once(&(0, 0))
    }
}

impl<DB: DrawingBackend> Drawable<DB> for Replay<'_> {
    fn draw<I: Iterator<Item = BackendCoord>>(
        &self,
        mut pos: I,
        backend: &mut DB,
        _parent_dim: (u32, u32),
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        let origin = pos.next().unwrap_or((0, 0));
        self.0.replay_onto(backend, origin)
    }
}

/// Opaque rectangles painted into an RGBA image (a heat map's cells as one image): a pixel loop,
/// so it lives in the kernels crate, compiled for speed in every build.
pub use crate::engine::kernels::{paint_rects, OpaqueRect};
