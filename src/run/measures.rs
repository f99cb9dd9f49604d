//! Measures of semantic development (PNAS19; docs/theory.md §2.3): representational similarity,
//! a progressive-differentiation map, semantic illusions, typicality and inductive projection,
//! for the simulated network (from its snapshots) and for the exact theory.

use ndarray::{s, Array1, Array2, ArrayView1, Axis};
use serde::Serialize;

use crate::engine::data::Dataset;
use crate::engine::kernels::matmul;
use crate::linalg::{symmetric_eigen, Svd};
use crate::run::history::Snapshot;
use crate::theory::predict::Prediction;

/// The representational similarity matrix of the first hidden layer, `H^T H` (items x items);
/// for one-hot items `W_1^T W_1` (docs/theory.md §2.3.8).
pub fn gram(hidden: &Array2<f64>) -> Array2<f64> {
    matmul(&hidden.t(), &hidden.view())
}

/// Pearson correlation between the entries of two equally shaped matrices.
pub fn correlation(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    let n = a.len().min(b.len()) as f64;
    if n < 2.0 {
        return f64::NAN;
    }
    let (ma, mb) = (a.sum() / n, b.sum() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b.iter()) {
        let (dx, dy) = (x - ma, y - mb);
        sab += dx * dy;
        saa += dx * dx;
        sbb += dy * dy;
    }
    sab / (saa * sbb).sqrt().max(1e-300)
}

/// A fixed two-dimensional frame for classical MDS of item representations (docs/theory.md §2.3.3,
/// 5 "Representations"): the top two eigenvectors of the double-centred reference Gram
/// `B = J G J`, `J = I - 11^T/P`. Every Gram is projected into the same frame,
/// `X = (J G J) E L^(-1/2)`, which is exactly classical MDS for the reference Gram itself, so
/// the picture grows from the origin without jumping.
#[derive(Clone, Debug)]
pub struct MdsFrame {
    basis: Array2<f64>,
    inv_sqrt: [f64; 2],
}

fn double_centre(g: &Array2<f64>) -> Array2<f64> {
    let p = g.nrows() as f64;
    let row: Array1<f64> = g.sum_axis(ndarray::Axis(1)) / p;
    let col: Array1<f64> = g.sum_axis(ndarray::Axis(0)) / p;
    let all = g.sum() / (p * p);
    Array2::from_shape_fn(g.dim(), |(i, j)| g[(i, j)] - row[i] - col[j] + all)
}

impl MdsFrame {
    /// The frame of a reference Gram (items x items), if it has two positive directions.
    pub fn from_gram(g: &Array2<f64>) -> Option<MdsFrame> {
        if g.nrows() < 3 {
            return None;
        }
        let b = double_centre(g);
        let (vals, vecs) = symmetric_eigen(&b.view());
        let tol = 1e-12 * vals[0].abs().max(1e-300);
        if vals[0] <= tol || vals[1] <= tol {
            return None;
        }
        let basis = vecs.slice(ndarray::s![.., ..2]).to_owned();
        Some(MdsFrame {
            basis,
            inv_sqrt: [1.0 / vals[0].sqrt(), 1.0 / vals[1].sqrt()],
        })
    }

    /// Coordinates of every item for a Gram matrix, in this frame.
    pub fn project(&self, g: &Array2<f64>) -> Vec<[f64; 2]> {
        let x = matmul(&double_centre(g).view(), &self.basis.view());
        x.rows()
            .into_iter()
            .map(|r| [r[0] * self.inv_sqrt[0], r[1] * self.inv_sqrt[1]])
            .collect()
    }
}

