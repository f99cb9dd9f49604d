//! The context-and-architecture chapter: a gated routing network (context switches pathways on
//! and off) and a linear recurrent network, each simulated by full-batch gradient descent beside
//! its exact reduced dynamics.
//!
//! Configs (dataset kind `routing` or `sequence`; every other field has a default):
//!
//! ```json
//! {"dataset": {"kind": "routing", "domains": 7, "trained_per_input": 4, "base": {"kind": "toy4"}},
//!  "network": {"kind": "gated", "hidden": [16, 16]},
//!  "init": {"kind": "aligned", "scale": 0.08},
//!  "train": {"lr": 0.01, "steps": 4000, "record_every": 20, "seed": 1}}
//!
//! {"dataset": {"kind": "sequence", "length": 3, "strengths": [[0.5], [1], [2]], "seed": 3},
//!  "network": {"kind": "recurrent", "hidden": [8]},
//!  "init": {"kind": "aligned", "scale": 0.05}}
//! ```
//!
//! `dataset.gates` (an M x M matrix of 0/1) may replace `trained_per_input`; without `base` the
//! routing task is the four-item toy of [`gated::race_toy`].

pub mod chapter;
pub mod charts;
pub mod gated;
pub mod recurrent;
pub mod relu;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::config::fields::Field;
use crate::config::{limits, ConfigError, DatasetConfig, TrainConfig};
use crate::engine::data::Dataset;
use crate::engine::rng::Rng;

use gated::{cyclic_gates, race_toy, GatedNetwork, HiddenBases, RouteModes, RoutingTask};
use recurrent::{ModeScalars, RecurrentNetwork, SequenceTask};

/// Most input and output domains of a routing network.
pub const MAX_DOMAINS: usize = 16;
/// Widest hidden layer of this chapter's networks.
pub const MAX_CONTEXT_WIDTH: usize = 256;
/// Longest sequence.
pub const MAX_LENGTH: usize = 32;
/// Most modes of a sequence task.
pub const MAX_SEQUENCE_MODES: usize = 32;
/// Largest target strength of a sequence task.
pub const MAX_STRENGTH: f64 = 1000.0;
/// Most recorded numbers (records x values per record) of one run.
pub const MAX_RECORDED: u64 = 20_000_000;

/// The chapter's part of the field table: the sizes its controls set, each with its range,
/// declared once. The configs are checked against them and the page's controls take their
/// limits from them (through `dln.chapters()`).
pub const FIELDS: &[Field] = &[
    Field::int(
        "context-m",
        "dataset.domains",
        "Domains M",
        1,
        MAX_DOMAINS as u64,
    )
    .help("input and output domains of the routing network"),
    Field::int(
        "context-k",
        "dataset.trained_per_input",
        "Trained outputs per input K",
        1,
        MAX_DOMAINS as u64,
    )
    .help("output domains trained from each input domain (at most M)"),
    Field::int(
        "context-t",
        "dataset.length",
        "Sequence length T",
        1,
        MAX_LENGTH as u64,
    )
    .help("time steps of the recurrent network's sequence"),
];

/// Checks `v` against the chapter's field at `path`.
fn check_field(path: &str, v: u64) -> Result<(), ConfigError> {
    FIELDS
        .iter()
        .find(|f| f.path == path)
        .expect("a declared field")
        .check(&serde_json::json!(v))
}

/// A complete config of this chapter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextConfig {
    pub dataset: ContextDataset,
    pub network: ContextNetwork,
    pub init: ContextInit,
    pub train: TrainConfig,
}

