//! `Store` on top of localStorage, falling back to memory when storage is
//! disabled, blocked or full, so the SDK keeps working (for this page) and
//! never throws into the host.

use alloc::string::String;

use parcours_core::platform::{MemoryStore, Store};

pub struct BrowserStore {
    local: Option<web_sys::Storage>,
    memory: MemoryStore,
    /// Set when a write failed: the caller warns once.
    pub degraded: bool,
}

impl BrowserStore {
    /// Uses `local` (the page's localStorage, or none where reading it threw)
    /// if a write succeeds, else memory.
    pub fn open(local: Option<web_sys::Storage>) -> BrowserStore {
        let local =
            local.filter(|s| s.set_item("parcours.probe", "1").is_ok() && s.remove_item("parcours.probe").is_ok());
        BrowserStore {
            degraded: local.is_none(),
            local,
            memory: MemoryStore::default(),
        }
    }

    pub fn is_persistent(&self) -> bool {
        self.local.is_some()
    }
}

impl Store for BrowserStore {
    fn get(&self, key: &str) -> Option<String> {
        if let Some(value) = self.memory.get(key) {
            return Some(value);
        }
        self.local.as_ref().and_then(|s| s.get_item(key).ok().flatten())
    }

    fn set(&mut self, key: &str, value: &str) -> bool {
        if let Some(local) = &self.local {
            if local.set_item(key, value).is_ok() {
                self.memory.remove(key);
                return true;
            }
            self.degraded = true;
        }
        self.memory.set(key, value);
        false
    }

    fn remove(&mut self, key: &str) {
        self.memory.remove(key);
        if let Some(local) = &self.local {
            let _ = local.remove_item(key);
        }
    }
}
