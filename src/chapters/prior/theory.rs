//! Predictions for one phase from the actual weights at its start (docs/theory.md §4.1, 4.2, 9.1,
//! 9.4), and the measures they are compared on.
//!
//! * When the weights are decoupled along the phase's SVD (`W_1 = sum_a b_a r_a v_a^T`,
//!   `W_2 = sum_a a_a u_a r_a^T`, orthonormal `r_a`, nothing outside), gradient descent keeps
//!   them so, and every mode follows the scalar map `(a, b) <- (a + eta b (s - c ab),
//!   b + eta a (s - c ab))` exactly: the prediction is the discrete-time map.
//! * Otherwise, when the layers are lambda-balanced (`W_2^T W_2 - W_1 W_1^T = lambda I`), the
//!   prediction is the matrix Riccati solution of gradient flow, compared with gradient descent
//!   at `t = step * eta` (O(eta) apart).
//! * Otherwise there is no prediction, and the relative residual of the balance says how far the
//!   weights are from the case the solution covers.

use ndarray::{s, Array2};

use crate::engine::data::Dataset;
use crate::engine::init::balanced_layer_strengths;
use crate::engine::network::Network;
use crate::linalg::Svd;
use crate::theory::riccati::Riccati;

/// Relative balance residual up to which the flow solution is drawn. Gradient descent itself
/// breaks the balance that gradient flow conserves, by O(eta) over a phase (the same order by
/// which it departs from the flow), so a phase that follows a trained one is balanced only to
/// that order; the residual is reported with every phase.
pub const BALANCE_TOLERANCE: f64 = 1e-2;
/// Relative size of the weights outside the decoupled form up to which the map is used.
pub const DECOUPLED_TOLERANCE: f64 = 1e-10;

/// The label of the flow prediction.
pub const FLOW_LABEL: &str = "gradient flow (continuous time)";
/// The label of the discrete-time map.
pub const MAP_LABEL: &str = "exact (discrete-time map of gradient descent)";

/// `(lambda, residual)`: `lambda = tr(W_2^T W_2 - W_1 W_1^T) / N_h` and the relative residual
/// `||W_2^T W_2 - W_1 W_1^T - lambda I||_F / (||W_2^T W_2||_F + ||W_1 W_1^T||_F)` (0 for zero
/// weights, which are trivially balanced).
pub fn balance(w1: &Array2<f64>, w2: &Array2<f64>) -> (f64, f64) {
    let a = w2.t().dot(w2);
    let b = w1.dot(&w1.t());
    let n = a.nrows().max(1);
    let diff = &a - &b;
    let lambda = (0..diff.nrows()).map(|i| diff[(i, i)]).sum::<f64>() / n as f64;
    let mut off = diff;
    for i in 0..off.nrows() {
        off[(i, i)] -= lambda;
    }
    let norm = |m: &Array2<f64>| m.iter().map(|v| v * v).sum::<f64>().sqrt();
    let scale = norm(&a) + norm(&b);
    let resid = if scale > 0.0 { norm(&off) / scale } else { 0.0 };
    (lambda, resid)
}

/// `1/2 sum ||y - W_tot x||^2` of a task for a network function `w_tot` of any (grown) shape:
/// the task's item `j` is input `j` and its feature `f` output `f`; inputs and outputs the
/// network does not have yet contribute nothing (as if grown with zero weights).
pub fn task_loss(w_tot: &Array2<f64>, data: &Dataset) -> f64 {
    let (no, ni) = w_tot.dim();
    let ko = no.min(data.n_outputs());
    let ki = ni.min(data.n_inputs());
    let pred = w_tot.slice(s![..ko, ..ki]).dot(&data.x.slice(s![..ki, ..]));
    let mut loss = 0.0;
    for f in 0..data.n_outputs() {
        for j in 0..data.n_items() {
            let p = if f < ko { pred[(f, j)] } else { 0.0 };
            let e = data.y[(f, j)] - p;
            loss += e * e;
        }
    }
    0.5 * loss
}

