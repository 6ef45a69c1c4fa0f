//! Streaming mean and variance that stay exact to a few ulps on ill-conditioned data.
//!
//! A naive one-pass `Σx² − (Σx)²/n` loses every digit on a column such as `1.7e12 + U(0, 10)`,
//! and even a plain Welford update keeps only about five digits there. Values are therefore
//! gathered in blocks of [`BLOCK`]. Each block gets an exact-to-rounding two-pass summary
//! around its own mean, with compensated (Neumaier) sums and the correction term
//! `Σd² − (Σd)²/n`, and blocks are combined with Chan's pairwise formula. Every summary keeps
//! the shift it was computed around, and the merge carries the shifts, so that the
//! difference of two large means is never formed from their rounded absolute values.

use serde::{Deserialize, Serialize};

/// Values summarised together before they are merged into the running total.
pub const BLOCK: usize = 1024;

/// The count, mean and sum of squared deviations of a set of values, relative to a shift.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Moments {
    pub count: u64,
    /// A value near the data; the mean and the squares are taken relative to it.
    pub shift: f64,
    /// The mean of `x − shift`.
    pub mean: f64,
    /// `Σ(x − mean(x))²`.
    pub m2: f64,
    /// Infinite without values; written as `null` in JSON, which cannot hold infinities.
    #[serde(with = "nullable")]
    pub min: f64,
    #[serde(with = "nullable")]
    pub max: f64,
}

/// Serializes a non-finite `f64` as `null` and reads `null` back as NaN, which
/// [`f64::min`] and [`f64::max`] then ignore in a merge.
mod nullable {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        if value.is_finite() {
            serializer.serialize_f64(*value)
        } else {
            serializer.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
    }
}

impl Default for Moments {
    fn default() -> Moments {
        Moments { count: 0, shift: 0.0, mean: 0.0, m2: 0.0, min: f64::INFINITY, max: f64::NEG_INFINITY }
    }
}

/// A Neumaier compensated sum.
#[derive(Debug, Clone, Copy, Default)]
struct Sum {
    total: f64,
    compensation: f64,
}

impl Sum {
    fn add(&mut self, value: f64) {
        let total = self.total + value;
        if self.total.abs() >= value.abs() {
            self.compensation += (self.total - total) + value;
        } else {
            self.compensation += (value - total) + self.total;
        }
        self.total = total;
    }

    fn value(&self) -> f64 {
        self.total + self.compensation
    }
}

impl Moments {
    /// Summarises a block of finite values with a corrected two-pass around their mean.
    pub fn of_block(values: &[f64]) -> Moments {
        if values.is_empty() {
            return Moments::default();
        }
        let n = values.len() as f64;
        let mut sum = Sum::default();
        let mut min = f64::INFINITY;
        let mut max = f64::NEG_INFINITY;
        for &value in values {
            sum.add(value);
            min = min.min(value);
            max = max.max(value);
        }
        // All equal: the mean is that value, exactly, and the spread is exactly zero.
        if min == max {
            return Moments { count: values.len() as u64, shift: min, mean: 0.0, m2: 0.0, min, max };
        }
        let shift = (sum.value() / n).clamp(min, max);
        let mut deviations = Sum::default();
        let mut squares = Sum::default();
        for &value in values {
            let deviation = value - shift;
            deviations.add(deviation);
            squares.add(deviation * deviation);
        }
        let first = deviations.value();
        let m2 = (squares.value() - first * first / n).max(0.0);
        Moments { count: values.len() as u64, shift, mean: first / n, m2, min, max }
    }

