//! Shared by the fuzz targets: a decoder that turns libFuzzer's bytes into the crate's inputs,
//! and keeps track of whether every value it produced lies in the crate's *guaranteed range*
//! (README, "Conventions and guarantees" → "Finite in, finite out"), so that each target asserts
//! exactly the documented guarantee:
//!
//! * always: no panic (libFuzzer reports one as a crash), a typed `Err` or a value;
//! * when every input is finite and in the guaranteed range and the call returned `Ok`: every
//!   output is finite (losses may be `+∞` where a repulsive term meets coincident points).
//!
//! Guaranteed range, `f64`: data and scalar parameters 0 or of magnitude in `[1e-30, 1e30]`;
//! `f32`: `[1e-3, 1e3]`; kernel shapes in `[1e-3, 1e3]` (UMAP's `b` in `[1e-3, 10]`), `|ln Z| ≤ 69`.
//! Bytes past the end read as zeros, so every input decodes.
#![allow(dead_code)]

use neighbor_embed::Real;

/// The guaranteed range of one float type.
#[derive(Clone, Copy, Debug)]
pub struct Range {
    pub lo: f64,
    pub hi: f64,
}

pub const F64_RANGE: Range = Range {
    lo: 1e-30,
    hi: 1e30,
};
pub const F32_RANGE: Range = Range { lo: 1e-3, hi: 1e3 };
pub const SHAPE: Range = Range { lo: 1e-3, hi: 1e3 };
pub const UMAP_B: Range = Range { lo: 1e-3, hi: 10.0 };

/// The range of `T` (`f32` if its epsilon is `f32`'s).
pub fn range_of<T: Real>() -> Range {
    if T::epsilon().as_f64() > 1e-10 {
        F32_RANGE
    } else {
        F64_RANGE
    }
}

pub struct Input<'a> {
    data: &'a [u8],
    /// Every value decoded so far is finite and in the guaranteed range.
    pub in_range: bool,
    /// The range values are checked against (set by the target for its float type).
    pub range: Range,
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Input {
            data,
            in_range: true,
            range: F64_RANGE,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((b, rest)) => {
                self.data = rest;
                *b
            }
            None => 0,
        }
    }
    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    pub fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | (u64::from(self.u32()) << 32)
    }
    /// A number in `0..n` (`n ≥ 1`).
    pub fn below(&mut self, n: usize) -> usize {
        usize::from(self.u16()) % n
    }
    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// Log-uniform in `[r.lo, r.hi]` from 16 bits.
    pub fn log_uniform(&mut self, r: Range) -> f64 {
        let u = f64::from(self.u16()) / f64::from(u16::MAX);
        let (a, b) = (r.lo.log10(), r.hi.log10());
        10f64.powf(a + u * (b - a)).clamp(r.lo, r.hi)
    }

    /// Marks the input out of range unless `v` is 0 or `|v|` lies in `r`.
    pub fn track(&mut self, v: f64, r: Range) -> f64 {
        let a = v.abs();
        if !(a == 0.0 || (r.lo..=r.hi).contains(&a)) {
            self.in_range = false;
        }
        v
    }

    /// Hostile values: every special and extreme float.
    fn special(&mut self) -> f64 {
        const S: [f64; 16] = [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            -f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            -5e-324,
            1e-300,
            1e300,
            -0.0,
            1e-40,
            3.4e38,
            1e39,
            1e-46,
            -1.0,
        ];
        S[self.below(S.len())]
    }

    /// A data value (coordinate, weight, distance): mostly in the range, sometimes anything.
    pub fn data(&mut self) -> f64 {
        let r = self.range;
        let v = match self.u8() % 16 {
            0 => 0.0,
            1..=6 => {
                let m = self.log_uniform(r);
                if self.bool() { -m } else { m }
            }
            7..=11 => {
                let v =
                    (f64::from(self.u16()) / 3276.75 - 10.0) * if self.bool() { 1.0 } else { 0.01 };
                if v.abs() < r.lo { 0.0 } else { v }
            }
            12 => [r.lo, -r.lo, r.hi, -r.hi][self.below(4)],
            13 => self.special(),
            14 => f64::from_bits(self.u64()),
            _ => f64::from(self.u8()) / 255.0,
        };
        self.track(v, r)
    }

    /// A non-negative data value (weights, distances): `|data()|` except for specials.
    pub fn nonneg_data(&mut self) -> f64 {
        let v = self.data();
        if v.is_nan() || self.u8() % 32 == 0 {
            v
        } else {
            v.abs()
        }
    }

    /// A scalar parameter meant to be `> 0` (sometimes 0, negative or special).
    pub fn positive(&mut self) -> f64 {
        let r = self.range;
        let v = match self.u8() % 16 {
            0..=8 => self.log_uniform(r),
            9 => [0.5, 1.0, 4.0, 5.0][self.below(4)],
            10 => [r.lo, r.hi][self.below(2)],
            11 => 0.0,
            12 => -self.log_uniform(r),
            13 => self.special(),
            14 => f64::from_bits(self.u64()),
            _ => 1.0 + f64::from(self.u8()) / 16.0,
        };
        self.track(v, r)
    }

    /// A scalar parameter meant to be `≥ 0`.
    pub fn nonneg(&mut self) -> f64 {
        if self.u8() % 5 == 0 {
            0.0
        } else {
            self.positive()
        }
    }

    /// A kernel shape parameter (guaranteed range `[1e-3, 1e3]`, or `r`).
    pub fn shape_in(&mut self, r: Range) -> f64 {
        let v = match self.u8() % 8 {
            0..=5 => self.log_uniform(r),
            6 => 1.0,
            _ => self.special(),
        };
        if !(r.lo..=r.hi).contains(&v) {
            self.in_range = false;
        }
        v
    }
    pub fn shape(&mut self) -> f64 {
        self.shape_in(SHAPE)
    }

    /// A fraction in `[0, 1]` (sometimes outside).
    pub fn fraction(&mut self) -> f64 {
        match self.u8() % 16 {
            0 => self.special(),
            1 => 1.0,
            _ => f64::from(self.u8()) / 256.0,
        }
    }

    /// A `T`, checked against the range of `T` (values that round to 0 or out of range in `f32`
    /// mark the input out of range).
    pub fn of<T: Real>(&mut self, v: f64) -> T {
        let x = T::of_f64(v);
        if v != 0.0 && x.as_f64() == 0.0 {
            self.in_range = false;
        }
        x
    }
}

/// Whether every value is finite.
pub fn finite<T: Real>(v: &[T]) -> bool {
    v.iter().all(|x| x.is_finite())
}

/// Whether any two of the `n` points of `coords` (`dim` columns) coincide.
pub fn coincident<T: Real>(coords: &[T], dim: usize) -> bool {
    let n = if dim == 0 { 0 } else { coords.len() / dim };
    (0..n).any(|i| {
        (i + 1..n).any(|j| coords[i * dim..(i + 1) * dim] == coords[j * dim..(j + 1) * dim])
    })
}
