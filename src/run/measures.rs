//! Measures of semantic development (PNAS19; THEORY.md 2.3): representational similarity,
//! a progressive-differentiation map, semantic illusions, typicality and inductive projection,
//! for the simulated network (from its snapshots) and for the exact theory.

use ndarray::{Array1, Array2, ArrayView1};
use serde::Serialize;

use crate::engine::data::Dataset;
use crate::linalg::symmetric_eigen;
use crate::run::history::Snapshot;
use crate::theory::predict::Prediction;

/// The representational similarity matrix of the first hidden layer, `H^T H` (items x items);
/// for one-hot items `W_1^T W_1` (THEORY.md 2.3.8).
pub fn gram(hidden: &Array2<f64>) -> Array2<f64> {
    hidden.t().dot(hidden)
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

/// A fixed two-dimensional frame for classical MDS of item representations (THEORY.md 2.3.3,
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
        let x = double_centre(g).dot(&self.basis);
        x.rows()
            .into_iter()
            .map(|r| [r[0] * self.inv_sqrt[0], r[1] * self.inv_sqrt[1]])
            .collect()
    }
}

/// The overshoot rule of THEORY.md 2.3.4 for a trajectory `y(t)` (first and last values stand
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

/// Predicted output trajectories of every (feature, item) on a grid of `n + 1` times over the
/// whole course; `None` when the prediction has no matrices.
pub fn predicted_outputs(
    pred: &Prediction,
    s: &[f64],
    n: usize,
) -> Option<(Vec<f64>, Vec<Array2<f64>>)> {
    let end = course_end(pred, s);
    let times: Vec<f64> = (0..=n).map(|k| end * k as f64 / n as f64).collect();
    let maps = times
        .iter()
        .map(|&t| pred.matrices_at(t).map(|m| m.map))
        .collect::<Option<Vec<_>>>()?;
    Some((times, maps))
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

/// Scans the predicted output of every (feature, item) over the whole course and keeps the
/// `top` largest overshoots above `min_overshoot` (THEORY.md 2.3.4), largest first.
pub fn predicted_illusions(
    pred: &Prediction,
    s: &[f64],
    top: usize,
    min_overshoot: f64,
) -> Vec<Candidate> {
    let Some((times, maps)) = predicted_outputs(pred, s, 300) else {
        return vec![];
    };
    let (nf, p) = maps[0].dim();
    let mut out = Vec::new();
    let mut y = vec![0.0; maps.len()];
    for m in 0..nf {
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
    out.sort_by(|a, b| b.overshoot.total_cmp(&a.overshoot));
    out.truncate(top);
    out
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
        cands.clear();
        for m in 0..nf {
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
fn sim_extreme(
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

/// Inductive projection of a novel feature taught to item `i` only (THEORY.md 2.3.7): a new
/// output unit learns `z = h_i / |h_i|^2`, so item j receives `G_ji / G_ii` for the hidden Gram G.
pub fn novel_feature(g: &Array2<f64>, i: usize) -> Vec<f64> {
    let d = g[(i, i)];
    (0..g.nrows())
        .map(|j| if d.abs() > 1e-300 { g[(j, i)] / d } else { 0.0 })
        .collect()
}

/// Inductive projection of a novel item said to have feature `m` (THEORY.md 2.3.7): a new input
/// unit learns `w = R^T e_m / |R^T e_m|^2`, so the item's predicted features are
/// `(R R^T)_{:,m} / (R R^T)_{mm}` for the readout `R = W_D ... W_2`.
pub fn novel_item(readout_gram: &Array2<f64>, m: usize) -> Vec<f64> {
    novel_feature(readout_gram, m)
}

/// Item typicality for category mode `alpha` (THEORY.md 2.3.5): the object-analyzer entries
/// `v_{i alpha} = u_alpha^T y_i / s_alpha`.
pub fn typicality(v: ArrayView1<'_, f64>) -> Vec<f64> {
    v.to_vec()
}

/// The features that make up each side of a category mode: those whose feature-synthesizer
/// entry `u_{m alpha}` has the given sign and at least half the largest magnitude on that side.
pub fn category_features(u: ArrayView1<'_, f64>, positive: bool) -> Vec<usize> {
    let sign = if positive { 1.0 } else { -1.0 };
    let top = u.iter().map(|&x| sign * x).fold(0.0f64, f64::max);
    if top <= 0.0 {
        return vec![];
    }
    (0..u.len()).filter(|&m| sign * u[m] >= 0.5 * top).collect()
}

/// For each item on either side of mode `alpha`, the first time (from `times`) at which its mean
/// output over its side's category features reaches half of its mean target on them; `None`
/// for items without those features or that never get there.
pub fn half_strength_times(
    outputs: &[Array2<f64>],
    times: &[f64],
    y: &Array2<f64>,
    u: ArrayView1<'_, f64>,
    v: ArrayView1<'_, f64>,
) -> Vec<Option<f64>> {
    let pos = category_features(u, true);
    let neg = category_features(u, false);
    (0..y.ncols())
        .map(|i| {
            let feats = if v[i] >= 0.0 { &pos } else { &neg };
            if feats.is_empty() {
                return None;
            }
            let mean = |w: &Array2<f64>| {
                feats.iter().map(|&m| w[(m, i)]).sum::<f64>() / feats.len() as f64
            };
            let target = mean(y);
            if target <= 1e-12 {
                return None;
            }
            outputs
                .iter()
                .zip(times)
                .find(|(w, _)| mean(w) >= 0.5 * target)
                .map(|(_, &t)| t)
        })
        .collect()
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
