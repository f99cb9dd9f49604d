//! The generalisation chapter (AS20): the large-N theory against docs/theory.md §3.5 and the
//! reference vectors, the sample's exact curves against gradient descent, finite-N simulations
//! against the theory, the outlier approximation, bad input and the command line.

use dln_explorer::chapters::generalisation::config::GenConfig;
use dln_explorer::chapters::generalisation::deep::{mode_map, outlier, SignalInNoise};
use dln_explorer::chapters::generalisation::mp::{mp_density, MpTheory};
use dln_explorer::chapters::generalisation::GenRun;
use serde_json::{json, Value};

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

fn reference(name: &str) -> Value {
    let path = format!("{}/tests/reference/{name}", env!("CARGO_MANIFEST_DIR"));
    // Python writes an infinite E_g(∞) (α = 1) as the bare token Infinity.
    let text = std::fs::read_to_string(path)
        .unwrap()
        .replace("Infinity", "null");
    serde_json::from_str(&text).unwrap()
}

fn config(v: Value) -> GenConfig {
    GenConfig::from_value(v).unwrap()
}

// ----- the large-N theory -----

#[test]
fn optimal_early_stopping_at_alpha_one_and_snr_four_matches_theory_section_3_5() {
    let th = MpTheory::new(1.0, 4.0, 0.0);
    let stop = th.early_stop();
    assert!((stop.t_opt - 2.4651).abs() < 5e-4, "t_opt {}", stop.t_opt);
    assert!(
        (stop.test_error - 0.52003).abs() < 5e-6,
        "E_g(t_opt) {}",
        stop.test_error
    );
}

#[test]
fn errors_at_alpha_two_snr_four_and_t_one_match_theory_section_9_3() {
    let th = MpTheory::new(2.0, 4.0, 0.0);
    assert!((th.test_error(1.0) - 0.368608).abs() < 1e-6);
    assert!((th.train_error(1.0) - 0.144312).abs() < 1e-6);
}

#[test]
fn the_test_error_at_alpha_two_tends_to_the_closed_form_limit_point_four() {
    let th = MpTheory::new(2.0, 4.0, 0.0);
    assert!((th.test_error_infinite_time() - 0.4).abs() < 1e-12);
    // The integral itself gets there at late times.
    assert!(
        rel(th.test_error(1e4), 0.4) < 1e-6,
        "{}",
        th.test_error(1e4)
    );
}

#[test]
fn the_optimal_ridge_at_alpha_one_and_snr_four_is_0_51231() {
    let th = MpTheory::new(1.0, 4.0, 0.0);
    assert!((th.optimal_ridge_test_error() - 0.51231).abs() < 5e-6);
    // γ* = 1/SNR is the best ridge: neighbours do worse.
    let best = th.optimal_ridge_test_error();
    assert!(th.ridge_test_error(0.2) > best && th.ridge_test_error(0.3) > best);
}

#[test]
fn the_marchenko_pastur_density_at_alpha_half_and_lambda_one_is_0_210542() {
    assert!((mp_density(0.5, 1.0) - 0.210542).abs() < 1e-6);
}

#[test]
fn the_theory_reproduces_every_point_of_the_reference_grid() {
    let r = reference("advani_saxe.json");
    let points = r["points"].as_array().unwrap();
    assert_eq!(points.len(), 120);
    for p in points {
        let f = |k: &str| p[k].as_f64().unwrap();
        let th = MpTheory::new(f("alpha"), f("snr"), f("s02"));
        let (eg, et) = (th.test_error(f("t")), th.train_error(f("t")));
        assert!(rel(eg, f("Eg")) < 1e-6, "{p}: E_g {eg}");
        assert!(
            (et - f("Et")).abs() < 1e-6 * f("Et").max(1e-3),
            "{p}: E_t {et}"
        );
    }
    for p in r["mp_density"].as_array().unwrap() {
        let f = |k: &str| p[k].as_f64().unwrap();
        assert!(
            (mp_density(f("alpha"), f("lam")) - f("rho")).abs() < 1e-12,
            "{p}"
        );
    }
    // The theory columns of the simulation file, which reach t = 200 τ at α = 1.
    let sims = reference("advani_sim.json");
    for (key, case) in sims.as_object().unwrap() {
        let num = |name: &str| -> f64 {
            let part = key.split(',').find(|p| p.starts_with(name)).unwrap();
            part.split('=').nth(1).unwrap().parse().unwrap()
        };
        let th = MpTheory::new(num("alpha"), num("SNR"), num("s02"));
        let ts = case["t"].as_array().unwrap();
        for (k, t) in ts.iter().enumerate() {
            let t = t.as_f64().unwrap();
            let (eg, et) = (
                case["Eg_theory"][k].as_f64().unwrap(),
                case["Et_theory"][k].as_f64().unwrap(),
            );
            assert!(rel(th.test_error(t), eg) < 1e-6, "{key} t {t}");
            assert!(
                (th.train_error(t) - et).abs() < 1e-6 * et.max(1e-3),
                "{key} t {t}"
            );
        }
    }
    for p in r["optimal_stopping"].as_array().unwrap() {
        let f = |k: &str| p[k].as_f64().unwrap();
        let th = MpTheory::new(f("alpha"), f("snr"), 0.0);
        let stop = th.early_stop();
        assert!(
            rel(stop.t_opt, f("t_opt")) < 1e-4,
            "{p}: t_opt {}",
            stop.t_opt
        );
        assert!(rel(stop.test_error, f("Eg_opt_early_stop")) < 1e-6, "{p}");
        assert!(
            rel(th.optimal_ridge_test_error(), f("Eg_ridge_opt")) < 1e-6,
            "{p}"
        );
        match p["Eg_inf"].as_f64() {
            Some(v) => assert!(rel(th.test_error_infinite_time(), v) < 1e-12, "{p}"),
            None => assert!(th.test_error_infinite_time().is_infinite(), "{p}"),
        }
    }
}

#[test]
fn overtraining_peaks_at_alpha_one_as_in_theory_section_3_5() {
    // docs/theory.md §3.5, SNR = 4: 0.084 at α = 0.5, 12.8 at α = 1, 0.054 at α = 2.
    let over = |a: f64| {
        let th = MpTheory::new(a, 4.0, 0.0);
        th.overtraining(&th.early_stop())
    };
    assert!((over(0.5) - 0.084).abs() < 0.001, "{}", over(0.5));
    assert!((over(1.0) - 12.8).abs() < 0.1, "{}", over(1.0));
    assert!((over(2.0) - 0.054).abs() < 0.001, "{}", over(2.0));
    assert!(over(1.0) > 5.0 * over(0.9) && over(1.0) > 5.0 * over(1.1));
}

