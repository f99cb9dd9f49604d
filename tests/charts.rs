//! Every chart renders through plotters' SVG backend and contains its data.

mod common;

use dln_explorer::charts::{mode_color, Frame};
use dln_explorer::page::View;
use dln_explorer::run::Session;

fn trained(cfg: serde_json::Value, steps: u64) -> Session {
    let mut s = Session::new(&common::config(cfg));
    s.advance(steps);
    s
}

fn panel_svg(panel: &str, s: &Session, w: u32, h: u32) -> Result<String, String> {
    dln_explorer::charts::panel_svg(panel, s, &View::default(), w, h)
}

fn hex(c: plotters::style::RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// Number of points in the polyline of the given colour.
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
fn the_loss_chart_draws_one_point_per_record() {
    let run = trained(serde_json::json!({}), 1500);
    let svg = panel_svg("loss", &run, 640, 400).unwrap();
    assert!(svg.starts_with("<svg"));
    let n = run.run().history().len();
    assert_eq!(
        polyline_points(&svg, &hex(dln_explorer::charts::PALETTE[0])),
        n,
        "{n} records"
    );
    assert!(svg.contains("training step"));
}

#[test]
fn the_mode_chart_draws_each_mode_solid_and_its_theory_dashed_in_the_same_colour() {
    let run = trained(
        serde_json::json!({"init": {"kind": "balanced", "scale": 0.001}}),
        1000,
    );
    let svg = panel_svg("modes", &run, 640, 400).unwrap();
    for a in 0..8 {
        let c = hex(mode_color(a));
        assert_eq!(
            polyline_points(&svg, &c),
            run.run().history().len(),
            "mode {a}"
        );
        // Dashes are short separate segments in the same colour.
        let dashes = svg.matches(&format!("stroke=\"{c}\"")).count();
        assert!(dashes > 10, "mode {a} has {dashes} strokes");
    }
    assert!(svg.contains("exact for these steps"));
}

#[test]
fn the_mode_chart_says_so_when_there_is_no_exact_solution() {
    let run = trained(
        serde_json::json!({"network": {"hidden": [16, 16]}, "init": {"kind": "orthogonal", "scale": 1.0}}),
        10,
    );
    let svg = panel_svg("modes", &run, 640, 400).unwrap();
    assert!(svg.contains("no exact solution"), "{svg}");
}

#[test]
fn the_output_chart_draws_a_cell_for_every_item_and_feature_of_output_and_target() {
    let run = trained(serde_json::json!({}), 10);
    let svg = panel_svg("output", &run, 700, 700).unwrap();
    let rects = svg.matches("<rect").count();
    assert!(rects >= 2 * 36 * 8, "{rects} rects");
    for name in [
        "pine",
        "salmon",
        "leaves",
        "gills",
        "network output",
        "target",
    ] {
        assert!(svg.contains(name), "missing label {name}");
    }
}

#[test]
fn the_svd_chart_draws_u_s_and_v_with_labels() {
    let run = trained(serde_json::json!({}), 0);
    let svg = panel_svg("svd", &run, 700, 700).unwrap();
    let rects = svg.matches("<rect").count();
    assert!(rects >= 36 * 8 + 8 * 8 + 8 * 8, "{rects} rects");
    for name in [
        "U (feature synthesizers)",
        "object analyzers",
        "canary",
        "feathers",
    ] {
        assert!(svg.contains(name), "missing label {name}");
    }
}

#[test]
fn every_panel_of_every_chapter_renders_at_tiny_and_large_sizes_without_error() {
    let cfg = dln_explorer::config::Config::default()
        .merged(&serde_json::json!({"dataset": {"kind": "diffusion", "features": 600}}))
        .unwrap();
    let mut reg = dln_explorer::chapters::Registry::new(&cfg);
    reg.advance(20);
    let panels = dln_explorer::chapters::registry::panel_names();
    assert!(panels.len() >= 13, "{panels:?}");
    for panel in panels {
        for (w, h) in [(60, 40), (1600, 1200)] {
            let svg = reg
                .svg(panel, w, h)
                .unwrap_or_else(|e| panic!("{panel} {w}x{h}: {e}"));
            assert!(svg.contains("<text"), "{panel} {w}x{h} draws no text");
        }
    }
}

#[test]
fn a_hover_over_the_loss_chart_reads_back_the_nearest_record() {
    let run = trained(serde_json::json!({}), 2000);
    let mut svg = String::new();
    let frame = {
        use plotters::prelude::*;
        let root = SVGBackend::with_string(&mut svg, (640, 400)).into_drawing_area();
        dln_explorer::charts::draw_panel("loss", &root, &run, &View::default(), &Default::default())
            .unwrap()
    };
    let Frame::Xy {
        left,
        right,
        top,
        bottom,
        ..
    } = frame
    else {
        panic!("loss is an x-y chart")
    };
    // The middle of the x range is step 4000 of 8000, past the end of the run: the readout
    // falls back to the last record, step 2000.
    let x = (left + right) as f64 / 2.0;
    let y = (top + bottom) as f64 / 2.0;
    let text = dln_explorer::charts::readout("loss", &frame, &run, &View::default(), x, y).unwrap();
    assert!(text.starts_with("step 2000"), "{text}");
    let quarter = left as f64 + 0.125 * (right - left) as f64; // step 1000
    let text =
        dln_explorer::charts::readout("loss", &frame, &run, &View::default(), quarter, y).unwrap();
    assert!(text.starts_with("step 1000"), "{text}");
}

#[test]
fn the_semantic_panels_draw_their_data_and_the_twin_appears_in_the_rsm() {
    let mut s = trained(serde_json::json!({"train": {"steps": 4000}}), 3000);
    s.set_twin(Some(
        serde_json::json!({"network": {"hidden": [40]}, "train": {"seed": 9}}),
    ))
    .unwrap();
    let view = View::default();
    let svg = |p: &str| dln_explorer::charts::panel_svg(p, &s, &view, 700, 500).unwrap();
    let mds = svg("mds");
    for item in ["pine", "salmon"] {
        assert!(mds.contains(item), "map lacks {item}");
    }
    assert!(
        mds.matches("<circle").count() >= 16,
        "a dot and a ring per item"
    );
    let rsm = svg("rsm");
    assert!(rsm.contains("corr(simulated, theory)") && rsm.contains("corr(network 1, network 2)"));
    assert!(rsm.matches("<rect").count() >= 3 * 64);
    let ill = svg("illusion");
    assert!(
        ill.contains("pine · leaves"),
        "the default illusion is the strongest one"
    );
    assert!(svg("typicality").contains("object analyzer"));
    assert!(svg("projection").contains("novel feature taught for canary"));
}

#[test]
fn scrubbing_back_moves_the_output_and_the_map_to_that_step() {
    let s = trained(serde_json::json!({}), 3000);
    let mut view = View::default();
    let live = dln_explorer::charts::panel_svg("output", &s, &view, 700, 700).unwrap();
    view.scrub = Some(800);
    let early = dln_explorer::charts::panel_svg("output", &s, &view, 700, 700).unwrap();
    assert!(early.contains("at step 800"));
    assert_ne!(live, early);
    let map = dln_explorer::charts::panel_svg("mds", &s, &view, 700, 500).unwrap();
    assert!(map.contains("step 800"));
    let loss = dln_explorer::charts::panel_svg("loss", &s, &view, 700, 500).unwrap();
    assert_ne!(
        loss,
        dln_explorer::charts::panel_svg("loss", &s, &View::default(), 700, 500).unwrap()
    );
}

#[test]
fn semantic_panels_explain_themselves_for_a_shallow_network() {
    let s = trained(serde_json::json!({"network": {"hidden": []}}), 100);
    for p in ["mds", "rsm", "projection"] {
        let svg = dln_explorer::charts::panel_svg(p, &s, &View::default(), 600, 400).unwrap();
        assert!(svg.contains("hidden layer"), "{p}");
    }
}

#[test]
fn the_mode_chart_of_a_tanh_network_calls_its_dashed_curves_a_linear_reference() {
    let run = trained(
        serde_json::json!({"network": {"hidden": [16], "activation": "tanh"},
                           "init": {"kind": "balanced", "scale": 0.001}}),
        500,
    );
    let svg = panel_svg("modes", &run, 640, 400).unwrap();
    assert!(svg.contains("linear theory:"), "legend");
    assert!(svg.contains("reference only"), "legend");
    assert!(
        svg.contains("dashed: linear theory: reference only"),
        "note"
    );
    assert!(svg.contains("uᵀ f(X) v"), "axis");
    assert!(!svg.contains(">\nexact\n<"));
    // The dashed reference is still drawn in each mode's colour.
    for a in 0..8 {
        let c = hex(mode_color(a));
        let dashes = svg.matches(&format!("stroke=\"{c}\"")).count();
        assert!(dashes > 10, "mode {a} has {dashes} strokes");
    }
    let linear = trained(
        serde_json::json!({"init": {"kind": "balanced", "scale": 0.001}}),
        10,
    );
    let svg = panel_svg("modes", &linear, 640, 400).unwrap();
    assert!(svg.contains(">\nexact\n<"));
    assert!(!svg.contains("reference only"));
}

#[test]
fn a_panel_is_drawn_again_only_when_what_it_shows_has_changed() {
    use plotters::prelude::*;
    let cfg = dln_explorer::config::Config::default()
        .merged(&serde_json::json!({}))
        .unwrap();
    let mut reg = dln_explorer::chapters::Registry::new(&cfg);
    reg.advance(200);
    let mut text = String::new();
    let root = SVGBackend::with_string(&mut text, (640, 400)).into_drawing_area();
    let th = dln_explorer::charts::Theme::new(1.0, false);
    for p in ["modes", "svd"] {
        assert!(reg.stale(p, 640, 400));
        reg.draw(p, &root, &th).unwrap();
        assert!(!reg.stale(p, 640, 400), "{p}: drawn and unchanged");
    }
    reg.advance(1);
    assert!(reg.stale("modes", 640, 400), "a step moves the modes");
    assert!(
        !reg.stale("svd", 640, 400),
        "the data's modes do not change as the run trains"
    );
    reg.redraw_all();
    assert!(
        reg.stale("svd", 640, 400),
        "a new theme draws everything again"
    );
    // Exports always draw in full.
    let svg = reg.svg("modes", 640, 400).unwrap();
    assert!(svg.contains("<polyline"));
    assert!(reg.svg("modes", 640, 400).unwrap().contains("<polyline"));
}

/// Draws a panel with `draw_panel` into a fresh SVG string.
fn draw_into_svg(panel: &str, s: &Session, view: &View, dark: bool) -> String {
    use plotters::prelude::*;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 400)).into_drawing_area();
        let th = dln_explorer::charts::Theme::new(1.0, dark);
        dln_explorer::charts::draw_panel(panel, &root, s, view, &th).unwrap();
        root.present().unwrap();
    }
    svg
}

