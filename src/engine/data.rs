//! Datasets: items presented as inputs, features to be produced as outputs.
//!
//! Matrices follow docs/theory.md §0.1: `X` is `N_0 x P` (one column per item), `Y` is
//! `N_D x P` (one column per item, one row per feature). With the sum convention and one-hot
//! items, `Sigma_xx = X X^T = I` and `Sigma_yx = Y X^T = Y`.

use ndarray::Array2;

use crate::config::{Config, ConfigError, DatasetConfig, ExtraFeature, ValidConfig};
use crate::engine::rng::Rng;

/// A dataset with named items and features.
#[derive(Clone, Debug)]
pub struct Dataset {
    /// Names of the items (the columns of `x` and `y`).
    pub items: Vec<String>,
    /// Names of the features (the rows of `y`).
    pub features: Vec<String>,
    /// Inputs, `N_0 x P`.
    pub x: Array2<f64>,
    /// Targets, `N_D x P`.
    pub y: Array2<f64>,
    /// True when `x` is the `P x P` identity (one-hot items).
    pub one_hot: bool,
}

/// The 8 Rumelhart items and their attributes (Rogers & McClelland 2004; docs/theory.md §2.2 B).
const RM8_ITEMS: [(&str, &str); 8] = [
    (
        "pine",
        "plant tree pine living green grow roots bark branches",
    ),
    (
        "oak",
        "plant tree oak big living grow leaves roots bark branches",
    ),
    (
        "rose",
        "plant flower rose pretty living red grow leaves roots petals",
    ),
    (
        "daisy",
        "plant flower daisy pretty living yellow grow leaves roots petals",
    ),
    (
        "robin",
        "animal bird robin living red grow move fly skin legs wings feathers",
    ),
    (
        "canary",
        "animal bird canary pretty living yellow grow move fly sing skin legs wings feathers",
    ),
    (
        "sunfish",
        "animal fish sunfish living yellow grow move swim skin scales gills",
    ),
    (
        "salmon",
        "animal fish salmon big living red grow move swim skin scales gills",
    ),
];

const RM8_FEATURES: &str = "plant animal tree flower bird fish pine oak rose daisy robin canary \
    sunfish salmon pretty big living green red yellow grow move swim fly sing leaves roots skin \
    legs bark branches petals wings feathers scales gills";

/// The 4-item toy dataset (docs/theory.md §2.2 A).
const TOY4_ITEMS: [(&str, &str); 4] = [
    ("canary", "grow move fly"),
    ("salmon", "grow move swim"),
    ("oak", "grow roots leaves"),
    ("rose", "grow roots petals"),
];
const TOY4_FEATURES: &str = "grow move roots fly swim leaves petals";

impl Dataset {
    /// A one-hot dataset from an item-by-feature list of binary attributes.
    fn from_attributes(items: &[(&str, &str)], features: &str) -> Dataset {
        let features: Vec<String> = features.split_whitespace().map(String::from).collect();
        let mut y = Array2::zeros((features.len(), items.len()));
        for (j, (_, attrs)) in items.iter().enumerate() {
            for a in attrs.split_whitespace() {
                let i = features
                    .iter()
                    .position(|f| f == a)
                    .expect("attribute lists only name known features");
                y[(i, j)] = 1.0;
            }
        }
        Dataset::one_hot(
            items.iter().map(|(n, _)| n.to_string()).collect(),
            features,
            y,
        )
    }

    /// A dataset with one-hot items: `x = I`.
    pub fn one_hot(items: Vec<String>, features: Vec<String>, y: Array2<f64>) -> Dataset {
        let p = items.len();
        Dataset {
            items,
            features,
            x: Array2::eye(p),
            y,
            one_hot: true,
        }
    }

    /// The 8-item Rumelhart hierarchy, 36 features.
    pub fn rm8() -> Dataset {
        Dataset::from_attributes(&RM8_ITEMS, RM8_FEATURES)
    }

    /// The 4-item toy dataset, 7 features.
    pub fn toy4() -> Dataset {
        Dataset::from_attributes(&TOY4_ITEMS, TOY4_FEATURES)
    }

