//! Bin edges for the piecewise-linear encoding, from the training rows: by quantiles (Gorishniy et
//! al. 2022, §3.2.1), or where a decision tree on one column and the target splits it (§3.2.2),
//! as `rtdl_num_embeddings.compute_bins` computes them.
//!
//! ```
//! use ndnet_tabular::quantile_bins;
//! let column: Vec<f64> = (0..101).map(f64::from).collect();
//! assert_eq!(quantile_bins(&column, 4), [0.0, 25.0, 50.0, 75.0, 100.0]);
//! assert_eq!(quantile_bins(&[1.0, 1.0, 1.0, 2.0], 4), [1.0, 1.25, 2.0]); // repeated edges merged
//! ```

/// The `n_bins + 1` quantiles `0, 1/n_bins, …, 1` of `values` (linear interpolation between
/// order statistics, as `torch.quantile`), repeated edges merged: at most `n_bins` bins. Missing
/// (NaN) values are left out.
pub fn quantile_bins(values: &[f64], n_bins: usize) -> Vec<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() || n_bins == 0 {
        return Vec::new();
    }
    let last = (sorted.len() - 1) as f64;
    let mut edges: Vec<f64> = (0..=n_bins)
        .map(|i| {
            // torch.linspace(0, 1, n + 1) in float, then position q·(N − 1).
            let q = i as f64 / n_bins as f64;
            let pos = q * last;
            let (lo, frac) = (pos.floor() as usize, pos - pos.floor());
            let hi = (lo + 1).min(sorted.len() - 1);
            sorted[lo] + frac * (sorted[hi] - sorted[lo])
        })
        .collect();
    edges.dedup();
    edges
}

/// Bin edges where a best-first decision tree with at most `n_bins` leaves, fitted on one
/// column against the target, splits it (thresholds halfway between neighbouring values, as
/// scikit-learn's trees put them), plus the column's minimum and maximum. The tree splits on the
/// squared error for a regression (`classes` = `None`) and the Gini impurity for classes (`y`
/// holding class indices below `classes`); a leaf is split only when each side keeps at least
/// `min_samples_leaf` rows and the split lowers the impurity by at least `min_impurity_decrease`
/// (weighted by rows, as scikit-learn weighs it).
pub fn tree_bins(
    x: &[f64],
    y: &[f64],
    classes: Option<usize>,
    n_bins: usize,
    min_samples_leaf: usize,
    min_impurity_decrease: f64,
) -> Vec<f64> {
    let mut rows: Vec<(f64, f64)> = x.iter().zip(y).filter(|(v, _)| !v.is_nan()).map(|(&v, &t)| (v, t)).collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    if rows.is_empty() {
        return Vec::new();
    }
    let n = rows.len() as f64;
    let mut edges = vec![rows[0].0, rows[rows.len() - 1].0];
    let impurity = Impurity { classes };
    // Leaves as row ranges of the sorted column, each with its best split; as scikit-learn's
    // best-first builder, the split that lowers the impurity most, weighted by the node's share
    // of the rows, goes first, and a node whose weighted decrease is below
    // `min_impurity_decrease` stays a leaf.
    let split_of = |a: usize, b: usize| {
        impurity
            .best_split(&rows[a..b], min_samples_leaf)
            .map(|s| (s.gain * (b - a) as f64 / n, s))
            .filter(|(weighted, _)| *weighted + f64::EPSILON >= min_impurity_decrease && *weighted > 0.0)
    };
    let mut open = vec![(0, rows.len(), split_of(0, rows.len()))];
    let mut leaves = 1;
    while leaves < n_bins.max(1) {
        let best = (open.iter().enumerate())
            .filter_map(|(i, (_, _, s))| s.as_ref().map(|(w, _)| (i, *w)))
            .max_by(|x, y| x.1.total_cmp(&y.1));
        let Some((i, _)) = best else { break };
        let (a, b, Some((_, split))) = open.swap_remove(i) else { unreachable!("chosen for its split") };
        edges.push(split.threshold);
        let middle = a + split.left;
        open.push((a, middle, split_of(a, middle)));
        open.push((middle, b, split_of(middle, b)));
        leaves += 1;
    }
    edges.sort_by(f64::total_cmp);
    edges.dedup();
    edges
}

/// A split of a run of rows sorted by the column: how many go left, the threshold, and how much
/// the impurity falls (per row of the node).
struct Split {
    left: usize,
    threshold: f64,
    gain: f64,
}

/// Squared error (regression) or Gini impurity (classes).
struct Impurity {
    classes: Option<usize>,
}

impl Impurity {
    /// The best split of `rows` (sorted by value) between distinct values, or none.
    fn best_split(&self, rows: &[(f64, f64)], min_leaf: usize) -> Option<Split> {
        let n = rows.len();
        if n < 2 * min_leaf.max(1) {
            return None;
        }
        let total = self.stats(rows.iter().map(|r| r.1));
        let parent = self.value(&total, n);
        let mut left = self.stats(std::iter::empty());
        let mut right = total.clone();
        let mut best: Option<Split> = None;
        for i in 1..n {
            self.add(&mut left, rows[i - 1].1, 1.0);
            self.add(&mut right, rows[i - 1].1, -1.0);
            if rows[i].0 == rows[i - 1].0 || i < min_leaf.max(1) || n - i < min_leaf.max(1) {
                continue;
            }
            let child = (i as f64 * self.value(&left, i) + (n - i) as f64 * self.value(&right, n - i)) / n as f64;
            let gain = parent - child;
            if best.as_ref().is_none_or(|b| gain > b.gain) {
                let threshold = rows[i - 1].0 / 2.0 + rows[i].0 / 2.0;
                best = Some(Split { left: i, threshold, gain });
            }
        }
        best
    }

    /// Sufficient statistics: (Σy, Σy²) for a regression, counts per class for classes.
    fn stats(&self, y: impl Iterator<Item = f64>) -> Vec<f64> {
        let mut s = vec![0.0; self.classes.unwrap_or(2)];
        y.for_each(|v| self.add(&mut s, v, 1.0));
        s
    }

    /// Adds (`sign` 1) or removes (−1) one row's target to statistics `s`.
    fn add(&self, s: &mut [f64], y: f64, sign: f64) {
        match self.classes {
            None => {
                s[0] += sign * y;
                s[1] += sign * y * y;
            }
            Some(k) => s[(y as usize).min(k - 1)] += sign,
        }
    }

    /// The impurity of `n` rows with statistics `s`: the variance, or 1 − Σ p².
    fn value(&self, s: &[f64], n: usize) -> f64 {
        let n = n as f64;
        match self.classes {
            None => (s[1] / n - (s[0] / n).powi(2)).max(0.0),
            Some(_) => 1.0 - s.iter().map(|c| (c / n).powi(2)).sum::<f64>(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_in_the_target_is_found() {
        let x: Vec<f64> = (0..100).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|&v| if v < 37.0 { 0.0 } else { 5.0 }).collect();
        let edges = tree_bins(&x, &y, None, 2, 1, 0.0);
        assert_eq!(edges, [0.0, 36.5, 99.0]);
        let classes: Vec<f64> = x.iter().map(|&v| f64::from(u8::from(v >= 60.0))).collect();
        assert_eq!(tree_bins(&x, &classes, Some(2), 2, 1, 0.0), [0.0, 59.5, 99.0]);
        // Nothing worth splitting: only the ends.
        assert_eq!(tree_bins(&x, &vec![1.0; 100], None, 8, 1, 0.0), [0.0, 99.0]);
    }
}
