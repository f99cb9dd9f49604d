//! Learning time against depth for several initialisations (SMG14 Figs 4 and 6A, docs/theory.md §1.6
//! and 6.5), computed in small slices of work so that a page can run it between frames.
//!
//! Learning time is the first step at which the loss falls to `threshold` times
//! `1/2 ||Y||^2`, the loss of a network that starts at zero (for one-hot items and the
//! task of docs/theory.md §6.5 this is `||W_tot - T||^2 / ||T||^2 < threshold`). The learning rate of
//! each depth is set by the sweep's policy:
//!
//! * `fixed`: `train.lr` for every depth;
//! * `inverse_depth`: `train.lr * 2 / D`, the rate of a two-layer network falling as 1/D (SMG14:
//!   with rates that scale as 1/depth, decoupled networks learn in a depth-independent number
//!   of steps, and orthogonal ones do too);
//! * `stable`: `lr_factor * 2 / (D s_max^(2 - 2/D))`, a fixed fraction of the largest stable rate
//!   of a balanced network at convergence (docs/theory.md §0.5; with correlated inputs the
//!   smallest over the modes of `2 / (D s^(2 - 2/D) c^(2/D - 1))`, and `2 / lambda_max` for D = 1);
//! * `optimal`: the fastest of eight log-spaced rates from the bound down to 1/1000 of it, as
//!   SMG14 chose per depth.

use std::collections::BTreeMap;

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::config::{
    Config, DatasetConfig, InitConfig, InitKind, LrPolicy, SweepConfig, SweepData, SweepInit,
    ValidConfig,
};
use crate::engine::data::Dataset;
use crate::engine::init::initialise;
use crate::engine::network::Network;
use crate::engine::rng::Rng;
use crate::engine::train::Trainer;
use crate::linalg::Svd;
use crate::theory::predict::Prediction;
use crate::theory::{stability_bound, stability_bound_modes, LayerMap};

/// How one training run of a sweep ended.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The loss fell to the threshold at this step.
    Reached(u64),
    /// Still above the threshold after `max_steps`.
    NotReached,
    /// The loss became non-finite or grew past 1e8 times the threshold loss (at every rate
    /// tried, for the `optimal` policy).
    Diverged,
}

impl Outcome {
    /// The learning time, with failures ordered after every success.
    fn key(self) -> u64 {
        match self {
            Outcome::Reached(t) => t,
            Outcome::NotReached => u64::MAX - 1,
            Outcome::Diverged => u64::MAX,
        }
    }
}

/// The median of the seeds' outcomes (failures count as slower than any success): a time, or
/// the failure the middle seed had.
pub fn median_outcome(runs: &[Outcome]) -> Option<Outcome> {
    let mut sorted = runs.to_vec();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by_key(|o| o.key());
    Some(sorted[(sorted.len() - 1) / 2])
}

/// The results of a sweep so far (learning times in steps).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct SweepResults {
    pub depths: Vec<usize>,
    pub threshold: f64,
    /// Training runs per initialisation and depth.
    pub seeds: usize,
    /// The median learning time over the seeds; `None` where the median seed did not reach the
    /// threshold (see `outcomes` for why) or the depth is not done yet.
    pub learning_time: BTreeMap<String, Vec<Option<u64>>>,
    /// Every seed's outcome, per initialisation and depth (empty until the depth is done).
    pub outcomes: BTreeMap<String, Vec<Vec<Outcome>>>,
    /// The fastest and slowest seed that reached the threshold (the band drawn around the
    /// median).
    pub low: BTreeMap<String, Vec<Option<u64>>>,
    pub high: BTreeMap<String, Vec<Option<u64>>>,
    /// The learning rate used for each init and depth (the median seed's, for `optimal`).
    pub lr: BTreeMap<String, Vec<Option<f64>>>,
    /// The predictions, in steps at the rate used: `balanced`, gradient flow of the balanced
    /// start; `pretrained`, the exact steps of the pretrained start ([`LayerMap`]), only where
    /// the inputs satisfy SMG14 eq. 18 (see `consistency`) and the hidden layers are as wide
    /// as the inputs' rank, the conditions under which that start is decoupled.
    pub theory: BTreeMap<String, Vec<Option<f64>>>,
    /// SMG14's consistency condition (eq. 18) on the sweep's task: how far `V^T Sigma_xx V` is
    /// from diagonal, `||off-diagonal|| / ||V^T Sigma_xx V||` (Frobenius norms) over the task's
    /// modes. 0 for one-hot items and for inputs correlated along the task's own directions:
    /// then greedy pretraining ends at a decoupled start.
    pub consistency: f64,
}

