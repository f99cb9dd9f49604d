//! Learning time against depth, one curve per initialisation (SMG14 Fig 6A), with the
//! predictions dashed (gradient flow for the balanced start, the exact steps for the pretrained
//! one where SMG14 eq. 18 holds) and "not reached" marked at the top.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::chapters::depth::sweep::{median_outcome, Outcome, SweepResults};
use crate::charts::{draw_wrapped, fmt_num, ChartResult, Frame, Table, Theme};

/// Each initialisation's series index: its colour is `th.mode(k)` and its marker `MARKERS[k]`
/// (scaled Gaussian blue circles, balanced orange squares, pretrained sky-blue triangles,
/// orthogonal vermillion diamonds, small Gaussian grey pentagons), so that no two differ by
/// colour alone.
pub fn sweep_series(init: &str) -> usize {
    match init {
        "scaled_gaussian" => 0,
        "balanced" => 1,
        "pretrained" => 2,
        "orthogonal" => 3,
        _ => 6,
    }
}

/// Colour of each initialisation's curve.
pub fn sweep_color(init: &str, th: &Theme) -> RGBColor {
    th.mode(sweep_series(init))
}

fn label(init: &str) -> &str {
    match init {
        "small_gaussian" => "small Gaussian",
        "scaled_gaussian" => "scaled Gaussian",
        "orthogonal" => "orthogonal",
        "balanced" => "balanced (decoupled)",
        "pretrained" => "pretrained",
        other => other,
    }
}

