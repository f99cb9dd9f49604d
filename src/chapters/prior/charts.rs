//! Charts of the prior-knowledge chapter: the loss on every task across a sequence of phases,
//! forgetting and time to learn against the rotation angle, and lazy against rich learning.
//! Simulation solid, prediction dashed in the same colour.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::chapters::prior::{LazyRichResults, SimilarityResults, TaskRun};
use crate::charts::{
    draw_corner_note, draw_wrapped, fmt_num, mesh, mesh_ticks, wrap_text, ChartResult, Frame,
    Table, Theme,
};

/// Colour of task `k` (phase order).
pub fn task_color(k: usize, th: &Theme) -> RGBColor {
    th.mode(k)
}

/// A small legend: one coloured line per entry, `dashed` adds the "dashed: prediction" key.
fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, RGBColor)],
    dashed: Option<&str>,
    th: &Theme,
) -> Result<i32, DrawingAreaErrorKind<DB::ErrorType>> {
    let x = th.px(4.0);
    let mut y = th.px(16.0);
    let row = th.px(17.0);
    let (w, _) = area.dim_in_pixel();
    for (name, color) in entries {
        // A long name wraps under itself rather than running off the chart.
        let (lines, step) =
            crate::charts::wrap_text(area, name, w as i32 - x - th.px(26.0), &th.text(11.0));
        let mut lines = lines.into_iter();
        legend_entry(area, &lines.next().unwrap_or_default(), *color, (x, y), th)?;
        for more in lines {
            y += step;
            area.draw(&Text::new(
                more,
                (x + th.px(24.0), y),
                th.text(11.0).pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        y += row;
    }
    y += th.px(6.0);
    let faint = th.ink.mix(0.75);
    let style = th.text(10.5).color(&faint);
    for text in std::iter::once("solid: simulation".to_string())
        .chain(dashed.map(|label| format!("dashed: {label}")))
    {
        y += draw_wrapped(area, &text, (x, y), w as i32 - x, &style)? + th.px(3.0);
    }
    Ok(y)
}

/// One legend entry at (x, y): a line of the series' colour and its name.
fn legend_entry<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    name: &str,
    color: RGBColor,
    (x, y): (i32, i32),
    th: &Theme,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    area.draw(&PathElement::new(
        vec![(x, y), (x + th.px(18.0), y)],
        color.stroke_width(th.stroke(2.5)),
    ))?;
    area.draw(&Text::new(
        name.to_string(),
        (x + th.px(24.0), y),
        th.text(11.0).pos(Pos::new(HPos::Left, VPos::Center)),
    ))?;
    Ok(())
}

/// [`legend`] laid out in rows under a chart (on a phone): up to three entries a row, then the
/// key to the line styles.
fn legend_row<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, RGBColor)],
    dashed: Option<&str>,
    th: &Theme,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (w, _) = area.dim_in_pixel();
    let per_row = 3;
    let col_w = (w as i32 - th.px(8.0)) / per_row as i32;
    let row = th.px(22.0);
    for (k, (name, color)) in entries.iter().enumerate() {
        let x = th.px(4.0) + col_w * (k % per_row) as i32;
        let y = th.px(12.0) + row * (k / per_row) as i32;
        legend_entry(area, name, *color, (x, y), th)?;
    }
    let y = th.px(12.0) + row * entries.len().div_ceil(per_row) as i32 - th.px(4.0);
    let faint = th.ink.mix(0.75);
    let key = match dashed {
        Some(label) => format!("solid: simulation · dashed: {label}"),
        None => "solid: simulation".to_string(),
    };
    draw_wrapped(
        area,
        &key,
        (th.px(4.0), y),
        w as i32 - th.px(8.0),
        &th.text(10.5).color(&faint),
    )?;
    Ok(())
}

