//! The prior-knowledge chapter on the page: its own task sequence (built from a preset), played
//! a few steps per frame, the similarity sweep worked through angle by angle, and the lazy
//! against rich comparison; three panels drawn with the charts of `prior::charts`.

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};

use super::charts::{
    draw_lazy_rich, draw_similarity, draw_tasks, lazy_table, similarity_table, tasks_table,
};
use super::config::{SimilaritySweep, SweepOver, TasksConfig};
use super::experiments::{lazy_rich, AngleRuns, LazyRichConfig, LazyRichResults, SimilarityPoint};
use super::presets::{self, Preset, PRESETS};
use super::sequence::TaskRun;
use super::{EditConfig, SimilarityResults, StartKind};
use crate::chapters::chapter::{
    flag, number, text, to_value, whole, CallError, CallResult, CallSpec, Chapter, Context,
    PanelSpec, Shared,
};
use crate::charts::{fmt_num, ChartResult, Frame, Table, Theme};

/// The preset the chapter opens with.
pub const DEFAULT_PRESET: &str = "prior_rotate";
/// The angles swept when the sequence names none.
pub const DEFAULT_ANGLES: &[f64] = &[
    0.0, 15.0, 30.0, 45.0, 60.0, 75.0, 90.0, 105.0, 120.0, 135.0, 150.0, 165.0, 170.0, 175.0, 179.0,
];
/// Most training steps a single call of [`Prior::work`] may take.
pub const MAX_WORK: u64 = 1 << 20;

/// Where the similarity sweep is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepStatus {
    Idle,
    Running,
    Done,
    Cancelled,
}

/// The similarity sweep, one angle at a time.
struct SweepJob {
    cfg: TasksConfig,
    spec: SimilaritySweep,
    next: usize,
    current: Option<AngleRuns>,
    points: Vec<SimilarityPoint>,
    status: SweepStatus,
    steps: u64,
    /// Where the sweep runs elsewhere (a page's worker): the progress it last reported. This
    /// copy then takes no steps and shows what it is sent ([`Prior::adopt_sweep`]).
    elsewhere: Option<f64>,
}

impl SweepJob {
    /// Up to `n` steps of work; returns the steps taken.
    fn work(&mut self, n: u64) -> Result<u64, CallError> {
        if self.elsewhere.is_some() {
            return Ok(0);
        }
        let mut took = 0;
        while took < n && self.status == SweepStatus::Running {
            if self.current.is_none() {
                let Some(&angle) = self.spec.angles.get(self.next) else {
                    self.status = SweepStatus::Done;
                    break;
                };
                self.current = Some(AngleRuns::new(&self.cfg, &self.spec, angle)?);
            }
            let runs = self.current.as_mut().expect("set above");
            took += runs.advance(n - took);
            if runs.finished() {
                self.points.push(runs.point(self.spec.threshold));
                self.current = None;
                self.next += 1;
                if self.next == self.spec.angles.len() {
                    self.status = SweepStatus::Done;
                }
            }
        }
        self.steps += took;
        Ok(took)
    }

    fn progress(&self) -> f64 {
        if let Some(p) = self.elsewhere {
            return p;
        }
        let total = self.spec.angles.len().max(1) as f64;
        let part = self.current.as_ref().map_or(0.0, |r| {
            let all: u64 = r
                .sequence
                .config()
                .tasks
                .iter()
                .chain(r.scratch.config().tasks.iter())
                .map(|p| p.steps)
                .sum();
            1.0 - r.steps_left() as f64 / all.max(1) as f64
        });
        ((self.next as f64 + part) / total).min(1.0)
    }

    fn results(&self) -> SimilarityResults {
        SimilarityResults {
            points: self.points.clone(),
            threshold: self.spec.threshold,
            tau_steps: 1.0 / self.cfg.train.lr,
        }
    }
}

/// The chapter's state.
pub struct Prior {
    preset: &'static Preset,
    /// The sequence as configured (with its sweep settings).
    cfg: TasksConfig,
    run: TaskRun,
    /// The main run's weights the run was continued from (its first task trained there), kept
    /// so that a restart starts from them again; none for the chapter's own sequences.
    continued: Option<crate::engine::network::Network>,
    playing: bool,
    lazy_cfg: LazyRichConfig,
    lazy: Option<LazyRichResults>,
    sweep: Option<SweepJob>,
    run_version: u64,
    sweep_version: u64,
    lazy_version: u64,
}