/// The balanced, minimum-norm weights that implement a task exactly (its best rank-`hidden`
/// map when the hidden layer is narrower than the task's rank): `W_1 = R D_b V^T`,
/// `W_2 = U D_a R^T` with the hidden basis `R` the first columns of the identity, every mode at
/// its target `a_k b_k = s_k`, and `a_k^2 - b_k^2 = lambda` on every hidden direction (docs/theory.md
/// 4.2). Hidden directions beyond the task's rank carry `sqrt(lambda)` on the output side
/// (lambda > 0) or `sqrt(-lambda)` on the input side (lambda < 0), along output or input
/// directions the task does not use. Needs one hidden layer when `lambda != 0`.
pub fn learned_weights(data: &Dataset, hidden: &[usize], lambda: f64) -> Network {
    let c = data.whitening().unwrap_or(1.0);
    let syx = data.sigma_yx();
    let (n_out, n_in) = syx.dim();
    // Full orthonormal bases: the SVD's vectors, then completions.
    let svd = Svd::new(&syx.view());
    let full_u = complete_basis(&svd.u, n_out);
    let full_v = complete_basis(&svd.v, n_in);
    let rank = svd.rank();
    let depth = hidden.len() + 1;
    let narrowest = hidden.iter().copied().min().unwrap_or(usize::MAX);
    let k = rank.min(narrowest);
    let mut dims = vec![n_in];
    dims.extend_from_slice(hidden);
    dims.push(n_out);
    let mut weights: Vec<Array2<f64>> = dims
        .windows(2)
        .map(|w| Array2::zeros((w[1], w[0])))
        .collect();
    if depth == 1 {
        for a in 0..k.min(rank) {
            for o in 0..n_out {
                for i in 0..n_in {
                    weights[0][(o, i)] += full_u[(o, a)] * svd.s[a] / c * full_v[(i, a)];
                }
            }
        }
        return Network::new(weights);
    }
    // Mode a's target strength s_a / c, split over the layers.
    let mut strengths: Vec<Vec<f64>> = Vec::with_capacity(narrowest.min(n_in.max(n_out)));
    let h = hidden[0];
    if depth == 2 {
        let n_dirs = h;
        for a in 0..n_dirs {
            let target = if a < k { svd.s[a] / c } else { 0.0 };
            let (outer, inner) = if target > 0.0 {
                balanced_layer_strengths(target, lambda)
            } else if lambda > 0.0 {
                (lambda.sqrt(), 0.0)
            } else {
                (0.0, (-lambda).sqrt())
            };
            strengths.push(vec![inner, outer]);
        }
    } else {
        for a in 0..k {
            let per = (svd.s[a] / c).powf(1.0 / depth as f64);
            strengths.push(vec![per; depth]);
        }
    }
    for (a, st) in strengths.iter().enumerate() {
        // W_1 = sum_a st[0] r_a v_a^T, W_l = sum_a st[l] r_a r_a^T, W_D = sum_a st[D-1] u_a r_a^T.
        for l in 0..depth {
            let w = &mut weights[l];
            let (rows, cols) = w.dim();
            if l == 0 {
                if a < rows && a < n_in {
                    for i in 0..cols {
                        w[(a, i)] += st[0] * full_v[(i, a)];
                    }
                }
            } else if l == depth - 1 {
                if a < cols && a < n_out {
                    for o in 0..rows {
                        w[(o, a)] += st[l] * full_u[(o, a)];
                    }
                }
            } else if a < rows && a < cols {
                w[(a, a)] += st[l];
            }
        }
    }
    Network::new(weights)
}

/// `n x n` orthonormal basis whose first columns are `q`'s (Gram-Schmidt on the unit vectors).
fn complete_basis(q: &Array2<f64>, n: usize) -> Array2<f64> {
    let mut cols: Vec<Vec<f64>> = (0..q.ncols())
        .filter(|&j| q.column(j).iter().map(|v| v * v).sum::<f64>() > 0.5)
        .map(|j| q.column(j).to_vec())
        .collect();
    let mut e = 0;
    while cols.len() < n && e < n {
        let mut v = vec![0.0; n];
        v[e] = 1.0;
        for _ in 0..2 {
            for c in &cols {
                let d: f64 = c.iter().zip(&v).map(|(a, b)| a * b).sum();
                for (vi, ci) in v.iter_mut().zip(c) {
                    *vi -= d * ci;
                }
            }
        }
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm > 1e-6 {
            cols.push(v.iter().map(|x| x / norm).collect());
        }
        e += 1;
    }
    Array2::from_shape_fn((n, cols.len()), |(i, j)| cols[j][i])
}

