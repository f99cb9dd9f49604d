//! Depth and initialisation (SMG14 §3–6): learning time against depth for several
//! initialisations (the sweep), the spectra of products of random matrices, and the phase
//! portrait of one mode of a two-layer network, which can follow a mode of the main run.

pub mod charts;
pub mod phase;
pub mod spectra;
pub mod sweep;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde_json::{json, Value};

use super::chapter::{
    number, to_value, whole, CallError, CallResult, CallSpec, Chapter, Context, PanelSpec, Shared,
};
use crate::charts::{ChartResult, Frame, Table, Theme};
use crate::run::Session;
use charts::RunDot;
use phase::PhaseDemo;
use spectra::{summarise, Factor, SpectraDemo};
use sweep::{SweepProgress, SweepTask};

#[derive(Default)]
pub struct Depth {
    pub sweep: SweepTask,
    pub spectra: SpectraDemo,
    pub phase: PhaseDemo,
}

/// The run's mode followed by the phase portrait, at the step the panels show.
fn run_dot(phase: &PhaseDemo, shared: &Shared<'_>) -> Option<RunDot> {
    let mode = phase.mode()?;
    let run = shared.session.run();
    let rec = run.history().record_at(shared.view.step(run))?;
    Some(RunDot {
        mode,
        u: *rec.modes.get(mode)?,
        step: rec.step,
        depth: run.config().network.hidden.len() + 1,
    })
}

/// Whether mode `m` (0-based) of the run has a singular value to follow.
fn mode_strength(session: &Session, m: usize) -> Option<f64> {
    let s = &session.run().svd().s;
    s.get(m).copied().filter(|&v| v > 1e-9 * s[0].max(1e-300))
}

/// The phase portrait's strength menu: the free portrait at s = 1 (SMG14 Fig. 2), then every
/// mode of the run that `setPhaseMode` accepts, with its singular value and what it tells apart.
fn phase_modes(session: &Session) -> Vec<Value> {
    let run = session.run();
    let mut out = vec![json!({"value": "", "label": "s = 1 (SMG14 Fig 2)"})];
    for a in 0..run.svd().s.len() {
        let Some(s) = mode_strength(session, a) else {
            continue;
        };
        let name = run.svd().describe_mode(a, &run.data().features);
        let named = if name.is_empty() {
            String::new()
        } else {
            format!(" ({name})")
        };
        out.push(json!({
            "value": (a + 1).to_string(),
            "label": format!("run's mode {}: s = {}{named}", a + 1, crate::charts::fmt_num(s)),
        }));
    }
    out
}

impl Depth {
    /// Keeps a phase portrait that follows a mode of the run in step with the run's data: the
    /// mode's singular value, or back to the free portrait when the mode is gone.
    fn sync_phase(&mut self, session: &Session) {
        let Some(m) = self.phase.mode() else {
            return;
        };
        match mode_strength(session, m) {
            Some(v) if v != self.phase.s() => {
                let _ = self.phase.set_strength(Some(m), v);
            }
            Some(_) => {}
            None => {
                let _ = self.phase.set_strength(None, 1.0);
            }
        }
    }

    fn sweep_state(&self) -> Value {
        to_value(self.sweep.progress())
    }

    /// The spectra demo: `depth`, `size`, `draws`, `draws_total`, and for `gaussian` and
    /// `orthogonal` the pooled `{max, min, ratio, below_tenth, mean_square}`.
    fn spectra_state(&self) -> Value {
        let d = &self.spectra;
        let summary = |k: Factor| {
            let s = summarise(d.values(k));
            json!({ "max": s.max, "min": s.min, "ratio": s.ratio.is_finite().then_some(s.ratio),
                    "below_tenth": s.below_tenth, "mean_square": s.mean_square })
        };
        json!({
            "depth": d.depth(),
            "size": d.size(),
            "draws": d.draws(),
            "draws_total": d.draws_total(),
            "gaussian": summary(Factor::Gaussian),
            "orthogonal": summary(Factor::Orthogonal),
        })
    }

