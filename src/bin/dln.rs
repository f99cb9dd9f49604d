//! `dln`: the native command line on the same simulation core as the page.
//!
//! ```text
//! dln run CONFIG.json [--out FILE] [--format json|csv]   train and write the recorded trajectories
//! dln example                                            print an example config (notes on stderr)
//! dln bench [CASE...] [--seconds S] [--json]             gradient-descent steps per second
//! ```

use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

use dln_explorer::chapters::depth::Sweep;
use dln_explorer::config::{fields, Config, ValidConfig};
use dln_explorer::run::export;
use dln_explorer::run::Run;

const USAGE: &str = "usage:
  dln run CONFIG.json [--out FILE] [--format json|csv]
      Trains the network CONFIG.json describes (use - for standard input) and writes the
      recorded loss, mode strengths and exact theory as JSON (default) or CSV.
  dln sweep CONFIG.json [--out FILE] [--format json|csv]
      Learning time against depth for each initialisation (the config's \"sweep\" settings),
      on the config's dataset and hidden width, with a progress bar on standard error.
  dln example
      Prints an example CONFIG.json on standard output, with notes on standard error.
  dln bench [rm8|wide|deep ...] [--seconds S] [--json]
      Gradient-descent steps per second on three fixed networks (about S = 1 second each).";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => cmd_run(&args[1..]),
        Some("example") => cmd_example(),
        Some("sweep") => cmd_sweep(&args[1..]),
        Some("bench") => dln_explorer::engine::bench::cli(&args[1..])
            .map(|out| print!("{out}"))
            .map_err(Failure::Input),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(Failure::Usage(USAGE.to_string())),
    };
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
}

fn parse_io(args: &[String]) -> Result<Io, Failure> {
    let mut path = None;
    let mut out = None;
    let mut format = None;
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
    Ok(Io { path, out, format })
}

fn read_config(path: &str) -> Result<ValidConfig, Failure> {
    let text = if path == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Failure::Io(format!("reading standard input: {e}")))?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| Failure::Io(format!("reading {path}: {e}")))?
    };
    Config::from_json(&text).map_err(|e| Failure::Input(e.to_string()))
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
    let cfg = read_config(&io.path)?;
    let mut run = Run::new(&cfg);
    train(&mut run, cfg.train.steps);
    if let Some(msg) = run.message() {
        eprintln!("{msg}");
    }
    let body = if io.format == "csv" {
        export::to_csv(&run)
    } else {
        export::to_json(&run) + "\n"
    };
    write_out(io.out.as_deref(), &body)
}

fn cmd_sweep(args: &[String]) -> Result<(), Failure> {
    let io = parse_io(args)?;
    let cfg = read_config(&io.path)?;
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

/// Runs to the end, drawing a progress bar on a terminal's standard error.
fn train(run: &mut Run, steps: u64) {
    let tty = std::io::stderr().is_terminal();
    let chunk = (steps / 100).max(1);
    let mut done = 0;
    while done < steps {
        let took = run.advance(chunk.min(steps - done));
        done += took;
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

fn cmd_example() -> Result<(), Failure> {
    let cfg = Config::default();
    println!("{}", cfg.to_json_pretty());
    eprint!(
        "# An example config for `dln run` (the same JSON as the page's window.dln.config()).\n\
         # Every field is optional; missing fields take these defaults. Each field, its key in\n\
         # links (#key=value) and what it allows:\n{}\
         # Save it with: dln example > config.json\n",
        fields::notes()
    );
    Ok(())
}
