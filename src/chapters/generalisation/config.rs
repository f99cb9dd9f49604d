//! The chapter's configuration: the `teacher` dataset, the student's start and the α sweep.
//!
//! ```json
//! {"dataset": {"kind": "teacher", "inputs": 100, "examples": 100, "snr": 4, "outputs": 1, "seed": 0},
//!  "network": {"hidden": []},
//!  "init": {"kind": "zero"},
//!  "train": {"lr": 0.01, "steps": 20000, "record_every": 100, "seed": 1}}
//! ```
//!
//! These types stand on their own (they are not variants of the main config yet) so that they
//! can be registered with the rest of the vocabulary later; `train` is the main config's own
//! [`TrainConfig`]. Every field has a default, and [`GenConfig::from_json`] checks every value
//! once, naming the field of the first bad one.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::fields::Field;
use crate::config::{limits, ConfigError, TrainConfig};

/// Largest number of inputs N and of examples P (the eigen-decomposition is done once per
/// dataset, at most 1000 × 1000).
pub const MAX_INPUTS: usize = 1000;
pub const MAX_EXAMPLES: usize = 1000;
/// Largest number of teacher outputs (independent copies of the task).
pub const MAX_OUTPUTS: usize = 64;
/// Largest signal-to-noise ratio.
pub const MAX_SNR: f64 = 1e6;

/// The chapter's part of the field table: its dataset's values, each with its range, declared
/// once. [`TeacherDataset::validate`] checks against them and the page's controls take their
/// limits from them (through `dln.chapters()`).
pub const FIELDS: &[Field] = &[
    Field::int(
        "gen-inputs",
        "dataset.inputs",
        "Inputs N",
        1,
        MAX_INPUTS as u64,
    )
    .help("the input dimension N; the sample's inputs are decomposed once per dataset"),
    Field::int(
        "gen-examples",
        "dataset.examples",
        "Examples P",
        1,
        MAX_EXAMPLES as u64,
    )
    .help("the number of training examples P; the load is α = P/N"),
    Field::int(
        "gen-outputs",
        "dataset.outputs",
        "Outputs",
        1,
        MAX_OUTPUTS as u64,
    )
    .help("independent copies of the task on the same inputs"),
    Field::positive("gen-snr", "dataset.snr", "Signal-to-noise", 0.0, MAX_SNR)
        .help("the teacher's signal-to-noise ratio σ_w²/σ_ε²"),
    Field::int("gen-seed", "dataset.seed", "Data seed", 0, limits::MAX_SEED)
        .help("the seed of the inputs, the teacher and the noise"),
];

/// Checks `v` against the chapter's field at `path`.
fn check_field(path: &str, v: Value) -> Result<(), ConfigError> {
    FIELDS
        .iter()
        .find(|f| f.path == path)
        .expect("a declared field")
        .check(&v)
}

/// The noisy linear teacher of docs/theory.md §3.1: `y = w̄·x + ε`, inputs N(0, 1/N),
/// `σ_w² = SNR/(1 + SNR)`, `σ_ε² = 1/(1 + SNR)`. Several outputs are independent copies (their
/// own `w̄` and noise on the same inputs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TeacherDataset {
    /// Always `teacher` (the name this dataset will have among the others).
    pub kind: TeacherKind,
    /// Input dimension N.
    pub inputs: usize,
    /// Number of training examples P (the load is α = P/N).
    pub examples: usize,
    /// Signal-to-noise ratio σ_w²/σ_ε².
    pub snr: f64,
    pub outputs: usize,
    /// Seed of the inputs, the teacher and the noise.
    pub seed: u64,
}

/// The dataset's `kind` tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TeacherKind {
    #[default]
    Teacher,
}

impl Default for TeacherDataset {
    fn default() -> Self {
        TeacherDataset {
            kind: TeacherKind::Teacher,
            inputs: 100,
            examples: 100,
            snr: 4.0,
            outputs: 1,
            seed: 0,
        }
    }
}

impl TeacherDataset {
    /// A teacher with these sizes and SNR, one output.
    pub fn new(inputs: usize, examples: usize, snr: f64, seed: u64) -> TeacherDataset {
        TeacherDataset {
            inputs,
            examples,
            snr,
            seed,
            ..TeacherDataset::default()
        }
    }

