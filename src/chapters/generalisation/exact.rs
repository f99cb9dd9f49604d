//! The sample's own error curves (docs/theory.md §3.2), exact for gradient descent.
//!
//! With `X = V S Uᵀ` (thin SVD; `X Xᵀ = V Λ Vᵀ`, `λ_i = s_i²`), the error `e = w − w̄` of a
//! shallow student evolves as `e ← e (I − η X Xᵀ) + η ε Xᵀ` under the sum-convention step.
//! In the eigenbasis, `z = e V`, `c = ε U`, every direction is on its own:
//!
//! `z_i(k) = z_i(0) q_iᵏ + s_i c_i (1 − q_iᵏ)/λ_i`,  `q_i = 1 − ηλ_i`,
//!
//! the discrete-time form of §3.2 (`e^{−λt/τ}` becomes `(1 − ηλ)ᵏ`, so it is the simulation's
//! own trajectory up to rounding). Directions with λ = 0, the frozen subspace of α < 1, keep
//! `z_i(0)`. The errors follow without any further matrix work:
//!
//! * `E_g(k) = (1/N) (F + Σ z_i(k)²) + σ_ε²`, with `F` the frozen part of `‖e(0)‖²`;
//! * `E_t(k) = (1/P) (R + Σ (c_i − s_i z_i(0))² q_i^{2k})`, with `R = ‖ε‖² − Σ c_i²` the part
//!   of the noise no linear map of the inputs can fit (0 for α ≤ 1). The residual of each
//!   direction is written as its own decaying factor, so late training errors keep their
//!   relative accuracy instead of cancelling.
//!
//! The decomposition is done once per dataset, on the smaller of `X Xᵀ` (N × N) and `Xᵀ X`
//! (P × P): both have the same non-zero eigenvalues, and the other side's singular vectors
//! follow as `Xᵀ v / s` or `X u / s`.

use ndarray::{Array2, Axis};

use super::teacher::TeacherSample;
use crate::linalg::symmetric_eigen;

/// The eigen-decomposition of one sample's inputs.
#[derive(Clone, Debug)]
pub struct SampleSpectrum {
    /// Non-zero part of the spectrum of `X Xᵀ` (min(N, P) values, decreasing; values below
    /// 1e-12 λ_max are set to 0).
    pub eigenvalues: Vec<f64>,
    /// Number of inputs N: `X Xᵀ` also has `N − min(N, P)` exact zeros.
    pub inputs: usize,
    /// Input-side eigenvectors, N × r.
    v: Array2<f64>,
    /// Example-side singular vectors, P × r (a zero column for a zero eigenvalue).
    u: Array2<f64>,
}

impl SampleSpectrum {
    pub fn new(x: &Array2<f64>) -> SampleSpectrum {
        let (n, p) = x.dim();
        let (vals, vecs) = if n <= p {
            symmetric_eigen(&x.dot(&x.t()).view())
        } else {
            symmetric_eigen(&x.t().dot(x).view())
        };
        let lmax = vals.iter().fold(0.0f64, |m, &v| m.max(v));
        let eigenvalues: Vec<f64> = vals
            .iter()
            .map(|&l| if l > 1e-12 * lmax { l } else { 0.0 })
            .collect();
        // The other side's vectors: X^T v / s (n <= p) or X u / s.
        let mut other = if n <= p {
            x.t().dot(&vecs)
        } else {
            x.dot(&vecs)
        };
        for (k, mut col) in other.axis_iter_mut(Axis(1)).enumerate() {
            let l = eigenvalues[k];
            if l > 0.0 {
                col.mapv_inplace(|v| v / l.sqrt());
            } else {
                col.fill(0.0);
            }
        }
        let (v, u) = if n <= p { (vecs, other) } else { (other, vecs) };
        SampleSpectrum {
            eigenvalues,
            inputs: n,
            v,
            u,
        }
    }

