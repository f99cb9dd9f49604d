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
//! partial object to an existing config. Every parameter is declared once, in the field table
//! ([`fields::FIELDS`]), with its key, range and help. A config is checked once, at the
//! boundary ([`Config::validated`], [`Config::merged`]), into a [`ValidConfig`]: the run, the
//! session and the sweep take only that type, so code past the boundary never checks again.

pub mod csv;
pub mod echo;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub mod fields;

/// What [`read`] answers for a value that is not a `T`: the path to the bad field (`e.path()`,
/// such as `dataset.kind`) and serde's message (`e.inner()`); shown, it is `path: message`.
pub type ReadError = serde_path_to_error::Error<serde_json::Error>;

/// Reads a `T` from a JSON value. Every typed read of the crate (configs, views, requests,
/// states handed back) goes through this one function: a bad field is named by its path, and
/// each type's deserialiser is compiled once, for one deserializer, instead of once for every
/// way of reading it (a plain [`Value`], a path-tracking one, JSON text).
pub fn read<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, ReadError> {
    serde_path_to_error::deserialize(value)
}

/// Upper limits that keep every run inside a browser tab's memory and time budget.
pub mod limits {
    /// Hidden layers (the network has `hidden + 1` weight matrices).
    pub const MAX_HIDDEN_LAYERS: usize = 32;
    /// Units in one hidden layer.
    pub const MAX_WIDTH: usize = 1024;
    /// Items (examples) in a dataset.
    pub const MAX_ITEMS: usize = 256;
    /// Features (outputs) in a dataset.
    pub const MAX_FEATURES: usize = 16_384;
    /// Target values (items times features) in a dataset: the memory cap of the data, its
    /// outputs and their snapshots (256 items of 4096 features, or 64 of 16,384).
    pub const MAX_TARGET_VALUES: usize = 1 << 20;
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
    /// Largest learning rate (large enough for the mean loss over many features: the
    /// Neuromatch tutorial's lr 100 on 8 items and 10 001 features is 2.5e-3 on the summed loss).
    pub const MAX_LR: f64 = 1000.0;
    /// Smallest and largest initial scale.
    pub const MIN_SCALE: f64 = 1e-15;
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
    /// The 8-item Rumelhart / Rogers & McClelland hierarchy (docs/theory.md §2.2 B): 8 items, 36 features.
    Rm8,
    /// The 4-item toy dataset (docs/theory.md §2.2 A): canary, salmon, oak, rose; 7 features.
    Toy4,
    /// A balanced tree with one feature per node (docs/theory.md §2.2 D).
    Tree {
        #[serde(default = "default_branching")]
        branching: usize,
        #[serde(default = "default_levels")]
        levels: usize,
    },
    /// Features sampled by the branching diffusion process on a balanced tree (docs/theory.md §2.2 E).
    Diffusion {
        #[serde(default = "default_branching")]
        branching: usize,
        #[serde(default = "default_levels")]
        levels: usize,
        /// How many features are sampled (was `features`, still read).
        #[serde(default = "default_features", alias = "features")]
        feature_count: usize,
        #[serde(default = "default_flip")]
        flip: f64,
        #[serde(default = "default_data_seed")]
        seed: u64,
        /// A feature appended after the sampled ones (the Neuromatch tutorial's `has_bones`).
        #[serde(default)]
        extra: ExtraFeature,
    },
    /// A random task with a chosen spectrum (docs/theory.md §6.5): `size` one-hot items, targets
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
        /// The features' names (was `features`, still read).
        #[serde(alias = "features")]
        feature_names: Vec<String>,
        values: Vec<Vec<f64>>,
    },
}

crate::choices! {
    /// The kinds of dataset: the `kind` tag of [`DatasetConfig`], and the page's Dataset menu.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub enum DatasetKind {
        Rm8 = "rm8" ("Rumelhart: 8 items, 36 features",
            "Plants and animals, trees and flowers, birds and fish (Rogers & McClelland)."),
        Toy4 = "toy4" ("Four items: canary, salmon, oak, rose",
            "Living things: animals that move, plants with roots; each item has one feature of its own."),
        Tree = "tree" ("Tree: one feature per node",
            "Every node of a balanced tree is a feature an item has when it descends from it."),
        Diffusion = "diffusion" ("Tree: features by branching diffusion",
            "Each feature is ±1 at the root and flips sign with the given probability on every branch."),
        Spectrum = "spectrum" ("Random task with a chosen spectrum",
            "One-hot items, targets U diag(s) Vᵀ with random orthogonal U and V, the singular values s spaced evenly from the largest to the smallest."),
        Matrix = "matrix" ("Custom matrix (edit below)", "A custom item × feature matrix."),
    }
}

