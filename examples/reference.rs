//! Reference values for checking a UMAP sampler: the gradient of UMAP's effective loss and the
//! closed-form expected update of umap-learn's sampler on a given graph and layout.
//!
//! ```text
//! cargo run --release --example reference -- DATA_DIR LAYOUT.f64 [options]
//! ```
//!
//! `DATA_DIR` holds `graph_indptr.u32`, `graph_indices.u32`, `graph_weights.f32` (the fixture
//! format of `examples/data/README.md`); `LAYOUT.f64` is `n × dim` raw little-endian f64. Writes
//! `grad_eff.f64` (∇L_eff) and `expected_update.f64` (E, per epoch, learning rate 1) into
//! `--out`, and prints one JSON line with `n`, `nnz`, `nnz_kept`, `mu_max`, `loss_eff`,
//! `loss_ce` (`null` for +∞). Run with `--help` for the options.

use neighbor_embed::expected::{SamplerOptions, expected_update};
use neighbor_embed::graph::CsrGraph;
use neighbor_embed::kernel::Umap;
use neighbor_embed::layout::Layout;
use neighbor_embed::loss::{EffectiveParams, umap_cross_entropy, umap_effective_loss};
#[path = "common/io.rs"]
mod io;

use io::{read_f32, read_f64, read_u32, write_le};
use std::path::PathBuf;
use std::process::ExitCode;

const HELP: &str = "\
Usage: reference DATA_DIR LAYOUT.f64 [options]

Computes, on the graph in DATA_DIR (graph_indptr.u32, graph_indices.u32, graph_weights.f32)
and the layout LAYOUT.f64 (n x dim, little-endian f64):
  grad_eff.f64         gradient of UMAP's effective loss L_eff (MATH.md B.3), n x dim f64
  expected_update.f64  closed-form expected update per epoch of the sampler (MATH.md C)
and prints {\"n\",\"nnz\",\"nnz_kept\",\"mu_max\",\"loss_eff\",\"loss_ce\"} as one JSON line.
Defaults are umap-learn's: move_other, no push_tail, clip 4, eps 0.001, gamma 1, m 5,
edge filter for 200 epochs, a = 1.5769434603, b = 0.8950608779.

Options:
  --dim D           embedding dimension (default 2)
  --out DIR         output folder (default .)
  --epochs N        umap-learn's edge filter for N epochs (default 200)
  --no-filter       keep every edge
  --no-move-other   attraction moves the head only (umap-learn's transform)
  --push-tail       negative samples also push the sampled point
  --no-clip         no per-coordinate clipping
  --clip C          clip value (default 4)
  --eps E           repulsion regulariser (default 0.001)
  --gamma G         repulsion strength (default 1)
  --m M             negative samples per positive sample (default 5)
  --a A --b B       kernel shape (default umap-learn's min_dist 0.1, spread 1)
  --spread S --min-dist D   fit a, b from spread and min_dist instead
  --layout-f32      LAYOUT is little-endian f32 (e.g. a fixture's init.f32), widened to f64
  --skip-ce         do not compute loss_ce (saves one O(n^2) pass; prints null)
  --help            this text
";

struct Args {
    data: PathBuf,
    layout: PathBuf,
    out: PathBuf,
    dim: usize,
    epochs: Option<usize>,
    options: SamplerOptions<f64>,
    a: Option<f64>,
    b: Option<f64>,
    spread: Option<f64>,
    min_dist: Option<f64>,
    skip_ce: bool,
    layout_f32: bool,
}

fn parse() -> Result<Option<Args>, String> {
    let mut it = std::env::args().skip(1);
    let mut positional = Vec::new();
    let mut a = Args {
        data: PathBuf::new(),
        layout: PathBuf::new(),
        out: PathBuf::from("."),
        dim: 2,
        epochs: Some(200),
        options: SamplerOptions::default(),
        a: None,
        b: None,
        spread: None,
        min_dist: None,
        skip_ce: false,
        layout_f32: false,
    };
    fn num<T: std::str::FromStr>(flag: &str, v: Option<String>) -> Result<T, String> {
        let v = v.ok_or(format!("{flag} needs a value"))?;
        v.parse().map_err(|_| format!("{flag}: cannot parse {v:?}"))
    }
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--help" | "-h" => return Ok(None),
            "--dim" => a.dim = num(&arg, it.next())?,
            "--out" => a.out = PathBuf::from(it.next().ok_or("--out needs a value")?),
            "--epochs" => a.epochs = Some(num(&arg, it.next())?),
            "--no-filter" => a.epochs = None,
            "--no-move-other" => a.options.move_other = false,
            "--push-tail" => a.options.push_tail = true,
            "--no-clip" => a.options.clip = None,
            "--clip" => a.options.clip = Some(num(&arg, it.next())?),
            "--eps" => a.options.eps = num(&arg, it.next())?,
            "--gamma" => a.options.gamma = num(&arg, it.next())?,
            "--m" => a.options.m = num(&arg, it.next())?,
            "--a" => a.a = Some(num(&arg, it.next())?),
            "--b" => a.b = Some(num(&arg, it.next())?),
            "--spread" => a.spread = Some(num(&arg, it.next())?),
            "--min-dist" => a.min_dist = Some(num(&arg, it.next())?),
            "--skip-ce" => a.skip_ce = true,
            "--layout-f32" => a.layout_f32 = true,
            s if s.starts_with("--") => return Err(format!("unknown option {s}")),
            _ => positional.push(PathBuf::from(arg)),
        }
    }
    if positional.len() != 2 {
        return Err("expected DATA_DIR and LAYOUT.f64".into());
    }
    a.layout = positional.pop().unwrap();
    a.data = positional.pop().unwrap();
    Ok(Some(a))
}

fn json_num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:?}")
    } else {
        "null".into()
    }
}

