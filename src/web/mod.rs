//! The browser facade: one opaque handle, [`App`], around a [`Run`](crate::run::Run). The page's
//! JavaScript owns the animation loop and the DOM and passes canvases in; this side owns state,
//! stepping and drawing. Values cross the boundary as JSON strings or numbers.

mod canvas;

use plotters::prelude::*;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

use crate::chapters::registry::{self, reply, Registry};
use crate::chapters::CallError;
use crate::charts::Theme;
use crate::config::csv;
use crate::config::Config;
use crate::engine::bench;
use crate::page::{hash, presets};
use crate::run::export;
use crate::run::Change;

/// Installs a panic hook that logs to the console and tells the page (a `dln-panic` event on
/// `window` whose `detail` is the message), so a bug never leaves a silent blank page.
#[wasm_bindgen(start)]
pub fn start() {
    crate::chapters::chapter::set_clock(js_sys::Date::now);
    crate::charts::display::set_text_measure(measure_text);
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        if let Some(win) = web_sys::window() {
            let init = web_sys::CustomEventInit::new();
            init.set_detail(&JsValue::from_str(&info.to_string()));
            if let Ok(ev) = web_sys::CustomEvent::new_with_event_init_dict("dln-panic", &init) {
                let _ = win.dispatch_event(&ev);
            }
        }
    }));
}

thread_local! {
    /// A canvas of its own, never shown, whose 2D context measures text for the charts.
    static MEASURE: Option<web_sys::CanvasRenderingContext2d> = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("canvas").ok())
        .and_then(|c| c.dyn_into::<HtmlCanvasElement>().ok())
        .and_then(|c| c.get_context("2d").ok().flatten())
        .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok());
}

/// The charts' text measure: the canvas's `measureText`, which lays nothing out (plotters'
/// own measure in the browser adds a DOM element per string, a forced layout of the page). The
/// width is the advance; the height the font's ascent plus descent, a line of that font.
fn measure_text(family: &str, style: &str, size: f64, text: &str) -> (u32, u32) {
    let measured = MEASURE.with(|ctx| {
        let ctx = ctx.as_ref()?;
        ctx.set_font(&format!("{style} {size}px {family}"));
        let m = ctx.measure_text(text).ok()?;
        let height = m.font_bounding_box_ascent() + m.font_bounding_box_descent();
        Some((m.width().round() as u32, height.round() as u32))
    });
    // Without a canvas (no document), an em-based guess.
    measured.unwrap_or_else(|| {
        let n = text.chars().count() as f64;
        (
            (0.55 * size * n).round() as u32,
            (1.15 * size).round() as u32,
        )
    })
}

/// One explorable instance: the [`Registry`] of chapters around the main run. Every fallible
/// call answers JSON `{"result": ...}` or `{"error": "field: message", "field"}`.
#[wasm_bindgen]
pub struct App {
    reg: Registry,
    /// Draw the charts in the dark theme (the page follows `prefers-color-scheme`).
    dark: bool,
    /// The numbers the last [`call_numbers`](App::call_numbers) answered.
    numbers: Vec<f64>,
}

/// Reads a JSON argument, naming `field` when it is not JSON.
fn parse(field: &str, text: &str) -> Result<Value, CallError> {
    serde_json::from_str(text).map_err(|e| CallError::new(field, format!("is not valid JSON: {e}")))
}

#[wasm_bindgen]
impl App {
    /// Starts from a config given as JSON (a partial object is merged into the defaults).
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> Result<App, JsError> {
        let cfg = parse("config", config_json)
            .and_then(|partial| Config::default().merged(&partial))
            .map_err(|e| JsError::new(&e.to_string()))?;
        Ok(App {
            reg: Registry::new(&cfg),
            dark: false,
            numbers: Vec::new(),
        })
    }

    /// The chapters in page order: `[{id, title, panels: [{name, title}], calls: [{name, args,
    /// help}]}]`.
    pub fn chapters() -> String {
        serde_json::to_string(&registry::chapters()).unwrap_or_default()
    }

