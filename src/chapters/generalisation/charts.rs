//! Charts of the generalisation chapter (AS20): the errors against time, the spectrum of the
//! sample's inputs over the Marchenko–Pastur law, the per-direction stopping times, the α sweep
//! and the SNR × α map of the error reduction.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::chapters::generalisation::exact::SampleSpectrum;
use crate::chapters::generalisation::mp::{mp_atom, mp_density, mp_edges, MpTheory};
use crate::chapters::generalisation::outlier::{self, OutlierDemo, OutlierRecord};
use crate::chapters::generalisation::run::GenRun;
use crate::chapters::generalisation::sweep::{HeatMap, SweepRow};
use crate::charts::{diverging, fmt_num, mesh, ChartResult, Frame, Grid, Table, Theme};

/// Test-error curve colour in the light theme (series 0 of the palette; the charts read theirs
/// from the theme).
pub const TEST: RGBColor = crate::charts::PALETTE[0];
/// Training-error curve colour in the light theme (series 4).
pub const TRAIN: RGBColor = crate::charts::PALETTE[4];
/// The exact prediction's colour in the light theme (series 1).
pub const EXACT: RGBColor = crate::charts::PALETTE[1];
/// The large-N (Marchenko–Pastur) theory's colour in the light theme (series 5).
pub const LARGE_N: RGBColor = crate::charts::PALETTE[5];

/// Lines of a legend at the top right of a plot: colour, dashed?, text.
fn legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (right, top): (i32, i32),
    items: &[(RGBAColor, bool, String)],
    th: &Theme,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let style = th.text(10.5).pos(Pos::new(HPos::Right, VPos::Center));
    let row = th.px(15.0);
    for (k, (color, dashed, text)) in items.iter().enumerate() {
        let y = top + th.px(8.0) + row * k as i32;
        let x1 = right - th.px(6.0);
        let x0 = x1 - th.px(22.0);
        if *dashed {
            for j in 0..3 {
                let a = x0 + j * th.px(8.0);
                root.draw(&PathElement::new(
                    vec![(a, y), (a + th.px(5.0), y)],
                    color.stroke_width(th.stroke(1.8)),
                ))?;
            }
        } else {
            root.draw(&PathElement::new(
                vec![(x0, y), (x1, y)],
                color.stroke_width(th.stroke(2.0)),
            ))?;
        }
        root.draw(&Text::new(
            text.clone(),
            (x0 - th.px(6.0), y),
            style.clone(),
        ))?;
    }
    Ok(())
}

