//! One training run: dataset, network, trainer, theory overlay and history, advanced together on
//! one time axis. Everything the page, the JS API and the CLI show comes from here.
//!
//! Beside it: its [`history`] of records and snapshots, the semantic [`measures`] computed from
//! them, the [`session`] of one run and an optional second network, and the [`export`] of what a
//! run recorded.

pub mod export;
pub mod history;
pub mod measures;
pub mod session;
pub mod studies;

pub use session::Session;

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use ndarray::Array2;
use serde::Serialize;

use crate::config::fields::{self, Apply};
use crate::config::ValidConfig;
use crate::engine::data::Dataset;
use crate::engine::init::initialise;
use crate::engine::network::{mode_strengths_of, Network};
use crate::engine::rng::Rng;
use crate::engine::train::Trainer;
use crate::linalg::Svd;
use crate::run::history::{History, Record, Snapshot};
use crate::run::measures::{
    category_members, category_threshold, gram, illusions, predicted_crossings,
    predicted_illusions_noted, simulated_crossings, Candidate, Illusion, Typicality,
};
use crate::theory::predict::{Prediction, Quality};

/// Most records a history keeps before it thins itself out.
pub const HISTORY_CAP: usize = 4000;
/// Numbers the snapshots of one run may hold in all (16 MB of f64).
const SNAPSHOT_BUDGET: usize = 2_000_000;

/// How many snapshots fit the budget for a network of these layer sizes (16 to 400).
fn snapshot_cap(dims: &[usize], items: usize) -> usize {
    let nd = dims[dims.len() - 1];
    let n1 = if dims.len() > 2 { dims[1] } else { 0 };
    let size = nd * items + n1 * items + nd * n1;
    (SNAPSHOT_BUDGET / size.max(1)).clamp(16, 400)
}

/// A simulated representational similarity matrix and its prediction at the same time.
#[derive(Clone, Debug, Serialize)]
pub struct RsmPair {
    pub step: u64,
    pub sim: Vec<Vec<f64>>,
    pub theory: Option<Vec<Vec<f64>>>,
}

fn rows(m: &Array2<f64>) -> Vec<Vec<f64>> {
    m.rows().into_iter().map(|r| r.to_vec()).collect()
}

/// What applying a new config did.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// Nothing changed.
    None,
    /// Applied to the running network without a restart.
    Live,
    /// The run restarted from step 0 because of the named structural changes.
    Reset(String),
}

/// How a run stands.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Running,
    Finished,
    Diverged,
}

/// What the prediction of a run is.
#[derive(Clone, Debug, Serialize)]
pub struct TheoryInfo {
    /// Equal to gradient descent to rounding (the exact map of decoupled modes); false for
    /// gradient flow, approximations and references.
    pub exact: bool,
    /// The linear theory drawn beside a nonlinear network: a reference, not a prediction.
    pub reference_only: bool,
    /// `exact`, `gradient_flow`, `approximate` or `reference`.
    pub kind: Quality,
    pub label: String,
    /// The continuous-time curve that can be drawn beside an exact map, or none.
    pub flow_label: Option<String>,
    /// Where an approximation stops holding, when this run lies outside that range.
    pub validity: Option<String>,
}

/// What `state()` reports: a small summary of where the run is.
#[derive(Clone, Debug, Serialize)]
pub struct State {
    pub step: u64,
    pub time: f64,
    /// The rate of each step on the summed loss, the theory's η (`train.lr`, or `2 lr / (P F)`
    /// with the mean loss): `time` advances by it at every step.
    pub rate: f64,
    pub loss: f64,
    pub modes: Vec<f64>,
    pub theory_modes: Option<Vec<f64>>,
    pub theory_loss: Option<f64>,
    /// Predicted step at which each mode is half learned (null where there is no prediction).
    pub learned_at: Vec<Option<f64>>,
    /// The same on the papers' gradient-flow curve, when it is drawn beside an exact or
    /// approximate map (`flow_label`); none otherwise.
    pub learned_at_flow: Option<Vec<Option<f64>>>,
    /// What the prediction is (`{exact, reference_only, label}`), or none.
    pub theory: Option<TheoryInfo>,
    /// Why there is no prediction, or why the one drawn is a reference only (nonlinear
    /// networks); none for a linear network with a prediction.
    pub theory_note: Option<String>,
    pub singular_values: Vec<f64>,
    /// The first hidden layer's RSM at the last snapshot, simulated and predicted
    /// (`V A(t)^(2/D) V^T`; `V A V^T` for one hidden layer); none for a shallow network.
    pub rsm: Option<RsmPair>,
    /// Semantic illusions ranked by the overshoot rule (docs/theory.md §2.3.4), at most 10.
    pub illusions: Vec<Illusion>,
    /// Why `illusions` comes from a scan of only part of the outputs, if it does.
    pub illusion_note: Option<String>,
    pub diverged: bool,
    pub finished: bool,
    pub message: Option<String>,
    /// What the finished run should be read with (dead relu units), or none.
    pub note: Option<String>,
}

