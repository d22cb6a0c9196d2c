//! The constraint solve of MuJoCo's forward dynamics for a handful of soft contact rows.
//!
//! MuJoCo (Newton solver, the default) minimises over the joint acceleration `x`
//!
//! ```text
//! f(x) = ½ (x − a0)ᵀ M (x − a0) + Σᵢ ½ Dᵢ · min(0, Jᵢ x − arefᵢ)²
//! ```
//!
//! where `a0 = M⁻¹ qfrc_smooth`. The cost is strictly convex and piecewise quadratic, so its
//! minimiser is unique and every converged solver (PGS, CG, Newton) returns it. We run Newton
//! with an *exact* line search on the piecewise-quadratic 1-D restriction; it terminates at the
//! exact minimiser once the active set stops changing (usually 1–2 iterations). The result is
//! returned as `qfrc_constraint = M (x − a0)`.

use super::soft_constraint::SoftRow;

/// Most rows the solver accepts: the ball touches at most a 3×3 block of wall boxes.
pub const MAX_ROWS: usize = 9;

/// Solves for the constraint force on the two dofs. `mass` is the diagonal of `M`.
pub fn solve(mass: [f64; 2], a0: [f64; 2], rows: &[SoftRow]) -> [f64; 2] {
    debug_assert!(rows.len() <= MAX_ROWS);
    if rows.is_empty() {
        return [0.0, 0.0];
    }
    let mut x = a0;
    for _ in 0..64 {
        // Gradient and Hessian at x with the rows active where J x < aref.
        let mut g = [mass[0] * (x[0] - a0[0]), mass[1] * (x[1] - a0[1])];
        let mut h = [[mass[0], 0.0], [0.0, mass[1]]];
        for r in rows {
            let jar = r.jac[0] * x[0] + r.jac[1] * x[1] - r.aref;
            if jar < 0.0 {
                g[0] += r.d * r.jac[0] * jar;
                g[1] += r.d * r.jac[1] * jar;
                h[0][0] += r.d * r.jac[0] * r.jac[0];
                h[0][1] += r.d * r.jac[0] * r.jac[1];
                h[1][1] += r.d * r.jac[1] * r.jac[1];
            }
        }
        h[1][0] = h[0][1];
        let scale = mass[0].max(mass[1]) * (1.0 + x[0].abs() + x[1].abs());
        if g[0].abs() + g[1].abs() <= 1e-13 * scale {
            break;
        }
        let det = h[0][0] * h[1][1] - h[0][1] * h[1][0];
        let dir = [
            -(h[1][1] * g[0] - h[0][1] * g[1]) / det,
            -(-h[1][0] * g[0] + h[0][0] * g[1]) / det,
        ];
        let alpha = exact_line_search(mass, a0, rows, x, dir);
        if alpha <= 0.0 || !alpha.is_finite() {
            break;
        }
        let step = [alpha * dir[0], alpha * dir[1]];
        x[0] += step[0];
        x[1] += step[1];
        if step[0].abs() + step[1].abs() <= 1e-15 * (1.0 + x[0].abs() + x[1].abs()) {
            break;
        }
    }
    [mass[0] * (x[0] - a0[0]), mass[1] * (x[1] - a0[1])]
}

/// Minimises `α ↦ f(x + α·dir)` for `α ≥ 0`. Its derivative is continuous, non-decreasing and
/// piecewise linear with a kink where a row enters or leaves the active set, so we walk the
/// kinks in order and solve the linear piece that brackets the root.
fn exact_line_search(
    mass: [f64; 2],
    a0: [f64; 2],
    rows: &[SoftRow],
    x: [f64; 2],
    dir: [f64; 2],
) -> f64 {
    // Per row: jar(α) = p + α q.
    let mut kinks = [f64::INFINITY; MAX_ROWS];
    let mut n_kinks = 0;
    for r in rows {
        let p = r.jac[0] * x[0] + r.jac[1] * x[1] - r.aref;
        let q = r.jac[0] * dir[0] + r.jac[1] * dir[1];
        if q != 0.0 {
            let k = -p / q;
            if k > 0.0 {
                kinks[n_kinks] = k;
                n_kinks += 1;
            }
        }
    }
    kinks[..n_kinks].sort_by(f64::total_cmp);
    // Derivative of the smooth part: c0 + c1 α.
    let c0_smooth = mass[0] * dir[0] * (x[0] - a0[0]) + mass[1] * dir[1] * (x[1] - a0[1]);
    let c1_smooth = mass[0] * dir[0] * dir[0] + mass[1] * dir[1] * dir[1];
    let mut lo = 0.0;
    for hi in kinks[..n_kinks].iter().copied().chain([f64::INFINITY]) {
        // Active rows on (lo, hi): evaluate at the midpoint (or lo + 1 on the last piece).
        let probe = if hi.is_finite() {
            0.5 * (lo + hi)
        } else {
            lo + 1.0
        };
        let (mut c0, mut c1) = (c0_smooth, c1_smooth);
        for r in rows {
            let p = r.jac[0] * x[0] + r.jac[1] * x[1] - r.aref;
            let q = r.jac[0] * dir[0] + r.jac[1] * dir[1];
            if p + probe * q < 0.0 {
                c0 += r.d * q * p;
                c1 += r.d * q * q;
            }
        }
        if c1 > 0.0 {
            let root = -c0 / c1;
            if root <= hi {
                return root.max(lo);
            }
        }
        lo = hi;
    }
    lo
}
