//! The generalisation chapter on the page: its own run (a student on a noisy teacher, built from
//! a [`GenConfig`]), the α sweep and the SNR × α map, their panels, readouts and calls.
//!
//! The run is built lazily (a registry that never shows the chapter never draws a sample) and
//! rebuilt only when the dataset changes; a new start, rate or length reuses the sample and its
//! eigen-decomposition. [`Chapter::work`] trains the run while it plays and computes the sweep,
//! with a budget in units of about 10⁴ multiply-adds so that the page's frame budget holds at
//! any N and P.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde_json::{json, Value};

use super::charts as gc;
use super::config::{merge, GenConfig, TeacherDataset};
use super::exact::SampleSpectrum;
use super::mp::mp_density;
use super::outlier::{self, OutlierDemo};
use super::run::GenRun;
use super::sweep::{AlphaSweep, HeatMap, SweepRow};
use super::teacher::TeacherSample;
use crate::chapters::chapter::{
    flag, number, text, to_value, whole, CallError, CallResult, CallSpec, Chapter, Context,
    PanelSpec, Shared,
};
use crate::charts::{fmt_num, ChartResult, Frame, Table, Theme, GRID, INK};

/// A preset: id, title, caption (what to look for) and its partial config.
pub struct GenPreset {
    pub id: &'static str,
    pub title: &'static str,
    pub caption: &'static str,
    pub config: &'static str,
}

/// The chapter's presets (issue 13 §6), the first one the chapter's start.
pub const PRESETS: &[GenPreset] = &[
    GenPreset {
        id: "overtraining",
        title: "Overtraining at α = 1",
        caption: "As many examples as inputs (α = 1). The test error (blue) falls to its lowest \
                  near t_opt, then climbs for ever while the training error (green) goes to 0: \
                  the smallest eigenvalues, crowded near λ = 0 in the spectrum, fit the noise \
                  last and worst. The dashed orange exact curve of this sample lies on the \
                  simulation; the purple large-N theory follows it.",
        config: r#"{"dataset": {"inputs": 200, "examples": 200, "snr": 4, "outputs": 1, "seed": 0},
                    "network": {"hidden": []}, "init": {"kind": "zero", "scale": 0},
                    "train": {"lr": 0.05, "steps": 20000, "record_every": 200, "seed": 1}}"#,
    },
    GenPreset {
        id: "frozen",
        title: "Small weights generalise: the frozen subspace",
        caption: "Half as many examples as inputs (α = ½): half of the eigenvalues are exactly 0 \
                  (the grey bar in the spectrum), and along those directions the weights never \
                  move. Whatever the student started with there stays, so the test error cannot \
                  fall below the red dashed floor (1 − α)(σ₀² + σ_w²) + σ_ε². Slide σ₀ to 0: \
                  start small.",
        config: r#"{"dataset": {"inputs": 400, "examples": 200, "snr": 4, "outputs": 1, "seed": 0},
                    "network": {"hidden": []}, "init": {"kind": "small_gaussian", "scale": 0.7},
                    "train": {"lr": 0.05, "steps": 4000, "record_every": 100, "seed": 1}}"#,
    },
    GenPreset {
        id: "ridge",
        title: "Early stopping ≈ the best ridge",
        caption:
            "At α = 1.5 and SNR = 1, stopping at t_opt (purple dot) gives almost the error of \
                  the best ridge regression, γ* = 1/SNR (grey dashed line): early stopping is a \
                  regulariser. Training on past t_opt loses part of the gain.",
        config: r#"{"dataset": {"inputs": 200, "examples": 300, "snr": 1, "outputs": 1, "seed": 0},
                    "network": {"hidden": []}, "init": {"kind": "zero", "scale": 0},
                    "train": {"lr": 0.05, "steps": 20000, "record_every": 200, "seed": 1}}"#,
    },
    GenPreset {
        id: "deep",
        title: "Signal before noise: a deep student",
        caption: "A student with one hidden layer from small weights learns the modes of this \
                  sample's Σʸˣ one at a time, strongest first (the modes chart): strong modes \
                  carry the teacher, weak ones mostly noise, so the test error dips while only \
                  the strong modes are learned. The dashed curves are each mode's scalar map, an \
                  approximation here (the inputs are not whitened and the start is random).",
        config: r#"{"dataset": {"inputs": 100, "examples": 200, "snr": 1, "outputs": 8, "seed": 0},
                    "network": {"hidden": [16]}, "init": {"kind": "small_gaussian", "scale": 0.01},
                    "train": {"lr": 0.002, "steps": 20000, "record_every": 200, "seed": 1}}"#,
    },
];

/// Cost units (about 10⁴ multiply-adds each) of one large-N row of the α sweep and of one cell
/// of the map: an early-stopping search is about a hundred integrals of 4000 nodes.
const THEORY_UNITS: f64 = 600.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SweepStatus {
    Idle,
    Running,
    Done,
    Cancelled,
}

impl SweepStatus {
    fn name(self) -> &'static str {
        match self {
            SweepStatus::Idle => "idle",
            SweepStatus::Running => "running",
            SweepStatus::Done => "done",
            SweepStatus::Cancelled => "cancelled",
        }
    }
}

