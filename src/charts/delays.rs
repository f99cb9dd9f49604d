//! SMG14 Fig 3 (right): the delay of each mode's simulated half-learning time behind the
//! theory, one point per group of (near-)equal singular values, with error bars over seeds.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{draw_wrapped, fmt_num, ChartResult, Frame, Theme};
use crate::run::measures::ModeDelays;
use crate::run::studies::{delays_of, seed_run};
use crate::run::{Run, Session, Status};

/// Seeds trained beside the run once it has finished, for the error bars.
const EXTRA_SEEDS: u64 = 2;
/// Most floating-point operations spent training them (a second or two in a browser tab).
const SEEDS_BUDGET: f64 = 2e9;

/// The extra seeds' runs, kept for the run they belong to.
#[derive(Default)]
struct SeedRuns(Option<Vec<Run>>);

/// Floating-point operations of training `seeds` more runs of `run`'s config to its end.
fn seeds_cost(run: &Run, seeds: u64) -> f64 {
    run.flops_per_step() * run.config().train.steps as f64 * seeds as f64
}

/// The delays of the page's run and, once it has finished and when they are cheap enough, of
/// [`EXTRA_SEEDS`] more seeds of the same config; with a note on the seeds used.
pub fn page_delays(run: &Run) -> Result<(ModeDelays, String), String> {
    run.prediction().map_err(str::to_string)?;
    let seed = run.config().train.seed;
    let affordable = seeds_cost(run, EXTRA_SEEDS) <= SEEDS_BUDGET;
    let finished = *run.status() == Status::Finished;
    let (delays, note) = run.with_memo::<SeedRuns, _>("delay_seeds", |memo| {
        if memo.0.is_none() && finished && affordable {
            let cfg = crate::config::Config::clone(run.config());
            let extra: Result<Vec<Run>, String> = (1..=EXTRA_SEEDS)
                .map(|k| seed_run(&cfg, seed.wrapping_add(k) % crate::config::limits::MAX_SEED))
                .collect();
            memo.0 = Some(extra.unwrap_or_default());
        }
        let mut runs: Vec<&Run> = vec![run];
        if let Some(extra) = &memo.0 {
            runs.extend(extra.iter());
        }
        let note = if runs.len() > 1 {
            format!(
                "seeds {seed} to {}: this run and {} more of the same config",
                seed + runs.len() as u64 - 1,
                runs.len() - 1
            )
        } else if !affordable {
            format!("seed {seed} only: more seeds of a network this size would take too long here")
        } else {
            format!(
                "seed {seed} so far; {EXTRA_SEEDS} more seeds are trained when this run finishes"
            )
        };
        (delays_of(&runs, 0.01), note)
    });
    delays.map(|d| (d, note))
}

/// The page's panel: [`draw_mode_delays`] of [`page_delays`], or why there is nothing to show.
pub fn draw_delays<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    session: &Session,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    match page_delays(session.run()) {
        Ok((d, note)) => {
            // The note on the seeds has a strip of its own under the chart, so it never sits
            // on the axis title.
            let (w, h) = root.dim_in_pixel();
            root.fill(&th.bg)?;
            let (plot, strip) = root.split_vertically(h as i32 - th.px(20.0));
            let frame = draw_mode_delays(&plot, &d, th)?;
            draw_wrapped(
                &strip,
                &note,
                (th.px(12.0), th.px(3.0)),
                w as i32 - th.px(24.0),
                &th.text(10.5).color(&th.ink.mix(0.7)),
            )?;
            Ok(frame)
        }
        Err(why) => {
            root.fill(&th.bg)?;
            draw_wrapped(
                root,
                &format!("No delays to show: {why}"),
                (th.px(12.0), th.px(14.0)),
                root.dim_in_pixel().0 as i32 - th.px(24.0),
                &th.text(12.0).color(&th.ink.mix(0.8)),
            )?;
            Ok(Frame::Grids { grids: vec![] })
        }
    }
}

