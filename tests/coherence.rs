//! Category coherence (docs/theory.md §2.3.6): the definition of C, the BBP threshold in the overlap
//! of the data's top item mode with the category, and the demo's chart.

use dln_explorer::chapters::semantic::charts::{coherence_readout, coherence_svg, draw_coherence};
use dln_explorer::chapters::semantic::coherence::*;
use dln_explorer::charts::Frame;
use dln_explorer::linalg::top_mode;
use std::sync::OnceLock;

use ndarray::Array2;
use plotters::prelude::*;

fn reference_sizes() -> Sizes {
    Sizes::new(200, 400, 20, 20).unwrap()
}

fn mean_at(curve: &[CurvePoint], c: f64) -> f64 {
    curve.iter().find(|p| p.c == c).unwrap().mean
}

#[test]
fn coherence_is_s_squared_k_o_k_f_over_the_root_of_n_o_n_f() {
    let sizes = Sizes::default();
    assert_eq!(
        (
            sizes.items,
            sizes.features,
            sizes.category_items,
            sizes.category_features
        ),
        (100, 200, 10, 10)
    );
    // C = 2² · 10 · 10 / √(100 · 200)
    let c = coherence(2.0, &sizes);
    assert!((c - 400.0 / 20_000f64.sqrt()).abs() < 1e-12, "{c}");
    for c in [0.2, 1.0, 3.7] {
        assert!((coherence(strength_for(c, &sizes), &sizes) - c).abs() < 1e-12);
    }
    let r = reference_sizes();
    assert!((coherence(1.0, &r) - 400.0 / 80_000f64.sqrt()).abs() < 1e-12);
}

#[test]
fn without_noise_the_block_is_one_mode_of_singular_value_s_root_k_o_k_f() {
    let sizes = Sizes::default();
    let s = 1.7;
    let y = Array2::from_shape_fn((sizes.features, sizes.items), |(j, i)| {
        if sizes.in_category_feature(j) && sizes.in_category_item(i) {
            s
        } else {
            0.0
        }
    });
    let top = top_mode(y.view());
    assert!((top.s - clean_singular_value(s, &sizes)).abs() < 1e-9);
    assert!((top.s - s * 10.0).abs() < 1e-9);
    assert!((overlap(top.v.view(), &sizes) - 1.0).abs() < 1e-12);
}

#[test]
fn the_block_in_noise_matrix_is_the_block_plus_unit_variance_noise() {
    let sizes = Sizes::default();
    let (y, z) = (block_in_noise(&sizes, 1.5, 9), noise(&sizes, 9));
    assert_eq!(
        y.dim(),
        (200, 100),
        "one row per feature, one column per item"
    );
    let diff = &y - &z;
    assert_eq!(diff.sum(), 1.5 * 100.0);
    assert_eq!(diff[(9, 9)], 1.5);
    assert_eq!(diff[(10, 9)], 0.0);
    let n = z.len() as f64;
    let mean = z.sum() / n;
    let var = z.mapv(|x| (x - mean).powi(2)).sum() / n;
    assert!(
        mean.abs() < 0.03 && (var - 1.0).abs() < 0.05,
        "{mean} {var}"
    );
}

#[test]
fn at_the_demo_sizes_the_category_is_buried_at_c_one_half_and_found_at_c_four() {
    // 100 items x 200 features, a category of 10 items sharing 10 features, 8 noise draws.
    let sizes = Sizes::default();
    let seeds: Vec<u64> = (1..=8).collect();
    let curve = overlap_curve(&sizes, &[0.5, 1.0, 2.0, 4.0], &seeds);
    let (low, one, two, high) = (
        mean_at(&curve, 0.5),
        mean_at(&curve, 1.0),
        mean_at(&curve, 2.0),
        mean_at(&curve, 4.0),
    );
    assert!(low < 0.25, "C = 0.5: {low}");
    assert!(high > 0.8, "C = 4: {high}");
    assert!(low < one && one < two && two < high, "{curve:?}");
    assert!(curve.iter().all(|p| p.draws == 8 && p.spread >= 0.0));
}

#[test]
fn at_theory_md_sizes_the_overlaps_match_the_reference_numbers_above_the_threshold() {
    // N_o = 200, N_f = 400, K_o = K_f = 20 (docs/theory.md §2.3.6): C = 1.25 -> 0.49, 2 -> 0.74,
    // 4 -> 0.89. Below the threshold the reference gives 0.07 (C = 0.5) and 0.16 (C = 0.8); the
    // overlap there is small and spread widely over draws (about 0.12 and 0.24 over 20 draws
    // here), so only its size is checked.
    let sizes = reference_sizes();
    let seeds: Vec<u64> = (1..=8).collect();
    let cs = [0.5, 0.8, 1.25, 2.0, 4.0];
    let curve = overlap_curve(&sizes, &cs, &seeds);
    for (c, want, tol) in [(1.25, 0.49, 0.08), (2.0, 0.74, 0.04), (4.0, 0.89, 0.02)] {
        let got = mean_at(&curve, c);
        assert!((got - want).abs() < tol, "C = {c}: {got} vs {want}");
    }
    assert!(mean_at(&curve, 0.5) < 0.2, "{curve:?}");
    assert!(mean_at(&curve, 0.8) < 0.3, "{curve:?}");
}

