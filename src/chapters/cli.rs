//! The chapters that answer `dln run` and `dln sweep` on configs of their own, in one list. The
//! command line asks each in turn whether it claims a config; the first that does answers it,
//! and a config no chapter claims is the main run's.

use serde_json::Value;

#[cfg(not(target_arch = "wasm32"))]
use super::{context, generalisation, prior};

/// The command a config was given to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Run,
    Sweep,
}

/// What a chapter writes for a config: the document, and a warning for standard error.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Answer {
    pub body: String,
    pub warning: Option<String>,
}

impl From<String> for Answer {
    fn from(body: String) -> Answer {
        Answer {
            body,
            warning: None,
        }
    }
}

/// A chapter's answer to a config it claims: (command, config, csv, progress).
pub type AnswerFn = fn(Command, &Value, bool, &mut dyn FnMut(f64)) -> Result<Answer, String>;

/// One chapter's part of the command line.
pub struct CliChapter {
    /// Whether the chapter reads this config (by its shape, before checking it).
    pub claims: fn(Command, &Value) -> bool,
    /// Runs the config; `csv` asks for CSV instead of JSON; `progress` is called with the
    /// fraction done from time to time. An error is the message to print.
    pub answer: AnswerFn,
}

/// The chapters in the order they are asked: the generalisation chapter claims sweeps over α
/// before the prior-knowledge chapter claims any other `sweep.over`. Native only, as the
/// command line is.
#[cfg(not(target_arch = "wasm32"))]
pub const CLI_CHAPTERS: &[CliChapter] = &[
    CliChapter {
        claims: generalisation::cli::claims,
        answer: |c, v, csv, p| generalisation::cli::answer(c, v, csv, p).map(Answer::from),
    },
    CliChapter {
        claims: prior::cli::claims,
        answer: |c, v, csv, p| prior::cli::answer(c, v, csv, p).map(Answer::from),
    },
    CliChapter {
        claims: context::cli_claims,
        answer: context::cli_answer,
    },
];

/// The chapter that claims `value` for `command`, if any.
#[cfg(not(target_arch = "wasm32"))]
pub fn claimant(command: Command, value: &Value) -> Option<&'static CliChapter> {
    CLI_CHAPTERS.iter().find(|c| (c.claims)(command, value))
}