#[test]
fn the_map_kept_between_frames_is_the_map_drawn_from_scratch() {
    let mut kept = trained(serde_json::json!({}), 400);
    let _ = panel_svg("mds", &kept, 640, 400).unwrap();
    kept.advance(1100);
    let fresh = trained(serde_json::json!({}), 1500);
    let a = panel_svg("mds", &kept, 640, 400).unwrap();
    assert!(a.contains("<circle"));
    assert_eq!(a, panel_svg("mds", &fresh, 640, 400).unwrap());
}

#[test]
fn the_dark_theme_draws_on_a_dark_background_with_light_ink() {
    let s = trained(serde_json::json!({}), 300);
    let dark = draw_into_svg("loss", &s, &View::default(), true);
    let light = panel_svg("loss", &s, 640, 400).unwrap();
    let th = dln_explorer::charts::Theme::new(1.0, true);
    assert!(
        dark.contains(&format!("fill=\"{}\"", hex(th.bg))),
        "dark background"
    );
    assert!(dark.contains(&hex(th.ink)), "light ink");
    assert!(!light.contains(&hex(th.bg)), "the export stays light");
    assert!(light.contains("fill=\"#FFFFFF\""));
}

#[test]
fn a_panel_replayed_from_its_display_list_is_the_svg_the_chart_draws_directly() {
    let cfg = dln_explorer::config::Config::default()
        .merged(&serde_json::json!({}))
        .unwrap();
    let mut reg = dln_explorer::chapters::Registry::new(&cfg);
    reg.advance(400);
    for panel in [
        "loss",
        "modes",
        "output",
        "svd",
        "mds",
        "rsm",
        "illusion",
        "typicality",
        "projection",
    ] {
        for (w, h) in [(700, 500), (1400, 900)] {
            let direct =
                dln_explorer::charts::panel_svg(panel, reg.session(), reg.view(), w, h).unwrap();
            let replayed = reg.svg(panel, w, h).unwrap();
            assert!(direct.contains("<text"), "{panel} draws text");
            assert_eq!(direct, replayed, "{panel} at {w}x{h}");
        }
        // The page's path: Registry::draw replays onto the backend it is given, here in the
        // dark theme at a device pixel ratio of 2.
        use plotters::prelude::*;
        let theme = dln_explorer::charts::Theme::new(2.0, true);
        let mut direct = String::new();
        {
            let root = SVGBackend::with_string(&mut direct, (1400, 900)).into_drawing_area();
            dln_explorer::charts::draw_panel(panel, &root, reg.session(), reg.view(), &theme)
                .unwrap();
            root.present().unwrap();
        }
        let mut replayed = String::new();
        {
            let root = SVGBackend::with_string(&mut replayed, (1400, 900)).into_drawing_area();
            reg.draw(panel, &root, &theme).unwrap();
            root.present().unwrap();
        }
        assert_eq!(direct, replayed, "{panel} in the dark theme at scale 2");
    }
}

