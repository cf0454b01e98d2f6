//! The conformance suite: the behaviour every backend must show, written once. Each backend's
//! test binary expands [`conformance_tests!`] with a function that returns a fresh, empty
//! store, so the same stories run on SQLite always and on PostgreSQL when it is available.

mod audit_index;
mod board;
mod cases;
mod history;
mod known_devices;
mod reopening;
mod sharing;
mod staff;
mod transfers;
pub use audit_index::*;
pub use board::*;
pub use cases::*;
pub use history::*;
pub use known_devices::*;
pub use reopening::*;
pub use sharing::*;
pub use staff::*;
pub use transfers::*;

use crate::{
    CheckpointRow, IndexEntry, OrgRow, SchemaState, Store, StoreError, SurvivorCiphertexts,
    SurvivorRow, WrappedKey,
};
use haven_domain::audit::{ChainHead, ChainVerifier};
use haven_domain::{KeyId, OrgId, SurvivorId};
use time::macros::datetime;

pub type Outcome = Result<(), Box<dyn std::error::Error + Send + Sync>>;

fn fail(msg: impl Into<String>) -> Box<dyn std::error::Error + Send + Sync> {
    msg.into().into()
}

fn ensure(cond: bool, msg: &str) -> Outcome {
    if cond { Ok(()) } else { Err(fail(msg)) }
}

/// A migrated store holding one organisation, one member of its staff and one survivor's
/// record under its own data key: where the stories about one case start.
async fn a_member_and_a_record<S: Store>(
    store: &S,
) -> Result<(OrgRow, crate::UserRow, SurvivorRow), Box<dyn std::error::Error + Send + Sync>> {
    store.migrate().await?;
    let o = org(1);
    store.insert_org(&o, b"org").await?;
    let u = staff::user(1, &o);
    store.insert_user(&u, b"user").await?;
    let k = key(1, 1);
    store.insert_data_keys(std::slice::from_ref(&k)).await?;
    let s = survivor(1, &o, &k);
    store.insert_survivor(&s, b"survivor").await?;
    Ok((o, u, s))
}

fn id_bytes(n: u32, tag: u8) -> [u8; 16] {
    let mut b = [tag; 16];
    b[..4].copy_from_slice(&n.to_be_bytes());
    b
}

pub fn org(n: u32) -> OrgRow {
    OrgRow {
        id: OrgId::from_random_bytes(id_bytes(n, 0xa0)),
        name: format!("Org {n}"),
        kind: "ngo".into(),
        created_at: datetime!(2026-11-01 09:00 UTC),
    }
}

pub fn key(n: u32, kek_version: u32) -> WrappedKey {
    WrappedKey {
        id: KeyId::from_random_bytes(id_bytes(n, 0xb0)),
        generation: 1,
        kek_version,
        wrapped: vec![n as u8; 72],
    }
}

pub fn survivor(n: u32, org: &OrgRow, key: &WrappedKey) -> SurvivorRow {
    SurvivorRow {
        id: SurvivorId::from_random_bytes(id_bytes(n, 0xc0)),
        org: org.id,
        key_id: key.id,
        created_at: datetime!(2026-11-02 10:00 UTC),
        fields: SurvivorCiphertexts {
            pseudonym: vec![1, 2, 3, n as u8],
            legal_name: Some(vec![4, 5, 6]),
            aliases: None,
            date_of_birth: Some(vec![7]),
            phone: None,
            email: Some(vec![8, 9]),
            safe_contact: None,
            details: Some(vec![3, 3]),
        },
        coarse: crate::CoarseFields {
            age_band: "18-24".into(),
            gender: "female".into(),
            nationality_region: "europe".into(),
        },
        index: vec![
            IndexEntry {
                name: "legal_name_exact".into(),
                value: 42,
            },
            IndexEntry {
                name: "phone_exact".into(),
                value: n,
            },
        ],
    }
}

async fn verify_chain<S: Store>(
    store: &S,
) -> Result<ChainHead, Box<dyn std::error::Error + Send + Sync>> {
    let mut v = ChainVerifier::default();
    let mut after = 0;
    loop {
        let page = store.audit_page(after, 500).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for r in &page {
            v.push(r.seq, &r.body, &r.hash)?;
        }
    }
    Ok(v.head())
}