crate::choices! {
    /// A feature appended to a diffusion dataset's sampled features.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    pub enum ExtraFeature {
        #[default]
        None = "none" ("none", "Only the sampled features."),
        /// The Neuromatch W1D2 tutorial 3's illusion feature on its 8 items: `has_bones` =
        /// (−1, 1, 1, 1, −1, −1, −1, −1), the first item renamed Shark (a fish with no bones).
        HasBones = "has_bones" ("has_bones (Neuromatch tutorial, 8 items)",
            "The tutorial's has_bones feature, −1 for Shark, +1 for Tuna, Robin and Canary, −1 for the plants; the 8 items take the tutorial's names (Shark, Tuna, Robin, Canary, Rose, Daisy, Pine, Oak)."),
    }
}

impl ExtraFeature {
    /// The items and values of the `has_bones` feature, in the tree's leaf order.
    pub const HAS_BONES_ITEMS: [&'static str; 8] = [
        "Shark", "Tuna", "Robin", "Canary", "Rose", "Daisy", "Pine", "Oak",
    ];
    pub const HAS_BONES: [f64; 8] = [-1.0, 1.0, 1.0, 1.0, -1.0, -1.0, -1.0, -1.0];

    /// How many features it adds.
    pub fn count(self) -> usize {
        match self {
            ExtraFeature::None => 0,
            ExtraFeature::HasBones => 1,
        }
    }
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
    /// The synthetic task of docs/theory.md §6.5 that the depth sweep and the depth presets learn: the
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

    /// The kind of this dataset (its `kind` tag in JSON is `kind().name()`).
    pub fn kind(&self) -> DatasetKind {
        match self {
            DatasetConfig::Rm8 => DatasetKind::Rm8,
            DatasetConfig::Toy4 => DatasetKind::Toy4,
            DatasetConfig::Tree { .. } => DatasetKind::Tree,
            DatasetConfig::Diffusion { .. } => DatasetKind::Diffusion,
            DatasetConfig::Spectrum { .. } => DatasetKind::Spectrum,
            DatasetConfig::Matrix { .. } => DatasetKind::Matrix,
        }
    }