#[test]
fn per_direction_stopping_times_fall_with_the_eigenvalue_towards_the_flow_limit() {
    let th = MpTheory::new(1.0, 4.0, 0.0);
    // t*(λ) = ln(1 + λ S/σ_ε²)/λ with S/σ_ε² = SNR = 4.
    assert!(rel(th.direction_stop_time(1.0), 5f64.ln()) < 1e-12);
    assert!(rel(th.direction_stop_time(1e-14), 4.0) < 1e-9);
    assert!(th.direction_stop_time(0.1) > th.direction_stop_time(2.0));
}

#[test]
fn the_frozen_subspace_keeps_the_start_small_weights_generalise_better() {
    // α = 0.5: the floor (1 − α)(σ₀² + σ_w²) is in E_g(∞), and the reference grid's σ₀² = 0.5.
    let small = MpTheory::new(0.5, 4.0, 0.0);
    let big = MpTheory::new(0.5, 4.0, 0.5);
    assert!(rel(big.frozen_floor(), 0.5 * (0.5 + 0.8)) < 1e-12);
    assert!(rel(big.test_error(1e4) - small.test_error(1e4), 0.25) < 1e-6);
}

// ----- the sample's exact curves and the simulation -----

#[test]
fn the_samples_exact_curves_match_gradient_descent_to_1e9_relative() {
    let cases = [
        json!({"dataset": {"kind": "teacher", "inputs": 100, "examples": 100, "snr": 4}}),
        json!({"dataset": {"kind": "teacher", "inputs": 120, "examples": 60, "snr": 4,
                           "outputs": 2, "seed": 3},
               "init": {"kind": "small_gaussian", "scale": 0.7}}),
        json!({"dataset": {"kind": "teacher", "inputs": 50, "examples": 100, "snr": 1, "seed": 5},
               "init": {"kind": "small_gaussian", "scale": 0.1}}),
    ];
    for case in cases {
        let mut cfg = case.clone();
        cfg["train"] = json!({"lr": 0.02, "steps": 4000, "record_every": 500});
        let mut run = GenRun::new(&config(cfg)).unwrap();
        run.advance(u64::MAX);
        assert!(run.is_done() && !run.diverged());
        let recs = run.records();
        assert!(recs.len() > 40, "{} records", recs.len());
        let mut worst: f64 = 0.0;
        for r in recs {
            let (et, eg) = (r.exact_train_error.unwrap(), r.exact_test_error.unwrap());
            worst = worst.max(rel(et, r.train_error)).max(rel(eg, r.test_error));
        }
        assert!(worst < 1e-9, "{case}: worst relative difference {worst:e}");
        // The run did move: the training error fell by orders of magnitude or to the noise.
        let last = recs.last().unwrap();
        assert!(last.train_error < 0.5 * recs[0].train_error, "{case}");
    }
}

#[test]
fn seed_averaged_simulations_at_n_400_agree_with_marchenko_pastur_within_3_percent() {
    // docs/theory.md §3.5's check: N = 400, discrete steps η = 0.01, t = 0.5 … 200 τ. The simulated
    // errors are the sample's exact discrete-time curves, which equal gradient descent to 1e-9
    // (the test above), so each dataset costs one eigen-decomposition, not 20 000 steps. Each of
    // the 8 datasets carries 4 outputs, independent teachers and noises on the same inputs: 32
    // teachers in all, as the errors' spread comes mostly from the teacher's norm. Training errors are compared while they are above 10 % of their start: later they
    // are set by the few eigenvalues at the lower edge of the finite-N spectrum, which is
    // smeared below λ₋, and their relative error grows (docs/theory.md §6.4 reports up to 6.7 %).
    let (n, lr, seeds) = (400, 0.01, 8);
    let times = [0.5, 2.0, 10.0, 50.0, 200.0];
    for (alpha, snr, s02) in [
        (0.5, 4.0, 0.0),
        (1.0, 4.0, 0.0),
        (2.0, 1.0, 0.0),
        (0.5, 4.0, 0.5),
    ] {
        let p = (alpha * n as f64) as usize;
        let mut eg = [0.0; 5];
        let mut et = [0.0; 5];
        for seed in 0..seeds {
            let cfg = config(json!({
                "dataset": {"kind": "teacher", "inputs": n, "examples": p, "snr": snr,
                            "outputs": 4, "seed": seed},
                "init": {"kind": if s02 > 0.0 { "small_gaussian" } else { "zero" },
                         "scale": f64::sqrt(s02)},
                "train": {"lr": lr, "seed": 100 + seed}
            }));
            let run = GenRun::new(&cfg).unwrap();
            let ex = run.exact().unwrap();
            for (k, &t) in times.iter().enumerate() {
                let (a, b) = ex.at_step((t / lr) as u64);
                et[k] += a / seeds as f64;
                eg[k] += b / seeds as f64;
            }
        }
        let th = MpTheory::new(alpha, snr, s02);
        for (k, &t) in times.iter().enumerate() {
            let (tg, tt) = (th.test_error(t), th.train_error(t));
            eprintln!(
                "α {alpha} SNR {snr} σ₀² {s02} t {t}: E_g {:.5} vs {tg:.5}, E_t {:.3e} vs {tt:.3e}",
                eg[k], et[k]
            );
        }
        for (k, &t) in times.iter().enumerate() {
            let (tg, tt) = (th.test_error(t), th.train_error(t));
            assert!(
                rel(eg[k], tg) < 0.03,
                "α {alpha}, SNR {snr}, σ₀² {s02}, t {t}: E_g {} vs {tg}",
                eg[k]
            );
            if tt > 0.1 * th.initial_error() {
                assert!(
                    rel(et[k], tt) < 0.03,
                    "α {alpha}, SNR {snr}, σ₀² {s02}, t {t}: E_t {} vs {tt}",
                    et[k]
                );
            }
        }
    }
}

// ----- the deep student and the outlier approximation -----