/// Training and test error against t/τ on a log axis: the simulation (solid), the sample's
/// exact curves (dashed; shallow student), the large-N theory (thin), with the optimal stopping
/// time and error, the optimal ridge and the oracle σ_ε² marked.
pub fn draw_errors<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &GenRun,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let recs: Vec<_> = run.records().iter().filter(|r| r.time > 0.0).collect();
    let theory = run.theory();
    let stop = run.early_stop();
    let e0 = theory.initial_error();
    let t_end = (run.config().train.steps as f64 * run.config().train.lr).max(1e-2);
    let t_start = recs
        .first()
        .map_or(t_end / 1e3, |r| r.time)
        .min(t_end / 10.0);
    // Errors above 2.5 E_g(0) (overtraining near α = 1) are clipped at the top.
    let mut hi: f64 = e0;
    for r in &recs {
        for v in [r.test_error, r.train_error] {
            if v.is_finite() {
                hi = hi.max(v);
            }
        }
    }
    let y_max = (hi * 1.08).min(2.5 * e0);
    let clip = |v: f64| {
        if v.is_finite() {
            v.clamp(0.0, y_max)
        } else {
            y_max
        }
    };
    let mut chart = ChartBuilder::on(root)
        .margin(th.px(10.0))
        .x_label_area_size(th.px(34.0))
        .y_label_area_size(th.px(50.0))
        .build_cartesian_2d((t_start..t_end).log_scale(), 0f64..y_max)?;
    mesh(&mut chart, "time t/τ (log scale)", "error", th)?;
    // Large-N curves, sampled on their own log grid.
    let grid: Vec<f64> = (0..=200)
        .map(|k| t_start * (t_end / t_start).powf(k as f64 / 200.0))
        .collect();
    for (f, style) in [
        (
            &(|t| theory.test_error(t)) as &dyn Fn(f64) -> f64,
            th.palette[5].stroke_width(th.stroke(1.2)),
        ),
        (
            &|t| theory.train_error(t),
            th.palette[5].mix(0.6).stroke_width(th.stroke(1.2)),
        ),
    ] {
        chart.draw_series(LineSeries::new(
            grid.iter().map(|&t| (t, clip(f(t)))),
            style,
        ))?;
    }
    // Marks: oracle, ridge, optimal stopping.
    let hline = |y: f64| [(t_start, y), (t_end, y)];
    chart.draw_series(DashedLineSeries::new(
        hline(run.oracle()),
        th.px(2.0),
        th.px(3.0),
        th.faint(0.5).stroke_width(th.stroke(1.0)),
    ))?;
    chart.draw_series(DashedLineSeries::new(
        hline(run.ridge_test_error()),
        th.px(7.0),
        th.px(3.0),
        th.faint(0.5).stroke_width(th.stroke(1.0)),
    ))?;
    let frozen = theory.frozen_floor();
    if frozen > 0.0 {
        chart.draw_series(DashedLineSeries::new(
            hline(frozen + run.oracle()),
            th.px(1.5),
            th.px(2.5),
            th.palette[3].stroke_width(th.stroke(1.5)),
        ))?;
    }
    if stop.t_opt > t_start && stop.t_opt < t_end {
        chart.draw_series(DashedLineSeries::new(
            [(stop.t_opt, 0.0), (stop.t_opt, y_max)],
            th.px(3.0),
            th.px(3.0),
            th.palette[5].mix(0.7).stroke_width(th.stroke(1.0)),
        ))?;
        chart.draw_series(std::iter::once(Circle::new(
            (stop.t_opt, clip(stop.test_error)),
            th.px(4.0),
            th.palette[5].filled(),
        )))?;
    }
    // Simulation, then the exact curves dashed on top.
    chart.draw_series(LineSeries::new(
        recs.iter().map(|r| (r.time, clip(r.test_error))),
        th.palette[0].stroke_width(th.stroke(2.2)),
    ))?;
    chart.draw_series(LineSeries::new(
        recs.iter().map(|r| (r.time, clip(r.train_error))),
        th.palette[4].stroke_width(th.stroke(2.2)),
    ))?;
    if run.exact().is_some() {
        for pick in [
            (|r: &&crate::chapters::generalisation::run::GenRecord| r.exact_test_error)
                as fn(&&crate::chapters::generalisation::run::GenRecord) -> Option<f64>,
            |r| r.exact_train_error,
        ] {
            chart.draw_series(DashedLineSeries::new(
                recs.iter()
                    .filter_map(|r| pick(r).map(|v| (r.time, clip(v)))),
                th.px(5.0),
                th.px(4.0),
                th.palette[1].stroke_width(th.stroke(1.6)),
            ))?;
        }
    }
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let mut items = vec![
        (
            th.palette[0].to_rgba(),
            false,
            "test error (simulation)".to_string(),
        ),
        (
            th.palette[4].to_rgba(),
            false,
            "training error (simulation)".to_string(),
        ),
    ];
    if run.exact().is_some() {
        items.push((
            th.palette[1].to_rgba(),
            true,
            "exact: this sample, discrete steps".to_string(),
        ));
    }
    items.push((
        th.palette[5].to_rgba(),
        false,
        if run.deep().is_some() {
            "large-N theory of the shallow student (gradient flow)".to_string()
        } else {
            "large-N theory (gradient flow)".to_string()
        },
    ));
    items.push((
        th.faint(0.5).to_rgba(),
        true,
        format!(
            "ridge γ*=1/SNR {} · oracle σ²ε {}",
            fmt_num(run.ridge_test_error()),
            fmt_num(run.oracle())
        ),
    ));
    if frozen > 0.0 {
        items.push((
            th.palette[3].to_rgba(),
            true,
            format!(
                "frozen subspace (1 − α)(σ²₀ + σ²w) + σ²ε = {}",
                fmt_num(frozen + run.oracle())
            ),
        ));
    }
    items.push((
        th.palette[5].mix(0.7),
        true,
        format!(
            "t_opt = {}τ, E_g(t_opt) = {}",
            fmt_num(stop.t_opt),
            fmt_num(stop.test_error)
        ),
    ));
    legend(root, (xr.end, yr.start), &items, th)?;
    Ok(Frame::xy(
        chart.plotting_area(),
        (t_start, t_end),
        (0.0, y_max),
        false,
    ))
}

/// What the spectrum panel draws: a 40-bin histogram of the sample's nonzero eigenvalues as a
/// density (`count / (N · width)`), how many are 0, and the Marchenko–Pastur density over the
/// bulk at 401 points.
struct SpectrumBins {
    width: f64,
    x_max: f64,
    dens: Vec<f64>,
    zeros: usize,
    curve: Vec<(f64, f64)>,
}

fn spectrum_bins(spectrum: &SampleSpectrum, alpha: f64) -> SpectrumBins {
    let (lo, hi) = mp_edges(alpha);
    let x_max = (hi.max(spectrum.max_eigenvalue()) * 1.08).max(0.1);
    let n = spectrum.inputs as f64;
    let bins = 40usize;
    let width = x_max / bins as f64;
    let mut counts = vec![0usize; bins];
    let mut zeros = 0usize;
    for &l in &spectrum.all_eigenvalues() {
        if l <= 0.0 {
            zeros += 1;
        } else {
            counts[((l / width) as usize).min(bins - 1)] += 1;
        }
    }
    let dens: Vec<f64> = counts.iter().map(|&c| c as f64 / (n * width)).collect();
    let curve: Vec<(f64, f64)> = (0..=400)
        .map(|k| {
            let l = lo + (hi - lo) * k as f64 / 400.0;
            (l, mp_density(alpha, l))
        })
        .filter(|p| p.1.is_finite())
        .collect();
    SpectrumBins {
        width,
        x_max,
        dens,
        zeros,
        curve,
    }
}

/// The best stopping time of each direction over the bulk, at 201 log-spaced eigenvalues.
fn stop_curve(theory: &MpTheory) -> (f64, f64, Vec<(f64, f64)>) {
    let (lo, hi) = mp_edges(theory.alpha);
    let lo = lo.max(hi * 1e-3);
    let pts = (0..=200)
        .map(|k| {
            let l = lo * (hi / lo).powf(k as f64 / 200.0);
            (l, theory.direction_stop_time(l))
        })
        .collect();
    (lo, hi, pts)
}