/// The page's panel as a table: a row per group of (near-)equal singular values, with every
/// seed's delay; the note says which seeds, or why there is nothing to show.
pub fn delays_table(session: &Session) -> super::Table {
    use super::Table;
    let mut t = Table::new(
        [
            "modes",
            "s",
            "delay (%)",
            "spread over seeds (%)",
            "each seed's delay (%)",
        ]
        .map(String::from)
        .to_vec(),
    );
    match page_delays(session.run()) {
        Ok((d, note)) => {
            t.rows = d
                .groups
                .iter()
                .map(|g| {
                    let modes: Vec<String> = g.modes.iter().map(|m| (m + 1).to_string()).collect();
                    let each: Vec<String> = g.per_seed.iter().map(|x| fmt_num(100.0 * x)).collect();
                    vec![
                        serde_json::json!(modes.join(", ")),
                        Table::num(g.s),
                        Table::num(100.0 * g.mean),
                        Table::num(100.0 * g.spread),
                        serde_json::json!(each.join(", ")),
                    ]
                })
                .collect();
            t.note = Some(format!(
                "The delay of the simulated half-learning time behind the gradient-flow theory; {note}."
            ));
        }
        Err(why) => t.note = Some(format!("No delays to show: {why}")),
    }
    t
}

/// The hover text of the page's panel: the group under the pointer and its delay.
pub fn delays_readout(frame: &Frame, session: &Session, x: f64, y: f64) -> Option<String> {
    let (gx, _) = frame.data_at(x, y)?;
    let (d, _) = page_delays(session.run()).ok()?;
    let k = gx.round();
    if k < 0.0 || (gx - k).abs() > 0.4 {
        return None;
    }
    let g = d.groups.get(k as usize)?;
    let modes = if g.modes.len() == 1 {
        format!("mode {}", g.modes[0] + 1)
    } else {
        format!(
            "modes {}–{}",
            g.modes[0] + 1,
            g.modes[g.modes.len() - 1] + 1
        )
    };
    let behind = if g.mean >= 0.0 { "behind" } else { "ahead of" };
    let spread = if g.per_seed.len() > 1 {
        format!(
            " ± {} % over {} seeds",
            fmt_num(100.0 * g.spread),
            g.per_seed.len()
        )
    } else {
        " (one seed)".to_string()
    };
    Some(format!(
        "{modes} (s = {}): delay {} % — the simulated half-learning time is {} % {behind} the gradient-flow theory{spread}",
        fmt_num(g.s),
        fmt_num(100.0 * g.mean),
        fmt_num(100.0 * g.mean.abs()),
    ))
}

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
    // Each group's tick names its modes, and its singular value where there is room for it
    // (about 14 characters per group); the readout and the data table always give both.
    let per_group = chart.plotting_area().dim_in_pixel().0 as f64 / n;
    let roomy = per_group >= th.px(14.0 * 6.5) as f64;
    let labels: Vec<String> = g
        .iter()
        .map(|d| {
            let modes = if d.modes.len() == 1 {
                format!("{}", d.modes[0] + 1)
            } else {
                format!("{}–{}", d.modes[0] + 1, d.modes[d.modes.len() - 1] + 1)
            };
            if roomy {
                format!("{modes} (s={})", fmt_num(d.s))
            } else {
                modes
            }
        })
        .collect();
    let x_desc = if roomy {
        "mode (s: its singular value), strongest first"
    } else {
        "mode, strongest first (the readout gives each s)"
    };
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc("delay (%)")
        .label_style(th.text(10.5))
        .axis_desc_style(th.text(12.0))
        .light_line_style(th.grid.mix(0.0))
        .bold_line_style(th.grid)
        .axis_style(th.ink.mix(0.6))
        .x_labels(g.len().min(12))
        .y_labels(if th.narrow(root.dim_in_pixel().0) {
            5
        } else {
            10
        })
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
