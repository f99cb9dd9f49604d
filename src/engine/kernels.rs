//! Dense matrix products on row-major slices for the gradient step, in plain safe loops the
//! compiler vectorises (SSE2 natively, simd128 in wasm). Each product is cut into tiles of two
//! output rows by eight (then four, then one) columns whose sums stay in registers for the whole
//! inner dimension, so every load of the right factor feeds two rows. No allocation, and the
//! same arithmetic natively and in the browser.

/// Sums over the inner dimension for an `R x W` tile at column `j0`: `rows` yields, for each
/// inner index, the `R` left coefficients and the right factor's row.
#[inline(always)]
fn tile<'b, const R: usize, const W: usize>(
    rows: impl Iterator<Item = ([f64; R], &'b [f64])>,
    j0: usize,
) -> [[f64; W]; R] {
    let mut acc = [[0.0; W]; R];
    for (x, b_row) in rows {
        let b: &[f64; W] = b_row[j0..j0 + W].try_into().expect("a tile of W columns");
        for r in 0..R {
            for t in 0..W {
                acc[r][t] += x[r] * b[t];
            }
        }
    }
    acc
}

#[inline(always)]
fn store<const R: usize, const W: usize>(
    c: &mut [&mut [f64]; R],
    acc: [[f64; W]; R],
    j0: usize,
    alpha: f64,
    overwrite: bool,
) {
    for r in 0..R {
        let out: &mut [f64; W] = (&mut c[r][j0..j0 + W]).try_into().expect("W columns");
        for t in 0..W {
            out[t] = if overwrite {
                alpha * acc[r][t]
            } else {
                out[t] + alpha * acc[r][t]
            };
        }
    }
}