/// The overshoot rule of docs/theory.md §2.3.4 for a trajectory `y(t)` (first and last values stand
/// for `y(0)` and `y(inf)`): `max(max_t y - max(y0, yinf), min(y0, yinf) - min_t y)`. Returns
/// the overshoot and the index of the extreme value that produces it.
pub fn overshoot(y: &[f64]) -> (f64, usize) {
    if y.is_empty() {
        return (0.0, 0);
    }
    let (first, last) = (y[0], y[y.len() - 1]);
    let (mut imax, mut imin) = (0, 0);
    for (k, &v) in y.iter().enumerate() {
        if v > y[imax] {
            imax = k;
        }
        if v < y[imin] {
            imin = k;
        }
    }
    let above = y[imax] - first.max(last);
    let below = first.min(last) - y[imin];
    if above >= below {
        (above, imax)
    } else {
        (below, imin)
    }
}

/// One semantic illusion: an output that transiently moves away from both its start and its
/// final value.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Illusion {
    pub item: String,
    pub feature: String,
    /// The target value of this output.
    pub target: f64,
    /// Overshoot of the predicted trajectory (the ranking key).
    pub overshoot: f64,
    /// Extreme value of the simulated output so far, and the step where it happened.
    pub peak_sim: Option<f64>,
    pub step_sim: Option<u64>,
    /// Extreme value of the predicted output and the step where it happens.
    pub peak_theory: Option<f64>,
    pub step_theory: Option<f64>,
}

/// A time grid covering a prediction's whole course: to 2.5 times the last half-learning time,
/// and at least 5 / s_min time constants (units of tau).
pub fn course_end(pred: &Prediction, s: &[f64]) -> f64 {
    let last_half = pred
        .half_times()
        .into_iter()
        .flatten()
        .fold(0.0f64, f64::max);
    let s_min = s
        .iter()
        .copied()
        .filter(|&x| x > 1e-9 * s[0])
        .fold(f64::INFINITY, f64::min);
    (2.5 * last_half).max(5.0 / s_min.min(1e300)).max(1e-6)
}

/// A candidate illusion found on the predicted trajectories: overshoot, feature, item, and the
/// predicted extreme value and its time (units of tau).
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub overshoot: f64,
    pub feature: usize,
    pub item: usize,
    pub extreme: f64,
    pub time: f64,
}

/// Features present in only one item: a target row whose values above the midpoint of its
/// range belong to a single item. With ±1 data such a feature's rivals all say "absent", so the
/// broad modes pull its one owner down before the fine mode restores it; every one of them
/// overshoots, and none is the illusion PNAS19 describe (a feature lent by a category, then
/// withdrawn). The ranking leaves them out.
pub fn single_item_features(y: &Array2<f64>) -> Vec<bool> {
    y.rows()
        .into_iter()
        .map(|row| {
            let (lo, hi) = row
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
                    (l.min(v), h.max(v))
                });
            if hi - lo <= 1e-12 * hi.abs().max(lo.abs()).max(1e-300) {
                return false;
            }
            let mid = 0.5 * (lo + hi);
            row.iter().filter(|&&v| v > mid).count() == 1
        })
        .collect()
}

/// Points in the time grid of the illusion scan.
pub const SCAN_POINTS: usize = 300;
/// The reduced scan's error on any output, as a fraction of the smallest overshoot kept.
pub const SCAN_TOLERANCE: f64 = 0.05;

/// The most multiply-adds one illusion scan may cost (about a third of a second in the page):
/// past it the scan covers only the outputs that the modes move most, and says so.
pub const SCAN_BUDGET: f64 = 3e8;

/// Scans the predicted output of every (feature, item) over the whole course and keeps the
/// `top` largest overshoots above `min_overshoot` (docs/theory.md §2.3.4), largest first, leaving out
/// the features of [`single_item_features`].
///
/// For aligned predictions it never builds a predicted matrix: every output is
/// `y_mi(t) = sum_a a_a(t) u_ma v_ia`, so the scan works on the T x r table of mode strengths
/// on the grid. Modes that do not move are dropped (a constant shifts an output's start, end and
/// extremes alike, so it cannot change an overshoot), and the table is reduced to the few time
/// profiles `P = A Q_K` that reproduce it: with `E = A - P Q_K^T`, every output differs from its
/// reduced value by at most the largest row norm of E (`|c|_2 <= 1` for the coefficients
/// `c_a = u_ma v_ia`), and K grows until that is below `SCAN_TOLERANCE * min_overshoot`. The
/// candidates are then re-scored on their exact trajectories. The shallow solution has no
/// illusions (each output moves monotonically); the Riccati solution is scanned on its matrices
/// where it keeps them.
pub fn predicted_illusions(
    pred: &Prediction,
    svd: &Svd,
    y: &Array2<f64>,
    top: usize,
    min_overshoot: f64,
) -> Vec<Candidate> {
    predicted_illusions_noted(pred, svd, y, top, min_overshoot).0
}

