//! Which exact solution applies to a run, and its predicted mode strengths and loss over time.
//!
//! | network | initialisation | prediction |
//! |---|---|---|
//! | shallow (D = 1) | any | exact for these steps: `W_k = W* + (W_0 - W*) prod (1 - eta c)` (docs/theory.md §9.1); gradient flow: exponential relaxation (§1.3) |
//! | any depth | balanced, aligned to the data | exact for these steps: the gradient-descent map of each mode (§9.1); gradient flow: eq. 12 (D = 2), eq. 15 (D >= 3), the aligned lambda-balanced form when the layers differ (§4.2) |
//! | one hidden layer | any start whose weights are lambda-balanced (`W2^T W2 - W1 W1^T = lambda I`, e.g. `lambda_balanced`, or orthogonal with a hidden layer no wider than input and output) | gradient flow: the matrix Riccati solution (§4.1, §4.2); gradient descent differs by O(eta s) |
//! | one hidden layer | small random Gaussian | approximate: the map of a balanced mode from `u0 = N_h sigma^2 / 2` (§1.3), valid while `N_h sigma^2 << s_min` |
//! | otherwise | | none, with a note saying why |
//!
//! Where the exact gradient-descent map exists it is the prediction drawn and recorded; the
//! papers' continuous-time solution stays available beside it ([`Prediction::flow_sample`]).
//!
//! A network with a tanh or relu nonlinearity on its hidden layers has no exact solution: it gets
//! the prediction its linear counterpart (same weights, no nonlinearity) would get, flagged as a
//! reference only (`exact` false, `reference_only` true, and a note).
//!
//! Time `t` is in units of tau (steps times learning rate).

use std::cell::RefCell;

use ndarray::{Array1, Array2};

use crate::config::{Activation, Config, InitKind, InitRule};
use crate::engine::data::Dataset;
use crate::engine::init::{balanced_layer_strengths, balanced_mode_count};
use crate::engine::network::{mode_strengths_of, Network};
use crate::linalg::Svd;
use crate::theory::riccati::{balance_of, Riccati};
use crate::theory::{effective_u0_small_random_layers, ModeCurve, ModeMap};

/// Largest work (multiply-adds) spent tabulating a Riccati solution for drawing.
const RICCATI_BUDGET: f64 = 4e8;
/// Points in the Riccati drawing table.
const TABLE_POINTS: usize = 400;

/// Predicted values at one time.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub modes: Vec<f64>,
    pub loss: f64,
}

/// What a prediction is, in a word: the claim its label makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quality {
    /// Equal to the simulation to rounding: the gradient-descent map at the run's own rates.
    Exact,
    /// The continuous-time solution: gradient descent differs from it by O(eta s).
    GradientFlow,
    /// An approximation with a stated range of validity.
    Approximate,
    /// The linear theory beside a nonlinear network.
    Reference,
}

/// The prediction for a run.
#[derive(Debug)]
pub struct Prediction {
    kind: Kind,
    /// The exact gradient-descent map of each mode, where the modes decouple.
    discrete: Option<Discrete>,
    /// True when the prediction drawn equals gradient descent to rounding (the map of
    /// decoupled modes at the run's own rates); false for gradient flow, approximations and
    /// references.
    pub exact: bool,
    /// The linear theory drawn beside a nonlinear network: a reference, not a prediction.
    pub reference_only: bool,
    /// One line on what the prediction is.
    pub label: String,
    /// The papers' continuous-time solution drawn as the second curve, when the first is the
    /// exact map (none otherwise: then the prediction is itself the gradient flow).
    pub flow_label: Option<String>,
    /// Why the prediction is a reference only (nonlinear networks); none otherwise.
    pub note: Option<String>,
    /// Where an approximation stops holding, with the numbers of this run, when it does not hold.
    pub validity: Option<String>,
    s: Vec<f64>,
    c: f64,
    /// `1/2 ||Y - W* X||^2` for the best linear map `W* = Sigma_yx / c`: the part of the loss
    /// no network can learn, computed directly (zero for one-hot items).
    residual: f64,
    /// The factor of the run's loss (`train.loss`): every predicted loss is this times
    /// `1/2 ||Y - W X||^2` (1 for the summed loss, `2/(P F)` for the mean loss).
    loss_scale: f64,
    /// The data's SVD (for the predicted matrices of aligned modes).
    svd: Option<Svd>,
}

/// Largest number of mode-steps spent projecting the map forward in one go; past it the
/// drawing continues with the gradient flow from the state reached.
const MAP_BUDGET: u64 = 4_000_000;
/// Most states kept per projected segment (the drawing table).
const SEGMENT_POINTS: u64 = 2048;

/// The exact gradient-descent map of every decoupled mode: a cursor advanced with the run, and
/// drawing tables projected forward from it at the current rate.
#[derive(Clone, Debug)]
struct Discrete {
    /// The maps at the run's current step (advanced by [`Prediction::step`]).
    cursor: Vec<ModeMap>,
    step: u64,
    time: f64,
    /// Drawing tables, one per stretch of constant rate, in time order.
    segments: RefCell<Vec<Segment>>,
    /// The run's length in steps: segments project to twice this.
    horizon: u64,
}

