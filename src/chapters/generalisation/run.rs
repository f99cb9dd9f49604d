//! One run of the chapter: a student trained by full-batch gradient descent on a teacher sample,
//! with its errors recorded next to the sample's exact curves and the large-N theory.

use std::collections::BTreeSet;

use ndarray::Array2;
use serde::Serialize;

use super::config::{GenConfig, StudentInitKind};
use super::deep::{mode_map, random_start_strength};
use super::exact::{ExactCurves, SampleSpectrum};
use super::mp::{EarlyStop, MpTheory};
use super::teacher::TeacherSample;
use crate::config::{ConfigError, InitConfig, InitKind};
use crate::engine::data::Dataset;
use crate::engine::init::initialise;
use crate::engine::network::{mode_strengths_of, Network};
use crate::engine::rng::Rng;
use crate::engine::train::Trainer;
use crate::linalg::Svd;

/// Log-spaced recording: this many recorded steps per decade, on top of `train.record_every`,
/// so that a log time axis is sampled evenly from the first step.
pub const RECORDS_PER_DECADE: u32 = 20;

/// What was recorded at one step.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct GenRecord {
    pub step: u64,
    /// `t/τ = step · η`.
    pub time: f64,
    pub train_error: f64,
    pub test_error: f64,
    /// The sample's exact curves (shallow student only).
    pub exact_train_error: Option<f64>,
    pub exact_test_error: Option<f64>,
    /// The large-N gradient-flow theory at the same time.
    pub mp_train_error: f64,
    pub mp_test_error: f64,
    /// Deep student: strength `uᵀ W₂W₁ v` of each mode of the sample's Σʸˣ.
    pub modes: Vec<f64>,
}

/// The deep student's modes and their scalar-map predictions.
#[derive(Clone, Debug)]
pub struct DeepModes {
    pub svd: Svd,
    /// Input variance `vᵀ Σˣˣ v` along each mode (1 for whitened inputs).
    pub c: Vec<f64>,
    /// Initial strength used by the prediction.
    pub u0: f64,
    /// True when the map is exact: whitened inputs and an aligned, balanced start.
    pub exact: bool,
}

/// A training run of the generalisation chapter.
pub struct GenRun {
    cfg: GenConfig,
    sample: TeacherSample,
    data: Dataset,
    spectrum: SampleSpectrum,
    exact: Option<ExactCurves>,
    theory: MpTheory,
    stop: EarlyStop,
    ridge: f64,
    deep: Option<DeepModes>,
    net: Network,
    trainer: Trainer,
    step: u64,
    log_steps: BTreeSet<u64>,
    records: Vec<GenRecord>,
    diverged: bool,
}

/// The steps `round(10^(j/per_decade))` up to `max`.
pub fn log_steps(max: u64, per_decade: u32) -> BTreeSet<u64> {
    let mut out = BTreeSet::new();
    let mut j = 0u32;
    loop {
        let s = 10f64.powf(j as f64 / per_decade as f64).round() as u64;
        if s > max {
            break;
        }
        out.insert(s);
        j += 1;
    }
    out
}

impl GenRun {
    pub fn new(cfg: &GenConfig) -> Result<GenRun, ConfigError> {
        cfg.validate()?;
        let sample = TeacherSample::draw(&cfg.dataset);
        let spectrum = SampleSpectrum::new(&sample.x);
        GenRun::with_sample(cfg, sample, spectrum)
    }

    /// A run on an already drawn sample and its spectrum (the eigen-decomposition is done once
    /// per dataset; a new start or learning rate reuses it).
    pub fn with_sample(
        cfg: &GenConfig,
        sample: TeacherSample,
        spectrum: SampleSpectrum,
    ) -> Result<GenRun, ConfigError> {
        cfg.validate()?;
        let lr = cfg.train.lr;
        let lmax = spectrum.max_eigenvalue();
        if !cfg.is_deep() && lr * lmax >= 2.0 {
            return Err(ConfigError::new(
                "train.lr",
                format!(
                    "gradient descent diverges for lr ≥ 2/λ_max = {:.4} (λ_max = {lmax:.4} for \
                     these inputs); got {lr}",
                    2.0 / lmax
                ),
            ));
        }
        let data = sample.dataset();
        let (n, m) = (sample.inputs(), sample.outputs());
        let mut rng = Rng::new(cfg.train.seed);
        let svd = Svd::new(&data.sigma_yx().view());
        let net = if let Some(&h) = cfg.network.hidden.first() {
            let kind = match cfg.init.kind {
                StudentInitKind::Balanced => InitKind::Balanced,
                _ => InitKind::SmallGaussian,
            };
            let init = InitConfig {
                kind,
                scale: cfg.init.scale,
                lambda: 0.0,
                ..InitConfig::default()
            };
            initialise(&init, &[n, h, m], &svd, &mut rng)
        } else {
            let w = match cfg.init.kind {
                StudentInitKind::Zero => Array2::zeros((m, n)),
                _ => {
                    let s = cfg.init.scale;
                    Array2::from_shape_simple_fn((m, n), || s * rng.gaussian())
                }
            };
            Network::new(vec![w])
        };
        let exact =
            (!cfg.is_deep()).then(|| ExactCurves::new(&spectrum, &sample, &net.weights[0], lr));
        let deep = cfg.network.hidden.first().map(|&h| {
            let sxx = data.sigma_xx();
            let c = (0..svd.s.len())
                .map(|a| {
                    let v = svd.v.column(a);
                    v.dot(&sxx.dot(&v))
                })
                .collect();
            let (u0, aligned) = match cfg.init.kind {
                StudentInitKind::Balanced => (cfg.init.scale, true),
                _ => (random_start_strength(h, cfg.init.scale), false),
            };
            DeepModes {
                svd: svd.clone(),
                c,
                u0,
                exact: aligned && data.whitening().is_some(),
            }
        });
        // The large-N curves are the shallow student's; a deep student's product W₂W₁ starts
        // near zero, so it is compared with the shallow student from zero.
        let s02 = if cfg.is_deep() { 0.0 } else { cfg.init.s02() };
        let theory = MpTheory::new(sample.alpha(), sample.snr, s02);
        let stop = theory.early_stop();
        let ridge = theory.optimal_ridge_test_error();
        let trainer = Trainer::new(&net, &data);
        let mut run = GenRun {
            cfg: cfg.clone(),
            sample,
            data,
            spectrum,
            exact,
            theory,
            stop,
            ridge,
            deep,
            net,
            trainer,
            step: 0,
            log_steps: log_steps(cfg.train.steps, RECORDS_PER_DECADE),
            records: Vec::new(),
            diverged: false,
        };
        run.record();
        Ok(run)
    }

