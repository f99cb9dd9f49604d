//! Line charts over training steps: the loss and the mode strengths.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{draw_corner_note, fmt_num, wrap_text, ChartResult, Frame, Theme};

use crate::page::View;
use crate::run::{Run, Session};

/// Most modes drawn in the mode-strength chart (the strongest ones).
pub const MAX_MODES_SHOWN: usize = 10;

fn x_extent(run: &Run) -> f64 {
    (run.config().train.steps.max(run.step_count())).max(1) as f64
}

/// The predicted curves on the step axis: recorded values up to now, then the prediction
/// sampled forward to the end of the run at the current learning rate. `None` without a prediction.
struct TheorySeries {
    modes: Vec<Vec<(f64, f64)>>,
    loss: Vec<(f64, f64)>,
}

fn theory_series(run: &Run, n_modes: usize) -> Option<TheorySeries> {
    let pred = run.prediction().ok()?;
    let mut out = TheorySeries {
        modes: vec![Vec::new(); n_modes],
        loss: Vec::new(),
    };
    for r in run.history().records() {
        if let (Some(m), Some(l)) = (&r.theory, r.theory_loss) {
            for (a, pts) in out.modes.iter_mut().enumerate() {
                pts.push((r.step as f64, m[a]));
            }
            out.loss.push((r.step as f64, l));
        }
    }
    let xmax = x_extent(run);
    let step0 = run.step_count() as f64;
    let (t0, lr) = (run.time(), run.rate());
    let samples = 240;
    for k in 1..=samples {
        let step = step0 + (xmax - step0) * k as f64 / samples as f64;
        if step <= step0 {
            continue;
        }
        let p = pred.sample(t0 + (step - step0) * lr);
        for (a, pts) in out.modes.iter_mut().enumerate() {
            pts.push((step, p.modes[a]));
        }
        out.loss.push((step, p.loss));
    }
    Some(out)
}

/// The papers' continuous-time curves on the step axis, from step 0 to the end of the run,
/// when the view asks for them beside an exact map. `None` otherwise.
fn flow_series(run: &Run, view: &View, n_modes: usize) -> Option<TheorySeries> {
    let pred = run.prediction().ok().filter(|p| p.has_flow_curve())?;
    if !view.flow {
        return None;
    }
    let mut out = TheorySeries {
        modes: vec![Vec::new(); n_modes],
        loss: Vec::new(),
    };
    let xmax = x_extent(run);
    let samples = 320;
    for k in 0..=samples {
        let step = xmax * k as f64 / samples as f64;
        let p = pred.flow_sample(run.time_at_step(step));
        for (a, pts) in out.modes.iter_mut().enumerate() {
            pts.push((step, p.modes[a]));
        }
        out.loss.push((step, p.loss));
    }
    Some(out)
}

/// The note under a chart's title: what the dashed (and, when shown, dotted) curves are.
fn theory_note(run: &Run, view: &View) -> String {
    match run.prediction() {
        Ok(p) => {
            let mut note = format!("dashed: {}", p.label);
            if let (true, Some(flow)) = (view.flow, &p.flow_label) {
                note.push_str(&format!(" · dotted: {flow}"));
            }
            if let Some(v) = &p.validity {
                note.push_str(&format!(" · {v}"));
            }
            note
        }
        Err(why) => why.to_string(),
    }
}

