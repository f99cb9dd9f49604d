//! Heat maps: the network's output beside its target, and the SVD of the data (U, S, V^T).

use ndarray::{Array2, ArrayView2};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{diverging, fmt_num, ChartResult, Frame, Grid, Theme};
use crate::page::View;
use crate::run::{Run, Session};

/// Smallest row height (CSS px) before rows are thinned out.
const MIN_ROW: f64 = 3.0;
/// Largest cell width (CSS px).
const MAX_CELL: f64 = 34.0;

/// The widest of `labels` in `style`, in device pixels.
fn label_width<'a, DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: impl IntoIterator<Item = &'a String>,
    style: &TextStyle<'_>,
) -> i32 {
    labels
        .into_iter()
        .map(|l| {
            super::text_size(root, l, style)
                .map(|s| s.0 as i32)
                .unwrap_or(0)
        })
        .max()
        .unwrap_or(0)
}

/// Draws matrix `m` (rows x cols) into a grid, every `row_stride`-th row.
fn fill_grid<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    grid: &Grid,
    m: ArrayView2<'_, f64>,
    color: &dyn Fn(usize, usize, f64) -> RGBColor,
    th: &Theme,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    grid.fill(root, |r, c| {
        let i = r * grid.row_stride;
        color(i, c, m[(i, c)])
    })?;
    root.draw(&Rectangle::new(
        [(grid.left, grid.top), (grid.right, grid.bottom)],
        th.ink.mix(0.35).stroke_width(1),
    ))?;
    Ok(())
}

/// How the row labels of a grid of `rows` rows, `height` device pixels tall, are set: their
/// font (smaller than `font` for thin rows, down to 7.5 px) and how many rows apart they are.
fn row_label_plan(rows: usize, height: i32, th: &Theme, font: f64) -> (f64, usize) {
    let row_h = height as f64 / rows.max(1) as f64;
    let font = (row_h / th.scale * 0.95).clamp(7.5, font);
    let every = ((font * th.scale) / row_h).ceil().max(1.0) as usize;
    (font, every)
}

/// The labels `row_labels` draws for a grid of `rows` shown rows, every `stride`-th data row,
/// `height` device pixels tall: only these are measured, so a dataset of thousands of features
/// measures the few dozen that fit.
fn shown_row_labels<'a>(
    labels: &'a [String],
    (rows, stride, height): (usize, usize, i32),
    th: &Theme,
    font: f64,
) -> impl Iterator<Item = &'a String> {
    let (_, every) = row_label_plan(rows, height, th, font);
    labels
        .iter()
        .step_by(stride * every)
        .take(rows.div_ceil(every))
}

/// Row labels to the left of a grid (only when rows are tall enough to read).
fn row_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    grid: &Grid,
    labels: &[String],
    th: &Theme,
    font: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (font, every) = row_label_plan(grid.rows, grid.bottom - grid.top, th, font);
    let style = th.text(font).pos(Pos::new(HPos::Right, VPos::Center));
    for r in (0..grid.rows).step_by(every) {
        let (p0, p1) = grid.cell_rect(r, 0);
        let label = &labels[r * grid.row_stride];
        root.draw(&Text::new(
            label.clone(),
            (grid.left - th.px(4.0), (p0.1 + p1.1) / 2),
            style.clone(),
        ))?;
    }
    Ok(())
}

/// Column labels above a grid, rotated to read upwards.
fn col_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    grid: &Grid,
    labels: &[String],
    th: &Theme,
    font: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let col_w = (grid.right - grid.left) as f64 / grid.cols.max(1) as f64;
    let every = ((font * th.scale * 1.05) / col_w).ceil().max(1.0) as usize;
    let style = th
        .text(font)
        .transform(FontTransform::Rotate270)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for c in (0..grid.cols).step_by(every) {
        let (p0, p1) = grid.cell_rect(0, c);
        root.draw(&Text::new(
            labels[c].clone(),
            ((p0.0 + p1.0) / 2, grid.top - th.px(4.0)),
            style.clone(),
        ))?;
    }
    Ok(())
}

fn title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    x: i32,
    y: i32,
    th: &Theme,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.draw(&Text::new(
        text.to_string(),
        (x, y),
        th.text(12.0).pos(Pos::new(HPos::Left, VPos::Top)),
    ))
}

