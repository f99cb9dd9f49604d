//! The α sweep and the SNR × α map of the large-N theory (docs/theory.md §3.5, §9.3), computed
//! in slices: `work(n)` does at most `n` units and returns whether everything is done, so a page
//! can run it between frames, show `progress()` and drop it to cancel.

use serde::{Deserialize, Deserializer, Serialize};

use super::config::{AlphaSweepConfig, GenConfig, TeacherDataset};
use super::exact::{ExactCurves, SampleSpectrum};
use super::mp::{MpTheory, LATE_TIME, NODES};
use super::teacher::TeacherSample;

/// Means over sampled datasets of the exact discrete-time curves (which are gradient descent's
/// own, to rounding).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SampledMeans {
    pub inputs: usize,
    pub examples: usize,
    pub seeds: usize,
    /// Mean test error at t = 10⁴ τ.
    pub test_error_final: f64,
    /// Mean over samples of each sample's lowest test error on a log grid of times.
    pub test_error_at_t_opt: f64,
}

/// One (α, SNR) point of the sweep, from the theory.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SweepRow {
    pub alpha: f64,
    pub snr: f64,
    /// `E_g(10⁴ τ)`.
    pub test_error_final: f64,
    /// `E_g(∞)` (null where it is infinite, at α = 1).
    #[serde(deserialize_with = "infinite_if_null")]
    pub test_error_infinite: f64,
    pub test_error_at_t_opt: f64,
    /// In units of τ.
    pub t_opt: f64,
    /// `E_g(10⁴ τ) − min_t E_g`.
    pub overtraining: f64,
    pub ridge_test_error: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub simulated: Option<SampledMeans>,
}

/// Reads a number that JSON writes as null when it is infinite.
fn infinite_if_null<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::INFINITY))
}

/// The α sweep at several SNRs.
pub struct AlphaSweep {
    spec: AlphaSweepConfig,
    s02: f64,
    lr: f64,
    inputs: usize,
    rows: Vec<SweepRow>,
    /// Sample means in progress for the row being simulated: (sum final, sum min, seeds done).
    pending: Option<(f64, f64, usize)>,
}

/// Times at which a sampled curve is searched for its minimum: 40 per decade from 10⁻² τ.
fn search_times() -> Vec<f64> {
    (0..=240)
        .map(|j| 10f64.powf(-2.0 + j as f64 / 40.0))
        .collect()
}

impl AlphaSweep {
    pub fn new(cfg: &GenConfig) -> AlphaSweep {
        AlphaSweep {
            spec: cfg.sweep.clone(),
            s02: cfg.init.s02(),
            lr: cfg.train.lr,
            inputs: cfg.dataset.inputs,
            rows: Vec::new(),
            pending: None,
        }
    }

    fn cells(&self) -> usize {
        self.spec.alphas.len() * self.spec.snrs.len()
    }

    /// Units of work in all: one per (α, SNR), plus one per sampled dataset.
    pub fn total(&self) -> usize {
        self.cells() * (1 + self.spec.seeds)
    }

    fn done_units(&self) -> usize {
        let full = self
            .rows
            .len()
            .saturating_sub(self.pending.is_some() as usize);
        full * (1 + self.spec.seeds) + self.pending.map_or(0, |p| 1 + p.2)
    }

    pub fn progress(&self) -> f64 {
        self.done_units() as f64 / self.total().max(1) as f64
    }

    pub fn is_done(&self) -> bool {
        self.rows.len() == self.cells() && self.pending.is_none()
    }

    /// Rows finished so far, SNR by SNR, α inside.
    pub fn rows(&self) -> &[SweepRow] {
        let n = self.rows.len() - self.pending.is_some() as usize;
        &self.rows[..n]
    }

    /// Takes the rows finished by the same sweep run elsewhere (a page's worker). Refused when
    /// they are more than the sweep has or not at its (α, SNR) points, in order.
    pub fn adopt(&mut self, rows: Vec<SweepRow>) -> Result<(), String> {
        let na = self.spec.alphas.len();
        let ok = rows.len() <= self.cells()
            && rows.iter().enumerate().all(|(i, r)| {
                r.alpha == self.spec.alphas[i % na] && r.snr == self.spec.snrs[i / na]
            });
        if !ok {
            return Err(format!(
                "are of another sweep; this one has α = {:?} and SNR = {:?}",
                self.spec.alphas, self.spec.snrs
            ));
        }
        self.rows = rows;
        self.pending = None;
        Ok(())
    }

    /// Does up to `budget` units; true when the sweep is complete.
    pub fn work(&mut self, budget: usize) -> bool {
        for _ in 0..budget {
            if self.is_done() {
                break;
            }
            if let Some((sum_f, sum_m, k)) = self.pending {
                let row = self.rows.last().expect("a pending row exists");
                let (f, m) = self.sample_once(row.alpha, row.snr, k as u64);
                let (sum_f, sum_m, k) = (sum_f + f, sum_m + m, k + 1);
                if k == self.spec.seeds {
                    let examples = examples_for(row.alpha, self.inputs);
                    self.rows
                        .last_mut()
                        .expect("a pending row exists")
                        .simulated = Some(SampledMeans {
                        inputs: self.inputs,
                        examples,
                        seeds: k,
                        test_error_final: sum_f / k as f64,
                        test_error_at_t_opt: sum_m / k as f64,
                    });
                    self.pending = None;
                } else {
                    self.pending = Some((sum_f, sum_m, k));
                }
                continue;
            }
            let i = self.rows.len();
            let na = self.spec.alphas.len();
            let (snr, alpha) = (self.spec.snrs[i / na], self.spec.alphas[i % na]);
            self.rows.push(theory_row(alpha, snr, self.s02));
            if self.spec.seeds > 0 {
                self.pending = Some((0.0, 0.0, 0));
            }
        }
        self.is_done()
    }

