//! SQLite: releases of information, suspected abusers, referrals, messages. The SQL is shared with PostgreSQL
//! (`crates/store/backend/sharing.rs`).

include!("../../store/backend/sharing.rs");

/// Every release recorded for a survivor, read on the calling task (see `inline_reads`).
pub(crate) async fn consents_of_survivor(
    store: &DbStore,
    survivor: SurvivorId,
) -> Result<Vec<ConsentRow>, StoreError> {
    store.inline.read(|r| r.consents_of_survivor(survivor))
}
