//! Gradient descent against the exact solutions.

mod common;

use dln_explorer::run::Run;
use dln_explorer::theory::one_hidden;

/// Largest |simulated - gradient flow| / s over every recorded step and mode.
fn worst_flow_error(run: &Run) -> f64 {
    let s = &run.svd().s;
    let p = run.prediction().expect("balanced runs have a theory");
    run.history()
        .records()
        .iter()
        .flat_map(|r| {
            let th = p.flow_at(r.time).modes;
            r.modes
                .iter()
                .zip(th)
                .zip(s)
                .map(|((m, t), s)| (m - t).abs() / s)
                .collect::<Vec<_>>()
        })
        .fold(0.0, f64::max)
}

/// Largest |simulated - predicted| / s over every recorded step and mode.
fn worst_mode_error(run: &Run) -> f64 {
    let s = &run.svd().s;
    run.history()
        .records()
        .iter()
        .flat_map(|r| {
            let th = r.theory.as_ref().expect("balanced runs have a theory");
            r.modes
                .iter()
                .zip(th)
                .zip(s)
                .map(|((m, t), s)| (m - t).abs() / s)
                .collect::<Vec<_>>()
        })
        .fold(0.0, f64::max)
}

#[test]
fn balanced_rm8_modes_equal_the_exact_map_and_track_eq12_within_two_percent_at_lr_s_of_one_percent()
{
    let s_max = 6.320_6;
    let lr = 0.01 / s_max;
    let cfg = common::balanced(&[16], 1e-4, lr, 9000);
    let mut run = Run::new(&cfg);
    run.advance(9000);
    // The run covers every mode's transition: the weakest is learned by the end.
    let last = run.history().last().unwrap();
    let s = &run.svd().s;
    assert!(
        last.modes[7] > 0.95 * s[7],
        "weakest mode only reached {}",
        last.modes[7]
    );
    // The recorded theory is the gradient-descent map: equal to the simulation to rounding.
    let err = worst_mode_error(&run);
    assert!(err < 1e-9, "worst error of the exact map {err}");
    // The papers' continuous-time curve is eq. 12 itself at t = steps * lr, within 2 %.
    let flow = worst_flow_error(&run);
    assert!(flow < 0.02 && flow > 1e-6, "worst error of eq. 12 {flow}");
    let p = run.prediction().unwrap();
    for r in run.history().records().iter().step_by(50) {
        let th = p.flow_at(r.step as f64 * lr).modes;
        for (a, &sa) in s.iter().enumerate() {
            let want = one_hidden(sa, 1.0, 1e-4, r.step as f64 * lr);
            assert!((th[a] - want).abs() <= 1e-12 * want.max(1.0));
        }
    }
}

#[test]
fn halving_the_learning_rate_halves_the_gap_between_gradient_descent_and_gradient_flow() {
    let s_max = 6.320_6;
    let run_with = |lr: f64, steps: u64| {
        let mut run = Run::new(&common::balanced(&[16], 1e-4, lr, steps));
        run.advance(steps);
        worst_flow_error(&run)
    };
    let coarse = run_with(0.01 / s_max, 9000);
    let fine = run_with(0.005 / s_max, 18000);
    let ratio = coarse / fine;
    assert!(
        (1.6..2.4).contains(&ratio),
        "error ratio {ratio} ({coarse} vs {fine})"
    );
}

#[test]
fn a_shallow_network_follows_its_exponential_solution_from_a_random_start() {
    let cfg = common::config(serde_json::json!({
        "network": {"hidden": []},
        "init": {"kind": "small_gaussian", "scale": 0.1},
        "train": {"lr": 0.001, "steps": 5000, "record_every": 50}
    }));
    let mut run = Run::new(&cfg);
    assert!(run.prediction().unwrap().exact);
    run.advance(5000);
    let s = &run.svd().s;
    for r in run.history().records() {
        for ((m, t), s) in r.modes.iter().zip(r.theory.as_ref().unwrap()).zip(s) {
            assert!((m - t).abs() / s < 0.01, "step {}: {m} vs {t}", r.step);
        }
    }
}