    /// One sampled dataset's (final test error, lowest test error), from its exact curve.
    fn sample_once(&self, alpha: f64, snr: f64, seed: u64) -> (f64, f64) {
        let ds = TeacherDataset::new(self.inputs, examples_for(alpha, self.inputs), snr, seed);
        let sample = TeacherSample::draw(&ds);
        let spec = SampleSpectrum::new(&sample.x);
        // The sweep's samples start from zero or from σ₀: a seeded draw like a run's.
        let n = sample.inputs();
        let mut rng = crate::engine::rng::Rng::new(1_000_003 + seed);
        let s0 = self.s02.sqrt();
        let w0 = ndarray::Array2::from_shape_simple_fn((1, n), || s0 * rng.gaussian());
        let curves = ExactCurves::new(&spec, &sample, &w0, self.lr);
        let at = |t: f64| curves.at_step((t / self.lr).round() as u64).1;
        let min = search_times()
            .into_iter()
            .map(at)
            .fold(f64::INFINITY, f64::min);
        (at(LATE_TIME), min)
    }
}

/// `round(α N)`, at least 1.
pub fn examples_for(alpha: f64, inputs: usize) -> usize {
    ((alpha * inputs as f64).round() as usize).max(1)
}

/// The theory at one (α, SNR).
pub fn theory_row(alpha: f64, snr: f64, s02: f64) -> SweepRow {
    let th = MpTheory::new(alpha, snr, s02);
    let stop = th.early_stop();
    SweepRow {
        alpha,
        snr,
        test_error_final: th.test_error(LATE_TIME),
        test_error_infinite: th.test_error_infinite_time(),
        test_error_at_t_opt: stop.test_error,
        t_opt: stop.t_opt,
        overtraining: th.overtraining(&stop),
        ridge_test_error: th.optimal_ridge_test_error(),
        simulated: None,
    }
}

/// The SNR × α map of the lab's Fig. S2 recipe (docs/theory.md §9.3): the relative error
/// reduction `(E_g(0) − E_g(t))/E_g(0)` at t = 10⁴ τ ("no early stopping") and at `t_opt`.
#[derive(Clone, Debug, Serialize)]
pub struct HeatMap {
    /// Columns: α = 0.1, 0.2, …, 5.
    pub alphas: Vec<f64>,
    /// Rows: log₁₀ SNR = −2, −1.9, …, 3.
    pub log10_snrs: Vec<f64>,
    pub s02: f64,
    /// `[row][col]`, NaN where not computed yet.
    pub late: Vec<Vec<f64>>,
    pub early: Vec<Vec<f64>>,
    #[serde(skip)]
    next: usize,
}

impl HeatMap {
    /// The map of §9.3: α = 0.1:0.1:5, SNR = 10^(−2:0.1:3).
    pub fn new(s02: f64) -> HeatMap {
        let alphas: Vec<f64> = (1..=50).map(|k| k as f64 / 10.0).collect();
        let log10_snrs: Vec<f64> = (0..=50).map(|k| -2.0 + k as f64 / 10.0).collect();
        HeatMap::with_axes(alphas, log10_snrs, s02)
    }

    pub fn with_axes(alphas: Vec<f64>, log10_snrs: Vec<f64>, s02: f64) -> HeatMap {
        let blank = vec![vec![f64::NAN; alphas.len()]; log10_snrs.len()];
        HeatMap {
            late: blank.clone(),
            early: blank,
            alphas,
            log10_snrs,
            s02,
            next: 0,
        }
    }

    pub fn total(&self) -> usize {
        self.alphas.len() * self.log10_snrs.len()
    }

    pub fn progress(&self) -> f64 {
        self.next as f64 / self.total().max(1) as f64
    }

    pub fn is_done(&self) -> bool {
        self.next >= self.total()
    }

    /// The cells computed so far, row by row: (late, early).
    pub fn done_cells(&self) -> (Vec<f64>, Vec<f64>) {
        let na = self.alphas.len().max(1);
        let cell = |m: &Vec<Vec<f64>>, k: usize| m[k / na][k % na];
        (0..self.next)
            .map(|k| (cell(&self.late, k), cell(&self.early, k)))
            .unzip()
    }

    /// Takes the cells computed by the same map elsewhere (as [`done_cells`](HeatMap::done_cells)
    /// gives them).
    pub fn adopt(&mut self, late: &[f64], early: &[f64]) -> Result<(), String> {
        if late.len() != early.len() || late.len() > self.total() {
            return Err(format!(
                "must be two lists of the same length, at most {}",
                self.total()
            ));
        }
        let na = self.alphas.len().max(1);
        for (k, (&l, &e)) in late.iter().zip(early).enumerate() {
            self.late[k / na][k % na] = l;
            self.early[k / na][k % na] = e;
        }
        self.next = late.len();
        Ok(())
    }

    /// Computes up to `budget` cells, row by row; true when the map is complete.
    pub fn work(&mut self, budget: usize) -> bool {
        let na = self.alphas.len();
        for _ in 0..budget {
            if self.is_done() {
                break;
            }
            let (r, c) = (self.next / na, self.next % na);
            let snr = 10f64.powf(self.log10_snrs[r]);
            let th = MpTheory::with_nodes(self.alphas[c], snr, self.s02, NODES);
            let e0 = th.initial_error();
            let stop = th.early_stop();
            self.late[r][c] = (e0 - th.test_error(LATE_TIME)) / e0;
            self.early[r][c] = (e0 - stop.test_error) / e0;
            self.next += 1;
        }
        self.is_done()
    }
}
