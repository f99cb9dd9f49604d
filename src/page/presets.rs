//! Named starting points that reproduce a phenomenon, each with a one-line caption saying what
//! to look for. A preset is a partial config applied to the defaults, an optional second
//! network, the view of the semantic panels and the panel to look at first.

use serde::Serialize;
use serde_json::{json, Value};

use crate::config::{depths_up_to, Config, ConfigError, DatasetConfig, ValidConfig};
use crate::page::view::{Pick, Projection, ProjectionKind, View};

/// rm8's largest singular value: the recipes use `lr = 0.01 / s_max` (tau = 632 steps).
const RM8_S_MAX: f64 = 6.320_606_924_810_471;

#[derive(Clone, Debug, Serialize)]
pub struct Preset {
    pub id: &'static str,
    pub title: &'static str,
    pub caption: &'static str,
    /// What to do first with this preset, shown in the notice when it is loaded (Play for a
    /// run, Run sweep for the depth sweep, the slider for a demo).
    pub action: &'static str,
    /// Partial config applied to the defaults.
    pub config: Value,
    /// Partial config of a second network, if the preset has one.
    pub twin: Option<Value>,
    pub view: View,
    /// The panel to bring into view.
    pub focus: &'static str,
}

impl Preset {
    /// The complete config of this preset.
    pub fn full_config(&self) -> Result<ValidConfig, ConfigError> {
        Config::default().merged(&self.config)
    }
}

/// The rm8 recipe of docs/theory.md §2.4: N_h = 16, small random start with u0 = N_h sigma^2 / 2 = 1e-6,
/// lr = 0.01 / s_max, 8311 steps.
fn rm8_recipe() -> Value {
    json!({
        "dataset": {"kind": "rm8"},
        "network": {"hidden": [16]},
        "init": {"kind": "small_gaussian", "scale": (2e-6f64 / 16.0).sqrt()},
        "train": {"lr": 0.01 / RM8_S_MAX, "steps": 8311, "record_every": 10, "seed": 1}
    })
}

/// The Neuromatch Academy W1D2 tutorial 3 setup as written (docs/theory.md §2.2 C, §9.2): 8 items
/// of a binary tree of 3 levels, 10,000 ±1 features by branching diffusion (flip 0.15 on every
/// branch, the root ±1 at random, i.e. root flip 0.5) plus its has_bones feature, 30 hidden units,
/// per-layer std γ/√(n_in + n_out) with γ = 1e-12, PyTorch's mean loss at lr 100, 250 epochs
/// (full-batch steps).
pub fn neuromatch_recipe() -> Value {
    json!({
        "dataset": {"kind": "diffusion", "branching": 2, "levels": 3, "feature_count": 10000,
                    "flip": 0.15, "seed": 1, "extra": "has_bones"},
        "network": {"hidden": [30]},
        "init": {"kind": "small_gaussian", "scale": 1e-12, "rule": "xavier_gamma"},
        "train": {"lr": 100.0, "loss": "mean", "steps": 250, "record_every": 1, "seed": 1}
    })
}

/// The synthetic task of docs/theory.md §6.5 ([`DatasetConfig::synthetic`]) as a partial config.
fn spectrum() -> Value {
    serde_json::to_value(DatasetConfig::synthetic()).unwrap_or(Value::Null)
}

