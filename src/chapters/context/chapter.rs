//! The context-and-architecture chapter on the page: its own runs (a gated routing network from
//! a decoupled start beside its exact reduced map, the same network from a small random start,
//! a linear recurrent network beside its exact reduced map, and a ReLU network beside a gated
//! linear network on a context task), the panels drawn from them, and the calls that configure
//! them, toggle the gates, load the presets and play them.
//!
//! The four parts:
//!
//! - `routing`: a [`ContextConfig`] of kind `routing` (default: the four-item toy routed through
//!   M = 4 domains with K = 2 trained outputs per input, every layer aligned at 0.08);
//! - `general`: the same dataset and network from a small random start (its own `init`, `train`);
//! - `recurrent`: a [`ContextConfig`] of kind `sequence` (default T = 3, s = 0.5, 1, 2);
//! - `relu`: a [`ReluConfig`], the context task with C contexts.
//!
//! The reduction is labelled exact only when the simulation matches it to rounding: the chapter
//! measures the largest gap between the two over every record and says so.

use plotters::coord::Shift;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::charts as cc;
use super::gated::race_toy;
use super::relu::{ContextTask, ReluComparison};
use super::{ContextConfig, RoutingRun, RunStatus, SequenceRun};
use crate::chapters::chapter::{
    flag, number, text, to_value, whole, CallError, CallResult, CallSpec, Chapter,
    Context as CallContext, PanelSpec, Shared,
};
use crate::charts::{fmt_num, ChartResult, Frame, Table, Theme};

/// Largest gap between simulation and reduction, relative to the largest target strength, that
/// still counts as "to rounding".
pub const EXACT: f64 = 1e-9;
/// Most contexts of the ReLU comparison.
pub const MAX_CONTEXTS: usize = 8;
/// Units shown in the ReLU gate map.
const GATE_ROWS: usize = 12;

/// The ReLU comparison's settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReluConfig {
    pub contexts: usize,
    pub hidden: usize,
    /// Standard deviation of every initial weight of both networks.
    pub scale: f64,
    pub lr: f64,
    pub steps: u64,
    pub record_every: u64,
    pub seed: u64,
}

impl Default for ReluConfig {
    fn default() -> Self {
        ReluConfig {
            contexts: 3,
            hidden: 24,
            scale: 0.1,
            lr: 0.01,
            steps: 3000,
            record_every: 20,
            seed: 1,
        }
    }
}

impl ReluConfig {
    fn validate(&self) -> Result<(), CallError> {
        let int = |field: &str, v: u64, lo: u64, hi: u64| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(CallError::new(
                    field,
                    format!("must be an integer from {lo} to {hi}; got {v}"),
                ))
            }
        };
        int("contexts", self.contexts as u64, 1, MAX_CONTEXTS as u64)?;
        int(
            "hidden",
            self.hidden as u64,
            1,
            super::MAX_CONTEXT_WIDTH as u64,
        )?;
        int("steps", self.steps, 1, 1_000_000)?;
        int("record_every", self.record_every, 1, 1_000_000)?;
        int("seed", self.seed, 0, crate::config::limits::MAX_SEED)?;
        for (field, v, hi) in [("scale", self.scale, 10.0), ("lr", self.lr, 1.0)] {
            if !(v.is_finite() && v > 0.0 && v <= hi) {
                return Err(CallError::new(
                    field,
                    format!("must be a number in (0, {hi}]; got {v}"),
                ));
            }
        }
        if self.steps / self.record_every > 20_000 {
            return Err(CallError::new(
                "record_every",
                "would keep more than 20000 records; record less often",
            ));
        }
        Ok(())
    }
}

/// The ReLU comparison with its settings and where it stands.
#[derive(Clone, Debug)]
struct ReluPart {
    cfg: ReluConfig,
    cmp: ReluComparison,
    diverged: bool,
}

impl ReluPart {
    fn new(cfg: ReluConfig) -> ReluPart {
        let task = ContextTask::new(cfg.contexts, race_toy());
        let cmp = ReluComparison::new(
            task,
            cfg.hidden,
            cfg.scale,
            cfg.lr,
            cfg.record_every,
            cfg.seed,
        );
        ReluPart {
            cfg,
            cmp,
            diverged: false,
        }
    }

    fn running(&self) -> bool {
        !self.diverged && self.cmp.step_count() < self.cfg.steps
    }

    fn advance(&mut self, steps: u64) -> u64 {
        if !self.running() {
            return 0;
        }
        let n = steps.min(self.cfg.steps - self.cmp.step_count());
        let took = self.cmp.advance(n);
        if took < n || !self.cmp.relu.is_finite() || !self.cmp.gated.is_finite() {
            self.diverged = true;
        }
        took
    }

    fn status(&self) -> &'static str {
        if self.diverged {
            "diverged"
        } else if self.running() {
            "running"
        } else {
            "done"
        }
    }
}

