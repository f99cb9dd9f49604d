//! Messages stay short and exact: echoed values are clipped, every refusal names the full path
//! of its field, and a run that ends with dead relu units says so.

use dln_explorer::config::Config;
use dln_explorer::run::Run;
use serde_json::json;

#[test]
fn an_unknown_key_of_a_megabyte_is_named_in_under_three_hundred_characters() {
    let key = "q".repeat(1 << 20);
    let e = Config::default()
        .merged(&json!({"train": {key.clone(): 1}}))
        .unwrap_err();
    let text = e.to_string();
    assert!(text.chars().count() < 300, "{} characters", text.len());
    assert!(text.starts_with("train."), "{}", &text[..100]);
    assert!(text.contains('…'));
}

#[test]
fn a_long_wrong_value_is_echoed_clipped() {
    let value = "x".repeat(100_000);
    let e = Config::default()
        .merged(&json!({"network": {"activation": value}}))
        .unwrap_err();
    assert_eq!(e.field, "network.activation");
    assert!(e.message.chars().count() < 200, "{}", e.message.len());
    let e = Config::default()
        .merged(&json!({"dataset": {"kind": "matrix", "items": [value], "feature_names": ["a"], "values": [[1]]}}))
        .unwrap_err();
    assert_eq!(e.field, "dataset.items[0]");
    assert!(e.message.chars().count() < 200, "{}", e.message.len());
}

#[test]
fn an_unknown_setting_inside_the_dataset_is_named_by_its_full_path() {
    let e = Config::default()
        .merged(&json!({"dataset": {"kind": "tree", "brnching": 3}}))
        .unwrap_err();
    assert_eq!(e.field, "dataset.brnching");
    assert!(
        e.message.contains("branching, kind, levels"),
        "{}",
        e.message
    );
    let e = Config::default()
        .merged(&json!({"dataset": {"kind": "matrix", "items": ["a"], "values": [[1]]}}))
        .unwrap_err();
    assert_eq!(e.field, "dataset.feature_names");
    // The old name of a setting is still read.
    let ok = Config::default()
        .merged(&json!({"dataset": {"kind": "diffusion", "features": 12}}))
        .unwrap();
    assert_eq!(
        serde_json::to_value(&ok.dataset).unwrap()["feature_count"],
        json!(12)
    );
}

#[test]
fn an_unknown_key_in_a_section_is_named_with_its_section() {
    let e = Config::default()
        .merged(&json!({"sweep": {"widht": 3}}))
        .unwrap_err();
    assert!(e.field.starts_with("sweep"), "{e}");
    assert!(e.to_string().contains("widht"), "{e}");
}

fn relu_run(lr: f64) -> Run {
    let cfg = Config::default()
        .merged(&json!({
            "network": {"hidden": [16], "activation": "relu"},
            "train": {"lr": lr, "steps": 400, "record_every": 50}
        }))
        .unwrap();
    let mut run = Run::new(&cfg);
    run.advance(400);
    run
}

#[test]
fn a_relu_network_whose_units_all_died_says_so_when_the_run_ends() {
    // At lr 1 every unit dies in the first steps and the run "finishes" at the loss of zero
    // weights, 1/2 ||Y||^2 = 44 on rm8.
    let state = relu_run(1.0).state();
    assert!(state.finished);
    assert_eq!(state.loss, 44.0);
    let note = state.note.expect("a note on the dead units");
    assert!(
        note.starts_with("16 of 16 hidden units are dead (never active on any item)."),
        "{note}"
    );
}

#[test]
fn a_relu_network_that_lost_some_units_says_how_many() {
    let state = relu_run(0.05).state();
    assert!(state.finished);
    let note = state.note.expect("a note on the dead units");
    let dead: usize = note.split(' ').next().unwrap().parse().unwrap();
    assert!((1..16).contains(&dead), "{note}");
    assert!(note.ends_with("of 16 hidden units are dead (never active on any item)."));
}

#[test]
fn a_healthy_run_ends_without_a_note() {
    let cfg = Config::default()
        .merged(&json!({"train": {"steps": 50}}))
        .unwrap();
    let mut run = Run::new(&cfg);
    run.advance(50);
    assert!(run.state().finished);
    assert_eq!(run.state().note, None);
}