/// The decoupled form of a one-hidden-layer network along a task's SVD, if it has one:
/// per mode the output-side and input-side strengths `(a, b)`.
#[derive(Clone, Debug)]
pub struct DecoupledMap {
    u: Array2<f64>,
    v: Array2<f64>,
    s: Vec<f64>,
    c: f64,
    ab: Vec<(f64, f64)>,
}

impl DecoupledMap {
    /// `Some` when `W_1 = sum_a b_a r_a v_a^T` and `W_2 = sum_a a_a u_a r_a^T` with orthonormal
    /// `r_a` up to `DECOUPLED_TOLERANCE` (relative to the largest weight), and `Sigma_xx = c I`.
    pub fn detect(net: &Network, data: &Dataset) -> Option<DecoupledMap> {
        if net.depth() != 2 {
            return None;
        }
        let c = data.whitening()?;
        let (w1, w2) = (&net.weights[0], &net.weights[1]);
        let svd = Svd::new(&data.sigma_yx().view());
        let scale = w1
            .iter()
            .chain(w2.iter())
            .fold(0.0f64, |m, v| m.max(v.abs()));
        if scale == 0.0 {
            return None;
        }
        let tol = DECOUPLED_TOLERANCE * scale;
        let p1 = w1.dot(&svd.v); // hidden x r
        let p2 = svd.u.t().dot(w2); // r x hidden
        let r = svd.s.len();
        let h = w1.nrows();
        let mut dirs: Vec<Vec<f64>> = Vec::new();
        let mut ab = Vec::with_capacity(r);
        let mut rebuilt1 = Array2::<f64>::zeros((h, r));
        let mut rebuilt2 = Array2::<f64>::zeros((r, h));
        for a in 0..r {
            let c1 = p1.column(a).to_vec();
            let c2 = p2.row(a).to_vec();
            let n1 = c1.iter().map(|v| v * v).sum::<f64>().sqrt();
            let n2 = c2.iter().map(|v| v * v).sum::<f64>().sqrt();
            if n1.max(n2) <= tol {
                ab.push((0.0, 0.0));
                continue;
            }
            let dir: Vec<f64> = if n1 >= n2 {
                c1.iter().map(|v| v / n1).collect()
            } else {
                c2.iter().map(|v| v / n2).collect()
            };
            for d in &dirs {
                let dot: f64 = d.iter().zip(&dir).map(|(x, y)| x * y).sum();
                if dot.abs() > DECOUPLED_TOLERANCE.sqrt() {
                    return None;
                }
            }
            let b: f64 = dir.iter().zip(&c1).map(|(x, y)| x * y).sum();
            let aa: f64 = dir.iter().zip(&c2).map(|(x, y)| x * y).sum();
            for k in 0..h {
                rebuilt1[(k, a)] = b * dir[k];
                rebuilt2[(a, k)] = aa * dir[k];
            }
            ab.push((aa, b));
            dirs.push(dir);
        }
        let within = |x: &Array2<f64>, y: &Array2<f64>| {
            x.iter().zip(y.iter()).all(|(p, q)| (p - q).abs() <= tol)
        };
        // Nothing outside the modes' input and output directions.
        let w1_back = rebuilt1.dot(&svd.v.t());
        let w2_back = svd.u.dot(&rebuilt2);
        if !(within(&p1, &rebuilt1)
            && within(&p2, &rebuilt2)
            && within(w1, &w1_back)
            && within(w2, &w2_back))
        {
            return None;
        }
        Some(DecoupledMap {
            u: svd.u,
            v: svd.v,
            s: svd.s,
            c,
            ab,
        })
    }

    /// One gradient-descent step of every mode.
    pub fn step(&mut self, lr: f64) {
        for (k, (a, b)) in self.ab.iter_mut().enumerate() {
            let e = self.s[k] - self.c * *a * *b;
            let (na, nb) = (*a + lr * *b * e, *b + lr * *a * e);
            *a = na;
            *b = nb;
        }
    }

