//! The context-and-architecture chapter: the gated routing network and the linear recurrent
//! network against their reduced dynamics (closed-form checks and docs/theory.md §9.5, 9.6 numbers).

use dln_explorer::chapters::context::gated::{
    cyclic_gates, race_half_time, race_toy, GatedNetwork, Race, RouteModes, RoutingTask,
};
use dln_explorer::chapters::context::recurrent::{ModeScalars, RecurrentNetwork, SequenceTask};
use dln_explorer::chapters::context::{ContextConfig, RoutingRun, SequenceRun};
use dln_explorer::engine::rng::Rng;
use serde_json::json;

const S_TOY: [f64; 4] = [13.6015, 6.4031, 3.0, 3.0];

fn routing(patch: serde_json::Value) -> RoutingRun {
    let mut v = json!({"dataset": {"kind": "routing"}});
    merge(&mut v, &patch);
    RoutingRun::new(&ContextConfig::from_value(&v).unwrap()).unwrap()
}

fn sequence(patch: serde_json::Value) -> SequenceRun {
    let mut v = json!({"dataset": {"kind": "sequence"}});
    merge(&mut v, &patch);
    SequenceRun::new(&ContextConfig::from_value(&v).unwrap()).unwrap()
}

fn merge(a: &mut serde_json::Value, b: &serde_json::Value) {
    match (a, b) {
        (serde_json::Value::Object(a), serde_json::Value::Object(b)) => {
            for (k, v) in b {
                merge(a.entry(k.clone()).or_insert(serde_json::Value::Null), v);
            }
        }
        (a, b) => *a = b.clone(),
    }
}

fn refusal(cfg: serde_json::Value) -> (String, String) {
    let e = ContextConfig::from_value(&cfg).expect_err("the config is refused");
    (e.field, e.message)
}

// ----- the routing network -----