/// The eigenvalues of this sample's `X Xᵀ` as a histogram (density per eigenvalue of N) under
/// the Marchenko–Pastur density; for α < 1 the atom of weight 1 − α at λ = 0 is drawn as a bar
/// at the left with its weight written on it.
pub fn draw_spectrum<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spectrum: &SampleSpectrum,
    alpha: f64,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let SpectrumBins {
        width,
        x_max,
        dens,
        zeros,
        curve,
    } = spectrum_bins(spectrum, alpha);
    let peak = dens
        .iter()
        .copied()
        .chain(curve.iter().map(|p| p.1))
        .fold(0.0f64, f64::max);
    // Near α = 1 the density diverges at 0: the axis stops at 2.5 times the histogram's peak.
    let hist_peak = dens.iter().copied().fold(0.0f64, f64::max).max(0.05);
    let y_max = peak.min(2.5 * hist_peak) * 1.15;
    let mut chart = ChartBuilder::on(root)
        .margin(th.px(10.0))
        .x_label_area_size(th.px(34.0))
        .y_label_area_size(th.px(50.0))
        .build_cartesian_2d(0f64..x_max, 0f64..y_max)?;
    mesh(&mut chart, "eigenvalue λ of XXᵀ", "density ρ(λ)", th)?;
    chart.draw_series(
        dens.iter()
            .enumerate()
            .filter(|(_, &d)| d > 0.0)
            .map(|(k, &d)| {
                Rectangle::new(
                    [
                        (k as f64 * width, 0.0),
                        ((k + 1) as f64 * width, d.min(y_max)),
                    ],
                    th.palette[0].mix(0.35).filled(),
                )
            }),
    )?;
    chart.draw_series(LineSeries::new(
        curve.iter().map(|&(l, d)| (l, d.min(y_max))),
        th.palette[5].stroke_width(th.stroke(2.2)),
    ))?;
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let mut items = vec![
        (
            th.palette[0].mix(0.6),
            false,
            format!("this sample (N = {})", spectrum.inputs),
        ),
        (
            th.palette[5].to_rgba(),
            false,
            format!("Marchenko–Pastur, α = {}", fmt_num(alpha)),
        ),
    ];
    let atom = mp_atom(alpha);
    if atom > 0.0 {
        // The atom: a bar at λ = 0 drawn to the top, labelled with its weight.
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, 0.0), (width * 0.6, y_max)],
            th.ink.mix(0.55).filled(),
        )))?;
        let (px, py) = chart.backend_coord(&(width * 0.6, y_max * 0.9));
        root.draw(&Text::new(
            format!(
                "δ(λ) of weight 1 − α = {} ({} of {} eigenvalues are 0: the frozen subspace)",
                fmt_num(atom),
                zeros,
                spectrum.inputs
            ),
            (px + th.px(5.0), py),
            th.text(10.5).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
        items.push((th.ink.mix(0.55), false, "atom at λ = 0".to_string()));
    }
    legend(root, (xr.end, yr.start + th.px(14.0)), &items, th)?;
    Ok(Frame::xy(
        chart.plotting_area(),
        (0.0, x_max),
        (0.0, y_max),
        false,
    ))
}

/// Each eigen-direction's own optimal stopping time `t*(λ)` over the bulk, against the one
/// global `t_opt`: small eigenvalues want to be stopped late.
pub fn draw_stop_times<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    theory: &MpTheory,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let (lo, hi, pts) = stop_curve(theory);
    let stop = theory.early_stop();
    let y_lo = 0.0;
    let y_hi = pts.iter().map(|p| p.1).fold(stop.t_opt, f64::max) * 1.25;
    let mut chart = ChartBuilder::on(root)
        .margin(th.px(10.0))
        .x_label_area_size(th.px(34.0))
        .y_label_area_size(th.px(50.0))
        .build_cartesian_2d((lo..hi).log_scale(), y_lo..y_hi)?;
    mesh(
        &mut chart,
        "eigenvalue λ (log scale)",
        "best stopping time t*(λ)/τ",
        th,
    )?;
    chart.draw_series(LineSeries::new(
        pts.iter().copied(),
        th.palette[1].stroke_width(th.stroke(2.2)),
    ))?;
    chart.draw_series(DashedLineSeries::new(
        [(lo, stop.t_opt), (hi, stop.t_opt)],
        th.px(5.0),
        th.px(4.0),
        th.palette[5].stroke_width(th.stroke(1.5)),
    ))?;
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    legend(
        root,
        (xr.end, yr.start),
        &[
            (
                th.palette[1].to_rgba(),
                false,
                "t*(λ) = (τ/λ) ln(1 + λ(σ²w + σ²₀)/σ²ε)".to_string(),
            ),
            (
                th.palette[5].to_rgba(),
                true,
                format!("one global stop t_opt = {}τ", fmt_num(stop.t_opt)),
            ),
        ],
        th,
    )?;
    // The x axis is logarithmic (readouts convert), the y axis linear.
    Ok(Frame::xy(
        chart.plotting_area(),
        (lo, hi),
        (y_lo, y_hi),
        false,
    ))
}

