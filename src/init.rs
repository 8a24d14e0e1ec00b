//! Initial layouts: seeded uniform random coordinates and umap-learn's per-column rescaling.

use crate::Real;
use crate::error::{Error, check_param, check_positive};
use crate::rng::{Pcg32, StreamRng, unit_f64};

/// Fills `coords` with independent uniform draws from `[low, high)` (umap-learn's random init
/// is `[-10, 10)`), from the stream `(seed, 0)` of [`Pcg32`]: the same seed gives the same bits
/// everywhere.
///
/// ```
/// use neighbor_embed::init::uniform;
/// let mut y = [0.0f32; 6];
/// uniform(&mut y, -10.0, 10.0, 7)?;
/// assert!(y.iter().all(|&v| (-10.0..10.0).contains(&v)));
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn uniform<T: Real>(coords: &mut [T], low: T, high: T, seed: u64) -> Result<(), Error> {
    check_param("low", low, low.is_finite(), "a finite number")?;
    check_param(
        "high",
        high,
        high.is_finite() && high > low,
        "a finite number > low",
    )?;
    let mut rng = Pcg32::for_stream(seed, 0);
    let (lo, hi) = (low.as_f64(), high.as_f64());
    for c in coords.iter_mut() {
        let u = unit_f64(&mut rng);
        // an interpolation, not lo + (hi - lo)·u, so huge spans cannot overflow
        let v = T::of_f64(lo * (1.0 - u) + hi * u);
        // rounding to f32 can land exactly on `high`; keep the interval half-open
        *c = if v >= high { low } else { v };
    }
    Ok(())
}

/// Rescales every column of `coords` (`n × dim`) linearly to `[0, extent]`, as umap-learn does
/// with every initial layout before SGD (`extent = 10`, MATH.md §E.2). A constant column (where
/// umap-learn would divide by zero and produce NaN) is set to `extent / 2`. Empty `coords`
/// (no points) return at once after the checks, whatever `dim`.
///
/// ```
/// use neighbor_embed::init::rescale_columns;
/// let mut y = [1.0f64, 5.0, 3.0, 5.0, 2.0, 5.0];
/// rescale_columns(&mut y, 2, 10.0)?;
/// assert_eq!(y, [0.0, 5.0, 10.0, 5.0, 5.0, 5.0]);
/// rescale_columns(&mut [0.0f64; 0], usize::MAX, 10.0)?; // no points: nothing to do
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
pub fn rescale_columns<T: Real>(coords: &mut [T], dim: usize, extent: T) -> Result<(), Error> {
    crate::layout::Layout::new(coords, dim)?;
    check_positive("extent", extent)?;
    if coords.is_empty() {
        // no columns to rescale: do not walk `dim` (any `dim ≥ 1` divides an empty slice)
        return Ok(());
    }
    for d in 0..dim {
        let column = coords.iter().skip(d).step_by(dim);
        let (lo, hi) = column.fold((T::infinity(), T::neg_infinity()), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
        let span = hi - lo;
        if !span.is_finite() {
            // the difference of two finite coordinates overflowed: rescale in two halves
            for v in coords.iter_mut().skip(d).step_by(dim) {
                *v = extent * (*v / T::two() - lo / T::two()) / (hi / T::two() - lo / T::two());
            }
            continue;
        }
        for v in coords.iter_mut().skip(d).step_by(dim) {
            *v = if span > T::zero() {
                extent * ((*v - lo) / span)
            } else {
                extent / T::two()
            };
        }
    }
    Ok(())
}
