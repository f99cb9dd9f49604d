//! The field table: every parameter of the config, declared once.
//!
//! Each [`Field`] names a parameter by its JSON path (`train.lr`) and by one short key (`lr`).
//! The key is the parameter's name everywhere outside the JSON: in the URL hash (`#lr=0.005`), as
//! an attribute of `<dln-explorer>` (`lr="0.005"`) and as the page's `data-param="lr"`. The
//! table also says what the value is (number, integer, enum, list or bool), its range or its
//! options with their labels, whether a slider moves on a log scale, whether a change applies to
//! the running network or restarts it, its unit and a one-line help text.
//!
//! The table drives:
//! - validation: [`check`] checks every field of a config against its row, and
//!   `Config::validated` turns a config into a `ValidConfig`, the only type the run, the session
//!   and the sweep accept, so nothing past the boundary checks again;
//! - the URL hash (`page::hash`), which takes its keys and value kinds from here;
//! - `<dln-explorer>` attributes (they are hash keys);
//! - the notes of `dln example` ([`notes`]);
//! - the page's controls, through the wasm call `schema()` ([`schema`]): ranges, steps, options,
//!   labels and tooltips come from here, none is typed in the page;
//! - the README's configuration table ([`markdown_table`]; `tests/fields.rs` fails when they
//!   differ).
//!
//! # Adding a parameter
//!
//! 1. Add the field to its config struct (or enum variant) in `config/mod.rs`, with a serde
//!    default.
//! 2. Add one row to [`FIELDS`], after the fields it depends on (a dataset's settings come after
//!    `dataset.kind`). Pick a key no other row or page parameter uses (a test checks).
//! 3. If its value is a choice, declare the enum with `choices!` (below): the enum, its `ALL` list,
//!    its JSON names and its menu options with labels come from that one list, so a kind without
//!    a menu option cannot exist. A new dataset kind also needs its variant in `DatasetConfig`
//!    (the compiler then asks for its arm in `DatasetConfig::kind` and `DatasetConfig::default_of`).
//! 4. A rule between fields (one bounded by another, a product limit) goes in
//!    `Config::check_rules`.
//! 5. Run `cargo test --test fields`; it prints the README table to paste when it changed.
//!
//! The code that uses the value is the only other place to edit: the page builds the control
//! from `schema()` once the HTML has an element with `data-param="KEY"`.

use serde_json::{json, Value};

use super::{
    limits, Activation, ConfigError, DatasetKind, ExtraFeature, InitKind, InitRule, LossKind,
    LrPolicy, SweepData, SweepInit,
};

/// One option of a choice: its JSON value, the label a menu shows, and a line of help.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opt {
    pub value: &'static str,
    pub label: &'static str,
    pub help: &'static str,
}

/// Declares a choice enum from one list of `Variant = "json_name" ("menu label", "help")`: the
/// enum (with serde renames), `ALL` (every variant, in menu order), `name()`, `label()`,
/// `from_name()` and `OPTIONS` (the menu) all come from that list, so they cannot disagree.
/// Derives are the caller's (serde's `Serialize` and `Deserialize` among them).
#[macro_export]
macro_rules! choices {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal ($label:literal, $help:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $value)] $variant ),+
        }

        impl $name {
            /// Every variant, in menu order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The menu: one option per variant.
            pub const OPTIONS: &'static [$crate::config::fields::Opt] = &[$(
                $crate::config::fields::Opt { value: $value, label: $label, help: $help }
            ),+];

            /// The name used in JSON, the hash and the menus.
            pub const fn name(self) -> &'static str {
                match self { $($name::$variant => $value),+ }
            }

            /// The menu label.
            pub const fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// The variant called `name` in JSON.
            pub fn from_name(name: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.name() == name)
            }
        }
    };
}

/// What a field's value is (the `kind` of [`schema`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Number,
    Integer,
    Enum,
    List,
    Bool,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Number => "number",
            Kind::Integer => "integer",
            Kind::Enum => "enum",
            Kind::List => "list",
            Kind::Bool => "bool",
        }
    }
}

/// What a list holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item {
    /// Whole numbers in the field's range.
    Integer,
    /// Names: 1 to `MAX_NAME_CHARS` characters after trimming, each once.
    Text,
    /// Options of the field's choice.
    Enum,
    /// Rows of numbers in the field's range (a matrix).
    Row,
}

