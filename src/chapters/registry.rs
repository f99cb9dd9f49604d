//! The one list of chapters, and what every front end does through it: draw a panel, read a
//! panel at a point, answer a chapter's call, do its background work, and report a small status
//! each frame. The wasm facade is a thin layer over [`Registry`]; native code (tests, the SVG
//! exports) uses it directly.
//!
//! Adding a chapter is one module implementing [`Chapter`] and one line in [`chapters!`].

use std::collections::HashMap;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};

use super::chapter::{CallError, CallResult, CallSpec, Chapter, Context, PanelSpec, Shared};
use crate::charts::display::DisplayList;
use crate::charts::{ChartResult, Frame, Table, Theme};
use crate::config::{Config, ValidConfig};
use crate::page::View;
use crate::run::{Change, Session};

/// A chapter as the page sees it: its id, title, panels and calls.
#[derive(Clone, Debug, Serialize)]
pub struct ChapterInfo {
    pub id: &'static str,
    pub title: &'static str,
    pub panels: &'static [PanelSpec],
    pub calls: &'static [CallSpec],
    /// The chapter's part of the field table, as `dln.schema()` gives the config's.
    pub fields: Vec<serde_json::Value>,
}

/// Declares the chapters, in page order: each `field: Type` is a [`Chapter`] held by the
/// registry, and every dispatch below is generated from this one list.
macro_rules! chapters {
    ($($field:ident: $ty:ty),* $(,)?) => {
        /// Every chapter's state.
        #[derive(Default)]
        pub struct Chapters {
            $(pub $field: $ty,)*
        }

        /// Every chapter's id, title, panels and calls, in page order.
        pub fn chapters() -> Vec<ChapterInfo> {
            vec![$(ChapterInfo {
                id: <$ty as Chapter>::ID,
                title: <$ty as Chapter>::TITLE,
                panels: <$ty as Chapter>::PANELS,
                calls: <$ty as Chapter>::CALLS,
                fields: crate::config::fields::schema_of(<$ty as Chapter>::FIELDS),
            }),*]
        }

        impl Chapters {
            fn version(&self, panel: &str, shared: &Shared<'_>) -> Option<Option<u64>> {
                $(if has_panel::<$ty>(panel) {
                    return Some(self.$field.version(panel, shared));
                })*
                None
            }

            fn draw<DB: DrawingBackend>(
                &mut self,
                panel: &str,
                root: &DrawingArea<DB, Shift>,
                shared: &Shared<'_>,
                theme: &Theme,
            ) -> ChartResult
            where
                DB::ErrorType: 'static,
            {
                $(if has_panel::<$ty>(panel) {
                    return self.$field.draw(panel, root, shared, theme);
                })*
                Err(unknown_panel(panel).into())
            }

            fn readout(
                &self,
                panel: &str,
                frame: &Frame,
                shared: &Shared<'_>,
                x: f64,
                y: f64,
            ) -> Option<String> {
                $(if has_panel::<$ty>(panel) {
                    return self.$field.readout(panel, frame, shared, x, y);
                })*
                None
            }

            fn table(&self, panel: &str, shared: &Shared<'_>) -> Option<Option<Table>> {
                $(if has_panel::<$ty>(panel) {
                    return Some(self.$field.table(panel, shared));
                })*
                None
            }

            fn call(&mut self, name: &str, args: &[Value], cx: Context<'_>) -> Option<CallResult> {
                $(if let Some(spec) = <$ty as Chapter>::CALLS.iter().find(|c| c.name == name) {
                    if args.len() > spec.args {
                        return Some(Err(CallError::new(
                            name,
                            format!("takes at most {} arguments; got {}", spec.args, args.len()),
                        )));
                    }
                    return Some(self.$field.call(name, args, cx));
                })*
                None
            }

            fn work(&mut self, steps: u64, shared: &Shared<'_>) -> bool {
                let mut more = false;
                $(more |= self.$field.work(steps, shared);)*
                more
            }

            fn status(&self) -> serde_json::Map<String, Value> {
                let mut out = serde_json::Map::new();
                $({
                    let s = self.$field.status();
                    if !s.is_null() {
                        out.insert(<$ty as Chapter>::ID.to_string(), s);
                    }
                })*
                out
            }
        }
    };
}

