//! Semantic development on the rm8 recipe of docs/theory.md §2.4: N_h = 16, lr = 0.01 / s_max
//! (tau = 632 steps), small random start with std sqrt(2e-6 / N_h) (u0 = 1e-6), 8311 steps.

mod common;

use dln_explorer::run::measures::{correlation, gram, novel_feature, novel_item};
use dln_explorer::run::Run;
use serde_json::json;

const S_MAX: f64 = 6.320_606_924_810_471;

/// The recipe's run at step 0.
fn recipe_start() -> Run {
    let cfg = common::config(json!({
        "network": {"hidden": [16]},
        "init": {"kind": "small_gaussian", "scale": (2e-6f64 / 16.0).sqrt()},
        "train": {"lr": 0.01 / S_MAX, "steps": 8311, "record_every": 10, "seed": 3}
    }));
    Run::new(&cfg)
}

/// The recipe's run, trained to its end.
fn recipe() -> Run {
    let mut run = recipe_start();
    run.advance(8311);
    run
}

fn index(names: &[String], name: &str) -> usize {
    names.iter().position(|n| n == name).unwrap()
}

#[test]
fn the_rm8_recipe_reproduces_the_pine_has_leaves_illusion_in_simulation_and_theory() {
    let run = recipe();
    let list = run.illusions(10);
    let top = &list[0];
    assert_eq!(
        (top.item.as_str(), top.feature.as_str()),
        ("pine", "leaves")
    );
    assert_eq!(top.target, 0.0);
    let (th, sim) = (top.peak_theory.unwrap(), top.peak_sim.unwrap());
    assert!((th - 0.669).abs() < 0.02, "theory peak {th}");
    assert!((sim - 0.676).abs() < 0.02, "simulated peak {sim}");
    let (ts, tt) = (top.step_sim.unwrap() as f64, top.step_theory.unwrap());
    assert!(
        (ts - 1350.0).abs() < 200.0 && (tt - 1350.0).abs() < 100.0,
        "peaks at {ts} and {tt}"
    );
    // The output returns to 0 by the end.
    let leaves = index(&run.data().features, "leaves");
    let last = run.history().snapshots().last().unwrap();
    assert!(last.output[(leaves, 0)].abs() < 0.01);
    // And the ranking has the other classic ones (docs/theory.md §2.3.4).
    let pairs: Vec<(String, String)> = list
        .iter()
        .map(|i| (i.item.clone(), i.feature.clone()))
        .collect();
    for (item, feature) in [("canary", "red"), ("robin", "yellow"), ("oak", "petals")] {
        assert!(
            pairs.contains(&(item.into(), feature.into())),
            "{item} {feature} missing from {pairs:?}"
        );
    }
}

#[test]
fn the_simulated_rsm_matches_v_a_v_transposed_throughout_the_recipe() {
    let run = recipe();
    let pred = run.prediction().unwrap();
    let snaps = run.history().snapshots();
    for frac in [1.0 / 3.0, 2.0 / 3.0, 1.0] {
        let step = (8311.0 * frac) as u64;
        let snap = run.history().snapshot_at(step).unwrap();
        let sim = gram(snap.hidden.as_ref().unwrap());
        let theory = pred.matrices_at(snap.time).unwrap().hidden_gram.unwrap();
        let r = correlation(&sim, &theory);
        assert!(r > 0.999, "at step {}: correlation {r}", snap.step);
    }
    assert!(snaps.len() > 100);
}

#[test]
fn the_analytic_rsm_is_v_a_v_transposed() {
    let run = recipe();
    let pred = run.prediction().unwrap();
    let svd = run.svd();
    let t = 3.0;
    let a = pred.at(t).modes;
    let m = pred.matrices_at(t).unwrap().hidden_gram.unwrap();
    let mut want = ndarray::Array2::<f64>::zeros((8, 8));
    for k in 0..8 {
        let v = svd.v.column(k);
        for i in 0..8 {
            for j in 0..8 {
                want[(i, j)] += a[k] * v[i] * v[j];
            }
        }
    }
    let err = (&m - &want).iter().fold(0.0f64, |x, v| x.max(v.abs()));
    assert!(err < 1e-12, "{err}");
}

