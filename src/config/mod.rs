//! The one configuration vocabulary of the project.
//!
//! The page's controls, the JS API (`window.dln.setConfig`), the URL hash and the native CLI all
//! speak this JSON shape:
//!
//! ```json
//! {"dataset": {"kind": "rm8"},
//!  "network": {"hidden": [16], "activation": "linear"},
//!  "init": {"kind": "small_gaussian", "scale": 0.001},
//!  "train": {"lr": 0.002, "steps": 8000, "record_every": 10, "seed": 1}}
//! ```
//!
//! Every field has a default, so a partial object is a valid config; [`Config::merged`] applies a
//! partial object to an existing config. A config is checked once, at the boundary, by
//! [`Config::validate`]; code past the boundary may assume the limits below hold.

pub mod csv;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Upper limits that keep every run inside a browser tab's memory and time budget.
pub mod limits {
    /// Hidden layers (the network has `hidden + 1` weight matrices).
    pub const MAX_HIDDEN_LAYERS: usize = 32;
    /// Units in one hidden layer.
    pub const MAX_WIDTH: usize = 1024;
    /// Items (examples) in a dataset.
    pub const MAX_ITEMS: usize = 256;
    /// Features (outputs) in a dataset.
    pub const MAX_FEATURES: usize = 4096;
    /// Input dimensions of a dataset.
    pub const MAX_INPUTS: usize = 1024;
    /// Weights in the whole network.
    pub const MAX_PARAMETERS: usize = 4_000_000;
    /// Longest name of an item or feature of a custom matrix, in characters.
    pub const MAX_NAME_CHARS: usize = 40;
    /// Largest magnitude of a value in a custom matrix.
    pub const MAX_ABS_VALUE: f64 = 1e6;
    /// Training steps in one run.
    pub const MAX_STEPS: u64 = 100_000_000;
    /// Largest learning rate.
    pub const MAX_LR: f64 = 10.0;
    /// Smallest and largest initial scale.
    pub const MIN_SCALE: f64 = 1e-12;
    pub const MAX_SCALE: f64 = 10.0;
    /// Largest seed (integers above 2^53 do not survive a trip through JavaScript).
    pub const MAX_SEED: u64 = (1 << 53) - 1;
}

/// A complete configuration of one run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub dataset: DatasetConfig,
    pub network: NetworkConfig,
    pub init: InitConfig,
    pub train: TrainConfig,
    /// Settings of the depth sweep (never restart the run).
    pub sweep: SweepConfig,
}

/// Which dataset to learn. Items are presented as one-hot inputs unless the dataset says otherwise.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum DatasetConfig {
    #[default]
    /// The 8-item Rumelhart / Rogers & McClelland hierarchy (THEORY.md 2.2 B): 8 items, 36 features.
    Rm8,
    /// The 4-item toy dataset (THEORY.md 2.2 A): canary, salmon, oak, rose; 7 features.
    Toy4,
    /// A balanced tree with one feature per node (THEORY.md 2.2 D).
    Tree {
        #[serde(default = "default_branching")]
        branching: usize,
        #[serde(default = "default_levels")]
        levels: usize,
    },
    /// Features sampled by the branching diffusion process on a balanced tree (THEORY.md 2.2 E).
    Diffusion {
        #[serde(default = "default_branching")]
        branching: usize,
        #[serde(default = "default_levels")]
        levels: usize,
        #[serde(default = "default_features")]
        features: usize,
        #[serde(default = "default_flip")]
        flip: f64,
        #[serde(default = "default_data_seed")]
        seed: u64,
    },
    /// A random task with a chosen spectrum (THEORY.md 6.5): `size` one-hot items, targets
    /// `Y = U diag(s) V^T` with random orthogonal U, V and singular values spaced evenly from
    /// `s_max` down to `s_min`.
    Spectrum {
        #[serde(default = "default_spectrum_size")]
        size: usize,
        #[serde(default = "default_s_max")]
        s_max: f64,
        #[serde(default = "default_s_min")]
        s_min: f64,
        #[serde(default = "default_data_seed")]
        seed: u64,
    },
    /// A user-supplied item x feature matrix (`values` has one row per item).
    Matrix {
        items: Vec<String>,
        features: Vec<String>,
        values: Vec<Vec<f64>>,
    },
}