/// The largest gap between a run's simulation and its reduction so far, relative to its
/// largest target strength, and how many records have been compared.
#[derive(Clone, Copy, Debug, Default)]
struct Gap {
    seen: usize,
    worst: f64,
}

/// A named starting point of one part, with what to look for.
#[derive(Clone, Debug, Serialize)]
pub struct ChapterPreset {
    pub id: &'static str,
    pub name: &'static str,
    pub part: &'static str,
    pub caption: &'static str,
    #[serde(skip)]
    config: Value,
}

/// The chapter's presets: the four of [`super::presets`] and the ReLU comparison.
pub fn chapter_presets() -> Vec<ChapterPreset> {
    let ids = [
        ("race", "routing"),
        ("untrained", "general"),
        ("recent", "recurrent"),
        ("geometric", "recurrent"),
    ];
    let mut out: Vec<ChapterPreset> = super::presets()
        .into_iter()
        .zip(ids)
        .map(|(p, (id, part))| ChapterPreset {
            id,
            name: p.name,
            part,
            caption: p.caption,
            config: p.config,
        })
        .collect();
    out.insert(
        2,
        ChapterPreset {
            id: "relu",
            name: "ReLU networks gate too",
            part: "relu",
            caption: "Three contexts share one item input; the context decides which output block \
                      must answer. The ReLU network learns it with no gates built in: in the gate \
                      map, its important units are on in some contexts and off in others, so it \
                      has made gates of its own. Its curves are simulation only: there is no \
                      theory for a ReLU network.",
            config: json!({"contexts": 3, "hidden": 24, "scale": 0.1, "lr": 0.01,
                           "steps": 4000, "record_every": 20, "seed": 1}),
        },
    );
    out
}

/// The context-and-architecture chapter.
pub struct Context {
    race: RoutingRun,
    general: RoutingRun,
    recurrent: SequenceRun,
    relu: ReluPart,
    /// The input domain the pathway panels show.
    input: usize,
    playing: bool,
    preset: Option<&'static str>,
    race_gap: Gap,
    recurrent_gap: Gap,
    /// Version of each part: race, general, recurrent, relu.
    versions: [u64; 4],
    counter: u64,
}

fn default_routing() -> ContextConfig {
    ContextConfig::from_value(&json!({
        "dataset": {"kind": "routing", "domains": 4, "trained_per_input": 2},
        "network": {"kind": "gated", "hidden": [8, 8]},
        "init": {"kind": "aligned", "scale": 0.08},
        "train": {"lr": 0.02, "steps": 1500, "record_every": 10, "seed": 1}
    }))
    .expect("the default routing config is valid")
}

fn default_general_patch() -> Value {
    json!({
        "init": {"kind": "small_gaussian", "scale": 0.05},
        "train": {"lr": 0.05, "steps": 1200, "record_every": 10, "seed": 1}
    })
}

fn default_recurrent() -> ContextConfig {
    ContextConfig::from_value(&json!({
        "dataset": {"kind": "sequence", "length": 3, "strengths": [[0.5], [1], [2]], "seed": 3},
        "network": {"kind": "recurrent", "hidden": [4]},
        "init": {"kind": "aligned", "scale": 0.05},
        "train": {"lr": 0.01, "steps": 1000, "record_every": 5, "seed": 1}
    }))
    .expect("the default recurrent config is valid")
}

/// `patch` laid over `base`: objects merge key by key, everything else replaces.
fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(k) {
                    Some(slot) if v.is_object() && slot.is_object() && k != "base" => {
                        merge(slot, v)
                    }
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

/// A config error of part `part`, its field prefixed with the part.
fn in_part(part: &str, e: CallError) -> CallError {
    CallError::new(format!("{part}.{}", e.field), e.message)
}

fn object(part: &str, v: &Value) -> Result<(), CallError> {
    if v.is_object() {
        Ok(())
    } else {
        Err(CallError::new(
            part,
            format!(
                "must be a JSON object; got {}",
                crate::config::echo::clip(&v.to_string())
            ),
        ))
    }
}

/// The record whose time is nearest `t`.
fn nearest(times: impl Iterator<Item = f64>, t: f64) -> Option<usize> {
    times
        .enumerate()
        .min_by(|a, b| (a.1 - t).abs().total_cmp(&(b.1 - t).abs()))
        .map(|(k, _)| k)
}

fn status_name(s: RunStatus) -> &'static str {
    match s {
        RunStatus::Running => "running",
        RunStatus::Done => "done",
        RunStatus::Diverged => "diverged",
    }
}

impl Default for Context {
    fn default() -> Self {
        let race = RoutingRun::new(&default_routing()).expect("valid");
        let general = RoutingRun::new(
            &general_config(race.config(), &default_general_patch()).expect("valid"),
        )
        .expect("valid");
        let recurrent = SequenceRun::new(&default_recurrent()).expect("valid");
        let mut c = Context {
            race,
            general,
            recurrent,
            relu: ReluPart::new(ReluConfig::default()),
            input: 0,
            playing: false,
            preset: None,
            race_gap: Gap::default(),
            recurrent_gap: Gap::default(),
            versions: [0; 4],
            counter: 0,
        };
        c.measure();
        c
    }
}

