//! A deep student on a rank-1 signal in noise, beside the random-matrix outlier approximation
//! (docs/theory.md §9.3).
//!
//! The sample is [`SignalInNoise`]: one-hot inputs (so `Σˣˣ = I`) and targets
//! `Y = s̄ ū v̄ᵀ + G`, `G` of N(0, 1/N₁) entries, N₃ = N₁/4 outputs (A = 1/4). A one-hidden-layer
//! student starts balanced and aligned with the sample's own SVD, so each empirical mode follows
//! the scalar map of §9.1 with its own singular value, to rounding. What random-matrix theory
//! adds is a prediction of those singular values without the sample: one outlier at
//! `ŝ = √((1 + s̄²)(A + s̄²))/s̄` above a noise bulk that ends at `1 + √A`, with squared overlaps
//! `⟨û, ū⟩²` and `⟨v̂, v̄⟩²` ([`outlier`]). The outlier is learned first; while the noise modes
//! are still small the student's map is `ŝ û v̂ᵀ`, whose distance to the clean signal is, by
//! those overlaps,
//!
//! `‖ŝ û v̂ᵀ − s̄ ū v̄ᵀ‖² / s̄² = 1 + ŝ²/s̄² − 2 (ŝ/s̄) |⟨û, ū⟩⟨v̂, v̄⟩|`,
//!
//! and on the way there, at strength `s̄ |⟨û, ū⟩⟨v̂, v̄⟩|`, it passes the closest any multiple
//! of `û v̂ᵀ` comes, `1 − ⟨û, ū⟩²⟨v̂, v̄⟩²`. Stopping near there is far better than training on
//! until the noise modes are learned too. These are large-N₁ approximations, not formulas of
//! AS20.

use std::collections::BTreeSet;

use super::deep::{mode_map, outlier, Outlier, SignalInNoise};
use super::run::{log_steps, RECORDS_PER_DECADE};
use crate::config::{InitConfig, InitKind};
use crate::engine::init::initialise;
use crate::engine::network::{mode_strengths_of, Network};
use crate::engine::rng::Rng;
use crate::engine::train::Trainer;
use crate::linalg::Svd;

/// Inputs N₁ (one-hot items).
pub const INPUTS: usize = 400;
/// Outputs N₃: the aspect ratio A = N₃/N₁ is 1/4.
pub const OUTPUTS: usize = 100;
/// Hidden units: the student can learn the outlier and the 15 strongest noise modes.
pub const HIDDEN: usize = 16;
/// Learning rate (stable while η ŝ < 1; ŝ < 4.1 for s̄ ≤ 4).
pub const LR: f64 = 0.05;
/// Length of the run: every mode the student can learn is learned by then.
pub const STEPS: u64 = 1000;
/// Strength of each mode at the balanced, aligned start.
pub const START: f64 = 1e-4;
/// Largest signal strength s̄ the page offers.
pub const MAX_SIGNAL: f64 = 4.0;
/// Modes drawn: the outlier and the strongest noise modes.
pub const SHOWN: usize = 6;

/// What was recorded at one step.
#[derive(Clone, Debug, PartialEq)]
pub struct OutlierRecord {
    pub step: u64,
    /// `t/τ = step · η`.
    pub time: f64,
    /// Strength `uᵀ W₂W₁ v` of the sample's first [`SHOWN`] modes.
    pub modes: Vec<f64>,
    /// `‖W₂W₁ − s̄ ū v̄ᵀ‖² / s̄²`.
    pub signal_error: f64,
}

/// One sample of the rank-1 signal in noise and a deep student learning it.
pub struct OutlierDemo {
    pub s_bar: f64,
    pub seed: u64,
    pub task: SignalInNoise,
    /// The SVD of the sample's Σʸˣ.
    pub svd: Svd,
    /// The outlier approximation at this s̄ and A (None below the detection threshold).
    pub predicted: Option<Outlier>,
    /// This sample's top singular value and its vectors' squared overlaps with ū and v̄.
    pub measured: (f64, f64, f64),
    net: Network,
    trainer: Trainer,
    step: u64,
    log_steps: BTreeSet<u64>,
    records: Vec<OutlierRecord>,
}

