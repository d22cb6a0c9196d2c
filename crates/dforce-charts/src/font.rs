//! The embedded font: DejaVu Sans, registered with plotters' `ab_glyph` text renderer.
//!
//! plotters' `ab_glyph` feature draws text from fonts registered at run time and never looks up
//! system fonts, so charts render identically on a headless machine with no fonts installed. The
//! TTF is `assets/DejaVuSans.ttf` (Debian `fonts-dejavu-core` 2.37), licensed under the Bitstream
//! Vera licence with DejaVu changes in the public domain; the full text is
//! `assets/DejaVuSans-LICENSE.txt`.

use std::sync::OnceLock;

use plotters::style::{FontStyle, register_font};

use crate::ChartError;

/// The TrueType file drawn with, compiled into the library.
pub(crate) static DEJAVU_SANS: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// The family name every chart asks plotters for; it is also plotters' default label family, so
/// any text plotters draws on its own (e.g. a default-styled label) finds the font too.
pub(crate) const FAMILY: &str = "sans-serif";

/// Registers [`DEJAVU_SANS`] under [`FAMILY`] once per process; later calls return the first
/// outcome.
pub(crate) fn ensure_registered() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok =
        *REGISTERED.get_or_init(|| register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS).is_ok());
    if ok { Ok(()) } else { Err(ChartError::Font) }
}
