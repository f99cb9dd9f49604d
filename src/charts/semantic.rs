//! Panels of semantic development (PNAS19, docs/theory.md §2.3): the progressive-differentiation map,
//! representational similarity, a semantic illusion, typicality and inductive projection.
//! Every panel shows the run at the view's step, the simulation beside the exact theory.

use std::collections::HashMap;

use ndarray::Array2;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    diverging, draw_corner_note, draw_wrapped, fmt_num, ChartResult, Frame, Grid, Table, Theme,
};
use crate::page::view::{ProjectionKind, View};
use crate::run::measures::{correlation, gram, novel_feature, novel_item, MdsFrame};
use crate::run::{Run, Session};

fn message<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, text: &str, th: &Theme) -> ChartResult
where
    DB::ErrorType: 'static,
{
    let (w, _) = root.dim_in_pixel();
    draw_wrapped(
        root,
        text,
        (th.px(12.0), th.px(14.0)),
        w as i32 - th.px(24.0),
        &th.text(12.0).color(&th.ink.mix(0.8)),
    )?;
    Ok(Frame::Grids { grids: vec![] })
}

/// Item colour in the map.
fn item_color(i: usize, th: &Theme) -> RGBColor {
    th.mode(i)
}

/// The MDS frame of a run: from the predicted final similarity when there is one, else from the
/// latest simulated one.
fn mds_frame(run: &Run) -> Option<(Option<u64>, MdsFrame, Array2<f64>)> {
    let predicted = run.prediction().ok().and_then(|p| {
        let end = crate::run::measures::course_end(p, &run.svd().s);
        p.hidden_gram_at(end)
    });
    let (from, reference) = match predicted {
        Some(g) => (None, g),
        None => {
            let last = run.history().snapshots().last()?;
            (Some(last.step), last.hidden.as_ref().map(gram)?)
        }
    };
    MdsFrame::from_gram(&reference).map(|f| (from, f, reference))
}

/// The map's frame and positions kept for a run between frames: the frame (from the predicted
/// end, or from the snapshot at the step given), and each snapshot's simulated and predicted
/// positions by step, which do not change once the snapshot is taken.
#[derive(Default)]
struct MapMemo {
    frame: Option<(Option<u64>, MdsFrame, Array2<f64>)>,
    points: HashMap<u64, Option<SnapshotPoints>>,
}

type SnapshotPoints = (Vec<[f64; 2]>, Option<Vec<[f64; 2]>>);

struct MapPoints {
    /// Simulated positions per snapshot up to the view step: (step, positions).
    sim: Vec<(u64, Vec<[f64; 2]>)>,
    /// Predicted positions at the same times.
    theory: Vec<Vec<[f64; 2]>>,
    extent: f64,
}

fn map_points(run: &Run, view: &View) -> Option<MapPoints> {
    run.with_memo("mds map", |memo: &mut MapMemo| {
        map_points_kept(run, view, memo)
    })
}

fn map_points_kept(run: &Run, view: &View, memo: &mut MapMemo) -> Option<MapPoints> {
    // The frame from a snapshot (no prediction) moves with the last snapshot.
    let last = run.history().snapshots().last().map(|s| s.step);
    let stale = match &memo.frame {
        None => true,
        Some((from, ..)) => from.is_some() && *from != last,
    };
    if stale {
        memo.frame = mds_frame(run);
        memo.points.clear();
    }
    let (_, frame, reference) = memo.frame.as_ref()?;
    let upto = view.step(run);
    let pred = run.prediction().ok();
    let mut sim = Vec::new();
    let mut theory = Vec::new();
    for s in run.history().snapshots().iter().filter(|s| s.step <= upto) {
        let kept = memo.points.entry(s.step).or_insert_with(|| {
            let h = s.hidden.as_ref()?;
            let t = pred
                .and_then(|p| p.hidden_gram_at(s.time))
                .map(|g| frame.project(&g));
            Some((frame.project(&gram(h)), t))
        });
        let (p, t) = kept.as_ref()?;
        sim.push((s.step, p.clone()));
        if let Some(t) = t {
            theory.push(t.clone());
        }
    }
    // Forget snapshots the history has thinned out.
    let snaps = run.history().snapshots();
    if memo.points.len() > 2 * snaps.len() + 16 {
        let steps: std::collections::HashSet<u64> = snaps.iter().map(|s| s.step).collect();
        memo.points.retain(|k, _| steps.contains(k));
    }
    let fin = frame.project(reference);
    let mut extent = fin
        .iter()
        .fold(0.0f64, |m, p| m.max(p[0].abs()).max(p[1].abs()));
    for (_, pts) in &sim {
        for p in pts {
            extent = extent.max(p[0].abs()).max(p[1].abs());
        }
    }
    Some(MapPoints {
        sim,
        theory,
        extent: extent.max(1e-9) * 1.3,
    })
}

