//! The phase portrait of one decoupled mode of a network with one hidden layer (SMG14 section
//! 1.2, eq. 8, Fig 2; docs/theory.md §1.2): the mode's input-side strength `a` (in `W_1`) and
//! output-side strength `b` (in `W_2`) follow
//!
//! `tau da/dt = b (s - ab)`,  `tau db/dt = a (s - ab)`,
//!
//! gradient descent on `E = (s - ab)^2 / (2 tau)`. The quantity `a^2 - b^2` is conserved, so
//! trajectories run along hyperbolas into the manifold of solutions `ab = s`; the origin is a
//! saddle, reached only from the line `a = -b`. Time is in units of tau (`t/tau`).
//!
//! [`PhaseDemo`] holds the page's trajectories, started by clicks and integrated with RK4 a
//! little every frame.

/// The right-hand side of eq. 8 (tau = 1): `(da/dt, db/dt)`.
pub fn field(a: f64, b: f64, s: f64) -> (f64, f64) {
    let e = s - a * b;
    (b * e, a * e)
}

/// The conserved quantity `a^2 - b^2`.
pub fn conserved(a: f64, b: f64) -> f64 {
    a * a - b * b
}

/// Where the flow from `(a, b)` ends (exact, from the conserved quantity): the point of
/// `ab = s` on the same branch of the hyperbola `a^2 - b^2 = c`, that is
/// `a^2 = (c + sqrt(c^2 + 4 s^2)) / 2`, `b = s / a`, with the sign of the larger of `|a|`,
/// `|b|`; the saddle at the origin for starts on the line `a = -b` (`s > 0`).
pub fn destination(a: f64, b: f64, s: f64) -> (f64, f64) {
    let c = conserved(a, b);
    let scale = a.abs().max(b.abs()).max(s.abs().sqrt());
    if c.abs() <= 1e-14 * scale * scale && a * b <= 0.0 {
        return (0.0, 0.0);
    }
    let a_abs = ((c + (c * c + 4.0 * s * s).sqrt()) / 2.0).sqrt();
    let b_abs = s / a_abs;
    // On a branch with c > 0, a never changes sign; with c < 0, b never does; on a = b both
    // keep their common sign.
    let sign = if c > 0.0 {
        a.signum()
    } else if c < 0.0 {
        b.signum()
    } else {
        (a + b).signum()
    };
    (sign * a_abs, sign * b_abs)
}

/// One classical Runge-Kutta step of length `h` (in units of tau).
pub fn rk4_step(a: f64, b: f64, s: f64, h: f64) -> (f64, f64) {
    let (k1a, k1b) = field(a, b, s);
    let (k2a, k2b) = field(a + 0.5 * h * k1a, b + 0.5 * h * k1b, s);
    let (k3a, k3b) = field(a + 0.5 * h * k2a, b + 0.5 * h * k2b, s);
    let (k4a, k4b) = field(a + h * k3a, b + h * k3b, s);
    (
        a + h / 6.0 * (k1a + 2.0 * k2a + 2.0 * k3a + k4a),
        b + h / 6.0 * (k1b + 2.0 * k2b + 2.0 * k3b + k4b),
    )
}

/// The RK4 step used for strength `s`: small against the fastest rate near the portrait,
/// `a^2 + b^2 <= 8 s` inside `[-2 sqrt(s), 2 sqrt(s)]^2`.
pub fn step_for(s: f64) -> f64 {
    0.01 / s.abs().max(1e-9)
}

/// A trajectory of eq. 8 from `(a0, b0)` until time `t_end`, sampled every RK4 step `h`:
/// `(t, a, b)` points, the first at t = 0.
pub fn trajectory(a0: f64, b0: f64, s: f64, t_end: f64, h: f64) -> Vec<(f64, f64, f64)> {
    let n = (t_end / h).ceil().max(0.0) as usize;
    let mut pts = Vec::with_capacity(n + 1);
    let (mut a, mut b) = (a0, b0);
    pts.push((0.0, a, b));
    for k in 0..n {
        (a, b) = rk4_step(a, b, s, h);
        pts.push(((k + 1) as f64 * h, a, b));
    }
    pts
}

/// Half-width of the portrait for strength `s`: `2 sqrt(s)`, so the solution `(sqrt s, sqrt s)`
/// always sits half way to the corner (eq. 8 is unchanged by `a -> k a`, `b -> k b`,
/// `s -> k^2 s`, `t -> t / k^2`).
pub fn extent(s: f64) -> f64 {
    2.0 * s.abs().max(1e-12).sqrt()
}

/// How a trajectory ended, if it has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Still moving.
    Moving,
    /// Reached the solutions `ab = s` (within 1e-6 s).
    Learned,
    /// Came to rest at the saddle at the origin (started on `a = -b`).
    Saddle,
    /// Ran for [`MAX_TIME`] (in units of 1/s) without settling.
    TimedOut,
}

/// Longest a trajectory is followed, in units of `1/s`.
pub const MAX_TIME: f64 = 60.0;
/// Most trajectories kept at once (the oldest is dropped).
pub const MAX_TRAJECTORIES: usize = 12;
/// Animation speed: units of `1/s` of `t/tau` per second of wall-clock time.
pub const SPEED: f64 = 1.6;