    /// Merges `other` into `self` (Chan et al.), keeping `self`'s shift.
    pub fn merge(&mut self, other: &Moments) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = *other;
            return;
        }
        let count_a = self.count as f64;
        let count_b = other.count as f64;
        let total = count_a + count_b;
        // The other mean relative to this shift. The difference of two shifts near each
        // other is exact (Sterbenz), so no digits are lost here.
        let other_mean = (other.shift - self.shift) + other.mean;
        let delta = other_mean - self.mean;
        self.mean += delta * (count_b / total);
        self.m2 += other.m2 + delta * delta * (count_a * count_b / total);
        self.count += other.count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Returns the mean, or NaN without values.
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            return f64::NAN;
        }
        if self.min == self.max {
            return self.min;
        }
        self.shift + self.mean
    }

    /// Returns the variance with `ddof` delta degrees of freedom, or NaN with too few values.
    /// It is exactly zero when every value is the same.
    pub fn variance(&self, ddof: u8) -> f64 {
        if self.count <= u64::from(ddof) || self.count == 0 {
            return f64::NAN;
        }
        if self.min == self.max {
            return 0.0;
        }
        self.m2 / (self.count - u64::from(ddof)) as f64
    }

    pub fn std(&self, ddof: u8) -> f64 {
        self.variance(ddof).sqrt()
    }

    /// True when the column has no spread: every value equal, or a spread of a few ulps of
    /// the mean, which only rounding in whatever wrote the values produces.
    ///
    /// The bound is relative to the data's magnitude, `var ≤ (4·ε·mean)²`, so a column of
    /// values near 1e-13 with a real spread is not constant. scikit-learn's bound,
    /// `n·ε·var + (n·ε·mean)²`, allows for the rounding of its own summation, which grows with
    /// `n`. The block summaries here do not accumulate that error, and with that bound a
    /// column of `1.7e12 + U(0, 10)` over 20 000 rows would be called constant.
    pub fn is_constant(&self) -> bool {
        if self.count == 0 {
            return false;
        }
        if self.min == self.max {
            return true;
        }
        let bound = 4.0 * f64::EPSILON * self.mean().abs();
        self.variance(0) <= bound * bound
    }

    /// Returns the z-score of `x`, `(x − mean) / std`. A constant column gets a scale of 1, as in
    /// scikit-learn's `StandardScaler`, so its z-scores are 0 rather than ±1.
    pub fn z_score(&self, x: f64, ddof: u8) -> f64 {
        let scale = if self.is_constant() { 1.0 } else { self.std(ddof) };
        let mean = self.mean();
        if self.is_constant() && x == mean {
            return 0.0;
        }
        (x - mean) / scale
    }
}

/// Accumulates one column: values are buffered into blocks, each block summarised exactly
/// and merged into the total.
#[derive(Debug, Clone, Default)]
pub struct Accumulator {
    block: Vec<f64>,
    total: Moments,
}

impl Accumulator {
    pub fn push(&mut self, value: f64) {
        if self.block.capacity() == 0 {
            self.block.reserve_exact(BLOCK);
        }
        self.block.push(value);
        if self.block.len() == BLOCK {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let block = Moments::of_block(&self.block);
        self.total.merge(&block);
        self.block.clear();
    }

    /// Returns the moments of every value pushed so far.
    pub fn moments(&self) -> Moments {
        let mut total = self.total;
        total.merge(&Moments::of_block(&self.block));
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments_of(values: &[f64]) -> Moments {
        let mut accumulator = Accumulator::default();
        values.iter().for_each(|&value| accumulator.push(value));
        accumulator.moments()
    }

    #[test]
    fn constant_column_has_zero_std_and_zero_z() {
        let moments = moments_of(&[2.675; 6]);
        assert_eq!(moments.mean(), 2.675);
        assert_eq!(moments.std(0), 0.0);
        assert!(moments.is_constant());
        assert_eq!(moments.z_score(2.675, 0), 0.0);
    }

    #[test]
    fn one_ulp_of_spread_is_constant() {
        let mut values = vec![2.675; 5];
        values.push(2.6750000000000003);
        assert!(moments_of(&values).is_constant());
    }

    #[test]
    fn tiny_magnitude_column_is_not_constant() {
        let values: Vec<f64> = (1..=6).map(|i| f64::from(i) * 1e-13).collect();
        let moments = moments_of(&values);
        assert!(!moments.is_constant());
        // Reference: numpy.std([1e-13, ..., 6e-13]) = 1.707825127659933e-13.
        assert!((moments.std(0) - 1.707825127659933e-13).abs() < 1e-27);
    }

    #[test]
    fn large_offset_keeps_variance() {
        let moments = moments_of(&[1709251200004.0, 1709251200007.0, 1709251200013.0, 1709251200016.0]);
        assert_eq!(moments.mean(), 1709251200010.0);
        assert_eq!(moments.variance(0), 22.5);
    }

    #[test]
    fn merge_of_halves_equals_whole() {
        let values: Vec<f64> = (0..5000).map(|i| 1.7e12 + f64::from(i % 97) * 0.1).collect();
        let whole = moments_of(&values);
        let mut left = moments_of(&values[..1234]);
        left.merge(&moments_of(&values[1234..]));
        assert!((left.variance(0) - whole.variance(0)).abs() <= 1e-12 * whole.variance(0));
        assert_eq!(left.count, whole.count);
    }
}
