//! Embeds a data set from its graph and prints the run's speed and quality.
//!
//! ```text
//! cargo run --release --example embed                      # the bundled digits, UMAP
//! cargo run --release --example embed -- DATA_DIR --loss neg --spectrum 0 --epochs 500
//! ```
//!
//! Reads a folder in the fixture format of `examples/data/README.md`, lays out its graph with
//! this crate, writes `embedding.f32` and `embedding.svg` into `--out`, shows progress on stderr
//! and prints one JSON line with the figures. `--help` lists the options.

#[path = "../common/io.rs"]
mod io;
mod svg;

use io::{read_f32, read_u32, write_le};

use neighbor_embed::affinity::{UmapAffinity, umap_graph};
use neighbor_embed::batch::{BatchConfig, BatchSgd, NegativeSource};
use neighbor_embed::descent::{DescentConfig, neg_descent};
use neighbor_embed::graph::CsrGraph;
use neighbor_embed::kernel::{Cauchy, Kernel, OffsetCauchy, Umap};
use neighbor_embed::knn::{KnnList, SelfNeighbor};
use neighbor_embed::layout::Layout;
use neighbor_embed::loss::spectrum;
use neighbor_embed::metrics;
use neighbor_embed::parallel::{ParallelConfig, ParallelUmap};
use neighbor_embed::sgd::{Control, EpochInfo, OwnedUmapSgd, RunReport, SampleOrder, UmapConfig};
use neighbor_embed::sink::InPlace;
use neighbor_embed::spectral::{EigenOptions, SpectralOptions, spectral_layout};
use neighbor_embed::step::{BceStep, InfoNceStep, NceStep, NegStep, Step};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const HELP: &str = "\
Usage: embed [DATA_DIR] [options]

Lays out the graph of DATA_DIR (default: the bundled digits) and writes embedding.f32 and
embedding.svg. The last stdout line is a JSON object with n, nnz, epochs, updates,
layout_seconds, updates_per_s, knn_preservation, knn_accuracy, spearman, output_hash (and
graph, init, init_seconds, positive/negative samples, cluster_spread, and avx2 / avx512:
whether the lane code ran in its AVX2 / AVX-512 copy, see neighbor_embed::dispatch).