/// One training run of the sweep.
struct Job {
    init: SweepInit,
    depth_index: usize,
    seed: usize,
    /// Whether some rate tried ended without diverging.
    tame: bool,
    /// Candidate learning rates still to try, and the best time so far.
    rates: Vec<f64>,
    best: Option<(u64, f64)>,
}

/// A training run in progress.
struct Active {
    net: Network,
    trainer: Trainer,
    lr: f64,
    step: u64,
}

/// One finished seed: how it ended and the rate it ended with.
type SeedResult = (Outcome, Option<f64>);

/// A depth sweep, advanced by [`Sweep::work`].
pub struct Sweep {
    spec: SweepConfig,
    base: Config,
    data: Dataset,
    svd: Svd,
    /// The task's modes: singular value `s` of `Sigma_yx` and input variance `c = v^T Sigma_xx v`
    /// along it (exact per mode when eq. 18 holds).
    modes: Vec<(f64, f64)>,
    /// The largest eigenvalue of `Sigma_xx`, and its rank.
    xx_max: f64,
    x_rank: usize,
    width: usize,
    target_loss: f64,
    jobs: Vec<Job>,
    /// The next job to start, and the one in progress.
    next: usize,
    current: Option<usize>,
    active: Option<Active>,
    results: SweepResults,
    steps_done: u64,
    steps_total_estimate: u64,
    /// Finished seeds of each (init, depth): the outcome and the rate.
    finished: BTreeMap<(String, usize), Vec<SeedResult>>,
}

/// A sweep run has diverged when its loss grows past this many times the threshold loss.
pub const DIVERGED: f64 = 1e8;