/// The α sweep: for each SNR (one colour) the test error at 10⁴ τ (solid), at the optimal
/// stopping time (dashed) and the amount of overtraining (dotted), on a log error axis.
pub fn draw_alpha_sweep<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rows: &[SweepRow],
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let mut snrs: Vec<f64> = rows.iter().map(|r| r.snr).collect();
    snrs.sort_by(f64::total_cmp);
    snrs.dedup();
    let finite = |v: f64| v.is_finite() && v > 0.0;
    let vals: Vec<f64> = rows
        .iter()
        .flat_map(|r| [r.test_error_final, r.test_error_at_t_opt, r.overtraining])
        .filter(|&v| finite(v))
        .collect();
    let y_lo = (vals.iter().copied().fold(1.0, f64::min) * 0.7).max(1e-4);
    let y_hi = vals.iter().copied().fold(1.0, f64::max) * 1.5;
    let x_lo = rows.iter().map(|r| r.alpha).fold(f64::INFINITY, f64::min);
    let x_hi = rows.iter().map(|r| r.alpha).fold(0.0, f64::max);
    let (x_lo, x_hi) = if x_lo < x_hi {
        (x_lo, x_hi)
    } else {
        (0.0, 5.0)
    };
    let mut chart = ChartBuilder::on(root)
        .margin(th.px(10.0))
        .x_label_area_size(th.px(34.0))
        .y_label_area_size(th.px(50.0))
        .build_cartesian_2d(x_lo..x_hi, (y_lo..y_hi).log_scale())?;
    mesh(&mut chart, "load α = P/N", "test error (log scale)", th)?;
    chart.draw_series(DashedLineSeries::new(
        [(1.0, y_lo), (1.0, y_hi)],
        th.px(2.0),
        th.px(4.0),
        th.faint(0.5).stroke_width(th.stroke(1.0)),
    ))?;
    let mut items = Vec::new();
    for (k, &snr) in snrs.iter().enumerate() {
        let color = th.mode(k);
        let of = |f: fn(&SweepRow) -> f64| -> Vec<(f64, f64)> {
            let mut p: Vec<(f64, f64)> = rows
                .iter()
                .filter(|r| r.snr == snr && finite(f(r)))
                .map(|r| (r.alpha, f(r).clamp(y_lo, y_hi)))
                .collect();
            p.sort_by(|a, b| a.0.total_cmp(&b.0));
            p
        };
        let late = of(|r| r.test_error_final);
        chart.draw_series(LineSeries::new(
            late.iter().copied(),
            color.stroke_width(th.stroke(2.2)),
        ))?;
        chart.draw_series(
            late.iter()
                .map(|&p| Circle::new(p, th.px(2.5), color.filled())),
        )?;
        chart.draw_series(DashedLineSeries::new(
            of(|r| r.test_error_at_t_opt),
            th.px(6.0),
            th.px(4.0),
            color.stroke_width(th.stroke(1.8)),
        ))?;
        chart.draw_series(DashedLineSeries::new(
            of(|r| r.overtraining),
            th.px(1.5),
            th.px(3.0),
            color.stroke_width(th.stroke(1.5)),
        ))?;
        items.push((color.to_rgba(), false, format!("SNR {}", fmt_num(snr))));
    }
    items.push((th.ink.to_rgba(), false, "solid: E_g(10⁴τ)".to_string()));
    items.push((
        th.ink.to_rgba(),
        true,
        "dashed: E_g(t_opt) · dotted: overtraining".to_string(),
    ));
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    legend(root, (xr.end, yr.start), &items, th)?;
    Ok(Frame::xy(
        chart.plotting_area(),
        (x_lo, x_hi),
        (y_lo, y_hi),
        true,
    ))
}

