//! The audit log's index of targets: which record each entry names, so the entries about one
//! survivor (their access report) are read without reading the whole log.
//!
//! The index is derived from the log and is written apart from it, never on the path of a
//! request that appends an entry: whoever needs it current first indexes the entries
//! appended since it last moved ([`Haven::catch_up_audit_index`]), a page per transaction.
//! Several server processes may do so at once; the store moves the index only from the size
//! it was read at, so a page is indexed once. Because a report trusts the index to find its
//! entries, `haven audit verify` checks every indexed entry against the log
//! ([`IndexCheck`]), and `haven audit reindex` builds the index again from the log.

use crate::{CoreError, Haven, system};
use haven_domain::audit::{AuditAction, AuditRecord, AuditTarget, target_id_of};
use haven_store::Store;
use uuid::Uuid;

/// Entries indexed per transaction.
const PAGE: u32 = 5_000;

impl<S: Store> Haven<S> {
    /// Indexes the entries appended since the index last moved, up to the head as it stands
    /// now. Returns how many entries the index covers.
    pub async fn catch_up_audit_index(&self) -> Result<u64, CoreError> {
        let store = self.store();
        let head = store.audit_head().await?.size;
        let mut size = store.audit_index_size().await?;
        while size < head {
            let page = store.audit_page(size, PAGE).await?;
            let Some(last) = page.last() else { break };
            let targets: Vec<(u64, Uuid)> = page
                .iter()
                .filter_map(|r| target_id_of(&r.body).map(|t| (r.seq, t)))
                .collect();
            size = if store.extend_audit_index(size, last.seq, &targets).await? {
                last.seq
            } else {
                // Another process indexed this page first: go on from where it left it.
                store.audit_index_size().await?
            };
        }
        Ok(size)
    }

    /// The entries about any of `targets`, up to now, in order.
    pub(crate) async fn audit_entries_about(
        &self,
        targets: &[Uuid],
    ) -> Result<Vec<AuditRecord>, CoreError> {
        self.catch_up_audit_index().await?;
        Ok(self.store().audit_entries_about(targets).await?)
    }

    /// Empties the index and builds it again from the whole log; records that it did.
    /// Returns how many entries the index covers.
    pub async fn rebuild_audit_index(&self) -> Result<u64, CoreError> {
        self.store().clear_audit_index().await?;
        let size = self.catch_up_audit_index().await?;
        self.record(
            system("audit reindex"),
            None,
            AuditAction::AuditReindex,
            Some(AuditTarget::AuditLog),
            &[],
            "reindex",
        )
        .await?;
        Ok(size)
    }
}

/// Checks the index against the log as `audit verify` reads it, a page at a time: every
/// entry the index covers must have exactly the row its body names, and no row may lie past
/// what the index covers. Names the first entry where the two disagree.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IndexCheck {
    /// How many entries the index covered when the check began.
    covered: u64,
}

impl IndexCheck {
    pub(crate) async fn start<S: Store>(store: &S) -> Result<Self, CoreError> {
        Ok(Self {
            covered: store.audit_index_size().await?,
        })
    }

    pub(crate) fn covered(&self) -> u64 {
        self.covered
    }

    /// The index's rows for the page of at most `limit` entries after `after`: read beside
    /// the page itself, before it is known where the page ends. A whole log has no gaps, so
    /// the page holds entries `after + 1 ..= after + limit` at most; a log with gaps fails
    /// the chain before its rows are compared.
    pub(crate) async fn rows_for_page<S: Store>(
        &self,
        store: &S,
        after: u64,
        limit: u32,
    ) -> Result<Vec<(u64, Uuid)>, CoreError> {
        let upto = after.saturating_add(u64::from(limit)).min(self.covered);
        if upto <= after {
            return Ok(Vec::new());
        }
        Ok(store.audit_index_rows(after, upto).await?)
    }

    /// Compares one page of the log, whose chain has verified, with its rows.
    pub(crate) fn page(&self, page: &[AuditRecord], rows: &[(u64, Uuid)]) -> Option<u64> {
        let expected: Vec<(u64, Uuid)> = page
            .iter()
            .take_while(|r| r.seq <= self.covered)
            .filter_map(|r| target_id_of(&r.body).map(|t| (r.seq, t)))
            .collect();
        first_difference(&expected, rows)
    }

    /// After the whole log: the index covers no entry past the log's end, and holds no row
    /// past what it covers (a catch-up that ran during the check may have moved it on).
    pub(crate) async fn finish<S: Store>(
        &self,
        store: &S,
        log_size: u64,
    ) -> Result<Option<u64>, CoreError> {
        let covered = self.covered.max(store.audit_index_size().await?);
        if covered > log_size {
            return Ok(Some(log_size + 1));
        }
        Ok(store
            .audit_index_rows(covered, u64::MAX)
            .await?
            .first()
            .map(|(seq, _)| *seq))
    }
}

/// The first entry at which two lists of index rows, each in order, differ.
fn first_difference(expected: &[(u64, Uuid)], found: &[(u64, Uuid)]) -> Option<u64> {
    match expected.iter().zip(found).find(|(e, f)| e != f) {
        Some((e, f)) => Some(e.0.min(f.0)),
        None => match expected.len().cmp(&found.len()) {
            std::cmp::Ordering::Equal => None,
            std::cmp::Ordering::Less => found.get(expected.len()).map(|r| r.0),
            std::cmp::Ordering::Greater => expected.get(found.len()).map(|r| r.0),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_difference_names_the_earlier_entry() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_eq!(first_difference(&[(1, a), (3, b)], &[(1, a), (3, b)]), None);
        assert_eq!(
            first_difference(&[(1, a), (3, b)], &[(1, a), (3, a)]),
            Some(3)
        );
        assert_eq!(first_difference(&[(1, a), (3, b)], &[(1, a)]), Some(3));
        assert_eq!(first_difference(&[(1, a)], &[(1, a), (2, b)]), Some(2));
        assert_eq!(first_difference(&[(4, a)], &[(2, a), (4, a)]), Some(2));
    }
}