/// The two tasks of the chapter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ContextDataset {
    /// M input and M output domains, each a copy of the base task.
    Routing {
        domains: usize,
        /// K: each input domain is trained with output domains `(i + j) mod M`,
        /// `j = −⌊(K−1)/2⌋ ..= ⌊K/2⌋` (default 4 when `gates` is absent).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        trained_per_input: Option<usize>,
        /// The gate matrix given directly: `gates[i][j] = 1` trains input i with output j.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        gates: Option<Vec<Vec<f64>>>,
        /// The task every domain holds (one-hot items); absent: the four-item race toy.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base: Option<DatasetConfig>,
    },
    /// Sequences of `length` steps; `strengths[t]` holds the mode strengths of the target's
    /// correlation with the input at time t + 1 (the output is read after the last step).
    Sequence {
        length: usize,
        strengths: Vec<Vec<f64>>,
        seed: u64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContextNetworkKind {
    /// Input domains, one shared hidden layer, output domains; two hidden widths.
    Gated,
    /// `h_t = W_h h_{t−1} + W_x x_t`, `ŷ = W_y h_T`; one hidden width.
    Recurrent,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextNetwork {
    pub kind: ContextNetworkKind,
    pub hidden: Vec<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContextInitKind {
    /// Decoupled: every layer's strength along every mode starts at `scale`.
    Aligned,
    /// Every weight i.i.d. N(0, scale²).
    SmallGaussian,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextInit {
    pub kind: ContextInitKind,
    pub scale: f64,
}

/// The dataset kinds this chapter runs.
pub const KINDS: [&str; 2] = ["routing", "sequence"];

/// True when a JSON config names one of this chapter's dataset kinds.
pub fn handles(value: &Value) -> bool {
    value
        .pointer("/dataset/kind")
        .and_then(Value::as_str)
        .is_some_and(|k| KINDS.contains(&k))
}

/// The defaults of every section for a dataset kind, as JSON.
fn defaults(kind: &str) -> Value {
    if kind == "routing" {
        json!({
            "dataset": {"kind": "routing", "domains": 7},
            "network": {"kind": "gated", "hidden": [16, 16]},
            "init": {"kind": "aligned", "scale": 0.08},
            "train": {"lr": 0.01, "steps": 4000, "record_every": 20, "seed": 1}
        })
    } else {
        json!({
            "dataset": {"kind": "sequence", "seed": 3},
            "network": {"kind": "recurrent", "hidden": [8]},
            "init": {"kind": "aligned", "scale": 0.05},
            "train": {"lr": 0.01, "steps": 2000, "record_every": 10, "seed": 1}
        })
    }
}

/// `patch` laid over `base`: objects merge key by key, everything else replaces.
fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(k) {
                    Some(slot) if k != "base" && k != "gates" => merge(slot, v),
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

fn range_f64(field: &str, v: f64, lo: f64, hi: f64) -> Result<(), ConfigError> {
    if v.is_finite() && v > lo && v <= hi {
        Ok(())
    } else {
        Err(ConfigError::new(
            field,
            format!("must be a number in ({lo}, {hi}]; got {v}"),
        ))
    }
}

fn range_int(field: &str, v: u64, lo: u64, hi: u64) -> Result<(), ConfigError> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(ConfigError::new(
            field,
            format!("must be an integer from {lo} to {hi}; got {v}"),
        ))
    }
}

impl ContextConfig {
    /// Parses a config (missing sections and fields take the chapter's defaults) and validates it.
    pub fn from_value(value: &Value) -> Result<ContextConfig, ConfigError> {
        if !value.is_object() {
            return Err(ConfigError::new("config", "must be a JSON object"));
        }
        let kind = value
            .pointer("/dataset/kind")
            .and_then(Value::as_str)
            .filter(|k| KINDS.contains(k))
            .ok_or_else(|| ConfigError::new("dataset.kind", "must be routing or sequence"))?;
        let mut full = defaults(kind);
        merge(&mut full, value);
        let cfg: ContextConfig = crate::config::read(full).map_err(|e| {
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

    /// Parses JSON text (see [`ContextConfig::from_value`]).
    pub fn from_json(text: &str) -> Result<ContextConfig, ConfigError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| ConfigError::new("config", format!("is not valid JSON: {e}")))?;
        ContextConfig::from_value(&value)
    }

    /// Checks every field; the error names the first bad one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        range_f64("init.scale", self.init.scale, 0.0, limits::MAX_SCALE)?;
        let t = &self.train;
        range_f64("train.lr", t.lr, 0.0, limits::MAX_LR)?;
        range_int("train.steps", t.steps, 1, limits::MAX_STEPS)?;
        range_int("train.record_every", t.record_every, 1, 1_000_000)?;
        range_int("train.seed", t.seed, 0, limits::MAX_SEED)?;
        let hidden = &self.network.hidden;
        for (i, &w) in hidden.iter().enumerate() {
            range_int(
                &format!("network.hidden[{i}]"),
                w as u64,
                1,
                MAX_CONTEXT_WIDTH as u64,
            )?;
        }
        let aligned = self.init.kind == ContextInitKind::Aligned;
        let per_record = match &self.dataset {
            ContextDataset::Routing { .. } => {
                if self.network.kind != ContextNetworkKind::Gated {
                    return Err(ConfigError::new(
                        "network.kind",
                        "must be gated for a routing dataset",
                    ));
                }
                if hidden.len() != 2 {
                    return Err(ConfigError::new(
                        "network.hidden",
                        format!(
                            "a gated network needs two widths (input-domain layer, shared layer); got {}",
                            hidden.len()
                        ),
                    ));
                }
                let task = self.routing_task()?;
                let (f, p) = task.y.dim();
                let r = task.n_modes();
                for (i, &w) in hidden.iter().enumerate() {
                    if aligned && w < r {
                        return Err(ConfigError::new(
                            format!("network.hidden[{i}]"),
                            format!("an aligned start needs at least {r} units (one per mode of the base task); got {w}"),
                        ));
                    }
                }
                let m = task.domains();
                let params = m * (hidden[0] * p + f * hidden[1]) + hidden[0] * hidden[1];
                if params > limits::MAX_PARAMETERS {
                    return Err(ConfigError::new(
                        "network.hidden",
                        format!(
                            "the network would have {params} weights; the limit is {}",
                            limits::MAX_PARAMETERS
                        ),
                    ));
                }
                (2 * m * m * r) as u64
            }
            ContextDataset::Sequence { .. } => {
                if self.network.kind != ContextNetworkKind::Recurrent {
                    return Err(ConfigError::new(
                        "network.kind",
                        "must be recurrent for a sequence dataset",
                    ));
                }
                if hidden.len() != 1 {
                    return Err(ConfigError::new(
                        "network.hidden",
                        format!(
                            "a recurrent network has one hidden width; got {}",
                            hidden.len()
                        ),
                    ));
                }
                let (t_len, r) = self.sequence_shape()?;
                if aligned && hidden[0] < r {
                    return Err(ConfigError::new(
                        "network.hidden[0]",
                        format!(
                            "an aligned start needs at least {r} units (one per mode); got {}",
                            hidden[0]
                        ),
                    ));
                }
                (4 * r * t_len + 6 * r) as u64
            }
        };
        let records = t.steps / t.record_every + 1;
        if records.saturating_mul(per_record) > MAX_RECORDED {
            return Err(ConfigError::new(
                "train.record_every",
                format!(
                    "{records} records of {per_record} values exceed the limit of {MAX_RECORDED} recorded values; record less often"
                ),
            ));
        }
        Ok(())
    }

    /// The routing task the config describes (an error naming the field if it is not one).
    pub fn routing_task(&self) -> Result<RoutingTask, ConfigError> {
        let ContextDataset::Routing {
            domains,
            trained_per_input,
            gates,
            base,
        } = &self.dataset
        else {
            return Err(ConfigError::new("dataset.kind", "is not routing"));
        };
        let m = *domains;
        check_field("dataset.domains", m as u64)?;
        let g = match (gates, trained_per_input) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::new(
                    "dataset.gates",
                    "give either trained_per_input or gates, not both",
                ))
            }
            (Some(rows), None) => gate_matrix(rows, m)?,
            (None, k) => {
                let k = k.unwrap_or(4.min(m));
                if k < 1 || k > m {
                    return Err(ConfigError::new(
                        "dataset.trained_per_input",
                        format!("must be between 1 and domains ({m}); got {k}"),
                    ));
                }
                cyclic_gates(m, k)
            }
        };
        let y = match base {
            None => race_toy(),
            Some(b) => {
                let data = Dataset::checked(b).map_err(|e| {
                    let field = match e.field.strip_prefix("dataset") {
                        Some(rest) => format!("dataset.base{rest}"),
                        None => format!("dataset.base.{}", e.field),
                    };
                    ConfigError::new(field, e.message)
                })?;
                if !data.one_hot || data.n_items() > limits::MAX_ITEMS || data.n_outputs() > 512 {
                    return Err(ConfigError::new(
                        "dataset.base",
                        "must have one-hot items, at most 256 items and 512 features",
                    ));
                }
                data.y
            }
        };
        Ok(RoutingTask::new(g, y))
    }

    /// `(T, r)` of a sequence config, checked.
    fn sequence_shape(&self) -> Result<(usize, usize), ConfigError> {
        let ContextDataset::Sequence {
            length,
            strengths,
            seed,
        } = &self.dataset
        else {
            return Err(ConfigError::new("dataset.kind", "is not sequence"));
        };
        check_field("dataset.length", *length as u64)?;
        range_int("dataset.seed", *seed, 0, limits::MAX_SEED)?;
        if strengths.len() != *length {
            return Err(ConfigError::new(
                "dataset.strengths",
                format!(
                    "needs one row per time step ({length} rows); got {}",
                    strengths.len()
                ),
            ));
        }
        let r = strengths[0].len();
        range_int(
            "dataset.strengths[0]",
            r as u64,
            1,
            MAX_SEQUENCE_MODES as u64,
        )
        .map_err(|e| {
            ConfigError::new(
                e.field,
                format!("needs 1 to {MAX_SEQUENCE_MODES} mode strengths; got {r}"),
            )
        })?;
        for (t, row) in strengths.iter().enumerate() {
            if row.len() != r {
                return Err(ConfigError::new(
                    format!("dataset.strengths[{t}]"),
                    format!(
                        "needs {r} values, one per mode, like row 0; got {}",
                        row.len()
                    ),
                ));
            }
            for (a, &s) in row.iter().enumerate() {
                if !s.is_finite() || s.abs() > MAX_STRENGTH {
                    return Err(ConfigError::new(
                        format!("dataset.strengths[{t}][{a}]"),
                        format!(
                            "must be a finite number of magnitude at most {MAX_STRENGTH}; got {s}"
                        ),
                    ));
                }
            }
        }
        Ok((*length, r))
    }

    /// The sequence task the config describes.
    pub fn sequence_task(&self) -> Result<SequenceTask, ConfigError> {
        self.sequence_shape()?;
        match &self.dataset {
            ContextDataset::Sequence {
                strengths, seed, ..
            } => Ok(SequenceTask::new(strengths.clone(), *seed)),
            ContextDataset::Routing { .. } => unreachable!("sequence_shape checked the kind"),
        }
    }
}