impl Sweep {
    /// Sets up a sweep over `cfg.sweep`: on the synthetic task of docs/theory.md §6.5 or on `cfg`'s
    /// dataset (`sweep.data`), with hidden layers `sweep.width` wide.
    pub fn new(cfg: &ValidConfig) -> Sweep {
        let spec = cfg.sweep.clone();
        let mut base = Config::clone(cfg);
        let data = match spec.data {
            SweepData::Run => Dataset::from_config(cfg),
            SweepData::Spectrum => {
                base.dataset = DatasetConfig::synthetic();
                Dataset::build(&base.dataset)
            }
            SweepData::AlignedInputs | SweepData::RotatedInputs => {
                base.dataset = DatasetConfig::synthetic();
                let DatasetConfig::Spectrum {
                    size,
                    s_max,
                    s_min,
                    seed,
                } = base.dataset
                else {
                    unreachable!("the synthetic dataset is a spectrum")
                };
                let aligned = spec.data == SweepData::AlignedInputs;
                Dataset::correlated(size, s_max, s_min, aligned, seed)
            }
        };
        let svd = Svd::new(&data.sigma_yx().view());
        let (modes, consistency) = task_modes(&data, &svd);
        let (xx_max, x_rank) = if data.one_hot {
            (1.0, data.n_items())
        } else {
            let xs = Svd::new(&data.x.view());
            let top = xs.s.first().copied().unwrap_or(0.0);
            let rank = xs.s.iter().filter(|&&x| x > 1e-10 * top).count();
            (top * top, rank)
        };
        let width = spec.width;
        let target_loss = spec.threshold * data.target_norm();
        let bound_of = |d: usize| stability_bound_at(d, &modes, xx_max);
        // The run's rate on the summed loss the sweep trains on (`train.loss` = mean is the
        // same descent at 2 lr / (P F)).
        let run_lr = cfg.train.lr * cfg.train.loss.factor(data.n_items(), data.n_outputs());
        let mut jobs = Vec::new();
        for &init in &spec.inits {
            for (k, &d) in spec.depths.iter().enumerate() {
                let bound = bound_of(d) * spec.lr_factor;
                let rates = match spec.lr {
                    LrPolicy::Fixed => vec![run_lr],
                    LrPolicy::InverseDepth => vec![run_lr * 2.0 / d as f64],
                    LrPolicy::Stable => vec![bound],
                    // Eight rates from the stability bound itself down to 1/1000 of it,
                    // fastest first so that slower candidates stop as soon as they cannot win.
                    LrPolicy::Optimal => {
                        let top = bound_of(d);
                        (0..8)
                            .map(|i| top * 10f64.powf(-3.0 * i as f64 / 7.0))
                            .collect()
                    }
                };
                for seed in 0..spec.seeds {
                    jobs.push(Job {
                        init,
                        depth_index: k,
                        seed,
                        tame: false,
                        rates: rates.clone(),
                        best: None,
                    });
                }
            }
        }
        let mut results = SweepResults {
            depths: spec.depths.clone(),
            threshold: spec.threshold,
            seeds: spec.seeds,
            consistency,
            ..SweepResults::default()
        };
        let n = spec.depths.len();
        for &init in &spec.inits {
            let name: String = init.name().into();
            results.learning_time.insert(name.clone(), vec![None; n]);
            results.low.insert(name.clone(), vec![None; n]);
            results.high.insert(name.clone(), vec![None; n]);
            results.outcomes.insert(name.clone(), vec![vec![]; n]);
            results.lr.insert(name, vec![None; n]);
        }
        let steps_total_estimate =
            jobs.iter().map(|j| j.rates.len() as u64).sum::<u64>() * spec.max_steps / 4;
        Sweep {
            spec,
            base,
            data,
            svd,
            modes,
            xx_max,
            x_rank,
            width,
            target_loss,
            jobs,
            next: 0,
            current: None,
            active: None,
            results,
            steps_done: 0,
            steps_total_estimate,
            finished: BTreeMap::new(),
        }
    }

    pub fn results(&self) -> &SweepResults {
        &self.results
    }

    /// The sweep's settings.
    pub fn spec(&self) -> &SweepConfig {
        &self.spec
    }

    /// Training jobs (one per initialisation and depth) finished, and in all.
    pub fn jobs_done(&self) -> (usize, usize) {
        let finished = self.next - usize::from(self.current.is_some());
        (finished, self.jobs.len())
    }

    pub fn is_done(&self) -> bool {
        self.next >= self.jobs.len() && self.current.is_none()
    }

    /// Fraction of the jobs finished (0 to 1), counting the current job's progress.
    pub fn progress(&self) -> f64 {
        if self.jobs.is_empty() {
            return 1.0;
        }
        let partial = self
            .active
            .as_ref()
            .map_or(0.0, |a| a.step as f64 / self.spec.max_steps as f64);
        let finished = self.next - usize::from(self.current.is_some());
        ((finished as f64 + partial) / self.jobs.len() as f64).clamp(0.0, 1.0)
    }

    /// Gradient steps taken so far, and a rough estimate of the total.
    pub fn steps(&self) -> (u64, u64) {
        (
            self.steps_done,
            self.steps_total_estimate.max(self.steps_done),
        )
    }

    fn dims(&self, depth: usize) -> Vec<usize> {
        let mut dims = vec![self.data.n_inputs()];
        dims.extend(std::iter::repeat_n(self.width, depth - 1));
        dims.push(self.data.n_outputs());
        dims
    }

    fn start(&self, job: &Job, lr: f64) -> Active {
        let net = self.network(job.init, self.spec.depths[job.depth_index], job.seed);
        let trainer = Trainer::new(&net, &self.data);
        Active {
            net,
            trainer,
            lr,
            step: 0,
        }
    }

    /// The task every depth learns.
    pub fn data(&self) -> &Dataset {
        &self.data
    }

