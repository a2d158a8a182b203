use tokio::sync::Mutex;

#[derive(Default)]
pub struct Stats {
    /// An async lock whose guards never span an await.
    totals: Mutex<Totals>,
}

#[derive(Default)]
struct Totals {
    count: u64,
    bytes: u64,
}

impl Stats {
    pub async fn record(&self, value: String) {
        let mut t = self.totals.lock().await;
        t.count += 1;
        t.bytes += value.len() as u64;
    }

    pub async fn reset(&self) {
        // The guard is dropped at once: this "critical section" protects nothing.
        let _ = self.totals.lock().await;
        self.clear().await;
    }

    async fn clear(&self) {
        let mut t = self.totals.lock().await;
        *t = Totals::default();
    }
}
