//! Renders one maze episode and writes a PNG contact sheet of its frames, to look at the world.
//!
//! `cargo run --release -p dforce-video-data --example maze3d_preview -- OUT.png [SEED] [RES]`

use dforce_video_data::maze3d::{Maze3dConfig, render_episode};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "maze3d_preview.png".into());
    let seed: u64 = args.next().map_or(Ok(0), |s| s.parse())?;
    let resolution: usize = args.next().map_or(Ok(64), |s| s.parse())?;
    let config = Maze3dConfig {
        frames: 120,
        resolution,
        ..Maze3dConfig::default()
    };
    let ep = render_episode(&config, seed);
    let (cols, rows, every) = (10, 4, 3);
    let r = ep.resolution;
    let (w, h) = (cols * (r + 2), rows * (r + 2));
    let mut sheet = vec![255u8; w * h * 3];
    for k in 0..cols * rows {
        let t = k * every;
        if t >= ep.frames {
            break;
        }
        let frame = &ep.video[t * r * r * 3..(t + 1) * r * r * 3];
        let (ox, oy) = ((k % cols) * (r + 2) + 1, (k / cols) * (r + 2) + 1);
        for y in 0..r {
            let dst = ((oy + y) * w + ox) * 3;
            sheet[dst..dst + r * 3].copy_from_slice(&frame[y * r * 3..(y + 1) * r * 3]);
        }
    }
    let names = ["F", "L", "R"];
    let acts: String = ep.actions[..cols * rows * every]
        .iter()
        .map(|&a| names[a as usize])
        .collect();
    println!("actions: {acts}");
    let file = std::io::BufWriter::new(std::fs::File::create(&out)?);
    let mut enc = png::Encoder::new(file, w as u32, h as u32);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header()?.write_image_data(&sheet)?;
    println!("wrote {out}");
    Ok(())
}