    /// A dataset of this kind with its default settings (a custom matrix: one item, one
    /// feature, value 1).
    pub fn default_of(kind: DatasetKind) -> DatasetConfig {
        match kind {
            DatasetKind::Rm8 => DatasetConfig::Rm8,
            DatasetKind::Toy4 => DatasetConfig::Toy4,
            DatasetKind::Tree => DatasetConfig::Tree {
                branching: default_branching(),
                levels: default_levels(),
            },
            DatasetKind::Diffusion => DatasetConfig::Diffusion {
                branching: default_branching(),
                levels: default_levels(),
                feature_count: default_features(),
                flip: default_flip(),
                seed: default_data_seed(),
                extra: ExtraFeature::None,
            },
            DatasetKind::Spectrum => DatasetConfig::Spectrum {
                size: default_spectrum_size(),
                s_max: default_s_max(),
                s_min: default_s_min(),
                seed: default_data_seed(),
            },
            DatasetKind::Matrix => DatasetConfig::Matrix {
                items: vec!["item 1".into()],
                feature_names: vec!["feature 1".into()],
                values: vec![vec![1.0]],
            },
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

crate::choices! {
    /// The hidden layers' nonlinearity.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    pub enum Activation {
        /// No nonlinearity: the deep linear network of the exact theory.
        #[default]
        Linear = "linear" ("linear (the exact theory)",
            "y = W_D ⋯ W_1 x: the network the exact theory describes."),
        /// `tanh(z)`, with `tanh'(0) = 1`: linear for small weights.
        Tanh = "tanh" ("tanh",
            "tanh on every hidden layer (the output stays linear). The theory drawn is the linear one, a reference only; tanh is linear near 0, so they agree while weights are small."),
        /// `max(0, z)`.
        Relu = "relu" ("relu",
            "max(0, ·) on every hidden layer (the output stays linear). The theory drawn is the linear one, a reference only."),
    }
}

// The activation's numerics, `phi` and `phi'`, are the engine's: [`crate::engine::network`].

crate::choices! {
    /// How the weights start.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub enum InitKind {
        /// Every weight i.i.d. Gaussian with standard deviation `scale`.
        SmallGaussian = "small_gaussian" ("small random Gaussian (std = scale)", "Every weight drawn independently with standard deviation = scale."),
        /// Every weight i.i.d. Gaussian with standard deviation `scale / sqrt(fan_in)`.
        ScaledGaussian = "scaled_gaussian" ("scaled Gaussian (std = g / √fan-in)", "Every weight drawn independently with standard deviation g / √fan-in, g = scale."),
        /// Each matrix a random (semi-)orthogonal matrix times `scale`.
        Orthogonal = "orthogonal" ("random orthogonal × gain g", "Each layer a random orthogonal matrix times the gain g = scale."),
        /// Decoupled and balanced: aligned with the data's SVD, every mode starting at strength
        /// `u0 = scale` (each of the D layers contributes `scale^(1/D)`), SMG14 section 1.2 and 1.5.
        /// With one hidden layer and `lambda != 0` the layers differ: output side `a`, input side
        /// `b`, `ab = u0`, `a^2 - b^2 = lambda` (docs/theory.md §4.2).
        Balanced = "balanced" ("balanced, aligned to the data (u₀ = scale)", "Aligned with the data's modes, every mode starting at strength u₀ = scale."),
        /// One hidden layer in random (not task-aligned) directions with
        /// `W2^T W2 - W1 W1^T = lambda I` (docs/theory.md §4.1, 4.2): the smaller layer has singular
        /// values `scale`, the other `sqrt(scale^2 + |lambda|)`.
        LambdaBalanced = "lambda_balanced" ("λ-balanced, random directions (one hidden layer)", "One hidden layer in random directions with W₂ᵀW₂ − W₁W₁ᵀ = λI; the smaller layer has singular values = scale."),
    }
}

crate::choices! {
    /// How a small Gaussian start's standard deviation follows from `init.scale`.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    pub enum InitRule {
        /// Every layer's std is `scale`.
        #[default]
        Std = "std" ("std = scale in every layer",
            "Every weight of every layer has standard deviation = scale."),
        /// Layer l's std is `gamma / sqrt(n_in + n_out)` with `gamma = scale`: the Neuromatch
        /// tutorial's Xavier-like rule, `N(0, (gamma / sqrt(n_in + n_out))^2)`.
        XavierGamma = "xavier_gamma" ("std = γ/√(n_in + n_out) per layer",
            "Each layer's weights have standard deviation γ/√(n_in + n_out), γ = scale, as in the Neuromatch tutorial."),
    }
}