/// The loss on every task of a sequence over the whole run (log axis), each switch marked with
/// the name of the phase it starts, the prediction dashed; a phase without one says why.
pub fn draw_tasks<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &TaskRun,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let recs = run.records();
    let names = run.names();
    let total: u64 = run.config().tasks.iter().map(|p| p.steps).sum();
    // A run continued from weights trained elsewhere starts at its first record, the switch.
    let xmin = recs.first().map_or(0.0, |r| r.step as f64);
    let xmax = ((total.max(run.step_count()).max(1)) as f64).max(xmin + 1.0);
    let mut hi: f64 = 0.0;
    let mut lo = f64::INFINITY;
    for r in recs {
        for v in r.loss.iter().chain(r.theory.iter().flatten()) {
            if v.is_finite() && *v > 0.0 {
                hi = hi.max(*v);
                lo = lo.min(*v);
            }
        }
    }
    if hi <= 0.0 {
        hi = 1.0;
    }
    // Losses that reach zero (a task already learned) sit on the floor of the axis.
    let floor = (hi * 1e-7).max(lo.min(hi) / 2.0).max(1e-300);
    let top = hi * 3.0;
    let (w, h) = root.dim_in_pixel();
    let legend_w = th.px(150.0).min(w as i32 / 3).max(1) as u32;
    let (plot_area, legend_area) = root.split_horizontally(w.saturating_sub(legend_w));
    let mut chart = ChartBuilder::on(&plot_area)
        .margin(th.px(10.0))
        .margin_top(th.px(26.0))
        .x_label_area_size(th.px(34.0))
        .y_label_area_size(th.px(58.0))
        .build_cartesian_2d(xmin..xmax, (floor..top).log_scale())?;
    mesh(&mut chart, "training step", "loss on each task", th)?;
    let clamp = |v: f64| v.max(floor).min(top);
    for k in 0..names.len() {
        let color = task_color(k, th);
        // The prediction, one dashed piece per predicted phase.
        let mut piece: Vec<(f64, f64)> = Vec::new();
        let mut last_phase = usize::MAX;
        let mut pieces = Vec::new();
        for r in recs {
            if r.phase != last_phase && !piece.is_empty() {
                pieces.push(std::mem::take(&mut piece));
            }
            last_phase = r.phase;
            match r.theory[k] {
                Some(v) if v.is_finite() => piece.push((r.step as f64, clamp(v))),
                _ => {
                    if !piece.is_empty() {
                        pieces.push(std::mem::take(&mut piece));
                    }
                }
            }
        }
        pieces.push(piece);
        for p in pieces.into_iter().filter(|p| p.len() > 1) {
            chart.draw_series(DashedLineSeries::new(
                p,
                th.px(6.0),
                th.px(4.0),
                color.mix(0.9).stroke_width(th.stroke(1.5)),
            ))?;
        }
        let pts: Vec<(f64, f64)> = recs
            .iter()
            .filter(|r| r.loss[k].is_finite())
            .map(|r| (r.step as f64, clamp(r.loss[k])))
            .collect();
        chart.draw_series(LineSeries::new(pts, color.stroke_width(th.stroke(2.0))))?;
    }
    // Switch marks.
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    for (k, start) in run.starts().into_iter().enumerate() {
        if start > 0 {
            chart.draw_series(DashedLineSeries::new(
                [(start as f64, floor), (start as f64, top)],
                th.px(3.0),
                th.px(3.0),
                th.ink.mix(0.5).stroke_width(th.stroke(1.0)),
            ))?;
        }
        let px = chart.backend_coord(&((start as f64).max(xmin), top)).0;
        let next = run
            .starts()
            .get(k + 1)
            .map(|s| chart.backend_coord(&(*s as f64, top)).0)
            .unwrap_or(xr.end);
        // A phase trained elsewhere (a run continued from the main run) has no width here; the
        // legend names it.
        if next - px < th.px(4.0) {
            continue;
        }
        root.draw(&Text::new(
            names[k].clone(),
            ((px + next) / 2, yr.start - th.px(4.0)),
            th.text(11.5)
                .color(&task_color(k, th))
                .pos(Pos::new(HPos::Center, VPos::Bottom)),
        ))?;
    }
    let entries: Vec<(String, RGBColor)> = names
        .iter()
        .enumerate()
        .map(|(k, n)| (format!("loss on {n}"), task_color(k, th)))
        .collect();
    let label = run.theory_label();
    // The notes go under the legend, however many lines its entries take.
    let below = legend(&legend_area, &entries, label.as_deref(), th)?;
    let (_, legend_rest) = legend_area.split_vertically(below.clamp(0, h as i32));
    // Phases without a prediction say why.
    let missing: Vec<String> = run
        .infos()
        .iter()
        .filter_map(|i| i.note.as_ref().map(|n| format!("{}: {n}", i.name)))
        .collect();
    if !missing.is_empty() {
        let (lw, _) = legend_rest.dim_in_pixel();
        draw_wrapped(
            &legend_rest,
            &missing.join("; "),
            (th.px(4.0), th.px(4.0)),
            lw as i32 - th.px(6.0),
            &th.text(10.5).color(&th.ink.mix(0.75)),
        )?;
    }
    Ok(Frame::xy(
        chart.plotting_area(),
        (xmin, xmax),
        (floor, top),
        true,
    ))
}

