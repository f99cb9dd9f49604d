//! A bounded record of a run, the data every chart reads.
//!
//! A record is kept every `stride` steps. When the record count reaches its cap, every other
//! record is dropped and the stride doubles, so a run of any length keeps an evenly spaced,
//! bounded history.

use ndarray::Array2;
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

/// The network's state at one step, kept (more sparsely than records) for scrubbing back in
/// time: outputs, the first hidden layer's representation of every item and the map from that
/// layer to the output.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub step: u64,
    /// Elapsed time in units of tau.
    pub time: f64,
    /// Network output for every item, `N_D x P`.
    pub output: Array2<f64>,
    /// First hidden layer's representation of every item, `N_1 x P` (none for a shallow net).
    pub hidden: Option<Array2<f64>>,
    /// The map from the first hidden layer to the output, `W_D ... W_2` (`N_D x N_1`).
    pub readout: Option<Array2<f64>>,
}

impl Snapshot {
    /// Numbers stored in one snapshot.
    pub fn size(&self) -> usize {
        self.output.len()
            + self.hidden.as_ref().map_or(0, |h| h.len())
            + self.readout.as_ref().map_or(0, |r| r.len())
    }
}

#[derive(Clone, Debug)]
pub struct History {
    records: Vec<Record>,
    stride: u64,
    cap: usize,
    snapshots: Vec<Snapshot>,
    snap_stride: u64,
    snap_cap: usize,
}

/// Drops every other entry (keeping multiples of the doubled stride) when `v` is full.
fn thin<T>(v: &mut Vec<T>, stride: &mut u64, cap: usize, step_of: impl Fn(&T) -> u64) {
    if v.len() < cap {
        return;
    }
    *stride *= 2;
    let s = *stride;
    let mut keep = 0;
    for i in 0..v.len() {
        if step_of(&v[i]).is_multiple_of(s) {
            v.swap(keep, i);
            keep += 1;
        }
    }
    v.truncate(keep);
}

impl History {
    /// An empty history recording every `stride` steps and holding at most `cap` (>= 4) records.
    pub fn new(stride: u64, cap: usize) -> History {
        History {
            records: Vec::new(),
            stride: stride.max(1),
            cap: cap.max(4),
            snapshots: Vec::new(),
            snap_stride: stride.max(1),
            snap_cap: 4,
        }
    }

    /// Keeps at most `cap` snapshots (at least 4).
    pub fn with_snapshot_cap(mut self, cap: usize) -> History {
        self.snap_cap = cap.max(4);
        self
    }

    /// Whether a snapshot is due at `step`.
    pub fn snapshot_due(&self, step: u64) -> bool {
        step.is_multiple_of(self.snap_stride)
    }

    pub fn push_snapshot(&mut self, snap: Snapshot) {
        thin(
            &mut self.snapshots,
            &mut self.snap_stride,
            self.snap_cap,
            |s| s.step,
        );
        self.snapshots.push(snap);
    }

    pub fn snapshots(&self) -> &[Snapshot] {
        &self.snapshots
    }

    /// The last snapshot at or before `step` (the first one if `step` precedes them all).
    pub fn snapshot_at(&self, step: u64) -> Option<&Snapshot> {
        let i = self.snapshots.partition_point(|s| s.step <= step);
        self.snapshots.get(i.saturating_sub(1))
    }

    /// The last record at or before `step` (the first one if `step` precedes them all).
    pub fn record_at(&self, step: u64) -> Option<&Record> {
        let i = self.records.partition_point(|r| r.step <= step);
        self.records.get(i.saturating_sub(1))
    }

    /// The current spacing between records, in steps.
    pub fn stride(&self) -> u64 {
        self.stride
    }

    /// Whether a record is due at `step`.
    pub fn due(&self, step: u64) -> bool {
        step.is_multiple_of(self.stride)
    }

    /// Appends a record (the caller takes records when [`History::due`] says so, and at the end
    /// of a run), thinning the history first if it is full.
    pub fn push(&mut self, rec: Record) {
        thin(&mut self.records, &mut self.stride, self.cap, |r| r.step);
        self.records.push(rec);
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