    /// Reads a URL hash. Never fails: JSON `{config, view, panels, embed, hide, preset,
    /// messages}`, one message per part that was ignored.
    #[wasm_bindgen(js_name = parseHash)]
    pub fn parse_hash(hash: &str) -> String {
        hash::parse_json(hash, &registry::link_names()).to_string()
    }

    /// Writes the URL hash (without `#`) of a state given as JSON `{config, view, panels,
    /// embed, hide, preset}` (every key optional); answers the hash.
    #[wasm_bindgen(js_name = writeHash)]
    pub fn write_hash(state_json: &str) -> String {
        reply(parse("state", state_json).and_then(|v| {
            hash::write_json(&v)
                .map(Value::String)
                .map_err(|e| CallError::new("hash", e.to_string()))
        }))
    }

    /// The URL hash (without `#`) of this explorer as it is (its config, view and second
    /// network) with the page's own parts given as JSON `{panels, embed, hide, preset,
    /// allow_origin, chapter}`.
    pub fn hash(&self, page_json: &str) -> String {
        reply(parse("page", page_json).and_then(|page| {
            let s = self.reg.session();
            hash::write_with(
                self.reg.config().clone(),
                self.reg.view().clone(),
                s.twin_patch().cloned(),
                &page,
            )
            .map(Value::String)
            .map_err(|e| CallError::new("hash", e.to_string()))
        }))
    }

    /// The recorded run in the shape `dln run` writes: `format` is `"json"` or `"csv"`.
    #[wasm_bindgen(js_name = exportRun)]
    pub fn export_run(&self, format: &str) -> String {
        let run = self.reg.session().run();
        reply(match format {
            "json" => Ok(Value::String(export::to_json(run))),
            "csv" => Ok(Value::String(export::to_csv(run))),
            other => Err(CallError::new(
                "format",
                format!(
                    "must be json or csv; got {:?}",
                    crate::config::echo::clip(other)
                ),
            )),
        })
    }

    /// The current config as JSON.
    pub fn config(&self) -> String {
        serde_json::to_string(self.reg.config()).unwrap_or_default()
    }

    /// The field table as JSON: `[{key, path, label, kind, item, min, max, min_open, length,
    /// log, slider, step, options: [{value, label, help}], live, when, unit, help}]`, one entry
    /// per parameter; the page builds its controls from it.
    pub fn schema() -> String {
        crate::config::fields::schema().to_string()
    }

    /// The default config as JSON.
    #[wasm_bindgen(js_name = defaultConfig)]
    pub fn default_config() -> String {
        serde_json::to_string(&Config::default()).unwrap_or_default()
    }

    /// Applies a partial config given as JSON (the config is unchanged on an error); answers
    /// `{"change": "none" | "live" | "reset", "reason"}`.
    #[wasm_bindgen(js_name = setConfig)]
    pub fn set_config(&mut self, partial_json: &str) -> String {
        reply(
            parse("config", partial_json)
                .and_then(|partial| self.reg.config_checked(&partial))
                .and_then(|cfg| self.reg.reconfigure(&cfg))
                .map(|change| match change {
                    Change::None => json!({ "change": "none" }),
                    Change::Live => json!({ "change": "live" }),
                    Change::Reset(reason) => json!({ "change": "reset", "reason": reason }),
                }),
        )
    }

    /// The current dataset, whatever its kind, as a custom matrix: JSON `{"kind": "matrix",
    /// "items", "features", "values"}` with one row of values per item.
    pub fn dataset(&self) -> String {
        serde_json::to_string(&self.reg.session().run().data().matrix_config()).unwrap_or_default()
    }

