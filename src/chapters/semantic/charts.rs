//! The category-coherence demo (docs/theory.md §2.3.6): how well the data's top item mode finds a
//! category hidden in noise, against the category's coherence `C`, with a dashed line at the BBP
//! threshold `C = 1`; below it, the data matrix at the slider's strength beside its top item
//! mode `v_1`.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::chapters::semantic::coherence::{
    above_threshold, bbp_overlap, noise_edge, CoherenceDemo, CurvePoint, C_MAX, C_MIN,
};
use crate::charts::{diverging, fmt_num, ChartResult, Frame, Grid, Table, Theme};

/// Heat-map colours saturate at this many noise standard deviations.
const HEAT_MAX: f64 = 3.0;
/// Tick values on the coherence axis.
const TICKS: [f64; 7] = [0.2, 0.3, 0.5, 1.0, 2.0, 3.0, 5.0];
/// Below this height (CSS px) the chart leaves the heat map out.
const MIN_HEIGHT_FOR_DATA: f64 = 300.0;

/// Whether the category counts as found at coherence `c`: above the BBP threshold.
fn verdict(c: f64) -> &'static str {
    if above_threshold(c) {
        "category found"
    } else {
        "buried in noise"
    }
}

/// `C = 1.25: overlap 0.49 ± 0.05 (category found)`.
fn describe(p: &CurvePoint) -> String {
    format!(
        "C = {}: overlap {:.2} ± {:.2} ({})",
        fmt_num(p.c),
        p.mean,
        p.spread,
        verdict(p.c)
    )
}

/// The demo: overlap of `v_1` with the category against `C` (log axis), mean over noise draws
/// with a ± 1 sd band, the large-N limit dashed, the BBP threshold, and the slider's marker;
/// below it (when there is room) the first draw's data at the slider's strength.
///
/// The returned frame is [`Frame::Parts`]: the x-y plot, whose x range is in `log10 C`, then the
/// heat maps `v1` and `data`.
pub fn draw_coherence<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    demo: &CoherenceDemo,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let with_data = h as f64 >= MIN_HEIGHT_FOR_DATA * th.scale;
    let curve_h = if with_data {
        (h as f64 * 0.56) as i32
    } else {
        h
    };
    let (upper, _) = root.split_vertically(curve_h);
    let mut parts = vec![draw_curve(root, &upper, demo, th)?];
    if with_data {
        parts.extend(draw_data(root, (curve_h, w, h), demo, th)?);
    }
    Ok(Frame::Parts { parts })
}