/// Progressive differentiation: the items' first-hidden-layer representations in a fixed
/// classical-MDS frame, with their trails, simulated (filled) and predicted (rings).
pub fn draw_mds<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    session: &Session,
    view: &View,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let run = session.run();
    if run.network().depth() < 2 {
        return message(root, "A shallow network has no hidden layer, so there is no representation to map. Add a hidden layer.", th);
    }
    let Some(pts) = map_points(run, view) else {
        return message(
            root,
            "The map appears once the network has learned two distinctions (train a little).",
            th,
        );
    };
    let (w, h) = root.dim_in_pixel();
    let e = pts.extent;
    // Equal scales on both axes.
    let aspect =
        (w as f64 - th.px(60.0) as f64).max(1.0) / (h as f64 - th.px(70.0) as f64).max(1.0);
    let (xe, ye) = if aspect >= 1.0 {
        (e * aspect, e)
    } else {
        (e, e / aspect)
    };
    let step = pts.sim.last().map_or(0, |s| s.0);
    let mut chart = ChartBuilder::on(root)
        .margin(th.px(10.0))
        .caption(
            format!("step {step} · lines: simulated paths · rings, dashes: theory V A Vᵀ"),
            th.text(10.5).color(&th.ink.mix(0.75)),
        )
        .x_label_area_size(th.px(30.0))
        .y_label_area_size(th.px(40.0))
        .build_cartesian_2d(-xe..xe, -ye..ye)?;
    chart
        .configure_mesh()
        .x_desc("MDS dimension 1")
        .y_desc("MDS dimension 2")
        .label_style(th.text(10.0))
        .axis_desc_style(th.text(11.0))
        .light_line_style(th.grid.mix(0.0))
        .bold_line_style(th.grid)
        .axis_style(th.ink.mix(0.5))
        .x_labels(5)
        .y_labels(5)
        .x_label_formatter(&|v| fmt_num(*v))
        .y_label_formatter(&|v| fmt_num(*v))
        .draw()?;
    let n = pts.sim.last().map_or(0, |s| s.1.len());
    let items = &run.data().items;
    for i in 0..n {
        let color = item_color(i, th);
        if pts.theory.len() > 1 {
            chart.draw_series(DashedLineSeries::new(
                pts.theory.iter().map(|p| (p[i][0], p[i][1])),
                th.px(4.0),
                th.px(3.0),
                color.mix(0.6).stroke_width(th.stroke(1.0)),
            ))?;
        }
        chart.draw_series(LineSeries::new(
            pts.sim.iter().map(|(_, p)| (p[i][0], p[i][1])),
            color.mix(0.8).stroke_width(th.stroke(1.5)),
        ))?;
    }
    for i in 0..n {
        let color = item_color(i, th);
        if let Some(p) = pts.theory.last() {
            chart.draw_series(std::iter::once(Circle::new(
                (p[i][0], p[i][1]),
                th.px(7.0),
                color.stroke_width(th.stroke(1.5)),
            )))?;
        }
        if let Some((_, p)) = pts.sim.last() {
            chart.draw_series(std::iter::once(Circle::new(
                (p[i][0], p[i][1]),
                th.px(4.0),
                color.filled(),
            )))?;
            chart.draw_series(std::iter::once(Text::new(
                items[i].clone(),
                (p[i][0], p[i][1]),
                th.text(11.0).pos(Pos::new(HPos::Left, VPos::Bottom)),
            )))?;
        }
    }
    Ok(Frame::xy(
        chart.plotting_area(),
        (-xe, xe),
        (-ye, ye),
        false,
    ))
}

/// The similarity matrices the RSM panel shows at the view's step: the run's, the theory's and
/// a second network's (when it is level with the first).
struct Similarities {
    step: u64,
    sim: Array2<f64>,
    theory: Option<(String, Array2<f64>)>,
    twin: Option<(String, Array2<f64>)>,
}

fn similarities(session: &Session, view: &View) -> Result<Similarities, &'static str> {
    let run = session.run();
    if run.network().depth() < 2 {
        return Err(
            "A shallow network has no hidden layer, so it has no representational similarity.",
        );
    }
    let step = view.step(run);
    let snap = run.history().snapshot_at(step).ok_or("No snapshot yet.")?;
    let sim = gram(
        snap.hidden
            .as_ref()
            .expect("deep networks keep hidden snapshots"),
    );
    let reference = run.prediction().is_ok_and(|p| p.reference_only);
    let theory = run
        .prediction()
        .ok()
        .and_then(|p| p.hidden_gram_at(snap.time))
        .map(|t| {
            let name = if reference {
                "linear theory (reference)"
            } else {
                "theory V A Vᵀ"
            };
            (name.to_string(), t)
        });
    // A second network still catching up is left out until it is level.
    let twin = session
        .twin()
        .filter(|_| session.twin_behind() == 0)
        .and_then(|t| {
            let s = t.history().snapshot_at(step)?;
            let hidden = &t.config().network.hidden;
            let name = format!(
                "network 2 (width {}, seed {})",
                hidden.first().copied().unwrap_or(0),
                t.config().train.seed
            );
            Some((name, gram(s.hidden.as_ref()?)))
        });
    Ok(Similarities {
        step: snap.step,
        sim,
        theory,
        twin,
    })
}

