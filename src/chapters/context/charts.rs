//! Charts of the context-and-architecture chapter: per-pathway mode strengths of the gated
//! routing network beside its reduction, the gate matrix, and the recurrent network's kernel and
//! scalars. Every chart draws on any plotters backend and returns its [`Frame`].

use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::chapters::context::gated::RoutingTask;
use crate::chapters::context::relu::ReluComparison;
use crate::chapters::context::{RoutingRun, SequenceRun};
use crate::charts::{draw_wrapped, fmt_num, ChartResult, Frame, Grid, Table, Theme};

/// Hollow markers of the reduction drawn on each curve.
const MARKERS: usize = 14;

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A padded `(lo, hi)` around finite values, always including 0 and never empty.
fn y_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if hi - lo < 1e-12 {
        hi = lo + 1.0;
    }
    let pad = 0.06 * (hi - lo);
    (if lo < 0.0 { lo - pad } else { 0.0 }, hi + pad)
}

/// Splits off a legend column on the right and builds the x-y chart with the house mesh.
fn xy_chart<'a, DB: DrawingBackend>(
    plot: &'a DrawingArea<DB, Shift>,
    x: (f64, f64),
    y: (f64, f64),
    (x_desc, y_desc): (&str, &str),
    integer_x: bool,
    th: &Theme,
) -> Result<Chart<'a, DB>, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(plot)
        .margin(th.px(10.0))
        .margin_top(th.px(30.0))
        .x_label_area_size(th.px(34.0))
        .y_label_area_size(th.px(50.0))
        .build_cartesian_2d(x.0..x.1, y.0..y.1)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style(th.text(11.0))
        .axis_desc_style(th.text(12.0))
        .light_line_style(th.grid.mix(0.0))
        .bold_line_style(th.grid)
        .axis_style(th.ink.mix(0.6))
        .x_labels(if integer_x {
            (x.1 - x.0).ceil().max(1.0) as usize + 1
        } else {
            6
        })
        .y_labels(6)
        .x_label_formatter(&|v| {
            if integer_x && (v - v.round()).abs() > 1e-9 {
                String::new()
            } else {
                fmt_num(*v)
            }
        })
        .y_label_formatter(&|v| fmt_num(*v))
        .draw()?;
    Ok(chart)
}

fn legend_split<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    th: &Theme,
    css: f64,
) -> (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>) {
    let (w, _) = root.dim_in_pixel();
    let legend_w = th.px(css).min(w as i32 / 3).max(1) as u32;
    root.split_horizontally(w.saturating_sub(legend_w))
}

/// One legend row: a sample of the line style (solid, dashed or a hollow marker) and a label.
#[derive(Clone, Copy)]
enum Sample {
    Solid,
    Dashed,
    Marker,
    Swatch,
}

fn legend_row<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    y: i32,
    sample: Sample,
    color: RGBColor,
    label: String,
    th: &Theme,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (x0, x1) = (th.px(4.0), th.px(22.0));
    match sample {
        Sample::Solid => area.draw(&PathElement::new(
            vec![(x0, y), (x1, y)],
            color.stroke_width(th.stroke(2.0)),
        ))?,
        Sample::Dashed => {
            for k in 0..2 {
                let x = x0 + th.px(10.0) * k;
                area.draw(&PathElement::new(
                    vec![(x, y), (x + th.px(6.0), y)],
                    color.stroke_width(th.stroke(1.5)),
                ))?;
            }
        }
        Sample::Marker => area.draw(&Circle::new(
            ((x0 + x1) / 2, y),
            th.px(3.0),
            color.stroke_width(th.stroke(1.2)),
        ))?,
        Sample::Swatch => area.draw(&Rectangle::new(
            [(x0, y - th.px(3.0)), (x1, y + th.px(3.0))],
            color.filled(),
        ))?,
    }
    area.draw(&Text::new(
        label,
        (x1 + th.px(5.0), y),
        th.text(10.5).pos(Pos::new(HPos::Left, VPos::Center)),
    ))
}

fn note<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    th: &Theme,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (w, _) = root.dim_in_pixel();
    draw_wrapped(
        root,
        text,
        (th.px(10.0), th.px(6.0)),
        w as i32 - th.px(20.0),
        &th.text(11.0).color(&th.ink.mix(0.75)),
    )?;
    Ok(())
}

/// A darker shade of a curve's colour, for the reduction drawn over the simulation.
pub fn shade(c: RGBColor) -> RGBColor {
    shade_with(c, crate::charts::INK)
}

/// `c` moved 45 % of the way to `ink` (the theme's ink: darker on light, lighter on dark).
pub fn shade_with(c: RGBColor, ink: RGBColor) -> RGBColor {
    let mix = |a: u8, b: u8| ((a as f64) * 0.55 + (b as f64) * 0.45).round() as u8;
    RGBColor(mix(c.0, ink.0), mix(c.1, ink.1), mix(c.2, ink.2))
}

/// Every `stride`-th index of `0..n`, always with the last.
fn sparse(n: usize, k: usize) -> Vec<usize> {
    if n == 0 {
        return vec![];
    }
    let stride = n.div_ceil(k.max(1)).max(1);
    let mut out: Vec<usize> = (0..n).step_by(stride).collect();
    if out.last() != Some(&(n - 1)) {
        out.push(n - 1);
    }
    out
}

