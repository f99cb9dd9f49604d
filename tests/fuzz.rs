//! Property-based fuzzing of every input a user controls: config JSON patches built from the
//! field table, URL hashes (the table's keys, the page's keys, repeated keys and junk), CSV text
//! and the arguments the page's calls take. Nothing may panic; every refusal names its field
//! (or, for CSV, its row and column); every accepted config trains one step to finite values.
//!
//! The seeds are fixed, so a failure reproduces; the case counts keep the file well under 30 s
//! in a debug build. `cargo test --test fuzz -- --nocapture` prints what was tried, refused
//! with a message, ran and failed.

use std::cell::Cell;

use dln_explorer::chapters::registry::{embed_panels, link_names};
use dln_explorer::charts;
use dln_explorer::config::csv::parse_matrix;
use dln_explorer::config::fields::{Field, Item, Kind, Range, FIELDS};
use dln_explorer::config::{Config, ValidConfig};
use dln_explorer::page::hash;
use dln_explorer::page::view::View;
use dln_explorer::run::session::Session;
use dln_explorer::run::Run;
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, RngAlgorithm, TestRng, TestRunner};
use serde_json::{json, Map, Value};

/// What a fuzz target saw.
#[derive(Default)]
struct Counts {
    tried: Cell<u64>,
    refused: Cell<u64>,
    ran: Cell<u64>,
    /// Accepted, but larger than one fuzz case may train (counted, checked, not trained).
    large: Cell<u64>,
}

impl Counts {
    fn bump(c: &Cell<u64>) {
        c.set(c.get() + 1);
    }
    fn print(&self, what: &str, failed: u64) {
        println!(
            "fuzz {what}: tried {}, refused with a message {}, ran {}, accepted but too large to train here {}, failed {failed}",
            self.tried.get(),
            self.refused.get(),
            self.ran.get(),
            self.large.get()
        );
    }
}

/// A runner with a fixed seed: the same cases every time.
fn runner(cases: u32, seed: u8) -> TestRunner {
    let config = RunnerConfig {
        cases,
        failure_persistence: None,
        max_shrink_iters: 200,
        ..RunnerConfig::default()
    };
    TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]),
    )
}

/// Runs `check` on `cases` values of `strategy`; panics (failing the test) with the shrunk case.
fn fuzz<T: std::fmt::Debug>(
    what: &str,
    cases: u32,
    seed: u8,
    strategy: impl Strategy<Value = T>,
    counts: &Counts,
    check: impl Fn(T) -> Result<(), String>,
) {
    let mut r = runner(cases, seed);
    let result = r.run(&strategy, |v| {
        check(v).map_err(TestCaseError::fail)?;
        Ok(())
    });
    let failed = u64::from(result.is_err());
    counts.print(what, failed);
    if let Err(e) = result {
        panic!("fuzz {what}: {e}");
    }
}

// ----- values -----

/// Junk: values of every JSON type, and numbers at and past every edge.
fn junk() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop_oneof![
            Just(-1.0),
            Just(0.0),
            Just(-0.0),
            Just(1e300),
            Just(-1e-300),
            Just(f64::MAX),
            Just(0.5),
            Just(2.0f64.powi(53)),
        ]
        .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        (1usize..400).prop_map(|n| Value::from("é".repeat(n))),
        Just(json!([])),
        Just(json!({})),
        Just(json!([[1, 2], [3]])),
        Just(json!({"kind": "tree"})),
        prop::collection::vec(any::<u8>().prop_map(Value::from), 0..5).prop_map(Value::Array),
    ]
    .boxed()
}

