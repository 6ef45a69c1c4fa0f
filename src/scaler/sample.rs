//! A seeded reservoir sample of rows (Vitter's algorithm R), for data too large to read whole
//! into the statistics. The same seed and file give the same sample.

use super::accumulate::Reading;

/// SplitMix64: a small, well-mixed generator; enough for choosing rows, not for secrets.
#[derive(Debug, Clone)]
struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Returns a uniform integer in `0..bound`, without modulo bias.
    fn below(&mut self, bound: u64) -> u64 {
        let zone = u64::MAX - u64::MAX % bound;
        loop {
            let value = self.next();
            if value < zone {
                return value % bound;
            }
        }
    }
}

/// Keeps a uniform sample of `capacity` rows out of all rows offered.
#[derive(Debug, Clone)]
pub struct Reservoir {
    capacity: usize,
    seen: u64,
    rows: Vec<Vec<Reading>>,
    random: SplitMix64,
}

impl Reservoir {
    pub fn new(capacity: usize, seed: u64) -> Reservoir {
        Reservoir {
            capacity,
            seen: 0,
            rows: Vec::with_capacity(capacity.min(1 << 20)),
            random: SplitMix64 { state: seed },
        }
    }

    pub fn offer(&mut self, row: Vec<Reading>) {
        self.seen += 1;
        if self.rows.len() < self.capacity {
            self.rows.push(row);
            return;
        }
        let slot = self.random.below(self.seen);
        if slot < self.capacity as u64 {
            self.rows[slot as usize] = row;
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn into_rows(self) -> Vec<Vec<Reading>> {
        self.rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_gives_same_sample() {
        let run = |seed| {
            let mut reservoir = Reservoir::new(10, seed);
            (0..1000).for_each(|i| reservoir.offer(vec![Reading::Number(f64::from(i))]));
            reservoir.into_rows()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn sample_is_roughly_uniform() {
        // Each of 100 rows should be kept about 10% of the time over many seeds.
        let mut kept_first_half = 0;
        for seed in 0..400 {
            let mut reservoir = Reservoir::new(10, seed);
            (0..100).for_each(|i| reservoir.offer(vec![Reading::Number(f64::from(i))]));
            kept_first_half += reservoir
                .into_rows()
                .iter()
                .filter(|row| row[0] == Reading::Number(0.0) || matches!(row[0], Reading::Number(x) if x < 50.0))
                .count();
        }
        let share = kept_first_half as f64 / 4000.0;
        assert!((share - 0.5).abs() < 0.05, "share of the first half: {share}");
    }
}
