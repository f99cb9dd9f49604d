//! The browser facade: one opaque handle, [`App`], around a [`Run`](crate::run::Run). The page's
//! JavaScript owns the animation loop and the DOM and passes canvases in; this side owns state,
//! stepping and drawing. Values cross the boundary as JSON strings or numbers.

use std::collections::HashMap;

use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

use crate::chapters::coherence::{self, CoherenceDemo};
use crate::chapters::depth::SweepTask;
use crate::chapters::phase::PhaseDemo;
use crate::chapters::spectra::{summarise, Factor, SpectraDemo};
use crate::charts::{self, Frame, RunDot, Theme};
use crate::config::Config;
use crate::config::{csv, echo};
use crate::engine::bench;
use crate::page::{hash, presets, View};
use crate::run::export;
use crate::run::{Change, Session};

/// Installs a panic hook that logs to the console and tells the page (a `dln-panic` event on
/// `window` whose `detail` is the message), so a bug never leaves a silent blank page.
#[wasm_bindgen(start)]
pub fn start() {
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

/// One explorable instance: a session (a run, and optionally a second network), what the page
/// is looking at, and where each panel was last drawn (for hover readouts).
/// It also owns the demos whose state is not part of the run: the category-coherence demo, the
/// depth sweep, the spectra of random products and the phase portrait.
#[wasm_bindgen]
pub struct App {
    session: Session,
    view: View,
    frames: HashMap<String, Frame>,
    coherence: CoherenceDemo,
    sweep: SweepTask,
    spectra: SpectraDemo,
    phase: PhaseDemo,
    /// For each demo panel, what was last drawn (its version, anything else it shows, and the
    /// canvas size), to skip redrawing an unchanged demo.
    drawn: HashMap<String, (u64, u64, u32, u32)>,
}

/// The panels drawn from a demo rather than from the session alone.
const DEMOS: [&str; 4] = ["coherence", "sweep", "spectra", "phase"];

fn error_json(msg: impl std::fmt::Display) -> String {
    json!({ "error": msg.to_string() }).to_string()
}

#[wasm_bindgen]
impl App {
    /// Starts from a config given as JSON (a partial object is merged into the defaults).
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> Result<App, JsError> {
        let partial: Value = serde_json::from_str(config_json)
            .map_err(|e| JsError::new(&format!("config is not valid JSON: {e}")))?;
        let cfg = Config::default()
            .merged(&partial)
            .map_err(|e| JsError::new(&e.to_string()))?;
        let session = Session::new(&cfg);
        Ok(App {
            session,
            view: View::default(),
            frames: HashMap::new(),
            coherence: CoherenceDemo::default(),
            sweep: SweepTask::default(),
            spectra: SpectraDemo::default(),
            phase: PhaseDemo::default(),
            drawn: HashMap::new(),
        })
    }

    /// Reads a URL hash. Never fails: JSON `{config, view, panels, embed, hide, preset,
    /// messages}`, one message per part that was ignored.
    #[wasm_bindgen(js_name = parseHash)]
    pub fn parse_hash(hash: &str) -> String {
        hash::parse_json(hash).to_string()
    }

    /// Writes the URL hash (without `#`) of a state given as JSON `{config, view, panels,
    /// embed, hide, preset}` (every key optional). Returns JSON `{"hash"}` or `{"error"}`.
    #[wasm_bindgen(js_name = writeHash)]
    pub fn write_hash(state_json: &str) -> String {
        let v: Value = match serde_json::from_str(state_json) {
            Ok(v) => v,
            Err(e) => return error_json(format!("state: is not valid JSON: {e}")),
        };
        match hash::write_json(&v) {
            Ok(h) => json!({ "hash": h }).to_string(),
            Err(e) => error_json(e),
        }
    }

    /// The URL hash (without `#`) of this explorer as it is (its config, view and second
    /// network) with the page's own parts given as JSON `{panels, embed, hide, preset}` (every
    /// key optional). Returns JSON `{"hash"}` or `{"error"}`.
    pub fn hash(&self, page_json: &str) -> String {
        let page: Value = match serde_json::from_str(page_json) {
            Ok(v) => v,
            Err(e) => return error_json(format!("page: is not valid JSON: {e}")),
        };
        let config = self.session.run().config().config().clone();
        let twin = self.session.twin_patch().cloned();
        match hash::write_with(config, self.view.clone(), twin, &page) {
            Ok(h) => json!({ "hash": h }).to_string(),
            Err(e) => error_json(e),
        }
    }

    /// The recorded run in the shape `dln run` writes: `format` is `"json"` or `"csv"`.
    #[wasm_bindgen(js_name = exportRun)]
    pub fn export_run(&self, format: &str) -> Result<String, JsError> {
        match format {
            "json" => Ok(export::to_json(self.session.run())),
            "csv" => Ok(export::to_csv(self.session.run())),
            other => Err(JsError::new(&format!(
                "format: must be json or csv; got {:?}",
                echo::clip(other)
            ))),
        }
    }

    /// The current config as JSON.
    pub fn config(&self) -> String {
        serde_json::to_string(self.session.run().config()).expect("a Config always serialises")
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
        serde_json::to_string(&Config::default()).expect("a Config always serialises")
    }

    /// Applies a partial config given as JSON. Returns JSON: `{"error": "field: message"}` (the
    /// config is then unchanged), or `{"change": "none" | "live" | "reset", "reason": ...}`.
    #[wasm_bindgen(js_name = setConfig)]
    pub fn set_config(&mut self, partial_json: &str) -> String {
        let partial: Value = match serde_json::from_str(partial_json) {
            Ok(v) => v,
            Err(e) => return error_json(format!("config: is not valid JSON: {e}")),
        };
        let cfg = match self.session.run().config().merged(&partial) {
            Ok(c) => c,
            Err(e) => return error_json(e),
        };
        match self.session.reconfigure(&cfg) {
            Ok(Change::None) => json!({ "change": "none" }).to_string(),
            Ok(Change::Live) => json!({ "change": "live" }).to_string(),
            Ok(Change::Reset(reason)) => {
                self.frames.clear();
                json!({ "change": "reset", "reason": reason }).to_string()
            }
            Err(e) => error_json(e),
        }
    }

    /// The current dataset, whatever its kind, as a custom matrix: JSON `{"kind": "matrix",
    /// "items", "features", "values"}` with one row of values per item (what the dataset editor
    /// shows and edits).
    pub fn dataset(&self) -> String {
        serde_json::to_string(&self.session.run().data().matrix_config())
            .expect("a DatasetConfig always serialises")
    }

    /// Reads an item x feature matrix from CSV text. Returns JSON `{"items", "features",
    /// "values"}`, or `{"error", "row", "column"}` where the message names the row and column.
    #[wasm_bindgen(js_name = parseCsv)]
    pub fn parse_csv(text: &str) -> String {
        match csv::parse_matrix(text) {
            Ok(m) => serde_json::to_string(&m).expect("a Matrix always serialises"),
            Err(e) => json!({ "error": e.message, "row": e.row, "column": e.column }).to_string(),
        }
    }

    /// Writes a matrix given as JSON `{"items", "features", "values"}` as CSV text.
    #[wasm_bindgen(js_name = toCsv)]
    pub fn to_csv(matrix_json: &str) -> Result<String, JsError> {
        let m: csv::Matrix = serde_json::from_str(matrix_json)
            .map_err(|e| JsError::new(&format!("toCsv: not a matrix: {e}")))?;
        Ok(m.to_csv())
    }

    /// Restarts the run from step 0.
    pub fn reset(&mut self) {
        self.session.reset();
    }

    /// Takes up to `n` training steps; returns how many were taken.
    pub fn advance(&mut self, n: u32) -> u32 {
        self.session.advance(n as u64) as u32
    }

    /// A summary of the run as JSON (`step`, `loss`, `modes`, `theory_modes`, `diverged`, ...).
    pub fn state(&self) -> String {
        serde_json::to_string(&self.session.run().state()).expect("a State always serialises")
    }

    /// Draws a panel (`loss`, `modes`, ..., or one of the demos `coherence`, `sweep`,
    /// `spectra`, `phase`) on a canvas whose pixel size has already been set to its CSS size
    /// times `scale` (the device pixel ratio). A demo is only redrawn when what it shows or the
    /// canvas size has changed.
    pub fn draw(
        &mut self,
        panel: &str,
        canvas: HtmlCanvasElement,
        scale: f64,
    ) -> Result<(), JsError> {
        self.sync_phase();
        let dot = self.run_dot();
        let key = self
            .demo_key(panel, dot.as_ref())
            .map(|(v, extra)| (v, extra, canvas.width(), canvas.height()));
        if key.is_some() && self.drawn.get(panel) == key.as_ref() && self.frames.contains_key(panel)
        {
            return Ok(());
        }
        let backend = CanvasBackend::with_canvas_object(canvas)
            .ok_or_else(|| JsError::new("the canvas has no 2d context"))?;
        let root = backend.into_drawing_area();
        let theme = Theme::with_scale(scale);
        let frame = match panel {
            "coherence" => charts::draw_coherence(&root, &self.coherence, &theme),
            "sweep" => self.draw_sweep(&root, &theme),
            "spectra" => charts::draw_spectra(&root, &self.spectra, &theme),
            "phase" => charts::draw_phase(&root, &self.phase, dot.as_ref(), &theme),
            _ => charts::draw_panel(panel, &root, &self.session, &self.view, &theme),
        }
        .map_err(|e| JsError::new(&e.to_string()))?;
        root.present().map_err(|e| JsError::new(&e.to_string()))?;
        if let Some(key) = key {
            self.drawn.insert(panel.to_string(), key);
        }
        self.frames.insert(panel.to_string(), frame);
        Ok(())
    }

    /// The hover readout at device pixel (x, y) of a drawn panel, if the pointer is over data.
    pub fn hover(&self, panel: &str, x: f64, y: f64) -> Option<String> {
        let frame = self.frames.get(panel)?;
        match panel {
            "coherence" => charts::coherence_readout(frame, &self.coherence, x, y),
            "sweep" => charts::sweep::readout(frame, self.sweep_results(), x, y),
            "spectra" => charts::spectra_readout(frame, &self.spectra, x, y),
            "phase" => charts::phase_readout(frame, &self.phase, self.run_dot().as_ref(), x, y),
            _ => charts::readout(panel, frame, &self.session, &self.view, x, y),
        }
    }

    /// A panel as an SVG document (drawn by the same chart code, not a screenshot).
    pub fn svg(&mut self, panel: &str, width: u32, height: u32) -> Result<String, JsError> {
        self.sync_phase();
        let dot = self.run_dot();
        match panel {
            "coherence" => charts::coherence_svg(&self.coherence, width, height),
            "sweep" => charts::svg_with(width, height, |root, th| self.draw_sweep(root, th)),
            "spectra" => charts::svg_with(width, height, |root, th| {
                charts::draw_spectra(root, &self.spectra, th)
            }),
            "phase" => charts::svg_with(width, height, |root, th| {
                charts::draw_phase(root, &self.phase, dot.as_ref(), th)
            }),
            _ => charts::panel_svg(panel, &self.session, &self.view, width, height),
        }
        .map_err(|e| JsError::new(&e))
    }

    /// What the panels show, as JSON (`scrub`, `illusion`, `category`, `projection`).
    pub fn view(&self) -> String {
        serde_json::to_string(&self.view).expect("a View always serialises")
    }

    /// Replaces the view with a JSON object; returns an error message or an empty string.
    #[wasm_bindgen(js_name = setView)]
    pub fn set_view(&mut self, json: &str) -> String {
        match serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(json)) {
            Ok(v) => {
                self.view = v;
                String::new()
            }
            Err(e) => format!(
                "view.{}: {}",
                echo::clip(&e.path().to_string()),
                echo::clip_quoted(&e.inner().to_string())
            ),
        }
    }

    /// Starts a second network from a partial config merged onto the main one (JSON), or removes
    /// it (`null`). Returns an error message naming the field, or an empty string.
    #[wasm_bindgen(js_name = setTwin)]
    pub fn set_twin(&mut self, patch_json: &str) -> String {
        let patch: Value = match serde_json::from_str(patch_json) {
            Ok(v) => v,
            Err(e) => return format!("twin: is not valid JSON: {e}"),
        };
        let patch = if patch.is_null() { None } else { Some(patch) };
        match self.session.set_twin(patch) {
            Ok(()) => String::new(),
            Err(e) => e.to_string(),
        }
    }

    /// The second network's partial config as JSON (`null` without one).
    pub fn twin(&self) -> String {
        serde_json::to_string(&self.session.twin_patch()).expect("JSON values serialise")
    }

    /// The steps at which the history has snapshots, as JSON (for the time scrubber).
    #[wasm_bindgen(js_name = snapshotSteps)]
    pub fn snapshot_steps(&self) -> String {
        let steps: Vec<u64> = self
            .session
            .run()
            .history()
            .snapshots()
            .iter()
            .map(|s| s.step)
            .collect();
        serde_json::to_string(&steps).expect("numbers serialise")
    }

    /// The presets as JSON: `[{"id", "title", "caption", "focus", ...}]`.
    pub fn presets() -> String {
        serde_json::to_string(&presets::presets()).expect("presets serialise")
    }

    /// Applies a preset: its config (from the defaults), its second network and its view.
    /// Returns JSON `{"error": ...}` or `{"caption": ..., "focus": ...}`.
    #[wasm_bindgen(js_name = applyPreset)]
    pub fn apply_preset(&mut self, id: &str) -> String {
        let Some(p) = presets::preset(id) else {
            let ids: Vec<&str> = presets::presets().iter().map(|p| p.id).collect();
            return error_json(format!(
                "preset: unknown preset {:?}; presets are {ids:?}",
                echo::clip(id)
            ));
        };
        let result = self
            .session
            .set_twin(None)
            .and_then(|()| p.full_config())
            .and_then(|cfg| self.session.reconfigure(&cfg))
            .and_then(|_| self.session.set_twin(p.twin.clone()));
        match result {
            Ok(()) => {
                self.session.reset();
                self.view = p.view.clone();
                self.frames.clear();
                json!({ "caption": p.caption, "focus": p.focus, "title": p.title }).to_string()
            }
            Err(e) => error_json(e),
        }
    }

    /// The dataset's names as JSON `{"items": [...], "features": [...], "modes": [...]}`.
    pub fn names(&self) -> String {
        let run = self.session.run();
        let d = run.data();
        let modes: Vec<String> = (0..run.svd().s.len())
            .map(|a| run.svd().describe_mode(a, &d.features))
            .collect();
        json!({ "items": d.items, "features": d.features, "modes": modes }).to_string()
    }

    /// Moves the coherence demo's slider to coherence `c` (clamped to 0.2 to 5); returns
    /// [`coherence_state`](App::coherence_state).
    #[wasm_bindgen(js_name = setCoherence)]
    pub fn set_coherence(&mut self, c: f64) -> String {
        self.coherence.set_coherence(c);
        self.coherence_state()
    }

    /// Adds one noise draw to the coherence demo's curve; true once the curve is complete.
    #[wasm_bindgen(js_name = refineCoherence)]
    pub fn refine_coherence(&mut self) -> bool {
        self.coherence.refine()
    }

    /// The coherence demo as JSON: `c`, `strength`, `overlap` and `spread` (mean and sd over the
    /// noise draws at `c`), `found` (`c` above the BBP threshold), `singular_value` and
    /// `noise_edge` (first draw), and `draws`/`draws_total` of the curve.
    #[wasm_bindgen(js_name = coherenceState)]
    pub fn coherence_state(&self) -> String {
        let d = &self.coherence;
        let now = d.current();
        let (done, total) = d.progress();
        json!({
            "c": d.coherence(),
            "strength": d.strength(),
            "overlap": now.mean,
            "spread": now.spread,
            "found": coherence::above_threshold(now.c),
            "singular_value": d.top_singular_value(),
            "noise_edge": coherence::noise_edge(d.sizes()),
            "draws": done,
            "draws_total": total,
        })
        .to_string()
    }

    // ----- the depth sweep -----

    /// Starts a depth sweep with the current config's `sweep` settings, dataset and hidden
    /// width (replacing any sweep in progress; the config was checked when it was set).
    /// Returns [`sweepState`](App::sweep_state).
    #[wasm_bindgen(js_name = sweepStart)]
    pub fn sweep_start(&mut self) -> String {
        self.sweep.start(self.session.run().config());
        self.sweep_state()
    }

    /// Runs up to `steps` gradient steps of the sweep (the page calls this with a few
    /// milliseconds' worth each frame); returns [`sweepState`](App::sweep_state) without the
    /// results.
    #[wasm_bindgen(js_name = sweepWork)]
    pub fn sweep_work(&mut self, steps: u32) -> String {
        self.sweep.work(steps as u64);
        let mut p = self.sweep.progress();
        p.results = None;
        serde_json::to_string(&p).expect("progress serialises")
    }

    /// Stops the sweep, keeping the results so far; returns [`sweepState`](App::sweep_state).
    #[wasm_bindgen(js_name = sweepCancel)]
    pub fn sweep_cancel(&mut self) -> String {
        self.sweep.cancel();
        self.sweep_state()
    }

    /// The sweep as JSON: `status` (`idle`, `running`, `done`, `cancelled`), `progress` (0 to
    /// 1), `runs_done`, `runs_total`, `steps`, `max_steps`, `threshold` and `results`
    /// (`{depths, threshold, learning_time, lr, theory}`, or `null` before any sweep).
    #[wasm_bindgen(js_name = sweepState)]
    pub fn sweep_state(&self) -> String {
        serde_json::to_string(&self.sweep.progress()).expect("progress serialises")
    }

    // ----- spectra of products of random matrices -----

    /// Sets the spectra demo's depth (number of matrices) and size; returns
    /// [`spectraState`](App::spectra_state) or JSON `{"error"}` naming the field.
    #[wasm_bindgen(js_name = setSpectra)]
    pub fn set_spectra(&mut self, depth: f64, size: f64) -> String {
        let whole = |name: &str, v: f64| {
            if v.is_finite() && v.fract() == 0.0 && v >= 0.0 {
                Ok(v as usize)
            } else {
                Err(format!("spectra.{name}: must be a whole number; got {v}"))
            }
        };
        let result = whole("depth", depth)
            .and_then(|d| Ok((d, whole("size", size)?)))
            .and_then(|(d, n)| self.spectra.set(d, n));
        match result {
            Ok(()) => self.spectra_state(),
            Err(e) => error_json(e),
        }
    }

    /// Adds one draw to each pooled spectrum; true once the pool is complete.
    #[wasm_bindgen(js_name = refineSpectra)]
    pub fn refine_spectra(&mut self) -> bool {
        self.spectra.refine()
    }

    /// The spectra demo as JSON: `depth`, `size`, `draws`, `draws_total`, and for `gaussian`
    /// and `orthogonal` the pooled `{max, min, ratio, below_tenth, mean_square}`.
    #[wasm_bindgen(js_name = spectraState)]
    pub fn spectra_state(&self) -> String {
        let d = &self.spectra;
        let summary = |k: Factor| {
            let s = summarise(d.values(k));
            json!({ "max": s.max, "min": s.min, "ratio": s.ratio.is_finite().then_some(s.ratio),
                    "below_tenth": s.below_tenth, "mean_square": s.mean_square })
        };
        json!({
            "depth": d.depth(),
            "size": d.size(),
            "draws": d.draws(),
            "draws_total": d.draws_total(),
            "gaussian": summary(Factor::Gaussian),
            "orthogonal": summary(Factor::Orthogonal),
        })
        .to_string()
    }

    // ----- the phase portrait -----

    /// Links the phase portrait to mode `mode` (1-based) of the run, or (`undefined`/`null`)
    /// shows the free portrait with s = 1. Returns an error message naming the field, or "".
    #[wasm_bindgen(js_name = setPhaseMode)]
    pub fn set_phase_mode(&mut self, mode: Option<u32>) -> String {
        let result = match mode {
            None => self.phase.set_strength(None, 1.0),
            Some(m) => {
                let s = &self.session.run().svd().s;
                match s.get((m as usize).wrapping_sub(1)) {
                    Some(&v) if m >= 1 && v > 1e-9 * s[0].max(1e-300) => {
                        self.phase.set_strength(Some(m as usize - 1), v)
                    }
                    _ => Err(format!(
                        "phase.mode: must be a mode from 1 to {} with a non-zero singular value; got {m}",
                        s.len()
                    )),
                }
            }
        };
        result.err().unwrap_or_default()
    }

    /// Starts a trajectory at the device pixel (x, y) of the drawn phase portrait; false when
    /// the pixel is outside the plot.
    #[wasm_bindgen(js_name = phaseClick)]
    pub fn phase_click(&mut self, x: f64, y: f64) -> bool {
        let Some((a, b)) = self.frames.get("phase").and_then(|f| f.data_at(x, y)) else {
            return false;
        };
        self.phase.start(a, b).is_ok()
    }

    /// Starts a trajectory at (a, b); returns an error message or "".
    #[wasm_bindgen(js_name = phaseStart)]
    pub fn phase_start(&mut self, a: f64, b: f64) -> String {
        self.phase.start(a, b).err().unwrap_or_default()
    }

    /// Removes every trajectory.
    #[wasm_bindgen(js_name = phaseClear)]
    pub fn phase_clear(&mut self) {
        self.phase.clear();
    }

    /// Moves the trajectories on by `seconds` of animation; true while any is moving.
    #[wasm_bindgen(js_name = phaseTick)]
    pub fn phase_tick(&mut self, seconds: f64) -> bool {
        self.phase.advance(seconds)
    }

    /// The phase portrait as JSON: `s`, `mode` (1-based or null), `extent` (the plot spans
    /// -extent to extent on both axes), `trajectories` (`{start: [a, b], head: [t, a, b],
    /// ending, conserved_start, conserved_head}`) and `dot` (`{mode, u, step, a, b}` or null).
    #[wasm_bindgen(js_name = phaseState)]
    pub fn phase_state(&mut self) -> String {
        use crate::chapters::phase::{conserved, extent, Ending};
        self.sync_phase();
        let p = &self.phase;
        let trajectories: Vec<Value> = p
            .trajectories()
            .iter()
            .map(|t| {
                let (a0, b0) = t.start();
                let (th, ah, bh) = t.head();
                let ending = match t.ending {
                    Ending::Moving => "moving",
                    Ending::Learned => "learned",
                    Ending::Saddle => "saddle",
                    Ending::TimedOut => "timed_out",
                };
                json!({ "start": [a0, b0], "head": [th, ah, bh], "ending": ending,
                        "conserved_start": conserved(a0, b0), "conserved_head": conserved(ah, bh) })
            })
            .collect();
        let dot = self.run_dot().map(|d| {
            let (a, b) = d.point();
            json!({ "mode": d.mode + 1, "u": d.u, "step": d.step, "a": a, "b": b })
        });
        json!({
            "s": p.s(),
            "mode": p.mode().map(|m| m + 1),
            "extent": extent(p.s()),
            "trajectories": trajectories,
            "dot": dot,
        })
        .to_string()
    }
}