/// The maps projected forward from the cursor at one rate.
#[derive(Clone, Debug)]
struct Segment {
    step0: u64,
    t0: f64,
    lr: f64,
    stride: u64,
    /// States at `step0 + i * stride`.
    states: Vec<Vec<ModeMap>>,
    /// Past the projected steps (the budget or the horizon ran out): the time the projection
    /// ends, and the gradient flow from the state it reached.
    tail: Option<(f64, Vec<ModeCurve>)>,
    /// Step (from 0) at which each mode first reached its half-learning goal, on this segment.
    half: Vec<Option<f64>>,
}

impl Discrete {
    fn new(maps: Vec<ModeMap>, lr: f64, horizon: u64) -> Discrete {
        let d = Discrete {
            cursor: maps,
            step: 0,
            time: 0.0,
            segments: RefCell::new(Vec::new()),
            horizon,
        };
        d.project(lr);
        d
    }

    /// Starts a new drawing segment at the cursor with rate `lr`, dropping what was projected
    /// past the cursor at the old rate.
    fn project(&self, lr: f64) {
        let mut segs = self.segments.borrow_mut();
        // What was projected past the cursor at the old rate no longer holds.
        segs.retain(|g| g.step0 < self.step);
        if let Some(last) = segs.last_mut() {
            let keep = ((self.step - last.step0) / last.stride + 1) as usize;
            last.states.truncate(keep.min(last.states.len()));
            last.tail = None;
            let now = self.step as f64;
            for h in last.half.iter_mut() {
                if h.is_some_and(|h| h > now) {
                    *h = None;
                }
            }
        }
        let n = self.cursor.len().max(1) as u64;
        // Project to twice the run's length (so that the half-learning times of modes learned
        // just after the end are still found), or until every mode has stopped moving.
        let steps = (2 * self.horizon).saturating_sub(self.step).max(1);
        let stride = steps.div_ceil(SEGMENT_POINTS).max(1);
        let budget = (MAP_BUDGET / n).max(stride);
        let mut state = self.cursor.clone();
        let goals: Vec<(f64, f64)> = state
            .iter()
            .map(|m| half_goal(m.u(), m.asymptote()))
            .collect();
        let mut half: Vec<Option<f64>> = state
            .iter()
            .zip(&goals)
            .map(|(m, &(goal, dir))| {
                (dir != 0.0 && (m.u() - goal) * dir >= 0.0).then_some(self.step as f64)
            })
            .collect();
        let mut states = vec![state.clone()];
        let mut k = 0u64;
        let mut tail = None;
        while k < steps {
            if k >= budget {
                let end = self.time + k as f64 * lr;
                tail = Some((end, state.iter().map(|m| m.flow()).collect()));
                break;
            }
            let mut still = true;
            for (a, m) in state.iter_mut().enumerate() {
                let before = m.u();
                m.step(lr);
                let after = m.u();
                if (after - before).abs() > 1e-15 * after.abs() {
                    still = false;
                }
                let (goal, dir) = goals[a];
                if half[a].is_none() && dir != 0.0 && (after - goal) * dir >= 0.0 {
                    let f = ((goal - before) / (after - before)).clamp(0.0, 1.0);
                    half[a] = Some((self.step + k) as f64 + f);
                }
            }
            k += 1;
            if k.is_multiple_of(stride) {
                states.push(state.clone());
            }
            if still {
                // A fixed point to rounding: every later state is this one.
                if !k.is_multiple_of(stride) {
                    states.push(state.clone());
                }
                break;
            }
            if k == steps {
                // Past the projected steps the curve continues as the gradient flow from
                // where the map got to (only queries beyond twice the run's length see it).
                let end = self.time + k as f64 * lr;
                tail = Some((end, state.iter().map(|m| m.flow()).collect()));
            }
        }
        segs.push(Segment {
            step0: self.step,
            t0: self.time,
            lr,
            stride,
            states,
            tail,
            half,
        });
    }

    /// `(u, input-side strength squared, readout strength squared)` of every map at time `t`
    /// (units of tau), from the drawing tables: exact at the tabulated steps, linear between.
    fn at(&self, t: f64) -> Vec<(f64, f64, f64)> {
        let segs = self.segments.borrow();
        let g = segs.iter().rev().find(|g| g.t0 <= t).unwrap_or(&segs[0]);
        let k = ((t - g.t0) / g.lr).max(0.0);
        let x = k / g.stride as f64;
        let last = g.states.len() - 1;
        if let Some((end, curves)) = &g.tail {
            if t >= *end {
                let depth = depth_of(&g.states[last]);
                return curves.iter().map(|c| c.layers_at(t - end, depth)).collect();
            }
        }
        if x >= last as f64 {
            return g.states[last].iter().map(|m| m.layers()).collect();
        }
        let i = x.floor() as usize;
        let f = x - i as f64;
        g.states[i]
            .iter()
            .zip(&g.states[i + 1])
            .map(|(p, q)| {
                let (lp, lq) = (p.layers(), q.layers());
                let mix = |a: f64, b: f64| a + f * (b - a);
                (mix(lp.0, lq.0), mix(lp.1, lq.1), mix(lp.2, lq.2))
            })
            .collect()
    }

