//! The chapter's measurements: forgetting and time to learn against the rotation angle, the
//! first-task-to-second-task transfer of an edit, and lazy against rich learning.

use ndarray::Array2;
use serde::Serialize;

use crate::config::{ConfigError, DatasetConfig, NetworkConfig};
use crate::engine::data::Dataset;

use super::config::{PhaseConfig, SimilaritySweep, StartConfig, StartKind, TasksConfig};
use super::sequence::TaskRun;
use super::theory::{first_crossing, frobenius, kernel_norm, task_loss, Flow};

/// The time (units of tau) at which the loss on the phase's own task first falls to
/// `threshold` times its value at the phase's start, in the simulation (from the records) and
/// under gradient flow from the same weights (the Riccati solution; `None` without one or when
/// it is not reached within the phase).
#[derive(Clone, Debug, Serialize)]
pub struct TimeToLearn {
    pub simulated: Option<f64>,
    pub flow: Option<f64>,
}

/// Time to learn phase `k`'s task. Precise to one record interval in the simulation; record
/// every step to measure it exactly. `None` for both when there is nothing to learn (the loss at
/// the switch is zero to rounding).
pub fn time_to_learn(run: &TaskRun, k: usize, threshold: f64) -> TimeToLearn {
    let lr = run.lr();
    let none = TimeToLearn {
        simulated: None,
        flow: None,
    };
    let data = run.task_data(k);
    let Some(first) = run.records().iter().find(|r| r.phase == k) else {
        return none;
    };
    if first.loss[k] <= 1e-12 * data.target_norm().max(1e-300) {
        return none;
    }
    let info = &run.infos()[k];
    let recs: Vec<_> = run.records().iter().filter(|r| r.phase == k).collect();
    let simulated = recs.first().and_then(|r0| {
        let target = threshold * r0.loss[k];
        recs.iter()
            .find(|r| r.loss[k] <= target)
            .map(|r| (r.step - info.start) as f64 * lr)
    });
    TimeToLearn {
        simulated,
        flow: flow_time_to_learn(run, k, threshold),
    }
}

/// Gradient-flow time for phase `k`'s task to fall to `threshold` of its start, from the
/// weights the run had at the phase's start (re-created from the first record of the phase).
fn flow_time_to_learn(run: &TaskRun, k: usize, threshold: f64) -> Option<f64> {
    let start = run.phase_start_network(k)?;
    let data = run.task_data(k).clone();
    let mut flow = Flow::new(&start, &data).ok()?;
    let l0 = task_loss(&start.product(), &data);
    let horizon = run.infos()[k].steps as f64 * run.lr();
    first_crossing(
        |t| task_loss(&flow.at(t).w2w1, &data),
        threshold * l0,
        0.02,
        horizon,
    )
}

/// One angle of the similarity sweep.
#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq)]
pub struct SimilarityPoint {
    pub angle: f64,
    /// Loss on the first task at the end of the rotated phase (simulation).
    pub forgetting: f64,
    /// Its limit for a network that represents both tasks, `1/2 ||Y_B - Y_A||^2`; for
    /// `Y_A = Sigma_A`, `Y_B = R(theta) Sigma_A` it is `(1 - cos theta) tr(Sigma_A^2)`.
    pub forgetting_theory: f64,
    /// The Riccati prediction of the loss on the first task at the end of the phase.
    pub forgetting_flow: Option<f64>,
    /// Time (units of tau) for the rotated task's loss to fall below the threshold, from the
    /// first task's weights: simulated and under gradient flow.
    pub time_to_learn: Option<f64>,
    pub time_to_learn_theory: Option<f64>,
    /// The same from a balanced, task-aligned start of strength `scratch_u0`.
    pub time_to_learn_scratch: Option<f64>,
    pub time_to_learn_scratch_theory: Option<f64>,
}

/// Results of a similarity sweep.
#[derive(Clone, Debug, Serialize)]
pub struct SimilarityResults {
    pub points: Vec<SimilarityPoint>,
    pub threshold: f64,
    pub tau_steps: f64,
}

/// The two runs of one angle of a similarity sweep, not trained yet: the sequence with its
/// rotate edit at `angle` (recording every step), and the rotated task alone from a small
/// balanced aligned start of strength `sweep.scratch_u0`.
pub struct AngleRuns {
    pub angle: f64,
    pub sequence: TaskRun,
    pub scratch: TaskRun,
    /// Index of the rotated phase.
    pub phase: usize,
}

