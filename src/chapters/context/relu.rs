//! A context task and a ReLU network trained on it beside a gated linear network.
//!
//! The task: C contexts and one base task `Y` (features x items). The input is the item's
//! one-hot vector followed by the context's one-hot vector, `x = [e_p; e_c]`; the target holds
//! `Y e_p` in the output block of context c and zeros in the other blocks. Every (item, context)
//! pair is one example, and the loss is averaged over the contexts,
//! `L = (1/C) Σ_c ½ Σ_p ‖y_pc − ŷ_pc‖²`.
//!
//! The gated linear network on this task has one input module, the shared layer, and one output
//! module per context, switched on by the context (a routing network with one input domain and
//! C output domains, [`super::gated`]); it has an exact reduction from a decoupled start. The
//! ReLU network `ŷ = W₂ relu(W₁ x)` has none: it is simulated only. Read as a gated linear
//! network (after Jarvis et al., ICLR 2025), each of its hidden units is a gate that the context
//! input switches on or off; [`ReluNetwork::activity`] shows which.

use ndarray::{s, Array2};

use super::gated::{GatedNetwork, RoutingTask};
use crate::engine::rng::Rng;
use crate::linalg::Svd;

/// The context task.
#[derive(Clone, Debug)]
pub struct ContextTask {
    pub contexts: usize,
    /// The base task, features x items.
    pub y: Array2<f64>,
    /// SVD of the base task: the modes each context's block is measured along.
    pub svd: Svd,
    /// Inputs, `(items + contexts) x (contexts · items)`; column `c · items + p`.
    pub x: Array2<f64>,
    /// Targets, `(contexts · features) x (contexts · items)`.
    pub target: Array2<f64>,
}

impl ContextTask {
    pub fn new(contexts: usize, y: Array2<f64>) -> ContextTask {
        let (f, p) = y.dim();
        let n = contexts * p;
        let mut x = Array2::zeros((p + contexts, n));
        let mut target = Array2::zeros((contexts * f, n));
        for c in 0..contexts {
            for item in 0..p {
                let col = c * p + item;
                x[(item, col)] = 1.0;
                x[(p + c, col)] = 1.0;
                for feat in 0..f {
                    target[(c * f + feat, col)] = y[(feat, item)];
                }
            }
        }
        let svd = Svd::new(&y.view());
        ContextTask {
            contexts,
            y,
            svd,
            x,
            target,
        }
    }

    /// The same task for the gated linear network: one input domain, one output per context.
    pub fn routing(&self) -> RoutingTask {
        RoutingTask::new(Array2::ones((1, self.contexts)), self.y.clone())
    }

    fn items(&self) -> usize {
        self.y.ncols()
    }

    fn features(&self) -> usize {
        self.y.nrows()
    }
}

/// `ŷ = W₂ relu(W₁ x)`, no biases (the context's one-hot input plays that part).
#[derive(Clone, Debug)]
pub struct ReluNetwork {
    pub w1: Array2<f64>,
    pub w2: Array2<f64>,
}

impl ReluNetwork {
    /// Every weight i.i.d. N(0, std²).
    pub fn gaussian(task: &ContextTask, hidden: usize, std: f64, rng: &mut Rng) -> ReluNetwork {
        let inputs = task.x.nrows();
        let outputs = task.target.nrows();
        let w1 = Array2::from_shape_simple_fn((hidden, inputs), || std * rng.gaussian());
        let w2 = Array2::from_shape_simple_fn((outputs, hidden), || std * rng.gaussian());
        ReluNetwork { w1, w2 }
    }

    fn forward(&self, task: &ContextTask) -> (Array2<f64>, Array2<f64>) {
        let z = self.w1.dot(&task.x);
        let a = z.mapv(|v| v.max(0.0));
        (z, a)
    }

    /// `(1/C) ½ ‖T − W₂ relu(W₁ X)‖²`.
    pub fn loss(&self, task: &ContextTask) -> f64 {
        let (_, a) = self.forward(task);
        let e = &task.target - &self.w2.dot(&a);
        0.5 * e.iter().map(|v| v * v).sum::<f64>() / task.contexts as f64
    }

    /// One full-batch gradient-descent step; returns the loss before it.
    pub fn step(&mut self, task: &ContextTask, lr: f64) -> f64 {
        let (z, a) = self.forward(task);
        let e = &task.target - &self.w2.dot(&a);
        let c = 1.0 / task.contexts as f64;
        let loss = 0.5 * e.iter().map(|v| v * v).sum::<f64>() * c;
        let d2 = e.dot(&a.t());
        let mut delta = self.w2.t().dot(&e);
        delta.zip_mut_with(&z, |d, &zv| {
            if zv <= 0.0 {
                *d = 0.0;
            }
        });
        let d1 = delta.dot(&task.x.t());
        self.w1.scaled_add(lr * c, &d1);
        self.w2.scaled_add(lr * c, &d2);
        loss
    }