/// The chapter's state.
pub struct Generalisation {
    cfg: GenConfig,
    run: Option<GenRun>,
    preset: Option<&'static str>,
    playing: bool,
    /// Milliseconds of the last eigen-decomposition of `X Xᵀ` (None before the first, or where
    /// no clock is available).
    eigen_ms: Option<f64>,
    sweep: Option<AlphaSweep>,
    heat: Option<HeatMap>,
    sweep_status: SweepStatus,
    /// Where the sweep runs elsewhere (a page's worker): the progress it last reported. This
    /// copy then does no sweep work and shows what it is sent (`genSweepAdopt`).
    sweep_elsewhere: Option<f64>,
    /// Changes whenever the run steps or is rebuilt.
    run_version: u64,
    /// Changes whenever the sample (so its spectrum and theory) is redrawn.
    data_version: u64,
    sweep_version: u64,
    /// Units of work carried over between calls (so that a step costing more than one call's
    /// budget is still taken, every few calls), for the run and for the sweep.
    credit: f64,
    sweep_credit: f64,
    /// The deep student on a rank-1 signal in noise (built when first drawn or asked for, and
    /// trained by `genOutlierStep`), its signal strength s̄ and its version.
    outlier: Option<OutlierDemo>,
    outlier_signal: f64,
    outlier_version: u64,
}

impl Default for Generalisation {
    fn default() -> Self {
        let p = &PRESETS[0];
        Generalisation {
            cfg: GenConfig::from_json(p.config).expect("the first preset is valid"),
            run: None,
            preset: Some(p.id),
            playing: false,
            eigen_ms: None,
            sweep: None,
            heat: None,
            sweep_status: SweepStatus::Idle,
            sweep_elsewhere: None,
            run_version: 1,
            data_version: 1,
            sweep_version: 1,
            credit: 0.0,
            sweep_credit: 0.0,
            outlier: None,
            outlier_signal: 2.0,
            outlier_version: 1,
        }
    }
}

impl Generalisation {
    /// The run, built from the config on first use.
    fn ensure(&mut self) -> &GenRun {
        if self.run.is_none() {
            // The config is checked before it is stored, so this only fails for a rate that
            // the sample's λ_max makes unstable, which `configure` refuses first.
            let _ = self.rebuild(true);
        }
        self.run.as_ref().expect("the run is built")
    }

    /// Builds the run from `cfg`: a new sample and eigen-decomposition when `new_data`, else the
    /// current sample with a new start.
    fn build(&mut self, cfg: &GenConfig, new_data: bool) -> Result<GenRun, CallError> {
        self.build_with(cfg, new_data, None)
    }

    /// [`build`](Generalisation::build), taking the new sample's spectrum from `given` (its
    /// decomposition done elsewhere, and how long that took) instead of decomposing it here.
    fn build_with(
        &mut self,
        cfg: &GenConfig,
        new_data: bool,
        given: Option<(SampleSpectrum, Option<f64>)>,
    ) -> Result<GenRun, CallError> {
        let old = self.run.as_ref().filter(|_| !new_data);
        let (sample, spectrum) = match (old, given) {
            (Some(r), _) => (r.sample().clone(), r.spectrum().clone()),
            (None, Some((spectrum, ms))) => {
                self.eigen_ms = ms;
                (TeacherSample::draw(&cfg.dataset), spectrum)
            }
            (None, None) => {
                let sample = TeacherSample::draw(&cfg.dataset);
                let t0 = crate::chapters::chapter::now_ms();
                let spectrum = SampleSpectrum::new(&sample.x);
                self.eigen_ms = t0
                    .zip(crate::chapters::chapter::now_ms())
                    .map(|(a, b)| b - a);
                (sample, spectrum)
            }
        };
        GenRun::with_sample(cfg, sample, spectrum)
    }

    fn rebuild(&mut self, new_data: bool) -> Result<(), CallError> {
        let cfg = self.cfg.clone();
        let run = self.build(&cfg, new_data)?;
        self.run = Some(run);
        self.run_version += 1;
        if new_data {
            self.data_version += 1;
        }
        Ok(())
    }

    /// Applies a partial config merged onto the current one; nothing changes when it is refused.
    fn configure(&mut self, partial: &Value) -> Result<(), CallError> {
        self.configure_with(partial, None)
    }

    /// The config `partial` merged onto the current one, checked.
    fn merged(&self, partial: &Value) -> Result<GenConfig, CallError> {
        if !partial.is_object() {
            return Err(CallError::new(
                "config",
                "must be a JSON object such as {\"dataset\": {\"snr\": 4}}",
            ));
        }
        let mut v = to_value(&self.cfg);
        merge(&mut v, partial);
        if let Some(obj) = v.get_mut("dataset").and_then(Value::as_object_mut) {
            obj.insert("kind".into(), json!("teacher"));
        }
        GenConfig::from_value(v)
    }

    /// [`configure`](Generalisation::configure), with the new sample's spectrum given (see
    /// [`build_with`](Generalisation::build_with)).
    fn configure_with(
        &mut self,
        partial: &Value,
        given: Option<(SampleSpectrum, Option<f64>)>,
    ) -> Result<(), CallError> {
        let cfg = self.merged(partial)?;
        // A given spectrum is of a new sample, even of a dataset equal to the current one.
        let new_data = given.is_some() || cfg.dataset != self.cfg.dataset || self.run.is_none();
        let rerun = new_data
            || cfg.network != self.cfg.network
            || cfg.init != self.cfg.init
            || cfg.train != self.cfg.train;
        if rerun {
            let run = self.build_with(&cfg, new_data, given)?;
            self.run = Some(run);
            self.run_version += 1;
            if new_data {
                self.data_version += 1;
            }
            self.playing = false;
        }
        self.cfg = cfg;
        self.preset = None;
        Ok(())
    }