/// Mode strengths `u_αᵀ W_out,j W_h W_in,i v_α` of the pathways from input domain `input` to
/// every output domain: trained routes solid, untrained routes dashed, the reduction as hollow
/// markers, one colour per mode.
pub fn draw_pathways<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &RoutingRun,
    input: usize,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let task = run.task();
    let m = task.domains();
    let input = input.min(m.saturating_sub(1));
    let recs = run.records();
    let n_modes = task.n_modes().min(10);
    let x_max = (run.config().train.steps as f64 * run.config().train.lr).max(1e-9);
    let ys = recs.iter().flat_map(|r| {
        (0..m).flat_map(move |j| {
            let q = input * m + j;
            r.modes[q][..n_modes]
                .iter()
                .copied()
                .chain(r.theory.iter().flat_map(move |t| t[q][..n_modes].to_vec()))
        })
    });
    let (y0, y1) = y_range(ys.chain(task.svd.s.iter().copied().take(n_modes)));
    let (plot, legend) = legend_split(root, th, 128.0);
    let mut chart = xy_chart(
        &plot,
        (0.0, x_max),
        (y0, y1),
        ("time  t/τ", "mode strength  uᵀ W_out,j W_h W_in,i v"),
        false,
        th,
    )?;
    for a in (0..n_modes).rev() {
        let color = th.mode(a);
        for j in 0..m {
            let q = input * m + j;
            let pts: Vec<(f64, f64)> = recs
                .iter()
                .filter(|r| r.modes[q][a].is_finite())
                .map(|r| (r.time, r.modes[q][a]))
                .collect();
            if task.trained(input, j) {
                chart.draw_series(LineSeries::new(pts, color.stroke_width(th.stroke(2.0))))?;
            } else {
                chart.draw_series(DashedLineSeries::new(
                    pts,
                    th.px(5.0),
                    th.px(4.0),
                    color.stroke_width(th.stroke(1.5)),
                ))?;
            }
        }
        if recs.iter().all(|r| r.theory.is_some()) {
            // The reduction gives every pathway of this input; markers on distinct values only.
            let mut seen: Vec<Vec<f64>> = Vec::new();
            for j in 0..m {
                let q = input * m + j;
                let curve: Vec<f64> = recs
                    .iter()
                    .map(|r| r.theory.as_ref().map_or(f64::NAN, |t| t[q][a]))
                    .collect();
                if seen.iter().any(|c| c == &curve) {
                    continue;
                }
                chart.draw_series(
                    sparse(recs.len(), MARKERS)
                        .into_iter()
                        .filter(|&k| curve[k].is_finite())
                        .map(|k| {
                            Circle::new(
                                (recs[k].time, curve[k]),
                                th.px(3.5),
                                color.stroke_width(th.stroke(1.2)),
                            )
                        }),
                )?;
                seen.push(curve);
            }
        }
    }
    // Legend: modes, then the three line styles.
    let row = th.px(17.0);
    let mut y = th.px(34.0);
    legend.draw(&Text::new(
        "mode  s".to_string(),
        (th.px(4.0), y - row),
        th.text(10.5).color(&th.ink.mix(0.7)),
    ))?;
    for a in 0..n_modes {
        legend_row(
            &legend,
            y,
            Sample::Swatch,
            th.mode(a),
            format!("{}  {}", a + 1, fmt_num(task.svd.s[a])),
            th,
        )?;
        y += row;
    }
    y += row / 2;
    legend_row(
        &legend,
        y,
        Sample::Solid,
        th.ink,
        "trained route".into(),
        th,
    )?;
    y += row;
    legend_row(
        &legend,
        y,
        Sample::Dashed,
        th.ink,
        "untrained route".into(),
        th,
    )?;
    y += row;
    if run.reduction().is_some() {
        legend_row(&legend, y, Sample::Marker, th.ink, "reduction".into(), th)?;
        legend.draw(&Text::new(
            "(exact map)".to_string(),
            (th.px(31.0), y + row / 2 + th.px(2.0)),
            th.text(10.0).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    let trained = (0..m).filter(|&j| task.trained(input, j)).count();
    let what = if run.reduction().is_some() {
        "markers: reduced dynamics, exact for gradient descent from this decoupled start"
    } else {
        "no reduction: a random start is not decoupled (simulation only)"
    };
    note(
        &plot,
        &format!(
            "input domain {input} → each of {m} outputs ({trained} trained, {} untrained) · {what}",
            m - trained
        ),
        th,
    )?;
    Ok(Frame::xy(
        chart.plotting_area(),
        (0.0, x_max),
        (y0, y1),
        false,
    ))
}

/// The gate matrix: row i is input domain i, column j output domain j; trained pairs filled,
/// untrained pairs empty (outlined), the shown input's row framed.
pub fn draw_gates<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    task: &RoutingTask,
    input: Option<usize>,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let m = task.domains().max(1);
    let (w, h) = root.dim_in_pixel();
    let (left, top) = (th.px(58.0), th.px(46.0));
    let bottom_room = th.px(34.0);
    let side = (w as i32 - left - th.px(12.0))
        .min(h as i32 - top - bottom_room)
        .max(m as i32);
    let cell = side / m as i32;
    let grid = Grid {
        name: "gates".into(),
        left,
        top,
        right: left + cell * m as i32,
        bottom: top + cell * m as i32,
        rows: m,
        cols: m,
        row_stride: 1,
    };
    for i in 0..m {
        for j in 0..m {
            let ((x0, y0), (x1, y1)) = grid.cell_rect(i, j);
            let inset = th.px(1.5).min((x1 - x0) / 4);
            let rect = [(x0 + inset, y0 + inset), (x1 - inset, y1 - inset)];
            if task.trained(i, j) {
                root.draw(&Rectangle::new(rect, th.palette[0].filled()))?;
            } else {
                root.draw(&Rectangle::new(rect, th.ink.mix(0.35).stroke_width(1)))?;
            }
        }
    }
    let font = (cell as f64 / th.scale * 0.6).clamp(7.0, 11.0);
    let every = ((font * th.scale * 1.2) / cell as f64).ceil().max(1.0) as usize;
    for k in (0..m).step_by(every) {
        let ((x0, y0), (x1, y1)) = grid.cell_rect(k, k);
        root.draw(&Text::new(
            format!("{k}"),
            (grid.left - th.px(4.0), (y0 + y1) / 2),
            th.text(font).pos(Pos::new(HPos::Right, VPos::Center)),
        ))?;
        root.draw(&Text::new(
            format!("{k}"),
            ((x0 + x1) / 2, grid.top - th.px(3.0)),
            th.text(font).pos(Pos::new(HPos::Center, VPos::Bottom)),
        ))?;
    }
    root.draw(&Text::new(
        "output domain j →".to_string(),
        (grid.left, th.px(8.0)),
        th.text(11.0).pos(Pos::new(HPos::Left, VPos::Top)),
    ))?;
    root.draw(&Text::new(
        "input i".to_string(),
        (th.px(4.0), grid.top),
        th.text(11.0).pos(Pos::new(HPos::Left, VPos::Top)),
    ))?;
    if let Some(i) = input.filter(|&i| i < m) {
        let ((_, y0), (_, y1)) = grid.cell_rect(i, 0);
        root.draw(&Rectangle::new(
            [
                (grid.left - th.px(2.0), y0 - th.px(1.0)),
                (grid.right + th.px(2.0), y1 + th.px(1.0)),
            ],
            th.ink.stroke_width(th.stroke(2.0)),
        ))?;
    }
    let k = task
        .regular()
        .map(|k| format!("{k} of {m} outputs per input · "))
        .unwrap_or_default();
    root.draw(&Text::new(
        format!("{k}filled: trained · empty: never trained"),
        (grid.left, grid.bottom + th.px(8.0)),
        th.text(10.5)
            .color(&th.ink.mix(0.75))
            .pos(Pos::new(HPos::Left, VPos::Top)),
    ))?;
    Ok(Frame::Grids { grids: vec![grid] })
}

fn time_max(run: &SequenceRun) -> f64 {
    (run.config().train.steps as f64 * run.config().train.lr).max(1e-9)
}

/// The learned kernel `c m^lag b` of one mode against time, one colour per lag: simulation
/// solid, reduction dashed, each lag's target a dotted level.
pub fn draw_kernel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &SequenceRun,
    mode: usize,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let mode = mode.min(run.task().n_modes().saturating_sub(1));
    let target = &run.target_kernel()[mode];
    let t_len = target.len();
    let recs = run.records();
    let theory: Vec<Option<Vec<Vec<f64>>>> = recs.iter().map(|r| r.theory_kernel()).collect();
    let x_max = time_max(run);
    let ys = recs
        .iter()
        .flat_map(|r| r.kernel[mode].iter().copied())
        .chain(theory.iter().flatten().flat_map(|k| k[mode].clone()))
        .chain(target.iter().copied());
    let (y0, y1) = y_range(ys);
    let (plot, legend) = legend_split(root, th, 118.0);
    let mut chart = xy_chart(
        &plot,
        (0.0, x_max),
        (y0, y1),
        ("time  t/τ", "kernel  c·m^lag·b"),
        false,
        th,
    )?;
    for lag in (0..t_len).rev() {
        let color = th.mode(lag);
        chart.draw_series(DashedLineSeries::new(
            [(0.0, target[lag]), (x_max, target[lag])],
            th.px(1.5),
            th.px(4.0),
            color.mix(0.6).stroke_width(th.stroke(1.0)),
        ))?;
        let th_pts: Vec<(f64, f64)> = recs
            .iter()
            .zip(&theory)
            .filter_map(|(r, k)| k.as_ref().map(|k| (r.time, k[mode][lag])))
            .filter(|p| p.1.is_finite())
            .collect();
        let pts: Vec<(f64, f64)> = recs
            .iter()
            .map(|r| (r.time, r.kernel[mode][lag]))
            .filter(|p| p.1.is_finite())
            .collect();
        chart.draw_series(LineSeries::new(pts, color.stroke_width(th.stroke(2.5))))?;
        // On top, darker: where the two agree the dashes run along the solid line.
        if th_pts.len() > 1 {
            chart.draw_series(DashedLineSeries::new(
                th_pts,
                th.px(6.0),
                th.px(4.0),
                shade_with(color, th.ink).stroke_width(th.stroke(1.2)),
            ))?;
        }
    }
    let row = th.px(17.0);
    let mut y = th.px(34.0);
    legend.draw(&Text::new(
        "lag  target".to_string(),
        (th.px(4.0), y - row),
        th.text(10.5).color(&th.ink.mix(0.7)),
    ))?;
    for (lag, s) in target.iter().enumerate().take(12) {
        legend_row(
            &legend,
            y,
            Sample::Swatch,
            th.mode(lag),
            format!("{lag}  {}", fmt_num(*s)),
            th,
        )?;
        y += row;
    }
    y += row / 2;
    legend_row(&legend, y, Sample::Solid, th.ink, "simulation".into(), th)?;
    if run.reduction().is_some() {
        y += row;
        legend_row(&legend, y, Sample::Dashed, th.ink, "reduction".into(), th)?;
    }
    let what = if run.reduction().is_some() {
        "dashed: reduced map, exact for this aligned start"
    } else {
        "no reduction: a random start is not aligned"
    };
    note(
        &plot,
        &format!(
            "mode {} · lag 0 = the input just before the read-out · {what}",
            mode + 1
        ),
        th,
    )?;
    Ok(Frame::xy(
        chart.plotting_area(),
        (0.0, x_max),
        (y0, y1),
        false,
    ))
}

