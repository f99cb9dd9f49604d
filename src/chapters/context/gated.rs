//! The gated routing network (Saxe, Sodhani & Lewallen, ICML 2022, "the neural race"): M input
//! domains and M output domains share one hidden layer; a gate matrix `g` says which
//! (input, output) pairs are trained. Every domain holds a copy of one base task `Y`
//! (features x items, one-hot items), and the loss is averaged over the M² contexts:
//!
//! `L = (1/M²) Σ_ij g_ij ½‖Y − W_out,j W_h W_in,i‖²`  (sum convention over items, τ = 1/lr).
//!
//! Beside the full network this module has its reduction. From a decoupled start
//! (`W_in,i = R₁ B_in,i Vᵀ`, `W_h = R₂ B_h R₁ᵀ`, `W_out,j = U B_out,j R₂ᵀ`, diagonal `B`), the
//! error of every pathway is `U diag(s − u_ij) Vᵀ` and each gradient is again diagonal in the
//! same bases, so gradient descent keeps the weights decoupled. Per mode, with
//! `u_ij = b_in,i b_h b_out,j`:
//!
//! * `τ ḃ_in,i  = (1/M²) Σ_j g_ij b_h b_out,j (s − u_ij)`
//! * `τ ḃ_h     = (1/M²) Σ_ij g_ij b_in,i b_out,j (s − u_ij)`
//! * `τ ḃ_out,j = (1/M²) Σ_i g_ij b_in,i b_h (s − u_ij)`
//!
//! and one gradient step is exactly one explicit Euler step of these equations with `dt = lr`
//! (every factor taken before the update). When every input has K trained outputs and every
//! output K trained inputs (the cyclic rule), all domains stay equal and the mode reduces to
//! three scalars: `τḃ_in = (K/M²) b_h b_out (s−u)`, `τḃ_h = (K/M) b_in b_out (s−u)`,
//! `τḃ_out = (K/M²) b_in b_h (s−u)` ([`Race`]), with `b_h² − M b_in²` conserved.
//!
//! The gate matrix may be rectangular (`M_in` inputs by `M_out` outputs, the average then over
//! `M_in · M_out` contexts): one input domain and C gated outputs is the gated linear network of
//! the context task in [`super::relu`].

use ndarray::Array2;

use crate::engine::init::random_semi_orthogonal;
use crate::engine::rng::Rng;
use crate::linalg::Svd;

/// The gate matrix of the cyclic rule: input domain i is trained with output domains
/// `(i + j) mod M` for `j` from `−⌊(K−1)/2⌋` to `⌊K/2⌋` (K of them).
pub fn cyclic_gates(m: usize, k: usize) -> Array2<f64> {
    let mut g = Array2::zeros((m, m));
    let lo = -(((k as i64) - 1).max(0) / 2);
    let hi = k as i64 / 2;
    for i in 0..m {
        for j in lo..=hi {
            let o = (i as i64 + j).rem_euclid(m as i64) as usize;
            g[(i, o)] = 1.0;
        }
    }
    g
}

/// The base task of the routing experiments: 4 items, 7 features,
/// `Y = [6·𝟏; (4,4,0,0); (0,0,4,4); 3I₄]`, singular values 13.6015, 6.4031, 3, 3.
pub fn race_toy() -> Array2<f64> {
    let mut y = Array2::zeros((7, 4));
    for p in 0..4 {
        y[(0, p)] = 6.0;
        y[(3 + p, p)] = 3.0;
    }
    y[(1, 0)] = 4.0;
    y[(1, 1)] = 4.0;
    y[(2, 2)] = 4.0;
    y[(2, 3)] = 4.0;
    y
}

/// A routing task: the gates and the base task every domain copies.
#[derive(Clone, Debug)]
pub struct RoutingTask {
    /// `M x M`, `g[(i, j)]` = 1 when input domain i is trained with output domain j.
    pub gates: Array2<f64>,
    /// The base task, features x items (items one-hot, so `Sigma_yx = Y`, `Sigma_xx = I`).
    pub y: Array2<f64>,
    /// SVD of `y`: the modes every pathway is measured along.
    pub svd: Svd,
}

impl RoutingTask {
    pub fn new(gates: Array2<f64>, y: Array2<f64>) -> RoutingTask {
        let svd = Svd::new(&y.view());
        RoutingTask { gates, y, svd }
    }

    /// Number of domains M (the input domains; as many outputs for a square gate matrix).
    pub fn domains(&self) -> usize {
        self.gates.nrows()
    }