/// A scalar of a field's range: mostly small and inside it, sometimes at or past an edge.
fn scalar(f: &Field) -> BoxedStrategy<Value> {
    match f.range {
        Range::Int { min, max } => {
            // Sizes stay small so that accepted configs train quickly; the edges are tried too.
            let hi = max.min(min + 8);
            prop_oneof![
                6 => (min..=hi).prop_map(Value::from),
                1 => prop_oneof![Just(min), Just(max), Just(max.saturating_add(1))]
                    .prop_map(Value::from),
                1 => junk(),
            ]
            .boxed()
        }
        Range::Real { min, max, .. } => prop_oneof![
            6 => (0.0f64..1.0).prop_map(move |u| Value::from(min + (max - min) * u * u * u)),
            1 => prop_oneof![Just(min), Just(max), Just(max * 1.5 + 1.0)].prop_map(Value::from),
            1 => junk(),
        ]
        .boxed(),
        Range::Any => junk(),
    }
}

fn option(f: &Field) -> BoxedStrategy<Value> {
    let names: Vec<Value> = f.options.iter().map(|o| Value::from(o.value)).collect();
    prop_oneof![6 => prop::sample::select(names), 1 => junk()].boxed()
}

fn name() -> BoxedStrategy<Value> {
    prop_oneof![
        "[a-z]{1,6}".prop_map(Value::from),
        ".{0,45}".prop_map(Value::from),
        Just(Value::from(" ")),
        junk(),
    ]
    .boxed()
}

/// A value of one field of the table: mostly well formed, sometimes junk.
fn field_value(f: &'static Field) -> BoxedStrategy<Value> {
    match f.kind {
        Kind::Number | Kind::Integer => scalar(f),
        Kind::Enum => option(f),
        Kind::Bool => prop_oneof![any::<bool>().prop_map(Value::from), junk()].boxed(),
        Kind::List => {
            let (lo, hi) = f.len;
            let n = lo..=hi.min(lo + 4);
            let list = match f.item {
                Some(Item::Enum) => prop::collection::vec(option(f), n)
                    .prop_map(Value::Array)
                    .boxed(),
                Some(Item::Text) => prop::collection::vec(name(), n)
                    .prop_map(Value::Array)
                    .boxed(),
                Some(Item::Row) => prop::collection::vec(
                    prop::collection::vec(
                        prop_oneof![(-3.0f64..3.0).prop_map(Value::from), junk()],
                        0..4,
                    )
                    .prop_map(Value::Array),
                    n,
                )
                .prop_map(Value::Array)
                .boxed(),
                Some(Item::Integer) | None => prop::collection::vec(scalar(f), n)
                    .prop_map(Value::Array)
                    .boxed(),
            };
            prop_oneof![6 => list, 1 => junk()].boxed()
        }
    }
}

fn nest(path: &str, value: Value) -> Value {
    path.rsplit('.').fold(value, |v, k| {
        let mut m = Map::new();
        m.insert(k.to_string(), v);
        Value::Object(m)
    })
}

fn merge(base: &mut Value, patch: Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(&k) {
                    Some(e) if e.is_object() && v.is_object() => merge(e, v),
                    _ => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, p) => *b = p,
    }
}

/// A config patch: a few fields of the table with values, sometimes an unknown key or a
/// section that is not an object.
fn config_patch() -> BoxedStrategy<Value> {
    let one = (0..FIELDS.len()).prop_flat_map(|i| {
        let f = &FIELDS[i];
        field_value(f).prop_map(move |v| nest(f.path, v))
    });
    let odd = prop_oneof![
        "[a-z_]{1,10}".prop_map(|k| json!({ k: 1 })),
        "[a-z_]{1,10}".prop_map(|k| json!({"train": { k: 1 }})),
        "[a-z_]{1,10}".prop_map(|k| json!({"dataset": {"kind": "tree", k: 1}})),
        junk().prop_map(|v| json!({ "network": v })),
        junk().prop_map(|v| json!({ "dataset": v })),
    ];
    (
        prop::collection::vec(one, 0..6),
        prop::option::weighted(0.15, odd),
    )
        .prop_map(|(parts, odd)| {
            let mut patch = json!({});
            for p in parts.into_iter().chain(odd) {
                merge(&mut patch, p);
            }
            patch
        })
        .boxed()
}

// ----- checks -----

