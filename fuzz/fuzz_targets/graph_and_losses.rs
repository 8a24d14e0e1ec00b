//! Arbitrary bytes → CSR graph validation; valid graphs then go through the optional checks,
//! the reference losses and the expected update on a bounded layout.
//!
//! Oracles: no panic; a typed error or a value; every gradient and expected update is free of
//! NaN when the loss is finite.
#![no_main]

use libfuzzer_sys::fuzz_target;
use neighbor_embed::expected::{SamplerOptions, expected_update};
use neighbor_embed::graph::CsrGraph;
use neighbor_embed::kernel::{Cauchy, Umap};
use neighbor_embed::layout::Layout;
use neighbor_embed::loss::{EffectiveParams, NegParams, neg_loss, umap_cross_entropy, umap_effective_loss};

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        let (b, rest) = self.0.split_first().map_or((0, &[][..]), |(b, r)| (*b, r));
        self.0 = rest;
        b
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    fn f64(&mut self) -> f64 {
        f64::from_bits(u64::from(self.u32()) | (u64::from(self.u32()) << 32))
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes(data);
    let n = (b.u8() % 24) as usize;
    let nnz = (b.u8() % 64) as usize;
    let indptr_len = if b.u8() % 8 == 0 { (b.u8() % 26) as usize } else { n + 1 };
    // indptr: mostly non-decreasing so validation reaches the later checks
    let mut indptr = Vec::with_capacity(indptr_len);
    let mut acc = 0u32;
    for _ in 0..indptr_len {
        let step = b.u8();
        acc = if step > 250 { u32::from(step) } else { acc + u32::from(step % 4) };
        indptr.push(acc.min(nnz as u32 + u32::from(step == 249)));
    }
    let indices: Vec<u32> = (0..nnz).map(|_| u32::from(b.u8()) % (n as u32 + 2)).collect();
    let weights: Vec<f64> = (0..nnz)
        .map(|_| match b.u8() % 16 {
            // arbitrary bit patterns up to 1e6 (weights whose sums overflow are a typed error;
            // gradient overflow at extreme magnitudes is covered by the finite-in property tests)
            0 => {
                let w = b.f64();
                if w.abs() > 1e6 { w % 1e6 } else { w }
            }
            1 => -1.0,
            _ => f64::from(b.u8()) / 255.0,
        })
        .collect();
    let Ok(g) = CsrGraph::new(n, &indptr, &indices, &weights) else { return };
    let _ = (g.check_symmetric(1e-9), g.check_no_self_loops(), g.check_no_duplicates());
    let _ = (g.check_no_isolated(), g.check_memberships(), g.d_tot(), g.w_max());
    let g = if b.u8() % 2 == 0 { g.with_umap_filter(usize::from(b.u8())) } else { g };

    let dim = 1 + (b.u8() % 3) as usize;
    let coords: Vec<f64> = (0..n * dim).map(|_| (f64::from(b.u32()) / f64::from(u32::MAX) - 0.5) * 20.0).collect();
    let Ok(y) = Layout::new(&coords, dim) else { return };
    let k = Umap::umap_learn_default();
    let mut ws = vec![0.0; n];
    let mut grad = vec![0.0; n * dim];
    let no_nan = |v: &[f64]| v.iter().all(|x| !x.is_nan());
    if let Ok(l) = umap_cross_entropy(&g, &k, &y, Some(&mut grad)) {
        assert!(!l.is_nan() && no_nan(&grad));
    }
    if let Ok(l) = umap_effective_loss(&g, &k, &y, &EffectiveParams::default(), &mut ws, Some(&mut grad)) {
        assert!(!l.is_nan() && no_nan(&grad));
    }
    if let Ok(l) = neg_loss(&g, &Cauchy, &y, &NegParams { z_bar: 1.0 + f64::from(b.u8()), m: 5.0 }, Some(&mut grad)) {
        assert!(!l.is_nan() && no_nan(&grad));
    }
    let options = SamplerOptions { push_tail: b.u8() % 2 == 0, ..SamplerOptions::default() };
    if expected_update(&g, &k, &y, &options, &mut ws, &mut grad).is_ok() {
        assert!(no_nan(&grad));
    }
});