    /// `genSpectrumAdopt`: applies `partial` with the spectrum in `numbers`, decomposed
    /// elsewhere for the dataset `of` (it must be the one the merged config asks for).
    fn adopt_spectrum(
        &mut self,
        partial: &Value,
        of: &Value,
        numbers: &[f64],
    ) -> Result<(), CallError> {
        let cfg = self.merged(partial)?;
        let d = &cfg.dataset;
        let of_dataset = of
            .get("dataset")
            .cloned()
            .and_then(|v| crate::config::read::<TeacherDataset>(v).ok());
        if of_dataset.as_ref() != Some(d) {
            return Err(CallError::new(
                "spectrum",
                "was decomposed for another dataset than the config asks for",
            ));
        }
        let spectrum =
            SampleSpectrum::from_numbers(d.inputs, d.examples, numbers).ok_or_else(|| {
                CallError::new(
                    "spectrum",
                    format!(
                        "must hold min(N, P)·(1 + N + P) = {} finite numbers; got {}",
                        d.inputs.min(d.examples) * (1 + d.inputs + d.examples),
                        numbers.len()
                    ),
                )
            })?;
        let ms = of.get("eigen_ms").and_then(Value::as_f64);
        self.configure_with(partial, Some((spectrum, ms)))
    }

    fn apply_preset(&mut self, id: &str) -> Result<&'static GenPreset, CallError> {
        let p = PRESETS.iter().find(|p| p.id == id).ok_or_else(|| {
            let ids: Vec<&str> = PRESETS.iter().map(|p| p.id).collect();
            CallError::new(
                "preset",
                format!(
                    "no preset {:?}; presets are {}",
                    crate::config::echo::clip(id),
                    ids.join(", ")
                ),
            )
        })?;
        let cfg = GenConfig::from_json(p.config)?;
        let new_data = cfg.dataset != self.cfg.dataset || self.run.is_none();
        let run = self.build(&cfg, new_data)?;
        self.run = Some(run);
        self.cfg = cfg;
        self.run_version += 1;
        if new_data {
            self.data_version += 1;
        }
        self.preset = Some(p.id);
        self.playing = false;
        Ok(p)
    }

    /// The outlier demo, built on first use.
    fn ensure_outlier(&mut self) -> &OutlierDemo {
        let s = self.outlier_signal;
        self.outlier.get_or_insert_with(|| OutlierDemo::new(s, 0))
    }

    /// `genOutlier` / `genOutlierState`: where the outlier demo is.
    fn outlier_state(&mut self) -> Value {
        let d = self.ensure_outlier();
        let p = d.predicted;
        json!({
            "signal": d.s_bar,
            "aspect": d.aspect(),
            "step": d.step(),
            "steps": outlier::STEPS,
            "done": d.is_done(),
            "measured": {"s_hat": d.measured.0, "u_overlap2": d.measured.1, "v_overlap2": d.measured.2},
            "predicted": p.map(|p| json!({"s_hat": p.s_hat, "u_overlap2": p.u_overlap2,
                "v_overlap2": p.v_overlap2, "edge": p.edge})),
            "predicted_plateau": d.predicted_plateau(),
            "predicted_floor": d.predicted_floor(),
            "best": d.best().map(|(k, e)| json!({"time": d.records()[k].time, "signal_error": e})),
            "signal_error": d.records().last().map(|r| r.signal_error),
        })
    }

    /// Cost of one training step in work units.
    fn step_cost(&self) -> f64 {
        let d = &self.cfg.dataset;
        let width = self
            .cfg
            .network
            .hidden
            .first()
            .map_or(d.outputs, |&h| h + d.outputs);
        (2.0 * (d.inputs * d.examples * width) as f64 / 1e4).max(0.05)
    }

    /// Cost of one sampled dataset of the sweep (an eigen-decomposition) in work units.
    fn sample_cost(&self) -> f64 {
        let n = self.cfg.dataset.inputs as f64;
        (10.0 * n * n * n / 1e4).max(1.0)
    }

    /// The small state the controls read.
    fn state(&mut self) -> Value {
        self.ensure();
        let run = self.run.as_ref().expect("built");
        let cfg = &self.cfg;
        let last = run.records().last();
        let stop = run.early_stop();
        let frozen = run.theory().frozen_floor();
        json!({
            "config": cfg,
            "preset": self.preset,
            "alpha": cfg.dataset.alpha(),
            "deep": cfg.is_deep(),
            "playing": self.playing,
            "step": run.step_count(),
            "steps": cfg.train.steps,
            "time": run.step_count() as f64 * cfg.train.lr,
            "done": run.is_done(),
            "diverged": run.diverged(),
            "test_error": last.map(|r| r.test_error),
            "train_error": last.map(|r| r.train_error),
            "exact_test_error": last.and_then(|r| r.exact_test_error),
            "mp_test_error": last.map(|r| r.mp_test_error),
            "t_opt": stop.t_opt,
            "test_error_at_t_opt": stop.test_error,
            "ridge_test_error": run.ridge_test_error(),
            "oracle": run.oracle(),
            "frozen_floor": (frozen > 0.0).then(|| frozen + run.oracle()),
            "lambda_max": run.spectrum().max_eigenvalue(),
            "eigen_ms": self.eigen_ms,
        })
    }

    /// `{status, progress, rows_done, rows_total, cells_done, cells_total, elsewhere}`, and
    /// with `results` the finished `rows` and the map's cells so far (`late`, `early`).
    fn sweep_state(&self, results: bool) -> Value {
        let (rows_done, rows_total) = self.sweep.as_ref().map_or((0, 0), |s| {
            (s.rows().len(), s.total() / (1 + self.cfg.sweep.seeds))
        });
        let (cells_done, cells_total) = self.heat.as_ref().map_or((0, 0), |h| {
            (
                (h.progress() * h.total() as f64).round() as usize,
                h.total(),
            )
        });
        let mut v = json!({
            "status": self.sweep_status.name(),
            "progress": self.sweep_progress(),
            "rows_done": rows_done,
            "rows_total": rows_total,
            "cells_done": cells_done,
            "cells_total": cells_total,
            "elsewhere": self.sweep_elsewhere.is_some(),
        });
        if results {
            v["rows"] = to_value(self.sweep.as_ref().map_or(&[][..], |s| s.rows()));
            let (late, early) = self
                .heat
                .as_ref()
                .map(HeatMap::done_cells)
                .unwrap_or_default();
            v["late"] = to_value(late);
            v["early"] = to_value(early);
        }
        v
    }

    /// Takes the state (`genSweepState(true)`) of the same sweep run elsewhere. Refused unless
    /// such a sweep is running here and the rows and cells are of its points.
    fn sweep_adopt(&mut self, state: &Value) -> Result<(), CallError> {
        let field = "sweep.state";
        let (Some(s), Some(h), true, SweepStatus::Running) = (
            self.sweep.as_mut(),
            self.heat.as_mut(),
            self.sweep_elsewhere.is_some(),
            self.sweep_status,
        ) else {
            return Err(CallError::new(
                field,
                "no sweep started elsewhere is running here",
            ));
        };
        let read = |k: &str| state.get(k).cloned().unwrap_or(Value::Null);
        let bad = |k: &str, e: String| CallError::new(format!("{field}.{k}"), e);
        let rows: Vec<SweepRow> = crate::config::read(read("rows"))
            .map_err(|e| bad("rows", crate::config::echo::clip_quoted(&e.to_string())))?;
        let cells = |k: &str| -> Result<Vec<f64>, CallError> {
            let v: Vec<Option<f64>> = crate::config::read(read(k))
                .map_err(|e| bad(k, crate::config::echo::clip_quoted(&e.to_string())))?;
            Ok(v.into_iter().map(|x| x.unwrap_or(f64::NAN)).collect())
        };
        let (late, early) = (cells("late")?, cells("early")?);
        s.adopt(rows).map_err(|e| bad("rows", e))?;
        h.adopt(&late, &early).map_err(|e| bad("late", e))?;
        let progress = state.get("progress").and_then(Value::as_f64).unwrap_or(0.0);
        self.sweep_elsewhere = Some(progress.clamp(0.0, 1.0));
        if state.get("status").and_then(Value::as_str) == Some("done") && s.is_done() && h.is_done()
        {
            self.sweep_status = SweepStatus::Done;
        }
        self.sweep_version += 1;
        Ok(())
    }

    /// Progress of the sweep and the map together, by their costs.
    fn sweep_progress(&self) -> f64 {
        if let Some(p) = self.sweep_elsewhere {
            return if self.sweep_status == SweepStatus::Done {
                1.0
            } else {
                p
            };
        }
        let (Some(s), Some(h)) = (&self.sweep, &self.heat) else {
            return 0.0;
        };
        let sweep_cost =
            s.total() as f64 * THEORY_UNITS.max(self.sample_cost() * self.cfg.sweep.seeds as f64);
        let heat_cost = h.total() as f64 * THEORY_UNITS;
        (s.progress() * sweep_cost + h.progress() * heat_cost) / (sweep_cost + heat_cost)
    }

    fn sweep_start(&mut self, elsewhere: bool) {
        self.sweep_elsewhere = elsewhere.then_some(0.0);
        self.sweep = Some(AlphaSweep::new(&self.cfg));
        self.heat = Some(HeatMap::new(self.cfg.init.s02()));
        self.sweep_status = SweepStatus::Running;
        self.sweep_credit = 0.0;
        self.sweep_version += 1;
    }

    /// Spends up to `budget` units on the sweep, one item only when the budget (with what was
    /// carried over) covers its cost.
    fn sweep_work(&mut self, budget: f64) {
        if self.sweep_status != SweepStatus::Running || self.sweep_elsewhere.is_some() {
            return;
        }
        let sample = self.sample_cost();
        let seeds = self.cfg.sweep.seeds;
        let (Some(s), Some(h)) = (&mut self.sweep, &mut self.heat) else {
            return;
        };
        let mut budget = budget + self.sweep_credit;
        let before = (s.progress(), h.progress());
        while !(s.is_done() && h.is_done()) {
            // Theory rows first (a sampled dataset per unit when asked for), then the map.
            let unit = if !s.is_done() && seeds > 0 && s.rows().len() * (1 + seeds) < s.total() {
                sample.max(THEORY_UNITS)
            } else {
                THEORY_UNITS
            };
            if budget < unit {
                break;
            }
            if !s.is_done() {
                s.work(1);
            } else {
                h.work(1);
            }
            budget -= unit;
        }
        self.sweep_credit = budget.min(THEORY_UNITS.max(sample));
        if (s.progress(), h.progress()) != before {
            self.sweep_version += 1;
        }
        if s.is_done() && h.is_done() {
            self.sweep_status = SweepStatus::Done;
        }
    }
}