    /// Number of input domains (rows of the gate matrix).
    pub fn inputs(&self) -> usize {
        self.gates.nrows()
    }

    /// Number of output domains (columns of the gate matrix).
    pub fn outputs(&self) -> usize {
        self.gates.ncols()
    }

    /// The loss's average over contexts, `1 / (inputs · outputs)` (`1/M²` when square).
    pub fn context_weight(&self) -> f64 {
        1.0 / (self.inputs() * self.outputs()).max(1) as f64
    }

    /// Number of modes of the base task (`min(features, items)`).
    pub fn n_modes(&self) -> usize {
        self.svd.s.len()
    }

    pub fn trained(&self, i: usize, j: usize) -> bool {
        self.gates[(i, j)] != 0.0
    }

    /// `Some(K)` when every input domain has K trained outputs and every output domain K
    /// trained inputs (then the reduction is the three-scalar [`Race`]).
    pub fn regular(&self) -> Option<usize> {
        let m = self.domains();
        if self.outputs() != m {
            return None;
        }
        let k = self.gates.row(0).sum();
        let rows = (0..m).all(|i| self.gates.row(i).sum() == k);
        let cols = (0..m).all(|j| self.gates.column(j).sum() == k);
        (rows && cols && k > 0.0).then_some(k as usize)
    }
}

/// The orthonormal hidden bases of a decoupled start: `r₁` (`h1 x r`) and `r₂` (`h2 x r`),
/// one column per mode.
#[derive(Clone, Debug)]
pub struct HiddenBases {
    pub r1: Array2<f64>,
    pub r2: Array2<f64>,
}

/// The weights of a gated routing network: `W_in,i` (`h1 x items`), the shared `W_h`
/// (`h2 x h1`) and `W_out,j` (`features x h2`).
#[derive(Clone, Debug)]
pub struct GatedNetwork {
    pub w_in: Vec<Array2<f64>>,
    pub w_h: Array2<f64>,
    pub w_out: Vec<Array2<f64>>,
}

impl GatedNetwork {
    /// The decoupled start: every layer's strength along every mode is `scale`, in random
    /// orthonormal hidden bases `R₁` (`h1 x r`) and `R₂` (`h2 x r`). Needs `h1, h2 >= r`.
    pub fn aligned(task: &RoutingTask, hidden: (usize, usize), scale: f64, rng: &mut Rng) -> Self {
        Self::aligned_in(task, hidden, scale, rng).0
    }

    /// [`aligned`](GatedNetwork::aligned), with the hidden bases it was drawn in (to read the
    /// layers' strengths back, [`layer_strengths`](GatedNetwork::layer_strengths)).
    pub fn aligned_in(
        task: &RoutingTask,
        (h1, h2): (usize, usize),
        scale: f64,
        rng: &mut Rng,
    ) -> (Self, HiddenBases) {
        let r = task.n_modes();
        let r1 = random_semi_orthogonal(h1, r, rng);
        let r2 = random_semi_orthogonal(h2, r, rng);
        let (u, v) = (&task.svd.u, &task.svd.v);
        let w_in = r1.dot(&v.t()) * scale;
        let w_h = r2.dot(&r1.t()) * scale;
        let w_out = u.dot(&r2.t()) * scale;
        let net = GatedNetwork {
            w_in: vec![w_in; task.inputs()],
            w_h,
            w_out: vec![w_out; task.outputs()],
        };
        (net, HiddenBases { r1, r2 })
    }

    /// Each layer's strength along each mode, read in the hidden bases of a decoupled start:
    /// `b_in,i = r₁ᵀ W_in,i v`, `b_h = r₂ᵀ W_h r₁`, `b_out,j = uᵀ W_out,j r₂` (the scalars of
    /// the reduction, [`RouteModes`]).
    pub fn layer_strengths(&self, task: &RoutingTask, bases: &HiddenBases) -> RouteModes {
        let (u, v) = (&task.svd.u, &task.svd.v);
        let r = task.n_modes();
        let along =
            |a: &Array2<f64>,
             left: ndarray::ArrayView1<'_, f64>,
             right: ndarray::ArrayView1<'_, f64>| { left.dot(&a.dot(&right)) };
        RouteModes {
            b_in: (0..r)
                .map(|al| {
                    self.w_in
                        .iter()
                        .map(|w| along(w, bases.r1.column(al), v.column(al)))
                        .collect()
                })
                .collect(),
            b_h: (0..r)
                .map(|al| along(&self.w_h, bases.r2.column(al), bases.r1.column(al)))
                .collect(),
            b_out: (0..r)
                .map(|al| {
                    self.w_out
                        .iter()
                        .map(|w| along(w, u.column(al), bases.r2.column(al)))
                        .collect()
                })
                .collect(),
        }
    }