/// A user's gate matrix, checked: `m` rows of `m` zeros and ones, at least one pathway trained.
fn gate_matrix(rows: &[Vec<f64>], m: usize) -> Result<ndarray::Array2<f64>, ConfigError> {
    if rows.len() != m {
        return Err(ConfigError::new(
            "dataset.gates",
            format!(
                "needs one row per input domain ({m} rows); got {}",
                rows.len()
            ),
        ));
    }
    let mut g = ndarray::Array2::zeros((m, m));
    for (i, row) in rows.iter().enumerate() {
        if row.len() != m {
            return Err(ConfigError::new(
                format!("dataset.gates[{i}]"),
                format!("needs one entry per output domain ({m}); got {}", row.len()),
            ));
        }
        for (j, &v) in row.iter().enumerate() {
            if v != 0.0 && v != 1.0 {
                return Err(ConfigError::new(
                    format!("dataset.gates[{i}][{j}]"),
                    format!("must be 0 (untrained) or 1 (trained); got {v}"),
                ));
            }
            g[(i, j)] = v;
        }
    }
    if g.sum() == 0.0 {
        return Err(ConfigError::new(
            "dataset.gates",
            "trains no pathway; set at least one entry to 1",
        ));
    }
    Ok(g)
}

/// Where a run stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    Done,
    /// The weights left the finite numbers (learning rate too large); training stopped.
    Diverged,
}