    /// The phase portrait: `s`, `mode` (1-based or null), `extent`, `trajectories` (`{start,
    /// head: [t, a, b], ending, conserved_start, conserved_head}`) and `dot` (`{mode, u, step,
    /// a, b}` or null).
    fn phase_state(&self, shared: &Shared<'_>) -> Value {
        use phase::{conserved, extent, Ending};
        let p = &self.phase;
        let trajectories: Vec<Value> = p
            .trajectories()
            .iter()
            .map(|t| {
                let (a0, b0) = t.start();
                let (th, ah, bh) = t.head();
                let ending = match t.ending {
                    Ending::Moving => "moving",
                    Ending::Learned => "learned",
                    Ending::Saddle => "saddle",
                    Ending::TimedOut => "timed_out",
                };
                json!({ "start": [a0, b0], "head": [th, ah, bh], "ending": ending,
                        "conserved_start": conserved(a0, b0), "conserved_head": conserved(ah, bh) })
            })
            .collect();
        let dot = run_dot(p, shared).map(|d| {
            let (a, b) = d.point();
            json!({ "mode": d.mode + 1, "u": d.u, "step": d.step, "a": a, "b": b })
        });
        json!({
            "s": p.s(),
            "mode": p.mode().map(|m| m + 1),
            "extent": extent(p.s()),
            "trajectories": trajectories,
            "dot": dot,
        })
    }
}

