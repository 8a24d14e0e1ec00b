//! Random number generators with documented, platform-independent streams.
//!
//! [`Taus88`] is the generator umap-learn's optimiser uses (one state per head vertex,
//! MATH.md §B.2), provided for parity experiments. It implements [`rand_core::Rng`] through
//! [`rand_core::TryRng`], so it plugs in wherever the crate takes an RNG; the crate's default
//! is [`rand_pcg::Pcg32`].

use core::convert::Infallible;
use rand_core::TryRng;

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
    pub fn new(s0: u32, s1: u32, s2: u32) -> Option<Self> {
        (s0 > 1 && s1 > 7 && s2 > 15).then_some(Taus88 { s: [s0, s1, s2] })
    }

    /// The current states.
    pub fn state(&self) -> [u32; 3] {
        self.s
    }

    /// The next output, umap-learn's `tau_rand_int` before its cast to `i32`.
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
    fn rejects_degenerate_seeds() {
        assert!(Taus88::new(1, 8, 16).is_none());
        assert!(Taus88::new(2, 7, 16).is_none());
        assert!(Taus88::new(2, 8, 15).is_none());
        assert!(Taus88::new(2, 8, 16).is_some());
    }
}
