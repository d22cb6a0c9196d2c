//! Every committed corpus input (seeds and the regression inputs of fixed crashes) runs through
//! its target without a panic, a hang or an excessive allocation.

use dforce_fuzz::alloc::CappedAlloc;
use dforce_fuzz::runner::{self, Options};
use dforce_fuzz::{TARGETS, corpus_dir};

#[global_allocator]
static ALLOC: CappedAlloc = CappedAlloc;

// One test function: the allocation budget is process-wide, so targets run one at a time.
#[test]
fn committed_corpus_and_a_few_mutations_run_clean() {
    let options = Options {
        duration: std::time::Duration::from_secs(2),
        max_runs: 200,
        seed: 1,
        stop_on_failure: false,
    };
    let mut failures = Vec::new();
    for target in TARGETS {
        let corpus = runner::read_corpus(&corpus_dir(target.name)).expect("corpus readable");
        assert!(!corpus.is_empty(), "{}: empty corpus", target.name);
        let inputs: Vec<Vec<u8>> = corpus.into_iter().map(|(_, b)| b).collect();
        let report = runner::fuzz(target, &inputs, &[], &options);
        assert_eq!(report.replayed, inputs.len() as u64);
        failures.extend(report.failures);
    }
    assert!(failures.is_empty(), "failing inputs: {failures:#?}");
}
