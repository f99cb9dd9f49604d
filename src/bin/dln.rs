//! `dln`: the native command line on the same simulation core as the page.
//!
//! ```text
//! dln run CONFIG.json [--out FILE] [--format json|csv] [--illusion ITEM,FEATURE]
//!                                                        train and write the recorded trajectories
//! dln example [PRESET]                                   print an example config (notes on stderr)
//! dln bench [CASE...] [--seconds S] [--json]             gradient-descent steps per second
//! ```

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

use dln_explorer::chapters::cli::{self, Command};
use dln_explorer::chapters::depth::sweep::Sweep;
use dln_explorer::config::{fields, Config, ValidConfig};
use dln_explorer::run::export;
use dln_explorer::run::studies::Probe;
use dln_explorer::run::Run;

const USAGE: &str = "usage:
  dln run CONFIG.json [--out FILE] [--format json|csv] [--illusion ITEM,FEATURE]
      Trains the network CONFIG.json describes (use - for standard input) and writes the
      recorded loss, mode strengths and exact theory as JSON (default) or CSV. A config with
      \"tasks\": [..] trains the phases in order and writes the loss on every task (JSON). A
      dataset of kind routing or sequence trains a gated routing or linear recurrent network
      instead and adds \"pathways\" or \"recurrent\" (JSON only). On a \"teacher\" dataset:
      the training and test errors with their theory (\"generalisation\").
      --illusion ITEM,FEATURE adds that output's course, simulated and predicted, with its
      extremes, under \"illusion\".
  dln sweep CONFIG.json [--out FILE] [--format json|csv]
      Learning time against depth for each initialisation (the config's \"sweep\" settings),
      on the config's dataset and hidden width, with a progress bar on standard error.
      With {\"sweep\": {\"over\": \"similarity\", \"angles\": [..]}} and a task sequence: forgetting
      and time to learn against the rotation angle (JSON). With \"sweep\": {\"over\":
      \"alpha\", \"alphas\": [..], \"snrs\": [..]}: the test error of a student of a noisy
      teacher against the load alpha (large-N theory), one row per point.
  dln example [PRESET]
      Prints an example CONFIG.json on standard output, with notes on standard error; with
      the id of one of the page's presets (e.g. neuromatch), that preset's config:
      dln example neuromatch | dln run - --illusion Shark,has_bones
  dln bench [rm8|wide|deep ...] [--seconds S] [--json] [--tiles portable|avx2|avx512]
      Gradient-descent steps per second on three fixed networks (about S = 1 second each),
      on the widest tiles the processor has unless --tiles names narrower ones.
  dln bench --bits N [rm8|wide|deep ...]
      Trains each case N steps and prints, as JSON, the bits of its loss and a hash of its
      weights (the same in every build: compare with the page's benchBits).";

/// The arguments as text; an argument that is not valid UTF-8 is refused, naming it.
fn text_args(raw: impl Iterator<Item = std::ffi::OsString>) -> Result<Vec<String>, Failure> {
    raw.enumerate()
        .map(|(i, a)| {
            a.into_string().map_err(|a| {
                Failure::Input(format!(
                    "argument {} ({}) is not valid UTF-8 text",
                    i + 1,
                    dln_explorer::config::echo::clip(&format!("{:?}", a.to_string_lossy()))
                ))
            })
        })
        .collect()
}

fn main() -> ExitCode {
    let result = text_args(std::env::args_os().skip(1)).and_then(|args| dispatch(&args));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            eprintln!("{msg}");
            ExitCode::from(2)
        }
        Err(Failure::Input(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Io(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
    }
}

fn dispatch(args: &[String]) -> Result<(), Failure> {
    match args.first().map(String::as_str) {
        Some("run") => cmd_run(&args[1..]),
        Some("example") => cmd_example(&args[1..]),
        Some("sweep") => cmd_sweep(&args[1..]),
        Some("bench") => dln_explorer::engine::bench::cli(&args[1..])
            .map(|out| print!("{out}"))
            .map_err(Failure::Input),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(Failure::Usage(USAGE.to_string())),
    }
}

enum Failure {
    Usage(String),
    Input(String),
    Io(String),
}

/// Parsed `CONFIG.json [--out FILE] [--format json|csv]`.
struct Io {
    path: String,
    out: Option<String>,
    format: String,
    /// `--illusion ITEM,FEATURE`: one output's simulated and predicted course (run only).
    illusion: Option<(String, String)>,
}

fn parse_io(args: &[String]) -> Result<Io, Failure> {
    let mut path = None;
    let mut out = None;
    let mut format = None;
    let mut illusion = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--out" | "-o" => out = Some(it.next().ok_or(Failure::Usage(USAGE.into()))?.clone()),
            "--format" => {
                let f = it.next().ok_or(Failure::Usage(USAGE.into()))?;
                if f != "json" && f != "csv" {
                    return Err(Failure::Input(format!(
                        "--format must be json or csv; got {f:?}"
                    )));
                }
                format = Some(f.clone());
            }
            "--illusion" => {
                let pair = it.next().ok_or(Failure::Usage(USAGE.into()))?;
                let (item, feature) = pair.split_once(',').ok_or_else(|| {
                    Failure::Input(format!(
                        "--illusion takes ITEM,FEATURE (an item and a feature of the dataset, \
                         e.g. pine,leaves); got {pair:?}"
                    ))
                })?;
                illusion = Some((item.trim().to_string(), feature.trim().to_string()));
            }
            p if path.is_none() => path = Some(p.to_string()),
            other => {
                return Err(Failure::Input(format!(
                    "unexpected argument {other:?}\n{USAGE}"
                )))
            }
        }
    }
    let path = path.ok_or(Failure::Usage(USAGE.into()))?;
    let format = format.unwrap_or_else(|| {
        if out.as_deref().is_some_and(|o| o.ends_with(".csv")) {
            "csv".into()
        } else {
            "json".into()
        }
    });
    Ok(Io {
        path,
        out,
        format,
        illusion,
    })
}

/// Reads a file (or standard input for `-`) as UTF-8 text; text that is not UTF-8 is refused
/// with the byte offset of its first bad byte.
fn read_text(path: &str) -> Result<String, Failure> {
    let (name, bytes) = if path == "-" {
        let mut b = Vec::new();
        std::io::stdin()
            .read_to_end(&mut b)
            .map_err(|e| Failure::Io(format!("reading standard input: {e}")))?;
        ("standard input".to_string(), b)
    } else {
        let b = std::fs::read(path).map_err(|e| Failure::Io(format!("reading {path}: {e}")))?;
        (path.to_string(), b)
    };
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let byte = e.as_bytes()[at];
        Failure::Input(format!(
            "{name} is not UTF-8 text: the byte at offset {at} (0x{byte:02X}) is not valid \
             UTF-8; save the file as UTF-8"
        ))
    })
}

fn parse_config(text: &str) -> Result<ValidConfig, Failure> {
    Config::from_json(text).map_err(|e| Failure::Input(e.to_string()))
}

/// A config some chapter claims (`chapters::cli`) is answered by that chapter, with a progress
/// bar on a terminal's standard error; `None` for a config of the main run.
fn by_chapter(command: Command, text: &str, io: &Io) -> Option<Result<(), Failure>> {
    let value = serde_json::from_str::<serde_json::Value>(text).ok()?;
    let chapter = cli::claimant(command, &value)?;
    let tty = std::io::stderr().is_terminal();
    let mut drawn = false;
    let mut bar = |p: f64| {
        if tty {
            let p = p.clamp(0.0, 1.0);
            eprint!(
                "\r[{:<40}] {:>3.0}%",
                "#".repeat((p * 40.0) as usize),
                p * 100.0
            );
            drawn = true;
        }
    };
    let out = (chapter.answer)(command, &value, io.format == "csv", &mut bar);
    if drawn {
        eprintln!();
    }
    Some(match out {
        Ok(answer) => {
            if let Some(w) = &answer.warning {
                eprintln!("{w}");
            }
            write_out(io.out.as_deref(), &answer.body)
        }
        Err(msg) => Err(Failure::Input(msg)),
    })
}

fn write_out(out: Option<&str>, body: &str) -> Result<(), Failure> {
    match out {
        Some(file) => {
            std::fs::write(file, body).map_err(|e| Failure::Io(format!("writing {file}: {e}")))
        }
        None => std::io::stdout()
            .write_all(body.as_bytes())
            .map_err(|e| Failure::Io(format!("writing standard output: {e}"))),
    }
}

fn cmd_run(args: &[String]) -> Result<(), Failure> {
    let io = parse_io(args)?;
    let text = read_text(&io.path)?;
    if let Some(done) = by_chapter(Command::Run, &text, &io) {
        return done;
    }
    let cfg = parse_config(&text)?;
    let mut run = Run::new(&cfg);
    let mut probe = match &io.illusion {
        Some((item, feature)) => Some(Probe::new(&run, item, feature).map_err(Failure::Input)?),
        None => None,
    };
    train(&mut run, cfg.train.steps, probe.as_mut());
    if let Some(msg) = run.message() {
        eprintln!("{msg}");
    }
    if let Some(note) = run.note() {
        eprintln!("note: {note}");
    }
    let trace = probe.map(|p| p.trace(&run));
    let body = if io.format == "csv" {
        if trace.is_some() {
            return Err(Failure::Input(
                "--illusion writes JSON only; drop --format csv".into(),
            ));
        }
        export::to_csv(&run)
    } else {
        let mut doc = export::to_json_value(&run);
        if let (Some(t), Some(obj)) = (trace, doc.as_object_mut()) {
            obj.insert(
                "illusion".into(),
                serde_json::to_value(t).expect("a trace serialises"),
            );
        }
        serde_json::to_string(&doc).expect("a run document serialises") + "\n"
    };
    write_out(io.out.as_deref(), &body)
}

fn cmd_sweep(args: &[String]) -> Result<(), Failure> {
    let io = parse_io(args)?;
    if io.illusion.is_some() {
        return Err(Failure::Input(
            "--illusion belongs to dln run, not dln sweep".into(),
        ));
    }
    let text = read_text(&io.path)?;
    if let Some(done) = by_chapter(Command::Sweep, &text, &io) {
        return done;
    }
    let cfg = parse_config(&text)?;
    let mut sweep = Sweep::new(&cfg);
    let tty = std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    while !sweep.work(20_000) {
        if tty {
            let p = sweep.progress();
            let bar = "#".repeat((p * 40.0) as usize);
            eprint!(
                "\r[{bar:<40}] {:>3.0}%  {:.1} s",
                p * 100.0,
                started.elapsed().as_secs_f64()
            );
        }
    }
    if tty {
        eprintln!(
            "\r[{}] 100%  {:.1} s",
            "#".repeat(40),
            started.elapsed().as_secs_f64()
        );
    }
    let r = sweep.results();
    let body = if io.format == "csv" {
        let names: Vec<&String> = r.learning_time.keys().collect();
        let mut csv = String::from("depth");
        for n in &names {
            csv.push_str(&format!(",{n}"));
        }
        csv.push_str(",theory_balanced\n");
        for (k, d) in r.depths.iter().enumerate() {
            csv.push_str(&d.to_string());
            for n in &names {
                csv.push(',');
                if let Some(t) = r.learning_time[*n][k] {
                    csv.push_str(&t.to_string());
                }
            }
            csv.push(',');
            if let Some(t) = r.theory.get("balanced").and_then(|v| v[k]) {
                csv.push_str(&format!("{t:.1}"));
            }
            csv.push('\n');
        }
        csv
    } else {
        serde_json::to_string(r).expect("sweep results serialise") + "\n"
    };
    write_out(io.out.as_deref(), &body)
}

/// Runs to the end, drawing a progress bar on a terminal's standard error; a probe reads its
/// output at every recorded step.
fn train(run: &mut Run, steps: u64, mut probe: Option<&mut Probe>) {
    let tty = std::io::stderr().is_terminal();
    let mut chunk = (steps / 100).max(1);
    if probe.is_some() {
        chunk = chunk.min(run.config().train.record_every.max(1));
    }
    let mut done = 0;
    while done < steps {
        let took = run.advance(chunk.min(steps - done));
        done += took;
        if let Some(p) = probe.as_deref_mut() {
            p.read(run);
        }
        if tty {
            let frac = done as f64 / steps as f64;
            let bar = "#".repeat((frac * 40.0) as usize);
            eprint!("\r[{bar:<40}] {:>3.0}%  step {done}", frac * 100.0);
        }
        if took == 0 {
            break;
        }
    }
    if tty {
        eprintln!();
    }
}

fn cmd_example(args: &[String]) -> Result<(), Failure> {
    use dln_explorer::page::presets::{preset, presets};
    let cfg: Config = match args {
        [] => Config::default(),
        [id] => {
            let p = preset(id).ok_or_else(|| {
                let ids: Vec<&str> = presets().iter().map(|p| p.id).collect();
                Failure::Input(format!(
                    "there is no preset {:?}; the presets are {}",
                    dln_explorer::config::echo::clip(id),
                    ids.join(", ")
                ))
            })?;
            eprintln!("# The page's preset {:?}: {}", p.id, p.title);
            p.full_config()
                .map_err(|e| Failure::Input(e.to_string()))?
                .into()
        }
        _ => return Err(Failure::Usage(USAGE.to_string())),
    };
    println!("{}", cfg.to_json_pretty());
    eprint!(
        "# An example config for `dln run` (the same JSON as the page's window.dln.config()).\n\
         # Every field is optional; missing fields take these defaults. Each field, its key in\n\
         # links (#key=value) and what it allows:\n{}\
         # The chapters read configs of their own: a routing {{domains, trained_per_input or\n\
         # gates, base}} or sequence {{length, strengths, seed}} dataset (network.kind gated or\n\
         # recurrent, init.kind aligned), a teacher {{inputs, examples, snr, outputs, seed}}\n\
         # dataset, or \"tasks\": [{{name, dataset or edit, steps}}, ..].\n\
         # Save it with: dln example > config.json\n",
        fields::notes()
    );
    Ok(())
}
