//! An allocation cap for fuzzing: a global allocator that aborts on any single allocation larger
//! than the budget of the input being run.
//!
//! A reader that sizes a buffer from a header field (`Vec::with_capacity(declared_len)`) without
//! comparing it with the file's size turns a 100-byte file into a multi-gigabyte allocation. Such
//! a request is not a panic, so neither libFuzzer (without a sanitizer allocator) nor a plain
//! test notices it unless the machine runs out of memory. Each fuzz driver installs
//! [`CappedAlloc`] as its global allocator; the targets set the budget for each input with
//! [`Budget::for_input`].

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Bytes any input may allocate at once regardless of its size (buffers, tables, config trees).
/// 16 MiB: `hdf5-reader` reserves an object header's message list from its 16-bit message count
/// (at most 65,535 × 144 bytes ≈ 9.4 MB, bounded whatever the input; found by libFuzzer,
/// `fuzz/corpus/hdf5/regression-v1-header-message-count`).
pub const BASE_BUDGET: usize = 16 << 20;

/// Bytes per input byte a single allocation may take on top of [`BASE_BUDGET`]: deflate expands
/// at most 1032-fold, and converting the inflated 1-byte elements to `f64` widens them 8-fold
/// (8256); anything beyond is a size read from the input and never checked against it.
pub const PER_INPUT_BYTE: usize = 8400;

/// The largest single allocation allowed while running an input of `len` bytes.
pub fn budget_for(len: usize) -> usize {
    BASE_BUDGET.saturating_add(len.saturating_mul(PER_INPUT_BYTE))
}

static LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);
static TRIPPED: AtomicBool = AtomicBool::new(false);
static ON_EXCESS: OnceLock<fn(usize, usize)> = OnceLock::new();

/// Registers a function called once (with the requested size and the limit) before the process
/// aborts on an excessive allocation; the stable runner saves the current input there.
pub fn on_excess(hook: fn(usize, usize)) {
    let _ = ON_EXCESS.set(hook);
}

/// The allocation limit for the duration of one input; the limit is lifted again on drop.
#[derive(Debug)]
#[must_use = "the budget applies only while the guard lives"]
pub struct Budget(());

impl Budget {
    /// Limits single allocations to [`budget_for`]`(len)` until the guard is dropped.
    pub fn for_input(len: usize) -> Self {
        // A panic's report (with `RUST_BACKTRACE=1`, a symbolised backtrace) allocates for
        // itself: lift the limit first, so the report is the panic and not an allocation abort.
        static HOOK: std::sync::Once = std::sync::Once::new();
        HOOK.call_once(|| {
            let report = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                LIMIT.store(usize::MAX, Ordering::Relaxed);
                report(info);
            }));
        });
        LIMIT.store(budget_for(len), Ordering::Relaxed);
        Budget(())
    }
}

impl Drop for Budget {
    fn drop(&mut self) {
        LIMIT.store(usize::MAX, Ordering::Relaxed);
    }
}

/// The system allocator, aborting (after a message and the [`on_excess`] hook) on any
/// allocation larger than the current [`Budget`]. Install it with
/// `#[global_allocator] static A: CappedAlloc = CappedAlloc;` in a fuzz driver.
#[derive(Debug, Clone, Copy, Default)]
pub struct CappedAlloc;

#[cold]
fn excess(size: usize) -> ! {
    // The first offender reports; a nested allocation while reporting runs unchecked.
    let limit = LIMIT.swap(usize::MAX, Ordering::Relaxed);
    if !TRIPPED.swap(true, Ordering::Relaxed) {
        eprintln!(
            "dforce-fuzz: allocation of {size} bytes exceeds the budget of {limit} bytes for this input \
             (a size taken from the input without a check against its length)\n{}",
            std::backtrace::Backtrace::force_capture()
        );
        if let Some(hook) = ON_EXCESS.get() {
            hook(size, limit);
        }
    }
    std::process::abort()
}

#[inline]
fn check(size: usize) {
    if size > LIMIT.load(Ordering::Relaxed) {
        excess(size);
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the size check
// only ever aborts the process, it never returns a pointer of its own.
unsafe impl GlobalAlloc for CappedAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        // SAFETY: forwarded unchanged (the caller upholds `GlobalAlloc::alloc`'s contract).
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        check(new_size);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