impl AngleRuns {
    pub fn new(
        cfg: &TasksConfig,
        sweep: &SimilaritySweep,
        angle: f64,
    ) -> Result<AngleRuns, ConfigError> {
        let k = cfg.rotate_phase().ok_or_else(|| {
            ConfigError::new(
                "sweep.over",
                "a similarity sweep needs a phase with a rotate edit",
            )
        })?;
        let mut c = cfg.with_angle(angle);
        c.train.record_every = 1;
        let sequence = TaskRun::new(&c)?;
        let b = sequence.task_data(k);
        let scratch_cfg = TasksConfig {
            network: c.network.clone(),
            init: StartConfig {
                kind: StartKind::Balanced,
                scale: sweep.scratch_u0,
                lambda: 0.0,
            },
            train: c.train.clone(),
            tasks: vec![PhaseConfig {
                name: c.tasks[k].name.clone(),
                dataset: Some(b.matrix_config()),
                edit: None,
                steps: c.tasks[k].steps,
            }],
            sweep: None,
        };
        let scratch = TaskRun::new(&scratch_cfg)?;
        Ok(AngleRuns {
            angle,
            sequence,
            scratch,
            phase: k,
        })
    }

    /// Steps both runs still have to take.
    pub fn steps_left(&self) -> u64 {
        let left = |r: &TaskRun| {
            let total: u64 = r.config().tasks.iter().map(|p| p.steps).sum();
            if r.finished() {
                0
            } else {
                total.saturating_sub(r.step_count())
            }
        };
        left(&self.sequence) + left(&self.scratch)
    }

    /// Trains up to `n` steps, the sequence first; returns how many were taken.
    pub fn advance(&mut self, n: u64) -> u64 {
        let mut took = self.sequence.advance(n);
        if took < n {
            took += self.scratch.advance(n - took);
        }
        took
    }

    pub fn finished(&self) -> bool {
        self.sequence.finished() && self.scratch.finished()
    }

    /// The measurements of the angle, once both runs are trained.
    pub fn point(&self, threshold: f64) -> SimilarityPoint {
        let (run, k) = (&self.sequence, self.phase);
        let first = k
            .checked_sub(1)
            .expect("a rotate edit is never the first phase");
        let end = run
            .records()
            .iter()
            .rev()
            .find(|r| r.phase == k)
            .expect("the rotated phase was recorded");
        let (a, b) = (run.task_data(first), run.task_data(k));
        let ttl = time_to_learn(run, k, threshold);
        let st = time_to_learn(&self.scratch, 0, threshold);
        SimilarityPoint {
            angle: self.angle,
            forgetting: end.loss[first],
            // The first task's loss at the second task's solution W = Sigma_yx / c.
            forgetting_theory: task_loss(&(b.sigma_yx() / b.whitening().unwrap_or(1.0)), a),
            forgetting_flow: end.theory[first],
            time_to_learn: ttl.simulated,
            time_to_learn_theory: ttl.flow,
            time_to_learn_scratch: st.simulated,
            time_to_learn_scratch_theory: st.flow,
        }
    }
}

/// Runs the sequence once per angle of its `sweep` (recording every step), and once from scratch
/// on each rotated task.
pub fn similarity_sweep(cfg: &TasksConfig) -> Result<SimilarityResults, ConfigError> {
    let sweep = cfg.sweep.clone().ok_or_else(|| {
        ConfigError::new(
            "sweep",
            "needs {\"over\": \"similarity\", \"angles\": [...]}",
        )
    })?;
    cfg.prepare()?;
    let mut points = Vec::with_capacity(sweep.angles.len());
    for &angle in &sweep.angles {
        let mut runs = AngleRuns::new(cfg, &sweep, angle)?;
        runs.sequence.run_to_end();
        runs.scratch.run_to_end();
        points.push(runs.point(sweep.threshold));
    }
    Ok(SimilarityResults {
        points,
        threshold: sweep.threshold,
        tau_steps: 1.0 / cfg.train.lr,
    })
}

/// Lazy against rich: one hidden layer from a lambda-balanced start.
#[derive(Clone, Debug, PartialEq, serde::Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct LazyRichConfig {
    pub dataset: DatasetConfig,
    pub hidden: usize,
    /// The imbalances compared (`W_2^T W_2 - W_1 W_1^T = lambda I`).
    pub lambdas: Vec<f64>,
    /// Singular value of the smaller layer at the start.
    pub scale: f64,
    pub lr: f64,
    pub steps: u64,
    pub record_every: u64,
    pub seed: u64,
}

impl Default for LazyRichConfig {
    fn default() -> Self {
        LazyRichConfig {
            dataset: DatasetConfig::Toy4,
            hidden: 4,
            lambdas: vec![0.0, -1.0, -4.0, -16.0],
            scale: 0.01,
            lr: 0.002,
            steps: 4000,
            record_every: 20,
            seed: 1,
        }
    }
}

