//! Messages stay short and exact: echoed values are clipped, every refusal names the full path
//! of its field.

use dln_explorer::config::Config;
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
    assert!(e.message.contains("branching, kind, levels"), "{}", e.message);
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
