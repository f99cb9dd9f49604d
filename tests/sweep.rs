//! Learning time against depth (SMG14 Figs 4 and 6A).

mod common;

use dln_explorer::chapters::depth::sweep::Sweep;
use dln_explorer::config::Config;
use dln_explorer::config::SweepInit;
use dln_explorer::engine::data::Dataset;
use dln_explorer::engine::network::Network;
use dln_explorer::engine::train::Trainer;
use dln_explorer::theory::deep_time;
use serde_json::json;

fn run(cfg: serde_json::Value) -> dln_explorer::chapters::depth::sweep::SweepResults {
    let cfg = Config::default().merged(&cfg).unwrap();
    let mut sweep = Sweep::new(&cfg);
    while !sweep.work(50_000) {}
    sweep.results().clone()
}

#[test]
fn decoupled_learning_times_match_the_exact_quadrature_within_two_percent_for_depths_2_3_5_8() {
    // One item with one feature of strength s = 1: a single mode. The loss falls below
    // f * 1/2 s^2 when u >= s (1 - sqrt f), so the learning time is the quadrature
    // t(u0 -> s (1 - sqrt f)) of docs/theory.md §1.5, in steps of lr = 0.01 * 2 / D.
    let (u0, f): (f64, f64) = (1e-3, 0.05);
    let depths = [2, 3, 5, 8];
    let r = run(json!({
        "dataset": {"kind": "matrix", "items": ["a"], "features": ["x"], "values": [[1.0]]},
        "network": {"hidden": [4]},
        "train": {"lr": 0.01},
        "sweep": {"data": "run", "width": 4, "depths": depths, "threshold": f, "max_steps": 100000, "lr": "inverse_depth",
                  "inits": ["balanced"], "balanced_u0": u0}
    }));
    for (k, &d) in depths.iter().enumerate() {
        let lr = 0.01 * 2.0 / d as f64;
        let exact = deep_time(d, 1.0, 1.0, u0, 1.0 - f.sqrt()) / lr;
        let sim = r.learning_time["balanced"][k].expect("learned") as f64;
        assert!(
            (sim / exact - 1.0).abs() < 0.02,
            "D={d}: {sim} steps vs {exact:.1}"
        );
        let theory = r.theory["balanced"][k].unwrap();
        assert!(
            (theory / exact - 1.0).abs() < 1e-3,
            "D={d}: theory column {theory} vs {exact}"
        );
    }
}

#[test]
fn orthogonal_learning_time_is_depth_independent_while_scaled_gaussian_grows() {
    // The task of docs/theory.md §6.5: 16 one-hot items, Y = U diag(s) V^T with random orthogonal U, V
    // and s evenly spaced from 2 to 0.5; hidden layers of 32; learning time = steps until
    // ||W_tot - Y||^2 < 0.01 ||Y||^2; learning rate 0.4 / D.
    let r = run(json!({
        "dataset": {"kind": "spectrum", "size": 16, "s_max": 2.0, "s_min": 0.5},
        "network": {"hidden": [32]},
        "train": {"lr": 0.2},
        "sweep": {"data": "run", "width": 32, "depths": [2, 20], "threshold": 0.01, "max_steps": 2000, "lr": "inverse_depth",
                  "inits": ["orthogonal", "scaled_gaussian"]}
    }));
    let orth = &r.learning_time["orthogonal"];
    let (o2, o20) = (orth[0].unwrap() as f64, orth[1].unwrap() as f64);
    assert!(
        o20 <= 1.5 * o2,
        "orthogonal: {o2} steps at depth 2, {o20} at depth 20"
    );
    let gauss = &r.learning_time["scaled_gaussian"];
    let g2 = gauss[0].unwrap() as f64;
    let g20 = gauss[1].map_or(2000.0, |t| t as f64);
    assert!(
        g20 > 3.0 * g2,
        "scaled Gaussian: {g2} steps at depth 2, {g20} at depth 20"
    );
}

#[test]
fn the_sweep_orders_the_starts_as_smg14_fig_6a() {
    let r = run(json!({
        "dataset": {"kind": "spectrum"},
        "network": {"hidden": [32]},
        "train": {"lr": 0.2},
        "sweep": {"data": "run", "width": 32, "depths": [8], "threshold": 0.01, "max_steps": 2000, "lr": "inverse_depth",
                  "inits": ["small_gaussian", "scaled_gaussian", "orthogonal", "balanced", "pretrained"]}
    }));
    let t = |name: &str| r.learning_time[name][0].map_or(f64::INFINITY, |t| t as f64);
    assert!(t("orthogonal") <= t("pretrained"));
    assert!(t("pretrained") < t("scaled_gaussian"));
    assert!(t("scaled_gaussian") < t("small_gaussian"));
}

