//! A run through a sequence of phases: one network trained on each phase's task in turn, the
//! loss on every task recorded on one time axis, and beside it the prediction for the phase
//! from the actual weights at its start.

use ndarray::{s, Array2};
use serde::Serialize;

use crate::config::ConfigError;
use crate::engine::init::initialise;
use crate::engine::network::Network;
use crate::engine::rng::Rng;
use crate::engine::train::Trainer;
use crate::linalg::Svd;

use super::config::{Phase, PhaseConfig, Prepared, StartKind, TasksConfig};
use super::theory::{
    balance, learned_weights, task_loss, DecoupledMap, Flow, FLOW_LABEL, MAP_LABEL,
};

/// What predicts a phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TheoryKind {
    /// The exact discrete-time map of decoupled modes.
    Map,
    /// The Riccati solution of gradient flow.
    Flow,
    /// No prediction (see the phase's `note`).
    None,
}

/// How a phase began and what predicts it.
#[derive(Clone, Debug, Serialize)]
pub struct PhaseInfo {
    pub name: String,
    /// Global step at which the phase starts.
    pub start: u64,
    pub steps: u64,
    /// Layer sizes during the phase.
    pub dims: Vec<usize>,
    pub theory: TheoryKind,
    /// The prediction's label (`None` without one).
    pub label: Option<&'static str>,
    /// `lambda` and the relative residual of `W_2^T W_2 - W_1 W_1^T = lambda I` at the start
    /// (one hidden layer only).
    pub lambda: Option<f64>,
    pub balance_residual: Option<f64>,
    /// Why there is no prediction, when there is none.
    pub note: Option<String>,
}

/// One recorded step.
#[derive(Clone, Debug, Serialize)]
pub struct Record {
    pub step: u64,
    /// Index of the phase being trained.
    pub phase: usize,
    /// Loss on every task, in phase order.
    pub loss: Vec<f64>,
    /// The prediction of the same, where there is one.
    pub theory: Vec<Option<f64>>,
}

enum Predictor {
    Map(DecoupledMap),
    Flow(Box<Flow>),
    None,
}

/// A task sequence being trained.
pub struct TaskRun {
    prepared: Prepared,
    net: Network,
    phase: usize,
    done_in_phase: u64,
    step: u64,
    trainer: Trainer,
    predictor: Predictor,
    infos: Vec<PhaseInfo>,
    /// The weights at the start of each phase begun so far (after growing).
    start_weights: Vec<Network>,
    records: Vec<Record>,
    rng: Rng,
}

impl TaskRun {
    /// Checks the configuration and sets up the first phase (nothing is trained yet).
    pub fn new(cfg: &TasksConfig) -> Result<TaskRun, ConfigError> {
        Ok(TaskRun::from_prepared(cfg.prepare()?))
    }

    /// Sets up a checked configuration.
    pub fn from_prepared(prepared: Prepared) -> TaskRun {
        let cfg = &prepared.config;
        let data = &prepared.phases[0].data;
        let mut rng = Rng::new(cfg.train.seed);
        let net = match cfg.init.kind {
            StartKind::Learned => learned_weights(data, &cfg.network.hidden, cfg.init.lambda),
            _ => {
                let first = &prepared.first;
                let dims = first.clone().validated().expect("checked").layer_dims();
                let svd = Svd::new(&data.sigma_yx().view());
                initialise(&first.init, &dims, &svd, &mut rng)
            }
        };
        let trainer = Trainer::new(&net, data);
        let mut run = TaskRun {
            net,
            phase: 0,
            done_in_phase: 0,
            step: 0,
            trainer,
            predictor: Predictor::None,
            infos: Vec::new(),
            start_weights: Vec::new(),
            records: Vec::new(),
            rng,
            prepared,
        };
        run.begin_phase();
        run
    }

    /// A run whose first phase was trained elsewhere: `net` holds the weights at its end (the
    /// main run's, say), so the first phase is not trained again. The run starts at the switch:
    /// step `steps` of the first phase, with its loss recorded there, and goes on to the next
    /// phase. Refused when the weights do not fit the first task and the network's layers.
    pub fn continuing(prepared: Prepared, net: Network) -> Result<TaskRun, ConfigError> {
        let data = &prepared.phases[0].data;
        let mut want = vec![data.n_inputs()];
        want.extend(prepared.config.network.hidden.iter().copied());
        want.push(data.n_outputs());
        if net.dims() != want || !net.is_finite() {
            return Err(ConfigError::new(
                "weights",
                format!(
                    "do not fit the first task: layers {:?}, the task and network need {want:?}",
                    net.dims()
                ),
            ));
        }
        let trainer = Trainer::new(&net, data);
        let done = prepared.phases[0].steps;
        let mut run = TaskRun {
            rng: Rng::new(prepared.config.train.seed),
            net,
            phase: 0,
            done_in_phase: done,
            step: done,
            trainer,
            predictor: Predictor::None,
            infos: Vec::new(),
            start_weights: Vec::new(),
            records: Vec::new(),
            prepared,
        };
        run.begin_phase();
        Ok(run)
    }