/// Whether a refusal's field is a field: the whole config, a section or a path inside one (a
/// list entry adds `[i]`), or a key the patch itself holds (an unknown key is named as given).
fn names_a_field(field: &str, patch: &Value) -> bool {
    let base = field.split('[').next().unwrap_or("");
    base == "config"
        || ["dataset", "network", "init", "train", "sweep"]
            .iter()
            .any(|s| base == *s || base.starts_with(&format!("{s}.")))
        || base.split('.').try_fold(patch, |v, k| v.get(k)).is_some()
}

/// The cost of one step of a config, in multiply-adds (items × weights).
fn small_enough(cfg: &ValidConfig) -> bool {
    let dims = cfg.layer_dims();
    let weights: usize = dims.windows(2).map(|w| w[0] * w[1]).sum();
    let items = dims[0];
    weights * items <= 400_000 && *dims.last().unwrap() <= 512 && items <= 128
}

/// Trains one step of an accepted config; every number it reports must be finite.
fn one_step(cfg: &ValidConfig, counts: &Counts) -> Result<(), String> {
    if !small_enough(cfg) {
        Counts::bump(&counts.large);
        return Ok(());
    }
    let mut run = Run::new(cfg);
    run.advance(1);
    let s = run.state();
    Counts::bump(&counts.ran);
    if s.diverged {
        // A diverged run is reported with its message, not with numbers.
        return match s.message {
            Some(_) => Ok(()),
            None => Err("diverged without a message".into()),
        };
    }
    if !s.loss.is_finite() || s.modes.iter().any(|m| !m.is_finite()) {
        return Err(format!(
            "one step gave loss {} modes {:?} for {}",
            s.loss,
            s.modes,
            serde_json::to_string(cfg.config()).unwrap()
        ));
    }
    Ok(())
}

fn short(msg: &str) -> Result<(), String> {
    if msg.chars().count() > 600 {
        return Err(format!("a message of {} characters", msg.chars().count()));
    }
    Ok(())
}

// ----- targets -----

#[test]
fn config_patches_never_panic_refusals_name_a_field_and_accepted_configs_train() {
    let counts = Counts::default();
    fuzz("config JSON", 1000, 17, config_patch(), &counts, |patch| {
        Counts::bump(&counts.tried);
        match Config::default().merged(&patch) {
            Ok(cfg) => one_step(&cfg, &counts),
            Err(e) => {
                Counts::bump(&counts.refused);
                short(&e.to_string())?;
                if !names_a_field(&e.field, &patch) || e.message.is_empty() {
                    return Err(format!("the refusal {e:?} of {patch} names no field"));
                }
                Ok(())
            }
        }
    });
}

/// The keys a hash may hold: the field table's, the page's, the second network's, hide flags.
fn hash_keys() -> Vec<String> {
    let mut keys: Vec<String> = FIELDS.iter().map(|f| f.key.to_string()).collect();
    for k in [
        "t",
        "ill",
        "cat",
        "proj",
        "proj_item",
        "proj_feature",
        "flow",
        "twin",
        "twin_hidden",
        "twin_seed",
        "twin_init",
        "twin_scale",
        "twin_lambda",
        "panels",
        "embed",
        "preset",
        "allow_origin",
    ] {
        keys.push(k.to_string());
    }
    let hides: Vec<String> = keys.iter().take(8).map(|k| format!("{k}_hide")).collect();
    keys.extend(hides);
    keys
}

fn hash_value() -> BoxedStrategy<String> {
    prop_oneof![
        (0u64..3000).prop_map(|x| x.to_string()),
        (0.0f64..2.0).prop_map(|x| format!("{x}")),
        "[0-9]{1,3}(,[0-9]{1,3}){0,3}".boxed(),
        "[a-z_]{1,12}".boxed(),
        prop::sample::select(vec![
            "rm8",
            "toy4",
            "tree",
            "diffusion",
            "spectrum",
            "matrix",
            "relu",
            "tanh",
            "balanced",
            "lambda_balanced",
            "orthogonal",
            "illusion",
            "tree5",
            "pine,leaves",
            "1",
            "0",
            "loss,modes",
            "https://lab.example",
            "%",
            "%zz",
            "%E9",
            "a;b",
            "1;2,3",
            "",
            "-1",
            "1e999",
            "NaN",
        ])
        .prop_map(String::from),
        "[ -~]{0,20}".boxed(),
    ]
    .boxed()
}