pub async fn migrations_are_idempotent_and_versioned<S: Store>(store: S) -> Outcome {
    ensure(
        store.schema_state().await? == SchemaState::Uninitialised,
        "a fresh database is uninitialised",
    )?;
    store.migrate().await?;
    let state = store.schema_state().await?;
    ensure(
        matches!(state, SchemaState::Current { .. }),
        "migrated database is current",
    )?;
    store.migrate().await?;
    ensure(
        store.schema_state().await? == state,
        "a second migrate changes nothing",
    )?;
    store.ping().await?;
    Ok(())
}

pub async fn data_keys_are_stored_paged_and_rewrapped<S: Store>(store: S) -> Outcome {
    store.migrate().await?;
    let keys: Vec<_> = (0..10).map(|n| key(n, 1)).collect();
    store.insert_data_keys(&keys).await?;
    ensure(
        store.data_key(keys[3].id).await? == Some(keys[3].clone()),
        "a key reads back",
    )?;
    ensure(
        store.data_key(key(99, 1).id).await?.is_none(),
        "an unknown key is none",
    )?;
    let mut some = store
        .data_keys(&[keys[7].id, key(99, 1).id, keys[2].id])
        .await?;
    some.sort_by_key(|k| k.id);
    let mut want = vec![keys[2].clone(), keys[7].clone()];
    want.sort_by_key(|k| k.id);
    ensure(some == want, "keys read together, an unknown one missing")?;
    ensure(
        store.data_keys(&[]).await?.is_empty(),
        "no keys asked, none read",
    )?;
    let first = store.data_keys_page(None, 4).await?;
    ensure(first.len() == 4, "a page holds at most its limit")?;
    let rest = store
        .data_keys_page(first.last().map(|k| k.id), 100)
        .await?;
    ensure(rest.len() == 6, "the next page holds the rest")?;
    ensure(
        first
            .iter()
            .chain(&rest)
            .map(|k| k.id)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
            == 10,
        "pages do not overlap",
    )?;
    let rewrapped: Vec<_> = keys[..4]
        .iter()
        .map(|k| WrappedKey {
            kek_version: 2,
            wrapped: vec![0xee; 72],
            ..k.clone()
        })
        .collect();
    store.rewrap_data_keys(&rewrapped).await?;
    let mut counts = store.data_keys_by_kek().await?;
    counts.sort();
    ensure(
        counts == vec![(1, 6), (2, 4)],
        "counts by KEK version follow the rewrap",
    )?;
    ensure(
        store.data_key(keys[0].id).await? == Some(rewrapped[0].clone()),
        "rewrapped key reads back",
    )?;
    store.put_kek_check(1, b"one").await?;
    store.put_kek_check(2, b"two").await?;
    store.delete_kek_checks_before(2).await?;
    ensure(
        store.kek_checks().await? == vec![(2, b"two".to_vec())],
        "old KEK checks are removed",
    )?;
    Ok(())
}

pub async fn a_survivor_is_written_with_its_audit_entry_and_found_by_index<S: Store>(
    store: S,
) -> Outcome {
    store.migrate().await?;
    let o = org(1);
    store.insert_org(&o, b"{\"org\":1}").await?;
    ensure(
        store.org(o.id).await? == Some(o.clone()),
        "organisation reads back",
    )?;
    let k = key(1, 1);
    store.insert_data_keys(std::slice::from_ref(&k)).await?;
    let s = survivor(1, &o, &k);
    let seq = store.insert_survivor(&s, b"{\"survivor\":1}").await?;
    ensure(
        seq == 2,
        "the survivor's audit entry follows the organisation's",
    )?;
    let back = store
        .survivor(s.id)
        .await?
        .ok_or_else(|| fail("survivor missing"))?;
    ensure(
        back == SurvivorRow {
            index: Vec::new(),
            ..s.clone()
        },
        "survivor reads back",
    )?;
    ensure(
        store.survivors_by_index("legal_name_exact", 42, 10).await? == vec![s.id],
        "found by index",
    )?;
    ensure(
        store
            .survivors_by_index("legal_name_exact", 43, 10)
            .await?
            .is_empty(),
        "other value finds nothing",
    )?;
    ensure(
        store
            .survivors_by_index("phone_exact", 42, 10)
            .await?
            .is_empty(),
        "indexes are separate",
    )?;
    let head = verify_chain(&store).await?;
    ensure(
        head == store.audit_head().await?,
        "recorded head equals recomputed head",
    )?;
    ensure(head.size == 2, "two entries")?;
    Ok(())
}