/// One trajectory of the demo.
#[derive(Clone, Debug)]
pub struct Trajectory {
    /// `(t, a, b)` points from the start.
    pub points: Vec<(f64, f64, f64)>,
    pub ending: Ending,
}

impl Trajectory {
    fn new(a: f64, b: f64) -> Trajectory {
        Trajectory {
            points: vec![(0.0, a, b)],
            ending: Ending::Moving,
        }
    }

    pub fn start(&self) -> (f64, f64) {
        let p = self.points[0];
        (p.1, p.2)
    }

    pub fn head(&self) -> (f64, f64, f64) {
        *self.points.last().expect("a trajectory has its start")
    }

    /// Integrates up to time `until`; stops (setting the ending) when it settles.
    fn advance(&mut self, s: f64, until: f64) {
        let h = step_for(s);
        let (mut t, mut a, mut b) = self.head();
        while self.ending == Ending::Moving && t + 0.5 * h <= until {
            (a, b) = rk4_step(a, b, s, h);
            t += h;
            self.points.push((t, a, b));
            if (a * b - s).abs() <= 1e-6 * s.abs() {
                self.ending = Ending::Learned;
            } else if a.abs() + b.abs() <= 1e-6 * extent(s) {
                self.ending = Ending::Saddle;
            } else if t * s.abs() >= MAX_TIME {
                self.ending = Ending::TimedOut;
            }
        }
    }
}

/// The page's phase portrait: the strength `s`, whether it follows a mode of the run, and the
/// trajectories started so far.
#[derive(Clone, Debug)]
pub struct PhaseDemo {
    s: f64,
    /// The run's mode (0-based) the portrait follows, if any.
    mode: Option<usize>,
    trajectories: Vec<Trajectory>,
    version: u64,
}

impl Default for PhaseDemo {
    /// SMG14 Fig 2: s = 1, with two example trajectories already drawn.
    fn default() -> Self {
        let mut d = PhaseDemo {
            s: 1.0,
            mode: None,
            trajectories: Vec::new(),
            version: 0,
        };
        d.add_examples();
        d
    }
}

impl PhaseDemo {
    pub fn s(&self) -> f64 {
        self.s
    }

    pub fn mode(&self) -> Option<usize> {
        self.mode
    }

    pub fn trajectories(&self) -> &[Trajectory] {
        &self.trajectories
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    /// Whether any trajectory is still moving.
    pub fn is_animating(&self) -> bool {
        self.trajectories.iter().any(|t| t.ending == Ending::Moving)
    }

    /// Follows mode `mode` of strength `s` (or, with `None`, the free portrait of `s`); the
    /// trajectories start again (two finished examples) when `s` changes. A message naming the
    /// field when `s` is not a positive finite number.
    pub fn set_strength(&mut self, mode: Option<usize>, s: f64) -> Result<(), String> {
        if !(s.is_finite() && s > 0.0) {
            return Err(format!(
                "phase.mode: the mode's singular value must be positive; got {s}"
            ));
        }
        let changed = s != self.s;
        self.mode = mode;
        if changed {
            self.s = s;
            self.clear();
            self.add_examples();
        }
        self.version += 1;
        Ok(())
    }

    /// Two finished trajectories like SMG14 Fig 2's: one from near the origin, one from a start
    /// with unequal strengths.
    fn add_examples(&mut self) {
        let r = extent(self.s) / 2.0;
        for (a, b) in [(0.05 * r, 0.12 * r), (-1.6 * r, 0.6 * r)] {
            let mut t = Trajectory::new(a, b);
            t.advance(self.s, MAX_TIME / self.s);
            self.trajectories.push(t);
        }
    }

    /// Removes every trajectory.
    pub fn clear(&mut self) {
        self.trajectories.clear();
        self.version += 1;
    }

    /// Starts a trajectory at `(a, b)` (it moves as [`advance`](PhaseDemo::advance) is called).
    pub fn start(&mut self, a: f64, b: f64) -> Result<(), String> {
        if !(a.is_finite() && b.is_finite()) {
            return Err(format!("phase: the start must be finite; got ({a}, {b})"));
        }
        let r = 1.5 * extent(self.s);
        let (a, b) = (a.clamp(-r, r), b.clamp(-r, r));
        if self.trajectories.len() >= MAX_TRAJECTORIES {
            self.trajectories.remove(0);
        }
        self.trajectories.push(Trajectory::new(a, b));
        self.version += 1;
        Ok(())
    }

    /// Moves every unfinished trajectory on by `seconds` of animation (at most 0.1 s at once,
    /// so a frame that comes late does not jump). Returns whether any is still moving.
    pub fn advance(&mut self, seconds: f64) -> bool {
        let dt = if seconds.is_finite() {
            seconds.clamp(0.0, 0.1)
        } else {
            0.0
        };
        let step = dt * SPEED / self.s;
        let s = self.s;
        let mut moved = false;
        for t in &mut self.trajectories {
            if t.ending == Ending::Moving {
                let until = t.head().0 + step;
                t.advance(s, until);
                moved = true;
            }
        }
        if moved {
            self.version += 1;
        }
        self.is_animating()
    }
}