impl Default for Prior {
    fn default() -> Self {
        let preset = presets::preset(DEFAULT_PRESET).expect("the default preset exists");
        let prepared = TasksConfig::from_json(preset.config).expect("presets are valid");
        Prior {
            preset,
            cfg: prepared.config.clone(),
            run: TaskRun::from_prepared(prepared),
            continued: None,
            playing: false,
            lazy_cfg: lazy_preset(),
            lazy: None,
            sweep: None,
            run_version: 0,
            sweep_version: 0,
            lazy_version: 0,
        }
    }
}

/// The lazy-against-rich preset's settings.
fn lazy_preset() -> LazyRichConfig {
    PRESETS
        .iter()
        .find_map(|p| {
            let v: Value = serde_json::from_str(p.config).ok()?;
            crate::config::read(v.get("lazy_rich")?.clone()).ok()
        })
        .unwrap_or_default()
}

/// `patch` merged onto `base`: objects key by key, anything else replaced (arrays whole).
fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(k) {
                    Some(slot) if slot.is_object() && v.is_object() => merge(slot, v),
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

/// The record nearest to `step` (the later one at a switch, which is recorded twice).
fn nearest<T>(items: &[T], key: impl Fn(&T) -> f64, x: f64) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, it) in items.iter().enumerate() {
        let d = (key(it) - x).abs();
        if best.is_none_or(|(_, bd)| d <= bd) {
            best = Some((i, d));
        }
    }
    best.map(|(i, _)| i)
}

impl Prior {
    fn touch_run(&mut self) {
        self.run_version += 1;
    }

    /// Makes the chapter's run the main run continued: task A is the main run's dataset, trained
    /// for the steps the main run has taken, with the weights it has now; task B is `dataset`
    /// (an edit of A, which may add items or features: the network grows, new weights at 0),
    /// trained for `steps` (default: the main run's steps). The main run is left as it is.
    pub fn continue_from(
        &mut self,
        main: &crate::run::Run,
        dataset: Value,
        steps: Option<u64>,
    ) -> Result<(), CallError> {
        let cfg = main.config();
        let b: crate::config::DatasetConfig = crate::config::read(dataset)
            .map_err(|e| CallError::new("dataset", format!("is not a dataset: {e}")))?;
        let trained = main.step_count().max(1);
        let b_steps = steps.unwrap_or(cfg.train.steps).max(1);
        // The sequence trains with the sum loss; a mean-loss rate is the same step size there.
        let data = main.data();
        let lr = match cfg.train.loss {
            crate::config::LossKind::Sum => cfg.train.lr,
            crate::config::LossKind::Mean => {
                2.0 * cfg.train.lr / (data.n_items() * data.n_outputs()).max(1) as f64
            }
        };
        let seq = TasksConfig {
            network: cfg.network.clone(),
            init: super::StartConfig {
                kind: StartKind::SmallGaussian,
                scale: cfg.init.scale,
                lambda: 0.0,
            },
            train: super::config::SequenceTrain {
                lr,
                record_every: (b_steps / 400).max(1),
                seed: cfg.train.seed,
                growth_scale: 0.0,
            },
            tasks: vec![
                super::PhaseConfig {
                    name: "A: the main run".into(),
                    dataset: Some(cfg.dataset.clone()),
                    edit: None,
                    steps: trained,
                },
                super::PhaseConfig {
                    name: "B: the edit".into(),
                    dataset: Some(b),
                    edit: None,
                    steps: b_steps,
                },
            ],
            sweep: None,
        };
        let prepared = seq.prepare()?;
        self.run = TaskRun::continuing(prepared, main.network().clone())?;
        self.continued = Some(main.network().clone());
        self.cfg = seq;
        self.preset = &presets::CONTINUED;
        self.playing = false;
        self.touch_run();
        Ok(())
    }

    /// Replaces the sequence (from step 0); the sweep's results stay until the next sweep.
    fn set_config(&mut self, cfg: TasksConfig) -> Result<(), CallError> {
        let prepared = cfg.prepare()?;
        // A continued sequence with the same first task and network (its later steps changed,
        // say) starts again from the handed-over weights; any other is the chapter's own.
        let same_start =
            cfg.network == self.cfg.network && cfg.tasks.first() == self.cfg.tasks.first();
        self.run = match &self.continued {
            Some(net) if same_start => TaskRun::continuing(prepared, net.clone())?,
            _ => {
                self.continued = None;
                TaskRun::from_prepared(prepared)
            }
        };
        self.cfg = cfg;
        self.playing = false;
        self.touch_run();
        Ok(())
    }

