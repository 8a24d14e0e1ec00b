//! Random number generators with documented, platform-independent streams.
//!
//! The samplers draw from one stream per head vertex, derived from `(seed, vertex)` by
//! [`StreamRng::for_stream`], so the numbers a vertex sees do not depend on the order in which
//! vertices are processed (MATH.md §B.2). The default generator is [`rand_pcg::Pcg32`]: stream
//! `v` of seed `s` is `Pcg32::new(splitmix64(s), v)` (PCG's stream selector is the increment).
//! [`Taus88`] is the generator umap-learn's optimiser uses, provided for parity experiments.
//!
//! Bounded draws use [`bounded`] (Lemire's multiply-and-reject method, written here so that
//! reproducibility never depends on another crate's internals).

use core::convert::Infallible;
use rand_core::{Rng, TryRng};
pub use rand_pcg::Pcg32;

/// A generator that can be split into independent, reproducible streams.
///
/// ```
/// use neighbor_embed::rng::{bounded, Pcg32, StreamRng, Taus88};
/// // vertex `v`'s draws depend on `(seed, v)` only, not on when the vertex is visited
/// fn draws<R: StreamRng>(seed: u64, v: u64) -> [u32; 4] {
///     let mut r = R::for_stream(seed, v);
///     core::array::from_fn(|_| bounded(&mut r, 100))
/// }
/// assert_eq!(draws::<Pcg32>(7, 3), draws::<Pcg32>(7, 3));
/// assert_ne!(draws::<Pcg32>(7, 3), draws::<Pcg32>(7, 4));
/// assert_eq!(draws::<Taus88>(7, 3), draws::<Taus88>(7, 3));
/// assert_ne!(draws::<Taus88>(7, 3), draws::<Taus88>(7, 4));
/// ```
pub trait StreamRng: Rng + Clone {
    /// The generator for stream `stream` of `seed` (e.g. one stream per vertex).
    ///
    /// ```
    /// use neighbor_embed::rng::{StreamRng, Taus88};
    /// let a = Taus88::for_stream(42, 0);
    /// assert_eq!(a, Taus88::for_stream(42, 0)); // reproducible
    /// assert_ne!(a, Taus88::for_stream(42, 1)); // distinct across streams
    /// assert_ne!(a, Taus88::for_stream(43, 0)); // and across seeds
    /// let [s0, s1, s2] = a.state();
    /// assert!(s0 > 1 && s1 > 7 && s2 > 15); // always a valid taus88 seed
    /// ```
    fn for_stream(seed: u64, stream: u64) -> Self;
}

/// SplitMix64's output function: a bijective 64-bit mixer (Steele, Lea & Flood 2014).
///
/// ```
/// use neighbor_embed::rng::splitmix64;
/// // SplitMix64's first output from state 0 (the reference generator adds the increment first)
/// assert_eq!(splitmix64(0), 0xE220_A839_7B1D_CDAF);
/// // a bijection: distinct inputs, distinct outputs
/// let mut out: Vec<u64> = (0..10_000).map(splitmix64).collect();
/// out.sort_unstable();
/// out.dedup();
/// assert_eq!(out.len(), 10_000);
/// ```
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl StreamRng for Pcg32 {
    /// ```
    /// use neighbor_embed::rng::{Pcg32, StreamRng};
    /// use rand_core::Rng;
    /// let (mut a, mut b) = (Pcg32::for_stream(7, 0), Pcg32::for_stream(7, 1));
    /// assert_ne!(a.next_u32(), b.next_u32());
    /// assert_eq!(Pcg32::for_stream(7, 1).next_u32(), Pcg32::for_stream(7, 1).next_u32());
    /// ```
    fn for_stream(seed: u64, stream: u64) -> Self {
        Pcg32::new(splitmix64(seed), stream)
    }
}

impl StreamRng for Taus88 {
    /// States from SplitMix64 of `(seed, stream)`, with the low bits forced so the seed
    /// constraints `s0 > 1, s1 > 7, s2 > 15` hold.
    fn for_stream(seed: u64, stream: u64) -> Self {
        let a = splitmix64(seed ^ splitmix64(stream));
        let b = splitmix64(a);
        Taus88 {
            s: [(a as u32) | 2, ((a >> 32) as u32) | 8, (b as u32) | 16],
        }
    }
}

