//! The speed benchmark: full-batch gradient-descent steps per second on three fixed networks,
//! timed the same way natively (`dln bench`) and in the browser (`www/bench.html`), and the same
//! cases as `scripts/bench_numpy.py` (shapes, initialisation, learning rate, timing).
//!
//! Every case trains with the [`Trainer`] the page uses: the summed loss
//! `L = 1/2 sum_mu ||y_mu - W_tot x_mu||^2` (docs/theory.md §0.2), learning rate 1e-3, weights drawn
//! from a Gaussian with standard deviation `0.1 / sqrt(fan-in)`.

use serde::Serialize;

use crate::engine::data::Dataset;
use crate::engine::init::gaussian;
use crate::engine::network::Network;
use crate::engine::rng::Rng;
use crate::engine::train::Trainer;

/// The learning rate of every case.
pub const LR: f64 = 1e-3;

/// The cases, in the order they are printed: `(name, description)`.
pub const CASES: [(&str, &str); 3] = [
    ("rm8", "8 one-hot items -> 16 -> 36 features"),
    ("wide", "100 -> 100 -> 100, 100 random examples"),
    ("deep", "64 one-hot items -> 64 x7 -> 64 (8 matrices)"),
];

/// One case, ready to train.
pub struct Case {
    pub name: &'static str,
    pub net: Network,
    pub data: Dataset,
    trainer: Trainer,
}

fn names(prefix: &str, n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("{prefix}{i}")).collect()
}

impl Case {
    /// The case called `name` (one of [`CASES`]), or `None`.
    pub fn new(name: &str) -> Option<Case> {
        let mut data_rng = Rng::new(1);
        let (name, data, dims): (&'static str, Dataset, Vec<usize>) = match name {
            "rm8" => ("rm8", Dataset::rm8(), vec![8, 16, 36]),
            "wide" => {
                let x = gaussian(100, 100, 1.0, &mut data_rng);
                let y = gaussian(100, 100, 1.0, &mut data_rng);
                let mut data = Dataset::one_hot(names("x", 100), names("y", 100), y);
                data.x = x;
                data.one_hot = false;
                ("wide", data, vec![100; 3])
            }
            "deep" => {
                let y = gaussian(64, 64, 1.0, &mut data_rng);
                (
                    "deep",
                    Dataset::one_hot(names("x", 64), names("y", 64), y),
                    vec![64; 9],
                )
            }
            _ => return None,
        };
        let mut rng = Rng::new(0);
        let weights = dims
            .windows(2)
            .map(|io| gaussian(io[1], io[0], 0.1 / (io[0] as f64).sqrt(), &mut rng))
            .collect();
        let net = Network::new(weights);
        let trainer = Trainer::new(&net, &data);
        Some(Case {
            name,
            net,
            data,
            trainer,
        })
    }

    /// Floating-point operations in one step ([`crate::engine::train::flops_per_step`]).
    pub fn flops_per_step(&self) -> f64 {
        crate::engine::train::flops_per_step(&self.net, &self.data)
    }

    /// The bits the case has reached: a 64-bit FNV-1a hash of every weight's bit pattern in
    /// order, and the bit pattern of the last reported loss, both in hex. Two builds that give
    /// the same fingerprint after the same steps computed the same numbers.
    pub fn fingerprint(&self, loss: f64) -> Bits {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for w in &self.net.weights {
            for v in w.iter() {
                for byte in v.to_bits().to_le_bytes() {
                    h = (h ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
                }
            }
        }
        Bits {
            case: self.name.to_string(),
            steps: 0,
            loss: format!("{:016x}", loss.to_bits()),
            weights: format!("{h:016x}"),
        }
    }

    /// Takes `n` gradient steps; returns the loss before the last one.
    pub fn steps(&mut self, n: u64) -> f64 {
        let mut loss = f64::NAN;
        for _ in 0..n {
            loss = self.trainer.step(&mut self.net, &self.data, LR);
        }
        loss
    }
}

/// A case's state after some steps, as bit patterns (see [`Case::fingerprint`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Bits {
    pub case: String,
    pub steps: u64,
    /// The loss before the last step, `f64::to_bits` in hex.
    pub loss: String,
    /// The FNV-1a hash of the weights' bits, in hex.
    pub weights: String,
}

/// Trains the case called `name` for `steps` steps from its start and returns its bits.
pub fn bits_after(name: &str, steps: u64) -> Option<Bits> {
    let mut case = Case::new(name)?;
    let loss = case.steps(steps);
    Some(Bits {
        steps,
        ..case.fingerprint(loss)
    })
}

