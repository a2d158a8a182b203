mod cache;
mod jobs;
mod stats;

use std::sync::Arc;

use cache::Cache;
use jobs::Jobs;
use stats::Stats;

#[tokio::main]
async fn main() {
    let cache = Arc::new(Cache::default());
    let jobs = Arc::new(Jobs::default());
    let stats = Arc::new(Stats::default());

    let worker = {
        let jobs = jobs.clone();
        tokio::spawn(async move { jobs.run().await })
    };
    for id in 0..10 {
        jobs.submit(id);
        let value = cache.get_or_fetch(id).await;
        stats.record(value).await;
    }
    jobs.shutdown();
    let _ = worker.await;
}
