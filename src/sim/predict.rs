//! Which exact solution applies to a run, and its predicted mode strengths and loss over time.
//!
//! | network | initialisation | prediction |
//! |---|---|---|
//! | shallow (D = 1) | any | exact: every mode relaxes exponentially (THEORY.md 1.3) |
//! | any depth | balanced, aligned to the data | exact: eq. 12 (D = 2), eq. 15 (D >= 3), the aligned lambda-balanced form when the layers differ (4.2) |
//! | one hidden layer | any start whose weights are lambda-balanced (`W2^T W2 - W1 W1^T = lambda I`, e.g. `lambda_balanced`, or orthogonal with a hidden layer no wider than input and output) | exact: the matrix Riccati solution (4.1, 4.2) |
//! | one hidden layer | small random Gaussian | approximate: eq. 12 from `u0 = N_h sigma^2 / 2` (1.3) |
//! | otherwise | | none, with a note saying why |
//!
//! A network with a tanh or relu nonlinearity on its hidden layers has no exact solution: it gets
//! the prediction its linear counterpart (same weights, no nonlinearity) would get, flagged as a
//! reference only (`exact` false, `reference_only` true, and a note).
//!
//! Time `t` is in units of tau (steps times learning rate).

use std::cell::RefCell;

use ndarray::Array2;

use super::data::Dataset;
use super::init::{balanced_layer_strengths, balanced_mode_count};
use super::linalg::Svd;
use super::network::{mode_strengths_of, Network};
use super::riccati::{balance_of, Riccati};
use super::theory::{effective_u0_small_random, ModeCurve};
use crate::config::{Activation, Config, InitKind};

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

