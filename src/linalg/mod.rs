//! Dense linear algebra: the SVD of the input-output correlation, singular values alone,
//! symmetric eigendecompositions, random orthogonal matrices, and (in [`lanczos`]) the top
//! eigenpair of a symmetric operator. The one module that uses nalgebra (pure Rust, builds for
//! wasm32); everything else passes ndarray matrices in and gets ndarray matrices back.

pub mod lanczos;

use nalgebra::{DMatrix, SymmetricEigen};
use ndarray::{Array1, Array2, ArrayView2};

pub use lanczos::{top_mode, TopMode};

/// Converts an ndarray matrix to nalgebra.
fn to_na(a: &ArrayView2<'_, f64>) -> DMatrix<f64> {
    DMatrix::from_fn(a.nrows(), a.ncols(), |i, j| a[(i, j)])
}

/// Converts an nalgebra matrix to ndarray.
fn from_na(m: &DMatrix<f64>) -> Array2<f64> {
    Array2::from_shape_fn((m.nrows(), m.ncols()), |(i, j)| m[(i, j)])
}

/// A thin singular value decomposition `A = U diag(s) V^T` with `s` sorted in decreasing order.
///
/// Sign convention (docs/theory.md §0.4): each pair `(u_a, v_a)` is flipped so that the entry of `v_a`
/// with the largest magnitude (the lowest index among ties) is positive.
#[derive(Clone, Debug)]
pub struct Svd {
    /// Left singular vectors as columns (`rows(A) x r`), the output-analyzing vectors.
    pub u: Array2<f64>,
    /// Singular values, decreasing (`r = min(rows, cols)` of them).
    pub s: Vec<f64>,
    /// Right singular vectors as columns (`cols(A) x r`), the input-analyzing (object analyzer) vectors.
    pub v: Array2<f64>,
}

impl Svd {
    pub fn new(a: &ArrayView2<'_, f64>) -> Svd {
        let (m, n) = a.dim();
        let r = m.min(n);
        if r == 0 {
            return Svd {
                u: Array2::zeros((m, 0)),
                s: vec![],
                v: Array2::zeros((n, 0)),
            };
        }
        let svd = to_na(a).svd(true, true);
        let u_na = svd.u.expect("requested U");
        let vt_na = svd.v_t.expect("requested V^T");
        let mut order: Vec<usize> = (0..r).collect();
        order.sort_by(|&i, &j| svd.singular_values[j].total_cmp(&svd.singular_values[i]));
        let mut u = Array2::zeros((m, r));
        let mut v = Array2::zeros((n, r));
        let mut s = Vec::with_capacity(r);
        for (k, &idx) in order.iter().enumerate() {
            s.push(svd.singular_values[idx].max(0.0));
            for i in 0..m {
                u[(i, k)] = u_na[(i, idx)];
            }
            for j in 0..n {
                v[(j, k)] = vt_na[(idx, j)];
            }
            let col = v.column(k);
            let max = col.iter().fold(0.0f64, |acc, x| acc.max(x.abs()));
            let lead = col
                .iter()
                .position(|x| x.abs() >= max - 1e-9 * max.max(1e-300))
                .unwrap_or(0);
            if v[(lead, k)] < 0.0 {
                v.column_mut(k).mapv_inplace(|x| -x);
                u.column_mut(k).mapv_inplace(|x| -x);
            }
        }
        Svd { u, s, v }
    }

    /// A short name for mode `alpha` from its feature synthesizer `u_alpha`: the most positive
    /// feature, and, when the mode contrasts two groups, the most negative one ("animal vs plant").
    pub fn describe_mode(&self, alpha: usize, features: &[String]) -> String {
        let col = self.u.column(alpha);
        let (mut hi, mut lo) = (0, 0);
        for (i, &x) in col.iter().enumerate() {
            if x > col[hi] {
                hi = i;
            }
            if x < col[lo] {
                lo = i;
            }
        }
        let name = |i: usize| features.get(i).cloned().unwrap_or_else(|| format!("#{i}"));
        let top = col[hi].abs().max(col[lo].abs());
        if col[hi] <= 0.25 * top {
            name(lo)
        } else if -col[lo] <= 0.25 * top {
            name(hi)
        } else {
            format!("{} vs {}", name(hi), name(lo))
        }
    }

