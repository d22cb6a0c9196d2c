//! Strided single-precision matrix products on the `gemm` crate, split across rayon's threads.
//!
//! `gemm` 0.19 parallelises one product itself, but for the tall, thin products of these
//! networks (thousands of tokens × a width of 128–512) its own split measured 80–115 GFLOP/s on
//! two AVX2 cores, while two single-threaded products over halves of the output reached
//! 105–130 GFLOP/s (measured 2026-12-01 on the planning Transformer's shapes, 3904 × 128 ×
//! 128…512 and their transposed weight-gradient products). Each call here
//! therefore splits the output into one block per rayon thread (by rows when there are more rows
//! than columns, else by columns) and runs `gemm` single-threaded on each block.

/// A read-only matrix view: element `(i, j)` is `data[offset + i·rs + j·cs]`.
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a> {
    pub data: &'a [f32],
    pub offset: usize,
    /// Distance between consecutive rows, in elements.
    pub rs: usize,
    /// Distance between consecutive columns, in elements.
    pub cs: usize,
}

impl<'a> MatRef<'a> {
    /// A row-major `[rows, cols]` matrix stored contiguously.
    pub fn row_major(data: &'a [f32], cols: usize) -> Self {
        Self {
            data,
            offset: 0,
            rs: cols,
            cs: 1,
        }
    }

    /// The transpose of a row-major `[rows, cols]` matrix (a `[cols, rows]` view, no copy).
    pub fn transposed(data: &'a [f32], cols: usize) -> Self {
        Self {
            data,
            offset: 0,
            rs: 1,
            cs: cols,
        }
    }

    /// Whether every element of a `rows × cols` view lies inside `data`.
    fn fits(&self, rows: usize, cols: usize) -> bool {
        if rows == 0 || cols == 0 {
            return true;
        }
        let last = self.offset + (rows - 1) * self.rs + (cols - 1) * self.cs;
        last < self.data.len()
    }

    fn ptr(&self, row: usize, col: usize) -> *const f32 {
        // In bounds: `fits` was checked for the whole view and (row, col) lies inside it.
        self.data[self.offset + row * self.rs + col * self.cs..].as_ptr()
    }
}

/// Work below this many multiply-adds runs on one thread (splitting costs more than it gains:
/// many small rayon scopes left the threads yielding to each other in `perf`).
const SPLIT_MIN_MACS: usize = 1 << 20;

/// `out[m × n] (row-major, row stride out_rs) = beta·out + lhs[m × k] · rhs[k × n]`, where
/// `beta` is 1 when `accumulate`, else the old contents are ignored.
///
/// # Panics
/// When a view does not fit its slice (a bug in the caller, never user input: the shapes come
/// from tensors whose sizes were checked where they were built).
#[allow(clippy::too_many_arguments)]
pub fn matmul(
    out: &mut [f32],
    out_rs: usize,
    m: usize,
    n: usize,
    k: usize,
    lhs: MatRef<'_>,
    rhs: MatRef<'_>,
    accumulate: bool,
) {
    let threads = rayon::current_num_threads().max(1);
    let parts = if m * n * k < SPLIT_MIN_MACS {
        1
    } else {
        threads
    };
    matmul_in_parts(out, out_rs, m, n, k, lhs, rhs, accumulate, parts);
}

/// [`matmul`] on the calling thread only (for callers that are already parallel, e.g. over
/// images).
#[allow(clippy::too_many_arguments)]
pub fn matmul_serial(
    out: &mut [f32],
    out_rs: usize,
    m: usize,
    n: usize,
    k: usize,
    lhs: MatRef<'_>,
    rhs: MatRef<'_>,
    accumulate: bool,
) {
    matmul_in_parts(out, out_rs, m, n, k, lhs, rhs, accumulate, 1);
}

#[allow(clippy::too_many_arguments)]
fn matmul_in_parts(
    out: &mut [f32],
    out_rs: usize,
    m: usize,
    n: usize,
    k: usize,
    lhs: MatRef<'_>,
    rhs: MatRef<'_>,
    accumulate: bool,
    parts: usize,
) {
    assert!(
        lhs.fits(m, k) && rhs.fits(k, n) && (m == 0 || n == 0 || (m - 1) * out_rs + n <= out.len()),
        "matmul views out of bounds: m={m} n={n} k={k}"
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            for row in out.chunks_mut(out_rs).take(m) {
                row[..n].fill(0.0);
            }
        }
        return;
    }
    if parts == 1 {
        // SAFETY: every view was checked to lie inside its slice above.
        unsafe { gemm_block(out.as_mut_ptr(), out_rs, m, n, k, lhs, rhs, accumulate) };
        return;
    }
    if m >= n {
        let rows_per = m.div_ceil(parts);
        let out_len = out.len();
        let chunks = out[..out_len.min(m * out_rs)].chunks_mut(rows_per * out_rs);
        rayon::scope(|s| {
            for (i, chunk) in chunks.enumerate() {
                let r0 = i * rows_per;
                let rows = rows_per.min(m - r0);
                let lhs = MatRef {
                    offset: lhs.offset + r0 * lhs.rs,
                    ..lhs
                };
                s.spawn(move |_| {
                    // SAFETY: `chunk` holds rows r0..r0+rows of `out`; views checked above.
                    unsafe {
                        gemm_block(chunk.as_mut_ptr(), out_rs, rows, n, k, lhs, rhs, accumulate)
                    }
                });
            }
        });
    } else {
        let cols_per = n.div_ceil(parts);
        let base = SendPtr::new(out);
        rayon::scope(|s| {
            for c0 in (0..n).step_by(cols_per) {
                let cols = cols_per.min(n - c0);
                let rhs = MatRef {
                    offset: rhs.offset + c0 * rhs.cs,
                    ..rhs
                };
                s.spawn(move |_| {
                    // SAFETY: blocks write disjoint column ranges c0..c0+cols of `out`, which
                    // outlives the scope; views checked above.
                    unsafe { gemm_block(base.at(c0), out_rs, m, cols, k, lhs, rhs, accumulate) }
                });
            }
        });
    }
}