/// The kernel of one mode against lag at a few moments of training (faint early, dark late),
/// with the target as squares and the reduction's final kernel dashed.
pub fn draw_kernel_lags<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &SequenceRun,
    mode: usize,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let mode = mode.min(run.task().n_modes().saturating_sub(1));
    let target = &run.target_kernel()[mode];
    let t_len = target.len();
    let recs = run.records();
    let picks = sparse(recs.len(), 6);
    let x = (-0.3, (t_len as f64 - 1.0).max(0.0) + 0.3);
    let ys = picks
        .iter()
        .flat_map(|&k| recs[k].kernel[mode].clone())
        .chain(target.iter().copied());
    let (y0, y1) = y_range(ys);
    let mut chart = xy_chart(
        root,
        x,
        (y0, y1),
        ("lag  T − t", "kernel  c·m^lag·b"),
        true,
        th,
    )?;
    let hue = th.palette[0];
    for (n, &k) in picks.iter().enumerate() {
        let alpha = 0.25 + 0.75 * (n + 1) as f64 / picks.len() as f64;
        let pts: Vec<(f64, f64)> = recs[k].kernel[mode]
            .iter()
            .enumerate()
            .map(|(lag, &v)| (lag as f64, v))
            .filter(|p| p.1.is_finite())
            .collect();
        chart.draw_series(LineSeries::new(
            pts.clone(),
            hue.mix(alpha).stroke_width(th.stroke(2.0)),
        ))?;
        chart.draw_series(
            pts.iter()
                .map(|&p| Circle::new(p, th.px(2.5), hue.mix(alpha).filled())),
        )?;
    }
    if let Some(k) = recs.last().and_then(|r| r.theory_kernel()) {
        chart.draw_series(DashedLineSeries::new(
            k[mode].iter().enumerate().map(|(lag, &v)| (lag as f64, v)),
            th.px(6.0),
            th.px(4.0),
            th.palette[1].stroke_width(th.stroke(1.5)),
        ))?;
    }
    let sq = th.px(4.0);
    chart.draw_series(target.iter().enumerate().map(|(lag, &s)| {
        EmptyElement::at((lag as f64, s))
            + Rectangle::new([(-sq, -sq), (sq, sq)], th.ink.stroke_width(th.stroke(1.5)))
    }))?;
    let times: Vec<String> = picks.iter().map(|&k| fmt_num(recs[k].time)).collect();
    note(
        root,
        &format!(
            "mode {} · □ target · lines: simulated kernel at t/τ = {} (darker = later) · dashed: reduction now",
            mode + 1,
            times.join(", ")
        ),
        th,
    )?;
    Ok(Frame::xy(chart.plotting_area(), x, (y0, y1), false))
}