#[test]
fn a_sweep_reports_progress_and_can_be_resumed_in_small_slices() {
    let cfg = Config::default()
        .merged(&json!({"sweep": {"depths": [2, 3], "inits": ["orthogonal"], "max_steps": 500}}))
        .unwrap();
    let mut sweep = Sweep::new(&cfg);
    let mut last = 0.0;
    let mut slices = 0;
    while !sweep.work(1) {
        let p = sweep.progress();
        assert!(p >= last && p <= 1.0);
        last = p;
        slices += 1;
    }
    assert!(slices > 2);
    assert_eq!(sweep.progress(), 1.0);
    assert!(sweep.results().learning_time["orthogonal"]
        .iter()
        .all(|t| t.is_some()));
}

#[test]
fn each_depth_runs_every_seed_and_reports_the_median_and_the_range() {
    use dln_explorer::chapters::depth::sweep::{median_outcome, Outcome};
    let r = run(json!({
        "sweep": {"depths": [2, 8], "inits": ["scaled_gaussian", "orthogonal"], "max_steps": 1000, "seeds": 5}
    }));
    assert_eq!(r.seeds, 5);
    for name in ["scaled_gaussian", "orthogonal"] {
        for k in 0..2 {
            let runs = &r.outcomes[name][k];
            assert_eq!(runs.len(), 5, "{name} depth index {k}");
            let mut times: Vec<u64> = runs
                .iter()
                .filter_map(|o| match o {
                    Outcome::Reached(t) => Some(*t),
                    _ => None,
                })
                .collect();
            times.sort();
            if times.len() == 5 {
                assert_eq!(r.learning_time[name][k], Some(times[2]), "the median");
            }
            assert_eq!(
                median_outcome(runs).and_then(|o| match o {
                    Outcome::Reached(t) => Some(t),
                    _ => None,
                }),
                r.learning_time[name][k]
            );
            assert_eq!(r.low[name][k], times.first().copied());
            assert_eq!(r.high[name][k], times.last().copied());
        }
    }
    // Different seeds draw different random starts.
    let g = &r.outcomes["scaled_gaussian"][1];
    assert!(g.iter().any(|o| o != &g[0]), "{g:?}");
}

#[test]
fn runs_that_diverge_are_reported_as_diverged_and_slow_ones_as_not_reached() {
    use dln_explorer::chapters::depth::sweep::Outcome;
    // Far above the stable rate every run blows up; far below it none gets anywhere in 20 steps.
    let fast = run(json!({
        "train": {"lr": 5.0},
        "sweep": {"depths": [2, 4], "inits": ["orthogonal"], "lr": "fixed", "seeds": 3}
    }));
    for runs in &fast.outcomes["orthogonal"] {
        assert!(runs.iter().all(|o| *o == Outcome::Diverged), "{runs:?}");
    }
    let slow = run(json!({
        "train": {"lr": 1e-5},
        "sweep": {"depths": [2], "inits": ["orthogonal"], "lr": "fixed", "max_steps": 20, "seeds": 3}
    }));
    assert!(slow.outcomes["orthogonal"][0]
        .iter()
        .all(|o| *o == Outcome::NotReached));
    assert_eq!(slow.learning_time["orthogonal"][0], None);
}

#[test]
fn the_seed_count_is_validated_and_named() {
    let err = Config::default()
        .merged(&json!({"sweep": {"seeds": 0}}))
        .and_then(|c| c.validate().map(|_| c))
        .unwrap_err();
    assert!(err.to_string().contains("sweep.seeds"), "{err}");
}

/// A sweep over `data` (a `sweep.data` name) at the given depths, with the pretrained start.
fn correlated_sweep(data: &str, depths: &[usize]) -> Sweep {
    let cfg = Config::default()
        .merged(
            &json!({"sweep": {"data": data, "depths": depths, "inits": ["pretrained"],
                                  "seeds": 1, "max_steps": 3000}}),
        )
        .unwrap();
    Sweep::new(&cfg)
}

/// The loss of `net` trained on `data` at rate `lr`, before each of `steps` steps and after.
fn simulated_losses(net: &mut Network, data: &Dataset, lr: f64, steps: usize) -> Vec<f64> {
    let mut trainer = Trainer::new(net, data);
    let mut out: Vec<f64> = (0..steps).map(|_| trainer.step(net, data, lr)).collect();
    out.push(net.loss(data));
    out
}