    /// The load α = P/N.
    pub fn alpha(&self) -> f64 {
        self.examples as f64 / self.inputs as f64
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        check_field("dataset.inputs", self.inputs.into())?;
        check_field("dataset.examples", self.examples.into())?;
        check_field("dataset.outputs", self.outputs.into())?;
        check_field("dataset.snr", self.snr.into())?;
        check_field("dataset.seed", self.seed.into())
    }
}

/// The student: shallow (`hidden = []`, the student of AS20) or with one hidden layer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct StudentNetwork {
    pub hidden: Vec<usize>,
}

/// How the student's weights start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum StudentInitKind {
    /// Every weight 0 (σ₀ = 0), AS20's usual start. Shallow students only: a deep network at
    /// zero has no gradient.
    #[default]
    Zero,
    /// Every weight i.i.d. N(0, σ₀²) with σ₀ = `scale` (every layer of a deep student).
    SmallGaussian,
    /// A deep student aligned with the SVD of the sample's Σʸˣ, every mode at strength
    /// `u0 = scale` (layers balanced): the start on which each mode follows its scalar map.
    Balanced,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StudentInit {
    pub kind: StudentInitKind,
    /// σ₀ for `small_gaussian`, `u0` for `balanced`; unused by `zero`.
    pub scale: f64,
}

impl Default for StudentInit {
    fn default() -> Self {
        StudentInit {
            kind: StudentInitKind::Zero,
            scale: 0.0,
        }
    }
}

impl StudentInit {
    /// The variance σ₀² of a shallow student's initial weights.
    pub fn s02(&self) -> f64 {
        match self.kind {
            StudentInitKind::SmallGaussian => self.scale * self.scale,
            _ => 0.0,
        }
    }
}

/// What `dln sweep` varies: the load α, at each of several SNRs (theory).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepOver {
    Alpha,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlphaSweepConfig {
    pub over: SweepOver,
    pub alphas: Vec<f64>,
    pub snrs: Vec<f64>,
    /// Datasets sampled per (α, SNR) for the simulated means (0: theory only). The samples have
    /// `dataset.inputs` inputs and `round(α N)` examples and use the config's `train.lr`.
    pub seeds: usize,
}

impl Default for AlphaSweepConfig {
    fn default() -> Self {
        AlphaSweepConfig {
            over: SweepOver::Alpha,
            alphas: vec![0.25, 0.5, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0, 3.0],
            snrs: vec![1.0, 4.0],
            seeds: 0,
        }
    }
}

impl AlphaSweepConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.alphas.is_empty() || self.alphas.len() > 200 {
            return Err(ConfigError::new("sweep.alphas", "needs 1 to 200 loads"));
        }
        for (i, &a) in self.alphas.iter().enumerate() {
            positive(&format!("sweep.alphas[{i}]"), a, 10.0)?;
        }
        if self.snrs.is_empty() || self.snrs.len() > 200 {
            return Err(ConfigError::new("sweep.snrs", "needs 1 to 200 SNRs"));
        }
        for (i, &s) in self.snrs.iter().enumerate() {
            positive(&format!("sweep.snrs[{i}]"), s, MAX_SNR)?;
        }
        int("sweep.seeds", self.seeds as u64, 0, 100)
    }
}

/// A complete configuration of the chapter's run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenConfig {
    pub dataset: TeacherDataset,
    pub network: StudentNetwork,
    pub init: StudentInit,
    pub train: TrainConfig,
    pub sweep: AlphaSweepConfig,
}

impl Default for GenConfig {
    fn default() -> Self {
        GenConfig {
            dataset: TeacherDataset::default(),
            network: StudentNetwork::default(),
            init: StudentInit::default(),
            train: TrainConfig {
                lr: 0.01,
                steps: 20_000,
                record_every: 100,
                seed: 1,
                ..TrainConfig::default()
            },
            sweep: AlphaSweepConfig::default(),
        }
    }
}

impl GenConfig {
    /// True when a JSON config belongs to this chapter: its dataset is a `teacher`, or it asks
    /// for a sweep over α.
    pub fn claims(value: &Value) -> bool {
        value.pointer("/dataset/kind").and_then(Value::as_str) == Some("teacher")
            || value.pointer("/sweep/over").and_then(Value::as_str) == Some("alpha")
    }