/// The id of the next run built (see [`Run::revision`]).
static NEXT_RUN_ID: AtomicU64 = AtomicU64::new(1);

/// Values derived from a run and kept for it, by name (see [`Run::with_memo`]).
type Memo = HashMap<&'static str, Box<dyn Any + Send>>;

pub struct Run {
    cfg: ValidConfig,
    /// Unique to this run (a reset or a restart builds a new one).
    id: u64,
    /// Bumped by every change of what the run shows (steps, config).
    version: u64,
    /// Values derived from the run that charts keep between frames (emptied when the config
    /// changes; a new run starts with none).
    memo: RefCell<Memo>,
    data: Dataset,
    svd: Svd,
    net: Network,
    trainer: Trainer,
    /// The factor `k` of the config's loss (`train.loss`): the loss reported is `k` times
    /// `1/2 sum ||y - W x||^2` and a step of rate `lr` is a step of rate `k lr` on the summed
    /// loss (1 for `sum`, `2/(P F)` for `mean`).
    loss_factor: f64,
    prediction: Result<Prediction, String>,
    /// Predicted half-learning time of each mode (units of tau), computed once.
    half_times: Vec<Option<f64>>,
    /// The strongest predicted illusions, computed once.
    illusion_candidates: Vec<Candidate>,
    /// Why the illusion scan covered only part of the outputs, if it did.
    illusion_note: Option<String>,
    /// Predicted crossing times (units of tau) of the typicality threshold, by mode.
    typicality_cache: RefCell<HashMap<usize, Vec<Option<f64>>>>,
    /// The simulated crossings of the last mode asked, with the snapshots they were read from
    /// (their count and last step): a chart redrawn every frame scans the snapshots only when
    /// one was added.
    crossing_cache: RefCell<Option<CrossingCache>>,
    step: u64,
    time: f64,
    initial_loss: f64,
    loss: f64,
    status: Status,
    message: Option<String>,
    /// Set when the run finishes: see [`State::note`].
    note: Option<String>,
    history: History,
}

/// Simulated typicality crossings of one mode, with the snapshots they came from: (mode,
/// snapshot count, last snapshot step).
#[derive(Clone, Debug)]
struct CrossingCache {
    key: (usize, usize, Option<u64>),
    sim: Vec<Option<f64>>,
}

impl Run {
    /// Builds a run from a checked config.
    pub fn new(cfg: &ValidConfig) -> Run {
        let data = Dataset::from_config(cfg);
        let svd = Svd::new(&data.sigma_yx().view());
        let dims = cfg.layer_dims();
        let mut rng = Rng::new(cfg.train.seed);
        let net =
            initialise(&cfg.init, &dims, &svd, &mut rng).with_activation(cfg.network.activation);
        let trainer = Trainer::new(&net, &data);
        let data_items = data.n_items();
        let loss_factor = cfg.train.loss.factor(data.n_items(), data.n_outputs());
        let prediction = Prediction::for_run(cfg, &data, &svd, &net);
        let half_times = match &prediction {
            Ok(p) => p.half_times(),
            Err(_) => vec![None; svd.s.len()],
        };
        let (illusion_candidates, illusion_note) = match &prediction {
            // The scan reads outputs off the predicted map, which is the output for one-hot items.
            Ok(p) if data.one_hot => predicted_illusions_noted(p, &svd, &data.y, 50, 0.01),
            _ => (vec![], None),
        };
        let loss = net.loss(&data);
        let mut run = Run {
            cfg: cfg.clone(),
            id: NEXT_RUN_ID.fetch_add(1, Ordering::Relaxed),
            version: 0,
            memo: RefCell::new(HashMap::new()),
            data,
            svd,
            net,
            trainer,
            loss_factor,
            prediction,
            half_times,
            illusion_candidates,
            illusion_note,
            typicality_cache: RefCell::new(HashMap::new()),
            crossing_cache: RefCell::new(None),
            step: 0,
            time: 0.0,
            initial_loss: loss,
            loss: loss_factor * loss,
            status: Status::Running,
            message: None,
            note: None,
            history: History::new(cfg.train.record_every, HISTORY_CAP)
                .with_snapshot_cap(snapshot_cap(&dims, data_items)),
        };
        run.record();
        run
    }