fn draw_curve<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    demo: &CoherenceDemo,
    th: &Theme,
) -> Result<Frame, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let (x0, x1) = (C_MIN.log10(), C_MAX.log10());
    let mut chart = ChartBuilder::on(area)
        .margin(th.px(10.0))
        .margin_top(th.px(32.0))
        .x_label_area_size(th.px(34.0))
        .y_label_area_size(th.px(50.0))
        .build_cartesian_2d(x0..x1, 0f64..1.0)?;
    chart
        .configure_mesh()
        .x_desc("coherence C = S² K_o K_f / √(N_o N_f), log scale")
        .y_desc("overlap of v₁ with the category")
        .label_style(th.text(11.0))
        .axis_desc_style(th.text(12.0))
        .light_line_style(th.grid.mix(0.0))
        .bold_line_style(th.grid)
        .axis_style(th.ink.mix(0.6))
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(6)
        .y_label_formatter(&|v| fmt_num(*v))
        .draw()?;
    // The log axis's ticks and grid lines, by hand.
    for &t in &TICKS {
        let x = t.log10();
        chart.draw_series(LineSeries::new(
            [(x, 0.0), (x, 1.0)],
            th.grid.stroke_width(th.stroke(1.0)),
        ))?;
        let (px, py) = chart.backend_coord(&(x, 0.0));
        root.draw(&Text::new(
            fmt_num(t),
            (px, py + th.px(5.0)),
            th.text(11.0).pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
    }
    let at = |c: f64| c.log10();

    // The large-N limit, dashed (zero below the threshold).
    let sizes = demo.sizes();
    let mut limit: Vec<(f64, f64)> = (0..=240)
        .map(|k| x0 + (x1 - x0) * k as f64 / 240.0)
        .chain(std::iter::once(0.0))
        .map(|x| (x, bbp_overlap(10f64.powf(x), sizes)))
        .collect();
    limit.sort_by(|a, b| a.0.total_cmp(&b.0));
    chart.draw_series(DashedLineSeries::new(
        limit,
        th.px(6.0),
        th.px(4.0),
        th.palette[1].stroke_width(th.stroke(1.5)),
    ))?;

    // The BBP threshold.
    chart.draw_series(DashedLineSeries::new(
        [(0.0, 0.0), (0.0, 1.0)],
        th.px(4.0),
        th.px(3.0),
        th.ink.mix(0.7).stroke_width(th.stroke(1.2)),
    ))?;
    let (tx, ty) = chart.backend_coord(&(0.0, 1.0));
    root.draw(&Text::new(
        "BBP threshold C = 1".to_string(),
        (tx + th.px(4.0), ty + th.px(3.0)),
        th.text(11.0).pos(Pos::new(HPos::Left, VPos::Top)),
    ))?;

    // The measured curve: a ± 1 sd band and the mean.
    let curve = demo.curve();
    if !curve.is_empty() {
        let mut band: Vec<(f64, f64)> = curve
            .iter()
            .map(|p| (at(p.c), (p.mean + p.spread).min(1.0)))
            .collect();
        band.extend(
            curve
                .iter()
                .rev()
                .map(|p| (at(p.c), (p.mean - p.spread).max(0.0))),
        );
        chart.draw_series(std::iter::once(Polygon::new(
            band,
            th.palette[0].mix(0.15).filled(),
        )))?;
        chart.draw_series(LineSeries::new(
            curve.iter().map(|p| (at(p.c), p.mean)),
            th.palette[0].stroke_width(th.stroke(2.0)),
        ))?;
        chart.draw_series(
            curve
                .iter()
                .map(|p| Circle::new((at(p.c), p.mean), th.px(2.2), th.palette[0].filled())),
        )?;
    }

    // The slider's marker: the overlap at its coherence, with a ± 1 sd bar and a label.
    let now = demo.current();
    let (mx, my) = (at(now.c), now.mean);
    chart.draw_series(std::iter::once(PathElement::new(
        vec![
            (mx, (now.mean - now.spread).max(0.0)),
            (mx, (now.mean + now.spread).min(1.0)),
        ],
        th.palette[3].stroke_width(th.stroke(2.0)),
    )))?;
    chart.draw_series(std::iter::once(Circle::new(
        (mx, my),
        th.px(5.0),
        th.palette[3].filled(),
    )))?;
    chart.draw_series(std::iter::once(Circle::new(
        (mx, my),
        th.px(5.0),
        th.bg.stroke_width(th.stroke(1.5)),
    )))?;
    // Its readout above the plot, shortened when the chart is narrow.
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let head_y = yr.start - th.px(16.0);
    let head_x = th.px(10.0);
    root.draw(&Circle::new(
        (head_x + th.px(4.0), head_y),
        th.px(4.0),
        th.palette[3].filled(),
    ))?;
    let full = describe(&now);
    let head = fit(
        root,
        &[
            format!("{full} · S = {}", fmt_num(demo.strength())),
            full,
            format!(
                "C = {}: overlap {:.2} ± {:.2}",
                fmt_num(now.c),
                now.mean,
                now.spread
            ),
        ],
        &th.text(12.0),
        xr.end - head_x - th.px(13.0),
    );
    root.draw(&Text::new(
        head,
        (head_x + th.px(13.0), head_y),
        th.text(12.0)
            .color(&th.palette[3])
            .pos(Pos::new(HPos::Left, VPos::Center)),
    ))?;

    // The legend, bottom right, where the curve never goes: within the right 45% of the plot,
    // in short words when the chart is narrow.
    let (done, total) = demo.progress();
    let style = th.text(10.5).pos(Pos::new(HPos::Left, VPos::Center));
    let width_of = |rows: &[(String, bool)]| {
        rows.iter()
            .map(|(t, _)| {
                crate::charts::text_size(root, t, &style)
                    .map(|s| s.0 as i32)
                    .unwrap_or(0)
            })
            .max()
            .unwrap_or(0)
    };
    let long = [
        if done < total {
            format!("computing: {done} of {total} draws")
        } else {
            format!("mean of {total} noise draws ± 1 sd")
        },
        "large-N limit (BBP)".to_string(),
    ];
    let short = [
        if done < total {
            format!("{done} of {total} draws")
        } else {
            "mean ± 1 sd".to_string()
        },
        "BBP limit".to_string(),
    ];
    let room = ((xr.end - xr.start) as f64 * 0.45) as i32 - th.px(38.0);
    let mut rows: Vec<(String, bool)> = long.into_iter().zip([false, true]).collect();
    if width_of(&rows) > room {
        rows = short.into_iter().zip([false, true]).collect();
    }
    let text_w = width_of(&rows);
    let x_line = xr.end - th.px(8.0) - text_w - th.px(30.0);
    let x_text = x_line + th.px(30.0);
    for (k, (text, dashed)) in rows.iter().enumerate() {
        let y = yr.end - th.px(12.0) - th.px(16.0) * (rows.len() - 1 - k) as i32;
        if *dashed {
            for d in 0..3 {
                let x = x_line + th.px(8.0) * d;
                root.draw(&PathElement::new(
                    vec![(x, y), (x + th.px(5.0), y)],
                    th.palette[1].stroke_width(th.stroke(1.5)),
                ))?;
            }
        } else {
            root.draw(&Rectangle::new(
                [
                    (x_line, y - th.px(5.0)),
                    (x_line + th.px(22.0), y + th.px(5.0)),
                ],
                th.palette[0].mix(0.15).filled(),
            ))?;
            root.draw(&PathElement::new(
                vec![(x_line, y), (x_line + th.px(22.0), y)],
                th.palette[0].stroke_width(th.stroke(2.0)),
            ))?;
        }
        root.draw(&Text::new(text.clone(), (x_text, y), style.clone()))?;
    }

    Ok(Frame::xy(
        chart.plotting_area(),
        (x0, x1),
        (0.0, 1.0),
        false,
    ))
}

/// The first noise draw's data at the slider's strength (items as rows, features as columns,
/// the category first) with its top item mode `v_1` beside it. Returns the two grids.
fn draw_data<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (top0, w, h): (i32, i32, i32),
    demo: &CoherenceDemo,
    th: &Theme,
) -> Result<Vec<Frame>, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let sizes = *demo.sizes();
    let y = demo.data();
    let v = demo.top_item_vector();
    let pad = th.px(10.0);
    let title_h = th.px(34.0);
    let top = top0 + title_h;
    let bottom = h - th.px(22.0);
    let strip_w = th.px(34.0);
    let left = pad + th.px(18.0);
    let grid_left = left + strip_w + th.px(8.0);
    let grid_right = (w - pad).max(grid_left + 1);
    let bottom = bottom.max(top + 1);

    let s = demo.strength();
    let (n_o, n_f) = (sizes.items, sizes.features);
    let title = fit(
        root,
        &[
            format!(
                "The data at S = {} (one noise draw): {n_o} items × {n_f} features, the category outlined",
                fmt_num(s)
            ),
            format!(
                "The data at S = {} (one noise draw): {n_o} items × {n_f} features",
                fmt_num(s)
            ),
            format!("Data at S = {}: {n_o} items × {n_f} features", fmt_num(s)),
        ],
        &th.text(12.0),
        w - 2 * pad,
    );
    root.draw(&Text::new(
        title,
        (pad, top0 + th.px(2.0)),
        th.text(12.0).pos(Pos::new(HPos::Left, VPos::Top)),
    ))?;
    let (sv, edge) = (
        fmt_num(demo.top_singular_value()),
        fmt_num(noise_edge(&sizes)),
    );
    let subtitle = fit(
        root,
        &[
            format!(
                "top singular value {sv} vs noise edge √N_o + √N_f = {edge} · red > 0 > blue, ±{} saturated",
                fmt_num(HEAT_MAX)
            ),
            format!("top singular value {sv} vs noise edge √N_o + √N_f = {edge}"),
            format!("top singular value {sv}, noise edge {edge}"),
        ],
        &th.text(10.5),
        w - 2 * pad,
    );
    root.draw(&Text::new(
        subtitle,
        (pad, top0 + th.px(18.0)),
        th.text(10.5)
            .color(&th.ink.mix(0.75))
            .pos(Pos::new(HPos::Left, VPos::Top)),
    ))?;

    let rows = sizes.items;
    let grid = Grid {
        name: "data".into(),
        left: grid_left,
        top,
        right: grid_right,
        bottom,
        rows,
        cols: sizes.features,
        row_stride: 1,
    };
    let strip = Grid {
        name: "v1".into(),
        left,
        top,
        right: left + strip_w,
        bottom,
        rows,
        cols: 1,
        row_stride: 1,
    };
    // The heat map: y is features x items, drawn transposed.
    for r in 0..rows {
        for c in 0..sizes.features {
            let (p0, p1) = grid.cell_rect(r, c);
            root.draw(&Rectangle::new(
                [p0, p1],
                diverging(y[(c, r)], HEAT_MAX).filled(),
            ))?;
        }
    }
    root.draw(&Rectangle::new(
        [(grid.left, grid.top), (grid.right, grid.bottom)],
        th.ink.mix(0.35).stroke_width(1),
    ))?;
    // The category's block, outlined.
    let (c0, _) = grid.cell_rect(0, 0);
    let (_, c1) = grid.cell_rect(sizes.category_items - 1, sizes.category_features - 1);
    root.draw(&Rectangle::new(
        [(c0.0 - 1, c0.1 - 1), (c1.0 + 1, c1.1 + 1)],
        th.palette[3].stroke_width(th.stroke(1.5)),
    ))?;

    // v_1 as bars from a centre line, the category's items in the marker colour.
    let vmax = v.iter().fold(0.0f64, |m, x| m.max(x.abs())).max(1e-12);
    let mid = (strip.left + strip.right) / 2;
    let half = (strip.right - strip.left) as f64 / 2.0;
    for (r, &x) in v.iter().enumerate().take(rows) {
        let (p0, p1) = strip.cell_rect(r, 0);
        let len = (x / vmax * half).round() as i32;
        let (a, b) = if len >= 0 {
            (mid, mid + len.max(1))
        } else {
            (mid + len, mid)
        };
        let color = if sizes.in_category_item(r) {
            th.palette[3]
        } else {
            RGBColor(120, 126, 136)
        };
        root.draw(&Rectangle::new(
            [(a, p0.1), (b, p1.1.max(p0.1 + 1))],
            color.filled(),
        ))?;
    }
    root.draw(&PathElement::new(
        vec![(mid, top), (mid, bottom)],
        th.ink.mix(0.4).stroke_width(1),
    ))?;

    let label = th.text(11.0).pos(Pos::new(HPos::Center, VPos::Top));
    root.draw(&Text::new(
        "v₁".to_string(),
        (mid, bottom + th.px(4.0)),
        label.clone(),
    ))?;
    root.draw(&Text::new(
        "features".to_string(),
        ((grid.left + grid.right) / 2, bottom + th.px(4.0)),
        label,
    ))?;
    root.draw(&Text::new(
        "items".to_string(),
        (pad, (top + bottom) / 2),
        th.text(11.0)
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Center, VPos::Top)),
    ))?;
    Ok(vec![
        Frame::Grids { grids: vec![strip] },
        Frame::Grids { grids: vec![grid] },
    ])
}