pub async fn a_failed_write_leaves_no_audit_entry_and_no_row<S: Store>(store: S) -> Outcome {
    store.migrate().await?;
    let o = org(1);
    store.insert_org(&o, b"org").await?;
    let k = key(1, 1);
    store.insert_data_keys(std::slice::from_ref(&k)).await?;
    let s = survivor(1, &o, &k);
    store.insert_survivor(&s, b"first").await?;
    let before = store.audit_head().await?;
    // Same id again: a conflict, and nothing of it may remain.
    let dup = SurvivorRow {
        index: vec![IndexEntry {
            name: "x".into(),
            value: 1,
        }],
        ..s.clone()
    };
    let err = store.insert_survivor(&dup, b"second").await;
    ensure(
        matches!(err, Err(StoreError::Conflict(_))),
        "duplicate id is a conflict",
    )?;
    // An unknown organisation: refused, nothing written.
    let orphan = survivor(2, &org(9), &key(2, 1));
    ensure(
        store.insert_survivor(&orphan, b"third").await.is_err(),
        "unknown org refused",
    )?;
    ensure(
        store.audit_head().await? == before,
        "no audit entry for failed writes",
    )?;
    ensure(
        store.survivors_by_index("x", 1, 10).await?.is_empty(),
        "no index entry for failed write",
    )?;
    ensure(store.survivor(orphan.id).await?.is_none(), "no orphan row")?;
    Ok(())
}

pub async fn erasure_destroys_the_key_row_and_index<S: Store>(store: S) -> Outcome {
    store.migrate().await?;
    let o = org(1);
    store.insert_org(&o, b"org").await?;
    let (k1, k2) = (key(1, 1), key(2, 1));
    store.insert_data_keys(&[k1.clone(), k2.clone()]).await?;
    let (s1, s2) = (survivor(1, &o, &k1), survivor(2, &o, &k2));
    store.insert_survivor(&s1, b"s1").await?;
    store.insert_survivor(&s2, b"s2").await?;
    let mut both = vec![s1.id, s2.id];
    both.sort();
    ensure(
        store.survivors_by_index("legal_name_exact", 42, 10).await? == both,
        "both found by their shared index value, lowest id first",
    )?;
    ensure(
        store.survivors_by_index("legal_name_exact", 42, 1).await? == both[..1],
        "at most the limit, lowest id first",
    )?;
    let seq = store.erase_survivor(s1.id, b"erase s1").await?;
    ensure(seq == Some(4), "erasure is audited")?;
    ensure(store.survivor(s1.id).await?.is_none(), "row gone")?;
    ensure(store.data_key(k1.id).await?.is_none(), "key destroyed")?;
    ensure(
        store.survivors_by_index("legal_name_exact", 42, 10).await? == vec![s2.id],
        "index entries gone",
    )?;
    ensure(
        store.survivor(s2.id).await?.is_some(),
        "other survivor untouched",
    )?;
    ensure(
        store.data_key(k2.id).await?.is_some(),
        "other key untouched",
    )?;
    ensure(
        store.erase_survivor(s1.id, b"again").await?.is_none(),
        "erasing twice finds nothing",
    )?;
    verify_chain(&store).await?;
    Ok(())
}