    /// Appends a phase after the last one (a dataset or an edit of the last task), checked
    /// against the run's shapes; on error nothing changes.
    pub fn push_phase(&mut self, phase: &PhaseConfig) -> Result<(), ConfigError> {
        let mut cfg = self.prepared.config.clone();
        cfg.tasks.push(phase.clone());
        cfg.sweep = None;
        let mut prepared = cfg.prepare()?;
        // Keep the datasets already built (they are the same), take the new one.
        let new = prepared.phases.pop().expect("one phase was added");
        self.prepared.config.tasks.push(phase.clone());
        self.prepared.phases.push(new);
        // The new task was not measured before it was added.
        let n = self.prepared.phases.len();
        for r in &mut self.records {
            r.loss.resize(n, f64::NAN);
            r.theory.resize(n, None);
        }
        if self.finished_all_but_new() {
            self.begin_phase_after_growth();
        }
        Ok(())
    }

    fn finished_all_but_new(&self) -> bool {
        self.phase + 1 == self.prepared.phases.len() - 1
            && self.done_in_phase >= self.prepared.phases[self.phase].steps
    }

    fn phases(&self) -> &[Phase] {
        &self.prepared.phases
    }

    /// The network's function `W_D ... W_1`.
    pub fn w_tot(&self) -> Array2<f64> {
        self.net.product()
    }

    fn losses(&self, w_tot: &Array2<f64>) -> Vec<f64> {
        self.phases()
            .iter()
            .map(|p| task_loss(w_tot, &p.data))
            .collect()
    }

    /// Grows the network to the current phase's shape and chooses its prediction.
    fn begin_phase(&mut self) {
        let data = self.prepared.phases[self.phase].data.clone();
        self.grow_to(data.n_inputs(), data.n_outputs());
        self.trainer = Trainer::new(&self.net, &data);
        let (lambda, resid) = if self.net.depth() == 2 {
            let (l, r) = balance(&self.net.weights[0], &self.net.weights[1]);
            (Some(l), Some(r))
        } else {
            (None, None)
        };
        let (predictor, theory, label, note) = match DecoupledMap::detect(&self.net, &data) {
            Some(map) => (Predictor::Map(map), TheoryKind::Map, Some(MAP_LABEL), None),
            None => match Flow::new(&self.net, &data) {
                Ok(flow) => (
                    Predictor::Flow(Box::new(flow)),
                    TheoryKind::Flow,
                    Some(FLOW_LABEL),
                    None,
                ),
                Err(why) => (Predictor::None, TheoryKind::None, None, Some(why)),
            },
        };
        self.predictor = predictor;
        self.start_weights.push(self.net.clone());
        let phase = &self.prepared.phases[self.phase];
        self.infos.push(PhaseInfo {
            name: phase.name.clone(),
            start: self.step,
            steps: phase.steps,
            dims: self.net.dims(),
            theory,
            label,
            lambda,
            balance_residual: resid,
            note,
        });
        self.record();
    }

    fn begin_phase_after_growth(&mut self) {
        self.phase += 1;
        self.done_in_phase = 0;
        self.begin_phase();
    }

    /// New inputs and outputs get weights of std `growth_scale` (zero by default).
    fn grow_to(&mut self, n_in: usize, n_out: usize) {
        let scale = self.prepared.config.train.growth_scale;
        let d = self.net.depth();
        let (h1, old_in) = self.net.weights[0].dim();
        if n_in > old_in {
            let mut w = Array2::zeros((h1, n_in));
            w.slice_mut(s![.., ..old_in]).assign(&self.net.weights[0]);
            for r in 0..h1 {
                for c in old_in..n_in {
                    w[(r, c)] = scale * self.rng.gaussian();
                }
            }
            self.net.weights[0] = w;
        }
        let (old_out, hl) = self.net.weights[d - 1].dim();
        if n_out > old_out {
            let mut w = Array2::zeros((n_out, hl));
            w.slice_mut(s![..old_out, ..])
                .assign(&self.net.weights[d - 1]);
            for r in old_out..n_out {
                for c in 0..hl {
                    w[(r, c)] = scale * self.rng.gaussian();
                }
            }
            self.net.weights[d - 1] = w;
        }
    }