/// [`predicted_illusions`], with a note when the scan covered only part of the features
/// because the whole would cost more than [`SCAN_BUDGET`] multiply-adds.
pub fn predicted_illusions_noted(
    pred: &Prediction,
    svd: &Svd,
    y: &Array2<f64>,
    top: usize,
    min_overshoot: f64,
) -> (Vec<Candidate>, Option<String>) {
    if pred.is_shallow() || top == 0 {
        return (vec![], None);
    }
    let skip = single_item_features(y);
    let end = course_end(pred, &svd.s);
    let times: Vec<f64> = (0..=SCAN_POINTS)
        .map(|k| end * k as f64 / SCAN_POINTS as f64)
        .collect();
    let (mut out, partial) = if pred.is_aligned() {
        aligned_scan(pred, svd, &skip, &times, top, min_overshoot)
    } else {
        (matrix_scan(pred, &skip, &times, min_overshoot), None)
    };
    out.sort_by(|a, b| b.overshoot.total_cmp(&a.overshoot));
    out.truncate(top);
    let note = partial.map(|(done, all)| {
        format!(
            "the illusion scan covered the {done} of {all} features that the modes move most \
             (every output would take too long)"
        )
    });
    (out, note)
}

/// The predicted mode strengths on a time grid (`times x modes`).
fn mode_table(pred: &Prediction, k: usize, times: &[f64]) -> Array2<f64> {
    let mut a = Array2::zeros((times.len(), k));
    for (row, &t) in times.iter().enumerate() {
        for (alpha, v) in pred.sample(t).modes.iter().take(k).enumerate() {
            a[(row, alpha)] = *v;
        }
    }
    a
}

