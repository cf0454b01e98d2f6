//! The audit log's index of targets: it moves once from the size it was read at, finds the
//! entries about any of many targets in order, and empties for a rebuild.

use super::{Outcome, ensure};
use crate::Store;
use uuid::Uuid;

pub async fn the_audit_index_moves_once_and_finds_entries_by_target<S: Store>(store: S) -> Outcome {
    store.migrate().await?;
    let (a, b) = (Uuid::from_u128(0xa), Uuid::from_u128(0xb));
    for n in 1..=6 {
        store.append_audit(format!("entry {n}").as_bytes()).await?;
    }
    ensure(
        store.audit_index_size().await? == 0,
        "a new index covers nothing",
    )?;
    // Two processes extending from the same size: one moves it, the other writes nothing.
    let (one, other) = ([(1, a), (2, b), (4, a)], [(1, b), (3, b)]);
    let (first, second) = tokio::join!(
        store.extend_audit_index(0, 4, &one),
        store.extend_audit_index(0, 4, &other),
    );
    ensure(first? ^ second?, "exactly one extension from 0 lands")?;
    let rows = store.audit_index_rows(0, 4).await?;
    ensure(
        rows == vec![(1, a), (2, b), (4, a)] || rows == vec![(1, b), (3, b)],
        "the index holds one extension's rows whole",
    )?;
    ensure(
        store.audit_index_size().await? == 4,
        "the index covers four",
    )?;
    store.clear_audit_index().await?;
    ensure(
        store.audit_index_size().await? == 0 && store.audit_index_rows(0, 99).await?.is_empty(),
        "a cleared index covers nothing and holds nothing",
    )?;
    ensure(
        store
            .extend_audit_index(0, 4, &[(1, a), (2, b), (4, a)])
            .await?,
        "a cleared index extends from 0",
    )?;
    ensure(
        !store.extend_audit_index(2, 6, &[(6, b)]).await?,
        "an extension from a size it no longer has is refused",
    )?;
    ensure(
        store.extend_audit_index(4, 6, &[(6, b)]).await?,
        "an extension from where it stands lands",
    )?;
    let seqs = |records: Vec<haven_domain::audit::AuditRecord>| -> Vec<(u64, String)> {
        records
            .into_iter()
            .map(|r| (r.seq, String::from_utf8_lossy(&r.body).into_owned()))
            .collect()
    };
    ensure(
        seqs(store.audit_entries_about(&[a]).await?)
            == vec![(1, "entry 1".into()), (4, "entry 4".into())],
        "the entries about one target, with their bodies, in order",
    )?;
    // More targets than one query lists, a and b last: the answers of several queries merge
    // in order.
    let mut many: Vec<Uuid> = (0x100..0x1f0).map(Uuid::from_u128).collect();
    many.extend([b, a]);
    ensure(
        seqs(store.audit_entries_about(&many).await?)
            .iter()
            .map(|(s, _)| *s)
            .collect::<Vec<_>>()
            == vec![1, 2, 4, 6],
        "the entries about many targets, in order",
    )?;
    ensure(
        store.audit_index_rows(2, 6).await? == vec![(4, a), (6, b)],
        "the rows between two sizes",
    )?;
    ensure(
        store.audit_index_rows(6, u64::MAX).await?.is_empty(),
        "no row past what it covers",
    )
}
