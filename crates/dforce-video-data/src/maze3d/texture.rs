//! Procedural wall textures (bricks, stripes, stone noise, panels, chevrons, checks) in distinct
//! colours, and landmark "posters", so each zone of the maze and each landmark is recognisable.

use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Texels per side of a wall texture (one per wall face, tiled once per unit).
pub const TEX: usize = 32;

/// A square RGB texture in linear `[0, 1]` values.
#[derive(Debug, Clone, PartialEq)]
pub struct Texture {
    /// `TEX·TEX` texels, row-major, `v` (row) downward from the top of the wall.
    pub texels: Vec<[f32; 3]>,
}

impl Texture {
    /// Texel at `(u, v)` in `[0, 1)` (nearest).
    #[inline]
    pub fn sample(&self, u: f32, v: f32) -> [f32; 3] {
        let x = ((u * TEX as f32) as usize).min(TEX - 1);
        let y = ((v * TEX as f32) as usize).min(TEX - 1);
        self.texels[y * TEX + x]
    }
}

/// Well-separated wall colours (red brick, blue, green, ochre, violet, teal, orange, light grey).
const PALETTE: [[f32; 3]; 8] = [
    [0.62, 0.22, 0.16],
    [0.20, 0.32, 0.68],
    [0.24, 0.55, 0.24],
    [0.72, 0.60, 0.22],
    [0.50, 0.26, 0.60],
    [0.16, 0.56, 0.56],
    [0.82, 0.44, 0.12],
    [0.70, 0.70, 0.66],
];

/// Wall patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pattern {
    Bricks,
    Stripes,
    Stone,
    Panels,
    Chevrons,
    Checks,
}

const PATTERNS: [Pattern; 6] = [
    Pattern::Bricks,
    Pattern::Stripes,
    Pattern::Stone,
    Pattern::Panels,
    Pattern::Chevrons,
    Pattern::Checks,
];

/// Integer hash to `[0, 1)`, for texel noise.
fn hash01(x: u32, y: u32, seed: u32) -> f32 {
    let mut h = x
        .wrapping_mul(0x8da6_b343)
        .wrapping_add(y.wrapping_mul(0xd816_3841))
        .wrapping_add(seed.wrapping_mul(0xcb1a_b31f));
    h ^= h >> 13;
    h = h.wrapping_mul(0x5bd1_e995);
    h ^= h >> 15;
    (h >> 8) as f32 / (1u32 << 24) as f32
}

/// Smooth value noise with period `TEX` (so textures tile), cell size `cell` texels.
fn value_noise(x: usize, y: usize, cell: usize, seed: u32) -> f32 {
    let n = (TEX / cell) as u32;
    let (gx, gy) = ((x / cell) as u32, (y / cell) as u32);
    let (fx, fy) = (
        (x % cell) as f32 / cell as f32,
        (y % cell) as f32 / cell as f32,
    );
    let s = |t: f32| t * t * (3.0 - 2.0 * t);
    let at = |i: u32, j: u32| hash01(i % n, j % n, seed);
    let top = at(gx, gy) + (at(gx + 1, gy) - at(gx, gy)) * s(fx);
    let bottom = at(gx, gy + 1) + (at(gx + 1, gy + 1) - at(gx, gy + 1)) * s(fx);
    top + (bottom - top) * s(fy)
}

fn scale(c: [f32; 3], k: f32) -> [f32; 3] {
    [
        (c[0] * k).min(1.0),
        (c[1] * k).min(1.0),
        (c[2] * k).min(1.0),
    ]
}

fn wall_texture(pattern: Pattern, base: [f32; 3], seed: u32) -> Texture {
    let mut texels = Vec::with_capacity(TEX * TEX);
    for y in 0..TEX {
        for x in 0..TEX {
            let grain = 0.9 + 0.2 * hash01(x as u32, y as u32, seed);
            let k = match pattern {
                Pattern::Bricks => {
                    let row = y / 8;
                    let shift = if row % 2 == 0 { 0 } else { 8 };
                    let col = (x + shift) / 16;
                    let mortar = y % 8 == 0 || (x + shift) % 16 == 0;
                    if mortar {
                        1.45
                    } else {
                        0.8 + 0.35 * hash01(col as u32, row as u32, seed ^ 0x55)
                    }
                }
                Pattern::Stripes => {
                    if (x / 4) % 2 == 0 {
                        1.1
                    } else {
                        0.65
                    }
                }
                Pattern::Stone => {
                    0.55 + 0.5 * value_noise(x, y, 8, seed) + 0.25 * value_noise(x, y, 4, !seed)
                }
                Pattern::Panels => {
                    let (px, py) = (x % 16, y % 16);
                    if px == 0 || py == 0 {
                        0.45
                    } else if px == 1 || py == 1 {
                        1.35
                    } else if (px == 8 || px == 9) && (py == 8 || py == 9) {
                        1.5
                    } else {
                        0.95
                    }
                }
                Pattern::Chevrons => {
                    let d = (x as i32 - 16).unsigned_abs() as usize;
                    if ((y + d) / 4) % 2 == 0 { 1.15 } else { 0.7 }
                }
                Pattern::Checks => {
                    if ((x / 8) + (y / 8)) % 2 == 0 {
                        1.15
                    } else {
                        0.7
                    }
                }
            };
            texels.push(scale(base, k * grain));
        }
    }
    Texture { texels }
}

/// A landmark: a bright symbol (disc, diamond, cross or ring) in a frame on a dark background.
fn poster(symbol: usize, colour: [f32; 3]) -> Texture {
    let mut texels = Vec::with_capacity(TEX * TEX);
    let c = TEX as f32 / 2.0 - 0.5;
    for y in 0..TEX {
        for x in 0..TEX {
            let (dx, dy) = (x as f32 - c, y as f32 - c);
            let border = x < 2 || y < 2 || x >= TEX - 2 || y >= TEX - 2;
            let inside = match symbol % 4 {
                0 => dx * dx + dy * dy < 100.0,
                1 => dx.abs() + dy.abs() < 11.0,
                2 => dx.abs() < 3.5 || dy.abs() < 3.5,
                _ => (60.0..130.0).contains(&(dx * dx + dy * dy)),
            };
            texels.push(if border {
                [0.9, 0.9, 0.85]
            } else if inside {
                colour
            } else {
                [0.08, 0.08, 0.1]
            });
        }
    }
    Texture { texels }
}

/// Textures for `zones` zone ids followed by `landmarks` landmark ids: zones get distinct
/// (pattern, colour) pairs, landmarks distinct symbols.
pub fn make_textures(zones: usize, landmarks: usize, rng: &mut ChaCha8Rng) -> Vec<Texture> {
    let mut colours = PALETTE.to_vec();
    colours.shuffle(rng);
    let mut patterns = PATTERNS.to_vec();
    patterns.shuffle(rng);
    let mut out: Vec<Texture> = (0..zones)
        .map(|z| {
            wall_texture(
                patterns[z % patterns.len()],
                colours[z % colours.len()],
                rng.random(),
            )
        })
        .collect();
    let bright = [
        [1.0, 0.85, 0.1],
        [0.1, 0.9, 1.0],
        [1.0, 0.3, 0.8],
        [0.4, 1.0, 0.3],
    ];
    let offset = rng.random_range(0..4);
    out.extend((0..landmarks).map(|k| poster(k + offset, bright[(k + offset) % 4])));
    out
}