/// One recorded state of a routing run.
#[derive(Clone, Debug)]
pub struct RoutingRecord {
    pub step: u64,
    /// `step · lr`, in units of τ.
    pub time: f64,
    pub loss: f64,
    /// Mode strengths of every pathway (row `i * M + j`, one column per mode).
    pub modes: Vec<Vec<f64>>,
    /// The reduction's strengths on the same layout (aligned starts only).
    pub theory: Option<Vec<Vec<f64>>>,
    pub theory_loss: Option<f64>,
    /// Each layer's strength per mode, read from the weights in the start's hidden bases, and
    /// the reduction's (aligned starts only).
    pub layers: Option<RouteModes>,
    pub theory_layers: Option<RouteModes>,
}

/// A gated routing network trained beside its exact reduced map.
#[derive(Clone, Debug)]
pub struct RoutingRun {
    cfg: ContextConfig,
    task: RoutingTask,
    net: GatedNetwork,
    theory: Option<RouteModes>,
    /// The hidden bases of an aligned start, to read the layers' strengths back.
    bases: Option<HiddenBases>,
    step: u64,
    status: RunStatus,
    records: Vec<RoutingRecord>,
}

impl RoutingRun {
    pub fn new(cfg: &ContextConfig) -> Result<RoutingRun, ConfigError> {
        cfg.validate()?;
        let task = cfg.routing_task()?;
        let hidden = (cfg.network.hidden[0], cfg.network.hidden[1]);
        let mut rng = Rng::new(cfg.train.seed);
        let (net, theory, bases) = match cfg.init.kind {
            ContextInitKind::Aligned => {
                let (net, bases) =
                    GatedNetwork::aligned_in(&task, hidden, cfg.init.scale, &mut rng);
                (
                    net,
                    Some(RouteModes::aligned(&task, cfg.init.scale)),
                    Some(bases),
                )
            }
            ContextInitKind::SmallGaussian => (
                GatedNetwork::gaussian(&task, hidden, cfg.init.scale, &mut rng),
                None,
                None,
            ),
        };
        let mut run = RoutingRun {
            cfg: cfg.clone(),
            task,
            net,
            theory,
            bases,
            step: 0,
            status: RunStatus::Running,
            records: Vec::new(),
        };
        run.record(None);
        Ok(run)
    }

