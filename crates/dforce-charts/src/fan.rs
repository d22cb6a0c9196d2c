//! [`FanChart`]: a probabilistic forecast over time — history, ground truth, median and shaded
//! 50 % / 90 % central intervals — with calendar dates on the x axis.

use std::path::Path;

use time::OffsetDateTime;
use time::macros::format_description;

use crate::ChartError;
use crate::canvas::render_png;
use crate::color::Rgb;
use crate::panel::{self, Band, Line, Panel, VLine};
use crate::range::{self, extent, union};
use crate::write::write_atomic;

/// The forecast distribution at one time: its median and the bounds of the central 50 % and 90 %
/// intervals (the 25/75 % and 5/95 % quantiles). A point that is not
/// [`ForecastPoint::is_valid`] is skipped and breaks the bands and the median.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForecastPoint {
    /// Time in seconds since the Unix epoch (UTC).
    pub t: i64,
    /// 5 % quantile (lower end of the 90 % interval).
    pub p05: f64,
    /// 25 % quantile (lower end of the 50 % interval).
    pub p25: f64,
    /// Median (50 % quantile).
    pub median: f64,
    /// 75 % quantile (upper end of the 50 % interval).
    pub p75: f64,
    /// 95 % quantile (upper end of the 90 % interval).
    pub p95: f64,
}

/// A fan chart of a probabilistic forecast.
///
/// The x axis is time (`i64` seconds since the Unix epoch, UTC). Ticks fall on whole minutes,
/// hours, days, weeks, or 30/91/365-day multiples of the epoch, about six to eight of them,
/// labelled `YYYY-MM-DD` (steps of a day or more) or `MM-DD HH:MM` unless
/// [`FanChart::tick_format`] says otherwise. A dashed vertical line marks the forecast start.
#[derive(Debug, Clone, Default)]
pub struct FanChart {
    /// Caption above the chart, e.g. `"electricity, series 17: 7-day forecast"`.
    pub title: String,
    /// X axis description; `"date (UTC)"` if empty.
    pub x_label: String,
    /// Y axis description with unit, e.g. `"load (kW)"`.
    pub y_label: String,
    /// Observed values before the forecast, `(t, value)`.
    pub history: Vec<(i64, f64)>,
    /// Observed values over the forecast range, `(t, value)`; may be empty.
    pub truth: Vec<(i64, f64)>,
    /// The forecast, ordered by time.
    pub forecast: Vec<ForecastPoint>,
    /// Where to draw the "forecast start" marker; `None` uses the first forecast time.
    pub forecast_start: Option<i64>,
    /// Tick label of a time; `None` uses the automatic UTC date format.
    pub tick_format: Option<fn(i64) -> String>,
}

/// History line colour.
pub(crate) const HISTORY: Rgb = Rgb(33, 33, 33);
/// Ground truth line colour (drawn dashed).
pub(crate) const TRUTH: Rgb = Rgb(33, 33, 33);
/// Median line colour.
pub(crate) const MEDIAN: Rgb = Rgb(31, 119, 180);
/// 90 % interval fill.
pub(crate) const BAND_90: Rgb = Rgb(198, 219, 239);
/// 50 % interval fill.
pub(crate) const BAND_50: Rgb = Rgb(140, 186, 222);

/// Formats `t` (seconds since the Unix epoch) in UTC as `YYYY-MM-DD` or, with `with_time`,
/// `YYYY-MM-DD HH:MM`; a time outside the calendar's range (years beyond ±9999) prints the raw
/// number of seconds.
pub fn format_utc(t: i64, with_time: bool) -> String {
    let Ok(dt) = OffsetDateTime::from_unix_timestamp(t) else {
        return format!("{t} s");
    };
    let formatted = if with_time {
        dt.format(format_description!("[year]-[month]-[day] [hour]:[minute]"))
    } else {
        dt.format(format_description!("[year]-[month]-[day]"))
    };
    formatted.unwrap_or_else(|_| format!("{t} s"))
}

