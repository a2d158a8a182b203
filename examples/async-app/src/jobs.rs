use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::Notify;

#[derive(Default)]
pub struct Jobs {
    queue: Mutex<VecDeque<u32>>,
    ready: Notify,
    done: AtomicBool,
}

impl Jobs {
    pub fn submit(&self, id: u32) {
        self.queue.lock().push_back(id);
        self.ready.notify_one();
    }

    /// Takes one job per wake-up: two submits before the worker runs leave
    /// one stored permit, and the second job waits for the next submit.
    pub async fn run(&self) {
        loop {
            self.ready.notified().await;
            let job = self.queue.lock().pop_front();
            if let Some(id) = job {
                process(id).await;
            }
            if self.done.load(Ordering::Acquire) {
                break;
            }
        }
    }

    pub fn shutdown(&self) {
        self.done.store(true, Ordering::Release);
        self.ready.notify_waiters();
    }

    /// Polls a flag with a sleep instead of awaiting a notification.
    pub async fn wait_done(&self) {
        while !self.done.load(Ordering::Acquire) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

async fn process(id: u32) {
    let _ = id;
    tokio::task::yield_now().await;
}
