//! Each fused kernel against the same computation composed from burn's ops: outputs and every
//! gradient, on random inputs, on burn's CPU backend with autodiff.

use burn::module::Param;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2dConfig;
use burn::nn::{LayerNormConfig, Linear, LinearConfig};
use burn::tensor::{Device, Distribution, Tensor, TensorData};
use dforce_kernels::{
    GroupNormSpec, composed_attention, composed_group_norm_silu, conv2d, fused, group_norm_silu,
    linear, packed_attention, residual_layer_norm,
};

fn device() -> Device {
    Device::flex().autodiff()
}

fn random<const D: usize>(dims: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::random(dims, Distribution::Normal(0.0, 1.0), device)
}

fn values<const D: usize>(t: &Tensor<D>) -> Vec<f32> {
    t.clone().inner().into_data().try_to_vec::<f32>().unwrap()
}

#[track_caller]
fn assert_close(what: &str, got: &[f32], want: &[f32], tol: f32) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let scale = want.iter().fold(1.0f32, |m, v| m.max(v.abs()));
    let worst = got
        .iter()
        .zip(want)
        .map(|(g, w)| (g - w).abs())
        .fold(0.0f32, f32::max);
    assert!(
        worst <= tol * scale,
        "{what}: max abs difference {worst} (scale {scale}, tolerance {tol})"
    );
}

fn grad<const D: usize>(t: &Tensor<D>, grads: &burn::tensor::Gradients) -> Vec<f32> {
    t.grad(grads)
        .expect("gradient")
        .into_data()
        .try_to_vec::<f32>()
        .unwrap()
}

/// Loss weights make every output element's gradient different.
fn weighted_sum<const D: usize>(y: Tensor<D>, w: &Tensor<D>) -> Tensor<1> {
    (y * w.clone()).sum()
}

fn linear_layer(k: usize, n: usize, device: &Device) -> Linear {
    LinearConfig::new(k, n).init(device)
}

#[test]
fn the_cpu_autodiff_device_takes_the_fused_path() {
    assert!(fused(&device(), burn::tensor::DType::F32));
    assert!(fused(&Device::flex(), burn::tensor::DType::F32));
    assert!(!fused(&device(), burn::tensor::DType::F64));
}

#[test]
fn linear_matches_burn_with_and_without_relu() {
    let device = device();
    for &(dims, k, n) in &[
        ([7usize, 5, 16], 16usize, 24usize),
        ([61, 64, 128], 128, 384),
    ] {
        for relu in [false, true] {
            let layer = linear_layer(k, n, &device);
            let x = random(dims, &device).require_grad();
            let w = random([dims[0], dims[1], n], &device);
            let fused_y = linear(x.clone(), &layer, relu);
            let mut plain_y = layer.forward(x.clone());
            if relu {
                plain_y = burn::tensor::activation::relu(plain_y);
            }
            assert_close("output", &values(&fused_y), &values(&plain_y), 1e-5);
            let g_fused = weighted_sum(fused_y, &w).backward();
            let g_plain = weighted_sum(plain_y, &w).backward();
            let bias = layer.bias.as_ref().unwrap().val();
            let weight = layer.weight.val();
            assert_close("dx", &grad(&x, &g_fused), &grad(&x, &g_plain), 1e-5);
            assert_close(
                "dW",
                &grad(&weight, &g_fused),
                &grad(&weight, &g_plain),
                1e-5,
            );
            assert_close("db", &grad(&bias, &g_fused), &grad(&bias, &g_plain), 1e-5);
        }
    }
}

#[test]
fn attention_matches_burn_causal_and_not() {
    let device = device();
    for &(n, b, s, heads) in &[
        (5usize, 3usize, 8usize, 2usize),
        (61, 4, 128, 4),
        (1, 2, 4, 1),
    ] {
        for causal in [true, false] {
            let qkv = random([n, b, 3 * s], &device).require_grad();
            let w = random([n, b, s], &device);
            let fused_y = packed_attention(qkv.clone(), heads, causal);
            let plain_y = composed_attention(qkv.clone(), heads, causal);
            assert_close("output", &values(&fused_y), &values(&plain_y), 1e-5);
            let g_fused = weighted_sum(fused_y, &w).backward();
            let g_plain = weighted_sum(plain_y, &w).backward();
            assert_close("dqkv", &grad(&qkv, &g_fused), &grad(&qkv, &g_plain), 1e-5);
        }
    }
}

#[test]
fn conv2d_matches_burn_for_every_kernel_size() {
    let device = device();
    for &(n, c, o, h, w, k) in &[
        (2usize, 3usize, 5usize, 6usize, 7usize, 3usize),
        (3, 4, 2, 5, 4, 1),
        (1, 2, 3, 9, 8, 5),
        (2, 16, 8, 16, 16, 3),
    ] {
        let p = k / 2;
        let conv = Conv2dConfig::new([c, o], [k, k])
            .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
            .init(&device);
        let x = random([n, c, h, w], &device).require_grad();
        let wt = random([n, o, h, w], &device);
        let fused_y = conv2d(x.clone(), &conv);
        let plain_y = conv.forward(x.clone());
        assert_close("output", &values(&fused_y), &values(&plain_y), 1e-5);
        let g_fused = weighted_sum(fused_y, &wt).backward();
        let g_plain = weighted_sum(plain_y, &wt).backward();
        let weight = conv.weight.val();
        let bias = conv.bias.as_ref().unwrap().val();
        assert_close("dx", &grad(&x, &g_fused), &grad(&x, &g_plain), 1e-5);
        assert_close(
            "dW",
            &grad(&weight, &g_fused),
            &grad(&weight, &g_plain),
            1e-5,
        );
        assert_close("db", &grad(&bias, &g_fused), &grad(&bias, &g_plain), 1e-5);
    }
}

