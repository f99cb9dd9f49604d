//! The phase portrait of one mode of a one-hidden-layer network (SMG14 Fig 2, eq. 8): the
//! vector field `(b(s - ab), a(s - ab))` as arrows, hyperbolas of the conserved `a^2 - b^2`, the
//! solutions `ab = s`, the trajectories started by clicks, and (when the portrait follows a mode
//! of the run) the run's balanced mode `(sqrt u, sqrt u)` as a moving dot.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::chapters::depth::phase::{conserved, destination, extent, field, Ending, PhaseDemo};
use crate::charts::{fmt_num, ChartResult, Frame, Table, Theme};

/// Arrows per side of the grid.
const ARROWS: usize = 15;

/// Colour of the solution manifold `ab = s`: the palette's vermillion.
fn solutions_color(th: &Theme) -> RGBColor {
    th.palette[3]
}

/// Trajectory colours (the palette without its vermillion, which marks the solutions).
fn trajectory_color(k: usize, th: &Theme) -> RGBColor {
    const ORDER: [usize; 6] = [0, 1, 2, 4, 5, 6];
    th.palette[ORDER[k % ORDER.len()]]
}

/// The run's mode as the portrait shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct RunDot {
    /// 0-based mode index.
    pub mode: usize,
    /// The mode's strength `u = u_alpha^T W_tot v_alpha`.
    pub u: f64,
    pub step: u64,
    /// Number of weight matrices of the run (the portrait is exact for 2).
    pub depth: usize,
}

impl RunDot {
    /// The balanced point with `ab = u` and `a^2 = b^2`: `(sqrt u, sqrt u)`, or
    /// `(sqrt |u|, -sqrt |u|)` when `u < 0`.
    pub fn point(&self) -> (f64, f64) {
        let r = self.u.abs().sqrt();
        if self.u >= 0.0 {
            (r, r)
        } else {
            (r, -r)
        }
    }
}