impl InitRule {
    /// The standard deviation of a `n_out x n_in` layer's weights at scale `scale`.
    pub fn std(self, scale: f64, n_in: usize, n_out: usize) -> f64 {
        match self {
            InitRule::Std => scale,
            InitRule::XavierGamma => scale / ((n_in + n_out) as f64).sqrt(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InitConfig {
    pub kind: InitKind,
    pub scale: f64,
    /// How a small Gaussian start's std follows from `scale` (`small_gaussian` only).
    pub rule: InitRule,
    /// Imbalance `W2^T W2 - W1 W1^T = lambda I` between the two layers of a one-hidden-layer
    /// network (`balanced` and `lambda_balanced` starts only; 0 = balanced).
    pub lambda: f64,
}

impl Default for InitConfig {
    fn default() -> Self {
        InitConfig {
            kind: InitKind::SmallGaussian,
            scale: 0.001,
            rule: InitRule::Std,
            lambda: 0.0,
        }
    }
}

crate::choices! {
    /// The loss gradient descent minimises (docs/theory.md §0.2 and §9.2).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    pub enum LossKind {
        /// `L = 1/2 sum_mu ||y_mu - W_tot x_mu||^2`: the papers' (SMG14, PNAS19, AS20) sum convention.
        #[default]
        Sum = "sum" ("sum: ½ Σ‖y − ŷ‖² (the papers)",
            "Half the sum of squared errors over items and features, as in the papers; the theory's time unit is τ = 1/lr steps."),
        /// `L = 1/(P F) sum_mu ||y_mu - W_tot x_mu||^2`: PyTorch's `nn.MSELoss`, the mean over P
        /// items and F features, without the 1/2. Its gradient is `2/(P F)` times the sum
        /// convention's, so a rate `lr` here is `eta_sum = 2 lr / (P F)` there.
        Mean = "mean" ("mean: Σ‖y − ŷ‖² / (P·F) (PyTorch MSELoss)",
            "The mean of the squared errors over P items and F features, without the ½ (PyTorch's nn.MSELoss): the same steps as the sum loss at the rate 2·lr/(P·F), so τ = P·F/(2·lr) steps."),
    }
}

impl LossKind {
    /// The factor `k` that turns this loss into the sum convention: the loss is `k` times
    /// `1/2 sum ||y - W x||^2` and its gradient `k` times the sum convention's, so a step of
    /// rate `lr` on it is a step of rate `k lr` on the summed loss. 1 for `sum`, `2/(P F)` for
    /// `mean` with P items and F features.
    pub fn factor(self, items: usize, features: usize) -> f64 {
        match self {
            LossKind::Sum => 1.0,
            LossKind::Mean => 2.0 / (items.max(1) as f64 * features.max(1) as f64),
        }
    }
}

/// Full-batch gradient descent on the summed loss `L = 1/2 sum_mu ||y_mu - W_tot x_mu||^2`, or on
/// PyTorch's mean loss (`loss`), which is the same descent at a rescaled rate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Learning rate (the time constant of the theory is `tau = 1 / lr` steps with the summed
    /// loss, `tau = P F / (2 lr)` with the mean loss).
    pub lr: f64,
    /// Which loss: `sum` (the papers) or `mean` (PyTorch `nn.MSELoss`).
    pub loss: LossKind,
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
            loss: LossKind::Sum,
            steps: 8000,
            record_every: 10,
            seed: 1,
        }
    }
}

// ----- the depth sweep (src/chapters/depth.rs) -----

crate::choices! {
    /// The initialisations compared by the sweep.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
    pub enum SweepInit {
        /// i.i.d. Gaussian weights of std `small_scale` (SMG14: 0.01).
        SmallGaussian = "small_gaussian" ("small Gaussian, std 0.01 (slow)", "i.i.d. Gaussian weights of std small_scale."),
        /// i.i.d. Gaussian weights of std `1/sqrt(fan_in)`.
        ScaledGaussian = "scaled_gaussian" ("scaled Gaussian, std 1/√N", "i.i.d. Gaussian weights of std 1/√fan-in."),
        /// Random orthogonal weights (gain 1).
        Orthogonal = "orthogonal" ("random orthogonal", "Random orthogonal weights of gain 1."),
        /// Decoupled and balanced, every mode starting at `balanced_u0` (SMG14 Fig 4: 0.001).
        Balanced = "balanced" ("balanced, aligned", "Aligned with the task's modes, every mode starting at balanced_u0."),
        /// Greedy layer-wise pretraining: each hidden layer is the encoder of a linear autoencoder
        /// trained on the layer below's representation (kept at unit gain); the readout starts at
        /// zero.
        Pretrained = "pretrained" ("layer-wise pretrained", "Each hidden layer the encoder of a linear autoencoder of the layer below; the readout starts at zero."),
    }
}

crate::choices! {
    /// The learning rate of each depth of a sweep.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub enum LrPolicy {
        /// `lr_factor` times the largest stable rate of depth D.
        Stable = "stable" ("half the stability limit", "lr_factor times the largest stable rate of each depth."),
        /// The fastest of a log-spaced grid below the largest stable rate.
        Optimal = "optimal" ("best of 8 rates (slower)", "The fastest of 8 log-spaced rates below the stability limit."),
        /// `train.lr * 2 / D`: the rate of a two-layer network, falling as 1/D.
        InverseDepth = "inverse_depth" ("the run's rate × 2/D", "train.lr × 2/D: the rate of a two-layer network, falling as 1/D."),
        /// `train.lr` at every depth.
        Fixed = "fixed" ("the run's rate", "train.lr at every depth."),
    }
}