    /// Reads an item x feature matrix from CSV text. Answers `{"items", "features", "values"}`;
    /// an error names the row and column (`field` is `csv.row R.column C`).
    #[wasm_bindgen(js_name = parseCsv)]
    pub fn parse_csv(text: &str) -> String {
        match csv::parse_matrix(text) {
            Ok(m) => reply(Ok(crate::chapters::chapter::to_value(m))),
            Err(e) => {
                json!({ "error": e.message, "field": "csv", "row": e.row, "column": e.column })
                    .to_string()
            }
        }
    }

    /// Writes a matrix given as JSON `{"items", "features", "values"}` as CSV text.
    #[wasm_bindgen(js_name = toCsv)]
    pub fn to_csv(matrix_json: &str) -> String {
        reply(parse("matrix", matrix_json).and_then(|v| {
            crate::config::read::<csv::Matrix>(v)
                .map(|m| Value::String(m.to_csv()))
                .map_err(|e| CallError::new("matrix", format!("is not a matrix: {e}")))
        }))
    }

    /// Restarts the run from step 0.
    pub fn reset(&mut self) {
        self.reg.reset();
    }

    /// Takes up to `n` training steps; returns how many were taken.
    pub fn advance(&mut self, n: u32) -> u32 {
        self.reg.advance(u64::from(n)) as u32
    }

    /// A summary of the run as JSON (`step`, `loss`, `modes`, `theory_modes`, `diverged`, ...).
    pub fn state(&self) -> String {
        serde_json::to_string(&self.reg.session().run().state()).unwrap_or_default()
    }

    /// The small summary the page polls every frame: `{step, steps, time, loss, diverged,
    /// finished, message, version, chapters}`.
    pub fn status(&self) -> String {
        self.reg.status_json().to_string()
    }

    /// Whether `panel` would look different if drawn now on a canvas of this pixel size.
    pub fn stale(&self, panel: &str, width: u32, height: u32) -> bool {
        self.reg.stale(panel, width, height)
    }

    /// Draws any chapter's panel on a canvas whose pixel size has already been set to its CSS
    /// size times `scale` (the device pixel ratio). The page asks [`stale`](App::stale) first
    /// and skips panels that would look the same.
    pub fn draw(&mut self, panel: &str, canvas: HtmlCanvasElement, scale: f64) -> String {
        let Some(backend) = canvas::Canvas::new(canvas) else {
            return reply(Err(CallError::new("canvas", "has no 2d context")));
        };
        let root = backend.into_drawing_area();
        let r = self
            .reg
            .draw(panel, &root, &Theme::new(scale, self.dark))
            .and_then(|()| {
                root.present()
                    .map_err(|e| CallError::new(format!("draw.{panel}"), e.to_string()))
            });
        reply(r.map(|()| Value::Null))
    }

    /// Draws the charts in the dark theme (true) or the light one; every panel is drawn again.
    /// SVG exports stay light.
    #[wasm_bindgen(js_name = setDark)]
    pub fn set_dark(&mut self, dark: bool) {
        if dark != self.dark {
            self.dark = dark;
            self.reg.redraw_all();
        }
    }

    /// The readout at device pixel (x, y) of a drawn panel, if the pointer is over data.
    pub fn hover(&self, panel: &str, x: f64, y: f64) -> Option<String> {
        self.reg.readout(panel, x, y)
    }

    /// The keyboard cursor of a drawn panel: from `at_json` (`null`, or `{area, col, row}` as
    /// an earlier answer gave it) by (`dx`, `dy`) stops, each -1, 0 or 1, a stop every `pitch`
    /// device pixels on an x-y plot. Answers `{area, col, row, x, y, text}` (the readout at the
    /// next point of the data, x and y in device pixels) or null when the panel has no readout.
    pub fn cursor(&self, panel: &str, at_json: &str, dx: i32, dy: i32, pitch: f64) -> String {
        reply(parse("at", at_json).and_then(|at| {
            let at: Option<registry::Cursor> = crate::config::read(at)
                .map_err(|e| CallError::new("at", format!("is not a cursor: {e}")))?;
            Ok(crate::chapters::chapter::to_value(self.reg.cursor(
                panel,
                at,
                (dx.signum(), dy.signum()),
                pitch,
            )))
        }))
    }

