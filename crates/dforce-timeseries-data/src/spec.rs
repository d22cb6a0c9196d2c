//! The forecasting setup of one dataset ([`ForecastSpec`]), validated from raw (YAML/JSON)
//! integers, derived from a GluonTS dataset as the branch derives its `metadata.json`
//! (`datasets/timeseries/gluonts_dataset.py::get_gluonts_dataset`), and the six paper presets of
//! the spec's §3.1 table ([`PAPER_PRESETS`]).

use serde_json::{Value, json};

use crate::error::{Result, TsError};
use crate::frequency::Frequency;
use crate::gluonts_reader::GluonTsDataset;
use crate::time_features::TimeFeature;

/// Upper bound on lengths (prediction, context, lags) accepted from configuration.
pub const MAX_LENGTH: usize = 1_000_000;
/// Upper bound on the number of series.
pub const MAX_TARGET_DIM: usize = 1_000_000;
/// The branch's cap on the number of series (`target_dimension = min(2000, cardinality)`).
pub const BRANCH_MAX_TARGET_DIM: usize = 2000;

/// The forecasting setup of one dataset. Lengths are in periods of `freq`.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastSpec {
    /// Sampling frequency.
    pub freq: Frequency,
    /// Forecast horizon (`prediction_length`).
    pub prediction_length: usize,
    /// Context steps given to the model before the horizon (the branch: = prediction_length).
    pub context_length: usize,
    /// Past steps of each training window: `max(prediction_length, context_length) + max(lags)`
    /// (the branch: `prediction_length + max(lags_seq)`, with context = prediction, so equal).
    pub history_length: usize,
    /// Lags in periods, sorted, distinct, containing 1 (the branch's `lags_seq`).
    pub lags_seq: Vec<usize>,
    /// Fourier date features, in order.
    pub time_features: Vec<TimeFeature>,
    /// Number of series D (the grouper keeps the LAST D series of the file).
    pub target_dim: usize,
    /// Rolling test dates in the test split.
    pub num_test_dates: usize,
}

fn checked(name: &str, v: i64, max: usize) -> Result<usize> {
    usize::try_from(v)
        .ok()
        .filter(|&x| (1..=max).contains(&x))
        .ok_or_else(|| TsError::Spec(format!("{name} = {v} is outside 1..={max}")))
}

impl ForecastSpec {
    /// Validates raw configuration values (YAML integers) and derives `history_length`.
    /// `lags_seq` is sorted and de-duplicated (as `lags.py` does) and must contain 1: lag 1 is
    /// the observation itself in the branch's `get_lagged_subsequences` (shifted lag 0).
    ///
    /// # Errors
    /// [`TsError::Spec`] for a size outside `1..=`[`MAX_LENGTH`] (or [`MAX_TARGET_DIM`]), empty
    /// lags or lags without 1, a repeated time feature; [`TsError::Frequency`] /
    /// [`TsError::TimeFeature`] for unknown names.
    pub fn new(
        freq: &str,
        prediction_length: i64,
        context_length: i64,
        lags_seq: &[i64],
        time_features: &[&str],
        target_dim: i64,
        num_test_dates: i64,
    ) -> Result<Self> {
        let freq = Frequency::parse(freq)?;
        let prediction_length = checked("prediction_length", prediction_length, MAX_LENGTH)?;
        let context_length = checked("context_length", context_length, MAX_LENGTH)?;
        let mut lags = lags_seq
            .iter()
            .map(|&l| checked("a lag", l, MAX_LENGTH))
            .collect::<Result<Vec<_>>>()?;
        lags.sort_unstable();
        lags.dedup();
        if lags.first() != Some(&1) {
            return Err(TsError::Spec(format!(
                "lags_seq {lags_seq:?} must contain 1 (the observation itself)"
            )));
        }
        let mut feats = Vec::with_capacity(time_features.len());
        for name in time_features {
            let f = TimeFeature::parse(name)?;
            if feats.contains(&f) {
                return Err(TsError::Spec(format!(
                    "time feature {name:?} is listed twice"
                )));
            }
            feats.push(f);
        }
        let target_dim = checked("target_dim", target_dim, MAX_TARGET_DIM)?;
        let num_test_dates = checked("num_test_dates", num_test_dates, MAX_LENGTH)?;
        let max_lag = lags[lags.len() - 1];
        Ok(Self {
            freq,
            prediction_length,
            context_length,
            history_length: prediction_length.max(context_length) + max_lag,
            lags_seq: lags,
            time_features: feats,
            target_dim,
            num_test_dates,
        })
    }