Options:
  --loss umap|neg|nce|infonce   loss (default umap: umap-learn's algorithm)
  --zbar F                      NEG's fixed normaliser (default: the UMAP end n(n-1)/m)
  --spectrum S                  NEG: Zbar at contrastive-ne's spectrum position S
                                (0 = t-SNE end 100n, 1 = UMAP end n^2/5);
                                InfoNCE: rho = 4^S
  --kernel cauchy|umap          similarity of neg/nce/infonce (default cauchy)
  --math exact|fast             pow of the UMAP kernel: libm (default) or the crate's fast
                                deterministic polynomial (fast_math)
  --negatives sequential|batched|lockstep
                                --loss umap: umap-learn's order (default); all of a sample's
                                coefficients from its start positions (faster); or batched
                                with 16 walks over the heads in lockstep, one sample per
                                SIMD lane
                                (fastest)
  --noise-mass M                NEG/NCE noise mass m_L (default m): each negative weighs m_L/m
  --epochs N                    default as umap-learn: 500 (n <= 10000) or 200
  --lr A                        initial learning rate (default 1)
  --m M                         negative samples per positive sample (default 5)
  --seed S                      seed (default 42)
  --init spectral|fixture|random   initial layout (default spectral: umap-learn's spectral
                                init computed by this crate, per component if the graph is
                                disconnected; fixture: DATA_DIR's init.f32; random: uniform)
  --graph knn|fixture           build umap-learn's graph from knn_idx.u32 / knn_dist.f32 with
                                this crate (default), or read DATA_DIR's graph_* files
  --save-graph DIR              write the graph used in the fixture's CSR format
  --sampler umap|batch|descent|parallel
                                umap-learn's per-sample schedule (default), contrastive-ne's
                                mini-batches (every edge once per epoch, summed, clipped),
                                full-gradient descent with Barnes-Hut repulsion (neg only;
                                --epochs = iterations, default 750; --noise-mass default 5000),
                                or the deterministic multi-threaded epochs (umap only; Adam;
                                the same bits for any --threads)
  --threads T                   threads of --sampler parallel (default 0: all cores)
  --batch-size B                mini-batch edges (default 32768)
  --batch-negatives uniform|batch   mini-batch negatives from all points or the batch (default)
  --momentum M                  mini-batch SGD momentum (default 0)
  --early-epochs E              first E epochs at the UMAP end of the spectrum (neg, infonce)
  --out DIR                     output folder (default .)
  --quiet                       no progress on stderr
";

struct Args {
    data: PathBuf,
    loss: String,
    z_bar: Option<f64>,
    spectrum: Option<f64>,
    kernel: String,
    math: String,
    batched: bool,
    lockstep: bool,
    threads: usize,
    noise_mass: Option<f64>,
    epochs: Option<usize>,
    lr: f64,
    m: f64,
    seed: u64,
    init: String,
    out: PathBuf,
    quiet: bool,
    sampler: String,
    batch_size: usize,
    batch_negatives: String,
    momentum: f64,
    early_epochs: usize,
    graph: String,
    save_graph: Option<PathBuf>,
}

fn parse() -> Result<Option<Args>, String> {
    let mut a = Args {
        data: Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/digits"),
        loss: "umap".into(),
        z_bar: None,
        spectrum: None,
        kernel: "cauchy".into(),
        math: "exact".into(),
        batched: false,
        lockstep: false,
        threads: 0,
        noise_mass: None,
        epochs: None,
        lr: 1.0,
        m: 5.0,
        seed: 42,
        init: "spectral".into(),
        out: PathBuf::from("."),
        quiet: false,
        sampler: "umap".into(),
        batch_size: 32768,
        batch_negatives: "batch".into(),
        momentum: 0.0,
        early_epochs: 0,
        graph: "knn".into(),
        save_graph: None,
    };
    let mut it = std::env::args().skip(1);
    fn value<T: std::str::FromStr>(flag: &str, v: Option<String>) -> Result<T, String> {
        let v = v.ok_or(format!("{flag} needs a value"))?;
        v.parse().map_err(|_| format!("{flag}: cannot parse {v:?}"))
    }
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--help" | "-h" => return Ok(None),
            "--loss" => a.loss = value(&arg, it.next())?,
            "--zbar" => a.z_bar = Some(value(&arg, it.next())?),
            "--spectrum" => a.spectrum = Some(value(&arg, it.next())?),
            "--kernel" => a.kernel = value(&arg, it.next())?,
            "--math" => a.math = value(&arg, it.next())?,
            "--negatives" => {
                (a.batched, a.lockstep) = match value::<String>(&arg, it.next())?.as_str() {
                    "sequential" => (false, false),
                    "batched" => (true, false),
                    "lockstep" => (true, true),
                    other => {
                        return Err(format!(
                            "--negatives {other}: expected sequential, batched or lockstep"
                        ));
                    }
                }
            }
            "--noise-mass" => a.noise_mass = Some(value(&arg, it.next())?),
            "--epochs" => a.epochs = Some(value(&arg, it.next())?),
            "--lr" => a.lr = value(&arg, it.next())?,
            "--m" => a.m = value(&arg, it.next())?,
            "--seed" => a.seed = value(&arg, it.next())?,
            "--init" => a.init = value(&arg, it.next())?,
            "--graph" => a.graph = value(&arg, it.next())?,
            "--save-graph" => a.save_graph = Some(PathBuf::from(value::<String>(&arg, it.next())?)),
            "--out" => a.out = PathBuf::from(value::<String>(&arg, it.next())?),
            "--quiet" => a.quiet = true,
            "--sampler" => a.sampler = value(&arg, it.next())?,
            "--threads" => a.threads = value(&arg, it.next())?,
            "--batch-size" => a.batch_size = value(&arg, it.next())?,
            "--batch-negatives" => a.batch_negatives = value(&arg, it.next())?,
            "--momentum" => a.momentum = value(&arg, it.next())?,
            "--early-epochs" => a.early_epochs = value(&arg, it.next())?,
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            _ => a.data = PathBuf::from(arg),
        }
    }
    if !["umap", "neg", "nce", "infonce"].contains(&a.loss.as_str()) {
        return Err(format!(
            "--loss {}: expected umap, neg, nce or infonce",
            a.loss
        ));
    }
    if !["exact", "fast"].contains(&a.math.as_str()) {
        return Err(format!("--math {}: expected exact or fast", a.math));
    }
    if !["cauchy", "umap"].contains(&a.kernel.as_str()) {
        return Err(format!("--kernel {}: expected cauchy or umap", a.kernel));
    }
    if !["fixture", "knn"].contains(&a.graph.as_str()) {
        return Err(format!("--graph {}: expected fixture or knn", a.graph));
    }
    if !["umap", "batch", "descent", "parallel"].contains(&a.sampler.as_str()) {
        return Err(format!(
            "--sampler {}: expected umap, batch, descent or parallel",
            a.sampler
        ));
    }
    if a.sampler == "parallel" && a.loss != "umap" {
        return Err("--sampler parallel works with --loss umap".into());
    }
    if a.sampler == "descent" && a.loss != "neg" {
        return Err("--sampler descent works with --loss neg".into());
    }
    if !["uniform", "batch"].contains(&a.batch_negatives.as_str()) {
        return Err(format!(
            "--batch-negatives {}: expected uniform or batch",
            a.batch_negatives
        ));
    }
    if !["spectral", "fixture", "random"].contains(&a.init.as_str()) {
        return Err(format!(
            "--init {}: expected spectral, fixture or random",
            a.init
        ));
    }
    Ok(Some(a))
}

