//! The journey map's default view (every journey, the site's stage model),
//! kept up to date as this collector stores journeys, so that opening the
//! map costs no aggregation. Filtered views are computed afresh. Only for a
//! store with one writer (SQLite): a journey stored by another process is
//! noticed by the store's journeys version, and the view is then rebuilt.

use std::sync::{Mutex, MutexGuard};

use parcours_core::batch::ReceivedBatch;
use parcours_server::aggregate::{Facts, Filter, JourneyMap};

use crate::store::{Store, StoreError, Stored};

#[derive(Default)]
pub struct LiveMap {
    view: Mutex<Option<View>>,
}

struct View {
    map: JourneyMap,
    /// The store's journeys version this map has counted up to.
    version: i64,
}

impl LiveMap {
    fn lock(&self) -> MutexGuard<'_, Option<View>> {
        self.view.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Stores the batches and counts their new journeys in the view, as one
    /// step: no journey is missed or counted twice by a view being built.
    pub fn store(&self, store: &Store, batches: &[ReceivedBatch], received_at: i64) -> Result<Stored, StoreError> {
        let mut view = self.lock();
        let stored = store.insert_batches(batches, received_at, &mut |line| {
            if let (Some(view), Some(facts)) = (view.as_mut(), Facts::decode(line)) {
                view.map.add_facts(&facts);
            }
        })?;
        if let Some(current) = view.as_mut() {
            match store.journeys_version()? {
                Some(version) => current.version = version,
                None => *view = None,
            }
        }
        Ok(stored)
    }

    /// Runs `read` on the default view for `stages`, building it when there
    /// is none yet or the store changed behind this collector's back. None
    /// when the store has no single writer.
    pub fn read<T>(
        &self,
        store: &Store,
        stages: &[String],
        read: impl FnOnce(&JourneyMap) -> T,
    ) -> Result<Option<T>, StoreError> {
        let mut view = self.lock();
        let Some(version) = store.journeys_version()? else {
            return Ok(None);
        };
        let fresh = view.as_ref().is_some_and(|v| v.version == version);
        if !fresh {
            let map = crate::map::aggregate(store, stages, Filter::default())?;
            *view = Some(View { map, version });
        }
        Ok(view.as_ref().map(|v| read(&v.map)))
    }

    /// After an erasure: the next read rebuilds the view.
    pub fn forget(&self) {
        *self.lock() = None;
    }
}