chapters! {
    learning: super::learning::Learning,
    semantic: super::semantic::Semantic,
    depth: super::depth::Depth,
    generalisation: super::generalisation::Generalisation,
    prior: super::prior::Prior,
    context: super::context::chapter::Context,
}

fn has_panel<C: Chapter>(panel: &str) -> bool {
    C::PANELS.iter().any(|p| p.name == panel)
}

/// Every panel of every chapter, in page order.
pub fn panel_names() -> Vec<&'static str> {
    chapters()
        .iter()
        .flat_map(|c| c.panels.iter().map(|p| p.name))
        .collect()
}

/// Panels of the page that are not charts (the dataset editor), which `panels=` may still name.
pub const PAGE_PANELS: &[&str] = &["editor"];

/// Every panel a page or an embed may show: every chapter's, then [`PAGE_PANELS`].
pub fn embed_panels() -> Vec<&'static str> {
    let mut all = panel_names();
    all.extend_from_slice(PAGE_PANELS);
    all
}

/// What a link may name: [`embed_panels`] and the chapters' ids, in page order.
pub fn link_names() -> crate::page::hash::Names {
    crate::page::hash::Names {
        panels: embed_panels(),
        chapters: chapters().iter().map(|c| c.id).collect(),
    }
}

fn unknown_panel(panel: &str) -> CallError {
    CallError::new(
        "panel",
        format!(
            "no panel called {:?}; panels are {}",
            crate::config::echo::clip(panel),
            panel_names().join(", ")
        ),
    )
}

/// Where a panel's keyboard cursor stands: an area of its frame (a plot, a heat map) and a stop
/// in it (see [`Registry::cursor`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Cursor {
    pub area: usize,
    pub col: usize,
    pub row: usize,
}

/// What the keyboard cursor reads: where it stands, the pixel it stands on (device pixels of the
/// drawn panel) and the readout there.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reading {
    pub area: usize,
    pub col: usize,
    pub row: usize,
    pub x: f64,
    pub y: f64,
    pub text: String,
}

/// The small summary the page polls every frame.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Status {
    pub step: u64,
    pub steps: u64,
    pub time: f64,
    pub loss: f64,
    pub diverged: bool,
    pub finished: bool,
    pub message: Option<String>,
    /// A note on how the run ended (dead relu units), if any.
    pub note: Option<String>,
    /// Changes whenever the run, its config or the view does.
    pub version: u64,
    /// Floating-point operations in one step of the main run and its second network, if any:
    /// with the rate it measures, the page knows how many steps fit in a frame.
    pub cost: f64,
    /// The steps the second network still has to take to be level with the first (0 without
    /// one), and the operations in one of its steps: the page catches it up a slice a frame.
    pub twin_behind: u64,
    pub twin_cost: f64,
}

/// The explorable's state: the main run (a [`Session`]), what its panels show, every
/// chapter's own state, and where each panel was last drawn.
pub struct Registry {
    session: Session,
    view: View,
    chapters: Chapters,
    version: u64,
    frames: HashMap<String, Frame>,
    /// For each panel: the version it was last drawn at and the canvas size.
    drawn: HashMap<String, (u64, u32, u32)>,
}

impl Registry {
    pub fn new(cfg: &ValidConfig) -> Registry {
        Registry {
            session: Session::new(cfg),
            view: View::default(),
            chapters: Chapters::default(),
            version: 0,
            frames: HashMap::new(),
            drawn: HashMap::new(),
        }
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    pub fn view(&self) -> &View {
        &self.view
    }

    pub fn chapters(&self) -> &Chapters {
        &self.chapters
    }

    fn shared(&self) -> Shared<'_> {
        Shared {
            session: &self.session,
            view: &self.view,
            version: self.version,
        }
    }

    /// Forgets every panel's last drawing (after a restart its frames describe data that is
    /// gone), so each is drawn afresh.
    fn forget_drawn(&mut self) {
        self.frames.clear();
        self.drawn.clear();
    }

    /// Forgets what every panel last showed, so each is drawn again (a new theme).
    pub fn redraw_all(&mut self) {
        self.drawn.clear();
    }