fn default_branching() -> usize {
    2
}
fn default_levels() -> usize {
    3
}
fn default_features() -> usize {
    1000
}
fn default_flip() -> f64 {
    0.1
}
fn default_data_seed() -> u64 {
    1
}
fn default_spectrum_size() -> usize {
    16
}
fn default_s_max() -> f64 {
    2.0
}
fn default_s_min() -> f64 {
    0.5
}

impl DatasetConfig {
    /// The synthetic task of THEORY.md 6.5 that the depth sweep and the depth presets learn: the
    /// [`Spectrum`](DatasetConfig::Spectrum) dataset with every field at its default (16 one-hot
    /// items, singular values spaced evenly from 2 down to 0.5, seed 1).
    pub fn synthetic() -> DatasetConfig {
        DatasetConfig::Spectrum {
            size: default_spectrum_size(),
            s_max: default_s_max(),
            s_min: default_s_min(),
            seed: default_data_seed(),
        }
    }

    /// The `kind` tag as it appears in JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            DatasetConfig::Rm8 => "rm8",
            DatasetConfig::Toy4 => "toy4",
            DatasetConfig::Tree { .. } => "tree",
            DatasetConfig::Diffusion { .. } => "diffusion",
            DatasetConfig::Spectrum { .. } => "spectrum",
            DatasetConfig::Matrix { .. } => "matrix",
        }
    }
}

/// The architecture: input and output sizes come from the dataset, hidden widths from here.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkConfig {
    /// Widths of the hidden layers, input side first. Empty means a shallow network `y = W x`.
    pub hidden: Vec<usize>,
    /// The nonlinearity `phi` of every hidden layer (the output layer stays linear):
    /// `h_l = phi(W_l h_(l-1))` for l < D, `y = W_D h_(D-1)` (SMG14 section 4,
    /// `x^(l+1) = g W phi(x^l)`, with the gain g carried by the weights' init scale).
    pub activation: Activation,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            hidden: vec![16],
            activation: Activation::Linear,
        }
    }
}

/// The hidden layers' nonlinearity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activation {
    /// No nonlinearity: the deep linear network of the exact theory.
    #[default]
    Linear,
    /// `tanh(z)`, with `tanh'(0) = 1`: linear for small weights.
    Tanh,
    /// `max(0, z)`.
    Relu,
}

impl Activation {
    pub const ALL: [Activation; 3] = [Activation::Linear, Activation::Tanh, Activation::Relu];

    /// The name used in JSON. (Its numerics, `phi` and `phi'`, are the engine's:
    /// [`crate::engine::network`].)
    pub fn name(self) -> &'static str {
        match self {
            Activation::Linear => "linear",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
        }
    }
}

/// How the weights start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InitKind {
    /// Every weight i.i.d. Gaussian with standard deviation `scale`.
    SmallGaussian,
    /// Every weight i.i.d. Gaussian with standard deviation `scale / sqrt(fan_in)`.
    ScaledGaussian,
    /// Each matrix a random (semi-)orthogonal matrix times `scale`.
    Orthogonal,
    /// Decoupled and balanced: aligned with the data's SVD, every mode starting at strength
    /// `u0 = scale` (each of the D layers contributes `scale^(1/D)`), SMG14 section 1.2 and 1.5.
    /// With one hidden layer and `lambda != 0` the layers differ: output side `a`, input side
    /// `b`, `ab = u0`, `a^2 - b^2 = lambda` (THEORY.md 4.2).
    Balanced,
    /// One hidden layer in random (not task-aligned) directions with
    /// `W2^T W2 - W1 W1^T = lambda I` (THEORY.md 4.1, 4.2): the smaller layer has singular
    /// values `scale`, the other `sqrt(scale^2 + |lambda|)`.
    LambdaBalanced,
}

