//! Depth and initialisation: spectra of products of random matrices (SMG14 Fig 6B) and the phase
//! portrait of one mode (SMG14 Fig 2, eq. 8), with their charts.

use dln_explorer::chapters::depth::charts::{self, RunDot};
use dln_explorer::chapters::depth::phase::{
    conserved, destination, field, rk4_step, step_for, trajectory, Ending, PhaseDemo,
};
use dln_explorer::chapters::depth::spectra::{
    histogram, product_spectrum, random_product, singular_values, summarise, Factor, SpectraDemo,
};
use dln_explorer::chapters::depth::sweep::{SweepStatus, SweepTask};
use dln_explorer::charts::Frame;
use dln_explorer::config::Config;
use dln_explorer::theory;
use serde_json::json;

// ----- spectra -----

#[test]
fn a_product_of_orthogonal_matrices_has_every_singular_value_equal_to_one() {
    for (depth, n, seed) in [(1, 10, 1), (10, 50, 2), (64, 30, 3)] {
        let s = product_spectrum(Factor::Orthogonal, depth, n, seed);
        assert_eq!(s.len(), n);
        for v in &s {
            assert!(
                (v - 1.0).abs() < 1e-9,
                "D={depth} N={n}: singular value {v}"
            );
        }
    }
}

#[test]
fn the_spectrum_of_a_gaussian_product_spreads_as_depth_grows() {
    // Same size and seeds, more factors: the ratio of the largest to the smallest singular value
    // grows with every step in depth, by orders of magnitude from 1 to 16 factors.
    let n = 60;
    let ratio = |d: usize| {
        let mut all = Vec::new();
        for seed in 0..4 {
            all.extend(product_spectrum(Factor::Gaussian, d, n, seed));
        }
        summarise(&all)
    };
    let depths = [1, 2, 4, 8, 16];
    let sums: Vec<_> = depths.iter().map(|&d| ratio(d)).collect();
    for k in 1..depths.len() {
        assert!(
            sums[k].ratio > sums[k - 1].ratio,
            "max/min {} at D={} is not above {} at D={}",
            sums[k].ratio,
            depths[k],
            sums[k - 1].ratio,
            depths[k - 1]
        );
        // Most values become tiny: the share below 0.1 grows too.
        assert!(sums[k].below_tenth >= sums[k - 1].below_tenth);
    }
    assert!(sums[4].ratio > 100.0 * sums[0].ratio);
    assert!(sums[4].below_tenth > 0.4, "{:?}", sums[4]);
}

#[test]
fn a_gaussian_product_with_entries_of_std_one_over_root_n_preserves_norms_on_average() {
    // E ||P x||^2 = ||x||^2 for each factor, so the mean of sigma^2 over the spectrum is 1 for
    // every depth (the spread grows, the mean does not).
    for depth in [1, 3, 6] {
        let mut all = Vec::new();
        for seed in 0..30 {
            all.extend(product_spectrum(Factor::Gaussian, depth, 40, 100 + seed));
        }
        let m = summarise(&all).mean_square;
        assert!((m - 1.0).abs() < 0.15, "D={depth}: mean sigma^2 = {m}");
    }
}

#[test]
fn singular_values_of_a_random_product_match_the_norm_of_the_product() {
    let mut rng = dln_explorer::engine::rng::Rng::new(5);
    let p = random_product(Factor::Gaussian, 3, 12, &mut rng);
    let s = singular_values(&p);
    let frob: f64 = p.iter().map(|x| x * x).sum();
    let sum_sq: f64 = s.iter().map(|x| x * x).sum();
    assert!((frob - sum_sq).abs() < 1e-10 * frob);
    assert!(s.windows(2).all(|w| w[0] >= w[1]));
}

