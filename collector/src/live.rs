//! The journey map's figures from the store (no HTTP here: `map` serves
//! them): [`aggregate`] reads every stored journey's facts into the
//! server crate's aggregator, and [`LiveMap`] keeps the default view
//! (every journey, the site's stage model),
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
            let map = aggregate(store, stages, Filter::default())?;
            *view = Some(View { map, version });
        }
        Ok(view.as_ref().map(|v| read(&v.map)))
    }

    /// After an erasure: the next read rebuilds the view.
    pub fn forget(&self) {
        *self.lock() = None;
    }
}

/// Facts lines handed from the reading thread to the aggregating one at a time.
const CHUNK_LINES: usize = 2_000;

/// Feeds every stored journey's facts to the server crate's aggregator. One thread
/// reads from the store while this one aggregates: with ClickHouse, reading
/// the lines takes half as long as aggregating them.
pub fn aggregate(store: &Store, stages: &[String], filter: Filter) -> Result<JourneyMap, StoreError> {
    let mut maps = aggregate_all(store, stages, vec![filter])?;
    Ok(maps.remove(0))
}

/// One map per filter, from one read of the store (a view and what it is
/// compared with).
pub fn aggregate_all(store: &Store, stages: &[String], filters: Vec<Filter>) -> Result<Vec<JourneyMap>, StoreError> {
    let names: Vec<&str> = stages.iter().map(String::as_str).collect();
    let mut maps: Vec<JourneyMap> = filters.into_iter().map(|f| JourneyMap::new(&names, f)).collect();
    let (send, receive) = std::sync::mpsc::sync_channel::<String>(8);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let (mut chunk, mut lines) = (String::with_capacity(CHUNK_LINES * 300), 0);
            store.each_journey(|line| {
                chunk.push_str(line);
                chunk.push('\n'); // facts lines hold no control character
                lines += 1;
                if lines == CHUNK_LINES {
                    let _ = send.send(std::mem::take(&mut chunk));
                    lines = 0;
                }
            })?;
            let _ = send.send(chunk);
            Ok::<(), StoreError>(())
        });
        for chunk in receive {
            for facts in chunk.lines().filter_map(Facts::decode) {
                for map in &mut maps {
                    map.add_facts(&facts);
                }
            }
        }
        reader
            .join()
            .unwrap_or_else(|_| Err(StoreError("the reading thread panicked".into())))
    })?;
    Ok(maps)
}