/// A vertical colour bar with its end labels.
fn color_bar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    (x, top, bottom): (i32, i32, i32),
    vmax: f64,
    th: &Theme,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let w = th.px(8.0);
    let n = (bottom - top).max(1);
    for k in 0..n {
        let v = vmax * (1.0 - 2.0 * k as f64 / n as f64);
        root.draw(&Rectangle::new(
            [(x, top + k), (x + w, top + k + 1)],
            diverging(v, vmax).filled(),
        ))?;
    }
    let style = th.text(10.0).pos(Pos::new(HPos::Left, VPos::Center));
    for (v, y) in [(vmax, top), (0.0, (top + bottom) / 2), (-vmax, bottom)] {
        root.draw(&Text::new(
            fmt_num(v),
            (x + w + th.px(3.0), y),
            style.clone(),
        ))?;
    }
    Ok(())
}

/// Rows to show for `n` data rows in `height` device pixels: (shown rows, stride).
fn thin_rows(n: usize, height: i32, th: &Theme) -> (usize, usize) {
    let fit = ((height as f64) / (MIN_ROW * th.scale)).floor().max(1.0) as usize;
    if n <= fit {
        (n, 1)
    } else {
        let stride = n.div_ceil(fit);
        (n.div_ceil(stride), stride)
    }
}

/// The network's output for every item (columns) and feature (rows), beside the target.
pub fn draw_output<DB: DrawingBackend>(
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
    let out = output_at(run, view);
    let target = &data.y;
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let font = 10.0;
    let label_style = th.text(font);
    let item_h = label_width(root, &data.items, &label_style);
    let pad = th.px(8.0);
    let bar = th.px(40.0);
    let gap = th.px(18.0);
    let cols = data.n_items();
    let when = if view.scrub.is_some() {
        format!(" at step {}", view.step(run))
    } else {
        String::new()
    };
    let title_style = th.text(12.0);
    // The layout for a title of one line, or of two when the output grid is too narrow for it
    // (a phone, or a long "every Nth feature" note), so that it never runs into "target".
    let layout = |lines: i32| {
        let top = pad + th.px(18.0) * lines + item_h + th.px(6.0);
        let grid_h = (h - top - pad).max(1);
        let (rows, stride) = thin_rows(data.n_outputs(), grid_h, th);
        let shown = shown_row_labels(&data.features, (rows, stride, grid_h), th, font);
        let feat_w = label_width(root, shown, &label_style);
        let left = pad + feat_w + th.px(6.0);
        let avail_w = (w - left - gap - bar - pad).max(2);
        let cell = ((avail_w as f64 / 2.0) / cols as f64).min(MAX_CELL * th.scale);
        let grid_w = (cell * cols as f64).floor() as i32;
        let note = if stride > 1 {
            format!(" (every {stride}th feature)")
        } else {
            String::new()
        };
        (top, grid_h, rows, stride, left, grid_w, note)
    };
    let mut lines = 1;
    let mut l = layout(1);
    let full = format!("network output{when}{}", l.6);
    let fits = |text: &str, grid_w: i32| {
        super::text_size(root, text, &title_style)
            .is_none_or(|s| s.0 as i32 <= grid_w + gap - th.px(6.0))
    };
    if !fits(&full, l.5) {
        lines = 2;
        l = layout(2);
    }
    let (top, grid_h, rows, stride, left, grid_w, note) = l;
    let mk = |name: &str, left: i32| Grid {
        name: name.into(),
        left,
        top,
        right: left + grid_w.max(1),
        bottom: top + grid_h,
        rows,
        cols,
        row_stride: stride,
    };
    let g_out = mk("output", left);
    let g_tgt = mk("target", left + grid_w + gap);
    let vmax = target.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-12);
    let col = |_: usize, _: usize, v: f64| diverging(v, vmax);
    fill_grid(root, &g_out, out.view(), &col, th)?;
    fill_grid(root, &g_tgt, target.view(), &col, th)?;
    row_labels(root, &g_out, &data.features, th, font)?;
    col_labels(root, &g_out, &data.items, th, font)?;
    col_labels(root, &g_tgt, &data.items, th, font)?;
    if lines == 1 {
        title(
            root,
            &format!("network output{when}{note}"),
            g_out.left,
            pad,
            th,
        )?;
    } else {
        title(root, "network output", g_out.left, pad, th)?;
        let rest = format!("{when}{note}");
        title(root, rest.trim(), g_out.left, pad + th.px(18.0), th)?;
    }
    title(root, "target", g_tgt.left, pad, th)?;
    color_bar(
        root,
        (
            g_tgt.right + th.px(10.0),
            top,
            top + grid_h.min(th.px(160.0)),
        ),
        vmax,
        th,
    )?;
    Ok(Frame::Grids {
        grids: vec![g_out, g_tgt],
    })
}

