//! The linear recurrent network (after Proca, Dominé, Shanahan & Mediano, ICML 2025):
//! `h_t = W_h h_{t−1} + W_x x_t` from `h_0 = 0`, read out once at the end, `ŷ = W_y h_T`.
//!
//! The sequence task is built exactly: for every item p (a one-hot vector) and every time step
//! t there is one sequence whose only non-zero input is `x_t = e_p`, with target
//! `Y_t e_p = U S_t Vᵀ e_p`. Summed over the P·T sequences, the inputs are white across items and
//! times, and the loss is exactly `½ Σ_t ‖U S_t Vᵀ − W_y W_h^{T−t} W_x‖²` — no sampling error.
//!
//! From an aligned start (`W_x = R diag(b) Vᵀ`, `W_h = R diag(m) Rᵀ`, `W_y = U diag(c) Rᵀ`) every
//! gradient is diagonal in the same bases, so gradient descent keeps the weights aligned and
//! each mode follows three scalars; with `e_t = s_t − c m^{T−t} b`:
//!
//! * `τḃ = Σ_t c m^{T−t} e_t`, `τċ = Σ_t b m^{T−t} e_t`, `τṁ = Σ_t (T−t) c b m^{T−t−1} e_t`;
//!
//! one gradient step at rate `lr` is exactly one explicit Euler step of these with `dt = lr`.
//! The learned kernel at lag `T − t` is `c m^{T−t} b`.

use ndarray::Array2;

use crate::engine::init::{random_orthogonal, random_semi_orthogonal};
use crate::engine::rng::Rng;

/// A sequence task with aligned modes: `strengths[t][α]` is the target strength of mode α for
/// the input at time `t + 1` (`t = 0..T`, the output is read after the last step).
#[derive(Clone, Debug)]
pub struct SequenceTask {
    pub strengths: Vec<Vec<f64>>,
    /// Output modes (columns), `r x r` orthogonal.
    pub u: Array2<f64>,
    /// Input modes (columns), `r x r` orthogonal.
    pub v: Array2<f64>,
    /// The input of every sequence at every time step: `inputs[t]` is `r x (P·T)`.
    pub inputs: Vec<Array2<f64>>,
    /// The target of every sequence, `r x (P·T)`.
    pub y: Array2<f64>,
}

impl SequenceTask {
    /// The task with random orthogonal modes drawn from `seed`.
    pub fn new(strengths: Vec<Vec<f64>>, seed: u64) -> SequenceTask {
        let t_len = strengths.len();
        let r = strengths.first().map_or(0, Vec::len);
        let mut rng = Rng::new(seed);
        let u = random_orthogonal(r, &mut rng);
        let v = random_orthogonal(r, &mut rng);
        let n = r * t_len;
        let mut inputs = vec![Array2::zeros((r, n)); t_len];
        let mut y = Array2::zeros((r, n));
        for (t, s_t) in strengths.iter().enumerate() {
            let target = Self::target_matrix(&u, &v, s_t);
            for p in 0..r {
                let col = t * r + p;
                inputs[t][(p, col)] = 1.0;
                for f in 0..r {
                    y[(f, col)] = target[(f, p)];
                }
            }
        }
        SequenceTask {
            strengths,
            u,
            v,
            inputs,
            y,
        }
    }

    fn target_matrix(u: &Array2<f64>, v: &Array2<f64>, s: &[f64]) -> Array2<f64> {
        let r = s.len();
        Array2::from_shape_fn((r, r), |(i, j)| {
            (0..r).map(|k| u[(i, k)] * s[k] * v[(j, k)]).sum()
        })
    }

    /// Sequence length T.
    pub fn length(&self) -> usize {
        self.strengths.len()
    }

    /// Number of modes r (= input size = output size).
    pub fn n_modes(&self) -> usize {
        self.u.nrows()
    }

    /// The target correlation with the input at time `t + 1`, `Σʸˣ_t = U S_t Vᵀ`.
    pub fn sigma_yx(&self, t: usize) -> Array2<f64> {
        Self::target_matrix(&self.u, &self.v, &self.strengths[t])
    }
}