    fn predicted_w_tot(&mut self) -> Option<Array2<f64>> {
        let lr = self.prepared.config.train.lr;
        let t = self.done_in_phase as f64 * lr;
        match &mut self.predictor {
            Predictor::Map(m) => Some(m.w_tot()),
            Predictor::Flow(f) => Some(f.at(t).w2w1),
            Predictor::None => None,
        }
    }

    fn record(&mut self) {
        let w = self.w_tot();
        let loss = self.losses(&w);
        let theory = match self.predicted_w_tot() {
            Some(p) if p.iter().all(|v| v.is_finite()) => {
                self.losses(&p).into_iter().map(Some).collect()
            }
            _ => vec![None; loss.len()],
        };
        // Tasks added later are recorded from their addition on; earlier records are padded.
        self.records.push(Record {
            step: self.step,
            phase: self.phase,
            loss,
            theory,
        });
    }

    /// Trains up to `n` more steps (stopping at the end of the last phase, or if the weights
    /// stop being finite); returns how many were taken.
    pub fn advance(&mut self, n: u64) -> u64 {
        let lr = self.prepared.config.train.lr;
        let every = self.prepared.config.train.record_every.max(1);
        let mut taken = 0;
        while taken < n && !self.finished() {
            if self.done_in_phase >= self.phases()[self.phase].steps {
                self.begin_phase_after_growth();
                continue;
            }
            let data = &self.prepared.phases[self.phase].data;
            self.trainer.step(&mut self.net, data, lr);
            if let Predictor::Map(m) = &mut self.predictor {
                m.step(lr);
            }
            self.done_in_phase += 1;
            self.step += 1;
            taken += 1;
            if !self.net.is_finite() {
                break;
            }
            let end = self.done_in_phase == self.phases()[self.phase].steps;
            if self.step.is_multiple_of(every) || end {
                self.record();
            }
        }
        taken
    }

    /// Trains every phase to its end.
    pub fn run_to_end(&mut self) {
        while !self.finished() {
            if self.advance(1 << 20) == 0 {
                break;
            }
        }
    }

    /// True at the end of the last phase (or when the weights diverged).
    pub fn finished(&self) -> bool {
        let last = self.phase + 1 == self.phases().len();
        (last && self.done_in_phase >= self.phases()[self.phase].steps) || !self.net.is_finite()
    }

    /// The weights at the start of phase `k` (after growing), once it has begun.
    pub fn phase_start_network(&self, k: usize) -> Option<Network> {
        self.start_weights.get(k).cloned()
    }

    pub fn records(&self) -> &[Record] {
        &self.records
    }

    pub fn infos(&self) -> &[PhaseInfo] {
        &self.infos
    }

    pub fn network(&self) -> &Network {
        &self.net
    }

    pub fn config(&self) -> &TasksConfig {
        &self.prepared.config
    }

    /// Names of the tasks, in phase order.
    pub fn names(&self) -> Vec<String> {
        self.phases().iter().map(|p| p.name.clone()).collect()
    }

    /// The resolved dataset of phase `k`.
    pub fn task_data(&self, k: usize) -> &crate::engine::data::Dataset {
        &self.phases()[k].data
    }

    /// Global step at which each phase starts (phases not begun yet: where they will).
    pub fn starts(&self) -> Vec<u64> {
        let mut out = Vec::new();
        let mut at = 0;
        for p in self.phases() {
            out.push(at);
            at += p.steps;
        }
        out
    }

    pub fn step_count(&self) -> u64 {
        self.step
    }

    pub fn lr(&self) -> f64 {
        self.prepared.config.train.lr
    }

    /// The label of the predictions drawn: one label when every predicted phase has the same
    /// kind, otherwise one per phase.
    pub fn theory_label(&self) -> Option<String> {
        let labelled: Vec<&PhaseInfo> = self.infos.iter().filter(|i| i.label.is_some()).collect();
        let first = labelled.first()?;
        if labelled.iter().all(|i| i.label == first.label) {
            return first.label.map(String::from);
        }
        Some(
            labelled
                .iter()
                .map(|i| format!("{}: {}", i.name, i.label.unwrap_or("")))
                .collect::<Vec<_>>()
                .join("; "),
        )
    }
}