/// The SVD of the input-output correlation: `Sigma_yx = U S V^T`.
pub fn draw_svd<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    session: &Session,
    _view: &View,
    th: &Theme,
) -> ChartResult
where
    DB::ErrorType: 'static,
{
    root.fill(&th.bg)?;
    let run = session.run();
    let data = run.data();
    let svd = run.svd();
    let r = svd.rank().max(1).min(svd.s.len());
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let font = 10.0;
    let style = th.text(font);
    let item_h = label_width(root, &data.items, &style).max(th.px(14.0));
    let pad = th.px(8.0);
    let gap = th.px(16.0);
    let top = pad + th.px(18.0) + item_h + th.px(6.0);
    let grid_h = (h - top - pad).max(1);
    let (rows, stride) = thin_rows(data.n_outputs(), grid_h, th);
    let shown = shown_row_labels(&data.features, (rows, stride, grid_h), th, font);
    let feat_w = label_width(root, shown, &style);
    let left = pad + feat_w + th.px(6.0);
    let total_cols = (2 * r + data.n_items()) as f64;
    let avail_w = (w - left - 2 * gap - th.px(22.0) - pad).max(3) as f64;
    let cell = (avail_w / total_cols).min(MAX_CELL * th.scale);
    let u_w = (cell * r as f64).floor() as i32;
    let g_u = Grid {
        name: "U".into(),
        left,
        top,
        right: left + u_w.max(1),
        bottom: top + grid_h,
        rows,
        cols: r,
        row_stride: stride,
    };
    let sq_h = ((cell * r as f64).min(grid_h as f64)).floor() as i32;
    let s_left = g_u.right + gap;
    let g_s = Grid {
        name: "S".into(),
        left: s_left,
        top,
        right: s_left + u_w.max(1),
        bottom: top + sq_h.max(1),
        rows: r,
        cols: r,
        row_stride: 1,
    };
    let v_left = g_s.right + gap + th.px(22.0);
    let g_v = Grid {
        name: "VT".into(),
        left: v_left,
        top,
        right: v_left + (cell * data.n_items() as f64).floor().max(1.0) as i32,
        bottom: top + sq_h.max(1),
        rows: r,
        cols: data.n_items(),
        row_stride: 1,
    };
    let u = svd.u.slice(ndarray::s![.., ..r]);
    let vt: Array2<f64> = svd.v.slice(ndarray::s![.., ..r]).t().to_owned();
    let s_mat = Array2::from_shape_fn((r, r), |(i, j)| if i == j { svd.s[i] } else { 0.0 });
    let umax = u.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-12);
    let vmax = vt.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-12);
    let smax = svd.s[0].max(1e-12);
    fill_grid(root, &g_u, u, &|_, _, v| diverging(v, umax), th)?;
    fill_grid(root, &g_s, s_mat.view(), &|_, _, v| diverging(v, smax), th)?;
    fill_grid(root, &g_v, vt.view(), &|_, _, v| diverging(v, vmax), th)?;
    row_labels(root, &g_u, &data.features, th, font)?;
    let mode_names: Vec<String> = (1..=r).map(|a| a.to_string()).collect();
    col_labels(root, &g_u, &mode_names, th, font)?;
    col_labels(root, &g_s, &mode_names, th, font)?;
    row_labels(root, &g_v, &mode_names, th, font)?;
    col_labels(root, &g_v, &data.items, th, font)?;
    // Singular values written in the diagonal when they fit.
    let cell_px = (g_s.right - g_s.left) as f64 / r as f64;
    if cell_px >= 26.0 * th.scale {
        for a in 0..r {
            let (p0, p1) = g_s.cell_rect(a, a);
            let txt = format!("{:.1}", svd.s[a]);
            let color = if svd.s[a] / smax > 0.55 {
                WHITE
            } else {
                super::INK
            };
            root.draw(&Text::new(
                txt,
                ((p0.0 + p1.0) / 2, (p0.1 + p1.1) / 2),
                th.text(9.0)
                    .color(&color)
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            ))?;
        }
    }
    title(root, "U (feature synthesizers)", g_u.left, pad, th)?;
    title(root, "S", g_s.left, pad, th)?;
    title(root, "Vᵀ (object analyzers)", g_v.left, pad, th)?;
    Ok(Frame::Grids {
        grids: vec![g_u, g_s, g_v],
    })
}