    /// The starting network of one run: initialisation `init`, depth `depth`, seed `seed`.
    pub fn network(&self, init: SweepInit, depth: usize, seed: usize) -> Network {
        let dims = self.dims(depth);
        let mut rng = Rng::new(
            self.base
                .train
                .seed
                .wrapping_add(depth as u64 * 7919)
                .wrapping_add(seed as u64 * 104_729),
        );
        match init {
            SweepInit::Pretrained => pretrained(&dims, &self.data, &mut rng),
            other => {
                let init = match other {
                    SweepInit::SmallGaussian => InitConfig {
                        kind: InitKind::SmallGaussian,
                        scale: self.spec.small_scale,
                        lambda: 0.0,
                        ..InitConfig::default()
                    },
                    SweepInit::ScaledGaussian => InitConfig {
                        kind: InitKind::ScaledGaussian,
                        scale: 1.0,
                        lambda: 0.0,
                        ..InitConfig::default()
                    },
                    SweepInit::Orthogonal => InitConfig {
                        kind: InitKind::Orthogonal,
                        scale: 1.0,
                        lambda: 0.0,
                        ..InitConfig::default()
                    },
                    _ => InitConfig {
                        kind: InitKind::Balanced,
                        scale: self.spec.balanced_u0,
                        lambda: 0.0,
                        ..InitConfig::default()
                    },
                };
                initialise(&init, &dims, &self.svd, &mut rng)
            }
        }
    }

    /// Runs up to `budget` gradient steps of the sweep. Returns true when the sweep is finished.
    pub fn work(&mut self, mut budget: u64) -> bool {
        while budget > 0 {
            if self.active.is_none() {
                let j = match self.current {
                    Some(j) => j,
                    None => {
                        if self.next >= self.jobs.len() {
                            return true;
                        }
                        self.current = Some(self.next);
                        self.next += 1;
                        self.next - 1
                    }
                };
                match self.jobs[j].rates.first() {
                    Some(&lr) => self.active = Some(self.start(&self.jobs[j], lr)),
                    None => {
                        self.finish_job(j);
                        continue;
                    }
                }
            }
            let j = self.current.expect("a job is in progress");
            let job = &self.jobs[j];
            // A slower rate can stop as soon as it cannot beat the best time so far.
            let limit = job
                .best
                .map_or(self.spec.max_steps, |(t, _)| t.min(self.spec.max_steps));
            let target = self.target_loss;
            let a = self.active.as_mut().expect("started above");
            // (time reached, or none; whether the run diverged)
            let mut outcome = None;
            while budget > 0 {
                let loss = a.trainer.step(&mut a.net, &self.data, a.lr);
                budget -= 1;
                self.steps_done += 1;
                if loss <= target {
                    outcome = Some((Some(a.step), false));
                    break;
                }
                a.step += 1;
                if !loss.is_finite() || loss > DIVERGED * target.max(1e-12) {
                    outcome = Some((None, true));
                    break;
                }
                if a.step >= limit {
                    outcome = Some((None, false));
                    break;
                }
            }
            if let Some((time, diverged)) = outcome {
                let a = self.active.take().expect("a run was active");
                let job = &mut self.jobs[j];
                job.tame |= !diverged;
                if let Some(t) = time {
                    if job.best.is_none_or(|(b, _)| t < b) {
                        job.best = Some((t, a.lr));
                    }
                }
                job.rates.remove(0);
                if job.rates.is_empty() {
                    self.finish_job(j);
                }
            }
        }
        self.is_done()
    }