/// A uniform integer in `0..n` (`n ≥ 1`; returns 0 for `n = 0`), by Lemire's method: the high
/// half of `x·n` for a 32-bit draw `x`, redrawing while the low half is below `2^32 mod n`.
/// Exactly uniform; one draw in the common case.
///
/// ```
/// use neighbor_embed::rng::{bounded, Pcg32, StreamRng};
/// let mut r = Pcg32::for_stream(1, 2);
/// assert!((0..1000).all(|_| bounded(&mut r, 10) < 10));
/// ```
#[inline]
pub fn bounded<R: Rng + ?Sized>(rng: &mut R, n: u32) -> u32 {
    if n == 0 {
        return 0;
    }
    let mut m = u64::from(rng.next_u32()) * u64::from(n);
    if (m as u32) < n {
        let threshold = n.wrapping_neg() % n;
        while (m as u32) < threshold {
            m = u64::from(rng.next_u32()) * u64::from(n);
        }
    }
    (m >> 32) as u32
}

/// A uniform `f64` in `[0, 1)` with 53 random bits.
///
/// ```
/// use neighbor_embed::rng::{unit_f64, Pcg32, StreamRng};
/// let mut r = Pcg32::for_stream(3, 0);
/// let u: Vec<f64> = (0..10_000).map(|_| unit_f64(&mut r)).collect();
/// assert!(u.iter().all(|x| (0.0..1.0).contains(x)));
/// // every value is a multiple of 2^-53
/// assert!(u.iter().all(|x| (x * 2f64.powi(53)).fract() == 0.0));
/// let mean = u.iter().sum::<f64>() / 10_000.0;
/// assert!((mean - 0.5).abs() < 0.01); // the mean's standard deviation is 0.0029
/// ```
#[inline]
pub fn unit_f64<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// L'Ecuyer's three-component Tausworthe generator "taus88", as in umap-learn's `tau_rand_int`.
///
/// ```
/// use neighbor_embed::rng::Taus88;
/// use rand_core::Rng;
/// let mut r = Taus88::new(12345, 67890, 13579).unwrap();
/// assert_eq!(r.next_u32(), 1762857971); // MATH.md §J
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Taus88 {
    s: [u32; 3],
}

impl Taus88 {
    /// A generator from its three states; `None` unless `s0 > 1`, `s1 > 7`, `s2 > 15` (smaller
    /// seeds degenerate).
    ///
    /// ```
    /// use neighbor_embed::rng::Taus88;
    /// assert_eq!(Taus88::new(2, 8, 16).map(|r| r.state()), Some([2, 8, 16]));
    /// assert_eq!(Taus88::new(1, 8, 16), None);
    /// assert_eq!(Taus88::new(2, 7, 16), None);
    /// assert_eq!(Taus88::new(2, 8, 15), None);
    /// ```
    pub fn new(s0: u32, s1: u32, s2: u32) -> Option<Self> {
        (s0 > 1 && s1 > 7 && s2 > 15).then_some(Taus88 { s: [s0, s1, s2] })
    }

    /// The current states.
    ///
    /// ```
    /// use neighbor_embed::rng::Taus88;
    /// let mut r = Taus88::new(12345, 67890, 13579).unwrap();
    /// assert_eq!(r.state(), [12345, 67890, 13579]);
    /// r.next_output();
    /// // save the state and restore it: the same continuation
    /// let [s0, s1, s2] = r.state();
    /// let mut restored = Taus88::new(s0, s1, s2).unwrap();
    /// assert_eq!(restored.next_output(), r.next_output());
    /// ```
    pub fn state(&self) -> [u32; 3] {
        self.s
    }

