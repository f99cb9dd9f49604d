//! What the page is looking at, apart from the config: the scrubbed time and the choices of the
//! semantic panels. Serialised as JSON by the page (and in the URL hash).

use serde::{Deserialize, Serialize};

use crate::run::Run;

/// An output of the network: one feature of one item.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pick {
    pub item: String,
    pub feature: String,
}

crate::choices! {
    /// What the inductive-projection panel teaches (the panel's "teach" menu is `OPTIONS`).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
    pub enum ProjectionKind {
        /// A novel feature, taught for one item: how far does it spread to the others?
        #[default]
        Feature = "feature" ("a new feature to one item",
            "a novel feature is taught for one item; the chart shows how far it spreads to the others"),
        /// A novel item, said to have one familiar feature: which other features does it get?
        Item = "item" ("a new item one familiar feature",
            "a novel item is said to have one familiar feature; the chart shows which others it gets"),
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Projection {
    pub kind: ProjectionKind,
    /// The item that gets the novel feature (default: `canary` if there is one, else the last item).
    pub item: Option<String>,
    /// The feature the novel item has (default: `fly` if there is one, else the first feature).
    pub feature: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct View {
    /// Show every panel as the run was at this step (`None`: as it is now).
    pub scrub: Option<u64>,
    /// The output followed by the illusion panel (`None`: the strongest predicted illusion).
    pub illusion: Option<Pick>,
    /// The category mode (1-based) of the typicality panel (`None`: mode 2).
    pub category: Option<usize>,
    pub projection: Projection,
    /// Also draw the papers' continuous-time (gradient-flow) curves beside the exact map.
    pub flow: bool,
}

impl View {
    /// The step the panels show.
    pub fn step(&self, run: &Run) -> u64 {
        self.scrub
            .map_or(run.step_count(), |s| s.min(run.step_count()))
    }

    /// The (feature, item) indices of the illusion panel.
    pub fn illusion_pick(&self, run: &Run) -> (usize, usize) {
        let data = run.data();
        if let Some(p) = &self.illusion {
            let i = data.items.iter().position(|n| *n == p.item);
            let m = data.features.iter().position(|n| *n == p.feature);
            if let (Some(i), Some(m)) = (i, m) {
                return (m, i);
            }
        }
        run.illusion_candidates()
            .first()
            .map(|c| (c.feature, c.item))
            .unwrap_or((0, 0))
    }

    /// The 0-based category mode of the typicality panel.
    pub fn category_mode(&self, run: &Run) -> usize {
        let modes = run.svd().rank().max(1);
        self.category.unwrap_or(2).clamp(1, modes).saturating_sub(1)
    }

    /// The item that gets a novel feature.
    pub fn projection_item(&self, run: &Run) -> usize {
        let items = &run.data().items;
        self.projection
            .item
            .as_ref()
            .and_then(|n| items.iter().position(|x| x == n))
            .unwrap_or_else(|| {
                items
                    .iter()
                    .position(|x| x == "canary")
                    .unwrap_or(items.len() - 1)
            })
    }

    /// The feature the novel item has.
    pub fn projection_feature(&self, run: &Run) -> usize {
        let features = &run.data().features;
        self.projection
            .feature
            .as_ref()
            .and_then(|n| features.iter().position(|x| x == n))
            .unwrap_or_else(|| features.iter().position(|x| x == "fly").unwrap_or(0))
    }
}