    fn finish_job(&mut self, j: usize) {
        self.current = None;
        let job = &self.jobs[j];
        let name = job.init.name().to_string();
        let k = job.depth_index;
        let outcome = match job.best {
            Some((t, _)) => Outcome::Reached(t),
            None if job.tame => Outcome::NotReached,
            None => Outcome::Diverged,
        };
        let runs = self.finished.entry((name.clone(), k)).or_default();
        runs.push((outcome, job.best.map(|b| b.1)));
        if runs.len() < self.spec.seeds {
            return;
        }
        // Every seed of this (init, depth) is done: the median, its band and its rate.
        let outcomes: Vec<Outcome> = runs.iter().map(|r| r.0).collect();
        let median = median_outcome(&outcomes);
        let times: Vec<u64> = outcomes
            .iter()
            .filter_map(|o| match o {
                Outcome::Reached(t) => Some(*t),
                _ => None,
            })
            .collect();
        let median_lr = runs
            .iter()
            .find(|r| Some(r.0) == median)
            .and_then(|r| r.1)
            .or_else(|| runs.iter().find_map(|r| r.1));
        let r = &mut self.results;
        let slot = |m: &mut BTreeMap<String, Vec<Option<u64>>>, v: Option<u64>| {
            m.get_mut(&name).expect("init listed")[k] = v;
        };
        slot(
            &mut r.learning_time,
            match median {
                Some(Outcome::Reached(t)) => Some(t),
                _ => None,
            },
        );
        slot(&mut r.low, times.iter().min().copied());
        slot(&mut r.high, times.iter().max().copied());
        r.outcomes.get_mut(&name).expect("init listed")[k] = outcomes;
        r.lr.get_mut(&name).expect("init listed")[k] = median_lr;
        let depth = self.spec.depths[k];
        let lr = median_lr.unwrap_or_else(|| self.bound(depth) * self.spec.lr_factor);
        let theory = match job.init {
            SweepInit::Balanced => Some(self.predicted_time(depth, lr)),
            SweepInit::Pretrained => Some(self.pretrained_steps(depth, lr).map(|t| t as f64)),
            _ => None,
        };
        if let Some(theory) = theory {
            let entry = self
                .results
                .theory
                .entry(name)
                .or_insert_with(|| vec![None; self.spec.depths.len()]);
            entry[k] = theory;
        }
    }

    /// The stability bound the sweep's rates are fractions of, at depth `depth`.
    pub fn bound(&self, depth: usize) -> f64 {
        stability_bound_at(depth, &self.modes, self.xx_max)
    }

    /// Whether the pretrained start of this depth is decoupled, so that [`LayerMap`] gives its
    /// steps exactly: the inputs satisfy eq. 18 and the hidden layers hold every input direction.
    pub fn pretrained_is_decoupled(&self, depth: usize) -> bool {
        self.results.consistency <= CONSISTENT && (depth == 1 || self.width >= self.x_rank)
    }

    /// The loss of the pretrained start of depth `depth` at every step `0..=steps` of rate
    /// `lr`, from the exact map of its modes (every hidden layer at strength 1, the readout at
    /// 0), or `None` where that start is not decoupled ([`Sweep::pretrained_is_decoupled`]).
    pub fn pretrained_losses(&self, depth: usize, lr: f64, steps: u64) -> Option<Vec<f64>> {
        Some(
            self.pretrained_path(depth, lr)?
                .take(steps as usize + 1)
                .collect(),
        )
    }

    /// The exact learning time (steps) of the pretrained start at depth `depth` and rate `lr`,
    /// where it is decoupled and learns within the step limit (the map stops there).
    pub fn pretrained_steps(&self, depth: usize, lr: f64) -> Option<u64> {
        let first = self
            .pretrained_path(depth, lr)?
            .take(self.spec.max_steps as usize + 1)
            .position(|l| l <= self.target_loss)?;
        Some(first as u64)
    }

    /// The losses of [`Sweep::pretrained_losses`], one step at a time, for as long as asked.
    fn pretrained_path(&self, depth: usize, lr: f64) -> Option<impl Iterator<Item = f64>> {
        if !self.pretrained_is_decoupled(depth) {
            return None;
        }
        let mut maps: Vec<LayerMap> = self
            .modes
            .iter()
            .map(|&(s, c)| {
                let mut a = vec![1.0; depth];
                a[depth - 1] = 0.0;
                LayerMap { s, c, a }
            })
            .collect();
        // The part of the loss no mode can learn: 1/2 ||Y||^2 - sum s^2 / (2c).
        let learnable: f64 = self.modes.iter().map(|&(s, c)| s * s / (2.0 * c)).sum();
        let residual = (self.data.target_norm() - learnable).max(0.0);
        let mut started = false;
        Some(std::iter::from_fn(move || {
            if started {
                maps.iter_mut().for_each(|m| m.step(lr));
            }
            started = true;
            Some(residual + maps.iter().map(LayerMap::loss).sum::<f64>())
        }))
    }