#[test]
fn a_histogram_counts_every_value_once_as_a_share() {
    let h = histogram(&[0.05, 0.15, 0.15, 0.95, 7.0], 0.0, 1.0, 10);
    assert_eq!(h.len(), 10);
    assert!((h.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    assert!((h[1] - 0.4).abs() < 1e-12);
    assert!(
        (h[9] - 0.4).abs() < 1e-12,
        "values beyond the range go into the last bin"
    );
}

#[test]
fn the_spectra_demo_pools_draws_and_names_the_field_of_bad_input() {
    let mut d = SpectraDemo::default();
    assert_eq!((d.depth(), d.size()), (8, 100));
    // A draw is built one factor per call, then its singular values join the pool.
    for _ in 0..8 {
        assert!(!d.refine());
        assert!(d.values(Factor::Gaussian).is_empty());
    }
    assert!(!d.refine());
    assert_eq!(d.values(Factor::Gaussian).len(), 100);
    assert_eq!(d.draws(), 1);
    let v = d.version();
    assert!(d.set(0, 50).unwrap_err().starts_with("spectra.depth:"));
    assert!(d.set(4, 1).unwrap_err().starts_with("spectra.size:"));
    assert!(d.set(4, 100_000).unwrap_err().starts_with("spectra.size:"));
    assert_eq!(d.version(), v, "a refused change leaves the demo as it was");
    d.set(3, 40).unwrap();
    assert!(d.values(Factor::Orthogonal).is_empty());
    let d = d.complete();
    assert_eq!(d.draws(), d.draws_total());
    assert_eq!(d.values(Factor::Gaussian).len(), 40 * d.draws_total());
}

// ----- phase portrait -----

#[test]
fn rk4_trajectories_of_eq_8_conserve_a_squared_minus_b_squared_to_1e_6() {
    for &(a0, b0, s) in &[
        (0.05, 0.12, 1.0),
        (-1.6, 0.6, 1.0),
        (1.8, -0.3, 1.0),
        (0.2, -1.5, 2.5),
        (1.9, 1.7, 1.0),
    ] {
        let c0 = conserved(a0, b0);
        let pts = trajectory(a0, b0, s, 60.0 / s, step_for(s));
        for &(t, a, b) in &pts {
            assert!(
                (conserved(a, b) - c0).abs() < 1e-6,
                "start ({a0}, {b0}), t = {t}: a² − b² = {} vs {c0}",
                conserved(a, b)
            );
        }
    }
}

#[test]
fn every_start_off_the_line_a_equals_minus_b_converges_to_the_predicted_point_of_ab_equals_s() {
    for &(a0, b0, s) in &[
        (0.05, 0.12, 1.0),
        (-1.6, 0.6, 1.0),
        (1.8, -0.3, 1.0),
        (0.2, -1.5, 2.5),
        (1.9, 1.7, 1.0),
        (-0.3, -0.1, 0.5),
    ] {
        let (_, a, b) = *trajectory(a0, b0, s, 80.0 / s, step_for(s)).last().unwrap();
        assert!(
            (a * b - s).abs() < 1e-6,
            "({a0}, {b0}) ends at ab = {}",
            a * b
        );
        let (ea, eb) = destination(a0, b0, s);
        assert!(
            (a - ea).abs() < 1e-6 && (b - eb).abs() < 1e-6,
            "({a0}, {b0}) ends at ({a}, {b}), predicted ({ea}, {eb})"
        );
    }
}

#[test]
fn a_start_on_the_line_a_equals_minus_b_flows_into_the_saddle_at_the_origin() {
    let (_, a, b) = *trajectory(0.7, -0.7, 1.0, 200.0, 0.01).last().unwrap();
    assert!(a.abs() < 0.1 && b.abs() < 0.1, "ended at ({a}, {b})");
    assert!((a + b).abs() < 1e-12);
    assert_eq!(destination(0.7, -0.7, 1.0), (0.0, 0.0));
}

#[test]
fn a_balanced_start_follows_the_sigmoid_of_eq_12() {
    // a = b: u = ab obeys du/dt = 2u(s - u), so u(t) = s / (1 - e^{-2st} + (s/u0) e^{-2st}).
    let (s, a0) = (1.5, 0.03);
    let u0 = a0 * a0;
    for (t, a, b) in trajectory(a0, a0, s, 8.0, 0.005) {
        let exact = theory::one_hidden(s, 1.0, u0, t);
        assert!(
            (a * b - exact).abs() < 1e-8,
            "t = {t}: {} vs {exact}",
            a * b
        );
    }
}

#[test]
fn an_unbalanced_start_follows_the_exact_lambda_balanced_solution() {
    // docs/theory.md §1.4 and 4.2: with lambda = a0^2 - b0^2 the 2x2 Riccati solution is exact.
    for &(a0, b0, s) in &[(0.9, 0.1, 1.0), (0.2, 1.1, 2.0), (-0.4, 0.9, 1.0)] {
        for (t, a, b) in trajectory(a0, b0, s, 10.0, 0.005) {
            let (u, ea, eb) = theory::lambda_balanced_mode(s, a0, b0, t);
            assert!(
                (a * b - u).abs() < 1e-8 && (a - ea).abs() < 1e-8 && (b - eb).abs() < 1e-8,
                "({a0}, {b0}) at t = {t}: ({a}, {b}) vs ({ea}, {eb})"
            );
        }
    }
}

#[test]
fn the_field_of_eq_8_is_the_negative_gradient_of_the_mode_energy() {
    // E = (s - ab)^2 / 2: -dE/da = b (s - ab), -dE/db = a (s - ab).
    let e = |a: f64, b: f64| 0.5 * (1.3 - a * b).powi(2);
    let h = 1e-6;
    for &(a, b) in &[(0.3, -0.8), (1.2, 0.4), (-0.5, -1.1)] {
        let (fa, fb) = field(a, b, 1.3);
        let ga = -(e(a + h, b) - e(a - h, b)) / (2.0 * h);
        let gb = -(e(a, b + h) - e(a, b - h)) / (2.0 * h);
        assert!((fa - ga).abs() < 1e-8 && (fb - gb).abs() < 1e-8);
    }
    // One RK4 step moves along the field.
    let (a1, b1) = rk4_step(0.3, 0.2, 1.0, 1e-5);
    let (fa, fb) = field(0.3, 0.2, 1.0);
    assert!((a1 - 0.3 - 1e-5 * fa).abs() < 1e-9 && (b1 - 0.2 - 1e-5 * fb).abs() < 1e-9);
}

#[test]
fn a_clicked_trajectory_animates_until_it_reaches_ab_equals_s() {
    let mut d = PhaseDemo::default();
    assert_eq!(d.trajectories().len(), 2, "two examples, as in SMG14 Fig 2");
    assert!(!d.is_animating());
    d.start(-0.4, 0.9).unwrap();
    let mut frames = 0;
    while d.advance(1.0 / 60.0) {
        frames += 1;
        assert!(
            frames < 60 * 120,
            "still moving after two minutes of animation"
        );
    }
    assert!(
        frames > 30,
        "the trajectory should take more than half a second"
    );
    let t = d.trajectories().last().unwrap();
    assert_eq!(t.ending, Ending::Learned);
    let (_, a, b) = t.head();
    assert!((a * b - 1.0).abs() < 1e-6);
    assert!((conserved(a, b) - conserved(-0.4, 0.9)).abs() < 1e-6);
    assert!(d.start(f64::NAN, 0.0).unwrap_err().starts_with("phase:"));
    assert!(d
        .set_strength(Some(0), -1.0)
        .unwrap_err()
        .starts_with("phase.mode:"));
    d.set_strength(Some(0), 4.0).unwrap();
    assert_eq!(d.s(), 4.0);
    assert_eq!(
        d.trajectories().len(),
        2,
        "a new strength starts from the examples again"
    );
}

// ----- charts -----

fn svg(
    draw: impl FnOnce(
        &plotters::prelude::DrawingArea<plotters::prelude::SVGBackend<'_>, plotters::coord::Shift>,
        &dln_explorer::charts::Theme,
    ) -> dln_explorer::charts::ChartResult,
) -> (String, Frame) {
    let mut frame = None;
    let out = dln_explorer::charts::svg_with(640, 400, |root, th| {
        let f = draw(root, th)?;
        frame = Some(f.clone());
        Ok(f)
    })
    .unwrap();
    (out, frame.unwrap())
}

#[test]
fn the_spectra_chart_labels_both_histograms_and_reads_back_a_bin() {
    let demo = SpectraDemo::new(6, 50, 1).unwrap().complete();
    let (out, frame) = svg(|root, th| charts::draw_spectra(root, &demo, th));
    assert!(
        out.contains("product of 6 Gaussian 50×50 matrices"),
        "{out}"
    );
    assert!(out.contains("product of 6 random orthogonal 50×50 matrices"));
    assert!(out.contains("singular value σ of the product"));
    assert!(
        out.contains("σ_max/σ_min = 1 ·"),
        "the orthogonal product's ratio is 1"
    );
    assert!(!out.contains("NaN"));
    let Frame::Parts { parts } = &frame else {
        panic!("two plots")
    };
    assert_eq!(parts.len(), 2);
    // Over the orthogonal plot at sigma = 1: all of the values are in that bin.
    let Frame::Xy {
        left,
        right,
        top,
        bottom,
        x_max,
        ..
    } = parts[1]
    else {
        panic!("an x-y plot")
    };
    let x = left as f64 + (right - left) as f64 / x_max;
    let y = (top + bottom) as f64 / 2.0;
    let text = charts::spectra_readout(&frame, &demo, x, y).unwrap();
    assert!(
        text.starts_with("orthogonal product: 100.0% of singular values in ["),
        "{text}"
    );
}

#[test]
fn the_phase_chart_draws_the_field_the_solutions_and_the_runs_mode_and_reads_back_a_point() {
    let mut demo = PhaseDemo::default();
    demo.start(0.5, -0.2).unwrap();
    let dot = RunDot {
        mode: 0,
        u: 0.25,
        step: 120,
        depth: 2,
    };
    let (out, frame) = svg(|root, th| charts::draw_phase(root, &demo, Some(&dot), th));
    for label in [
        "ab = s",
        "a: input-side strength (W₁)",
        "b: output-side strength (W₂)",
        "a² − b² = const",
        "trajectory (click)",
        "u = 0.25 at step 120",
    ] {
        assert!(out.contains(label), "missing {label}");
    }
    assert!(!out.contains("NaN"));
    // The plot spans [-2, 2] for s = 1; its centre is the origin.
    let Frame::Xy {
        left,
        right,
        top,
        bottom,
        x_min,
        x_max,
        ..
    } = frame
    else {
        panic!("an x-y plot")
    };
    assert_eq!((x_min, x_max), (-2.0, 2.0));
    let px = |a: f64| left as f64 + (a + 2.0) / 4.0 * (right - left) as f64;
    let py = |b: f64| bottom as f64 - (b + 2.0) / 4.0 * (bottom - top) as f64;
    let text = charts::phase_readout(&frame, &demo, Some(&dot), px(0.5), py(0.5)).unwrap();
    assert!(
        text.starts_with("the run's mode 1 at step 120: u = 0.25"),
        "{text}"
    );
    let text = charts::phase_readout(&frame, &demo, None, px(1.0), py(-1.0)).unwrap();
    assert!(text.contains("flows to the saddle at the origin"), "{text}");
    let text = charts::phase_readout(&frame, &demo, None, px(1.5), py(0.0)).unwrap();
    assert!(text.contains("a² − b² = 2.2"), "{text}");
}

#[test]
fn the_sweep_chart_draws_partial_results_while_a_sweep_runs_and_a_cancelled_sweep_keeps_them() {
    let cfg = Config::default()
        .merged(&json!({"sweep": {"depths": [2, 4, 8], "inits": ["orthogonal", "balanced"]}}))
        .unwrap();
    let mut task = SweepTask::default();
    assert_eq!(task.status(), SweepStatus::Idle);
    let (out, _) = svg(|root, th| charts::draw_sweep(root, None, 2000, th));
    assert!(out.contains("Run sweep"));
    task.start(&cfg);
    while task.progress().runs_done < 2 {
        assert!(task.work(10));
    }
    let p = task.progress();
    assert_eq!(p.status, SweepStatus::Running);
    // Two starts, three depths, `sweep.seeds` runs each.
    assert_eq!(p.runs_total, 6 * cfg.sweep.seeds);
    assert!(p.progress > 0.0 && p.progress < 1.0);
    let results = p.results.clone().unwrap();
    let (out, _) = svg(|root, th| charts::draw_sweep(root, Some(&results), 2000, th));
    assert!(out.contains("learning time (steps)"));
    assert!(out.contains("depth D (weight matrices)"));
    task.cancel();
    assert_eq!(task.status(), SweepStatus::Cancelled);
    assert!(!task.work(1000), "a cancelled sweep does no more work");
    assert_eq!(task.progress().runs_done, p.runs_done);
    task.start(&cfg);
    while task.work(5000) {}
    let p = task.progress();
    assert_eq!(p.status, SweepStatus::Done);
    assert_eq!(p.progress, 1.0);
    assert_eq!(p.runs_done, 6 * cfg.sweep.seeds);
}

#[test]
fn the_default_sweep_orders_the_starts_as_smg14_fig_6a() {
    // Orthogonal, balanced and pretrained starts stay within a small factor across depths
    // 4 to 32, while the scaled Gaussian start slows by an order of magnitude or more (or is
    // not learned at all); the small Gaussian start (not in the default) is not learned at all
    // beyond a few layers.
    let cfg = Config::default()
        .merged(
            &json!({"sweep": {"inits": ["small_gaussian", "scaled_gaussian", "orthogonal",
                                             "balanced", "pretrained"]}}),
        )
        .unwrap();
    let mut task = SweepTask::default();
    task.start(&cfg);
    while task.work(50_000) {}
    let r = task.progress().results.unwrap();
    let at = |name: &str, d: usize| {
        let k = r.depths.iter().position(|&x| x == d).unwrap();
        r.learning_time[name][k].map_or(f64::INFINITY, |t| t as f64)
    };
    for name in ["orthogonal", "balanced", "pretrained"] {
        let (lo, hi) = (at(name, 4), at(name, 32));
        assert!(
            hi.is_finite() && hi <= 5.0 * lo,
            "{name}: {lo} steps at D=4, {hi} at D=32"
        );
    }
    assert!(at("scaled_gaussian", 32) >= 10.0 * at("scaled_gaussian", 4));
    assert!(at("small_gaussian", 8).is_infinite());
    for d in [8, 16, 32] {
        assert!(at("orthogonal", d) < at("scaled_gaussian", d));
    }
}

#[test]
fn a_sweep_run_elsewhere_takes_no_steps_here_and_shows_exactly_the_states_it_is_sent_through_json()
{
    let cfg = Config::default()
        .merged(&json!({"sweep": {"depths": [1, 2, 4], "inits": ["orthogonal", "balanced"]}}))
        .unwrap();
    // The sweep as a worker runs it.
    let mut worker = SweepTask::default();
    worker.start(&cfg);
    // The page's copy, which only shows what the worker reports.
    let mut page = SweepTask::default();
    page.start_elsewhere(&cfg);
    assert!(!page.work(10_000), "the copy takes no steps");
    assert_eq!(page.progress().steps, 0);
    assert_eq!(page.status(), SweepStatus::Running);
    let through_json = |p| serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
    let mut reports = 0;
    loop {
        let going = worker.work(5);
        page.adopt(through_json(worker.progress())).unwrap();
        reports += 1;
        let (here, there) = (page.progress(), worker.progress());
        assert_eq!(
            here.results, there.results,
            "bit for bit after report {reports}"
        );
        assert_eq!(
            (here.status, here.runs_done, here.steps),
            (there.status, there.runs_done, there.steps)
        );
        assert!(here.elsewhere && !there.elsewhere);
        if !going {
            break;
        }
    }
    assert!(reports > 2, "{reports} reports");
    assert_eq!(page.status(), SweepStatus::Done);
    assert_eq!(page.progress().progress, 1.0);
    // Once done, or for another sweep, a report is refused.
    assert!(page.adopt(through_json(worker.progress())).is_err());
    let other = Config::default()
        .merged(&json!({"sweep": {"depths": [1, 2, 8]}}))
        .unwrap();
    let mut page = SweepTask::default();
    page.start_elsewhere(&other);
    let err = page.adopt(through_json(worker.progress())).unwrap_err();
    assert!(err.contains("another sweep"), "{err}");
    // A cancelled copy stays cancelled whatever arrives after.
    page.cancel();
    assert!(page.adopt(through_json(worker.progress())).is_err());
    assert_eq!(page.status(), SweepStatus::Cancelled);
}

#[test]
fn a_sweep_up_to_d_tries_the_depth_ladder_up_to_d_and_d_itself() {
    use dln_explorer::config::{depths_up_to, DEPTH_LADDER};
    assert_eq!(depths_up_to(1), vec![1]);
    assert_eq!(depths_up_to(5), vec![1, 2, 3, 4, 5]);
    assert_eq!(depths_up_to(64), DEPTH_LADDER.to_vec());
    assert_eq!(Config::default().sweep.depths, depths_up_to(32));
    // The page asks the chapter, so the ladder is typed once.
    let mut reg = dln_explorer::chapters::Registry::new(&Config::default().validated().unwrap());
    assert_eq!(
        reg.call("sweepDepths", &[json!(10)]).unwrap(),
        json!([1, 2, 3, 4, 6, 8, 10])
    );
    for bad in [json!(0), json!(65), json!(2.5), json!("deep")] {
        let e = reg
            .call("sweepDepths", std::slice::from_ref(&bad))
            .unwrap_err();
        assert_eq!(e.field, "sweep.depths", "{bad}");
    }
}
