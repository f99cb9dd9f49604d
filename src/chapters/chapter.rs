//! What a chapter is: a model or demo with its own state, the panels it draws (on any plotters
//! backend, with a readout at a point) and the calls it answers. Chapters are listed once, in
//! [`registry`](super::registry); the wasm facade and the page only go through that list.

use std::collections::HashMap;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::Serialize;
use serde_json::Value;

pub use crate::config::ConfigError as CallError;

/// The clock chapters time their work with, in milliseconds since some fixed time: the host's
/// (the facade installs the browser's with [`set_clock`]), else the process's own where it has
/// one, so no chapter reads a web API.
static CLOCK: std::sync::OnceLock<fn() -> f64> = std::sync::OnceLock::new();

/// Installs the host's clock (once; later calls are ignored).
pub fn set_clock(now: fn() -> f64) {
    let _ = CLOCK.set(now);
}

/// Milliseconds since some fixed time, or `None` where there is no clock (wasm without one
/// installed).
pub fn now_ms() -> Option<f64> {
    if let Some(now) = CLOCK.get() {
        return Some(now());
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::time::Instant;
        static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        Some(START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1e3)
    }
    #[cfg(target_arch = "wasm32")]
    {
        None
    }
}

use crate::charts::{ChartResult, Frame, Table, Theme};
use crate::config::fields::Field;
use crate::page::View;
use crate::run::Session;

/// What every chapter may read while drawing: the main run, what its panels show, and a
/// counter that changes whenever either does (so a panel drawn from them alone is redrawn only
/// when it changed).
pub struct Shared<'a> {
    pub session: &'a Session,
    pub view: &'a View,
    pub version: u64,
}

/// What a chapter call may change: the main run and the view (a call that changes them says so
/// by returning a [`Reply`] with `touched`), and where each panel was last drawn.
pub struct Context<'a> {
    pub session: &'a mut Session,
    pub view: &'a mut View,
    pub frames: &'a HashMap<String, Frame>,
    /// A block of numbers beside the JSON, both ways: what the caller sent with the call (empty
    /// for a plain call), and, when the call replaces it, what it answers besides its JSON. It
    /// carries arrays too large for JSON, such as a sample's eigenvectors sent from a worker.
    pub numbers: &'a mut Vec<f64>,
}

/// The answer of a chapter call.
pub type CallResult = Result<Value, CallError>;

/// A call a chapter answers: its name (unique across chapters), how many arguments it takes at
/// most, and one line saying what it does.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct CallSpec {
    pub name: &'static str,
    pub args: usize,
    pub help: &'static str,
}

/// A panel a chapter draws: its name (unique across chapters, the `data-chart` of its canvas),
/// its heading, and whether it is drawn from the main run alone (so any page, such as the
/// `<dln-explorer>` element, can show it without the chapter's own controls).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct PanelSpec {
    pub name: &'static str,
    pub title: &'static str,
    pub of_run: bool,
}

impl PanelSpec {
    /// A panel drawn from the main run alone.
    pub const fn run(name: &'static str, title: &'static str) -> PanelSpec {
        PanelSpec {
            name,
            title,
            of_run: true,
        }
    }

    /// A panel drawn from its chapter's own state, with its own controls.
    pub const fn own(name: &'static str, title: &'static str) -> PanelSpec {
        PanelSpec {
            name,
            title,
            of_run: false,
        }
    }
}

/// One chapter of the explorable.
pub trait Chapter {
    /// The chapter's id: its module's name, its `data-chapter` on the page and its hash value.
    const ID: &'static str;
    const TITLE: &'static str;
    const PANELS: &'static [PanelSpec];
    const CALLS: &'static [CallSpec];
    /// The chapter's part of the field table: the values of its own model that its controls
    /// set, each declared once with its range (checked by the chapter with `Field::check`, and
    /// read by its page module from `dln.chapters()`).
    const FIELDS: &'static [Field] = &[];

