//! How many sign-ins may fail from one network address. The per-account throttle
//! (`login.rs`) stops guessing at one account, but not one machine trying many accounts, nor
//! a flood of attempts that fills the password gate (`password_gate.rs`) so that a
//! caseworker's own sign-in is answered "busy". An address may fail `burst` times in a row,
//! then once more every `every`; past that its attempts are refused before anything is read
//! or hashed. A sign-in that succeeds takes back what it spent, so the staff of an office
//! behind one address are limited only by their mistakes.
//!
//! The limit is a generic cell rate (GCRA): one instant per address, the time at which its
//! bucket would be full again. An address whose bucket is full needs no entry, so the table
//! holds only addresses that failed recently; when it reaches its size it drops those whose
//! buckets are full again, then arbitrary ones (which only gives them a fresh burst). IPv6
//! addresses count by their /64 prefix, which is what one household or office is given. The
//! table is per server process: several servers each keep their own.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::net::IpAddr;
use std::sync::Mutex;
use time::{Duration, OffsetDateTime};

/// What one address is counted as: an IPv4 address, or an IPv6 /64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum AddressKey {
    V4(u32),
    V6(u64),
}

impl AddressKey {
    fn of(addr: IpAddr) -> Self {
        match addr.to_canonical() {
            IpAddr::V4(a) => Self::V4(u32::from(a)),
            IpAddr::V6(a) => Self::V6((u128::from(a) >> 64) as u64),
        }
    }
}

/// Failed sign-ins per address (see the module's documentation).
pub(crate) struct AddressLimit {
    /// One more attempt every `every`; `burst` in a row from a full bucket.
    every: Duration,
    /// `every × (burst − 1)`: how far ahead of now an address's instant may stand.
    tolerance: Duration,
    capacity: usize,
    table: Mutex<HashMap<AddressKey, Bucket>>,
}

/// One address's bucket: when it would be full again, and whether an attempt has been
/// refused since the last one allowed.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    full_at: OffsetDateTime,
    refused: bool,
}

/// The answer to an attempt over the limit: when the next one would be allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OverLimit {
    pub(crate) retry_after: std::time::Duration,
    /// The first refusal since the address was last allowed, worth a line in the log.
    pub(crate) first: bool,
}

const DEFAULT_CAPACITY: usize = 100_000;

impl AddressLimit {
    /// `burst` attempts in a row (at least one), one more every `every`. A `burst` of zero
    /// switches the limit off.
    pub(crate) fn new(burst: u32, every: Duration) -> Self {
        Self::with_capacity(burst, every, DEFAULT_CAPACITY)
    }