impl InitKind {
    pub const ALL: [InitKind; 5] = [
        InitKind::SmallGaussian,
        InitKind::ScaledGaussian,
        InitKind::Orthogonal,
        InitKind::Balanced,
        InitKind::LambdaBalanced,
    ];

    /// The name used in JSON.
    pub fn name(self) -> &'static str {
        match self {
            InitKind::SmallGaussian => "small_gaussian",
            InitKind::ScaledGaussian => "scaled_gaussian",
            InitKind::Orthogonal => "orthogonal",
            InitKind::Balanced => "balanced",
            InitKind::LambdaBalanced => "lambda_balanced",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InitConfig {
    pub kind: InitKind,
    pub scale: f64,
    /// Imbalance `W2^T W2 - W1 W1^T = lambda I` between the two layers of a one-hidden-layer
    /// network (`balanced` and `lambda_balanced` starts only; 0 = balanced).
    pub lambda: f64,
}

impl Default for InitConfig {
    fn default() -> Self {
        InitConfig {
            kind: InitKind::SmallGaussian,
            scale: 0.001,
            lambda: 0.0,
        }
    }
}

/// Full-batch gradient descent on the summed loss `L = 1/2 sum_mu ||y_mu - W_tot x_mu||^2`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Learning rate (the time constant of the theory is `tau = 1 / lr` steps).
    pub lr: f64,
    /// Length of the run in steps.
    pub steps: u64,
    /// Record loss and mode strengths every this many steps.
    pub record_every: u64,
    /// Seed of every random draw of the run (initial weights, sampled datasets use their own).
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            lr: 0.002,
            steps: 8000,
            record_every: 10,
            seed: 1,
        }
    }
}

// ----- the depth sweep (src/chapters/depth.rs) -----

/// The initialisations compared by the sweep.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepInit {
    /// i.i.d. Gaussian weights of std `small_scale` (SMG14: 0.01).
    SmallGaussian,
    /// i.i.d. Gaussian weights of std `1/sqrt(fan_in)`.
    ScaledGaussian,
    /// Random orthogonal weights (gain 1).
    Orthogonal,
    /// Decoupled and balanced, every mode starting at `balanced_u0` (SMG14 Fig 4: 0.001).
    Balanced,
    /// Greedy layer-wise pretraining: each hidden layer is the encoder of a linear autoencoder
    /// trained on the layer below's representation (kept at unit gain); the output layer starts
    /// small.
    Pretrained,
}

impl SweepInit {
    pub const ALL: [SweepInit; 5] = [
        SweepInit::SmallGaussian,
        SweepInit::ScaledGaussian,
        SweepInit::Orthogonal,
        SweepInit::Balanced,
        SweepInit::Pretrained,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SweepInit::SmallGaussian => "small_gaussian",
            SweepInit::ScaledGaussian => "scaled_gaussian",
            SweepInit::Orthogonal => "orthogonal",
            SweepInit::Balanced => "balanced",
            SweepInit::Pretrained => "pretrained",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LrPolicy {
    /// `train.lr` at every depth.
    Fixed,
    /// `train.lr * 2 / D`: the rate of a two-layer network, falling as 1/D.
    InverseDepth,
    /// `lr_factor` times the largest stable rate of depth D.
    Stable,
    /// The fastest of a log-spaced grid below the largest stable rate.
    Optimal,
}

/// The task a depth sweep learns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepData {
    /// The synthetic task of THEORY.md 6.5 (SMG14 Fig 6A's analogue),
    /// [`DatasetConfig::synthetic`].
    Spectrum,
    /// The run's own dataset.
    Run,
}

/// Settings of a depth sweep (part of the config; changing them never restarts the run).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SweepConfig {
    /// The task learned at every depth.
    pub data: SweepData,
    /// Width of every hidden layer of the swept networks.
    pub width: usize,
    /// Numbers of weight matrices D to try.
    pub depths: Vec<usize>,
    /// Learning time: first step with loss <= threshold * 1/2 ||Y||^2.
    pub threshold: f64,
    /// Give up (learning time null) after this many steps.
    pub max_steps: u64,
    pub lr: LrPolicy,
    /// `stable` rates are this fraction of the stability bound.
    pub lr_factor: f64,
    pub inits: Vec<SweepInit>,
    /// Std of the small Gaussian start.
    pub small_scale: f64,
    /// Initial mode strength of the balanced start (SMG14 Fig 4 used 0.001; from 0.1 the
    /// learning time saturates within the default depths and a short sweep shows it).
    pub balanced_u0: f64,
    /// Training runs (seeds) per initialisation and depth; the chart draws their median and
    /// range.
    pub seeds: usize,
}

