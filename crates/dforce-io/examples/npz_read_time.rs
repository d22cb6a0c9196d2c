//! Times [`NpzFile::read_rows`] of an `.npz` array the way the video loader reads an episode:
//! the whole array, a clip from its start and a clip at its end (median of repeated reads,
//! opening the file each time as the loader does).
//!
//! `cargo run --release -p dforce-io --example npz_read_time -- FILE.npz [KEY] [CLIP_ROWS] [REPEATS]`
//! (defaults: `video`, 32 rows, the training clip of `dataset=video_dmlab`, and 30 repeats).

use std::time::{Duration, Instant};

use dforce_io::npz::NpzFile;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        return Err("usage: npz_read_time FILE.npz [KEY] [CLIP_ROWS] [REPEATS]".into());
    };
    let key = args.get(1).map_or("video", String::as_str);
    let clip: usize = args.get(2).map_or(Ok(32), |s| s.parse())?;
    let repeats: usize = args.get(3).map_or(Ok(30), |s| s.parse())?.max(1);
    let rows = NpzFile::open(path)?
        .header(key)?
        .shape
        .first()
        .copied()
        .ok_or("a scalar has no rows")?;
    let clip = clip.min(rows);
    for (label, range) in [
        ("whole array", 0..rows),
        ("clip at start", 0..clip),
        ("clip at end", rows - clip..rows),
    ] {
        let mut times = Vec::with_capacity(repeats);
        for _ in 0..repeats {
            let t = Instant::now();
            let (_, bytes) = NpzFile::open(path)?.read_rows(key, range.clone())?;
            std::hint::black_box(bytes);
            times.push(t.elapsed());
        }
        println!(
            "{path} {key:?} rows {:>3}..{:<3} ({label}): median {:.3} ms over {repeats} reads",
            range.start,
            range.end,
            median(times).as_secs_f64() * 1e3
        );
    }
    Ok(())
}