    fn record(&mut self, loss: Option<f64>) {
        let loss = loss.unwrap_or_else(|| self.net.loss(&self.task));
        self.records.push(RoutingRecord {
            step: self.step,
            time: self.step as f64 * self.cfg.train.lr,
            loss,
            modes: self.net.pathway_modes(&self.task),
            theory: self.theory.as_ref().map(RouteModes::pathway_modes),
            theory_loss: self.theory.as_ref().map(|t| t.loss(&self.task)),
            layers: self
                .bases
                .as_ref()
                .map(|b| self.net.layer_strengths(&self.task, b)),
            theory_layers: self.theory.clone(),
        });
    }

    /// Trains up to `steps` more steps (stopping at the config's end or on divergence);
    /// returns how many were taken.
    pub fn advance(&mut self, steps: u64) -> u64 {
        let lr = self.cfg.train.lr;
        let every = self.cfg.train.record_every;
        let mut taken = 0;
        while taken < steps && self.status == RunStatus::Running {
            if self.step >= self.cfg.train.steps {
                self.status = RunStatus::Done;
                break;
            }
            self.net.step(&self.task, lr);
            if let Some(t) = &mut self.theory {
                t.map_step(&self.task, lr);
                if !t.is_finite() {
                    self.theory = None;
                }
            }
            self.step += 1;
            taken += 1;
            if !self.net.is_finite() {
                self.status = RunStatus::Diverged;
                break;
            }
            if self.step.is_multiple_of(every) || self.step == self.cfg.train.steps {
                self.record(None);
            }
        }
        if self.step >= self.cfg.train.steps && self.status == RunStatus::Running {
            self.status = RunStatus::Done;
        }
        taken
    }

    pub fn config(&self) -> &ContextConfig {
        &self.cfg
    }
    pub fn task(&self) -> &RoutingTask {
        &self.task
    }
    pub fn network(&self) -> &GatedNetwork {
        &self.net
    }
    pub fn reduction(&self) -> Option<&RouteModes> {
        self.theory.as_ref()
    }
    pub fn records(&self) -> &[RoutingRecord] {
        &self.records
    }
    pub fn step_count(&self) -> u64 {
        self.step
    }
    pub fn status(&self) -> RunStatus {
        self.status
    }

    /// What the dashed curves are, in words.
    pub fn theory_label(&self) -> &'static str {
        if self.theory.is_some() {
            "exact: reduced map of gradient descent (decoupled start)"
        } else {
            "no reduction: a random start is not decoupled"
        }
    }

    /// The recorded data as a JSON document (what `dln run` writes).
    pub fn to_json(&self) -> Value {
        let m = self.task.domains();
        let recs = &self.records;
        let pathways: Vec<Value> = (0..m * m)
            .map(|q| {
                let (i, j) = (q / m, q % m);
                let modes: Vec<&Vec<f64>> = recs.iter().map(|r| &r.modes[q]).collect();
                let theory: Option<Vec<&Vec<f64>>> = recs
                    .iter()
                    .map(|r| r.theory.as_ref().map(|t| &t[q]))
                    .collect();
                json!({
                    "input": i,
                    "output": j,
                    "trained": self.task.trained(i, j),
                    "modes": modes,
                    "theory": theory,
                })
            })
            .collect();
        let theory_loss: Option<Vec<f64>> = recs.iter().map(|r| r.theory_loss).collect();
        json!({
            "config": self.cfg,
            "singular_values": self.task.svd.s,
            "gates": self.task.gates.outer_iter().map(|r| r.to_vec()).collect::<Vec<_>>(),
            "steps": recs.iter().map(|r| r.step).collect::<Vec<_>>(),
            "time": recs.iter().map(|r| r.time).collect::<Vec<_>>(),
            "loss": recs.iter().map(|r| finite_or_null(r.loss)).collect::<Vec<_>>(),
            "theory_loss": theory_loss,
            "theory_label": self.theory_label(),
            "pathways": pathways,
            "status": self.status,
        })
    }
}

