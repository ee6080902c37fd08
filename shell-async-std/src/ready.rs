//! Which sockets woke the driver. Each socket, dial and listener polls
//! with a waker of its own that records its key here and wakes the
//! driver's task, so one wake-up costs work on the sockets that are
//! ready, not on all of them.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::task::{Wake, Waker};

use veil_core::node::ConnId;

/// What a waker stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    /// A connection's socket, or its dial while it is being opened.
    Conn(ConnId),
    /// The listener at this index.
    Listener(usize),
    /// An inbound socket's carrier handshake, by its number.
    Accept(u64),
}

#[derive(Default)]
struct Inner {
    keys: VecDeque<Key>,
    /// The same keys, to queue each once.
    queued: HashSet<Key>,
    task: Option<Waker>,
}

/// The keys woken since the driver last looked, and the driver's waker.
#[derive(Clone, Default)]
pub(crate) struct ReadyQueue {
    inner: Arc<Mutex<Inner>>,
}

impl ReadyQueue {
    /// Remembers the waker of the task the driver runs in.
    pub(crate) fn set_task(&self, task: &Waker) {
        let mut inner = self.lock();
        if !inner.task.as_ref().is_some_and(|w| w.will_wake(task)) {
            inner.task = Some(task.clone());
        }
    }

    /// Marks `key` ready (it is looked at in the driver's next pass).
    pub(crate) fn push(&self, key: Key) {
        let task = {
            let mut inner = self.lock();
            if inner.queued.insert(key) {
                inner.keys.push_back(key);
            }
            inner.task.clone()
        };
        if let Some(task) = task {
            task.wake();
        }
    }

    /// Takes the keys woken so far, oldest first.
    pub(crate) fn take(&self) -> VecDeque<Key> {
        let mut inner = self.lock();
        inner.queued.clear();
        std::mem::take(&mut inner.keys)
    }

    /// A waker that marks `key` ready.
    pub(crate) fn waker(&self, key: Key) -> Waker {
        Waker::from(Arc::new(KeyWaker {
            key,
            queue: self.clone(),
        }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere cannot leave the queue half-written.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct KeyWaker {
    key: Key,
    queue: ReadyQueue,
}

impl Wake for KeyWaker {
    fn wake(self: Arc<Self>) {
        self.queue.push(self.key);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.queue.push(self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_woken_twice_is_queued_once_and_wakes_the_task() {
        let queue = ReadyQueue::default();
        let woken = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        struct Count(Arc<std::sync::atomic::AtomicUsize>);
        impl Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        }
        queue.set_task(&Waker::from(Arc::new(Count(woken.clone()))));
        let waker = queue.waker(Key::Conn(ConnId::from_raw(7)));
        waker.wake_by_ref();
        waker.wake();
        queue.push(Key::Listener(0));
        let keys: Vec<_> = queue.take().into_iter().collect();
        assert_eq!(
            keys,
            [Key::Conn(ConnId::from_raw(7)), Key::Listener(0)],
            "in order, no duplicates"
        );
        assert_eq!(woken.load(std::sync::atomic::Ordering::SeqCst), 3);
        assert!(queue.take().is_empty());
    }
}