#[test]
fn the_rank_one_outlier_formulas_agree_with_sampled_matrices_at_n1_800() {
    // N₁ = 800 inputs, N₃ = 400 outputs (A = 1/2), s̄ = 2: docs/theory.md §9.3 predicts
    // ŝ = 2.3717, ⟨û,ū⟩² = 0.8611, ⟨v̂,v̄⟩² = 0.7750 and a bulk edge at 1 + √A.
    let pred = outlier(2.0, 0.5).unwrap();
    assert!((pred.s_hat - 2.3717).abs() < 1e-4);
    assert!((pred.u_overlap2 - 0.8611).abs() < 1e-4);
    assert!((pred.v_overlap2 - 0.7750).abs() < 1e-4);
    let seeds = 8;
    let (mut s1, mut s2, mut ou, mut ov) = (0.0, 0.0, 0.0, 0.0);
    for seed in 0..seeds {
        let task = SignalInNoise::draw(800, 400, 2.0, seed);
        assert_eq!(task.aspect(), 0.5);
        let svd = dln_explorer::linalg::Svd::new(&task.data.sigma_yx().view());
        let dot = |a: ndarray::ArrayView1<'_, f64>, b: &[f64]| -> f64 {
            a.iter().zip(b).map(|(x, y)| x * y).sum()
        };
        s1 += svd.s[0] / seeds as f64;
        s2 += svd.s[1] / seeds as f64;
        ou += dot(svd.u.column(0), &task.u_bar).powi(2) / seeds as f64;
        ov += dot(svd.v.column(0), &task.v_bar).powi(2) / seeds as f64;
    }
    assert!(rel(s1, pred.s_hat) < 0.01, "ŝ {s1} vs {}", pred.s_hat);
    assert!((ou - pred.u_overlap2).abs() < 0.025, "⟨û,ū⟩² {ou}");
    assert!((ov - pred.v_overlap2).abs() < 0.025, "⟨v̂,v̄⟩² {ov}");
    assert!(
        rel(s2, pred.edge) < 0.03,
        "second singular value {s2} vs edge"
    );
    // Below the threshold A^{1/4} there is no outlier to predict.
    assert!(outlier(0.8, 0.5).is_none());
}

#[test]
fn each_empirical_mode_of_a_deep_student_follows_its_scalar_map_to_rounding() {
    use dln_explorer::config::{InitConfig, InitKind};
    use dln_explorer::engine::init::initialise;
    use dln_explorer::engine::network::mode_strengths_of;
    use dln_explorer::engine::rng::Rng;
    use dln_explorer::engine::train::Trainer;
    use dln_explorer::linalg::Svd;
    // Whitened (one-hot) inputs and an aligned, balanced start: docs/theory.md §9.1's map is exact.
    let task = SignalInNoise::draw(60, 30, 2.0, 4);
    let svd = Svd::new(&task.data.sigma_yx().view());
    let init = InitConfig {
        kind: InitKind::Balanced,
        scale: 1e-3,
        lambda: 0.0,
        ..InitConfig::default()
    };
    let mut net = initialise(&init, &[60, 30, 30], &svd, &mut Rng::new(1));
    let mut tr = Trainer::new(&net, &task.data);
    let lr = 0.02;
    let steps: Vec<u64> = (0..=40).map(|k| k * 50).collect();
    let predicted: Vec<Vec<f64>> = svd
        .s
        .iter()
        .map(|&s| mode_map(s, 1.0, 1e-3, lr, &steps))
        .collect();
    let mut k = 0;
    let mut errors = Vec::new();
    for (i, &target) in steps.iter().enumerate() {
        while k < target {
            tr.step(&mut net, &task.data, lr);
            k += 1;
        }
        let w = net.product();
        let modes = mode_strengths_of(&w, &svd);
        for (a, m) in modes.iter().enumerate() {
            assert!(
                (m - predicted[a][i]).abs() < 1e-9 * svd.s[0],
                "mode {a} at step {target}: {m} vs {}",
                predicted[a][i]
            );
        }
        errors.push(task.signal_error(&w));
    }
    // Signal before noise: the outlier mode is half learned long before the weakest one, so the
    // distance to the clean signal dips below its final value (early stopping helps).
    let half = |a: usize| {
        steps
            .iter()
            .zip(&predicted[a])
            .find(|(_, &u)| u > 0.5 * svd.s[a])
            .map(|(&s, _)| s)
    };
    assert!(half(0).unwrap() * 3 < half(29).unwrap_or(u64::MAX));
    let best = errors.iter().copied().fold(f64::INFINITY, f64::min);
    assert!(best < 0.8 * errors.last().unwrap(), "{errors:?}");
}

#[test]
fn a_deep_student_on_a_rank_one_signal_in_noise_learns_the_outlier_first_near_the_approximation() {
    use dln_explorer::chapters::generalisation::outlier::{OutlierDemo, STEPS};
    // N₁ = 400, N₃ = 100 (A = 1/4), s̄ = 2 and 3: the page's demo, run to its end.
    for (s_bar, seed) in [(2.0, 0), (2.0, 1), (3.0, 0)] {
        let mut d = OutlierDemo::new(s_bar, seed);
        assert_eq!(d.advance(2 * STEPS), STEPS);
        assert!(d.is_done());
        let p = d.predicted.expect("above the threshold");
        // Whitened inputs, aligned balanced start: each mode is on its exact map to rounding.
        for (r, e) in d.records().iter().zip(d.exact_modes()) {
            for (a, (m, x)) in r.modes.iter().zip(&e).enumerate() {
                assert!((m - x).abs() < 1e-12 * d.svd.s[0], "mode {a} at {}", r.step);
            }
        }
        // The sample's outlier sits where the approximation says, above the bulk edge.
        let (s1, ou, ov) = d.measured;
        assert!(rel(s1, p.s_hat) < 0.03, "s₁ {s1} vs ŝ {}", p.s_hat);
        assert!(
            (ou - p.u_overlap2).abs() < 0.03,
            "⟨û,ū⟩² {ou} vs {}",
            p.u_overlap2
        );
        assert!(
            (ov - p.v_overlap2).abs() < 0.03,
            "⟨v̂,v̄⟩² {ov} vs {}",
            p.v_overlap2
        );
        assert!(d.svd.s[1] < 1.02 * d.edge() && d.svd.s[1] > 0.9 * d.edge());
        // The approximation's top mode ends at ŝ; the simulation's at its own s₁.
        let last = d.records().last().unwrap();
        assert!(rel(last.modes[0], s1) < 1e-6);
        assert!(rel(d.predicted_top().unwrap().last().copied().unwrap(), p.s_hat) < 1e-6);
        // Signal before noise: the best distance to the clean signal is near the closest any
        // multiple of ûv̂ᵀ comes, far below where training ends (every noise mode learned).
        let (_, best) = d.best().unwrap();
        let floor = d.predicted_floor().unwrap();
        assert!(
            best >= floor - 0.02 && best < floor + 0.04,
            "best {best} vs floor {floor}"
        );
        assert!(
            last.signal_error > 10.0 * best,
            "{} vs {best}",
            last.signal_error
        );
    }
    // Below the threshold A^{1/4} ≈ 0.71 there is no outlier to predict.
    let weak = OutlierDemo::new(0.5, 0);
    assert!(weak.predicted.is_none() && weak.predicted_floor().is_none());
}