fn hash_text() -> BoxedStrategy<String> {
    let keys = hash_keys();
    let pair = (
        prop_oneof![
            5 => prop::sample::select(keys),
            1 => "[ -~]{1,10}".boxed(),
        ],
        hash_value(),
        prop::sample::select(vec!["=", "=", "=", ""]),
    )
        .prop_map(|(k, v, eq)| format!("{k}{eq}{v}"));
    (
        prop::collection::vec(pair, 0..10),
        any::<bool>(),
        prop::option::weighted(0.3, 0usize..10),
    )
        .prop_map(|(pairs, hash, repeat)| {
            let mut pairs = pairs;
            // Repeat a key, as a hand-edited link does.
            if let (Some(i), false) = (repeat, pairs.is_empty()) {
                let p = pairs[i % pairs.len()].clone();
                pairs.push(p);
            }
            format!("{}{}", if hash { "#" } else { "" }, pairs.join("&"))
        })
        .boxed()
}

#[test]
fn hashes_never_panic_every_message_names_a_key_and_what_they_open_trains() {
    let counts = Counts::default();
    fuzz("URL hash", 1000, 23, hash_text(), &counts, |text| {
        Counts::bump(&counts.tried);
        let parsed = hash::parse(&text, &link_names());
        if !parsed.messages.is_empty() {
            Counts::bump(&counts.refused);
        }
        for m in &parsed.messages {
            short(m)?;
            let named = m.starts_with("ignored ")
                || m.contains(" appears ")
                || (m.starts_with("and ") && m.ends_with(" more"));
            if !named {
                return Err(format!("the message {m:?} of {text:?} names no key"));
            }
        }
        let cfg = parsed
            .state
            .config
            .clone()
            .validated()
            .map_err(|e| format!("{text:?} opened an invalid config: {e}"))?;
        // What a link opens writes a link that opens the same state.
        let again = hash::parse(&hash::write(&parsed.state), &link_names());
        if again.state != parsed.state {
            return Err(format!(
                "{text:?} does not survive state -> hash -> state: {:?}",
                hash::write(&parsed.state)
            ));
        }
        one_step(&cfg, &counts)
    });
}

fn csv_number() -> BoxedStrategy<String> {
    prop_oneof![
        6 => prop::sample::select(vec!["0", "1", "-1", "0.5", "2.5e-1", "-0", " 1 ", "1e6"]).prop_map(String::from),
        1 => (-5.0f64..5.0).prop_map(|x| format!("{x}")),
    ]
    .boxed()
}

/// Something that does not belong in a cell (or does, quoted).
fn csv_junk() -> BoxedStrategy<String> {
    prop_oneof![
        prop::sample::select(vec![
            "",
            "NaN",
            "inf",
            "1e7",
            "2,5",
            "\"a,b\"",
            "\"unclosed",
            "\"x\"y",
            "é☃",
            "a\"b",
            "\"\"",
        ])
        .prop_map(String::from),
        "[ -~]{0,8}".boxed(),
    ]
    .boxed()
}