/// The prediction for a run.
#[derive(Debug)]
pub struct Prediction {
    kind: Kind,
    /// True when the prediction is exact for gradient flow from this start (gradient descent
    /// differs by O(lr)); false for an approximation.
    pub exact: bool,
    /// The linear theory drawn beside a nonlinear network: a reference, not a prediction.
    pub reference_only: bool,
    /// One line on what the prediction is.
    pub label: String,
    /// Why the prediction is a reference only (nonlinear networks); none otherwise.
    pub note: Option<String>,
    s: Vec<f64>,
    c: f64,
    /// `1/2 tr Sigma_yy`: the loss of the zero map.
    half_tr_syy: f64,
    /// The data's SVD (for the predicted matrices of aligned modes).
    svd: Option<Svd>,
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
    pub readout_gram: Option<Array2<f64>>,
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

fn point_from_map(
    w: &Array2<f64>,
    svd: &Svd,
    syx: &Array2<f64>,
    c: f64,
    half_tr_syy: f64,
) -> Point {
    // L = 1/2 tr Sigma_yy - tr(W Sigma_xy) + (c/2) ||W||^2 for Sigma_xx = c I.
    let cross: f64 = w.iter().zip(syx.iter()).map(|(a, b)| a * b).sum();
    let norm: f64 = w.iter().map(|a| a * a).sum();
    Point {
        modes: mode_strengths_of(w, svd),
        loss: (half_tr_syy - cross + 0.5 * c * norm).max(0.0),
    }
}

impl RiccatiPrediction {
    fn extend_table(&self, t_max: f64, s: &Svd, c: f64, h: f64) {
        let mut table = self.table.borrow_mut();
        let mut solver = self.tabler.borrow_mut();
        while table.last().map(|e| e.0).unwrap_or(-1.0) < t_max {
            let t = table.len() as f64 * self.dt;
            let snap = solver.at(t);
            let point = point_from_map(&snap.w2w1, s, &self.syx, c, h);
            let mats = self.keep_matrices.then(|| TheoryMatrices {
                map: snap.w2w1.clone(),
                hidden_gram: Some(snap.w1tw1.clone()),
                readout_gram: Some(snap.w2w2t.clone()),
            });
            table.push((t, point, mats));
        }
    }
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
        let half_tr_syy = 0.5 * data.y.iter().map(|v| v * v).sum::<f64>();
        let make = |kind: Kind, exact: bool, label: String| Prediction {
            kind,
            exact,
            reference_only: false,
            label,
            note: None,
            s: svd.s.clone(),
            c,
            half_tr_syy,
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
            let l0 = net.loss(data);
            let lstar =
                (half_tr_syy - svd.s.iter().map(|s| s * s).sum::<f64>() / (2.0 * c)).max(0.0);
            return Ok(make(
                Kind::Shallow {
                    curves,
                    w0: net.weights[0].clone(),
                    wstar: data.sigma_yx() / c,
                    l0,
                    lstar,
                },
                true,
                "exact: shallow network, u(t) = s/c + (u₀ − s/c)e^(−ct)".into(),
            ));
        }
        if cfg.init.kind == InitKind::Balanced {
            let k = balanced_mode_count(&net.dims(), svd);
            let lambda = cfg.init.lambda;
            let curves = (0..modes)
                .map(|a| {
                    let on = a < k && a < rank;
                    let u0 = if on { cfg.init.scale } else { 0.0 };
                    if depth == 2 && lambda != 0.0 && on {
                        let (a0, b0) = balanced_layer_strengths(cfg.init.scale, lambda);
                        ModeCurve::LambdaBalanced {
                            s: svd.s[a],
                            c,
                            a0,
                            b0,
                        }
                    } else {
                        ModeCurve::balanced(depth, svd.s[a], c, u0)
                    }
                })
                .collect();
            let label = match (depth, lambda != 0.0) {
                (2, false) => "exact: balanced start, SMG14 eq. 12".to_string(),
                (2, true) => format!("exact: aligned λ-balanced start (λ = {lambda}), D25"),
                _ => format!("exact: balanced start, depth {depth}, SMG14 eq. 15"),
            };
            return Ok(make(Kind::Modes { curves, depth }, true, label));
        }
        if depth == 2 {
            let (w1, w2) = (&net.weights[0], &net.weights[1]);
            if let Some(lambda) = balance_of(w1, w2, 1e-9) {
                let syx = data.sigma_yx();
                let solver = Riccati::new(w1, w2, &syx, c, lambda);
                let horizon = (cfg.train.steps as f64 * cfg.train.lr).max(1e-9);
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
                    true,
                    format!(
                        "exact: λ-balanced start (λ = {}), matrix Riccati solution (B22, D25)",
                        fmt_lambda(lam)
                    ),
                ));
            }
            if cfg.init.kind == InitKind::SmallGaussian {
                let u0 = effective_u0_small_random(cfg.network.hidden[0], cfg.init.scale);
                let curves = (0..modes)
                    .map(|a| ModeCurve::balanced(2, svd.s[a], c, if a < rank { u0 } else { 0.0 }))
                    .collect();
                return Ok(make(
                    Kind::Modes { curves, depth: 2 },
                    false,
                    format!("approximate: eq. 12 with u₀ = N_h σ²/2 = {u0:.2e}"),
                ));
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

    /// The reliability of the prediction in a few words: `exact`, `approximate`, or
    /// `linear theory: reference only`.
    pub fn quality(&self) -> &'static str {
        if self.reference_only {
            "linear theory: reference only"
        } else if self.exact {
            "exact"
        } else {
            "approximate"
        }
    }

