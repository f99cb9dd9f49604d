//! The deep student: one hidden layer trained on the same kind of data (docs/theory.md §3.6,
//! §9.1 and §9.3).
//!
//! A student `W₂W₁` from a small start learns the singular modes of its *empirical* input-output
//! correlation `Σʸˣ = Y Xᵀ` one at a time, strongest first. When the inputs are whitened along
//! a mode (`Σˣˣ v = c v`) and the start is aligned with the SVD and balanced, the mode's strength
//! `u = a²` follows the scalar map of §9.1 exactly,
//!
//! `a ← a + η c a (s − c a²)`,
//!
//! with its own singular value `s`. Signal modes have large `s` and are learned early; modes made
//! of noise have small `s` and come late, so stopping in between keeps the signal and little of
//! the noise. For the teacher's Gaussian inputs `Σˣˣ` is not whitened, and the map with
//! `c = vᵀ Σˣˣ v` is then only an approximation.
//!
//! For a rank-1 signal `s̄ ū v̄ᵀ` plus noise with entries of variance 1/N₁ (N₃ × N₁,
//! `A = N₃/N₁ ≤ 1`), random-matrix theory (the Benaych-Georges–Nadakuditi outlier) predicts,
//! above the detection threshold `s̄ > A^{1/4}`, the empirical top singular value and how well
//! its vectors point along the signal:
//!
//! `ŝ = √((1 + s̄²)(A + s̄²))/s̄`, `⟨û, ū⟩² = 1 − A(1 + s̄²)/(s̄²(s̄² + A))`,
//! `⟨v̂, v̄⟩² = 1 − (A + s̄²)/(s̄²(1 + s̄²))`, noise bulk up to `1 + √A`.
//!
//! This is the random-matrix outlier approximation (large N₁), not a formula of AS20.

use ndarray::Array2;

use crate::engine::data::Dataset;
use crate::engine::rng::Rng;

/// The random-matrix outlier approximation for a rank-1 signal in noise.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outlier {
    /// Predicted top singular value ŝ of the empirical matrix.
    pub s_hat: f64,
    /// Predicted squared overlap of the output-side (N₃) singular vector with ū.
    pub u_overlap2: f64,
    /// Predicted squared overlap of the input-side (N₁) singular vector with v̄.
    pub v_overlap2: f64,
    /// Edge of the noise bulk, `1 + √A`.
    pub edge: f64,
}

/// The outlier of a signal `s_bar` at aspect ratio `a = N₃/N₁`; `None` when `a` is outside
/// (0, 1] or the signal is at or below the detection threshold `a^{1/4}` (then the top singular
/// value sits at the bulk edge and its vectors carry no information about the signal).
pub fn outlier(s_bar: f64, a: f64) -> Option<Outlier> {
    if !(a > 0.0 && a <= 1.0 && s_bar.is_finite() && s_bar > a.powf(0.25)) {
        return None;
    }
    let s2 = s_bar * s_bar;
    Some(Outlier {
        s_hat: ((1.0 + s2) * (a + s2)).sqrt() / s_bar,
        u_overlap2: 1.0 - a * (1.0 + s2) / (s2 * (s2 + a)),
        v_overlap2: 1.0 - (a + s2) / (s2 * (1.0 + s2)),
        edge: 1.0 + a.sqrt(),
    })
}

/// A rank-1 teacher in noise with whitened (one-hot) inputs: `Σʸˣ = Y = s̄ ū v̄ᵀ + G`,
/// `G` of N(0, 1/N₁) entries.
#[derive(Clone, Debug)]
pub struct SignalInNoise {
    pub s_bar: f64,
    /// Unit output-side direction of the signal (N₃).
    pub u_bar: Vec<f64>,
    /// Unit input-side direction of the signal (N₁).
    pub v_bar: Vec<f64>,
    /// One-hot items (`X = I`, so `Σˣˣ = I`), targets `Y`.
    pub data: Dataset,
}

fn unit(n: usize, rng: &mut Rng) -> Vec<f64> {
    let v: Vec<f64> = (0..n).map(|_| rng.gaussian()).collect();
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-300);
    v.into_iter().map(|x| x / norm).collect()
}

impl SignalInNoise {
    /// Draws ū, then v̄, then the noise from `seed`.
    pub fn draw(inputs: usize, outputs: usize, s_bar: f64, seed: u64) -> SignalInNoise {
        let mut rng = Rng::new(seed);
        let u_bar = unit(outputs, &mut rng);
        let v_bar = unit(inputs, &mut rng);
        let sd = (1.0 / inputs as f64).sqrt();
        let y = Array2::from_shape_fn((outputs, inputs), |(i, j)| {
            s_bar * u_bar[i] * v_bar[j] + sd * rng.gaussian()
        });
        let data = Dataset::one_hot(
            (1..=inputs).map(|i| format!("x{i}")).collect(),
            (1..=outputs).map(|i| format!("y{i}")).collect(),
            y,
        );
        SignalInNoise {
            s_bar,
            u_bar,
            v_bar,
            data,
        }
    }

    /// The aspect ratio A = N₃/N₁.
    pub fn aspect(&self) -> f64 {
        self.data.n_outputs() as f64 / self.data.n_inputs() as f64
    }

    /// `‖W − s̄ ū v̄ᵀ‖² / s̄²`: how far a student's map is from the clean signal, relative to
    /// the signal (1 at W = 0).
    pub fn signal_error(&self, w: &Array2<f64>) -> f64 {
        let mut d = 0.0;
        for ((i, j), &v) in w.indexed_iter() {
            let e = v - self.s_bar * self.u_bar[i] * self.v_bar[j];
            d += e * e;
        }
        d / (self.s_bar * self.s_bar)
    }
}

/// The balanced one-hidden-layer mode map of §9.1, `a ← a + η c a (s − c a²)`, from `u0 = a0²`:
/// the strength `u = a²` after each of `steps` (increasing) steps.
pub fn mode_map(s: f64, c: f64, u0: f64, lr: f64, steps: &[u64]) -> Vec<f64> {
    let mut a = u0.max(0.0).sqrt();
    let mut k = 0u64;
    let mut out = Vec::with_capacity(steps.len());
    for &target in steps {
        while k < target {
            a += lr * c * a * (s - c * a * a);
            k += 1;
        }
        out.push(a * a);
    }
    out
}

/// Effective initial mode strength of a one-hidden-layer network with i.i.d. N(0, σ²) weights
/// and `hidden` units, `u0 ≈ N_h σ²/2` (docs/theory.md §5; an approximation).
pub fn random_start_strength(hidden: usize, sigma: f64) -> f64 {
    hidden as f64 * sigma * sigma / 2.0
}