/// A CSV grid: a corner and feature names, then one row per item (its name and numbers), with
/// now and then a junk cell, a ragged row, a byte-order mark or CRLF line ends.
fn csv_text() -> BoxedStrategy<String> {
    (1usize..7, 1usize..7)
        .prop_flat_map(|(rows, cols)| {
            (
                prop::collection::vec("[a-z]{1,6}", cols),
                prop::collection::vec(
                    ("[A-Z][a-z]{0,5}", prop::collection::vec(csv_number(), cols)),
                    rows,
                ),
                prop::option::weighted(0.4, (0..rows + 1, 0..cols + 1, csv_junk())),
                prop::option::weighted(0.1, 0..rows),
                prop::sample::select(vec![",", ",", ";", "\t"]),
                prop::sample::select(vec!["\n", "\r\n"]),
                any::<bool>(),
            )
        })
        .prop_map(|(features, items, junk, ragged, sep, eol, bom)| {
            let mut grid: Vec<Vec<String>> = vec![std::iter::once("item".to_string())
                .chain(features)
                .collect()];
            for (name, values) in items {
                grid.push(std::iter::once(name).chain(values).collect());
            }
            if let Some((r, c, j)) = junk {
                grid[r][c] = j;
            }
            if let Some(r) = ragged {
                grid[r + 1].pop();
            }
            // A decimal comma only with semicolons (as spreadsheets write it).
            let body: Vec<String> = grid.iter().map(|r| r.join(sep)).collect();
            format!(
                "{}{}{eol}",
                if bom { "\u{feff}" } else { "" },
                body.join(eol)
            )
        })
        .boxed()
}

#[test]
fn csv_text_never_panics_refusals_say_where_and_accepted_matrices_train() {
    let counts = Counts::default();
    fuzz("CSV", 800, 31, csv_text(), &counts, |text| {
        Counts::bump(&counts.tried);
        match parse_matrix(&text) {
            Err(e) => {
                Counts::bump(&counts.refused);
                short(&e.message)?;
                if e.message.is_empty() || (e.row.is_some() && !e.message.starts_with("row ")) {
                    return Err(format!("the refusal {e:?} of {text:?} does not say where"));
                }
                Ok(())
            }
            Ok(m) => {
                let patch = json!({"dataset": {"kind": "matrix", "items": m.items,
                    "feature_names": m.features, "values": m.values}});
                match Config::default().merged(&patch) {
                    Ok(cfg) => one_step(&cfg, &counts),
                    Err(e) if names_a_field(&e.field, &patch) => {
                        Counts::bump(&counts.refused);
                        Ok(())
                    }
                    Err(e) => Err(format!("{text:?}: the refusal {e} names no field")),
                }
            }
        }
    });
}

/// One call of the page's API with its argument, as the facade receives it.
#[derive(Clone, Debug)]
enum Call {
    SetConfig(Value),
    SetTwin(Value),
    SetView(Value),
    Step(u64),
    Svg(String, u32, u32),
    WriteHash(Value),
    Preset(String),
}

fn call() -> BoxedStrategy<Call> {
    let panel = prop_oneof![
        prop::sample::select(embed_panels()).prop_map(String::from),
        "[a-z]{0,8}".boxed(),
    ];
    let view = prop_oneof![
        (prop::option::of(0u64..20_000), prop::option::of(0usize..12))
            .prop_map(|(s, c)| { json!({"scrub": s, "category": c}) }),
        Just(json!({"illusion": {"item": "pine", "feature": "leaves"}})),
        Just(json!({"illusion": {"item": "nothing", "feature": "here"}})),
        Just(json!({"projection": {"kind": "item", "feature": "fly"}})),
        Just(json!({"projection": {"kind": "feature", "item": "zzz"}})),
        junk().prop_map(|v| json!({"scrub": v})),
        junk(),
    ];
    prop_oneof![
        3 => config_patch().prop_map(Call::SetConfig),
        1 => prop_oneof![
            Just(Value::Null),
            (1usize..40, 0u64..5).prop_map(|(h, s)| json!({"network": {"hidden": [h]}, "train": {"seed": s}})),
            config_patch(),
        ]
        .prop_map(Call::SetTwin),
        2 => view.prop_map(Call::SetView),
        2 => (0u64..300).prop_map(Call::Step),
        2 => (panel, 0u32..700, 0u32..500).prop_map(|(p, w, h)| Call::Svg(p, w, h)),
        1 => prop_oneof![
            junk(),
            Just(json!({"panels": ["loss", 3]})),
            Just(json!({"hide": "lr"})),
            Just(json!({"allow_origin": ["https://lab.example"], "embed": true})),
            config_patch().prop_map(|c| json!({"config": c})),
        ]
        .prop_map(Call::WriteHash),
        1 => prop_oneof![
            prop::sample::select(vec!["illusion", "tree5", "shallow_vs_deep", "typicality"]).prop_map(String::from),
            "[a-z_]{0,10}".boxed(),
        ]
        .prop_map(Call::Preset),
    ]
    .boxed()
}