    /// Exact predicted mode strengths and loss at time `t`.
    pub fn at(&self, t: f64) -> Point {
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
                point_from_map(&snap.w2w1, &r.svd, &r.syx, self.c, self.half_tr_syy)
            }
        }
    }

    /// The predicted network function and hidden-layer similarities at time `t`, or `None`
    /// where the prediction does not provide them (a Riccati solution too large to tabulate).
    /// Aligned modes: `W_tot = U A V^T`; each of the D layers carries `a^(1/D)`, so
    /// `W_1^T W_1 = V A^(2/D) V^T` (THEORY.md 2.3.8: `V A V^T` for D = 2) and
    /// `R R^T = U A^(2(D-1)/D) U^T`; lambda-balanced modes use their own `b^2`, `a^2` (4.2).
    pub fn matrices_at(&self, t: f64) -> Option<TheoryMatrices> {
        match &self.kind {
            Kind::Modes { curves, depth } => {
                let k = curves.len();
                let svd = self.svd.as_ref()?;
                let (mut strength, mut input_sq, mut readout_sq) =
                    (vec![0.0; k], vec![0.0; k], vec![0.0; k]);
                for (a, c) in curves.iter().enumerate() {
                    let (u, inp, out) = c.layers_at(t, *depth);
                    strength[a] = u;
                    input_sq[a] = inp;
                    readout_sq[a] = out;
                }
                Some(TheoryMatrices {
                    map: weighted_outer(&svd.u, &strength, &svd.v),
                    hidden_gram: Some(weighted_outer(&svd.v, &input_sq, &svd.v)),
                    readout_gram: Some(weighted_outer(&svd.u, &readout_sq, &svd.u)),
                })
            }
            Kind::Shallow { w0, wstar, .. } => Some(TheoryMatrices {
                map: wstar + &((w0 - wstar) * (-self.c * t).exp()),
                hidden_gram: None,
                readout_gram: None,
            }),
            Kind::Riccati(r) => {
                if !r.keep_matrices {
                    return None;
                }
                r.extend_table(t, &r.svd, self.c, self.half_tr_syy);
                let table = r.table.borrow();
                let x = (t / r.dt).max(0.0);
                let i = (x.floor() as usize).min(table.len() - 1);
                let j = (i + 1).min(table.len() - 1);
                let f = (x - i as f64).clamp(0.0, 1.0);
                let (p, q) = (table[i].2.as_ref()?, table[j].2.as_ref()?);
                let mix = |a: &Array2<f64>, b: &Array2<f64>| a + &((b - a) * f);
                Some(TheoryMatrices {
                    map: mix(&p.map, &q.map),
                    hidden_gram: Some(mix(p.hidden_gram.as_ref()?, q.hidden_gram.as_ref()?)),
                    readout_gram: Some(mix(p.readout_gram.as_ref()?, q.readout_gram.as_ref()?)),
                })
            }
        }
    }

    /// The prediction at time `t` for drawing: exact for closed forms, interpolated from a
    /// table for the Riccati solution (so drawing never costs more than a table lookup).
    pub fn sample(&self, t: f64) -> Point {
        match &self.kind {
            Kind::Modes { .. } | Kind::Shallow { .. } => self.at(t),
            Kind::Riccati(r) => {
                r.extend_table(t, &r.svd, self.c, self.half_tr_syy);
                let table = r.table.borrow();
                let x = (t / r.dt).max(0.0);
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
    }

    /// `L = 1/2 tr Sigma_yy - sum_a (a_a s_a - c a_a^2 / 2)` for a map aligned with the modes.
    fn aligned_loss(&self, modes: &[f64]) -> f64 {
        let gain: f64 = modes
            .iter()
            .zip(&self.s)
            .map(|(a, s)| a * s - 0.5 * self.c * a * a)
            .sum();
        (self.half_tr_syy - gain).max(0.0)
    }

    /// Predicted half-learning time of each mode (units of tau): when it first reaches half its
    /// final strength `s / c` (THEORY.md 1.3), or `None` if it never does.
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
                    r.extend_table(horizon * span as f64, &r.svd, self.c, self.half_tr_syy);
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
    /// to its end (`W(t) = W* + (W0 - W*) e^(-ct)`), so it has no illusions.
    pub fn is_shallow(&self) -> bool {
        matches!(self.kind, Kind::Shallow { .. })
    }
}
