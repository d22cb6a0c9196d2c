//! MuJoCo's soft-constraint parameters for one frictionless contact row: impedance
//! (`getimpedance`), regulariser `R`, stiffness/damping `K`, `B` and the reference acceleration
//! `aref` (`mj_makeImpedance`, `mj_referenceConstraint` in `engine_core_constraint.c`).
//!
//! The wall contacts of the point maze are frictionless (`condim="1"` in the model's defaults),
//! so each contact is one scalar row whose force must be non-negative.

use super::model::{MJ_MINVAL, SOLIMP, SOLREF, TIMESTEP};

/// One constraint row as the solver sees it: `J`, the reference acceleration and `D = 1/R`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SoftRow {
    /// Constraint Jacobian (1×2 over the two slide dofs).
    pub jac: [f64; 2],
    /// Reference acceleration `aref = −B·(J·v) − K·imp·(pos − margin)`.
    pub aref: f64,
    /// Inverse regulariser `1/R`; the row's cost is `½·D·min(0, J·qacc − aref)²`.
    pub d: f64,
}

/// Impedance `imp(pos)` from `solimp`, as MuJoCo's `getimpedance` (without the derivative).
pub fn impedance(solimp: &[f64; 5], pos: f64, margin: f64) -> f64 {
    let [dmin, dmax, width, mid, power] = *solimp;
    if dmin == dmax || width <= MJ_MINVAL {
        return 0.5 * (dmin + dmax);
    }
    let x = ((pos - margin) / width).abs();
    if x >= 1.0 {
        return dmax;
    }
    if x <= 0.0 {
        return dmin;
    }
    let y = if power == 1.0 {
        x
    } else if x <= mid {
        x.powf(power) / mid.powf(power - 1.0)
    } else {
        1.0 - (1.0 - x).powf(power) / (1.0 - mid).powf(power - 1.0)
    };
    dmin + y * (dmax - dmin)
}

/// Builds the row for a contact with Jacobian `jac`, signed distance `pos`, contact margin
/// `margin`, current constraint velocity `vel = J·qvel` and approximate inverse inertia
/// `diag_approx` (MuJoCo's `efc_diagApprox`, `1/mass` for the ball against a static wall).
pub fn contact_row(jac: [f64; 2], pos: f64, margin: f64, vel: f64, diag_approx: f64) -> SoftRow {
    let solimp = SOLIMP;
    let imp = impedance(&solimp, pos, margin);
    let r = MJ_MINVAL.max((1.0 - imp) * diag_approx / imp);
    // Reference safety: the time constant is at least two timesteps.
    let timeconst = SOLREF[0].max(2.0 * TIMESTEP);
    let dampratio = SOLREF[1];
    let dmax = solimp[1];
    let k = 1.0 / MJ_MINVAL.max(dmax * dmax * timeconst * timeconst * dampratio * dampratio);
    let b = 2.0 / MJ_MINVAL.max(dmax * timeconst);
    let aref = -b * vel - k * imp * (pos - margin);
    SoftRow {
        jac,
        aref,
        d: 1.0 / r,
    }
}