#[test]
fn the_large_n_limit_is_zero_up_to_the_threshold_and_meets_the_reference_numbers_above() {
    let r = reference_sizes();
    assert_eq!(bbp_overlap(0.5, &r), 0.0);
    assert_eq!(bbp_overlap(1.0, &r), 0.0);
    assert!((bbp_overlap(2.0, &r) - 0.74).abs() < 0.01);
    assert!((bbp_overlap(4.0, &r) - 0.89).abs() < 0.01);
    assert!(bbp_overlap(1e6, &r) > 0.999);
    // The top singular value leaves the noise edge continuously at C = 1.
    assert!((bbp_singular_value(1.0 + 1e-12, &r) - noise_edge(&r)).abs() < 1e-6);
    assert_eq!(bbp_singular_value(0.7, &r), noise_edge(&r));
    // Far above the threshold it approaches the noise-free value S √(K_o K_f).
    let c = 400.0;
    let clean = clean_singular_value(strength_for(c, &r), &r);
    assert!((bbp_singular_value(c, &r) / clean - 1.0).abs() < 0.01);
}

#[test]
fn the_top_singular_value_leaves_the_noise_edge_above_the_threshold() {
    let sizes = reference_sizes();
    let edge = noise_edge(&sizes);
    let s_low = top_mode(block_in_noise(&sizes, strength_for(0.5, &sizes), 3).view()).s;
    let s_high = top_mode(block_in_noise(&sizes, strength_for(4.0, &sizes), 3).view()).s;
    assert!((s_low / edge - 1.0).abs() < 0.05, "{s_low} vs edge {edge}");
    let predicted = bbp_singular_value(4.0, &sizes);
    assert!(
        (s_high / predicted - 1.0).abs() < 0.03,
        "{s_high} vs {predicted}"
    );
}

/// The page's demo with its whole curve (built once), the slider at `c`.
fn demo_at(c: f64) -> CoherenceDemo {
    static DEMO: OnceLock<CoherenceDemo> = OnceLock::new();
    let mut demo = DEMO
        .get_or_init(|| CoherenceDemo::default().complete())
        .clone();
    demo.set_coherence(c);
    demo
}

/// Number of points in the longest polyline of the given colour.
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

#[test]
fn the_coherence_chart_draws_the_curve_the_threshold_and_the_slider_marker() {
    let demo = demo_at(0.5);
    let svg = coherence_svg(&demo, 640, 480).unwrap();
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("BBP threshold C = 1"));
    assert_eq!(
        polyline_points(&svg, "#0072B2"),
        CURVE_POINTS,
        "the mean curve"
    );
    assert!(svg.contains("C = 0.5: overlap"), "the marker's readout");
    assert!(svg.contains("buried in noise"));
    assert!(svg.contains("large-N limit (BBP)"));
    // The heat map: one cell per item and feature.
    assert!(svg.matches("<rect").count() >= 100 * 200);
    let svg = coherence_svg(&demo_at(2.0), 640, 480).unwrap();
    assert!(svg.contains("C = 2: overlap"));
    assert!(svg.contains("(category found)"));
}

#[test]
fn the_coherence_chart_says_it_is_computing_until_every_draw_is_in() {
    let mut demo = CoherenceDemo::default();
    demo.refine();
    let svg = coherence_svg(&demo, 640, 480).unwrap();
    assert!(svg.contains(&format!("computing: 1 of {DEMO_DRAWS} draws")));
    // Before any draw the marker is still drawn, and there is no curve yet.
    let svg = coherence_svg(&CoherenceDemo::default(), 640, 480).unwrap();
    assert!(
        polyline_points(&svg, "#0072B2") < 3,
        "only the legend's sample line"
    );
    assert!(svg.contains("C = 0.5: overlap"));
}

#[test]
fn the_coherence_chart_renders_at_tiny_and_large_sizes_without_error() {
    let demo = demo_at(1.3);
    for (w, h) in [(60, 40), (300, 200), (1600, 1200)] {
        coherence_svg(&demo, w, h).unwrap_or_else(|e| panic!("{w}x{h}: {e}"));
    }
}

#[test]
fn a_hover_reads_back_the_marker_the_threshold_the_curve_and_the_data() {
    let demo = demo_at(1.25);
    let mut svg = String::new();
    let frame = {
        let root = SVGBackend::with_string(&mut svg, (640, 480)).into_drawing_area();
        draw_coherence(&root, &demo, &Default::default()).unwrap()
    };
    let Frame::Parts { parts } = &frame else {
        panic!("the chart is a plot and heat maps")
    };
    let Frame::Xy {
        left,
        right,
        top,
        bottom,
        x_min,
        x_max,
        ..
    } = parts[0]
    else {
        panic!("the first part is the plot")
    };
    let px = |c: f64| left as f64 + (c.log10() - x_min) / (x_max - x_min) * (right - left) as f64;
    let py = |v: f64| bottom as f64 - v * (bottom - top) as f64;
    let now = demo.current();
    let text = coherence_readout(&frame, &demo, px(1.25), py(now.mean)).unwrap();
    assert!(
        text.starts_with(&format!(
            "C = 1.25: overlap {:.2} ± {:.2} (category found)",
            now.mean, now.spread
        )),
        "{text}"
    );
    let text = coherence_readout(&frame, &demo, px(1.0), py(0.9)).unwrap();
    assert!(text.starts_with("BBP threshold C = 1"), "{text}");
    let c = demo.curve()[3];
    let text = coherence_readout(&frame, &demo, px(c.c), py(0.9)).unwrap();
    assert!(text.contains("(buried in noise)"), "{text}");
    assert!(text.starts_with(&format!(
        "C = {}: overlap",
        dln_explorer::charts::fmt_num(c.c)
    )));
    // The heat map's first cell is in the category.
    let Frame::Grids { grids } = &parts[2] else {
        panic!("the third part is the data")
    };
    let g = &grids[0];
    let text = coherence_readout(&frame, &demo, g.left as f64 + 0.5, g.top as f64 + 0.5).unwrap();
    assert!(
        text.starts_with("item 1 (category) · feature 1 (category): "),
        "{text}"
    );
    assert!(coherence_readout(&frame, &demo, 1.0, 1.0).is_none());
}
