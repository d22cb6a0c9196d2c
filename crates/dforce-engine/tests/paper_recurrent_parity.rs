//! Parity of the recurrent transition model with the paper branch's own code, data-driven from
//! `tests/fixtures/paper/manifest.json` (or `DFORCE_PAPER_FIXTURES`): every `model_*` file is
//! built from its `effective_algorithm_config`, loaded by state_dict name, and checked on one
//! network call, single training calls (random, deterministic and cumulative-SNR levels), DDIM
//! steps, a full training step with the gradients of BPTT, and the forecasting loop with
//! every draw replayed.

use std::path::Path;

use burn::module::Param;
use burn::tensor::{Device, Tensor, TensorData};
use dforce_core::{BetaSchedule, Objective, ReplayNoise};
use dforce_engine::forecasting::{
    ForecastLayout, ForecastModel, ForecastShape, TrainingDraw, TrainingLevels,
    TransitionDiffusion, TransitionDiffusionConfig, TransitionNet, forecast,
};
use dforce_engine::trainer::TrainableModel;
use dforce_fixtures::{Array, TensorFile, Tolerance, paper_dir, read_json};
use dforce_nn::{ParamVisitor, StateDict, TransitionMlpConfig};
use dforce_timeseries_data::metrics::{SampleShape, crps_quantile_sum, paper_quantiles};
use serde_json::Value;

fn device() -> Device {
    Device::default()
}

fn tol(v: &Value) -> Tolerance {
    Tolerance {
        rtol: v["rtol"].as_f64().expect("rtol"),
        atol: v["atol"].as_f64().expect("atol"),
    }
}

fn t2(a: &Array<f32>, dev: &Device) -> Tensor<2> {
    Tensor::from_data(
        TensorData::new(a.data.clone(), [a.shape[0], a.shape[1]]),
        dev,
    )
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .expect("f32")
}

/// The model of one fixture file, built from its effective config and loaded from its
/// state_dict tensors.
fn build(dir: &Path, name: &str, entry: &Value, dev: &Device) -> (ForecastModel, TensorFile) {
    let cfg = &entry["effective_algorithm_config"];
    let diff = &cfg["diffusion"];
    let int = |v: &Value| v.as_u64().expect("int") as usize;
    let x_dim = int(&cfg["x_shape"][0]);
    let z_dim = int(&cfg["z_shape"][0]);
    let cond_dim = int(&cfg["external_cond_dim(effective)"]);
    let net_cfg = TransitionMlpConfig {
        z_dim,
        x_dim,
        external_cond_dim: cond_dim,
        network_size: int(&diff["network_size"]),
        num_gru_layers: int(&diff["num_gru_layers"]),
        num_mlp_layers: int(&diff["num_mlp_layers"]),
    };
    let frame_stack = cfg["frame_stack"].as_i64().expect("frame_stack") as i32;
    let diffusion = TransitionDiffusion::new(&TransitionDiffusionConfig {
        schedule: BetaSchedule::from_name(diff["beta_schedule"].as_str().unwrap()).unwrap(),
        objective: Objective::from_name(diff["objective"].as_str().unwrap()).unwrap(),
        timesteps: int(&diff["timesteps"]),
        sampling_timesteps: int(&diff["sampling_timesteps"]),
        eta: diff["ddim_sampling_eta"].as_f64().unwrap(),
        clip_noise: diff["clip_noise"].as_f64().unwrap(),
        use_snr: diff["use_snr"].as_bool().unwrap(),
        use_cum_snr: diff["use_cum_snr"].as_bool().unwrap(),
        snr_clip: diff["snr_clip"].as_f64().unwrap(),
        cum_snr_decay: diff["cum_snr_decay"].as_f64().unwrap().powi(frame_stack),
        p2_loss_weight_gamma: diff["p2_loss_weight_gamma"].as_f64().unwrap(),
        p2_loss_weight_k: diff["p2_loss_weight_k"].as_f64().unwrap(),
    })
    .expect("diffusion");
    let pred = entry["sections"]["sample"]["context_tokens"]
        .as_u64()
        .unwrap() as usize;
    let mut model = ForecastModel {
        layout: ForecastLayout {
            x_dim,
            z_dim,
            external_cond_dim: cond_dim,
            context_tokens: int(&cfg["context_frames"]),
            prediction_tokens: pred,
            mean: vec![0.0; x_dim],
            std: vec![1.0; x_dim],
        },
        diffusion,
        net: TransitionNet::init(&net_cfg, dev).expect("network"),
        embed: vec![0.0; x_dim],
        context: None,
    };
    let sd = StateDict::from_safetensors(&dir.join(name)).expect("state dict");
    model.load_weights(&sd, dev).expect("weights load strictly");
    (model, TensorFile::open(dir, name).expect("fixture"))
}