    /// Marks the run or the view as changed (every panel drawn from them is redrawn).
    fn touch(&mut self) {
        self.version += 1;
    }

    // ----- the main run -----

    /// Applies a checked config (see [`Session::reconfigure`]).
    pub fn reconfigure(&mut self, cfg: &ValidConfig) -> Result<Change, CallError> {
        let change = self.session.reconfigure(cfg)?;
        if change != Change::None {
            self.touch();
        }
        if matches!(change, Change::Reset(_)) {
            self.forget_drawn();
        }
        Ok(change)
    }

    /// A partial config merged onto the current one and checked (nothing is applied).
    pub fn config_checked(&self, partial: &Value) -> Result<ValidConfig, CallError> {
        self.config().merged(partial)
    }

    pub fn config(&self) -> &Config {
        self.session.run().config().config()
    }

    pub fn reset(&mut self) {
        self.session.reset();
        self.touch();
    }

    /// Takes up to `n` training steps; returns how many were taken.
    pub fn advance(&mut self, n: u64) -> u64 {
        let took = self.session.advance(n);
        if took > 0 {
            self.touch();
        }
        took
    }

    /// Replaces the view (the same view again changes nothing, so nothing is redrawn).
    pub fn set_view(&mut self, view: View) {
        if view != self.view {
            self.view = view;
            self.touch();
        }
    }

    /// Starts (or, with `None`, removes) the second network at step 0, behind the first:
    /// [`catch_up_twin`](Registry::catch_up_twin) brings it level, a slice at a time.
    pub fn set_twin(&mut self, patch: Option<Value>) -> Result<(), CallError> {
        let r = self.session.start_twin(patch);
        self.touch();
        r
    }

    /// Takes up to `n` of the steps the second network is behind; answers how many are left.
    pub fn catch_up_twin(&mut self, n: u64) -> u64 {
        if self.session.twin_behind() == 0 {
            return 0;
        }
        let left = self.session.catch_up_twin(n);
        self.touch();
        left
    }

    /// Loads a preset: its config (from the defaults), its second network and its view.
    pub fn apply_preset(&mut self, p: &crate::page::presets::Preset) -> Result<(), CallError> {
        self.session
            .set_twin(None)
            .and_then(|()| p.full_config())
            .and_then(|cfg| self.session.reconfigure(&cfg))
            .and_then(|_| self.session.start_twin(p.twin.clone()))?;
        self.session.reset();
        self.view = p.view.clone();
        self.forget_drawn();
        self.touch();
        Ok(())
    }

    pub fn status(&self) -> Status {
        use crate::run::Status as Outcome;
        let run = self.session.run();
        Status {
            step: run.step_count(),
            steps: run.config().train.steps,
            time: run.time(),
            loss: run.loss(),
            diverged: *run.status() == Outcome::Diverged,
            finished: *run.status() == Outcome::Finished,
            message: run.message().map(str::to_string),
            note: run.note().map(str::to_string),
            version: self.version,
            cost: run.flops_per_step() + self.session.twin().map_or(0.0, |t| t.flops_per_step()),
            twin_behind: self.session.twin_behind(),
            twin_cost: self.session.twin().map_or(0.0, |t| t.flops_per_step()),
        }
    }

    /// [`status`](Registry::status) with each chapter's own summary beside it, as JSON.
    pub fn status_json(&self) -> Value {
        let mut v = crate::chapters::chapter::to_value(self.status());
        let chapters = self.chapters.status();
        if let Some(obj) = v.as_object_mut() {
            if !chapters.is_empty() {
                obj.insert("chapters".into(), Value::Object(chapters));
            }
        }
        v
    }

    // ----- panels -----

    /// Whether `panel` needs drawing on a canvas of this pixel size: false when what it shows
    /// is unchanged since it was last drawn at that size.
    pub fn stale(&self, panel: &str, width: u32, height: u32) -> bool {
        let shared = self.shared();
        match self.chapters.version(panel, &shared) {
            Some(Some(v)) => self.drawn.get(panel) != Some(&(v, width, height)),
            _ => true,
        }
    }