    /// A balanced tree with branching `b` and `levels` levels below the root; one feature per node
    /// (breadth first, root first), equal to 1 for the items that descend from it.
    pub fn tree(b: usize, levels: usize) -> Dataset {
        let paths = tree_paths(b, levels);
        let leaves: Vec<&Vec<usize>> = paths.iter().filter(|p| p.len() == levels).collect();
        let mut y = Array2::zeros((paths.len(), leaves.len()));
        for (i, node) in paths.iter().enumerate() {
            for (j, leaf) in leaves.iter().enumerate() {
                if leaf.starts_with(node) {
                    y[(i, j)] = 1.0;
                }
            }
        }
        let features = paths.iter().map(|p| node_name(p)).collect();
        let items = leaves.iter().map(|p| node_name(p)).collect();
        Dataset::one_hot(items, features, y)
    }

    /// The branching diffusion process (docs/theory.md §2.2 E): each feature takes the value +1 or -1
    /// at the root with probability 1/2, every child copies its parent and flips the sign with
    /// probability `flip`, independently on every edge; items are the leaves.
    pub fn diffusion(b: usize, levels: usize, n_features: usize, flip: f64, seed: u64) -> Dataset {
        let paths = tree_paths(b, levels);
        let n_leaves = b.pow(levels as u32);
        let mut rng = Rng::new(seed);
        let mut y = Array2::zeros((n_features, n_leaves));
        let mut values = vec![0.0; paths.len()];
        for f in 0..n_features {
            // Breadth-first order: a node's parent always comes earlier.
            for (k, p) in paths.iter().enumerate() {
                values[k] = if p.is_empty() {
                    if rng.bernoulli(0.5) {
                        1.0
                    } else {
                        -1.0
                    }
                } else {
                    let parent = parent_index(p, b);
                    let v: f64 = values[parent];
                    if rng.bernoulli(flip) {
                        -v
                    } else {
                        v
                    }
                };
            }
            let first_leaf = paths.len() - n_leaves;
            for j in 0..n_leaves {
                y[(f, j)] = values[first_leaf + j];
            }
        }
        let items = paths
            .iter()
            .filter(|p| p.len() == levels)
            .map(|p| node_name(p))
            .collect();
        let features = (1..=n_features).map(|f| format!("f{f}")).collect();
        Dataset::one_hot(items, features, y)
    }

    /// The Neuromatch tutorial's illusion feature appended to an 8-item dataset: `has_bones` =
    /// (−1, 1, 1, 1, −1, −1, −1, −1), with the items named Shark, Tuna, Robin, Canary, Rose,
    /// Daisy, Pine and Oak (the config checks that there are 8).
    pub fn with_has_bones(mut self) -> Dataset {
        let (f, p) = self.y.dim();
        let mut y = Array2::zeros((f + 1, p));
        y.slice_mut(ndarray::s![..f, ..]).assign(&self.y);
        for (j, v) in ExtraFeature::HAS_BONES.iter().enumerate().take(p) {
            y[(f, j)] = *v;
        }
        self.y = y;
        self.features.push("has_bones".into());
        if p == ExtraFeature::HAS_BONES_ITEMS.len() {
            self.items = ExtraFeature::HAS_BONES_ITEMS
                .iter()
                .map(|s| s.to_string())
                .collect();
        }
        self
    }

    /// A random task of `n` one-hot items with `Y = U diag(s) V^T` (random orthogonal U, V from
    /// `seed`; `s` evenly spaced from `s_max` to `s_min`), docs/theory.md §6.5.
    pub fn spectrum(n: usize, s_max: f64, s_min: f64, seed: u64) -> Dataset {
        let mut rng = Rng::new(seed);
        let u = crate::engine::init::random_orthogonal(n, &mut rng);
        let v = crate::engine::init::random_orthogonal(n, &mut rng);
        let s: Vec<f64> = (0..n)
            .map(|k| {
                if n == 1 {
                    s_max
                } else {
                    s_max + (s_min - s_max) * k as f64 / (n - 1) as f64
                }
            })
            .collect();
        let y = Array2::from_shape_fn((n, n), |(i, j)| {
            (0..n).map(|k| u[(i, k)] * s[k] * v[(j, k)]).sum()
        });
        Dataset::one_hot(
            (1..=n).map(|i| format!("x{i}")).collect(),
            (1..=n).map(|i| format!("y{i}")).collect(),
            y,
        )
    }