/// The RSM heat maps: simulated, predicted and, with a second network, its RSM; correlations.
pub fn draw_rsm<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    session: &Session,
    view: &View,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let run = session.run();
    let sims = match similarities(session, view) {
        Ok(s) => s,
        Err(text) => return message(root, text, th),
    };
    let items = &run.data().items;
    let Similarities {
        step: snap_step,
        sim,
        theory,
        twin,
    } = &sims;
    let mut mats: Vec<(String, &Array2<f64>)> = vec![("network 1, simulated".into(), sim)];
    mats.extend(theory.iter().map(|(n, m)| (n.clone(), m)));
    mats.extend(twin.iter().map(|(n, m)| (n.clone(), m)));
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let label_style = th.text(10.0);
    let label_w = items
        .iter()
        .map(|l| {
            super::text_size(root, l, &label_style)
                .map(|s| s.0 as i32)
                .unwrap_or(0)
        })
        .max()
        .unwrap_or(0);
    let pad = th.px(8.0);
    let top = pad + th.px(54.0) + label_w;
    let gap = th.px(14.0);
    let k = mats.len() as i32;
    let avail_w = (w - pad - label_w - th.px(6.0) - (k - 1) * gap - pad) / k;
    let side = avail_w.min(h - top - pad).max(4);
    let mut grids = Vec::new();
    let mut x = pad + label_w + th.px(6.0);
    for (name, m) in &mats {
        let g = Grid {
            name: name.clone(),
            left: x,
            top,
            right: x + side,
            bottom: top + side,
            rows: m.nrows(),
            cols: m.ncols(),
            row_stride: 1,
        };
        let vmax = m.iter().fold(0.0f64, |a, v| a.max(v.abs())).max(1e-300);
        g.fill(root, |r, c| diverging(m[(r, c)], vmax))?;
        root.draw(&Rectangle::new(
            [(g.left, g.top), (g.right, g.bottom)],
            th.ink.mix(0.35).stroke_width(1),
        ))?;
        root.draw(&Text::new(
            name.clone(),
            (g.left, top - label_w - th.px(22.0)),
            th.text(11.0).pos(Pos::new(HPos::Left, VPos::Bottom)),
        ))?;
        let col_w = side as f64 / g.cols as f64;
        let every = ((10.0 * th.scale) / col_w).ceil().max(1.0) as usize;
        for c in (0..g.cols).step_by(every) {
            let (p0, p1) = g.cell_rect(0, c);
            root.draw(&Text::new(
                items[c].clone(),
                ((p0.0 + p1.0) / 2, top - th.px(4.0)),
                th.text(10.0)
                    .transform(FontTransform::Rotate270)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        grids.push(g);
        x += side + gap;
    }
    if let Some(g) = grids.first() {
        let row_h = side as f64 / g.rows as f64;
        let every = ((10.0 * th.scale) / row_h).ceil().max(1.0) as usize;
        for r in (0..g.rows).step_by(every) {
            let (p0, p1) = g.cell_rect(r, 0);
            root.draw(&Text::new(
                items[r].clone(),
                (g.left - th.px(4.0), (p0.1 + p1.1) / 2),
                th.text(10.0).pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
        }
    }
    let mut lines = vec![format!("step {snap_step}")];
    if let Some((_, t)) = theory {
        lines.push(format!(
            "corr(simulated, theory) = {:.5}",
            correlation(sim, t)
        ));
    }
    if let Some((_, g)) = twin {
        lines.push(format!(
            "corr(network 1, network 2) = {:.5}",
            correlation(sim, g)
        ));
    }
    root.draw(&Text::new(
        lines.join("   ·   "),
        (pad, pad),
        th.text(11.5).pos(Pos::new(HPos::Left, VPos::Top)),
    ))?;
    Ok(Frame::Grids { grids })
}

fn scrub_line<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
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

/// What the illusion panel draws: the chosen entry (feature `m`, item `i`) of the output over
/// the run, simulated at each snapshot and predicted at 241 evenly spaced steps.
struct IllusionSeries {
    m: usize,
    i: usize,
    target: f64,
    xmax: f64,
    /// (step, output) at each snapshot.
    sim: Vec<(f64, f64)>,
    /// (step, predicted output); empty without a prediction.
    theory: Vec<(f64, f64)>,
}

fn illusion_series(run: &Run, view: &View) -> IllusionSeries {
    let (m, i) = view.illusion_pick(run);
    let target = run.data().y[(m, i)];
    let xmax = (run.config().train.steps.max(run.step_count())).max(1) as f64;
    let sim: Vec<(f64, f64)> = run
        .history()
        .snapshots()
        .iter()
        .map(|s| (s.step as f64, s.output[(m, i)]))
        .collect();
    // One entry over time, from the mode strengths where the prediction is aligned (not the
    // whole predicted map 241 times: 4096 × 256 on the largest dataset).
    let theory: Vec<(f64, f64)> = run.prediction().ok().map_or_else(Vec::new, |pred| {
        let steps: Vec<f64> = (0..=240).map(|k| xmax * k as f64 / 240.0).collect();
        let times: Vec<f64> = steps.iter().map(|&s| run.time_at_step(s)).collect();
        crate::run::measures::predicted_output(pred, run.svd(), m, i, &times)
            .map_or_else(Vec::new, |v| steps.into_iter().zip(v).collect())
    });
    IllusionSeries {
        m,
        i,
        target,
        xmax,
        sim,
        theory,
    }
}

/// A semantic illusion: one output over training, simulated and predicted, with its target.
pub fn draw_illusion<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    session: &Session,
    view: &View,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let run = session.run();
    let data = run.data();
    let IllusionSeries {
        m,
        i,
        target,
        xmax,
        sim,
        theory,
    } = illusion_series(run, view);
    let (mut lo, mut hi) = (target.min(0.0), target.max(0.0));
    for &(_, v) in sim.iter().chain(&theory) {
        if v.is_finite() {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    let pad = 0.12 * (hi - lo).max(0.1);
    let (y0, y1) = (lo - pad, hi + 2.0 * pad);
    let mut chart = ChartBuilder::on(root)
        .margin(th.px(10.0))
        .x_label_area_size(th.px(32.0))
        .y_label_area_size(th.px(46.0))
        .build_cartesian_2d(0f64..xmax, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc("training step")
        .y_desc("network output")
        .label_style(th.text(10.5))
        .axis_desc_style(th.text(11.5))
        .light_line_style(th.grid.mix(0.0))
        .bold_line_style(th.grid)
        .axis_style(th.ink.mix(0.5))
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|v| fmt_num(*v))
        .y_label_formatter(&|v| fmt_num(*v))
        .draw()?;
    chart.draw_series(DashedLineSeries::new(
        [(0.0, target), (xmax, target)],
        th.px(2.0),
        th.px(3.0),
        th.ink.mix(0.5).stroke_width(th.stroke(1.0)),
    ))?;
    if theory.len() > 1 {
        chart.draw_series(DashedLineSeries::new(
            theory.iter().copied(),
            th.px(6.0),
            th.px(4.0),
            th.palette[1].stroke_width(th.stroke(2.0)),
        ))?;
    }
    chart.draw_series(LineSeries::new(
        sim.iter().copied(),
        th.palette[0].stroke_width(th.stroke(2.0)),
    ))?;
    scrub_line(&mut chart, view, run, (y0, y1), th)?;
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let kind = match run.prediction() {
        Ok(p) if p.reference_only => "dashed: linear theory: reference only",
        Ok(p) if p.exact => "dashed: exact theory",
        Ok(_) => "dashed: approximate theory",
        Err(_) => "no theory for this start",
    };
    draw_corner_note(
        root,
        &format!(
            "{} · {} (target {}): solid: simulation · {kind} · dotted: target",
            data.items[i],
            data.features[m],
            fmt_num(target)
        ),
        (xr, yr),
        &th.text(11.0).color(&th.ink.mix(0.8)),
        th,
    )?;
    Ok(Frame::xy(
        chart.plotting_area(),
        (0.0, xmax),
        (y0, y1),
        false,
    ))
}

/// Grouped bars: one group per label, one bar per series `(name, colour, values, filled)`.
#[allow(clippy::type_complexity)]
fn bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    labels: &[String],
    series: &[(&str, RGBColor, Vec<Option<f64>>, bool)],
    y_desc: &str,
    th: &Theme,
) -> Result<Frame, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for (_, _, vals, _) in series {
        for v in vals.iter().flatten() {
            lo = lo.min(*v);
            hi = hi.max(*v);
        }
    }
    if hi - lo < 1e-12 {
        hi = lo + 1.0;
    }
    let pad = 0.08 * (hi - lo);
    let (y0, y1) = (if lo < 0.0 { lo - pad } else { 0.0 }, hi + 3.0 * pad);
    let n = labels.len().max(1);
    let label_style = th.text(10.0);
    let label_h = labels
        .iter()
        .map(|l| {
            super::text_size(area, l, &label_style)
                .map(|s| s.0 as i32)
                .unwrap_or(0)
        })
        .max()
        .unwrap_or(0);
    let mut chart = ChartBuilder::on(area)
        .margin(th.px(8.0))
        .x_label_area_size(label_h + th.px(10.0))
        .y_label_area_size(th.px(44.0))
        .build_cartesian_2d(0f64..n as f64, y0..y1)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .disable_x_axis()
        .y_desc(y_desc)
        .label_style(th.text(10.0))
        .axis_desc_style(th.text(11.0))
        .light_line_style(th.grid.mix(0.0))
        .bold_line_style(th.grid)
        .axis_style(th.ink.mix(0.5))
        .y_labels(5)
        .y_label_formatter(&|v| fmt_num(*v))
        .draw()?;
    let k = series.len().max(1) as f64;
    let width = 0.8 / k;
    for (si, (_, color, vals, filled)) in series.iter().enumerate() {
        for (j, v) in vals.iter().enumerate() {
            let Some(v) = v else { continue };
            let x0 = j as f64 + 0.1 + si as f64 * width;
            let style = if *filled {
                color.filled()
            } else {
                color.stroke_width(th.stroke(1.5))
            };
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x0, 0.0), (x0 + width * 0.92, *v)],
                style,
            )))?;
        }
    }
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, 0.0), (n as f64, 0.0)],
        th.ink.mix(0.6),
    )))?;
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    // Pixel ranges are absolute; drawing on `area` is relative to its corner.
    let (bx, by) = area.get_base_pixel();
    // Labels stand on their side, one line of text each: where the bars are narrower than a
    // line (a 256-item dataset), every `stride`-th is written so that none overlap (the readout
    // names the bar under the pointer, and the data table lists every item).
    let line = super::text_size(area, "Ag", &label_style).map_or(1, |s| s.1.max(1)) as f64;
    let pitch = (xr.end - xr.start) as f64 / n as f64;
    let stride = ((1.2 * line / pitch.max(1e-9)).ceil() as usize).max(1);
    for (j, l) in labels.iter().enumerate().step_by(stride) {
        let x = xr.start + ((j as f64 + 0.5) / n as f64 * (xr.end - xr.start) as f64) as i32;
        area.draw(&Text::new(
            l.clone(),
            (x - bx, yr.end + th.px(4.0) - by),
            label_style
                .transform(FontTransform::Rotate90)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    let legend: Vec<String> = series
        .iter()
        .map(|(name, _, _, filled)| format!("{} {name}", if *filled { "■" } else { "□" }))
        .collect();
    draw_wrapped(
        area,
        &format!("{title} · {}", legend.join("  ")),
        (xr.start + th.px(4.0) - bx, yr.start + th.px(2.0) - by),
        xr.end - xr.start - th.px(8.0),
        &th.text(10.5).color(&th.ink.mix(0.8)),
    )?;
    Ok(Frame::xy(
        chart.plotting_area(),
        (0.0, n as f64),
        (y0, y1),
        false,
    ))
}

/// The note under the typicality chart: who has no bar and why, and whether the crossing times
/// order by typicality (docs/theory.md §2.3.5).
pub fn typicality_note(t: &crate::run::measures::Typicality, items: &[String]) -> String {
    let out: Vec<&str> = items
        .iter()
        .zip(&t.members)
        .filter(|(_, &m)| !m)
        .map(|(n, _)| n.as_str())
        .collect();
    let mut parts = vec![format!(
        "Right: the step when the item's category output sign(vᵢ)·u_αᵀŷᵢ first reaches {} \
         (half the smallest member's final value); in theory it is a_α(t)·|vᵢ|, so more typical \
         items cross sooner.",
        fmt_num(t.threshold)
    )];
    if !out.is_empty() {
        let mut list = out.iter().take(6).copied().collect::<Vec<_>>().join(", ");
        if out.len() > 6 {
            list.push_str(&format!(" and {} more", out.len() - 6));
        }
        parts.push(format!(
            "No time bar for {list}: |vᵢ| is below a quarter of the largest, outside this category."
        ));
    }
    for (name, times) in [("simulated", &t.sim), ("theory", &t.theory)] {
        let inv = t.inversions(times);
        if !inv.is_empty() {
            let (a, b) = inv[0];
            parts.push(format!(
                "The {name} times do not all order by typicality: {} (|v| {}) crosses after {} (|v| {}){}.",
                items[a],
                fmt_num(t.v[a].abs()),
                items[b],
                fmt_num(t.v[b].abs()),
                if inv.len() > 1 {
                    format!(", and {} more such pairs", inv.len() - 1)
                } else {
                    String::new()
                }
            ));
        }
    }
    parts.join(" ")
}

/// Typicality (docs/theory.md §2.3.5): the object-analyzer entries of a category mode, and the step at
/// which each member's category output crosses one fixed threshold, simulated and predicted.
pub fn draw_typicality<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    session: &Session,
    view: &View,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let run = session.run();
    let alpha = view.category_mode(run);
    let svd = run.svd();
    let data = run.data();
    let typ = run.typicality(alpha);
    let v: Vec<Option<f64>> = typ.v.iter().map(|&x| Some(x)).collect();
    let name = svd.describe_mode(alpha, &data.features);
    let (w, h) = root.dim_in_pixel();
    let note = typicality_note(&typ, &data.items);
    let note_color = th.ink.mix(0.8);
    let note_style = th.text(10.5).color(&note_color);
    let (lines, step) = super::wrap_text(root, &note, w as i32 - th.px(16.0), &note_style);
    let note_h = (lines.len() as i32 * step + th.px(6.0))
        .min(h as i32 / 2)
        .max(0) as u32;
    let (charts, foot) = root.split_vertically(h.saturating_sub(note_h));
    // Side by side, or on a phone (under 560 CSS px, where the page makes the canvas taller)
    // one above the other, so neither plot's title runs over its bars.
    let (left, right) = if th.narrow(w) {
        charts.split_vertically(charts.dim_in_pixel().1 / 2)
    } else {
        charts.split_horizontally(w / 2)
    };
    let f1 = bars(
        &left,
        &format!("mode {} ({name}): object analyzer v", alpha + 1),
        &data.items,
        &[("vᵢ", th.mode(alpha), v, true)],
        "typicality vᵢ",
        th,
    )?;
    let f2 = bars(
        &right,
        "step when the item's category output crosses one threshold",
        &data.items,
        &[
            ("simulated", th.palette[0], typ.sim.clone(), true),
            ("theory", th.palette[1], typ.theory.clone(), false),
        ],
        "training step",
        th,
    )?;
    draw_wrapped(
        &foot,
        &note,
        (th.px(8.0), th.px(2.0)),
        w as i32 - th.px(16.0),
        &note_style,
    )?;
    let mut grids = vec![];
    for (name, f) in [("v", f1), ("time", f2)] {
        if let Frame::Xy {
            left,
            top,
            right,
            bottom,
            ..
        } = f
        {
            grids.push(Grid {
                name: name.into(),
                left,
                top,
                right,
                bottom,
                rows: 1,
                cols: data.n_items(),
                row_stride: 1,
            });
        }
    }
    Ok(Frame::Grids { grids })
}

/// What the projection panel draws: its title, the bars' labels (items or features), and how
/// much each gets the novel fact, simulated and predicted.
struct Projection {
    title: String,
    labels: Vec<String>,
    sim: Vec<f64>,
    theory: Option<Vec<f64>>,
}

fn projection(run: &Run, view: &View) -> Result<Projection, &'static str> {
    if run.network().depth() < 2 {
        return Err("A shallow network has no hidden layer to carry a novel fact to other items.");
    }
    let step = view.step(run);
    let Some(snap) = run.history().snapshot_at(step) else {
        return Err("No snapshot yet.");
    };
    let data = run.data();
    let pred = run.prediction().ok().and_then(|p| p.matrices_at(snap.time));
    let (title, labels, sim, theory) = match view.projection.kind {
        ProjectionKind::Feature => {
            let i = view.projection_item(run);
            let sim = novel_feature(&gram(snap.hidden.as_ref().expect("deep")), i);
            let theory = pred
                .as_ref()
                .and_then(|m| m.hidden_gram.as_ref())
                .map(|g| novel_feature(g, i));
            (
                format!(
                    "a novel feature taught for {} only, at step {}: how much each item gets it",
                    data.items[i], snap.step
                ),
                data.items.clone(),
                sim,
                theory,
            )
        }
        ProjectionKind::Item => {
            let m = view.projection_feature(run);
            let Some(r) = snap.readout.as_ref() else {
                return Err(
                    "A novel item reaches the outputs through the layers above the first hidden one; with a nonlinearity there they have no single linear readout to project through. Choose a novel feature, or a linear network.",
                );
            };
            let sim = novel_item(r.dot(&r.row(m)).view(), m);
            let theory = pred
                .as_ref()
                .and_then(|x| x.readout_gram.as_ref())
                .map(|g| novel_item(g.column(m).view(), m));
            // The dozen features the novel item is most expected to have.
            let key = theory.as_ref().unwrap_or(&sim);
            let mut order: Vec<usize> = (0..key.len()).collect();
            order.sort_by(|&a, &b| key[b].total_cmp(&key[a]));
            order.truncate(12);
            (
                format!(
                    "a novel item that has “{}”, at step {}: its predicted features",
                    data.features[m], snap.step
                ),
                order.iter().map(|&k| data.features[k].clone()).collect(),
                order.iter().map(|&k| sim[k]).collect(),
                theory.map(|t| order.iter().map(|&k| t[k]).collect()),
            )
        }
    };
    Ok(Projection {
        title,
        labels,
        sim,
        theory,
    })
}