impl Item {
    pub fn name(self) -> &'static str {
        match self {
            Item::Integer => "integer",
            Item::Text => "text",
            Item::Enum => "enum",
            Item::Row => "numbers",
        }
    }
}

/// The allowed values of a number, an integer, or each item of a list.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Range {
    Any,
    Int {
        min: u64,
        max: u64,
    },
    /// `min < v <= max` when `open_min`, else `min <= v <= max`.
    Real {
        min: f64,
        max: f64,
        open_min: bool,
    },
}

/// Whether a change applies to the running network or restarts the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Apply {
    /// Applies while the network trains (the learning rate, the run length, the sweep's
    /// settings, which are not part of the run).
    Live,
    /// Rebuilds the run from step 0.
    Restart,
    /// Not part of the run at all (the depth sweep's settings): the run carries on unchanged.
    Apart,
}

/// The settings a field belongs to: it is shown (and exists) only for these choices.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum When {
    Always,
    Dataset(&'static [DatasetKind]),
    Init(&'static [InitKind]),
}

impl When {
    /// The key of the choice it depends on and the option values, or `None` for always.
    pub fn condition(self) -> Option<(&'static str, Vec<&'static str>)> {
        match self {
            When::Always => None,
            When::Dataset(ks) => Some(("dataset", ks.iter().map(|k| k.name()).collect())),
            When::Init(ks) => Some(("init", ks.iter().map(|k| k.name()).collect())),
        }
    }
}

/// One parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Field {
    /// The short name: hash key, element attribute and `data-param`.
    pub key: &'static str,
    /// The dotted JSON path in the config.
    pub path: &'static str,
    /// A short human name.
    pub label: &'static str,
    pub kind: Kind,
    /// For lists: what each entry is.
    pub item: Option<Item>,
    /// The value's range (a list's: each entry's).
    pub range: Range,
    /// For lists: the fewest and most entries, and what they are called.
    pub len: (usize, usize),
    pub noun: &'static str,
    /// For choices (and lists of choices): the options, from the enum. For a number: the values
    /// its menu offers (any value in range is still accepted).
    pub options: &'static [Opt],
    /// Sliders move on a log scale.
    pub log: bool,
    /// The span of a slider, when narrower than the range (a log slider cannot reach 0).
    pub slider: Option<(f64, f64)>,
    /// The step of a number box or slider.
    pub step: Option<f64>,
    pub apply: Apply,
    pub when: When,
    pub unit: &'static str,
    pub help: &'static str,
}

impl Field {
    const fn new(key: &'static str, path: &'static str, label: &'static str, kind: Kind) -> Field {
        Field {
            key,
            path,
            label,
            kind,
            item: None,
            range: Range::Any,
            len: (0, 0),
            noun: "entries",
            options: &[],
            log: false,
            slider: None,
            step: None,
            apply: Apply::Restart,
            when: When::Always,
            unit: "",
            help: "",
        }
    }

    /// A whole number from `min` to `max`.
    pub const fn int(
        key: &'static str,
        path: &'static str,
        label: &'static str,
        min: u64,
        max: u64,
    ) -> Field {
        Field {
            range: Range::Int { min, max },
            step: Some(1.0),
            ..Field::new(key, path, label, Kind::Integer)
        }
    }

    /// A number in `[min, max]`.
    pub const fn real(
        key: &'static str,
        path: &'static str,
        label: &'static str,
        min: f64,
        max: f64,
    ) -> Field {
        Field {
            range: Range::Real {
                min,
                max,
                open_min: false,
            },
            ..Field::new(key, path, label, Kind::Number)
        }
    }

    /// A number in `(min, max]`.
    pub const fn positive(
        key: &'static str,
        path: &'static str,
        label: &'static str,
        min: f64,
        max: f64,
    ) -> Field {
        Field {
            range: Range::Real {
                min,
                max,
                open_min: true,
            },
            ..Field::new(key, path, label, Kind::Number)
        }
    }

    /// One of `options`.
    pub const fn choice(
        key: &'static str,
        path: &'static str,
        label: &'static str,
        options: &'static [Opt],
    ) -> Field {
        Field {
            options,
            ..Field::new(key, path, label, Kind::Enum)
        }
    }