#[test]
fn a_novel_feature_taught_to_canary_generalises_as_the_theory_says_after_training() {
    let run = recipe();
    let items = &run.data().items;
    let last = run.history().snapshots().last().unwrap();
    let sim = novel_feature(&gram(last.hidden.as_ref().unwrap()), index(items, "canary"));
    let want = [
        ("pine", 0.0497),
        ("oak", 0.0418),
        ("rose", 0.0705),
        ("daisy", 0.1602),
        ("robin", 0.4461),
        ("canary", 1.0),
        ("sunfish", 0.2198),
        ("salmon", 0.1308),
    ];
    for (name, v) in want {
        let got = sim[index(items, name)];
        assert!((got - v).abs() < 0.01, "{name}: {got} vs {v}");
    }
    // The theory at the same time says the same.
    let pred = run.prediction().unwrap().matrices_at(last.time).unwrap();
    let th = novel_feature(pred.hidden_gram.as_ref().unwrap(), index(items, "canary"));
    for (name, v) in want {
        assert!((th[index(items, name)] - v).abs() < 0.01, "theory {name}");
    }
}

#[test]
fn a_novel_item_that_can_fly_is_predicted_to_be_a_bird_with_wings_and_feathers() {
    let run = recipe();
    let features = &run.data().features;
    let last = run.history().snapshots().last().unwrap();
    let r = last.readout.as_ref().unwrap();
    let fly = index(features, "fly");
    let proj = novel_item(r.dot(&r.row(fly)).view(), fly);
    for (name, v) in [
        ("bird", 1.0),
        ("wings", 1.0),
        ("feathers", 1.0),
        ("animal", 0.7375),
        ("move", 0.7375),
    ] {
        let got = proj[index(features, name)];
        assert!((got - v).abs() < 0.01, "{name}: {got} vs {v}");
    }
}

#[test]
fn early_in_training_a_novel_feature_spreads_more_broadly_than_late() {
    let run = recipe();
    let items = &run.data().items;
    let canary = index(items, "canary");
    let pine = index(items, "pine");
    let early = run.history().snapshot_at(1000).unwrap();
    let late = run.history().snapshots().last().unwrap();
    let e = novel_feature(&gram(early.hidden.as_ref().unwrap()), canary);
    let l = novel_feature(&gram(late.hidden.as_ref().unwrap()), canary);
    assert!(
        e[pine] > l[pine] + 0.2,
        "early {} vs late {}",
        e[pine],
        l[pine]
    );
}

#[test]
fn predicted_typicality_crossings_order_by_typicality_in_every_category_mode() {
    let run = recipe();
    for alpha in 1..4 {
        let t = run.typicality(alpha);
        assert!(t.threshold.is_finite() && t.threshold > 0.0);
        assert!(
            t.inversions(&t.theory).is_empty(),
            "mode {}: {:?}",
            alpha + 1,
            t.theory
        );
        // Every member crosses in theory, and the simulation within 10 % of it.
        for i in 0..t.v.len() {
            if !t.members[i] {
                assert!(t.sim[i].is_none() && t.theory[i].is_none());
                continue;
            }
            let (th, sim) = (t.theory[i].unwrap(), t.sim[i].unwrap());
            assert!(
                (sim - th).abs() < 0.1 * th,
                "mode {} item {i}: {sim} against {th}",
                alpha + 1
            );
        }
    }
    // Mode 3 (fish against birds): canary (|v| 0.515) crosses before robin (0.354).
    let names = &run.data().items;
    let t = run.typicality(2);
    let (canary, robin) = (index(names, "canary"), index(names, "robin"));
    assert!(t.v[canary].abs() > t.v[robin].abs());
    assert!(t.theory[canary].unwrap() < t.theory[robin].unwrap());
    assert!(t.sim[canary].unwrap() < t.sim[robin].unwrap());
}

#[test]
fn every_item_gets_a_time_bar_or_is_named_under_the_typicality_chart() {
    use dln_explorer::charts::{draw_panel, readout, Frame};
    use dln_explorer::page::View;
    use dln_explorer::run::Session;
    use plotters::prelude::*;
    let cfg = common::config(json!({
        "network": {"hidden": [16]},
        "init": {"kind": "small_gaussian", "scale": (2e-6f64 / 16.0).sqrt()},
        "train": {"lr": 0.01 / S_MAX, "steps": 8311, "record_every": 10, "seed": 3}
    }));
    let mut s = Session::new(&cfg);
    s.advance(8311);
    let view = View {
        category: Some(3),
        ..View::default()
    };
    let mut svg = String::new();
    let frame = {
        let root = SVGBackend::with_string(&mut svg, (900, 420)).into_drawing_area();
        draw_panel("typicality", &root, &s, &view, &Default::default()).unwrap()
    };
    let t = s.run().typicality(2);
    let names = &s.run().data().items;
    for (i, name) in names.iter().enumerate() {
        assert!(
            t.members[i] || svg.contains(name.as_str()) && svg.contains("No time bar for"),
            "{name} has neither a bar nor a reason"
        );
    }
    assert!(
        !t.members[index(names, "pine")],
        "pine is outside fish vs birds"
    );
    assert!(svg.contains("No time bar for") && svg.contains("pine"));
    // Hover: the time chart reads crossing steps, the v chart reads typicality.
    let Frame::Grids { grids } = &frame else {
        panic!("grids")
    };
    let canary = index(names, "canary");
    let at = |name: &str| {
        let g = grids.iter().find(|g| g.name == name).unwrap();
        let ((x0, y0), (x1, y1)) = g.cell_rect(0, canary);
        readout(
            "typicality",
            &frame,
            &s,
            &view,
            (x0 + x1) as f64 / 2.0,
            (y0 + y1) as f64 / 2.0,
        )
        .unwrap()
    };
    let time = at("time");
    assert!(
        time.starts_with("canary: category output reaches"),
        "{time}"
    );
    assert!(
        time.contains(&format!("{:.0}", t.theory[canary].unwrap())),
        "{time}"
    );
    let v = at("v");
    assert!(v.starts_with("canary: typicality v ="), "{v}");
}