    /// Draws a panel and remembers where its data went (for readouts) and what it showed. The
    /// chart is drawn once into a [`DisplayList`] and replayed onto `root`'s backend, so the
    /// chart code is compiled for the display list only, whatever backends the page uses.
    pub fn draw<DB: DrawingBackend>(
        &mut self,
        panel: &str,
        root: &DrawingArea<DB, Shift>,
        theme: &Theme,
    ) -> Result<(), CallError>
    where
        DB::ErrorType: 'static,
    {
        let field = || format!("draw.{panel}");
        let list = self.record(panel, root.dim_in_pixel(), theme, field)?;
        list.replay(root)
            .map_err(|e| CallError::new(field(), e.to_string()))
    }

    /// Draws a panel into a display list of `size` pixels, and remembers where its data went
    /// (for readouts) and what it showed.
    fn record(
        &mut self,
        panel: &str,
        size: (u32, u32),
        theme: &Theme,
        field: impl Fn() -> String,
    ) -> Result<DisplayList, CallError> {
        let shared = Shared {
            session: &self.session,
            view: &self.view,
            version: self.version,
        };
        let chapters = &mut self.chapters;
        let (list, frame) =
            DisplayList::record(size, |root| chapters.draw(panel, root, &shared, theme))
                .map_err(|e| CallError::new(field(), e.to_string()))?;
        let version = self.chapters.version(panel, &shared).flatten();
        match version {
            Some(v) => {
                self.drawn.insert(panel.to_string(), (v, size.0, size.1));
            }
            None => {
                self.drawn.remove(panel);
            }
        }
        self.frames.insert(panel.to_string(), frame);
        Ok(list)
    }

    /// The frame a panel was last drawn with.
    pub fn frame(&self, panel: &str) -> Option<&Frame> {
        self.frames.get(panel)
    }

    /// The readout at device pixel (x, y) of a drawn panel, if the point is over data.
    pub fn readout(&self, panel: &str, x: f64, y: f64) -> Option<String> {
        let frame = self.frames.get(panel)?;
        self.chapters.readout(panel, frame, &self.shared(), x, y)
    }

    /// The numbers a panel draws as a table (`null` for a panel without one yet); an unknown
    /// panel is an error naming it.
    pub fn table(&self, panel: &str) -> CallResult {
        self.table_within(panel, None)
    }

    /// The panel's table with at most `max_rows` rows (see [`Table::thinned`]), or all of them.
    pub fn table_within(&self, panel: &str, max_rows: Option<usize>) -> CallResult {
        match self.chapters.table(panel, &self.shared()) {
            Some(t) => Ok(crate::chapters::chapter::to_value(match max_rows {
                Some(m) => t.map(|t| t.thinned(m)),
                None => t,
            })),
            None => Err(unknown_panel(panel)),
        }
    }

    /// The keyboard cursor of a drawn panel moved from `at` by (`dx`, `dy`) stops (each -1, 0
    /// or 1): the next stop whose readout differs from the one at `at`, so each press reads the
    /// next point of the data (the next record, cell or curve); at the edge of the data it stays.
    /// Without `at` it reads the first stop that has a readout (the plot's left edge, half-way
    /// up). `pitch` is the distance between stops of an x-y plot in device pixels. `None` for a
    /// panel not drawn yet or without a readout anywhere.
    pub fn cursor(
        &self,
        panel: &str,
        at: Option<Cursor>,
        (dx, dy): (i32, i32),
        pitch: f64,
    ) -> Option<Reading> {
        let frame = self.frames.get(panel)?;
        let areas = frame.areas(pitch);
        let last = areas.len().checked_sub(1)?;
        let read = |c: Cursor| {
            let (x, y) = areas[c.area].at(c.col, c.row);
            self.readout(panel, x, y).map(|text| Reading {
                area: c.area,
                col: c.col,
                row: c.row,
                x,
                y,
                text,
            })
        };
        // One stop further, or `None` at the edge of the data.
        let next = |c: Cursor, dx: i32, dy: i32| -> Option<Cursor> {
            let a = &areas[c.area];
            if dy != 0 {
                let row = c
                    .row
                    .checked_add_signed(dy as isize)
                    .filter(|&r| r < a.rows)?;
                return Some(Cursor { row, ..c });
            }
            let moved = c
                .col
                .checked_add_signed(dx as isize)
                .filter(|&k| k < a.cols);
            if let Some(col) = moved {
                return Some(Cursor { col, ..c });
            }
            // Onto the next area (a heat map beside this one), at the same height.
            let area = c
                .area
                .checked_add_signed(dx as isize)
                .filter(|&k| k <= last)?;
            let b = &areas[area];
            let row = (c.row * b.rows / a.rows.max(1)).min(b.rows - 1);
            let col = if dx > 0 { 0 } else { b.cols - 1 };
            Some(Cursor { area, col, row })
        };
        let walk = |mut c: Cursor, dx: i32, dy: i32, from: Option<&str>| {
            let limit: usize = areas.iter().map(|a| a.cols * a.rows).sum();
            for _ in 0..limit {
                c = next(c, dx, dy)?;
                if let Some(r) = read(c).filter(|r| Some(r.text.as_str()) != from) {
                    return Some(r);
                }
            }
            None
        };
        match at {
            None => {
                let start = Cursor {
                    area: 0,
                    col: 0,
                    row: areas[0].rows / 2,
                };
                read(start).or_else(|| walk(start, 1, 0, None))
            }
            Some(c) => {
                let area = c.area.min(last);
                let start = Cursor {
                    area,
                    col: c.col.min(areas[area].cols - 1),
                    row: c.row.min(areas[area].rows - 1),
                };
                let here = read(start);
                if (dx, dy) == (0, 0) {
                    return here.or_else(|| walk(start, 1, 0, None));
                }
                let from = here.as_ref().map(|r| r.text.as_str());
                walk(start, dx.signum(), dy.signum(), from).or(here)
            }
        }
    }