    /// A list of `min` to `max` entries of `item`.
    const fn list(
        key: &'static str,
        path: &'static str,
        label: &'static str,
        item: Item,
        min: usize,
        max: usize,
    ) -> Field {
        Field {
            item: Some(item),
            len: (min, max),
            ..Field::new(key, path, label, Kind::List)
        }
    }

    const fn each(self, range: Range) -> Field {
        Field { range, ..self }
    }
    const fn noun(self, noun: &'static str) -> Field {
        Field { noun, ..self }
    }
    const fn of(self, options: &'static [Opt]) -> Field {
        Field { options, ..self }
    }
    /// The values a number's menu offers (any value in range is still accepted).
    pub const fn menu(self, options: &'static [Opt]) -> Field {
        self.of(options)
    }
    const fn log(self, lo: f64, hi: f64) -> Field {
        Field {
            log: true,
            slider: Some((lo, hi)),
            ..self
        }
    }
    /// A control's step.
    pub const fn step(self, step: f64) -> Field {
        Field {
            step: Some(step),
            ..self
        }
    }
    const fn live(self) -> Field {
        Field {
            apply: Apply::Live,
            ..self
        }
    }
    const fn apart(self) -> Field {
        Field {
            apply: Apply::Apart,
            ..self
        }
    }
    const fn when(self, when: When) -> Field {
        Field { when, ..self }
    }
    /// A slider's range, narrower than the values the field accepts (a box or a config can
    /// go beyond it).
    pub const fn slider(self, lo: f64, hi: f64) -> Field {
        Field {
            slider: Some((lo, hi)),
            ..self
        }
    }
    /// The unit its values are in.
    pub const fn unit(self, unit: &'static str) -> Field {
        Field { unit, ..self }
    }
    pub const fn help(self, help: &'static str) -> Field {
        Field { help, ..self }
    }
}

const TREES: When = When::Dataset(&[DatasetKind::Tree, DatasetKind::Diffusion]);
const DIFFUSION: When = When::Dataset(&[DatasetKind::Diffusion]);
const SAMPLED: When = When::Dataset(&[DatasetKind::Diffusion, DatasetKind::Spectrum]);
const SPECTRUM: When = When::Dataset(&[DatasetKind::Spectrum]);
const MATRIX: When = When::Dataset(&[DatasetKind::Matrix]);