#[test]
fn a_deep_student_on_a_teacher_sample_records_its_modes_and_their_prediction() {
    let cfg = config(json!({
        "dataset": {"kind": "teacher", "inputs": 40, "examples": 80, "snr": 4, "outputs": 3},
        "network": {"hidden": [8]},
        "init": {"kind": "small_gaussian", "scale": 0.01},
        "train": {"lr": 0.02, "steps": 1000, "record_every": 100}
    }));
    let mut run = GenRun::new(&cfg).unwrap();
    run.advance(u64::MAX);
    let recs = run.records();
    assert!(recs
        .iter()
        .all(|r| r.modes.len() == 3 && r.exact_test_error.is_none()));
    let pred = run.predicted_modes().unwrap();
    assert_eq!(pred.len(), recs.len());
    assert!(
        !run.deep().unwrap().exact,
        "Gaussian inputs are not whitened"
    );
    // Every mode starts near zero and is learned; the test error falls from σ₀² + 1.
    let last = recs.last().unwrap();
    assert!(
        recs[0].modes.iter().all(|m| m.abs() < 0.05),
        "{:?}",
        recs[0].modes
    );
    assert!(last.modes.iter().all(|&m| m > 1.0), "{:?}", last.modes);
    assert!(pred.last().unwrap().iter().all(|&m| m > 1.0));
    assert!(last.test_error < 0.5 * recs[0].test_error);
}

// ----- bad input -----

#[test]
fn bad_loads_snrs_and_sizes_are_refused_naming_the_field() {
    let bad = |v: Value, field: &str| {
        let err = GenConfig::from_value(v.clone()).unwrap_err();
        assert_eq!(err.field, field, "{v}: {err}");
    };
    let ds = |extra: Value| {
        let mut d = json!({"kind": "teacher"});
        for (k, v) in extra.as_object().unwrap() {
            d[k] = v.clone();
        }
        json!({ "dataset": d })
    };
    bad(ds(json!({"snr": 0})), "dataset.snr");
    bad(ds(json!({"snr": -1})), "dataset.snr");
    bad(ds(json!({"snr": "high"})), "dataset.snr");
    bad(ds(json!({"inputs": 0})), "dataset.inputs");
    bad(ds(json!({"inputs": 1001})), "dataset.inputs");
    bad(ds(json!({"examples": 5000})), "dataset.examples");
    bad(ds(json!({"examples": -3})), "dataset.examples");
    bad(ds(json!({"outputs": 0})), "dataset.outputs");
    bad(ds(json!({"colour": 1})), "dataset.colour");
    bad(
        json!({"sweep": {"over": "alpha", "alphas": [1, 0]}}),
        "sweep.alphas[1]",
    );
    bad(
        json!({"sweep": {"over": "alpha", "snrs": [4, -2]}}),
        "sweep.snrs[1]",
    );
    bad(json!({"sweep": {"over": "snr"}}), "sweep.over");
    bad(json!({"network": {"hidden": [4, 4]}}), "network.hidden");
    bad(
        json!({"network": {"hidden": [4]}, "init": {"kind": "zero"}}),
        "init.kind",
    );
    bad(
        json!({"init": {"kind": "small_gaussian", "scale": -1}}),
        "init.scale",
    );
    bad(json!({"train": {"lr": 0}}), "train.lr");
    let msg = GenConfig::from_value(ds(json!({"snr": 0})))
        .unwrap_err()
        .to_string();
    assert!(
        msg.starts_with("dataset.snr") && msg.contains("in (0, "),
        "{msg}"
    );
    // Sizes up to 1000 are accepted.
    config(ds(json!({"inputs": 1000, "examples": 1000})));
    // A rate at which descent diverges on this sample is refused before any step.
    let cfg = config(json!({"dataset": {"kind": "teacher"}, "train": {"lr": 0.6}}));
    assert_eq!(GenRun::new(&cfg).err().unwrap().field, "train.lr");
}

// ----- the command line -----

fn dln(args: &[&str], stdin: &str) -> (i32, String, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_dln"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn finite_array(v: &Value, n: usize, what: &str) -> Vec<f64> {
    let a = v.as_array().unwrap_or_else(|| panic!("{what} is an array"));
    assert_eq!(a.len(), n, "{what}");
    a.iter()
        .map(|x| {
            let x = x.as_f64().unwrap_or_else(|| panic!("{what}: {x}"));
            assert!(x.is_finite(), "{what}");
            x
        })
        .collect()
}

#[test]
fn dln_run_on_a_teacher_config_writes_the_generalisation_fields_on_the_recorded_steps() {
    let cfg = json!({"dataset": {"kind": "teacher", "inputs": 80, "examples": 60, "snr": 4},
                     "init": {"kind": "small_gaussian", "scale": 0.3},
                     "train": {"steps": 3000, "record_every": 500}});
    let (code, out, err) = dln(&["run", "-"], &cfg.to_string());
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let steps = doc["steps"].as_array().unwrap().len();
    assert!(steps > 10);
    let g = &doc["generalisation"];
    let test = finite_array(&g["test_error"], steps, "test_error");
    finite_array(&g["train_error"], steps, "train_error");
    let exact = finite_array(&g["theory"]["test_error"], steps, "theory.test_error");
    finite_array(&g["theory"]["train_error"], steps, "theory.train_error");
    let mp = finite_array(&g["theory"]["test_error_mp"], steps, "theory.test_error_mp");
    finite_array(
        &g["theory"]["train_error_mp"],
        steps,
        "theory.train_error_mp",
    );
    for k in 0..steps {
        assert!(rel(exact[k], test[k]) < 1e-9);
    }
    let th = MpTheory::new(0.75, 4.0, 0.09);
    assert!(rel(mp[steps - 1], th.test_error(30.0)) < 1e-12);
    let stop = th.early_stop();
    for (key, want) in [
        ("t_opt", stop.t_opt),
        ("test_error_at_t_opt", stop.test_error),
        ("ridge_test_error", th.optimal_ridge_test_error()),
        ("alpha", 0.75),
        ("snr", 4.0),
    ] {
        let v = g[key].as_f64().unwrap_or_else(|| panic!("{key}"));
        assert!(rel(v, want) < 1e-9, "{key}: {v} vs {want}");
    }
    // A bad config is refused with the field's name.
    let (code, _, err) = dln(
        &["run", "-"],
        r#"{"dataset": {"kind": "teacher", "snr": 0}}"#,
    );
    assert_eq!(code, 2);
    assert!(err.contains("dataset.snr"), "{err}");
}