/// Loss against training step on a log axis.
pub fn draw_loss<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    session: &Session,
    view: &View,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let run = session.run();
    root.fill(&th.bg)?;
    let recs = run.history().records();
    let pts: Vec<(f64, f64)> = recs
        .iter()
        .filter(|r| r.loss.is_finite() && r.loss > 0.0)
        .map(|r| (r.step as f64, r.loss))
        .collect();
    let (lo, hi) = pts.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), p| {
        (lo.min(p.1), hi.max(p.1))
    });
    let theory = theory_series(run, 0);
    let (lo, hi) = if pts.is_empty() {
        (1e-3, 1.0)
    } else {
        // The prediction may fall much lower than the run has; show at most 8 decades more.
        let th_lo = theory
            .as_ref()
            .map(|t| t.loss.iter().fold(f64::INFINITY, |m, p| m.min(p.1)))
            .unwrap_or(f64::INFINITY);
        let lo = lo.min(th_lo.max(lo * 1e-8)).max(hi * 1e-15).max(1e-300);
        (lo / 2.0, (hi * 2.0).max(lo * 10.0))
    };
    let xmax = x_extent(run);
    let mut chart = ChartBuilder::on(root)
        .margin(th.px(10.0))
        .x_label_area_size(th.px(34.0))
        .y_label_area_size(th.px(58.0))
        .build_cartesian_2d(0f64..xmax, (lo..hi).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("training step")
        .y_desc(match run.config().train.loss {
            crate::config::LossKind::Sum => "loss  ½Σ‖y − ŷ‖²",
            crate::config::LossKind::Mean => "loss  Σ‖y − ŷ‖² / (P·F)",
        })
        .label_style(th.text(11.0))
        .axis_desc_style(th.text(12.0))
        .light_line_style(th.grid.mix(0.0))
        .bold_line_style(th.grid)
        .axis_style(th.ink.mix(0.6))
        .x_labels(6)
        .y_labels(6)
        .y_label_formatter(&|v| fmt_num(*v))
        .x_label_formatter(&|v| fmt_num(*v))
        .draw()?;
    if let Some(t) = &theory {
        chart.draw_series(DashedLineSeries::new(
            t.loss.iter().map(|&(x, y)| (x, y.max(lo))),
            th.px(6.0),
            th.px(4.0),
            th.palette[1].stroke_width(th.stroke(1.5)),
        ))?;
    }
    if let Some(f) = flow_series(run, view, 0) {
        chart.draw_series(DashedLineSeries::new(
            f.loss.iter().map(|&(x, y)| (x, y.max(lo))),
            th.px(1.5),
            th.px(3.0),
            th.palette[1].mix(0.7).stroke_width(th.stroke(1.0)),
        ))?;
    }
    chart.draw_series(LineSeries::new(
        pts.iter().copied(),
        ShapeStyle::from(&th.palette[0]).stroke_width(th.stroke(2.0)),
    ))?;
    if let Some(&(x, y)) = pts.last() {
        chart.draw_series(std::iter::once(Circle::new(
            (x, y),
            th.px(3.0),
            th.palette[0].filled(),
        )))?;
    }
    scrub_cursor(&mut chart, view, run, (lo, hi), th)?;
    let note = match run.prediction() {
        Ok(p) => {
            let mut note = format!("solid: simulation · dashed: {}", p.quality());
            if let (true, Some(_)) = (view.flow, &p.flow_label) {
                note.push_str(" · dotted: gradient flow");
            }
            note
        }
        Err(_) => "simulation (no prediction for this start)".to_string(),
    };
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    // Top right: the loss starts high on the left.
    root.draw(&Text::new(
        note,
        (xr.end - th.px(6.0), yr.start + th.px(4.0)),
        th.text(11.0)
            .color(&th.ink.mix(0.75))
            .pos(Pos::new(HPos::Right, VPos::Top)),
    ))?;
    Ok(Frame::xy(
        chart.plotting_area(),
        (0.0, xmax),
        (lo, hi),
        true,
    ))
}

