//! The configuration of a task sequence: the phases, their datasets or edits, the start, and the
//! similarity sweep. Checked once by [`TasksConfig::prepare`]; every error names its field path
//! (`tasks[1].edit.degrees`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::fields::{Field, Opt};
use crate::config::{
    limits, Activation, Config, ConfigError, DatasetConfig, InitConfig, InitKind, NetworkConfig,
    TrainConfig,
};
use crate::engine::data::Dataset;

use super::edit::apply_edit;

/// Most phases in one sequence.
pub const MAX_PHASES: usize = 16;
/// Most angles in one similarity sweep.
pub const MAX_ANGLES: usize = 73;

/// A run made of phases trained one after the other on the same network.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TasksConfig {
    pub network: NetworkConfig,
    pub init: StartConfig,
    pub train: SequenceTrain,
    /// The phases, in order; the first names a dataset, later ones a dataset or an edit.
    pub tasks: Vec<PhaseConfig>,
    /// A sweep over the rotation angle of the sequence's `rotate` edit (`dln sweep`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SimilaritySweep>,
}

/// How the weights start. The kinds of the main configuration, plus `learned`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StartKind {
    SmallGaussian,
    ScaledGaussian,
    Orthogonal,
    Balanced,
    LambdaBalanced,
    /// The first phase's task already learned: every mode at its target, the layers balanced
    /// (`W_2^T W_2 - W_1 W_1^T = lambda I`), the minimum-norm weights that do it.
    Learned,
}

impl StartKind {
    fn as_init(self) -> Option<InitKind> {
        Some(match self {
            StartKind::SmallGaussian => InitKind::SmallGaussian,
            StartKind::ScaledGaussian => InitKind::ScaledGaussian,
            StartKind::Orthogonal => InitKind::Orthogonal,
            StartKind::Balanced => InitKind::Balanced,
            StartKind::LambdaBalanced => InitKind::LambdaBalanced,
            StartKind::Learned => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StartConfig {
    pub kind: StartKind,
    /// As `init.scale` of the main configuration (unused by `learned`).
    pub scale: f64,
    /// `W_2^T W_2 - W_1 W_1^T = lambda I` (one hidden layer; balanced, lambda_balanced, learned).
    pub lambda: f64,
}

impl Default for StartConfig {
    fn default() -> Self {
        StartConfig {
            kind: StartKind::Learned,
            scale: 0.001,
            lambda: 0.0,
        }
    }
}

/// Training settings shared by every phase.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SequenceTrain {
    /// Learning rate; the theory's time unit is `tau = 1 / lr` steps.
    pub lr: f64,
    /// Record the losses every this many steps (and at every switch).
    pub record_every: u64,
    pub seed: u64,
    /// Standard deviation of the weights of new inputs and outputs when a phase grows the
    /// network (0: new items and features start unknown, and a balanced network stays balanced).
    pub growth_scale: f64,
}

impl Default for SequenceTrain {
    fn default() -> Self {
        SequenceTrain {
            lr: 0.01,
            record_every: 5,
            seed: 1,
            growth_scale: 0.0,
        }
    }
}

/// One phase: a name, what to learn, and for how long.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseConfig {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<DatasetConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit: Option<EditConfig>,
    pub steps: u64,
}

/// A change to the previous phase's task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum EditConfig {
    /// Rotate the targets by `degrees` in the plane of the two strongest output directions
    /// `u_1, u_2` of the previous task: `Y_B = R(theta) Y_A` (for `Y_A = diag(3, 1)`, `R(theta)
    /// Sigma_A`).
    Rotate { degrees: f64 },
    /// Reverse mode `mode` (1 = the strongest) of the previous task: `s u v^T -> -s u v^T`.
    ReverseMode { mode: usize },
    /// Change one cell: feature `feature` of item `item` becomes `value`.
    Set {
        item: String,
        feature: String,
        value: f64,
    },
    /// A new item (a new one-hot input). Its features start from those of the item `like`, or
    /// from the named `features` (value 1), or from `random.count` features drawn at random,
    /// or from nothing; then `set` overrides single features.
    AddItem {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        like: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        features: Option<Vec<String>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        random: Option<RandomFeatures>,
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        set: BTreeMap<String, f64>,
    },
    /// A new feature (a new output) with one value per item.
    AddFeature { name: String, values: Vec<f64> },
}

/// `count` distinct features, each set to 1, drawn with `seed`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomFeatures {
    pub count: usize,
    #[serde(default = "default_seed")]
    pub seed: u64,
}