fn model_files() -> Vec<(std::path::PathBuf, String, Value)> {
    let dir = paper_dir().expect("paper fixtures");
    let manifest = read_json(&dir, "manifest.json").expect("manifest");
    let files: Vec<_> = manifest["files"]
        .as_object()
        .expect("files")
        .iter()
        .filter(|(k, _)| k.starts_with("model_"))
        .map(|(k, v)| (dir.clone(), k.clone(), v.clone()))
        .collect();
    assert!(!files.is_empty(), "the manifest lists no model_* file");
    files
}

fn cond(f: &TensorFile, prefix: &str, dev: &Device) -> Option<Tensor<2>> {
    let key = format!("{prefix}.cond");
    f.contains(&key).then(|| t2(&f.f32(&key).unwrap(), dev))
}

#[test]
fn parity_network_call_and_single_training_calls_match() {
    let dev = device();
    for (dir, name, entry) in model_files() {
        let (model, f) = build(&dir, &name, &entry, &dev);
        let default = tol(&entry["tolerance"]["default"]);
        let check = |what: &str, got: Tensor<2>, key: &str| {
            default
                .check(
                    &format!("{name} {what}"),
                    &values(got),
                    &f.f32(key).unwrap().data,
                )
                .unwrap();
        };
        // One network call.
        let k = f.i64("net.k").unwrap().data;
        let [noise, x0, z_next, out] = model
            .diffusion
            .model_predictions(
                &model.net,
                t2(&f.f32("net.x").unwrap(), &dev),
                &k,
                t2(&f.f32("net.z").unwrap(), &dev),
                cond(&f, "net", &dev),
            )
            .unwrap();
        check("net.z_next", z_next, "net.z_next");
        check("net.out", out, "net.out");
        check("net.pred_noise", noise, "net.pred_noise");
        check("net.pred_x_start", x0, "net.pred_x_start");

        // Training forward at injected levels, without and with a previous cumulative SNR.
        for case in ["train1", "train1_cum"] {
            let k = f.i64(&format!("{case}.k")).unwrap().data;
            let cum = f
                .contains(&format!("{case}.cum_snr"))
                .then(|| f.f32(&format!("{case}.cum_snr")).unwrap().data);
            let o = model
                .diffusion
                .training_step(
                    &model.net,
                    t2(&f.f32(&format!("{case}.z")).unwrap(), &dev),
                    t2(&f.f32(&format!("{case}.x")).unwrap(), &dev),
                    cond(&f, case, &dev),
                    TrainingDraw {
                        levels: &k,
                        noise: t2(&f.f32(&format!("{case}.noise")).unwrap(), &dev),
                    },
                    cum.as_deref(),
                )
                .unwrap();
            check(
                &format!("{case}.z_next"),
                o.z_next,
                &format!("{case}.z_next"),
            );
            check(
                &format!("{case}.x_pred"),
                o.x_start,
                &format!("{case}.x_pred"),
            );
            check(&format!("{case}.loss"), o.loss, &format!("{case}.loss"));
            default
                .check(
                    &format!("{name} {case}.cum_snr_next"),
                    &o.cum_snr,
                    &f.f32(&format!("{case}.cum_snr_next")).unwrap().data,
                )
                .unwrap();
        }

        // `deterministic_t` as int, negative int and float (round half to even).
        let det = &entry["sections"]["train_det"];
        for (case, given) in det["cases"].as_object().unwrap() {
            let key = format!("train_det.{case}");
            if !f.contains(&format!("{key}.loss")) {
                continue;
            }
            let levels = if given.is_f64() && given.to_string().contains('.') {
                TrainingLevels::Fraction(given.as_f64().unwrap())
            } else {
                TrainingLevels::Fixed(given.as_i64().unwrap())
            };
            let x = f.f32("train_det.x").unwrap();
            let k = model.diffusion.resolve_levels(&levels, x.shape[0]).unwrap();
            assert_eq!(k[0], det["levels"][case].as_i64().unwrap(), "{name} {case}");
            let o = model
                .diffusion
                .training_step(
                    &model.net,
                    t2(&f.f32("train_det.z").unwrap(), &dev),
                    t2(&x, &dev),
                    cond(&f, "train_det", &dev),
                    TrainingDraw {
                        levels: &k,
                        noise: t2(&f.f32(&format!("{key}.noise")).unwrap(), &dev),
                    },
                    None,
                )
                .unwrap();
            check(&format!("{key}.z_next"), o.z_next, &format!("{key}.z_next"));
            check(
                &format!("{key}.x_pred"),
                o.x_start,
                &format!("{key}.x_pred"),
            );
            check(&format!("{key}.loss"), o.loss, &format!("{key}.loss"));
        }
    }
}