    /// A panel as an SVG document of `width` x `height` CSS pixels, drawn by the same chart
    /// code as the canvas (the light theme, whatever the page shows).
    pub fn svg(&mut self, panel: &str, width: u32, height: u32) -> Result<String, CallError> {
        let shared = Shared {
            session: &self.session,
            view: &self.view,
            version: self.version,
        };
        let field = || format!("svg.{panel}");
        let chapters = &mut self.chapters;
        let (list, _) = DisplayList::record((width, height), |root| {
            chapters.draw(panel, root, &shared, &Theme::default())
        })
        .map_err(|e| CallError::new(field(), e.to_string()))?;
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
            list.replay(&root)
                .and_then(|()| root.present())
                .map_err(|e| CallError::new(field(), e.to_string()))?;
        }
        Ok(out)
    }

    // ----- chapter calls and work -----

    /// Answers a chapter's call by name.
    pub fn call(&mut self, name: &str, args: &[Value]) -> CallResult {
        self.call_numbers(name, args, &mut Vec::new())
    }

    /// [`call`](Registry::call) with a block of numbers beside the arguments (see
    /// [`Context::numbers`]); the call may replace them with numbers of its answer.
    pub fn call_numbers(
        &mut self,
        name: &str,
        args: &[Value],
        numbers: &mut Vec<f64>,
    ) -> CallResult {
        let before = self.session.run().step_count();
        let cx = Context {
            session: &mut self.session,
            view: &mut self.view,
            frames: &self.frames,
            numbers,
        };
        let r = self.chapters.call(name, args, cx).unwrap_or_else(|| {
            let names: Vec<&str> = chapters()
                .iter()
                .flat_map(|c| c.calls.iter().map(|s| s.name))
                .collect();
            Err(CallError::new(
                "call",
                format!(
                    "no call named {:?}; calls are {}",
                    crate::config::echo::clip(name),
                    names.join(", ")
                ),
            ))
        });
        if self.session.run().step_count() != before {
            self.touch();
        }
        r
    }

    /// Gives every chapter up to `steps` steps of background work; true while any remains.
    pub fn work(&mut self, steps: u64) -> bool {
        let shared = Shared {
            session: &self.session,
            view: &self.view,
            version: self.version,
        };
        self.chapters.work(steps, &shared)
    }
}

/// A call's answer as the facade sends it: `{"result": ...}` or `{"error": "field: message",
/// "field": "..."}`, the one shape of every fallible call.
pub fn reply(r: Result<Value, CallError>) -> String {
    match r {
        Ok(v) => json!({ "result": v }).to_string(),
        Err(e) => json!({ "error": e.to_string(), "field": e.field }).to_string(),
    }
}