/// The first of `candidates` (longest first) that fits in `max_width` device pixels, else the last.
fn fit<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    candidates: &[String],
    style: &TextStyle<'_>,
    max_width: i32,
) -> String {
    candidates
        .iter()
        .find(|t| {
            crate::charts::text_size(root, t, style)
                .map(|s| s.0 as i32 <= max_width)
                .unwrap_or(true)
        })
        .or(candidates.last())
        .cloned()
        .unwrap_or_default()
}

/// The hover readout at device pixel (x, y) of a chart drawn by [`draw_coherence`].
pub fn coherence_readout(frame: &Frame, demo: &CoherenceDemo, x: f64, y: f64) -> Option<String> {
    let Frame::Parts { parts } = frame else {
        return None;
    };
    for part in parts {
        match part {
            Frame::Xy {
                left,
                right,
                top,
                bottom,
                x_min,
                x_max,
                ..
            } => {
                let Some((lx, value)) = part.data_at(x, y) else {
                    continue;
                };
                let px_per_unit = (right - left) as f64 / (x_max - x_min).max(1e-300);
                let py_per_unit = (bottom - top) as f64;
                let now = demo.current();
                let near_marker = (now.c.log10() - lx).abs() * px_per_unit <= 8.0
                    && (now.mean - value).abs() * py_per_unit <= 10.0;
                if near_marker {
                    return Some(format!(
                        "{} · slider: S = {}, {} noise draws",
                        describe(&now),
                        fmt_num(demo.strength()),
                        now.draws
                    ));
                }
                if lx.abs() * px_per_unit <= 4.0 {
                    return Some(
                        "BBP threshold C = 1: above it the category's mode rises out of the noise"
                            .to_string(),
                    );
                }
                let curve = demo.curve();
                let p = curve.iter().min_by(|a, b| {
                    (a.c.log10() - lx)
                        .abs()
                        .total_cmp(&(b.c.log10() - lx).abs())
                })?;
                return Some(format!(
                    "{} · large-N limit {:.2}",
                    describe(p),
                    bbp_overlap(p.c, demo.sizes())
                ));
            }
            Frame::Grids { grids } => {
                for g in grids {
                    let Some((r, c)) = g.cell_at(x, y) else {
                        continue;
                    };
                    let sizes = demo.sizes();
                    let item = |i: usize| {
                        let tag = if sizes.in_category_item(i) {
                            " (category)"
                        } else {
                            ""
                        };
                        format!("item {}{tag}", i + 1)
                    };
                    return Some(if g.name == "v1" {
                        format!(
                            "v₁ of {}: {}",
                            item(r),
                            fmt_num(*demo.top_item_vector().get(r)?)
                        )
                    } else {
                        let tag = if sizes.in_category_feature(c) {
                            " (category)"
                        } else {
                            ""
                        };
                        format!(
                            "{} · feature {}{tag}: {}",
                            item(r),
                            c + 1,
                            fmt_num(demo.data_value(c, r))
                        )
                    });
                }
            }
            Frame::Parts { .. } => {}
        }
    }
    None
}