#[test]
fn parity_ddim_steps_match_including_the_clamp_and_the_last_index() {
    let dev = device();
    for (dir, name, entry) in model_files() {
        let (model, f) = build(&dir, &name, &entry, &dev);
        let ddim = &entry["sections"]["ddim"];
        for case in ddim["cases"].as_array().unwrap() {
            let c = case["case"].as_str().unwrap();
            let index = case["index"].as_u64().unwrap() as usize;
            let (tau, tau_next) = model.diffusion.ddim_pair(index).unwrap();
            assert_eq!(tau, case["tau"].as_i64().unwrap(), "{name} {c} tau");
            assert_eq!(
                tau_next,
                case["tau_next"].as_i64().unwrap(),
                "{name} {c} tau_next"
            );
            let x = f.f32(&format!("{c}.x")).unwrap();
            let mut noise = ReplayNoise::new();
            if let Ok(n) = f.f32(&format!("{c}.noise")) {
                noise.push(n.shape.clone(), n.data.clone());
            } else if tau_next >= 0 {
                noise.push(x.shape.clone(), vec![0.0; x.data.len()]);
            }
            let o = model
                .diffusion
                .ddim_step(
                    &model.net,
                    t2(&x, &dev),
                    t2(&f.f32(&format!("{c}.z")).unwrap(), &dev),
                    cond(&f, c, &dev),
                    index,
                    &mut noise,
                )
                .unwrap();
            assert_eq!(
                noise.remaining(),
                0,
                "{name} {c}: the draw was not consumed"
            );
            let t = tol(&case["tolerance"]);
            for (what, got) in [("x_out", o.x), ("z_out", o.z), ("x_start", o.x_start)] {
                t.check(
                    &format!("{name} {c}.{what}"),
                    &values(got),
                    &f.f32(&format!("{c}.{what}")).unwrap().data,
                )
                .unwrap();
            }
            t.check(
                &format!("{name} {c}.guidance_const"),
                &[o.guidance_const],
                &f.f32(&format!("{c}.guidance_const")).unwrap().data,
            )
            .unwrap();
        }
    }
}

/// Collects `d loss / d param` under the reference's names (PyTorch layout).
struct Grads<'a> {
    grads: &'a burn::tensor::Gradients,
    out: Vec<(String, Vec<f32>)>,
}

impl ParamVisitor for Grads<'_> {
    fn param<const D: usize>(&mut self, param: &mut Param<Tensor<D>>, name: &str) {
        let g = param.val().grad(self.grads).expect("gradient");
        self.out.push((name.to_string(), values(g)));
    }
    fn param_transposed(&mut self, param: &mut Param<Tensor<2>>, name: &str) {
        let g: Tensor<2> = param.val().grad(self.grads).expect("gradient");
        self.out.push((name.to_string(), values(g.transpose())));
    }
}

