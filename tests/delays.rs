//! SMG14 Fig 3 (right; docs/theory.md §6.2): each mode's simulated half-learning time behind the
//! theory, over seeds, grouped by singular value.

mod common;

use dln_explorer::charts::{draw_mode_delays, svg_with};
use dln_explorer::run::measures::group_modes;
use dln_explorer::run::studies::mode_delays;
use serde_json::json;

#[test]
fn near_equal_singular_values_share_a_group() {
    let g = group_modes(&[3.0, 2.0, 1.99, 1.0, 0.0], 0.01);
    assert_eq!(g, vec![vec![0], vec![1, 2], vec![3]]);
}

#[test]
fn a_balanced_start_at_a_small_rate_lags_its_theory_by_less_than_the_rate_error() {
    // Decoupled start: the theory is exact for gradient flow, and gradient descent at
    // lr·s_max = 0.003 differs from it by O(lr·s) (docs/theory.md §0.5).
    let cfg = common::config(json!({
        "init": {"kind": "balanced", "scale": 0.001},
        "train": {"lr": 0.0005, "steps": 30000, "record_every": 10}
    }));
    let d = mode_delays(&cfg, &[1, 2], 0.01).unwrap();
    assert!(!d.groups.is_empty());
    for g in &d.groups {
        assert_eq!(g.per_seed.len(), 2);
        assert!(g.mean.abs() < 0.01, "modes {:?}: delay {}", g.modes, g.mean);
        assert!(
            g.spread < 1e-9,
            "a balanced start does not depend on the seed"
        );
    }
}

#[test]
fn from_a_small_random_start_the_weakest_modes_lag_most_and_the_chart_draws_every_group() {
    // The rm8 recipe of docs/theory.md §2.4 over four seeds: competition between modes delays the
    // weak ones most (docs/theory.md §6.2, SMG14 Fig 3 right).
    let cfg = common::config(json!({
        "network": {"hidden": [16]},
        "init": {"kind": "small_gaussian", "scale": (2e-6f64 / 16.0).sqrt()},
        "train": {"lr": 0.01 / 6.320_606_924_810_471, "steps": 9000, "record_every": 10}
    }));
    let d = mode_delays(&cfg, &[1, 2, 3, 4], 0.01).unwrap();
    assert!(d.groups.len() >= 3);
    let first = &d.groups[0];
    let last = d.groups.last().unwrap();
    assert!(first.per_seed.len() == 4 && last.per_seed.len() == 4);
    assert!(
        last.mean > first.mean,
        "weakest {} against strongest {}",
        last.mean,
        first.mean
    );
    assert!(d.groups.iter().any(|g| g.spread > 0.0), "seeds differ");
    let svg = svg_with(700, 400, |root, th| draw_mode_delays(root, &d, th)).unwrap();
    assert!(svg.contains("behind the theory (4 seeds)"));
    // Eight groups in 700 px: each tick names its group's modes (the readout gives each s).
    let texts: Vec<&str> = svg
        .split("</text>")
        .filter_map(|t| t.rsplit('>').next())
        .map(str::trim)
        .collect();
    for g in &d.groups {
        let label = match g.modes.as_slice() {
            [one] => format!("{}", one + 1),
            many => format!("{}–{}", many[0] + 1, many[many.len() - 1] + 1),
        };
        assert!(
            texts.contains(&label.as_str()),
            "a label per group: {label} in {texts:?}"
        );
    }
    assert_eq!(svg.matches("<circle").count(), d.groups.len());
}

#[test]
fn the_delays_data_table_lists_every_group_with_each_seed_and_names_the_seeds() {
    use dln_explorer::charts::delays_table;
    use dln_explorer::run::Session;
    let cfg = common::config(json!({"train": {"steps": 3000, "record_every": 10}}));
    let mut s = Session::new(&cfg);
    let before = delays_table(&s);
    assert!(before.rows.is_empty() || before.note.as_deref().unwrap().contains("seed"));
    s.advance(3000);
    let t = delays_table(&s);
    assert_eq!(t.columns[0], "modes");
    assert!(t.rows.len() > 1);
    assert!(t
        .rows
        .iter()
        .any(|r| r[4].as_str().unwrap().split(", ").count() == 3));
    // The finished run has its extra seeds: every row lists up to three delays (a seed in which
    // some mode of the group is not half learned is left out), whose mean is the row's delay.
    for row in &t.rows {
        let each: Vec<f64> = row[4]
            .as_str()
            .unwrap()
            .split(", ")
            .map(|x| x.parse().unwrap())
            .collect();
        assert!((1..=3).contains(&each.len()), "{row:?}");
        let mean = each.iter().sum::<f64>() / each.len() as f64;
        let delay = row[2].as_f64().unwrap();
        assert!(
            (mean - delay).abs() <= 0.01 * delay.abs().max(1.0),
            "{row:?}"
        );
    }
    assert!(
        t.note
            .as_deref()
            .unwrap()
            .contains("seeds 1 to 3: this run and 2 more"),
        "{:?}",
        t.note
    );
}