#[test]
fn a_display_list_records_each_drawing_call_once_and_replays_them_in_order() {
    use dln_explorer::charts::display::{DisplayList, Op};
    use plotters::prelude::*;
    fn draw<DB: DrawingBackend>(
        root: &DrawingArea<DB, plotters::coord::Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        root.fill(&WHITE)?;
        root.draw(&PathElement::new(
            vec![(1, 2), (30, 40), (50, 10)],
            RED.stroke_width(2),
        ))?;
        root.draw(&Circle::new((20, 20), 5, BLUE.filled()))?;
        root.draw(&Text::new(
            "a label",
            (10, 60),
            ("sans-serif", 13.0)
                .into_font()
                .transform(FontTransform::Rotate270),
        ))
    }
    // The closure stays: `draw::<Recorder<'r>>` is for one lifetime 'r, record wants any.
    #[allow(clippy::redundant_closure)]
    let (list, ()) = DisplayList::record((80, 70), |root| draw(root)).unwrap();
    assert!(matches!(list.ops()[0], Op::Rect(..)));
    assert!(matches!(list.ops()[1], Op::Path(ref p, s) if p.len() == 3 && s.width == 2));
    assert!(matches!(list.ops()[2], Op::Circle((20, 20), 5, _, true)));
    assert!(matches!(list.ops()[3], Op::Text(ref t, _, (10, 60)) if t == "a label"));
    assert_eq!(list.ops().len(), 4);
    let mut direct = String::new();
    {
        let root = SVGBackend::with_string(&mut direct, (80, 70)).into_drawing_area();
        draw(&root).unwrap();
        root.present().unwrap();
    }
    let mut replayed = String::new();
    {
        let root = SVGBackend::with_string(&mut replayed, (80, 70)).into_drawing_area();
        list.replay(&root).unwrap();
        root.present().unwrap();
    }
    assert_eq!(direct, replayed);
    assert!(replayed.contains("rotate(270"), "{replayed}");
}