    /// Loads a preset by id (`prior_rotate`, ...); the lazy-against-rich one sets that panel.
    pub fn load_preset(&mut self, id: &str) -> Result<&'static Preset, CallError> {
        let p = presets::preset(id).ok_or_else(|| {
            let ids: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
            CallError::new(
                "preset",
                format!(
                    "unknown preset {:?}; presets are {}",
                    crate::config::echo::clip(id),
                    ids.join(", ")
                ),
            )
        })?;
        let v: Value = serde_json::from_str(p.config).expect("presets are JSON");
        if let Some(lr) = v.get("lazy_rich") {
            self.lazy_cfg = crate::config::read(lr.clone()).expect("presets are valid");
            self.lazy = None;
            self.lazy_version += 1;
        } else {
            self.set_config(TasksConfig::from_value(v)?.config)?;
        }
        self.preset = p;
        Ok(p)
    }

    /// Merges a partial sequence config onto the current one. When it only adds phases after
    /// the current ones (same network, start and training), the run continues from its weights;
    /// otherwise it restarts. A config that does not check leaves everything as it was.
    pub fn configure(&mut self, partial: &Value) -> Result<bool, CallError> {
        if !partial.is_object() {
            return Err(CallError::new(
                "config",
                "must be a JSON object such as {\"tasks\": [...]}",
            ));
        }
        let mut merged = to_value(&self.cfg);
        merge(&mut merged, partial);
        let prepared = TasksConfig::from_value(merged)?;
        let new = prepared.config.clone();
        let old = &self.cfg;
        let continues = new.network == old.network
            && new.init == old.init
            && new.train == old.train
            && new.tasks.len() > old.tasks.len()
            && new.tasks[..old.tasks.len()] == old.tasks[..];
        if continues {
            for p in &new.tasks[old.tasks.len()..] {
                self.run.push_phase(p)?;
            }
            self.cfg = new;
            self.touch_run();
        } else {
            self.cfg = new;
            self.run = TaskRun::from_prepared(prepared);
            self.continued = None;
            self.playing = false;
            self.touch_run();
        }
        Ok(continues)
    }

    /// Sets the angle of the sequence's rotate edit (restarting the run).
    pub fn set_angle(&mut self, degrees: f64) -> Result<(), CallError> {
        if self.cfg.rotate_phase().is_none() {
            return Err(CallError::new(
                "angle",
                "this sequence has no rotate edit; load “Rotate the task” first",
            ));
        }
        super::config::field("tasks[].edit.degrees").check_at("angle", &json!(degrees))?;
        let mut cfg = self.cfg.with_angle(degrees);
        cfg.sweep = self.cfg.sweep.clone();
        self.set_config(cfg)
    }

    /// Sets `init.lambda` of the sequence's start (restarting the run).
    pub fn set_lambda(&mut self, lambda: f64) -> Result<(), CallError> {
        let mut cfg = self.cfg.clone();
        cfg.init.lambda = lambda;
        if lambda != 0.0 && !matches!(cfg.init.kind, StartKind::Learned) {
            cfg.init.kind = StartKind::LambdaBalanced;
        }
        self.set_config(cfg)
    }

    /// Merges a partial lazy-against-rich config (`lambdas`, `scale`, ...) and recomputes it.
    pub fn set_lazy(&mut self, partial: &Value) -> Result<(), CallError> {
        let mut merged = to_value(&self.lazy_cfg);
        merge(&mut merged, partial);
        let cfg: LazyRichConfig = crate::config::read(merged).map_err(|e| {
            CallError::new(format!("lazy.{}", e.path()), e.into_inner().to_string())
        })?;
        super::config::field("lazy.scale").check_at("lazy.scale", &json!(cfg.scale))?;
        let res = lazy_rich(&cfg).map_err(|mut e| {
            e.field = format!("lazy.{}", e.field);
            e
        })?;
        self.lazy_cfg = cfg;
        self.lazy = Some(res);
        self.lazy_version += 1;
        Ok(())
    }

    fn lazy_results(&mut self) -> &LazyRichResults {
        if self.lazy.is_none() {
            let res = lazy_rich(&self.lazy_cfg).unwrap_or(LazyRichResults {
                curves: Vec::new(),
                scale: self.lazy_cfg.scale,
            });
            self.lazy = Some(res);
        }
        self.lazy.as_ref().expect("set above")
    }

    /// Starts a similarity sweep over the sequence's rotate edit; `elsewhere`: one that a
    /// page's worker runs, shown from what it reports ([`adopt_sweep`](Prior::adopt_sweep)).
    pub fn start_sweep(&mut self, elsewhere: bool) -> Result<(), CallError> {
        if self.cfg.rotate_phase().is_none() {
            return Err(CallError::new(
                "sweep.over",
                "a similarity sweep needs a phase with a rotate edit; load “Rotate the task” first",
            ));
        }
        let spec = self.cfg.sweep.clone().unwrap_or(SimilaritySweep {
            over: SweepOver::Similarity,
            angles: DEFAULT_ANGLES.to_vec(),
            threshold: 0.01,
            scratch_u0: 1e-3,
        });
        let mut cfg = self.cfg.clone();
        cfg.sweep = Some(spec.clone());
        cfg.prepare()?;
        self.sweep = Some(SweepJob {
            cfg,
            spec,
            next: 0,
            current: None,
            points: Vec::new(),
            status: SweepStatus::Running,
            steps: 0,
            elsewhere: elsewhere.then_some(0.0),
        });
        self.sweep_version += 1;
        Ok(())
    }

    /// Takes the state (`priorSweepState`) of the same sweep run elsewhere: its points, steps
    /// and progress. Refused unless such a sweep is running here and the points are of its
    /// angles, in order.
    pub fn adopt_sweep(&mut self, state: &Value) -> Result<(), CallError> {
        let field = "sweep.state";
        let Some(s) = self
            .sweep
            .as_mut()
            .filter(|s| s.status == SweepStatus::Running && s.elsewhere.is_some())
        else {
            return Err(CallError::new(
                field,
                "no sweep started elsewhere is running here",
            ));
        };
        let points: Vec<SimilarityPoint> = crate::config::read(
            state.get("points").cloned().unwrap_or(Value::Null),
        )
        .map_err(|e| {
            CallError::new(
                format!("{field}.points"),
                crate::config::echo::clip_quoted(&e.to_string()),
            )
        })?;
        let angles = &s.spec.angles;
        if points.len() > angles.len() || points.iter().zip(angles).any(|(p, &a)| p.angle != a) {
            return Err(CallError::new(
                format!("{field}.points"),
                format!("are of another sweep; this one's angles are {angles:?}"),
            ));
        }
        let number = |k: &str| state.get(k).and_then(Value::as_f64).unwrap_or(0.0);
        s.elsewhere = Some(number("progress").clamp(0.0, 1.0));
        s.steps = number("steps").max(0.0) as u64;
        s.next = points.len();
        s.points = points;
        if state.get("status").and_then(Value::as_str) == Some("done") && s.next == angles.len() {
            s.status = SweepStatus::Done;
        }
        self.sweep_version += 1;
        Ok(())
    }

    pub fn cancel_sweep(&mut self) {
        if let Some(s) = self.sweep.as_mut() {
            if s.status == SweepStatus::Running {
                s.status = SweepStatus::Cancelled;
                s.current = None;
                self.sweep_version += 1;
            }
        }
    }

    /// `{status, progress, angles_done, angles_total, steps, elsewhere}`, with `points` when
    /// asked.
    pub fn sweep_state(&self, with_points: bool) -> Value {
        match &self.sweep {
            None => json!({ "status": SweepStatus::Idle, "progress": 0.0, "angles_done": 0,
                            "angles_total": 0, "steps": 0 }),
            Some(s) => {
                let mut v = json!({
                    "status": s.status,
                    "progress": if s.status == SweepStatus::Done { 1.0 } else { s.progress() },
                    "angles_done": s.points.len(),
                    "angles_total": s.spec.angles.len(),
                    "steps": s.steps,
                    "elsewhere": s.elsewhere.is_some(),
                });
                if with_points {
                    v["points"] = to_value(&s.points);
                }
                v
            }
        }
    }

    /// Up to `run_steps` steps of the run while it plays and `sweep_steps` of the sweep; true
    /// while either has work left.
    pub fn work_split(&mut self, run_steps: u64, sweep_steps: u64) -> bool {
        if self.playing && run_steps > 0 {
            if self.run.advance(run_steps.min(MAX_WORK)) > 0 {
                self.touch_run();
            }
            if self.run.finished() {
                self.playing = false;
            }
        }
        if let Some(s) = self.sweep.as_mut() {
            if s.status == SweepStatus::Running && sweep_steps > 0 {
                match s.work(sweep_steps.min(MAX_WORK)) {
                    Ok(_) => {}
                    Err(_) => s.status = SweepStatus::Cancelled,
                }
                self.sweep_version += 1;
            }
        }
        self.playing
            || self
                .sweep
                .as_ref()
                .is_some_and(|s| s.status == SweepStatus::Running)
    }

    /// A small summary of the chapter: the preset, the run's step and losses, its phases and
    /// what predicts them, the controls' values and the sweep's progress.
    pub fn state(&self) -> Value {
        let run = &self.run;
        let total: u64 = self.cfg.tasks.iter().map(|p| p.steps).sum();
        let last = run.records().last();
        let angle = self
            .cfg
            .rotate_phase()
            .and_then(|k| match self.cfg.tasks[k].edit {
                Some(EditConfig::Rotate { degrees }) => Some(degrees),
                _ => None,
            });
        let phases: Vec<Value> = run
            .infos()
            .iter()
            .map(|i| {
                json!({ "name": i.name, "start": i.start, "steps": i.steps, "theory": i.theory,
                        "label": i.label, "lambda": i.lambda,
                        "balance_residual": i.balance_residual, "note": i.note })
            })
            .collect();
        json!({
            "preset": self.preset.name,
            "title": self.preset.title,
            "caption": self.preset.caption,
            "step": run.step_count(),
            "steps": total,
            "time": run.step_count() as f64 * run.lr(),
            "playing": self.playing,
            "finished": run.finished(),
            "names": run.names(),
            "phase": last.map(|r| r.phase),
            "loss": last.map(|r| r.loss.clone()),
            "theory": last.map(|r| r.theory.clone()),
            "theory_label": run.theory_label(),
            "phases": phases,
            "angle": angle,
            "lambda": self.cfg.init.lambda,
            "start": self.cfg.init.kind,
            "later_steps": self.cfg.tasks.get(1).map(|p| p.steps),
            "lazy": { "lambdas": self.lazy_cfg.lambdas, "scale": self.lazy_cfg.scale },
            "sweep": self.sweep_state(false),
        })
    }

    pub fn run(&self) -> &TaskRun {
        &self.run
    }

    pub fn config(&self) -> &TasksConfig {
        &self.cfg
    }

    fn tasks_readout(&self, frame: &Frame, x: f64, y: f64) -> Option<String> {
        let (step, _) = frame.data_at(x, y)?;
        let recs = self.run.records();
        let r = &recs[nearest(recs, |r| r.step as f64, step)?];
        let names = self.run.names();
        let info = self.run.infos().get(r.phase)?;
        let kind = match info.theory {
            super::TheoryKind::Flow => "gradient flow",
            super::TheoryKind::Map => "exact map",
            super::TheoryKind::None => "",
        };
        let losses: Vec<String> = names
            .iter()
            .enumerate()
            .filter(|&(k, _)| r.loss.get(k).is_some_and(|v| v.is_finite()))
            .map(|(k, n)| {
                let sim = fmt_num(r.loss[k]);
                match r.theory.get(k).copied().flatten() {
                    Some(t) => format!("loss on {n} {sim} ({kind} {})", fmt_num(t)),
                    None => format!("loss on {n} {sim}"),
                }
            })
            .collect();
        Some(format!(
            "step {} (t = {} τ), training {} · {}",
            r.step,
            fmt_num(r.step as f64 * self.run.lr()),
            info.name,
            losses.join(" · ")
        ))
    }

    fn similarity_readout(&self, frame: &Frame, x: f64, y: f64) -> Option<String> {
        let s = self.sweep.as_ref()?;
        let Frame::Parts { parts } = frame else {
            return None;
        };
        let (part, (angle, _)) = parts
            .iter()
            .enumerate()
            .find_map(|(i, p)| p.data_at(x, y).map(|d| (i, d)))?;
        let p = &s.points[nearest(&s.points, |p| p.angle, angle)?];
        let t =
            |v: Option<f64>| v.map_or("not reached".to_string(), |v| format!("{} τ", fmt_num(v)));
        Some(if part == 0 {
            format!(
                "θ = {}°: loss on A at the end {} (limit (1 − cos θ)·tr(Σ_A²) = {})",
                fmt_num(p.angle),
                fmt_num(p.forgetting),
                fmt_num(p.forgetting_theory)
            )
        } else {
            format!(
                "θ = {}°: time to learn B from A's weights {} (gradient flow {}), from scratch {} (gradient flow {})",
                fmt_num(p.angle),
                t(p.time_to_learn),
                t(p.time_to_learn_theory),
                t(p.time_to_learn_scratch),
                t(p.time_to_learn_scratch_theory)
            )
        })
    }

    fn lazy_readout(&self, frame: &Frame, x: f64, y: f64) -> Option<String> {
        let res = self.lazy.as_ref()?;
        let Frame::Parts { parts } = frame else {
            return None;
        };
        let (part, (t, _)) = parts
            .iter()
            .enumerate()
            .find_map(|(i, p)| p.data_at(x, y).map(|d| (i, d)))?;
        let what = ["L/L(0)", "representation change", "kernel change"][part.min(2)];
        let mut out = Vec::new();
        let mut at = None;
        for c in &res.curves {
            let Some(i) = nearest(&c.time, |v| *v, t) else {
                continue;
            };
            at.get_or_insert(c.time[i]);
            let (sim, theory) = match part {
                0 => (&c.loss, &c.loss_theory),
                1 => (&c.representation, &c.representation_theory),
                _ => (&c.kernel, &c.kernel_theory),
            };
            out.push(format!(
                "λ = {}: {} (exact {})",
                fmt_num(c.lambda),
                fmt_num(sim[i]),
                fmt_num(theory[i])
            ));
        }
        Some(format!(
            "t = {} τ, {what} · {}",
            fmt_num(at?),
            out.join(" · ")
        ))
    }
}