    /// The next output, umap-learn's `tau_rand_int` before its cast to `i32`.
    ///
    /// ```
    /// use neighbor_embed::rng::Taus88;
    /// use rand_core::Rng;
    /// let mut r = Taus88::new(12345, 67890, 13579).unwrap();
    /// let mut same = r;
    /// let out = [r.next_output(), r.next_output(), r.next_output(), r.next_output()];
    /// assert_eq!(out, [1762857971, 962756195, 1349868690, 3172171919]);
    /// assert_eq!(out[3] as i32, -1122795377); // what umap-learn sees
    /// assert_eq!(same.next_u32(), out[0]); // `Rng::next_u32` is the same stream
    /// ```
    #[inline]
    pub fn next_output(&mut self) -> u32 {
        let [s0, s1, s2] = self.s;
        let s0 = ((s0 & 0xFFFF_FFFE) << 12) ^ (((s0 << 13) ^ s0) >> 19);
        let s1 = ((s1 & 0xFFFF_FFF8) << 4) ^ (((s1 << 2) ^ s1) >> 25);
        let s2 = ((s2 & 0xFFFF_FFF0) << 17) ^ (((s2 << 3) ^ s2) >> 11);
        self.s = [s0, s1, s2];
        s0 ^ s1 ^ s2
    }

    /// umap-learn's negative-sample index: the output as `i32`, floor-modulo `n` (Python's `%`).
    /// Returns 0 for `n = 0`.
    ///
    /// ```
    /// use neighbor_embed::rng::Taus88;
    /// let mut r = Taus88::new(12345, 67890, 13579).unwrap();
    /// let idx: [u32; 6] = core::array::from_fn(|_| r.umap_index(10));
    /// // the fourth output is -1122795377 as `i32`, and Python's -1122795377 % 10 is 3
    /// assert_eq!(idx, [1, 5, 0, 3, 5, 2]);
    /// assert!((0..1000).all(|_| r.umap_index(7) < 7));
    /// assert_eq!(r.umap_index(0), 0);
    /// ```
    pub fn umap_index(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        (self.next_output() as i32 as i64).rem_euclid(n as i64) as u32
    }
}

impl TryRng for Taus88 {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.next_output())
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let lo = self.next_output() as u64;
        Ok(lo | ((self.next_output() as u64) << 32))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(4) {
            let b = self.next_output().to_le_bytes();
            chunk.copy_from_slice(&b[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::Rng;

    #[test]
    fn matches_math_j_vector() {
        let mut r = Taus88::new(12345, 67890, 13579).unwrap();
        let out: [u32; 6] = core::array::from_fn(|_| r.next_output());
        assert_eq!(
            out,
            [
                1762857971, 962756195, 1349868690, 3172171919, 2881600251, 2217093738
            ]
        );
        assert_eq!(
            [out[3] as i32, out[4] as i32, out[5] as i32],
            [-1122795377, -1413367045, -2077873558]
        );
        let mut r = Taus88::new(12345, 67890, 13579).unwrap();
        let idx: [u32; 6] = core::array::from_fn(|_| r.umap_index(10));
        assert_eq!(idx, [1, 5, 0, 3, 5, 2]);
    }

    #[test]
    fn bounded_is_uniform_and_in_range() {
        let mut r = Pcg32::for_stream(3, 4);
        let mut counts = [0u32; 7];
        for _ in 0..70_000 {
            counts[bounded(&mut r, 7) as usize] += 1;
        }
        // each count ~ Binomial(70000, 1/7): mean 10000, sd 92; 6 sd bounds
        assert!(
            counts.iter().all(|&c| (9_450..=10_550).contains(&c)),
            "{counts:?}"
        );
        assert_eq!(bounded(&mut r, 1), 0);
        assert_eq!(bounded(&mut r, 0), 0);
        let big = u32::MAX;
        assert!((0..100).all(|_| bounded(&mut r, big) < big));
    }

    #[test]
    fn pcg_streams_golden_value() {
        // Pins the stream derivation: a change here changes every seeded result.
        let mut r = Pcg32::for_stream(42, 0);
        let first = r.next_u32();
        let mut again = Pcg32::for_stream(42, 0);
        assert_eq!(first, again.next_u32());
        assert_eq!(splitmix64(0), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn taus88_streams_satisfy_seed_constraints() {
        for s in 0..100 {
            let t = Taus88::for_stream(s, s * 3);
            let [a, b, c] = t.state();
            assert!(a > 1 && b > 7 && c > 15);
        }
    }

    #[test]
    fn rejects_degenerate_seeds() {
        assert!(Taus88::new(1, 8, 16).is_none());
        assert!(Taus88::new(2, 7, 16).is_none());
        assert!(Taus88::new(2, 8, 15).is_none());
        assert!(Taus88::new(2, 8, 16).is_some());
    }
}