    /// Applies a new checked config. Changes of fields the field table marks live (the learning
    /// rate, the run length) apply to the running network, and so do the depth sweep's settings
    /// (not part of the run); any other change rebuilds the run from step 0, and the returned
    /// [`Change::Reset`] names the fields that forced it.
    pub fn reconfigure(&mut self, cfg: &ValidConfig) -> Change {
        let changed = fields::changed(&self.cfg, cfg);
        let restart: Vec<String> = changed
            .iter()
            .filter(|f| f.apply == Apply::Restart)
            .map(|f| f.label.to_lowercase())
            .collect();
        if !restart.is_empty() {
            *self = Run::new(cfg);
            return Change::Reset(restart.join(", "));
        }
        self.version += 1;
        self.memo.borrow_mut().clear();
        let live = changed.iter().any(|f| f.apply == Apply::Live);
        let rate = (self.cfg.train.lr, self.cfg.train.steps) != (cfg.train.lr, cfg.train.steps);
        self.cfg = cfg.clone();
        if rate {
            // The exact map continues from where it is, at the new rate.
            self.reproject();
        }
        self.follow_steps();
        if live {
            Change::Live
        } else {
            Change::None
        }
    }

    /// Restarts the run from step 0 with the same config.
    pub fn reset(&mut self) {
        *self = Run::new(&self.cfg);
    }

    /// Projects the exact map's drawing tables anew from the current step, at the current rate
    /// and to the current end of the run.
    fn reproject(&mut self) {
        let (lr, steps) = (self.rate(), self.cfg.train.steps);
        if let Ok(p) = self.prediction.as_mut() {
            p.set_rate(lr, steps);
        }
    }

    /// The rate of each step on the summed loss `1/2 sum ||y - W x||^2`, the theory's `eta`:
    /// `train.lr` with the summed loss, `2 lr / (P F)` with the mean loss. Time `t/tau` advances
    /// by it at every step.
    pub fn rate(&self) -> f64 {
        self.cfg.train.lr * self.loss_factor
    }

    /// The factor of the config's loss: the loss reported is this times `1/2 sum ||y - W x||^2`.
    pub fn loss_factor(&self) -> f64 {
        self.loss_factor
    }

    /// A finished run resumes when it is lengthened, and a running one ends when shortened.
    fn follow_steps(&mut self) {
        let steps = self.cfg.train.steps;
        if self.status == Status::Finished && self.step < steps {
            self.status = Status::Running;
            self.note = None;
        } else if self.status == Status::Running && self.step >= steps {
            self.finish();
        }
    }

    /// Takes up to `n` gradient steps (fewer when the run ends or diverges). Returns the number taken.
    pub fn advance(&mut self, n: u64) -> u64 {
        let status = self.status.clone();
        let taken = self.advance_steps(n);
        if taken > 0 || self.status != status {
            self.version += 1;
        }
        taken
    }

    /// What identifies the state the run shows: `(id, version)`, where the id is unique to this
    /// run (a reset or restart builds a new run) and the version changes with every step or
    /// config change. Two calls that return the same pair see the same run in the same state.
    pub fn revision(&self) -> (u64, u64) {
        (self.id, self.version)
    }