    fn record(&mut self) {
        let w = self.net.product();
        let time = self.step as f64 * self.cfg.train.lr;
        let (et, eg) = match &self.exact {
            Some(e) => {
                let (a, b) = e.at_step(self.step);
                (Some(a), Some(b))
            }
            None => (None, None),
        };
        let modes = match &self.deep {
            Some(d) => mode_strengths_of(&w, &d.svd),
            None => Vec::new(),
        };
        self.records.push(GenRecord {
            step: self.step,
            time,
            train_error: self.sample.train_error(&w),
            test_error: self.sample.test_error(&w),
            exact_train_error: et,
            exact_test_error: eg,
            mp_train_error: self.theory.train_error(time),
            mp_test_error: self.theory.test_error(time),
            modes,
        });
    }

    fn is_recorded(&self, step: u64) -> bool {
        step.is_multiple_of(self.cfg.train.record_every)
            || step == self.cfg.train.steps
            || self.log_steps.contains(&step)
    }

    /// Trains up to `steps` more steps (never past `train.steps`); returns the steps taken.
    /// Stops early, for good, if the weights stop being finite numbers.
    pub fn advance(&mut self, steps: u64) -> u64 {
        let lr = self.cfg.train.lr;
        let mut done = 0;
        while done < steps && self.step < self.cfg.train.steps && !self.diverged {
            self.trainer.step(&mut self.net, &self.data, lr);
            self.step += 1;
            done += 1;
            if !self.net.is_finite() {
                self.diverged = true;
                break;
            }
            if self.is_recorded(self.step) {
                self.record();
            }
        }
        done
    }

    pub fn is_done(&self) -> bool {
        self.step >= self.cfg.train.steps || self.diverged
    }
    pub fn diverged(&self) -> bool {
        self.diverged
    }
    pub fn step_count(&self) -> u64 {
        self.step
    }
    pub fn config(&self) -> &GenConfig {
        &self.cfg
    }
    pub fn sample(&self) -> &TeacherSample {
        &self.sample
    }
    pub fn spectrum(&self) -> &SampleSpectrum {
        &self.spectrum
    }
    pub fn theory(&self) -> &MpTheory {
        &self.theory
    }
    pub fn exact(&self) -> Option<&ExactCurves> {
        self.exact.as_ref()
    }
    pub fn records(&self) -> &[GenRecord] {
        &self.records
    }
    pub fn network(&self) -> &Network {
        &self.net
    }
    pub fn deep(&self) -> Option<&DeepModes> {
        self.deep.as_ref()
    }
    /// Optimal early stopping in the large-N theory (`t_opt` in units of τ).
    pub fn early_stop(&self) -> EarlyStop {
        self.stop
    }
    /// Test error of the optimal ridge γ* = 1/SNR in the large-N theory.
    pub fn ridge_test_error(&self) -> f64 {
        self.ridge
    }
    /// The oracle's test error σ_ε²: the noise no student can predict.
    pub fn oracle(&self) -> f64 {
        self.sample.se2
    }

    /// The deep student's predicted mode strengths at each recorded step (one row per record).
    pub fn predicted_modes(&self) -> Option<Vec<Vec<f64>>> {
        let d = self.deep.as_ref()?;
        let steps: Vec<u64> = self.records.iter().map(|r| r.step).collect();
        let per_mode: Vec<Vec<f64>> = d
            .svd
            .s
            .iter()
            .zip(&d.c)
            .map(|(&s, &c)| mode_map(s, c, d.u0, self.cfg.train.lr, &steps))
            .collect();
        Some(
            (0..steps.len())
                .map(|k| per_mode.iter().map(|m| m[k]).collect())
                .collect(),
        )
    }
}