    /// Step at which each mode is predicted half learned: where it got there at the rates
    /// used so far, or on the projection at the current rate.
    fn half_steps(&self) -> Vec<Option<f64>> {
        let segs = self.segments.borrow();
        let mut out = vec![None; self.cursor.len()];
        for g in segs.iter() {
            for (o, h) in out.iter_mut().zip(&g.half) {
                if o.is_none() {
                    *o = *h;
                }
            }
        }
        out
    }
}

fn depth_of(maps: &[ModeMap]) -> usize {
    match maps.first() {
        Some(ModeMap::Balanced { d, .. }) => *d,
        Some(ModeMap::Aligned { .. }) => 2,
        _ => 1,
    }
}

/// The half-learning goal of a mode going from `start` to `end`, and the direction it moves in
/// (0 when it does not move): half the asymptote, or halfway from a start already beyond that.
fn half_goal(start: f64, end: f64) -> (f64, f64) {
    if (end - start).abs() < 1e-300 || !(end - start).is_finite() {
        return (0.0, 0.0);
    }
    let goal = if start.abs() < 0.5 * end.abs() {
        0.5 * end
    } else {
        0.5 * (start + end)
    };
    (goal, (end - start).signum())
}

/// `sum_a w_a x_a y_a^T` over the columns of `x` and `y`.
fn weighted_outer(x: &Array2<f64>, w: &[f64], y: &Array2<f64>) -> Array2<f64> {
    let k = w.len().min(x.ncols()).min(y.ncols());
    let mut xw = x.slice(ndarray::s![.., ..k]).to_owned();
    for (a, mut col) in xw.columns_mut().into_iter().enumerate() {
        col *= w[a];
    }
    xw.dot(&y.slice(ndarray::s![.., ..k]).t())
}

#[derive(Debug)]
enum Kind {
    /// Independent modes aligned with the data's SVD, each with its own curve; `depth` weight
    /// matrices share each mode's strength (or split it as `a`, `b` for lambda-balanced modes).
    Modes {
        curves: Vec<ModeCurve>,
        depth: usize,
    },
    /// A shallow network relaxes exponentially in every direction, also off the modes:
    /// `W(t) = W* + (W0 - W*) e^(-ct)` and `L(t) = L* + e^(-2ct) (L0 - L*)`.
    Shallow {
        curves: Vec<ModeCurve>,
        w0: Array2<f64>,
        wstar: Array2<f64>,
        l0: f64,
        lstar: f64,
    },
    /// The matrix Riccati solution.
    Riccati(Box<RiccatiPrediction>),
}

/// The predicted network at one time.
#[derive(Clone, Debug)]
pub struct TheoryMatrices {
    /// The network function `W_D ... W_1` (`N_D x N_0`); with one-hot items, the output.
    pub map: Array2<f64>,
    /// `W_1^T W_1` (`N_0 x N_0`): the first hidden layer's similarity of inputs (the RSM for
    /// one-hot items); none for a shallow network.
    pub hidden_gram: Option<Array2<f64>>,
    /// `R R^T` for the readout `R = W_D ... W_2` (`N_D x N_D`); none for a shallow network.
    pub readout_gram: Option<Gram>,
}

/// A Gram matrix, whole or as its factors `X diag(w) X^T`: the readout's `N_D x N_D` Gram of a
/// dataset with 10,000 features would be 800 MB, and its readers need one column of it.
#[derive(Clone, Debug)]
pub enum Gram {
    Full(Array2<f64>),
    Factored { x: Array2<f64>, w: Vec<f64> },
}

impl Gram {
    /// Column `j` of the matrix.
    pub fn column(&self, j: usize) -> Array1<f64> {
        match self {
            Gram::Full(g) => g.column(j).to_owned(),
            Gram::Factored { x, w } => {
                let k = w.len().min(x.ncols());
                let xj: Array1<f64> = (0..k).map(|a| w[a] * x[(j, a)]).collect();
                x.slice(ndarray::s![.., ..k]).dot(&xj)
            }
        }
    }
}

/// Largest `N_0 + N_D` for which the Riccati table also keeps the predicted matrices.
const TABLE_MATRICES_MAX: usize = 160;

#[derive(Debug)]
struct RiccatiPrediction {
    /// Exact evaluation, advanced forward as records are taken.
    cursor: RefCell<Riccati>,
    /// A separate solver filling the drawing table.
    tabler: RefCell<Riccati>,
    table: RefCell<Vec<(f64, Point, Option<TheoryMatrices>)>>,
    keep_matrices: bool,
    dt: f64,
    svd: Svd,
    syx: Array2<f64>,
}

fn point_from_map(w: &Array2<f64>, svd: &Svd, syx: &Array2<f64>, c: f64, residual: f64) -> Point {
    // For Sigma_xx = c I the loss is ||Sigma_yx - c W||^2 / (2c) plus what no map can learn, a
    // sum of squares that never cancels (docs/theory.md §5).
    let gap: f64 = w
        .iter()
        .zip(syx.iter())
        .map(|(w, y)| (y - c * w) * (y - c * w))
        .sum();
    Point {
        modes: mode_strengths_of(w, svd),
        loss: gap / (2.0 * c) + residual,
    }
}