fn aligned_scan(
    pred: &Prediction,
    svd: &Svd,
    skip: &[bool],
    times: &[f64],
    top: usize,
    min_overshoot: f64,
) -> (Vec<Candidate>, Option<(usize, usize)>) {
    let (nf, k) = svd.u.dim();
    let p = svd.v.nrows();
    let a = mode_table(pred, k, times);
    let live: Vec<usize> = (0..k)
        .filter(|&alpha| {
            let col = a.column(alpha);
            let (lo, hi) = col
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
                    (l.min(v), h.max(v))
                });
            hi - lo > 1e-13 * hi.abs().max(lo.abs()).max(1e-300)
        })
        .collect();
    if live.is_empty() {
        return (vec![], None);
    }
    let al = a.select(Axis(1), &live);
    let ul = svd.u.select(Axis(1), &live);
    let vl = svd.v.select(Axis(1), &live);
    let r = live.len();
    let tol = SCAN_TOLERANCE * min_overshoot;
    let (_, q) = symmetric_eigen(&al.t().dot(&al).view());
    let mut kk = 1;
    let (profiles, qk) = loop {
        let qk = q.slice(s![.., ..kk]).to_owned();
        let pk = al.dot(&qk);
        if kk >= r {
            break (pk, qk);
        }
        let resid = &al - &pk.dot(&qk.t());
        let worst = resid
            .rows()
            .into_iter()
            .map(|row| row.dot(&row).sqrt())
            .fold(0.0f64, f64::max);
        if worst <= tol {
            break (pk, qk);
        }
        kk = (kk * 2).min(r);
    };
    let kk = qk.ncols();
    let screen = min_overshoot - 2.0 * tol;
    let mut pool: Vec<(f64, usize, usize)> = Vec::new();
    let mut traj = vec![0.0; times.len()];
    let mut partial = None;
    let mut rows: Vec<usize> = (0..nf).filter(|&m| !skip[m]).collect();
    // Each feature row costs p (r kk + T kk) multiply-adds; past the budget, keep the rows the
    // modes move most (largest sum over live modes of (u_ma s_a)^2).
    let per_row = (p * (r * kk + times.len() * kk)).max(1) as f64;
    let limit = ((SCAN_BUDGET / per_row) as usize).max(1);
    if rows.len() > limit {
        let weight = |m: usize| -> f64 {
            live.iter()
                .map(|&a| (svd.u[(m, a)] * svd.s[a]).powi(2))
                .sum()
        };
        rows.sort_by(|&x, &y| weight(y).total_cmp(&weight(x)).then(x.cmp(&y)));
        rows.truncate(limit);
        rows.sort_unstable();
        partial = Some((limit, nf));
    }
    // Coefficients on the profiles: b_k(m, i) = sum_a u_ma (v_ia q_ak), and the trajectory
    // y(t) = sum_k b_k p_k(t), in plain loops (the few profiles are too narrow for a matrix
    // product to pay for its packing, and plain loops do the same arithmetic in every build).
    let vq: Vec<Vec<f64>> = (0..kk)
        .map(|kc| {
            let mut b = vec![0.0; p * r];
            for i in 0..p {
                for a in 0..r {
                    b[i * r + a] = vl[(i, a)] * qk[(a, kc)];
                }
            }
            b
        })
        .collect();
    let prof: Vec<Vec<f64>> = (0..kk).map(|kc| profiles.column(kc).to_vec()).collect();
    let mut um = vec![0.0; r];
    for &m in &rows {
        for (dst, &v) in um.iter_mut().zip(ul.row(m)) {
            *dst = v;
        }
        for i in 0..p {
            traj.fill(0.0);
            for (b, pk) in vq.iter().zip(&prof) {
                let row = &b[i * r..(i + 1) * r];
                let c: f64 = um.iter().zip(row).map(|(u, v)| u * v).sum();
                for (dst, &pv) in traj.iter_mut().zip(pk) {
                    *dst += c * pv;
                }
            }
            let (o, _) = overshoot(&traj);
            if o > screen {
                pool.push((o, m, i));
            }
        }
        if pool.len() > 16 * top {
            pool.sort_by(|a, b| b.0.total_cmp(&a.0));
            pool.truncate(4 * top);
        }
    }
    pool.sort_by(|a, b| b.0.total_cmp(&a.0));
    pool.truncate(4 * top);
    // Exact trajectories of the candidates, from every mode.
    let found = pool
        .into_iter()
        .filter_map(|(_, m, i)| {
            let y: Vec<f64> = a
                .rows()
                .into_iter()
                .map(|row| {
                    (0..k)
                        .map(|alpha| row[alpha] * svd.u[(m, alpha)] * svd.v[(i, alpha)])
                        .sum()
                })
                .collect();
            let (o, kx) = overshoot(&y);
            (o > min_overshoot).then(|| Candidate {
                overshoot: o,
                feature: m,
                item: i,
                extreme: y[kx],
                time: times[kx],
            })
        })
        .collect();
    (found, partial)
}

/// The scan on predicted matrices (for solutions that are not aligned with the modes).
fn matrix_scan(
    pred: &Prediction,
    skip: &[bool],
    times: &[f64],
    min_overshoot: f64,
) -> Vec<Candidate> {
    let Some(maps) = times
        .iter()
        .map(|&t| pred.matrices_at(t).map(|m| m.map))
        .collect::<Option<Vec<_>>>()
    else {
        return vec![];
    };
    let (nf, p) = maps[0].dim();
    let mut out = Vec::new();
    let mut y = vec![0.0; maps.len()];
    for m in (0..nf).filter(|&m| !skip.get(m).copied().unwrap_or(false)) {
        for i in 0..p {
            for (k, w) in maps.iter().enumerate() {
                y[k] = w[(m, i)];
            }
            let (o, k) = overshoot(&y);
            if o > min_overshoot {
                out.push(Candidate {
                    overshoot: o,
                    feature: m,
                    item: i,
                    extreme: y[k],
                    time: times[k],
                });
            }
        }
    }
    out
}