    /// Number of modes with a non-negligible singular value (above `1e-10 * s_1`).
    pub fn rank(&self) -> usize {
        let tol = 1e-10 * self.s.first().copied().unwrap_or(0.0);
        self.s.iter().filter(|&&x| x > tol).count()
    }
}

/// The orthogonal factor Q of the QR decomposition of a square matrix, with the signs of R's
/// diagonal absorbed into Q's columns. Of a Gaussian matrix it is a Haar-random orthogonal
/// matrix (the engine draws those: `engine::init::random_orthogonal`).
pub fn sign_fixed_q(g: &ArrayView2<'_, f64>) -> Array2<f64> {
    let n = g.nrows();
    if n == 0 {
        return Array2::zeros((0, 0));
    }
    let qr = to_na(g).qr();
    let mut q = qr.q();
    let r = qr.r();
    for j in 0..n {
        if r[(j, j)] < 0.0 {
            for i in 0..n {
                q[(i, j)] = -q[(i, j)];
            }
        }
    }
    from_na(&q)
}

/// Eigendecomposition of a symmetric matrix, eigenvalues in decreasing order, eigenvectors as columns.
pub fn symmetric_eigen(a: &ArrayView2<'_, f64>) -> (Array1<f64>, Array2<f64>) {
    let n = a.nrows();
    let sym = to_na(a);
    let sym = (&sym + sym.transpose()) * 0.5;
    let eig = sym.symmetric_eigen();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| eig.eigenvalues[j].total_cmp(&eig.eigenvalues[i]));
    let vals = Array1::from_iter(order.iter().map(|&i| eig.eigenvalues[i]));
    let vecs = Array2::from_shape_fn((n, n), |(r, c)| eig.eigenvectors[(r, order[c])]);
    (vals, vecs)
}

/// Eigenvalues and eigenvectors (as columns) of a symmetric matrix, in the solver's own order,
/// without symmetrising first: for a matrix that is symmetric by construction and a use that does
/// not depend on the order (such as `V f(D) Vᵀ`).
pub fn symmetric_eigen_unordered(a: &ArrayView2<'_, f64>) -> (Vec<f64>, Array2<f64>) {
    let eig = SymmetricEigen::new(to_na(a));
    (
        eig.eigenvalues.iter().copied().collect(),
        from_na(&eig.eigenvectors),
    )
}

/// The singular values of a matrix, in decreasing order (none for an empty matrix).
pub fn singular_values(a: &ArrayView2<'_, f64>) -> Vec<f64> {
    if a.is_empty() {
        return vec![];
    }
    let mut s: Vec<f64> = to_na(a).singular_values().iter().copied().collect();
    s.sort_by(|a, b| b.total_cmp(a));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn the_svd_reconstructs_the_matrix_with_sorted_values() {
        let a = array![[1.0, 2.0, 0.0], [0.0, 3.0, 1.0]];
        let svd = Svd::new(&a.view());
        assert!(svd.s[0] >= svd.s[1]);
        let rec = svd
            .u
            .dot(&Array2::from_diag(&Array1::from(svd.s.clone())))
            .dot(&svd.v.t());
        for (x, y) in rec.iter().zip(a.iter()) {
            assert!((x - y).abs() < 1e-12);
        }
    }

    #[test]
    fn the_sign_fixed_q_is_orthogonal_with_r_positive_on_its_diagonal() {
        let g = array![[0.3, -1.2, 0.5], [2.0, 0.1, -0.7], [-0.4, 0.9, 1.1]];
        let q = sign_fixed_q(&g.view());
        let qtq = q.t().dot(&q);
        for ((i, j), x) in qtq.indexed_iter() {
            let want = if i == j { 1.0 } else { 0.0 };
            assert!((x - want).abs() < 1e-12);
        }
        let r = q.t().dot(&g);
        for j in 0..3 {
            assert!(r[(j, j)] > 0.0);
        }
    }
}