/// Mode strengths `u_a^T W_tot v_a` against step, with the exact solution dashed in the same colour.
pub fn draw_modes<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    session: &Session,
    view: &View,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let run = session.run();
    root.fill(&th.bg)?;
    let recs = run.history().records();
    let svd = run.svd();
    let n_modes = svd.rank().clamp(1, MAX_MODES_SHOWN).min(svd.s.len());
    let xmax = x_extent(run);
    let prediction = run.prediction();
    let theory: Vec<Vec<(f64, f64)>> = theory_series(run, n_modes)
        .map(|t| t.modes)
        .unwrap_or_else(|| vec![Vec::new(); n_modes]);
    let mut y_hi: f64 = 0.0;
    let mut y_lo: f64 = 0.0;
    for r in recs {
        for &m in &r.modes[..n_modes] {
            if m.is_finite() {
                y_hi = y_hi.max(m);
                y_lo = y_lo.min(m);
            }
        }
    }
    for pts in &theory {
        for &(_, v) in pts {
            if v.is_finite() {
                y_hi = y_hi.max(v);
                y_lo = y_lo.min(v);
            }
        }
    }
    y_hi = y_hi.max(svd.s.first().copied().unwrap_or(1.0)).max(1e-9);
    let pad = 0.06 * (y_hi - y_lo);
    let y0 = if y_lo < 0.0 { y_lo - pad } else { 0.0 };

    // A note on what the dashed lines are (or why there are none).
    let note = theory_note(run, view);
    let flow = flow_series(run, view, n_modes);
    let extra = svd.rank().saturating_sub(n_modes);
    let note = if extra > 0 {
        format!("{note}; {extra} weaker modes not shown")
    } else {
        note
    };
    let note_color = th.ink.mix(0.75);
    let note_style = th.text(11.0).color(&note_color);

    let (w, h) = root.dim_in_pixel();
    let legend_w = th.px(92.0).min(w as i32 / 3).max(1) as u32;
    let (plot_area, legend_area) = root.split_horizontally(w.saturating_sub(legend_w));
    let (margin, x_labels, y_labels) = (th.px(10.0), th.px(34.0), th.px(50.0));
    // Headroom above the curves for the note, however many lines it wraps to.
    let plot_w = w.saturating_sub(legend_w) as i32 - 2 * margin - y_labels;
    let plot_h = (h as i32 - 2 * margin - x_labels).max(1);
    let (lines, line_h) = wrap_text(&plot_area, &note, plot_w - th.px(12.0), &note_style);
    let room = (lines.len() as i32 * line_h + th.px(8.0)).min(plot_h / 2);
    let top = y_hi + pad;
    let y1 = top + (top - y0) * room as f64 / (plot_h - room).max(1) as f64;

    let mut chart = ChartBuilder::on(&plot_area)
        .margin(margin)
        .x_label_area_size(x_labels)
        .y_label_area_size(y_labels)
        .build_cartesian_2d(0f64..xmax, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc("training step")
        .y_desc(if run.network().is_linear() {
            "mode strength  uᵀ W v"
        } else {
            "mode strength  uᵀ f(X) v"
        })
        .label_style(th.text(11.0))
        .axis_desc_style(th.text(12.0))
        .light_line_style(th.grid.mix(0.0))
        .bold_line_style(th.grid)
        .axis_style(th.ink.mix(0.6))
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|v| fmt_num(*v))
        .y_label_formatter(&|v| fmt_num(*v))
        .draw()?;

    for a in (0..n_modes).rev() {
        let color = th.mode(a);
        if let Some(f) = &flow {
            chart.draw_series(DashedLineSeries::new(
                f.modes[a].iter().copied(),
                th.px(1.5),
                th.px(3.0),
                color.mix(0.7).stroke_width(th.stroke(1.0)),
            ))?;
        }
        if theory[a].len() > 1 {
            chart.draw_series(DashedLineSeries::new(
                theory[a].iter().copied(),
                th.px(6.0),
                th.px(4.0),
                color.stroke_width(th.stroke(1.5)),
            ))?;
        }
        let pts: Vec<(f64, f64)> = recs
            .iter()
            .filter(|r| r.modes[a].is_finite())
            .map(|r| (r.step as f64, r.modes[a]))
            .collect();
        // Markers on the curve, staggered between modes, so that neighbouring modes differ in
        // shape as well as colour (the legend shows the same marker).
        for x in marker_steps(a, n_modes, xmax) {
            let k = pts.partition_point(|p| p.0 < x);
            if let Some(&p) = pts.get(k).filter(|p| p.0 <= xmax) {
                th.marker(&mut chart, p, a, color)?;
            }
        }
        chart.draw_series(LineSeries::new(pts, color.stroke_width(th.stroke(2.0))))?;
    }
    // The second network, faint, in the same colours.
    if let Some(twin) = session.twin() {
        for a in 0..n_modes.min(twin.svd().s.len()) {
            let pts: Vec<(f64, f64)> = twin
                .history()
                .records()
                .iter()
                .filter(|r| r.modes[a].is_finite())
                .map(|r| (r.step as f64, r.modes[a]))
                .collect();
            chart.draw_series(LineSeries::new(
                pts,
                th.mode(a).mix(0.35).stroke_width(th.stroke(1.5)),
            ))?;
        }
    }
    scrub_cursor(&mut chart, view, run, (y0, y1), th)?;
    // Dashed verticals: when each mode is predicted to be half learned.
    for (a, at) in milestones(run, view, n_modes) {
        chart.draw_series(DashedLineSeries::new(
            [(at, y0), (at, y1)],
            th.px(3.0),
            th.px(3.0),
            th.mode(a).mix(0.55).stroke_width(th.stroke(1.0)),
        ))?;
    }
    let kind = match prediction {
        Ok(p) => p.quality(),
        Err(_) => "none",
    };
    draw_legend(&legend_area, svd.s.as_slice(), n_modes, kind, th)?;

    let (xr, yr) = chart.plotting_area().get_pixel_range();
    draw_corner_note(root, &note, (xr, yr), &note_style, th)?;
    Ok(Frame::xy(
        chart.plotting_area(),
        (0.0, xmax),
        (y0, y1),
        false,
    ))
}