/// Inductive projection at the view's step: how a novel fact about one item (or a novel item
/// with one feature) generalises, simulated and predicted (docs/theory.md §2.3.7).
pub fn draw_projection<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    session: &Session,
    view: &View,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let Projection {
        title,
        labels,
        sim,
        theory,
    } = match projection(session.run(), view) {
        Ok(p) => p,
        Err(text) => return message(root, text, th),
    };
    let mut series = vec![(
        "simulated",
        th.palette[0],
        sim.into_iter().map(Some).collect::<Vec<_>>(),
        true,
    )];
    if let Some(t) = theory {
        series.push((
            "theory",
            th.palette[1],
            t.into_iter().map(Some).collect(),
            false,
        ));
    }
    let f = bars(root, &title, &labels, &series, "generalisation", th)?;
    let Frame::Xy {
        left,
        top,
        right,
        bottom,
        ..
    } = f
    else {
        unreachable!()
    };
    Ok(Frame::Grids {
        grids: vec![Grid {
            name: "bars".into(),
            left,
            top,
            right,
            bottom,
            rows: 1,
            cols: labels.len(),
            row_stride: 1,
        }],
    })
}

/// Hover readouts of the semantic panels.
pub fn readout(
    panel: &str,
    frame: &Frame,
    session: &Session,
    view: &View,
    x: f64,
    y: f64,
) -> Option<String> {
    let run = session.run();
    let data = run.data();
    match panel {
        "mds" => {
            let (dx, dy) = frame.data_at(x, y)?;
            let pts = map_points(run, view)?;
            let (step, cur) = pts.sim.last()?;
            let i = (0..cur.len()).min_by(|&a, &b| {
                let d = |p: [f64; 2]| (p[0] - dx).powi(2) + (p[1] - dy).powi(2);
                d(cur[a]).total_cmp(&d(cur[b]))
            })?;
            let th = pts
                .theory
                .last()
                .map(|t| format!("; theory ({}, {})", fmt_num(t[i][0]), fmt_num(t[i][1])))
                .unwrap_or_default();
            Some(format!(
                "{} at step {step}: ({}, {}){th}",
                data.items[i],
                fmt_num(cur[i][0]),
                fmt_num(cur[i][1])
            ))
        }
        "rsm" => {
            let Frame::Grids { grids } = frame else {
                return None;
            };
            let g = grids.iter().find(|g| g.cell_at(x, y).is_some())?;
            let (r, c) = g.cell_at(x, y)?;
            let snap = run.history().snapshot_at(view.step(run))?;
            let sim = gram(snap.hidden.as_ref()?);
            let theory = run
                .prediction()
                .ok()
                .and_then(|p| p.hidden_gram_at(snap.time));
            let th = theory
                .map(|t| format!(", theory {}", fmt_num(t[(r, c)])))
                .unwrap_or_default();
            Some(format!(
                "{} · {}: similarity {}{th}",
                data.items[r],
                data.items[c],
                fmt_num(sim[(r, c)])
            ))
        }
        "illusion" => {
            let (step, _) = frame.data_at(x, y)?;
            let (m, i) = view.illusion_pick(run);
            let snaps = run.history().snapshots();
            let s = snaps.get(
                snaps
                    .partition_point(|s| (s.step as f64) < step)
                    .min(snaps.len().checked_sub(1)?),
            )?;
            let th = run
                .prediction()
                .ok()
                .and_then(|p| crate::run::measures::predicted_output(p, run.svd(), m, i, &[s.time]))
                .and_then(|v| v.first().copied())
                .map(|v| format!(", theory {}", fmt_num(v)))
                .unwrap_or_default();
            Some(format!(
                "{} · {} at step {}: output {}{th} (target {})",
                data.items[i],
                data.features[m],
                s.step,
                fmt_num(s.output[(m, i)]),
                fmt_num(data.y[(m, i)])
            ))
        }
        "typicality" | "projection" => {
            let Frame::Grids { grids } = frame else {
                return None;
            };
            let g = grids.iter().find(|g| g.cell_at(x, y).is_some())?;
            let (_, c) = g.cell_at(x, y)?;
            if panel == "typicality" {
                let alpha = view.category_mode(run);
                let item = data.items.get(c)?;
                if g.name != "time" {
                    let v = run.svd().v[(c, alpha)];
                    return Some(format!(
                        "{item}: typicality v = {} for mode {}",
                        fmt_num(v),
                        alpha + 1
                    ));
                }
                let t = run.typicality(alpha);
                if !t.members[c] {
                    return Some(format!(
                        "{item}: no crossing time, |v| = {} is below a quarter of the largest (outside this category)",
                        fmt_num(t.v[c].abs())
                    ));
                }
                let at =
                    |x: Option<f64>| x.map_or("not yet".to_string(), |x| format!("step {x:.0}"));
                return Some(format!(
                    "{item}: category output reaches {} at {} simulated, {} in theory (|v| = {})",
                    fmt_num(t.threshold),
                    at(t.sim[c]),
                    at(t.theory[c]),
                    fmt_num(t.v[c].abs())
                ));
            }
            Some(match view.projection.kind {
                ProjectionKind::Feature => format!(
                    "{} (hover the bars: simulated filled, theory outlined)",
                    data.items.get(c)?
                ),
                ProjectionKind::Item => {
                    "features ordered by how strongly the novel item is expected to have them"
                        .to_string()
                }
            })
        }
        _ => None,
    }
}