/// The scalars b (input), m (recurrent) and c (readout) of one mode against time: read from the
/// simulated weights in the aligned basis (solid) and from the reduction (dashed).
pub fn draw_scalars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &SequenceRun,
    mode: usize,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let mode = mode.min(run.task().n_modes().saturating_sub(1));
    let recs = run.records();
    let x_max = time_max(run);
    let pick = |s: &crate::chapters::context::recurrent::ModeScalars, n: usize| match n {
        0 => s.b[mode],
        1 => s.m[mode],
        _ => s.c[mode],
    };
    let ys = recs.iter().flat_map(|r| {
        (0..3).flat_map(move |n| {
            r.scalars
                .iter()
                .chain(r.theory.iter())
                .map(move |s| pick(s, n))
        })
    });
    let (y0, y1) = y_range(ys);
    let (plot, legend) = legend_split(root, th, 104.0);
    let mut chart = xy_chart(
        &plot,
        (0.0, x_max),
        (y0, y1),
        ("time  t/τ", "strength"),
        false,
        th,
    )?;
    let names = ["b  input", "m  recurrent", "c  readout"];
    for n in 0..3 {
        let color = th.mode(n);
        let th_pts: Vec<(f64, f64)> = recs
            .iter()
            .filter_map(|r| r.theory.as_ref().map(|s| (r.time, pick(s, n))))
            .filter(|p| p.1.is_finite())
            .collect();
        let pts: Vec<(f64, f64)> = recs
            .iter()
            .filter_map(|r| r.scalars.as_ref().map(|s| (r.time, pick(s, n))))
            .filter(|p| p.1.is_finite())
            .collect();
        // b is drawn wide underneath: from a balanced start b and c coincide.
        let width = if n == 0 { 6.0 } else { 2.0 };
        chart.draw_series(LineSeries::new(pts, color.stroke_width(th.stroke(width))))?;
        if th_pts.len() > 1 {
            chart.draw_series(DashedLineSeries::new(
                th_pts,
                th.px(6.0),
                th.px(4.0),
                shade_with(color, th.ink).stroke_width(th.stroke(1.2)),
            ))?;
        }
    }
    let row = th.px(17.0);
    let mut y = th.px(34.0);
    for (n, name) in names.iter().enumerate() {
        legend_row(&legend, y, Sample::Swatch, th.mode(n), name.to_string(), th)?;
        y += row;
    }
    y += row / 2;
    legend_row(&legend, y, Sample::Solid, th.ink, "simulation".into(), th)?;
    y += row;
    legend_row(&legend, y, Sample::Dashed, th.ink, "reduction".into(), th)?;
    let what = if run.reduction().is_some() {
        "b = c (wide blue under green) · simulation read in the aligned basis · dashed: reduced map, exact for this start"
    } else {
        "b, m and c exist only for an aligned start; this run started at random"
    };
    note(&plot, &format!("mode {} · {what}", mode + 1), th)?;
    Ok(Frame::xy(
        chart.plotting_area(),
        (0.0, x_max),
        (y0, y1),
        false,
    ))
}