impl OutlierDemo {
    /// A new sample at signal strength `s_bar` (0 < s̄ ≤ [`MAX_SIGNAL`]) from `seed`, and the
    /// student at its start.
    pub fn new(s_bar: f64, seed: u64) -> OutlierDemo {
        let task = SignalInNoise::draw(INPUTS, OUTPUTS, s_bar, seed);
        let svd = Svd::new(&task.data.sigma_yx().view());
        let predicted = outlier(s_bar, task.aspect());
        let dot = |a: ndarray::ArrayView1<'_, f64>, b: &[f64]| -> f64 {
            a.iter().zip(b).map(|(x, y)| x * y).sum()
        };
        let measured = (
            svd.s[0],
            dot(svd.u.column(0), &task.u_bar).powi(2),
            dot(svd.v.column(0), &task.v_bar).powi(2),
        );
        let init = InitConfig {
            kind: InitKind::Balanced,
            scale: START,
            lambda: 0.0,
            ..InitConfig::default()
        };
        let net = initialise(
            &init,
            &[INPUTS, HIDDEN, OUTPUTS],
            &svd,
            &mut Rng::new(seed + 1),
        );
        let trainer = Trainer::new(&net, &task.data);
        let mut demo = OutlierDemo {
            s_bar,
            seed,
            task,
            svd,
            predicted,
            measured,
            net,
            trainer,
            step: 0,
            log_steps: log_steps(STEPS, RECORDS_PER_DECADE),
            records: Vec::new(),
        };
        demo.record();
        demo
    }

    fn record(&mut self) {
        let w = self.net.product();
        let mut modes = mode_strengths_of(&w, &self.svd);
        modes.truncate(SHOWN);
        self.records.push(OutlierRecord {
            step: self.step,
            time: self.step as f64 * LR,
            modes,
            signal_error: self.task.signal_error(&w),
        });
    }

    /// Takes up to `n` steps, recording on a log-spaced grid; answers the steps taken.
    pub fn advance(&mut self, n: u64) -> u64 {
        let mut taken = 0;
        while taken < n && self.step < STEPS {
            self.trainer.step(&mut self.net, &self.task.data, LR);
            self.step += 1;
            taken += 1;
            if self.log_steps.contains(&self.step) || self.step == STEPS {
                self.record();
            }
        }
        taken
    }

    pub fn step(&self) -> u64 {
        self.step
    }

    pub fn is_done(&self) -> bool {
        self.step >= STEPS
    }

    pub fn records(&self) -> &[OutlierRecord] {
        &self.records
    }

    /// The aspect ratio A = N₃/N₁.
    pub fn aspect(&self) -> f64 {
        self.task.aspect()
    }

    /// The noise bulk's edge `1 + √A`.
    pub fn edge(&self) -> f64 {
        1.0 + self.aspect().sqrt()
    }

    /// The sample's own modes under the exact scalar map, at each recorded step (`[record][mode]`):
    /// what the simulation follows to rounding.
    pub fn exact_modes(&self) -> Vec<Vec<f64>> {
        let steps: Vec<u64> = self.records.iter().map(|r| r.step).collect();
        let per_mode: Vec<Vec<f64>> = (0..SHOWN.min(self.svd.s.len()))
            .map(|a| mode_map(self.svd.s[a], 1.0, START, LR, &steps))
            .collect();
        (0..steps.len())
            .map(|k| per_mode.iter().map(|m| m[k]).collect())
            .collect()
    }

    /// The top mode under the scalar map with the outlier approximation's ŝ in place of the
    /// sample's own singular value, at each recorded step; None below the threshold.
    pub fn predicted_top(&self) -> Option<Vec<f64>> {
        let p = self.predicted?;
        let steps: Vec<u64> = self.records.iter().map(|r| r.step).collect();
        Some(mode_map(p.s_hat, 1.0, START, LR, &steps))
    }

    /// The outlier approximation of the distance to the clean signal once the outlier alone is
    /// learned, `1 + ŝ²/s̄² − 2 (ŝ/s̄) |⟨û, ū⟩⟨v̂, v̄⟩|`; None below the threshold.
    pub fn predicted_plateau(&self) -> Option<f64> {
        let p = self.predicted?;
        let r = p.s_hat / self.s_bar;
        Some(1.0 + r * r - 2.0 * r * (p.u_overlap2 * p.v_overlap2).sqrt())
    }

    /// The outlier approximation of the closest any multiple of `û v̂ᵀ` comes to the clean
    /// signal, `1 − ⟨û, ū⟩²⟨v̂, v̄⟩²`: what stopping early can reach while the noise modes are
    /// still small; None below the threshold.
    pub fn predicted_floor(&self) -> Option<f64> {
        let p = self.predicted?;
        Some(1.0 - p.u_overlap2 * p.v_overlap2)
    }

    /// The lowest distance to the clean signal recorded so far, and its record.
    pub fn best(&self) -> Option<(usize, f64)> {
        self.records
            .iter()
            .map(|r| r.signal_error)
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(&b.1))
    }
}