/// The generalisation run's config: the routing run's dataset and network under `patch`'s
/// `init` and `train` (a `dataset` is refused: the two runs share one).
fn general_config(routing: &ContextConfig, patch: &Value) -> Result<ContextConfig, CallError> {
    object("general", patch)?;
    if patch.get("dataset").is_some() {
        return Err(CallError::new(
            "general.dataset",
            "the generalisation run shares the routing run's dataset and gates; set them on routing",
        ));
    }
    let mut v = to_value(routing);
    merge(&mut v, patch);
    ContextConfig::from_value(&v).map_err(|e| in_part("general", e))
}

impl Context {
    fn bump(&mut self, part: usize) {
        self.counter += 1;
        self.versions[part] = self.counter;
    }

    /// Extends the measured gaps between simulation and reduction over the new records.
    fn measure(&mut self) {
        let s1 = self
            .race
            .task()
            .svd
            .s
            .first()
            .copied()
            .unwrap_or(1.0)
            .max(1e-300);
        let recs = self.race.records();
        for r in &recs[self.race_gap.seen..] {
            if let Some(th) = &r.theory {
                for (a, b) in r.modes.iter().flatten().zip(th.iter().flatten()) {
                    self.race_gap.worst = self.race_gap.worst.max((a - b).abs() / s1);
                }
            }
        }
        self.race_gap.seen = recs.len();
        let top = self
            .recurrent
            .task()
            .strengths
            .iter()
            .flatten()
            .fold(0.0f64, |m, v| m.max(v.abs()))
            .max(1e-300);
        let recs = self.recurrent.records();
        for r in &recs[self.recurrent_gap.seen..] {
            if let Some(k) = r.theory_kernel() {
                for (a, b) in r.kernel.iter().flatten().zip(k.iter().flatten()) {
                    self.recurrent_gap.worst = self.recurrent_gap.worst.max((a - b).abs() / top);
                }
            }
        }
        self.recurrent_gap.seen = recs.len();
    }

    /// What the routing run's reduction is, in words, from the measured gap.
    fn race_label(&self) -> String {
        label(
            self.race.reduction().is_some(),
            self.race_gap.worst,
            "s₁",
            "decoupled",
        )
    }

    fn recurrent_label(&self) -> String {
        label(
            self.recurrent.reduction().is_some(),
            self.recurrent_gap.worst,
            "the largest target",
            "aligned",
        )
    }

    fn running(&self) -> bool {
        self.race.status() == RunStatus::Running
            || self.general.status() == RunStatus::Running
            || self.recurrent.status() == RunStatus::Running
            || self.relu.running()
    }

    /// Advances every unfinished run by up to `steps`; true while any is still running.
    fn advance_all(&mut self, steps: u64) -> bool {
        if self.race.advance(steps) > 0 {
            self.bump(0);
        }
        if self.general.advance(steps) > 0 {
            self.bump(1);
        }
        if self.recurrent.advance(steps) > 0 {
            self.bump(2);
        }
        if self.relu.advance(steps) > 0 {
            self.bump(3);
        }
        self.measure();
        self.running()
    }

    /// Replaces the routing run (and the generalisation run, which shares its dataset).
    fn set_routing(&mut self, cfg: ContextConfig) -> Result<(), CallError> {
        let race = RoutingRun::new(&cfg).map_err(|e| in_part("routing", e))?;
        let general_patch = json!({
            "init": to_value(&self.general.config().init),
            "train": to_value(&self.general.config().train),
            "network": to_value(&self.general.config().network),
        });
        let general = RoutingRun::new(&general_config(&cfg, &general_patch)?)
            .map_err(|e| in_part("general", e))?;
        self.race = race;
        self.general = general;
        self.input = self.input.min(self.race.task().domains() - 1);
        self.race_gap = Gap::default();
        self.bump(0);
        self.bump(1);
        self.measure();
        Ok(())
    }

    fn set_recurrent(&mut self, cfg: ContextConfig) -> Result<(), CallError> {
        self.recurrent = SequenceRun::new(&cfg).map_err(|e| in_part("recurrent", e))?;
        self.recurrent_gap = Gap::default();
        self.bump(2);
        self.measure();
        Ok(())
    }