/// One measured case.
#[derive(Clone, Debug, Serialize)]
pub struct Figure {
    pub case: String,
    /// Steps timed, and the time they took.
    pub steps: u64,
    pub seconds: f64,
    /// `steps / seconds`: the mean rate over the whole time, pauses included.
    pub steps_per_second: f64,
    /// The rate of the fastest batch: the speed when the code has a core to itself, which on a
    /// shared machine is steadier than the mean.
    pub best: f64,
    pub batches: u64,
    /// The loss before the last timed step (to show the run stayed finite).
    pub loss: f64,
    /// Floating-point operations per step ([`Case::flops_per_step`]) and per second (mean of
    /// the fastest batch).
    pub flops_per_step: f64,
    pub best_flops: f64,
}

/// The length of one timed batch, in seconds (long against the browser's clock resolution of
/// 0.1 ms, short against the time slices of a shared machine).
pub const BATCH_SECONDS: f64 = 0.005;

/// Times a case for about `seconds` of the clock `now` (seconds, monotonic): a warm-up that
/// sizes the batches to about [`BATCH_SECONDS`], then batches until the time is up.
/// `scripts/bench_numpy.py` times numpy the same way.
pub fn measure(case: &mut Case, seconds: f64, mut now: impl FnMut() -> f64) -> Figure {
    let seconds = if seconds.is_finite() && seconds > 0.0 {
        seconds
    } else {
        1.0
    };
    let batch_seconds = BATCH_SECONDS.min(seconds / 10.0);
    // Warm-up: double the batch until one takes long enough, for at least a tenth of the time.
    // A clock that does not tick forward (NaN) ends the warm-up and the run at once.
    let mut batch = 1u64;
    let warm_start = now();
    loop {
        let t0 = now();
        case.steps(batch);
        let t1 = now();
        let warmed = t1 - warm_start;
        if warmed.is_nan() || warmed >= seconds / 10.0 {
            break;
        }
        if t1 - t0 < batch_seconds && batch < 1 << 30 {
            batch *= 2;
        }
    }
    let (mut steps, mut batches, mut best) = (0, 0, 0.0f64);
    let mut loss = f64::NAN;
    let start = now();
    let mut t0 = start;
    let mut elapsed = 0.0;
    // Steps since the clock last moved: a browser's clock is coarse (100 µs in Chromium), so a
    // batch can end on the same reading it began on. Its steps count with the next span the
    // clock measures, which keeps the best span at least the mean.
    let mut pending = 0;
    while steps < 5 || elapsed < seconds {
        loss = case.steps(batch);
        let t1 = now();
        steps += batch;
        batches += 1;
        pending += batch;
        if t1 > t0 {
            best = best.max(pending as f64 / (t1 - t0));
            pending = 0;
            t0 = t1;
        }
        elapsed = t1 - start;
    }
    Figure {
        case: case.name.to_string(),
        steps,
        seconds: elapsed,
        steps_per_second: steps as f64 / elapsed.max(1e-9),
        best,
        batches,
        loss,
        flops_per_step: case.flops_per_step(),
        best_flops: best * case.flops_per_step(),
    }
}

/// Measures the cases called `names` (all of [`CASES`] when empty).
pub fn measure_all(names: &[String], seconds: f64, mut now: impl FnMut() -> f64) -> Vec<Figure> {
    let chosen: Vec<&str> = if names.is_empty() {
        CASES.iter().map(|c| c.0).collect()
    } else {
        names.iter().map(String::as_str).collect()
    };
    chosen
        .into_iter()
        .filter_map(|n| Case::new(n).map(|mut c| measure(&mut c, seconds, &mut now)))
        .collect()
}

/// A readable table of figures.
pub fn table(figures: &[Figure], title: &str) -> String {
    let mut out = format!(
        "{title}\n{:<6} {:<46} {:>12} {:>12} {:>9} {:>8}\n",
        "case", "network", "best", "mean", "steps", "GFLOP/s"
    );
    for f in figures {
        let about = CASES.iter().find(|c| c.0 == f.case).map_or("", |c| c.1);
        out.push_str(&format!(
            "{:<6} {:<46} {:>12} {:>12} {:>9} {:>8.1}\n",
            f.case,
            about,
            group_thousands(f.best),
            group_thousands(f.steps_per_second),
            f.steps,
            f.best_flops / 1e9
        ));
    }
    out
}

/// `123456.7` as `"123,457"`.
pub fn group_thousands(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if x < 0.0 {
        out.insert(0, '-');
    }
    out
}