impl Default for SweepConfig {
    fn default() -> Self {
        SweepConfig {
            data: SweepData::Spectrum,
            width: 32,
            depths: vec![1, 2, 3, 4, 6, 8, 12, 16, 24, 32],
            threshold: 0.01,
            max_steps: 1000,
            lr: LrPolicy::Stable,
            lr_factor: 0.5,
            // The small Gaussian start is left out by default: it is not learned at all beyond
            // a few layers, so it only costs time (every depth runs to `max_steps`).
            inits: vec![
                SweepInit::ScaledGaussian,
                SweepInit::Orthogonal,
                SweepInit::Balanced,
                SweepInit::Pretrained,
            ],
            small_scale: 0.01,
            balanced_u0: 0.1,
            seeds: 3,
        }
    }
}

impl SweepConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(1..=256).contains(&self.width) {
            return Err(ConfigError::new(
                "sweep.width",
                format!("must be an integer from 1 to 256 units; got {}", self.width),
            ));
        }
        if self.depths.is_empty() || self.depths.len() > 40 {
            return Err(ConfigError::new("sweep.depths", "needs 1 to 40 depths"));
        }
        for (i, &d) in self.depths.iter().enumerate() {
            if !(1..=64).contains(&d) {
                return Err(ConfigError::new(
                    format!("sweep.depths[{i}]"),
                    format!("must be an integer from 1 to 64 weight matrices; got {d}"),
                ));
            }
        }
        let range = |field: &str, v: f64, lo: f64, hi: f64| {
            if v.is_finite() && v > lo && v <= hi {
                Ok(())
            } else {
                Err(ConfigError::new(
                    field,
                    format!("must be a number in ({lo}, {hi}]; got {v}"),
                ))
            }
        };
        range("sweep.threshold", self.threshold, 0.0, 1.0)?;
        range("sweep.lr_factor", self.lr_factor, 0.0, 1.0)?;
        range("sweep.small_scale", self.small_scale, 0.0, 10.0)?;
        range("sweep.balanced_u0", self.balanced_u0, 0.0, 10.0)?;
        if !(1..=16).contains(&self.seeds) {
            return Err(ConfigError::new(
                "sweep.seeds",
                format!("must be an integer from 1 to 16; got {}", self.seeds),
            ));
        }
        if !(1..=1_000_000).contains(&self.max_steps) {
            return Err(ConfigError::new(
                "sweep.max_steps",
                format!(
                    "must be an integer from 1 to 1000000; got {}",
                    self.max_steps
                ),
            ));
        }
        if self.inits.is_empty() {
            return Err(ConfigError::new(
                "sweep.inits",
                "needs at least one initialisation",
            ));
        }
        Ok(())
    }
}

/// A configuration problem, naming the field (as a dotted JSON path) and what is allowed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ConfigError {
    pub field: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            field: field.into(),
            message: message.into(),
        }
    }
}