/// Two panels against the rotation angle: the loss on the first task at the end (forgetting,
/// with its limit `(1 - cos theta) tr(Sigma_A^2)` dashed) and the time to learn the rotated task
/// from the first task's weights and from scratch (the flow's times dashed).
pub fn draw_similarity<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    res: &SimilarityResults,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let (w, h) = root.dim_in_pixel();
    let narrow = th.narrow(w);
    let pts = &res.points;
    let not_reached: Vec<String> = pts
        .iter()
        // (At theta = 0 there is nothing to learn.)
        .filter(|p| p.time_to_learn.is_none() && p.angle.to_radians().cos() < 1.0 - 1e-12)
        .map(|p| fmt_num(p.angle))
        .collect();
    let mut note = format!(
        "time until L_B < {} of its value at the switch · blue: from A's weights · orange: from scratch · dashed: gradient flow",
        fmt_num(res.threshold)
    );
    if !not_reached.is_empty() {
        note.push_str(&format!(
            " · not reached from A within the phase at θ = {}",
            not_reached.join(", ")
        ));
    }
    let note_color = th.ink.mix(0.75);
    let note_style = th.text(10.5).color(&note_color);
    // On a phone the two plots stack, and the note goes under them rather than over the points.
    let (plots, note_area) = if narrow {
        let (lines, step) = wrap_text(root, &note, w as i32 - th.px(12.0), &note_style);
        let room = (lines.len() as i32 * step + th.px(8.0))
            .min(h as i32 / 3)
            .max(0) as u32;
        root.split_vertically(h.saturating_sub(room))
    } else {
        root.split_vertically(h)
    };
    let (left, right) = if narrow {
        let (_, ph) = plots.dim_in_pixel();
        plots.split_vertically(ph / 2)
    } else {
        plots.split_horizontally(w / 2)
    };
    let from_a = th.palette[0];
    let scratch = th.palette[1];
    // Forgetting: the limit is proportional to 1 - cos theta (a rotation in one plane).
    let c = pts
        .iter()
        .find(|p| p.angle.to_radians().cos() < 0.999)
        .map(|p| p.forgetting_theory / (1.0 - p.angle.to_radians().cos()))
        .unwrap_or(0.0);
    let f_hi = pts
        .iter()
        .map(|p| p.forgetting.max(p.forgetting_theory))
        .chain(std::iter::once(2.0 * c))
        .filter(|v| v.is_finite())
        .fold(1e-9, f64::max)
        * 1.1;
    let mut chart = ChartBuilder::on(&left)
        .margin(th.px(10.0))
        .margin_top(th.px(22.0))
        .x_label_area_size(th.px(34.0))
        .y_label_area_size(th.px(52.0))
        .build_cartesian_2d(0f64..180.0, 0f64..f_hi)?;
    mesh(
        &mut chart,
        "rotation θ (degrees)",
        "loss on A at the end",
        th,
    )?;
    chart.draw_series(DashedLineSeries::new(
        (0..=180).map(|d| (d as f64, c * (1.0 - (d as f64).to_radians().cos()))),
        th.px(6.0),
        th.px(4.0),
        th.ink.mix(0.7).stroke_width(th.stroke(1.5)),
    ))?;
    chart.draw_series(
        pts.iter()
            .filter(|p| p.forgetting.is_finite())
            .map(|p| Circle::new((p.angle, p.forgetting), th.px(3.5), from_a.filled())),
    )?;
    let frame_left = Frame::xy(chart.plotting_area(), (0.0, 180.0), (0.0, f_hi), false);
    left.draw(&Text::new(
        "forgetting · dashed: (1 − cos θ)·tr(Σ_A²)",
        (th.px(62.0), th.px(6.0)),
        th.text(11.5),
    ))?;

    // Time to learn.
    let times = pts.iter().flat_map(|p| {
        [
            p.time_to_learn,
            p.time_to_learn_theory,
            p.time_to_learn_scratch,
            p.time_to_learn_scratch_theory,
        ]
    });
    let t_hi = times
        .flatten()
        .filter(|v| v.is_finite())
        .fold(1e-9, f64::max)
        * 1.15;
    let mut chart = ChartBuilder::on(&right)
        .margin(th.px(10.0))
        .margin_top(th.px(22.0))
        .x_label_area_size(th.px(34.0))
        .y_label_area_size(th.px(52.0))
        .build_cartesian_2d(0f64..180.0, 0f64..t_hi)?;
    mesh(
        &mut chart,
        "rotation θ (degrees)",
        "time to learn B (τ)",
        th,
    )?;
    for (sim, theory, color) in [
        (
            pts.iter()
                .map(|p| (p.angle, p.time_to_learn))
                .collect::<Vec<_>>(),
            pts.iter()
                .map(|p| (p.angle, p.time_to_learn_theory))
                .collect::<Vec<_>>(),
            from_a,
        ),
        (
            pts.iter()
                .map(|p| (p.angle, p.time_to_learn_scratch))
                .collect(),
            pts.iter()
                .map(|p| (p.angle, p.time_to_learn_scratch_theory))
                .collect(),
            scratch,
        ),
    ] {
        let line: Vec<(f64, f64)> = theory
            .iter()
            .filter_map(|&(a, t)| t.filter(|v| v.is_finite()).map(|v| (a, v)))
            .collect();
        if line.len() > 1 {
            chart.draw_series(DashedLineSeries::new(
                line,
                th.px(6.0),
                th.px(4.0),
                color.stroke_width(th.stroke(1.5)),
            ))?;
        }
        chart.draw_series(
            sim.iter()
                .filter_map(|&(a, t)| t.filter(|v| v.is_finite()).map(|v| (a, v)))
                .map(|p| Circle::new(p, th.px(3.5), color.filled())),
        )?;
    }
    if narrow {
        draw_wrapped(
            &note_area,
            &note,
            (th.px(6.0), th.px(4.0)),
            w as i32 - th.px(12.0),
            &note_style,
        )?;
    } else {
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        draw_corner_note(root, &note, (xr, yr), &note_style, th)?;
    }
    let frame_right = Frame::xy(chart.plotting_area(), (0.0, 180.0), (0.0, t_hi), false);
    Ok(Frame::Parts {
        parts: vec![frame_left, frame_right],
    })
}

