//! The exact gradient-descent map of decoupled modes (docs/theory.md §9.1) against gradient
//! descent itself, at learning rates where the continuous-time solution is far off.

mod common;

use dln_explorer::run::{Change, Run};
use dln_explorer::theory::predict::Quality;
use serde_json::json;

/// Largest |simulated - recorded theory| over every recorded step and mode, relative to the
/// largest singular value; and the same for the loss relative to the initial loss.
fn worst_errors(run: &Run) -> (f64, f64) {
    let s_max = run.svd().s[0];
    let recs = run.history().records();
    let l0 = recs[0].loss;
    let mut modes: f64 = 0.0;
    let mut loss: f64 = 0.0;
    for r in recs {
        let th = r.theory.as_ref().expect("a decoupled start has a theory");
        for (m, t) in r.modes.iter().zip(th) {
            modes = modes.max((m - t).abs() / s_max);
        }
        loss = loss.max((r.loss - r.theory_loss.unwrap()).abs() / l0);
    }
    (modes, loss)
}

/// Largest |simulated - gradient flow| relative to the largest singular value.
fn worst_flow_error(run: &Run) -> f64 {
    let s_max = run.svd().s[0];
    let p = run.prediction().unwrap();
    run.history()
        .records()
        .iter()
        .flat_map(|r| {
            let f = p.flow_at(r.time).modes;
            r.modes
                .iter()
                .zip(f)
                .map(|(m, f)| (m - f).abs() / s_max)
                .collect::<Vec<_>>()
        })
        .fold(0.0, f64::max)
}

fn trained(patch: serde_json::Value) -> Run {
    let cfg = common::config(patch);
    let mut run = Run::new(&cfg);
    run.advance(cfg.train.steps);
    assert!(
        !run.state().diverged,
        "the run diverged: {:?}",
        run.state().message
    );
    run
}

/// A synthetic task with singular values from 1 down to 0.2 (one-hot items).
fn spectrum() -> serde_json::Value {
    json!({"kind": "spectrum", "size": 6, "s_max": 1.0, "s_min": 0.2, "seed": 3})
}

fn assert_exact(run: &Run, what: &str) {
    let p = run.prediction().unwrap();
    assert_eq!(p.kind(), Quality::Exact, "{what}: {}", p.label);
    assert!(p.label.starts_with("exact for these steps"), "{}", p.label);
    let (modes, loss) = worst_errors(run);
    assert!(modes < 1e-9, "{what}: modes differ by {modes:e}");
    assert!(loss < 1e-9, "{what}: loss differs by {loss:e}");
}

#[test]
fn a_shallow_network_from_a_random_start_follows_its_map_to_rounding_at_lr_s_of_half() {
    let s_max = 6.320_6;
    let run = trained(json!({
        "network": {"hidden": []},
        "init": {"kind": "small_gaussian", "scale": 0.1},
        "train": {"lr": 0.5 / s_max, "steps": 400, "record_every": 1}
    }));
    assert_exact(&run, "shallow");
}

#[test]
fn balanced_modes_with_one_hidden_layer_follow_their_map_to_rounding_where_eq12_is_far_off() {
    let s_max = 6.320_6;
    for lr_s in [0.1, 0.3, 0.5] {
        let run = trained(json!({
            "network": {"hidden": [16]},
            "init": {"kind": "balanced", "scale": 1e-3},
            "train": {"lr": lr_s / s_max, "steps": 3000, "record_every": 5}
        }));
        assert_exact(&run, &format!("D = 2 at lr s = {lr_s}"));
        // Gradient flow is visibly off at these rates: that is what the map fixes.
        let flow = worst_flow_error(&run);
        assert!(
            flow > 0.05,
            "lr s = {lr_s}: gradient flow is off by only {flow}"
        );
    }
}

#[test]
fn balanced_modes_of_deeper_networks_follow_their_map_to_rounding() {
    // Stable while lr D s^(2 - 2/D) < 2: with s_max = 1, lr < 2/D.
    for (hidden, lr) in [(vec![8, 8], 0.5), (vec![8, 8, 8, 8], 0.3)] {
        let depth = hidden.len() + 1;
        let run = trained(json!({
            "dataset": spectrum(),
            "network": {"hidden": hidden},
            "init": {"kind": "balanced", "scale": 1e-2},
            "train": {"lr": lr, "steps": 2000, "record_every": 5}
        }));
        assert_exact(&run, &format!("depth {depth} at lr {lr}"));
    }
}

#[test]
fn aligned_lambda_balanced_modes_follow_their_map_to_rounding() {
    let s_max = 6.320_6;
    for lambda in [0.5, -0.5, 2.0] {
        let run = trained(json!({
            "network": {"hidden": [16]},
            "init": {"kind": "balanced", "scale": 1e-2, "lambda": lambda},
            "train": {"lr": 0.3 / s_max, "steps": 2000, "record_every": 5}
        }));
        assert_exact(&run, &format!("λ = {lambda}"));
    }
}

