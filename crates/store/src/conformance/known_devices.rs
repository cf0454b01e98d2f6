//! Conformance story: the browsers that have signed in to an account (known devices).

use super::{Outcome, ensure, org, staff};
use crate::{KnownDeviceRow, Store};
use time::macros::datetime;

fn device(n: u8, user: &crate::UserRow, at: time::OffsetDateTime) -> KnownDeviceRow {
    KnownDeviceRow {
        token_hash: [n; 32],
        user: user.id,
        security_epoch: user.security_epoch,
        created_at: at,
        failures: 0,
    }
}

pub async fn known_devices_are_replaced_kept_few_and_forgotten<S: Store>(store: S) -> Outcome {
    store.migrate().await?;
    let o = org(1);
    store.insert_org(&o, b"org").await?;
    let (u, other) = (staff::user(1, &o), staff::user(2, &o));
    store.insert_user(&u, b"user").await?;
    store.insert_user(&other, b"user").await?;
    let day = |d: u8| datetime!(2026-11-01 09:00 UTC) + time::Duration::days(i64::from(d));
    let long_ago = day(0) - time::Duration::days(1);
    let theirs = device(200, &other, day(0));
    store.remember_device(&theirs, None, long_ago, 3).await?;
    for n in 1..=3 {
        store
            .remember_device(&device(n, &u, day(n)), None, long_ago, 3)
            .await?;
    }
    ensure(
        store.known_device(&[1; 32]).await? == Some(device(1, &u, day(1))),
        "a device reads back by its hash",
    )?;
    // A fourth leaves the account its newest three; another account's are not touched.
    store
        .remember_device(&device(4, &u, day(4)), None, long_ago, 3)
        .await?;
    ensure(
        store.known_device(&[1; 32]).await?.is_none(),
        "the oldest beyond three is forgotten",
    )?;
    ensure(
        store.known_device(&[2; 32]).await?.is_some()
            && store.known_device(&[4; 32]).await?.is_some(),
        "the newest three stay",
    )?;
    ensure(
        store.known_device(&[200; 32]).await? == Some(theirs.clone()),
        "another account's device stays",
    )?;
    // Replacing one forgets it; those remembered before the cut-off go too.
    store
        .remember_device(&device(5, &u, day(5)), Some(&[4; 32]), day(3), 3)
        .await?;
    ensure(
        store.known_device(&[4; 32]).await?.is_none(),
        "the replaced device is forgotten",
    )?;
    ensure(
        store.known_device(&[2; 32]).await?.is_none(),
        "a device from before the cut-off is forgotten",
    )?;
    ensure(
        store.known_device(&[3; 32]).await?.is_some()
            && store.known_device(&[5; 32]).await?.is_some(),
        "the rest stay",
    )?;
    // Failures are counted, and the device is forgotten at the limit.
    store.known_device_failed(&[5; 32], 2).await?;
    ensure(
        store.known_device(&[5; 32]).await?.map(|d| d.failures) == Some(1),
        "one failure counted",
    )?;
    store.known_device_failed(&[5; 32], 2).await?;
    ensure(
        store.known_device(&[5; 32]).await?.is_none(),
        "forgotten at its second failure",
    )?;
    store.known_device_failed(&[5; 32], 2).await?;
    ensure(
        store.known_device(&[3; 32]).await?.map(|d| d.failures) == Some(0),
        "a forgotten device's failure touches no other",
    )?;
    Ok(())
}