fn default_seed() -> u64 {
    1
}

/// What `dln sweep` varies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SweepOver {
    /// The angle of the sequence's `rotate` edit.
    Similarity,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimilaritySweep {
    pub over: SweepOver,
    /// Rotation angles in degrees, each from 0 to 180.
    pub angles: Vec<f64>,
    /// "Learned": the loss on the new task below this fraction of its value at the switch.
    #[serde(default = "default_threshold")]
    pub threshold: f64,
    /// Initial mode strength of the from-scratch comparison (balanced, task-aligned start).
    #[serde(default = "default_scratch_u0")]
    pub scratch_u0: f64,
}

fn default_threshold() -> f64 {
    0.01
}
fn default_scratch_u0() -> f64 {
    1e-3
}

/// A phase with its task resolved to a dataset.
#[derive(Clone, Debug)]
pub struct Phase {
    pub name: String,
    pub data: Dataset,
    pub steps: u64,
}

/// A checked configuration: every phase's dataset built, every shape known.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub config: TasksConfig,
    pub phases: Vec<Phase>,
    /// The main configuration of the first phase (the start's kind mapped onto it), used to draw
    /// the initial weights.
    pub first: Config,
}

/// Replaces the leading `prefix` of a field path by `with`.
fn rename(mut e: ConfigError, prefix: &str, with: &str) -> ConfigError {
    if e.field == prefix || e.field.starts_with(&format!("{prefix}.")) {
        e.field = format!("{with}{}", &e.field[prefix.len()..]);
    }
    e
}

/// The initial scales the lazy-against-rich menu offers.
const LAZY_SCALE_MENU: &[Opt] = &[
    Opt {
        value: "0.001",
        label: "0.001",
        help: "very small: long plateaus",
    },
    Opt {
        value: "0.01",
        label: "0.01",
        help: "the preset's scale",
    },
    Opt {
        value: "0.1",
        label: "0.1",
        help: "",
    },
    Opt {
        value: "0.5",
        label: "0.5",
        help: "large: close to lazy even at λ = 0",
    },
];

/// The chapter's part of the field table: the numbers its controls set, each with its range,
/// declared once. The configs and the chapter's calls are checked against them, and the page's
/// controls take their limits from them (through `dln.chapters()`).
pub const FIELDS: &[Field] = &[
    Field::real(
        "prior-angle",
        "tasks[].edit.degrees",
        "Task B is A rotated by θ",
        0.0,
        180.0,
    )
    .step(1.0)
    .unit("degrees")
    .help(
        "the angle of the rotate edit, in the plane of the task's two strongest output directions",
    ),
    Field::real(
        "prior-lambda",
        "init.lambda",
        "λ of the start",
        -100.0,
        100.0,
    )
    .slider(-2.0, 2.0)
    .step(0.1)
    .help("W₂ᵀW₂ − W₁W₁ᵀ = λI of the start (one hidden layer); the slider spans −2 to 2"),
    Field::positive("prior-lazy-scale", "lazy.scale", "Initial scale", 0.0, 10.0)
        .menu(LAZY_SCALE_MENU)
        .help("the smaller layer's singular value at the start of the lazy-against-rich runs"),
    Field::int(
        "prior-steps",
        "tasks[].steps",
        "Steps per new task",
        1,
        limits::MAX_STEPS,
    )
    .unit("steps")
    .help("gradient steps of each phase"),
];

/// The chapter's field at `path`.
pub fn field(path: &str) -> &'static Field {
    FIELDS
        .iter()
        .find(|f| f.path == path)
        .expect("a declared field")
}

fn check_f64(field: &str, v: f64, lo: f64, hi: f64) -> Result<(), ConfigError> {
    if v.is_finite() && v >= lo && v <= hi {
        Ok(())
    } else {
        Err(ConfigError::new(
            field,
            format!("must be a number in [{lo}, {hi}]; got {v}"),
        ))
    }
}