    /// A small random start: every weight i.i.d. N(0, std²), drawn layer by layer.
    pub fn gaussian(task: &RoutingTask, (h1, h2): (usize, usize), std: f64, rng: &mut Rng) -> Self {
        let (f, p) = task.y.dim();
        let mut draw = |rows: usize, cols: usize| {
            Array2::from_shape_simple_fn((rows, cols), || std * rng.gaussian())
        };
        let w_in = (0..task.inputs()).map(|_| draw(h1, p)).collect();
        let w_h = draw(h2, h1);
        let w_out = (0..task.outputs()).map(|_| draw(f, h2)).collect();
        GatedNetwork { w_in, w_h, w_out }
    }

    /// The loss `L = (1/M²) Σ_ij g_ij ½‖Y − W_out,j W_h W_in,i‖²`.
    pub fn loss(&self, task: &RoutingTask) -> f64 {
        let mut total = 0.0;
        for i in 0..task.inputs() {
            let a = self.w_h.dot(&self.w_in[i]);
            for j in 0..task.outputs() {
                let g = task.gates[(i, j)];
                if g != 0.0 {
                    let e = &task.y - &self.w_out[j].dot(&a);
                    total += g * 0.5 * e.iter().map(|x| x * x).sum::<f64>();
                }
            }
        }
        total * task.context_weight()
    }

    /// One full-batch gradient-descent step on every weight at rate `lr`; returns the loss
    /// before the step.
    pub fn step(&mut self, task: &RoutingTask, lr: f64) -> f64 {
        let (mi, mo) = (task.inputs(), task.outputs());
        let c = task.context_weight();
        let a: Vec<Array2<f64>> = self.w_in.iter().map(|w| self.w_h.dot(w)).collect();
        let mut back: Vec<Array2<f64>> = a.iter().map(|x| Array2::zeros(x.dim())).collect();
        let mut d_out: Vec<Array2<f64>> =
            self.w_out.iter().map(|w| Array2::zeros(w.dim())).collect();
        let mut loss = 0.0;
        for i in 0..mi {
            for j in 0..mo {
                let g = task.gates[(i, j)];
                if g == 0.0 {
                    continue;
                }
                let e = &task.y - &self.w_out[j].dot(&a[i]);
                loss += g * 0.5 * e.iter().map(|x| x * x).sum::<f64>();
                d_out[j].scaled_add(g, &e.dot(&a[i].t()));
                back[i].scaled_add(g, &self.w_out[j].t().dot(&e));
            }
        }
        let mut d_h = Array2::zeros(self.w_h.dim());
        for i in 0..mi {
            d_h += &back[i].dot(&self.w_in[i].t());
        }
        for i in 0..mi {
            let d_in = self.w_h.t().dot(&back[i]);
            self.w_in[i].scaled_add(lr * c, &d_in);
        }
        self.w_h.scaled_add(lr * c, &d_h);
        for j in 0..mo {
            self.w_out[j].scaled_add(lr * c, &d_out[j]);
        }
        loss * c
    }

    /// Mode strengths of every pathway, `u_ij,α = u_αᵀ W_out,j W_h W_in,i v_α`, trained or not:
    /// row `i * outputs + j`, one column per mode.
    pub fn pathway_modes(&self, task: &RoutingTask) -> Vec<Vec<f64>> {
        let r = task.n_modes();
        let (u, v) = (&task.svd.u, &task.svd.v);
        let left: Vec<Array2<f64>> = self.w_out.iter().map(|w| u.t().dot(w)).collect();
        let right: Vec<Array2<f64>> = self.w_in.iter().map(|w| self.w_h.dot(&w.dot(v))).collect();
        let mut out = Vec::with_capacity(right.len() * left.len());
        for q in &right {
            for p in &left {
                out.push(
                    (0..r)
                        .map(|al| p.row(al).dot(&q.column(al)))
                        .collect::<Vec<f64>>(),
                );
            }
        }
        out
    }

    /// True when every entry is finite.
    pub fn is_finite(&self) -> bool {
        self.w_h.iter().all(|x| x.is_finite())
            && self.w_in.iter().all(|w| w.iter().all(|x| x.is_finite()))
            && self.w_out.iter().all(|w| w.iter().all(|x| x.is_finite()))
    }
}

