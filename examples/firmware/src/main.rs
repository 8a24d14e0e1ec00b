//! neighbor-embed on a Cortex-M4F, no heap: generates the golden case of `case.rs` (300
//! points on 5 rings from seed 42), runs 200 epochs of UMAP (fast math, batched negatives)
//! through `BorrowedUmapSgd::with_buffers` over static buffers, prints the FNV-1a hash of the
//! layout over semihosting and exits qemu (status 0 when the hash is `EXPECTED`, 1 otherwise).
//!
//! ```text
//! cd examples/firmware && cargo run --release
//! # qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic -monitor none -serial none \
//! #     -chardev stdio,id=semi -semihosting-config enable=on,target=native,chardev=semi -kernel target/thumbv7em-none-eabihf/release/neighbor-embed-firmware
//! ```
#![no_std]
#![no_main]

mod case;

use cortex_m_rt::entry;
use neighbor_embed::rng::Pcg32;

/// The hash `tests/golden.rs` checks natively (`FIRMWARE`).
const EXPECTED: u64 = 0x5d12_ce93_e193_1a8e;

static mut BUFFERS: case::Buffers = case::Buffers::ZERO;
// SAFETY (of the zeroed value): `Pcg32` is two `u64`s, for which all zeros is valid; the run
// overwrites every stream before it draws.
static mut RNGS: [Pcg32; case::N] = unsafe { core::mem::zeroed() };

/// ARM semihosting call (`bkpt 0xAB` in Thumb state).
fn semihosting(op: u32, arg: usize) -> u32 {
    let r: u32;
    // SAFETY: the semihosting trap reads `arg` as documented for `op` and returns in r0.
    unsafe {
        core::arch::asm!("bkpt #0xab", inout("r0") op => r, in("r1") arg, options(nostack));
    }
    r
}

/// SYS_WRITE0: a NUL-terminated string to the host's stdout.
fn print(bytes: &[u8]) {
    let mut buf = [0u8; 128];
    let n = bytes.len().min(buf.len() - 1);
    buf[..n].copy_from_slice(&bytes[..n]);
    semihosting(0x04, buf.as_ptr() as usize);
}

/// SYS_EXIT: ADP_Stopped_ApplicationExit (qemu exits 0) or ADP_Stopped_RunTimeErrorUnknown
/// (qemu exits 1).
fn exit(ok: bool) -> ! {
    semihosting(0x18, if ok { 0x20026 } else { 0x20023 });
    loop {}
}

fn hex(mut v: u64, out: &mut [u8; 16]) {
    for i in (0..16).rev() {
        out[i] = b"0123456789abcdef"[(v & 15) as usize];
        v >>= 4;
    }
}

#[entry]
fn main() -> ! {
    // SAFETY: the only references to the statics, taken once, on the only thread.
    let (b, rngs) = unsafe { (&mut *(&raw mut BUFFERS), &mut *(&raw mut RNGS)) };
    match case::run(b, rngs) {
        Ok(hash) => {
            let mut line = *b"output_hash 0000000000000000\n";
            let mut h = [0u8; 16];
            hex(hash, &mut h);
            line[12..28].copy_from_slice(&h);
            print(&line);
            if hash == EXPECTED {
                print(b"golden hash: ok\n");
                exit(true)
            } else {
                print(b"golden hash: MISMATCH (expected 5d12ce93e1931a8e)\n");
                exit(false)
            }
        }
        Err(_) => {
            print(b"error: the run failed\n");
            exit(false)
        }
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    print(b"panic\n");
    exit(false)
}
