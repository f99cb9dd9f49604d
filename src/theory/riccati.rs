//! Exact learning dynamics of a one-hidden-layer network from any lambda-balanced start
//! (docs/theory.md §4.1 and 4.2: B22 "prior knowledge", D25 "from lazy to rich").
//!
//! With `Sigma_xx = I` and `W_2^T W_2 - W_1 W_1^T = lambda I` (conserved by gradient flow),
//! stack `Q = [W_1^T; W_2]`. Then `tau dQ/dt = F Q - 1/2 Q Q^T Q` with
//! `F = [[-(lambda/2) I, Sigma_yx^T], [Sigma_yx, (lambda/2) I]]`, whose solution is
//!
//! `Q Q^T(t) = e^(Ft) Q0 [I + Q0^T G(t) Q0]^(-1) Q0^T e^(Ft)`, `G(t) = int_0^t e^(2Fs) ds`
//!
//! (the matrix Riccati solution). Blocks of `Q Q^T`: `W_1^T W_1` (top left), `W_2 W_1` (bottom
//! left, the network function), `W_2 W_2^T` (bottom right). The solution is evaluated in
//! sub-steps `h` with `max |eig F| h <= 1`, carrying a factor `Q` rather than `Q Q^T`:
//! `Q <- e^(Fh) Q M^(-1/2)` with `M = I + Q^T G(h) Q`, which reproduces `Q Q^T` exactly (the
//! semigroup property) and stays well conditioned because `M >= I`.
//! For `Sigma_xx = c I` the flow of `sqrt(c) W` is the c = 1 flow with `lambda -> c lambda`.

use std::collections::HashMap;

use ndarray::{s, Array2};

use crate::linalg::symmetric_eigen_unordered;

/// A snapshot of the exact solution.
#[derive(Clone, Debug)]
pub struct QqtSnapshot {
    /// `W_2 W_1` (outputs x inputs).
    pub w2w1: Array2<f64>,
    /// `W_1^T W_1` (inputs x inputs): the input-side representational similarity.
    pub w1tw1: Array2<f64>,
    /// `W_2 W_2^T` (outputs x outputs).
    pub w2w2t: Array2<f64>,
}

/// The exact solution from given initial weights, evaluated forward in time.
#[derive(Clone, Debug)]
pub struct Riccati {
    n_in: usize,
    c: f64,
    /// Eigenvalues and eigenvectors of F.
    d: Vec<f64>,
    o: Array2<f64>,
    /// Largest allowed sub-step.
    h_max: f64,
    /// Propagators `(e^(F h), G(h))` by sub-step length (bit pattern), reused across calls.
    cache: HashMap<u64, (Array2<f64>, Array2<f64>)>,
    /// The factor `Q` (scaled by sqrt(c)) at `time`, advanced forward on demand.
    q: Array2<f64>,
    time: f64,
    q0: Array2<f64>,
}

/// `lambda` of a pair of weights when they are lambda-balanced, `W_2^T W_2 - W_1 W_1^T = lambda I`
/// to within `tol` relative to the weights' scale; `None` otherwise.
pub fn balance_of(w1: &Array2<f64>, w2: &Array2<f64>, tol: f64) -> Option<f64> {
    let diff = w2.t().dot(w2) - w1.dot(&w1.t());
    let n = diff.nrows();
    if n == 0 {
        return None;
    }
    let lambda = (0..n).map(|i| diff[(i, i)]).sum::<f64>() / n as f64;
    let scale = w1.iter().chain(w2.iter()).map(|v| v * v).sum::<f64>() / n as f64;
    let worst = diff
        .indexed_iter()
        .map(|((i, j), v)| (v - if i == j { lambda } else { 0.0 }).abs())
        .fold(0.0, f64::max);
    (worst <= tol * scale.max(1e-300)).then_some(lambda)
}