    /// The spectrum as one block of numbers, to send where JSON would be too large: the r
    /// eigenvalues, then V (N × r) and U (P × r), each row by row.
    pub fn to_numbers(&self) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.eigenvalues.len() + self.v.len() + self.u.len());
        out.extend_from_slice(&self.eigenvalues);
        out.extend(self.v.iter());
        out.extend(self.u.iter());
        out
    }

    /// The spectrum of an N × P sample from [`to_numbers`](SampleSpectrum::to_numbers); `None`
    /// when the block has the wrong length or holds a value that is not finite.
    pub fn from_numbers(inputs: usize, examples: usize, numbers: &[f64]) -> Option<SampleSpectrum> {
        let r = inputs.min(examples);
        if numbers.len() != r * (1 + inputs + examples) || !numbers.iter().all(|x| x.is_finite()) {
            return None;
        }
        let (eigenvalues, rest) = numbers.split_at(r);
        let (v, u) = rest.split_at(inputs * r);
        Some(SampleSpectrum {
            eigenvalues: eigenvalues.to_vec(),
            inputs,
            v: Array2::from_shape_vec((inputs, r), v.to_vec()).ok()?,
            u: Array2::from_shape_vec((examples, r), u.to_vec()).ok()?,
        })
    }

    /// Every eigenvalue of `X Xᵀ`, the N − P zeros of α < 1 included.
    pub fn all_eigenvalues(&self) -> Vec<f64> {
        let mut all = self.eigenvalues.clone();
        all.resize(self.inputs, 0.0);
        all
    }

    /// Largest eigenvalue (0 for an all-zero input).
    pub fn max_eigenvalue(&self) -> f64 {
        self.eigenvalues.first().copied().unwrap_or(0.0)
    }

    /// Input-side eigenvectors (N × r).
    pub fn vectors(&self) -> &Array2<f64> {
        &self.v
    }
}

/// One direction of the exact curves: eigenvalue, and for each output `z_i(0)` and `c_i`.
#[derive(Clone, Debug)]
struct Direction {
    lambda: f64,
    s: f64,
    z0: Vec<f64>,
    c: Vec<f64>,
}

/// The exact training and test error of a shallow student from a given start, at any step.
#[derive(Clone, Debug)]
pub struct ExactCurves {
    lr: f64,
    inputs: usize,
    examples: usize,
    outputs: usize,
    se2: f64,
    dirs: Vec<Direction>,
    /// `Σ_outputs ‖e(0)‖²` outside the moving directions.
    frozen: f64,
    /// `Σ_outputs (‖ε‖² − Σ c_i²)`, the noise outside the span of the inputs.
    unfit: f64,
}

impl ExactCurves {
    /// The curves of gradient descent at rate `lr` from weights `w0` (outputs × N).
    pub fn new(
        spec: &SampleSpectrum,
        sample: &TeacherSample,
        w0: &Array2<f64>,
        lr: f64,
    ) -> ExactCurves {
        let (n, p, m) = (sample.inputs(), sample.examples(), sample.outputs());
        let e0 = w0 - &sample.w_bar;
        let z0 = e0.dot(&spec.v); // m x r
        let c = sample.noise.dot(&spec.u); // m x r
        let r = spec.eigenvalues.len();
        let dirs = (0..r)
            .map(|i| Direction {
                lambda: spec.eigenvalues[i],
                s: spec.eigenvalues[i].sqrt(),
                z0: z0.column(i).to_vec(),
                c: c.column(i).to_vec(),
            })
            .collect();
        let sq = |a: &Array2<f64>| a.iter().map(|v| v * v).sum::<f64>();
        let frozen = if r < n {
            (sq(&e0) - sq(&z0)).max(0.0)
        } else {
            0.0
        };
        let unfit = if r < p {
            (sq(&sample.noise) - sq(&c)).max(0.0)
        } else {
            0.0
        };
        ExactCurves {
            lr,
            inputs: n,
            examples: p,
            outputs: m,
            se2: sample.se2,
            dirs,
            frozen,
            unfit,
        }
    }

    /// `(q^k, (1 − q^k)/λ)` for `q = 1 − ηλ`, accurate for small ηλ and for λ = 0.
    fn factors(&self, lambda: f64, k: u64) -> (f64, f64) {
        let x = self.lr * lambda;
        let kf = k as f64;
        if lambda == 0.0 {
            return (1.0, kf * self.lr);
        }
        if x < 1.0 {
            let log_q = (-x).ln_1p();
            let qk = (kf * log_q).exp();
            (qk, -(kf * log_q).exp_m1() / lambda)
        } else {
            let qk = (1.0 - x).powi(k.min(i32::MAX as u64) as i32);
            (qk, (1.0 - qk) / lambda)
        }
    }

    /// `(E_t, E_g)` after `k` steps.
    pub fn at_step(&self, k: u64) -> (f64, f64) {
        let mut z2 = 0.0;
        let mut r2 = 0.0;
        for d in &self.dirs {
            let (qk, g) = self.factors(d.lambda, k);
            for (&z0, &c) in d.z0.iter().zip(&d.c) {
                let z = z0 * qk + d.s * c * g;
                z2 += z * z;
                let res = (c - d.s * z0) * qk;
                r2 += res * res;
            }
        }
        let test = (self.frozen + z2) / (self.inputs * self.outputs) as f64 + self.se2;
        let train = (self.unfit + r2) / (self.examples * self.outputs) as f64;
        (train, test)
    }
}