/// The SNR × α maps of the relative error reduction `(E_g(0) − E_g)/E_g(0)` without early
/// stopping (at 10⁴ τ) and with it (at t_opt), side by side; cells not computed yet are grey.
/// Red: the error fell; blue: it rose above its start.
pub fn draw_heat_map<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    map: &HeatMap,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let left = th.px(56.0);
    let bar = th.px(44.0);
    let gap = th.px(16.0);
    let top = th.px(26.0);
    let bottom = h - th.px(40.0);
    let panel_w = ((w - left - bar - gap) / 2 - th.px(6.0)).max(10);
    let rows = map.log10_snrs.len();
    let cols = map.alphas.len();
    let mut grids = Vec::new();
    for (k, (name, cells)) in [
        ("no early stopping (t = 10⁴ τ)", &map.late),
        ("optimal early stopping (t_opt)", &map.early),
    ]
    .into_iter()
    .enumerate()
    {
        let x0 = left + k as i32 * (panel_w + gap);
        let grid = Grid {
            name: name.to_string(),
            left: x0,
            top,
            right: x0 + panel_w,
            bottom,
            rows,
            cols,
            row_stride: 1,
        };
        for r in 0..rows {
            // Highest SNR at the top.
            let data_row = rows - 1 - r;
            for c in 0..cols {
                let v = cells[data_row][c];
                let color = if v.is_finite() {
                    diverging(v, 1.0)
                } else {
                    RGBColor(200, 200, 200)
                };
                let (p0, p1) = grid.cell_rect(r, c);
                root.draw(&Rectangle::new([p0, p1], color.filled()))?;
            }
        }
        root.draw(&Rectangle::new(
            [(grid.left, grid.top), (grid.right, grid.bottom)],
            th.ink.mix(0.35).stroke_width(1),
        ))?;
        root.draw(&Text::new(
            name.to_string(),
            ((grid.left + grid.right) / 2, top - th.px(6.0)),
            th.text(11.5).pos(Pos::new(HPos::Center, VPos::Bottom)),
        ))?;
        // α ticks.
        let a_lo = map.alphas.first().copied().unwrap_or(0.0);
        let a_hi = map.alphas.last().copied().unwrap_or(1.0);
        for a in [a_lo, 1.0, 2.0, 3.0, 4.0, a_hi] {
            if a < a_lo || a > a_hi {
                continue;
            }
            let f = if a_hi > a_lo {
                (a - a_lo) / (a_hi - a_lo)
            } else {
                0.0
            };
            let cw = panel_w as f64 / cols as f64;
            let x = grid.left + (cw * 0.5 + f * (panel_w as f64 - cw)).round() as i32;
            root.draw(&Text::new(
                fmt_num(a),
                (x, bottom + th.px(4.0)),
                th.text(10.0).pos(Pos::new(HPos::Center, VPos::Top)),
            ))?;
        }
        root.draw(&Text::new(
            "load α".to_string(),
            ((grid.left + grid.right) / 2, bottom + th.px(20.0)),
            th.text(11.0).pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
        grids.push(grid);
    }
    // SNR ticks at the decades, on the left.
    let s_lo = map.log10_snrs.first().copied().unwrap_or(0.0);
    let s_hi = map.log10_snrs.last().copied().unwrap_or(1.0);
    for e in (s_lo.ceil() as i32)..=(s_hi.floor() as i32) {
        let f = if s_hi > s_lo {
            (e as f64 - s_lo) / (s_hi - s_lo)
        } else {
            0.0
        };
        let ch = (bottom - top) as f64 / rows as f64;
        let y = bottom - (ch * 0.5 + f * ((bottom - top) as f64 - ch)).round() as i32;
        root.draw(&Text::new(
            format!("10^{e}"),
            (left - th.px(4.0), y),
            th.text(10.0).pos(Pos::new(HPos::Right, VPos::Center)),
        ))?;
    }
    root.draw(&Text::new(
        "SNR".to_string(),
        (th.px(4.0), top - th.px(6.0)),
        th.text(11.0).pos(Pos::new(HPos::Left, VPos::Bottom)),
    ))?;
    // Colour bar: 1 (error gone) to −1 (error doubled).
    let x = w - bar + th.px(6.0);
    let n = (bottom - top).max(1);
    for k in 0..n {
        let v = 1.0 - 2.0 * k as f64 / n as f64;
        root.draw(&Rectangle::new(
            [(x, top + k), (x + th.px(8.0), top + k + 1)],
            diverging(v, 1.0).filled(),
        ))?;
    }
    let style = th.text(10.0).pos(Pos::new(HPos::Left, VPos::Center));
    for (v, y) in [(1.0, top), (0.0, (top + bottom) / 2), (-1.0, bottom)] {
        root.draw(&Text::new(fmt_num(v), (x + th.px(11.0), y), style.clone()))?;
    }
    root.draw(&Text::new(
        "(E(0) − E)/E(0)".to_string(),
        (w - th.px(4.0), bottom + th.px(20.0)),
        th.text(10.0).pos(Pos::new(HPos::Right, VPos::Top)),
    ))?;
    Ok(Frame::Grids { grids })
}

/// The deep student's mode strengths `uᵀ W₂W₁ v` for the modes of the sample's Σʸˣ (solid)
/// with their scalar-map prediction (dashed, same colour), against t/τ on a log axis. The label
/// says whether the map is exact (whitened inputs, aligned start) or an approximation.
pub fn draw_deep_modes<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    run: &GenRun,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let Some(deep) = run.deep() else {
        return Err("the mode chart needs a student with a hidden layer".into());
    };
    let recs = run.records();
    let pred = run.predicted_modes().unwrap_or_default();
    let keep: Vec<usize> = (0..recs.len()).filter(|&k| recs[k].time > 0.0).collect();
    let n_modes = deep.svd.s.len().min(10);
    let t_end = (run.config().train.steps as f64 * run.config().train.lr).max(1e-2);
    let t_start = keep
        .first()
        .map_or(t_end / 1e3, |&k| recs[k].time)
        .min(t_end / 10.0);
    let mut y_hi: f64 = 0.0;
    for &k in &keep {
        for a in 0..n_modes {
            for v in [recs[k].modes[a], pred.get(k).map_or(0.0, |p| p[a])] {
                if v.is_finite() {
                    y_hi = y_hi.max(v);
                }
            }
        }
    }
    let y_hi = (y_hi.max(deep.svd.s.first().copied().unwrap_or(1.0)) * 1.1).max(1e-6);
    let mut chart = ChartBuilder::on(root)
        .margin(th.px(10.0))
        .x_label_area_size(th.px(34.0))
        .y_label_area_size(th.px(50.0))
        .build_cartesian_2d((t_start..t_end).log_scale(), 0f64..y_hi)?;
    mesh(
        &mut chart,
        "time t/τ (log scale)",
        "mode strength uᵀ W₂W₁ v",
        th,
    )?;
    let clip = |v: f64| {
        if v.is_finite() {
            v.clamp(0.0, y_hi)
        } else {
            y_hi
        }
    };
    for a in (0..n_modes).rev() {
        let color = th.mode(a);
        chart.draw_series(DashedLineSeries::new(
            keep.iter()
                .filter_map(|&k| pred.get(k).map(|p| (recs[k].time, clip(p[a])))),
            th.px(6.0),
            th.px(4.0),
            color.stroke_width(th.stroke(1.5)),
        ))?;
        chart.draw_series(LineSeries::new(
            keep.iter().map(|&k| (recs[k].time, clip(recs[k].modes[a]))),
            color.stroke_width(th.stroke(2.0)),
        ))?;
    }
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let label = if deep.exact {
        "dashed: exact scalar map of each mode"
    } else {
        "dashed: scalar map of each mode, an approximation (inputs not whitened or random start)"
    };
    legend(
        root,
        (xr.end, yr.start),
        &[
            (th.mode(0).to_rgba(), false, "solid: simulation".to_string()),
            (th.mode(0).to_rgba(), true, label.to_string()),
        ],
        th,
    )?;
    Ok(Frame::xy(
        chart.plotting_area(),
        (t_start, t_end),
        (0.0, y_hi),
        false,
    ))
}

