//! Singular values of products of random matrices (SMG14 Fig 6B): two histograms on one
//! singular-value axis, the product of D Gaussian matrices above (spread out, most values tiny)
//! and the product of D orthogonal matrices below (every value exactly 1).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::chapters::depth::spectra::{histogram, summarise, Factor, SpectraDemo};
use crate::charts::{fmt_num, ChartResult, Frame, Table, Theme};

/// About this many histogram bins span the axis.
pub const BINS: usize = 40;

/// The bins: their width and number. The width is `1/(m + 1/2)` for a whole `m`, so that
/// sigma = 1 sits in the middle of a bin (the orthogonal spike is one bar, not two).
pub fn bins(x_max: f64) -> (f64, usize) {
    let m = (BINS as f64 / x_max - 0.5).round().max(1.0);
    let w = 1.0 / (m + 0.5);
    (w, (x_max / w).ceil().max(1.0) as usize)
}

/// Colour of each kind (as in the depth sweep: scaled Gaussian blue, orthogonal red).
pub fn factor_color(kind: Factor, th: &Theme) -> RGBColor {
    match kind {
        Factor::Gaussian => th.palette[0],
        Factor::Orthogonal => th.palette[3],
    }
}

/// The singular-value axis: from 0 to a little past the largest pooled value (at least 1.5,
/// so that the orthogonal spike at 1 sits inside).
pub fn axis_max(demo: &SpectraDemo) -> f64 {
    let m = [Factor::Gaussian, Factor::Orthogonal]
        .iter()
        .flat_map(|&k| demo.values(k).iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    // A round number of bins' width: 0.25 steps below 5, whole numbers above.
    let m = (m * 1.02).max(1.5);
    if m < 5.0 {
        (m * 4.0).ceil() / 4.0
    } else {
        m.ceil()
    }
}

fn title(kind: Factor, demo: &SpectraDemo) -> String {
    let d = demo.depth();
    let n = demo.size();
    match kind {
        Factor::Gaussian => format!("{d} Gaussian {n}×{n} matrices (std 1/√{n})"),
        Factor::Orthogonal => format!("{d} random orthogonal {n}×{n} matrices"),
    }
}

fn stats(kind: Factor, demo: &SpectraDemo) -> String {
    let v = demo.values(kind);
    if v.is_empty() {
        return "computing…".into();
    }
    let s = summarise(v);
    let ratio = if s.ratio.is_finite() {
        fmt_num(s.ratio)
    } else {
        "∞".into()
    };
    format!(
        "σ_max/σ_min = {ratio} · {:.0}% below 0.1 · mean σ² = {}",
        100.0 * s.below_tenth,
        fmt_num(s.mean_square)
    )
}

/// Draws both histograms. The frame is [`Frame::Parts`]: the Gaussian plot, then the orthogonal.
pub fn draw_spectra<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    demo: &SpectraDemo,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let (_, h) = root.dim_in_pixel();
    let x_max = axis_max(demo);
    let (upper, lower) = root.split_vertically(h as i32 / 2);
    let mut parts = Vec::new();
    for (area, kind, last) in [
        (&upper, Factor::Gaussian, false),
        (&lower, Factor::Orthogonal, true),
    ] {
        parts.push(draw_one(root, area, demo, kind, x_max, last, th)?);
    }
    let (done, total) = (demo.draws(), demo.draws_total());
    let pooled = if done < total {
        format!("pooling draw {done} of {total}")
    } else {
        format!("{total} draws pooled")
    };
    let (w, _) = root.dim_in_pixel();
    root.draw(&Text::new(
        pooled,
        (w as i32 - th.px(8.0), h as i32 - th.px(4.0)),
        th.text(10.0)
            .color(&th.ink.mix(0.55))
            .pos(Pos::new(HPos::Right, VPos::Bottom)),
    ))?;
    Ok(Frame::Parts { parts })
}