#[test]
fn a_second_network_started_behind_keeps_its_gap_until_caught_up_and_then_equals_one_caught_up_at_once(
) {
    use dln_explorer::run::Session;
    let cfg = common::config(json!({"network": {"hidden": [16]}, "train": {"steps": 4000}}));
    let patch = json!({"network": {"hidden": [24]}, "train": {"seed": 9}});
    let mut at_once = Session::new(&cfg);
    at_once.advance(1500);
    at_once.set_twin(Some(patch.clone())).unwrap();
    assert_eq!(at_once.twin_behind(), 0);
    assert_eq!(at_once.twin().unwrap().step_count(), 1500);

    let mut sliced = Session::new(&cfg);
    sliced.advance(1500);
    sliced.start_twin(Some(patch)).unwrap();
    assert_eq!(sliced.twin_behind(), 1500);
    // Playing on keeps the gap: the second network takes as many steps as the first.
    sliced.advance(100);
    at_once.advance(100);
    assert_eq!(sliced.twin_behind(), 1500);
    assert_eq!(sliced.twin().unwrap().step_count(), 100);
    let mut left = sliced.twin_behind();
    while left > 0 {
        let next = sliced.catch_up_twin(400);
        assert!(next < left && left - next <= 400, "{left} -> {next}");
        left = next;
    }
    let (a, b) = (at_once.twin().unwrap(), sliced.twin().unwrap());
    assert_eq!(a.step_count(), b.step_count());
    assert_eq!(
        a.loss().to_bits(),
        b.loss().to_bits(),
        "same steps, same bits"
    );
    assert_eq!(sliced.catch_up_twin(u64::MAX), 0);
}

#[test]
fn the_predicted_hidden_gram_and_one_output_alone_equal_those_of_the_whole_predicted_matrices() {
    use dln_explorer::run::measures::predicted_output;
    let run = recipe();
    let pred = run.prediction().expect("the recipe has a prediction");
    for t in [0.0, 0.5, 2.0, 7.5, 40.0] {
        let whole = pred.matrices_at(t).unwrap();
        let g = pred.hidden_gram_at(t).unwrap();
        let full = whole.hidden_gram.unwrap();
        let err = (&g - &full).iter().fold(0.0f64, |m, d| m.max(d.abs()));
        assert!(err <= 1e-12, "hidden Gram at t = {t}: {err}");
        for (m, i) in [(0, 0), (3, 5), (7, 2)] {
            let one = predicted_output(pred, run.svd(), m, i, &[t]).unwrap()[0];
            assert!(
                (one - whole.map[(m, i)]).abs() <= 1e-12,
                "output ({m}, {i}) at t = {t}"
            );
        }
    }
}

#[test]
fn simulated_category_crossings_equal_a_column_by_column_scan_of_every_snapshot() {
    use dln_explorer::run::measures::simulated_crossings;
    let run = recipe();
    let snaps = run.history().snapshots();
    let outs: Vec<_> = snaps.iter().map(|s| &s.output).collect();
    let steps: Vec<f64> = snaps.iter().map(|s| s.step as f64).collect();
    for alpha in 1..4 {
        let (u, v) = (run.svd().u.column(alpha), run.svd().v.column(alpha));
        let members: Vec<bool> = v.iter().map(|x| x.abs() > 1e-9).collect();
        let threshold = 0.5 * v.iter().map(|x| x.abs()).fold(0.0, f64::max) * run.svd().s[alpha];
        let got = simulated_crossings(&outs, &steps, u, v, &members, threshold);
        for i in 0..v.len() {
            let p: Vec<f64> = outs
                .iter()
                .map(|w| v[i].signum() * w.column(i).dot(&u))
                .collect();
            let want = members[i].then_some(()).and_then(|()| {
                let k = p.iter().position(|&x| x >= threshold)?;
                Some(if k == 0 {
                    steps[0]
                } else {
                    let f = (threshold - p[k - 1]) / (p[k] - p[k - 1]);
                    steps[k - 1] + f * (steps[k] - steps[k - 1])
                })
            });
            match (got[i], want) {
                (Some(a), Some(b)) => {
                    assert!((a - b).abs() < 1e-6, "mode {alpha} item {i}: {a} vs {b}")
                }
                (a, b) => assert_eq!(a.is_some(), b.is_some(), "mode {alpha} item {i}"),
            }
        }
        assert!(
            got.iter().any(Option::is_some),
            "mode {alpha}: some item crosses"
        );
    }
}