    /// What the panel's picture depends on besides the canvas size: the same value means the
    /// same picture. `None` redraws whenever the page asks.
    fn version(&self, _panel: &str, _shared: &Shared<'_>) -> Option<u64> {
        None
    }

    /// Draws one of [`PANELS`](Chapter::PANELS).
    fn draw<DB: DrawingBackend>(
        &mut self,
        panel: &str,
        root: &DrawingArea<DB, Shift>,
        shared: &Shared<'_>,
        theme: &Theme,
    ) -> ChartResult
    where
        DB::ErrorType: 'static;

    /// The readout at device pixel (x, y) of a panel drawn with `frame`, if it is over data.
    fn readout(
        &self,
        panel: &str,
        frame: &Frame,
        shared: &Shared<'_>,
        x: f64,
        y: f64,
    ) -> Option<String>;

    /// The numbers a panel draws, as a table (the page's data-table view for screen readers);
    /// `None` for a panel that has no table yet.
    fn table(&self, _panel: &str, _shared: &Shared<'_>) -> Option<Table> {
        None
    }

    /// Answers one of [`CALLS`](Chapter::CALLS) (arguments as JSON values, at most `args`).
    fn call(&mut self, _name: &str, _args: &[Value], _cx: Context<'_>) -> CallResult {
        Err(CallError::new("call", "this chapter answers no calls"))
    }

    /// Takes up to `steps` gradient steps (or the equivalent) of background work, such as a
    /// sweep or refining a noise average; true while work remains.
    fn work(&mut self, _steps: u64, _shared: &Shared<'_>) -> bool {
        false
    }

    /// A small summary for the page's per-frame poll (a progress, a version), or null.
    fn status(&self) -> Value {
        Value::Null
    }
}

/// Reads argument `i` of a call as a finite number, naming `field` when it is not one.
pub fn number(args: &[Value], i: usize, field: &str) -> Result<f64, CallError> {
    match args.get(i) {
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|v| v.is_finite())
            .ok_or_else(|| CallError::new(field, "must be a finite number")),
        Some(v) => Err(CallError::new(
            field,
            format!(
                "must be a number; got {}",
                crate::config::echo::clip(&v.to_string())
            ),
        )),
        None => Err(CallError::new(field, "is missing")),
    }
}

/// Reads argument `i` as a whole number from 0 to `max`, naming `field` when it is not one.
pub fn whole(args: &[Value], i: usize, field: &str, max: u64) -> Result<u64, CallError> {
    let v = number(args, i, field)?;
    if v.fract() != 0.0 || v < 0.0 || v > max as f64 {
        return Err(CallError::new(
            field,
            format!("must be a whole number from 0 to {max}; got {v}"),
        ));
    }
    Ok(v as u64)
}

/// Reads argument `i` as true or false, naming `field` when it is neither; an absent argument
/// is `default`, or refused when there is none.
pub fn flag(
    args: &[Value],
    i: usize,
    field: &str,
    default: Option<bool>,
) -> Result<bool, CallError> {
    match (args.get(i), default) {
        (Some(Value::Bool(b)), _) => Ok(*b),
        (None, Some(d)) => Ok(d),
        (None, None) => Err(CallError::new(field, "is missing")),
        (Some(v), _) => Err(CallError::new(
            field,
            format!(
                "must be true or false; got {}",
                crate::config::echo::clip(&v.to_string())
            ),
        )),
    }
}

/// Reads argument `i` as a string, naming `field` and saying it must be `what` when it is not.
pub fn text<'a>(
    args: &'a [Value],
    i: usize,
    field: &str,
    what: &str,
) -> Result<&'a str, CallError> {
    match args.get(i) {
        Some(Value::String(s)) => Ok(s),
        Some(v) => Err(CallError::new(
            field,
            format!(
                "must be {what} (a string); got {}",
                crate::config::echo::clip(&v.to_string())
            ),
        )),
        None => Err(CallError::new(field, format!("is missing: give {what}"))),
    }
}

/// Serialises a chapter's answer (every answer is a plain data type).
pub fn to_value(v: impl Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}