#[test]
fn a_too_large_learning_rate_stops_the_run_with_a_message_and_no_nan_in_the_history() {
    let cfg = common::config(serde_json::json!({"train": {"lr": 1.0}}));
    let mut run = Run::new(&cfg);
    let taken = run.advance(10_000);
    assert!(taken < 10_000);
    let state = run.state();
    assert!(state.diverged);
    assert!(state.message.unwrap().contains("learning rate"));
    for r in run.history().records() {
        assert!(r.loss.is_finite() && r.modes.iter().all(|m| m.is_finite()));
    }
    assert!(state.loss.is_finite());
}

#[test]
fn changing_the_learning_rate_mid_run_keeps_the_steps_and_the_theory_time_axis() {
    let mut run = Run::new(&common::balanced(&[16], 1e-3, 0.001, 20000));
    run.advance(1000);
    let cfg = run
        .config()
        .merged(&serde_json::json!({"train": {"lr": 0.002}}))
        .unwrap();
    let change = run.reconfigure(&cfg);
    assert_eq!(change, dln_explorer::run::Change::Live);
    assert_eq!(run.step_count(), 1000);
    run.advance(1000);
    let st = run.state();
    assert!((st.time - 3.0).abs() < 1e-9, "time {}", st.time);
    let want = one_hidden(run.svd().s[0], 1.0, 1e-3, 3.0);
    assert!((st.theory_modes.unwrap()[0] - want).abs() < 1e-12);
}

#[test]
fn changing_the_architecture_restarts_the_run_and_says_why() {
    let mut run = Run::new(&common::config(serde_json::json!({})));
    run.advance(100);
    let cfg = run
        .config()
        .merged(&serde_json::json!({"network": {"hidden": [8, 8]}}))
        .unwrap();
    match run.reconfigure(&cfg) {
        dln_explorer::run::Change::Reset(why) => assert!(why.contains("network")),
        other => panic!("expected a reset, got {other:?}"),
    }
    assert_eq!(run.step_count(), 0);
    assert_eq!(run.network().depth(), 3);
}

fn toy4_balanced(depth: usize, u0: f64, lr: f64, steps: u64) -> Run {
    let cfg = common::config(serde_json::json!({
        "dataset": {"kind": "toy4"},
        "network": {"hidden": vec![8; depth - 1]},
        "init": {"kind": "balanced", "scale": u0},
        "train": {"lr": lr, "steps": steps, "record_every": 20}
    }));
    let mut run = Run::new(&cfg);
    run.advance(steps);
    run
}

#[test]
fn balanced_deep_networks_track_the_exact_mode_solution_within_one_percent_for_depths_2_3_5_8() {
    // toy4: s_max = sqrt(7), so lr = 1e-3 gives lr * s_max = 2.6e-3.
    for depth in [2, 3, 5, 8] {
        let run = toy4_balanced(depth, 0.05, 1e-3, 12_000);
        assert!(run.prediction().unwrap().exact);
        let s = &run.svd().s;
        let last = run.history().last().unwrap();
        assert!(last.modes[3] > 0.99 * s[3], "D={depth}: run too short");
        let err = worst_mode_error(&run);
        assert!(err < 0.01, "D={depth}: worst |sim - theory| / s = {err}");
    }
}

#[test]
fn the_predicted_loss_follows_the_simulated_loss_for_a_balanced_run() {
    let run = toy4_balanced(3, 0.05, 1e-3, 12_000);
    let l0 = run.history().records()[0].loss;
    for r in run.history().records() {
        let predicted = r.theory_loss.unwrap();
        assert!(
            (r.loss - predicted).abs() < 0.01 * l0,
            "step {}: {} vs {predicted}",
            r.step,
            r.loss
        );
    }
}

