use crate::Real;
use crate::error::{Error, check_len, check_positive};

/// The cosine kernel with temperature, `w = exp(cos(z_i, z_j)/τ)` (MATH.md §A, §F).
///
/// It is not a function of the squared distance of the raw vectors, so it has its own methods:
/// the logit `s_ij = cos_ij/τ`, its gradient `∇_{z_i} s_ij = (ẑ_j - cos_ij ẑ_i)/(τ ||z_i||)`, and
/// the classifier coefficients `∂(-ln q)/∂s_ij = -(1 - q)`, `∂(-ln(1 - q))/∂s_ij = q` with
/// `q = w/(w + s)` (here `s` without indices is the classifier constant, not the logit). Norms are floored at `1e-12` (as contrastive-ne does), so a zero vector has
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
    ///
    /// ```
    /// use neighbor_embed::kernel::Cosine;
    /// assert!(Cosine::new(0.5_f64).is_ok());
    /// assert!(Cosine::new(0.0_f64).is_err() && Cosine::new(f64::INFINITY).is_err());
    /// ```
    pub fn new(tau: T) -> Result<Self, Error> {
        check_positive("tau", tau)?;
        Ok(Cosine { tau })
    }
    /// The temperature `τ`.
    ///
    /// ```
    /// use neighbor_embed::kernel::Cosine;
    /// let k = Cosine::new(0.5_f64)?;
    /// assert_eq!(k.tau(), 0.5);
    /// // parallel vectors have the largest logit, 1/τ
    /// assert!((k.logit(&[1.0, 1.0], &[3.0, 3.0])? - 1.0 / k.tau()).abs() < 1e-15);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn tau(&self) -> T {
        self.tau
    }

    /// Equal, non-zero dimensions and finite entries (a NaN or `±∞` entry would give a
    /// clamped `±1`, a finite `exp` of NaN's neighbour or NaN gradients).
    fn check(&self, zi: &[T], zj: &[T]) -> Result<(), Error> {
        check_len("z_j", zi.len(), zj.len())?;
        if zi.is_empty() {
            return Err(Error::Degenerate {
                reason: "vectors of dimension 0",
            });
        }
        for (name, z) in [("z_i", zi), ("z_j", zj)] {
            if let Some(position) = z.iter().position(|x| !x.is_finite()) {
                return Err(Error::Param {
                    name,
                    value: position as f64,
                    expected: "finite entries (value: the first bad position)",
                });
            }
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
    ///
    /// Errors (also of [`Cosine::logit`], [`Cosine::value`] and [`Cosine::logit_grad`]):
    /// [`Error::BufferLength`] named `z_j` if the dimensions differ, [`Error::Degenerate`] for
    /// dimension 0, [`Error::Param`] named `z_i` or `z_j` for a NaN or infinite entry (`value`:
    /// its position).
    ///
    /// ```
    /// use neighbor_embed::kernel::Cosine;
    /// let k = Cosine::new(1.0_f64)?;
    /// // cos((3, 4), (4, 3)) = 24/25, whatever the lengths
    /// assert!((k.cos(&[3.0, 4.0], &[4.0, 3.0])? - 0.96).abs() < 1e-15);
    /// assert!((k.cos(&[3e-5, 4e-5], &[4e9, 3e9])? - 0.96).abs() < 1e-15);
    /// assert_eq!(k.cos(&[0.0, 0.0], &[1.0, 2.0])?, 0.0); // a zero vector
    /// assert!(k.cos(&[1.0, 2.0], &[1.0]).is_err()); // dimensions differ
    /// let err = k.cos(&[1.0, 2.0], &[0.0, f64::NAN]).unwrap_err(); // z_j[1] is NaN
    /// assert!(matches!(err, neighbor_embed::Error::Param { name: "z_j", value: 1.0, .. }));
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn cos(&self, zi: &[T], zj: &[T]) -> Result<T, Error> {
        self.check(zi, zj)?;
        Ok(Self::decompose(zi, zj).2)
    }

    /// The logit `s_ij = cos(z_i, z_j)/τ`.
    ///
    /// ```
    /// use neighbor_embed::kernel::Cosine;
    /// let k = Cosine::new(0.25_f64)?;
    /// assert_eq!(k.logit(&[1.0, 0.0], &[-2.0, 0.0])?, -4.0); // antiparallel: -1/τ
    /// let (u, v) = ([1.0, 2.0, 2.0], [2.0, -1.0, 2.0]); // cos = 4/9
    /// assert!((k.logit(&u, &v)? - 16.0 / 9.0).abs() < 1e-15);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn logit(&self, zi: &[T], zj: &[T]) -> Result<T, Error> {
        Ok(self.cos(zi, zj)? / self.tau)
    }

    /// The similarity `w = exp(s_ij)`.
    ///
    /// ```
    /// use neighbor_embed::kernel::Cosine;
    /// let k = Cosine::new(0.5_f64)?;
    /// assert_eq!(k.value(&[1.0, 0.0], &[0.0, 3.0])?, 1.0); // orthogonal: e^0
    /// let parallel = k.value(&[2.0, 0.0], &[5.0, 0.0])?; // e^(1/τ), the largest value
    /// assert!((parallel - 2.0_f64.exp()).abs() < 1e-14);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn value(&self, zi: &[T], zj: &[T]) -> Result<T, Error> {
        Ok(self.logit(zi, zj)?.exp())
    }

    /// Writes `∇_{z_i} s_ij = (ẑ_j - cos_ij ẑ_i)/(τ ||z_i||)` into `out` (length `dim`). The
    /// gradient w.r.t. `z_j` is the same call with the arguments swapped.
    ///
    /// ```
    /// use neighbor_embed::kernel::Cosine;
    /// let k = Cosine::new(0.5_f64)?;
    /// let (zi, zj) = ([1.0, 2.0, -0.5], [0.3, -1.0, 2.0]);
    /// let mut g = [0.0; 3];
    /// k.logit_grad(&zi, &zj, &mut g)?;
    /// // a central difference in the first coordinate of z_i
    /// let s = |x: f64| k.logit(&[x, 2.0, -0.5], &zj).unwrap();
    /// let h = 1e-6;
    /// assert!((g[0] - (s(1.0 + h) - s(1.0 - h)) / (2.0 * h)).abs() < 1e-8);
    /// // orthogonal to z_i: the logit does not change with ||z_i||
    /// assert!((g[0] * zi[0] + g[1] * zi[1] + g[2] * zi[2]).abs() < 1e-15);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
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
    ///
    /// ```
    /// use neighbor_embed::kernel::Cosine;
    /// let k = Cosine::new(0.5_f64)?;
    /// // q = e^logit/(e^logit + s): logit = ln 3 and s = 1 give 3/4
    /// assert!((k.q(3.0_f64.ln(), 1.0) - 0.75).abs() < 1e-15);
    /// assert!((k.q(1.0, 1.0_f64.exp()) - 0.5).abs() < 1e-15); // w = s
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn q(&self, logit: T, s: T) -> T {
        (logit - s.ln()).logistic()
    }

    /// `∂(-ln q)/∂logit = -(1 - q)`: multiply by [`Cosine::logit_grad`] for the positive-pair
    /// gradient.
    ///
    /// ```
    /// use neighbor_embed::kernel::Cosine;
    /// let (k, s, l, h) = (Cosine::new(0.5_f64)?, 0.3, 0.8, 1e-6);
    /// // the derivative of -ln q in the logit, by a central difference; it equals q - 1
    /// let neg_ln_q = |l: f64| -k.q(l, s).ln();
    /// let fd = (neg_ln_q(l + h) - neg_ln_q(l - h)) / (2.0 * h);
    /// assert!((k.pos_logit_coeff(l, s) - fd).abs() < 1e-8);
    /// assert!((k.pos_logit_coeff(l, s) - (k.q(l, s) - 1.0)).abs() < 1e-15);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
    pub fn pos_logit_coeff(&self, logit: T, s: T) -> T {
        -(s.ln() - logit).logistic()
    }

    /// `∂(-ln(1 - q))/∂logit = q`: multiply by [`Cosine::logit_grad`] for the negative-pair
    /// gradient.
    ///
    /// ```
    /// use neighbor_embed::kernel::Cosine;
    /// let (k, s) = (Cosine::new(0.5_f64)?, 2.0);
    /// let (zi, zj) = ([0.7, 1.0], [0.3, -1.0]);
    /// // the negative-pair loss -ln(1 - q) as a function of z_i's first coordinate
    /// let loss = |x: f64| -(1.0 - k.q(k.logit(&[x, 1.0], &zj).unwrap(), s)).ln();
    /// // chain rule: coefficient × logit gradient, against a central difference
    /// let mut g = [0.0; 2];
    /// k.logit_grad(&zi, &zj, &mut g)?;
    /// let grad0 = k.neg_logit_coeff(k.logit(&zi, &zj)?, s) * g[0];
    /// let h = 1e-6;
    /// assert!((grad0 - (loss(0.7 + h) - loss(0.7 - h)) / (2.0 * h)).abs() < 1e-8);
    /// # Ok::<(), neighbor_embed::Error>(())
    /// ```
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