    /// The numbers a panel draws as a table: `{columns, rows, note}` (`rows`: one array of
    /// cells per point, numbers, texts or null), or null for a panel without a table yet. With
    /// `max_rows`, at most that many rows, every k-th, with `total_rows` and `every`.
    pub fn table(&self, panel: &str, max_rows: Option<u32>) -> String {
        reply(self.reg.table_within(panel, max_rows.map(|m| m as usize)))
    }

    /// A panel as an SVG document (drawn by the same chart code, not a screenshot).
    pub fn svg(&mut self, panel: &str, width: u32, height: u32) -> String {
        reply(self.reg.svg(panel, width, height).map(Value::String))
    }

    /// Calls a chapter by name with a JSON array of arguments (see [`chapters`](App::chapters)).
    pub fn call(&mut self, name: &str, args_json: &str) -> String {
        reply(parse("args", args_json).and_then(|args| match args {
            Value::Array(args) => self.reg.call(name, &args),
            _ => Err(CallError::new("args", "must be a JSON array")),
        }))
    }

    /// [`call`](App::call) with a block of numbers (a Float64Array) beside the arguments, for
    /// arrays too large for JSON; [`take_numbers`](App::take_numbers) then reads the numbers
    /// the call answered (those sent, when it answered none).
    #[wasm_bindgen(js_name = callNumbers)]
    pub fn call_numbers(&mut self, name: &str, args_json: &str, numbers: Vec<f64>) -> String {
        let mut numbers = numbers;
        let r = parse("args", args_json).and_then(|args| match args {
            Value::Array(args) => self.reg.call_numbers(name, &args, &mut numbers),
            _ => Err(CallError::new("args", "must be a JSON array")),
        });
        self.numbers = numbers;
        reply(r)
    }

    /// The numbers the last [`call_numbers`](App::call_numbers) answered, as a Float64Array
    /// (once: the App lets go of them).
    #[wasm_bindgen(js_name = takeNumbers)]
    pub fn take_numbers(&mut self) -> Vec<f64> {
        std::mem::take(&mut self.numbers)
    }

    /// Gives every chapter up to `steps` steps of background work; true while any remains.
    pub fn work(&mut self, steps: u32) -> bool {
        self.reg.work(u64::from(steps))
    }

    /// What the panels show, as JSON (`scrub`, `illusion`, `category`, `projection`).
    pub fn view(&self) -> String {
        serde_json::to_string(self.reg.view()).unwrap_or_default()
    }

    /// Replaces the view with a JSON object.
    #[wasm_bindgen(js_name = setView)]
    pub fn set_view(&mut self, json: &str) -> String {
        let r = parse("view", json).and_then(|v| {
            crate::config::read(v).map_err(|e| {
                CallError::new(
                    format!("view.{}", crate::config::echo::clip(&e.path().to_string())),
                    crate::config::echo::clip_quoted(&e.inner().to_string()),
                )
            })
        });
        reply(r.map(|v| {
            self.reg.set_view(v);
            Value::Null
        }))
    }

    /// Starts a second network from a partial config merged onto the main one (JSON), or removes
    /// it (`null`).
    #[wasm_bindgen(js_name = setTwin)]
    pub fn set_twin(&mut self, patch_json: &str) -> String {
        reply(parse("twin", patch_json).and_then(|patch| {
            let patch = if patch.is_null() { None } else { Some(patch) };
            self.reg.set_twin(patch).map(|()| Value::Null)
        }))
    }

    /// Takes up to `n` of the steps the second network is behind the first; answers how many
    /// are left (the page calls it a slice a frame after `setTwin`).
    #[wasm_bindgen(js_name = catchUpTwin)]
    pub fn catch_up_twin(&mut self, n: u32) -> f64 {
        self.reg.catch_up_twin(u64::from(n)) as f64
    }