/// Tick steps (seconds) tried in order: minutes, hours, days, weeks, ~months, ~quarters, ~years.
const TICK_STEPS: [i64; 17] = [
    60,
    300,
    900,
    1800,
    3600,
    3 * 3600,
    6 * 3600,
    12 * 3600,
    86_400,
    2 * 86_400,
    7 * 86_400,
    14 * 86_400,
    30 * 86_400,
    91 * 86_400,
    365 * 86_400,
    5 * 365 * 86_400,
    25 * 365 * 86_400,
];

/// Tick positions for the time range `lo..=hi`: multiples of the smallest step of [`TICK_STEPS`]
/// giving at most 8 ticks (a multiple of the largest step when even that gives more), and the
/// step used.
pub(crate) fn time_ticks(lo: f64, hi: f64) -> (Vec<f64>, i64) {
    let span = (hi - lo).max(0.0);
    let step = TICK_STEPS
        .iter()
        .copied()
        .find(|&s| span / s as f64 <= 8.0)
        .unwrap_or_else(|| {
            let last = TICK_STEPS[TICK_STEPS.len() - 1] as f64;
            ((span / 8.0 / last).ceil() * last) as i64
        });
    let step_f = step as f64;
    let first = (lo / step_f).ceil() * step_f;
    let ticks = (0..)
        .map(|k| first + k as f64 * step_f)
        .take_while(|&t| t <= hi)
        .take(64)
        .collect();
    (ticks, step)
}

impl ForecastPoint {
    /// Whether the point can be drawn: all fields finite and `p05 <= p25 <= median <= p75 <= p95`.
    pub fn is_valid(&self) -> bool {
        let q = [self.p05, self.p25, self.median, self.p75, self.p95];
        q.iter().all(|v| v.is_finite()) && q.windows(2).all(|w| w[0] <= w[1])
    }
}

