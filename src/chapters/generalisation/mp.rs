//! Large-N theory of the shallow student (AS20; docs/theory.md §3.3–3.5): the Marchenko–Pastur
//! spectrum of `X Xᵀ` and the error curves it gives in gradient flow (continuous time).
//!
//! With inputs of variance 1/N and load α = P/N, the eigenvalues of `X Xᵀ` fill
//! `[λ₋, λ₊] = [(1 − √α)², (1 + √α)²]` with density
//! `ρ(λ) = √((λ₊ − λ)(λ − λ₋)) / (2πλ)`, plus an atom of weight `1 − α` at 0 when α < 1.
//! In the eigenbasis every direction relaxes on its own (docs/theory.md §3.2), so an average
//! over the spectrum gives the errors:
//!
//! * `E_g(t) = ∫ρ [S e^{−2λt} + σ_ε² (1 − e^{−λt})²/λ] dλ + [α<1](1 − α) S + σ_ε²`,
//! * `E_t(t) = (1/α) ∫ρ (λ S + σ_ε²) e^{−2λt} dλ + [α>1](1 − 1/α) σ_ε²`,
//!
//! with `S = σ₀² + σ_w²` and `t` in units of τ = 1/η. The integrals use `λ = m + r cos θ`
//! (`m = 1 + α`, `r = 2√α`), where `ρ dλ = r² sin²θ / (2πλ) dθ` is smooth on `[0, π]` even at
//! α = 1, and a midpoint rule in θ; `1 − e^{−λt}` is taken through `expm1`.
//!
//! These are gradient-flow curves: a run with step η follows them up to O(ηλ) and up to the
//! finite-N fluctuations of its own spectrum. The sample's own curves are in
//! [`super::exact`].

use std::f64::consts::PI;

/// Nodes of the midpoint rule (about 1e-6 relative accuracy over t/τ ≤ 10⁴).
pub const NODES: usize = 4000;

/// Late time at which overtraining is measured (AS20 Fig. S2, docs/theory.md §3.5): 10⁴ τ.
pub const LATE_TIME: f64 = 1e4;

/// The normalised teacher of docs/theory.md §3.1: `σ_w² = SNR/(1 + SNR)`, `σ_ε² = 1/(1 + SNR)`,
/// so that the output variance `σ_w² + σ_ε²` is 1.
pub fn teacher_variances(snr: f64) -> (f64, f64) {
    (snr / (1.0 + snr), 1.0 / (1.0 + snr))
}

/// Edges `(λ₋, λ₊)` of the Marchenko–Pastur bulk for load α.
pub fn mp_edges(alpha: f64) -> (f64, f64) {
    let s = alpha.sqrt();
    ((1.0 - s).powi(2), (1.0 + s).powi(2))
}

/// The continuous part of the Marchenko–Pastur density at λ (0 outside the bulk). The atom
/// `(1 − α) δ(λ)` of α < 1 is not included; see [`mp_atom`].
pub fn mp_density(alpha: f64, lambda: f64) -> f64 {
    let (lo, hi) = mp_edges(alpha);
    if lambda <= lo || lambda >= hi || lambda <= 0.0 {
        return 0.0;
    }
    ((hi - lambda) * (lambda - lo)).sqrt() / (2.0 * PI * lambda)
}

/// Weight of the atom at λ = 0: `1 − α` for α < 1 (the frozen subspace), else 0.
pub fn mp_atom(alpha: f64) -> f64 {
    (1.0 - alpha).max(0.0)
}

/// The midpoint rule for `∫ρ(λ) f(λ) dλ` over the bulk at one load: nodes `λ_j` and weights.
#[derive(Clone, Debug)]
pub struct MpQuadrature {
    pub alpha: f64,
    pub lambda: Vec<f64>,
    pub weight: Vec<f64>,
}