    /// Configures one part from a partial JSON config merged onto its current one.
    pub fn configure(&mut self, part: &str, patch: &Value) -> Result<(), CallError> {
        match part {
            "routing" => {
                object("routing", patch)?;
                let mut v = to_value(self.race.config());
                if let (Some(ds), Some(p)) = (v.get_mut("dataset"), patch.get("dataset")) {
                    if let Some(obj) = ds.as_object_mut() {
                        // A K replaces the gate matrix and a gate matrix replaces K; a new M
                        // without either keeps K where it fits.
                        if p.get("gates").is_some() {
                            obj.remove("trained_per_input");
                        } else if p.get("trained_per_input").is_some() {
                            obj.remove("gates");
                        } else if let Some(m) = p.get("domains").and_then(Value::as_u64) {
                            let k = self.race.task().regular().unwrap_or(2) as u64;
                            obj.remove("gates");
                            obj.insert("trained_per_input".into(), json!(k.min(m.max(1))));
                        }
                    }
                }
                merge(&mut v, patch);
                if v.pointer("/dataset/kind").and_then(Value::as_str) != Some("routing") {
                    return Err(CallError::new("routing.dataset.kind", "must be routing"));
                }
                let cfg = ContextConfig::from_value(&v).map_err(|e| in_part("routing", e))?;
                self.set_routing(cfg)
            }
            "general" => {
                let cfg = general_config(self.race.config(), patch)?;
                self.general = RoutingRun::new(&cfg).map_err(|e| in_part("general", e))?;
                self.bump(1);
                Ok(())
            }
            "recurrent" => {
                object("recurrent", patch)?;
                let mut v = to_value(self.recurrent.config());
                let mut patch = patch.clone();
                // A new length without strengths: each mode's strength halves per lag from its
                // strength at the read-out.
                if let Some(len) = patch.pointer("/dataset/length").and_then(Value::as_u64) {
                    if patch.pointer("/dataset/strengths").is_none() && len <= 1024 {
                        let last = self.recurrent.task().strengths.last().cloned();
                        let last = last.unwrap_or_else(|| vec![1.0]);
                        let rows: Vec<Vec<f64>> = (0..len)
                            .map(|t| {
                                let lag = (len - 1 - t) as i32;
                                last.iter().map(|s| s * 0.5f64.powi(lag)).collect()
                            })
                            .collect();
                        patch["dataset"]["strengths"] = json!(rows);
                    }
                }
                merge(&mut v, &patch);
                if v.pointer("/dataset/kind").and_then(Value::as_str) != Some("sequence") {
                    return Err(CallError::new("recurrent.dataset.kind", "must be sequence"));
                }
                let cfg = ContextConfig::from_value(&v).map_err(|e| in_part("recurrent", e))?;
                self.set_recurrent(cfg)
            }
            "relu" => {
                object("relu", patch)?;
                let mut v = to_value(&self.relu.cfg);
                merge(&mut v, patch);
                let cfg: ReluConfig = crate::config::read(v).map_err(|e| {
                    let path = e.path().to_string();
                    let field = if path == "." || path.is_empty() {
                        "relu".to_string()
                    } else {
                        format!("relu.{path}")
                    };
                    CallError::new(field, e.into_inner().to_string())
                })?;
                cfg.validate().map_err(|e| in_part("relu", e))?;
                self.relu = ReluPart::new(cfg);
                self.bump(3);
                Ok(())
            }
            other => Err(CallError::new(
                "part",
                format!(
                    "must be routing, general, recurrent or relu; got {:?}",
                    crate::config::echo::clip(other)
                ),
            )),
        }
    }

    /// Switches pathway (input, output) between trained and untrained; both routing runs start
    /// again with the new gate matrix.
    pub fn toggle_gate(&mut self, input: usize, output: usize) -> Result<bool, CallError> {
        let task = self.race.task();
        let m = task.domains();
        if input >= m {
            return Err(CallError::new(
                "gates.input",
                format!("must be an input domain from 0 to {}; got {input}", m - 1),
            ));
        }
        if output >= task.outputs() {
            return Err(CallError::new(
                "gates.output",
                format!(
                    "must be an output domain from 0 to {}; got {output}",
                    task.outputs() - 1
                ),
            ));
        }
        let mut g: Vec<Vec<f64>> = task.gates.outer_iter().map(|r| r.to_vec()).collect();
        g[input][output] = 1.0 - g[input][output];
        let now = g[input][output] == 1.0;
        self.configure("routing", &json!({"dataset": {"gates": g}}))?;
        self.preset = None;
        Ok(now)
    }

    /// Loads a preset into its part.
    pub fn apply_preset(&mut self, id: &str) -> Result<(), CallError> {
        let all = chapter_presets();
        let Some(p) = all.iter().find(|p| p.id == id) else {
            let ids: Vec<&str> = all.iter().map(|p| p.id).collect();
            return Err(CallError::new(
                "preset",
                format!(
                    "no preset {:?}; presets are {}",
                    crate::config::echo::clip(id),
                    ids.join(", ")
                ),
            ));
        };
        match p.part {
            "general" => {
                // The dataset goes to both routing runs, the random start to this one.
                let routing =
                    json!({"dataset": p.config["dataset"], "network": p.config["network"]});
                self.configure("routing", &routing)?;
                let patch = json!({"init": p.config["init"], "train": p.config["train"],
                                   "network": p.config["network"]});
                self.configure("general", &patch)?;
            }
            "routing" => {
                // A new routing task gives both routing runs the same dataset.
                self.configure("routing", &p.config)?;
            }
            "recurrent" => {
                // A preset replaces the whole sequence task.
                let cfg =
                    ContextConfig::from_value(&p.config).map_err(|e| in_part("recurrent", e))?;
                self.set_recurrent(cfg)?;
            }
            _ => {
                let rc: ReluConfig = crate::config::read(p.config.clone())
                    .map_err(|e| CallError::new("relu", e.to_string()))?;
                rc.validate().map_err(|e| in_part("relu", e))?;
                self.relu = ReluPart::new(rc);
                self.bump(3);
            }
        }
        self.preset = Some(p.id);
        Ok(())
    }

