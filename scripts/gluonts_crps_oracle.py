#!/usr/bin/env python3
"""GluonTS's CRPS-sum and multivariate metrics on random sample arrays (a CI oracle).

How CI runs it: scripts/check_gluonts.sh makes a venv with pinned gluonts/numpy/pandas, runs
    python scripts/gluonts_crps_oracle.py "$TMP/crps_oracle.json" --seed 0
and then `DFORCE_GLUONTS_ORACLE="$TMP/crps_oracle.json" cargo test --workspace --test gluonts_oracle`,
whose Rust test recomputes every metric below from the stored samples and truths.

Usage: python scripts/gluonts_crps_oracle.py OUT.json [--seed 0] [--cases N]

Each case holds random samples (S, T, N, D) and a truth (T, N, D) (S samples, T steps, N
forecast windows, D series), float32. The metrics are GluonTS's
MultivariateEvaluator(quantiles=(np.arange(20) / 20.0)[1:], target_agg_funcs={"sum": np.sum}),
fed as the paper branch's own check feeds it (algorithms/common/metrics/crps_quantile.py,
`__main__`; tests/fixtures/paper/manifest.json, crps.safetensors): for each window n one
SampleForecast(samples=samples[:, :, n, :] (S, T, D), start_date=<first period>, item_id=str(n))
and one DataFrame(truth[:, n, :] (T, D)) indexed by an hourly PeriodIndex from 2020-01-01.

Written per case: the arrays as flat row-major lists with their shapes, and from the
evaluator's aggregate metrics:
- m_sum_mean_wQuantileLoss (CRPS-sum: the D series are summed, in float32, first), and
  m_sum_wQuantileLoss[q], m_sum_ND, m_sum_NRMSE, m_sum_MSE, m_sum_abs_error,
  m_sum_abs_target_sum;
- mean_wQuantileLoss, wQuantileLoss[q], ND, NRMSE, MSE, abs_error, abs_target_sum: the
  plain names, which GluonTS computes over all N x D one-dimensional series (no aggregation);
- gluonts_sorted_index: the sorted-sample index GluonTS's quantile estimate takes for each q.

The cases are chosen by the seed alone: S = 100 (as the paper's evaluation uses) and S != 100,
positive and negative values, integer ties, and a zero entry (and a zero time step) in the truth.
--cases N keeps the first N of them.
"""

import argparse
import json
import warnings


import numpy as np

QUANTILES = (np.arange(20) / 20.0)[1:]
METRICS = ["mean_wQuantileLoss", "ND", "NRMSE", "MSE", "abs_error", "abs_target_sum"]


def make_cases(rng):
    f32 = np.float32
    cases = []

    # S = 100, uniform in [0, 1): the branch's own check.
    s = rng.random((100, 8, 4, 5)).astype(f32)
    y = rng.random((8, 4, 5)).astype(f32)
    cases.append(("uniform_s100", s, y))

    # S = 100, Gaussian around positive levels, truth from the same law.
    mu = rng.uniform(2.0, 10.0, size=(1, 6, 3, 7))
    s = (mu + rng.normal(size=(100, 6, 3, 7))).astype(f32)
    y = (mu[0] + rng.normal(size=(6, 3, 7))).astype(f32)
    cases.append(("gaussian_positive_s100", s, y))

    # S = 50: GluonTS's quantile index differs from the S = 100 pattern.
    s = rng.normal(1.0, 2.0, size=(50, 5, 2, 3)).astype(f32)
    y = rng.normal(1.0, 2.0, size=(5, 2, 3)).astype(f32)
    cases.append(("gaussian_s50", s, y))

    # S = 37 (odd, rounding half to even matters), negative values, zero entries in the truth.
    s = rng.normal(-1.0, 3.0, size=(37, 6, 3, 4)).astype(f32)
    y = rng.normal(-1.0, 3.0, size=(6, 3, 4)).astype(f32)
    y[2, 1, 3] = 0.0  # one zero entry
    y[4, 0, :] = 0.0  # a step whose sum over D is zero
    cases.append(("negative_zero_truth_s37", s, y))

    # S = 100, small integers: ties between samples and with the truth.
    s = rng.integers(0, 6, size=(100, 5, 3, 4)).astype(f32)
    y = rng.integers(0, 6, size=(5, 3, 4)).astype(f32)
    y[0, 0, 0] = 0.0
    cases.append(("integer_ties_s100", s, y))

    # S = 1 (a point forecast) and D = 2, the smallest multivariate case.
    s = rng.normal(5.0, 1.0, size=(1, 7, 2, 2)).astype(f32)
    y = rng.normal(5.0, 1.0, size=(7, 2, 2)).astype(f32)
    cases.append(("point_forecast_s1_d2", s, y))

    # S = 100, long window and many series, mixed signs (the sum can change sign over time).
    s = rng.normal(0.5, 1.5, size=(100, 24, 2, 9)).astype(f32)
    y = rng.normal(0.5, 1.5, size=(24, 2, 9)).astype(f32)
    cases.append(("mixed_sign_s100_t24", s, y))
    return cases