impl RiccatiPrediction {
    fn extend_table(&self, t_max: f64, s: &Svd, c: f64, residual: f64) {
        let mut table = self.table.borrow_mut();
        let mut solver = self.tabler.borrow_mut();
        while table.last().map(|e| e.0).unwrap_or(-1.0) < t_max {
            let t = table.len() as f64 * self.dt;
            let snap = solver.at(t);
            let point = point_from_map(&snap.w2w1, s, &self.syx, c, residual);
            let mats = self.keep_matrices.then(|| TheoryMatrices {
                map: snap.w2w1.clone(),
                hidden_gram: Some(snap.w1tw1.clone()),
                readout_gram: Some(Gram::Full(snap.w2w2t.clone())),
            });
            table.push((t, point, mats));
        }
    }

    /// The tabulated point at time `t`, interpolated linearly.
    fn sample(&self, t: f64, s: &Svd, c: f64, residual: f64) -> Point {
        self.extend_table(t, s, c, residual);
        let table = self.table.borrow();
        let x = (t / self.dt).max(0.0);
        let i = (x.floor() as usize).min(table.len() - 1);
        let j = (i + 1).min(table.len() - 1);
        let f = (x - i as f64).clamp(0.0, 1.0);
        let (p, q) = (&table[i].1, &table[j].1);
        Point {
            modes: p
                .modes
                .iter()
                .zip(&q.modes)
                .map(|(a, b)| a + f * (b - a))
                .collect(),
            loss: p.loss + f * (q.loss - p.loss),
        }
    }
}

/// `1/2 ||Y - (Sigma_yx / c) X||^2`: the loss of the best linear map, summed directly.
fn residual_loss(data: &Dataset, c: f64) -> f64 {
    if data.one_hot {
        return 0.0;
    }
    let w = data.sigma_yx() / c;
    let fit = w.dot(&data.x);
    0.5 * data
        .y
        .iter()
        .zip(fit.iter())
        .map(|(y, f)| (y - f) * (y - f))
        .sum::<f64>()
}