impl FanChart {
    /// An empty fan chart with a title and a y axis description (with unit).
    pub fn new(title: impl Into<String>, y_label: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            y_label: y_label.into(),
            ..Self::default()
        }
    }

    /// Encodes the chart as an 8-bit RGB PNG of `width`×`height` pixels.
    ///
    /// # Errors
    /// [`ChartError::InvalidSize`] for a size outside the supported range,
    /// [`ChartError::InvalidSetting`] for a value span `f64` cannot hold,
    /// [`ChartError::Draw`]/[`ChartError::Encode`] if plotters or the encoder fail.
    pub fn to_png_bytes(&self, width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
        let as_f64 = |v: &[(i64, f64)]| -> Vec<(f64, f64)> {
            v.iter().map(|&(t, y)| (t as f64, y)).collect()
        };
        let history = as_f64(&self.history);
        let truth = as_f64(&self.truth);
        // An invalid point becomes a gap in the bands and the median.
        let shown = |p: &ForecastPoint, v: f64| if p.is_valid() { v } else { f64::NAN };
        let band = |lo: fn(&ForecastPoint) -> f64, hi: fn(&ForecastPoint) -> f64| {
            self.forecast
                .iter()
                .map(|p| (p.t as f64, shown(p, lo(p)), shown(p, hi(p))))
                .collect::<Vec<_>>()
        };
        let median: Vec<(f64, f64)> = self
            .forecast
            .iter()
            .map(|p| (p.t as f64, shown(p, p.median)))
            .collect();
        let start = self
            .forecast_start
            .or_else(|| self.forecast.first().map(|p| p.t));

        let xs_of = |v: &[(f64, f64)]| {
            v.iter()
                .filter(|p| p.1.is_finite())
                .map(|p| p.0)
                .collect::<Vec<_>>()
        };
        let x_ext = [
            extent(xs_of(&history), false),
            extent(xs_of(&truth), false),
            extent(xs_of(&median), false),
            extent(start.map(|s| s as f64), false),
        ]
        .into_iter()
        .fold(None, union);
        let x_range = range::x_axis(x_ext)?;
        let ys = history.iter().chain(&truth).map(|p| p.1).chain(
            self.forecast
                .iter()
                .filter(|p| p.is_valid())
                .flat_map(|p| [p.p05, p.p95]),
        );
        let y_range = range::y_linear(extent(ys, false))?;
        let (ticks, step) = time_ticks(x_range.start, x_range.end);
        let auto = move |v: f64| {
            let t = v.round() as i64;
            if step >= 86_400 {
                format_utc(t, false)
            } else {
                // Drop the year: `MM-DD HH:MM`.
                format_utc(t, true)
                    .get(5..)
                    .map(str::to_string)
                    .unwrap_or_default()
            }
        };
        let custom = self.tick_format.map(|f| move |v: f64| f(v.round() as i64));
        let x_format: &dyn Fn(f64) -> String = match &custom {
            Some(f) => f,
            None => &auto,
        };
        let x_desc = if self.x_label.is_empty() {
            "date (UTC)"
        } else {
            &self.x_label
        };
        let chart = Panel {
            title: Some(&self.title),
            x_desc,
            y_desc: &self.y_label,
            x_range,
            x_ticks: Some(ticks),
            x_format: Some(x_format),
            y_range,
            y_scale: crate::YScale::Linear,
            bands: vec![
                Band {
                    label: "90 % interval",
                    points: band(|p| p.p05, |p| p.p95),
                    color: BAND_90,
                },
                Band {
                    label: "50 % interval",
                    points: band(|p| p.p25, |p| p.p75),
                    color: BAND_50,
                },
            ],
            lines: vec![
                Line {
                    label: Some("history"),
                    points: &history,
                    color: HISTORY,
                    width: 1.5,
                    dashed: false,
                },
                Line {
                    label: Some("ground truth"),
                    points: &truth,
                    color: TRUTH,
                    width: 1.5,
                    dashed: true,
                },
                Line {
                    label: Some("median forecast"),
                    points: &median,
                    color: MEDIAN,
                    width: 2.0,
                    dashed: false,
                },
            ],
            markers: start
                .map(|s| VLine {
                    x: s as f64,
                    label: "forecast start",
                })
                .into_iter()
                .collect(),
        };
        render_png(width, height, |area, sizes| {
            panel::draw(area, &chart, sizes)
        })
    }

    /// Renders the chart (see [`FanChart::to_png_bytes`]) and writes it to `path` atomically.
    ///
    /// # Errors
    /// Those of [`FanChart::to_png_bytes`], and [`ChartError::Io`] if the file cannot be written.
    pub fn render_png(
        &self,
        path: impl AsRef<Path>,
        width: u32,
        height: u32,
    ) -> Result<(), ChartError> {
        let bytes = self.to_png_bytes(width, height)?;
        write_atomic(path.as_ref(), &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daily_ticks_fall_on_midnight_and_format_as_dates() {
        // 2024-03-01T06:00Z .. 2024-03-08T18:00Z
        let lo = 1_709_272_800.0;
        let hi = lo + 7.5 * 86_400.0;
        let (ticks, step) = time_ticks(lo, hi);
        assert_eq!(step, 86_400);
        assert!(ticks.iter().all(|t| t.rem_euclid(86_400.0) == 0.0));
        assert_eq!(format_utc(ticks[0] as i64, false), "2024-03-02");
        assert!(ticks.len() <= 8 && ticks.len() >= 6);
    }

    #[test]
    fn hourly_and_huge_spans() {
        let (ticks, step) = time_ticks(0.0, 5.0 * 3600.0);
        assert_eq!(step, 3600);
        assert_eq!(ticks.len(), 6);
        let (ticks, _) = time_ticks(-1e18, 1e18);
        assert!(!ticks.is_empty() && ticks.len() <= 64);
        assert_eq!(format_utc(i64::MAX, false), format!("{} s", i64::MAX));
        assert_eq!(format_utc(0, true), "1970-01-01 00:00");
    }
}