#[test]
fn the_map_continues_from_where_it_is_when_the_rate_changes_mid_run() {
    let s_max = 6.320_6;
    let cfg = common::config(json!({
        "network": {"hidden": [16]},
        "init": {"kind": "balanced", "scale": 1e-3},
        "train": {"lr": 0.05 / s_max, "steps": 6000, "record_every": 10}
    }));
    let mut run = Run::new(&cfg);
    let at_rate = |lr: f64| cfg.merged(&json!({"train": {"lr": lr}})).unwrap();
    run.advance(1500);
    assert_eq!(run.reconfigure(&at_rate(0.4 / s_max)), Change::Live);
    run.advance(1500);
    assert_eq!(run.reconfigure(&at_rate(0.01 / s_max)), Change::Live);
    run.advance(3000);
    assert_exact(&run, "rates 0.05, 0.4 then 0.01");
    // The milestones are read from the map at the rates actually used: every mode of rm8 is
    // half learned within this run, and in order of strength.
    let at = run.learned_at();
    assert!(at.iter().all(|a| a.is_some_and(|a| a <= 6000.0)), "{at:?}");
    assert!(at.windows(2).all(|w| w[0] <= w[1]), "{at:?}");
}

#[test]
fn the_drawing_table_of_the_map_agrees_with_the_recorded_steps() {
    let s_max = 6.320_6;
    let run = trained(json!({
        "network": {"hidden": [16]},
        "init": {"kind": "balanced", "scale": 1e-3},
        "train": {"lr": 0.2 / s_max, "steps": 3000, "record_every": 1}
    }));
    let p = run.prediction().unwrap();
    // 3000 steps fit in the table at stride 3: the tabulated steps are exact, the others
    // interpolated between neighbours 3 steps apart.
    for r in run.history().records().iter().step_by(3) {
        let drawn = p.sample(r.time).modes;
        for (d, t) in drawn.iter().zip(r.theory.as_ref().unwrap()) {
            assert!((d - t).abs() < 1e-9 * s_max, "step {}: {d} vs {t}", r.step);
        }
    }
}

#[test]
fn the_theory_loss_never_reaches_zero_while_the_simulation_is_above_1e_15() {
    let s_max = 6.320_6;
    let run = trained(json!({
        "network": {"hidden": [16]},
        "init": {"kind": "balanced", "scale": 1e-3},
        "train": {"lr": 0.1 / s_max, "steps": 20000, "record_every": 20}
    }));
    let mut tiny = 0;
    for r in run.history().records() {
        let th = r.theory_loss.unwrap();
        if r.loss > 1e-15 {
            assert!(
                th > 0.0,
                "step {}: theory loss {th} while the run is at {}",
                r.step,
                r.loss
            );
        }
        if r.loss < 1e-12 {
            tiny += 1;
        }
    }
    assert!(
        tiny > 10,
        "the run never got below 1e-12, so this checked nothing"
    );
}

#[test]
fn a_small_random_start_is_approximate_and_says_when_it_is_outside_its_range() {
    let wide = Run::new(&common::config(json!({
        "network": {"hidden": [16]},
        "init": {"kind": "small_gaussian", "scale": 0.2}
    })));
    let p = wide.prediction().unwrap();
    assert_eq!(p.kind(), Quality::Approximate);
    assert!(
        p.label.contains("valid while N_h σ² ≪ s_min"),
        "{}",
        p.label
    );
    let why = p.validity.as_deref().expect("0.64 is far from small");
    assert!(
        why.contains("N_h σ² = 0.640") && why.contains("does not hold"),
        "{why}"
    );
    let state = wide.state();
    assert_eq!(state.theory.unwrap().validity.as_deref(), Some(why));
    let small = Run::new(&common::config(json!({
        "network": {"hidden": [16]},
        "init": {"kind": "small_gaussian", "scale": 1e-3}
    })));
    assert!(small.prediction().unwrap().validity.is_none());
}

#[test]
fn an_exact_map_keeps_the_papers_continuous_time_curve_beside_it() {
    let run = Run::new(&common::balanced(&[16], 1e-3, 0.01, 100));
    let p = run.prediction().unwrap();
    assert!(p.has_flow_curve());
    assert_eq!(
        p.flow_label.as_deref(),
        Some("gradient flow (continuous time): SMG14 eq. 12")
    );
    let info = run.state().theory.unwrap();
    assert!(info.exact);
    assert_eq!(info.kind, Quality::Exact);
}

/// The mean of the squared errors over items and features: PyTorch's `nn.MSELoss`.
fn mse(run: &Run) -> f64 {
    let out = run.output();
    let y = &run.data().y;
    y.iter()
        .zip(out.iter())
        .map(|(t, o)| (t - o) * (t - o))
        .sum::<f64>()
        / y.len() as f64
}