    /// The exact learning time (steps) of the balanced start at depth D and rate `lr`: when the
    /// predicted loss of gradient flow reaches the threshold.
    pub fn predicted_time(&self, depth: usize, lr: f64) -> Option<f64> {
        let mut cfg = self.base.clone();
        cfg.network.hidden = vec![self.width; depth - 1];
        cfg.network.activation = crate::config::Activation::Linear;
        cfg.init = InitConfig {
            kind: InitKind::Balanced,
            scale: self.spec.balanced_u0,
            lambda: 0.0,
            ..InitConfig::default()
        };
        let dims = self.dims(depth);
        let net = initialise(&cfg.init, &dims, &self.svd, &mut Rng::new(0));
        let pred = Prediction::for_run(&cfg, &self.data, &self.svd, &net).ok()?;
        let reached = |t: f64| pred.flow_at(t).loss <= self.target_loss;
        if reached(0.0) {
            return Some(0.0);
        }
        let mut hi = 1e-3;
        while !reached(hi) {
            hi *= 2.0;
            if hi > 1e12 {
                return None;
            }
        }
        let mut lo = hi / 2.0;
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if reached(mid) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Some(hi / lr)
    }
}

/// Where a sweep started from the page stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepStatus {
    /// No sweep has been started.
    Idle,
    Running,
    Done,
    /// Stopped before the end; the results so far are kept.
    Cancelled,
}

/// Progress of a sweep, as the page and the JS API read it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SweepProgress {
    pub status: SweepStatus,
    /// Fraction of the training runs finished (0 to 1), counting the current one's steps.
    pub progress: f64,
    pub runs_done: usize,
    pub runs_total: usize,
    /// Gradient steps taken so far.
    pub steps: u64,
    pub max_steps: u64,
    pub threshold: f64,
    pub results: Option<SweepResults>,
    /// Whether the work is done elsewhere (a page's worker) and this copy only shows what it
    /// is sent ([`SweepTask::adopt`]).
    #[serde(default)]
    pub elsewhere: bool,
}

/// A sweep the page starts, advances a slice at a time, and may cancel.
#[derive(Default)]
pub struct SweepTask {
    sweep: Option<Sweep>,
    cancelled: bool,
    version: u64,
    /// Where the sweep runs elsewhere: the progress it last reported.
    remote: Option<Remote>,
}

/// What a sweep running elsewhere last reported.
#[derive(Clone, Copy, Debug)]
struct Remote {
    done: bool,
    progress: f64,
    runs_done: usize,
    steps: u64,
}

impl SweepTask {
    /// Starts a new sweep over `cfg.sweep` (replacing any other).
    pub fn start(&mut self, cfg: &ValidConfig) {
        self.sweep = Some(Sweep::new(cfg));
        self.cancelled = false;
        self.remote = None;
        self.version += 1;
    }

    /// Starts a sweep over `cfg.sweep` that runs elsewhere (the same sweep, in a page's
    /// worker): this copy takes no steps and shows the progress and results it is sent with
    /// [`adopt`](SweepTask::adopt).
    pub fn start_elsewhere(&mut self, cfg: &ValidConfig) {
        self.start(cfg);
        self.remote = Some(Remote {
            done: false,
            progress: 0.0,
            runs_done: 0,
            steps: 0,
        });
    }