/// The demo as an SVG document of the given size (CSS pixels).
pub fn coherence_svg(demo: &CoherenceDemo, width: u32, height: u32) -> Result<String, String> {
    let mut out = String::new();
    {
        let backend = SVGBackend::with_string(&mut out, (width, height));
        let root = backend.into_drawing_area();
        draw_coherence(&root, demo, &Theme::default()).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// The data-table view of the coherence panel: the measured overlap curve with its spread over
/// noise draws, beside the large-N limit at the same coherences; the note gives the slider's
/// point.
pub fn coherence_table(demo: &CoherenceDemo) -> Table {
    let mut t = Table::of(&[
        "coherence C",
        "overlap of v₁ with the category, mean",
        "overlap, standard deviation over draws",
        "noise draws",
        "overlap, large-N limit",
    ]);
    let sizes = demo.sizes();
    t.rows = demo
        .curve()
        .iter()
        .map(|p| {
            vec![
                Table::num(p.c),
                Table::num(p.mean),
                Table::num(p.spread),
                serde_json::json!(p.draws),
                Table::num(bbp_overlap(p.c, sizes)),
            ]
        })
        .collect();
    let now = demo.current();
    t.note = Some(format!(
        "at the slider, C = {}: overlap {} ± {} over {} draws; the limit is 0 below the BBP \
         threshold C = 1",
        fmt_num(now.c),
        fmt_num(now.mean),
        fmt_num(now.spread),
        now.draws
    ));
    if t.rows.is_empty() {
        t.note = Some("the curve is still being computed".into());
    }
    t
}