crate::choices! {
    /// The task a depth sweep learns.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
    pub enum SweepData {
        /// The synthetic task of docs/theory.md §6.5 (SMG14 Fig 6A's analogue): 16 one-hot items,
        /// `Y = U diag(s) V^T` with random orthogonal U, V and s spaced evenly from 2 to 0.5.
        Spectrum = "spectrum" ("synthetic, 16 items (s: 2 → 0.5)", "16 one-hot items with singular values spaced evenly from 2 to 0.5."),
        /// The same task on 16 correlated inputs whose correlations share the task's input
        /// directions (SMG14 eq. 18 holds: pretraining finds a decoupled start).
        AlignedInputs = "aligned_inputs" ("synthetic, correlated inputs along the task (eq. 18 holds)", "The synthetic task on 16 correlated inputs whose variances (2 to 0.5) lie along the task's own input directions: the consistency condition of SMG14 eq. 18 holds, so pretraining ends at a decoupled start."),
        /// The same task on 16 correlated inputs whose correlations lie along other, random
        /// directions (SMG14 eq. 18 fails: the pretrained start is coupled).
        RotatedInputs = "rotated_inputs" ("synthetic, correlated inputs across the task (eq. 18 fails)", "The synthetic task on 16 correlated inputs whose variances (2 to 0.5) lie along random directions: the consistency condition of SMG14 eq. 18 fails, so the pretrained start is not decoupled."),
        /// The run's own dataset.
        Run = "run" ("this page's dataset", "The run's own dataset."),
    }
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

/// The depths a sweep tries, from shallow to deep: a sweep "up to D" takes those up to D, and D.
pub const DEPTH_LADDER: [usize; 12] = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64];

/// The depths of [`DEPTH_LADDER`] up to `max`, with `max` itself.
pub fn depths_up_to(max: usize) -> Vec<usize> {
    let mut ds: Vec<usize> = DEPTH_LADDER.into_iter().filter(|&d| d <= max).collect();
    if ds.last() != Some(&max) && max > 0 {
        ds.push(max);
    }
    ds
}

impl Default for SweepConfig {
    fn default() -> Self {
        SweepConfig {
            data: SweepData::Spectrum,
            width: 32,
            depths: depths_up_to(32),
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

/// A configuration problem, naming the field (as a dotted JSON path) and what is allowed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ConfigError {
    pub field: String,
    pub message: String,
}

impl ConfigError {
    /// An error at `field`; a field path longer than [`echo::MAX_ECHO_CHARS`] (an unknown key
    /// of any length) is clipped.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        let field = field.into();
        ConfigError {
            field: if field.chars().count() > echo::MAX_ECHO_CHARS {
                echo::clip(&field)
            } else {
                field
            },
            message: message.into(),
        }
    }
}

impl DatasetConfig {
    /// Number of (items, inputs, features) of a dataset whose fields passed the table's checks;
    /// refuses what only the fields together can break (a tree with too many leaves, a ragged
    /// matrix, `s_min > s_max`).
    fn shape(&self) -> Result<(usize, usize, usize), ConfigError> {
        let tree = |b: usize, l: usize| -> Result<(usize, usize), ConfigError> {
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
            let nodes = ((b as u64).pow(l as u32 + 1) - 1) / (b as u64 - 1).max(1);
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
                feature_count,
                extra,
                ..
            } => {
                let (items, _) = tree(*branching, *levels)?;
                if *extra == ExtraFeature::HasBones && items != 8 {
                    return Err(ConfigError::new(
                        "dataset.extra",
                        format!(
                            "has_bones is a feature of the tutorial's 8 items (branching 2, \
                             levels 3); this tree has {items} items"
                        ),
                    ));
                }
                Ok((items, items, *feature_count + extra.count()))
            }
            DatasetConfig::Spectrum {
                size, s_max, s_min, ..
            } => {
                if s_min > s_max {
                    return Err(ConfigError::new(
                        "dataset.s_min",
                        format!("must be a number in (0, {s_max}] (at most s_max); got {s_min}"),
                    ));
                }
                Ok((*size, *size, *size))
            }
            DatasetConfig::Matrix {
                items,
                feature_names,
                values,
            } => {
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
                    if row.len() != feature_names.len() {
                        return Err(ConfigError::new(
                            format!("dataset.values[{i}]"),
                            format!(
                                "row for item {:?} needs {} values (one per feature); got {}",
                                items[i],
                                feature_names.len(),
                                row.len()
                            ),
                        ));
                    }
                }
                Ok((items.len(), items.len(), feature_names.len()))
            }
        }
    }
}

/// A config that passed every check: the only kind the run, the session and the sweep accept.
/// Made by [`Config::validated`] or [`Config::merged`]; it reads as a [`Config`] and cannot be
/// changed in place (change a copy with [`Config::merged`], which checks it again).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub struct ValidConfig(Config);