/// A placeholder panel: an empty plot area with a message in the middle.
fn draw_message<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let (w, h) = root.dim_in_pixel();
    // An empty plot area, tinted, with the message in it.
    let m = th.px(12.0);
    root.draw(&Rectangle::new(
        [(m, m), (w as i32 - m, h as i32 - m)],
        GRID.mix(0.6).filled(),
    ))?;
    let style = th.text(13.0).pos(Pos::new(HPos::Center, VPos::Center));
    root.draw(&Text::new(
        text.to_string(),
        (w as i32 / 2, h as i32 / 2),
        style.color(&INK.mix(0.7)),
    ))?;
    Ok(Frame::Grids { grids: Vec::new() })
}

/// The data x under a pixel of an x-y frame whose x axis is logarithmic.
impl Generalisation {
    /// The outlier chart's readout: the modes (above) or the distance (below) at the nearest
    /// recorded time.
    fn outlier_readout(&self, frame: &Frame, x: f64, y: f64) -> Option<String> {
        let d = self.outlier.as_ref()?;
        let Frame::Parts { parts } = frame else {
            return None;
        };
        let (part, (t, _)) = parts
            .iter()
            .enumerate()
            .find_map(|(i, p)| log_x(p, x, y).map(|v| (i, v)))?;
        let (k, rec) = d
            .records()
            .iter()
            .enumerate()
            .filter(|(_, r)| r.time > 0.0)
            .min_by(|a, b| {
                (a.1.time.ln() - t.ln())
                    .abs()
                    .total_cmp(&(b.1.time.ln() - t.ln()).abs())
            })?;
        let head = format!("step {} (t/τ = {})", rec.step, fmt_num(rec.time));
        if part == 0 {
            let noise: Vec<String> = rec.modes.iter().skip(1).map(|&m| fmt_num(m)).collect();
            let top = d
                .predicted_top()
                .map(|p| format!("; outlier approximation {}", fmt_num(p[k])))
                .unwrap_or_default();
            Some(format!(
                "{head}: outlier mode {}{top}; noise modes {}",
                fmt_num(*rec.modes.first()?),
                noise.join(", ")
            ))
        } else {
            let plateau = d
                .predicted_floor()
                .zip(d.predicted_plateau())
                .map(|(f, p)| {
                    format!(
                        "; outlier approximation: closest along ûv̂ᵀ {}, outlier fully learned {}",
                        fmt_num(f),
                        fmt_num(p)
                    )
                })
                .unwrap_or_default();
            Some(format!(
                "{head}: distance to the clean signal {}{plateau}",
                fmt_num(rec.signal_error)
            ))
        }
    }
}