/// Helpers that are not part of the JS API.
impl App {
    fn sweep_results(&self) -> Option<&crate::chapters::depth::SweepResults> {
        self.sweep.sweep().map(|s| s.results())
    }

    fn draw_sweep<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
        theme: &Theme,
    ) -> charts::ChartResult
    where
        DB::ErrorType: 'static,
    {
        let max_steps = self
            .sweep
            .sweep()
            .map_or(self.session.run().config().sweep.max_steps, |s| {
                s.spec().max_steps
            });
        charts::draw_sweep(root, self.sweep_results(), max_steps, theme)
    }

    /// Keeps a phase portrait that follows a mode of the run in step with the run's data: the
    /// mode's singular value, or back to the free portrait when the mode is gone.
    fn sync_phase(&mut self) {
        let Some(m) = self.phase.mode() else {
            return;
        };
        let s = &self.session.run().svd().s;
        match s.get(m) {
            Some(&v) if v > 1e-9 * s[0].max(1e-300) => {
                if v != self.phase.s() {
                    let _ = self.phase.set_strength(Some(m), v);
                }
            }
            _ => {
                let _ = self.phase.set_strength(None, 1.0);
            }
        }
    }

    /// The run's mode followed by the phase portrait, at the step the panels show.
    fn run_dot(&self) -> Option<RunDot> {
        let mode = self.phase.mode()?;
        let run = self.session.run();
        let rec = run.history().record_at(self.view.step(run))?;
        Some(RunDot {
            mode,
            u: *rec.modes.get(mode)?,
            step: rec.step,
            depth: run.config().network.hidden.len() + 1,
        })
    }

    /// What a demo panel's picture depends on (`None` for the run's own panels, which are
    /// redrawn whenever the page asks).
    fn demo_key(&self, panel: &str, dot: Option<&RunDot>) -> Option<(u64, u64)> {
        if !DEMOS.contains(&panel) {
            return None;
        }
        Some(match panel {
            "coherence" => (self.coherence.version(), 0),
            "sweep" => (
                self.sweep.version(),
                self.session.run().config().sweep.max_steps,
            ),
            "spectra" => (self.spectra.version(), 0),
            _ => (
                self.phase.version(),
                dot.map_or(u64::MAX, |d| d.u.to_bits() ^ d.step.rotate_left(32)),
            ),
        })
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
        return error_json(format!("case: no benchmark case called {name:?}"));
    };
    let clock = || {
        now.call0(&JsValue::NULL)
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(f64::NAN)
            / 1000.0
    };
    let figure = bench::measure(&mut case, seconds, clock);
    serde_json::to_string(&figure).unwrap_or_else(error_json)
}

/// Trains the benchmark case `name` for `steps` steps and returns its bits as JSON
/// `{case, steps, loss, weights}` (`engine::bench::Bits`), or `{"error"}`: `dln bench --bits N`
/// prints the same object natively.
#[wasm_bindgen(js_name = benchBits)]
pub fn bench_bits(name: &str, steps: u32) -> String {
    match bench::bits_after(name, u64::from(steps)) {
        Some(bits) => serde_json::to_string(&bits).unwrap_or_else(error_json),
        None => error_json(format!("case: no benchmark case called {name:?}")),
    }
}