    /// Starts every run again from its config.
    pub fn reset(&mut self) {
        let (r, g, s) = (
            self.race.config().clone(),
            self.general.config().clone(),
            self.recurrent.config().clone(),
        );
        self.race = RoutingRun::new(&r).expect("a running config stays valid");
        self.general = RoutingRun::new(&g).expect("a running config stays valid");
        self.recurrent = SequenceRun::new(&s).expect("a running config stays valid");
        self.relu = ReluPart::new(self.relu.cfg.clone());
        self.race_gap = Gap::default();
        self.recurrent_gap = Gap::default();
        for p in 0..4 {
            self.bump(p);
        }
        self.measure();
    }

    pub fn playing(&self) -> bool {
        self.playing
    }

    pub fn race(&self) -> &RoutingRun {
        &self.race
    }

    pub fn general(&self) -> &RoutingRun {
        &self.general
    }

    pub fn recurrent(&self) -> &SequenceRun {
        &self.recurrent
    }

    pub fn relu(&self) -> &ReluComparison {
        &self.relu.cmp
    }

    /// The chapter's state as a small JSON document.
    pub fn state(&self) -> Value {
        let routing = |run: &RoutingRun, label: Option<String>| {
            let task = run.task();
            let last = run.records().last();
            let m = task.domains();
            let (i, j) = (self.input, (self.input + m / 2 + m % 2) % m.max(1));
            json!({
                "domains": m,
                "trained_per_input": task.regular(),
                "gates": task.gates.outer_iter().map(|r| r.to_vec()).collect::<Vec<_>>(),
                "singular_values": task.svd.s,
                "init": run.config().init.kind,
                "step": run.step_count(),
                "steps": run.config().train.steps,
                "time": last.map_or(0.0, |r| r.time),
                "loss": last.map(|r| r.loss),
                "status": status_name(run.status()),
                "label": label.unwrap_or_else(|| run.theory_label().to_string()),
                // The modes now of this input's pathway to the farthest output, trained or not.
                "pathway": {"input": i, "output": j, "trained": task.trained(i, j),
                            "modes": last.map(|r| r.modes[i * m + j].clone())},
            })
        };
        let rec = &self.recurrent;
        let last = rec.records().last();
        let relu_last = self.relu.cmp.records().last();
        json!({
            "playing": self.playing,
            "running": self.running(),
            "input": self.input,
            "preset": self.preset,
            "routing": routing(&self.race, Some(self.race_label())),
            "routing_gap": self.race_gap.worst,
            "general": routing(&self.general, None),
            "recurrent": {
                "length": rec.task().length(),
                "strengths": rec.task().strengths,
                "target": rec.target_kernel(),
                "kernel": last.map(|r| &r.kernel),
                "theory_kernel": last.and_then(|r| r.theory_kernel()),
                "scalars": last.and_then(|r| r.scalars.as_ref()).map(|s| json!({"b": s.b, "m": s.m, "c": s.c})),
                "step": rec.step_count(),
                "steps": rec.config().train.steps,
                "time": last.map_or(0.0, |r| r.time),
                "status": status_name(rec.status()),
                "label": self.recurrent_label(),
                "gap": self.recurrent_gap.worst,
            },
            "relu": {
                "config": self.relu.cfg,
                "step": self.relu.cmp.step_count(),
                "steps": self.relu.cfg.steps,
                "relu_loss": relu_last.map(|r| r.relu_loss),
                "gated_loss": relu_last.map(|r| r.gated_loss),
                "status": self.relu.status(),
                "label": "no theory: the ReLU network is simulated only",
            },
        })
    }

    fn part_of(panel: &str) -> usize {
        match panel {
            "context_race" | "context_gates" | "context_layers" => 0,
            "context_general" => 1,
            "context_lags" | "context_kernel" | "context_scalars" => 2,
            _ => 3,
        }
    }