/// The weights of the recurrent network, and the hidden basis `R` of an aligned start.
#[derive(Clone, Debug)]
pub struct RecurrentNetwork {
    pub w_x: Array2<f64>,
    pub w_h: Array2<f64>,
    pub w_y: Array2<f64>,
    /// `n x r` orthonormal columns when the start was aligned (the basis the scalars are read in).
    pub basis: Option<Array2<f64>>,
}

impl RecurrentNetwork {
    /// The aligned start `b = m = c = scale` on every mode, in a random hidden basis (n >= r).
    pub fn aligned(task: &SequenceTask, n: usize, scale: f64, rng: &mut Rng) -> Self {
        let r = task.n_modes();
        let basis = random_semi_orthogonal(n, r, rng);
        RecurrentNetwork {
            w_x: basis.dot(&task.v.t()) * scale,
            w_h: basis.dot(&basis.t()) * scale,
            w_y: task.u.dot(&basis.t()) * scale,
            basis: Some(basis),
        }
    }

    /// A small random start: every weight i.i.d. N(0, std²).
    pub fn gaussian(task: &SequenceTask, n: usize, std: f64, rng: &mut Rng) -> Self {
        let r = task.n_modes();
        let mut draw = |rows: usize, cols: usize| {
            Array2::from_shape_simple_fn((rows, cols), || std * rng.gaussian())
        };
        let w_x = draw(n, r);
        let w_h = draw(n, n);
        let w_y = draw(r, n);
        RecurrentNetwork {
            w_x,
            w_h,
            w_y,
            basis: None,
        }
    }

    /// Hidden states `h_0 = 0, h_1, ..., h_T` of every sequence.
    fn forward(&self, task: &SequenceTask) -> Vec<Array2<f64>> {
        let cols = task.y.ncols();
        let mut h = vec![Array2::zeros((self.w_h.nrows(), cols))];
        for x in &task.inputs {
            let next = self.w_h.dot(h.last().expect("h_0")) + self.w_x.dot(x);
            h.push(next);
        }
        h
    }

    /// `½ Σ ‖y − W_y h_T‖²` over every sequence.
    pub fn loss(&self, task: &SequenceTask) -> f64 {
        let h = self.forward(task);
        let e = &task.y - &self.w_y.dot(h.last().expect("h_T"));
        0.5 * e.iter().map(|x| x * x).sum::<f64>()
    }

    /// One full-batch gradient-descent step through time on every sequence; returns the loss
    /// before the step.
    pub fn step(&mut self, task: &SequenceTask, lr: f64) -> f64 {
        let h = self.forward(task);
        let t_len = task.length();
        let e = &task.y - &self.w_y.dot(&h[t_len]);
        let loss = 0.5 * e.iter().map(|x| x * x).sum::<f64>();
        let d_y = e.dot(&h[t_len].t());
        let mut delta = self.w_y.t().dot(&e);
        let mut d_x = Array2::zeros(self.w_x.dim());
        let mut d_h = Array2::zeros(self.w_h.dim());
        for t in (1..=t_len).rev() {
            d_x += &delta.dot(&task.inputs[t - 1].t());
            d_h += &delta.dot(&h[t - 1].t());
            if t > 1 {
                delta = self.w_h.t().dot(&delta);
            }
        }
        self.w_x.scaled_add(lr, &d_x);
        self.w_h.scaled_add(lr, &d_h);
        self.w_y.scaled_add(lr, &d_y);
        loss
    }

    /// The learned kernel of every mode at every lag, `u_αᵀ W_y W_h^lag W_x v_α`, indexed
    /// `[α][lag]` for lags `0..T`.
    pub fn kernel(&self, task: &SequenceTask) -> Vec<Vec<f64>> {
        let r = task.n_modes();
        let left = task.u.t().dot(&self.w_y);
        let mut right = self.w_x.dot(&task.v);
        let mut out = vec![Vec::with_capacity(task.length()); r];
        for lag in 0..task.length() {
            if lag > 0 {
                right = self.w_h.dot(&right);
            }
            for (al, row) in out.iter_mut().enumerate() {
                row.push(left.row(al).dot(&right.column(al)));
            }
        }
        out
    }

