//! The storage interface for sharing between organisations, split from [`crate::Store`]
//! (which requires it) so each concept reads on its own. Writes take their audit entry and
//! land with it in one transaction, as everywhere.

use crate::{
    AdversaryRow, CaseEvent, ConsentRow, DirectoryImport, DirectoryOrgRow, MessageRow, MovedRecord,
    ReferralRow, SealedLocationRow, ServiceRow, StoreError, TransferRow,
};
use haven_domain::{
    CaseId, ConsentId, OrgId, ReferralId, ServiceId, SurvivorId, TransferId, UserId,
};
use std::future::Future;
use time::OffsetDateTime;

/// A revocation as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    pub consent: ConsentId,
    pub at: OffsetDateTime,
    pub by: UserId,
    pub channel: String,
}

pub trait SharingStore {
    // --- consent ------------------------------------------------------------------------

    /// Stores a release with the sealed scan of its signed form, if any (`has_scan` is
    /// derived from `scan`, not read from the row), recorded on `event`'s case: only while
    /// that case belongs to the release's organisation, otherwise `StoreError::Stale`.
    fn insert_consent(
        &self,
        consent: &ConsentRow,
        scan: Option<&[u8]>,
        event: &CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The sealed scan of one release of the survivor, if it has one.
    fn consent_scan(
        &self,
        survivor: SurvivorId,
        consent: ConsentId,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send;
    /// Every release of the survivor, revoked and expired ones included, oldest first.
    fn consents_of_survivor(
        &self,
        survivor: SurvivorId,
    ) -> impl Future<Output = Result<Vec<ConsentRow>, StoreError>> + Send;
    /// Records a revocation; `false` if there is no such unrevoked release of that survivor.
    fn revoke_consent(
        &self,
        survivor: SurvivorId,
        revocation: &Revocation,
        event: &CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Written only while the case belongs to `owner`, the organisation the name is sealed
    /// for; otherwise `StoreError::Stale` and nothing written (a transfer moved it).
    fn insert_adversary(
        &self,
        adversary: &AdversaryRow,
        owner: OrgId,
        event: &CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn adversaries_of_case(
        &self,
        case: CaseId,
    ) -> impl Future<Output = Result<Vec<AdversaryRow>, StoreError>> + Send;

    // --- referrals ----------------------------------------------------------------------

    /// Inserts a referral with the sending case's timeline event (if it has a case): only
    /// while that case belongs to `from_org`, otherwise `StoreError::Stale`.
    fn insert_referral(
        &self,
        referral: &ReferralRow,
        event: Option<&CaseEvent>,
        audit: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn referral(
        &self,
        id: ReferralId,
    ) -> impl Future<Output = Result<Option<ReferralRow>, StoreError>> + Send;
    fn referrals_of_case(
        &self,
        case: CaseId,
    ) -> impl Future<Output = Result<Vec<ReferralRow>, StoreError>> + Send;
    /// Referrals addressed to an organisation, newest first.
    fn referrals_to_org(
        &self,
        org: OrgId,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<ReferralRow>, StoreError>> + Send;
    /// Writes the referral's new state only if it is still in `expected` (so a second accept
    /// changes nothing); `false` otherwise.
    fn move_referral(
        &self,
        referral: &ReferralRow,
        expected: &str,
        event: Option<&CaseEvent>,
        audit: &[u8],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    // --- transfers of ownership -----------------------------------------------------------

    /// Proposes a transfer: only while its case belongs to `from_org`, otherwise
    /// `StoreError::Stale`.
    fn insert_transfer(
        &self,
        transfer: &TransferRow,
        event: &CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn transfer(
        &self,
        id: TransferId,
    ) -> impl Future<Output = Result<Option<TransferRow>, StoreError>> + Send;
    /// Transfers proposed to or by an organisation, newest first.
    fn transfers_of_org(
        &self,
        org: OrgId,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<TransferRow>, StoreError>> + Send;
    /// Writes the transfer's decision only if it is still `proposed`; on acceptance, moves
    /// the record in the same transaction. `false` if it was already decided;
    /// `StoreError::Stale`, and nothing written, if the record changed since `moved` was
    /// read from it (see [`MovedRecord`]).
    fn decide_transfer(
        &self,
        transfer: &TransferRow,
        moved: Option<&MovedRecord>,
        event: &CaseEvent,
        audit: &[u8],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    // --- messages -----------------------------------------------------------------------

    /// Written only while the case belongs to `owner`, the organisation the body is sealed
    /// for (the case's owner, whoever writes); otherwise `StoreError::Stale`.
    fn insert_message(
        &self,
        message: &MessageRow,
        owner: OrgId,
        audit: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn messages_of_case(
        &self,
        case: CaseId,
    ) -> impl Future<Output = Result<Vec<MessageRow>, StoreError>> + Send;
    /// The newest `n` messages of a case, oldest first, and how many it has in all.
    fn newest_messages_of_case(
        &self,
        case: CaseId,
        n: u32,
    ) -> impl Future<Output = Result<(Vec<MessageRow>, u64), StoreError>> + Send;

    // --- directory ----------------------------------------------------------------------

    /// Replaces the imported organisations whole (their services and sealed locations with
    /// them), in one transaction with its audit entry.
    fn import_directory(
        &self,
        import: &DirectoryImport,
        audit: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn directory_orgs(
        &self,
    ) -> impl Future<Output = Result<Vec<DirectoryOrgRow>, StoreError>> + Send;
    fn directory_services(
        &self,
    ) -> impl Future<Output = Result<Vec<ServiceRow>, StoreError>> + Send;
    fn directory_service(
        &self,
        id: ServiceId,
    ) -> impl Future<Output = Result<Option<ServiceRow>, StoreError>> + Send;
    fn sealed_locations(
        &self,
        org: OrgId,
    ) -> impl Future<Output = Result<Vec<SealedLocationRow>, StoreError>> + Send;
}
