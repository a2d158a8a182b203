use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

#[derive(Default)]
pub struct Cache {
    entries: Mutex<HashMap<u32, String>>,
    hits: AtomicU64,
}

impl Cache {
    /// Looks a key up, fetching it on a miss.
    pub async fn get_or_fetch(&self, key: u32) -> String {
        let mut entries = self.entries.lock().unwrap();
        if let Some(v) = entries.get(&key) {
            return v.clone();
        }
        // The std guard is still held here: every other task that touches
        // the cache blocks its thread until the fetch completes.
        let value = fetch(key).await;
        entries.insert(key, value.clone());
        value
    }

    /// Counts a hit: read, await, write back from the stale value.
    pub async fn count_hit(&self) {
        let n = self.hits.load(Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(1)).await;
        self.hits.store(n + 1, Ordering::Relaxed);
    }

    /// Fills a missing entry: check, await, act.
    pub async fn warm(&self, key: u32) {
        if !self.entries.lock().unwrap().contains_key(&key) {
            let value = fetch(key).await;
            self.entries.lock().unwrap().insert(key, value);
        }
    }
}

async fn fetch(key: u32) -> String {
    // A blocking sleep on the executor thread.
    std::thread::sleep(Duration::from_millis(5));
    format!("value-{key}")
}