// ----- data tables: the numbers each panel draws -----

/// Empty table with a note saying why (a shallow network, no snapshot yet).
fn empty(names: &[&str], why: &str) -> Table {
    let mut t = Table::of(names);
    t.note = Some(why.to_string());
    t
}

/// The map's positions: one row per item and snapshot up to the view's step, simulated and
/// predicted, in the map's fixed two-dimensional frame.
pub fn mds_table(run: &Run, view: &View) -> Table {
    const COLS: [&str; 6] = [
        "step",
        "item",
        "map x, simulated",
        "map y, simulated",
        "map x, theory",
        "map y, theory",
    ];
    if run.network().depth() < 2 {
        return empty(&COLS, "a shallow network has no hidden layer to map");
    }
    let Some(points) = map_points(run, view) else {
        return empty(&COLS, "no snapshot yet");
    };
    let items = &run.data().items;
    let mut t = Table::of(&COLS);
    let aligned = points.theory.len() == points.sim.len();
    for (k, (step, pts)) in points.sim.iter().enumerate() {
        for (i, p) in pts.iter().enumerate() {
            let q = aligned.then(|| points.theory[k][i]);
            t.rows.push(vec![
                serde_json::json!(step),
                serde_json::json!(items[i]),
                Table::num(p[0]),
                Table::num(p[1]),
                Table::opt(q.map(|q| q[0])),
                Table::opt(q.map(|q| q[1])),
            ]);
        }
    }
    t.note = Some(
        "the first hidden layer's item representations, by classical MDS in one frame fixed \
         for the whole run"
            .into(),
    );
    t
}

