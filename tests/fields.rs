//! The field table: every parameter declared once, and everything that reads it agrees with it.

use dln_explorer::config::fields::{self, Apply, Item, Kind, Range, FIELDS};
use dln_explorer::config::{Config, DatasetConfig, DatasetKind};
use dln_explorer::run::{Change, Run};
use serde_json::{json, Map, Value};

/// A JSON object with `value` at the dotted `path`.
fn nest(path: &str, value: Value) -> Value {
    path.rsplit('.').fold(value, |v, k| {
        let mut m = Map::new();
        m.insert(k.to_string(), v);
        Value::Object(m)
    })
}

/// The default config with the dataset a field belongs to (its first kind).
fn home_of(f: &fields::Field) -> Config {
    let mut cfg = Config::default();
    if let fields::When::Dataset(kinds) = f.when {
        cfg.dataset = DatasetConfig::default_of(kinds[0]);
    }
    if let fields::When::Init(kinds) = f.when {
        cfg.init.kind = kinds[0];
    }
    cfg
}

#[test]
fn keys_and_paths_are_unique_and_every_path_is_in_the_config_of_its_kind() {
    for (i, f) in FIELDS.iter().enumerate() {
        assert!(
            FIELDS[..i]
                .iter()
                .all(|g| g.key != f.key && g.path != f.path),
            "{} or {} twice",
            f.key,
            f.path
        );
        assert!(!f.help.is_empty() && !f.label.is_empty(), "{}", f.key);
        let v = serde_json::to_value(home_of(f)).unwrap();
        assert!(
            fields::get(&v, f.path).is_some(),
            "{} is not in the config",
            f.path
        );
        assert_eq!(fields::by_key(f.key).map(|g| g.path), Some(f.path));
    }
    // ...and every value of the default config (of every dataset kind) has a row.
    for kind in DatasetKind::ALL {
        let cfg = Config {
            dataset: DatasetConfig::default_of(*kind),
            ..Config::default()
        };
        let v = serde_json::to_value(cfg).unwrap();
        for (section, fields_of) in v.as_object().unwrap() {
            for key in fields_of.as_object().unwrap().keys() {
                let path = format!("{section}.{key}");
                assert!(
                    fields::by_path(&path).is_some(),
                    "{path} has no row in FIELDS"
                );
            }
        }
    }
}

#[test]
fn every_dataset_kind_has_a_menu_option_and_every_option_is_a_kind_the_config_reads() {
    let menu = fields::by_key("dataset").unwrap().options;
    assert_eq!(menu.len(), DatasetKind::ALL.len());
    for (kind, option) in DatasetKind::ALL.iter().zip(menu) {
        assert_eq!(option.value, kind.name());
        assert!(!option.label.is_empty() && !option.help.is_empty());
        let d = DatasetConfig::default_of(*kind);
        assert_eq!(d.kind(), *kind);
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["kind"], option.value);
        let cfg = Config::default()
            .merged(&json!({ "dataset": json }))
            .unwrap_or_else(|e| panic!("{}: {e}", option.value));
        assert_eq!(cfg.dataset.kind(), *kind);
    }
    assert!(
        menu.iter().any(|o| o.value == "spectrum"),
        "the depth presets' dataset"
    );
}

#[test]
fn every_option_of_every_choice_deserialises_into_its_field() {
    for f in FIELDS {
        let list = f.kind == Kind::List && f.item == Some(Item::Enum);
        if f.kind != Kind::Enum && !list {
            continue;
        }
        assert!(!f.options.is_empty(), "{}", f.key);
        for o in f.options {
            if f.key == "dataset" {
                continue; // every kind has its own required settings: the test above
            }
            let value = if list {
                json!([o.value])
            } else {
                json!(o.value)
            };
            let cfg = home_of(f)
                .merged(&nest(f.path, value.clone()))
                .or_else(|_| {
                    // lambda_balanced needs exactly one hidden layer (the default has one)
                    Config::default().merged(&nest(f.path, value.clone()))
                })
                .unwrap_or_else(|e| panic!("{} = {}: {e}", f.path, o.value));
            let back = serde_json::to_value(cfg.config()).unwrap();
            assert_eq!(fields::get(&back, f.path), Some(&value), "{}", f.path);
        }
        let err = home_of(f)
            .merged(&nest(
                f.path,
                if list {
                    json!(["nonsense"])
                } else {
                    json!("nonsense")
                },
            ))
            .unwrap_err();
        assert!(err.field.starts_with(f.path), "{err}");
        for o in f.options {
            assert!(err.message.contains(o.value), "{err} lists {}", o.value);
        }
    }
}