#[test]
fn dln_sweep_over_alpha_prints_one_row_per_load_and_snr_from_the_theory() {
    let cfg = json!({"sweep": {"over": "alpha", "alphas": [0.5, 1, 2], "snrs": [1, 4]}});
    let (code, out, err) = dln(&["sweep", "-"], &cfg.to_string());
    assert_eq!(code, 0, "{err}");
    let rows: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(rows.len(), 6);
    for r in &rows {
        for key in [
            "alpha",
            "snr",
            "test_error_final",
            "test_error_at_t_opt",
            "t_opt",
            "overtraining",
        ] {
            assert!(r[key].as_f64().is_some_and(f64::is_finite), "{r}: {key}");
        }
    }
    let at = |a: f64, s: f64| {
        rows.iter()
            .find(|r| r["alpha"] == json!(a) && r["snr"] == json!(s))
            .unwrap()
    };
    assert!((at(1.0, 4.0)["t_opt"].as_f64().unwrap() - 2.4651).abs() < 5e-4);
    assert!((at(2.0, 4.0)["test_error_final"].as_f64().unwrap() - 0.4).abs() < 1e-6);
    assert!((at(1.0, 4.0)["overtraining"].as_f64().unwrap() - 12.8).abs() < 0.1);
}

// ----- charts -----