/// The similarity matrices at the view's step, one row per pair of items.
pub fn rsm_table(session: &Session, view: &View) -> Table {
    let run = session.run();
    let sims = match similarities(session, view) {
        Ok(s) => s,
        Err(why) => return empty(&["item", "item", "network 1, simulated"], why),
    };
    let mut names = vec![
        "item".to_string(),
        "item".into(),
        "network 1, simulated".into(),
    ];
    let mut mats = vec![&sims.sim];
    for (name, m) in sims.theory.iter().chain(&sims.twin) {
        names.push(name.clone());
        mats.push(m);
    }
    let items = &run.data().items;
    let mut t = Table::new(names);
    for (a, ia) in items.iter().enumerate() {
        for (b, ib) in items.iter().enumerate() {
            let mut row = vec![serde_json::json!(ia), serde_json::json!(ib)];
            row.extend(mats.iter().map(|m| Table::num(m[(a, b)])));
            t.rows.push(row);
        }
    }
    t.note = Some(format!(
        "inner products of the first hidden layer's item representations at step {}",
        sims.step
    ));
    t
}

/// The chosen output entry over the run: simulated at each snapshot, predicted on an even grid
/// of steps, in one list ordered by step.
pub fn illusion_table(run: &Run, view: &View) -> Table {
    let s = illusion_series(run, view);
    let mut t = Table::of(&["step", "network output", "predicted output"]);
    let mut rows: Vec<(f64, Option<f64>, Option<f64>)> = s
        .sim
        .iter()
        .map(|&(x, v)| (x, Some(v), None))
        .chain(s.theory.iter().map(|&(x, v)| (x, None, Some(v))))
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    t.rows = rows
        .into_iter()
        .map(|(x, v, p)| vec![Table::num(x), Table::opt(v), Table::opt(p)])
        .collect();
    let data = run.data();
    t.note = Some(format!(
        "{} · {} (target {}); the simulation at each snapshot, the theory on an even grid of steps",
        data.items[s.i],
        data.features[s.m],
        fmt_num(s.target)
    ));
    t
}