/// `c_r (+)= alpha * sum_k x_r[k] b[k, :]` for the `R` output rows `c`, tile by tile.
#[inline(always)]
fn rows_of<'b, const R: usize, I>(
    mut c: [&mut [f64]; R],
    p: usize,
    alpha: f64,
    overwrite: bool,
    make: impl Fn() -> I,
) where
    I: Iterator<Item = ([f64; R], &'b [f64])>,
{
    let mut j0 = 0;
    while j0 + 8 <= p {
        store(&mut c, tile::<R, 8>(make(), j0), j0, alpha, overwrite);
        j0 += 8;
    }
    if j0 + 4 <= p {
        store(&mut c, tile::<R, 4>(make(), j0), j0, alpha, overwrite);
        j0 += 4;
    }
    while j0 < p {
        store(&mut c, tile::<R, 1>(make(), j0), j0, alpha, overwrite);
        j0 += 1;
    }
}

/// `c += alpha * a * b` for `a` `n x k`, `b` `k x p`, `c` `n x p`; `dims` is `(n, k, p)`.
pub fn gemm(c: &mut [f64], alpha: f64, a: &[f64], b: &[f64], dims: (usize, usize, usize)) {
    gemm_impl(c, alpha, a, b, dims, false);
}

/// `c = alpha * a * b` (see [`gemm`]).
pub fn gemm_overwrite(
    c: &mut [f64],
    alpha: f64,
    a: &[f64],
    b: &[f64],
    dims: (usize, usize, usize),
) {
    gemm_impl(c, alpha, a, b, dims, true);
}

fn gemm_impl(
    c: &mut [f64],
    alpha: f64,
    a: &[f64],
    b: &[f64],
    (n, k, p): (usize, usize, usize),
    overwrite: bool,
) {
    assert!(
        a.len() == n * k && b.len() == k * p && c.len() == n * p,
        "gemm shapes"
    );
    if n == 0 || p == 0 {
        return;
    }
    if k == 0 {
        if overwrite {
            c.fill(0.0);
        }
        return;
    }
    let b_rows = || b.chunks_exact(p);
    let mut c2 = c.chunks_exact_mut(2 * p);
    let mut a2 = a.chunks_exact(2 * k);
    for (cc, aa) in c2.by_ref().zip(a2.by_ref()) {
        let (c0, c1) = cc.split_at_mut(p);
        let (a0, a1) = aa.split_at(k);
        rows_of([c0, c1], p, alpha, overwrite, || {
            a0.iter()
                .zip(a1)
                .zip(b_rows())
                .map(|((&x0, &x1), row)| ([x0, x1], row))
        });
    }
    let (c0, a0) = (c2.into_remainder(), a2.remainder());
    if !c0.is_empty() {
        rows_of([c0], p, alpha, overwrite, || {
            a0.iter().zip(b_rows()).map(|(&x, row)| ([x], row))
        });
    }
}

/// `c = a^T * b` for `a` `n x m`, `b` `n x p`, `c` `m x p`; `dims` is `(n, m, p)`.
///
/// Reads `a` in place (two of its columns per tile), so `a^T` is never formed.
pub fn gemm_tn(c: &mut [f64], a: &[f64], b: &[f64], (n, m, p): (usize, usize, usize)) {
    assert!(
        a.len() == n * m && b.len() == n * p && c.len() == m * p,
        "gemm_tn shapes"
    );
    if m == 0 || p == 0 {
        return;
    }
    if n == 0 {
        c.fill(0.0);
        return;
    }
    let pairs = || a.chunks_exact(m).zip(b.chunks_exact(p));
    let mut c2 = c.chunks_exact_mut(2 * p);
    let mut j = 0;
    for cc in c2.by_ref() {
        let (c0, c1) = cc.split_at_mut(p);
        rows_of([c0, c1], p, 1.0, true, || {
            pairs().map(move |(ar, br)| ([ar[j], ar[j + 1]], br))
        });
        j += 2;
    }
    let c0 = c2.into_remainder();
    if !c0.is_empty() {
        rows_of([c0], p, 1.0, true, || {
            pairs().map(move |(ar, br)| ([ar[j]], br))
        });
    }
}

/// `t = s^T` for `s` `rows x cols` (so `t` is `cols x rows`).
pub fn transpose(t: &mut [f64], s: &[f64], (rows, cols): (usize, usize)) {
    assert!(
        s.len() == rows * cols && t.len() == rows * cols,
        "transpose shapes"
    );
    if rows == 0 || cols == 0 {
        return;
    }
    for (i, s_row) in s.chunks_exact(cols).enumerate() {
        for (t_col, &v) in t[i..].iter_mut().step_by(rows).zip(s_row) {
            *t_col = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f64], b: &[f64], n: usize, k: usize, p: usize) -> Vec<f64> {
        let mut c = vec![0.0; n * p];
        for i in 0..n {
            for j in 0..p {
                for l in 0..k {
                    c[i * p + j] += a[i * k + l] * b[l * p + j];
                }
            }
        }
        c
    }

    fn numbers(len: usize, seed: u64) -> Vec<f64> {
        let mut r = crate::engine::rng::Rng::new(seed);
        (0..len).map(|_| r.gaussian()).collect()
    }

    fn close(x: &[f64], y: &[f64]) {
        assert_eq!(x.len(), y.len());
        for (a, b) in x.iter().zip(y) {
            assert!((a - b).abs() < 1e-12 * (1.0 + b.abs()), "{a} vs {b}");
        }
    }

    #[test]
    fn products_agree_with_the_textbook_triple_loop_for_odd_shapes() {
        for (n, k, p) in [
            (1, 1, 1),
            (3, 5, 7),
            (8, 4, 9),
            (6, 9, 2),
            (5, 0, 3),
            (16, 13, 1),
        ] {
            let a = numbers(n * k, 1);
            let b = numbers(k * p, 2);
            let expect = naive(&a, &b, n, k, p);
            let mut c = numbers(n * p, 3);
            gemm_overwrite(&mut c, 1.0, &a, &b, (n, k, p));
            close(&c, &expect);
            // Accumulating adds alpha times the product to what is there.
            let start = numbers(n * p, 4);
            let mut c = start.clone();
            gemm(&mut c, 0.5, &a, &b, (n, k, p));
            let want: Vec<f64> = start
                .iter()
                .zip(&expect)
                .map(|(s, e)| s + 0.5 * e)
                .collect();
            close(&c, &want);
            // a^T b with a stored transposed.
            let mut at = vec![0.0; n * k];
            transpose(&mut at, &a, (n, k));
            let mut c = numbers(n * p, 5);
            gemm_tn(&mut c, &at, &b, (k, n, p));
            close(&c, &expect);
        }
    }

    #[test]
    fn a_transpose_swaps_rows_and_columns() {
        let s = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2 x 3
        let mut t = [0.0; 6];
        transpose(&mut t, &s, (2, 3));
        assert_eq!(t, [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    }
}