    /// What the branch writes to `data/<name>/metadata.json` on first use, from the dataset:
    /// context = prediction = `metadata.prediction_length`, lags and Fourier features from the
    /// frequency ([`Frequency::default_lags`], [`Frequency::default_time_features`]),
    /// `target_dim = min(2000, feat_static_cat[0].cardinality)`,
    /// `num_test_dates = len(test) / len(train)` (integer division).
    ///
    /// # Errors
    /// [`TsError::Spec`] when `metadata.json` has no `feat_static_cat` cardinality, or the test
    /// split has fewer entries than the train split or a count that is not a multiple of it.
    pub fn from_dataset(ds: &GluonTsDataset) -> Result<Self> {
        let card = *ds
            .metadata
            .feat_static_cat_cardinalities
            .first()
            .ok_or_else(|| {
                TsError::Spec(
                "metadata.json has no feat_static_cat cardinality (the branch takes the number \
                 of series from it)"
                    .into(),
            )
            })?;
        let num_test_dates = ds.num_test_dates();
        let (series, entries) = (ds.train.len(), ds.test.len());
        if num_test_dates > 0 && !entries.is_multiple_of(series) {
            // GluonTS' test split holds every series once per rolling test date; the branch's
            // `len(test) // len(train)` would silently drop the remainder.
            let mut files: Vec<String> = ds
                .test
                .iter()
                .map(|e| e.path.display().to_string())
                .collect();
            files.dedup();
            return Err(TsError::Spec(format!(
                "the test split ({}) has {entries} entries for the {series} series of the train split; GluonTS' test split holds every series once per rolling test date, so \
                 its entry count must be a multiple of {series} ({} for {num_test_dates} dates, \
                 {} for {})",
                files.join(", "),
                num_test_dates * series,
                (num_test_dates + 1) * series,
                num_test_dates + 1
            )));
        }
        if num_test_dates == 0 {
            return Err(TsError::Spec(format!(
                "the test split has {} entries, fewer than the {} of the train split",
                ds.test.len(),
                ds.train.len()
            )));
        }
        let pred = ds.metadata.prediction_length;
        let lags = ds.freq.default_lags();
        let max_lag = lags[lags.len() - 1];
        Ok(Self {
            freq: ds.freq,
            prediction_length: pred,
            context_length: pred,
            history_length: pred + max_lag,
            lags_seq: lags,
            time_features: ds.freq.default_time_features(),
            target_dim: card.min(BRANCH_MAX_TARGET_DIM),
            num_test_dates,
        })
    }

    /// The branch's `shifted_lags_seq`: `lags_seq − 1` (0 is the observation itself).
    pub fn shifted_lags(&self) -> Vec<usize> {
        self.lags_seq.iter().map(|l| l - 1).collect()
    }

    /// Steps the model sees per window: `context_length + prediction_length`.
    pub fn model_steps(&self) -> usize {
        self.context_length + self.prediction_length
    }

    /// Length of a validation/test window's `past_target_cdf`: `history + prediction`.
    pub fn window_length(&self) -> usize {
        self.history_length + self.prediction_length
    }

    /// Width of the Fourier time features: `2 · time_features.len()`.
    pub fn time_feature_dim(&self) -> usize {
        2 * self.time_features.len()
    }

    /// Width of a covariate row: `(len(lags) − 1)·D` normalised lags, `D` embedding values,
    /// `2·len(time_features)` Fourier features; equal to the branch's
    /// `external_cond_dim = len(lags_seq)·D + 2·time_features_dim`.
    pub fn covariate_dim(&self) -> usize {
        (self.lags_seq.len() - 1) * self.target_dim + self.target_dim + self.time_feature_dim()
    }

    /// The branch's `metadata.json` object (keys `prediction_length, context_length,
    /// history_length, frequency, lags_seq, time_features_dim, target_dimension,
    /// num_test_dates`), with `frequency` the given string as the dataset wrote it.
    pub fn branch_metadata(&self, frequency: &str) -> Value {
        json!({
            "prediction_length": self.prediction_length,
            "context_length": self.context_length,
            "history_length": self.history_length,
            "frequency": frequency,
            "lags_seq": self.lags_seq,
            "time_features_dim": self.time_features.len(),
            "target_dimension": self.target_dim,
            "num_test_dates": self.num_test_dates,
        })
    }
}

/// One row of the spec's §3.1 dataset table (configs `configurations/dataset/ts_*.yaml`;
/// sizes from GluonTS `_gp_copula_2019.py`, lags and features from the branch's covariate code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaperPreset {
    /// The branch's dataset config name.
    pub config: &'static str,
    /// GluonTS repository name.
    pub gluonts_name: &'static str,
    /// Frequency string.
    pub freq: &'static str,
    /// Series used (wikipedia: the last 2000 of 9535).
    pub target_dim: usize,
    /// Prediction length = context length.
    pub prediction_length: usize,
    /// Lags.
    pub lags_seq: &'static [usize],
    /// Fourier features.
    pub time_features: &'static [&'static str],
    /// Rolling test dates.
    pub num_test_dates: usize,
}