/// Every preset, in menu order.
pub fn presets() -> Vec<Preset> {
    vec![
        Preset {
            id: "differentiation",
            title: "Progressive differentiation (rm8)",
            caption: "Press Play and watch the map: plants split from animals first, then birds from fish and trees from flowers, then individual items, each split a stage-like transition.",
            action: "Press Play and watch the Progressive differentiation map.",
            config: rm8_recipe(),
            twin: None,
            view: View::default(),
            focus: "mds",
        },
        Preset {
            id: "illusion",
            title: "Semantic illusion: pine has leaves",
            caption: "Pine has no leaves, but early on the network says it does (plants do), peaking near 0.67 around step 1350 before the tree/flower and pine/oak modes take it back.",
            action: "Press Play and watch the Semantic illusions chart: the pine “leaves” output rises, then falls back.",
            config: rm8_recipe(),
            twin: None,
            view: View {
                illusion: Some(Pick {
                    item: "pine".into(),
                    feature: "leaves".into(),
                }),
                ..View::default()
            },
            focus: "illusion",
        },
        Preset {
            id: "tree5",
            title: "Five-level tree, SMG14 Fig 3",
            caption: "32 items whose 1000 features come from a branching diffusion on a five-level binary tree: modes of the same level are learned together, finer levels later, each after a plateau; simulation (solid) against eq. 12 (dashed).",
            action: "Press Play and watch the Mode strengths come in level by level.",
            config: json!({
                "dataset": {"kind": "diffusion", "branching": 2, "levels": 5, "features": 1000, "flip": 0.1, "seed": 1},
                "network": {"hidden": [32]},
                "init": {"kind": "small_gaussian", "scale": 2.5e-4},
                "train": {"lr": 0.5e-3, "steps": 2500, "record_every": 5, "seed": 1}
            }),
            twin: None,
            view: View::default(),
            focus: "modes",
        },
        Preset {
            id: "typicality",
            title: "Typicality",
            caption: "Within a category, items with larger object-analyzer entries are more typical: the category's mode adds to each item's output in proportion to its entry, so with one threshold for all the typical items cross it first (compare canary with robin).",
            action: "Press Play and watch the Typicality chart: the typical items cross the threshold first.",
            config: rm8_recipe(),
            twin: None,
            view: View {
                category: Some(3),
                ..View::default()
            },
            focus: "typicality",
        },
        Preset {
            id: "coherence",
            title: "Coherence",
            caption: "A category hidden in noise gets its own mode only when its coherence exceeds 1 (the BBP threshold): move the slider across C = 1.",
            action: "Move the slider under Category coherence across C = 1; no need to press Play.",
            config: rm8_recipe(),
            twin: None,
            view: View::default(),
            focus: "coherence",
        },
        Preset {
            id: "shallow_vs_deep",
            title: "Shallow vs deep",
            caption: "The deep network (solid) learns its modes in stages, strongest first, after plateaus; the shallow one (faint, same colours) learns every mode at once, exponentially, with no plateau.",
            action: "Press Play and compare the solid (deep) and faint (shallow) curves of Mode strengths.",
            config: rm8_recipe(),
            twin: Some(json!({"network": {"hidden": []}})),
            view: View::default(),
            focus: "modes",
        },
        Preset {
            id: "species",
            title: "Same world, different brains",
            caption: "A second network of another width and seed learns the same items: its similarity matrix matches the first one's (correlation near 1). Tick 'large initial weights' to see the agreement break.",
            action: "Press Play and watch the two similarity matrices of Representational similarity agree.",
            config: rm8_recipe(),
            twin: Some(json!({"network": {"hidden": [40]}, "train": {"seed": 2}})),
            view: View {
                projection: Projection {
                    kind: ProjectionKind::Feature,
                    ..Projection::default()
                },
                ..View::default()
            },
            focus: "rsm",
        },
        Preset {
            id: "depth_fig6a",
            title: "Depth: Gaussian vs orthogonal (SMG14 Fig 6A)",
            caption: "Press Run in the depth-sweep panel: with the learning rate falling as 1/depth, random orthogonal starts learn in about 8 steps at every depth (dynamical isometry), scaled Gaussian ones (std 1/√fan-in) take longer and longer and miss the 2000-step limit beyond depth 8, small Gaussian ones beyond depth 3, and layer-wise pretraining stays in between.",
            action: "Press Run sweep in the Learning time against depth panel.",
            config: json!({
                "dataset": spectrum(),
                "network": {"hidden": [32], "activation": "linear"},
                "init": {"kind": "orthogonal", "scale": 1.0},
                "train": {"lr": 0.2, "steps": 200, "record_every": 1, "seed": 1},
                "sweep": {"depths": depths_up_to(32), "threshold": 0.01,
                          "max_steps": 2000, "lr": "inverse_depth",
                          "inits": ["small_gaussian", "scaled_gaussian", "orthogonal", "pretrained"]}
            }),
            twin: None,
            view: View::default(),
            focus: "sweep",
        },
        Preset {
            id: "infinite_depth",
            title: "Finite learning time at infinite depth",
            caption: "A 10-layer network from a balanced start learns every mode in a few hundred steps, on the exact theory (dashed). Press Run in the depth-sweep panel: with the learning rate scaled as 1/depth, the balanced start's learning time grows at first, then levels off near 1900 steps however deep the network (64 layers included), as the exact solution says; orthogonal starts take about 35 steps at every depth.",
            action: "Press Play for the 10-layer run, then Run sweep in the Learning time against depth panel.",
            config: json!({
                "dataset": spectrum(),
                "network": {"hidden": vec![32; 9], "activation": "linear"},
                "init": {"kind": "balanced", "scale": 0.01},
                "train": {"lr": 0.04, "steps": 400, "record_every": 2, "seed": 1},
                "sweep": {"depths": depths_up_to(64), "threshold": 0.01,
                          "max_steps": 4000, "lr": "inverse_depth",
                          "inits": ["balanced", "orthogonal"], "balanced_u0": 0.01}
            }),
            twin: None,
            view: View::default(),
            focus: "modes",
        },
        Preset {
            id: "neuromatch",
            title: "Neuromatch W1D2 tutorial 3",
            caption: "The Neuromatch Academy W1D2 tutorial 3 as written: 8 items, 10,000 ±1 features by branching diffusion plus has_bones, 30 hidden units, per-layer std γ/√(n_in + n_out) with γ = 10⁻¹², PyTorch's mean loss at lr 100, 250 epochs. Shark's has_bones output swings to +0.47 near epoch 124 (the approximate theory: +0.47 at 123) before it settles at −1: the network first treats Shark as a fish, with bones.",
            action: "Press Play and watch the Semantic illusions chart: Shark's has_bones output rises with the other animals', then falls back to −1.",
            config: neuromatch_recipe(),
            twin: None,
            view: View {
                illusion: Some(Pick {
                    item: "Shark".into(),
                    feature: "has_bones".into(),
                }),
                ..View::default()
            },
            focus: "illusion",
        },
        Preset {
            id: "edge_of_chaos",
            title: "Edge of chaos (tanh, g = 1)",
            caption: "A 10-layer tanh network with random orthogonal weights at gain g = 1, the edge of chaos (SMG14 section 4): signals neither die out nor blow up on their way through the layers, and every mode is learned within a few hundred steps. Set the gain g to 0.5 and the network barely moves in 3000 steps; at g = 3 it starts far off and settles more slowly.",
            action: "Press Play, then set the gain g to 0.5 or 3 and play again.",
            config: json!({
                "dataset": {"kind": "rm8"},
                "network": {"hidden": vec![32; 9], "activation": "tanh"},
                "init": {"kind": "orthogonal", "scale": 1.0},
                "train": {"lr": 0.002, "steps": 3000, "record_every": 5, "seed": 1}
            }),
            twin: None,
            view: View::default(),
            focus: "modes",
        },
    ]
}

/// The preset with this id.
pub fn preset(id: &str) -> Option<Preset> {
    presets().into_iter().find(|p| p.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_has_a_valid_config_and_twin() {
        for p in presets() {
            let cfg = p.full_config().unwrap_or_else(|e| panic!("{}: {e}", p.id));
            if let Some(t) = &p.twin {
                cfg.merged(t)
                    .unwrap_or_else(|e| panic!("{} twin: {e}", p.id));
            }
            assert!(!p.caption.is_empty());
        }
    }

    #[test]
    fn every_preset_says_what_to_do_first_run_sweep_for_a_sweep_and_the_slider_for_coherence() {
        for p in presets() {
            assert!(p.action.ends_with('.'), "{}: {:?}", p.id, p.action);
            if p.focus == "sweep" || p.config.get("sweep").is_some() {
                assert!(p.action.contains("Run sweep"), "{}: {:?}", p.id, p.action);
            } else if p.id == "coherence" {
                assert!(p.action.contains("slider"), "{}: {:?}", p.id, p.action);
            } else {
                assert!(
                    p.action.starts_with("Press Play"),
                    "{}: {:?}",
                    p.id,
                    p.action
                );
            }
        }
    }
}