#[test]
fn parity_a_training_step_matches_with_the_gradients_of_full_bptt() {
    let dev = device().autodiff();
    for (dir, name, entry) in model_files() {
        let (mut model, f) = build(&dir, &name, &entry, &dev);
        let obs = f.f32("train.observations").unwrap();
        let (b, t_len, d) = (obs.shape[0], obs.shape[1], obs.shape[2]);
        let xs = model.layout.normalized_tokens(&obs.data, b, &dev);
        let cond = (model.layout.external_cond_dim > 0).then(|| {
            model
                .layout
                .token_conditions(&f.f32("train.covariates").unwrap().data, b, &dev)
        });
        let k = f.i64("train.k").unwrap().data;
        let noise = f.f32("train.noise").unwrap().data;
        let levels: Vec<Vec<i64>> = (0..t_len).map(|t| k[t * b..(t + 1) * b].to_vec()).collect();
        let noises: Vec<Tensor<2>> = (0..t_len)
            .map(|t| {
                Tensor::from_data(
                    TensorData::new(noise[t * b * d..(t + 1) * b * d].to_vec(), [b, d]),
                    &dev,
                )
            })
            .collect();
        let out = model
            .sequence_loss(xs, cond.as_deref(), &levels, noises)
            .unwrap();
        let t = tol(&entry["tolerance"]["train"]);
        t.check(
            &format!("{name} train.loss"),
            &values(out.loss.clone()),
            &f.f32("train.loss").unwrap().data,
        )
        .unwrap();
        let mean = Tensor::<1>::from_data(TensorData::new(model.layout.mean.clone(), [d]), &dev);
        let std = Tensor::<1>::from_data(TensorData::new(model.layout.std.clone(), [d]), &dev);
        let pred = out.xs_pred.clone() * std.reshape([1, 1, d]) + mean.reshape([1, 1, d]);
        t.check(
            &format!("{name} train.xs_pred"),
            &values(pred),
            &f.f32("train.xs_pred").unwrap().data,
        )
        .unwrap();
        let grads = out.loss.backward();
        let mut g = Grads {
            grads: &grads,
            out: Vec::new(),
        };
        model.visit_params(&mut g);
        let gt = tol(&entry["tolerance"]["train.grad"]);
        // `embed.weight` gets a gradient through the covariates but is never optimised (the
        // branch's configure_optimizers leaves it out); dforce builds covariates outside the
        // graph, so every optimised parameter is compared and only that one is left out.
        let expected: Vec<&str> = f
            .keys()
            .filter(|k| k.starts_with("train.grad.") && *k != "train.grad.embed.weight")
            .collect();
        assert_eq!(
            expected.len(),
            g.out.len(),
            "{name}: one gradient per parameter"
        );
        for (param, got) in &g.out {
            gt.check(
                &format!("{name} grad {param}"),
                got,
                &f.f32(&format!("train.grad.{param}")).unwrap().data,
            )
            .unwrap();
        }
    }
}

/// The reference's draws in call order, zeros where it drew but did not store (η = 0).
fn replay(f: &TensorFile, prefix: &str) -> ReplayNoise {
    let kinds = f.i64(&format!("{prefix}.draw_kind")).unwrap().data;
    let stored = f.i64(&format!("{prefix}.draw_stored")).unwrap().data;
    let draws = f.f32(&format!("{prefix}.draws")).unwrap();
    let per = draws.shape[1] * draws.shape[2];
    let mut noise = ReplayNoise::new();
    let mut next = 0;
    for (i, _) in kinds.iter().enumerate() {
        let shape = vec![draws.shape[1], draws.shape[2]];
        if stored[i] == 1 {
            noise.push(shape, draws.data[next * per..(next + 1) * per].to_vec());
            next += 1;
        } else {
            noise.push(shape, vec![0.0; per]);
        }
    }
    noise
}

/// Runs the reference's forecasting loop on `(B, T, D)` raw observations (and covariates),
/// returning `(T, B, D)` unnormalised tokens.
fn run_forecast(
    model: &ForecastModel,
    entry: &Value,
    obs: &Array<f32>,
    covariates: Option<&Array<f32>>,
    noise: &mut ReplayNoise,
    dev: &Device,
) -> Vec<f32> {
    let (b, t_len, d) = (obs.shape[0], obs.shape[1], obs.shape[2]);
    let xs = model.layout.normalized_tokens(&obs.data, b, dev);
    let ctx = model.layout.context_tokens;
    let cond = covariates.map(|c| model.layout.token_conditions(&c.data, b, dev));
    let chunk = entry["effective_algorithm_config"]["chunk_size"]
        .as_i64()
        .unwrap();
    let shape = ForecastShape {
        context_tokens: ctx,
        total_tokens: t_len,
        chunk_size: (chunk > 0).then_some(chunk as usize),
        uncertainty_scale: entry["effective_algorithm_config"]["uncertainty_scale"]
            .as_f64()
            .unwrap(),
    };
    let all = cond.clone();
    let mut conditions = move |t: usize, _: &[Tensor<2>]| Ok(all.as_ref().map(|c| c[t].clone()));
    let out = forecast(
        &model.diffusion,
        &model.net,
        xs.slice_dim(0, 0..ctx),
        cond.as_deref().map(|c| &c[..ctx]),
        shape,
        &mut conditions,
        noise,
    )
    .unwrap();
    let mut v = values(out);
    for (i, x) in v.iter_mut().enumerate() {
        let c = i % d;
        *x = *x * model.layout.std[c] + model.layout.mean[c];
    }
    v
}