    /// The network function `sum_a a_a b_a u_a v_a^T`.
    pub fn w_tot(&self) -> Array2<f64> {
        let (no, r) = self.u.dim();
        let ni = self.v.nrows();
        Array2::from_shape_fn((no, ni), |(o, i)| {
            (0..r)
                .map(|k| self.u[(o, k)] * self.ab[k].0 * self.ab[k].1 * self.v[(i, k)])
                .sum()
        })
    }
}

/// The Riccati solution from a phase's starting weights.
#[derive(Clone, Debug)]
pub struct Flow {
    riccati: Riccati,
    pub lambda: f64,
}

impl Flow {
    /// `Some` for one hidden layer, whitened inputs and weights balanced within
    /// `BALANCE_TOLERANCE`; otherwise the reason there is none.
    pub fn new(net: &Network, data: &Dataset) -> Result<Flow, String> {
        if net.depth() != 2 {
            return Err(format!(
                "no exact solution for {} weight matrices (it needs one hidden layer)",
                net.depth()
            ));
        }
        let c = data
            .whitening()
            .ok_or("no exact solution: the inputs are not whitened")?;
        let (w1, w2) = (&net.weights[0], &net.weights[1]);
        let (lambda, resid) = balance(w1, w2);
        if resid > BALANCE_TOLERANCE {
            return Err(format!(
                "no exact solution: the layers are not balanced, W2ᵀW2 − W1W1ᵀ differs from λI by {} of its size",
                crate::charts::fmt_num(resid)
            ));
        }
        Ok(Flow {
            riccati: Riccati::new(w1, w2, &data.sigma_yx(), c, lambda),
            lambda,
        })
    }

    /// The blocks of `Q Q^T` at time `t` (units of tau) after the phase's start.
    pub fn at(&mut self, t: f64) -> crate::theory::riccati::QqtSnapshot {
        self.riccati.at(t)
    }
}

/// First time (units of tau, at most `t_max`) at which `f(t) <= target`, for a continuous
/// `f` sampled through `eval`; found on a grid of `dt` and refined by bisection.
pub fn first_crossing(
    mut eval: impl FnMut(f64) -> f64,
    target: f64,
    dt: f64,
    t_max: f64,
) -> Option<f64> {
    if eval(0.0) <= target {
        return Some(0.0);
    }
    let mut t = 0.0;
    while t < t_max {
        let next = (t + dt).min(t_max);
        if eval(next) <= target {
            let (mut lo, mut hi) = (t, next);
            for _ in 0..60 {
                let mid = 0.5 * (lo + hi);
                if eval(mid) <= target {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            return Some(0.5 * (lo + hi));
        }
        t = next;
    }
    None
}

/// Frobenius norm of the change of the tangent kernel
/// `K = I_(N_o) (x) (X^T W_1^T W_1 X) + (W_2 W_2^T) (x) (X^T X)` (docs/theory.md §4.1) between two
/// states given by their `W_1^T W_1` and `W_2 W_2^T`, without forming the Kronecker products:
/// `||I (x) A + N (x) P||^2 = N_o ||A||^2 + ||N||^2 ||P||^2 + 2 tr(N) <A, P>`.
pub fn kernel_norm(m: &Array2<f64>, n: &Array2<f64>, x: &Array2<f64>) -> f64 {
    let p = x.t().dot(x);
    let a = x.t().dot(m).dot(x);
    let dot =
        |u: &Array2<f64>, v: &Array2<f64>| u.iter().zip(v.iter()).map(|(x, y)| x * y).sum::<f64>();
    let tr_n: f64 = (0..n.nrows()).map(|i| n[(i, i)]).sum();
    let sq = n.nrows() as f64 * dot(&a, &a) + dot(n, n) * dot(&p, &p) + 2.0 * tr_n * dot(&a, &p);
    sq.max(0.0).sqrt()
}

/// `||A||_F`.
pub fn frobenius(a: &Array2<f64>) -> f64 {
    a.iter().map(|v| v * v).sum::<f64>().sqrt()
}