    /// Takes the progress and results of the sweep running elsewhere. Refused when no such
    /// sweep is running here, or when `p` is of a sweep with other depths or seeds.
    pub fn adopt(&mut self, p: SweepProgress) -> Result<(), String> {
        if self.status() != SweepStatus::Running || self.remote.is_none() {
            return Err("no sweep started elsewhere is running here".into());
        }
        let sweep = self.sweep.as_mut().expect("running");
        let results = p.results.unwrap_or_default();
        let spec = sweep.spec();
        if results.depths != spec.depths || results.seeds != spec.seeds {
            return Err(format!(
                "the results are of another sweep (depths {:?}, {} seeds; this one has {:?}, {})",
                results.depths, results.seeds, spec.depths, spec.seeds
            ));
        }
        let total = sweep.jobs_done().1;
        self.remote = Some(Remote {
            done: p.status == SweepStatus::Done,
            progress: p.progress.clamp(0.0, 1.0),
            runs_done: p.runs_done.min(total),
            steps: p.steps,
        });
        sweep.results = results;
        self.version += 1;
        Ok(())
    }

    pub fn status(&self) -> SweepStatus {
        match (&self.sweep, &self.remote) {
            (None, _) => SweepStatus::Idle,
            (Some(_), _) if self.cancelled => SweepStatus::Cancelled,
            (Some(_), Some(r)) if r.done => SweepStatus::Done,
            (Some(_), Some(_)) => SweepStatus::Running,
            (Some(s), None) if s.is_done() => SweepStatus::Done,
            (Some(_), None) => SweepStatus::Running,
        }
    }

    /// Runs up to `budget` gradient steps; returns whether the sweep is still running here.
    pub fn work(&mut self, budget: u64) -> bool {
        if self.status() != SweepStatus::Running || self.remote.is_some() {
            return false;
        }
        let sweep = self.sweep.as_mut().expect("running");
        let before = sweep.jobs_done().0;
        let done = sweep.work(budget.max(1));
        if done || sweep.jobs_done().0 != before {
            self.version += 1;
        }
        !done
    }

    /// Stops a running sweep, keeping its results so far.
    pub fn cancel(&mut self) {
        if self.status() == SweepStatus::Running {
            self.cancelled = true;
            self.version += 1;
        }
    }

    pub fn sweep(&self) -> Option<&Sweep> {
        self.sweep.as_ref()
    }

    /// Changes whenever the results or the status change.
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn progress(&self) -> SweepProgress {
        let status = self.status();
        match &self.sweep {
            None => SweepProgress {
                status,
                progress: 0.0,
                runs_done: 0,
                runs_total: 0,
                steps: 0,
                max_steps: 0,
                threshold: 0.0,
                results: None,
                elsewhere: false,
            },
            Some(s) => {
                let (mut runs_done, runs_total) = s.jobs_done();
                let (mut progress, mut steps) = (s.progress(), s.steps().0);
                if let Some(r) = &self.remote {
                    (runs_done, progress, steps) = (r.runs_done, r.progress, r.steps);
                }
                SweepProgress {
                    status,
                    progress: if status == SweepStatus::Done {
                        1.0
                    } else {
                        progress
                    },
                    runs_done,
                    runs_total,
                    steps,
                    max_steps: s.spec().max_steps,
                    threshold: s.spec().threshold,
                    results: Some(s.results().clone()),
                    elsewhere: self.remote.is_some(),
                }
            }
        }
    }
}

/// `V^T Sigma_xx V` within this fraction of diagonal counts as satisfying eq. 18 exactly.
const CONSISTENT: f64 = 1e-9;

/// The stability bound at depth `d`: `2 / lambda_max(Sigma_xx)` for a shallow network (exact
/// for any inputs), otherwise the smallest bound over the decoupled modes (exact when eq. 18
/// holds; with one-hot items, `2 / (D s_max^(2 - 2/D))`).
fn stability_bound_at(d: usize, modes: &[(f64, f64)], xx_max: f64) -> f64 {
    if d == 1 {
        2.0 / xx_max.max(1e-300)
    } else {
        stability_bound_modes(d, modes)
    }
}