/// A raw output pointer that rayon tasks may share because each writes a disjoint block.
#[derive(Clone, Copy)]
pub struct SendPtr(*mut f32);
// SAFETY: only used to hand disjoint output blocks to scoped threads.
unsafe impl Send for SendPtr {}
unsafe impl Sync for SendPtr {}
impl SendPtr {
    /// The start of `out`.
    pub fn new(out: &mut [f32]) -> Self {
        Self(out.as_mut_ptr())
    }

    /// The element `offset` places further on.
    ///
    /// # Safety
    /// `offset` must lie inside the slice the pointer came from.
    pub unsafe fn at(self, offset: usize) -> *mut f32 {
        unsafe { self.0.add(offset) }
    }
}

/// One single-threaded product `out (row stride out_rs) [+]= lhs · rhs` into a block of a
/// larger buffer that other tasks write other blocks of.
///
/// # Safety
/// `out` must be valid for writes of the `m × n` block with row stride `out_rs`, and no other
/// thread may access that block during the call.
///
/// # Panics
/// When `lhs` or `rhs` does not fit its slice.
#[allow(clippy::too_many_arguments)]
pub unsafe fn product_into(
    out: *mut f32,
    out_rs: usize,
    m: usize,
    n: usize,
    k: usize,
    lhs: MatRef<'_>,
    rhs: MatRef<'_>,
    accumulate: bool,
) {
    assert!(
        lhs.fits(m, k) && rhs.fits(k, n),
        "product views out of bounds"
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            for i in 0..m {
                // SAFETY: the block is valid for writes (caller's contract).
                unsafe { std::ptr::write_bytes(out.add(i * out_rs), 0, n) };
            }
        }
        return;
    }
    unsafe { gemm_block(out, out_rs, m, n, k, lhs, rhs, accumulate) }
}

/// One single-threaded `gemm` call.
///
/// # Safety
/// `out` must be valid for writes of an `m × n` block with row stride `out_rs`; the views must
/// lie inside their slices.
#[allow(clippy::too_many_arguments)]
unsafe fn gemm_block(
    out: *mut f32,
    out_rs: usize,
    m: usize,
    n: usize,
    k: usize,
    lhs: MatRef<'_>,
    rhs: MatRef<'_>,
    accumulate: bool,
) {
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out,
            1,
            out_rs as isize,
            accumulate,
            lhs.ptr(0, 0),
            lhs.cs as isize,
            lhs.rs as isize,
            rhs.ptr(0, 0),
            rhs.cs as isize,
            rhs.rs as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(m: usize, n: usize, k: usize, a: MatRef, b: MatRef) -> Vec<f32> {
        let mut out = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                let mut acc = 0.0f64;
                for l in 0..k {
                    acc += a.data[a.offset + i * a.rs + l * a.cs] as f64
                        * b.data[b.offset + l * b.rs + j * b.cs] as f64;
                }
                out[i * n + j] = acc as f32;
            }
        }
        out
    }

    #[test]
    fn split_products_match_a_naive_product_in_every_layout() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        for &(m, n, k) in &[
            (1600, 20, 40),
            (20, 1600, 40),
            (130, 64, 33),
            (7, 9, 5),
            (1, 1, 1),
            (5, 3, 0),
        ] {
            let a: Vec<f32> = (0..m * k).map(|i| ((i * 7) % 13) as f32 - 6.0).collect();
            let b: Vec<f32> = (0..k * n).map(|i| ((i * 5) % 11) as f32 - 5.0).collect();
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let av = if ta {
                    MatRef::transposed(&a, m)
                } else {
                    MatRef::row_major(&a, k)
                };
                let bv = if tb {
                    MatRef::transposed(&b, k)
                } else {
                    MatRef::row_major(&b, n)
                };
                let want = naive(m, n, k, av, bv);
                let mut got = vec![1.0; m * n];
                pool.install(|| matmul(&mut got, n, m, n, k, av, bv, false));
                assert_eq!(got, want, "m={m} n={n} k={k} ta={ta} tb={tb}");
                let mut acc = vec![1.0; m * n];
                pool.install(|| matmul(&mut acc, n, m, n, k, av, bv, true));
                let want_acc: Vec<f32> = want.iter().map(|v| v + 1.0).collect();
                assert_eq!(acc, want_acc);
            }
        }
    }
}
