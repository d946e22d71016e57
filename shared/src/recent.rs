//! A short per-instance memory of values just read, by id: a chatbot conversation asks for the
//! same client (or balance) several times within a minute. Bounded: past its capacity it starts over.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;

/// Values by id, each kept for `ttl` after it was read.
pub struct Recent<T> {
    ttl: Duration,
    capacity: usize,
    values: Mutex<HashMap<i64, (Instant, T)>>,
}

impl<T: Clone> Recent<T> {
    /// An empty memory keeping each value `ttl`, at most `capacity` at once.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Recent { ttl, capacity, values: Mutex::new(HashMap::new()) }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<i64, (Instant, T)>> {
        self.values.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The value for `id` read less than `ttl` ago.
    pub fn get(&self, id: i64) -> Option<T> {
        self.lock().get(&id).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, value)| value.clone())
    }

    /// Forgets the value for `id` (it changed: the next read asks again).
    pub fn forget(&self, id: i64) {
        self.lock().remove(&id);
    }

    /// Keeps `values` from now on; a full memory is emptied first.
    pub fn keep(&self, values: impl IntoIterator<Item = (i64, T)>) {
        let mut recent = self.lock();
        for (id, value) in values {
            if recent.len() >= self.capacity {
                recent.clear();
            }
            recent.insert(id, (Instant::now(), value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_value_serves_for_its_ttl_and_a_full_memory_starts_over() {
        let recent = Recent::new(Duration::from_millis(50), 2);
        recent.keep([(1, "a"), (2, "b")]);
        assert_eq!((recent.get(1), recent.get(3)), (Some("a"), None));
        recent.keep([(3, "c")]);
        assert_eq!((recent.get(1), recent.get(3)), (None, Some("c")));
        recent.forget(3);
        assert_eq!(recent.get(3), None);
        recent.keep([(3, "c")]);
        tokio::time::sleep(Duration::from_millis(80)).await;
        assert_eq!(recent.get(3), None);
    }
}