/// The six datasets of the paper's Table 2.
pub const PAPER_PRESETS: [PaperPreset; 6] = [
    PaperPreset {
        config: "ts_exchange",
        gluonts_name: "exchange_rate_nips",
        freq: "B",
        target_dim: 8,
        prediction_length: 30,
        lags_seq: &[1, 2],
        time_features: &["dayofweek", "dayofyear"],
        num_test_dates: 5,
    },
    PaperPreset {
        config: "ts_solar",
        gluonts_name: "solar_nips",
        freq: "H",
        target_dim: 137,
        prediction_length: 24,
        lags_seq: &[1, 24, 168],
        time_features: &["hour", "dayofweek"],
        num_test_dates: 7,
    },
    PaperPreset {
        config: "ts_electricity",
        gluonts_name: "electricity_nips",
        freq: "H",
        target_dim: 370,
        prediction_length: 24,
        lags_seq: &[1, 24, 168],
        time_features: &["hour", "dayofweek"],
        num_test_dates: 7,
    },
    PaperPreset {
        config: "ts_traffic",
        gluonts_name: "traffic_nips",
        freq: "H",
        target_dim: 963,
        prediction_length: 24,
        lags_seq: &[1, 24, 168],
        time_features: &["hour", "dayofweek"],
        num_test_dates: 7,
    },
    PaperPreset {
        config: "ts_taxi",
        gluonts_name: "taxi_30min",
        freq: "30min",
        target_dim: 1214,
        prediction_length: 24,
        lags_seq: &[1, 4, 12, 24, 48],
        time_features: &["minute", "hour", "dayofweek"],
        num_test_dates: 56,
    },
    PaperPreset {
        config: "ts_wikipedia",
        gluonts_name: "wiki-rolling_nips",
        freq: "D",
        target_dim: 2000,
        prediction_length: 30,
        lags_seq: &[1, 7, 14],
        time_features: &["dayofweek"],
        num_test_dates: 5,
    },
];

impl PaperPreset {
    /// The preset by config name (`ts_exchange`) or GluonTS name (`exchange_rate_nips`).
    pub fn find(name: &str) -> Option<&'static PaperPreset> {
        PAPER_PRESETS
            .iter()
            .find(|p| p.config == name || p.gluonts_name == name)
    }

    /// The preset as a validated [`ForecastSpec`] (context = prediction).
    ///
    /// # Errors
    /// None for the built-in table; the signature follows [`ForecastSpec::new`].
    pub fn spec(&self) -> Result<ForecastSpec> {
        let to_i64 = |x: usize| i64::try_from(x).unwrap_or(i64::MAX);
        let lags: Vec<i64> = self.lags_seq.iter().map(|&l| to_i64(l)).collect();
        ForecastSpec::new(
            self.freq,
            to_i64(self.prediction_length),
            to_i64(self.prediction_length),
            &lags,
            self.time_features,
            to_i64(self.target_dim),
            to_i64(self.num_test_dates),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_match_the_spec_table() {
        let want = [
            ("ts_exchange", 32, 20),
            ("ts_solar", 192, 415),
            ("ts_electricity", 192, 1114),
            ("ts_traffic", 192, 2893),
            ("ts_taxi", 72, 6076),
            ("ts_wikipedia", 44, 6002),
        ];
        for (name, history, cov) in want {
            let p = PaperPreset::find(name).unwrap();
            let s = p.spec().unwrap();
            assert_eq!(s.history_length, history, "{name}");
            assert_eq!(s.covariate_dim(), cov, "{name}");
            assert_eq!(s.freq.default_lags(), p.lags_seq, "{name}");
            let feats: Vec<_> = s
                .freq
                .default_time_features()
                .iter()
                .map(|f| f.name())
                .collect();
            assert_eq!(feats, p.time_features, "{name}");
        }
        assert_eq!(PaperPreset::find("taxi_30min").unwrap().config, "ts_taxi");
    }

    #[test]
    fn validation_refuses_bad_values() {
        let ok = ForecastSpec::new("H", 24, 24, &[168, 1, 24, 24], &["hour"], 5, 7).unwrap();
        assert_eq!(ok.lags_seq, vec![1, 24, 168]);
        assert_eq!(ok.shifted_lags(), vec![0, 23, 167]);
        let longer = ForecastSpec::new("H", 24, 48, &[1, 24], &["hour"], 5, 7).unwrap();
        assert_eq!(longer.history_length, 72);
        type Raw<'a> = (i64, i64, &'a [i64], &'a [&'a str], i64, i64);
        let bad: [Raw; 8] = [
            (0, 24, &[1], &["hour"], 5, 7),
            (-3, 24, &[1], &["hour"], 5, 7),
            (24, 0, &[1], &["hour"], 5, 7),
            (24, 24, &[], &["hour"], 5, 7),
            (24, 24, &[24], &["hour"], 5, 7),
            (24, 24, &[1, -1], &["hour"], 5, 7),
            (24, 24, &[1], &["hour", "hour"], 5, 7),
            (24, 24, &[1], &["hour"], 5, i64::MAX),
        ];
        for (p, c, l, f, d, n) in bad {
            let e = ForecastSpec::new("H", p, c, l, f, d, n).unwrap_err();
            assert!(matches!(e, TsError::Spec(_)), "{e}");
        }
        assert!(matches!(
            ForecastSpec::new("H", 1, 1, &[1], &["second"], 1, 1),
            Err(TsError::TimeFeature(_))
        ));
        assert!(matches!(
            ForecastSpec::new("M", 1, 1, &[1], &[], 1, 1),
            Err(TsError::Frequency(_))
        ));
    }
}