    fn race_readout(
        run: &RoutingRun,
        input: usize,
        frame: &Frame,
        x: f64,
        y: f64,
    ) -> Option<String> {
        let (t, v) = frame.data_at(x, y)?;
        let recs = run.records();
        let k = nearest(recs.iter().map(|r| r.time), t)?;
        let rec = &recs[k];
        let task = run.task();
        let m = task.domains();
        let input = input.min(m - 1);
        let n_modes = task.n_modes().min(10);
        let (j, a) = (0..m)
            .flat_map(|j| (0..n_modes).map(move |a| (j, a)))
            .min_by(|&(j1, a1), &(j2, a2)| {
                let d = |j: usize, a: usize| (rec.modes[input * m + j][a] - v).abs();
                d(j1, a1).total_cmp(&d(j2, a2))
            })?;
        let q = input * m + j;
        let reduction = rec
            .theory
            .as_ref()
            .map(|th| format!(", reduction {}", fmt_num(th[q][a])))
            .unwrap_or_default();
        Some(format!(
            "t/τ = {} · input {input} → output {j} ({}) · mode {} (s = {}): {}{reduction}",
            fmt_num(rec.time),
            if task.trained(input, j) {
                "trained"
            } else {
                "never trained"
            },
            a + 1,
            fmt_num(task.svd.s[a]),
            fmt_num(rec.modes[q][a]),
        ))
    }
}