def evaluate(samples, truth):
    import pandas as pd
    from gluonts.evaluation import MultivariateEvaluator
    from gluonts.model.forecast import SampleForecast

    S, T, N, D = samples.shape
    freq = "1H" if tuple(int(x) for x in pd.__version__.split(".")[:2]) < (2, 2) else "1h"
    period_index = pd.period_range(start="2020-01-01", periods=T, freq=freq)
    forecasts, tss = [], []
    for i in range(N):
        forecasts.append(SampleForecast(samples=samples[:, :, i, :], start_date=period_index[0], item_id=str(i)))
        tss.append(pd.DataFrame(truth[:, i, :], index=period_index))
    evaluator = MultivariateEvaluator(quantiles=QUANTILES, target_agg_funcs={"sum": np.sum})
    from gluonts.env import env

    with env._let(use_tqdm=False):  # no progress bars in CI's log; values are unaffected
        agg, _ = evaluator(iter(tss), iter(forecasts))
    return agg


def sorted_index(S):
    """The sorted-sample index GluonTS's SampleForecast.quantile picks, found by asking it."""
    import pandas as pd
    from gluonts.model.forecast import SampleForecast

    freq = "1H" if tuple(int(x) for x in pd.__version__.split(".")[:2]) < (2, 2) else "1h"
    ranks = np.arange(S, dtype=np.float64)[::-1].reshape(S, 1).copy()  # distinct values
    fc = SampleForecast(samples=ranks, start_date=pd.Period("2020-01-01", freq=freq))
    return [int(fc.quantile(q)[0]) for q in QUANTILES]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("out")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--cases", type=int, default=None, help="keep only the first N cases")
    args = p.parse_args()

    warnings.filterwarnings("ignore")
    import gluonts
    import pandas as pd

    rng = np.random.default_rng(args.seed)
    cases = make_cases(rng)[: args.cases]
    out_cases = []
    for name, samples, truth in cases:
        agg = evaluate(samples, truth)
        entry = {
            "case": name,
            "samples_shape": list(samples.shape),
            "truth_shape": list(truth.shape),
            "samples": [float(v) for v in samples.ravel()],
            "truth": [float(v) for v in truth.ravel()],
            "gluonts_sorted_index": sorted_index(samples.shape[0]),
        }
        for prefix in ["m_sum_", ""]:
            for m in METRICS:
                entry[prefix + m] = float(agg[prefix + m])
            entry[prefix + "wQuantileLoss"] = {
                f"{q:.2f}": float(agg[f"{prefix}wQuantileLoss[{q}]"]) for q in QUANTILES
            }
        out_cases.append(entry)
        print(
            f"{name:26s} S,T,N,D={tuple(samples.shape)}  m_sum_mean_wQuantileLoss={entry['m_sum_mean_wQuantileLoss']:.6f}"
            f"  mean_wQuantileLoss={entry['mean_wQuantileLoss']:.6f}  ND={entry['ND']:.6f}  NRMSE={entry['NRMSE']:.6f}"
        )

    doc = {
        "what": "GluonTS MultivariateEvaluator(quantiles=(arange(20)/20)[1:], target_agg_funcs={'sum': np.sum}) "
        "on random samples (S,T,N,D) and truths (T,N,D), one SampleForecast (S,T,D) and one DataFrame (T,D) "
        "per window n with an hourly PeriodIndex, as the paper branch's crps_quantile.py __main__ builds it. "
        "Arrays are float32 values, flat in row-major order. m_sum_* metrics sum the D series (in float32) "
        "before scoring; the plain names score all N*D one-dimensional series without aggregation.",
        "definitions": {
            "items": "m_sum_*: N items, item n = sum over D of truth[:, n, :] and of samples[:, :, n, :] "
            "(float32 sums); plain names: N*D items, one per (window, series)",
            "quantile_estimate": "per step, the sorted samples at index int(np.round((S - 1) * q)) "
            "(numpy rounds half to even; no interpolation): gluonts_sorted_index",
            "QuantileLoss[q]": "sum over items and steps of 2*|(yhat_q - y)*(1[y <= yhat_q] - q)|",
            "wQuantileLoss[q]": "QuantileLoss[q] / abs_target_sum",
            "mean_wQuantileLoss": "mean of wQuantileLoss over the 19 quantiles (CRPS-sum for the m_sum_ prefix)",
            "abs_target_sum": "sum over items and steps of |y|",
            "abs_error": "sum over items and steps of |y - yhat_0.5| (the median estimate above)",
            "ND": "abs_error / abs_target_sum",
            "MSE": "mean over items of mean over steps of (y - mean of the samples)^2 (sample mean in float32)",
            "NRMSE": "sqrt(MSE) / (mean over items of mean over steps of |y|)",
        },
        "quantiles": [float(q) for q in QUANTILES],
        "seed": args.seed,
        "versions": {"gluonts": gluonts.__version__, "numpy": np.__version__, "pandas": pd.__version__},
        "cases": out_cases,
    }
    with open(args.out, "w") as f:
        json.dump(doc, f)
    print(f"wrote {args.out}: {len(out_cases)} cases (gluonts {gluonts.__version__})")


if __name__ == "__main__":
    main()