impl TasksConfig {
    /// Parses a configuration with a `tasks` list from JSON and checks it.
    pub fn from_json(text: &str) -> Result<Prepared, ConfigError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| ConfigError::new("config", format!("is not valid JSON: {e}")))?;
        TasksConfig::from_value(value)
    }

    /// Parses a configuration from a JSON value and checks it.
    pub fn from_value(value: Value) -> Result<Prepared, ConfigError> {
        if !value.is_object() {
            return Err(ConfigError::new(
                "config",
                "must be a JSON object with a \"tasks\" list",
            ));
        }
        let cfg: TasksConfig = crate::config::read(value).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." || path.is_empty() {
                "config".to_string()
            } else {
                path
            };
            ConfigError::new(field, e.into_inner().to_string())
        })?;
        cfg.prepare()
    }

    /// Checks every field and builds every phase's dataset, without training anything.
    pub fn prepare(&self) -> Result<Prepared, ConfigError> {
        if self.tasks.is_empty() || self.tasks.len() > MAX_PHASES {
            return Err(ConfigError::new(
                "tasks",
                format!("needs 1 to {MAX_PHASES} phases; got {}", self.tasks.len()),
            ));
        }
        if self.network.activation != Activation::Linear {
            return Err(ConfigError::new(
                "network.activation",
                "task sequences use the linear network (the theory is linear)",
            ));
        }
        check_f64("train.growth_scale", self.train.growth_scale, 0.0, 10.0)?;
        let mut total: u64 = 0;
        let mut phases: Vec<Phase> = Vec::with_capacity(self.tasks.len());
        let mut first: Option<Config> = None;
        for (k, p) in self.tasks.iter().enumerate() {
            let at = format!("tasks[{k}]");
            let name = p.name.trim();
            if name.is_empty() || name.chars().count() > limits::MAX_NAME_CHARS {
                return Err(ConfigError::new(
                    format!("{at}.name"),
                    format!(
                        "needs 1 to {} characters; got {:?}",
                        limits::MAX_NAME_CHARS,
                        p.name
                    ),
                ));
            }
            if self.tasks[..k].iter().any(|q| q.name.trim() == name) {
                return Err(ConfigError::new(
                    format!("{at}.name"),
                    format!("the name {name:?} is used by an earlier phase"),
                ));
            }
            field("tasks[].steps").check_at(&format!("{at}.steps"), &serde_json::json!(p.steps))?;
            total = total.saturating_add(p.steps);
            if total > limits::MAX_STEPS {
                return Err(ConfigError::new(
                    format!("{at}.steps"),
                    format!("the phases add up to more than {} steps", limits::MAX_STEPS),
                ));
            }
            let data = match (&p.dataset, &p.edit, phases.last()) {
                (Some(_), Some(_), _) => {
                    return Err(ConfigError::new(
                        at,
                        "give either a dataset or an edit, not both",
                    ))
                }
                (None, None, _) => {
                    return Err(ConfigError::new(at, "needs a dataset or an edit"));
                }
                (None, Some(_), None) => {
                    return Err(ConfigError::new(
                        format!("{at}.edit"),
                        "the first phase needs a dataset (there is nothing to edit yet)",
                    ))
                }
                (None, Some(edit), Some(prev)) => apply_edit(&prev.data, edit)
                    .map_err(|e| rename(e, "edit", &format!("{at}.edit")))?,
                (Some(ds), None, _) => {
                    let cfg = self
                        .main_config(ds.clone(), k == 0)
                        .map_err(|e| rename(e, "dataset", &format!("{at}.dataset")))?;
                    if k == 0 {
                        first = Some(cfg);
                    }
                    Dataset::checked(ds)
                        .map_err(|e| rename(e, "dataset", &format!("{at}.dataset")))?
                }
            };
            if let Some(prev) = phases.last() {
                check_growth(&prev.data, &data, &at, p)?;
                // The grown network must still fit the limits.
                self.main_config(data.matrix_config(), false)
                    .map_err(|e| rename(e, "dataset", &format!("{at}.{}", source(p))))?;
            }
            phases.push(Phase {
                name: name.to_string(),
                data,
                steps: p.steps,
            });
        }
        let first = first.expect("the first phase has a dataset");
        if self.init.kind == StartKind::Learned {
            self.check_learned(&phases[0].data)?;
        }
        if let Some(sw) = &self.sweep {
            sw.validate(self)?;
        }
        Ok(Prepared {
            config: self.clone(),
            phases,
            first,
        })
    }

    /// The main configuration for a dataset of this sequence, checked by its own validation
    /// (limits of the network, the start's scale and lambda).
    fn main_config(&self, dataset: DatasetConfig, with_start: bool) -> Result<Config, ConfigError> {
        let (kind, lambda) = match self.init.kind.as_init() {
            Some(kind) if with_start => (kind, self.init.lambda),
            // `learned` is checked by `check_learned`; later phases only check the shapes.
            _ => (InitKind::SmallGaussian, 0.0),
        };
        let cfg = Config {
            dataset,
            network: self.network.clone(),
            init: InitConfig {
                kind,
                scale: if self.init.kind == StartKind::Learned {
                    1.0
                } else {
                    self.init.scale
                },
                lambda,
                ..InitConfig::default()
            },
            train: TrainConfig {
                lr: self.train.lr,
                steps: 1,
                record_every: self.train.record_every,
                seed: self.train.seed,
                ..TrainConfig::default()
            },
            sweep: Default::default(),
        };
        cfg.validate()?;
        Ok(cfg)
    }

    fn check_learned(&self, data: &Dataset) -> Result<(), ConfigError> {
        let lambda = self.init.lambda;
        field("init.lambda").check(&serde_json::json!(lambda))?;
        if lambda == 0.0 {
            return Ok(());
        }
        if self.network.hidden.len() != 1 {
            return Err(ConfigError::new(
                "init.lambda",
                "a nonzero lambda needs exactly one hidden layer",
            ));
        }
        let h = self.network.hidden[0];
        if lambda > 0.0 && h > data.n_outputs() {
            return Err(ConfigError::new(
                "init.lambda",
                format!(
                    "a positive lambda needs a hidden layer no wider than the output ({}); it has {h} units",
                    data.n_outputs()
                ),
            ));
        }
        if lambda < 0.0 && h > data.n_inputs() {
            return Err(ConfigError::new(
                "init.lambda",
                format!(
                    "a negative lambda needs a hidden layer no wider than the input ({}); it has {h} units",
                    data.n_inputs()
                ),
            ));
        }
        Ok(())
    }

    /// Index of the phase whose `rotate` edit a similarity sweep varies.
    pub fn rotate_phase(&self) -> Option<usize> {
        self.tasks
            .iter()
            .position(|p| matches!(p.edit, Some(EditConfig::Rotate { .. })))
    }

    /// The same sequence with the rotate edit at `degrees` (no change without one).
    pub fn with_angle(&self, degrees: f64) -> TasksConfig {
        let mut cfg = self.clone();
        if let Some(k) = cfg.rotate_phase() {
            cfg.tasks[k].edit = Some(EditConfig::Rotate { degrees });
        }
        cfg.sweep = None;
        cfg
    }
}