/// FNV-1a (64 bit) of the embedding's little-endian bytes.
fn hash(y: &[f32]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in y.iter().flat_map(|v| v.to_le_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Progress on stderr, about 50 updates per run.
fn progress(quiet: bool) -> impl FnMut(&EpochInfo<f32>, &[f32]) -> Control {
    move |info, _| {
        let every = (info.n_epochs / 50).max(1);
        if !quiet && (info.epoch % every == 0 || info.epoch + 1 == info.n_epochs) {
            eprint!(
                "\repoch {:>4}/{} lr {:.4} samples {:>9}",
                info.epoch + 1,
                info.n_epochs,
                info.learning_rate,
                info.positive_samples + info.negative_samples
            );
            if info.epoch + 1 == info.n_epochs {
                eprintln!();
            }
            let _ = std::io::stderr().flush();
        }
        Control::Continue
    }
}

/// Runs `early` for the first `a.early_epochs` epochs, then `main`, with the chosen sampler.
fn run_with<E: Step<f32>, S: Step<f32>>(
    a: &Args,
    graph: &CsrGraph<f32>,
    config: &UmapConfig<f32>,
    mut early: E,
    mut main: S,
    y: &mut [f32],
) -> Result<(RunReport, f64), String> {
    let mut observer = progress(a.quiet);
    let t0 = Instant::now();
    let report = if a.sampler == "batch" {
        let bc = BatchConfig {
            n_epochs: config.n_epochs,
            batch_size: a.batch_size,
            negatives: a.m.round() as usize,
            source: if a.batch_negatives == "batch" {
                NegativeSource::Batch
            } else {
                NegativeSource::Uniform
            },
            learning_rate: config.learning_rate,
            lr_min_factor: 0.0,
            momentum: a.momentum as f32,
            clip: Some(4.0),
            early_epochs: a.early_epochs,
            seed: config.seed,
        };
        let mut sgd = BatchSgd::new(graph, 2, &bc).map_err(|e| e.to_string())?;
        sgd.run(graph, &mut early, &mut main, y, usize::MAX, &mut observer)
            .map_err(|e| e.to_string())?
    } else {
        let mut sgd = OwnedUmapSgd::<f32>::new(graph, config).map_err(|e| e.to_string())?;
        let mut r = sgd
            .run(
                graph,
                &mut early,
                &mut InPlace::new(y, 2, None),
                a.early_epochs,
                &mut observer,
            )
            .map_err(|e| e.to_string())?;
        let rest = sgd
            .run(
                graph,
                &mut main,
                &mut InPlace::new(y, 2, None),
                usize::MAX,
                &mut observer,
            )
            .map_err(|e| e.to_string())?;
        r.epochs += rest.epochs;
        r.positive_samples += rest.positive_samples;
        r.negative_samples += rest.negative_samples;
        r
    };
    Ok((report, t0.elapsed().as_secs_f64()))
}

fn run(a: Args) -> Result<(), String> {
    let d = &a.data;
    let (indptr, indices, weights) = if a.graph == "knn" {
        let idx = read_u32(&d.join("knn_idx.u32"))?;
        let dist = read_f32(&d.join("knn_dist.f32"))?;
        let n_points = std::fs::read(d.join("labels.u8"))
            .map(|l| l.len())
            .unwrap_or(0);
        let n_points = if n_points > 0 {
            n_points
        } else {
            read_f32(&d.join("init.f32"))?.len() / 2
        };
        let k = idx.len() / n_points.max(1);
        let knn = KnnList::new(n_points, k, &idx, &dist, SelfNeighbor::First)
            .map_err(|e| e.to_string())?;
        let g = umap_graph(&knn, &UmapAffinity::default())
            .map_err(|e| e.to_string())?
            .graph;
        g.into_parts()
    } else {
        (
            read_u32(&d.join("graph_indptr.u32"))?,
            read_u32(&d.join("graph_indices.u32"))?,
            read_f32(&d.join("graph_weights.f32"))?,
        )
    };
    if let Some(dir) = &a.save_graph {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        write_le(&dir.join("graph_indptr.u32"), &indptr, u32::to_le_bytes)?;
        write_le(&dir.join("graph_indices.u32"), &indices, u32::to_le_bytes)?;
        write_le(&dir.join("graph_weights.f32"), &weights, f32::to_le_bytes)?;
    }
    let n = indptr.len().saturating_sub(1);
    let epochs = a.epochs.unwrap_or(if a.sampler == "descent" {
        750
    } else if n <= 10_000 {
        500
    } else {
        200
    });
    let graph = CsrGraph::new(n, &indptr, &indices, &weights)
        .map_err(|e| e.to_string())?
        .with_umap_filter(epochs);
    let t_init = std::time::Instant::now();
    let mut y = if a.init == "fixture" {
        read_f32(&d.join("init.f32"))?
    } else if a.init == "spectral" {
        let mut y = vec![0.0f32; 2 * n];
        let options = SpectralOptions {
            eigen: EigenOptions {
                seed: a.seed,
                ..EigenOptions::default()
            },
            ..SpectralOptions::default()
        };
        let report = spectral_layout(&graph, 2, &options, &mut y).map_err(|e| e.to_string())?;
        if !report.is_spectral() && !a.quiet {
            eprintln!(
                "spectral init: {} components, {} laid out spectrally, {} vertices placed at random",
                report.components, report.spectral_components, report.random_vertices
            );
        }
        y
    } else {
        let mut y = vec![0.0f32; 2 * n];
        neighbor_embed::init::uniform(&mut y, -10.0, 10.0, a.seed).map_err(|e| e.to_string())?;
        neighbor_embed::init::rescale_columns(&mut y, 2, 10.0).map_err(|e| e.to_string())?;
        y
    };
    let init_seconds = t_init.elapsed().as_secs_f64();
    Layout::new(&y, 2).map_err(|e| e.to_string())?;
    if y.len() != 2 * n {
        return Err(format!("init has {} values, expected {}", y.len(), 2 * n));
    }
    let config = UmapConfig {
        n_epochs: epochs,
        learning_rate: a.lr as f32,
        negative_rate: a.m,
        seed: a.seed,
        negative_pool: None,
        decay: true,
        order: if a.lockstep {
            SampleOrder::Lockstep
        } else {
            SampleOrder::Csr
        },
    };
    let umap_kernel = Umap::<f32>::umap_learn_default();
    let z_bar = match (a.z_bar, a.spectrum) {
        (Some(z), _) => z,
        (None, Some(s)) if a.loss == "neg" => {
            spectrum::cne_z_bar(s, n).map_err(|e| e.to_string())?
        }
        _ => spectrum::z_bar_umap_end(n, a.m).map_err(|e| e.to_string())?,
    };
    let descent = a.sampler == "descent";
    let noise_mass = a.noise_mass.unwrap_or(if descent { 5000.0 } else { a.m });
    let s = spectrum::s_of_z_bar(z_bar, noise_mass, n).map_err(|e| e.to_string())? as f32;
    let neg_weight = (noise_mass / a.m) as f32;
    // The mini-batch sampler clips the summed gradient, so its steps do not clip per sample.
    let step_clip = if a.sampler == "batch" {
        None
    } else {
        Some(4.0f32)
    };
    let batch = a.sampler == "batch";
    let s_early = spectrum::s_of_z_bar(
        spectrum::cne_z_bar(1.0, n).map_err(|e| e.to_string())?,
        noise_mass,
        n,
    )
    .map_err(|e| e.to_string())? as f32;
    #[allow(clippy::too_many_arguments)]
    fn with_kernel<K: Kernel<f32> + Copy>(
        a: &Args,
        k: K,
        s: f32,
        s_early: f32,
        neg_weight: f32,
        clip: Option<f32>,
        batch: bool,
        n: usize,
        noise_mass: f64,
        graph: &CsrGraph<f32>,
        config: &UmapConfig<f32>,
        y: &mut [f32],
    ) -> Result<(RunReport, f64), String> {
        match a.loss.as_str() {
            "neg" => {
                let main = NegStep {
                    neg_weight,
                    clip,
                    push_negatives: batch,
                    ..NegStep::new(k, s)
                };
                let early = NegStep { s: s_early, ..main };
                run_with(a, graph, config, early, main, y)
            }
            "nce" => {
                // contrastive-ne starts at its Z = 1, which is Z = n(n-1) in MATH.md's units
                let ln_z = neighbor_embed::Real::ln((n as f64) * (n as f64 - 1.0)) as f32;
                let mut step = NceStep::new(k, noise_mass as f32, n, ln_z, 0.001)
                    .map_err(|e| e.to_string())?;
                step.neg_weight = neg_weight;
                step.clip = clip;
                step.push_negatives = batch;
                run_with(a, graph, config, step, step, y)
            }
            _ => {
                let rho = spectrum::infonce_rho(a.spectrum.unwrap_or(0.0))
                    .map_err(|e| e.to_string())? as f32;
                let main = InfoNceStep {
                    clip,
                    ..InfoNceStep::new(k, rho)
                };
                let early = InfoNceStep { rho: 4.0, ..main };
                run_with(a, graph, config, early, main, y)
            }
        }
    }
    let (report, seconds) = match (a.loss.as_str(), a.kernel.as_str()) {
        _ if descent => {
            let mut config = DescentConfig::new(z_bar);
            config.n_iter = epochs;
            config.early_iter = config.early_iter.min(epochs / 3).max(a.early_epochs);
            config.noise_mass = noise_mass;
            if a.lr != 1.0 {
                config.learning_rate = Some(a.lr as f32);
            }
            let mut observer = progress(a.quiet);
            let t0 = Instant::now();
            let r = if a.kernel == "umap" {
                neg_descent(&graph, &umap_kernel, &mut y, 2, &config, &mut observer)
            } else {
                neg_descent(
                    &graph,
                    &OffsetCauchy::new(1.0f32).unwrap(),
                    &mut y,
                    2,
                    &config,
                    &mut observer,
                )
            }
            .map_err(|e| e.to_string())?;
            (r, t0.elapsed().as_secs_f64())
        }
        _ if a.sampler == "parallel" => {
            let config = ParallelConfig {
                n_epochs: epochs,
                learning_rate: a.lr,
                negative_rate: a.m,
                seed: a.seed,
                threads: a.threads,
                ..ParallelConfig::new(n, a.seed)
            };
            let mut run =
                ParallelUmap::<f32>::new(&graph, &config, 2).map_err(|e| e.to_string())?;
            let mut observer = progress(a.quiet);
            let t0 = Instant::now();
            let kernel = umap_kernel;
            let r = if a.math == "fast" {
                run.run(&graph, &kernel.fast(), &mut y, usize::MAX, &mut observer)
            } else {
                run.run(&graph, &kernel, &mut y, usize::MAX, &mut observer)
            }
            .map_err(|e| e.to_string())?;
            (r, t0.elapsed().as_secs_f64())
        }
        ("umap", _) if a.math == "fast" => {
            let step = BceStep {
                clip: step_clip,
                batched_negatives: a.batched,
                ..BceStep::umap_learn(umap_kernel.fast())
            };
            run_with(&a, &graph, &config, step, step, &mut y)?
        }
        ("umap", _) => {
            let step = BceStep {
                clip: step_clip,
                batched_negatives: a.batched,
                ..BceStep::umap_learn(umap_kernel)
            };
            run_with(&a, &graph, &config, step, step, &mut y)?
        }
        (_, "umap") if a.math == "fast" => with_kernel(
            &a,
            umap_kernel.fast(),
            s,
            s_early,
            neg_weight,
            step_clip,
            batch,
            n,
            noise_mass,
            &graph,
            &config,
            &mut y,
        )?,
        (_, "umap") => with_kernel(
            &a,
            umap_kernel,
            s,
            s_early,
            neg_weight,
            step_clip,
            batch,
            n,
            noise_mass,
            &graph,
            &config,
            &mut y,
        )?,
        _ => with_kernel(
            &a, Cauchy, s, s_early, neg_weight, step_clip, batch, n, noise_mass, &graph, &config,
            &mut y,
        )?,
    };

    std::fs::create_dir_all(&a.out).map_err(|e| format!("{}: {e}", a.out.display()))?;
    write_le(&a.out.join("embedding.f32"), &y, f32::to_le_bytes)?;

    let labels = std::fs::read(d.join("labels.u8")).unwrap_or_default();
    let names: Vec<String> = (0..=labels.iter().copied().max().unwrap_or(0))
        .map(|l| l.to_string())
        .collect();
    let title = format!(
        "{} — {} loss, {} epochs",
        d.file_name().and_then(|f| f.to_str()).unwrap_or("data"),
        a.loss,
        epochs
    );
    std::fs::write(
        a.out.join("embedding.svg"),
        svg::scatter(&y, &labels, &names, &title),
    )
    .map_err(|e| e.to_string())?;

    let layout =
        Layout::new(&y, 2).map_err(|e| format!("the run produced a non-finite layout: {e}"))?;
    let quality = match (read_f32(&d.join("X.f32")), read_u32(&d.join("hd_nn15.u32"))) {
        (Ok(x), Ok(hd)) if !labels.is_empty() => {
            let dim = x.len() / n.max(1);
            Some(metrics::quality(&x, dim, &layout, &hd, &labels).map_err(|e| e.to_string())?)
        }
        _ => None,
    };
    let spread = if labels.is_empty() {
        "null".to_string()
    } else {
        format!(
            "{:.4}",
            metrics::cluster_spread(&layout, &labels).map_err(|e| e.to_string())?
        )
    };
    let q = |f: fn(&metrics::Quality) -> f64| {
        quality
            .as_ref()
            .map_or("null".to_string(), |q| format!("{:.4}", f(q)))
    };
    println!(
        "{{\"n\":{n},\"graph\":\"{}\",\"init\":\"{}\",\"init_seconds\":{:.3},\"nnz\":{},\"epochs\":{},\"loss\":\"{}\",\"math\":\"{}\",\"negatives\":\"{}\",\"sampler\":\"{}\",\"threads\":{},\"avx2\":{},\"avx512\":{},\"z_bar\":{},\"updates\":{},\"positive_samples\":{},\"negative_samples\":{},\"layout_seconds\":{:.3},\"updates_per_s\":{:.0},\"knn_preservation\":{},\"knn_accuracy\":{},\"spearman\":{},\"cluster_spread\":{},\"output_hash\":\"{}\"}}",
        a.graph,
        a.init,
        init_seconds,
        graph.kept_nnz(),
        report.epochs,
        a.loss,
        a.math,
        match (a.batched, a.lockstep) {
            (_, true) => "lockstep",
            (true, false) => "batched",
            (false, false) => "sequential",
        },
        a.sampler,
        a.threads,
        neighbor_embed::dispatch::avx2_dispatched(),
        neighbor_embed::dispatch::avx512_dispatched(),
        if a.loss == "umap" {
            "null".to_string()
        } else {
            format!("{z_bar:.6e}")
        },
        report.updates(),
        report.positive_samples,
        report.negative_samples,
        seconds,
        report.updates() as f64 / seconds,
        q(|q| q.knn_preservation),
        q(|q| q.knn_accuracy),
        q(|q| q.spearman),
        spread,
        hash(&y)
    );
    Ok(())
}

fn main() -> ExitCode {
    match parse() {
        Ok(None) => {
            print!("{HELP}");
            ExitCode::SUCCESS
        }
        Ok(Some(a)) => match run(a) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("embed: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("embed: {e}\n\n{HELP}");
            ExitCode::from(2)
        }
    }
}