impl Chapter for Depth {
    const ID: &'static str = "depth";
    const TITLE: &'static str = "Depth and initialisation";
    const PANELS: &'static [PanelSpec] = &[
        PanelSpec::own("sweep", "Learning time against depth"),
        PanelSpec::own("spectra", "Singular values of a product of random matrices"),
        PanelSpec::own("phase", "Phase portrait of one mode"),
    ];
    const CALLS: &'static [CallSpec] = &[
        CallSpec {
            name: "sweepStart",
            args: 1,
            help: "starts a depth sweep with the config's sweep settings (\"elsewhere\": run by a worker, shown from sweepAdopt); answers sweepState",
        },
        CallSpec {
            name: "sweepDepths",
            args: 1,
            help: "the depths a sweep up to D weight matrices tries (the depth ladder up to D, and D)",
        },
        CallSpec {
            name: "sweepAdopt",
            args: 1,
            help: "takes the sweepState of the same sweep run elsewhere (sweepStart(\"elsewhere\"))",
        },
        CallSpec {
            name: "sweepWork",
            args: 1,
            help: "runs up to n gradient steps of the sweep; answers its progress without results",
        },
        CallSpec {
            name: "sweepCancel",
            args: 0,
            help: "stops the sweep, keeping the results so far",
        },
        CallSpec {
            name: "sweepState",
            args: 0,
            help: "status, progress, runs_done, runs_total and results of the sweep",
        },
        CallSpec {
            name: "setSpectra",
            args: 2,
            help: "sets the spectra's depth and matrix size; answers spectraState",
        },
        CallSpec {
            name: "refineSpectra",
            args: 0,
            help: "adds one draw to each pooled spectrum; true once complete",
        },
        CallSpec {
            name: "spectraState",
            args: 0,
            help: "depth, size, draws and the pooled Gaussian and orthogonal spectra",
        },
        CallSpec {
            name: "setPhaseMode",
            args: 1,
            help: "follows mode m (1-based) of the run, or (null) the free portrait with s = 1",
        },
        CallSpec {
            name: "phaseClick",
            args: 2,
            help:
                "starts a trajectory at device pixel (x, y) of the drawn portrait; false outside it",
        },
        CallSpec {
            name: "phaseStart",
            args: 2,
            help: "starts a trajectory at (a, b)",
        },
        CallSpec {
            name: "phaseClear",
            args: 0,
            help: "removes every trajectory",
        },
        CallSpec {
            name: "phaseTick",
            args: 1,
            help: "moves the trajectories on by t seconds of animation; true while any moves",
        },
        CallSpec {
            name: "phaseState",
            args: 0,
            help: "s, mode, extent, trajectories and the run's dot",
        },
        CallSpec {
            name: "phaseModes",
            args: 0,
            help: "the phase portrait's strength menu: [{value, label}], the free portrait (s = 1, \
                   value \"\") then each mode of the run with a non-zero singular value",
        },
    ];

    fn version(&self, panel: &str, shared: &Shared<'_>) -> Option<u64> {
        Some(match panel {
            "sweep" => {
                self.sweep.version()
                    ^ shared
                        .session
                        .run()
                        .config()
                        .sweep
                        .max_steps
                        .rotate_left(40)
            }
            "spectra" => self.spectra.version(),
            _ => {
                let dot = run_dot(&self.phase, shared)
                    .map_or(u64::MAX, |d| d.u.to_bits() ^ d.step.rotate_left(32));
                self.phase.version().rotate_left(17) ^ dot
            }
        })
    }

    fn draw<DB: DrawingBackend>(
        &mut self,
        panel: &str,
        root: &DrawingArea<DB, Shift>,
        shared: &Shared<'_>,
        theme: &Theme,
    ) -> ChartResult
    where
        DB::ErrorType: 'static,
    {
        match panel {
            "sweep" => {
                let max_steps = self
                    .sweep
                    .sweep()
                    .map_or(shared.session.run().config().sweep.max_steps, |s| {
                        s.spec().max_steps
                    });
                let results = self.sweep.sweep().map(|s| s.results());
                charts::draw_sweep(root, results, max_steps, theme)
            }
            "spectra" => charts::draw_spectra(root, &self.spectra, theme),
            _ => {
                self.sync_phase(shared.session);
                charts::draw_phase(
                    root,
                    &self.phase,
                    run_dot(&self.phase, shared).as_ref(),
                    theme,
                )
            }
        }
    }

    fn table(&self, panel: &str, shared: &Shared<'_>) -> Option<Table> {
        match panel {
            "sweep" => Some(match self.sweep.sweep() {
                Some(s) => charts::sweep::table(s.results()),
                None => {
                    let mut t = charts::sweep::table(&Default::default());
                    t.note = Some("no sweep yet: press Run sweep to fill this table".into());
                    t
                }
            }),
            "spectra" => Some(charts::spectra_table(&self.spectra)),
            _ => Some(charts::phase_table(
                &self.phase,
                run_dot(&self.phase, shared).as_ref(),
            )),
        }
    }

    fn readout(
        &self,
        panel: &str,
        frame: &Frame,
        shared: &Shared<'_>,
        x: f64,
        y: f64,
    ) -> Option<String> {
        match panel {
            "sweep" => charts::sweep::readout(frame, self.sweep.sweep().map(|s| s.results()), x, y),
            "spectra" => charts::spectra_readout(frame, &self.spectra, x, y),
            _ => charts::phase_readout(
                frame,
                &self.phase,
                run_dot(&self.phase, shared).as_ref(),
                x,
                y,
            ),
        }
    }

    fn call(&mut self, name: &str, args: &[Value], cx: Context<'_>) -> CallResult {
        let shared = Shared {
            session: cx.session,
            view: cx.view,
            version: 0,
        };
        match name {
            "sweepStart" => {
                let cfg = shared.session.run().config();
                match args.first().and_then(Value::as_str) {
                    None => self.sweep.start(cfg),
                    Some("elsewhere") => self.sweep.start_elsewhere(cfg),
                    Some(other) => {
                        return Err(CallError::new(
                            "sweep.where",
                            format!(
                                "must be \"elsewhere\" or absent; got {:?}",
                                crate::config::echo::clip(other)
                            ),
                        ))
                    }
                }
                Ok(self.sweep_state())
            }
            "sweepAdopt" => {
                let p: SweepProgress = args
                    .first()
                    .cloned()
                    .ok_or_else(|| CallError::new("sweep.state", "is missing"))
                    .and_then(|v| {
                        crate::config::read(v).map_err(|e| {
                            CallError::new(
                                "sweep.state",
                                crate::config::echo::clip_quoted(&e.to_string()),
                            )
                        })
                    })?;
                self.sweep
                    .adopt(p)
                    .map_err(|e| CallError::new("sweep.state", e))?;
                Ok(Value::Null)
            }
            "sweepWork" => {
                self.sweep
                    .work(whole(args, 0, "sweep.steps", u64::from(u32::MAX))?);
                let mut p = self.sweep.progress();
                p.results = None;
                Ok(to_value(p))
            }
            "sweepCancel" => {
                self.sweep.cancel();
                Ok(self.sweep_state())
            }
            "sweepState" => Ok(self.sweep_state()),
            "sweepDepths" => {
                let most = crate::config::DEPTH_LADDER[crate::config::DEPTH_LADDER.len() - 1];
                let max = whole(args, 0, "sweep.depths", most as u64)? as usize;
                if max == 0 {
                    return Err(CallError::new(
                        "sweep.depths",
                        format!("the deepest network must have from 1 to {most} weight matrices"),
                    ));
                }
                Ok(to_value(crate::config::depths_up_to(max)))
            }
            "setSpectra" => {
                let depth = whole(args, 0, "spectra.depth", u64::from(u32::MAX))? as usize;
                let size = whole(args, 1, "spectra.size", u64::from(u32::MAX))? as usize;
                self.spectra
                    .set(depth, size)
                    .map_err(|e| match e.split_once(": ") {
                        Some((field, msg)) => CallError::new(field, msg),
                        None => CallError::new("spectra", e),
                    })?;
                Ok(self.spectra_state())
            }
            "refineSpectra" => Ok(Value::Bool(self.spectra.refine())),
            "spectraState" => Ok(self.spectra_state()),
            "setPhaseMode" => {
                match args.first().filter(|v| !v.is_null()) {
                    None => self.phase.set_strength(None, 1.0),
                    Some(_) => {
                        let n = shared.session.run().svd().s.len();
                        let m = whole(args, 0, "phase.mode", u64::from(u32::MAX))? as usize;
                        match m.checked_sub(1).and_then(|i| mode_strength(shared.session, i).map(|v| (i, v))) {
                            Some((i, v)) => self.phase.set_strength(Some(i), v),
                            None => Err(format!(
                                "phase.mode: must be a mode from 1 to {n} with a non-zero singular value; got {m}"
                            )),
                        }
                    }
                }
                .map_err(phase_error)?;
                Ok(Value::Null)
            }
            "phaseClick" => {
                let (x, y) = (number(args, 0, "phase.x")?, number(args, 1, "phase.y")?);
                let Some((a, b)) = cx.frames.get("phase").and_then(|f| f.data_at(x, y)) else {
                    return Ok(Value::Bool(false));
                };
                Ok(Value::Bool(self.phase.start(a, b).is_ok()))
            }
            "phaseStart" => {
                let (a, b) = (number(args, 0, "phase.a")?, number(args, 1, "phase.b")?);
                self.phase.start(a, b).map_err(phase_error)?;
                Ok(Value::Null)
            }
            "phaseClear" => {
                self.phase.clear();
                Ok(Value::Null)
            }
            "phaseTick" => Ok(Value::Bool(self.phase.advance(number(
                args,
                0,
                "phase.seconds",
            )?))),
            "phaseModes" => Ok(Value::Array(phase_modes(shared.session))),
            "phaseState" => {
                self.sync_phase(shared.session);
                Ok(self.phase_state(&shared))
            }
            other => Err(CallError::new(
                "call",
                format!("depth has no call {other:?}"),
            )),
        }
    }
}

/// A phase-portrait message ("phase.a: ...") as a call error naming its field.
fn phase_error(e: String) -> CallError {
    match e.split_once(": ") {
        Some((field, msg)) if !field.contains(' ') => CallError::new(field, msg),
        _ => CallError::new("phase", e),
    }
}