/// The context task's mode strengths (mean over contexts of each block's `u_αᵀ Ŷ_c v_α`) for
/// the gated linear network (solid) and the ReLU network (dashed), one colour per mode.
pub fn draw_relu_modes<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cmp: &ReluComparison,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let recs = cmp.records();
    let n_modes = cmp.task.svd.s.len().min(10);
    let x_max = recs.last().map_or(1.0, |r| r.time).max(1e-9);
    let ys = recs.iter().flat_map(|r| {
        (0..n_modes).flat_map(move |a| {
            [
                context_mean(&r.relu_modes, a),
                context_mean(&r.gated_modes, a),
            ]
        })
    });
    let (y0, y1) = y_range(ys.chain(cmp.task.svd.s.iter().copied().take(n_modes)));
    let (plot, legend) = legend_split(root, th, 128.0);
    let mut chart = xy_chart(
        &plot,
        (0.0, x_max),
        (y0, y1),
        ("time  t/τ", "mode strength (mean over contexts)"),
        false,
        th,
    )?;
    for a in (0..n_modes).rev() {
        let color = th.mode(a);
        let gated: Vec<(f64, f64)> = recs
            .iter()
            .map(|r| (r.time, context_mean(&r.gated_modes, a)))
            .filter(|p| p.1.is_finite())
            .collect();
        chart.draw_series(LineSeries::new(gated, color.stroke_width(th.stroke(2.0))))?;
        let relu: Vec<(f64, f64)> = recs
            .iter()
            .map(|r| (r.time, context_mean(&r.relu_modes, a)))
            .filter(|p| p.1.is_finite())
            .collect();
        chart.draw_series(DashedLineSeries::new(
            relu,
            th.px(5.0),
            th.px(4.0),
            shade_with(color, th.ink).stroke_width(th.stroke(1.5)),
        ))?;
    }
    let row = th.px(17.0);
    let mut y = th.px(34.0);
    for a in 0..n_modes {
        legend_row(
            &legend,
            y,
            Sample::Swatch,
            th.mode(a),
            format!("{}  {}", a + 1, fmt_num(cmp.task.svd.s[a])),
            th,
        )?;
        y += row;
    }
    y += row / 2;
    legend_row(&legend, y, Sample::Solid, th.ink, "gated linear".into(), th)?;
    y += row;
    legend_row(&legend, y, Sample::Dashed, th.ink, "ReLU".into(), th)?;
    note(
        &plot,
        &format!(
            "{} contexts, small random starts, same rate · both curves are simulations: the ReLU network has no theory",
            cmp.task.contexts
        ),
        th,
    )?;
    Ok(Frame::xy(
        chart.plotting_area(),
        (0.0, x_max),
        (y0, y1),
        false,
    ))
}

/// What the ReLU gate map shows: each unit's share of items on per context (`act`, units ×
/// contexts), each unit's importance, and the `rows` most important units, most important first.
pub struct GateMap {
    pub act: ndarray::Array2<f64>,
    pub imp: Vec<f64>,
    pub order: Vec<usize>,
}

pub fn gate_map(cmp: &ReluComparison, rows: usize) -> GateMap {
    let act = cmp.relu.activity(&cmp.task);
    let imp = cmp.relu.importance(&cmp.task);
    let mut order: Vec<usize> = (0..imp.len()).collect();
    order.sort_by(|&a, &b| imp[b].total_cmp(&imp[a]));
    order.truncate(rows.max(1));
    GateMap { act, imp, order }
}

/// A mode's strength averaged over the contexts (`modes[context][mode]`).
pub fn context_mean(modes: &[Vec<f64>], a: usize) -> f64 {
    modes.iter().map(|c| c[a]).sum::<f64>() / modes.len().max(1) as f64
}