fn finite_or_null(v: f64) -> Value {
    if v.is_finite() {
        json!(v)
    } else {
        Value::Null
    }
}

/// One recorded state of a recurrent run.
#[derive(Clone, Debug)]
pub struct SequenceRecord {
    pub step: u64,
    pub time: f64,
    pub loss: f64,
    /// The learned kernel `[mode][lag]`.
    pub kernel: Vec<Vec<f64>>,
    /// `(b, m, c)` read from the weights in the aligned basis (aligned starts only).
    pub scalars: Option<ModeScalars>,
    /// The reduction's scalars (aligned starts only).
    pub theory: Option<ModeScalars>,
    pub theory_loss: Option<f64>,
}

impl SequenceRecord {
    /// The reduction's kernel `[mode][lag]`.
    pub fn theory_kernel(&self) -> Option<Vec<Vec<f64>>> {
        self.theory.as_ref().map(|t| t.kernel(self.kernel[0].len()))
    }
}

/// A linear recurrent network trained through time beside its exact reduced map.
#[derive(Clone, Debug)]
pub struct SequenceRun {
    cfg: ContextConfig,
    task: SequenceTask,
    net: RecurrentNetwork,
    theory: Option<ModeScalars>,
    step: u64,
    status: RunStatus,
    records: Vec<SequenceRecord>,
}

impl SequenceRun {
    pub fn new(cfg: &ContextConfig) -> Result<SequenceRun, ConfigError> {
        cfg.validate()?;
        let task = cfg.sequence_task()?;
        let n = cfg.network.hidden[0];
        let mut rng = Rng::new(cfg.train.seed);
        let (net, theory) = match cfg.init.kind {
            ContextInitKind::Aligned => (
                RecurrentNetwork::aligned(&task, n, cfg.init.scale, &mut rng),
                Some(ModeScalars::aligned(task.n_modes(), cfg.init.scale)),
            ),
            ContextInitKind::SmallGaussian => (
                RecurrentNetwork::gaussian(&task, n, cfg.init.scale, &mut rng),
                None,
            ),
        };
        let mut run = SequenceRun {
            cfg: cfg.clone(),
            task,
            net,
            theory,
            step: 0,
            status: RunStatus::Running,
            records: Vec::new(),
        };
        run.record();
        Ok(run)
    }

    fn record(&mut self) {
        self.records.push(SequenceRecord {
            step: self.step,
            time: self.step as f64 * self.cfg.train.lr,
            loss: self.net.loss(&self.task),
            kernel: self.net.kernel(&self.task),
            scalars: self.net.scalars(&self.task),
            theory: self.theory.clone(),
            theory_loss: self.theory.as_ref().map(|t| t.loss(&self.task.strengths)),
        });
    }

    /// Trains up to `steps` more steps; returns how many were taken.
    pub fn advance(&mut self, steps: u64) -> u64 {
        let lr = self.cfg.train.lr;
        let every = self.cfg.train.record_every;
        let mut taken = 0;
        while taken < steps && self.status == RunStatus::Running {
            if self.step >= self.cfg.train.steps {
                self.status = RunStatus::Done;
                break;
            }
            self.net.step(&self.task, lr);
            if let Some(t) = &mut self.theory {
                t.map_step(&self.task.strengths, lr);
                if !t.is_finite() {
                    self.theory = None;
                }
            }
            self.step += 1;
            taken += 1;
            if !self.net.is_finite() {
                self.status = RunStatus::Diverged;
                break;
            }
            if self.step.is_multiple_of(every) || self.step == self.cfg.train.steps {
                self.record();
            }
        }
        if self.step >= self.cfg.train.steps && self.status == RunStatus::Running {
            self.status = RunStatus::Done;
        }
        taken
    }