/// Draws the portrait; the frame is an x-y frame in `(a, b)`.
pub fn draw_phase<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    demo: &PhaseDemo,
    dot: Option<&RunDot>,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let s = demo.s();
    let r = extent(s);
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    // A square plot on the left, the legend on the right.
    let side = h.min(w - th.px(150.0)).max(th.px(120.0));
    let (plot_area, legend) = root.split_horizontally(side.min(w));
    let mut chart = ChartBuilder::on(&plot_area)
        .margin(th.px(8.0))
        .margin_right(th.px(14.0))
        .x_label_area_size(th.px(34.0))
        .y_label_area_size(th.px(46.0))
        .build_cartesian_2d(-r..r, -r..r)?;
    chart
        .configure_mesh()
        .x_desc("a: input-side strength (W₁)")
        .y_desc("b: output-side strength (W₂)")
        .label_style(th.text(11.0))
        .axis_desc_style(th.text(12.0))
        .light_line_style(th.grid.mix(0.0))
        .bold_line_style(th.grid)
        .axis_style(th.ink.mix(0.6))
        .x_labels(5)
        .y_labels(5)
        .x_label_formatter(&|v| fmt_num(*v))
        .y_label_formatter(&|v| fmt_num(*v))
        .draw()?;
    let (xr, _) = chart.plotting_area().get_pixel_range();

    // Hyperbolas a^2 - b^2 = c (light), the lines a = +-b among them.
    let curve_style = th.ink.mix(0.18).stroke_width(th.stroke(1.0));
    let n = 120;
    for &k in &[0.5, 1.5, 3.0] {
        let c = k * s;
        for sign in [1.0, -1.0] {
            // a^2 - b^2 = c: a = sign sqrt(c + b^2); and a^2 - b^2 = -c: b = sign sqrt(c + a^2).
            let branch_a: Vec<(f64, f64)> = (0..=n)
                .map(|i| {
                    let b = -r + 2.0 * r * i as f64 / n as f64;
                    (sign * (c + b * b).sqrt(), b)
                })
                .filter(|p| p.0.abs() <= r)
                .collect();
            let branch_b: Vec<(f64, f64)> = branch_a.iter().map(|&(a, b)| (b, a)).collect();
            chart.draw_series(LineSeries::new(branch_a, curve_style))?;
            chart.draw_series(LineSeries::new(branch_b, curve_style))?;
        }
    }
    for sign in [1.0, -1.0] {
        chart.draw_series(DashedLineSeries::new(
            [(-r, -sign * r), (r, sign * r)],
            th.px(3.0),
            th.px(3.0),
            th.ink.mix(0.3).stroke_width(th.stroke(1.0)),
        ))?;
    }

    // The vector field: arrows of one length scale, shorter where the flow is slow.
    let cell = 2.0 * r / ARROWS as f64;
    let fmax = {
        let (fa, fb) = field(r, -r, s);
        (fa * fa + fb * fb).sqrt()
    };
    let arrow_style = th.ink.mix(0.45).stroke_width(th.stroke(1.0));
    for i in 0..ARROWS {
        for j in 0..ARROWS {
            let a = -r + (i as f64 + 0.5) * cell;
            let b = -r + (j as f64 + 0.5) * cell;
            let (fa, fb) = field(a, b, s);
            let m = (fa * fa + fb * fb).sqrt();
            if m < 1e-9 * fmax || !m.is_finite() {
                continue;
            }
            let len = 0.8 * cell * (m / fmax).powf(0.35).clamp(0.3, 1.0);
            let (ux, uy) = (fa / m, fb / m);
            let (x0, y0) = (a - 0.5 * len * ux, b - 0.5 * len * uy);
            let (x1, y1) = (a + 0.5 * len * ux, b + 0.5 * len * uy);
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x0, y0), (x1, y1)],
                arrow_style,
            )))?;
            // The head, in data units (the plot is square, so angles are kept).
            let head = 0.3 * len;
            for turn in [0.45f64, -0.45] {
                let (c, sn) = (turn.cos(), turn.sin());
                let hx = -(ux * c - uy * sn) * head;
                let hy = -(ux * sn + uy * c) * head;
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(x1, y1), (x1 + hx, y1 + hy)],
                    arrow_style,
                )))?;
            }
        }
    }

    // The solutions ab = s (two branches).
    let sol_style = solutions_color(th).stroke_width(th.stroke(2.5));
    for sign in [1.0, -1.0] {
        let a_min = s / r;
        let pts: Vec<(f64, f64)> = (0..=n)
            .map(|i| {
                let a = a_min * (r / a_min).powf(i as f64 / n as f64);
                (sign * a, sign * s / a)
            })
            .collect();
        chart.draw_series(LineSeries::new(pts, sol_style))?;
    }
    // Labelled beside the upper branch, near the top of the plot.
    let (lx, ly) = chart.backend_coord(&(s / (0.9 * r), 0.9 * r));
    root.draw(&Text::new(
        "ab = s",
        (lx + th.px(7.0), ly),
        th.text(11.5)
            .color(&solutions_color(th))
            .pos(Pos::new(HPos::Left, VPos::Center)),
    ))?;

    // Trajectories.
    let inside = |(a, b): (f64, f64)| a.abs() <= r && b.abs() <= r;
    for (k, t) in demo.trajectories().iter().enumerate() {
        let color = trajectory_color(k, th);
        let pts: Vec<(f64, f64)> = t
            .points
            .iter()
            .map(|&(_, a, b)| (a.clamp(-r, r), b.clamp(-r, r)))
            .collect();
        chart.draw_series(LineSeries::new(pts, color.stroke_width(th.stroke(2.0))))?;
        let start = t.start();
        if inside(start) {
            chart.draw_series(std::iter::once(Circle::new(
                start,
                th.px(4.0),
                color.stroke_width(th.stroke(1.5)),
            )))?;
        }
        let (_, a, b) = t.head();
        if inside((a, b)) {
            let size = if t.ending == Ending::Moving { 5.0 } else { 3.5 };
            chart.draw_series(std::iter::once(Circle::new(
                (a, b),
                th.px(size),
                color.filled(),
            )))?;
        }
    }

    // The run's mode.
    if let Some(d) = dot {
        let p = d.point();
        let color = th.mode(d.mode);
        if inside(p) {
            chart.draw_series(std::iter::once(Circle::new(p, th.px(7.0), th.bg.filled())))?;
            chart.draw_series(std::iter::once(Circle::new(p, th.px(6.0), color.filled())))?;
            chart.draw_series(std::iter::once(Circle::new(
                p,
                th.px(6.0),
                th.ink.stroke_width(th.stroke(1.0)),
            )))?;
            let (px, py) = chart.backend_coord(&p);
            let left = px > xr.end - th.px(90.0);
            root.draw(&Text::new(
                format!("step {}", d.step),
                (
                    px + if left { -th.px(10.0) } else { th.px(10.0) },
                    py + th.px(2.0),
                ),
                th.text(10.5).pos(Pos::new(
                    if left { HPos::Right } else { HPos::Left },
                    VPos::Top,
                )),
            ))?;
        }
    }

    draw_legend(&legend, demo, dot, th)?;
    Ok(Frame::xy(chart.plotting_area(), (-r, r), (-r, r), false))
}