impl MpQuadrature {
    pub fn new(alpha: f64, nodes: usize) -> MpQuadrature {
        let r = 2.0 * alpha.sqrt();
        let h = PI / nodes as f64;
        let mut lambda = Vec::with_capacity(nodes);
        let mut weight = Vec::with_capacity(nodes);
        for j in 0..nodes {
            let th = (j as f64 + 0.5) * h;
            // m + r cos θ loses digits near λ₋ = 0 when α = 1; (1 - √α)² + r (1 + cos θ) does not.
            let c1 = 2.0 * (0.5 * th).cos().powi(2); // 1 + cos θ
            let l = (1.0 - alpha.sqrt()).powi(2) + r * c1;
            let s = th.sin();
            lambda.push(l);
            weight.push(h * r * r * s * s / (2.0 * PI * l));
        }
        MpQuadrature {
            alpha,
            lambda,
            weight,
        }
    }

    /// `∫ρ f dλ` over the continuous part.
    pub fn integrate(&self, f: impl Fn(f64) -> f64) -> f64 {
        self.lambda
            .iter()
            .zip(&self.weight)
            .map(|(&l, &w)| w * f(l))
            .sum()
    }
}

/// The large-N theory at one (α, SNR, σ₀²).
#[derive(Clone, Debug)]
pub struct MpTheory {
    pub alpha: f64,
    pub snr: f64,
    /// Variance of the student's initial weights.
    pub s02: f64,
    pub sw2: f64,
    pub se2: f64,
    quad: MpQuadrature,
}

/// Optimal early stopping: where the test error is lowest and how low it gets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EarlyStop {
    /// `t_opt` in units of τ.
    pub t_opt: f64,
    pub test_error: f64,
}

impl MpTheory {
    pub fn new(alpha: f64, snr: f64, s02: f64) -> MpTheory {
        MpTheory::with_nodes(alpha, snr, s02, NODES)
    }

    pub fn with_nodes(alpha: f64, snr: f64, s02: f64, nodes: usize) -> MpTheory {
        let (sw2, se2) = teacher_variances(snr);
        MpTheory {
            alpha,
            snr,
            s02,
            sw2,
            se2,
            quad: MpQuadrature::new(alpha, nodes),
        }
    }

    /// Initial error variance per weight, `σ₀² + σ_w²`.
    fn start(&self) -> f64 {
        self.s02 + self.sw2
    }

    /// The frozen-subspace floor `(1 − α)(σ₀² + σ_w²)` (0 for α ≥ 1): error the N − P directions
    /// without gradient keep for ever.
    pub fn frozen_floor(&self) -> f64 {
        mp_atom(self.alpha) * self.start()
    }

    /// Test error `E_g(t)` at time `t` (units of τ); includes the noise floor σ_ε².
    pub fn test_error(&self, t: f64) -> f64 {
        let (s, se2) = (self.start(), self.se2);
        let bulk = self.quad.integrate(|l| {
            let g = -(-l * t).exp_m1(); // 1 - e^{-λt}
            s * (-2.0 * l * t).exp() + se2 * g * g / l
        });
        bulk + self.frozen_floor() + se2
    }

    /// Training error `E_t(t) = (1/P) Σ_μ (y − ŷ)²`.
    pub fn train_error(&self, t: f64) -> f64 {
        let (s, se2) = (self.start(), self.se2);
        let bulk = self
            .quad
            .integrate(|l| (l * s + se2) * (-2.0 * l * t).exp());
        let resid = if self.alpha > 1.0 {
            (1.0 - 1.0 / self.alpha) * se2
        } else {
            0.0
        };
        bulk / self.alpha + resid
    }

    /// `E_g(0) = σ₀² + σ_w² + σ_ε²`.
    pub fn initial_error(&self) -> f64 {
        self.start() + self.se2
    }