fn check_range_f64(
    field: &str,
    v: f64,
    lo: f64,
    hi: f64,
    lo_open: bool,
) -> Result<(), ConfigError> {
    let ok = v.is_finite() && (if lo_open { v > lo } else { v >= lo }) && v <= hi;
    if ok {
        Ok(())
    } else {
        let open = if lo_open { "(" } else { "[" };
        Err(ConfigError::new(
            field,
            format!("must be a number in {open}{lo}, {hi}]; got {v}"),
        ))
    }
}

fn check_range_int(field: &str, v: u64, lo: u64, hi: u64) -> Result<(), ConfigError> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(ConfigError::new(
            field,
            format!("must be an integer from {lo} to {hi}; got {v}"),
        ))
    }
}

impl DatasetConfig {
    /// Number of (items, inputs, features) this dataset will have, checked against the limits.
    pub fn shape(&self) -> Result<(usize, usize, usize), ConfigError> {
        let tree = |b: usize, l: usize| -> Result<(usize, usize), ConfigError> {
            check_range_int("dataset.branching", b as u64, 2, 8)?;
            check_range_int("dataset.levels", l as u64, 1, 8)?;
            let items = (b as u64).checked_pow(l as u32).unwrap_or(u64::MAX);
            if items > limits::MAX_ITEMS as u64 {
                return Err(ConfigError::new(
                    "dataset.levels",
                    format!(
                        "branching^levels = {b}^{l} items exceeds the limit of {} items",
                        limits::MAX_ITEMS
                    ),
                ));
            }
            let nodes = ((b as u64).pow(l as u32 + 1) - 1) / (b as u64 - 1);
            Ok((items as usize, nodes as usize))
        };
        match self {
            DatasetConfig::Rm8 => Ok((8, 8, 36)),
            DatasetConfig::Toy4 => Ok((4, 4, 7)),
            DatasetConfig::Tree { branching, levels } => {
                let (items, nodes) = tree(*branching, *levels)?;
                Ok((items, items, nodes))
            }
            DatasetConfig::Diffusion {
                branching,
                levels,
                features,
                flip,
                seed,
            } => {
                let (items, _) = tree(*branching, *levels)?;
                check_range_int(
                    "dataset.features",
                    *features as u64,
                    1,
                    limits::MAX_FEATURES as u64,
                )?;
                check_range_f64("dataset.flip", *flip, 0.0, 0.5, false)?;
                check_range_int("dataset.seed", *seed, 0, limits::MAX_SEED)?;
                Ok((items, items, *features))
            }
            DatasetConfig::Spectrum {
                size,
                s_max,
                s_min,
                seed,
            } => {
                check_range_int("dataset.size", *size as u64, 1, limits::MAX_ITEMS as u64)?;
                check_range_f64("dataset.s_max", *s_max, 0.0, 1000.0, true)?;
                check_range_f64("dataset.s_min", *s_min, 0.0, *s_max, true)?;
                check_range_int("dataset.seed", *seed, 0, limits::MAX_SEED)?;
                Ok((*size, *size, *size))
            }
            DatasetConfig::Matrix {
                items,
                features,
                values,
            } => {
                check_range_int(
                    "dataset.items",
                    items.len() as u64,
                    1,
                    limits::MAX_ITEMS as u64,
                )?;
                check_range_int(
                    "dataset.features",
                    features.len() as u64,
                    1,
                    limits::MAX_FEATURES as u64,
                )?;
                check_names("dataset.items", items)?;
                check_names("dataset.features", features)?;
                if values.len() != items.len() {
                    return Err(ConfigError::new(
                        "dataset.values",
                        format!(
                            "needs one row per item ({} rows); got {}",
                            items.len(),
                            values.len()
                        ),
                    ));
                }
                for (i, row) in values.iter().enumerate() {
                    if row.len() != features.len() {
                        return Err(ConfigError::new(
                            format!("dataset.values[{i}]"),
                            format!(
                                "row for item {:?} needs {} values (one per feature); got {}",
                                items[i],
                                features.len(),
                                row.len()
                            ),
                        ));
                    }
                    for (j, v) in row.iter().enumerate() {
                        if !v.is_finite() || v.abs() > limits::MAX_ABS_VALUE {
                            return Err(ConfigError::new(
                                format!("dataset.values[{i}][{j}]"),
                                format!(
                                    "must be a finite number with magnitude at most {}; got {v}",
                                    limits::MAX_ABS_VALUE
                                ),
                            ));
                        }
                    }
                }
                Ok((items.len(), items.len(), features.len()))
            }
        }
    }
}