impl Chapter for Prior {
    const FIELDS: &'static [crate::config::fields::Field] = super::config::FIELDS;
    const ID: &'static str = "prior";
    const TITLE: &'static str = "Prior knowledge";
    const PANELS: &'static [PanelSpec] = &[
        PanelSpec::own("prior-tasks", "The loss on every task"),
        PanelSpec::own("prior-similarity", "Forgetting and time to learn against θ"),
        PanelSpec::own("prior-lazy", "Lazy against rich"),
    ];
    const CALLS: &'static [CallSpec] = &[
        CallSpec {
            name: "priorPresets",
            args: 0,
            help: "the chapter's presets: id, title and caption",
        },
        CallSpec {
            name: "priorPreset",
            args: 1,
            help: "loads a preset by id; answers {id, title, caption, focus}",
        },
        CallSpec {
            name: "priorConfigure",
            args: 1,
            help: "merges a partial task-sequence config; answers {continued} (true when the run keeps its weights)",
        },
        CallSpec {
            name: "priorAngle",
            args: 1,
            help: "sets θ (degrees) of the rotate edit and restarts the run",
        },
        CallSpec {
            name: "priorLambda",
            args: 1,
            help: "sets λ of the start (W₂ᵀW₂ − W₁W₁ᵀ = λI) and restarts the run",
        },
        CallSpec {
            name: "priorLaterSteps",
            args: 1,
            help: "sets the steps of every phase after the first and restarts the run",
        },
        CallSpec {
            name: "priorLazy",
            args: 1,
            help: "merges a partial lazy-against-rich config ({lambdas, scale}) and recomputes it",
        },
        CallSpec {
            name: "priorPlay",
            args: 1,
            help: "plays (true) or pauses (false) the chapter's run; a finished run restarts",
        },
        CallSpec {
            name: "priorReset",
            args: 0,
            help: "restarts the chapter's run from step 0",
        },
        CallSpec {
            name: "priorStep",
            args: 1,
            help: "trains the chapter's run n steps now",
        },
        CallSpec {
            name: "priorWork",
            args: 2,
            help: "up to n steps of the playing run and m of the sweep; answers {more, step, sweep}",
        },
        CallSpec {
            name: "priorState",
            args: 0,
            help: "preset, step, losses, phases and what predicts them, controls and sweep progress",
        },
        CallSpec {
            name: "priorConfig",
            args: 0,
            help: "the chapter's task-sequence config",
        },
        CallSpec {
            name: "priorFrame",
            args: 1,
            help: "where a drawn panel of the chapter put its data, in device pixels (null before it is drawn)",
        },
        CallSpec {
            name: "priorSweepStart",
            args: 1,
            help: "starts the similarity sweep over θ (\"elsewhere\": run by a worker, shown from priorSweepAdopt); answers its progress",
        },
        CallSpec {
            name: "priorSweepAdopt",
            args: 1,
            help: "takes the priorSweepState of the same sweep run elsewhere",
        },
        CallSpec {
            name: "priorSweepCancel",
            args: 0,
            help: "stops the similarity sweep, keeping the angles done",
        },
        CallSpec {
            name: "priorSweepState",
            args: 0,
            help: "status, progress, angles done and the results so far",
        },
        CallSpec {
            name: "priorContinue",
            args: 2,
            help: "continues the main run's network, from its weights now, on an edited dataset (task B) for n steps (default: the main run's); answers priorState",
        },
    ];

    fn version(&self, panel: &str, _shared: &Shared<'_>) -> Option<u64> {
        Some(match panel {
            "prior-tasks" => self.run_version,
            "prior-similarity" => self.sweep_version,
            _ => self.lazy_version,
        })
    }

    fn draw<DB: DrawingBackend>(
        &mut self,
        panel: &str,
        root: &DrawingArea<DB, Shift>,
        _shared: &Shared<'_>,
        theme: &Theme,
    ) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        match panel {
            "prior-tasks" => draw_tasks(root, &self.run, theme),
            "prior-similarity" => {
                let res = self.sweep.as_ref().map(SweepJob::results);
                match res.filter(|r| !r.points.is_empty()) {
                    Some(res) => draw_similarity(root, &res, theme),
                    None => {
                        // Nothing measured yet: the two empty axes, and what they will show.
                        root.fill(&WHITE)?;
                        let (w, h) = root.dim_in_pixel();
                        let (left, right) = root.split_horizontally(w / 2);
                        for (area, y) in [
                            (&left, "loss on A at the end"),
                            (&right, "time to learn B (τ)"),
                        ] {
                            let mut chart = ChartBuilder::on(area)
                                .margin(theme.px(10.0))
                                .margin_top(theme.px(22.0))
                                .x_label_area_size(theme.px(34.0))
                                .y_label_area_size(theme.px(52.0))
                                .build_cartesian_2d(0f64..180.0, 0f64..1.0)?;
                            chart
                                .configure_mesh()
                                .x_desc("rotation θ (degrees)")
                                .y_desc(y)
                                .label_style(theme.text(11.0))
                                .axis_desc_style(theme.text(12.0))
                                .bold_line_style(crate::charts::GRID)
                                .light_line_style(crate::charts::GRID.mix(0.0))
                                .axis_style(crate::charts::INK.mix(0.6))
                                .y_label_formatter(&|_| String::new())
                                .draw()?;
                        }
                        let text = match self.sweep.as_ref().map(|s| s.status) {
                            Some(SweepStatus::Running) => "Sweeping θ…",
                            _ => "Run the sweep to measure forgetting and the time to learn B at every θ",
                        };
                        crate::charts::draw_wrapped(
                            root,
                            text,
                            (theme.px(70.0), h as i32 / 2 - theme.px(10.0)),
                            w as i32 - theme.px(100.0),
                            &theme.text(13.0),
                        )?;
                        Ok(Frame::Parts { parts: Vec::new() })
                    }
                }
            }
            _ => {
                let res = self.lazy_results().clone();
                draw_lazy_rich(root, &res, theme)
            }
        }
    }

    fn table(&self, panel: &str, _shared: &Shared<'_>) -> Option<Table> {
        Some(match panel {
            "prior-tasks" => tasks_table(&self.run),
            "prior-similarity" => {
                similarity_table(&self.sweep.as_ref().map(SweepJob::results).unwrap_or(
                    SimilarityResults {
                        points: Vec::new(),
                        threshold: 0.0,
                        tau_steps: 0.0,
                    },
                ))
            }
            _ => match &self.lazy {
                Some(res) => lazy_table(res),
                None => {
                    let mut t = lazy_table(&LazyRichResults {
                        curves: Vec::new(),
                        scale: self.lazy_cfg.scale,
                    });
                    t.note = Some(
                        "not computed yet: it is computed when the chart is first drawn".into(),
                    );
                    t
                }
            },
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
        match panel {
            "prior-tasks" => self.tasks_readout(frame, x, y),
            "prior-similarity" => self.similarity_readout(frame, x, y),
            _ => self.lazy_readout(frame, x, y),
        }
    }

    fn call(&mut self, name: &str, args: &[Value], cx: Context<'_>) -> CallResult {
        let arg = |i: usize, field: &str| {
            args.get(i)
                .cloned()
                .ok_or_else(|| CallError::new(field, "is missing"))
        };
        match name {
            "priorPresets" => Ok(Value::Array(
                PRESETS
                    .iter()
                    .map(|p| json!({ "id": p.name, "title": p.title, "caption": p.caption }))
                    .collect(),
            )),
            "priorPreset" => {
                let p = self.load_preset(text(args, 0, "preset", "a preset id")?)?;
                let focus = if p.config.contains("lazy_rich") {
                    "prior-lazy"
                } else {
                    "prior-tasks"
                };
                Ok(json!({ "id": p.name, "title": p.title, "caption": p.caption, "focus": focus }))
            }
            "priorConfigure" => {
                let mut v = arg(0, "config")?;
                if let Value::String(s) = &v {
                    v = serde_json::from_str(s)
                        .map_err(|e| CallError::new("config", format!("is not valid JSON: {e}")))?;
                }
                let continued = self.configure(&v)?;
                Ok(json!({ "continued": continued }))
            }
            "priorAngle" => {
                self.set_angle(number(args, 0, "angle")?)?;
                Ok(self.state())
            }
            "priorLambda" => {
                self.set_lambda(number(args, 0, "init.lambda")?)?;
                Ok(self.state())
            }
            "priorLaterSteps" => {
                // Checked against the chapter's field (a whole number in its range).
                let v = number(args, 0, "steps")?;
                let as_json = if v.fract() == 0.0 && (0.0..=u64::MAX as f64).contains(&v) {
                    json!(v as u64)
                } else {
                    json!(v)
                };
                super::config::field("tasks[].steps").check_at("steps", &as_json)?;
                let n = v as u64;
                let mut cfg = self.cfg.clone();
                for p in cfg.tasks.iter_mut().skip(1) {
                    p.steps = n;
                }
                self.set_config(cfg)?;
                Ok(self.state())
            }
            "priorLazy" => {
                let v = arg(0, "lazy")?;
                if !v.is_object() {
                    return Err(CallError::new(
                        "lazy",
                        "must be an object such as {\"lambdas\": [0, -4], \"scale\": 0.01}",
                    ));
                }
                self.set_lazy(&v)?;
                Ok(self.state()["lazy"].clone())
            }
            "priorPlay" => {
                let on = flag(args, 0, "playing", Some(true))?;
                if on && self.run.finished() {
                    let cfg = self.cfg.clone();
                    self.set_config(cfg)?;
                }
                self.playing = on;
                Ok(Value::Bool(self.playing))
            }
            "priorReset" => {
                let cfg = self.cfg.clone();
                self.set_config(cfg)?;
                Ok(Value::Null)
            }
            "priorStep" => {
                let n = whole(args, 0, "steps", MAX_WORK)?;
                let took = self.run.advance(n);
                if took > 0 {
                    self.touch_run();
                }
                Ok(json!(took))
            }
            "priorWork" => {
                let n = whole(args, 0, "steps", MAX_WORK)?;
                let m = match args.get(1) {
                    None => n,
                    Some(_) => whole(args, 1, "sweep_steps", MAX_WORK)?,
                };
                let more = self.work_split(n, m);
                Ok(json!({
                    "more": more,
                    "playing": self.playing,
                    "step": self.run.step_count(),
                    "finished": self.run.finished(),
                    "sweep": self.sweep_state(false),
                }))
            }
            "priorState" => Ok(self.state()),
            "priorContinue" => {
                let dataset = arg(0, "dataset")?;
                let steps = match args.get(1).filter(|v| !v.is_null()) {
                    Some(v) => {
                        super::config::field("tasks[].steps").check_at("steps", v)?;
                        v.as_u64()
                    }
                    None => None,
                };
                self.continue_from(cx.session.run(), dataset, steps)?;
                Ok(self.state())
            }
            "priorConfig" => Ok(to_value(&self.cfg)),
            "priorFrame" => match arg(0, "panel")? {
                Value::String(p) if Self::PANELS.iter().any(|s| s.name == p) => {
                    Ok(cx.frames.get(&p).map_or(Value::Null, to_value))
                }
                v => Err(CallError::new(
                    "panel",
                    format!(
                        "must be one of prior-tasks, prior-similarity, prior-lazy; got {}",
                        crate::config::echo::clip(&v.to_string())
                    ),
                )),
            },
            "priorSweepStart" => {
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
                self.start_sweep(elsewhere)?;
                Ok(self.sweep_state(false))
            }
            "priorSweepAdopt" => {
                let state = args
                    .first()
                    .ok_or_else(|| CallError::new("sweep.state", "is missing"))?;
                self.adopt_sweep(state)?;
                Ok(Value::Null)
            }
            "priorSweepCancel" => {
                self.cancel_sweep();
                Ok(self.sweep_state(false))
            }
            "priorSweepState" => Ok(self.sweep_state(true)),
            other => Err(CallError::new(
                "call",
                format!("prior has no call {other:?}"),
            )),
        }
    }

    fn work(&mut self, steps: u64, _shared: &Shared<'_>) -> bool {
        self.work_split(steps, steps)
    }

    fn status(&self) -> Value {
        json!({
            "step": self.run.step_count(),
            "playing": self.playing,
            "version": self.run_version ^ self.sweep_version.rotate_left(21) ^ self.lazy_version.rotate_left(42),
            "sweep": self.sweep.as_ref().map(|s| s.status),
        })
    }
}
