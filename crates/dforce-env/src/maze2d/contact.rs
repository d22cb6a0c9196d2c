//! Sphere-against-box narrow phase, following MuJoCo's `mjraw_SphereBox`
//! (`engine_collision_box.c`), specialised to axis-aligned wall boxes.
//!
//! The sign convention is MuJoCo's: the sphere is geom 1 and the box geom 2, the contact normal
//! points from the sphere into the box and the distance is negative when they overlap.

/// One contact between the ball and a wall box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Contact {
    /// Signed distance (negative = penetration), MuJoCo's `contact.dist`.
    pub dist: f64,
    /// Unit normal from the sphere into the box (world frame, 3-D).
    pub normal: [f64; 3],
}

/// Collides a sphere at `center` (world) with an axis-aligned box. Returns `None` when the
/// surfaces are further apart than `margin`, exactly as MuJoCo does (`dist − r > margin`).
pub fn sphere_box(
    center: [f64; 3],
    radius: f64,
    box_center: [f64; 3],
    half: [f64; 3],
    margin: f64,
) -> Option<Contact> {
    // Sphere centre in the box frame (boxes are axis aligned: the rotation is the identity).
    let local = [
        center[0] - box_center[0],
        center[1] - box_center[1],
        center[2] - box_center[2],
    ];
    let clamped = [
        local[0].clamp(-half[0], half[0]),
        local[1].clamp(-half[1], half[1]),
        local[2].clamp(-half[2], half[2]),
    ];
    let delta = [
        clamped[0] - local[0],
        clamped[1] - local[1],
        clamped[2] - local[2],
    ];
    let dist = (delta[0] * delta[0] + delta[1] * delta[1] + delta[2] * delta[2]).sqrt();
    if dist - radius > margin {
        return None;
    }
    if dist <= super::model::MJ_MINVAL {
        // Centre inside the box: push out through the closest face. Faces are scanned in
        // MuJoCo's order (−x, +x, −y, +y, −z, +z) and the first strict minimum wins.
        let mut closest = (half[0] + half[1] + half[2]) * 2.0;
        let mut face = 0;
        for i in 0..6 {
            let sign = if i % 2 == 1 { 1.0 } else { -1.0 };
            let d = (sign * half[i / 2] - local[i / 2]).abs();
            if closest > d {
                closest = d;
                face = i;
            }
        }
        let mut normal = [0.0; 3];
        normal[face / 2] = if face % 2 == 1 { -1.0 } else { 1.0 };
        Some(Contact {
            dist: -closest - radius,
            normal,
        })
    } else {
        let normal = [delta[0] / dist, delta[1] / dist, delta[2] / dist];
        Some(Contact {
            dist: dist - radius,
            normal,
        })
    }
}