/// Three panels against time for each lambda: the normalised loss (sigmoidal when rich,
/// exponential when lazy), the relative change of the hidden representation `W_1^T W_1` and of
/// the tangent kernel (log axes); the exact lambda-balanced solution dashed.
pub fn draw_lazy_rich<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    res: &LazyRichResults,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let (w, h) = root.dim_in_pixel();
    // On a phone the three plots stack, with the legend in a strip under them; each axis takes
    // fewer ticks.
    let narrow = th.narrow(w);
    let (plots, legend_area) = if narrow {
        let strip = th.px(22.0) * (res.curves.len().div_ceil(3) as i32) + th.px(44.0);
        root.split_vertically(h.saturating_sub(strip.max(0) as u32))
    } else {
        let legend_w = th.px(110.0).min(w as i32 / 4).max(1) as u32;
        root.split_horizontally(w.saturating_sub(legend_w))
    };
    let panels = if narrow {
        plots.split_evenly((3, 1))
    } else {
        plots.split_evenly((1, 3))
    };
    let ticks = if narrow { (5, 4) } else { (6, 6) };
    let t_max = res
        .curves
        .iter()
        .filter_map(|c| c.time.last().copied())
        .fold(1e-9, f64::max);
    let mut parts = Vec::new();
    type Pick = fn(&crate::chapters::prior::experiments::LazyRichCurve) -> (&[f64], &[f64]);
    let picks: [(&str, &str, bool, Pick); 3] = [
        ("loss", "L(t) / L(0)", false, |c| (&c.loss, &c.loss_theory)),
        (
            "hidden representation",
            "‖ΔW₁ᵀW₁‖ / ‖W₁ᵀW₁(0)‖",
            true,
            |c| (&c.representation, &c.representation_theory),
        ),
        ("tangent kernel", "‖ΔK‖ / ‖K(0)‖", true, |c| {
            (&c.kernel, &c.kernel_theory)
        }),
    ];
    for (panel, (title, y_desc, log, pick)) in panels.iter().zip(picks) {
        let vals = res.curves.iter().flat_map(|c| {
            let (a, b) = pick(c);
            a.iter().chain(b.iter()).copied().collect::<Vec<_>>()
        });
        let (lo, hi) = vals
            .filter(|v| v.is_finite() && (!log || *v > 0.0))
            .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            });
        let hi = if hi > 0.0 { hi } else { 1.0 };
        panel.draw(&Text::new(title, (th.px(60.0), th.px(6.0)), th.text(11.5)))?;
        let mut b = ChartBuilder::on(panel);
        b.margin(th.px(8.0))
            .margin_top(th.px(22.0))
            .x_label_area_size(th.px(34.0))
            .y_label_area_size(th.px(52.0));
        if log {
            let lo = lo.max(hi * 1e-6).min(hi / 10.0) / 1.5;
            let mut chart = b.build_cartesian_2d(0f64..t_max, (lo..hi * 1.5).log_scale())?;
            mesh_ticks(&mut chart, "time (τ)", y_desc, ticks, th)?;
            for (i, c) in res.curves.iter().enumerate() {
                let (sim, theory) = pick(c);
                let color = th.mode(i);
                let pts = |v: &[f64]| -> Vec<(f64, f64)> {
                    c.time
                        .iter()
                        .zip(v)
                        .filter(|(_, y)| y.is_finite() && **y > 0.0)
                        .map(|(&t, &y)| (t, y.max(lo)))
                        .collect()
                };
                chart.draw_series(DashedLineSeries::new(
                    pts(theory),
                    th.px(6.0),
                    th.px(4.0),
                    color.stroke_width(th.stroke(1.5)),
                ))?;
                chart.draw_series(LineSeries::new(
                    pts(sim),
                    color.stroke_width(th.stroke(2.0)),
                ))?;
            }
            parts.push(Frame::xy(
                chart.plotting_area(),
                (0.0, t_max),
                (lo, hi * 1.5),
                true,
            ));
        } else {
            let top = hi.max(1.0) * 1.05;
            let mut chart = b.build_cartesian_2d(0f64..t_max, 0f64..top)?;
            mesh_ticks(&mut chart, "time (τ)", y_desc, ticks, th)?;
            for (i, c) in res.curves.iter().enumerate() {
                let (sim, theory) = pick(c);
                let color = th.mode(i);
                let pts = |v: &[f64]| -> Vec<(f64, f64)> {
                    c.time
                        .iter()
                        .zip(v)
                        .filter(|(_, y)| y.is_finite())
                        .map(|(&t, &y)| (t, y.min(top)))
                        .collect()
                };
                chart.draw_series(DashedLineSeries::new(
                    pts(theory),
                    th.px(6.0),
                    th.px(4.0),
                    color.stroke_width(th.stroke(1.5)),
                ))?;
                chart.draw_series(LineSeries::new(
                    pts(sim),
                    color.stroke_width(th.stroke(2.0)),
                ))?;
            }
            parts.push(Frame::xy(
                chart.plotting_area(),
                (0.0, t_max),
                (0.0, top),
                false,
            ));
        }
    }
    let entries: Vec<(String, RGBColor)> = res
        .curves
        .iter()
        .enumerate()
        .map(|(i, c)| (format!("λ = {}", fmt_num(c.lambda)), th.mode(i)))
        .collect();
    let dashed = "exact λ-balanced solution (gradient flow)";
    if narrow {
        legend_row(&legend_area, &entries, Some(dashed), th)?;
    } else {
        legend(&legend_area, &entries, Some(dashed), th)?;
    }
    Ok(Frame::Parts { parts })
}