impl std::ops::Deref for ValidConfig {
    type Target = Config;
    fn deref(&self) -> &Config {
        &self.0
    }
}

impl Default for ValidConfig {
    /// The default config (valid: a test checks it).
    fn default() -> Self {
        ValidConfig(Config::default())
    }
}

impl PartialEq<Config> for ValidConfig {
    fn eq(&self, other: &Config) -> bool {
        &self.0 == other
    }
}

impl From<ValidConfig> for Config {
    fn from(v: ValidConfig) -> Config {
        v.0
    }
}

impl ValidConfig {
    /// The plain config.
    pub fn config(&self) -> &Config {
        &self.0
    }

    /// Layer sizes `[N_0, N_1, ..., N_D]` (input, hidden..., output).
    pub fn layer_dims(&self) -> Vec<usize> {
        let (_, inputs, features) = self.dataset.shape().expect("checked when validated");
        self.layer_dims_of(inputs, features)
    }
}

impl Config {
    /// Checks every field against the field table, then the rules between fields; the error
    /// names the first bad field.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let value = serde_json::to_value(self).expect("a Config always serialises");
        fields::check(&value)?;
        self.check_rules()
    }

    /// Checks the config once, into a [`ValidConfig`].
    pub fn validated(self) -> Result<ValidConfig, ConfigError> {
        self.validate()?;
        Ok(ValidConfig(self))
    }

    /// The rules no single row of the field table can state (each field is already in range).
    fn check_rules(&self) -> Result<(), ConfigError> {
        let (items, inputs, features) = self.dataset.shape()?;
        if items * features > limits::MAX_TARGET_VALUES {
            let field = match self.dataset {
                DatasetConfig::Diffusion { .. } => "dataset.feature_count",
                DatasetConfig::Matrix { .. } => "dataset.feature_names",
                _ => "dataset",
            };
            return Err(ConfigError::new(
                field,
                format!(
                    "{items} items × {features} features = {} target values; the limit is {} \
                     ({} features for {items} items)",
                    items * features,
                    limits::MAX_TARGET_VALUES,
                    limits::MAX_TARGET_VALUES / items.max(1)
                ),
            ));
        }
        if inputs > limits::MAX_INPUTS {
            return Err(ConfigError::new(
                "dataset",
                format!("at most {} inputs are supported", limits::MAX_INPUTS),
            ));
        }
        let dims = self.layer_dims_of(inputs, features);
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
        self.check_lambda(inputs, features)
    }

    fn check_lambda(&self, inputs: usize, features: usize) -> Result<(), ConfigError> {
        let lambda = self.init.lambda;
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

    fn layer_dims_of(&self, inputs: usize, features: usize) -> Vec<usize> {
        let mut dims = Vec::with_capacity(self.network.hidden.len() + 2);
        dims.push(inputs);
        dims.extend_from_slice(&self.network.hidden);
        dims.push(features);
        dims
    }

    /// The config as JSON, leaving the dataset out unless `with_dataset` (every other section
    /// is small; a custom matrix may not be).
    pub(crate) fn sections(&self, with_dataset: bool) -> Value {
        let mut v = serde_json::json!({
            "network": self.network,
            "init": self.init,
            "train": self.train,
            "sweep": self.sweep,
        });
        if with_dataset {
            v["dataset"] = serde_json::to_value(&self.dataset).expect("a dataset serialises");
        }
        v
    }

    /// Number of weight matrices D.
    pub fn depth(&self) -> usize {
        self.network.hidden.len() + 1
    }

    /// Parses a complete config from JSON (missing fields take their defaults) and validates it.
    pub fn from_json(text: &str) -> Result<ValidConfig, ConfigError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| ConfigError::new("config", format!("is not valid JSON: {e}")))?;
        Config::default().merged(&value)
    }

    /// Applies a partial config (a JSON object with any subset of the fields) on top of this one
    /// and validates the result, once. Objects merge key by key; arrays and scalars replace. A
    /// dataset object whose `kind` differs from the current one replaces the dataset as a whole.
    pub fn merged(&self, partial: &Value) -> Result<ValidConfig, ConfigError> {
        if !partial.is_object() {
            return Err(ConfigError::new(
                "config",
                "must be a JSON object such as {\"train\": {\"lr\": 0.01}}",
            ));
        }
        let mut base = serde_json::to_value(self).expect("a Config always serialises");
        merge_value(&mut base, partial, "");
        fields::check(&base)?;
        check_dataset_keys(&base)?;
        let cfg: Config = read(base).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." || path.is_empty() {
                "config".to_string()
            } else {
                path
            };
            ConfigError::new(field, echo::clip_quoted(&e.into_inner().to_string()))
        })?;
        cfg.check_rules()?;
        Ok(ValidConfig(cfg))
    }

    /// The config as pretty JSON.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("a Config always serialises")
    }
}