/// The ReLU network read as a gated network: for its most important hidden units (rows) and
/// every context (columns), the fraction of items for which the unit is on. A row that is dark
/// in some contexts and empty in others is a gate the context input switches.
pub fn draw_relu_gates<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    cmp: &ReluComparison,
    rows: usize,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let GateMap { act, order, .. } = gate_map(cmp, rows);
    let c = cmp.task.contexts.max(1);
    let (w, h) = root.dim_in_pixel();
    let (left, top) = (th.px(64.0), th.px(44.0));
    let cell_w = ((w as i32 - left - th.px(16.0)) / c as i32).clamp(th.px(8.0), th.px(60.0));
    let cell_h = ((h as i32 - top - th.px(40.0)) / order.len().max(1) as i32).max(th.px(3.0));
    let grid = Grid {
        name: "relu_gates".into(),
        left,
        top,
        right: left + cell_w * c as i32,
        bottom: top + cell_h * order.len() as i32,
        rows: order.len(),
        cols: c,
        row_stride: 1,
    };
    for (r, &k) in order.iter().enumerate() {
        for ctx in 0..c {
            let v = act[(k, ctx)];
            let ((x0, y0), (x1, y1)) = grid.cell_rect(r, ctx);
            let shade_v = (255.0 - 215.0 * v.clamp(0.0, 1.0)).round() as u8;
            root.draw(&Rectangle::new(
                [(x0, y0), (x1, y1)],
                RGBColor(shade_v, shade_v, shade_v.saturating_add(10)).filled(),
            ))?;
        }
        let ((_, y0), (_, y1)) = grid.cell_rect(r, 0);
        root.draw(&Text::new(
            format!("unit {k}"),
            (grid.left - th.px(4.0), (y0 + y1) / 2),
            th.text(9.5).pos(Pos::new(HPos::Right, VPos::Center)),
        ))?;
    }
    for ctx in 0..c {
        let ((x0, _), (x1, _)) = grid.cell_rect(0, ctx);
        root.draw(&Text::new(
            format!("context {ctx}"),
            ((x0 + x1) / 2, grid.top - th.px(3.0)),
            th.text(10.0).pos(Pos::new(HPos::Center, VPos::Bottom)),
        ))?;
    }
    root.draw(&Rectangle::new(
        [(grid.left, grid.top), (grid.right, grid.bottom)],
        th.ink.mix(0.35).stroke_width(1),
    ))?;
    root.draw(&Text::new(
        "ReLU units as gates: share of items with the unit on (dark = always, white = never)"
            .to_string(),
        (th.px(8.0), th.px(8.0)),
        th.text(11.0).pos(Pos::new(HPos::Left, VPos::Top)),
    ))?;
    root.draw(&Text::new(
        format!("the {} units with the largest output, most important first · simulation only, no theory", order.len()),
        (grid.left, grid.bottom + th.px(8.0)),
        th.text(10.0)
            .color(&th.ink.mix(0.75))
            .pos(Pos::new(HPos::Left, VPos::Top)),
    ))?;
    Ok(Frame::Grids { grids: vec![grid] })
}

/// The data-table view of a pathway chart: one row per record and pathway from `input`, the
/// strength of each mode simulated and from the reduction.
pub fn pathways_table(run: &RoutingRun, input: usize) -> Table {
    let task = run.task();
    let m = task.domains();
    let input = input.min(m.saturating_sub(1));
    let n_modes = task.n_modes().min(10);
    let mut columns = vec!["t/τ".to_string(), "pathway".into(), "trained".into()];
    for a in 0..n_modes {
        columns.push(format!("mode {}", a + 1));
        columns.push(format!("mode {}, reduction", a + 1));
    }
    let mut t = Table::new(columns);
    for r in run.records() {
        for j in 0..m {
            let q = input * m + j;
            let mut row = vec![
                Table::num(r.time),
                serde_json::json!(format!("input {input} → output {j}")),
                serde_json::json!(if task.trained(input, j) { "yes" } else { "no" }),
            ];
            for a in 0..n_modes {
                row.push(Table::opt(r.modes.get(q).and_then(|v| v.get(a)).copied()));
                row.push(Table::opt(
                    r.theory
                        .as_ref()
                        .and_then(|t| t.get(q))
                        .and_then(|v| v.get(a))
                        .copied(),
                ));
            }
            t.rows.push(row);
        }
    }
    t.note = Some(format!(
        "pathways from input domain {input} to every output domain"
    ));
    t
}

/// The gate matrix: one row per input and output domain, whether that pathway is trained.
pub fn gates_table(task: &RoutingTask, input: usize) -> Table {
    let m = task.domains();
    let mut t = Table::of(&["input domain", "output domain", "trained"]);
    for i in 0..m {
        for j in 0..m {
            t.rows.push(vec![
                serde_json::json!(i),
                serde_json::json!(j),
                serde_json::json!(task.trained(i, j)),
            ]);
        }
    }
    t.note = Some(format!(
        "the pathway charts show input domain {}",
        input.min(m.saturating_sub(1))
    ));
    t
}