    /// Runs `f` on the value kept for this run under `key` (a `T::default()` the first time), for
    /// derived values that stay valid while the run is unchanged or only grows (e.g. positions
    /// per snapshot). Values are dropped when the config changes. `f` must not call `with_memo`.
    pub fn with_memo<T: Default + Send + 'static, R>(
        &self,
        key: &'static str,
        f: impl FnOnce(&mut T) -> R,
    ) -> R {
        let mut memo = self.memo.borrow_mut();
        let slot = memo.entry(key).or_insert_with(|| Box::new(T::default()));
        if !slot.is::<T>() {
            *slot = Box::new(T::default());
        }
        match slot.downcast_mut::<T>() {
            Some(v) => f(v),
            None => f(&mut T::default()),
        }
    }

    fn advance_steps(&mut self, n: u64) -> u64 {
        let mut taken = 0;
        while taken < n && self.status == Status::Running {
            let lr = self.rate();
            let before = self.trainer.step(&mut self.net, &self.data, lr);
            if !before.is_finite() || before > self.divergence_bound() || !self.net.is_finite() {
                self.diverge();
                break;
            }
            if let Ok(p) = self.prediction.as_mut() {
                p.step(lr);
            }
            self.step += 1;
            self.time += lr;
            taken += 1;
            let last = self.step >= self.cfg.train.steps;
            if self.history.due(self.step) || last {
                self.record();
                if self.status != Status::Running {
                    break;
                }
            }
            if last {
                self.finish();
            }
        }
        taken
    }

    /// Ends the run, with a note when hidden relu units died on the way.
    fn finish(&mut self) {
        self.status = Status::Finished;
        let (dead, total) = self.net.dead_units(&self.data);
        self.note = (dead > 0).then(|| {
            let all = if dead == total {
                " The network's output no longer depends on its input through any hidden \
                 unit, and no gradient reaches the first layers: a smaller learning rate or \
                 initial scale keeps them alive."
            } else {
                ""
            };
            format!("{dead} of {total} hidden units are dead (never active on any item).{all}")
        });
    }

    /// The note of a finished run (see [`State::note`]).
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    fn divergence_bound(&self) -> f64 {
        1e6 * self.initial_loss.max(self.data.target_norm()).max(1.0)
    }

    fn diverge(&mut self) {
        self.status = Status::Diverged;
        let s_max = self.svd.s.first().copied().unwrap_or(0.0);
        let c = self.data.whitening().unwrap_or(1.0).max(1e-300);
        // The local rule of docs/theory.md §0.5: lr < 2 / (c D (s/c)^(2 - 2/D)) near the balanced
        // solution. Far from it (a large or unbalanced start) the curvature can be larger, so a
        // run can diverge below it; the message says which rule stopped the run.
        let local = crate::theory::stability_bound(self.cfg.depth(), s_max / c) / c;
        let lr = self.rate();
        let mean = if self.loss_factor != 1.0 {
            format!(
                " (With the mean loss, train.lr = {} is the rate {lr:.3e} on the summed loss, \
                 2·lr/(P·F); the bounds are for that rate.)",
                self.cfg.train.lr
            )
        } else {
            String::new()
        };
        let why = if lr >= local {
            format!(
                "it is above {local:.3}, the largest rate at which gradient descent is stable \
                 near the solution (2/(D s₁^(2−2/D)))"
            )
        } else {
            format!(
                "it is below {local:.3}, the largest rate that is stable near the solution \
                 (2/(D s₁^(2−2/D))), but that bound holds only near the solution: on the way \
                 there, from this start, the loss surface is steeper"
            )
        };
        self.message = Some(format!(
            "Training diverged at step {}: the loss grew past {:.0e}, a million times the \
             larger of its starting value and ½‖Y‖² (or stopped being a number). The learning \
             rate {lr} is too large for this start: {why}.{mean} Lower the learning rate and \
             reset.",
            self.step,
            self.divergence_bound()
        ));
    }

    /// Measures the current state and appends it to the history.
    fn record(&mut self) {
        let out = self.net.output(&self.data);
        let loss = 0.5 * (&self.data.y - &out).iter().map(|e| e * e).sum::<f64>();
        if !loss.is_finite() || loss > self.divergence_bound() {
            self.diverge();
            return;
        }
        let loss = self.loss_factor * loss;
        self.loss = loss;
        // The modes of W_tot, through the layers (a linear network), or of a nonlinear network's
        // map on the items.
        let modes = if self.net.is_linear() {
            self.net.mode_strengths(&self.svd)
        } else if self.data.one_hot {
            mode_strengths_of(&out, &self.svd)
        } else {
            mode_strengths_of(&self.net.io_map(&self.data), &self.svd)
        };
        if self.history.snapshot_due(self.step) || self.step >= self.cfg.train.steps {
            let snap = self.snapshot(out);
            self.history.push_snapshot(snap);
        }
        let predicted = self.prediction.as_ref().ok().map(|p| p.now(self.time));
        self.history.push(Record {
            step: self.step,
            time: self.time,
            loss,
            modes,
            theory_loss: predicted.as_ref().map(|p| p.loss),
            theory: predicted.map(|p| p.modes),
        });
    }

    /// The current state for scrubbing: outputs, first hidden layer (after the nonlinearity),
    /// and the linear readout `W_D ... W_2` (none when the layers above are not linear).
    fn snapshot(&self, output: Array2<f64>) -> Snapshot {
        let w = &self.net.weights;
        let hidden = self.net.first_hidden(&self.data);
        let readout = (w.len() >= 2 && self.net.is_linear()).then(|| {
            let mut readout = w[1].clone();
            for wl in &w[2..] {
                readout = crate::engine::kernels::matmul(&wl.view(), &readout.view());
            }
            readout
        });
        Snapshot {
            step: self.step,
            time: self.time,
            output,
            hidden,
            readout,
        }
    }

    /// The step at which the run reaches time `t` (units of tau): read off the history for the
    /// past, extrapolated at the current learning rate for the future.
    pub fn step_at_time(&self, t: f64) -> f64 {
        if t >= self.time {
            return self.step as f64 + (t - self.time) / self.rate();
        }
        let recs = self.history.records();
        let i = recs.partition_point(|r| r.time < t);
        match (i.checked_sub(1).and_then(|k| recs.get(k)), recs.get(i)) {
            (Some(a), Some(b)) if b.time > a.time => {
                a.step as f64 + (t - a.time) / (b.time - a.time) * (b.step - a.step) as f64
            }
            (_, Some(b)) => b.step as f64,
            _ => self.step as f64,
        }
    }

    /// The time (units of tau) the run had reached at `step`: read off the history for the past,
    /// extrapolated at the current learning rate for the future.
    pub fn time_at_step(&self, step: f64) -> f64 {
        if step >= self.step as f64 {
            return self.time + (step - self.step as f64) * self.rate();
        }
        let recs = self.history.records();
        let i = recs.partition_point(|r| (r.step as f64) < step);
        match (i.checked_sub(1).and_then(|k| recs.get(k)), recs.get(i)) {
            (Some(a), Some(b)) if b.step > a.step => {
                a.time + (step - a.step as f64) / (b.step - a.step) as f64 * (b.time - a.time)
            }
            (_, Some(b)) => b.time,
            _ => self.time,
        }
    }

    /// Typicality of category mode `alpha` as crossing times of one threshold (see
    /// `measures::Typicality`): simulated from the snapshots, predicted from the mode strength
    /// (the predicted times in units of tau are cached per mode; they are returned in steps).
    pub fn typicality(&self, alpha: usize) -> Typicality {
        let v = self.svd.v.column(alpha);
        let members = category_members(v);
        let c = self.data.whitening().unwrap_or(1.0);
        let threshold = category_threshold(self.svd.s[alpha], c, v, &members);
        let cached = self.typicality_cache.borrow().get(&alpha).cloned();
        let times = cached.unwrap_or_else(|| {
            let t = match &self.prediction {
                Ok(p) => predicted_crossings(p, &self.svd.s, alpha, v, &members, threshold),
                Err(_) => vec![None; v.len()],
            };
            self.typicality_cache.borrow_mut().insert(alpha, t.clone());
            t
        });
        let snaps = self.history.snapshots();
        let key = (alpha, snaps.len(), snaps.last().map(|s| s.step));
        let cached = self
            .crossing_cache
            .borrow()
            .as_ref()
            .filter(|c| c.key == key)
            .map(|c| c.sim.clone());
        let sim = cached.unwrap_or_else(|| {
            let outs: Vec<&Array2<f64>> = snaps.iter().map(|s| &s.output).collect();
            let steps: Vec<f64> = snaps.iter().map(|s| s.step as f64).collect();
            let sim = simulated_crossings(
                &outs,
                &steps,
                self.svd.u.column(alpha),
                v,
                &members,
                threshold,
            );
            *self.crossing_cache.borrow_mut() = Some(CrossingCache {
                key,
                sim: sim.clone(),
            });
            sim
        });
        Typicality {
            mode: alpha,
            v: v.to_vec(),
            members,
            threshold,
            sim,
            theory: times
                .into_iter()
                .map(|t| t.map(|t| self.step_at_time(t)))
                .collect(),
        }
    }

    /// Predicted step at which each mode is half learned (`None` where the prediction has none).
    pub fn learned_at(&self) -> Vec<Option<f64>> {
        if let Some(steps) = self.prediction.as_ref().ok().and_then(|p| p.half_steps()) {
            return steps;
        }
        self.half_times
            .iter()
            .map(|t| t.map(|t| self.step_at_time(t)))
            .collect()
    }

    /// Step at which each mode is half learned on the papers' gradient-flow curve, mapped onto
    /// the run's steps (the milestones the page reads when it shows that curve).
    pub fn learned_at_flow(&self) -> Vec<Option<f64>> {
        self.half_times
            .iter()
            .map(|t| t.map(|t| self.step_at_time(t)))
            .collect()
    }

    pub fn state(&self) -> State {
        let last = self.history.last();
        State {
            step: self.step,
            time: self.time,
            rate: self.rate(),
            loss: self.loss,
            modes: last.map(|r| r.modes.clone()).unwrap_or_default(),
            theory_modes: last.and_then(|r| r.theory.clone()),
            theory_loss: last.and_then(|r| r.theory_loss),
            learned_at: self
                .learned_at()
                .into_iter()
                .map(|s| s.map(f64::round))
                .collect(),
            learned_at_flow: self
                .prediction
                .as_ref()
                .is_ok_and(|p| p.has_flow_curve())
                .then(|| {
                    self.learned_at_flow()
                        .into_iter()
                        .map(|s| s.map(f64::round))
                        .collect()
                }),
            theory: self.prediction.as_ref().ok().map(|p| TheoryInfo {
                exact: p.exact,
                reference_only: p.reference_only,
                kind: p.kind(),
                label: p.label.clone(),
                flow_label: p.flow_label.clone(),
                validity: p.validity.clone(),
            }),
            theory_note: self.theory_note(),
            singular_values: self.svd.s.clone(),
            rsm: self.rsm(),
            illusions: self.illusions(10),
            illusion_note: self.illusion_note.clone(),
            diverged: self.status == Status::Diverged,
            finished: self.status == Status::Finished,
            message: self.message.clone(),
            note: self.note.clone(),
        }
    }

    pub fn config(&self) -> &ValidConfig {
        &self.cfg
    }
    pub fn data(&self) -> &Dataset {
        &self.data
    }
    pub fn svd(&self) -> &Svd {
        &self.svd
    }
    /// Floating-point operations in one training step of this run (the page's cost model).
    pub fn flops_per_step(&self) -> f64 {
        crate::engine::train::flops_per_step(self.network(), self.data())
    }

    pub fn network(&self) -> &Network {
        &self.net
    }
    pub fn history(&self) -> &History {
        &self.history
    }
    /// The RSM of the first hidden layer at the last snapshot, with its prediction.
    pub fn rsm(&self) -> Option<RsmPair> {
        let snap = self.history.snapshots().last()?;
        let sim = gram(snap.hidden.as_ref()?);
        let theory = self
            .prediction
            .as_ref()
            .ok()
            .and_then(|p| p.hidden_gram_at(snap.time));
        Some(RsmPair {
            step: snap.step,
            sim: rows(&sim),
            theory: theory.as_ref().map(rows),
        })
    }

    /// Semantic illusions ranked by the overshoot rule (docs/theory.md §2.3.4), at most `top`: see
    /// [`measures::illusions`].
    pub fn illusions(&self, top: usize) -> Vec<Illusion> {
        let predicted = match self.prediction {
            Ok(_) => &self.illusion_candidates[..],
            Err(_) => &[],
        };
        illusions(
            &self.data,
            self.history.snapshots(),
            predicted,
            |t| self.step_at_time(t),
            top,
        )
    }

    /// Why [`Run::illusions`] comes from a scan of only part of the outputs, if it does.
    pub fn illusion_note(&self) -> Option<&str> {
        self.illusion_note.as_deref()
    }

    /// The strongest predicted illusions (empty without a prediction).
    pub fn illusion_candidates(&self) -> &[Candidate] {
        &self.illusion_candidates
    }

    /// Why there is no prediction, or why the one there is only a reference.
    pub fn theory_note(&self) -> Option<String> {
        match &self.prediction {
            Ok(p) => p.note.clone(),
            Err(why) => Some(why.clone()),
        }
    }

    /// The prediction for this run, or the reason there is none.
    pub fn prediction(&self) -> Result<&Prediction, &str> {
        self.prediction.as_ref().map_err(|s| s.as_str())
    }
    pub fn status(&self) -> &Status {
        &self.status
    }
    pub fn step_count(&self) -> u64 {
        self.step
    }
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
    /// Training time so far, t/τ = Σ η, with η the rate on the summed loss ([`Run::rate`]).
    pub fn time(&self) -> f64 {
        self.time
    }
    /// The loss at the current step.
    pub fn loss(&self) -> f64 {
        self.loss
    }

    /// The network's current output for every item (`features x items`).
    pub fn output(&self) -> Array2<f64> {
        self.net.output(&self.data)
    }
}