fn log_x(frame: &Frame, x: f64, y: f64) -> Option<(f64, f64)> {
    let (dx, dy) = frame.data_at(x, y)?;
    let Frame::Xy { x_min, x_max, .. } = *frame else {
        return None;
    };
    let f = (dx - x_min) / (x_max - x_min);
    Some(((x_min.ln() + f * (x_max.ln() - x_min.ln())).exp(), dy))
}

impl Chapter for Generalisation {
    const ID: &'static str = "generalisation";
    const FIELDS: &'static [crate::config::fields::Field] = super::config::FIELDS;
    const TITLE: &'static str = "Generalisation from a noisy teacher";
    const PANELS: &'static [PanelSpec] = &[
        PanelSpec::own("gen-errors", "Training and test error"),
        PanelSpec::own("gen-spectrum", "Eigenvalues of this sample"),
        PanelSpec::own("gen-stop", "Each direction's best stopping time"),
        PanelSpec::own("gen-modes", "The deep student's modes"),
        PanelSpec::own("gen-outlier", "A rank-1 signal in noise: the outlier"),
        PanelSpec::own("gen-sweep", "Test error against the load α"),
        PanelSpec::own("gen-heat", "Error reduction over SNR and α"),
    ];
    const CALLS: &'static [CallSpec] = &[
        CallSpec {
            name: "genConfigure",
            args: 1,
            help:
                "merges a partial generalisation config (JSON) onto the chapter's; answers genState",
        },
        CallSpec {
            name: "genOutlier",
            args: 1,
            help: "restarts the deep student on a rank-1 signal in noise of strength s̄ (0 < s̄ ≤ 4); answers genOutlierState",
        },
        CallSpec {
            name: "genOutlierStep",
            args: 1,
            help: "takes up to n training steps of the outlier demo; answers genOutlierState",
        },
        CallSpec {
            name: "genOutlierState",
            args: 0,
            help: "signal, aspect A, step, done, this sample's and the outlier approximation's ŝ and overlaps, the plateau, the best distance so far",
        },
        CallSpec {
            name: "genSpectrumNumbers",
            args: 0,
            help: "the sample's spectrum as numbers (callNumbers): eigenvalues, V, U; answers {dataset, eigen_ms}",
        },
        CallSpec {
            name: "genSpectrumAdopt",
            args: 2,
            help: "genConfigure with the spectrum decomposed elsewhere (callNumbers, with genSpectrumNumbers' answer)",
        },
        CallSpec {
            name: "genPreset",
            args: 1,
            help: "loads a preset by id; answers {id, title, caption, state}",
        },
        CallSpec {
            name: "genPresets",
            args: 0,
            help: "the presets: [{id, title, caption}]",
        },
        CallSpec {
            name: "genState",
            args: 0,
            help:
                "config, alpha, step, errors, t_opt, ridge, oracle, floor and eigen_ms of the run",
        },
        CallSpec {
            name: "genPlay",
            args: 1,
            help:
                "plays (true) or pauses (false) the chapter's run; work() trains it while playing",
        },
        CallSpec {
            name: "genReset",
            args: 0,
            help: "restarts the run on the same sample",
        },
        CallSpec {
            name: "genStep",
            args: 1,
            help: "takes up to n training steps of the chapter's run now; answers the steps taken",
        },
        CallSpec {
            name: "genSweepStart",
            args: 1,
            help: "starts the α sweep and the SNR × α map; work() computes them (\"elsewhere\": a worker does, shown from genSweepAdopt)",
        },
        CallSpec {
            name: "genSweepAdopt",
            args: 1,
            help: "takes the genSweepState(true) of the same sweep run elsewhere",
        },
        CallSpec {
            name: "genSweepCancel",
            args: 0,
            help: "stops the sweep, keeping what is done",
        },
        CallSpec {
            name: "genSweepState",
            args: 1,
            help: "status, progress, rows and cells done of the sweep; with true, its rows and cells",
        },
    ];

    fn version(&self, panel: &str, _shared: &Shared<'_>) -> Option<u64> {
        Some(match panel {
            "gen-errors" | "gen-modes" => self.run_version,
            "gen-outlier" => self.outlier_version,
            "gen-spectrum" => self.data_version,
            // The stopping times depend on the sample's α and SNR and on the start σ₀.
            "gen-stop" => {
                self.data_version
                    ^ self.cfg.init.s02().to_bits().rotate_left(17)
                    ^ u64::from(self.cfg.is_deep())
            }
            _ => self.sweep_version,
        })
    }

    fn draw<DB: DrawingBackend>(
        &mut self,
        panel: &str,
        root: &DrawingArea<DB, Shift>,
        _shared: &Shared<'_>,
        th: &Theme,
    ) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        if panel == "gen-outlier" {
            return gc::draw_outlier(root, self.ensure_outlier(), th);
        }
        self.ensure();
        let run = self.run.as_ref().expect("built");
        match panel {
            "gen-errors" => gc::draw_errors(root, run, th),
            "gen-spectrum" => gc::draw_spectrum(root, run.spectrum(), run.sample().alpha(), th),
            "gen-stop" => gc::draw_stop_times(root, run.theory(), th),
            "gen-modes" => match run.deep() {
                Some(_) => gc::draw_deep_modes(root, run, th),
                None => draw_message(
                    root,
                    "Tick “deep student” to give the student a hidden layer",
                    th,
                ),
            },
            "gen-sweep" => match &self.sweep {
                Some(s) if !s.rows().is_empty() => gc::draw_alpha_sweep(root, s.rows(), th),
                _ => draw_message(root, "Run the sweep to fill this chart", th),
            },
            _ => match &self.heat {
                Some(h) => gc::draw_heat_map(root, h, th),
                None => draw_message(root, "Run the sweep to fill this map", th),
            },
        }
    }

    fn table(&self, panel: &str, _shared: &Shared<'_>) -> Option<Table> {
        let sweep = || self.sweep.as_ref().map_or(&[][..], |s| s.rows());
        Some(match (panel, self.run.as_ref()) {
            ("gen-outlier", _) => match &self.outlier {
                Some(d) => gc::outlier_table(d),
                None => {
                    let mut t = Table::new(vec!["step".into(), "t/τ".into()]);
                    t.note = Some(
                        "not computed yet: the demo is built when its chart is first drawn".into(),
                    );
                    t
                }
            },
            ("gen-sweep", _) => gc::sweep_table(sweep()),
            ("gen-heat", _) => match &self.heat {
                Some(h) => gc::heat_table(h),
                None => gc::heat_table(&HeatMap::with_axes(Vec::new(), Vec::new(), 0.0)),
            },
            (_, None) => {
                let mut t = Table::new(vec!["step".into(), "t/τ".into()]);
                t.note =
                    Some("not computed yet: the run is built when its chart is first drawn".into());
                t
            }
            ("gen-errors", Some(run)) => gc::errors_table(run),
            ("gen-spectrum", Some(run)) => gc::spectrum_table(run.spectrum(), run.sample().alpha()),
            ("gen-stop", Some(run)) => gc::stop_table(run.theory()),
            (_, Some(run)) => gc::deep_modes_table(run),
        })
    }

    fn readout(
        &self,
        panel: &str,
        frame: &Frame,
        _shared: &Shared<'_>,
        x: f64,
        y: f64,
    ) -> Option<String> {
        if panel == "gen-outlier" {
            return self.outlier_readout(frame, x, y);
        }
        let run = self.run.as_ref()?;
        match panel {
            "gen-errors" | "gen-modes" => {
                let (t, _) = log_x(frame, x, y)?;
                let rec = run
                    .records()
                    .iter()
                    .filter(|r| r.time > 0.0)
                    .min_by(|a, b| {
                        (a.time.ln() - t.ln())
                            .abs()
                            .total_cmp(&(b.time.ln() - t.ln()).abs())
                    })?;
                let head = format!("step {} (t/τ = {})", rec.step, fmt_num(rec.time));
                if panel == "gen-modes" {
                    let modes: Vec<String> = rec
                        .modes
                        .iter()
                        .take(6)
                        .enumerate()
                        .map(|(a, m)| format!("mode {}: {}", a + 1, fmt_num(*m)))
                        .collect();
                    return (!modes.is_empty()).then(|| format!("{head}: {}", modes.join(", ")));
                }
                let exact = match (rec.exact_test_error, rec.exact_train_error) {
                    (Some(g), Some(e)) => {
                        format!("; exact: test {}, training {}", fmt_num(g), fmt_num(e))
                    }
                    _ => String::new(),
                };
                Some(format!(
                    "{head}: test error {}, training error {} (simulation){exact}; large-N theory: test {}, training {}",
                    fmt_num(rec.test_error),
                    fmt_num(rec.train_error),
                    fmt_num(rec.mp_test_error),
                    fmt_num(rec.mp_train_error)
                ))
            }
            "gen-spectrum" => {
                let (l, _) = frame.data_at(x, y)?;
                let Frame::Xy { x_max, .. } = *frame else {
                    return None;
                };
                let width = x_max / 40.0;
                let bin = (l / width).floor().max(0.0);
                let (a, b) = (bin * width, (bin + 1.0) * width);
                let count = run
                    .spectrum()
                    .eigenvalues
                    .iter()
                    .filter(|&&v| v > 0.0 && v >= a && v < b)
                    .count();
                let alpha = run.sample().alpha();
                Some(format!(
                    "λ = {}: {count} of this sample's {} eigenvalues in [{}, {}); Marchenko–Pastur ρ(λ) = {}",
                    fmt_num(l),
                    run.spectrum().inputs,
                    fmt_num(a),
                    fmt_num(b),
                    fmt_num(mp_density(alpha, l))
                ))
            }
            "gen-stop" => {
                let (l, _) = log_x(frame, x, y)?;
                let th = run.theory();
                Some(format!(
                    "λ = {}: best stopping time t*(λ) = {}τ; one global stop t_opt = {}τ",
                    fmt_num(l),
                    fmt_num(th.direction_stop_time(l)),
                    fmt_num(run.early_stop().t_opt)
                ))
            }
            "gen-sweep" => {
                let (a, _) = frame.data_at(x, y)?;
                let rows = self.sweep.as_ref()?.rows();
                let near = rows
                    .iter()
                    .min_by(|p, q| (p.alpha - a).abs().total_cmp(&(q.alpha - a).abs()))?
                    .alpha;
                let parts: Vec<String> = rows
                    .iter()
                    .filter(|r| r.alpha == near)
                    .map(|r| {
                        format!(
                            "SNR {}: E_g(10⁴τ) {}, E_g(t_opt) {} at t_opt {}τ, overtraining {}",
                            fmt_num(r.snr),
                            fmt_num(r.test_error_final),
                            fmt_num(r.test_error_at_t_opt),
                            fmt_num(r.t_opt),
                            fmt_num(r.overtraining)
                        )
                    })
                    .collect();
                Some(format!(
                    "α = {} (large-N theory): {}",
                    fmt_num(near),
                    parts.join("; ")
                ))
            }
            "gen-heat" => {
                let h = self.heat.as_ref()?;
                let Frame::Grids { grids } = frame else {
                    return None;
                };
                grids.iter().enumerate().find_map(|(k, g)| {
                    let (r, c) = g.cell_at(x, y)?;
                    let row = h.log10_snrs.len() - 1 - r;
                    let v = if k == 0 {
                        h.late[row][c]
                    } else {
                        h.early[row][c]
                    };
                    let snr = 10f64.powf(h.log10_snrs[row]);
                    Some(if v.is_finite() {
                        format!(
                            "{}: α = {}, SNR = {}: error reduction (E(0) − E)/E(0) = {}",
                            g.name,
                            fmt_num(h.alphas[c]),
                            fmt_num(snr),
                            fmt_num(v)
                        )
                    } else {
                        format!(
                            "{}: α = {}, SNR = {}: not computed yet",
                            g.name,
                            fmt_num(h.alphas[c]),
                            fmt_num(snr)
                        )
                    })
                })
            }
            _ => None,
        }
    }

    fn call(&mut self, name: &str, args: &[Value], cx: Context<'_>) -> CallResult {
        match name {
            "genOutlier" => {
                let s = number(args, 0, "outlier.signal")?;
                if !(s > 0.0 && s <= outlier::MAX_SIGNAL) {
                    return Err(CallError::new(
                        "outlier.signal",
                        format!(
                            "must be above 0 and at most {}; got {}",
                            outlier::MAX_SIGNAL,
                            fmt_num(s)
                        ),
                    ));
                }
                self.outlier_signal = s;
                self.outlier = None;
                self.outlier_version += 1;
                Ok(self.outlier_state())
            }
            "genOutlierState" => Ok(self.outlier_state()),
            "genOutlierStep" => {
                let n = whole(args, 0, "steps", outlier::STEPS)?;
                self.ensure_outlier();
                let took = self.outlier.as_mut().map_or(0, |d| d.advance(n));
                if took > 0 {
                    self.outlier_version += 1;
                }
                Ok(self.outlier_state())
            }
            "genSpectrumNumbers" => {
                let run = self.ensure();
                *cx.numbers = run.spectrum().to_numbers();
                Ok(json!({"dataset": run.config().dataset, "eigen_ms": self.eigen_ms}))
            }
            "genSpectrumAdopt" => {
                let partial = args
                    .first()
                    .ok_or_else(|| CallError::new("config", "is missing"))?;
                let of = args
                    .get(1)
                    .ok_or_else(|| CallError::new("spectrum", "is missing"))?;
                self.adopt_spectrum(partial, of, cx.numbers)?;
                Ok(self.state())
            }
            "genConfigure" => {
                let partial = args
                    .first()
                    .ok_or_else(|| CallError::new("config", "is missing"))?;
                self.configure(partial)?;
                Ok(self.state())
            }
            "genPreset" => {
                let id = text(args, 0, "preset", "a preset id")?;
                let p = self.apply_preset(id)?;
                let (id, title, caption) = (p.id, p.title, p.caption);
                Ok(json!({"id": id, "title": title, "caption": caption, "state": self.state()}))
            }
            "genPresets" => Ok(Value::Array(
                PRESETS
                    .iter()
                    .map(|p| json!({"id": p.id, "title": p.title, "caption": p.caption}))
                    .collect(),
            )),
            "genState" => Ok(self.state()),
            "genPlay" => {
                let on = flag(args, 0, "playing", None)?;
                self.ensure();
                if on && self.run.as_ref().is_some_and(GenRun::is_done) {
                    self.rebuild(false)?;
                }
                self.playing = on;
                Ok(self.state())
            }
            "genReset" => {
                self.ensure();
                self.rebuild(false)?;
                self.playing = false;
                Ok(self.state())
            }
            "genStep" => {
                let n = whole(args, 0, "steps", u64::from(u32::MAX))?;
                self.ensure();
                let took = self.run.as_mut().map_or(0, |r| r.advance(n));
                if took > 0 {
                    self.run_version += 1;
                }
                Ok(json!(took))
            }
            "genSweepStart" => {
                let elsewhere = match args.first().and_then(Value::as_str) {
                    None => false,
                    Some("elsewhere") => true,
                    Some(other) => {
                        return Err(CallError::new(
                            "sweep.where",
                            format!(
                                "must be \"elsewhere\" or absent; got {:?}",
                                crate::config::echo::clip(other)
                            ),
                        ))
                    }
                };
                self.sweep_start(elsewhere);
                Ok(self.sweep_state(false))
            }
            "genSweepAdopt" => {
                let state = args
                    .first()
                    .ok_or_else(|| CallError::new("sweep.state", "is missing"))?;
                self.sweep_adopt(state)?;
                Ok(Value::Null)
            }
            "genSweepCancel" => {
                if self.sweep_status == SweepStatus::Running {
                    self.sweep_status = SweepStatus::Cancelled;
                    self.sweep_version += 1;
                }
                Ok(self.sweep_state(false))
            }
            "genSweepState" => Ok(self.sweep_state(flag(args, 0, "results", Some(false))?)),
            other => Err(CallError::new(
                "call",
                format!("generalisation has no call {other:?}"),
            )),
        }
    }

    fn work(&mut self, steps: u64, _shared: &Shared<'_>) -> bool {
        let sweeping = self.sweep_status == SweepStatus::Running;
        // The run and the sweep share the budget when both have work.
        let total = steps as f64;
        let for_run = if sweeping { total / 2.0 } else { total };
        if self.playing {
            let cost = self.step_cost();
            let budget = for_run + self.credit;
            if let Some(run) = self.run.as_mut() {
                let n = (budget / cost).floor() as u64;
                let took = run.advance(n);
                self.credit = (budget - took as f64 * cost).clamp(0.0, cost);
                if took > 0 {
                    self.run_version += 1;
                }
                if run.is_done() {
                    self.playing = false;
                    self.credit = 0.0;
                }
            }
        }
        self.sweep_work(if self.playing || !sweeping {
            total - for_run
        } else {
            total
        });
        self.playing
            || (self.sweep_status == SweepStatus::Running && self.sweep_elsewhere.is_none())
    }

    fn status(&self) -> Value {
        let Some(run) = &self.run else {
            return Value::Null;
        };
        json!({
            "step": run.step_count(),
            "playing": self.playing,
            "done": run.is_done(),
            "sweep": self.sweep_status.name(),
            "progress": self.sweep_progress(),
            "version": self.run_version ^ self.sweep_version.rotate_left(32),
        })
    }
}
