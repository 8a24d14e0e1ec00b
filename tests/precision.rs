//! The same computations in `f32` stay within a stated tolerance of the `f64` reference:
//! losses to 1e-5 relative, gradients and expected updates to 1e-4 relative L2.

// Tests may use the platform math library: they check the crate, which must not.
#![allow(clippy::disallowed_methods)]

mod common;

use common::{cases, rel_l2};
use neighbor_embed::expected::{SamplerOptions, expected_update};
use neighbor_embed::graph::CsrGraph;
use neighbor_embed::kernel::{Cauchy, Umap};
use neighbor_embed::layout::Layout;
use neighbor_embed::loss::*;
use proptest::prelude::*;

const LOSS_TOL: f64 = 1e-5;
const GRAD_TOL: f64 = 1e-4;

fn to32(v: &[f64]) -> Vec<f32> {
    v.iter().map(|&x| x as f32).collect()
}
fn to64(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| x as f64).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn f32_tracks_f64(c in cases(3..9, true)) {
        // Round the inputs to f32 first so both precisions see the same problem.
        let coords64 = to64(&to32(&c.coords));
        let w64 = to64(&to32(&c.weights));
        let (w32, y32) = (to32(&w64), to32(&coords64));
        let g64 = CsrGraph::new(c.n, &c.indptr, &c.indices, &w64).unwrap();
        let g32 = CsrGraph::new(c.n, &c.indptr, &c.indices, &w32).unwrap();
        let l64 = Layout::new(&coords64, c.dim).unwrap();
        let l32 = Layout::new(&y32, c.dim).unwrap();
        let (k64, k32) = (Umap::<f64>::umap_learn_default(), Umap::<f32>::umap_learn_default());
        let (mut gr64, mut gr32) = (vec![0.0f64; coords64.len()], vec![0.0f32; y32.len()]);
        let check = |name: &str, a: f64, b: f32, ga: &[f64], gb: &[f32]| -> Result<(), TestCaseError> {
            prop_assert!((a - b as f64).abs() <= LOSS_TOL * a.abs().max(1.0), "{} loss {} vs {}", name, a, b);
            let err = rel_l2(&to64(gb), ga);
            prop_assert!(err <= GRAD_TOL || ga.iter().all(|x| x.abs() < 1e-6), "{} grad rel err {}", name, err);
            Ok(())
        };

        let a = umap_cross_entropy(&g64, &k64, &l64, Some(&mut gr64)).unwrap();
        let b = umap_cross_entropy(&g32, &k32, &l32, Some(&mut gr32)).unwrap();
        check("ce", a, b, &gr64, &gr32)?;

        let a = umap_effective_loss(&g64, &k64, &l64, &EffectiveParams::default(), &mut vec![0.0; c.n], Some(&mut gr64)).unwrap();
        let b = umap_effective_loss(&g32, &k32, &l32, &EffectiveParams::default(), &mut vec![0.0; c.n], Some(&mut gr32)).unwrap();
        check("eff", a, b, &gr64, &gr32)?;

        let a = neg_loss(&g64, &Cauchy, &l64, &NegParams { z_bar: 30.0, m: 5.0 }, Some(&mut gr64)).unwrap();
        let b = neg_loss(&g32, &Cauchy, &l32, &NegParams { z_bar: 30.0, m: 5.0 }, Some(&mut gr32)).unwrap();
        check("neg", a, b, &gr64, &gr32)?;

        let total: f64 = w64.iter().sum();
        let p64: Vec<f64> = w64.iter().map(|w| w / total).collect();
        let p32 = to32(&p64);
        let pg64 = CsrGraph::new(c.n, &c.indptr, &c.indices, &p64).unwrap();
        let pg32 = CsrGraph::new(c.n, &c.indptr, &c.indices, &p32).unwrap();
        let a = tsne_kl(&pg64, &Cauchy, &l64, 4.0, Some(&mut gr64)).unwrap();
        let b = tsne_kl(&pg32, &Cauchy, &l32, 4.0, Some(&mut gr32)).unwrap();
        check("tsne", a, b, &gr64, &gr32)?;

        let o64 = SamplerOptions::<f64>::default();
        let o32 = SamplerOptions::<f32>::default();
        expected_update(&g64, &k64, &l64, &o64, &mut vec![0.0; c.n], &mut gr64).unwrap();
        expected_update(&g32, &k32, &l32, &o32, &mut vec![0.0; c.n], &mut gr32).unwrap();
        check("expected", 0.0, 0.0, &gr64, &gr32)?;
    }
}