    fn with_capacity(burst: u32, every: Duration, capacity: usize) -> Self {
        let every = if burst == 0 { Duration::ZERO } else { every };
        Self {
            every,
            tolerance: every * burst.saturating_sub(1),
            capacity: capacity.max(4),
            table: Mutex::new(HashMap::new()),
        }
    }

    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<AddressKey, Bucket>> {
        // The table holds only plain values; one left by a panicking thread is still whole.
        self.table
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Spends one attempt of `addr` at `now`, or says when the next is allowed.
    pub(crate) fn spend(&self, addr: IpAddr, now: OffsetDateTime) -> Result<(), OverLimit> {
        if self.every <= Duration::ZERO {
            return Ok(());
        }
        let key = AddressKey::of(addr);
        let mut table = self.table();
        if table.len() >= self.capacity && !table.contains_key(&key) {
            self.make_room(&mut table, now);
        }
        let bucket = table.entry(key).or_insert(Bucket {
            full_at: now,
            refused: false,
        });
        let full_at = bucket.full_at.max(now);
        let allowed_from = full_at - self.tolerance;
        if now < allowed_from {
            let first = !bucket.refused;
            bucket.refused = true;
            return Err(OverLimit {
                retry_after: (allowed_from - now).unsigned_abs(),
                first,
            });
        }
        *bucket = Bucket {
            full_at: full_at + self.every,
            refused: false,
        };
        Ok(())
    }

    /// Gives back the attempt `addr` spent, for a sign-in that succeeded.
    pub(crate) fn give_back(&self, addr: IpAddr, now: OffsetDateTime) {
        if self.every <= Duration::ZERO {
            return;
        }
        let key = AddressKey::of(addr);
        let mut table = self.table();
        if let Entry::Occupied(mut o) = table.entry(key) {
            let back = o.get().full_at - self.every;
            if back <= now {
                o.remove();
            } else {
                o.get_mut().full_at = back;
            }
        }
    }

    /// Drops the addresses whose buckets are full again, and if that frees less than a
    /// quarter of the table, arbitrary others down to three quarters.
    fn make_room(&self, table: &mut HashMap<AddressKey, Bucket>, now: OffsetDateTime) {
        table.retain(|_, bucket| bucket.full_at > now);
        let keep = self.capacity / 4 * 3;
        if table.len() > keep {
            let drop: Vec<AddressKey> = table.keys().take(table.len() - keep).copied().collect();
            for key in drop {
                table.remove(&key);
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.table().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-12-03 12:00 UTC);

    fn v4(last: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(203, 0, 113, last))
    }

    #[test]
    fn an_address_fails_its_burst_then_one_more_every_interval() {
        let limit = AddressLimit::new(3, Duration::seconds(6));
        for _ in 0..3 {
            assert_eq!(limit.spend(v4(1), T0), Ok(()));
        }
        let over = limit.spend(v4(1), T0).unwrap_err();
        assert_eq!(over.retry_after, std::time::Duration::from_secs(6));
        assert!(over.first);
        let again = limit.spend(v4(1), T0 + Duration::seconds(2)).unwrap_err();
        assert!(!again.first, "one log line per episode");
        assert!(again.retry_after <= std::time::Duration::from_secs(4));
        assert!(again.retry_after > std::time::Duration::from_millis(3999));
        assert_eq!(limit.spend(v4(1), T0 + Duration::seconds(6)), Ok(()));
        assert!(limit.spend(v4(1), T0 + Duration::seconds(6)).is_err());
        assert_eq!(
            limit.spend(v4(2), T0),
            Ok(()),
            "another address is not limited"
        );
        // After a quiet minute the whole burst is back.
        let later = T0 + Duration::minutes(1);
        for _ in 0..3 {
            assert_eq!(limit.spend(v4(1), later), Ok(()));
        }
        assert!(limit.spend(v4(1), later).unwrap_err().first);
    }

    #[test]
    fn a_success_takes_back_its_attempt() {
        let limit = AddressLimit::new(2, Duration::seconds(6));
        for _ in 0..50 {
            assert_eq!(limit.spend(v4(1), T0), Ok(()));
            limit.give_back(v4(1), T0);
        }
        assert_eq!(limit.len(), 0, "a full bucket leaves no entry");
        assert_eq!(limit.spend(v4(1), T0), Ok(()));
        assert_eq!(limit.spend(v4(1), T0), Ok(()));
        assert!(limit.spend(v4(1), T0).is_err());
    }

    #[test]
    fn ipv6_counts_by_its_64_prefix_and_mapped_ipv4_as_ipv4() {
        let limit = AddressLimit::new(1, Duration::seconds(6));
        let home = |low: u16| IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 0, 0, 0, low));
        assert_eq!(limit.spend(home(1), T0), Ok(()));
        assert!(limit.spend(home(2), T0).is_err(), "same /64");
        let next_door = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 3, 0, 0, 0, 1));
        assert_eq!(limit.spend(next_door, T0), Ok(()));
        assert_eq!(limit.spend(v4(9), T0), Ok(()));
        let mapped = IpAddr::V6(Ipv4Addr::new(203, 0, 113, 9).to_ipv6_mapped());
        assert!(limit.spend(mapped, T0).is_err());
    }

    #[test]
    fn a_burst_of_zero_switches_the_limit_off() {
        let limit = AddressLimit::new(0, Duration::seconds(6));
        for _ in 0..1000 {
            assert_eq!(limit.spend(v4(1), T0), Ok(()));
        }
        assert_eq!(limit.len(), 0);
    }

    #[test]
    fn the_table_stays_within_its_size_and_keeps_the_busiest_when_it_can() {
        let limit = AddressLimit::with_capacity(2, Duration::seconds(6), 100);
        // An address that has spent its burst, recently.
        let flooding = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7));
        limit.spend(flooding, T0 + Duration::seconds(50)).unwrap();
        limit.spend(flooding, T0 + Duration::seconds(50)).unwrap();
        // Ninety-nine addresses that failed once, a minute ago: full again by now.
        for i in 0..99u32 {
            let a = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i));
            limit.spend(a, T0).unwrap();
        }
        assert_eq!(limit.len(), 100);
        let now = T0 + Duration::seconds(51);
        limit.spend(v4(1), now).unwrap();
        assert_eq!(
            limit.len(),
            2,
            "the full buckets went, the flooding one stayed"
        );
        assert!(limit.spend(flooding, now).is_err());
        // Two hundred addresses failing at once: the table never grows past its size.
        for i in 0..200u32 {
            let a = IpAddr::V4(Ipv4Addr::from(0x0b00_0000 + i));
            limit.spend(a, now).unwrap();
            assert!(limit.len() <= 100);
        }
    }
}