/// Names the field inside the dataset that serde would report only as `dataset` (an internally
/// tagged enum hides the path below it): a key the dataset's kind does not have, or a setting a
/// custom matrix needs and lacks.
fn check_dataset_keys(config: &Value) -> Result<(), ConfigError> {
    let Some(dataset) = config.get("dataset").and_then(Value::as_object) else {
        return Ok(());
    };
    let Some(kind) = dataset
        .get("kind")
        .and_then(Value::as_str)
        .and_then(DatasetKind::from_name)
    else {
        return Ok(());
    };
    let own = serde_json::to_value(DatasetConfig::default_of(kind)).unwrap_or(Value::Null);
    let Some(own) = own.as_object() else {
        return Ok(());
    };
    let mut expected: Vec<&str> = own.keys().map(String::as_str).collect();
    expected.sort_unstable();
    for key in dataset.keys() {
        if !own.contains_key(key) {
            return Err(ConfigError::new(
                format!("dataset.{key}"),
                format!(
                    "is not a setting of a {} dataset; its settings are {}",
                    kind.name(),
                    expected.join(", ")
                ),
            ));
        }
    }
    if kind == DatasetKind::Matrix {
        for key in ["items", "feature_names", "values"] {
            if !dataset.contains_key(key) {
                return Err(ConfigError::new(
                    format!("dataset.{key}"),
                    "is missing: a custom matrix needs items, feature_names and values",
                ));
            }
        }
    }
    Ok(())
}

/// Renames a dataset patch's old `features` key to the field it means for the dataset's kind:
/// `feature_count` for a diffusion, `feature_names` for a custom matrix.
fn rename_features(patch: &mut serde_json::Map<String, Value>, base_kind: Option<&Value>) {
    let Some(v) = patch.remove("features") else {
        return;
    };
    let kind = patch.get("kind").or(base_kind).and_then(Value::as_str);
    let name = match kind {
        Some("diffusion") => "feature_count",
        Some("matrix") => "feature_names",
        // Unknown to every other kind: left as it was, so the error names it.
        _ => "features",
    };
    patch.insert(name.to_string(), v);
}

fn merge_value(base: &mut Value, patch: &Value, path: &str) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            let renamed;
            let p = if path == "dataset" && p.contains_key("features") {
                let mut q = p.clone();
                rename_features(&mut q, b.get("kind"));
                renamed = q;
                &renamed
            } else {
                p
            };
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
        assert_eq!(back, cfg);
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
        assert!(err.message.contains("(0, 1000]"), "{err}");
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
        // docs/theory.md §6.5: 16 items, singular values from 2 down to 0.5.
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
    fn sixteen_thousand_features_fit_on_few_items_and_the_total_size_is_capped_naming_the_field() {
        let ok = Config::default()
            .merged(
                &json!({"dataset": {"kind": "diffusion", "branching": 2, "levels": 3,
                "feature_count": 16384}}),
            )
            .unwrap();
        assert_eq!(ok.layer_dims().last(), Some(&16384));
        let err = Config::default()
            .merged(
                &json!({"dataset": {"kind": "diffusion", "branching": 2, "levels": 8,
                "feature_count": 16384}, "network": {"hidden": [4]}}),
            )
            .unwrap_err();
        assert_eq!(err.field, "dataset.feature_count");
        assert!(err.message.contains("the limit is 1048576"), "{err}");
        assert!(err.message.contains("4096 features for 256 items"), "{err}");
        let tiny = Config::default()
            .merged(&json!({"init": {"scale": 1e-15}}))
            .unwrap();
        assert_eq!(tiny.init.scale, 1e-15);
        let err = Config::default()
            .merged(&json!({"init": {"scale": 1e-16}}))
            .unwrap_err();
        assert_eq!(err.field, "init.scale");
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