impl Chapter for Context {
    const ID: &'static str = "context";
    const FIELDS: &'static [crate::config::fields::Field] = super::FIELDS;
    const TITLE: &'static str = "Context and recurrent networks";
    const PANELS: &'static [PanelSpec] = &[
        PanelSpec::own(
            "context_race",
            "The race: each pathway's modes beside the reduction",
        ),
        PanelSpec::own(
            "context_layers",
            "The race of the layers: shared against domain",
        ),
        PanelSpec::own("context_general", "Untrained pathways from a random start"),
        PanelSpec::own("context_gates", "The gate matrix"),
        PanelSpec::own("context_lags", "A recurrent network's kernel against lag"),
        PanelSpec::own("context_kernel", "The kernel's lags over training"),
        PanelSpec::own(
            "context_scalars",
            "One mode's input, recurrent and readout strengths",
        ),
        PanelSpec::own(
            "context_relu",
            "ReLU and gated linear networks on a context task",
        ),
        PanelSpec::own("context_relu_gates", "The ReLU network's units as gates"),
    ];
    const CALLS: &'static [CallSpec] = &[
        CallSpec {
            name: "contextConfigure",
            args: 2,
            help: "merges a partial JSON config into one part (routing, general, recurrent or relu) and restarts it; answers contextState",
        },
        CallSpec {
            name: "contextToggleGate",
            args: 2,
            help: "switches pathway (input, output) between trained and untrained; answers whether it is now trained",
        },
        CallSpec {
            name: "contextGateAt",
            args: 2,
            help: "toggles the gate under device pixel (x, y) of the drawn gate matrix; {input, output, trained} or null outside it",
        },
        CallSpec {
            name: "contextInput",
            args: 1,
            help: "shows input domain i in the pathway panels",
        },
        CallSpec {
            name: "contextPresets",
            args: 0,
            help: "the chapter's presets: id, name, part and caption",
        },
        CallSpec {
            name: "contextPreset",
            args: 1,
            help: "loads a preset by id into its part; answers contextState",
        },
        CallSpec {
            name: "contextPlay",
            args: 1,
            help: "plays (true) or pauses (false) the chapter's runs; playing a finished chapter starts it again",
        },
        CallSpec {
            name: "contextAdvance",
            args: 1,
            help: "advances every unfinished run by n steps now, playing or not; true while any runs",
        },
        CallSpec {
            name: "contextReset",
            args: 0,
            help: "starts every run of the chapter again",
        },
        CallSpec {
            name: "contextState",
            args: 0,
            help: "the chapter's configs, progress, gates, labels and latest values",
        },
    ];

    fn version(&self, panel: &str, _shared: &Shared<'_>) -> Option<u64> {
        let v = self.versions[Self::part_of(panel)];
        Some(match panel {
            "context_race" | "context_general" | "context_gates" => {
                v.wrapping_mul(64).wrapping_add(self.input as u64)
            }
            _ => v,
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
            "context_race" => cc::draw_pathways(root, &self.race, self.input, theme),
            "context_general" => cc::draw_pathways(root, &self.general, self.input, theme),
            "context_gates" => cc::draw_gates(root, self.race.task(), Some(self.input), theme),
            "context_layers" => cc::draw_layers(root, &self.race, theme),
            "context_lags" => cc::draw_kernel_lags(root, &self.recurrent, 0, theme),
            "context_kernel" => cc::draw_kernel(root, &self.recurrent, 0, theme),
            "context_scalars" => cc::draw_scalars(root, &self.recurrent, 0, theme),
            "context_relu" => cc::draw_relu_modes(root, &self.relu.cmp, theme),
            _ => cc::draw_relu_gates(root, &self.relu.cmp, GATE_ROWS, theme),
        }
    }

    fn table(&self, panel: &str, _shared: &Shared<'_>) -> Option<Table> {
        match panel {
            "context_race" => Some(cc::pathways_table(&self.race, self.input)),
            "context_general" => Some(cc::pathways_table(&self.general, self.input)),
            "context_gates" => Some(cc::gates_table(self.race.task(), self.input)),
            "context_layers" => Some(cc::layers_table(&self.race)),
            "context_lags" => Some(cc::lags_table(&self.recurrent, 0)),
            "context_kernel" => Some(cc::kernel_table(&self.recurrent, 0)),
            "context_scalars" => Some(cc::scalars_table(&self.recurrent, 0)),
            "context_relu" => Some(cc::relu_modes_table(&self.relu.cmp)),
            _ => Some(cc::relu_gates_table(&self.relu.cmp, GATE_ROWS)),
        }
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
            "context_race" => Self::race_readout(&self.race, self.input, frame, x, y)
                .map(|s| format!("{s} · {}", self.race_label())),
            "context_general" => Self::race_readout(&self.general, self.input, frame, x, y)
                .map(|s| format!("{s} · no reduction: a random start is not decoupled")),
            "context_gates" => {
                let Frame::Grids { grids } = frame else {
                    return None;
                };
                let (i, j) = grids.first()?.cell_at(x, y)?;
                let trained = self.race.task().trained(i, j);
                Some(format!(
                    "input {i} → output {j}: {} · click to {}",
                    if trained { "trained" } else { "never trained" },
                    if trained {
                        "stop training it"
                    } else {
                        "train it"
                    }
                ))
            }
            "context_lags" => {
                let (l, v) = frame.data_at(x, y)?;
                let run = &self.recurrent;
                let target = &run.target_kernel()[0];
                let lag = l.round().clamp(0.0, target.len() as f64 - 1.0) as usize;
                let last = run.records().last()?;
                let th = last
                    .theory_kernel()
                    .map(|k| format!(", reduction {}", fmt_num(k[0][lag])))
                    .unwrap_or_default();
                let _ = v;
                Some(format!(
                    "lag {lag}: target {}, learned c·m^lag·b = {}{th} at t/τ = {} · {}",
                    fmt_num(target[lag]),
                    fmt_num(last.kernel[0][lag]),
                    fmt_num(last.time),
                    self.recurrent_label()
                ))
            }
            "context_kernel" => {
                let (t, v) = frame.data_at(x, y)?;
                let run = &self.recurrent;
                let recs = run.records();
                let rec = &recs[nearest(recs.iter().map(|r| r.time), t)?];
                let lags = rec.kernel[0].len();
                let lag = (0..lags).min_by(|&a, &b| {
                    (rec.kernel[0][a] - v)
                        .abs()
                        .total_cmp(&(rec.kernel[0][b] - v).abs())
                })?;
                let th = rec
                    .theory_kernel()
                    .map(|k| format!(", reduction {}", fmt_num(k[0][lag])))
                    .unwrap_or_default();
                Some(format!(
                    "t/τ = {} · lag {lag}: simulation {}{th}, target {}",
                    fmt_num(rec.time),
                    fmt_num(rec.kernel[0][lag]),
                    fmt_num(run.target_kernel()[0][lag])
                ))
            }
            "context_layers" => {
                let (t, _) = frame.data_at(x, y)?;
                cc::layers_readout(&self.race, t)
            }
            "context_scalars" => {
                let (t, _) = frame.data_at(x, y)?;
                let recs = self.recurrent.records();
                let rec = &recs[nearest(recs.iter().map(|r| r.time), t)?];
                let fmt3 = |s: &super::recurrent::ModeScalars| {
                    format!(
                        "b = {}, m = {}, c = {}",
                        fmt_num(s.b[0]),
                        fmt_num(s.m[0]),
                        fmt_num(s.c[0])
                    )
                };
                let sim = rec.scalars.as_ref().map(fmt3);
                let th = rec.theory.as_ref().map(fmt3);
                Some(match (sim, th) {
                    (Some(s), Some(t)) => format!(
                        "t/τ = {} · simulation {s} · reduction {t}",
                        fmt_num(rec.time)
                    ),
                    (Some(s), None) => format!("t/τ = {} · simulation {s}", fmt_num(rec.time)),
                    _ => format!(
                        "t/τ = {} · no b, m, c: a random start is not aligned",
                        fmt_num(rec.time)
                    ),
                })
            }
            "context_relu" => {
                let (t, v) = frame.data_at(x, y)?;
                let cmp = &self.relu.cmp;
                let recs = cmp.records();
                let rec = &recs[nearest(recs.iter().map(|r| r.time), t)?];
                let mean = cc::context_mean;
                let n = cmp.task.svd.s.len().min(10);
                let a = (0..n).min_by(|&a, &b| {
                    let d = |a: usize| {
                        (mean(&rec.gated_modes, a) - v)
                            .abs()
                            .min((mean(&rec.relu_modes, a) - v).abs())
                    };
                    d(a).total_cmp(&d(b))
                })?;
                Some(format!(
                    "t/τ = {} · mode {} (s = {}): gated linear {}, ReLU {} · both simulated; the ReLU network has no theory",
                    fmt_num(rec.time),
                    a + 1,
                    fmt_num(cmp.task.svd.s[a]),
                    fmt_num(mean(&rec.gated_modes, a)),
                    fmt_num(mean(&rec.relu_modes, a))
                ))
            }
            _ => {
                let Frame::Grids { grids } = frame else {
                    return None;
                };
                let (r, c) = grids.first()?.cell_at(x, y)?;
                let cmp = &self.relu.cmp;
                let cc::GateMap { act, order, .. } = cc::gate_map(cmp, GATE_ROWS);
                let k = *order.get(r)?;
                Some(format!(
                    "unit {k}, context {c}: on for {}% of items · simulation only, no theory",
                    (100.0 * act[(k, c)]).round()
                ))
            }
        }
    }

    fn call(&mut self, name: &str, args: &[Value], cx: CallContext<'_>) -> CallResult {
        match name {
            "contextConfigure" => {
                let part = match args.first() {
                    Some(Value::String(s)) => s.clone(),
                    Some(v) => {
                        return Err(CallError::new(
                            "part",
                            format!(
                                "must be routing, general, recurrent or relu; got {}",
                                crate::config::echo::clip(&v.to_string())
                            ),
                        ))
                    }
                    None => return Err(CallError::new("part", "is missing")),
                };
                let patch = match args.get(1) {
                    Some(Value::String(text)) => serde_json::from_str(text).map_err(|e| {
                        CallError::new(part.as_str(), format!("is not valid JSON: {e}"))
                    })?,
                    Some(v) => v.clone(),
                    None => return Err(CallError::new(part.as_str(), "is missing")),
                };
                self.configure(&part, &patch)?;
                self.preset = None;
                Ok(self.state())
            }
            "contextToggleGate" => {
                let i = whole(args, 0, "gates.input", u64::from(u32::MAX))? as usize;
                let j = whole(args, 1, "gates.output", u64::from(u32::MAX))? as usize;
                Ok(Value::Bool(self.toggle_gate(i, j)?))
            }
            "contextGateAt" => {
                let (x, y) = (number(args, 0, "gates.x")?, number(args, 1, "gates.y")?);
                let cell = match cx.frames.get("context_gates") {
                    Some(Frame::Grids { grids }) => grids.first().and_then(|g| g.cell_at(x, y)),
                    _ => None,
                };
                let Some((i, j)) = cell else {
                    return Ok(Value::Null);
                };
                let trained = self.toggle_gate(i, j)?;
                Ok(json!({"input": i, "output": j, "trained": trained}))
            }
            "contextInput" => {
                let m = self.race.task().domains();
                let i = whole(args, 0, "input", u64::from(u32::MAX))? as usize;
                if i >= m {
                    return Err(CallError::new(
                        "input",
                        format!("must be an input domain from 0 to {}; got {i}", m - 1),
                    ));
                }
                self.input = i;
                Ok(Value::Null)
            }
            "contextPresets" => Ok(to_value(chapter_presets())),
            "contextPreset" => {
                let id = text(args, 0, "preset", "a preset id")?;
                self.apply_preset(id)?;
                Ok(self.state())
            }
            "contextPlay" => {
                let on = flag(args, 0, "playing", Some(true))?;
                if on && !self.running() {
                    self.reset();
                }
                self.playing = on;
                Ok(Value::Bool(self.playing))
            }
            "contextAdvance" => {
                let n = whole(args, 0, "steps", 1_000_000)?;
                Ok(Value::Bool(self.advance_all(n)))
            }
            "contextReset" => {
                self.reset();
                Ok(Value::Null)
            }
            "contextState" => Ok(self.state()),
            other => Err(CallError::new(
                "call",
                format!("context has no call {other:?}"),
            )),
        }
    }

    fn work(&mut self, steps: u64, _shared: &Shared<'_>) -> bool {
        if !self.playing {
            return false;
        }
        let more = self.advance_all(steps);
        if !more {
            self.playing = false;
        }
        more
    }

    fn status(&self) -> Value {
        json!({
            "playing": self.playing,
            "version": self.counter,
            "steps": [self.race.step_count(), self.general.step_count(),
                      self.recurrent.step_count(), self.relu.cmp.step_count()],
        })
    }
}

/// The reduction's label from whether there is one and its measured gap to the simulation.
fn label(has: bool, gap: f64, unit: &str, start: &str) -> String {
    if !has {
        format!("no reduction: a random start is not {start}")
    } else if gap <= EXACT {
        format!(
            "exact: the reduced map of gradient descent from this {start} start matches the simulation to rounding (largest gap {} of {unit})",
            fmt_num(gap)
        )
    } else {
        format!(
            "reduced map of gradient descent: it differs from the simulation by up to {} of {unit}, so it is not exact here",
            fmt_num(gap)
        )
    }
}
