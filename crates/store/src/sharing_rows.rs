//! Rows for sharing between organisations: releases of information, suspected abusers,
//! referrals, case messages and the service directory. Personal content is ciphertext under
//! the survivor's data key; codes and ids are in the clear.

use haven_domain::{
    AdversaryId, CaseId, ConsentId, KeyId, MessageId, NoteId, OrgId, ReferralId, ServiceId,
    SurvivorId, TaskId, TransferId, UserId,
};
use time::OffsetDateTime;

/// A release of information. `sealed` holds the purpose, the evidence (form reference,
/// signature or witness) and the guardian, encrypted under the survivor's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRow {
    pub id: ConsentId,
    pub survivor: SurvivorId,
    /// The organisation that recorded it (the record's owner).
    pub org: OrgId,
    pub recipient_org: OrgId,
    /// Category codes, comma-separated.
    pub categories: String,
    pub method: String,
    pub signer: String,
    pub sealed: Vec<u8>,
    /// Whether a scan of the signed form is stored (read it with
    /// `SharingStore::consent_scan`; it is not read with the release, which every request
    /// across organisations reads).
    pub has_scan: bool,
    pub granted_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub recorded_by: UserId,
    pub revoked_at: Option<OffsetDateTime>,
    pub revoked_by: Option<UserId>,
    pub revocation_channel: Option<String>,
}

/// A person recorded on a case as a suspected abuser; the name is ciphertext under the
/// survivor's key, opened to check a consenting guardian against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdversaryRow {
    pub id: AdversaryId,
    pub case: CaseId,
    pub name: Vec<u8>,
    pub relationship: String,
    pub created_at: OffsetDateTime,
}

/// A referral. A case referral names its case and survivor; an intake referral (from a
/// law-enforcement liaison) has neither until the receiving organisation accepts, and holds
/// what it says about the person sealed under its own key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralRow {
    pub id: ReferralId,
    pub case: Option<CaseId>,
    pub survivor: Option<SurvivorId>,
    pub from_org: OrgId,
    pub to_org: OrgId,
    pub service: ServiceId,
    pub consent: Option<ConsentId>,
    pub state: String,
    /// The decline reason or the outcome code.
    pub reason: Option<String>,
    pub created_by: UserId,
    pub created_at: OffsetDateTime,
    pub respond_by: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub sealed: Option<Vec<u8>>,
    pub key_id: Option<KeyId>,
}

/// A message between members of a case team; the body is ciphertext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRow {
    pub id: MessageId,
    pub case: CaseId,
    pub author: UserId,
    pub author_org: OrgId,
    pub created_at: OffsetDateTime,
    pub body: Vec<u8>,
}

/// An organisation in the service directory, as its HSDS document without services.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryOrgRow {
    pub id: OrgId,
    pub name: String,
    /// HSDS `organization` JSON as published.
    pub document: String,
}

/// A service in the directory, with its HSDS document as published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRow {
    pub id: ServiceId,
    pub org: OrgId,
    pub name: String,
    pub status: String,
    pub kind: String,
    pub document: String,
}

/// A confidential location's real address, sealed under its own key; the published
/// document shows only the front door.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedLocationRow {
    pub id: uuid::Uuid,
    pub org: OrgId,
    pub key_id: KeyId,
    pub sealed: Vec<u8>,
}

/// One import: organisations replaced whole, with their services and sealed locations.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DirectoryImport {
    pub orgs: Vec<DirectoryOrgRow>,
    pub services: Vec<ServiceRow>,
    pub sealed_locations: Vec<SealedLocationRow>,
}

/// A proposed transfer of a case's ownership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferRow {
    pub id: TransferId,
    pub case: CaseId,
    pub from_org: OrgId,
    pub to_org: OrgId,
    /// `proposed`, `accepted`, `declined` or `withdrawn`.
    pub state: String,
    pub created_by: UserId,
    pub created_at: OffsetDateTime,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<OffsetDateTime>,
}

/// Everything an accepted transfer rewrites, in one transaction: the survivor's record and
/// every ciphertext bound to the old owner, resealed for the new one; the cases' owner and
/// team; and the old owner's releases, which end.
///
/// It is written only over what it was read from: the record still `from_org`'s with the
/// pseudonym ciphertext `pseudonym_read` (every write of the record seals it afresh), each
/// case still `from_org`'s, and no note, task, goal, message, adversary or case of the
/// sender's beyond those listed. Otherwise `StoreError::Stale` and nothing is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovedRecord {
    pub survivor: SurvivorId,
    pub from_org: OrgId,
    pub to_org: OrgId,
    pub pseudonym_read: Vec<u8>,
    pub fields: crate::SurvivorCiphertexts,
    pub cases: Vec<CaseId>,
    pub team: Vec<UserId>,
    pub notes: Vec<(NoteId, Vec<u8>)>,
    pub tasks: Vec<(TaskId, Vec<u8>)>,
    pub goals: Vec<(haven_domain::GoalId, Vec<u8>)>,
    pub messages: Vec<(MessageId, Vec<u8>)>,
    pub adversaries: Vec<(AdversaryId, Vec<u8>)>,
    pub at: OffsetDateTime,
    pub by: UserId,
}