fn source(p: &PhaseConfig) -> &'static str {
    if p.edit.is_some() {
        "edit"
    } else {
        "dataset"
    }
}

/// A phase may keep the previous shape or grow it (more items, more features); anything else is
/// refused, naming the phase and the field.
fn check_growth(
    prev: &Dataset,
    next: &Dataset,
    at: &str,
    p: &PhaseConfig,
) -> Result<(), ConfigError> {
    let field = format!("{at}.{}", source(p));
    if next.one_hot != prev.one_hot {
        return Err(ConfigError::new(
            field,
            "the inputs change between one-hot items and vectors; a phase can only keep them or add items",
        ));
    }
    let (pi, po) = (prev.n_inputs(), prev.n_outputs());
    let (ni, no) = (next.n_inputs(), next.n_outputs());
    if ni < pi || no < po {
        return Err(ConfigError::new(
            field,
            format!(
                "has {ni} inputs and {no} outputs, the previous phase {pi} and {po}; a phase can keep the shape or grow it (add items or features), not shrink it"
            ),
        ));
    }
    Ok(())
}

impl SimilaritySweep {
    fn validate(&self, cfg: &TasksConfig) -> Result<(), ConfigError> {
        if cfg.rotate_phase().is_none() {
            return Err(ConfigError::new(
                "sweep.over",
                "a similarity sweep needs a phase with a rotate edit",
            ));
        }
        if self.angles.is_empty() || self.angles.len() > MAX_ANGLES {
            return Err(ConfigError::new(
                "sweep.angles",
                format!("needs 1 to {MAX_ANGLES} angles"),
            ));
        }
        for (i, &a) in self.angles.iter().enumerate() {
            field("tasks[].edit.degrees")
                .check_at(&format!("sweep.angles[{i}]"), &serde_json::json!(a))?;
        }
        if !(self.threshold > 0.0 && self.threshold < 1.0) {
            return Err(ConfigError::new(
                "sweep.threshold",
                format!("must be a number in (0, 1); got {}", self.threshold),
            ));
        }
        if !(self.scratch_u0 >= limits::MIN_SCALE && self.scratch_u0 <= limits::MAX_SCALE) {
            return Err(ConfigError::new(
                "sweep.scratch_u0",
                format!(
                    "must be a number in [{}, {}]; got {}",
                    limits::MIN_SCALE,
                    limits::MAX_SCALE,
                    self.scratch_u0
                ),
            ));
        }
        Ok(())
    }
}