#[test]
fn a_lambda_balanced_start_in_random_directions_follows_the_riccati_solution() {
    for lambda in [0.0, 0.5, 2.0] {
        let cfg = common::config(serde_json::json!({
            "network": {"hidden": [6]},
            "init": {"kind": "lambda_balanced", "scale": 0.4, "lambda": lambda},
            "train": {"lr": 4e-4, "steps": 6000, "record_every": 50}
        }));
        let mut run = Run::new(&cfg);
        let pred = run.prediction().unwrap();
        assert!(
            !pred.exact && pred.quality() == "gradient flow" && pred.label.contains("Riccati"),
            "{}",
            pred.label
        );
        run.advance(6000);
        let err = worst_mode_error(&run);
        assert!(err < 0.01, "lambda {lambda}: worst error {err}");
        let l0 = run.history().records()[0].loss;
        for r in run.history().records() {
            let p = r.theory_loss.unwrap();
            assert!(
                (r.loss - p).abs() < 0.01 * l0,
                "lambda {lambda}, step {}",
                r.step
            );
        }
    }
}

#[test]
fn an_unequal_aligned_start_follows_the_closed_form_lambda_balanced_mode() {
    let cfg = common::config(serde_json::json!({
        "init": {"kind": "balanced", "scale": 0.01, "lambda": 1.5},
        "train": {"lr": 4e-4, "steps": 8000, "record_every": 50}
    }));
    let mut run = Run::new(&cfg);
    assert!(run.prediction().unwrap().label.contains("λ-balanced"));
    run.advance(8000);
    assert!(worst_mode_error(&run) < 0.01);
}

#[test]
fn an_orthogonal_start_with_a_narrow_hidden_layer_is_zero_balanced_and_gets_the_exact_overlay() {
    let cfg = common::config(serde_json::json!({
        "network": {"hidden": [5]},
        "init": {"kind": "orthogonal", "scale": 0.3},
    }));
    let run = Run::new(&cfg);
    assert!(run.prediction().unwrap().label.contains("λ = 0"));
    // A wider hidden layer than the input is not balanced: no overlay, and the note says why.
    let cfg = common::config(serde_json::json!({
        "network": {"hidden": [16]},
        "init": {"kind": "orthogonal", "scale": 0.3},
    }));
    let why = Run::new(&cfg).prediction().unwrap_err().to_string();
    assert!(why.contains("not λ-balanced"), "{why}");
}

#[test]
fn small_random_starts_get_an_approximate_overlay_only_with_one_hidden_layer() {
    let one = Run::new(&common::config(serde_json::json!({})));
    let p = one.prediction().unwrap();
    assert!(!p.exact && p.label.starts_with("approximate"));
    let two = Run::new(&common::config(
        serde_json::json!({"network": {"hidden": [16, 16]}}),
    ));
    assert!(two.prediction().is_err());
}

#[test]
fn predicted_milestones_order_modes_by_strength_and_match_eq12_half_times() {
    let lr = 0.002;
    let run = Run::new(&common::balanced(&[16], 1e-3, lr, 8000));
    let at = run.learned_at();
    let s = run.svd().s.clone();
    let flow = run.prediction().unwrap().half_times();
    for a in 0..8 {
        let want = (s[a] / 1e-3 - 1.0).ln() / (2.0 * s[a]) / lr;
        // The gradient-flow half time is eq. 11's; the map's (the milestone drawn) is within
        // O(lr s) of it.
        let f = flow[a].unwrap() / lr;
        assert!((f - want).abs() < 1e-6 * want, "mode {a}: {f} vs {want}");
        let got = at[a].unwrap();
        assert!(
            (got - want).abs() < 0.02 * want,
            "mode {a}: {got} vs {want}"
        );
    }
    assert!(at.windows(2).all(|w| w[0].unwrap() < w[1].unwrap()));
}
