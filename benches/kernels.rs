//! Kernel evaluations per second for each kernel and math mode (`umap/f32` is libm,
//! `umap/f32/fast` the crate's deterministic polynomial `pow`), and the reference losses on a
//! small graph.
//!
//! `cargo bench --bench kernels`. Inputs are fixed (a geometric sweep of d2), so runs are
//! comparable; report figures with the machine and this command.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use neighbor_embed::kernel::{BceKernel, Cauchy, Gaussian, StudentT, Umap};
use std::hint::black_box;

const N: usize = 4096;

fn d2s<T: neighbor_embed::Real>() -> Vec<T> {
    (0..N)
        .map(|k| T::of_f64(1e-3 * (1.0f64 + 1e-2).powi(k as i32 % 1000)))
        .collect()
}

fn bench_kernel<T: neighbor_embed::Real, K: BceKernel<T>>(c: &mut Criterion, name: &str, k: &K) {
    let xs = d2s::<T>();
    let mut g = c.benchmark_group(format!("kernel/{name}"));
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("value", |b| {
        b.iter(|| {
            xs.iter()
                .map(|&x| k.value(black_box(x)))
                .fold(T::zero(), |a, v| a + v)
        })
    });
    g.bench_function("c_att", |b| {
        b.iter(|| {
            xs.iter()
                .map(|&x| k.c_att(black_box(x)))
                .fold(T::zero(), |a, v| a + v)
        })
    });
    g.bench_function("c_rep", |b| {
        b.iter(|| {
            xs.iter()
                .map(|&x| k.c_rep(black_box(x), T::one(), T::of_f64(0.001)))
                .fold(T::zero(), |a, v| a + v)
        })
    });
    g.bench_function("c_neg", |b| {
        b.iter(|| {
            xs.iter()
                .map(|&x| k.c_neg(black_box(x), T::of_f64(0.01)))
                .fold(T::zero(), |a, v| a + v)
        })
    });
    g.finish();
}

fn kernels(c: &mut Criterion) {
    bench_kernel::<f32, _>(c, "umap/f32", &Umap::<f32>::umap_learn_default());
    bench_kernel::<f32, _>(
        c,
        "umap/f32/fast",
        &Umap::<f32>::umap_learn_default().fast(),
    );
    bench_kernel::<f64, _>(c, "umap/f64", &Umap::<f64>::umap_learn_default());
    bench_kernel::<f32, _>(c, "cauchy/f32", &Cauchy);
    bench_kernel::<f32, _>(c, "student_t/f32", &StudentT::new(0.5f32).unwrap());
    bench_kernel::<f32, _>(c, "gaussian/f32", &Gaussian::new(1.0f32).unwrap());
}

fn losses(c: &mut Criterion) {
    use neighbor_embed::expected::{SamplerOptions, expected_update};
    use neighbor_embed::graph::CsrGraph;
    use neighbor_embed::layout::Layout;
    use neighbor_embed::loss::{EffectiveParams, umap_effective_loss};
    // a ring of 400 points, each joined to its 4 nearest ring neighbours
    let n = 400usize;
    let (mut indptr, mut indices, mut w) = (vec![0u32], vec![], vec![]);
    for i in 0..n {
        let mut row: Vec<u32> = [n - 2, n - 1, 1, 2]
            .iter()
            .map(|&o| ((i + o) % n) as u32)
            .collect();
        row.sort();
        for j in row {
            indices.push(j);
            w.push(1.0f64);
        }
        indptr.push(indices.len() as u32);
    }
    let coords: Vec<f64> = (0..n)
        .flat_map(|i| {
            let t = i as f64 / n as f64 * std::f64::consts::TAU;
            [10.0 * libm::cos(t), 10.0 * libm::sin(t)]
        })
        .collect();
    let g = CsrGraph::new(n, &indptr, &indices, &w).unwrap();
    let y = Layout::new(&coords, 2).unwrap();
    let k = Umap::umap_learn_default();
    let (mut ws, mut out) = (vec![0.0; n], vec![0.0; 2 * n]);
    let mut grp = c.benchmark_group("reference/n400");
    grp.throughput(Throughput::Elements((n * (n - 1) / 2) as u64));
    grp.bench_function("effective_loss+grad", |b| {
        b.iter(|| {
            umap_effective_loss(
                &g,
                &k,
                &y,
                &EffectiveParams::default(),
                &mut ws,
                Some(&mut out),
            )
            .unwrap()
        })
    });
    grp.bench_function("expected_update", |b| {
        b.iter(|| {
            expected_update(&g, &k, &y, &SamplerOptions::default(), &mut ws, &mut out).unwrap()
        })
    });
    grp.finish();
}

criterion_group!(benches, kernels, losses);
criterion_main!(benches);