#[test]
fn the_cyclic_rule_trains_each_input_with_k_neighbouring_outputs() {
    let g = cyclic_gates(7, 4);
    // Input 0 with outputs 6, 0, 1, 2 (j = -1..=2).
    assert_eq!(g.row(0).to_vec(), vec![1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
    for i in 0..7 {
        assert_eq!(g.row(i).sum(), 4.0);
        assert_eq!(g.column(i).sum(), 4.0);
    }
    assert_eq!(cyclic_gates(5, 1), ndarray::Array2::<f64>::eye(5));
    assert_eq!(RoutingTask::new(g, race_toy()).regular(), Some(4));
}

#[test]
fn the_race_toy_has_the_published_singular_values() {
    let task = RoutingTask::new(cyclic_gates(7, 4), race_toy());
    assert_eq!(task.y.dim(), (7, 4));
    for (s, want) in task.svd.s.iter().zip(S_TOY) {
        assert!((s - want).abs() < 5e-5, "{s} vs {want}");
    }
    assert!((task.svd.s[0] - 185f64.sqrt()).abs() < 1e-12);
    assert!((task.svd.s[1] - 41f64.sqrt()).abs() < 1e-12);
}

#[test]
fn race_modes_reach_half_their_target_at_the_published_times() {
    let s = [185f64.sqrt(), 41f64.sqrt(), 3.0];
    let want = [5.270, 11.093, 23.394];
    for (s, want) in s.into_iter().zip(want) {
        let t = race_half_time(s, 4, 7, 0.08, 1e-3, 200.0).unwrap();
        assert!((t - want).abs() < 2e-3, "s = {s}: half time {t} vs {want}");
    }
}

#[test]
fn the_shared_layer_ends_larger_by_root_m_on_the_conserved_hyperbola() {
    let s = 185f64.sqrt();
    let mut r = Race::new(0.08);
    let c0 = r.conserved(7);
    for _ in 0..100_000 {
        r.rk4_step(s, 4, 7, 2e-3);
    }
    assert!((r.conserved(7) - c0).abs() < 1e-10, "conserved drifts");
    assert!((r.u() - s).abs() < 1e-9);
    assert!((r.b_h - 4.5635).abs() < 5e-5, "b_h(inf) = {}", r.b_h);
    assert!((r.b_in - 1.7264).abs() < 5e-5, "b_in(inf) = {}", r.b_in);
    assert!((r.b_out - r.b_in).abs() < 1e-12);
    let limit = Race::limit(s, 7, c0);
    assert!((limit.b_h - r.b_h).abs() < 1e-9 && (limit.b_in - r.b_in).abs() < 1e-9);
    // Near sqrt(7) times larger: the start's imbalance is tiny.
    assert!((r.b_h / r.b_in - 7f64.sqrt()).abs() < 0.01);
}

#[test]
fn the_per_domain_reduction_is_the_three_scalar_race_for_cyclic_gates() {
    let task = RoutingTask::new(cyclic_gates(7, 4), race_toy());
    let mut general = RouteModes::aligned(&task, 0.08);
    let mut race: Vec<Race> = (0..4).map(|_| Race::new(0.08)).collect();
    for _ in 0..2000 {
        general.map_step(&task, 0.01);
        for (a, r) in race.iter_mut().enumerate() {
            r.map_step(task.svd.s[a], 4, 7, 0.01);
        }
    }
    for (a, r) in race.iter().enumerate() {
        assert!((general.b_h[a] - r.b_h).abs() < 1e-12);
        for i in 0..7 {
            assert!((general.b_in[a][i] - r.b_in).abs() < 1e-12);
            assert!((general.b_out[a][i] - r.b_out).abs() < 1e-12);
        }
        assert!((general.conserved(a) - r.conserved(7)).abs() < 1e-9);
    }
}

#[test]
fn gated_gradient_descent_from_a_decoupled_start_follows_the_reduced_map_to_rounding() {
    let run_for = |gates: Option<serde_json::Value>, k: Option<usize>| {
        let mut ds = json!({"kind": "routing", "domains": 5});
        if let Some(g) = gates {
            ds["gates"] = g;
        }
        if let Some(k) = k {
            ds["trained_per_input"] = json!(k);
        }
        let mut run = routing(json!({
            "dataset": ds,
            "network": {"hidden": [9, 6]},
            "init": {"kind": "aligned", "scale": 0.1},
            "train": {"lr": 0.05, "steps": 3000, "record_every": 50}
        }));
        run.advance(3000);
        let s1 = run.task().svd.s[0];
        let mut worst: f64 = 0.0;
        for rec in run.records() {
            let th = rec.theory.as_ref().unwrap();
            for (a, b) in rec.modes.iter().flatten().zip(th.iter().flatten()) {
                worst = worst.max((a - b).abs() / s1);
            }
            let tl = rec.theory_loss.unwrap();
            assert!(
                (rec.loss - tl).abs() <= 1e-10 * (1.0 + tl),
                "loss {} vs {tl}",
                rec.loss
            );
        }
        let last = run.records().last().unwrap();
        (worst, last.modes.clone())
    };
    // Cyclic gates (every domain alike) and an irregular user matrix (domains differ).
    let (worst, modes) = run_for(None, Some(3));
    assert!(worst < 1e-12, "cyclic: worst deviation {worst:e} of s_1");
    assert!((modes[0][0] - 185f64.sqrt()).abs() < 1e-3, "mode 1 learned");
    let g = json!([
        [1, 0, 0, 0, 0],
        [1, 1, 0, 0, 0],
        [0, 1, 1, 1, 0],
        [0, 0, 0, 1, 0],
        [0, 0, 0, 0, 1]
    ]);
    let (worst, _) = run_for(Some(g), None);
    assert!(worst < 1e-12, "irregular: worst deviation {worst:e} of s_1");
}

#[test]
fn gated_gradient_descent_approaches_the_gradient_flow_at_order_eta() {
    // M = 5, K = 3, every layer at 0.1: half time of the top mode, GD vs RK4 flow.
    let s = 185f64.sqrt();
    let flow = race_half_time(s, 3, 5, 0.1, 1e-3, 100.0).unwrap();
    let half = |lr: f64| {
        let steps = (3.0 * flow / lr) as u64;
        let mut run = routing(json!({
            "dataset": {"domains": 5, "trained_per_input": 3},
            "init": {"kind": "aligned", "scale": 0.1},
            "train": {"lr": lr, "steps": steps, "record_every": 1}
        }));
        run.advance(steps);
        let recs = run.records();
        let k = recs.iter().position(|r| r.modes[0][0] >= s / 2.0).unwrap();
        let (a, b) = (&recs[k - 1], &recs[k]);
        let (ua, ub) = (a.modes[0][0], b.modes[0][0]);
        a.time + (b.time - a.time) * (s / 2.0 - ua) / (ub - ua)
    };
    let e1 = (half(0.01) - flow).abs() / flow;
    let e2 = (half(0.005) - flow).abs() / flow;
    assert!(e1 < 0.01, "eta 0.01: {e1}");
    let ratio = e1 / e2;
    assert!(
        (1.7..2.3).contains(&ratio),
        "error ratio {ratio} (O(eta) gives 2)"
    );
}

#[test]
fn the_gated_step_is_the_gradient_of_the_gated_loss() {
    // Central differences on a few weights of a random start with an irregular gate matrix.
    let mut g = cyclic_gates(3, 2);
    g[(2, 2)] = 1.0;
    let task = RoutingTask::new(g, race_toy());
    let mut rng = Rng::new(5);
    let net = GatedNetwork::gaussian(&task, (5, 4), 0.3, &mut rng);
    let lr = 1e-7;
    let mut stepped = net.clone();
    stepped.step(&task, lr);
    let h = 1e-6;
    let probe = |f: &dyn Fn(&mut GatedNetwork, f64)| {
        let (mut a, mut b) = (net.clone(), net.clone());
        f(&mut a, h);
        f(&mut b, -h);
        (a.loss(&task) - b.loss(&task)) / (2.0 * h)
    };
    let checks: Vec<(f64, f64)> = vec![
        (
            probe(&|n, d| n.w_in[1][(2, 3)] += d),
            (stepped.w_in[1][(2, 3)] - net.w_in[1][(2, 3)]) / lr,
        ),
        (
            probe(&|n, d| n.w_h[(3, 1)] += d),
            (stepped.w_h[(3, 1)] - net.w_h[(3, 1)]) / lr,
        ),
        (
            probe(&|n, d| n.w_out[2][(6, 0)] += d),
            (stepped.w_out[2][(6, 0)] - net.w_out[2][(6, 0)]) / lr,
        ),
    ];
    for (grad, step) in checks {
        assert!(
            (grad + step).abs() < 1e-6 * (1.0 + grad.abs()),
            "{grad} vs {}",
            -step
        );
    }
}

#[test]
fn untrained_routes_reach_the_task_modes() {
    // Decoupled start: every pathway, trained or not, converges to s exactly.
    let mut run = routing(json!({"train": {"lr": 0.05, "steps": 6000, "record_every": 6000}}));
    run.advance(6000);
    let task = run.task().clone();
    let last = run.records().last().unwrap();
    for i in 0..7 {
        for j in 0..7 {
            for (a, &s) in task.svd.s.iter().enumerate() {
                let u = last.modes[i * 7 + j][a];
                assert!((u - s).abs() < 1e-6 * s, "({i},{j}) mode {a}: {u} vs {s}");
            }
        }
    }
    assert!(!task.trained(0, 3));
    // Small random start: the untrained route 0 -> 3 still gets close to every mode.
    let mut run = routing(json!({
        "init": {"kind": "small_gaussian", "scale": 0.05},
        "train": {"lr": 0.05, "steps": 8000, "record_every": 8000}
    }));
    run.advance(8000);
    let last = run.records().last().unwrap();
    let u03 = &last.modes[3];
    eprintln!("untrained 0->3 from a random start: {u03:?}");
    for (a, &s) in task.svd.s.iter().enumerate() {
        assert!((u03[a] - s).abs() < 0.05 * s, "mode {a}: {} vs {s}", u03[a]);
    }
    // Trained routes fit exactly.
    for (a, &s) in task.svd.s.iter().enumerate() {
        assert!((last.modes[0][a] - s).abs() < 1e-3 * s);
    }
}

// ----- the recurrent network -----

fn flow(strengths: &[Vec<f64>], scale: f64, t: f64, dt: f64) -> ModeScalars {
    let mut x = ModeScalars::aligned(strengths[0].len(), scale);
    let n = (t / dt).round() as usize;
    for _ in 0..n {
        x.rk4_step(strengths, dt);
    }
    x
}

#[test]
fn a_recurrent_mode_has_the_published_scalars_and_kernel_at_two_time_constants() {
    let s = vec![vec![0.5], vec![1.0], vec![2.0]];
    let x = flow(&s, 0.05, 2.0, 1e-4);
    let (b, m, c) = (x.b[0], x.m[0], x.c[0]);
    assert!((b - 1.3342).abs() < 5e-5, "b = {b}");
    assert!((m - 0.5541).abs() < 5e-5, "m = {m}");
    assert!((c - 1.3342).abs() < 5e-5, "c = {c}");
    let k = x.kernel(3); // by lag: 0, 1, 2
    for (got, want) in k[0].iter().zip([1.7802, 0.98637, 0.54653]) {
        assert!((got - want).abs() < 5e-5, "kernel {got} vs {want}");
    }
    // Later, stronger lags are learned first: each lag's kernel reaches half its target in
    // the order lag 0, lag 1, lag 2.
    let mut x = ModeScalars::aligned(1, 0.05);
    let mut half = [None; 3];
    let target = [2.0, 1.0, 0.5];
    for n in 1..=40_000 {
        x.rk4_step(&s, 1e-4);
        for (lag, v) in x.kernel(3)[0].iter().enumerate() {
            if half[lag].is_none() && *v >= target[lag] / 2.0 {
                half[lag] = Some(n as f64 * 1e-4);
            }
        }
    }
    let half = half.map(|h| h.expect("every lag reaches half its target"));
    eprintln!("half times by lag: {half:?}");
    assert!(half[0] < half[1] && half[1] < half[2], "{half:?}");
}

#[test]
fn a_geometric_target_kernel_is_learned_exactly() {
    let s = vec![vec![0.5], vec![1.0], vec![2.0]];
    let x = flow(&s, 0.05, 60.0, 1e-3);
    assert!((x.m[0] - 0.5).abs() < 1e-8, "m = {}", x.m[0]);
    assert!((x.b[0] - 2f64.sqrt()).abs() < 1e-8);
    assert!((x.c[0] - 2f64.sqrt()).abs() < 1e-8);
    assert!(x.loss(&s) < 1e-14);
}

#[test]
fn a_kernel_that_is_not_geometric_settles_on_the_best_geometric_fit() {
    let s = vec![vec![0.2], vec![0.2], vec![1.0]];
    let x = flow(&s, 0.05, 200.0, 1e-3);
    let k = &x.kernel(3)[0];
    for (got, want) in k.iter().zip([0.99064, 0.26895, 0.07302]) {
        assert!((got - want).abs() < 5e-5, "kernel {got} vs {want}");
    }
    // A fixed point: the flow has stopped, and the loss is that of the best c m^lag b.
    let d = x.rate(&s);
    assert!(d.b[0].abs() < 1e-10 && d.m[0].abs() < 1e-10 && d.c[0].abs() < 1e-10);
    let best = (0..=2000)
        .map(|i| {
            let m = i as f64 / 2000.0;
            // Best product p = cb for this m (least squares on the three lags).
            let w = [m * m, m, 1.0];
            let tgt = [0.2, 0.2, 1.0];
            let p = w.iter().zip(&tgt).map(|(a, b)| a * b).sum::<f64>()
                / w.iter().map(|a| a * a).sum::<f64>();
            w.iter()
                .zip(&tgt)
                .map(|(a, b)| 0.5 * (b - p * a).powi(2))
                .sum::<f64>()
        })
        .fold(f64::INFINITY, f64::min);
    assert!(
        x.loss(&s) <= best + 1e-9,
        "{} vs grid best {best}",
        x.loss(&s)
    );
}

#[test]
fn recurrent_gradient_descent_through_time_follows_the_reduced_map_to_rounding() {
    let mut run = sequence(json!({
        "dataset": {"length": 4, "strengths": [[0.3, 0.1, -0.2], [0.6, 0.2, 0.1], [1.0, 0.8, 0.4], [2.0, 1.5, 0.7]], "seed": 3},
        "network": {"hidden": [6]},
        "init": {"scale": 0.05},
        "train": {"lr": 0.02, "steps": 3000, "record_every": 25}
    }));
    run.advance(3000);
    let mut worst: f64 = 0.0;
    for rec in run.records() {
        let th = rec.theory_kernel().unwrap();
        for (a, b) in rec.kernel.iter().flatten().zip(th.iter().flatten()) {
            worst = worst.max((a - b).abs());
        }
        let (sim, t) = (rec.scalars.as_ref().unwrap(), rec.theory.as_ref().unwrap());
        for (a, b) in sim
            .b
            .iter()
            .chain(&sim.m)
            .chain(&sim.c)
            .zip(t.b.iter().chain(&t.m).chain(&t.c))
        {
            worst = worst.max((a - b).abs());
        }
        let tl = rec.theory_loss.unwrap();
        assert!((rec.loss - tl).abs() < 1e-10 * (1.0 + tl));
    }
    assert!(worst < 1e-12, "worst deviation {worst:e}");
    let last = run.records().last().unwrap();
    assert!(
        (last.kernel[0][0] - 2.0).abs() < 0.05,
        "lag 0 learned: {}",
        last.kernel[0][0]
    );
}

#[test]
fn recurrent_gradient_descent_approaches_the_flow_at_order_eta() {
    let s = vec![vec![0.5], vec![1.0], vec![2.0]];
    let want = flow(&s, 0.05, 2.0, 1e-4).kernel(3);
    let err = |lr: f64| {
        let steps = (2.0 / lr).round() as u64;
        let mut run = sequence(json!({
            "dataset": {"length": 3, "strengths": s},
            "network": {"hidden": [4]},
            "train": {"lr": lr, "steps": steps, "record_every": steps}
        }));
        run.advance(steps);
        let k = &run.records().last().unwrap().kernel[0];
        k.iter()
            .zip(&want[0])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max)
    };
    let (e1, e2) = (err(0.002), err(0.001));
    assert!(e1 < 2e-2, "{e1}");
    let ratio = e1 / e2;
    assert!((1.7..2.3).contains(&ratio), "error ratio {ratio}");
}

#[test]
fn the_step_through_time_is_the_gradient_of_the_sequence_loss() {
    let task = SequenceTask::new(vec![vec![0.5, 0.2], vec![1.0, -0.3], vec![2.0, 0.4]], 3);
    let mut rng = Rng::new(9);
    let net = RecurrentNetwork::gaussian(&task, 4, 0.4, &mut rng);
    let lr = 1e-7;
    let mut stepped = net.clone();
    stepped.step(&task, lr);
    let h = 1e-6;
    let probe = |f: &dyn Fn(&mut RecurrentNetwork, f64)| {
        let (mut a, mut b) = (net.clone(), net.clone());
        f(&mut a, h);
        f(&mut b, -h);
        (a.loss(&task) - b.loss(&task)) / (2.0 * h)
    };
    let checks = [
        (
            probe(&|n, d| n.w_x[(1, 0)] += d),
            (stepped.w_x[(1, 0)] - net.w_x[(1, 0)]) / lr,
        ),
        (
            probe(&|n, d| n.w_h[(2, 3)] += d),
            (stepped.w_h[(2, 3)] - net.w_h[(2, 3)]) / lr,
        ),
        (
            probe(&|n, d| n.w_y[(1, 2)] += d),
            (stepped.w_y[(1, 2)] - net.w_y[(1, 2)]) / lr,
        ),
    ];
    for (grad, step) in checks {
        assert!(
            (grad + step).abs() < 1e-6 * (1.0 + grad.abs()),
            "{grad} vs {}",
            -step
        );
    }
    // The exact dataset: the loss of the zero network is half the sum of squared strengths.
    let zero = RecurrentNetwork {
        w_x: net.w_x.clone() * 0.0,
        ..net.clone()
    };
    let want = 0.5
        * [0.5f64, 0.2, 1.0, -0.3, 2.0, 0.4]
            .iter()
            .map(|s| s * s)
            .sum::<f64>();
    assert!((zero.loss(&task) - want).abs() < 1e-12);
}

// ----- configs -----

#[test]
fn bad_gate_matrices_are_refused_naming_the_field() {
    let base = |gates: serde_json::Value| json!({"dataset": {"kind": "routing", "domains": 3, "gates": gates}});
    let (f, m) = refusal(base(json!([[1, 0, 0], [0, 1, 0]])));
    assert_eq!(f, "dataset.gates");
    assert!(m.contains("3 rows"), "{m}");
    let (f, _) = refusal(base(json!([[1, 0, 0], [0, 1], [0, 0, 1]])));
    assert_eq!(f, "dataset.gates[1]");
    let (f, m) = refusal(base(json!([[1, 0, 0], [0, 0.5, 0], [0, 0, 1]])));
    assert_eq!(f, "dataset.gates[1][1]");
    assert!(m.contains("0 (untrained) or 1 (trained)"));
    let (f, _) = refusal(base(json!([[0, 0, 0], [0, 0, 0], [0, 0, 0]])));
    assert_eq!(f, "dataset.gates");
    let (f, m) = refusal(
        json!({"dataset": {"kind": "routing", "domains": 3, "trained_per_input": 2, "gates": [[1,0,0],[0,1,0],[0,0,1]]}}),
    );
    assert_eq!(f, "dataset.gates");
    assert!(m.contains("not both"));
    let (f, m) =
        refusal(json!({"dataset": {"kind": "routing", "domains": 3, "trained_per_input": 4}}));
    assert_eq!(f, "dataset.trained_per_input");
    assert!(m.contains("between 1 and domains"), "{m}");
    let (f, _) = refusal(json!({"dataset": {"kind": "routing", "domains": 0}}));
    assert_eq!(f, "dataset.domains");
}

#[test]
fn bad_sequence_lengths_and_shapes_are_refused_naming_the_field() {
    let (f, m) =
        refusal(json!({"dataset": {"kind": "sequence", "length": 3, "strengths": [[1], [2]]}}));
    assert_eq!(f, "dataset.strengths");
    assert!(m.contains("3 rows"), "{m}");
    let (f, _) = refusal(json!({"dataset": {"kind": "sequence", "length": 0, "strengths": []}}));
    assert_eq!(f, "dataset.length");
    let (f, _) =
        refusal(json!({"dataset": {"kind": "sequence", "length": 2, "strengths": [[1, 2], [3]]}}));
    assert_eq!(f, "dataset.strengths[1]");
    let (f, _) =
        refusal(json!({"dataset": {"kind": "sequence", "length": 1, "strengths": [[1e9]]}}));
    assert_eq!(f, "dataset.strengths[0][0]");
    let (f, _) = refusal(
        json!({"dataset": {"kind": "sequence", "length": 1, "strengths": [[1, 2, 3]]}, "network": {"hidden": [2]}}),
    );
    assert_eq!(f, "network.hidden[0]");
    let (f, _) = refusal(
        json!({"dataset": {"kind": "sequence", "length": 1, "strengths": [[1]]}, "network": {"hidden": [4, 4]}}),
    );
    assert_eq!(f, "network.hidden");
    let (f, _) = refusal(
        json!({"dataset": {"kind": "sequence", "length": 1, "strengths": [[1]]}, "network": {"kind": "gated"}}),
    );
    assert_eq!(f, "network.kind");
    let (f, _) = refusal(json!({"dataset": {"kind": "routing"}, "network": {"hidden": [16]}}));
    assert_eq!(f, "network.hidden");
    let (f, _) = refusal(json!({"dataset": {"kind": "routing"}, "network": {"hidden": [3, 16]}}));
    assert_eq!(f, "network.hidden[0]");
    let (f, _) =
        refusal(json!({"dataset": {"kind": "routing", "base": {"kind": "tree", "branching": 9}}}));
    assert_eq!(f, "dataset.base.branching");
    let (f, _) = refusal(json!({"dataset": {"kind": "routing"}, "train": {"lr": -1}}));
    assert_eq!(f, "train.lr");
    let (f, _) = refusal(json!({"dataset": {"kind": "routing"}, "init": {"kind": "balanced"}}));
    assert_eq!(f, "init.kind");
    let (f, _) = refusal(json!({"dataset": {"kind": "routing", "width": 3}}));
    assert_eq!(f, "dataset");
}

#[test]
fn any_base_dataset_can_be_routed() {
    let mut run = routing(json!({
        "dataset": {"domains": 3, "trained_per_input": 2, "base": {"kind": "rm8"}},
        "train": {"lr": 0.05, "steps": 200, "record_every": 100}
    }));
    run.advance(200);
    assert_eq!(run.task().y.dim(), (36, 8));
    let last = run.records().last().unwrap();
    let th = last.theory.as_ref().unwrap();
    for (a, b) in last.modes.iter().flatten().zip(th.iter().flatten()) {
        assert!((a - b).abs() < 1e-10);
    }
}

// ----- the command line -----

fn dln_run(cfg: &serde_json::Value) -> (i32, serde_json::Value, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_dln"))
        .args(["run", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(cfg.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let doc = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    (
        out.status.code().unwrap_or(-1),
        doc,
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn dln_run_on_a_routing_config_writes_every_pathway_beside_its_reduction() {
    let (code, doc, err) = dln_run(&json!({
        "dataset": {"kind": "routing", "domains": 7, "trained_per_input": 4},
        "network": {"kind": "gated", "hidden": [16, 16]},
        "init": {"kind": "aligned", "scale": 0.08},
        "train": {"lr": 0.02, "steps": 500, "record_every": 50}
    }));
    assert_eq!(code, 0, "{err}");
    let pathways = doc["pathways"].as_array().unwrap();
    assert_eq!(pathways.len(), 49);
    let trained = pathways
        .iter()
        .filter(|p| p["trained"] == json!(true))
        .count();
    assert_eq!(trained, 28);
    let p03 = pathways
        .iter()
        .find(|p| p["input"] == json!(0) && p["output"] == json!(3))
        .unwrap();
    assert_eq!(p03["trained"], json!(false));
    let modes = p03["modes"].as_array().unwrap();
    let theory = p03["theory"].as_array().unwrap();
    assert_eq!(modes.len(), 500 / 50 + 1);
    assert_eq!(modes[0].as_array().unwrap().len(), 4);
    for (a, b) in modes.iter().zip(theory) {
        for (x, y) in a.as_array().unwrap().iter().zip(b.as_array().unwrap()) {
            assert!((x.as_f64().unwrap() - y.as_f64().unwrap()).abs() < 1e-10);
        }
    }
    // The start: every pathway's mode at scale^3.
    let u0 = modes[0][0].as_f64().unwrap();
    assert!((u0 - 0.08f64.powi(3)).abs() < 1e-12, "{u0}");
    assert_eq!(doc["status"], json!("done"));
}

#[test]
fn dln_run_on_a_sequence_config_writes_the_kernel_by_record_mode_and_lag() {
    let (code, doc, err) = dln_run(&json!({
        "dataset": {"kind": "sequence", "length": 3, "strengths": [[0.5, 0.2], [1, 0.4], [2, 1]], "seed": 3},
        "network": {"kind": "recurrent", "hidden": [4]},
        "init": {"kind": "aligned", "scale": 0.05},
        "train": {"lr": 0.01, "steps": 200, "record_every": 20}
    }));
    assert_eq!(code, 0, "{err}");
    let rec = &doc["recurrent"];
    let kernel = rec["kernel"].as_array().unwrap();
    assert_eq!(kernel.len(), 11);
    assert_eq!(kernel[0].as_array().unwrap().len(), 2, "two modes");
    assert_eq!(kernel[0][0].as_array().unwrap().len(), 3, "three lags");
    // At the start the kernel is c m^lag b = 0.05^(lag + 2).
    for lag in 0..3 {
        let k = kernel[0][0][lag].as_f64().unwrap();
        assert!((k - 0.05f64.powi(lag as i32 + 2)).abs() < 1e-12);
    }
    let th = rec["theory_kernel"].as_array().unwrap();
    let last = kernel.len() - 1;
    for a in 0..2 {
        for lag in 0..3 {
            let (x, y) = (
                kernel[last][a][lag].as_f64().unwrap(),
                th[last][a][lag].as_f64().unwrap(),
            );
            assert!((x - y).abs() < 1e-12);
        }
    }
    for key in ["b", "m", "c", "theory_b", "theory_m", "theory_c"] {
        assert_eq!(rec[key].as_array().unwrap().len(), 11, "{key}");
    }
    assert_eq!(rec["target"], json!([[2.0, 1.0, 0.5], [1.0, 0.4, 0.2]]));
}

#[test]
fn dln_run_refuses_a_bad_context_config_naming_the_field() {
    let (code, _, err) =
        dln_run(&json!({"dataset": {"kind": "routing", "domains": 4, "trained_per_input": 9}}));
    assert_eq!(code, 2);
    assert!(err.contains("dataset.trained_per_input"), "{err}");
    let (code, _, err) =
        dln_run(&json!({"dataset": {"kind": "sequence", "length": 2, "strengths": [[1]]}}));
    assert_eq!(code, 2);
    assert!(err.contains("dataset.strengths"), "{err}");
}

// ----- charts -----

fn hex(c: plotters::style::RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// Points of the longest polyline in the given colour.
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

fn svg(
    draw: impl FnOnce(
        &plotters::drawing::DrawingArea<plotters::backend::SVGBackend<'_>, plotters::coord::Shift>,
        &dln_explorer::charts::Theme,
    ) -> dln_explorer::charts::ChartResult,
) -> String {
    dln_explorer::charts::svg_with(720, 420, draw).unwrap()
}

#[test]
fn the_pathway_chart_draws_trained_routes_solid_untrained_dashed_and_the_reduction_as_markers() {
    use dln_explorer::chapters::context::charts::draw_pathways;
    use dln_explorer::charts::mode_color;
    let mut run = routing(json!({
        "dataset": {"domains": 5, "trained_per_input": 2},
        "init": {"kind": "small_gaussian", "scale": 0.05},
        "train": {"lr": 0.05, "steps": 600, "record_every": 10}
    }));
    run.advance(600);
    let doc = svg(|root, th| draw_pathways(root, &run, 0, th));
    let n = run.records().len();
    for a in 0..4 {
        let c = hex(mode_color(a));
        // Two trained routes as full polylines; three untrained as many dash segments.
        let full = doc
            .split("<polyline")
            .filter(|p| p.contains(&format!("stroke=\"{c}\"")))
            .filter(|p| {
                p.split("points=\"").nth(1).map_or(0, |s| {
                    s.split('"').next().unwrap().split_whitespace().count()
                }) == n
            })
            .count();
        assert_eq!(full, 2, "mode {a}: {full} solid curves");
        assert!(
            doc.matches(&format!("stroke=\"{c}\"")).count() > 30,
            "mode {a} dashes"
        );
    }
    assert!(doc.contains("untrained route") && doc.contains("trained route"));
    assert!(doc.contains("no reduction"));
    assert!(!doc.contains("<circle"), "no markers without a reduction");

    let mut run = routing(json!({"train": {"lr": 0.05, "steps": 400, "record_every": 10}}));
    run.advance(400);
    let doc = svg(|root, th| draw_pathways(root, &run, 2, th));
    // Every pathway coincides under a decoupled cyclic start: one marker curve per mode.
    let circles = doc.matches("<circle").count();
    let per_curve = 14 + 1;
    assert!(
        circles >= 4 * 12 && circles <= 4 * per_curve + 1,
        "{circles} markers"
    );
    assert!(doc.contains("exact map") && doc.contains("input domain 2"));
    assert!(!doc.contains("NaN"));
}

#[test]
fn the_gate_chart_fills_exactly_the_trained_pairs() {
    use dln_explorer::chapters::context::charts::draw_gates;
    let trained = dln_explorer::charts::PALETTE[0];
    let task = RoutingTask::new(cyclic_gates(7, 4), race_toy());
    let mut frame = None;
    let doc = svg(|root, th| {
        let f = draw_gates(root, &task, Some(0), th)?;
        frame = Some(f.clone());
        Ok(f)
    });
    let filled = doc.matches(&format!("fill=\"{}\"", hex(trained))).count();
    assert_eq!(filled, 28);
    assert!(doc.contains("4 of 7 outputs per input"));
    match frame.unwrap() {
        dln_explorer::charts::Frame::Grids { grids } => {
            assert_eq!((grids[0].rows, grids[0].cols), (7, 7));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_recurrent_charts_draw_the_kernel_per_lag_and_the_three_scalars() {
    use dln_explorer::chapters::context::charts::{draw_kernel, draw_kernel_lags, draw_scalars};
    use dln_explorer::charts::mode_color;
    let mut run = sequence(json!({
        "dataset": {"length": 3, "strengths": [[0.5], [1], [2]]},
        "network": {"hidden": [3]},
        "train": {"lr": 0.01, "steps": 400, "record_every": 4}
    }));
    run.advance(400);
    let n = run.records().len();
    let doc = svg(|root, th| draw_kernel(root, &run, 0, th));
    for lag in 0..3 {
        assert_eq!(polyline_points(&doc, &hex(mode_color(lag))), n, "lag {lag}");
    }
    assert!(doc.contains("reduction") && doc.contains("lag 0"));
    let doc = svg(|root, th| draw_scalars(root, &run, 0, th));
    for c in &dln_explorer::charts::PALETTE[..3] {
        assert_eq!(polyline_points(&doc, &hex(*c)), n);
    }
    assert!(doc.contains("recurrent") && doc.contains("readout"));
    let doc = svg(|root, th| draw_kernel_lags(root, &run, 0, th));
    assert!(doc.contains("target"));
    // One open square per lag for the target.
    let squares = doc
        .split("<rect")
        .skip(1)
        .filter_map(|r| r.split("/>").next())
        .filter(|r| r.contains("fill=\"none\"") && r.contains("stroke=\"#282C34\""))
        .count();
    assert_eq!(squares, 3);
    assert!(!doc.contains("NaN"));
}

#[test]
fn a_diverging_run_stops_and_draws_without_nan() {
    use dln_explorer::chapters::context::charts::{draw_kernel, draw_pathways, draw_scalars};
    let mut run = routing(json!({
        "init": {"scale": 1.0},
        "train": {"lr": 5.0, "steps": 500, "record_every": 1}
    }));
    run.advance(500);
    assert_eq!(
        run.status(),
        dln_explorer::chapters::context::RunStatus::Diverged
    );
    assert!(run.step_count() < 500);
    let doc = svg(|root, th| draw_pathways(root, &run, 0, th));
    assert!(!doc.contains("NaN"));
    assert!(!run.to_json().to_string().contains("NaN"));

    let mut run = sequence(json!({
        "dataset": {"length": 2, "strengths": [[1], [2]]},
        "init": {"scale": 1.0},
        "train": {"lr": 5.0, "steps": 500, "record_every": 1}
    }));
    run.advance(500);
    assert_eq!(
        run.status(),
        dln_explorer::chapters::context::RunStatus::Diverged
    );
    for doc in [
        svg(|root, th| draw_kernel(root, &run, 0, th)),
        svg(|root, th| draw_scalars(root, &run, 0, th)),
    ] {
        assert!(!doc.contains("NaN"));
    }
}

#[test]
fn every_preset_runs_and_shows_what_its_caption_says() {
    use dln_explorer::chapters::context::{presets, ContextRun, RunStatus};
    let all = presets();
    assert_eq!(all.len(), 4);
    for p in &all {
        let cfg = ContextConfig::from_value(&p.config).unwrap();
        let mut run = ContextRun::new(&cfg).unwrap();
        run.advance(u64::MAX);
        assert_eq!(run.status(), RunStatus::Done, "{}", p.name);
        match (&run, p.name) {
            (ContextRun::Routing(r), "The race to abstraction") => {
                let t = r.reduction().unwrap();
                assert!((t.b_h[0] / t.b_in[0][0] - 7f64.sqrt()).abs() < 0.01);
            }
            (ContextRun::Routing(r), _) => {
                let last = r.records().last().unwrap();
                for (a, &s) in r.task().svd.s.iter().enumerate() {
                    assert!((last.modes[3][a] - s).abs() < 0.05 * s, "untrained 0 -> 3");
                }
            }
            (ContextRun::Sequence(r), "A kernel a recurrent network cannot learn") => {
                let k = &r.records().last().unwrap().kernel[0];
                for (got, want) in k.iter().zip([0.991, 0.269, 0.073]) {
                    assert!((got - want).abs() < 2e-3, "{got} vs {want}");
                }
            }
            (ContextRun::Sequence(r), _) => {
                let x = r.reduction().unwrap();
                assert!((x.m[0] - 0.5).abs() < 1e-3, "m = {}", x.m[0]);
            }
        }
    }
}

// ----- the ReLU comparison (no theory) -----

#[test]
fn the_relu_step_is_the_gradient_of_the_context_loss() {
    use dln_explorer::chapters::context::relu::{ContextTask, ReluNetwork};
    let task = ContextTask::new(3, race_toy());
    let mut rng = Rng::new(2);
    let net = ReluNetwork::gaussian(&task, 6, 0.5, &mut rng);
    let lr = 1e-7;
    let mut stepped = net.clone();
    stepped.step(&task, lr);
    let h = 1e-6;
    let probe = |f: &dyn Fn(&mut ReluNetwork, f64)| {
        let (mut a, mut b) = (net.clone(), net.clone());
        f(&mut a, h);
        f(&mut b, -h);
        (a.loss(&task) - b.loss(&task)) / (2.0 * h)
    };
    for (k, j) in [(0, 1), (3, 5), (5, 6)] {
        let grad = probe(&|n, d| n.w1[(k, j)] += d);
        let step = (stepped.w1[(k, j)] - net.w1[(k, j)]) / lr;
        assert!(
            (grad + step).abs() < 1e-6 * (1.0 + grad.abs()),
            "w1 {grad} vs {}",
            -step
        );
    }
    let grad = probe(&|n, d| n.w2[(10, 2)] += d);
    let step = (stepped.w2[(10, 2)] - net.w2[(10, 2)]) / lr;
    assert!((grad + step).abs() < 1e-6 * (1.0 + grad.abs()));
    // The zero-output loss is the target's: (1/C) * C * ½‖Y‖².
    let zero = ReluNetwork {
        w2: net.w2.clone() * 0.0,
        ..net.clone()
    };
    let half_y2 = 0.5 * race_toy().iter().map(|v| v * v).sum::<f64>();
    assert!((zero.loss(&task) - half_y2).abs() < 1e-12);
}

#[test]
fn a_relu_network_learns_the_context_task_with_units_that_act_as_context_gates() {
    use dln_explorer::chapters::context::relu::{ContextTask, ReluComparison};
    let c = 3;
    let mut cmp = ReluComparison::new(ContextTask::new(c, race_toy()), 32, 0.1, 0.01, 4000, 1);
    cmp.advance(4000);
    let (first, last) = (&cmp.records()[0], cmp.records().last().unwrap());
    eprintln!(
        "relu loss {} -> {}, gated {} -> {}",
        first.relu_loss, last.relu_loss, first.gated_loss, last.gated_loss
    );
    eprintln!("relu modes {:?}", last.relu_modes);
    eprintln!("gated modes {:?}", last.gated_modes);
    assert!(last.relu_loss < 1e-2 * first.relu_loss);
    assert!(last.gated_loss < 1e-6 * first.gated_loss);
    let act = cmp.relu.activity(&cmp.task);
    let imp = cmp.relu.importance(&cmp.task);
    // Units that matter and are fully on in one context while fully off in another.
    let gates: Vec<usize> = (0..32)
        .filter(|&k| imp[k] > 0.05 * imp.iter().cloned().fold(0.0, f64::max))
        .filter(|&k| (0..c).any(|a| act[(k, a)] == 1.0) && (0..c).any(|b| act[(k, b)] == 0.0))
        .collect();
    eprintln!("gate units {gates:?} of 32; activity {act:?}");
    // Every context is switched off by some important unit.
    for ctx in 0..c {
        assert!(gates.iter().any(|&k| act[(k, ctx)] == 0.0), "context {ctx}");
    }
    // The gated linear network reached every mode in every context.
    for modes in &last.gated_modes {
        for (a, &s) in cmp.task.svd.s.iter().enumerate() {
            assert!((modes[a] - s).abs() < 1e-3 * s);
        }
    }
}

#[test]
fn the_relu_charts_draw_both_networks_and_the_gate_map_and_say_there_is_no_theory() {
    use dln_explorer::chapters::context::charts::{draw_relu_gates, draw_relu_modes, shade};
    use dln_explorer::chapters::context::relu::{ContextTask, ReluComparison};
    use dln_explorer::charts::mode_color;
    let mut cmp = ReluComparison::new(ContextTask::new(3, race_toy()), 24, 0.1, 0.01, 20, 1);
    cmp.advance(2000);
    let n = cmp.records().len();
    let doc = svg(|root, th| draw_relu_modes(root, &cmp, th));
    for a in 0..4 {
        assert_eq!(
            polyline_points(&doc, &hex(mode_color(a))),
            n,
            "gated mode {a}"
        );
        assert!(
            doc.matches(&format!("stroke=\"{}\"", hex(shade(mode_color(a)))))
                .count()
                > 10
        );
    }
    assert!(doc.contains("no theory"));
    let doc = svg(|root, th| draw_relu_gates(root, &cmp, 12, th));
    assert_eq!(
        doc.matches("unit ").count(),
        12 + 1,
        "12 row labels and the note"
    );
    assert!(doc.contains("context 2") && doc.contains("no theory"));
    assert!(!doc.contains("NaN"));
}

// ----- the chapter on the page -----

fn page() -> dln_explorer::chapters::Registry {
    dln_explorer::chapters::Registry::new(
        &dln_explorer::config::Config::default()
            .merged(&json!({}))
            .unwrap(),
    )
}

fn ask(
    reg: &mut dln_explorer::chapters::Registry,
    name: &str,
    args: serde_json::Value,
) -> serde_json::Value {
    let args = args.as_array().unwrap().clone();
    reg.call(name, &args)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn refused(
    reg: &mut dln_explorer::chapters::Registry,
    name: &str,
    args: serde_json::Value,
) -> String {
    let args = args.as_array().unwrap().clone();
    reg.call(name, &args).expect_err("refused").field
}

#[test]
fn the_chapter_starts_with_the_toy_routed_through_four_domains_and_a_three_step_sequence() {
    let mut reg = page();
    let s = ask(&mut reg, "contextState", json!([]));
    assert_eq!(s["routing"]["domains"], 4);
    assert_eq!(s["routing"]["trained_per_input"], 2);
    assert_eq!(s["recurrent"]["length"], 3);
    assert_eq!(s["playing"], false);
    for (a, &v) in S_TOY.iter().enumerate() {
        assert!((s["routing"]["singular_values"][a].as_f64().unwrap() - v).abs() < 1e-4);
    }
}

#[test]
fn the_chapter_works_only_while_playing_and_stops_when_every_run_is_done() {
    let mut reg = page();
    assert!(!reg.work(50), "paused: no work");
    assert_eq!(
        ask(&mut reg, "contextState", json!([]))["routing"]["step"],
        0
    );
    ask(&mut reg, "contextPlay", json!([true]));
    assert!(reg.work(50));
    let s = ask(&mut reg, "contextState", json!([]));
    assert_eq!(s["routing"]["step"], 50);
    assert_eq!(s["recurrent"]["step"], 50);
    assert_eq!(s["relu"]["step"], 50);
    while reg.work(1000) {}
    let s = ask(&mut reg, "contextState", json!([]));
    assert_eq!(s["playing"], false);
    assert_eq!(s["routing"]["status"], "done");
    assert_eq!(s["relu"]["status"], "done");
    // The reduction is called exact because it matched the simulation to rounding.
    let gap = s["routing_gap"].as_f64().unwrap();
    assert!(gap < 1e-12, "routing gap {gap:e}");
    assert!(s["routing"]["label"].as_str().unwrap().starts_with("exact"));
    let gap = s["recurrent"]["gap"].as_f64().unwrap();
    assert!(gap < 1e-9, "recurrent gap {gap:e}");
    assert!(s["recurrent"]["label"]
        .as_str()
        .unwrap()
        .starts_with("exact"));
    assert!(s["general"]["label"]
        .as_str()
        .unwrap()
        .starts_with("no reduction"));
    assert!(s["relu"]["label"].as_str().unwrap().contains("no theory"));
    // Every pathway of the decoupled run, trained or not, learned every mode.
    let modes = s["routing"]["pathway"]["modes"].as_array().unwrap();
    assert_eq!(s["routing"]["pathway"]["trained"], false);
    for (a, &v) in S_TOY.iter().enumerate() {
        assert!((modes[a].as_f64().unwrap() - v).abs() < 1e-3 * v);
    }
    // The recurrent kernel reached the geometric target (0.5, 1, 2 by time; 2, 1, 0.5 by lag).
    let k = &s["recurrent"]["kernel"][0];
    for (lag, v) in [2.0, 1.0, 0.5].iter().enumerate() {
        assert!(
            (k[lag].as_f64().unwrap() - v).abs() < 2e-2,
            "lag {lag}: {k}"
        );
    }
}

#[test]
fn toggling_a_gate_trains_that_pathway_and_restarts_both_routing_runs() {
    let mut reg = page();
    ask(&mut reg, "contextAdvance", json!([20]));
    assert_eq!(
        ask(&mut reg, "contextToggleGate", json!([0, 3])),
        json!(true)
    );
    let s = ask(&mut reg, "contextState", json!([]));
    assert_eq!(s["routing"]["gates"][0], json!([1.0, 1.0, 0.0, 1.0]));
    assert_eq!(s["general"]["gates"][0], json!([1.0, 1.0, 0.0, 1.0]));
    assert_eq!(s["routing"]["step"], 0);
    assert_eq!(s["routing"]["trained_per_input"], serde_json::Value::Null);
    assert_eq!(
        ask(&mut reg, "contextToggleGate", json!([0, 3])),
        json!(false)
    );
    assert_eq!(
        ask(&mut reg, "contextState", json!([]))["routing"]["trained_per_input"],
        2
    );
    assert_eq!(
        refused(&mut reg, "contextToggleGate", json!([4, 0])),
        "gates.input"
    );
    assert_eq!(
        refused(&mut reg, "contextToggleGate", json!([0, -1])),
        "gates.output"
    );
}

#[test]
fn bad_configs_of_each_part_are_refused_naming_the_field() {
    let mut reg = page();
    let cases = [
        (
            "routing",
            json!({"dataset": {"domains": 0}}),
            "routing.dataset.domains",
        ),
        (
            "routing",
            json!({"dataset": {"domains": 17}}),
            "routing.dataset.domains",
        ),
        (
            "routing",
            json!({"dataset": {"trained_per_input": 5}}),
            "routing.dataset.trained_per_input",
        ),
        (
            "routing",
            json!({"dataset": {"gates": [[1, 0], [0, 1]]}}),
            "routing.dataset.gates",
        ),
        (
            "general",
            json!({"dataset": {"domains": 3}}),
            "general.dataset",
        ),
        ("general", json!({"train": {"lr": -1}}), "general.train.lr"),
        (
            "recurrent",
            json!({"dataset": {"length": 0}}),
            "recurrent.dataset.length",
        ),
        (
            "recurrent",
            json!({"dataset": {"length": 40}}),
            "recurrent.dataset.length",
        ),
        (
            "recurrent",
            json!({"dataset": {"length": 2, "strengths": [[1]]}}),
            "recurrent.dataset.strengths",
        ),
        ("relu", json!({"contexts": 0}), "relu.contexts"),
        ("relu", json!({"hidden": "wide"}), "relu.hidden"),
        ("nowhere", json!({}), "part"),
    ];
    for (part, patch, field) in cases {
        assert_eq!(
            refused(&mut reg, "contextConfigure", json!([part, patch])),
            field,
            "{part} {patch}"
        );
    }
    // Nothing refused changed anything.
    let s = ask(&mut reg, "contextState", json!([]));
    assert_eq!(s["routing"]["domains"], 4);
    assert_eq!(s["recurrent"]["length"], 3);
    // A good M keeps K; a new T continues the strengths geometrically.
    let s = ask(
        &mut reg,
        "contextConfigure",
        json!(["routing", {"dataset": {"domains": 6}}]),
    );
    assert_eq!(s["routing"]["domains"], 6);
    assert_eq!(s["routing"]["trained_per_input"], 2);
    assert_eq!(s["general"]["domains"], 6);
    let s = ask(
        &mut reg,
        "contextConfigure",
        json!(["recurrent", {"dataset": {"length": 4}}]),
    );
    assert_eq!(
        s["recurrent"]["strengths"],
        json!([[0.25], [0.5], [1.0], [2.0]])
    );
}

#[test]
fn every_chapter_preset_loads_into_its_part_with_its_caption() {
    let mut reg = page();
    let presets = ask(&mut reg, "contextPresets", json!([]));
    let names: Vec<&str> = presets
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "The race to abstraction",
            "Generalising to untrained routes",
            "ReLU networks gate too",
            "Recurrent networks learn recent inputs first",
            "A kernel a recurrent network cannot learn"
        ]
    );
    for p in presets.as_array().unwrap() {
        assert!(p["caption"].as_str().unwrap().len() > 60);
        let s = ask(&mut reg, "contextPreset", json!([p["id"]]));
        assert_eq!(s["preset"], p["id"]);
    }
    let s = ask(&mut reg, "contextPreset", json!(["untrained"]));
    assert_eq!(s["general"]["domains"], 7);
    assert_eq!(s["general"]["init"], "small_gaussian");
    assert_eq!(s["routing"]["init"], "aligned");
    let s = ask(&mut reg, "contextPreset", json!(["geometric"]));
    assert_eq!(s["recurrent"]["strengths"], json!([[0.2], [0.2], [1.0]]));
    assert_eq!(
        refused(&mut reg, "contextPreset", json!(["nope"])),
        "preset"
    );
}

#[test]
fn the_chapter_panels_draw_read_out_and_are_redrawn_only_when_their_run_changed() {
    use plotters::prelude::*;
    let mut reg = page();
    ask(&mut reg, "contextAdvance", json!([300]));
    let panels = [
        "context_race",
        "context_general",
        "context_gates",
        "context_lags",
        "context_kernel",
        "context_scalars",
        "context_relu",
        "context_relu_gates",
    ];
    for panel in panels {
        let mut text = String::new();
        {
            let root = SVGBackend::with_string(&mut text, (700, 420)).into_drawing_area();
            reg.draw(panel, &root, &Default::default()).unwrap();
        }
        assert!(!text.contains("NaN"), "{panel}");
        assert!(
            !reg.stale(panel, 700, 420),
            "{panel} unchanged after drawing"
        );
        let hit = (40..700)
            .step_by(23)
            .flat_map(|x| (40..420).step_by(17).map(move |y| (x, y)))
            .find_map(|(x, y)| reg.readout(panel, x as f64, y as f64));
        assert!(hit.is_some(), "{panel} gives a readout somewhere");
    }
    let text = reg
        .readout("context_relu", 350.0, 200.0)
        .unwrap_or_default();
    assert!(text.contains("no theory"), "{text}");
    // Pausing leaves every panel as drawn; a step of the chapter makes them stale.
    reg.work(10);
    assert!(!reg.stale("context_race", 700, 420));
    ask(&mut reg, "contextAdvance", json!([10]));
    assert!(reg.stale("context_race", 700, 420));
    assert!(reg.stale("context_relu", 700, 420));
    // Choosing another input redraws the pathway panels only.
    for panel in ["context_race", "context_lags"] {
        let mut text = String::new();
        let root = SVGBackend::with_string(&mut text, (700, 420)).into_drawing_area();
        reg.draw(panel, &root, &Default::default()).unwrap();
    }
    ask(&mut reg, "contextInput", json!([2]));
    assert!(reg.stale("context_race", 700, 420));
    assert!(!reg.stale("context_lags", 700, 420));
    assert_eq!(refused(&mut reg, "contextInput", json!([4])), "input");
}

#[test]
fn the_layers_read_from_the_weights_follow_the_reduction_and_the_shared_layer_ends_root_m_larger() {
    // The race preset: M = 7, K = 4, every layer aligned at 0.08, trained to 40 τ.
    let mut run = routing(json!({
        "dataset": {"domains": 7, "trained_per_input": 4},
        "network": {"kind": "gated", "hidden": [16, 16]},
        "init": {"kind": "aligned", "scale": 0.08},
        "train": {"lr": 0.02, "steps": 2000, "record_every": 10, "seed": 1}
    }));
    let first = run.records()[0]
        .layers
        .clone()
        .expect("an aligned start has layers");
    assert!(
        first.b_h.iter().all(|&b| (b - 0.08).abs() < 1e-12),
        "{first:?}"
    );
    run.advance(2000);
    for r in run.records() {
        let (sim, th) = (
            r.layers.as_ref().unwrap(),
            r.theory_layers.as_ref().unwrap(),
        );
        for al in 0..sim.b_h.len() {
            assert!(
                (sim.b_h[al] - th.b_h[al]).abs() < 1e-9 * (1.0 + th.b_h[al].abs()),
                "step {}",
                r.step
            );
            for (a, b) in sim.b_in[al].iter().zip(&th.b_in[al]) {
                assert!((a - b).abs() < 1e-9 * (1.0 + b.abs()), "step {}", r.step);
            }
        }
    }
    let last = run.records().last().unwrap().layers.clone().unwrap();
    let b_in = last.b_in[0].iter().sum::<f64>() / last.b_in[0].len() as f64;
    assert!((last.b_h[0] - 4.5635).abs() < 2e-3, "b_h = {}", last.b_h[0]);
    assert!((b_in - 1.7264).abs() < 2e-3, "b_in = {b_in}");
    assert!((last.b_h[0] / b_in - 7f64.sqrt()).abs() < 0.01);
}