#[test]
fn every_range_accepts_its_bounds_and_refuses_the_values_just_outside() {
    for f in FIELDS {
        let wrap = |v: Value| {
            if f.kind == Kind::List {
                if f.item == Some(Item::Row) {
                    json!([[v]])
                } else {
                    json!([v])
                }
            } else {
                v
            }
        };
        let at = |x: Value| f.check(&wrap(x));
        match f.range {
            Range::Any => {}
            Range::Int { min, max } => {
                assert!(
                    at(json!(min)).is_ok() && at(json!(max)).is_ok(),
                    "{}",
                    f.path
                );
                let err = at(json!(max + 1)).unwrap_err();
                assert!(err.field.starts_with(f.path), "{err}");
                assert!(err.message.contains(&max.to_string()), "{err}");
                if min > 0 {
                    assert!(at(json!(min - 1)).is_err(), "{}", f.path);
                }
                assert!(
                    at(json!(1.5)).is_err() && at(json!("x")).is_err(),
                    "{}",
                    f.path
                );
            }
            Range::Real { min, max, open_min } => {
                assert!(at(json!(max)).is_ok(), "{}", f.path);
                assert_eq!(at(json!(min)).is_ok(), !open_min, "{}", f.path);
                assert!(at(json!(max * (1.0 + 1e-9) + 1e-12)).is_err(), "{}", f.path);
                assert!(
                    at(json!(min - min.abs().max(1e-9) * 1e-3)).is_err(),
                    "{}",
                    f.path
                );
                let err = at(json!("x")).unwrap_err();
                assert!(err.field.starts_with(f.path), "{err}");
            }
        }
        if f.kind == Kind::List {
            let (_, hi) = f.len;
            let too_many = Value::Array(vec![json!(1); hi + 1]);
            let err = f.check(&too_many).unwrap_err();
            assert_eq!(err.field, f.path, "{err}");
            assert!(err.message.contains(&hi.to_string()), "{err}");
        }
    }
}

#[test]
fn the_schema_has_one_entry_per_field_with_what_a_control_needs() {
    let schema = fields::schema();
    let rows = schema.as_array().unwrap();
    assert_eq!(rows.len(), FIELDS.len());
    for (row, f) in rows.iter().zip(FIELDS) {
        assert_eq!(row["key"], f.key);
        assert_eq!(row["path"], f.path);
        let kind = row["kind"].as_str().unwrap();
        assert!(
            ["number", "integer", "enum", "list", "bool"].contains(&kind),
            "{kind}"
        );
        assert_eq!(row["options"].as_array().unwrap().len(), f.options.len());
        for key in ["min", "max", "log", "live", "help"] {
            assert!(row.get(key).is_some(), "{} lacks {key}", f.key);
        }
    }
    let lr = rows.iter().find(|r| r["key"] == "lr").unwrap();
    assert_eq!(lr["path"], "train.lr");
    assert_eq!(
        (lr["min"].as_f64(), lr["max"].as_f64()),
        (Some(0.0), Some(1000.0))
    );
    assert_eq!(lr["log"], true);
    assert_eq!(lr["live"], true);
    let hidden = rows.iter().find(|r| r["key"] == "hidden").unwrap();
    assert_eq!(
        hidden["length"],
        json!([0, 32]),
        "as many layers as Rust allows"
    );
    assert_eq!(hidden["max"], 1024, "as wide as Rust allows");
    let branching = rows.iter().find(|r| r["key"] == "branching").unwrap();
    assert_eq!(
        branching["when"],
        json!({"key": "dataset", "values": ["tree", "diffusion"]})
    );
}

#[test]
fn a_change_applies_live_or_restarts_the_run_as_the_table_says() {
    let start = Config::default().validated().unwrap();
    let cases = [
        (json!({"train": {"lr": 0.003}}), "lr"),
        (json!({"train": {"steps": 9000}}), "steps"),
        (json!({"train": {"seed": 4}}), "seed"),
        (json!({"train": {"record_every": 5}}), "every"),
        (json!({"network": {"hidden": [8]}}), "hidden"),
        (json!({"network": {"activation": "tanh"}}), "act"),
        (json!({"init": {"scale": 0.01}}), "scale"),
        (json!({"dataset": {"kind": "toy4"}}), "dataset"),
        (json!({"sweep": {"width": 8}}), "sw_width"),
    ];
    for (patch, key) in cases {
        let f = fields::by_key(key).unwrap();
        let mut run = Run::new(&start);
        run.advance(10);
        let change = run.reconfigure(&start.merged(&patch).unwrap());
        match (f.apply, &change) {
            (Apply::Live, Change::Live) | (Apply::Apart, Change::None) => {
                assert_eq!(run.step_count(), 10, "{key} keeps the run going")
            }
            (Apply::Restart, Change::Reset(why)) => {
                assert!(why.contains(&f.label.to_lowercase()), "{key}: {why}");
                assert_eq!(run.step_count(), 0, "{key} restarts");
            }
            other => panic!("{key}: {other:?}"),
        }
    }
}