/// The data-table view of the error chart: one row per record of the run.
pub fn errors_table(run: &GenRun) -> Table {
    let mut t = Table::of(&[
        "step",
        "t/τ",
        "test error",
        "training error",
        "test error, exact",
        "training error, exact",
        "test error, large-N theory",
        "training error, large-N theory",
    ]);
    t.rows = run
        .records()
        .iter()
        .map(|r| {
            vec![
                serde_json::json!(r.step),
                Table::num(r.time),
                Table::num(r.test_error),
                Table::num(r.train_error),
                Table::opt(r.exact_test_error),
                Table::opt(r.exact_train_error),
                Table::num(r.mp_test_error),
                Table::num(r.mp_train_error),
            ]
        })
        .collect();
    let stop = run.early_stop();
    t.note = Some(format!(
        "best stopping time t_opt = {} τ with test error {}; ridge γ* = 1/SNR {}; oracle σ²ε {}",
        fmt_num(stop.t_opt),
        fmt_num(stop.test_error),
        fmt_num(run.ridge_test_error()),
        fmt_num(run.oracle())
    ));
    t
}

/// The spectrum panel's numbers: the histogram's bins beside the Marchenko–Pastur density at
/// each bin's centre; the note gives the atom at 0.
pub fn spectrum_table(spectrum: &SampleSpectrum, alpha: f64) -> Table {
    let b = spectrum_bins(spectrum, alpha);
    let mut t = Table::of(&[
        "λ from",
        "λ to",
        "density, this sample",
        "density, Marchenko–Pastur at the bin's centre",
    ]);
    t.rows = b
        .dens
        .iter()
        .enumerate()
        .map(|(k, &d)| {
            let mid = (k as f64 + 0.5) * b.width;
            vec![
                Table::num(k as f64 * b.width),
                Table::num((k + 1) as f64 * b.width),
                Table::num(d),
                Table::num(mp_density(alpha, mid)),
            ]
        })
        .collect();
    let atom = mp_atom(alpha);
    t.note = Some(format!(
        "eigenvalues of XXᵀ for N = {} inputs at α = {}; {} of them are 0{}",
        spectrum.inputs,
        fmt_num(alpha),
        b.zeros,
        if atom > 0.0 {
            format!(
                " (the theory's atom at 0 has weight 1 − α = {})",
                fmt_num(atom)
            )
        } else {
            String::new()
        }
    ));
    t
}

/// The stopping-time panel's numbers: t*(λ) at each eigenvalue the curve is drawn at.
pub fn stop_table(theory: &MpTheory) -> Table {
    let (_, _, pts) = stop_curve(theory);
    let mut t = Table::of(&["eigenvalue λ", "best stopping time t*(λ)/τ"]);
    t.rows = pts
        .iter()
        .map(|&(l, ts)| vec![Table::num(l), Table::num(ts)])
        .collect();
    t.note = Some(format!(
        "one global stop: t_opt = {}τ",
        fmt_num(theory.early_stop().t_opt)
    ));
    t
}

/// The deep student's modes: each recorded step's strength of every mode drawn, simulated and
/// from its scalar map.
pub fn deep_modes_table(run: &GenRun) -> Table {
    let Some(deep) = run.deep() else {
        let mut t = Table::of(&["step", "t/τ"]);
        t.note = Some("tick “deep student” to give the student a hidden layer".into());
        return t;
    };
    let n_modes = deep.svd.s.len().min(10);
    let pred = run.predicted_modes().unwrap_or_default();
    let mut names = vec!["step".to_string(), "t/τ".to_string()];
    for a in 0..n_modes {
        names.push(format!("mode {} simulated", a + 1));
        names.push(format!("mode {} scalar map", a + 1));
    }
    let mut t = Table::new(names);
    for (k, r) in run.records().iter().enumerate() {
        let mut row = vec![serde_json::json!(r.step), Table::num(r.time)];
        for a in 0..n_modes {
            row.push(Table::opt(r.modes.get(a).copied()));
            row.push(Table::opt(pred.get(k).and_then(|p| p.get(a).copied())));
        }
        t.rows.push(row);
    }
    let s: Vec<String> = deep
        .svd
        .s
        .iter()
        .take(n_modes)
        .map(|&v| fmt_num(v))
        .collect();
    t.note = Some(format!(
        "singular values of this sample's Σʸˣ: {}; the scalar map is {}",
        s.join(", "),
        if deep.exact {
            "exact"
        } else {
            "an approximation (inputs not whitened or random start)"
        }
    ));
    t
}

/// The α sweep's rows, as the chart draws them.
pub fn sweep_table(rows: &[SweepRow]) -> Table {
    let mut t = Table::of(&[
        "α",
        "SNR",
        "E_g(10⁴τ)",
        "E_g(∞)",
        "E_g(t_opt)",
        "t_opt/τ",
        "overtraining",
        "best ridge",
    ]);
    t.rows = rows
        .iter()
        .map(|r| {
            vec![
                Table::num(r.alpha),
                Table::num(r.snr),
                Table::num(r.test_error_final),
                if r.test_error_infinite.is_infinite() {
                    "∞".into()
                } else {
                    Table::num(r.test_error_infinite)
                },
                Table::num(r.test_error_at_t_opt),
                Table::num(r.t_opt),
                Table::num(r.overtraining),
                Table::num(r.ridge_test_error),
            ]
        })
        .collect();
    if t.rows.is_empty() {
        t.note = Some("no sweep yet: press Run sweep to fill this table".into());
    }
    t
}