    /// The task of [`Dataset::spectrum`] (the same `U`, `s` and `V` for the same seed) on
    /// correlated inputs instead of one-hot items: `Sigma_xx = Q diag(c) Q^T`, the input
    /// variances `c` spaced geometrically from 2 down to 1/2 (the largest beside the strongest
    /// mode), and the targets `Y = Sigma_yx Sigma_xx^-1 X` so that `Sigma_yx = U diag(s) V^T`
    /// still. With `aligned` the input correlations share the task's input directions (`Q = V`,
    /// the consistency condition of SMG14 eq. 18 holds); otherwise `Q` is another random
    /// rotation and it fails. `n` items, `n` inputs, `n` outputs.
    pub fn correlated(n: usize, s_max: f64, s_min: f64, aligned: bool, seed: u64) -> Dataset {
        let mut rng = Rng::new(seed);
        let u = crate::engine::init::random_orthogonal(n, &mut rng);
        let v = crate::engine::init::random_orthogonal(n, &mut rng);
        let q = if aligned {
            v.clone()
        } else {
            crate::engine::init::random_orthogonal(n, &mut rng)
        };
        let spaced = |hi: f64, lo: f64, k: usize, geometric: bool| {
            if n == 1 {
                hi
            } else if geometric {
                hi * (lo / hi).powf(k as f64 / (n - 1) as f64)
            } else {
                hi + (lo - hi) * k as f64 / (n - 1) as f64
            }
        };
        let s: Vec<f64> = (0..n).map(|k| spaced(s_max, s_min, k, false)).collect();
        let c: Vec<f64> = (0..n).map(|k| spaced(2.0, 0.5, k, true)).collect();
        // X = Q diag(sqrt c): item j is column j.
        let x = Array2::from_shape_fn((n, n), |(i, j)| q[(i, j)] * c[j].sqrt());
        // Y = U diag(s) V^T Q diag(1 / sqrt c).
        let vq = v.t().dot(&q);
        let y = Array2::from_shape_fn((n, n), |(i, j)| {
            (0..n).map(|k| u[(i, k)] * s[k] * vq[(k, j)]).sum::<f64>() / c[j].sqrt()
        });
        Dataset {
            items: (1..=n).map(|i| format!("x{i}")).collect(),
            features: (1..=n).map(|i| format!("y{i}")).collect(),
            x,
            y,
            one_hot: false,
        }
    }

    /// A custom item-by-feature matrix (`values[i][j]` = feature j of item i).
    pub fn matrix(items: &[String], features: &[String], values: &[Vec<f64>]) -> Dataset {
        let y = Array2::from_shape_fn((features.len(), items.len()), |(f, i)| values[i][f]);
        Dataset::one_hot(
            items.iter().map(|s| s.trim().to_string()).collect(),
            features.iter().map(|s| s.trim().to_string()).collect(),
            y,
        )
    }

    /// Builds the dataset a checked config names.
    /// The dataset a chapter's own config names, checked as the dataset of an otherwise
    /// default config (errors name `dataset.…`).
    pub fn checked(d: &DatasetConfig) -> Result<Dataset, ConfigError> {
        let cfg = Config {
            dataset: d.clone(),
            ..Config::default()
        }
        .validated()?;
        Ok(Dataset::from_config(&cfg))
    }

    pub fn from_config(cfg: &ValidConfig) -> Dataset {
        Dataset::build(&cfg.dataset)
    }

    /// Builds a dataset the crate made itself (such as [`DatasetConfig::synthetic`]), whose
    /// fields are in range by construction; anything from outside goes through
    /// [`Dataset::from_config`].
    pub(crate) fn build(cfg: &DatasetConfig) -> Dataset {
        match cfg {
            DatasetConfig::Rm8 => Dataset::rm8(),
            DatasetConfig::Toy4 => Dataset::toy4(),
            DatasetConfig::Tree { branching, levels } => Dataset::tree(*branching, *levels),
            DatasetConfig::Diffusion {
                branching,
                levels,
                feature_count,
                flip,
                seed,
                extra,
            } => {
                let d = Dataset::diffusion(*branching, *levels, *feature_count, *flip, *seed);
                match extra {
                    ExtraFeature::None => d,
                    ExtraFeature::HasBones => d.with_has_bones(),
                }
            }
            DatasetConfig::Spectrum {
                size,
                s_max,
                s_min,
                seed,
            } => Dataset::spectrum(*size, *s_max, *s_min, *seed),
            DatasetConfig::Matrix {
                items,
                feature_names,
                values,
            } => Dataset::matrix(items, feature_names, values),
        }
    }