    /// Parses a config (missing fields take their defaults) and validates it.
    pub fn from_json(text: &str) -> Result<GenConfig, ConfigError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| ConfigError::new("config", format!("is not valid JSON: {e}")))?;
        GenConfig::from_value(value)
    }

    pub fn from_value(value: Value) -> Result<GenConfig, ConfigError> {
        if !value.is_object() {
            return Err(ConfigError::new("config", "must be a JSON object"));
        }
        // Missing fields, at any depth, take the chapter's defaults (its own learning rate and
        // length among them, not the main config's).
        let mut base = serde_json::to_value(GenConfig::default()).expect("a config serialises");
        merge(&mut base, &value);
        let cfg: GenConfig = crate::config::read(base).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." || path.is_empty() {
                "config".to_string()
            } else {
                path
            };
            ConfigError::new(field, e.into_inner().to_string())
        })?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// True for a student with a hidden layer.
    pub fn is_deep(&self) -> bool {
        !self.network.hidden.is_empty()
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        self.dataset.validate()?;
        let hidden = &self.network.hidden;
        if hidden.len() > 1 {
            return Err(ConfigError::new(
                "network.hidden",
                format!(
                    "the student has at most one hidden layer; got {}",
                    hidden.len()
                ),
            ));
        }
        for (i, &w) in hidden.iter().enumerate() {
            int(
                &format!("network.hidden[{i}]"),
                w as u64,
                1,
                limits::MAX_WIDTH as u64,
            )?;
        }
        let scale = self.init.scale;
        if !(scale.is_finite() && (0.0..=limits::MAX_SCALE).contains(&scale)) {
            return Err(ConfigError::new(
                "init.scale",
                format!(
                    "must be a number in [0, {}]; got {scale}",
                    limits::MAX_SCALE
                ),
            ));
        }
        match (self.init.kind, self.is_deep()) {
            (StudentInitKind::Zero, true) => {
                return Err(ConfigError::new(
                    "init.kind",
                    "a student with a hidden layer cannot start at zero (no gradient reaches \
                     either layer); use small_gaussian or balanced",
                ))
            }
            (StudentInitKind::Balanced, false) => {
                return Err(ConfigError::new(
                    "init.kind",
                    "balanced needs a hidden layer (network.hidden = [width])",
                ))
            }
            (StudentInitKind::SmallGaussian | StudentInitKind::Balanced, true) if scale <= 0.0 => {
                return Err(ConfigError::new(
                    "init.scale",
                    "a student with a hidden layer needs a start above zero; got 0",
                ))
            }
            _ => {}
        }
        if self.is_deep() && self.init.kind == StudentInitKind::Balanced {
            let modes = self.dataset.outputs.min(self.dataset.inputs);
            if hidden[0] < modes {
                return Err(ConfigError::new(
                    "network.hidden[0]",
                    format!(
                        "a balanced start needs a hidden layer at least as wide as the number of \
                         modes ({modes}); got {}",
                        hidden[0]
                    ),
                ));
            }
        }
        let t = &self.train;
        if !(t.lr.is_finite() && t.lr > 0.0 && t.lr <= limits::MAX_LR) {
            return Err(ConfigError::new(
                "train.lr",
                format!("must be a number in (0, {}]; got {}", limits::MAX_LR, t.lr),
            ));
        }
        if t.loss != crate::config::LossKind::Sum {
            return Err(ConfigError::new(
                "train.loss",
                "the student of a noisy teacher learns on the summed loss of AS20 (sum) only",
            ));
        }
        int("train.steps", t.steps, 1, limits::MAX_STEPS)?;
        int("train.record_every", t.record_every, 1, 1_000_000)?;
        int("train.seed", t.seed, 0, limits::MAX_SEED)?;
        self.sweep.validate()
    }
}

/// Objects merge key by key; arrays and scalars replace.
pub(crate) fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

fn int(field: &str, v: u64, lo: u64, hi: u64) -> Result<(), ConfigError> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(ConfigError::new(
            field,
            format!("must be an integer from {lo} to {hi}; got {v}"),
        ))
    }
}

fn positive(field: &str, v: f64, hi: f64) -> Result<(), ConfigError> {
    if v.is_finite() && v > 0.0 && v <= hi {
        Ok(())
    } else {
        Err(ConfigError::new(
            field,
            format!("must be > 0 and at most {hi}; got {v}"),
        ))
    }
}