#[test]
fn with_the_mean_loss_one_hidden_layer_follows_its_map_to_rounding_at_the_rate_2_lr_over_pf() {
    let s_max = 6.320_6;
    // rm8: P = 8 items, F = 36 features, so eta_sum = 2 lr / 288.
    let lr = 0.3 / s_max * 144.0;
    let run = trained(json!({
        "network": {"hidden": [16]},
        "init": {"kind": "balanced", "scale": 1e-3},
        "train": {"lr": lr, "loss": "mean", "steps": 3000, "record_every": 5}
    }));
    assert_exact(&run, "D = 2, mean loss");
    assert!((run.rate() - lr / 144.0).abs() < 1e-15 * lr);
    // The time axis runs at the summed loss's rate: t/tau = steps * 2 lr / (P F).
    assert!((run.time() - 3000.0 * lr / 144.0).abs() < 1e-9 * run.time());
    // The loss reported is PyTorch's: the mean of the squared errors, without the 1/2.
    let loss = run.loss();
    assert!(
        (loss - mse(&run)).abs() <= 1e-12 * loss.max(1e-300),
        "{loss} vs {}",
        mse(&run)
    );
    // At step 0 every mode has strength u0 = 1e-3: the summed loss is 1/2 sum (s - u0)^2 and the
    // mean loss that over P F / 2 = 144.
    let l0 = run.history().records()[0].loss;
    let sum0 = 0.5 * run.svd().s.iter().map(|s| (s - 1e-3).powi(2)).sum::<f64>();
    assert!(
        (l0 - sum0 / 144.0).abs() < 1e-9 * l0,
        "{l0} vs {}",
        sum0 / 144.0
    );
}

#[test]
fn with_the_mean_loss_three_weight_matrices_follow_their_map_to_rounding() {
    // Six items and six features: eta_sum = 2 lr / 36, so lr = 9 is eta_sum = 0.5.
    let run = trained(json!({
        "dataset": spectrum(),
        "network": {"hidden": [8, 8]},
        "init": {"kind": "balanced", "scale": 1e-2},
        "train": {"lr": 9.0, "loss": "mean", "steps": 2000, "record_every": 5}
    }));
    assert_exact(&run, "D = 3, mean loss");
    assert!((run.rate() - 0.5).abs() < 1e-15);
}

#[test]
fn a_mean_loss_run_takes_the_same_steps_as_a_summed_loss_run_at_the_rate_2_lr_over_pf() {
    let patch = |loss: &str, lr: f64| {
        json!({
            "network": {"hidden": [16]},
            "init": {"kind": "small_gaussian", "scale": 0.01},
            "train": {"lr": lr, "loss": loss, "steps": 500, "record_every": 50}
        })
    };
    let mean = trained(patch("mean", 2.0));
    let sum = trained(patch("sum", 2.0 * 2.0 / 288.0));
    for (a, b) in mean.history().records().iter().zip(sum.history().records()) {
        assert_eq!(a.step, b.step);
        assert!((a.time - b.time).abs() < 1e-12 * b.time.max(1.0));
        for (x, y) in a.modes.iter().zip(&b.modes) {
            assert!((x - y).abs() < 1e-12 * 6.4, "step {}: {x} vs {y}", a.step);
        }
        assert!(
            (a.loss - b.loss / 144.0).abs() < 1e-12 * b.loss,
            "{} vs {}",
            a.loss,
            b.loss
        );
    }
}

#[test]
fn a_xavier_gamma_start_is_approximate_from_u0_of_the_two_layers_stds() {
    // rm8 (8 items, 36 features), 16 hidden units, gamma = 1e-3: sigma1 = gamma/sqrt(24),
    // sigma2 = gamma/sqrt(52), u0 = 16 (sigma1^2 + sigma2^2) / 4.
    let gamma: f64 = 1e-3;
    let (s1, s2) = (gamma / 24f64.sqrt(), gamma / 52f64.sqrt());
    let u0 = 16.0 * (s1 * s1 + s2 * s2) / 4.0;
    let s_max = 6.320_6;
    let run = trained(json!({
        "network": {"hidden": [16]},
        "init": {"kind": "small_gaussian", "scale": gamma, "rule": "xavier_gamma"},
        "train": {"lr": 0.05 / s_max, "steps": 3000, "record_every": 5}
    }));
    let p = run.prediction().unwrap();
    assert_eq!(p.kind(), Quality::Approximate);
    assert!(
        p.label.contains(&format!("{u0:.2e}")),
        "{} (u0 {u0:.2e})",
        p.label
    );
    assert!(p.label.contains("γ/√(n_in + n_out)"), "{}", p.label);
    assert!(p.validity.is_none(), "{:?}", p.validity);
    // The theory from that u0 puts the strongest mode's half-learning step within 3 % of the
    // simulation's (the u0 of the std rule, N_h gamma^2 / 2, would be 17x larger and ~10 % early).
    let goal = 0.5 * run.svd().s[0];
    let sim = run
        .history()
        .records()
        .iter()
        .find(|r| r.modes[0] >= goal)
        .expect("the first mode is learned")
        .step as f64;
    let th = run.learned_at()[0].expect("predicted");
    assert!(
        (th / sim - 1.0).abs() < 0.03,
        "theory {th} vs simulation {sim}"
    );
}
