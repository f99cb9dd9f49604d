//! A bounded record of a run, the data every chart reads.
//!
//! A record is kept every `stride` steps. When the record count reaches its cap, every other
//! record is dropped and the stride doubles, so a run of any length keeps an evenly spaced,
//! bounded history.

use serde::Serialize;

/// One snapshot of the run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Record {
    /// Training steps taken.
    pub step: u64,
    /// Elapsed time in units of tau: the sum of the learning rates of all steps so far.
    pub time: f64,
    /// `L = 1/2 sum_mu ||y_mu - W_tot x_mu||^2` at this step.
    pub loss: f64,
    /// Mode strengths `u_alpha^T W_tot v_alpha`, one per mode of the data's SVD.
    pub modes: Vec<f64>,
    /// Predicted mode strengths at the same time, when the configuration has a prediction.
    pub theory: Option<Vec<f64>>,
    /// Predicted loss at the same time.
    pub theory_loss: Option<f64>,
}

#[derive(Clone, Debug)]
pub struct History {
    records: Vec<Record>,
    stride: u64,
    cap: usize,
}

impl History {
    /// An empty history recording every `stride` steps and holding at most `cap` (>= 4) records.
    pub fn new(stride: u64, cap: usize) -> History {
        History {
            records: Vec::new(),
            stride: stride.max(1),
            cap: cap.max(4),
        }
    }

    /// The current spacing between records, in steps.
    pub fn stride(&self) -> u64 {
        self.stride
    }

    /// Whether a record is due at `step`.
    pub fn due(&self, step: u64) -> bool {
        step.is_multiple_of(self.stride)
    }

    pub fn push(&mut self, rec: Record) {
        if self.records.len() >= self.cap {
            let mut keep = 0;
            self.stride *= 2;
            for i in 0..self.records.len() {
                if self.records[i].step.is_multiple_of(self.stride) {
                    self.records.swap(keep, i);
                    keep += 1;
                }
            }
            self.records.truncate(keep);
        }
        if self.due(rec.step) || self.records.is_empty() {
            self.records.push(rec);
        }
    }

    pub fn records(&self) -> &[Record] {
        &self.records
    }

    pub fn last(&self) -> Option<&Record> {
        self.records.last()
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(step: u64) -> Record {
        Record {
            step,
            time: step as f64,
            loss: 1.0,
            modes: vec![],
            theory: None,
            theory_loss: None,
        }
    }

    #[test]
    fn a_full_history_halves_and_doubles_its_stride() {
        let mut h = History::new(1, 8);
        for s in 0..100 {
            if h.due(s) {
                h.push(rec(s));
            }
        }
        assert!(h.len() <= 8);
        let steps: Vec<u64> = h.records().iter().map(|r| r.step).collect();
        let gaps: Vec<u64> = steps.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(gaps.iter().all(|&g| g == h.stride()), "{steps:?}");
        assert_eq!(steps[0], 0);
    }
}