impl Prediction {
    /// The prediction for a run of `cfg` on `data` starting from `net`, or a note saying why
    /// there is none.
    pub fn for_run(
        cfg: &Config,
        data: &Dataset,
        svd: &Svd,
        net: &Network,
    ) -> Result<Prediction, String> {
        if cfg.depth() >= 2 && cfg.network.activation != Activation::Linear {
            return Prediction::linear_reference(cfg, data, svd, net);
        }
        let Some(c) = data.whitening() else {
            return Err("no exact solution: the inputs are not whitened (Σxx ≠ cI)".into());
        };
        let depth = cfg.depth();
        let rank = svd.rank();
        let modes = svd.s.len();
        let residual = residual_loss(data, c);
        // The theory is written for the summed loss; the mean loss is the same descent at the
        // rate 2 lr / (P F) (docs/theory.md §9.2), so time runs at that rate.
        let loss_scale = cfg.train.loss.factor(data.n_items(), data.n_outputs());
        let (lr, horizon) = (cfg.train.lr * loss_scale, cfg.train.steps);
        let make = |kind: Kind, maps: Option<Vec<ModeMap>>, label: String| Prediction {
            kind,
            exact: maps.is_some(),
            discrete: maps.map(|m| Discrete::new(m, lr, horizon)),
            reference_only: false,
            label,
            flow_label: None,
            note: None,
            validity: None,
            s: svd.s.clone(),
            c,
            residual,
            loss_scale,
            svd: Some(svd.clone()),
        };
        let initial = net.mode_strengths(svd);
        if depth == 1 {
            let curves = (0..modes)
                .map(|a| ModeCurve::Shallow {
                    s: svd.s[a],
                    c,
                    u0: initial[a],
                })
                .collect();
            // The modes, then the factor prod (1 - eta c) by which W - W* has shrunk (a mode of
            // target 0 starting at 1).
            let mut maps: Vec<ModeMap> = (0..modes)
                .map(|a| ModeMap::Shallow {
                    s: svd.s[a],
                    c,
                    u: initial[a],
                })
                .collect();
            maps.push(ModeMap::Shallow { s: 0.0, c, u: 1.0 });
            let l0 = net.loss(data);
            let mut p = make(
                Kind::Shallow {
                    curves,
                    w0: net.weights[0].clone(),
                    wstar: data.sigma_yx() / c,
                    l0,
                    lstar: residual,
                },
                Some(maps),
                "exact for these steps: shallow network, W − W* shrinks by (1 − ηc) each step"
                    .into(),
            );
            p.flow_label = Some("gradient flow: u(t) = s/c + (u₀ − s/c)e^(−ct)".into());
            return Ok(p);
        }
        if cfg.init.kind == InitKind::Balanced {
            let k = balanced_mode_count(&net.dims(), svd);
            let lambda = cfg.init.lambda;
            let (curves, maps): (Vec<ModeCurve>, Vec<ModeMap>) = (0..modes)
                .map(|a| {
                    let on = a < k && a < rank;
                    let u0 = if on { cfg.init.scale } else { 0.0 };
                    let s = svd.s[a];
                    if depth == 2 && lambda != 0.0 && on {
                        let (a0, b0) = balanced_layer_strengths(cfg.init.scale, lambda);
                        (
                            ModeCurve::LambdaBalanced { s, c, a0, b0 },
                            ModeMap::Aligned { s, c, a: a0, b: b0 },
                        )
                    } else {
                        (
                            ModeCurve::balanced(depth, s, c, u0),
                            ModeMap::balanced(depth, s, c, u0),
                        )
                    }
                })
                .unzip();
            let (label, flow) = match (depth, lambda != 0.0) {
                (2, false) => (
                    "exact for these steps: gradient-descent map of each balanced mode".to_string(),
                    "gradient flow (continuous time): SMG14 eq. 12".to_string(),
                ),
                (2, true) => (
                    format!("exact for these steps: gradient-descent map of each aligned λ-balanced mode (λ = {lambda})"),
                    format!("gradient flow (continuous time): aligned λ-balanced solution (λ = {lambda}), D25"),
                ),
                _ => (
                    format!("exact for these steps: gradient-descent map of each balanced mode, depth {depth}"),
                    format!("gradient flow (continuous time): balanced start, depth {depth}, SMG14 eq. 15"),
                ),
            };
            let mut p = make(Kind::Modes { curves, depth }, Some(maps), label);
            p.flow_label = Some(flow);
            return Ok(p);
        }
        if depth == 2 {
            let (w1, w2) = (&net.weights[0], &net.weights[1]);
            if let Some(lambda) = balance_of(w1, w2, 1e-9) {
                let syx = data.sigma_yx();
                let solver = Riccati::new(w1, w2, &syx, c, lambda);
                let horizon = (cfg.train.steps as f64 * lr).max(1e-9);
                let (n_out, n_in) = syx.dim();
                let cost = Riccati::cost_per_step(n_in, n_out, w1.nrows())
                    * (solver.steps_to(horizon) + TABLE_POINTS as f64);
                if cost > RICCATI_BUDGET {
                    return Err(format!(
                        "no exact solution drawn: the λ-balanced (Riccati) solution is too costly at this size ({:.0e} operations)",
                        cost
                    ));
                }
                let lam = if lambda.abs() < 1e-12 { 0.0 } else { lambda };
                let pred = RiccatiPrediction {
                    keep_matrices: n_in + n_out <= TABLE_MATRICES_MAX,
                    cursor: RefCell::new(solver.clone()),
                    tabler: RefCell::new(solver),
                    table: RefCell::new(Vec::new()),
                    dt: horizon / TABLE_POINTS as f64,
                    svd: svd.clone(),
                    syx,
                };
                return Ok(make(
                    Kind::Riccati(Box::new(pred)),
                    None,
                    format!(
                        "gradient flow (continuous time): λ-balanced start (λ = {}), matrix Riccati solution (B22, D25); gradient descent differs by O(η s)",
                        fmt_lambda(lam)
                    ),
                ));
            }
            if cfg.init.kind == InitKind::SmallGaussian {
                let hidden = cfg.network.hidden[0];
                let dims = net.dims();
                let rule = cfg.init.rule;
                let sigma1 = rule.std(cfg.init.scale, dims[0], hidden);
                let sigma2 = rule.std(cfg.init.scale, hidden, dims[2]);
                let u0 = effective_u0_small_random_layers(hidden, sigma1, sigma2);
                // N_h sigma^2 of the range of validity, with sigma^2 the two layers' mean variance.
                let strength = hidden as f64 * (sigma1 * sigma1 + sigma2 * sigma2) / 2.0;
                let formula = match rule {
                    InitRule::Std => "N_h σ²/2".to_string(),
                    InitRule::XavierGamma => format!(
                        "N_h (σ₁² + σ₂²)/4 with σ₁ = {sigma1:.2e}, σ₂ = {sigma2:.2e} (γ/√(n_in + n_out) per layer)"
                    ),
                };
                let start = |a: usize| if a < rank { u0 } else { 0.0 };
                let curves = (0..modes)
                    .map(|a| ModeCurve::balanced(2, svd.s[a], c, start(a)))
                    .collect();
                let maps = (0..modes)
                    .map(|a| ModeMap::balanced(2, svd.s[a], c, start(a)))
                    .collect();
                let mut p = make(
                    Kind::Modes { curves, depth: 2 },
                    Some(maps),
                    format!("approximate: the balanced-mode map from u₀ = {formula} = {u0:.2e}, valid while N_h σ² ≪ s_min"),
                );
                p.exact = false;
                p.flow_label = Some(format!(
                    "approximate, gradient flow: eq. 12 with u₀ = {formula} = {u0:.2e}"
                ));
                let s_min = svd
                    .s
                    .iter()
                    .take(rank)
                    .copied()
                    .fold(f64::INFINITY, f64::min);
                if rank > 0 && strength > 0.1 * s_min {
                    p.validity = Some(format!(
                        "N_h σ² = {strength:.3} > s_min/10 = {:.3}: the approximation does not hold here",
                        0.1 * s_min
                    ));
                }
                return Ok(p);
            }
        }
        Err(match (cfg.init.kind, depth) {
            (InitKind::SmallGaussian, _) => format!(
                "no exact solution: small random starts have a simple prediction only with one hidden layer (this network has {})",
                depth - 1
            ),
            (kind, 2) => format!(
                "no exact solution: this {} start is not λ-balanced (W₂ᵀW₂ − W₁W₁ᵀ ≠ λI)",
                kind.name().replace('_', " ")
            ),
            (kind, _) => format!(
                "no exact solution for {} {} start at depth {depth}; choose a balanced start",
                if kind == InitKind::Orthogonal { "an" } else { "a" },
                kind.name().replace('_', " ")
            ),
        })
    }