    /// The second network's partial config as JSON (`null` without one).
    pub fn twin(&self) -> String {
        serde_json::to_string(&self.reg.session().twin_patch()).unwrap_or_default()
    }

    /// The steps at which the history has snapshots, as JSON (for the time scrubber).
    #[wasm_bindgen(js_name = snapshotSteps)]
    pub fn snapshot_steps(&self) -> String {
        let snaps = self.reg.session().run().history().snapshots();
        let steps: Vec<u64> = snaps.iter().map(|s| s.step).collect();
        serde_json::to_string(&steps).unwrap_or_default()
    }

    /// The presets as JSON: `[{"id", "title", "caption", "focus", ...}]`.
    pub fn presets() -> String {
        serde_json::to_string(&presets::presets()).unwrap_or_default()
    }

    /// Applies a preset: its config (from the defaults), its second network and its view.
    /// Answers `{caption, focus, title}`.
    #[wasm_bindgen(js_name = applyPreset)]
    pub fn apply_preset(&mut self, id: &str) -> String {
        let Some(p) = presets::preset(id) else {
            let ids: Vec<&str> = presets::presets().iter().map(|p| p.id).collect();
            return reply(Err(CallError::new(
                "preset",
                format!(
                    "unknown preset {:?}; presets are {}",
                    crate::config::echo::clip(id),
                    ids.join(", ")
                ),
            )));
        };
        reply(
            self.reg
                .apply_preset(&p)
                .map(|()| json!({ "caption": p.caption, "focus": p.focus, "title": p.title })),
        )
    }

    /// The dataset's names as JSON `{"items": [...], "features": [...], "modes": [...]}`.
    pub fn names(&self) -> String {
        let run = self.reg.session().run();
        let d = run.data();
        let modes: Vec<String> = (0..run.svd().s.len())
            .map(|a| run.svd().describe_mode(a, &d.features))
            .collect();
        json!({ "items": d.items, "features": d.features, "modes": modes }).to_string()
    }
}

/// The speed benchmark's cases as JSON `[{"name", "network"}]` (`engine::bench`).
#[wasm_bindgen(js_name = benchCases)]
pub fn bench_cases() -> String {
    let cases: Vec<Value> = bench::CASES
        .iter()
        .map(|(name, network)| json!({ "name": name, "network": network }))
        .collect();
    Value::Array(cases).to_string()
}

/// Times one benchmark case for about `seconds`, reading the clock `now` (a function returning
/// milliseconds, such as `performance.now`). Returns the figure as JSON
/// `{case, steps, seconds, steps_per_second, loss}`, or `{"error"}`.
#[wasm_bindgen(js_name = benchCase)]
pub fn bench_case(name: &str, seconds: f64, now: &js_sys::Function) -> String {
    let Some(mut case) = bench::Case::new(name) else {
        return reply(Err(CallError::new(
            "case",
            format!(
                "no benchmark case called {:?}",
                crate::config::echo::clip(name)
            ),
        )));
    };
    let clock = || {
        now.call0(&JsValue::NULL)
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(f64::NAN)
            / 1000.0
    };
    let figure = bench::measure(&mut case, seconds, clock);
    reply(Ok(crate::chapters::chapter::to_value(figure)))
}

/// Trains the benchmark case `name` for `steps` steps and returns its bits as JSON
/// `{case, steps, loss, weights}` (`engine::bench::Bits`), or `{"error"}`: `dln bench --bits N`
/// prints the same object natively.
#[wasm_bindgen(js_name = benchBits)]
pub fn bench_bits(name: &str, steps: u32) -> String {
    match bench::bits_after(name, u64::from(steps)) {
        Some(bits) => reply(Ok(crate::chapters::chapter::to_value(bits))),
        None => reply(Err(CallError::new(
            "case",
            format!(
                "no benchmark case called {:?}",
                crate::config::echo::clip(name)
            ),
        ))),
    }
}