/// The SNR × α maps, one row per cell computed so far.
pub fn heat_table(map: &HeatMap) -> Table {
    let mut t = Table::of(&[
        "α",
        "SNR",
        "error reduction, no early stopping",
        "error reduction, optimal early stopping",
    ]);
    for (r, &ls) in map.log10_snrs.iter().enumerate() {
        for (c, &a) in map.alphas.iter().enumerate() {
            let (late, early) = (map.late[r][c], map.early[r][c]);
            if late.is_nan() && early.is_nan() {
                continue;
            }
            t.rows.push(vec![
                Table::num(a),
                Table::num(10f64.powf(ls)),
                Table::num(late),
                Table::num(early),
            ]);
        }
    }
    t.note = Some(if t.rows.is_empty() {
        "no map yet: press Run sweep to fill it".into()
    } else {
        "(E_g(0) − E_g)/E_g(0): positive where the error fell".into()
    });
    t
}

/// The deep student on a rank-1 signal in noise: above, the strength of the sample's outlier
/// mode and its strongest noise modes against time (simulation solid, each mode's exact scalar
/// map dotted), with the outlier approximation's top mode (dashed) and the noise bulk's edge;
/// below, the distance to the clean signal with the outlier approximation of its plateau.
pub fn draw_outlier<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    demo: &OutlierDemo,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let t_end = outlier::STEPS as f64 * outlier::LR;
    // Nothing moves before 0.5 τ from the start of 10⁻⁴.
    let t_start = 0.5;
    let keep: Vec<usize> = (0..demo.records().len())
        .filter(|&k| demo.records()[k].time >= t_start)
        .collect();
    let recs: Vec<&OutlierRecord> = keep.iter().map(|&k| &demo.records()[k]).collect();
    let exact = demo.exact_modes();
    let top = demo.predicted_top();
    let (_, h) = root.dim_in_pixel();
    let row = th.px(15.0);
    // Each plot has its legend in a strip above it, so no line runs under a label.
    let strip = |n: usize| (row * n as i32 + th.px(8.0)).max(0) as u32;
    let (strip_u, strip_l) = (strip(5), strip(3));
    let plots = h.saturating_sub(strip_u + strip_l);
    let (upper, lower) = root.split_vertically(strip_u + plots * 56 / 100);
    let (legend_u, upper) = upper.split_vertically(strip_u);
    let (legend_l, lower) = lower.split_vertically(strip_l);
    // Above: the modes.
    let s_hat = demo.predicted.map_or(0.0, |p| p.s_hat);
    let y_hi = demo.svd.s[0].max(s_hat).max(demo.s_bar).max(demo.edge()) * 1.12;
    let mut chart = ChartBuilder::on(&upper)
        .margin(th.px(10.0))
        .x_label_area_size(th.px(34.0))
        .y_label_area_size(th.px(50.0))
        .build_cartesian_2d((t_start..t_end).log_scale(), 0f64..y_hi)?;
    mesh(&mut chart, "time t/τ (log scale)", "mode strength", th)?;
    let hline = |y: f64| [(t_start, y), (t_end, y)];
    chart.draw_series(DashedLineSeries::new(
        hline(demo.edge()),
        th.px(2.0),
        th.px(3.0),
        th.faint(0.55).stroke_width(th.stroke(1.2)),
    ))?;
    chart.draw_series(LineSeries::new(
        hline(demo.s_bar),
        th.faint(0.3).stroke_width(th.stroke(1.0)),
    ))?;
    let n_modes = recs.first().map_or(0, |r| r.modes.len());
    for a in (0..n_modes).rev() {
        let color = if a == 0 { th.mode(0) } else { th.faint(0.45) };
        chart.draw_series(LineSeries::new(
            recs.iter().map(|r| (r.time, r.modes[a].clamp(0.0, y_hi))),
            color.stroke_width(th.stroke(if a == 0 { 2.4 } else { 1.4 })),
        ))?;
        chart.draw_series(DashedLineSeries::new(
            keep.iter()
                .filter_map(|&k| exact.get(k).map(|m| (demo.records()[k].time, m[a]))),
            th.px(1.5),
            th.px(3.0),
            th.ink.mix(0.5).stroke_width(th.stroke(1.0)),
        ))?;
    }
    if let Some(top) = &top {
        chart.draw_series(DashedLineSeries::new(
            keep.iter()
                .map(|&k| (demo.records()[k].time, top[k].clamp(0.0, y_hi))),
            th.px(7.0),
            th.px(4.0),
            th.palette[5].stroke_width(th.stroke(2.0)),
        ))?;
    }
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let upper_frame = Frame::xy(chart.plotting_area(), (t_start, t_end), (0.0, y_hi), false);
    let items = vec![
        (
            th.mode(0).to_rgba(),
            false,
            format!(
                "outlier mode (simulation), s₁ = {}",
                fmt_num(demo.measured.0)
            ),
        ),
        match demo.predicted {
            Some(p) => (
                th.palette[5].to_rgba(),
                true,
                format!(
                    "random-matrix outlier approximation, ŝ = {}",
                    fmt_num(p.s_hat)
                ),
            ),
            None => (
                th.palette[5].to_rgba(),
                true,
                format!(
                    "no outlier: s̄ below the threshold A^¼ = {}",
                    fmt_num(demo.aspect().powf(0.25))
                ),
            ),
        },
        (
            th.faint(0.45).to_rgba(),
            false,
            "noise modes; dotted: each mode's exact map".to_string(),
        ),
        (
            th.faint(0.55).to_rgba(),
            true,
            format!("noise bulk edge 1 + √A = {}", fmt_num(demo.edge())),
        ),
        (
            th.faint(0.3).to_rgba(),
            false,
            format!("clean signal s̄ = {}", fmt_num(demo.s_bar)),
        ),
    ];
    let _ = yr;
    legend(root, (xr.end, legend_u.get_base_pixel().1), &items, th)?;
    // Below: the distance to the clean signal, on a log axis (from its dip to its end).
    let plateau = demo.predicted_plateau();
    let floor = demo.predicted_floor();
    let values = || {
        recs.iter()
            .map(|r| r.signal_error)
            .chain(plateau)
            .chain(floor)
            .filter(|v| v.is_finite() && *v > 0.0)
    };
    let e_lo = values().fold(1.0f64, f64::min) * 0.6;
    let e_hi = values().fold(1.0f64, f64::max) * 1.6;
    let mut chart = ChartBuilder::on(&lower)
        .margin(th.px(10.0))
        .x_label_area_size(th.px(34.0))
        .y_label_area_size(th.px(50.0))
        .build_cartesian_2d((t_start..t_end).log_scale(), (e_lo..e_hi).log_scale())?;
    mesh(
        &mut chart,
        "time t/τ (log scale)",
        "‖W − s̄ūv̄ᵀ‖²/s̄² (log)",
        th,
    )?;
    let clip = |v: f64| v.clamp(e_lo, e_hi);
    if let Some(p) = plateau {
        chart.draw_series(DashedLineSeries::new(
            hline(clip(p)),
            th.px(2.0),
            th.px(3.0),
            th.palette[5].stroke_width(th.stroke(1.4)),
        ))?;
    }
    if let Some(f) = floor {
        chart.draw_series(DashedLineSeries::new(
            hline(clip(f)),
            th.px(7.0),
            th.px(4.0),
            th.palette[5].stroke_width(th.stroke(1.8)),
        ))?;
    }
    chart.draw_series(LineSeries::new(
        recs.iter().map(|r| (r.time, clip(r.signal_error))),
        th.palette[0].stroke_width(th.stroke(2.2)),
    ))?;
    if let Some((k, best)) = demo
        .best()
        .filter(|&(k, _)| demo.records()[k].time >= t_start)
    {
        chart.draw_series(std::iter::once(Circle::new(
            (demo.records()[k].time, clip(best)),
            th.px(4.0),
            th.palette[0].filled(),
        )))?;
    }
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let lower_frame = Frame::xy(chart.plotting_area(), (t_start, t_end), (e_lo, e_hi), true);
    let mut items = vec![(
        th.palette[0].to_rgba(),
        false,
        "distance to the signal (simulation; dot: lowest)".to_string(),
    )];
    if let (Some(f), Some(p)) = (floor, plateau) {
        items.push((
            th.palette[5].to_rgba(),
            true,
            format!("approximation, best along ûv̂ᵀ: {}", fmt_num(f)),
        ));
        items.push((
            th.palette[5].to_rgba(),
            true,
            format!("approximation, outlier learned: {} (dotted)", fmt_num(p)),
        ));
    }
    let _ = yr;
    legend(root, (xr.end, legend_l.get_base_pixel().1), &items, th)?;
    Ok(Frame::Parts {
        parts: vec![upper_frame, lower_frame],
    })
}