/// Entries alone (views) and entries written with a data change interleave: every one lands
/// once, at its own sequence number, on one chain.
pub async fn concurrent_appends_form_one_gapless_chain<S: Store>(store: S) -> Outcome {
    store.migrate().await?;
    let mut tasks = Vec::new();
    for t in 0..8u32 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut seqs = Vec::new();
            for i in 0..25u32 {
                seqs.push(
                    s.append_audit(format!("task {t} entry {i}").as_bytes())
                        .await?,
                );
            }
            Ok::<_, StoreError>(seqs)
        }));
    }
    let writes = {
        let s = store.clone();
        tokio::spawn(async move {
            for n in 0..20u32 {
                s.insert_org(&org(n), format!("org {n}").as_bytes()).await?;
                tokio::task::yield_now().await;
            }
            Ok::<_, StoreError>(())
        })
    };
    let mut seqs = std::collections::BTreeSet::new();
    for t in tasks {
        seqs.extend(t.await.map_err(|e| fail(e.to_string()))??);
    }
    writes.await.map_err(|e| fail(e.to_string()))??;
    ensure(seqs.len() == 200, "each entry has its own sequence number")?;
    let head = verify_chain(&store).await?;
    ensure(
        head.size == 220,
        "200 entries alone and 20 with their writes",
    )?;
    ensure(head == store.audit_head().await?, "head matches")?;
    Ok(())
}

/// An entry alone written after a data write chains onto the write's entry, however the
/// backend remembers the head between entries alone.
pub async fn an_entry_alone_after_a_data_write_chains_onto_it<S: Store>(store: S) -> Outcome {
    store.migrate().await?;
    let mut seqs = vec![store.append_audit(b"view 1").await?];
    store.insert_org(&org(1), b"data write").await?;
    seqs.push(store.append_audit(b"view 2").await?);
    seqs.push(store.append_audit(b"view 3").await?);
    store.insert_org(&org(2), b"data write").await?;
    store.insert_org(&org(3), b"data write").await?;
    seqs.push(store.append_audit(b"view 4").await?);
    ensure(
        seqs == vec![1, 3, 4, 7],
        "each entry at the next sequence number",
    )?;
    let head = verify_chain(&store).await?;
    ensure(
        head.size == 7,
        "four entries alone and three with their writes",
    )?;
    ensure(head == store.audit_head().await?, "head matches")?;
    Ok(())
}

pub async fn checkpoints_are_kept_in_order<S: Store>(store: S) -> Outcome {
    store.migrate().await?;
    ensure(
        store.latest_checkpoint().await?.is_none(),
        "no checkpoint yet",
    )?;
    for size in [3u64, 7] {
        store
            .insert_checkpoint(&CheckpointRow {
                size,
                head: [size as u8; 32],
                at: datetime!(2026-11-03 08:00 UTC),
                public_key: [1; 32],
                signature: [2; 64],
            })
            .await?;
    }
    ensure(
        store.latest_checkpoint().await?.map(|c| c.size) == Some(7),
        "latest is the largest",
    )?;
    Ok(())
}

/// Expands to one `#[tokio::test]` per story, each on a fresh store from `$make`: an async
/// fn returning `Result<Option<S>, _>`, where `Ok(None)` skips (PostgreSQL not configured)
/// and an error fails the test.
#[macro_export]
macro_rules! conformance_tests {
    ($make:path) => {
        $crate::conformance_tests!(@each $make,
            migrations_are_idempotent_and_versioned,
            data_keys_are_stored_paged_and_rewrapped,
            a_survivor_is_written_with_its_audit_entry_and_found_by_index,
            a_failed_write_leaves_no_audit_entry_and_no_row,
            erasure_destroys_the_key_row_and_index,
            concurrent_appends_form_one_gapless_chain,
            an_entry_alone_after_a_data_write_chains_onto_it,
            checkpoints_are_kept_in_order,
            the_audit_index_moves_once_and_finds_entries_by_target,
            staff_sessions_and_tokens_round_trip,
            known_devices_are_replaced_kept_few_and_forgotten,
            cases_carry_their_team,
            a_window_of_a_case_history_keeps_the_newest_of_each_kind,
            a_members_board_pages_and_filters,
            a_batch_of_intakes_lands_whole_or_not_at_all,
            an_edit_replaces_fields_and_index_and_sets_the_minor_flag,
            consents_and_referrals_round_trip,
            a_transfer_moves_the_record_once,
            a_transfer_moves_only_what_it_read,
            once_moved_a_case_takes_no_change_from_its_sender,
            a_reopening_lands_with_its_reason_or_not_at_all
        );
    };
    (@each $make:path, $($story:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $story() -> $crate::conformance::Outcome {
                match $make().await? {
                    Some(store) => $crate::conformance::$story(store).await,
                    None => Ok(()),
                }
            }
        )*
    };
}