    /// The scalars `(b, m, c)` of every mode read in the aligned basis (`None` for a random start).
    pub fn scalars(&self, task: &SequenceTask) -> Option<ModeScalars> {
        let basis = self.basis.as_ref()?;
        let bx = basis.t().dot(&self.w_x.dot(&task.v));
        let bh = basis.t().dot(&self.w_h.dot(basis));
        let by = task.u.t().dot(&self.w_y.dot(basis));
        let r = task.n_modes();
        Some(ModeScalars {
            b: (0..r).map(|a| bx[(a, a)]).collect(),
            m: (0..r).map(|a| bh[(a, a)]).collect(),
            c: (0..r).map(|a| by[(a, a)]).collect(),
        })
    }

    pub fn is_finite(&self) -> bool {
        [&self.w_x, &self.w_h, &self.w_y]
            .iter()
            .all(|w| w.iter().all(|x| x.is_finite()))
    }
}

/// Per-mode input, recurrent and readout strengths.
#[derive(Clone, Debug, PartialEq)]
pub struct ModeScalars {
    pub b: Vec<f64>,
    pub m: Vec<f64>,
    pub c: Vec<f64>,
}

impl ModeScalars {
    pub fn aligned(n_modes: usize, scale: f64) -> ModeScalars {
        ModeScalars {
            b: vec![scale; n_modes],
            m: vec![scale; n_modes],
            c: vec![scale; n_modes],
        }
    }

    /// `(τḃ, τṁ, τċ)` of every mode for the target strengths `strengths[t][α]`.
    pub fn rate(&self, strengths: &[Vec<f64>]) -> ModeScalars {
        let t_len = strengths.len();
        let r = self.b.len();
        let mut d = ModeScalars::aligned(r, 0.0);
        for a in 0..r {
            let (b, m, c) = (self.b[a], self.m[a], self.c[a]);
            for (t, s_t) in strengths.iter().enumerate() {
                let lag = t_len - 1 - t;
                let p = m.powi(lag as i32);
                let e = s_t[a] - c * p * b;
                d.b[a] += c * p * e;
                d.c[a] += b * p * e;
                if lag > 0 {
                    d.m[a] += lag as f64 * c * b * m.powi(lag as i32 - 1) * e;
                }
            }
        }
        d
    }

    fn plus(&self, d: &ModeScalars, h: f64) -> ModeScalars {
        let z = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a + h * b).collect();
        ModeScalars {
            b: z(&self.b, &d.b),
            m: z(&self.m, &d.m),
            c: z(&self.c, &d.c),
        }
    }

    /// The exact image of one gradient-descent step at rate `lr` (an explicit Euler step).
    pub fn map_step(&mut self, strengths: &[Vec<f64>], lr: f64) {
        let d = self.rate(strengths);
        *self = self.plus(&d, lr);
    }

    /// One classical Runge-Kutta step of length `dt` (units of τ) of the gradient flow.
    pub fn rk4_step(&mut self, strengths: &[Vec<f64>], dt: f64) {
        let k1 = self.rate(strengths);
        let k2 = self.plus(&k1, dt / 2.0).rate(strengths);
        let k3 = self.plus(&k2, dt / 2.0).rate(strengths);
        let k4 = self.plus(&k3, dt).rate(strengths);
        let sum = k1.plus(&k2, 2.0).plus(&k3, 2.0).plus(&k4, 1.0);
        *self = self.plus(&sum, dt / 6.0);
    }

    /// The kernel `c m^lag b` of every mode, `[α][lag]` for lags `0..length`.
    pub fn kernel(&self, length: usize) -> Vec<Vec<f64>> {
        (0..self.b.len())
            .map(|a| {
                (0..length)
                    .map(|lag| self.c[a] * self.m[a].powi(lag as i32) * self.b[a])
                    .collect()
            })
            .collect()
    }

    /// The loss the reduction predicts, `½ Σ_t Σ_α (s_t,α − c m^{T−t} b)²`.
    pub fn loss(&self, strengths: &[Vec<f64>]) -> f64 {
        let t_len = strengths.len();
        let k = self.kernel(t_len);
        let mut total = 0.0;
        for (t, s_t) in strengths.iter().enumerate() {
            for (a, &s) in s_t.iter().enumerate() {
                let e = s - k[a][t_len - 1 - t];
                total += 0.5 * e * e;
            }
        }
        total
    }

    pub fn is_finite(&self) -> bool {
        self.b
            .iter()
            .chain(&self.m)
            .chain(&self.c)
            .all(|x| x.is_finite())
    }
}