/// The reduced dynamics of a decoupled routing network for any gate matrix: per mode α the
/// input strengths `b_in[α][i]`, the shared `b_h[α]` and the output strengths `b_out[α][j]`.
#[derive(Clone, Debug, PartialEq)]
pub struct RouteModes {
    pub b_in: Vec<Vec<f64>>,
    pub b_h: Vec<f64>,
    pub b_out: Vec<Vec<f64>>,
}

impl RouteModes {
    /// Every strength of every mode at `scale` (the aligned start).
    pub fn aligned(task: &RoutingTask, scale: f64) -> RouteModes {
        let r = task.n_modes();
        RouteModes {
            b_in: vec![vec![scale; task.inputs()]; r],
            b_h: vec![scale; r],
            b_out: vec![vec![scale; task.outputs()]; r],
        }
    }

    /// Time derivatives (in units of τ) of every strength.
    pub fn rate(&self, task: &RoutingTask) -> RouteModes {
        let (mi, mo) = (task.inputs(), task.outputs());
        let c = task.context_weight();
        let mut d = RouteModes {
            b_in: vec![vec![0.0; mi]; self.b_h.len()],
            b_h: vec![0.0; self.b_h.len()],
            b_out: vec![vec![0.0; mo]; self.b_h.len()],
        };
        for (al, &s) in task.svd.s.iter().enumerate() {
            let (bi, bh, bo) = (&self.b_in[al], self.b_h[al], &self.b_out[al]);
            for i in 0..mi {
                for j in 0..mo {
                    let g = task.gates[(i, j)];
                    if g == 0.0 {
                        continue;
                    }
                    let e = g * c * (s - bi[i] * bh * bo[j]);
                    d.b_in[al][i] += bh * bo[j] * e;
                    d.b_h[al] += bi[i] * bo[j] * e;
                    d.b_out[al][j] += bi[i] * bh * e;
                }
            }
        }
        d
    }

    fn add_scaled(&self, d: &RouteModes, h: f64) -> RouteModes {
        let zip = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x + h * y).collect();
        RouteModes {
            b_in: self
                .b_in
                .iter()
                .zip(&d.b_in)
                .map(|(a, b)| zip(a, b))
                .collect(),
            b_h: zip(&self.b_h, &d.b_h),
            b_out: self
                .b_out
                .iter()
                .zip(&d.b_out)
                .map(|(a, b)| zip(a, b))
                .collect(),
        }
    }

    /// The exact image of one gradient-descent step at rate `lr` (an explicit Euler step).
    pub fn map_step(&mut self, task: &RoutingTask, lr: f64) {
        let d = self.rate(task);
        *self = self.add_scaled(&d, lr);
    }

    /// One classical Runge-Kutta step of length `dt` (in units of τ) of the gradient flow.
    pub fn rk4_step(&mut self, task: &RoutingTask, dt: f64) {
        let k1 = self.rate(task);
        let k2 = self.add_scaled(&k1, dt / 2.0).rate(task);
        let k3 = self.add_scaled(&k2, dt / 2.0).rate(task);
        let k4 = self.add_scaled(&k3, dt).rate(task);
        let sum = k1
            .add_scaled(&k2, 2.0)
            .add_scaled(&k3, 2.0)
            .add_scaled(&k4, 1.0);
        *self = self.add_scaled(&sum, dt / 6.0);
    }

    /// Mode strengths of every pathway, laid out as [`GatedNetwork::pathway_modes`].
    pub fn pathway_modes(&self) -> Vec<Vec<f64>> {
        let mi = self.b_in.first().map_or(0, Vec::len);
        let mo = self.b_out.first().map_or(0, Vec::len);
        let r = self.b_h.len();
        let mut out = Vec::with_capacity(mi * mo);
        for i in 0..mi {
            for j in 0..mo {
                out.push(
                    (0..r)
                        .map(|al| self.b_in[al][i] * self.b_h[al] * self.b_out[al][j])
                        .collect(),
                );
            }
        }
        out
    }

    /// The loss the reduction predicts, `(1/M²) Σ_ij g_ij ½ Σ_α (s_α − u_ij,α)²` (plus the part
    /// of `Y` outside its modes, zero for a thin SVD).
    pub fn loss(&self, task: &RoutingTask) -> f64 {
        let mo = task.outputs();
        let modes = self.pathway_modes();
        let mut total = 0.0;
        for i in 0..task.inputs() {
            for j in 0..mo {
                let g = task.gates[(i, j)];
                if g != 0.0 {
                    total += g * modes[i * mo + j]
                        .iter()
                        .zip(&task.svd.s)
                        .map(|(u, s)| 0.5 * (s - u) * (s - u))
                        .sum::<f64>();
                }
            }
        }
        total * task.context_weight()
    }

    /// The conserved quantity of mode α: `b_h² − Σ_i b_in,i²` (equal to `b_h² − Σ_j b_out,j²`).
    pub fn conserved(&self, alpha: usize) -> f64 {
        self.b_h[alpha].powi(2) - self.b_in[alpha].iter().map(|b| b * b).sum::<f64>()
    }

    pub fn is_finite(&self) -> bool {
        self.b_h.iter().all(|x| x.is_finite())
            && self.b_in.iter().flatten().all(|x| x.is_finite())
            && self.b_out.iter().flatten().all(|x| x.is_finite())
    }
}

