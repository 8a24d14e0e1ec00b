use crate::Real;
use crate::error::{Error, check_len, check_positive};

/// The cosine kernel with temperature, `w = exp(cos(z_i, z_j)/τ)` (MATH.md §A, §F).
///
/// It is not a function of the squared distance of the raw vectors, so it has its own methods:
/// the logit `s_ij = cos_ij/τ`, its gradient `∇_{z_i} s_ij = (ẑ_j - cos_ij ẑ_i)/(τ ||z_i||)`, and
/// the classifier coefficients `∂(-ln q)/∂s = -(1 - q)`, `∂(-ln(1 - q))/∂s = q` with
/// `q = w/(w + s)`. Norms are floored at `1e-12` (as contrastive-ne does), so a zero vector has
/// cosine 0 with everything and a zero gradient direction.
///
/// ```
/// use neighbor_embed::kernel::Cosine;
/// let k = Cosine::new(0.5_f64)?;
/// let (u, v) = ([1.0, 0.0], [0.0, 2.0]);
/// assert_eq!(k.logit(&u, &v)?, 0.0);          // orthogonal
/// let mut grad = [0.0; 2];
/// k.logit_grad(&u, &v, &mut grad)?;           // (v̂ - 0·û)/(τ·1)
/// assert_eq!(grad, [0.0, 2.0]);
/// # Ok::<(), neighbor_embed::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cosine<T> {
    tau: T,
}

/// Norms below this are treated as this value.
const NORM_FLOOR: f64 = 1e-12;

impl<T: Real> Cosine<T> {
    /// A cosine kernel with temperature `τ` (finite, `> 0`).
    pub fn new(tau: T) -> Result<Self, Error> {
        check_positive("tau", tau)?;
        Ok(Cosine { tau })
    }
    /// The temperature `τ`.
    pub fn tau(&self) -> T {
        self.tau
    }

    fn check(&self, zi: &[T], zj: &[T]) -> Result<(), Error> {
        check_len("z_j", zi.len(), zj.len())?;
        if zi.is_empty() {
            return Err(Error::Degenerate {
                reason: "vectors of dimension 0",
            });
        }
        Ok(())
    }

    /// Returns the scaled norms of `z_i` and `z_j` and `cos_ij`. A vector `z` is represented as
    /// `s · r · ẑ` with `s = max|z_k|` (1 for a zero vector), `r = max(||z/s||, 1e-12/s)`, so
    /// that nothing overflows for finite input and `||z||` floored is `s·r`.
    fn decompose(zi: &[T], zj: &[T]) -> (Scaled<T>, Scaled<T>, T) {
        let (a, b) = (Scaled::of(zi), Scaled::of(zj));
        let mut dot = T::zero();
        for (&x, &y) in zi.iter().zip(zj) {
            dot += (x / a.scale) * (y / b.scale);
        }
        let cos = (dot / (a.ratio * b.ratio)).max(-T::one()).min(T::one());
        (a, b, cos)
    }

    /// The cosine `cos(z_i, z_j) ∈ [-1, 1]` (0 if either vector is 0).
    pub fn cos(&self, zi: &[T], zj: &[T]) -> Result<T, Error> {
        self.check(zi, zj)?;
        Ok(Self::decompose(zi, zj).2)
    }

    /// The logit `s_ij = cos(z_i, z_j)/τ`.
    pub fn logit(&self, zi: &[T], zj: &[T]) -> Result<T, Error> {
        Ok(self.cos(zi, zj)? / self.tau)
    }

    /// The similarity `w = exp(s_ij)`.
    pub fn value(&self, zi: &[T], zj: &[T]) -> Result<T, Error> {
        Ok(self.logit(zi, zj)?.exp())
    }

    /// Writes `∇_{z_i} s_ij = (ẑ_j - cos_ij ẑ_i)/(τ ||z_i||)` into `out` (length `dim`). The
    /// gradient w.r.t. `z_j` is the same call with the arguments swapped.
    pub fn logit_grad(&self, zi: &[T], zj: &[T], out: &mut [T]) -> Result<(), Error> {
        self.check(zi, zj)?;
        check_len("out", zi.len(), out.len())?;
        let (a, b, cos) = Self::decompose(zi, zj);
        // 1/(τ ||z_i||) = 1/(τ s r), applied in two steps so it cannot overflow prematurely.
        for ((o, &x), &y) in out.iter_mut().zip(zi).zip(zj) {
            let unit_j = (y / b.scale) / b.ratio;
            let unit_i = (x / a.scale) / a.ratio;
            *o = (unit_j - cos * unit_i) / (self.tau * a.ratio) / a.scale;
        }
        Ok(())
    }

    /// The classifier probability `q = w/(w + s) = logistic(logit - ln s)` for `s > 0`.
    pub fn q(&self, logit: T, s: T) -> T {
        (logit - s.ln()).logistic()
    }

    /// `∂(-ln q)/∂logit = -(1 - q)`: multiply by [`Cosine::logit_grad`] for the positive-pair
    /// gradient.
    pub fn pos_logit_coeff(&self, logit: T, s: T) -> T {
        -(s.ln() - logit).logistic()
    }

    /// `∂(-ln(1 - q))/∂logit = q`: multiply by [`Cosine::logit_grad`] for the negative-pair
    /// gradient.
    pub fn neg_logit_coeff(&self, logit: T, s: T) -> T {
        self.q(logit, s)
    }
}

/// A vector's norm as `scale · ratio` (see `Cosine::decompose`).
struct Scaled<T> {
    scale: T,
    ratio: T,
}

impl<T: Real> Scaled<T> {
    fn of(z: &[T]) -> Self {
        let m = z.iter().fold(T::zero(), |m, x| m.max(x.abs()));
        let scale = if m == T::zero() { T::one() } else { m };
        let mut s = T::zero();
        for &x in z {
            let y = x / scale;
            s += y * y;
        }
        let ratio = s.sqrt().max(T::of_f64(NORM_FLOOR) / scale);
        Scaled { scale, ratio }
    }
}
