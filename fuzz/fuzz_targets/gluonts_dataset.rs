//! libFuzzer entry for [`dforce_fuzz::targets::gluonts_dataset`] (the logic lives there).
#![no_main]

#[global_allocator]
static ALLOC: dforce_fuzz::alloc::CappedAlloc = dforce_fuzz::alloc::CappedAlloc;

libfuzzer_sys::fuzz_target!(|data: &[u8]| dforce_fuzz::targets::gluonts_dataset(data));
