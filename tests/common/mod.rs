// Helpers shared by the integration tests.
#![allow(dead_code)]

use dln_explorer::config::{Config, ValidConfig};
use serde_json::json;

/// A config from the defaults with a JSON patch applied.
pub fn config(patch: serde_json::Value) -> ValidConfig {
    Config::default()
        .merged(&patch)
        .expect("test configs are valid")
}

/// A balanced (decoupled) config on rm8 with the given hidden layers, u0 and learning rate.
pub fn balanced(hidden: &[usize], u0: f64, lr: f64, steps: u64) -> ValidConfig {
    config(json!({
        "network": {"hidden": hidden},
        "init": {"kind": "balanced", "scale": u0},
        "train": {"lr": lr, "steps": steps, "record_every": 10}
    }))
}