/// The network's output at the view's step (a snapshot when scrubbing back).
fn output_at(run: &Run, view: &View) -> Array2<f64> {
    match view.scrub {
        Some(_) => run
            .history()
            .snapshot_at(view.step(run))
            .map(|s| s.output.clone())
            .unwrap_or_else(|| run.output()),
        None => run.output(),
    }
}

/// Hover readouts for the heat maps.
pub fn readout(
    panel: &str,
    frame: &Frame,
    run: &Run,
    view: &View,
    x: f64,
    y: f64,
) -> Option<String> {
    let Frame::Grids { grids } = frame else {
        return None;
    };
    let data = run.data();
    for g in grids {
        let Some((r, c)) = g.cell_at(x, y) else {
            continue;
        };
        let row = r * g.row_stride;
        return Some(match (panel, g.name.as_str()) {
            ("output", _) => {
                let out = output_at(run, view);
                format!(
                    "{} · {}: output {} (target {})",
                    data.items[c],
                    data.features[row],
                    fmt_num(out[(row, c)]),
                    fmt_num(data.y[(row, c)])
                )
            }
            ("svd", "U") => format!(
                "U[{}, mode {}] = {} (mode {}: {})",
                data.features[row],
                c + 1,
                fmt_num(run.svd().u[(row, c)]),
                c + 1,
                run.svd().describe_mode(c, &data.features)
            ),
            ("svd", "S") => {
                if r == c {
                    format!("s{} = {}", r + 1, fmt_num(run.svd().s[r]))
                } else {
                    "S is diagonal".to_string()
                }
            }
            ("svd", _) => format!(
                "Vᵀ[mode {}, {}] = {}",
                r + 1,
                data.items[c],
                fmt_num(run.svd().v[(c, r)])
            ),
            _ => return None,
        });
    }
    None
}

/// The data-table view of the output panel: one row per item and feature, the network's output
/// at the view's step beside its target.
pub fn output_table(run: &Run, view: &View) -> super::Table {
    use super::Table;
    let data = run.data();
    let out = output_at(run, view);
    let mut t = Table::of(&["item", "feature", "network output", "target"]);
    for (c, item) in data.items.iter().enumerate() {
        for (row, feature) in data.features.iter().enumerate() {
            t.rows.push(vec![
                serde_json::json!(item),
                serde_json::json!(feature),
                Table::num(out[(row, c)]),
                Table::num(data.y[(row, c)]),
            ]);
        }
    }
    t.note = Some(format!("at step {}", view.step(run)));
    t
}

/// The data-table view of the SVD panel: every entry of U, S and Vᵀ as the chart shows them
/// (the modes with a nonzero singular value), one row per entry.
pub fn svd_table(run: &Run) -> super::Table {
    use super::Table;
    let data = run.data();
    let svd = run.svd();
    let r = svd.rank().max(1).min(svd.s.len());
    let mut t = Table::of(&["matrix", "row", "column", "value"]);
    let mode = |a: usize| format!("mode {}", a + 1);
    for (row, feature) in data.features.iter().enumerate() {
        for a in 0..r {
            t.rows.push(vec![
                "U".into(),
                serde_json::json!(feature),
                mode(a).into(),
                Table::num(svd.u[(row, a)]),
            ]);
        }
    }
    for a in 0..r {
        t.rows.push(vec![
            "S".into(),
            mode(a).into(),
            mode(a).into(),
            Table::num(svd.s[a]),
        ]);
    }
    for a in 0..r {
        for (c, item) in data.items.iter().enumerate() {
            t.rows.push(vec![
                "Vᵀ".into(),
                mode(a).into(),
                serde_json::json!(item),
                Table::num(svd.v[(c, a)]),
            ]);
        }
    }
    let names: Vec<String> = (0..r)
        .map(|a| format!("{}: {}", mode(a), svd.describe_mode(a, &data.features)))
        .collect();
    t.note = Some(format!("Σʸˣ = U S Vᵀ; S is diagonal. {}", names.join("; ")));
    t
}