/// The data-table view of the outlier chart: one row per record.
pub fn outlier_table(demo: &OutlierDemo) -> Table {
    let n = demo.records().first().map_or(0, |r| r.modes.len());
    let mut columns = vec!["step".to_string(), "t/τ".to_string()];
    columns.extend((1..=n).map(|a| format!("mode {a}")));
    columns.push("top mode, outlier approximation".into());
    columns.push("distance to the clean signal".into());
    let mut t = Table::new(columns);
    let top = demo.predicted_top();
    t.rows = demo
        .records()
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let mut row = vec![serde_json::json!(r.step), Table::num(r.time)];
            row.extend(r.modes.iter().map(|&m| Table::num(m)));
            row.push(
                top.as_ref()
                    .map_or(serde_json::Value::Null, |p| Table::num(p[k])),
            );
            row.push(Table::num(r.signal_error));
            row
        })
        .collect();
    t.note = Some(format!(
        "s̄ = {}, A = {}: this sample's s₁ = {}, ⟨û,ū⟩² = {}, ⟨v̂,v̄⟩² = {}; {}",
        fmt_num(demo.s_bar),
        fmt_num(demo.aspect()),
        fmt_num(demo.measured.0),
        fmt_num(demo.measured.1),
        fmt_num(demo.measured.2),
        match demo.predicted {
            Some(p) => format!(
                "outlier approximation ŝ = {}, ⟨û,ū⟩² = {}, ⟨v̂,v̄⟩² = {}, bulk edge {}",
                fmt_num(p.s_hat),
                fmt_num(p.u_overlap2),
                fmt_num(p.v_overlap2),
                fmt_num(p.edge)
            ),
            None => "below the detection threshold: no outlier".into(),
        }
    ));
    t
}
