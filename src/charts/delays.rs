//! SMG14 Fig 3 (right): the delay of each mode's simulated half-learning time behind the
//! theory, one point per group of (near-)equal singular values, with error bars over seeds.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{draw_wrapped, fmt_num, ChartResult, Frame, Theme};
use crate::run::measures::ModeDelays;

/// Draws the delays (in percent) against the groups, strongest mode first.
pub fn draw_mode_delays<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    delays: &ModeDelays,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let g = &delays.groups;
    if g.is_empty() {
        draw_wrapped(
            root,
            "No mode was half learned in every seed, so there is no delay to show.",
            (th.px(12.0), th.px(14.0)),
            root.dim_in_pixel().0 as i32 - th.px(24.0),
            &th.text(12.0).color(&th.ink.mix(0.8)),
        )?;
        return Ok(Frame::Grids { grids: vec![] });
    }
    let pct = |x: f64| 100.0 * x;
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for d in g {
        lo = lo.min(pct(d.mean - d.spread));
        hi = hi.max(pct(d.mean + d.spread));
    }
    let pad = 0.12 * (hi - lo).max(1.0);
    let (y0, y1) = (lo - pad, hi + pad);
    let n = g.len() as f64;
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!(
                "simulated half-learning time behind the theory ({} seed{})",
                delays.seeds,
                if delays.seeds == 1 { "" } else { "s" }
            ),
            th.text(12.5),
        )
        .margin(th.px(10.0))
        .x_label_area_size(th.px(40.0))
        .y_label_area_size(th.px(52.0))
        .build_cartesian_2d(-0.5..n - 0.5, y0..y1)?;
    let labels: Vec<String> = g
        .iter()
        .map(|d| {
            let modes = if d.modes.len() == 1 {
                format!("{}", d.modes[0] + 1)
            } else {
                format!("{}–{}", d.modes[0] + 1, d.modes[d.modes.len() - 1] + 1)
            };
            format!("s={} (mode {modes})", fmt_num(d.s))
        })
        .collect();
    chart
        .configure_mesh()
        .x_desc("modes grouped by singular value, strongest first")
        .y_desc("delay (%)")
        .label_style(th.text(10.5))
        .axis_desc_style(th.text(12.0))
        .light_line_style(th.grid.mix(0.0))
        .bold_line_style(th.grid)
        .axis_style(th.ink.mix(0.6))
        .x_labels(g.len().min(12))
        .x_label_formatter(&|x| {
            let k = x.round();
            if (x - k).abs() < 1e-6 && k >= 0.0 && (k as usize) < labels.len() {
                labels[k as usize].clone()
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|v| fmt_num(*v))
        .draw()?;
    chart.draw_series(LineSeries::new(
        [(-0.5, 0.0), (n - 0.5, 0.0)],
        th.ink.mix(0.5).stroke_width(th.stroke(1.0)),
    ))?;
    for (k, d) in g.iter().enumerate() {
        let x = k as f64;
        let (m, e) = (pct(d.mean), pct(d.spread));
        // The error bar: one standard deviation over the seeds, with caps.
        let cap = 0.12;
        let bar = th.palette[0].stroke_width(th.stroke(1.5));
        chart.draw_series(
            [
                vec![(x, m - e), (x, m + e)],
                vec![(x - cap, m - e), (x + cap, m - e)],
                vec![(x - cap, m + e), (x + cap, m + e)],
            ]
            .into_iter()
            .map(|pts| PathElement::new(pts, bar)),
        )?;
        chart.draw_series(std::iter::once(Circle::new(
            (x, m),
            th.px(3.5),
            th.palette[0].filled(),
        )))?;
    }
    Ok(Frame::xy(
        chart.plotting_area(),
        (-0.5, n - 0.5),
        (y0, y1),
        false,
    ))
}
