//! Colours: the public [`Rgb`] type and the default series palette.

use plotters::style::RGBColor;

/// An opaque 8-bit sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// The same colour as plotters' type.
    pub(crate) fn to_plotters(self) -> RGBColor {
        RGBColor(self.0, self.1, self.2)
    }

    /// This colour mixed with white: `amount` 0 gives the colour, 1 gives white. An opaque tint, so
    /// overlapping shaded bands keep exact, predictable colours.
    pub fn tint(self, amount: f64) -> Rgb {
        let a = amount.clamp(0.0, 1.0);
        let mix = |c: u8| (f64::from(c) + (255.0 - f64::from(c)) * a).round() as u8;
        Rgb(mix(self.0), mix(self.1), mix(self.2))
    }
}

/// The default series colours, in order (matplotlib's "tab10" hues, readable on white).
pub const PALETTE: [Rgb; 10] = [
    Rgb(31, 119, 180),
    Rgb(255, 127, 14),
    Rgb(44, 160, 44),
    Rgb(214, 39, 40),
    Rgb(148, 103, 189),
    Rgb(140, 86, 75),
    Rgb(227, 119, 194),
    Rgb(127, 127, 127),
    Rgb(188, 189, 34),
    Rgb(23, 190, 207),
];

/// The default colour of the `index`-th series (the palette repeats after ten).
pub fn palette_color(index: usize) -> Rgb {
    PALETTE[index % PALETTE.len()]
}

/// Axis, text and marker colour.
pub(crate) const INK: Rgb = Rgb(33, 33, 33);
/// Grid line colour.
pub(crate) const GRID: Rgb = Rgb(225, 225, 225);