/// The steps at which mode `a` of `n` carries a marker: four per curve, offset from one mode
/// to the next so that markers of neighbouring modes do not sit on top of each other.
fn marker_steps(a: usize, n: usize, xmax: f64) -> impl Iterator<Item = f64> {
    let offset = (a as f64 + 0.5) / n.max(1) as f64;
    (0..4).map(move |j| xmax * (j as f64 + offset) / 4.0)
}

/// A vertical line at the scrubbed step (nothing when the view follows the run).
fn scrub_cursor<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
    chart: &mut ChartContext<'_, DB, CT>,
    view: &View,
    run: &Run,
    y: (f64, f64),
    th: &Theme,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    if view.scrub.is_some() {
        let s = view.step(run) as f64;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(s, y.0), (s, y.1)],
            th.ink.mix(0.55).stroke_width(th.stroke(1.5)),
        )))?;
    }
    Ok(())
}

/// The mode legend: a swatch, the mode number and its singular value, one row per mode.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &[f64],
    n: usize,
    theory: &str,
    th: &Theme,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let row = th.px(17.0);
    let top = th.px(16.0);
    area.draw(&Text::new(
        "mode  s".to_string(),
        (th.px(4.0), top - th.px(4.0)),
        th.text(10.5).color(&th.ink.mix(0.7)),
    ))?;
    for a in 0..n {
        let y = top + row * (a as i32 + 1);
        let color = th.mode(a);
        area.draw(&PathElement::new(
            vec![(th.px(4.0), y), (th.px(20.0), y)],
            color.stroke_width(th.stroke(2.0)),
        ))?;
        th.marker_at(area, (th.px(12.0), y), a, color)?;
        area.draw(&Text::new(
            format!("{}  {}", a + 1, fmt_num(s[a])),
            (th.px(25.0), y - th.px(6.0)),
            th.text(10.5),
        ))?;
    }
    // What the line styles mean.
    let y = top + row * (n as i32 + 2);
    area.draw(&PathElement::new(
        vec![(th.px(4.0), y), (th.px(20.0), y)],
        th.ink.stroke_width(th.stroke(2.0)),
    ))?;
    area.draw(&Text::new(
        "simulation".to_string(),
        (th.px(25.0), y - th.px(6.0)),
        th.text(10.0),
    ))?;
    let y = y + row;
    for k in 0..2 {
        let x = th.px(4.0 + 9.0 * k as f64);
        area.draw(&PathElement::new(
            vec![(x, y), (x + th.px(6.0), y)],
            th.ink.stroke_width(th.stroke(1.5)),
        ))?;
    }
    // "theory:" then its kind ("exact", "approximate") or the reference note, on two lines to
    // fit the legend.
    let lines: Vec<String> = match theory {
        "none" => vec!["no theory".into()],
        t => match t.split_once(": ") {
            Some((a, b)) => vec![format!("{a}:"), b.to_string()],
            None => vec!["theory:".into(), t.to_string()],
        },
    };
    for (k, text) in lines.into_iter().enumerate() {
        area.draw(&Text::new(
            text,
            (
                th.px(if k == 0 { 25.0 } else { 4.0 }),
                y - th.px(6.0) + row * k as i32,
            ),
            th.text(10.0),
        ))?;
    }
    Ok(())
}

/// True when the chart shows the papers' continuous-time curve beside the prediction, and so
/// reads its milestones off it.
fn shows_flow(run: &Run, view: &View) -> bool {
    view.flow && run.prediction().is_ok_and(|p| p.has_flow_curve())
}

/// `(mode, step)` of each predicted half-learning milestone inside the chart's step range, read
/// from the curve the chart shows: the gradient flow when the view adds it, else the prediction.
fn milestones(run: &Run, view: &View, n_modes: usize) -> Vec<(usize, f64)> {
    let xmax = x_extent(run);
    let at = if shows_flow(run, view) {
        run.learned_at_flow()
    } else {
        run.learned_at()
    };
    at.into_iter()
        .take(n_modes)
        .enumerate()
        .filter_map(|(a, at)| at.filter(|s| *s > 0.0 && *s <= xmax).map(|s| (a, s)))
        .collect()
}