    /// The linear theory for a network with a nonlinearity: the prediction for the same
    /// weights without it, flagged as a reference only.
    fn linear_reference(
        cfg: &Config,
        data: &Dataset,
        svd: &Svd,
        net: &Network,
    ) -> Result<Prediction, String> {
        let name = cfg.network.activation.name();
        let mut linear = cfg.clone();
        linear.network.activation = Activation::Linear;
        let linear_net = net.clone().with_activation(Activation::Linear);
        match Prediction::for_run(&linear, data, svd, &linear_net) {
            Ok(mut p) => {
                let what = p
                    .label
                    .split_once(": ")
                    .map_or(p.label.as_str(), |(_, rest)| rest)
                    .to_string();
                p.exact = false;
                p.reference_only = true;
                p.label = format!(
                    "linear theory: reference only ({what}, for the same network without {name})"
                );
                p.note = Some(format!(
                    "linear theory: reference only. The exact solutions are for linear networks; this network has {name} hidden layers, so the dashed curves show what a linear network from the same start would do, not a prediction for this one{}.",
                    if cfg.network.activation == Activation::Tanh {
                        " (tanh is linear near 0, so they agree while the hidden activity stays small)"
                    } else {
                        ""
                    }
                ));
                Ok(p)
            }
            Err(why) => Err(format!(
                "no exact solution: this network has {name} hidden layers, and there is no linear theory to draw as a reference either ({why})"
            )),
        }
    }

    /// What the prediction claims to be.
    pub fn kind(&self) -> Quality {
        if self.reference_only {
            Quality::Reference
        } else if self.exact {
            Quality::Exact
        } else if self.label.starts_with("approximate") {
            Quality::Approximate
        } else {
            Quality::GradientFlow
        }
    }

