//! The chapter's experiments as ready configurations, each with the sentence that says what to
//! look for. Plain data: the page registers them with its preset list.

/// A preset of the chapter.
#[derive(Clone, Copy, Debug)]
pub struct Preset {
    pub name: &'static str,
    pub title: &'static str,
    /// What the preset shows, in one sentence.
    pub caption: &'static str,
    /// The configuration, JSON (a task sequence, or `{"lazy_rich": {...}}`).
    pub config: &'static str,
}

/// The bird schema of rm8: the features the robin and the canary share.
pub const BIRD_SCHEMA: &str =
    r#"["animal", "bird", "living", "grow", "move", "fly", "skin", "legs", "wings", "feathers"]"#;

pub const PRESETS: &[Preset] = &[
    Preset {
        name: "prior_rotate",
        title: "Rotate the task",
        caption: "Task B is task A rotated by θ = 150°: from A's weights the loss on B falls in about 1.1 τ while A is forgotten, down to (1 − cos θ)·tr(Σ_A²) = 18.7; the closer θ is to 180°, the longer B takes (sweep the angle).",
        config: r#"{
  "network": {"hidden": [2]},
  "init": {"kind": "learned"},
  "train": {"lr": 0.01, "record_every": 2},
  "tasks": [
    {"name": "A", "dataset": {"kind": "matrix", "items": ["x1", "x2"], "features": ["y1", "y2"], "values": [[3, 0], [0, 1]]}, "steps": 100},
    {"name": "B", "edit": {"kind": "rotate", "degrees": 150}, "steps": 600}
  ],
  "sweep": {"over": "similarity", "angles": [0, 15, 30, 45, 60, 75, 90, 105, 120, 135, 150, 165, 170, 175, 179]}
}"#,
    },
    Preset {
        name: "prior_reverse",
        title: "Reverse a mode",
        caption: "Task B reverses A's weaker mode: from A's balanced weights its strength decays to zero and stays there, a saddle, so the loss on B never falls below 0.5.",
        config: r#"{
  "network": {"hidden": [2]},
  "init": {"kind": "learned"},
  "train": {"lr": 0.01, "record_every": 2},
  "tasks": [
    {"name": "A", "dataset": {"kind": "matrix", "items": ["x1", "x2"], "features": ["y1", "y2"], "values": [[3, 0], [0, 1]]}, "steps": 100},
    {"name": "B", "edit": {"kind": "reverse_mode", "mode": 2}, "steps": 600}
  ]
}"#,
    },
    Preset {
        name: "prior_reverse_lambda",
        title: "Reverse a mode, unbalanced layers",
        caption: "The same reversal from weights with W₂ᵀW₂ − W₁W₁ᵀ = 0.5·I: the mode goes round the saddle instead of into it and B is learned, its loss from 2 to below 0.001 by 3 τ.",
        config: r#"{
  "network": {"hidden": [2]},
  "init": {"kind": "learned", "lambda": 0.5},
  "train": {"lr": 0.01, "record_every": 2},
  "tasks": [
    {"name": "A", "dataset": {"kind": "matrix", "items": ["x1", "x2"], "features": ["y1", "y2"], "values": [[3, 0], [0, 1]]}, "steps": 100},
    {"name": "B", "edit": {"kind": "reverse_mode", "mode": 2}, "steps": 600}
  ]
}"#,
    },
    Preset {
        name: "prior_revise",
        title: "Revise a fact",
        caption: "A penguin joins as a bird in every feature but one, it cannot fly: that one cell is what the old items do not predict, and learning it disturbs the old items twice as much as a sparrow that fits the schema.",
        config: r#"{
  "network": {"hidden": [16]},
  "init": {"kind": "learned"},
  "train": {"lr": 0.005, "record_every": 5},
  "tasks": [
    {"name": "rm8", "dataset": {"kind": "rm8"}, "steps": 100},
    {"name": "penguin", "edit": {"kind": "add_item", "name": "penguin", "features": ["animal", "bird", "living", "grow", "move", "fly", "skin", "legs", "wings", "feathers"], "set": {"fly": 0}}, "steps": 3000}
  ]
}"#,
    },
    Preset {
        name: "prior_schema_item",
        title: "A new item that fits the schema",
        caption: "A sparrow with exactly the birds' shared features is half learned within 0.1 τ through its new input weights, because the old items already predict nine tenths of it, and the eight old items are hardly disturbed.",
        config: r#"{
  "network": {"hidden": [16]},
  "init": {"kind": "learned"},
  "train": {"lr": 0.005, "record_every": 5},
  "tasks": [
    {"name": "rm8", "dataset": {"kind": "rm8"}, "steps": 100},
    {"name": "sparrow", "edit": {"kind": "add_item", "name": "sparrow", "features": ["animal", "bird", "living", "grow", "move", "fly", "skin", "legs", "wings", "feathers"]}, "steps": 3000}
  ]
}"#,
    },
    Preset {
        name: "prior_random_item",
        title: "A new item that fits no schema",
        caption: "An item with ten features drawn at random needs output directions the network does not have: it takes six times as long as the sparrow to be half learned, and learning it disturbs the old items six times as much.",
        config: r#"{
  "network": {"hidden": [16]},
  "init": {"kind": "learned"},
  "train": {"lr": 0.005, "record_every": 5},
  "tasks": [
    {"name": "rm8", "dataset": {"kind": "rm8"}, "steps": 100},
    {"name": "random item", "edit": {"kind": "add_item", "name": "oddity", "random": {"count": 10, "seed": 7}}, "steps": 3000}
  ]
}"#,
    },
    Preset {
        name: "prior_lazy_rich",
        title: "Lazy against rich",
        caption: "From small balanced weights (λ = 0) the loss falls in sigmoidal steps and the hidden representation changes completely; the larger |λ| (here a large input layer, λ < 0), the more exponential the fall and the less the representation and the tangent kernel move.",
        config: r#"{"lazy_rich": {"dataset": {"kind": "toy4"}, "hidden": 4, "lambdas": [0, -1, -4, -16], "scale": 0.01, "lr": 0.002, "steps": 4000, "record_every": 20}}"#,
    },
];

/// The preset of this name.
/// What the chapter shows after the dataset editor's "continue from these weights": not a menu
/// entry, since its config is made from the main run.
pub const CONTINUED: Preset = Preset {
    name: "continued",
    title: "Continued from the main run",
    caption: "The main run's network, with the weights it has now, goes on to learn the dataset editor's edit (task B). The loss on the old task (A) shows what the edit makes it forget; the dashed curves are the prediction from these weights at the switch, gradient flow where the layers are balanced (the chart says by how much they are not).",
    config: "{}",
};

pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}