/// The learned kernel of one mode at every record: each lag simulated and from the reduction;
/// the note gives the targets.
pub fn kernel_table(run: &SequenceRun, mode: usize) -> Table {
    let mode = mode.min(run.task().n_modes().saturating_sub(1));
    let target = &run.target_kernel()[mode];
    let mut names = vec!["step".to_string(), "t/τ".to_string()];
    for lag in 0..target.len() {
        names.push(format!("lag {lag}, simulated"));
        names.push(format!("lag {lag}, reduction"));
    }
    let mut t = Table::new(names);
    for r in run.records() {
        let theory = r.theory_kernel();
        let mut row = vec![serde_json::json!(r.step), Table::num(r.time)];
        for lag in 0..target.len() {
            row.push(Table::opt(r.kernel[mode].get(lag).copied()));
            row.push(Table::opt(
                theory.as_ref().and_then(|k| k[mode].get(lag).copied()),
            ));
        }
        t.rows.push(row);
    }
    let targets: Vec<String> = target.iter().map(|&v| fmt_num(v)).collect();
    t.note = Some(format!(
        "mode {}: the kernel c·m^lag·b; its targets by lag are {}",
        mode + 1,
        targets.join(", ")
    ));
    t
}

/// The kernel against lag at the times the chart draws (six records through the run), with
/// the target and the reduction's kernel now.
pub fn lags_table(run: &SequenceRun, mode: usize) -> Table {
    let mode = mode.min(run.task().n_modes().saturating_sub(1));
    let target = &run.target_kernel()[mode];
    let recs = run.records();
    let now = recs.last().and_then(|r| r.theory_kernel());
    let mut t = Table::of(&["t/τ", "lag", "kernel, simulated", "target", "reduction now"]);
    for k in sparse(recs.len(), 6) {
        for (lag, &goal) in target.iter().enumerate() {
            t.rows.push(vec![
                Table::num(recs[k].time),
                serde_json::json!(lag),
                Table::opt(recs[k].kernel[mode].get(lag).copied()),
                Table::num(goal),
                Table::opt(now.as_ref().and_then(|n| n[mode].get(lag).copied())),
            ]);
        }
    }
    t.note = Some(format!("mode {}; lag = T − t", mode + 1));
    t
}

/// The scalars b, m and c of one mode at every record, simulated and from the reduction.
pub fn scalars_table(run: &SequenceRun, mode: usize) -> Table {
    let mode = mode.min(run.task().n_modes().saturating_sub(1));
    let mut t = Table::of(&[
        "step",
        "t/τ",
        "b input",
        "m recurrent",
        "c readout",
        "b, reduction",
        "m, reduction",
        "c, reduction",
    ]);
    let of = |s: Option<&crate::chapters::context::recurrent::ModeScalars>| {
        [
            Table::opt(s.map(|s| s.b[mode])),
            Table::opt(s.map(|s| s.m[mode])),
            Table::opt(s.map(|s| s.c[mode])),
        ]
    };
    for r in run.records() {
        let mut row = vec![serde_json::json!(r.step), Table::num(r.time)];
        row.extend(of(r.scalars.as_ref()));
        row.extend(of(r.theory.as_ref()));
        t.rows.push(row);
    }
    t.note = Some(if run.reduction().is_some() {
        format!("mode {}, in the aligned basis", mode + 1)
    } else {
        "b, m and c exist only for an aligned start; this run started at random".into()
    });
    t
}

/// The context task's mode strengths over time, the mean over contexts, for both networks.
pub fn relu_modes_table(cmp: &ReluComparison) -> Table {
    let n_modes = cmp.task.svd.s.len().min(10);
    let mut names = vec!["step".to_string(), "t/τ".to_string()];
    for a in 0..n_modes {
        names.push(format!("mode {}, gated linear", a + 1));
        names.push(format!("mode {}, ReLU", a + 1));
    }
    let mut t = Table::new(names);
    for r in cmp.records() {
        let mut row = vec![serde_json::json!(r.step), Table::num(r.time)];
        for a in 0..n_modes {
            row.push(Table::num(context_mean(&r.gated_modes, a)));
            row.push(Table::num(context_mean(&r.relu_modes, a)));
        }
        t.rows.push(row);
    }
    t.note = Some(format!(
        "{} contexts; both are simulations (the ReLU network has no theory)",
        cmp.task.contexts
    ));
    t
}

/// The ReLU units read as gates: for the `rows` most important units, the share of items for
/// which each is on in every context.
pub fn relu_gates_table(cmp: &ReluComparison, rows: usize) -> Table {
    let GateMap { act, imp, order } = gate_map(cmp, rows);
    let c = cmp.task.contexts.max(1);
    let mut names = vec!["unit".to_string(), "importance".to_string()];
    names.extend((0..c).map(|ctx| format!("share on, context {ctx}")));
    let mut t = Table::new(names);
    for &k in &order {
        let mut row = vec![serde_json::json!(format!("unit {k}")), Table::num(imp[k])];
        row.extend((0..c).map(|ctx| Table::num(act[(k, ctx)])));
        t.rows.push(row);
    }
    t.note = Some("most important units first; simulation only, no theory".into());
    t
}

/// One mode's layer strengths over time, as the layers chart draws them: (t/τ, shared `b_h`,
/// the mean over input domains of `b_in`, the mean over output domains of `b_out`), simulated
/// (read from the weights) and from the reduction. Empty for a random start.
type LayerSeries = Vec<(f64, [f64; 3], Option<[f64; 3]>)>;

