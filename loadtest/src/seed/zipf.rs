//! Zipf-skewed choices: rank r is picked with weight 1/(r+1)^s, so a few popular videos and
//! users get most likes and follows, as in a real app.

use rand::Rng;

pub struct Zipf {
    /// Cumulative weights; `cdf[r]` is the total weight of ranks 0..=r.
    cdf: Vec<f64>,
}

impl Zipf {
    pub fn new(n: usize, exponent: f64) -> Self {
        let mut total = 0.0;
        let cdf = (0..n.max(1))
            .map(|rank| {
                total += 1.0 / ((rank + 1) as f64).powf(exponent);
                total
            })
            .collect();
        Self { cdf }
    }

    /// A rank in `0..n`, low ranks far more often.
    pub fn sample(&self, rng: &mut impl Rng) -> usize {
        let total = self.cdf.last().copied().unwrap_or(1.0);
        let target = rng.r#gen::<f64>() * total;
        self.cdf
            .partition_point(|&c| c < target)
            .min(self.cdf.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use rand::{SeedableRng, rngs::StdRng};

    use super::*;

    #[test]
    fn low_ranks_are_chosen_far_more_often_and_all_stay_in_range() {
        let zipf = Zipf::new(1_000, 1.0);
        let mut rng = StdRng::seed_from_u64(7);
        let mut hits = vec![0u32; 1_000];
        for _ in 0..100_000 {
            hits[zipf.sample(&mut rng)] += 1;
        }
        // Rank 0 has weight 1/H(1000) ≈ 13 % of the draws; rank 999 about 0.013 %.
        assert!(hits[0] > 10_000, "rank 0 got {}", hits[0]);
        assert!(hits[0] > 50 * hits[999].max(1));
        assert!(hits[10] < hits[0] && hits[100] < hits[10]);
    }
}