/// Every parameter of the config, in the order the hash writes and applies them (a dataset's
/// kind before its settings).
pub const FIELDS: &[Field] = &[
    // ----- dataset -----
    Field::choice("dataset", "dataset.kind", "Dataset", DatasetKind::OPTIONS)
        .help("what the network learns; each kind has its own settings"),
    Field::int("branching", "dataset.branching", "Branching", 2, 8)
        .when(TREES)
        .help("children of every node of the tree"),
    Field::int("levels", "dataset.levels", "Levels", 1, 8)
        .when(TREES)
        .help("levels below the root; the leaves are the items (at most 256)"),
    Field::int("nfeatures", "dataset.feature_count", "Features", 1, limits::MAX_FEATURES as u64)
        .when(DIFFUSION)
        .help("how many features the diffusion samples (at most 1,048,576 values with the items)"),
    Field::real("flip", "dataset.flip", "Flip probability", 0.0, 0.5)
        .step(0.01)
        .when(DIFFUSION)
        .help("chance that a feature changes sign along each branch"),
    Field::choice("extra", "dataset.extra", "Extra feature", ExtraFeature::OPTIONS)
        .when(DIFFUSION)
        .help("a feature appended after the sampled ones: the Neuromatch tutorial's has_bones (8 items only)"),
    Field::int("dseed", "dataset.seed", "Data seed", 0, limits::MAX_SEED)
        .when(SAMPLED)
        .help("seed of the sampled dataset"),
    Field::int("size", "dataset.size", "Items", 1, limits::MAX_ITEMS as u64)
        .when(SPECTRUM)
        .help("items of the random task, each with a one-hot input"),
    Field::positive("smax", "dataset.s_max", "Largest s", 0.0, 1000.0)
        .step(0.1)
        .when(SPECTRUM)
        .help("largest singular value of the random task"),
    Field::positive("smin", "dataset.s_min", "Smallest s", 0.0, 1000.0)
        .step(0.1)
        .when(SPECTRUM)
        .help("smallest singular value, at most the largest; the rest are spaced evenly between"),
    Field::list("items", "dataset.items", "Item names", Item::Text, 1, limits::MAX_ITEMS)
        .noun("items")
        .when(MATRIX)
        .help("names of a custom matrix's items (its rows)"),
    Field::list("fnames", "dataset.feature_names", "Feature names", Item::Text, 1, limits::MAX_FEATURES)
        .noun("features")
        .when(MATRIX)
        .help("names of a custom matrix's features (its columns)"),
    Field::list("values", "dataset.values", "Values", Item::Row, 1, limits::MAX_ITEMS)
        .each(Range::Real { min: -limits::MAX_ABS_VALUE, max: limits::MAX_ABS_VALUE, open_min: false })
        .noun("rows")
        .when(MATRIX)
        .help("one row per item, one value per feature"),
    // ----- network -----
    Field::list("hidden", "network.hidden", "Network (hidden layers)", Item::Integer, 0, limits::MAX_HIDDEN_LAYERS)
        .each(Range::Int { min: 1, max: limits::MAX_WIDTH as u64 })
        .noun("hidden layers")
        .unit("units")
        .help("widths of the hidden layers, input side first; none is a shallow network (at most 4,000,000 weights)"),
    Field::choice("act", "network.activation", "Activation", Activation::OPTIONS)
        .help("nonlinearity of every hidden layer; the output layer stays linear"),
    // ----- initialisation -----
    Field::choice("init", "init.kind", "Initialisation", InitKind::OPTIONS)
        .help("how the weights start"),
    Field::real("scale", "init.scale", "Scale", limits::MIN_SCALE, limits::MAX_SCALE)
        .log(1e-15, 10.0)
        .step(0.05)
        .help("std (small Gaussian), gain g (scaled Gaussian, orthogonal), u0 (balanced), or the smaller layer's singular value (λ-balanced)"),
    Field::choice("rule", "init.rule", "Std rule", InitRule::OPTIONS)
        .when(When::Init(&[InitKind::SmallGaussian]))
        .help("a small Gaussian start's std in each layer: scale itself, or γ/√(n_in + n_out) with γ = scale (the Neuromatch tutorial)"),
    Field::real("lambda", "init.lambda", "λ", -100.0, 100.0)
        .step(0.1)
        .when(When::Init(&[InitKind::Balanced, InitKind::LambdaBalanced]))
        .help("imbalance W2ᵀW2 − W1W1ᵀ = λI of a one-hidden-layer network (0 = balanced); λ > 0 needs a hidden layer no wider than the output, λ < 0 no wider than the input"),
    // ----- training -----
    Field::positive("lr", "train.lr", "Learning rate", 0.0, limits::MAX_LR)
        .log(1e-5, 1000.0)
        .step(0.05)
        .live()
        .help("step size of gradient descent; the theory's time unit is τ = 1/lr steps (with the mean loss, τ = P·F/(2·lr))"),
    Field::choice("loss", "train.loss", "Loss", LossKind::OPTIONS)
        .help("the loss gradient descent minimises: the papers' ½ Σ‖y − ŷ‖², or PyTorch's mean over items and features, the same descent at the rate 2·lr/(P·F)"),
    Field::int("steps", "train.steps", "Steps", 1, limits::MAX_STEPS)
        .live()
        .unit("steps")
        .help("length of the run"),
    Field::int("every", "train.record_every", "Record every", 1, 1_000_000)
        .unit("steps")
        .help("steps between recorded points (the history thins itself beyond 4000 points)"),
    Field::int("seed", "train.seed", "Seed", 0, limits::MAX_SEED)
        .help("seed of the initial weights"),
    // ----- the depth sweep (never restarts the run) -----
    Field::choice("sw_data", "sweep.data", "Sweep task", SweepData::OPTIONS)
        .apart()
        .help("the task the depth sweep learns"),
    Field::int("sw_width", "sweep.width", "Sweep width", 1, 256)
        .apart()
        .unit("units")
        .help("width of the swept networks' hidden layers"),
    Field::list("sw_depths", "sweep.depths", "Sweep depths", Item::Integer, 1, 40)
        .each(Range::Int { min: 1, max: 64 })
        .noun("depths")
        .unit("weight matrices")
        .apart()
        .help("numbers of weight matrices to try"),
    Field::positive("sw_threshold", "sweep.threshold", "Learned below", 0.0, 1.0)
        .step(0.001)
        .apart()
        .help("a start has learned when its loss is below this fraction of ½Σ‖y‖²"),
    Field::int("sw_max", "sweep.max_steps", "Sweep steps", 1, 1_000_000)
        .apart()
        .unit("steps")
        .help("steps before a start counts as not learned"),
    Field::choice("sw_lr", "sweep.lr", "Sweep rate", LrPolicy::OPTIONS)
        .apart()
        .help("the learning rate at each depth"),
    Field::positive("sw_factor", "sweep.lr_factor", "Stable fraction", 0.0, 1.0)
        .apart()
        .help("the fraction of the stability bound a stable rate uses"),
    Field::list("sw_inits", "sweep.inits", "Sweep starts", Item::Enum, 1, 5)
        .of(SweepInit::OPTIONS)
        .noun("initialisations")
        .apart()
        .help("the initialisations compared"),
    Field::positive("sw_small", "sweep.small_scale", "Small std", 0.0, 10.0)
        .apart()
        .help("std of the sweep's small Gaussian start"),
    Field::positive("sw_u0", "sweep.balanced_u0", "Balanced u0", 0.0, 10.0)
        .menu(BALANCED_U0_MENU)
        .apart()
        .help("initial mode strength of the sweep's balanced start"),
    Field::int("sw_seeds", "sweep.seeds", "Sweep seeds", 1, 16)
        .apart()
        .help("training runs per start and depth; the chart draws their median and range"),
];