#[test]
fn painting_rectangles_into_an_image_covers_what_fill_rect_covers_and_says_when_all_is_painted() {
    use dln_explorer::charts::display::paint_rects;
    // A 4 × 3 image at (10, 20): two cells side by side, the second given corners backwards.
    let mut img = vec![0u8; 4 * 3 * 4];
    let red = ((10, 20), (12, 23), (255, 0, 0));
    let blue = ((14, 23), (12, 20), (0, 0, 255));
    assert!(paint_rects(&mut img, (10, 20, 4, 3), &[red, blue]));
    let px = |img: &[u8], x: usize, y: usize| img[(y * 4 + x) * 4..(y * 4 + x) * 4 + 4].to_vec();
    assert_eq!(px(&img, 1, 2), vec![255, 0, 0, 255]);
    assert_eq!(px(&img, 2, 0), vec![0, 0, 255, 255]);
    // A later rectangle paints over an earlier one; one that only partly covers says so, and
    // what lies outside the image is left out.
    let mut img = vec![0u8; 4 * 3 * 4];
    let green = ((11, 21), (30, 30), (0, 255, 0));
    assert!(!paint_rects(&mut img, (10, 20, 4, 3), &[red, green]));
    assert_eq!(px(&img, 0, 0), vec![255, 0, 0, 255]);
    assert_eq!(px(&img, 1, 1), vec![0, 255, 0, 255]);
    assert_eq!(px(&img, 3, 0), vec![0, 0, 0, 0], "not painted");
}