fn layer_series(run: &RoutingRun, mode: usize) -> LayerSeries {
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let of = |l: &crate::chapters::context::gated::RouteModes| {
        [l.b_h[mode], mean(&l.b_in[mode]), mean(&l.b_out[mode])]
    };
    run.records()
        .iter()
        .filter_map(|r| {
            let sim = r.layers.as_ref()?;
            Some((r.time, of(sim), r.theory_layers.as_ref().map(of)))
        })
        .collect()
}

const LAYER_NAMES: [&str; 3] = ["shared  b_h", "inputs  b_in", "outputs  b_out"];

/// The race of the layers for the strongest mode: the shared layer's strength `b_h` against the
/// domain layers' (`b_in`, `b_out`, averaged over domains), simulated (solid) and from the
/// reduction (hollow markers); the note gives `b_h / b_in` now beside `√M`.
pub fn draw_layers<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &RoutingRun,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let series = layer_series(run, 0);
    if series.is_empty() {
        let (w, _) = root.dim_in_pixel();
        draw_wrapped(
            root,
            "The layers' strengths exist for a decoupled (aligned) start only; this run starts at random.",
            (th.px(12.0), th.px(14.0)),
            w as i32 - th.px(24.0),
            &th.text(12.0).color(&th.ink.mix(0.8)),
        )?;
        return Ok(Frame::Grids { grids: vec![] });
    }
    let x_max = (run.config().train.steps as f64 * run.config().train.lr).max(1e-9);
    let ys = series.iter().flat_map(|(_, s, t)| {
        s.iter()
            .chain(t.iter().flatten())
            .copied()
            .collect::<Vec<_>>()
    });
    let (y0, y1) = y_range(ys);
    let (plot, legend) = legend_split(root, th, 112.0);
    let mut chart = xy_chart(
        &plot,
        (0.0, x_max),
        (y0, y1),
        ("time  t/τ", "layer strength, mode 1"),
        false,
        th,
    )?;
    for n in 0..3 {
        let color = th.mode(n);
        chart.draw_series(LineSeries::new(
            series.iter().map(|(t, s, _)| (*t, s[n])),
            color.stroke_width(th.stroke(if n == 0 { 2.6 } else { 2.0 })),
        ))?;
        let every = (series.len() / 24).max(1);
        chart.draw_series(
            series
                .iter()
                .step_by(every)
                .filter_map(|(t, _, r)| r.map(|r| (*t, r[n])))
                .map(|p| Circle::new(p, th.px(3.0), color.stroke_width(th.stroke(1.2)))),
        )?;
    }
    let row = th.px(17.0);
    let mut y = th.px(34.0);
    for (n, name) in LAYER_NAMES.iter().enumerate() {
        legend_row(&legend, y, Sample::Swatch, th.mode(n), name.to_string(), th)?;
        y += row;
    }
    y += row / 2;
    legend_row(&legend, y, Sample::Solid, th.ink, "simulation".into(), th)?;
    y += row;
    legend_row(&legend, y, Sample::Marker, th.ink, "reduction".into(), th)?;
    let (_, now, _) = series.last().expect("not empty");
    let m = run.task().domains();
    note(
        &plot,
        &format!(
            "mode 1 · b_h / b_in = {}, √M = {}",
            fmt_num(now[0] / now[1]),
            fmt_num((m as f64).sqrt())
        ),
        th,
    )?;
    Ok(Frame::xy(
        chart.plotting_area(),
        (0.0, x_max),
        (y0, y1),
        false,
    ))
}

/// The readout of the layers chart at time `t`: the three strengths, simulated and reduced.
pub fn layers_readout(run: &RoutingRun, t: f64) -> Option<String> {
    let series = layer_series(run, 0);
    let k = series
        .iter()
        .enumerate()
        .min_by(|a, b| (a.1 .0 - t).abs().total_cmp(&(b.1 .0 - t).abs()))?
        .0;
    let (time, sim, red) = &series[k];
    let three = |v: &[f64; 3]| {
        format!(
            "b_h = {}, b_in = {}, b_out = {}",
            fmt_num(v[0]),
            fmt_num(v[1]),
            fmt_num(v[2])
        )
    };
    Some(format!(
        "t/τ = {} · simulation {}{} · b_h / b_in = {}",
        fmt_num(*time),
        three(sim),
        red.map(|r| format!(" · reduction {}", three(&r)))
            .unwrap_or_default(),
        fmt_num(sim[0] / sim[1])
    ))
}

/// The layers chart's numbers: every record's three strengths, simulated and reduced.
pub fn layers_table(run: &RoutingRun) -> Table {
    let mut t = Table::of(&[
        "t/τ",
        "b_h shared, simulated",
        "b_in mean, simulated",
        "b_out mean, simulated",
        "b_h shared, reduction",
        "b_in mean, reduction",
        "b_out mean, reduction",
    ]);
    for (time, sim, red) in layer_series(run, 0) {
        let mut row = vec![Table::num(time)];
        row.extend(sim.iter().map(|&v| Table::num(v)));
        row.extend((0..3).map(|n| Table::opt(red.map(|r| r[n]))));
        t.rows.push(row);
    }
    t.note = Some(if t.rows.is_empty() {
        "the layers' strengths exist for an aligned start only".into()
    } else {
        format!(
            "mode 1; the domain layers are averaged over the M = {} domains",
            run.task().domains()
        )
    });
    t
}