/// Each item's typicality (its entry of the mode's object analyzer) and the steps at which its
/// category output crosses the threshold, simulated and predicted.
pub fn typicality_table(run: &Run, view: &View) -> Table {
    let alpha = view.category_mode(run);
    let typ = run.typicality(alpha);
    let data = run.data();
    let mut t = Table::of(&[
        "item",
        "typicality vᵢ",
        "in the category",
        "crossing step, simulated",
        "crossing step, theory",
    ]);
    for (i, item) in data.items.iter().enumerate() {
        t.rows.push(vec![
            serde_json::json!(item),
            Table::num(typ.v[i]),
            serde_json::json!(typ.members[i]),
            Table::opt(typ.sim[i]),
            Table::opt(typ.theory[i]),
        ]);
    }
    t.note = Some(format!(
        "mode {} ({}); {}",
        alpha + 1,
        run.svd().describe_mode(alpha, &data.features),
        typicality_note(&typ, &data.items)
    ));
    t
}

/// How much each item (or feature) gets the novel fact, simulated and predicted.
pub fn projection_table(run: &Run, view: &View) -> Table {
    let p = match projection(run, view) {
        Ok(p) => p,
        Err(why) => return empty(&["item or feature", "simulated", "theory"], why),
    };
    let kind = match view.projection.kind {
        ProjectionKind::Feature => "item",
        ProjectionKind::Item => "feature",
    };
    let mut t = Table::of(&[kind, "simulated", "theory"]);
    for (k, label) in p.labels.iter().enumerate() {
        t.rows.push(vec![
            serde_json::json!(label),
            Table::num(p.sim[k]),
            Table::opt(p.theory.as_ref().map(|th| th[k])),
        ]);
    }
    t.note = Some(p.title);
    t
}