fn draw_legend<DB: DrawingBackend>(
    legend: &DrawingArea<DB, Shift>,
    demo: &PhaseDemo,
    dot: Option<&RunDot>,
    th: &Theme,
) -> Result<(), Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let (lw, _) = legend.dim_in_pixel();
    if lw < th.px(60.0) as u32 {
        return Ok(());
    }
    let x = th.px(6.0);
    let row = th.px(17.0);
    let mut y = th.px(16.0);
    let text = th.text(10.5);
    let heading = match demo.mode() {
        Some(m) => format!("mode {}: s = {}", m + 1, fmt_num(demo.s())),
        None => format!("s = {}, τ = 1", fmt_num(demo.s())),
    };
    legend.draw(&Text::new(heading, (x, y - th.px(6.0)), th.text(12.0)))?;
    y += row + th.px(4.0);
    let line =
        |y: i32, style: ShapeStyle| PathElement::new(vec![(x, y), (x + th.px(18.0), y)], style);
    legend.draw(&line(y, solutions_color(th).stroke_width(th.stroke(2.5))))?;
    legend.draw(&Text::new(
        "ab = s: learned",
        (x + th.px(24.0), y - th.px(6.0)),
        text.clone(),
    ))?;
    y += row;
    legend.draw(&line(y, th.ink.mix(0.3).stroke_width(th.stroke(1.0))))?;
    legend.draw(&Text::new(
        "a² − b² = const",
        (x + th.px(24.0), y - th.px(6.0)),
        text.clone(),
    ))?;
    y += row;
    legend.draw(&line(y, th.palette[0].stroke_width(th.stroke(2.0))))?;
    legend.draw(&Circle::new(
        (x + th.px(18.0), y),
        th.px(3.5),
        th.palette[0].filled(),
    ))?;
    legend.draw(&Text::new(
        "trajectory (click)",
        (x + th.px(24.0), y - th.px(6.0)),
        text.clone(),
    ))?;
    if let Some(d) = dot {
        y += row;
        legend.draw(&Circle::new(
            (x + th.px(9.0), y),
            th.px(5.0),
            th.mode(d.mode).filled(),
        ))?;
        legend.draw(&Text::new(
            "the run: (√u, √u)",
            (x + th.px(24.0), y - th.px(6.0)),
            text.clone(),
        ))?;
        y += row;
        legend.draw(&Text::new(
            format!("u = {} at step {}", fmt_num(d.u), d.step),
            (x + th.px(24.0), y - th.px(6.0)),
            th.text(10.0).color(&th.ink.mix(0.7)),
        ))?;
        if d.depth != 2 {
            y += row;
            legend.draw(&Text::new(
                format!("(run has {} layers of", d.depth),
                (x + th.px(24.0), y - th.px(6.0)),
                th.text(10.0).color(&th.ink.mix(0.7)),
            ))?;
            y += th.px(13.0);
            legend.draw(&Text::new(
                "weights; eq. 8 is for 2)",
                (x + th.px(24.0), y - th.px(6.0)),
                th.text(10.0).color(&th.ink.mix(0.7)),
            ))?;
        }
    }
    Ok(())
}

/// The hover readout at device pixel (x, y): the point, its conserved quantity, the flow there
/// and where the flow from it ends.
pub fn phase_readout(
    frame: &Frame,
    demo: &PhaseDemo,
    dot: Option<&RunDot>,
    x: f64,
    y: f64,
) -> Option<String> {
    let (a, b) = frame.data_at(x, y)?;
    let s = demo.s();
    if let (Some(d), Frame::Xy { left, right, .. }) = (dot, frame) {
        let (pa, pb) = d.point();
        let per_unit = (right - left) as f64 / (2.0 * extent(s));
        if ((pa - a).powi(2) + (pb - b).powi(2)).sqrt() * per_unit <= 8.0 {
            return Some(format!(
                "the run's mode {} at step {}: u = {}, shown as (√u, √u) = ({}, {})",
                d.mode + 1,
                d.step,
                fmt_num(d.u),
                fmt_num(pa),
                fmt_num(pb)
            ));
        }
    }
    let (ea, eb) = destination(a, b, s);
    let end = if ea == 0.0 && eb == 0.0 {
        "the saddle at the origin".to_string()
    } else {
        format!("({}, {}) on ab = s", fmt_num(ea), fmt_num(eb))
    };
    Some(format!(
        "a = {}, b = {}: ab = {}, a² − b² = {} (conserved); click to start here, flows to {end}",
        fmt_num(a),
        fmt_num(b),
        fmt_num(a * b),
        fmt_num(conserved(a, b))
    ))
}

/// The data-table view: every point of every trajectory started so far, with the product `ab`
/// (the mode's strength) and the conserved `a² − b²`; the note gives the run's mode when the
/// portrait follows one.
pub fn phase_table(demo: &PhaseDemo, dot: Option<&RunDot>) -> Table {
    let mut t = Table::of(&[
        "trajectory",
        "t/τ",
        "a (input side)",
        "b (output side)",
        "ab",
        "a² − b²",
    ]);
    for (k, tr) in demo.trajectories().iter().enumerate() {
        for &(time, a, b) in &tr.points {
            t.rows.push(vec![
                serde_json::json!(k + 1),
                Table::num(time),
                Table::num(a),
                Table::num(b),
                Table::num(a * b),
                Table::num(conserved(a, b)),
            ]);
        }
    }
    let mut note = format!("the solutions ab = s = {}", fmt_num(demo.s()));
    if t.rows.is_empty() {
        note.push_str("; no trajectory yet: click or tap the portrait to start one");
    }
    if let Some(d) = dot {
        let (a, b) = d.point();
        note.push_str(&format!(
            "; the run's mode {} at step {}: u = {} at (a, b) = ({}, {})",
            d.mode + 1,
            d.step,
            fmt_num(d.u),
            fmt_num(a),
            fmt_num(b)
        ));
    }
    t.note = Some(note);
    t
}