/// One mode of the regular routing network in three scalars (input, shared hidden, output).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Race {
    pub b_in: f64,
    pub b_h: f64,
    pub b_out: f64,
}

impl Race {
    pub fn new(scale: f64) -> Race {
        Race {
            b_in: scale,
            b_h: scale,
            b_out: scale,
        }
    }

    /// The pathway's mode strength `u = b_in b_h b_out`.
    pub fn u(&self) -> f64 {
        self.b_in * self.b_h * self.b_out
    }

    /// `(τḃ_in, τḃ_h, τḃ_out)` for target `s`, K trained outputs per input, M domains.
    pub fn rate(&self, s: f64, k: usize, m: usize) -> [f64; 3] {
        let (k, m) = (k as f64, m as f64);
        let e = s - self.u();
        [
            k / (m * m) * self.b_h * self.b_out * e,
            k / m * self.b_in * self.b_out * e,
            k / (m * m) * self.b_in * self.b_h * e,
        ]
    }

    fn plus(&self, d: [f64; 3], h: f64) -> Race {
        Race {
            b_in: self.b_in + h * d[0],
            b_h: self.b_h + h * d[1],
            b_out: self.b_out + h * d[2],
        }
    }

    /// The exact image of one gradient-descent step at rate `lr`.
    pub fn map_step(&mut self, s: f64, k: usize, m: usize, lr: f64) {
        *self = self.plus(self.rate(s, k, m), lr);
    }

    /// One Runge-Kutta step of length `dt` (units of τ) of the gradient flow.
    pub fn rk4_step(&mut self, s: f64, k: usize, m: usize, dt: f64) {
        let k1 = self.rate(s, k, m);
        let k2 = self.plus(k1, dt / 2.0).rate(s, k, m);
        let k3 = self.plus(k2, dt / 2.0).rate(s, k, m);
        let k4 = self.plus(k3, dt).rate(s, k, m);
        let d = [0, 1, 2].map(|n| (k1[n] + 2.0 * k2[n] + 2.0 * k3[n] + k4[n]) / 6.0);
        *self = self.plus(d, dt);
    }

    /// The conserved quantity `b_h² − M b_in²`.
    pub fn conserved(&self, m: usize) -> f64 {
        self.b_h * self.b_h - m as f64 * self.b_in * self.b_in
    }

    /// The fixed point the flow reaches from a start with `b_in = b_out`: `u = s` on the
    /// hyperbola `b_h² − M b_in² = c`, found by bisection on `b_h`.
    pub fn limit(s: f64, m: usize, conserved: f64) -> Race {
        // u(b_h) = b_h (b_h² − c) / M is increasing where b_h² > c.
        let u = |bh: f64| bh * (bh * bh - conserved) / m as f64;
        let (mut lo, mut hi) = (conserved.max(0.0).sqrt(), 1.0f64);
        while u(hi) < s && hi < 1e150 {
            hi *= 2.0;
        }
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if u(mid) < s {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let b_h = 0.5 * (lo + hi);
        let b_in = ((b_h * b_h - conserved) / m as f64).sqrt();
        Race {
            b_in,
            b_h,
            b_out: b_in,
        }
    }
}

/// The time (units of τ) at which the gradient flow of a race mode from `Race::new(scale)`
/// first reaches `u = s/2`, by RK4 steps of `dt` with linear interpolation; `None` past `t_max`.
pub fn race_half_time(s: f64, k: usize, m: usize, scale: f64, dt: f64, t_max: f64) -> Option<f64> {
    let mut r = Race::new(scale);
    let mut t = 0.0;
    let target = s / 2.0;
    while t < t_max {
        let before = r.u();
        r.rk4_step(s, k, m, dt);
        let after = r.u();
        if after >= target {
            return Some(t + dt * (target - before) / (after - before));
        }
        t += dt;
    }
    None
}