    /// The targets as a custom matrix config: the same items and features, `values` one row per
    /// item (`values[i][j]` = feature j of item i). Every dataset has one-hot items, so
    /// `Dataset::from_config` of the result gives back the same `x` and `y`; this is how the page's
    /// editor starts from any dataset.
    pub fn matrix_config(&self) -> DatasetConfig {
        DatasetConfig::Matrix {
            items: self.items.clone(),
            feature_names: self.features.clone(),
            values: self.y.columns().into_iter().map(|c| c.to_vec()).collect(),
        }
    }

    /// Number of items P.
    pub fn n_items(&self) -> usize {
        self.x.ncols()
    }

    /// Input dimension N_0.
    pub fn n_inputs(&self) -> usize {
        self.x.nrows()
    }

    /// Output dimension N_D.
    pub fn n_outputs(&self) -> usize {
        self.y.nrows()
    }

    /// Input correlation `Sigma_xx = X X^T` (sum convention).
    pub fn sigma_xx(&self) -> Array2<f64> {
        super::kernels::matmul(&self.x.view(), &self.x.t())
    }

    /// Input-output correlation `Sigma_yx = Y X^T` (sum convention).
    pub fn sigma_yx(&self) -> Array2<f64> {
        super::kernels::matmul(&self.y.view(), &self.x.t())
    }

    /// `Some(c)` when `Sigma_xx = c I` (whitened inputs: the case with exact mode solutions).
    pub fn whitening(&self) -> Option<f64> {
        if self.one_hot {
            return Some(1.0);
        }
        let sxx = self.sigma_xx();
        let n = sxx.nrows();
        let c = (0..n).map(|i| sxx[(i, i)]).sum::<f64>() / n.max(1) as f64;
        let scale = c.abs().max(1e-300);
        let ok = sxx.indexed_iter().all(|((i, j), &v)| {
            let want = if i == j { c } else { 0.0 };
            (v - want).abs() <= 1e-9 * scale
        });
        (ok && c > 0.0).then_some(c)
    }

    /// Loss of the best possible linear map (zero for one-hot items): `1/2 ||Y - Y X^+ X||^2`.
    pub fn target_norm(&self) -> f64 {
        0.5 * self.y.iter().map(|v| v * v).sum::<f64>()
    }
}

/// Exact singular values of the node-indicator tree dataset (docs/theory.md §2.2 D), decreasing:
/// the item Gram matrix has eigenvalues `lambda_l = (B^(D-l+1) - 1) / (B - 1)`, l = 0..D, with
/// multiplicities 1, B-1, B(B-1), ..., B^(D-1)(B-1); the singular values are `sqrt(lambda_l)`.
pub fn tree_singular_values(b: usize, levels: usize) -> Vec<f64> {
    let bf = b as f64;
    let mut out = Vec::new();
    for l in 0..=levels {
        let lambda = (bf.powi((levels - l + 1) as i32) - 1.0) / (bf - 1.0);
        out.extend(std::iter::repeat_n(lambda.sqrt(), level_multiplicity(b, l)));
    }
    out
}

/// Multiplicity of the level-l eigenvalue of a balanced tree: 1 at the root, `B^(l-1)(B-1)` below.
fn level_multiplicity(b: usize, l: usize) -> usize {
    if l == 0 {
        1
    } else {
        b.pow(l as u32 - 1) * (b - 1)
    }
}

/// Expected singular values of the branching diffusion dataset for many features (docs/theory.md
/// 2.2 E): with `q_k = (1 - 2 flip)^(2 (D - k))` the correlation of two items whose lowest common
/// ancestor is at level k (`q_(-1) = 0`), the item correlation matrix has eigenvalues
/// `lambda_l = sum_(k=l..D) (q_k - q_(k-1)) B^(D-k)` with the tree multiplicities, and
/// `s_l = sqrt(N_f lambda_l)` (sum convention). Decreasing in l: broad splits are learned first.
pub fn diffusion_expected_singular_values(
    b: usize,
    levels: usize,
    flip: f64,
    n_features: usize,
) -> Vec<f64> {
    let r = (1.0 - 2.0 * flip).powi(2);
    let q = |k: i64| -> f64 {
        if k < 0 {
            0.0
        } else {
            r.powi((levels as i64 - k) as i32)
        }
    };
    let mut out = Vec::new();
    for l in 0..=levels {
        let lambda: f64 = (l..=levels)
            .map(|k| (q(k as i64) - q(k as i64 - 1)) * (b as f64).powi((levels - k) as i32))
            .sum();
        let sv = (n_features as f64 * lambda.max(0.0)).sqrt();
        out.extend(std::iter::repeat_n(sv, level_multiplicity(b, l)));
    }
    out
}