/// Applies one call natively, as the facade (src/web/mod.rs) does; `Err` for a panic-free
/// answer that breaks a rule (a refusal that names nothing, a number that is not finite).
fn apply(
    session: &mut Session,
    view: &mut View,
    call: Call,
    counts: &Counts,
) -> Result<(), String> {
    Counts::bump(&counts.tried);
    match call {
        Call::SetConfig(patch) => match session.run().config().merged(&patch) {
            Ok(cfg) if small_enough(&cfg) => {
                session
                    .reconfigure(&cfg)
                    .map_err(|e| format!("reconfigure refused a checked config: {e}"))?;
                Counts::bump(&counts.ran);
            }
            Ok(_) => Counts::bump(&counts.large),
            Err(e) => {
                Counts::bump(&counts.refused);
                short(&e.to_string())?;
                if !names_a_field(&e.field, &patch) {
                    return Err(format!("setConfig's refusal {e} names no field"));
                }
            }
        },
        Call::SetTwin(patch) => {
            let patch = if patch.is_null() { None } else { Some(patch) };
            let small = patch.as_ref().is_none_or(|p| {
                session
                    .run()
                    .config()
                    .merged(p)
                    .is_ok_and(|c| small_enough(&c))
            });
            if small {
                match session.set_twin(patch) {
                    Ok(()) => Counts::bump(&counts.ran),
                    Err(e) => {
                        Counts::bump(&counts.refused);
                        short(&e.to_string())?;
                    }
                }
            } else {
                Counts::bump(&counts.large);
            }
        }
        Call::SetView(v) => match serde_path_to_error::deserialize::<_, View>(v) {
            Ok(v) => {
                *view = v;
                Counts::bump(&counts.ran);
            }
            Err(_) => Counts::bump(&counts.refused),
        },
        Call::Step(n) => {
            session.advance(n);
            let s = session.run().state();
            if !s.diverged && !s.loss.is_finite() {
                return Err(format!("after {n} steps the loss is {}", s.loss));
            }
            Counts::bump(&counts.ran);
        }
        Call::Svg(panel, w, h) => match charts::panel_svg(&panel, session, view, w, h) {
            Ok(svg) => {
                if !svg.starts_with("<svg") {
                    return Err(format!("svg({panel:?}) is not an SVG document"));
                }
                Counts::bump(&counts.ran);
            }
            Err(e) => {
                Counts::bump(&counts.refused);
                short(&e)?;
            }
        },
        Call::WriteHash(v) => match hash::write_json(&v) {
            Ok(h) => {
                hash::parse(&h, &link_names());
                Counts::bump(&counts.ran);
            }
            Err(e) => {
                Counts::bump(&counts.refused);
                short(&e)?;
            }
        },
        Call::Preset(id) => match dln_explorer::page::presets::preset(&id) {
            Some(p) => {
                let cfg = p.full_config().map_err(|e| format!("preset {id}: {e}"))?;
                session
                    .set_twin(None)
                    .and_then(|()| session.reconfigure(&cfg).map(|_| ()))
                    .and_then(|()| session.set_twin(p.twin.clone()))
                    .map_err(|e| format!("preset {id}: {e}"))?;
                *view = p.view.clone();
                Counts::bump(&counts.ran);
            }
            None => Counts::bump(&counts.refused),
        },
    }
    Ok(())
}

#[test]
fn sequences_of_api_calls_never_panic_and_keep_the_numbers_finite() {
    let counts = Counts::default();
    let calls = prop::collection::vec(call(), 1..8);
    fuzz("API calls", 120, 41, calls, &counts, |calls| {
        let mut session = Session::new(&ValidConfig::default());
        let mut view = View::default();
        for c in calls {
            apply(&mut session, &mut view, c, &counts)?;
        }
        Ok(())
    });
}
