//! Raw little-endian array files of the fixture format (`examples/data/README.md`), shared by
//! the examples.
#![allow(dead_code)]

use std::path::Path;

/// The whole file, with its path in the error.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn words<const N: usize>(path: &Path) -> Result<Vec<[u8; N]>, String> {
    let b = read_bytes(path)?;
    if b.len() % N != 0 {
        return Err(format!("{}: size is not a multiple of {N}", path.display()));
    }
    Ok(b.chunks_exact(N).map(|c| c.try_into().unwrap()).collect())
}

/// A `.u32` file.
pub fn read_u32(path: &Path) -> Result<Vec<u32>, String> {
    Ok(words::<4>(path)?
        .into_iter()
        .map(u32::from_le_bytes)
        .collect())
}

/// A `.f32` file.
pub fn read_f32(path: &Path) -> Result<Vec<f32>, String> {
    Ok(words::<4>(path)?
        .into_iter()
        .map(f32::from_le_bytes)
        .collect())
}

/// A `.f64` file.
pub fn read_f64(path: &Path) -> Result<Vec<f64>, String> {
    Ok(words::<8>(path)?
        .into_iter()
        .map(f64::from_le_bytes)
        .collect())
}

/// Writes values as raw little-endian bytes.
pub fn write_le<const N: usize, T: Copy>(
    path: &Path,
    v: &[T],
    to_bytes: fn(T) -> [u8; N],
) -> Result<(), String> {
    let bytes: Vec<u8> = v.iter().flat_map(|&x| to_bytes(x)).collect();
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}