fn check_names(field: &str, names: &[String]) -> Result<(), ConfigError> {
    for (i, n) in names.iter().enumerate() {
        let t = n.trim();
        if t.is_empty() || t.chars().count() > limits::MAX_NAME_CHARS {
            return Err(ConfigError::new(
                format!("{field}[{i}]"),
                format!(
                    "names must have 1 to {} characters; got {n:?}",
                    limits::MAX_NAME_CHARS
                ),
            ));
        }
        if names[..i].iter().any(|m| m.trim() == t) {
            return Err(ConfigError::new(
                format!("{field}[{i}]"),
                format!("the name {t:?} appears twice"),
            ));
        }
    }
    Ok(())
}

impl Config {
    /// Checks every field against its allowed range; the error names the first bad field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let (_, inputs, features) = self.dataset.shape()?;
        if inputs > limits::MAX_INPUTS {
            return Err(ConfigError::new(
                "dataset",
                format!("at most {} inputs are supported", limits::MAX_INPUTS),
            ));
        }
        let hidden = &self.network.hidden;
        if hidden.len() > limits::MAX_HIDDEN_LAYERS {
            return Err(ConfigError::new(
                "network.hidden",
                format!(
                    "at most {} hidden layers are supported; got {}",
                    limits::MAX_HIDDEN_LAYERS,
                    hidden.len()
                ),
            ));
        }
        for (i, &w) in hidden.iter().enumerate() {
            check_range_int(
                &format!("network.hidden[{i}]"),
                w as u64,
                1,
                limits::MAX_WIDTH as u64,
            )?;
        }
        let dims = self.layer_dims_unchecked(inputs, features);
        let params: usize = dims.windows(2).map(|w| w[0] * w[1]).sum();
        if params > limits::MAX_PARAMETERS {
            return Err(ConfigError::new(
                "network.hidden",
                format!(
                    "the network would have {params} weights; the limit is {}",
                    limits::MAX_PARAMETERS
                ),
            ));
        }
        check_range_f64(
            "init.scale",
            self.init.scale,
            limits::MIN_SCALE,
            limits::MAX_SCALE,
            false,
        )?;
        self.check_lambda(inputs, features)?;
        check_range_f64("train.lr", self.train.lr, 0.0, limits::MAX_LR, true)?;
        check_range_int("train.steps", self.train.steps, 1, limits::MAX_STEPS)?;
        check_range_int("train.record_every", self.train.record_every, 1, 1_000_000)?;
        check_range_int("train.seed", self.train.seed, 0, limits::MAX_SEED)?;
        self.sweep.validate()?;
        Ok(())
    }

    fn check_lambda(&self, inputs: usize, features: usize) -> Result<(), ConfigError> {
        let lambda = self.init.lambda;
        check_range_f64("init.lambda", lambda, -100.0, 100.0, false)?;
        let one_hidden = self.network.hidden.len() == 1;
        if self.init.kind == InitKind::LambdaBalanced && !one_hidden {
            return Err(ConfigError::new(
                "init.kind",
                "lambda_balanced needs exactly one hidden layer (network.hidden of length 1)",
            ));
        }
        let uses_lambda = matches!(
            self.init.kind,
            InitKind::Balanced | InitKind::LambdaBalanced
        );
        if lambda != 0.0 && !(uses_lambda && one_hidden) {
            return Err(ConfigError::new(
                "init.lambda",
                "a nonzero lambda needs one hidden layer and a balanced or lambda_balanced start",
            ));
        }
        if self.init.kind == InitKind::LambdaBalanced {
            let h = self.network.hidden[0];
            if lambda > 0.0 && h > features {
                return Err(ConfigError::new(
                    "init.lambda",
                    format!("a positive lambda needs a hidden layer no wider than the output ({features}); it has {h} units"),
                ));
            }
            if lambda < 0.0 && h > inputs {
                return Err(ConfigError::new(
                    "init.lambda",
                    format!("a negative lambda needs a hidden layer no wider than the input ({inputs}); it has {h} units"),
                ));
            }
        }
        Ok(())
    }

    fn layer_dims_unchecked(&self, inputs: usize, features: usize) -> Vec<usize> {
        let mut dims = Vec::with_capacity(self.network.hidden.len() + 2);
        dims.push(inputs);
        dims.extend_from_slice(&self.network.hidden);
        dims.push(features);
        dims
    }

    /// Layer sizes `[N_0, N_1, ..., N_D]` (input, hidden..., output).
    pub fn layer_dims(&self) -> Result<Vec<usize>, ConfigError> {
        let (_, inputs, features) = self.dataset.shape()?;
        Ok(self.layer_dims_unchecked(inputs, features))
    }

    /// Number of weight matrices D.
    pub fn depth(&self) -> usize {
        self.network.hidden.len() + 1
    }

    /// Parses a complete config from JSON (missing fields take their defaults) and validates it.
    pub fn from_json(text: &str) -> Result<Config, ConfigError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| ConfigError::new("config", format!("is not valid JSON: {e}")))?;
        Config::default().merged(&value)
    }

    /// Applies a partial config (a JSON object with any subset of the fields) on top of this one
    /// and validates the result. Objects merge key by key; arrays and scalars replace. A dataset
    /// object whose `kind` differs from the current one replaces the dataset as a whole.
    pub fn merged(&self, partial: &Value) -> Result<Config, ConfigError> {
        if !partial.is_object() {
            return Err(ConfigError::new(
                "config",
                "must be a JSON object such as {\"train\": {\"lr\": 0.01}}",
            ));
        }
        let mut base = serde_json::to_value(self).expect("a Config always serialises");
        merge_value(&mut base, partial, "");
        let cfg: Config = serde_path_to_error::deserialize(base).map_err(|e| {
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

    /// The config as pretty JSON.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("a Config always serialises")
    }
}

fn merge_value(base: &mut Value, patch: &Value, path: &str) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            let kind_changes =
                path == "dataset" && p.get("kind").is_some() && p.get("kind") != b.get("kind");
            if kind_changes {
                *b = p.clone();
                return;
            }
            for (k, v) in p {
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match b.get_mut(k) {
                    Some(existing) => merge_value(existing, v, &child),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_default_config_is_valid_and_round_trips_through_json() {
        let cfg = Config::default();
        cfg.validate().unwrap();
        let back = Config::from_json(&serde_json::to_string(&cfg).unwrap()).unwrap();
        assert_eq!(cfg, back);
    }

    #[test]
    fn a_partial_object_changes_only_the_fields_it_names() {
        let cfg = Config::default();
        let new = cfg.merged(&json!({"train": {"lr": 0.05}})).unwrap();
        assert_eq!(new.train.lr, 0.05);
        assert_eq!(new.train.steps, cfg.train.steps);
        assert_eq!(new.network, cfg.network);
    }

    #[test]
    fn an_out_of_range_learning_rate_names_the_field_and_the_range() {
        let err = Config::default()
            .merged(&json!({"train": {"lr": -1.0}}))
            .unwrap_err();
        assert_eq!(err.field, "train.lr");
        assert!(err.message.contains("(0, 10]"), "{err}");
    }

    #[test]
    fn a_value_of_the_wrong_type_names_its_path() {
        let err = Config::default()
            .merged(&json!({"init": {"kind": "glorious"}}))
            .unwrap_err();
        assert_eq!(err.field, "init.kind");
        assert!(err.message.contains("small_gaussian"), "{err}");
        let err = Config::default()
            .merged(&json!({"network": {"hidden": [16, "wide"]}}))
            .unwrap_err();
        assert_eq!(err.field, "network.hidden[1]");
    }

    #[test]
    fn the_activation_defaults_to_linear_merges_alone_and_names_itself_when_unknown() {
        assert_eq!(Config::default().network.activation, Activation::Linear);
        let cfg = Config::default()
            .merged(&json!({"network": {"activation": "tanh"}}))
            .unwrap();
        assert_eq!(cfg.network.activation, Activation::Tanh);
        assert_eq!(cfg.network.hidden, vec![16], "the widths are kept");
        let back = cfg.merged(&json!({"network": {"hidden": [8, 8]}})).unwrap();
        assert_eq!(
            back.network.activation,
            Activation::Tanh,
            "and so is the activation"
        );
        let err = Config::default()
            .merged(&json!({"network": {"activation": "sigmoid"}}))
            .unwrap_err();
        assert_eq!(err.field, "network.activation");
        for a in Activation::ALL {
            assert!(err.message.contains(a.name()), "{err}");
        }
    }

    #[test]
    fn the_synthetic_task_is_the_spectrum_dataset_at_its_defaults() {
        let parsed: DatasetConfig = serde_json::from_value(json!({"kind": "spectrum"})).unwrap();
        assert_eq!(parsed, DatasetConfig::synthetic());
        let DatasetConfig::Spectrum {
            size, s_max, s_min, ..
        } = DatasetConfig::synthetic()
        else {
            panic!("the synthetic task is a spectrum dataset");
        };
        // THEORY.md 6.5: 16 items, singular values from 2 down to 0.5.
        assert_eq!((size, s_max, s_min), (16, 2.0, 0.5));
    }

    #[test]
    fn an_unknown_field_is_refused() {
        let err = Config::default()
            .merged(&json!({"train": {"learning_rate": 0.1}}))
            .unwrap_err();
        assert!(err.message.contains("learning_rate"), "{err}");
    }

    #[test]
    fn a_new_dataset_kind_replaces_the_old_dataset_object() {
        let cfg = Config::default()
            .merged(&json!({"dataset": {"kind": "matrix", "items": ["a", "b"],
                "features": ["x"], "values": [[1.0], [0.0]]}}))
            .unwrap();
        let back = cfg.merged(&json!({"dataset": {"kind": "tree"}})).unwrap();
        assert_eq!(
            back.dataset,
            DatasetConfig::Tree {
                branching: 2,
                levels: 3
            }
        );
    }

    #[test]
    fn oversized_networks_and_datasets_are_refused() {
        let err = Config::default()
            .merged(&json!({"network": {"hidden": [1024, 1024, 1024, 1024, 1024]}}))
            .unwrap_err();
        assert_eq!(err.field, "network.hidden");
        let err = Config::default()
            .merged(&json!({"dataset": {"kind": "tree", "branching": 8, "levels": 8}}))
            .unwrap_err();
        assert_eq!(err.field, "dataset.levels");
        let err = Config::default()
            .merged(&json!({"network": {"hidden": [0]}}))
            .unwrap_err();
        assert_eq!(err.field, "network.hidden[0]");
    }

    #[test]
    fn a_ragged_custom_matrix_names_the_row() {
        let err = Config::default()
            .merged(&json!({"dataset": {"kind": "matrix", "items": ["a", "b"],
                "features": ["x", "y"], "values": [[1.0, 0.0], [0.0]]}}))
            .unwrap_err();
        assert_eq!(err.field, "dataset.values[1]");
    }
}