#[test]
fn residual_layer_norm_matches_burn() {
    let device = device();
    for &(dims, s) in &[([3usize, 5usize, 8usize], 8usize), ([61, 64, 128], 128)] {
        let mut norm = LayerNormConfig::new(s).with_epsilon(1e-5).init(&device);
        // Non-trivial affine parameters.
        norm.gamma = Param::from_tensor(random([s], &device) + 1.0);
        norm.beta = Some(Param::from_tensor(random([s], &device)));
        let a = random(dims, &device).require_grad();
        let b = (random(dims, &device) * 3.0 + 1.0).require_grad();
        let w = random(dims, &device);
        let fused_y = residual_layer_norm(a.clone(), b.clone(), &norm, 1e-5);
        let plain_y = norm.forward(a.clone() + b.clone());
        assert_close("output", &values(&fused_y), &values(&plain_y), 1e-5);
        let g_fused = weighted_sum(fused_y, &w).backward();
        let g_plain = weighted_sum(plain_y, &w).backward();
        let gamma = norm.gamma.val();
        let beta = norm.beta.as_ref().unwrap().val();
        assert_close("da", &grad(&a, &g_fused), &grad(&a, &g_plain), 1e-5);
        assert_close("db", &grad(&b, &g_fused), &grad(&b, &g_plain), 1e-5);
        assert_close(
            "dgamma",
            &grad(&gamma, &g_fused),
            &grad(&gamma, &g_plain),
            1e-5,
        );
        assert_close(
            "dbeta",
            &grad(&beta, &g_fused),
            &grad(&beta, &g_plain),
            1e-5,
        );
    }
}

#[test]
fn group_norm_silu_matches_burn_pooled_and_per_frame_with_and_without_film() {
    let device = device();
    // (frames, clips, channels, groups, H, W)
    for &(n, b, c, g, h, w) in &[
        (3usize, 2usize, 8usize, 4usize, 5usize, 6usize),
        (4, 1, 16, 8, 8, 8),
        (1, 3, 6, 2, 3, 1),
    ] {
        for pooled in [true, false] {
            for with_film in [true, false] {
                let spec = GroupNormSpec {
                    groups: g,
                    eps: 1e-6,
                    frames: n,
                    pooled,
                };
                // An offset mean and a spread that differs per channel.
                let x = (random([n * b, c, h, w], &device) * 2.0 + 3.0).require_grad();
                let gamma = (random([c], &device) + 1.0).require_grad();
                let beta = random([c], &device).require_grad();
                let film =
                    with_film.then(|| (random([n * b, 2 * c], &device) * 0.5).require_grad());
                let wt = random([n * b, c, h, w], &device);
                let run = |f: fn(_, _, _, _, _) -> Tensor<4>| {
                    f(x.clone(), gamma.clone(), beta.clone(), film.clone(), spec)
                };
                let fused_y = run(group_norm_silu);
                let plain_y = run(composed_group_norm_silu);
                let what = format!("n={n} b={b} c={c} g={g} pooled={pooled} film={with_film}");
                assert_close(&what, &values(&fused_y), &values(&plain_y), 2e-6);
                let g_fused = weighted_sum(fused_y, &wt).backward();
                let g_plain = weighted_sum(plain_y, &wt).backward();
                let (got, want) = (grad(&x, &g_fused), grad(&x, &g_plain));
                assert_close(&format!("{what} dx"), &got, &want, 1e-5);
                for (name, t) in [("dgamma", &gamma), ("dbeta", &beta)] {
                    let (got, want) = (grad(t, &g_fused), grad(t, &g_plain));
                    assert_close(&format!("{what} {name}"), &got, &want, 1e-5);
                }
                if let Some(f) = &film {
                    let (got, want) = (grad(f, &g_fused), grad(f, &g_plain));
                    assert_close(&format!("{what} dfilm"), &got, &want, 1e-5);
                }
            }
        }
    }
}

#[test]
fn plain_devices_run_the_forward_kernels() {
    let device = Device::flex();
    let qkv = Tensor::<3>::from_data(
        TensorData::new(
            (0..2 * 3 * 12).map(|i| (i as f32 * 0.37).sin()).collect(),
            [2, 3, 12],
        ),
        &device,
    );
    let fused_y = packed_attention(qkv.clone(), 2, true);
    let plain_y = composed_attention(qkv, 2, true);
    assert_close("output", &values(&fused_y), &values(&plain_y), 1e-6);
    let x = random([6, 4, 3, 3], &device);
    let (gamma, beta, film) = (
        random([4], &device),
        random([4], &device),
        random([6, 8], &device),
    );
    let spec = GroupNormSpec {
        groups: 2,
        eps: 1e-6,
        frames: 3,
        pooled: true,
    };
    let args = (x, gamma, beta, Some(film));
    let fused_y = group_norm_silu(
        args.0.clone(),
        args.1.clone(),
        args.2.clone(),
        args.3.clone(),
        spec,
    );
    let plain_y = composed_group_norm_silu(args.0, args.1, args.2, args.3, spec);
    assert_close("group norm", &values(&fused_y), &values(&plain_y), 2e-6);
}