/// The data-table view of the task-sequence chart: one row per record, the loss on every task
/// and its prediction.
pub fn tasks_table(run: &TaskRun) -> Table {
    let names = run.names();
    let mut columns = vec!["step".to_string(), "phase".to_string()];
    for n in &names {
        columns.push(format!("loss on {n}"));
        columns.push(format!("loss on {n}, predicted"));
    }
    let mut t = Table::new(columns);
    t.rows = run
        .records()
        .iter()
        .map(|r| {
            let mut row = vec![
                serde_json::json!(r.step),
                serde_json::json!(names.get(r.phase).cloned().unwrap_or_default()),
            ];
            for k in 0..names.len() {
                row.push(Table::opt(r.loss.get(k).copied()));
                row.push(Table::opt(r.theory.get(k).copied().flatten()));
            }
            row
        })
        .collect();
    t
}

/// The data-table view of the similarity sweep: one row per angle measured.
pub fn similarity_table(res: &SimilarityResults) -> Table {
    let mut t = Table::new(
        [
            "θ (degrees)",
            "loss on A at the end",
            "its limit (1 − cos θ) tr(Σ_A²)",
            "its gradient-flow prediction",
            "time to learn B from A (τ)",
            "the same, gradient flow",
            "time to learn B from scratch (τ)",
            "the same, gradient flow",
        ]
        .map(String::from)
        .to_vec(),
    );
    t.rows = res
        .points
        .iter()
        .map(|p| {
            vec![
                Table::num(p.angle),
                Table::num(p.forgetting),
                Table::num(p.forgetting_theory),
                Table::opt(p.forgetting_flow),
                Table::opt(p.time_to_learn),
                Table::opt(p.time_to_learn_theory),
                Table::opt(p.time_to_learn_scratch),
                Table::opt(p.time_to_learn_scratch_theory),
            ]
        })
        .collect();
    if res.points.is_empty() {
        t.note = Some("no angle measured yet: run the sweep".into());
    }
    t
}

/// The data-table view of lazy against rich: one row per time sample and λ.
pub fn lazy_table(res: &LazyRichResults) -> Table {
    let mut t = Table::new(
        [
            "λ",
            "time (τ)",
            "L(t) / L(0)",
            "exact",
            "hidden representation change",
            "exact",
            "tangent kernel change",
            "exact",
        ]
        .map(String::from)
        .to_vec(),
    );
    for c in &res.curves {
        let at = |v: &[f64], i: usize| Table::opt(v.get(i).copied());
        for (i, &time) in c.time.iter().enumerate() {
            t.rows.push(vec![
                Table::num(c.lambda),
                Table::num(time),
                at(&c.loss, i),
                at(&c.loss_theory, i),
                at(&c.representation, i),
                at(&c.representation_theory, i),
                at(&c.kernel, i),
                at(&c.kernel_theory, i),
            ]);
        }
    }
    t
}
