//! Edits of a task: each builds the next phase's dataset from the previous one. Field paths in
//! errors are relative to the edit (`edit.degrees`); the caller prefixes the phase.

use ndarray::{Array2, Axis};

use crate::config::{limits, ConfigError};
use crate::engine::data::Dataset;
use crate::engine::rng::Rng;
use crate::linalg::Svd;

use super::config::EditConfig;

fn item_index(d: &Dataset, name: &str, field: &str) -> Result<usize, ConfigError> {
    d.items
        .iter()
        .position(|i| i == name.trim())
        .ok_or_else(|| {
            ConfigError::new(
                field,
                format!("no item {name:?}; the items are {}", d.items.join(", ")),
            )
        })
}

fn feature_index(d: &Dataset, name: &str, field: &str) -> Result<usize, ConfigError> {
    d.features
        .iter()
        .position(|f| f == name.trim())
        .ok_or_else(|| ConfigError::new(field, format!("no feature {name:?}")))
}

fn check_value(field: &str, v: f64) -> Result<(), ConfigError> {
    if v.is_finite() && v.abs() <= limits::MAX_ABS_VALUE {
        Ok(())
    } else {
        Err(ConfigError::new(
            field,
            format!(
                "must be a finite number with magnitude at most {}; got {v}",
                limits::MAX_ABS_VALUE
            ),
        ))
    }
}

/// The rotation `R(theta) = I + (cos theta - 1)(u1 u1^T + u2 u2^T) + sin theta (u2 u1^T - u1 u2^T)`
/// of the output space in the plane of the task's two strongest output directions.
pub fn plane_rotation(svd: &Svd, n_out: usize, degrees: f64) -> Array2<f64> {
    let th = degrees.to_radians();
    let (c, s) = (th.cos(), th.sin());
    let u1 = svd.u.column(0);
    let u2 = svd.u.column(1);
    Array2::from_shape_fn((n_out, n_out), |(i, j)| {
        let id = if i == j { 1.0 } else { 0.0 };
        id + (c - 1.0) * (u1[i] * u1[j] + u2[i] * u2[j]) + s * (u2[i] * u1[j] - u1[i] * u2[j])
    })
}

/// The next phase's dataset.
pub fn apply_edit(prev: &Dataset, edit: &EditConfig) -> Result<Dataset, ConfigError> {
    let mut d = prev.clone();
    match edit {
        EditConfig::Rotate { degrees } => {
            if !degrees.is_finite() || degrees.abs() > 360.0 {
                return Err(ConfigError::new(
                    "edit.degrees",
                    format!("must be a number of degrees in [-360, 360]; got {degrees}"),
                ));
            }
            let svd = Svd::new(&prev.sigma_yx().view());
            if svd.rank() < 2 {
                return Err(ConfigError::new(
                    "edit.kind",
                    "rotate needs a task with at least two modes",
                ));
            }
            d.y = plane_rotation(&svd, prev.n_outputs(), *degrees).dot(&prev.y);
        }
        EditConfig::ReverseMode { mode } => {
            let svd = Svd::new(&prev.sigma_yx().view());
            let r = svd.rank();
            if *mode < 1 || *mode > r {
                return Err(ConfigError::new(
                    "edit.mode",
                    format!("must be a mode from 1 to {r} (1 = the strongest); got {mode}"),
                ));
            }
            // Y X^T = U S V^T; with one-hot or whitened items the targets change by
            // -2 s u v^T X / c.
            let a = mode - 1;
            let u = svd.u.column(a).insert_axis(Axis(1)).to_owned();
            let v = svd.v.column(a).insert_axis(Axis(0)).to_owned();
            let c = prev.whitening().ok_or_else(|| {
                ConfigError::new("edit.kind", "reverse_mode needs whitened inputs")
            })?;
            let change = u.dot(&v).dot(&prev.x) * (2.0 * svd.s[a] / c);
            d.y = &prev.y - &change;
        }
        EditConfig::Set {
            item,
            feature,
            value,
        } => {
            let i = item_index(prev, item, "edit.item")?;
            let f = feature_index(prev, feature, "edit.feature")?;
            check_value("edit.value", *value)?;
            d.y[(f, i)] = *value;
        }
        EditConfig::AddItem {
            name,
            like,
            features,
            random,
            set,
        } => {
            if !prev.one_hot {
                return Err(ConfigError::new(
                    "edit.kind",
                    "items can be added to one-hot tasks only",
                ));
            }
            let bases = [like.is_some(), features.is_some(), random.is_some()];
            if bases.iter().filter(|b| **b).count() > 1 {
                return Err(ConfigError::new(
                    "edit",
                    "give at most one of like, features and random",
                ));
            }
            let mut col = vec![0.0; prev.n_outputs()];
            if let Some(l) = like {
                let j = item_index(prev, l, "edit.like")?;
                col = prev.y.column(j).to_vec();
            }
            if let Some(fs) = features {
                for (k, f) in fs.iter().enumerate() {
                    col[feature_index(prev, f, &format!("edit.features[{k}]"))?] = 1.0;
                }
            }
            if let Some(r) = random {
                let n = prev.n_outputs();
                if r.count < 1 || r.count > n {
                    return Err(ConfigError::new(
                        "edit.random.count",
                        format!(
                            "must be an integer from 1 to {n} (the features); got {}",
                            r.count
                        ),
                    ));
                }
                let mut rng = Rng::new(r.seed);
                let mut order: Vec<usize> = (0..n).collect();
                // Partial Fisher-Yates shuffle: the first `count` entries are a random subset.
                for k in 0..r.count {
                    let j = k + ((rng.uniform() * (n - k) as f64) as usize).min(n - k - 1);
                    order.swap(k, j);
                }
                for &f in &order[..r.count] {
                    col[f] = 1.0;
                }
            }
            for (f, v) in set {
                let idx = feature_index(prev, f, &format!("edit.set.{f}"))?;
                check_value(&format!("edit.set.{f}"), *v)?;
                col[idx] = *v;
            }
            let p = prev.n_items();
            let mut y = Array2::zeros((prev.n_outputs(), p + 1));
            y.slice_mut(ndarray::s![.., ..p]).assign(&prev.y);
            for (f, v) in col.iter().enumerate() {
                y[(f, p)] = *v;
            }
            let mut items = prev.items.clone();
            items.push(name.trim().to_string());
            d = Dataset::one_hot(items, prev.features.clone(), y);
        }
        EditConfig::AddFeature { name, values } => {
            if values.len() != prev.n_items() {
                return Err(ConfigError::new(
                    "edit.values",
                    format!(
                        "needs one value per item ({}); got {}",
                        prev.n_items(),
                        values.len()
                    ),
                ));
            }
            for (k, v) in values.iter().enumerate() {
                check_value(&format!("edit.values[{k}]"), *v)?;
            }
            let n = prev.n_outputs();
            let mut y = Array2::zeros((n + 1, prev.n_items()));
            y.slice_mut(ndarray::s![..n, ..]).assign(&prev.y);
            for (j, v) in values.iter().enumerate() {
                y[(n, j)] = *v;
            }
            d.y = y;
            d.features.push(name.trim().to_string());
        }
    }
    Ok(d)
}