impl Riccati {
    /// Sets up the solution for initial weights `W_1` (hidden x inputs), `W_2` (outputs x hidden)
    /// that are lambda-balanced, input-output correlation `Sigma_yx` and `Sigma_xx = c I`.
    pub fn new(
        w1: &Array2<f64>,
        w2: &Array2<f64>,
        syx: &Array2<f64>,
        c: f64,
        lambda: f64,
    ) -> Riccati {
        let (n_out, n_in) = syx.dim();
        let n = n_in + n_out;
        let lam = c * lambda;
        let mut f = Array2::zeros((n, n));
        for i in 0..n_in {
            f[(i, i)] = -lam / 2.0;
        }
        for i in 0..n_out {
            f[(n_in + i, n_in + i)] = lam / 2.0;
        }
        for o in 0..n_out {
            for i in 0..n_in {
                f[(n_in + o, i)] = syx[(o, i)];
                f[(i, n_in + o)] = syx[(o, i)];
            }
        }
        let (d, o) = symmetric_eigen_unordered(&f.view());
        let dmax = d.iter().fold(0.0f64, |m, x| m.max(x.abs())).max(1e-12);
        let hidden = w1.nrows();
        let sc = c.sqrt();
        let q0 = Array2::from_shape_fn((n, hidden), |(r, k)| {
            if r < n_in {
                sc * w1[(k, r)]
            } else {
                sc * w2[(r - n_in, k)]
            }
        });
        Riccati {
            n_in,
            c,
            d,
            o,
            h_max: 1.0 / dmax,
            cache: HashMap::new(),
            q: q0.clone(),
            time: 0.0,
            q0,
        }
    }

    fn propagators(&mut self, h: f64) -> &(Array2<f64>, Array2<f64>) {
        let (d, o) = (&self.d, &self.o);
        self.cache.entry(h.to_bits()).or_insert_with(|| {
            let n = d.len();
            let mut oe = o.clone();
            let mut og = o.clone();
            for k in 0..n {
                let e = (d[k] * h).exp();
                // (e^(2dh) - 1) / 2d, with its limit h at d = 0.
                let g = if (d[k] * h).abs() < 1e-8 {
                    h * (1.0 + d[k] * h)
                } else {
                    (2.0 * d[k] * h).exp_m1() / (2.0 * d[k])
                };
                for r in 0..n {
                    oe[(r, k)] *= e;
                    og[(r, k)] *= g;
                }
            }
            (oe.dot(&o.t()), og.dot(&o.t()))
        })
    }

    fn step(&mut self, h: f64) {
        let (e, g) = self.propagators(h).clone();
        let q = &self.q;
        let m = Array2::eye(q.ncols()) + q.t().dot(&g).dot(q);
        let (lams, vecs) = symmetric_eigen_unordered(&m.view());
        let mut v = vecs.clone();
        for (k, &lam) in lams.iter().enumerate() {
            let w = 1.0 / lam.max(1e-300).sqrt();
            v.column_mut(k).mapv_inplace(|x| x * w);
        }
        let m_inv_half = v.dot(&vecs.t());
        self.q = e.dot(q).dot(&m_inv_half);
        self.time += h;
    }

    /// Advances the internal state to time `t` (units of tau). Going back restarts from t = 0.
    fn advance_to(&mut self, t: f64) {
        if t < self.time {
            self.q = self.q0.clone();
            self.time = 0.0;
        }
        let span = t - self.time;
        if span <= 0.0 {
            return;
        }
        let n = (span / self.h_max).ceil().max(1.0) as usize;
        let h = span / n as f64;
        for _ in 0..n {
            self.step(h);
        }
        self.time = t;
    }

    /// The solution at time `t` (units of tau).
    pub fn at(&mut self, t: f64) -> QqtSnapshot {
        self.advance_to(t);
        let x = self.q.dot(&self.q.t()) / self.c;
        let n_in = self.n_in;
        QqtSnapshot {
            w2w1: x.slice(s![n_in.., ..n_in]).to_owned(),
            w1tw1: x.slice(s![..n_in, ..n_in]).to_owned(),
            w2w2t: x.slice(s![n_in.., n_in..]).to_owned(),
        }
    }

    /// Work of one sub-step in multiply-adds (to refuse problems too large for a browser tab).
    pub fn cost_per_step(n_in: usize, n_out: usize, hidden: usize) -> f64 {
        let n = (n_in + n_out) as f64;
        let h = hidden as f64;
        2.0 * n * n * h + 2.0 * h * h * n + 10.0 * h * h * h
    }

    /// Number of sub-steps needed to reach time `t`.
    pub fn steps_to(&self, t: f64) -> f64 {
        (t / self.h_max).ceil()
    }
}
