//! Learning dynamics (SMG14): the main run's loss, its modes learned one by one beside their
//! prediction, the network's output against the target, and the data's modes. Its state is the
//! registry's [`Session`](crate::run::Session); this chapter only draws it.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::chapter::{Chapter, PanelSpec, Shared};
use crate::charts::{self, ChartResult, Frame, Table, Theme};

#[derive(Default)]
pub struct Learning;

impl Chapter for Learning {
    const ID: &'static str = "learning";
    const TITLE: &'static str = "Learning dynamics";
    const PANELS: &'static [PanelSpec] = &[
        PanelSpec::run("loss", "Loss"),
        PanelSpec::run("modes", "Mode strengths"),
        PanelSpec::run("output", "Network output and target"),
        PanelSpec::run("svd", "The data's modes"),
        PanelSpec::run("delays", "Delays behind the theory"),
    ];
    const CALLS: &'static [super::chapter::CallSpec] = &[];

    fn version(&self, panel: &str, shared: &Shared<'_>) -> Option<u64> {
        Some(match panel {
            // The data's modes are fixed for a run (new data builds a new run).
            "svd" => shared.session.run().revision().0.rotate_left(1) | 1,
            _ => shared.version,
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
        charts::draw_panel(panel, root, shared.session, shared.view, theme)
    }

    fn readout(
        &self,
        panel: &str,
        frame: &Frame,
        shared: &Shared<'_>,
        x: f64,
        y: f64,
    ) -> Option<String> {
        charts::readout(panel, frame, shared.session, shared.view, x, y)
    }

    fn table(&self, panel: &str, shared: &Shared<'_>) -> Option<Table> {
        charts::panel_table(panel, shared.session, shared.view)
    }
}