/// Draws the results of a (possibly unfinished) sweep; `max_steps` is where "not reached" sits.
pub fn draw_sweep<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    results: Option<&SweepResults>,
    max_steps: u64,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let Some(r) = results.filter(|r| !r.depths.is_empty()) else {
        let (w, h) = root.dim_in_pixel();
        let side = th.px(40.0).min(w as i32 / 6);
        draw_wrapped(
            root,
            "Press “Run sweep” to train a network at every depth with each initialisation and plot how many steps it needs.",
            (side, h as i32 / 2 - th.px(24.0)),
            w as i32 - 2 * side,
            &th.text(14.0).color(&th.ink.mix(0.7)),
        )?;
        return Ok(Frame::Grids { grids: vec![] });
    };
    // Depth on a log axis (in log2 D), so that 1, 2, 4, ..., 32 are evenly spaced.
    let lx = |d: usize| (d.max(1) as f64).log2();
    let x_lo = lx(*r.depths.iter().min().unwrap_or(&1)) - 0.35;
    let x_hi = lx(*r.depths.iter().max().unwrap_or(&1)) + 0.35;
    let top = (max_steps as f64).max(10.0) * 1.6;
    let (w, _) = root.dim_in_pixel();
    let legend_w = th.px(150.0).min(w as i32 / 3).max(1) as u32;
    let (plot_area, legend) = root.split_horizontally(w.saturating_sub(legend_w));
    let mut chart = ChartBuilder::on(&plot_area)
        .margin(th.px(10.0))
        .x_label_area_size(th.px(34.0))
        .y_label_area_size(th.px(52.0))
        .build_cartesian_2d(x_lo..x_hi, (0.7f64..top).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("depth D (weight matrices), log scale")
        .y_desc("learning time (steps)")
        .label_style(th.text(11.0))
        .axis_desc_style(th.text(12.0))
        .light_line_style(th.grid.mix(0.0))
        .bold_line_style(th.grid)
        .axis_style(th.ink.mix(0.6))
        .disable_x_mesh()
        .x_labels(0)
        .y_label_formatter(&|v| fmt_num(*v))
        .draw()?;
    // The depth axis's ticks and grid lines, at the depths swept; a label that would touch the
    // one before it is left out (the deepest is always labelled).
    let mut last_right = i32::MIN;
    for (k, &d) in r.depths.iter().enumerate() {
        let x = lx(d);
        chart.draw_series(LineSeries::new(
            [(x, 0.7), (x, top)],
            th.grid.stroke_width(th.stroke(1.0)),
        ))?;
        let (px, py) = chart.backend_coord(&(x, 0.7));
        let half = th.px(3.5) * d.to_string().len() as i32;
        let next_left = r.depths.get(k + 1).map_or(i32::MAX, |&n| {
            chart.backend_coord(&(lx(n), 0.7)).0 - th.px(3.5) * n.to_string().len() as i32
        });
        let is_last = k + 1 == r.depths.len();
        let gap = th.px(4.0);
        if px - half < last_right + gap
            || (!is_last && k + 2 == r.depths.len() && px + half + gap > next_left)
        {
            continue;
        }
        last_right = px + half;
        root.draw(&Text::new(
            d.to_string(),
            (px, py + th.px(5.0)),
            th.text(11.0).pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
    }
    // The "not reached" line.
    chart.draw_series(DashedLineSeries::new(
        [(x_lo, max_steps as f64), (x_hi, max_steps as f64)],
        th.px(2.0),
        th.px(4.0),
        th.ink.mix(0.35).stroke_width(th.stroke(1.0)),
    ))?;
    for (name, theory) in &r.theory {
        let pts: Vec<(f64, f64)> = r
            .depths
            .iter()
            .zip(theory)
            .filter_map(|(&d, t)| t.map(|t| (lx(d), t.max(1.0).clamp(0.7, top))))
            .collect();
        chart.draw_series(DashedLineSeries::new(
            pts,
            th.px(6.0),
            th.px(4.0),
            sweep_color(name, th).stroke_width(th.stroke(1.5)),
        ))?;
    }
    // Rows above the plot for the median seed's failures: "not reached" at max_steps, and
    // "diverged" above it, so that neither is mistaken for a learning time.
    let diverged_y = (max_steps as f64).max(10.0) * 1.3;
    chart.draw_series(DashedLineSeries::new(
        [(x_lo, diverged_y), (x_hi, diverged_y)],
        th.px(1.0),
        th.px(5.0),
        th.ink.mix(0.25).stroke_width(th.stroke(1.0)),
    ))?;
    for (name, times) in &r.learning_time {
        let color = sweep_color(name, th);
        let outcomes = r.outcomes.get(name);
        // The band: from the fastest to the slowest seed (to "not reached" when some failed).
        let (lo, hi) = (r.low.get(name), r.high.get(name));
        let band: Vec<(f64, f64, f64)> = r
            .depths
            .iter()
            .enumerate()
            .filter_map(|(k, &d)| {
                let runs = outcomes.map(|o| o[k].as_slice()).unwrap_or(&[]);
                let l = lo.and_then(|v| v[k])? as f64;
                let failed = runs.iter().any(|o| !matches!(o, Outcome::Reached(_)));
                let h = if failed {
                    max_steps as f64
                } else {
                    hi.and_then(|v| v[k]).map_or(l, |h| h as f64)
                };
                Some((lx(d), l.max(1.0), h.max(1.0)))
            })
            .collect();
        for w in band.windows(2) {
            let (a, b) = (w[0], w[1]);
            chart.draw_series(std::iter::once(Polygon::new(
                vec![(a.0, a.1), (b.0, b.1), (b.0, b.2), (a.0, a.2)],
                color.mix(0.14).filled(),
            )))?;
        }
        for &(x, l, h) in &band {
            chart.draw_series(LineSeries::new(
                [(x, l), (x, h)],
                color.mix(0.7).stroke_width(th.stroke(1.0)),
            ))?;
        }
        // The median, a line through consecutive depths whose median seed learned.
        let pts: Vec<Option<(f64, f64)>> = r
            .depths
            .iter()
            .zip(times)
            .map(|(&d, t)| t.map(|t| (lx(d), (t as f64).max(1.0))))
            .collect();
        for w in pts.windows(2) {
            if let (Some(a), Some(b)) = (w[0], w[1]) {
                chart.draw_series(LineSeries::new([a, b], color.stroke_width(th.stroke(2.0))))?;
            }
        }
        for &p in pts.iter().flatten() {
            th.marker(&mut chart, p, sweep_series(name), color)?;
        }
        // Failures of the median seed: hollow circles on "not reached", crosses on "diverged".
        for (k, &d) in r.depths.iter().enumerate() {
            let Some(runs) = outcomes.map(|o| &o[k]).filter(|o| !o.is_empty()) else {
                continue;
            };
            match median_outcome(runs) {
                Some(Outcome::NotReached) => {
                    chart.draw_series(std::iter::once(Circle::new(
                        (lx(d), max_steps as f64),
                        th.px(4.0),
                        color.stroke_width(th.stroke(2.0)),
                    )))?;
                }
                Some(Outcome::Diverged) => {
                    chart.draw_series(std::iter::once(Cross::new(
                        (lx(d), diverged_y),
                        th.px(4.5),
                        color.stroke_width(th.stroke(2.0)),
                    )))?;
                }
                _ => {}
            }
        }
    }
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let (_, dy) = chart.backend_coord(&(x_lo, diverged_y));
    root.draw(&Text::new(
        "× diverged".to_string(),
        (xr.start + th.px(6.0), dy - th.px(2.0)),
        th.text(10.0)
            .color(&th.ink.mix(0.6))
            .pos(Pos::new(HPos::Left, VPos::Bottom)),
    ))?;
    let (_, ny) = chart.backend_coord(&(x_lo, max_steps as f64));
    root.draw(&Text::new(
        format!("○ not reached within {max_steps} steps"),
        (xr.start + th.px(6.0), ny + th.px(2.0)),
        th.text(10.0)
            .color(&th.ink.mix(0.6))
            .pos(Pos::new(HPos::Left, VPos::Top)),
    ))?;
    root.draw(&Text::new(
        format!(
            "median of {} seed{} per depth; band: fastest to slowest",
            r.seeds,
            if r.seeds == 1 { "" } else { "s" }
        ),
        (xr.start + th.px(6.0), yr.end - th.px(4.0)),
        th.text(10.0)
            .color(&th.ink.mix(0.6))
            .pos(Pos::new(HPos::Left, VPos::Bottom)),
    ))?;
    // Legend.
    let row = th.px(18.0);
    for (k, name) in r.learning_time.keys().enumerate() {
        let y = th.px(20.0) + row * k as i32;
        legend.draw(&PathElement::new(
            vec![(th.px(2.0), y), (th.px(18.0), y)],
            sweep_color(name, th).stroke_width(th.stroke(2.0)),
        ))?;
        th.marker_at(
            &legend,
            (th.px(10.0), y),
            sweep_series(name),
            sweep_color(name, th),
        )?;
        // A narrow legend (a phone) drops the parenthesis of a long label.
        let text = label(name);
        let text = if legend_w < th.px(140.0) as u32 {
            text.split(" (").next().unwrap_or(text)
        } else {
            text
        };
        legend.draw(&Text::new(
            text.to_string(),
            (th.px(20.0), y - th.px(6.0)),
            th.text(10.5),
        ))?;
    }
    let mut y = th.px(20.0) + row * r.learning_time.len() as i32 + th.px(6.0);
    for (name, what) in [
        ("balanced", "flow (balanced)"),
        ("pretrained", "exact (pretrained)"),
    ] {
        if !r
            .theory
            .get(name)
            .is_some_and(|t| t.iter().any(Option::is_some))
        {
            continue;
        }
        for k in 0..2 {
            let x = th.px(4.0 + 9.0 * k as f64);
            legend.draw(&PathElement::new(
                vec![(x, y), (x + th.px(6.0), y)],
                sweep_color(name, th).stroke_width(th.stroke(1.5)),
            ))?;
        }
        legend.draw(&Text::new(
            what.to_string(),
            (th.px(24.0), y - th.px(6.0)),
            th.text(10.5),
        ))?;
        y += row;
    }
    if r.learning_time.contains_key("pretrained") {
        draw_wrapped(
            &legend,
            &eq18_note(r),
            (th.px(2.0), y + th.px(4.0)),
            legend_w as i32 - th.px(4.0),
            &th.text(10.0).color(&th.ink.mix(0.7)),
        )?;
    }
    Ok(Frame::xy(
        chart.plotting_area(),
        (x_lo, x_hi),
        (0.7, top),
        true,
    ))
}

/// Whether the sweep's task satisfies SMG14's consistency condition (eq. 18), and so whether
/// its pretrained start is decoupled, in words.
pub fn eq18_note(r: &SweepResults) -> String {
    let exact = r
        .theory
        .get("pretrained")
        .is_some_and(|t| t.iter().any(Option::is_some));
    if r.consistency <= 1e-9 {
        if exact {
            "Eq. 18 holds (VᵀΣˣˣV diagonal): pretraining ends at a decoupled start.".into()
        } else {
            "Eq. 18 holds, but the layers are narrower than the inputs: no exact curve.".into()
        }
    } else {
        format!(
            "Eq. 18 fails (VᵀΣˣˣV {} off-diagonal): the pretrained start is coupled, no exact curve.",
            fmt_percent(r.consistency)
        )
    }
}

fn fmt_percent(x: f64) -> String {
    if x >= 0.01 {
        format!("{:.0} %", 100.0 * x)
    } else {
        format!("{:.1e}", x)
    }
}

/// Hover readout: the learning times at the depth under the pointer (the frame's x is
/// `log2 D`).
pub fn readout(frame: &Frame, results: Option<&SweepResults>, x: f64, y: f64) -> Option<String> {
    let r = results?;
    let (d, _) = frame.data_at(x, y)?;
    let k = (0..r.depths.len()).min_by(|&a, &b| {
        ((r.depths[a] as f64).log2() - d)
            .abs()
            .total_cmp(&((r.depths[b] as f64).log2() - d).abs())
    })?;
    let parts: Vec<String> = r
        .learning_time
        .keys()
        .map(|name| format!("{}: {}", label(name), describe(r, name, k)))
        .collect();
    let theory: String = [
        ("balanced", "flow, balanced"),
        ("pretrained", "exact, pretrained"),
    ]
    .iter()
    .filter_map(|&(name, what)| {
        let t = r.theory.get(name)?.get(k).copied().flatten()?;
        Some(format!("; {what} {t:.0}"))
    })
    .collect();
    Some(format!(
        "depth {}: {}{theory}",
        r.depths[k],
        parts.join(", ")
    ))
}

/// The sweep's data table: a row per depth, with each start's median learning time, every
/// seed's outcome and rate, and the predictions; the note says whether eq. 18 holds.
pub fn table(r: &SweepResults) -> Table {
    let mut columns = vec!["depth D".to_string()];
    for name in r.learning_time.keys() {
        columns.push(format!("{}: median steps", label(name)));
        columns.push(format!("{}: each seed", label(name)));
        columns.push(format!("{}: learning rate", label(name)));
    }
    let theories: Vec<(&str, &str)> = [
        ("balanced", "balanced: gradient flow (steps)"),
        ("pretrained", "pretrained: exact (steps)"),
    ]
    .into_iter()
    .filter(|(name, _)| r.theory.contains_key(*name))
    .collect();
    columns.extend(theories.iter().map(|(_, c)| c.to_string()));
    let mut t = Table::new(columns);
    for (k, &d) in r.depths.iter().enumerate() {
        let mut row = vec![serde_json::json!(d)];
        for (name, times) in &r.learning_time {
            let runs = r.outcomes.get(name).map(|o| o[k].as_slice()).unwrap_or(&[]);
            row.push(match times[k] {
                Some(t) => serde_json::json!(t),
                None if runs.is_empty() => serde_json::json!("not run yet"),
                None => serde_json::json!(match median_outcome(runs) {
                    Some(Outcome::Diverged) => "diverged",
                    _ => "not reached",
                }),
            });
            row.push(serde_json::json!(seed_words(runs).join(", ")));
            row.push(Table::opt(r.lr.get(name).and_then(|v| v[k])));
        }
        for (name, _) in &theories {
            row.push(Table::opt(r.theory[*name][k]));
        }
        t.rows.push(row);
    }
    if r.learning_time.contains_key("pretrained") {
        t.note = Some(eq18_note(r));
    }
    t
}

/// Every seed's outcome in words: its learning time, "not reached" or "diverged".
fn seed_words(runs: &[Outcome]) -> Vec<String> {
    runs.iter()
        .map(|o| match o {
            Outcome::Reached(t) => t.to_string(),
            Outcome::NotReached => "not reached".into(),
            Outcome::Diverged => "diverged".into(),
        })
        .collect()
}

/// One initialisation's result at depth index `k`, in words: the median and every seed.
fn describe(r: &SweepResults, name: &str, k: usize) -> String {
    let runs = r.outcomes.get(name).map(|o| o[k].as_slice()).unwrap_or(&[]);
    if runs.is_empty() {
        return "not run yet".into();
    }
    let each = seed_words(runs);
    let median = match median_outcome(runs) {
        Some(Outcome::Reached(t)) => format!("median {t} steps"),
        Some(Outcome::NotReached) => "median not reached".into(),
        Some(Outcome::Diverged) => "median diverged".into(),
        None => String::new(),
    };
    if runs.len() == 1 {
        each[0].clone()
            + if matches!(runs[0], Outcome::Reached(_)) {
                " steps"
            } else {
                ""
            }
    } else {
        format!("{median} ({})", each.join(", "))
    }
}