fn hex(c: plotters::style::RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// Points of the longest polyline of a colour.
fn polyline_points(svg: &str, color: &str) -> usize {
    svg.split("<polyline")
        .skip(1)
        .filter(|p| p.contains(&format!("stroke=\"{color}\"")))
        .map(|p| {
            let pts = p.split("points=\"").nth(1).unwrap_or("");
            pts.split('"')
                .next()
                .unwrap_or("")
                .split_whitespace()
                .count()
        })
        .max()
        .unwrap_or(0)
}

/// Writes a chart for looking at (target/generalisation-charts/NAME.svg).
fn keep(name: &str, svg: &str) {
    let dir = format!(
        "{}/target/generalisation-charts",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(format!("{dir}/{name}.svg"), svg).unwrap();
}

#[test]
fn every_generalisation_chart_renders_its_series_to_svg() {
    use dln_explorer::chapters::generalisation::charts as gc;
    use dln_explorer::chapters::generalisation::sweep::{theory_row, HeatMap};
    use dln_explorer::charts::svg_with;
    // Errors against time, α = 1 (overtraining), with every record drawn.
    let cfg = config(json!({
        "dataset": {"kind": "teacher", "inputs": 100, "examples": 100, "snr": 4},
        "train": {"lr": 0.05, "steps": 20000, "record_every": 1000}
    }));
    let mut run = GenRun::new(&cfg).unwrap();
    run.advance(u64::MAX);
    let svg = svg_with(720, 420, |root, th| gc::draw_errors(root, &run, th)).unwrap();
    keep("errors", &svg);
    let drawn = run.records().iter().filter(|r| r.time > 0.0).count();
    assert_eq!(polyline_points(&svg, &hex(gc::TEST)), drawn);
    assert_eq!(polyline_points(&svg, &hex(gc::TRAIN)), drawn);
    assert!(polyline_points(&svg, &hex(gc::LARGE_N)) > 100);
    assert!(
        svg.contains("exact: this sample") && svg.contains("t_opt = 2.47τ"),
        "labels"
    );
    // The spectrum at α = 1/2: histogram, density and the atom's weight; the frozen floor.
    let cfg = config(
        json!({"dataset": {"kind": "teacher", "inputs": 400, "examples": 200},
                            "init": {"kind": "small_gaussian", "scale": 0.5},
                            "train": {"lr": 0.05, "steps": 2000, "record_every": 500}}),
    );
    let mut half = GenRun::new(&cfg).unwrap();
    half.advance(u64::MAX);
    let svg = svg_with(720, 380, |root, th| {
        gc::draw_spectrum(root, half.spectrum(), 0.5, th)
    })
    .unwrap();
    keep("spectrum", &svg);
    assert!(polyline_points(&svg, &hex(gc::LARGE_N)) > 300);
    assert!(svg.contains("1 − α = 0.5") && svg.contains("200 of 400 eigenvalues are 0"));
    assert!(svg.matches("<rect").count() > 20, "histogram bars");
    let svg = svg_with(720, 380, |root, th| {
        gc::draw_spectrum(root, run.spectrum(), 1.0, th)
    })
    .unwrap();
    keep("spectrum_alpha1", &svg);
    assert!(!svg.contains("atom"));
    let svg = svg_with(720, 420, |root, th| gc::draw_errors(root, &half, th)).unwrap();
    keep("errors_frozen", &svg);
    assert!(svg.contains("frozen subspace (1 − α)(σ²₀ + σ²w) + σ²ε = 0.725"));
    // The deep student's modes, simulated and mapped.
    let cfg = config(json!({
        "dataset": {"kind": "teacher", "inputs": 40, "examples": 80, "snr": 4, "outputs": 3},
        "network": {"hidden": [8]},
        "init": {"kind": "small_gaussian", "scale": 0.01},
        "train": {"lr": 0.004, "steps": 4000, "record_every": 200}
    }));
    let mut deep = GenRun::new(&cfg).unwrap();
    deep.advance(u64::MAX);
    let svg = svg_with(720, 380, |root, th| gc::draw_deep_modes(root, &deep, th)).unwrap();
    keep("deep_modes", &svg);
    // The outlier demo: the outlier mode, the noise modes and the approximation.
    let mut demo = dln_explorer::chapters::generalisation::outlier::OutlierDemo::new(2.0, 0);
    demo.advance(u64::MAX);
    let outlier_svg = svg_with(720, 520, |root, th| gc::draw_outlier(root, &demo, th)).unwrap();
    keep("outlier", &outlier_svg);
    assert!(outlier_svg.contains("random-matrix outlier approximation, ŝ = 2.3"));
    assert!(outlier_svg.contains("noise bulk edge 1 + √A = 1.5"));
    assert!(
        polyline_points(&outlier_svg, &hex(gc::TEST)) > 40,
        "the distance curve"
    );
    let shown = deep.records().iter().filter(|r| r.time > 0.0).count();
    for a in 0..3 {
        assert_eq!(
            polyline_points(&svg, &hex(dln_explorer::charts::mode_color(a))),
            shown
        );
    }
    assert!(svg.contains("an approximation"));
    let svg = svg_with(720, 420, |root, th| gc::draw_errors(root, &deep, th)).unwrap();
    keep("errors_deep", &svg);
    assert!(!svg.contains("exact: this sample") && svg.contains("shallow student"));
    // Per-direction stopping times.
    let svg = svg_with(720, 380, |root, th| {
        gc::draw_stop_times(root, half.theory(), th)
    })
    .unwrap();
    keep("stop_times", &svg);
    assert_eq!(polyline_points(&svg, &hex(gc::EXACT)), 201);
    // The α sweep, two SNRs.
    let alphas = [0.25, 0.5, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0, 3.0];
    let rows: Vec<_> = [1.0, 4.0]
        .iter()
        .flat_map(|&s| alphas.iter().map(move |&a| theory_row(a, s, 0.0)))
        .collect();
    let svg = svg_with(720, 420, |root, th| gc::draw_alpha_sweep(root, &rows, th)).unwrap();
    keep("alpha_sweep", &svg);
    let c0 = hex(dln_explorer::charts::PALETTE[0]);
    assert!(svg.contains("SNR 4") && polyline_points(&svg, &c0) >= alphas.len());
    // The heat map, coarse, done in slices: its cells are drawn in the diverging colours.
    let mut map = HeatMap::with_axes(
        (1..=10).map(|k| k as f64 / 2.0).collect(),
        (0..=10).map(|k| -2.0 + k as f64 / 2.0).collect(),
        0.0,
    );
    let mut slices = 0;
    while !map.work(7) {
        slices += 1;
        assert!(map.progress() < 1.0);
    }
    assert_eq!(slices, 110 / 7);
    let svg = svg_with(760, 360, |root, th| gc::draw_heat_map(root, &map, th)).unwrap();
    keep("heat_map", &svg);
    assert!(svg.contains("optimal early stopping") && svg.contains("10^3"));
    assert!(svg.matches("<rect").count() >= 2 * 110);
    // Early stopping never does worse than training on, cell by cell.
    for r in 0..11 {
        for c in 0..10 {
            assert!(map.early[r][c] >= map.late[r][c] - 1e-9);
        }
    }
}

#[test]
fn the_alpha_sweep_with_seeds_adds_sampled_means_close_to_the_theory() {
    use dln_explorer::chapters::generalisation::sweep::AlphaSweep;
    let cfg = config(json!({
        "dataset": {"kind": "teacher", "inputs": 100},
        "sweep": {"over": "alpha", "alphas": [0.5, 2], "snrs": [4], "seeds": 4}
    }));
    let mut sweep = AlphaSweep::new(&cfg);
    assert_eq!(sweep.total(), 2 * 5);
    let mut last = 0.0;
    while !sweep.work(1) {
        assert!(sweep.progress() > last && sweep.progress() < 1.0);
        last = sweep.progress();
    }
    let rows = sweep.rows();
    assert_eq!(rows.len(), 2);
    for r in rows {
        let sim = r.simulated.as_ref().unwrap();
        assert_eq!((sim.inputs, sim.seeds), (100, 4));
        assert_eq!(sim.examples, (r.alpha * 100.0) as usize);
        // Four datasets of N = 100: the finite-N spread is several per cent.
        assert!(rel(sim.test_error_final, r.test_error_final) < 0.1, "{r:?}");
        assert!(
            rel(sim.test_error_at_t_opt, r.test_error_at_t_opt) < 0.1,
            "{r:?}"
        );
        assert!(sim.test_error_at_t_opt <= sim.test_error_final);
    }
}

// ----- the chapter on the page, through the registry -----

mod chapter {
    use dln_explorer::chapters::registry::Registry;
    use dln_explorer::config::Config;
    use plotters::prelude::*;
    use serde_json::{json, Value};

    fn registry() -> Registry {
        Registry::new(&Config::default().merged(&json!({})).unwrap())
    }

    fn draw(reg: &mut Registry, panel: &str) {
        let mut text = String::new();
        let root = SVGBackend::with_string(&mut text, (600, 400)).into_drawing_area();
        reg.draw(panel, &root, &Default::default()).unwrap();
    }

    #[test]
    fn the_chapter_starts_on_its_first_preset_and_answers_its_state() {
        let mut reg = registry();
        let st = reg.call("genState", &[]).unwrap();
        assert_eq!(st["preset"], json!("overtraining"));
        assert_eq!(st["alpha"], json!(1.0));
        assert_eq!(st["step"], json!(0));
        assert!(
            (st["t_opt"].as_f64().unwrap() - 2.4651).abs() < 5e-3,
            "{st}"
        );
        assert!(st["eigen_ms"].as_f64().unwrap() >= 0.0);
        let presets = reg.call("genPresets", &[]).unwrap();
        let ids: Vec<&str> = presets
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["overtraining", "frozen", "ridge", "deep"]);
    }

    #[test]
    fn a_partial_config_is_merged_and_bad_values_are_refused_naming_the_field() {
        let mut reg = registry();
        let st = reg
            .call("genConfigure", &[json!({"dataset": {"examples": 100}})])
            .unwrap();
        assert_eq!(st["alpha"], json!(0.5));
        assert_eq!(st["config"]["dataset"]["inputs"], json!(200));
        assert!(st["frozen_floor"].as_f64().unwrap() > 0.0);
        for (patch, field) in [
            (json!({"dataset": {"snr": -1}}), "dataset.snr"),
            (json!({"dataset": {"snr": "loud"}}), "dataset.snr"),
            (json!({"dataset": {"inputs": 1001}}), "dataset.inputs"),
            (json!({"dataset": {"examples": 0}}), "dataset.examples"),
            (json!({"train": {"lr": 5}}), "train.lr"),
            (
                json!({"network": {"hidden": [8]}, "init": {"kind": "zero"}}),
                "init.kind",
            ),
            (json!(3), "config"),
        ] {
            let err = reg
                .call("genConfigure", std::slice::from_ref(&patch))
                .unwrap_err();
            assert_eq!(err.field, field, "{patch}: {err}");
        }
        // Nothing changed.
        assert_eq!(reg.call("genState", &[]).unwrap()["alpha"], json!(0.5));
        let err = reg.call("genPreset", &[json!("nope")]).unwrap_err();
        assert_eq!(err.field, "preset");
        assert!(err.message.contains("overtraining, frozen, ridge, deep"));
    }

    #[test]
    fn every_preset_loads_with_its_caption_and_every_panel_draws() {
        let mut reg = registry();
        for id in ["overtraining", "frozen", "ridge", "deep"] {
            let r = reg.call("genPreset", &[json!(id)]).unwrap();
            assert_eq!(r["id"], json!(id));
            assert!(r["caption"].as_str().unwrap().len() > 80);
            assert_eq!(r["state"]["deep"], json!(id == "deep"));
            reg.call("genStep", &[json!(500)]).unwrap();
            for p in [
                "gen-errors",
                "gen-spectrum",
                "gen-stop",
                "gen-modes",
                "gen-sweep",
                "gen-heat",
            ] {
                draw(&mut reg, p);
            }
        }
    }

    #[test]
    fn the_ridge_preset_stops_early_within_two_percent_of_the_best_ridge() {
        let mut reg = registry();
        let st = reg.call("genPreset", &[json!("ridge")]).unwrap()["state"].clone();
        let (stop, ridge) = (
            st["test_error_at_t_opt"].as_f64().unwrap(),
            st["ridge_test_error"].as_f64().unwrap(),
        );
        assert!(stop >= ridge && stop < 1.02 * ridge, "{stop} vs {ridge}");
    }

    #[test]
    fn panels_are_redrawn_only_when_their_own_state_changes() {
        let mut reg = registry();
        for p in ["gen-errors", "gen-spectrum", "gen-sweep"] {
            draw(&mut reg, p);
            assert!(!reg.stale(p, 600, 400), "{p}");
        }
        // A step of the main run changes none of them.
        reg.advance(10);
        assert!(!reg.stale("gen-errors", 600, 400));
        // A step of the chapter's run changes the errors, not the spectrum or the sweep.
        reg.call("genStep", &[json!(10)]).unwrap();
        assert!(reg.stale("gen-errors", 600, 400));
        assert!(!reg.stale("gen-spectrum", 600, 400));
        assert!(!reg.stale("gen-sweep", 600, 400));
        // A new sample changes the spectrum.
        reg.call("genConfigure", &[json!({"dataset": {"seed": 3}})])
            .unwrap();
        assert!(reg.stale("gen-spectrum", 600, 400));
        reg.call("genSweepStart", &[]).unwrap();
        assert!(reg.stale("gen-sweep", 600, 400));
    }

    #[test]
    fn a_sweep_run_elsewhere_does_no_work_here_and_shows_exactly_the_rows_and_cells_it_is_sent() {
        // The worker's copy computes the sweep; the page's copy adopts what it reports.
        let (mut worker, mut page) = (registry(), registry());
        let small = json!({"sweep": {"alphas": [0.5, 1.0, 2.0], "snrs": [4.0]}});
        for r in [&mut worker, &mut page] {
            r.call("genConfigure", std::slice::from_ref(&small))
                .unwrap();
        }
        worker.call("genSweepStart", &[]).unwrap();
        let started = page.call("genSweepStart", &[json!("elsewhere")]).unwrap();
        assert_eq!(started["elsewhere"], json!(true));
        assert!(!page.work(1_000_000), "the page's copy has no sweep work");
        let mut reports = 0;
        loop {
            let going = worker.work(20_000);
            let sent: Value = serde_json::from_str(
                &worker
                    .call("genSweepState", &[json!(true)])
                    .unwrap()
                    .to_string(),
            )
            .unwrap();
            page.call("genSweepAdopt", std::slice::from_ref(&sent))
                .unwrap();
            reports += 1;
            let shown = page.call("genSweepState", &[json!(true)]).unwrap();
            for k in ["rows", "late", "early", "rows_done", "cells_done", "status"] {
                assert_eq!(shown[k], sent[k], "{k} after report {reports}");
            }
            if !going {
                break;
            }
        }
        assert!(reports > 2, "{reports} reports");
        let done = page.call("genSweepState", &[json!(true)]).unwrap();
        assert_eq!(done["status"], json!("done"));
        assert_eq!(done["rows"].as_array().unwrap().len(), 3);
        // α = 1 has no finite E_g(∞): it crosses as null and comes back infinite.
        assert_eq!(done["rows"][1]["test_error_infinite"], Value::Null);
        // Rows of another sweep are refused.
        let mut other = registry();
        other.call("genSweepStart", &[json!("elsewhere")]).unwrap();
        let mut sent = worker.call("genSweepState", &[json!(true)]).unwrap();
        sent["status"] = json!("running");
        let e = other.call("genSweepAdopt", &[sent]).unwrap_err();
        assert_eq!(e.field, "sweep.state.rows");
    }

    #[test]
    fn the_outlier_demo_trains_when_asked_reads_out_its_modes_and_refuses_a_bad_signal() {
        let mut reg = registry();
        let st = reg.call("genOutlierState", &[]).unwrap();
        assert_eq!(
            (st["step"].clone(), st["done"].clone()),
            (json!(0), json!(false))
        );
        // Background work for the other chapters does not train it.
        assert!(!reg.work(1_000_000));
        assert_eq!(reg.call("genOutlierState", &[]).unwrap()["step"], json!(0));
        let st = reg.call("genOutlierStep", &[json!(1000)]).unwrap();
        assert_eq!(st["done"], json!(true));
        let floor = st["predicted_floor"].as_f64().unwrap();
        assert!((floor - 0.2704).abs() < 1e-4, "{st}");
        draw(&mut reg, "gen-outlier");
        let dln_explorer::charts::Frame::Parts { parts } =
            reg.frame("gen-outlier").unwrap().clone()
        else {
            panic!("two plots");
        };
        let dln_explorer::charts::Frame::Xy {
            left,
            right,
            top,
            bottom,
            ..
        } = parts[0]
        else {
            panic!("an x-y plot");
        };
        let text = reg
            .readout(
                "gen-outlier",
                f64::from(right - 5),
                f64::from(top + bottom) / 2.0,
            )
            .unwrap();
        let s1 = st["measured"]["s_hat"].as_f64().unwrap();
        assert!(
            text.contains(&format!(
                "outlier mode {}",
                dln_explorer::charts::fmt_num(s1)
            )),
            "{text}"
        );
        assert!(reg
            .readout("gen-outlier", f64::from(left - 20), f64::from(top + 5))
            .is_none());
        let table = reg.table("gen-outlier").unwrap();
        assert_eq!(table["columns"][2], json!("mode 1"));
        assert!(table["rows"].as_array().unwrap().len() > 50);
        for bad in [json!(0), json!(4.5), json!("loud")] {
            let e = reg.call("genOutlier", &[bad]).unwrap_err();
            assert_eq!(e.field, "outlier.signal");
        }
        let weak = reg.call("genOutlier", &[json!(0.5)]).unwrap();
        assert_eq!(weak["predicted"], Value::Null);
        assert_eq!(weak["step"], json!(0));
    }

    #[test]
    fn a_spectrum_decomposed_elsewhere_gives_the_run_a_decomposition_here_gives() {
        // The worker's copy decomposes the new sample and sends its spectrum as numbers; the
        // page's copy builds the same run from them without decomposing anything itself.
        let (mut worker, mut page, mut here) = (registry(), registry(), registry());
        let patch = json!({"dataset": {"inputs": 150, "examples": 90, "seed": 5}});
        worker
            .call("genConfigure", std::slice::from_ref(&patch))
            .unwrap();
        let mut numbers = Vec::new();
        // As the page gets it: through JSON text (where 4.0 arrives as 4).
        let of: Value = serde_json::from_str(
            &worker
                .call_numbers("genSpectrumNumbers", &[], &mut numbers)
                .unwrap()
                .to_string()
                .replace(".0,", ","),
        )
        .unwrap();
        assert_eq!(numbers.len(), 90 * (1 + 150 + 90));
        assert_eq!(of["dataset"]["inputs"], json!(150));
        let adopted = page
            .call_numbers(
                "genSpectrumAdopt",
                &[patch.clone(), of.clone()],
                &mut numbers,
            )
            .unwrap();
        let direct = here
            .call("genConfigure", std::slice::from_ref(&patch))
            .unwrap();
        for k in ["alpha", "exact_test_error", "t_opt", "frozen_floor"] {
            assert_eq!(adopted[k], direct[k], "{k}");
        }
        for r in [&mut page, &mut here] {
            r.call("genStep", &[json!(400)]).unwrap();
        }
        let (a, b) = (
            page.call("genState", &[]).unwrap(),
            here.call("genState", &[]).unwrap(),
        );
        for k in ["test_error", "exact_test_error", "train_error"] {
            assert_eq!(a[k], b[k], "{k} after 400 steps");
        }
        // A spectrum of another dataset, or of the wrong length, is refused and changes nothing.
        let other = json!({"dataset": {"inputs": 150, "examples": 90, "seed": 6}});
        let e = page
            .call_numbers("genSpectrumAdopt", &[other, of.clone()], &mut numbers)
            .unwrap_err();
        assert_eq!(e.field, "spectrum");
        numbers.pop();
        let e = page
            .call_numbers("genSpectrumAdopt", &[patch, of], &mut numbers)
            .unwrap_err();
        assert_eq!(e.field, "spectrum");
        assert!(e.message.contains("21690 finite numbers"), "{e}");
        assert_eq!(page.call("genState", &[]).unwrap()["step"], json!(400));
    }

    #[test]
    fn work_trains_the_run_while_it_plays_and_stops_at_the_end() {
        let mut reg = registry();
        reg.call("genConfigure", &[json!({"train": {"steps": 300}})])
            .unwrap();
        assert!(!reg.work(1000), "nothing to do while paused");
        assert_eq!(reg.call("genState", &[]).unwrap()["step"], json!(0));
        reg.call("genPlay", &[json!(true)]).unwrap();
        // One step at N = P = 200 costs 8 units: a budget of 80 takes 10 steps.
        assert!(reg.work(80));
        assert_eq!(reg.call("genState", &[]).unwrap()["step"], json!(10));
        while reg.work(10_000) {}
        let st = reg.call("genState", &[]).unwrap();
        assert_eq!(
            (st["step"].clone(), st["playing"].clone()),
            (json!(300), json!(false))
        );
        assert_eq!(st["done"], json!(true));
    }

    #[test]
    fn the_sweep_runs_in_slices_reports_progress_and_can_be_cancelled() {
        let mut reg = registry();
        reg.call(
            "genConfigure",
            &[json!({"sweep": {"alphas": [0.5, 1, 2], "snrs": [4]}})],
        )
        .unwrap();
        let st = reg.call("genSweepStart", &[]).unwrap();
        assert_eq!(st["status"], json!("running"));
        let mut last = -1.0;
        for _ in 0..4 {
            reg.work(700);
            let p = reg.call("genSweepState", &[]).unwrap()["progress"]
                .as_f64()
                .unwrap();
            assert!(p > last && p < 1.0, "{p}");
            last = p;
        }
        let st = reg.call("genSweepCancel", &[]).unwrap();
        assert_eq!(st["status"], json!("cancelled"));
        assert_eq!(st["rows_done"], json!(3));
        assert!(!reg.work(10_000));
        let st = reg.call("genSweepState", &[]).unwrap();
        assert_eq!(st["progress"].as_f64().unwrap(), last);
        draw(&mut reg, "gen-sweep");
        draw(&mut reg, "gen-heat");
        // Hovering the sweep reads the theory at the nearest load.
        let f = reg.frame("gen-sweep").unwrap().clone();
        let dln_explorer::charts::Frame::Xy {
            left,
            right,
            top,
            bottom,
            ..
        } = f
        else {
            panic!("{f:?}")
        };
        let text = reg
            .readout("gen-sweep", right as f64 - 2.0, (top + bottom) as f64 / 2.0)
            .unwrap();
        assert!(
            text.starts_with("α = 2 (large-N theory): SNR 4: E_g(10⁴τ) 0.4"),
            "{text}"
        );
        assert!(reg
            .readout("gen-sweep", left as f64 - 20.0, top as f64)
            .is_none());
    }

    #[test]
    fn hovering_the_errors_reads_the_simulation_the_exact_curve_and_the_theory() {
        let mut reg = registry();
        reg.call("genStep", &[json!(2000)]).unwrap();
        draw(&mut reg, "gen-errors");
        let dln_explorer::charts::Frame::Xy {
            left,
            right,
            top,
            bottom,
            ..
        } = reg.frame("gen-errors").unwrap().clone()
        else {
            panic!()
        };
        let text = reg
            .readout(
                "gen-errors",
                (left + right) as f64 / 2.0,
                (top + bottom) as f64 / 2.0,
            )
            .unwrap();
        assert!(text.contains("(simulation); exact: test"), "{text}");
        assert!(text.contains("large-N theory: test"), "{text}");
        let v: Value = reg.call("genState", &[]).unwrap();
        let (sim, exact) = (
            v["test_error"].as_f64().unwrap(),
            v["exact_test_error"].as_f64().unwrap(),
        );
        assert!((sim - exact).abs() < 1e-9 * exact);
    }
}