/// The task's modes `(s, c)` with `s > 0`, and how far the inputs are from SMG14's consistency
/// condition (eq. 18): `||offdiag(V^T Sigma_xx V)|| / ||V^T Sigma_xx V||`.
fn task_modes(data: &Dataset, svd: &Svd) -> (Vec<(f64, f64)>, f64) {
    let top = svd.s.first().copied().unwrap_or(0.0);
    let k = svd.s.iter().filter(|&&s| s > 1e-12 * top).count();
    if k == 0 {
        return (Vec::new(), 0.0);
    }
    let v = svd.v.slice(ndarray::s![.., ..k]);
    // Z = V^T X, so V^T Sigma_xx V = Z Z^T.
    let z = v.t().dot(&data.x);
    let m = z.dot(&z.t());
    let modes = (0..k).map(|a| (svd.s[a], m[(a, a)])).collect();
    let total: f64 = m.iter().map(|x| x * x).sum();
    let diag: f64 = (0..k).map(|a| m[(a, a)] * m[(a, a)]).sum();
    let off = ((total - diag).max(0.0) / total.max(1e-300)).sqrt();
    (modes, off)
}

/// Greedy layer-wise pretraining (SMG14 section 5, docs/theory.md §1.6 (d)): the first hidden
/// layer is the encoder of a linear autoencoder trained on the inputs, each further hidden
/// layer the encoder of one trained on the representation below; the readout starts at zero.
///
/// An autoencoder of `Sigma_xx = Q Lambda Q^T` ends at `W = R M^(1/2) Q^T` with `M -> I`; each
/// encoder here is that limit, the polar factor of the learned weights on the directions the
/// layer below uses, so that the stack is an isometry on the inputs. The start this gives is
/// decoupled for the task exactly when `Q` shares the task's input directions (eq. 18), and
/// then every mode starts with its hidden layers at strength 1 and its readout at 0
/// ([`Sweep::pretrained_losses`]).
fn pretrained(dims: &[usize], data: &Dataset, rng: &mut Rng) -> Network {
    let depth = dims.len() - 1;
    let mut weights = Vec::with_capacity(depth);
    let mut h = data.x.clone();
    for l in 0..depth.saturating_sub(1) {
        let (n_in, n_out) = (dims[l], dims[l + 1]);
        let ae_data = Dataset {
            items: (0..h.ncols()).map(|i| i.to_string()).collect(),
            features: (0..n_in).map(|i| i.to_string()).collect(),
            x: h.clone(),
            y: h.clone(),
            one_hot: false,
        };
        let svd = Svd::new(&ae_data.sigma_yx().view());
        let s_max = svd.s.first().copied().unwrap_or(1.0).max(1e-9);
        let init = InitConfig {
            kind: InitKind::SmallGaussian,
            scale: 0.01,
            lambda: 0.0,
            ..InitConfig::default()
        };
        let mut ae = initialise(&init, &[n_in, n_out, n_in], &svd, rng);
        let mut trainer = Trainer::new(&ae, &ae_data);
        let lr = 0.25 * stability_bound(2, s_max);
        let start = ae.loss(&ae_data).max(1e-300);
        for _ in 0..4000 {
            if trainer.step(&mut ae, &ae_data, lr) <= 1e-4 * start {
                break;
            }
        }
        // The limit M -> I: the learned weights restricted to the directions the layer below
        // uses (the rest of the small random start never learns and is dropped), at unit gain.
        let below = Svd::new(&h.view());
        let top = below.s.first().copied().unwrap_or(0.0);
        let used = below.s.iter().filter(|&&x| x > 1e-10 * top).count().max(1);
        let basis = below.u.slice(ndarray::s![.., ..used]);
        let on_used = ae.weights[0].dot(&basis).dot(&basis.t());
        let learned = Svd::new(&on_used.view());
        let r = used.min(n_out);
        let enc = learned
            .u
            .slice(ndarray::s![.., ..r])
            .dot(&learned.v.slice(ndarray::s![.., ..r]).t());
        h = enc.dot(&h);
        weights.push(enc);
    }
    // The readout has no autoencoder to learn from: it starts at zero, a new layer on top of
    // the pretrained stack. Every mode's readout then grows from 0 at the depth's rate, so with
    // rates that fall as 1/D the pretrained start's learning time grows with depth.
    weights.push(Array2::zeros((dims[depth], dims[depth - 1])));
    Network::new(weights)
}