#[test]
fn a_pretrained_start_on_inputs_that_satisfy_eq_18_follows_its_exact_steps_to_rounding() {
    // SMG14 section 5: pretraining ends at a decoupled start when the input correlations share
    // the task's input directions. Every hidden layer then starts at strength 1 and the readout
    // at 0 on every mode, and the per-layer map is the exact gradient step.
    let sweep = correlated_sweep("aligned_inputs", &[1, 2, 3, 5]);
    assert!(sweep.results().consistency < 1e-12);
    for depth in [1, 2, 3, 5] {
        let lr = 0.5 * sweep.bound(depth);
        let mut net = sweep.network(SweepInit::Pretrained, depth, 0);
        let sim = simulated_losses(&mut net, sweep.data(), lr, 400);
        let theory = sweep.pretrained_losses(depth, lr, 400).expect("decoupled");
        let start = sim[0];
        for (k, (a, b)) in sim.iter().zip(&theory).enumerate() {
            assert!(
                (a - b).abs() <= 1e-9 * start,
                "D={depth}, step {k}: simulated {a:e}, exact {b:e}"
            );
        }
        assert!(sim[400] < 1e-3 * start, "D={depth} learned: {:e}", sim[400]);
    }
}

#[test]
fn inputs_correlated_across_the_task_fail_eq_18_and_leave_the_pretrained_start_coupled() {
    let aligned = correlated_sweep("aligned_inputs", &[3]);
    let rotated = correlated_sweep("rotated_inputs", &[3]);
    let off = rotated.results().consistency;
    assert!(off > 0.2, "V^T Sigma_xx V off-diagonal fraction {off}");
    assert!(!rotated.pretrained_is_decoupled(3));
    assert_eq!(rotated.pretrained_losses(3, 0.1, 10), None);
    // Both tasks have the same singular values and input variances; on aligned inputs the
    // exact steps describe the run, on rotated ones they do not.
    let lr = 0.5 * aligned.bound(3);
    let exact = aligned.pretrained_losses(3, lr, 300).unwrap();
    let mut net = rotated.network(SweepInit::Pretrained, 3, 0);
    let sim = simulated_losses(&mut net, rotated.data(), lr, 300);
    let worst = (0..=300)
        .map(|k| (sim[k] / sim[0] - exact[k] / exact[0]).abs())
        .fold(0.0, f64::max);
    assert!(worst > 0.05, "normalised losses differ by at most {worst}");
}

#[test]
fn the_sweep_gives_the_pretrained_start_its_exact_learning_time_only_where_eq_18_holds() {
    for (data, exact) in [
        ("aligned_inputs", true),
        ("spectrum", true),
        ("rotated_inputs", false),
    ] {
        let r = run(
            json!({"sweep": {"data": data, "depths": [1, 2, 4, 8], "inits": ["pretrained"],
                                     "seeds": 2, "max_steps": 3000}}),
        );
        for (k, (sim, theory)) in r.learning_time["pretrained"]
            .iter()
            .zip(&r.theory["pretrained"])
            .enumerate()
        {
            let sim = sim.unwrap_or_else(|| panic!("{data}: depth index {k} learned"));
            if exact {
                assert_eq!(Some(sim as f64), *theory, "{data}: depth index {k}");
            } else {
                assert_eq!(*theory, None, "{data}: no exact curve");
            }
        }
    }
}

#[test]
fn the_sweep_data_table_has_a_row_per_depth_with_every_seed_and_says_whether_eq_18_holds() {
    use dln_explorer::chapters::depth::charts::sweep::table;
    for (data, says) in [
        ("aligned_inputs", "Eq. 18 holds"),
        ("rotated_inputs", "Eq. 18 fails"),
    ] {
        let r = run(
            json!({"sweep": {"data": data, "depths": [1, 4], "inits": ["orthogonal", "pretrained"],
                                     "seeds": 2, "max_steps": 3000}}),
        );
        let t = table(&r);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.columns[0], "depth D");
        let col = |name: &str| {
            t.columns
                .iter()
                .position(|c| c == name)
                .unwrap_or_else(|| panic!("{name} in {:?}", t.columns))
        };
        for (k, row) in t.rows.iter().enumerate() {
            assert_eq!(row[0], json!(r.depths[k]));
            assert_eq!(
                row[col("pretrained: median steps")],
                json!(r.learning_time["pretrained"][k].unwrap())
            );
            let seeds = row[col("orthogonal: each seed")].as_str().unwrap();
            assert_eq!(seeds.split(", ").count(), 2, "{seeds}");
            assert_eq!(
                row[col("pretrained: exact (steps)")].as_f64(),
                r.theory["pretrained"][k]
            );
        }
        assert!(t.note.as_deref().unwrap().starts_with(says), "{:?}", t.note);
    }
}
