//! One sample of the noisy linear teacher (docs/theory.md §3.1) and the two errors of a student
//! on it.

use ndarray::Array2;

use super::config::TeacherDataset;
use super::mp::teacher_variances;
use crate::engine::data::Dataset;
use crate::engine::rng::Rng;

/// The inputs, the teacher's weights, the noise and the targets of one dataset.
#[derive(Clone, Debug)]
pub struct TeacherSample {
    pub snr: f64,
    /// Teacher weight variance σ_w² = SNR/(1 + SNR).
    pub sw2: f64,
    /// Noise variance σ_ε² = 1/(1 + SNR): the oracle's test error.
    pub se2: f64,
    /// Inputs `X`, N × P, entries N(0, 1/N).
    pub x: Array2<f64>,
    /// Teacher weights `w̄`, one row per output, entries N(0, σ_w²).
    pub w_bar: Array2<f64>,
    /// Label noise `ε`, outputs × P, entries N(0, σ_ε²).
    pub noise: Array2<f64>,
    /// Targets `Y = w̄ X + ε`.
    pub y: Array2<f64>,
}

impl TeacherSample {
    /// Draws the sample from `dataset.seed`: first `X` (row by row), then `w̄`, then `ε`.
    pub fn draw(cfg: &TeacherDataset) -> TeacherSample {
        let (n, p, m) = (cfg.inputs, cfg.examples, cfg.outputs);
        let (sw2, se2) = teacher_variances(cfg.snr);
        let mut rng = Rng::new(cfg.seed);
        let sx = (1.0 / n as f64).sqrt();
        let x = Array2::from_shape_simple_fn((n, p), || sx * rng.gaussian());
        let sw = sw2.sqrt();
        let w_bar = Array2::from_shape_simple_fn((m, n), || sw * rng.gaussian());
        let se = se2.sqrt();
        let noise = Array2::from_shape_simple_fn((m, p), || se * rng.gaussian());
        let y = w_bar.dot(&x) + &noise;
        TeacherSample {
            snr: cfg.snr,
            sw2,
            se2,
            x,
            w_bar,
            noise,
            y,
        }
    }

    pub fn inputs(&self) -> usize {
        self.x.nrows()
    }
    pub fn examples(&self) -> usize {
        self.x.ncols()
    }
    pub fn outputs(&self) -> usize {
        self.y.nrows()
    }
    pub fn alpha(&self) -> f64 {
        self.examples() as f64 / self.inputs() as f64
    }

    /// The sample as a dataset for the trainer (inputs not one-hot).
    pub fn dataset(&self) -> Dataset {
        Dataset {
            items: (1..=self.examples()).map(|i| format!("x{i}")).collect(),
            features: (1..=self.outputs()).map(|i| format!("y{i}")).collect(),
            x: self.x.clone(),
            y: self.y.clone(),
            one_hot: false,
        }
    }

    /// Test error of a linear student `W` (outputs × N), averaged over outputs:
    /// `E_g = (1/N)‖W − w̄‖² + σ_ε²`, exact for a fresh input and fresh noise (no test set).
    pub fn test_error(&self, w: &Array2<f64>) -> f64 {
        let d2: f64 = w
            .iter()
            .zip(self.w_bar.iter())
            .map(|(a, b)| (a - b) * (a - b))
            .sum();
        d2 / (self.inputs() * self.outputs()) as f64 + self.se2
    }

    /// Training error `E_t = (1/P) Σ_μ (y − W x)²`, averaged over outputs.
    pub fn train_error(&self, w: &Array2<f64>) -> f64 {
        let r = &self.y - &w.dot(&self.x);
        r.iter().map(|e| e * e).sum::<f64>() / (self.examples() * self.outputs()) as f64
    }
}
