//! `dforce ckpt inspect|convert`.

use std::io::Write;

use anyhow::{Context, Result};
use dforce_nn::{
    CheckpointFormat, CheckpointSummary, NetworkKind, StateDict, write_safetensors_atomic,
};

use crate::cli::CkptCommand;

pub fn run(cmd: CkptCommand) -> Result<()> {
    match cmd {
        CkptCommand::Inspect { file } => inspect(&file),
        CkptCommand::Convert {
            input,
            output,
            weights_only,
        } => convert(&input, &output, weights_only),
    }
}

fn inspect(path: &std::path::Path) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let sd = StateDict::load(path)?;
    let summary = CheckpointSummary::of(&sd);
    let format = match sd.format {
        CheckpointFormat::Lightning => "PyTorch Lightning checkpoint (torch.save)",
        CheckpointFormat::TorchStateDict => "PyTorch state dict (torch.save)",
        CheckpointFormat::SafeTensors => "safetensors",
    };
    writeln!(out, "file:        {}", path.display())?;
    writeln!(out, "format:      {format}")?;
    writeln!(out, "algorithm:   {}", summary.algorithm())?;
    if let Some(step) = sd.global_step {
        writeln!(out, "global_step: {step}")?;
    }
    if let Some(epoch) = sd.epoch {
        writeln!(out, "epoch:       {epoch}")?;
    }
    writeln!(
        out,
        "tensors:     {} ({} scalars in all)",
        summary.tensor_count,
        sd.numel()
    )?;
    writeln!(
        out,
        "network:     {} parameters under '{}'",
        group_digits(summary.network_params),
        summary.prefix
    )?;
    match &summary.network {
        NetworkKind::Transformer {
            x_dim,
            size,
            num_layers,
            dim_feedforward,
            cond_dim,
            per_frame,
        } => {
            writeln!(out, "implied config (algorithm.diffusion.architecture.*):")?;
            writeln!(
                out,
                "  network_size={size} num_layers={num_layers} dim_feedforward={dim_feedforward}"
            )?;
            match per_frame {
                Some(c) => writeln!(
                    out,
                    "  token size {x_dim} = frame_stack {} × {c} per frame (obs + action [+ reward]); external_cond_dim={cond_dim}",
                    x_dim / c
                )?,
                None => writeln!(
                    out,
                    "  token size {x_dim} = frame_stack × (obs + action [+ reward]); external_cond_dim={cond_dim}"
                )?,
            }
            writeln!(
                out,
                "  (attn_heads is not recorded in the weights; the reference default is 4)"
            )?;
        }
        NetworkKind::Unet3d {
            dim,
            channels,
            levels,
            attn_dim_head,
            rotary,
        } => {
            writeln!(out, "implied config (algorithm.diffusion.architecture.*):")?;
            writeln!(
                out,
                "  network_size={dim} len(dim_mults)={levels} channels×frame_stack={channels}"
            )?;
            match attn_dim_head {
                Some(d) => writeln!(out, "  attn_dim_head={d} time_emb_type=rotary")?,
                None if !rotary => writeln!(out, "  time_emb_type=sinusoidal")?,
                None => {}
            }
        }
        NetworkKind::Unknown => writeln!(
            out,
            "the tensor names fit neither the planning Transformer nor the video Unet3D"
        )?,
    }
    if !summary.other_tensors.is_empty() {
        let names: Vec<&str> = summary.other_tensors.keys().map(String::as_str).collect();
        writeln!(
            out,
            "other:       {} tensors ({})",
            names.len(),
            abbreviate(&names)
        )?;
    }
    for (k, v) in &sd.metadata {
        if k != "config" {
            writeln!(out, "meta {}: {}", printable(k), printable(v))?;
        }
    }
    if let Some(cfg) = sd.metadata.get("config") {
        writeln!(out, "config:\n{}", printable(cfg))?;
    }
    Ok(())
}

/// A string from a checkpoint as it may be written to a terminal: control characters other
/// than newline and tab (an escape sequence could retitle or rewrite the terminal) are shown
/// escaped, as Rust's `escape_default` writes them.
fn printable(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn convert(input: &std::path::Path, output: &std::path::Path, weights_only: bool) -> Result<()> {
    // As torch.save and safetensors' save_file, the output's directory must exist: a typo in
    // it should not silently create a directory tree.
    let dir = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    if !dir.is_dir() {
        anyhow::bail!(
            "ckpt convert: the output {}'s directory {} {}; create it first or write into an \
             existing directory (dforce, like torch.save and safetensors' save_file, creates no \
             directories here)",
            output.display(),
            dir.display(),
            if dir.exists() {
                "is not a directory"
            } else {
                "does not exist"
            }
        );
    }
    if output.is_dir() {
        anyhow::bail!(
            "ckpt convert: the output {} is a directory; name a file, e.g. {}",
            output.display(),
            output.join("model.safetensors").display()
        );
    }
    let mut out = std::io::stdout().lock();
    let mut sd = StateDict::load(input)?;
    if weights_only {
        sd.tensors.retain(|name, _| !name.starts_with("optimizer."));
    }
    let mut meta = sd.metadata.clone();
    meta.insert("format".into(), "dforce-state-dict".into());
    meta.insert("source".into(), input.display().to_string());
    if let Some(s) = sd.global_step {
        meta.insert("global_step".into(), s.to_string());
    }
    if let Some(e) = sd.epoch {
        meta.insert("epoch".into(), e.to_string());
    }
    write_safetensors_atomic(output, &sd.tensors, &meta)
        .with_context(|| format!("converting {}", input.display()))?;
    writeln!(
        out,
        "wrote {} ({} tensors{})",
        output.display(),
        sd.tensors.len(),
        if sd.non_float.is_empty() {
            String::new()
        } else {
            format!("; {} integer tensors skipped", sd.non_float.len())
        }
    )?;
    Ok(())
}

fn abbreviate(names: &[&str]) -> String {
    if names.len() <= 4 {
        names.join(", ")
    } else {
        format!("{}, … {} more", names[..4].join(", "), names.len() - 4)
    }
}

/// 34518467 → "34,518,467".
pub fn group_digits(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn checkpoint_strings_reach_the_terminal_without_escape_sequences() {
        assert_eq!(printable("a\x1b]0;owned\x07b"), "a\\u{1b}]0;owned\\u{7}b");
        assert_eq!(printable("lr: 1e-4\n\tbatch: 8"), "lr: 1e-4\n\tbatch: 8");
    }
}