#[test]
fn old_configs_that_say_features_still_read() {
    let cfg = Config::default()
        .merged(&json!({"dataset": {"kind": "diffusion", "features": 50}}))
        .unwrap();
    assert!(matches!(
        cfg.dataset,
        DatasetConfig::Diffusion {
            feature_count: 50,
            ..
        }
    ));
    let cfg = Config::default()
        .merged(
            &json!({"dataset": {"kind": "matrix", "items": ["a"], "features": ["x", "y"],
            "values": [[1.0, 0.0]]}}),
        )
        .unwrap();
    let DatasetConfig::Matrix { feature_names, .. } = &cfg.dataset else {
        panic!("a matrix");
    };
    assert_eq!(feature_names, &["x", "y"]);
    let written = serde_json::to_value(cfg.config()).unwrap();
    assert_eq!(written["dataset"]["feature_names"], json!(["x", "y"]));
    assert!(written["dataset"].get("features").is_none());
}

#[test]
fn dln_example_notes_name_every_field_with_its_key() {
    let notes = fields::notes();
    for f in FIELDS {
        assert!(
            notes.contains(f.path) && notes.contains(&format!("[{}]", f.key)),
            "{}",
            f.path
        );
    }
}

/// The table under `## Fields` in docs/config.md.
fn readme_table() -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/config.md")).unwrap();
    let section = readme
        .split("\n## Fields\n")
        .nth(1)
        .expect("a Fields section");
    let mut out = String::new();
    for line in section.lines().skip_while(|l| !l.starts_with('|')) {
        if !line.starts_with('|') {
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[test]
fn the_documented_configuration_table_matches_the_field_table() {
    let want = fields::markdown_table();
    let have = readme_table();
    assert!(
        have == want,
        "docs/config.md's configuration table differs from the field table; replace it with:\n\n{want}"
    );
}

#[test]
fn the_synthetic_task_the_sweep_builds_itself_passes_the_table() {
    let cfg = Config {
        dataset: DatasetConfig::synthetic(),
        ..Config::default()
    };
    cfg.validated()
        .expect("the sweep's own dataset is in range");
}

#[test]
fn a_patch_that_says_features_changes_the_matrix_it_is_merged_onto() {
    let matrix = Config::default()
        .merged(
            &json!({"dataset": {"kind": "matrix", "items": ["a"], "feature_names": ["x"],
            "values": [[1.0]]}}),
        )
        .unwrap();
    let cfg = matrix
        .merged(
            &json!({"dataset": {"kind": "matrix", "features": ["x", "y"], "values": [[1.0, 2.0]]}}),
        )
        .unwrap();
    let DatasetConfig::Matrix { feature_names, .. } = &cfg.dataset else {
        panic!("a matrix");
    };
    assert_eq!(feature_names, &["x", "y"]);
    let diffusion = Config::default()
        .merged(&json!({"dataset": {"kind": "diffusion"}}))
        .unwrap()
        .merged(&json!({"dataset": {"features": 7}}))
        .unwrap();
    assert!(matches!(
        diffusion.dataset,
        DatasetConfig::Diffusion {
            feature_count: 7,
            ..
        }
    ));
}

#[test]
fn a_number_whose_menu_offers_values_offers_only_values_inside_its_range() {
    let menus: Vec<_> = FIELDS
        .iter()
        .filter(|f| matches!(f.kind, Kind::Number | Kind::Integer) && !f.options.is_empty())
        .collect();
    assert!(
        menus.iter().any(|f| f.key == "sw_u0"),
        "the balanced start's u₀ menu comes from the table"
    );
    for f in menus {
        for o in f.options {
            let v: f64 = o
                .value
                .parse()
                .unwrap_or_else(|_| panic!("{}: {:?} is not a number", f.key, o.value));
            f.check(&json!(v))
                .unwrap_or_else(|e| panic!("{}: {} is refused: {e}", f.key, o.value));
            assert!(o.label.starts_with(o.value), "{}: {:?}", f.key, o.label);
        }
    }
}