    /// Mode strengths of each context's block, `u_αᵀ Ŷ_c v_α`: `[context][mode]`.
    pub fn context_modes(&self, task: &ContextTask) -> Vec<Vec<f64>> {
        let (_, a) = self.forward(task);
        let out = self.w2.dot(&a);
        let (f, p) = (task.features(), task.items());
        (0..task.contexts)
            .map(|c| {
                let block = out.slice(s![c * f..(c + 1) * f, c * p..(c + 1) * p]);
                let m = task.svd.u.t().dot(&block).dot(&task.svd.v);
                (0..task.svd.s.len()).map(|al| m[(al, al)]).collect()
            })
            .collect()
    }

    /// For every hidden unit and context, the fraction of items for which the unit is active
    /// (`hidden x contexts`). A unit on in some contexts and off in others gates them.
    pub fn activity(&self, task: &ContextTask) -> Array2<f64> {
        let (z, _) = self.forward(task);
        let p = task.items();
        Array2::from_shape_fn((self.w1.nrows(), task.contexts), |(k, c)| {
            (0..p).filter(|&item| z[(k, c * p + item)] > 0.0).count() as f64 / p as f64
        })
    }

    /// How much each hidden unit contributes to the output: `‖W₂[:, k]‖` times its mean
    /// activation over all examples.
    pub fn importance(&self, task: &ContextTask) -> Vec<f64> {
        let (_, a) = self.forward(task);
        let n = a.ncols().max(1) as f64;
        (0..self.w1.nrows())
            .map(|k| {
                let out = self.w2.column(k).iter().map(|v| v * v).sum::<f64>().sqrt();
                out * a.row(k).sum() / n
            })
            .collect()
    }

    pub fn is_finite(&self) -> bool {
        self.w1.iter().chain(self.w2.iter()).all(|v| v.is_finite())
    }
}

/// One recorded moment of the comparison.
#[derive(Clone, Debug)]
pub struct ComparisonRecord {
    pub step: u64,
    pub time: f64,
    pub relu_loss: f64,
    pub gated_loss: f64,
    /// `[context][mode]` of each network.
    pub relu_modes: Vec<Vec<f64>>,
    pub gated_modes: Vec<Vec<f64>>,
}

/// A ReLU network and a gated linear network trained side by side on the same context task,
/// from small random starts of the same scale, at the same learning rate.
#[derive(Clone, Debug)]
pub struct ReluComparison {
    pub task: ContextTask,
    pub routing: RoutingTask,
    pub relu: ReluNetwork,
    pub gated: GatedNetwork,
    pub lr: f64,
    step: u64,
    every: u64,
    records: Vec<ComparisonRecord>,
}

impl ReluComparison {
    pub fn new(
        task: ContextTask,
        hidden: usize,
        std: f64,
        lr: f64,
        record_every: u64,
        seed: u64,
    ) -> ReluComparison {
        let mut rng = Rng::new(seed);
        let routing = task.routing();
        let relu = ReluNetwork::gaussian(&task, hidden, std, &mut rng);
        let gated = GatedNetwork::gaussian(&routing, (hidden, hidden), std, &mut rng);
        let mut cmp = ReluComparison {
            task,
            routing,
            relu,
            gated,
            lr,
            step: 0,
            every: record_every.max(1),
            records: Vec::new(),
        };
        cmp.record();
        cmp
    }

    fn record(&mut self) {
        self.records.push(ComparisonRecord {
            step: self.step,
            time: self.step as f64 * self.lr,
            relu_loss: self.relu.loss(&self.task),
            gated_loss: self.gated.loss(&self.routing),
            relu_modes: self.relu.context_modes(&self.task),
            gated_modes: self.gated.pathway_modes(&self.routing),
        });
    }

    /// Trains both networks `steps` more steps (stopping if either diverges); returns the
    /// number taken.
    pub fn advance(&mut self, steps: u64) -> u64 {
        let mut taken = 0;
        while taken < steps {
            self.relu.step(&self.task, self.lr);
            self.gated.step(&self.routing, self.lr);
            self.step += 1;
            taken += 1;
            if !self.relu.is_finite() || !self.gated.is_finite() {
                break;
            }
            if self.step.is_multiple_of(self.every) {
                self.record();
            }
        }
        taken
    }

    pub fn records(&self) -> &[ComparisonRecord] {
        &self.records
    }

    pub fn step_count(&self) -> u64 {
        self.step
    }
}