#[test]
fn the_typicality_crossings_follow_the_snapshots_as_they_are_added() {
    use dln_explorer::run::measures::simulated_crossings;
    let mut run = recipe_start();
    // The same mode asked again and again while the run trains (as the chart does every frame)
    // answers what a fresh scan of the snapshots gives at that moment.
    let mut changed = 0;
    let mut last = run.typicality(2).sim;
    for _ in 0..12 {
        run.advance(700);
        let t = run.typicality(2);
        let snaps = run.history().snapshots();
        let outs: Vec<_> = snaps.iter().map(|s| &s.output).collect();
        let steps: Vec<f64> = snaps.iter().map(|s| s.step as f64).collect();
        let fresh = simulated_crossings(
            &outs,
            &steps,
            run.svd().u.column(2),
            run.svd().v.column(2),
            &t.members,
            t.threshold,
        );
        assert_eq!(t.sim, fresh, "at step {}", run.step_count());
        assert_eq!(
            run.typicality(2).sim,
            fresh,
            "asked twice at step {}",
            run.step_count()
        );
        changed += usize::from(t.sim != last);
        last = t.sim;
    }
    assert!(
        changed >= 2,
        "the crossings changed only {changed} times while the run trained"
    );
    assert!(
        last.iter().flatten().count() >= 2,
        "items crossed: {last:?}"
    );
}

/// The rotated texts of an SVG chart, as (x, text): the bar labels.
fn rotated_labels(svg: &str) -> Vec<(f64, String)> {
    svg.split("<text")
        .skip(1)
        .filter(|t| t.contains("rotate(90"))
        .map(|t| {
            let x = t.split("x=\"").nth(1).unwrap().split('"').next().unwrap();
            let body = t
                .split('>')
                .nth(1)
                .unwrap_or("")
                .split('<')
                .next()
                .unwrap_or("");
            (x.parse::<f64>().unwrap(), body.trim().to_string())
        })
        .collect()
}

#[test]
fn bar_labels_too_many_for_their_chart_are_thinned_so_none_overlap() {
    use dln_explorer::charts::draw_panel;
    use dln_explorer::page::View;
    use dln_explorer::run::Session;
    use plotters::prelude::*;
    let draw = |s: &Session| {
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (900, 420)).into_drawing_area();
            draw_panel(
                "typicality",
                &root,
                s,
                &View::default(),
                &Default::default(),
            )
            .unwrap();
        }
        svg
    };
    // 256 items on a chart 900 px wide: under 2 px a bar, against a line of text of about 8 px.
    let mut s = Session::new(&common::config(json!({
        "dataset": {"kind": "diffusion", "levels": 8, "feature_count": 64},
        "network": {"hidden": [16]},
        "train": {"steps": 50}
    })));
    s.advance(50);
    let names = &s.run().data().items;
    assert_eq!(names.len(), 256);
    let labels: Vec<(f64, String)> = rotated_labels(&draw(&s))
        .into_iter()
        .filter(|(_, t)| names.contains(t))
        .collect();
    // Two charts side by side (analyzer entries, crossing steps), each with its share of names,
    // in item order, none closer to the next than a line.
    assert!(
        labels.len() >= 20 && labels.len() < 2 * 256,
        "{} labels",
        labels.len()
    );
    let mut charts = 1;
    for w in labels.windows(2) {
        let (a, b) = (index(names, &w[0].1), index(names, &w[1].1));
        if b <= a {
            // The second chart's labels start again from the first item.
            charts += 1;
            continue;
        }
        let gap = w[1].0 - w[0].0;
        assert!(gap >= 8.0, "{} and {} are {gap} px apart", w[0].1, w[1].1);
    }
    assert_eq!(charts, 2);
    // The rm8 chart, with room for every name, still writes all eight under each chart.
    let mut rm8 = Session::new(&common::config(json!({"network": {"hidden": [16]}})));
    rm8.advance(10);
    let written = rotated_labels(&draw(&rm8));
    for name in &rm8.run().data().items {
        let n = written.iter().filter(|(_, t)| t == name).count();
        assert_eq!(n, 2, "{name} is written {n} times");
    }
}