    /// The reliability of the prediction in a few words: `exact`, `gradient flow`,
    /// `approximate`, or `linear theory: reference only`.
    pub fn quality(&self) -> &'static str {
        match self.kind() {
            Quality::Exact => "exact",
            Quality::GradientFlow => "gradient flow",
            Quality::Approximate => "approximate",
            Quality::Reference => "linear theory: reference only",
        }
    }

    /// True when a second, continuous-time curve can be drawn beside the prediction.
    pub fn has_flow_curve(&self) -> bool {
        self.flow_label.is_some()
    }

    /// One gradient step of rate `lr` taken by the run: advances the exact map in step.
    pub fn step(&mut self, lr: f64) {
        if let Some(d) = self.discrete.as_mut() {
            for m in d.cursor.iter_mut() {
                m.step(lr);
            }
            d.step += 1;
            d.time += lr;
        }
    }

    /// The run's learning rate or length changed at its current step: the drawing tables are
    /// projected anew from there (the map itself continues from where it is).
    pub fn set_rate(&mut self, lr: f64, steps: u64) {
        if let Some(d) = self.discrete.as_mut() {
            d.horizon = steps;
            d.project(lr);
        }
    }

    fn point_of_layers(&self, layers: &[(f64, f64, f64)]) -> Point {
        let n = self.s.len();
        let modes: Vec<f64> = layers.iter().take(n).map(|l| l.0).collect();
        let loss = match &self.kind {
            Kind::Shallow { l0, lstar, .. } => {
                let f = layers.get(n).map_or(0.0, |l| l.0);
                lstar + f * f * (l0 - lstar)
            }
            _ => self.aligned_loss(&modes),
        };
        Point { modes, loss }
    }

    /// A point with its loss in the run's own convention (`train.loss`).
    fn scaled(&self, mut p: Point) -> Point {
        p.loss *= self.loss_scale;
        p
    }

    /// The prediction at the run's current step: the exact map where there is one (equal to
    /// gradient descent to rounding), otherwise the solution at the run's time `t`. The loss is
    /// in the run's convention (`train.loss`), like every loss the prediction returns.
    pub fn now(&self, t: f64) -> Point {
        self.scaled(self.now_sum(t))
    }

    fn now_sum(&self, t: f64) -> Point {
        match &self.discrete {
            Some(d) => {
                let layers: Vec<(f64, f64, f64)> = d.cursor.iter().map(|m| m.layers()).collect();
                self.point_of_layers(&layers)
            }
            None => self.flow_sum(t),
        }
    }

    /// The prediction at time `t` (units of tau): the exact map's drawing table where there is
    /// one, otherwise the continuous-time solution.
    pub fn at(&self, t: f64) -> Point {
        self.scaled(self.at_sum(t))
    }

    fn at_sum(&self, t: f64) -> Point {
        match &self.discrete {
            Some(d) => self.point_of_layers(&d.at(t)),
            None => self.flow_sum(t),
        }
    }

    /// The gradient-flow (continuous-time) solution at time `t`: the papers' curve.
    pub fn flow_at(&self, t: f64) -> Point {
        self.scaled(self.flow_sum(t))
    }

    fn flow_sum(&self, t: f64) -> Point {
        match &self.kind {
            Kind::Modes { curves, .. } => {
                let modes: Vec<f64> = curves.iter().map(|c| c.at(t)).collect();
                let loss = self.aligned_loss(&modes);
                Point { modes, loss }
            }
            Kind::Shallow {
                curves, l0, lstar, ..
            } => Point {
                modes: curves.iter().map(|c| c.at(t)).collect(),
                loss: lstar + (-2.0 * self.c * t).exp() * (l0 - lstar),
            },
            Kind::Riccati(r) => {
                let snap = r.cursor.borrow_mut().at(t);
                point_from_map(&snap.w2w1, &r.svd, &r.syx, self.c, self.residual)
            }
        }
    }

    /// The predicted network function and hidden-layer similarities at time `t`, or `None`
    /// where the prediction does not provide them (a Riccati solution too large to tabulate).
    /// Aligned modes: `W_tot = U A V^T`; each of the D layers carries `a^(1/D)`, so
    /// `W_1^T W_1 = V A^(2/D) V^T` (docs/theory.md §2.3: `V A V^T` for D = 2) and
    /// `R R^T = U A^(2(D-1)/D) U^T`; lambda-balanced modes use their own `b^2`, `a^2` (§4.2).
    /// The predicted hidden Gram at time `t`, as `matrices_at(t)?.hidden_gram` without the
    /// map and readout beside it (for aligned modes `V diag(input strengths) Vᵀ` alone: the map is
    /// features × items, 4096 × 256 on the largest dataset, and the RSM and MDS read only this).
    pub fn hidden_gram_at(&self, t: f64) -> Option<Array2<f64>> {
        match &self.kind {
            Kind::Modes { curves, depth } => {
                let svd = self.svd.as_ref()?;
                let input_sq: Vec<f64> = match &self.discrete {
                    Some(d) => d.at(t).iter().map(|l| l.1).collect(),
                    None => curves.iter().map(|c| c.layers_at(t, *depth).1).collect(),
                };
                Some(weighted_outer(&svd.v, &input_sq, &svd.v))
            }
            _ => self.matrices_at(t)?.hidden_gram,
        }
    }

    pub fn matrices_at(&self, t: f64) -> Option<TheoryMatrices> {
        match &self.kind {
            Kind::Modes { curves, depth } => {
                let svd = self.svd.as_ref()?;
                let layers: Vec<(f64, f64, f64)> = match &self.discrete {
                    Some(d) => d.at(t),
                    None => curves.iter().map(|c| c.layers_at(t, *depth)).collect(),
                };
                let strength: Vec<f64> = layers.iter().map(|l| l.0).collect();
                let input_sq: Vec<f64> = layers.iter().map(|l| l.1).collect();
                let readout_sq: Vec<f64> = layers.iter().map(|l| l.2).collect();
                Some(TheoryMatrices {
                    map: weighted_outer(&svd.u, &strength, &svd.v),
                    hidden_gram: Some(weighted_outer(&svd.v, &input_sq, &svd.v)),
                    readout_gram: Some(Gram::Factored {
                        x: svd.u.clone(),
                        w: readout_sq,
                    }),
                })
            }
            Kind::Shallow { w0, wstar, .. } => {
                let f = match &self.discrete {
                    Some(d) => d.at(t).last().map_or(0.0, |l| l.0),
                    None => (-self.c * t).exp(),
                };
                Some(TheoryMatrices {
                    map: wstar + &((w0 - wstar) * f),
                    hidden_gram: None,
                    readout_gram: None,
                })
            }
            Kind::Riccati(r) => {
                if !r.keep_matrices {
                    return None;
                }
                r.extend_table(t, &r.svd, self.c, self.residual);
                let table = r.table.borrow();
                let x = (t / r.dt).max(0.0);
                let i = (x.floor() as usize).min(table.len() - 1);
                let j = (i + 1).min(table.len() - 1);
                let f = (x - i as f64).clamp(0.0, 1.0);
                let (p, q) = (table[i].2.as_ref()?, table[j].2.as_ref()?);
                let mix = |a: &Array2<f64>, b: &Array2<f64>| a + &((b - a) * f);
                fn full(g: Option<&Gram>) -> Option<&Array2<f64>> {
                    match g {
                        Some(Gram::Full(m)) => Some(m),
                        _ => None,
                    }
                }
                Some(TheoryMatrices {
                    map: mix(&p.map, &q.map),
                    hidden_gram: Some(mix(p.hidden_gram.as_ref()?, q.hidden_gram.as_ref()?)),
                    readout_gram: Some(Gram::Full(mix(
                        full(p.readout_gram.as_ref())?,
                        full(q.readout_gram.as_ref())?,
                    ))),
                })
            }
        }
    }

    /// The prediction at time `t` for drawing: the exact map's table or a closed form, or
    /// interpolated from a table for the Riccati solution (so drawing never costs more than a
    /// table lookup).
    pub fn sample(&self, t: f64) -> Point {
        match (&self.kind, &self.discrete) {
            (_, Some(_)) => self.at(t),
            _ => self.flow_sample(t),
        }
    }

    /// The gradient-flow curve at time `t` for drawing (the second curve beside an exact map).
    pub fn flow_sample(&self, t: f64) -> Point {
        match &self.kind {
            Kind::Riccati(r) => self.scaled(r.sample(t, &r.svd, self.c, self.residual)),
            _ => self.flow_at(t),
        }
    }

    /// `L = sum_a (s_a - c u_a)^2 / (2c)` plus the unlearnable residual, for a map aligned
    /// with the modes: a sum of squares, so it never cancels to 0 while the modes are short of
    /// their targets (docs/theory.md §5).
    fn aligned_loss(&self, modes: &[f64]) -> f64 {
        let gap: f64 = modes
            .iter()
            .zip(&self.s)
            .map(|(u, s)| (s - self.c * u) * (s - self.c * u))
            .sum::<f64>()
            + self.s.iter().skip(modes.len()).map(|s| s * s).sum::<f64>();
        gap / (2.0 * self.c) + self.residual
    }

    /// Predicted step at which each mode is half learned, from the exact map at the run's rates
    /// where there is one (`None` for a mode not learned within twice the run's length); `None`
    /// without a map (use [`Prediction::half_times`] with the time axis).
    pub fn half_steps(&self) -> Option<Vec<Option<f64>>> {
        self.discrete.as_ref().map(|d| {
            let mut out = d.half_steps();
            out.truncate(self.s.len());
            out
        })
    }

    /// Predicted half-learning time of each mode (units of tau) on the gradient-flow curve:
    /// when it first reaches half its final strength `s / c` (docs/theory.md §1.3), or `None`
    /// if it never does.
    pub fn half_times(&self) -> Vec<Option<f64>> {
        match &self.kind {
            Kind::Modes { curves, .. } | Kind::Shallow { curves, .. } => {
                curves.iter().map(|c| c.half_time()).collect()
            }
            Kind::Riccati(r) => {
                let horizon = r.dt * TABLE_POINTS as f64;
                // Scan the drawing table, extending it (up to 8 horizons) until each mode is learned.
                let mut out: Vec<Option<f64>> = vec![None; self.s.len()];
                for span in 1..=8 {
                    r.extend_table(horizon * span as f64, &r.svd, self.c, self.residual);
                    let table = r.table.borrow();
                    for (a, slot) in out.iter_mut().enumerate() {
                        if slot.is_some() || self.s[a] <= 0.0 {
                            continue;
                        }
                        let goal = 0.5 * self.s[a] / self.c;
                        if table[0].1.modes[a] >= goal {
                            continue;
                        }
                        if let Some(w) = table.windows(2).find(|w| w[1].1.modes[a] >= goal) {
                            let (t0, u0, t1, u1) =
                                (w[0].0, w[0].1.modes[a], w[1].0, w[1].1.modes[a]);
                            *slot = Some(t0 + (goal - u0) / (u1 - u0).max(1e-300) * (t1 - t0));
                        }
                    }
                    if out
                        .iter()
                        .zip(&self.s)
                        .all(|(o, s)| o.is_some() || *s <= 0.0)
                    {
                        break;
                    }
                }
                out
            }
        }
    }
}