/// The predicted value of output (feature `m`, item `i`) at each time, or `None` where the
/// prediction has no value for it: from the mode strengths for aligned predictions, from the
/// predicted map otherwise.
pub fn predicted_output(
    pred: &Prediction,
    svd: &Svd,
    m: usize,
    i: usize,
    times: &[f64],
) -> Option<Vec<f64>> {
    if pred.is_aligned() {
        let k = svd.s.len();
        return Some(
            times
                .iter()
                .map(|&t| {
                    let a = pred.sample(t).modes;
                    (0..k.min(a.len()))
                        .map(|alpha| a[alpha] * svd.u[(m, alpha)] * svd.v[(i, alpha)])
                        .sum()
                })
                .collect(),
        );
    }
    times
        .iter()
        .map(|&t| pred.matrices_at(t).map(|w| w.map[(m, i)]))
        .collect()
}

/// One output's simulated and predicted course, for `dln run --illusion ITEM,FEATURE`.
#[derive(Clone, Debug, Serialize)]
pub struct IllusionTrace {
    pub item: String,
    pub feature: String,
    pub target: f64,
    /// Steps at which the output was read; `sim` and `theory` are the output there.
    pub steps: Vec<u64>,
    pub sim: Vec<f64>,
    pub theory: Option<Vec<f64>>,
    /// The simulated extreme (in the direction of the overshoot rule) and its step.
    pub peak_sim: Option<f64>,
    pub step_sim: Option<u64>,
    /// The predicted extreme over the whole course (not only the steps run) and its step.
    pub peak_theory: Option<f64>,
    pub step_theory: Option<f64>,
}

/// The first few labels of a list, for messages.
pub(crate) fn short_list(names: &[String]) -> String {
    let mut s: Vec<&str> = names.iter().take(8).map(String::as_str).collect();
    if names.len() > 8 {
        s.push("…");
    }
    s.join(", ")
}

/// Illusions ranked by the overshoot of the predicted trajectory (or, without a prediction, of
/// the simulated one so far), at most `top` of them, with the simulated extremes beside them.
///
/// `predicted` are the candidates of [`predicted_illusions`], strongest first (empty when the
/// run has no prediction); `snaps` are the run's snapshots of `data`; `step_at_time` turns a
/// time of the theory into the run's step.
pub fn illusions(
    data: &Dataset,
    snaps: &[Snapshot],
    predicted: &[Candidate],
    step_at_time: impl Fn(f64) -> f64,
    top: usize,
) -> Vec<Illusion> {
    let mut cands: Vec<Candidate> = predicted.iter().take(top).cloned().collect();
    let predicted = !cands.is_empty();
    if !predicted {
        let (nf, p) = data.y.dim();
        let skip = single_item_features(&data.y);
        cands.clear();
        for m in (0..nf).filter(|&m| !skip[m]) {
            for i in 0..p {
                let y: Vec<f64> = snaps.iter().map(|s| s.output[(m, i)]).collect();
                let (o, k) = overshoot(&y);
                if o > 0.05 {
                    cands.push(Candidate {
                        overshoot: o,
                        feature: m,
                        item: i,
                        extreme: y[k],
                        time: snaps[k].time,
                    });
                }
            }
        }
        cands.sort_by(|a, b| b.overshoot.total_cmp(&a.overshoot));
        cands.truncate(top);
    }
    cands
        .into_iter()
        .map(|c| {
            let sim = sim_extreme(snaps, c.feature, c.item, predicted.then_some(c.extreme));
            Illusion {
                item: data.items[c.item].clone(),
                feature: data.features[c.feature].clone(),
                target: data.y[(c.feature, c.item)],
                overshoot: c.overshoot,
                peak_sim: sim.map(|s| s.0),
                step_sim: sim.map(|s| s.1),
                peak_theory: predicted.then_some(c.extreme),
                step_theory: predicted.then(|| step_at_time(c.time).round()),
            }
        })
        .collect()
}