/// `dln bench [--seconds S] [--json] [--bits N] [--tiles portable|avx2|avx512] [CASE...]`:
/// measures natively (or, with `--bits`, trains N steps and prints each case's [`Bits`]) and
/// returns what to print.
#[cfg(not(target_arch = "wasm32"))]
pub fn cli(args: &[String]) -> Result<String, String> {
    let mut seconds = 1.0;
    let mut json = false;
    let mut bits = None;
    let mut widest = super::kernels::Tiles::widest();
    let mut chosen = vec![];
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => json = true,
            "--seconds" => {
                let v = it.next().ok_or("--seconds needs a number")?;
                seconds = v
                    .parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s > 0.0 && *s <= 600.0)
                    .ok_or(format!(
                        "--seconds must be a number of seconds from 0 to 600; got {v:?}"
                    ))?;
            }
            "--bits" => {
                let v = it.next().ok_or("--bits needs a number of steps")?;
                bits = Some(
                    v.parse::<u64>()
                        .ok()
                        .filter(|n| *n <= 1_000_000)
                        .ok_or(format!(
                            "--bits must be a number of steps from 0 to 1000000; got {v:?}"
                        ))?,
                );
            }
            "--tiles" => {
                use super::kernels::Tiles;
                let v = it.next().ok_or("--tiles needs portable, avx2 or avx512")?;
                widest = match v.as_str() {
                    "portable" => Tiles::Portable,
                    "avx2" => Tiles::Avx2,
                    "avx512" => Tiles::Avx512,
                    _ => {
                        return Err(format!(
                            "--tiles must be portable, avx2 or avx512; got {v:?}"
                        ))
                    }
                };
                if widest > Tiles::widest() {
                    return Err(format!(
                        "--tiles {v}: this processor's widest tiles are {}",
                        Tiles::widest().name()
                    ));
                }
            }
            name if CASES.iter().any(|c| c.0 == name) => chosen.push(name.to_string()),
            other => {
                let known: Vec<&str> = CASES.iter().map(|c| c.0).collect();
                return Err(format!(
                    "unexpected argument {other:?}; the cases are {}, the options --seconds S, --json, --bits N and --tiles portable|avx2|avx512",
                    known.join(", ")
                ));
            }
        }
    }
    super::kernels::with_tiles(widest, || run_cli(&chosen, seconds, json, bits))
}

#[cfg(not(target_arch = "wasm32"))]
fn run_cli(
    chosen: &[String],
    seconds: f64,
    json: bool,
    bits: Option<u64>,
) -> Result<String, String> {
    if let Some(steps) = bits {
        let names: Vec<&str> = if chosen.is_empty() {
            CASES.iter().map(|c| c.0).collect()
        } else {
            chosen.iter().map(String::as_str).collect()
        };
        let all: Vec<Bits> = names
            .into_iter()
            .filter_map(|n| bits_after(n, steps))
            .collect();
        return Ok(serde_json::to_string(&all).expect("bits serialise") + "\n");
    }
    let start = std::time::Instant::now();
    let figures = measure_all(chosen, seconds, || start.elapsed().as_secs_f64());
    Ok(if json {
        serde_json::to_string(&figures).expect("figures serialise") + "\n"
    } else {
        table(
            &figures,
            &format!(
                "native ({}): full-batch gradient-descent steps per second (best batch of ~5 ms, and mean)",
                super::kernels::tiles().name()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_case_has_the_promised_shapes() {
        let dims = |n: &str| Case::new(n).expect("a case").net.dims();
        assert_eq!(dims("rm8"), vec![8, 16, 36]);
        assert_eq!(dims("wide"), vec![100, 100, 100]);
        assert_eq!(dims("deep"), vec![64; 9]);
        assert!(Case::new("nope").is_none());
        let wide = Case::new("wide").expect("a case");
        assert!(!wide.data.one_hot);
        assert_eq!(wide.data.x.dim(), (100, 100));
    }

    #[test]
    fn the_cases_learn_under_the_benchmark_rate() {
        for (name, _) in CASES {
            let mut case = Case::new(name).expect("a case");
            let first = case.net.loss(&case.data);
            case.steps(200);
            let after = case.net.loss(&case.data);
            assert!(after < first, "{name}: {first} -> {after}");
        }
    }

    #[test]
    fn a_measurement_counts_the_steps_it_timed() {
        // A fake clock that advances a millisecond per reading.
        let mut t = 0.0;
        let mut case = Case::new("rm8").expect("a case");
        let f = measure(&mut case, 0.05, || {
            t += 1e-3;
            t
        });
        assert!(f.steps >= 5);
        assert!(f.seconds >= 0.05);
        assert!((f.steps_per_second - f.steps as f64 / f.seconds).abs() < 1e-9);
        // Every batch reads the clock once, so the fastest batch took one tick.
        assert!(f.batches >= 1 && f.steps % f.batches == 0);
        let batch = (f.steps / f.batches) as f64;
        assert!((f.best - batch / 1e-3).abs() < 1e-6 * f.best, "{}", f.best);
        assert!(f.loss.is_finite());
    }

    #[test]
    fn a_clock_that_gives_nan_ends_the_measurement() {
        let mut case = Case::new("rm8").expect("a case");
        let f = measure(&mut case, 1.0, || f64::NAN);
        assert!(f.steps >= 5 && f.steps < 100, "{} steps", f.steps);
    }

    #[test]
    fn large_figures_are_grouped_by_thousands() {
        assert_eq!(group_thousands(1234567.4), "1,234,567");
        assert_eq!(group_thousands(999.6), "1,000");
        assert_eq!(group_thousands(12.0), "12");
    }
}
