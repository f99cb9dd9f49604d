//! The page's canvas backend: plotters' canvas backend, except that a run of opaque filled
//! rectangles (the cells of a heat map, 65,536 of them for a 256-item RSM) is put on the canvas
//! as one image instead of a `fillRect` call per cell. The pixels are the same: the cells have
//! integer corners, and `fillRect` on integer corners without a transform fills exactly them.

use plotters::prelude::*;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};
use plotters_canvas::CanvasBackend;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};

use crate::charts::display::{paint_rects, OpaqueRect};

/// Fewer rectangles in a run than this are drawn one by one.
const MIN_RUN: usize = 64;

type Error = DrawingErrorKind<<CanvasBackend as DrawingBackend>::ErrorType>;

/// A failed canvas call as a drawing error (plotters-canvas's own error type cannot be made
/// outside it, so the message travels in the one variant that takes any error).
fn js_error(e: wasm_bindgen::JsValue) -> Error {
    DrawingErrorKind::FontError(format!("{e:?}").into())
}

pub struct Canvas {
    inner: CanvasBackend,
    ctx: CanvasRenderingContext2d,
    size: (u32, u32),
    run: Vec<OpaqueRect>,
    /// A canvas off the page for images with transparent pixels, made when first needed.
    scratch: Option<Scratch>,
}

type Scratch = (HtmlCanvasElement, CanvasRenderingContext2d);

impl Canvas {
    pub fn new(canvas: HtmlCanvasElement) -> Option<Canvas> {
        let ctx = canvas
            .get_context("2d")
            .ok()
            .flatten()?
            .dyn_into::<CanvasRenderingContext2d>()
            .ok()?;
        let size = (canvas.width(), canvas.height());
        Some(Canvas {
            inner: CanvasBackend::with_canvas_object(canvas)?,
            ctx,
            size,
            run: Vec::new(),
            scratch: None,
        })
    }

    /// Puts the rectangles held back: one by one if there are few, else as one image.
    fn flush(&mut self) -> Result<(), Error> {
        let run = std::mem::take(&mut self.run);
        if run.len() < MIN_RUN {
            for (a, b, (r, g, bl)) in run {
                self.inner.draw_rect(a, b, &RGBColor(r, g, bl), true)?;
            }
            return Ok(());
        }
        let (w, h) = (self.size.0 as i32, self.size.1 as i32);
        let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
        for &((ax, ay), (bx, by), _) in &run {
            x0 = x0.min(ax.min(bx));
            y0 = y0.min(ay.min(by));
            x1 = x1.max(ax.max(bx));
            y1 = y1.max(ay.max(by));
        }
        let (x0, y0, x1, y1) = (x0.max(0), y0.max(0), x1.min(w), y1.min(h));
        if x1 <= x0 || y1 <= y0 {
            return Ok(());
        }
        let bbox = (x0, y0, x1 - x0, y1 - y0);
        let mut rgba = vec![0u8; (bbox.2 * bbox.3) as usize * 4];
        let covered = paint_rects(&mut rgba, bbox, &run);
        let img = ImageData::new_with_u8_clamped_array_and_sh(
            Clamped(&rgba),
            bbox.2 as u32,
            bbox.3 as u32,
        )
        .map_err(js_error)?;
        if covered {
            return self
                .ctx
                .put_image_data(&img, x0.into(), y0.into())
                .map_err(js_error);
        }
        // Not every pixel is a rectangle's (bars with gaps): the image goes onto a scratch
        // canvas and is drawn from there, so its transparent pixels leave what is under them
        // (drawn 1:1 at integer corners, its opaque pixels are copied exactly). Reading the
        // canvas back instead would make the browser keep it in memory for reading.
        let (el, ctx) = self.scratch(bbox.2 as u32, bbox.3 as u32)?.clone();
        ctx.put_image_data(&img, 0.0, 0.0).map_err(js_error)?;
        self.ctx
            .draw_image_with_html_canvas_element(&el, x0.into(), y0.into())
            .map_err(js_error)
    }

    /// A canvas of `w x h` pixels off the page, cleared, with its context.
    fn scratch(&mut self, w: u32, h: u32) -> Result<&Scratch, Error> {
        if self.scratch.is_none() {
            let missing = || js_error("no document to make a scratch canvas in".into());
            let el = web_sys::window()
                .and_then(|w| w.document())
                .ok_or_else(missing)?
                .create_element("canvas")
                .map_err(js_error)?
                .dyn_into::<HtmlCanvasElement>()
                .map_err(|_| missing())?;
            let ctx = el
                .get_context("2d")
                .map_err(js_error)?
                .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
                .ok_or_else(missing)?;
            self.scratch = Some((el, ctx));
        }
        let s = self.scratch.as_ref().expect("made above");
        // Setting the size clears the canvas, even to the same size.
        s.0.set_width(w);
        s.0.set_height(h);
        Ok(s)
    }
}

impl DrawingBackend for Canvas {
    type ErrorType = <CanvasBackend as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Error> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Error> {
        self.flush()?;
        self.inner.present()
    }

    fn draw_pixel(&mut self, p: BackendCoord, c: BackendColor) -> Result<(), Error> {
        self.flush()?;
        self.inner.draw_pixel(p, c)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        a: BackendCoord,
        b: BackendCoord,
        s: &S,
    ) -> Result<(), Error> {
        self.flush()?;
        self.inner.draw_line(a, b, s)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        a: BackendCoord,
        b: BackendCoord,
        s: &S,
        fill: bool,
    ) -> Result<(), Error> {
        let c = s.color();
        if fill && c.alpha >= 1.0 {
            self.run.push((a, b, c.rgb));
            return Ok(());
        }
        self.flush()?;
        self.inner.draw_rect(a, b, s, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        s: &S,
    ) -> Result<(), Error> {
        self.flush()?;
        self.inner.draw_path(path, s)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        c: BackendCoord,
        r: u32,
        s: &S,
        fill: bool,
    ) -> Result<(), Error> {
        self.flush()?;
        self.inner.draw_circle(c, r, s, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        s: &S,
    ) -> Result<(), Error> {
        self.flush()?;
        self.inner.fill_polygon(vert, s)
    }

    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        p: BackendCoord,
    ) -> Result<(), Error> {
        self.flush()?;
        self.inner.draw_text(text, style, p)
    }

    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), Error> {
        self.inner.estimate_text_size(text, style)
    }

    fn blit_bitmap(
        &mut self,
        p: BackendCoord,
        (w, h): (u32, u32),
        src: &[u8],
    ) -> Result<(), Error> {
        self.flush()?;
        self.inner.blit_bitmap(p, (w, h), src)
    }
}