/// The simulated extreme of output (m, i) over the snapshots, in the direction of the predicted
/// extreme when there is one (a maximum for an upward illusion).
pub(crate) fn sim_extreme(
    snaps: &[Snapshot],
    m: usize,
    i: usize,
    predicted: Option<f64>,
) -> Option<(f64, u64)> {
    if snaps.is_empty() {
        return None;
    }
    let y: Vec<f64> = snaps.iter().map(|s| s.output[(m, i)]).collect();
    let k = match predicted {
        Some(v) if v >= y[0] => (0..y.len()).max_by(|&a, &b| y[a].total_cmp(&y[b]))?,
        Some(_) => (0..y.len()).min_by(|&a, &b| y[a].total_cmp(&y[b]))?,
        None => overshoot(&y).1,
    };
    Some((y[k], snaps[k].step))
}

/// Inductive projection of a novel feature taught to item `i` only (docs/theory.md §2.3.7): a new
/// output unit learns `z = h_i / |h_i|^2`, so item j receives `G_ji / G_ii` for the hidden Gram G.
pub fn novel_feature(g: &Array2<f64>, i: usize) -> Vec<f64> {
    let d = g[(i, i)];
    (0..g.nrows())
        .map(|j| if d.abs() > 1e-300 { g[(j, i)] / d } else { 0.0 })
        .collect()
}

/// Inductive projection of a novel item said to have feature `m` (docs/theory.md §2.3.7): a new input
/// unit learns `w = R^T e_m / |R^T e_m|^2`, so the item's predicted features are
/// `(R R^T)_{:,m} / (R R^T)_{mm}` for the readout `R = W_D ... W_2`. It takes only column `m` of
/// `R R^T` (`R R^T e_m`): the whole `N_D x N_D` matrix of a 10,000-feature dataset is 800 MB.
pub fn novel_item(column: ArrayView1<'_, f64>, m: usize) -> Vec<f64> {
    let d = column[m];
    column
        .iter()
        .map(|&g| if d.abs() > 1e-300 { g / d } else { 0.0 })
        .collect()
}

/// Item typicality for category mode `alpha` (docs/theory.md §2.3.5): the object-analyzer entries
/// `v_{i alpha} = u_alpha^T y_i / s_alpha`.
pub fn typicality(v: ArrayView1<'_, f64>) -> Vec<f64> {
    v.to_vec()
}

/// Which items belong to category mode `alpha`'s picture of typicality: those whose
/// object-analyzer entry is at least a quarter of the largest in magnitude. The others (plants,
/// for a fish-against-bird mode) hardly express the category at all and get no crossing time.
pub fn category_members(v: ArrayView1<'_, f64>) -> Vec<bool> {
    let top = v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    v.iter()
        .map(|x| top > 0.0 && x.abs() >= 0.25 * top)
        .collect()
}

/// The times at which each member item's category output crosses one fixed threshold
/// (docs/theory.md §2.3.5). The category output of item i is its output projected on the mode's
/// feature prototype, signed to the item's side, `p_i(t) = sign(v_iα) u_αᵀ ŷ_i(t)`; for aligned
/// predictions it is exactly `a_α(t) |v_iα|`, proportional to the item's typicality, so with one
/// threshold for all items the more typical cross first. The threshold is half of the smallest
/// final value among the members, `θ = ½ (s_α / c) min |v_iα|`, so every member crosses it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Typicality {
    pub mode: usize,
    /// `v_iα` for every item.
    pub v: Vec<f64>,
    pub members: Vec<bool>,
    pub threshold: f64,
    /// Simulated crossing step of each member (none for non-members and items not yet there).
    pub sim: Vec<Option<f64>>,
    /// Predicted crossing step of each member.
    pub theory: Vec<Option<f64>>,
}