    /// `E_g(∞)`: `σ_ε² α/(α − 1)` for α > 1, `(1 − α)(σ₀² + σ_w²) + σ_ε²/(1 − α)` for α < 1 and
    /// infinite at α = 1 (docs/theory.md §3.4).
    pub fn test_error_infinite_time(&self) -> f64 {
        let a = self.alpha;
        if a > 1.0 {
            self.se2 * a / (a - 1.0)
        } else if a < 1.0 {
            self.frozen_floor() + self.se2 / (1.0 - a)
        } else {
            f64::INFINITY
        }
    }

    /// Test error of ridge regression `w = (Σˣˣ + γI)⁻¹ Σˣʸ` (from any start: it is the
    /// minimiser), `∫ρ (σ_w² γ² + σ_ε² λ)/(λ + γ)² dλ + [α<1](1 − α) σ_w² + σ_ε²`.
    pub fn ridge_test_error(&self, gamma: f64) -> f64 {
        let (sw2, se2) = (self.sw2, self.se2);
        let bulk = self
            .quad
            .integrate(|l| (sw2 * gamma * gamma + se2 * l) / ((l + gamma) * (l + gamma)));
        bulk + mp_atom(self.alpha) * sw2 + se2
    }

    /// The optimal ridge, γ* = σ_ε²/σ_w² = 1/SNR.
    pub fn optimal_ridge_test_error(&self) -> f64 {
        self.ridge_test_error(1.0 / self.snr)
    }

    /// Per-direction optimal stopping time `t*(λ) = (τ/λ) ln(1 + λ(σ_w² + σ₀²)/σ_ε²)`
    /// (docs/theory.md §3.5): small eigenvalues are best stopped late, because their signal
    /// arrives late, but then their noise arrives too.
    pub fn direction_stop_time(&self, lambda: f64) -> f64 {
        direction_stop_time(lambda, self.start(), self.se2)
    }

    /// `t_opt = argmin_t E_g(t)` by a scan in log t over `[10⁻³, 10⁶]` and golden-section
    /// refinement in log t.
    pub fn early_stop(&self) -> EarlyStop {
        let f = |u: f64| self.test_error(u.exp());
        let (u, v) = minimise_log(f, (1e-3f64).ln(), (1e6f64).ln(), 48, 1e-7);
        EarlyStop {
            t_opt: u.exp(),
            test_error: v,
        }
    }

    /// The amount of overtraining `E_g(10⁴ τ) − min_t E_g`.
    pub fn overtraining(&self, stop: &EarlyStop) -> f64 {
        self.test_error(LATE_TIME) - stop.test_error
    }
}

/// `t*(λ) = ln(1 + λ S/σ_ε²)/λ` in units of τ, with its λ → 0 limit `S/σ_ε²`.
pub fn direction_stop_time(lambda: f64, start: f64, se2: f64) -> f64 {
    let x = start / se2;
    if lambda * x < 1e-12 {
        x
    } else {
        (lambda * x).ln_1p() / lambda
    }
}

/// Minimum of a function of one variable on `[lo, hi]`: a scan at `scan` points, then golden
/// section on the bracket around the best one. Returns `(argmin, min)`.
pub fn minimise_log(f: impl Fn(f64) -> f64, lo: f64, hi: f64, scan: usize, tol: f64) -> (f64, f64) {
    let step = (hi - lo) / (scan - 1) as f64;
    let (mut best, mut best_v) = (0, f64::INFINITY);
    for k in 0..scan {
        let v = f(lo + step * k as f64);
        if v < best_v {
            best = k;
            best_v = v;
        }
    }
    let mut a = lo + step * best.saturating_sub(1) as f64;
    let mut b = lo + step * (best + 1).min(scan - 1) as f64;
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let mut c = b - g * (b - a);
    let mut d = a + g * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    while b - a > tol {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - g * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + g * (b - a);
            fd = f(d);
        }
    }
    let u = 0.5 * (a + b);
    let v = f(u);
    if v <= best_v {
        (u, v)
    } else {
        (lo + step * best as f64, best_v)
    }
}