#[allow(clippy::too_many_arguments)]
fn draw_one<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    demo: &SpectraDemo,
    kind: Factor,
    x_max: f64,
    with_x_label: bool,
    th: &Theme,
) -> Result<Frame, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let values = demo.values(kind);
    let (w, nb) = bins(x_max);
    let hist = histogram(values, 0.0, w * nb as f64, nb);
    let top = hist.iter().copied().fold(0.0, f64::max).max(0.05) * 1.15;
    let mut chart = ChartBuilder::on(area)
        .margin(th.px(8.0))
        .margin_top(th.px(30.0))
        .x_label_area_size(th.px(if with_x_label { 34.0 } else { 18.0 }))
        .y_label_area_size(th.px(50.0))
        .build_cartesian_2d(0f64..x_max, 0f64..top)?;
    let mut mesh = chart.configure_mesh();
    mesh.y_desc("share of σ")
        .label_style(th.text(11.0))
        .axis_desc_style(th.text(12.0))
        .light_line_style(th.grid.mix(0.0))
        .bold_line_style(th.grid)
        .axis_style(th.ink.mix(0.6))
        .x_labels(8)
        .y_labels(4)
        .x_label_formatter(&|v| fmt_num(*v))
        .y_label_formatter(&|v| format!("{:.0}%", 100.0 * v));
    if with_x_label {
        mesh.x_desc("singular value σ of the product");
    }
    mesh.draw()?;
    let color = factor_color(kind, th);
    chart.draw_series(
        hist.iter()
            .enumerate()
            .filter(|(_, &f)| f > 0.0)
            .map(|(k, &f)| {
                Rectangle::new(
                    [(k as f64 * w, 0.0), (((k + 1) as f64 * w).min(x_max), f)],
                    color.mix(0.75).filled(),
                )
            }),
    )?;
    // The isometry line sigma = 1.
    chart.draw_series(DashedLineSeries::new(
        [(1.0, 0.0), (1.0, top)],
        th.px(4.0),
        th.px(3.0),
        th.ink.mix(0.5).stroke_width(th.stroke(1.0)),
    ))?;
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    root.draw(&Text::new(
        format!("product of {}", title(kind, demo)),
        (xr.start, yr.start - th.px(24.0)),
        th.text(12.5).color(&color),
    ))?;
    root.draw(&Text::new(
        stats(kind, demo),
        (xr.start, yr.start - th.px(10.0)),
        th.text(10.5).color(&th.ink.mix(0.75)),
    ))?;
    let (one_px, _) = chart.backend_coord(&(1.0, top));
    root.draw(&Text::new(
        "σ = 1",
        (one_px + th.px(4.0), yr.start + th.px(3.0)),
        th.text(10.0).color(&th.ink.mix(0.6)),
    ))?;
    Ok(Frame::xy(
        chart.plotting_area(),
        (0.0, x_max),
        (0.0, top),
        false,
    ))
}

/// The hover readout: the bin under the pointer and its share of the singular values.
pub fn spectra_readout(frame: &Frame, demo: &SpectraDemo, x: f64, y: f64) -> Option<String> {
    let Frame::Parts { parts } = frame else {
        return None;
    };
    for (part, kind) in parts.iter().zip([Factor::Gaussian, Factor::Orthogonal]) {
        let Frame::Xy { x_max, .. } = *part else {
            continue;
        };
        let Some((sv, _)) = part.data_at(x, y) else {
            continue;
        };
        let values = demo.values(kind);
        if values.is_empty() {
            return None;
        }
        let (w, nb) = bins(x_max);
        let k = ((sv / w).floor().max(0.0) as usize).min(nb - 1);
        let share = histogram(values, 0.0, w * nb as f64, nb)[k];
        let (lo, hi) = (k as f64 * w, (k + 1) as f64 * w);
        return Some(format!(
            "{} product: {:.1}% of singular values in [{}, {}){}",
            kind.name(),
            100.0 * share,
            fmt_num(lo),
            fmt_num(hi),
            if k == nb - 1 { " or beyond" } else { "" }
        ));
    }
    None
}

/// The data-table view: each histogram bin with the share of the pooled singular values in it,
/// for both products; the note gives each product's summary.
pub fn spectra_table(demo: &SpectraDemo) -> Table {
    let x_max = axis_max(demo);
    let (w, nb) = bins(x_max);
    let hist = [Factor::Gaussian, Factor::Orthogonal]
        .map(|k| histogram(demo.values(k), 0.0, w * nb as f64, nb));
    let mut t = Table::of(&[
        "σ from",
        "σ to",
        "share of σ, Gaussian product",
        "share of σ, orthogonal product",
    ]);
    if demo.values(Factor::Gaussian).is_empty() {
        t.note = Some("computing…".into());
        return t;
    }
    t.rows = (0..nb)
        .map(|k| {
            vec![
                Table::num(k as f64 * w),
                Table::num((k + 1) as f64 * w),
                Table::num(hist[0][k]),
                Table::num(hist[1][k]),
            ]
        })
        .collect();
    t.note = Some(format!(
        "products of {}: {}; of {}: {}; {} of {} draws pooled",
        title(Factor::Gaussian, demo),
        stats(Factor::Gaussian, demo),
        title(Factor::Orthogonal, demo),
        stats(Factor::Orthogonal, demo),
        demo.draws(),
        demo.draws_total()
    ));
    t
}