impl Typicality {
    /// Pairs of members whose crossing times (from `times`) are in the opposite order to their
    /// typicality |v| (ties within 1e-9 skipped).
    pub fn inversions(&self, times: &[Option<f64>]) -> Vec<(usize, usize)> {
        let mut out = vec![];
        for i in 0..self.v.len() {
            for j in 0..self.v.len() {
                if !(self.members[i] && self.members[j]) {
                    continue;
                }
                let (Some(ti), Some(tj)) = (times[i], times[j]) else {
                    continue;
                };
                if self.v[i].abs() > self.v[j].abs() + 1e-9 && ti > tj {
                    out.push((i, j));
                }
            }
        }
        out
    }
}

/// The threshold of [`Typicality`]: half the smallest member's final category output.
pub fn category_threshold(s_alpha: f64, c: f64, v: ArrayView1<'_, f64>, members: &[bool]) -> f64 {
    let min = v
        .iter()
        .zip(members)
        .filter(|(_, &m)| m)
        .map(|(x, _)| x.abs())
        .fold(f64::INFINITY, f64::min);
    if min.is_finite() {
        0.5 * s_alpha / c.max(1e-300) * min
    } else {
        f64::INFINITY
    }
}

/// The first step (linearly interpolated between snapshots) at which each member's simulated
/// category output `sign(v_i) u_αᵀ y_i` reaches `threshold`.
pub fn simulated_crossings(
    outputs: &[&Array2<f64>],
    steps: &[f64],
    u: ArrayView1<'_, f64>,
    v: ArrayView1<'_, f64>,
    members: &[bool],
    threshold: f64,
) -> Vec<Option<f64>> {
    // One pass over the snapshots in order, each read row by row (contiguous) for every item at
    // once, stopping once every member has crossed.
    let n = v.len();
    let mut out = vec![None; n];
    let mut open: Vec<usize> = (0..n).filter(|&i| members[i]).collect();
    let mut prev = vec![0.0; n];
    let mut p = vec![0.0; n];
    for (k, w) in outputs.iter().enumerate() {
        if open.is_empty() {
            break;
        }
        p.iter_mut().for_each(|x| *x = 0.0);
        // Rows in place for a row-major snapshot (every recorded one), else from a copy.
        let w = w.as_standard_layout();
        for (row, &um) in w.rows().into_iter().zip(u.iter()) {
            let row = row.to_slice().expect("standard layout");
            crate::engine::kernels::axpy(&mut p, um, row);
        }
        open.retain(|&i| {
            let x = v[i].signum() * p[i];
            if x < threshold {
                prev[i] = x;
                return true;
            }
            out[i] = Some(if k == 0 {
                steps[0]
            } else {
                let f = ((threshold - prev[i]) / (x - prev[i]).max(1e-300)).clamp(0.0, 1.0);
                steps[k - 1] + f * (steps[k] - steps[k - 1])
            });
            false
        });
    }
    out
}

/// The first time (units of tau) at which `a_α(t) |v_i|` reaches `threshold` for each member,
/// from the predicted mode strength: a scan over the course, then bisection.
pub fn predicted_crossings(
    pred: &Prediction,
    s: &[f64],
    alpha: usize,
    v: ArrayView1<'_, f64>,
    members: &[bool],
    threshold: f64,
) -> Vec<Option<f64>> {
    let end = course_end(pred, s);
    let a = |t: f64| pred.sample(t).modes.get(alpha).copied().unwrap_or(0.0);
    let grid: Vec<(f64, f64)> = (0..=SCAN_POINTS)
        .map(|k| {
            let t = end * k as f64 / SCAN_POINTS as f64;
            (t, a(t))
        })
        .collect();
    (0..v.len())
        .map(|i| {
            if !members[i] {
                return None;
            }
            let goal = threshold / v[i].abs().max(1e-300);
            let k = grid.iter().position(|&(_, x)| x >= goal)?;
            if k == 0 {
                return Some(0.0);
            }
            let (mut lo, mut hi) = (grid[k - 1].0, grid[k].0);
            for _ in 0..60 {
                let mid = 0.5 * (lo + hi);
                if a(mid) >= goal {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            Some(hi)
        })
        .collect()
}

/// SMG14 Fig 3 (right; docs/theory.md §6.2): how far each mode's simulated half-learning time lags
/// the theory's, `t_sim / t_theory - 1`, over several seeds, with modes of (near-)equal
/// singular values pooled.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ModeDelays {
    pub seeds: usize,
    pub groups: Vec<DelayGroup>,
}

/// Modes whose singular values agree to within the grouping tolerance.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct DelayGroup {
    /// Mode indices (0-based).
    pub modes: Vec<usize>,
    /// Mean singular value of the group.
    pub s: f64,
    /// The delay of each seed, averaged over the group's modes (seeds in which some mode was
    /// not half learned are left out).
    pub per_seed: Vec<f64>,
    pub mean: f64,
    /// Standard deviation over the seeds (0 for one seed).
    pub spread: f64,
}

