//! How many password hashes are worked out at once. Each verification of a staff password
//! holds 64 MiB or more for a tenth of a second or so (Argon2id at the calibrated cost), on a
//! blocking thread; tokio allows 512 of those. Without a bound, a flood of sign-in attempts
//! (to any account, known or not: unknown ones verify a dummy hash) would take every core
//! and could take more memory than the machine has, ending the server for everyone. With
//! one, the rest wait their turn for a while and are then told the server is busy
//! (`CoreError::Busy`, a 503), while the cores left over keep serving the pages.
//!
//! Sign-ins from a browser that has signed in to its account before (a known device, see
//! `known_devices`) have a lane of their own, one hash at a time, so that a flood from many
//! addresses, which fills the first lane, does not keep staff out. Nobody can fill that
//! lane without a device's cookie, and a cookie is forgotten after a few failures.

use crate::CoreError;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

pub(crate) struct PasswordGate {
    slots: Arc<Semaphore>,
    known_device_slots: Arc<Semaphore>,
    wait: Duration,
}

/// Which queue a hash waits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lane {
    /// Everyone else: sign-ins from anywhere, accounts being made, passwords being changed.
    Anyone,
    /// A sign-in from a known device of the account it names.
    KnownDevice,
}

impl PasswordGate {
    /// `at_once` hashes at a time (at least one) in the lane for anyone, and one in the lane
    /// for known devices; a hash that cannot start within `wait` is not worked out.
    pub(crate) fn new(at_once: usize, wait: Duration) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(at_once.max(1))),
            known_device_slots: Arc::new(Semaphore::new(1)),
            wait,
        }
    }

    /// Runs `work` on a blocking thread once a slot is free. The slot goes with the work,
    /// so a request abandoned meanwhile still counts until its hash is done. Work that
    /// panicked is a fault, not a busy server.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        lane: Lane,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, CoreError> {
        let slots = match lane {
            Lane::Anyone => &self.slots,
            Lane::KnownDevice => &self.known_device_slots,
        };
        let slot = tokio::time::timeout(self.wait, Arc::clone(slots).acquire_owned())
            .await
            .map_err(|_| CoreError::Busy)?
            .map_err(|_| CoreError::Busy)?;
        tokio::task::spawn_blocking(move || {
            let out = work();
            drop(slot);
            out
        })
        .await
        .map_err(|_| CoreError::Crypto(haven_crypto::CryptoError::Malformed))
    }
}

/// All the machine's cores but one, so that pages are still served while passwords are
/// checked; one on a single core.
pub(crate) fn default_at_once() -> usize {
    at_once_on(std::thread::available_parallelism().map_or(1, |n| n.get()))
}

fn at_once_on(cores: usize) -> usize {
    cores.saturating_sub(1).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_than_its_slots_run_at_once() {
        let gate = Arc::new(PasswordGate::new(2, Duration::from_secs(30)));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let (gate, running, most) = (gate.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    gate.run(Lane::Anyone, move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(20));
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
                })
            })
            .collect();
        for t in tasks {
            assert!(t.await.unwrap().is_ok(), "each had its turn");
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_hash_that_cannot_start_in_time_is_refused_as_busy() {
        let gate = Arc::new(PasswordGate::new(1, Duration::from_millis(50)));
        let (started, release) = (
            Arc::new(tokio::sync::Notify::new()),
            Arc::new(std::sync::Barrier::new(2)),
        );
        let long = {
            let (gate, started, release) = (gate.clone(), started.clone(), release.clone());
            tokio::spawn(async move {
                gate.run(Lane::Anyone, move || {
                    started.notify_one();
                    release.wait();
                })
                .await
            })
        };
        started.notified().await;
        assert!(matches!(
            gate.run(Lane::Anyone, || ()).await,
            Err(CoreError::Busy)
        ));
        release.wait();
        assert!(long.await.unwrap().is_ok());
        assert!(gate.run(Lane::Anyone, || ()).await.is_ok(), "free again");
    }

    #[tokio::test]
    async fn a_known_device_does_not_wait_behind_everyone_else() {
        let gate = Arc::new(PasswordGate::new(1, Duration::from_millis(50)));
        let (started, release) = (
            Arc::new(tokio::sync::Notify::new()),
            Arc::new(std::sync::Barrier::new(2)),
        );
        let long = {
            let (gate, started, release) = (gate.clone(), started.clone(), release.clone());
            tokio::spawn(async move {
                gate.run(Lane::Anyone, move || {
                    started.notify_one();
                    release.wait();
                })
                .await
            })
        };
        started.notified().await;
        assert!(matches!(
            gate.run(Lane::Anyone, || ()).await,
            Err(CoreError::Busy)
        ));
        assert_eq!(
            gate.run(Lane::KnownDevice, || 7).await.ok(),
            Some(7),
            "its own lane is free"
        );
        release.wait();
        assert!(long.await.unwrap().is_ok());
    }

    #[test]
    fn one_core_is_left_for_the_pages() {
        assert_eq!(
            [0, 1, 2, 8].map(at_once_on),
            [1, 1, 1, 7],
            "never none, even on one core"
        );
    }
}