fn fmt_lambda(l: f64) -> String {
    if l == 0.0 {
        "0".into()
    } else {
        format!("{:.3}", l)
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

impl Prediction {
    /// True when the predicted map is `sum_a u_a(t) u_a v_a^T` on the data's own modes (aligned
    /// balanced, aligned lambda-balanced and small random starts), so that every output is a
    /// combination of the mode strengths; false for the shallow and Riccati solutions.
    pub fn is_aligned(&self) -> bool {
        matches!(self.kind, Kind::Modes { .. })
    }

    /// True for the shallow solution, whose every output moves monotonically from its start
    /// to its end, so it has no illusions.
    pub fn is_shallow(&self) -> bool {
        matches!(self.kind, Kind::Shallow { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_factored_gram_gives_the_columns_of_the_whole_matrix() {
        let x = Array2::from_shape_fn((5, 3), |(i, a)| (i as f64 + 1.0) * (a as f64 - 0.7));
        let w = vec![2.0, 0.5, -1.5];
        let whole = weighted_outer(&x, &w, &x);
        let factored = Gram::Factored { x: x.clone(), w };
        for j in 0..5 {
            let col = factored.column(j);
            let full = Gram::Full(whole.clone()).column(j);
            for i in 0..5 {
                assert!((col[i] - whole[(i, j)]).abs() < 1e-12);
                assert_eq!(full[i], whole[(i, j)]);
            }
        }
    }
}