/// The first time a recorded mode strength reaches `goal`, interpolated between records.
pub(crate) fn crossing_time(
    records: &[super::history::Record],
    alpha: usize,
    goal: f64,
) -> Option<f64> {
    let k = records.iter().position(|r| r.modes[alpha] >= goal)?;
    if k == 0 {
        return Some(records[0].time);
    }
    let (a, b) = (&records[k - 1], &records[k]);
    let (ua, ub) = (a.modes[alpha], b.modes[alpha]);
    let f = ((goal - ua) / (ub - ua).max(1e-300)).clamp(0.0, 1.0);
    Some(a.time + f * (b.time - a.time))
}

/// Groups the modes with singular values above `1e-9 s_max` into runs whose neighbours differ
/// by less than `tolerance` relative.
pub fn group_modes(s: &[f64], tolerance: f64) -> Vec<Vec<usize>> {
    let top = s.first().copied().unwrap_or(0.0);
    let mut groups: Vec<Vec<usize>> = vec![];
    for (a, &x) in s.iter().enumerate() {
        if x <= 1e-9 * top {
            continue;
        }
        match groups.last_mut() {
            Some(g) if (s[*g.last().expect("non-empty")] - x).abs() <= tolerance * x => g.push(a),
            _ => groups.push(vec![a]),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn overshoot_finds_a_transient_bump_and_ignores_monotone_curves() {
        let (o, k) = overshoot(&[0.0, 0.3, 0.67, 0.2, 0.0]);
        assert!((o - 0.67).abs() < 1e-12 && k == 2);
        assert_eq!(overshoot(&[0.0, 0.5, 1.0]).0, 0.0);
        let (o, k) = overshoot(&[1.0, 1.2, 0.5, 0.0]);
        assert!((o - 0.2).abs() < 1e-12 && k == 1);
    }

    #[test]
    fn correlation_of_a_matrix_with_a_positive_multiple_of_itself_is_one() {
        let a = array![[1.0, 2.0], [3.0, 5.0]];
        assert!((correlation(&a, &(&a * 3.0)) - 1.0).abs() < 1e-12);
        assert!((correlation(&a, &(&a * -1.0)) + 1.0).abs() < 1e-12);
    }

    #[test]
    fn mds_of_the_reference_gram_reproduces_its_distances_in_two_dimensions() {
        // Four points in the plane: the MDS picture keeps their pairwise distances.
        let pts = [[0.0, 0.0], [3.0, 0.0], [0.0, 1.0], [3.0, 1.0]];
        let g = Array2::from_shape_fn((4, 4), |(i, j)| {
            pts[i][0] * pts[j][0] + pts[i][1] * pts[j][1]
        });
        let frame = MdsFrame::from_gram(&g).unwrap();
        let x = frame.project(&g);
        for i in 0..4 {
            for j in 0..4 {
                let d = |p: [f64; 2], q: [f64; 2]| {
                    ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt()
                };
                assert!((d(x[i], x[j]) - d(pts[i], pts[j])).abs() < 1e-9);
            }
        }
    }
}