/// Hover readouts for the line charts: the record nearest the pointer's step.
pub fn readout(
    panel: &str,
    frame: &Frame,
    run: &Run,
    view: &View,
    x: f64,
    y: f64,
) -> Option<String> {
    let (step, value) = frame.data_at(x, y)?;
    let recs = run.history().records();
    let i = recs.partition_point(|r| (r.step as f64) < step);
    let rec = [i.checked_sub(1), Some(i)]
        .into_iter()
        .flatten()
        .filter_map(|k| recs.get(k))
        .min_by(|a, b| {
            ((a.step as f64) - step)
                .abs()
                .total_cmp(&((b.step as f64) - step).abs())
        })?;
    if panel == "loss" {
        let theory = rec
            .theory_loss
            .map(|l| format!(" (predicted {})", fmt_num(l)))
            .unwrap_or_default();
        return Some(format!(
            "step {} · loss {}{theory}",
            rec.step,
            fmt_num(rec.loss)
        ));
    }
    let n = run
        .svd()
        .rank()
        .clamp(1, MAX_MODES_SHOWN)
        .min(rec.modes.len());
    if let Frame::Xy {
        left, right, x_max, ..
    } = frame
    {
        let px_per_step = (right - left) as f64 / x_max.max(1e-300);
        let near = milestones(run, view, n)
            .into_iter()
            .min_by(|p, q| (p.1 - step).abs().total_cmp(&(q.1 - step).abs()));
        if let Some((a, at)) = near.filter(|(_, at)| (at - step).abs() * px_per_step <= 4.0) {
            let curve = if shows_flow(run, view) {
                "on the gradient-flow curve"
            } else {
                match run.prediction() {
                    Ok(p) if p.exact => "on the exact map",
                    Ok(p) => p.quality(),
                    Err(_) => "predicted",
                }
            };
            return Some(format!(
                "mode {}, {}, learned at step {} (predicted half-way point, {curve}; s = {})",
                a + 1,
                run.svd().describe_mode(a, &run.data().features),
                at.round(),
                fmt_num(run.svd().s[a])
            ));
        }
    }
    let a = (0..n).min_by(|&i, &j| {
        (rec.modes[i] - value)
            .abs()
            .total_cmp(&(rec.modes[j] - value).abs())
    })?;
    let name = run.svd().describe_mode(a, &run.data().features);
    let theory = rec
        .theory
        .as_ref()
        .map(|t| format!(", theory {}", fmt_num(t[a])))
        .unwrap_or_default();
    Some(format!(
        "mode {} ({name}) at step {}: simulated {}{theory}; s = {}",
        a + 1,
        rec.step,
        fmt_num(rec.modes[a]),
        fmt_num(run.svd().s[a])
    ))
}

/// The data-table view of the loss and mode-strength charts: one row per record of the run.
pub fn table(panel: &str, run: &Run) -> Option<super::Table> {
    use super::Table;
    let recs = run.history().records();
    match panel {
        "loss" => {
            let mut t = Table::new(vec!["step".into(), "loss".into(), "predicted loss".into()]);
            t.rows = recs
                .iter()
                .map(|r| {
                    vec![
                        serde_json::json!(r.step),
                        Table::num(r.loss),
                        Table::opt(r.theory_loss),
                    ]
                })
                .collect();
            Some(t)
        }
        "modes" => {
            let svd = run.svd();
            let n = svd.rank().clamp(1, MAX_MODES_SHOWN).min(svd.s.len());
            let mut columns = vec!["step".to_string()];
            for a in 0..n {
                columns.push(format!("mode {} simulated", a + 1));
                columns.push(format!("mode {} predicted", a + 1));
            }
            let mut t = Table::new(columns);
            t.rows = recs
                .iter()
                .map(|r| {
                    let mut row = vec![serde_json::json!(r.step)];
                    for a in 0..n {
                        row.push(Table::opt(r.modes.get(a).copied()));
                        row.push(Table::opt(
                            r.theory.as_ref().and_then(|m| m.get(a).copied()),
                        ));
                    }
                    row
                })
                .collect();
            let names: Vec<String> = (0..n)
                .map(|a| {
                    format!(
                        "mode {}: {}",
                        a + 1,
                        svd.describe_mode(a, &run.data().features)
                    )
                })
                .collect();
            t.note = Some(names.join("; "));
            Some(t)
        }
        _ => None,
    }
}