/// All node paths of a balanced tree, breadth first (root = empty path).
fn tree_paths(b: usize, levels: usize) -> Vec<Vec<usize>> {
    let mut out = vec![vec![]];
    let mut frontier = vec![vec![]];
    for _ in 0..levels {
        let mut next = Vec::with_capacity(frontier.len() * b);
        for p in &frontier {
            for c in 0..b {
                let mut q: Vec<usize> = p.clone();
                q.push(c);
                next.push(q);
            }
        }
        out.extend(next.iter().cloned());
        frontier = next;
    }
    out
}

/// Breadth-first index of the parent of a (non-root) node.
fn parent_index(path: &[usize], b: usize) -> usize {
    let depth = path.len() - 1; // depth of the parent
    let before: usize = (0..depth).map(|l| b.pow(l as u32)).sum();
    let offset = path[..depth].iter().fold(0, |acc, &c| acc * b + c);
    before + offset
}

fn node_name(path: &[usize]) -> String {
    if path.is_empty() {
        "root".to_string()
    } else {
        path.iter().map(|c| (b'a' + *c as u8) as char).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rm8_has_8_items_and_36_features_and_pine_lacks_leaves() {
        let d = Dataset::rm8();
        assert_eq!(d.n_items(), 8);
        assert_eq!(d.n_outputs(), 36);
        let leaves = d.features.iter().position(|f| f == "leaves").unwrap();
        assert_eq!(d.y[(leaves, 0)], 0.0);
        assert_eq!(d.y[(leaves, 1)], 1.0);
    }

    #[test]
    fn tree_features_are_node_indicators_in_breadth_first_order() {
        let d = Dataset::tree(2, 3);
        assert_eq!(d.n_outputs(), 15);
        assert_eq!(d.n_items(), 8);
        assert!(d.y.row(0).iter().all(|&v| v == 1.0));
        assert_eq!(d.y.row(1).to_vec(), vec![1., 1., 1., 1., 0., 0., 0., 0.]);
        assert_eq!(d.items[0], "aaa");
    }

    #[test]
    fn parent_index_matches_breadth_first_layout() {
        let paths = tree_paths(3, 3);
        for (k, p) in paths.iter().enumerate().skip(1) {
            let parent = &paths[parent_index(p, 3)];
            assert_eq!(parent.as_slice(), &p[..p.len() - 1], "node {k}");
        }
    }

    #[test]
    fn diffusion_features_are_plus_or_minus_one_and_seeded() {
        let a = Dataset::diffusion(2, 3, 50, 0.1, 4);
        let b = Dataset::diffusion(2, 3, 50, 0.1, 4);
        assert!(a.y.iter().all(|&v| v == 1.0 || v == -1.0));
        assert_eq!(a.y, b.y);
    }

    #[test]
    fn a_dataset_as_a_matrix_config_has_one_row_per_item_and_rebuilds_the_same_targets() {
        let d = Dataset::rm8();
        let cfg = d.matrix_config();
        let DatasetConfig::Matrix {
            items,
            feature_names: features,
            values,
        } = &cfg
        else {
            panic!("matrix_config returns a matrix");
        };
        assert_eq!(items, &d.items);
        assert_eq!(features, &d.features);
        assert_eq!(values.len(), 8);
        assert!(values.iter().all(|row| row.len() == 36));
        let leaves = d.features.iter().position(|f| f == "leaves").unwrap();
        assert_eq!(values[1][leaves], 1.0, "oak has leaves");
        assert_eq!(values[0][leaves], 0.0, "pine has none");
        let valid = crate::config::Config {
            dataset: cfg.clone(),
            ..Default::default()
        }
        .validated()
        .unwrap();
        let back = Dataset::from_config(&valid);
        assert_eq!(back.y, d.y);
        assert_eq!(back.x, d.x);
        assert_eq!(back.items, d.items);
    }

    #[test]
    fn one_hot_inputs_are_whitened_with_c_equal_one() {
        assert_eq!(Dataset::toy4().whitening(), Some(1.0));
    }
}
