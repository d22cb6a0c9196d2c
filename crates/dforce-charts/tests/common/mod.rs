//! Decoding helpers shared by the chart tests (PNG decoded with the `png` crate).

#![allow(dead_code)]

use std::io::Cursor;

use dforce_charts::Rgb;

/// A decoded 8-bit RGB image.
pub struct Image {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

impl Image {
    /// Decodes PNG bytes, asserting they are 8-bit RGB.
    pub fn decode(bytes: &[u8]) -> Image {
        let decoder = png::Decoder::new(Cursor::new(bytes));
        let mut reader = decoder.read_info().expect("a valid PNG header");
        let mut buf = vec![0; reader.output_buffer_size().expect("a sane size")];
        let info = reader.next_frame(&mut buf).expect("a decodable frame");
        assert_eq!(info.color_type, png::ColorType::Rgb);
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        buf.truncate(info.buffer_size());
        Image {
            width: info.width,
            height: info.height,
            rgb: buf,
        }
    }

    pub fn pixel(&self, x: u32, y: u32) -> Rgb {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        Rgb(self.rgb[i], self.rgb[i + 1], self.rgb[i + 2])
    }

    /// How many pixels have exactly `c`.
    pub fn count(&self, c: Rgb) -> usize {
        self.rgb
            .chunks_exact(3)
            .filter(|p| p == &[c.0, c.1, c.2])
            .count()
    }

    /// How many pixels are not white.
    pub fn non_white(&self) -> usize {
        self.rgb
            .chunks_exact(3)
            .filter(|p| p != &[255, 255, 255])
            .count()
    }

    /// How many pixels in rows `y0..y1` are dark (every channel < 128): text and axes.
    pub fn dark_in_rows(&self, y0: u32, y1: u32) -> usize {
        (y0..y1)
            .flat_map(|y| (0..self.width).map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let p = self.pixel(x, y);
                p.0 < 128 && p.1 < 128 && p.2 < 128
            })
            .count()
    }

    /// Rows holding a horizontal run of at least `min_len` pixels of colour `c` (frame edges).
    pub fn rows_with_run(&self, c: Rgb, min_len: u32) -> Vec<u32> {
        (0..self.height)
            .filter(|&y| {
                let mut run = 0;
                (0..self.width).any(|x| {
                    run = if self.pixel(x, y) == c { run + 1 } else { 0 };
                    run >= min_len
                })
            })
            .collect()
    }
}

/// The axis and frame colour the charts use.
pub const INK: Rgb = Rgb(33, 33, 33);