/// One lambda's curves, simulated and predicted, on the records' time axis.
#[derive(Clone, Debug, Serialize)]
pub struct LazyRichCurve {
    pub lambda: f64,
    /// Time in units of tau.
    pub time: Vec<f64>,
    /// `L(t) / L(0)`.
    pub loss: Vec<f64>,
    pub loss_theory: Vec<f64>,
    /// `||W_1^T W_1(t) - W_1^T W_1(0)||_F / ||W_1^T W_1(0)||_F`.
    pub representation: Vec<f64>,
    pub representation_theory: Vec<f64>,
    /// The same relative change of the tangent kernel.
    pub kernel: Vec<f64>,
    pub kernel_theory: Vec<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LazyRichResults {
    pub curves: Vec<LazyRichCurve>,
    pub scale: f64,
}

/// Simulates every lambda and predicts it with the exact lambda-balanced solution.
pub fn lazy_rich(cfg: &LazyRichConfig) -> Result<LazyRichResults, ConfigError> {
    if cfg.lambdas.is_empty() || cfg.lambdas.len() > 8 {
        return Err(ConfigError::new("lambdas", "needs 1 to 8 values"));
    }
    let mut curves = Vec::new();
    for (i, &lambda) in cfg.lambdas.iter().enumerate() {
        let main = crate::config::Config {
            dataset: cfg.dataset.clone(),
            network: NetworkConfig {
                hidden: vec![cfg.hidden],
                ..NetworkConfig::default()
            },
            init: crate::config::InitConfig {
                kind: crate::config::InitKind::LambdaBalanced,
                scale: cfg.scale,
                lambda,
                ..crate::config::InitConfig::default()
            },
            train: crate::config::TrainConfig {
                lr: cfg.lr,
                steps: cfg.steps,
                record_every: cfg.record_every,
                seed: cfg.seed,
                ..crate::config::TrainConfig::default()
            },
            sweep: Default::default(),
        };
        main.validate().map_err(|mut e| {
            e.field = match e.field.as_str() {
                "init.lambda" => format!("lambdas[{i}]"),
                "init.scale" => "scale".into(),
                "network.hidden[0]" | "network.hidden" => "hidden".into(),
                f => f.strip_prefix("train.").unwrap_or(f).to_string(),
            };
            e
        })?;
        let data = Dataset::checked(&cfg.dataset)?;
        let dims = main.clone().validated()?.layer_dims();
        let svd = crate::linalg::Svd::new(&data.sigma_yx().view());
        let mut rng = crate::engine::rng::Rng::new(cfg.seed);
        let mut net = crate::engine::init::initialise(&main.init, &dims, &svd, &mut rng);
        let mut flow = Flow::new(&net, &data).map_err(|m| ConfigError::new("lambdas", m))?;
        let x = data.x.clone();
        let m0 = net.weights[0].t().dot(&net.weights[0]);
        let n0 = net.weights[1].dot(&net.weights[1].t());
        let k0 = kernel_norm(&m0, &n0, &x);
        let l0 = net.loss(&data);
        let rel = |m: &Array2<f64>, n: &Array2<f64>| -> (f64, f64) {
            let dm = m - &m0;
            let dn = n - &n0;
            let rep = frobenius(&dm) / frobenius(&m0).max(1e-300);
            let ker = kernel_norm(&dm, &dn, &x) / k0.max(1e-300);
            (rep, ker)
        };
        let mut curve = LazyRichCurve {
            lambda,
            time: vec![],
            loss: vec![],
            loss_theory: vec![],
            representation: vec![],
            representation_theory: vec![],
            kernel: vec![],
            kernel_theory: vec![],
        };
        let mut trainer = crate::engine::train::Trainer::new(&net, &data);
        let every = cfg.record_every.max(1);
        for step in 0..=cfg.steps {
            if step.is_multiple_of(every) || step == cfg.steps {
                let t = step as f64 * cfg.lr;
                let m = net.weights[0].t().dot(&net.weights[0]);
                let n = net.weights[1].dot(&net.weights[1].t());
                let (rep, ker) = rel(&m, &n);
                let snap = flow.at(t);
                let (rep_t, ker_t) = rel(&snap.w1tw1, &snap.w2w2t);
                let finite = [rep, ker, rep_t, ker_t].iter().all(|v| v.is_finite());
                if !finite || !net.is_finite() {
                    break;
                }
                curve.time.push(t);
                curve.loss.push(net.loss(&data) / l0.max(1e-300));
                curve
                    .loss_theory
                    .push(task_loss(&snap.w2w1, &data) / l0.max(1e-300));
                curve.representation.push(rep);
                curve.representation_theory.push(rep_t);
                curve.kernel.push(ker);
                curve.kernel_theory.push(ker_t);
            }
            if step < cfg.steps {
                trainer.step(&mut net, &data, cfg.lr);
            }
        }
        curves.push(curve);
    }
    Ok(LazyRichResults {
        curves,
        scale: cfg.scale,
    })
}