fn run(args: Args) -> Result<(), String> {
    let indptr = read_u32(&args.data.join("graph_indptr.u32"))?;
    let indices = read_u32(&args.data.join("graph_indices.u32"))?;
    let weights = read_f32(&args.data.join("graph_weights.f32"))?
        .into_iter()
        .map(f64::from)
        .collect::<Vec<_>>();
    let coords = if args.layout_f32 {
        read_f32(&args.layout)?.into_iter().map(f64::from).collect()
    } else {
        read_f64(&args.layout)?
    };
    let n = indptr.len().saturating_sub(1);
    let graph = CsrGraph::new(n, &indptr, &indices, &weights).map_err(|e| e.to_string())?;
    let graph = match args.epochs {
        Some(e) => graph.with_umap_filter(e),
        None => graph,
    };
    let layout = Layout::new(&coords, args.dim).map_err(|e| e.to_string())?;
    let kernel = match (args.a, args.b, args.spread, args.min_dist) {
        (None, None, None, None) => Umap::umap_learn_default(),
        (Some(a), Some(b), None, None) => Umap::new(a, b).map_err(|e| e.to_string())?,
        (None, None, s, d) => Umap::from_spread_min_dist(s.unwrap_or(1.0), d.unwrap_or(0.1))
            .map_err(|e| e.to_string())?,
        _ => return Err("give either --a and --b, or --spread/--min-dist".into()),
    };
    let params = EffectiveParams {
        gamma: args.options.gamma,
        m: args.options.m,
    };
    let mut workspace = vec![0.0; n];
    let mut grad = vec![0.0; coords.len()];
    let t0 = std::time::Instant::now();
    let loss_eff = umap_effective_loss(
        &graph,
        &kernel,
        &layout,
        &params,
        &mut workspace,
        Some(&mut grad),
    )
    .map_err(|e| e.to_string())?;
    eprintln!(
        "L_eff and its gradient: {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    let mut expected = vec![0.0; coords.len()];
    let t0 = std::time::Instant::now();
    expected_update(
        &graph,
        &kernel,
        &layout,
        &args.options,
        &mut workspace,
        &mut expected,
    )
    .map_err(|e| e.to_string())?;
    eprintln!("expected update: {:.1} s", t0.elapsed().as_secs_f64());
    let loss_ce = if args.skip_ce {
        f64::INFINITY
    } else {
        let t0 = std::time::Instant::now();
        let l = umap_cross_entropy(&graph, &kernel, &layout, None).map_err(|e| e.to_string())?;
        eprintln!("L_CE: {:.1} s", t0.elapsed().as_secs_f64());
        l
    };
    std::fs::create_dir_all(&args.out).map_err(|e| format!("{}: {e}", args.out.display()))?;
    write_le(&args.out.join("grad_eff.f64"), &grad, f64::to_le_bytes)?;
    write_le(
        &args.out.join("expected_update.f64"),
        &expected,
        f64::to_le_bytes,
    )?;
    println!(
        "{{\"n\":{},\"nnz\":{},\"nnz_kept\":{},\"mu_max\":{},\"loss_eff\":{},\"loss_ce\":{}}}",
        n,
        graph.nnz(),
        graph.kept_nnz(),
        json_num(graph.w_max()),
        json_num(loss_eff),
        json_num(loss_ce)
    );
    Ok(())
}

fn main() -> ExitCode {
    match parse() {
        Ok(None) => {
            print!("{HELP}");
            ExitCode::SUCCESS
        }
        Ok(Some(args)) => match run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("reference: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("reference: {e}\n\n{HELP}");
            ExitCode::from(2)
        }
    }
}