    pub fn config(&self) -> &ContextConfig {
        &self.cfg
    }
    pub fn task(&self) -> &SequenceTask {
        &self.task
    }
    pub fn network(&self) -> &RecurrentNetwork {
        &self.net
    }
    pub fn reduction(&self) -> Option<&ModeScalars> {
        self.theory.as_ref()
    }
    pub fn records(&self) -> &[SequenceRecord] {
        &self.records
    }
    pub fn step_count(&self) -> u64 {
        self.step
    }
    pub fn status(&self) -> RunStatus {
        self.status
    }

    pub fn theory_label(&self) -> &'static str {
        if self.theory.is_some() {
            "exact: reduced map of gradient descent (aligned start)"
        } else {
            "no reduction: a random start is not aligned"
        }
    }

    /// The target kernel `[mode][lag]`: the strength of each mode for the input `lag` steps
    /// before the read-out.
    pub fn target_kernel(&self) -> Vec<Vec<f64>> {
        let s = &self.task.strengths;
        let t_len = s.len();
        (0..self.task.n_modes())
            .map(|a| (0..t_len).map(|lag| s[t_len - 1 - lag][a]).collect())
            .collect()
    }

    /// The recorded data as a JSON document (what `dln run` writes).
    pub fn to_json(&self) -> Value {
        let recs = &self.records;
        let sim = |f: fn(&ModeScalars) -> &Vec<f64>| -> Option<Vec<Vec<f64>>> {
            recs.iter()
                .map(|r| r.scalars.as_ref().map(|s| f(s).clone()))
                .collect()
        };
        let th = |f: fn(&ModeScalars) -> &Vec<f64>| -> Option<Vec<Vec<f64>>> {
            recs.iter()
                .map(|r| r.theory.as_ref().map(|s| f(s).clone()))
                .collect()
        };
        let theory_kernel: Option<Vec<Vec<Vec<f64>>>> =
            recs.iter().map(SequenceRecord::theory_kernel).collect();
        let theory_loss: Option<Vec<f64>> = recs.iter().map(|r| r.theory_loss).collect();
        json!({
            "config": self.cfg,
            "steps": recs.iter().map(|r| r.step).collect::<Vec<_>>(),
            "time": recs.iter().map(|r| r.time).collect::<Vec<_>>(),
            "loss": recs.iter().map(|r| finite_or_null(r.loss)).collect::<Vec<_>>(),
            "theory_loss": theory_loss,
            "theory_label": self.theory_label(),
            "recurrent": {
                "target": self.target_kernel(),
                "kernel": recs.iter().map(|r| &r.kernel).collect::<Vec<_>>(),
                "theory_kernel": theory_kernel,
                "b": sim(|s| &s.b),
                "m": sim(|s| &s.m),
                "c": sim(|s| &s.c),
                "theory_b": th(|s| &s.b),
                "theory_m": th(|s| &s.m),
                "theory_c": th(|s| &s.c),
            },
            "status": self.status,
        })
    }
}

/// Either run of the chapter.
#[derive(Clone, Debug)]
pub enum ContextRun {
    Routing(RoutingRun),
    Sequence(SequenceRun),
}

impl ContextRun {
    pub fn new(cfg: &ContextConfig) -> Result<ContextRun, ConfigError> {
        Ok(match cfg.dataset {
            ContextDataset::Routing { .. } => ContextRun::Routing(RoutingRun::new(cfg)?),
            ContextDataset::Sequence { .. } => ContextRun::Sequence(SequenceRun::new(cfg)?),
        })
    }

    pub fn advance(&mut self, steps: u64) -> u64 {
        match self {
            ContextRun::Routing(r) => r.advance(steps),
            ContextRun::Sequence(r) => r.advance(steps),
        }
    }

    pub fn status(&self) -> RunStatus {
        match self {
            ContextRun::Routing(r) => r.status(),
            ContextRun::Sequence(r) => r.status(),
        }
    }

    pub fn to_json(&self) -> Value {
        match self {
            ContextRun::Routing(r) => r.to_json(),
            ContextRun::Sequence(r) => r.to_json(),
        }
    }
}

/// `dln run` on a routing or sequence config: trains to the end and returns the JSON document
/// (with `pathways` or `recurrent`), calling `progress(done, total)` now and then.
pub fn run_to_end(value: &Value, mut progress: impl FnMut(u64, u64)) -> Result<Value, ConfigError> {
    let cfg = ContextConfig::from_value(value)?;
    let mut run = ContextRun::new(&cfg)?;
    let total = cfg.train.steps;
    let chunk = (total / 100).max(1);
    let mut done = 0;
    while run.status() == RunStatus::Running {
        let took = run.advance(chunk);
        done += took;
        progress(done, total);
        if took == 0 {
            break;
        }
    }
    Ok(run.to_json())
}