#[test]
fn parity_the_forecasting_loop_matches_with_every_draw_replayed() {
    let dev = device();
    for (dir, name, entry) in model_files() {
        let (model, f) = build(&dir, &name, &entry, &dev);
        let obs = f.f32("sample.observations").unwrap();
        let cov = (model.layout.external_cond_dim > 0).then(|| f.f32("sample.covariates").unwrap());
        let mut noise = replay(&f, "sample");
        let got = run_forecast(&model, &entry, &obs, cov.as_ref(), &mut noise, &dev);
        assert_eq!(
            noise.remaining(),
            0,
            "{name}: every reference draw is consumed"
        );
        tol(&entry["tolerance"]["sample"])
            .check(
                &format!("{name} sample.xs_pred"),
                &got,
                &f.f32("sample.xs_pred").unwrap().data,
            )
            .unwrap();
    }
}

#[test]
fn parity_crps_sample_replication_matches_the_reference_rows() {
    let dev = device();
    let mut checked = 0;
    for (dir, name, entry) in model_files() {
        let Some(crps) = entry["sections"].get("crps") else {
            continue;
        };
        let (model, f) = build(&dir, &name, &entry, &dev);
        let rows = crps["rows"].as_u64().unwrap() as usize;
        let n = crps["calc_crps_sum"].as_u64().unwrap() as usize;
        // The one window (B = 1) of crps.batch, replicated n × n times.
        let window = f.f32("sample.observations").unwrap();
        let (t_len, d) = (window.shape[1], window.shape[2]);
        let one = &window.data[..t_len * d];
        let obs = Array {
            shape: vec![rows, t_len, d],
            data: one.repeat(rows),
        };
        let cov = (model.layout.external_cond_dim > 0).then(|| {
            let c = f.f32("sample.covariates").unwrap();
            let e = c.shape[2];
            Array {
                shape: vec![rows, t_len, e],
                data: c.data[..t_len * e].repeat(rows),
            }
        });
        let mut noise = replay(&f, "crps");
        let got = run_forecast(&model, &entry, &obs, cov.as_ref(), &mut noise, &dev);
        assert_eq!(
            noise.remaining(),
            0,
            "{name}: every reference draw is consumed"
        );
        let t = tol(&entry["tolerance"]["crps"]);
        t.check(
            &format!("{name} crps.xs_pred"),
            &got,
            &f.f32("crps.xs_pred").unwrap().data,
        )
        .unwrap();
        // samples (n, T − ctx, n·B, D): row r = outer·(n·B) + inner.
        let ctx = model.layout.context_tokens;
        let inner = rows / n;
        let mut samples = Vec::with_capacity(n * (t_len - ctx) * inner * d);
        for outer in 0..n {
            for tt in ctx..t_len {
                for i in 0..inner {
                    let r = outer * inner + i;
                    samples.extend_from_slice(&got[(tt * rows + r) * d..(tt * rows + r + 1) * d]);
                }
            }
        }
        t.check(
            &format!("{name} crps.samples"),
            &samples,
            &f.f32("crps.samples").unwrap().data,
        )
        .unwrap();
        // CRPS-sum as the branch computes it on exactly these samples.
        let truth = f.f32("crps.truth").unwrap();
        let shape = SampleShape {
            samples: n,
            steps: t_len - ctx,
            windows: inner,
            dim: d,
        };
        let got = crps_quantile_sum(&samples, &truth.data, shape, &paper_quantiles()).unwrap();
        let want = f.f32("crps.crps_sum").unwrap().data[0] as f64;
        let rtol = crps["tolerance"]["crps_sum_rtol"]
            .as_f64()
            .or_else(|| entry["tolerance"]["crps"]["crps_sum_rtol"].as_f64())
            .unwrap();
        assert!(
            (got - want).abs() <= rtol * want.abs(),
            "{name} crps_sum {got} vs the reference's {want}"
        );
        checked += 1;
    }
    assert!(checked > 0, "no model file has a crps section");
}