/// The balanced start's u₀ values the sweep's menu offers.
const BALANCED_U0_MENU: &[Opt] = &[
    Opt {
        value: "0.1",
        label: "0.1 (levels off within 32 layers)",
        help: "a start near the data's scale: the learning time levels off with depth",
    },
    Opt {
        value: "0.001",
        label: "0.001 (decoupled start of SMG14 Fig 4)",
        help: "the paper's small decoupled start: the learning time grows slowly with depth",
    },
];

/// The field with this key.
pub fn by_key(key: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.key == key)
}

/// The field with this path.
pub fn by_path(path: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.path == path)
}

/// The value at a dotted path of a JSON object.
pub fn get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

/// A number as a short text (`1e-12`, `100000000`).
fn num(x: f64) -> String {
    if x != 0.0 && (x.abs() < 1e-3 || x.abs() >= 1e9) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

fn shown(v: &Value) -> String {
    match v {
        Value::Null => "a value that is not a finite number".into(),
        other => super::echo::clip(&other.to_string()),
    }
}

impl Field {
    fn unit_suffix(&self) -> String {
        if self.unit.is_empty() {
            String::new()
        } else {
            format!(" {}", self.unit)
        }
    }

    /// Checks one scalar against the range (a list's entry, or the field's own value).
    fn check_scalar(&self, at: &str, v: &Value) -> Result<(), ConfigError> {
        match self.range {
            Range::Any => Ok(()),
            Range::Int { min, max } => match v.as_u64() {
                Some(x) if (min..=max).contains(&x) => Ok(()),
                _ => Err(ConfigError::new(
                    at,
                    format!(
                        "must be an integer from {min} to {max}{}; got {}",
                        self.unit_suffix(),
                        shown(v)
                    ),
                )),
            },
            Range::Real { min, max, open_min } => {
                let ok = v.as_f64().is_some_and(|x| {
                    x.is_finite() && (if open_min { x > min } else { x >= min }) && x <= max
                });
                if ok {
                    Ok(())
                } else {
                    let open = if open_min { "(" } else { "[" };
                    Err(ConfigError::new(
                        at,
                        format!("must be a number in {open}{min}, {max}]; got {}", shown(v)),
                    ))
                }
            }
        }
    }

    fn check_option(&self, at: &str, v: &Value) -> Result<(), ConfigError> {
        if v.as_str()
            .is_some_and(|s| self.options.iter().any(|o| o.value == s))
        {
            return Ok(());
        }
        let names: Vec<&str> = self.options.iter().map(|o| o.value).collect();
        Err(ConfigError::new(
            at,
            format!("must be one of {}; got {}", names.join(", "), shown(v)),
        ))
    }

    /// Checks a number of this field found at `at` (an entry of a list of records, such as
    /// `tasks[2].steps` for the field `tasks[].steps`); the error names `at`.
    pub fn check_at(&self, at: &str, v: &Value) -> Result<(), ConfigError> {
        self.check_scalar(at, v)
    }

    /// Checks a value of this field; the error names the field (or the list entry).
    pub fn check(&self, v: &Value) -> Result<(), ConfigError> {
        match self.kind {
            Kind::Number | Kind::Integer => self.check_scalar(self.path, v),
            Kind::Enum => self.check_option(self.path, v),
            Kind::Bool => match v {
                Value::Bool(_) => Ok(()),
                other => Err(ConfigError::new(
                    self.path,
                    format!("must be true or false; got {}", shown(other)),
                )),
            },
            Kind::List => {
                let Some(xs) = v.as_array() else {
                    return Err(ConfigError::new(
                        self.path,
                        format!("must be a list; got {}", shown(v)),
                    ));
                };
                let (lo, hi) = self.len;
                if xs.len() < lo || xs.len() > hi {
                    return Err(ConfigError::new(
                        self.path,
                        format!("needs {lo} to {hi} {}; got {}", self.noun, xs.len()),
                    ));
                }
                match self.item.unwrap_or(Item::Integer) {
                    Item::Integer => {
                        for (i, x) in xs.iter().enumerate() {
                            self.check_scalar(&format!("{}[{i}]", self.path), x)?;
                        }
                    }
                    Item::Enum => {
                        for (i, x) in xs.iter().enumerate() {
                            self.check_option(&format!("{}[{i}]", self.path), x)?;
                        }
                    }
                    Item::Text => check_names(self.path, xs)?,
                    Item::Row => {
                        for (i, row) in xs.iter().enumerate() {
                            let Some(row) = row.as_array() else {
                                return Err(ConfigError::new(
                                    format!("{}[{i}]", self.path),
                                    "must be a row of numbers",
                                ));
                            };
                            for (j, x) in row.iter().enumerate() {
                                self.check_scalar(&format!("{}[{i}][{j}]", self.path), x)?;
                            }
                        }
                    }
                }
                Ok(())
            }
        }
    }

    /// The allowed values, for people: `(0, 10]`, `1 to 1024`, `0 to 32 of 1 to 1024 units`.
    pub fn allowed(&self) -> String {
        let range = match self.range {
            Range::Any => String::new(),
            Range::Int { min, max } => format!("{min} to {max}{}", self.unit_suffix()),
            Range::Real { min, max, open_min } => {
                format!(
                    "{}{}, {}]",
                    if open_min { "(" } else { "[" },
                    num(min),
                    num(max)
                )
            }
        };
        let options = self
            .options
            .iter()
            .map(|o| format!("`{}`", o.value))
            .collect::<Vec<_>>()
            .join(", ");
        match self.kind {
            Kind::Enum => self
                .options
                .iter()
                .map(|o| format!("`{}` ({})", o.value, o.label))
                .collect::<Vec<_>>()
                .join(", "),
            Kind::List => {
                let (lo, hi) = self.len;
                let each = match self.item {
                    Some(Item::Enum) => format!("of {options}"),
                    Some(Item::Text) => format!(
                        "names of 1 to {} characters, each once",
                        limits::MAX_NAME_CHARS
                    ),
                    _ if range.is_empty() => String::new(),
                    _ => format!("each {range}"),
                };
                format!("{lo} to {hi} {}, {each}", self.noun)
            }
            _ => range,
        }
    }
}

/// Names of a list: trimmed, 1 to `MAX_NAME_CHARS` characters, each once.
fn check_names(field: &str, names: &[Value]) -> Result<(), ConfigError> {
    let mut seen: Vec<&str> = Vec::with_capacity(names.len());
    for (i, n) in names.iter().enumerate() {
        let Some(s) = n.as_str() else {
            return Err(ConfigError::new(
                format!("{field}[{i}]"),
                format!("must be a name; got {}", shown(n)),
            ));
        };
        let t = s.trim();
        if t.is_empty() || t.chars().count() > limits::MAX_NAME_CHARS {
            return Err(ConfigError::new(
                format!("{field}[{i}]"),
                format!(
                    "names must have 1 to {} characters; got {:?}",
                    limits::MAX_NAME_CHARS,
                    super::echo::clip(s)
                ),
            ));
        }
        if seen.contains(&t) {
            return Err(ConfigError::new(
                format!("{field}[{i}]"),
                format!("the name {t:?} appears twice"),
            ));
        }
        seen.push(t);
    }
    Ok(())
}

/// Checks every field present in a config's JSON against its row of the table; the error
/// names the first bad field. Fields of other dataset kinds are simply absent.
pub fn check(config: &Value) -> Result<(), ConfigError> {
    for f in FIELDS {
        if let Some(v) = get(config, f.path) {
            f.check(v)?;
        }
    }
    Ok(())
}

/// The table as JSON for the page: `[{key, path, label, kind, item, min, max, min_open,
/// length, log, slider, step, options: [{value, label, help}], live, when, unit, help}]`.
pub fn schema() -> Value {
    Value::Array(schema_of(FIELDS))
}

/// The schema rows of some fields (the config's, or a chapter's own part of the table).
pub fn schema_of(fields: &[Field]) -> Vec<Value> {
    fields
        .iter()
        .map(|f| {
            let (min, max, open) = match f.range {
                Range::Any => (Value::Null, Value::Null, false),
                Range::Int { min, max } => (json!(min), json!(max), false),
                Range::Real { min, max, open_min } => (json!(min), json!(max), open_min),
            };
            let when = f.when.condition().map(|(key, values)| json!({"key": key, "values": values}));
            json!({
                "key": f.key,
                "path": f.path,
                "label": f.label,
                "kind": f.kind.name(),
                "item": f.item.map(Item::name),
                "min": min,
                "max": max,
                "min_open": open,
                "length": (f.kind == Kind::List).then_some([f.len.0, f.len.1]),
                "log": f.log,
                "slider": f.slider.map(|(a, b)| [a, b]),
                "step": f.step,
                "options": f.options.iter().map(|o| json!({"value": o.value, "label": o.label, "help": o.help})).collect::<Vec<_>>(),
                "live": f.apply != Apply::Restart,
                "when": when,
                "unit": f.unit,
                "help": f.help,
            })
        })
        .collect()
}

/// The notes `dln example` prints: one line per field (path, key, allowed values, help).
pub fn notes() -> String {
    let mut out = String::new();
    for f in FIELDS {
        let when = match f.when.condition() {
            Some((_, values)) if f.path.starts_with("dataset.") => {
                format!(" ({})", values.join(", "))
            }
            _ => String::new(),
        };
        out.push_str(&format!(
            "#   {:<20} {:<13} {}{when}\n",
            f.path,
            format!("[{}]", f.key),
            f.help
        ));
        let allowed = f.allowed();
        if !allowed.is_empty() {
            out.push_str(&format!("#   {:<34} {allowed}\n", ""));
        }
    }
    out
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// The README's configuration table, one row per field.
pub fn markdown_table() -> String {
    let mut out =
        String::from("| field | key | meaning | allowed | on change |\n|---|---|---|---|---|\n");
    for f in FIELDS {
        let mut meaning = cell(f.help);
        if let Some((key, values)) = f.when.condition() {
            let values: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
            meaning.push_str(&format!(" (with {key} {})", values.join(", ")));
        }
        let on_change = match f.apply {
            Apply::Live => "applies live",
            Apply::Restart => "restarts the run",
            Apply::Apart => "the sweep only",
        };
        out.push_str(&format!(
            "| `{}` | `{}` | {} | {} | {on_change} |\n",
            f.path,
            f.key,
            meaning,
            cell(&f.allowed())
        ));
    }
    out
}

/// The fields whose values differ between two configs (the dataset's only when the datasets
/// differ, so an unchanged custom matrix is not compared value by value).
pub fn changed(old: &super::Config, new: &super::Config) -> Vec<&'static Field> {
    if old == new {
        return Vec::new();
    }
    let with_data = old.dataset != new.dataset;
    let (a, b) = (old.sections(with_data), new.sections(with_data));
    FIELDS
        .iter()
        .filter(|f| get(&a, f.path) != get(&b, f.path))
        .collect()
}