/// `dln run` claims a routing or sequence config ([`handles`]); `dln sweep` has none here.
pub fn cli_claims(command: crate::chapters::cli::Command, value: &Value) -> bool {
    command == crate::chapters::cli::Command::Run && handles(value)
}

/// `dln run` on a routing or sequence config, written as JSON with `pathways` or `recurrent`.
pub fn cli_answer(
    _command: crate::chapters::cli::Command,
    value: &Value,
    csv: bool,
    progress: &mut dyn FnMut(f64),
) -> Result<crate::chapters::cli::Answer, String> {
    if csv {
        return Err(
            "--format csv is not available for routing and sequence configs; use json".into(),
        );
    }
    let doc = run_to_end(value, |done, total| {
        progress(done as f64 / total.max(1) as f64)
    })
    .map_err(|e| e.to_string())?;
    Ok(crate::chapters::cli::Answer {
        body: doc.to_string() + "\n",
        warning: (doc["status"] == "diverged").then(|| {
            "training diverged (the weights left the finite numbers): lower train.lr".to_string()
        }),
    })
}

/// A named starting point of the chapter, with what it shows.
#[derive(Clone, Debug, Serialize)]
pub struct Preset {
    pub name: &'static str,
    pub caption: &'static str,
    pub config: Value,
}

/// The chapter's presets (the ReLU comparison has none yet).
pub fn presets() -> Vec<Preset> {
    vec![
        Preset {
            name: "The race to abstraction",
            caption: "Seven input and seven output domains share one hidden layer, and each input \
                      is trained with four outputs. The shared layer lies on every trained pathway, \
                      so it grows seven times faster than a domain layer at equal strength and \
                      ends about √7 times stronger.",
            config: json!({
                "dataset": {"kind": "routing", "domains": 7, "trained_per_input": 4},
                "network": {"kind": "gated", "hidden": [16, 16]},
                "init": {"kind": "aligned", "scale": 0.08},
                "train": {"lr": 0.02, "steps": 2000, "record_every": 10, "seed": 1}
            }),
        },
        Preset {
            name: "Generalising to untrained routes",
            caption: "From a small random start, pathways that were never trained (input 0 to \
                      output 3, for one) still end close to every mode of the task: they reuse \
                      the shared layer that the trained routes built. No reduction is drawn, \
                      since a random start is not decoupled.",
            config: json!({
                "dataset": {"kind": "routing", "domains": 7, "trained_per_input": 4},
                "network": {"kind": "gated", "hidden": [16, 16]},
                "init": {"kind": "small_gaussian", "scale": 0.05},
                "train": {"lr": 0.05, "steps": 1500, "record_every": 10, "seed": 1}
            }),
        },
        Preset {
            name: "Recurrent networks learn recent inputs first",
            caption: "The input just before the read-out has the strongest target (2, then 1 and \
                      0.5 at lags 1 and 2) and reaches half of it first; the earlier lags follow \
                      as the recurrent strength m grows to 0.5, where c·m^lag·b equals the \
                      geometric target exactly.",
            config: json!({
                "dataset": {"kind": "sequence", "length": 3, "strengths": [[0.5], [1], [2]], "seed": 3},
                "network": {"kind": "recurrent", "hidden": [4]},
                "init": {"kind": "aligned", "scale": 0.05},
                "train": {"lr": 0.01, "steps": 1000, "record_every": 5, "seed": 1}
            }),
        },
        Preset {
            name: "A kernel a recurrent network cannot learn",
            caption: "The target kernel (1, 0.2, 0.2 by lag) is not geometric, and one recurrent \
                      strength per mode can only make c·m^lag·b geometric. The network settles on \
                      the best geometric fit instead: 0.991, 0.269, 0.073.",
            config: json!({
                "dataset": {"kind": "sequence", "length": 3, "strengths": [[0.2], [0.2], [1]], "seed": 3},
                "network": {"kind": "recurrent", "hidden": [4]},
                "init": {"kind": "aligned", "scale": 0.05},
                "train": {"lr": 0.01, "steps": 4000, "record_every": 10, "seed": 1}
            }),
        },
    ]
}
