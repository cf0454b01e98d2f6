//! Audit entries and the hash chain that makes the log tamper-evident.
//!
//! Every entry is serialised once, canonically (JSON with the fields in declaration order),
//! and the bytes are what is stored and hashed. Entry `n` is chained to entry `n-1`:
//! `hash_n = SHA-256("haven-audit-v1" ‖ n as u64 BE ‖ hash_{n-1} ‖ bytes_n)`, with 32 zero
//! bytes before the first entry. Binding the sequence number detects reordering; binding the
//! previous hash detects deletion and insertion; a signed checkpoint of `(size, head)` kept
//! off the machine detects a log rebuilt from scratch (security.md §4, §7 E 30–31).
//!
//! Entries hold opaque ids only, never personal data: erasing a survivor must leave the
//! chain verifiable (DESIGN §3, crypto-shredding).

use crate::{DataCategory, OrgId};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

/// The hash that precedes the first entry.
pub const GENESIS: ChainHash = ChainHash([0; 32]);
const DOMAIN: &[u8] = b"haven-audit-v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChainHash(pub [u8; 32]);

impl ChainHash {
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; 32]>::try_from(bytes).ok().map(Self)
    }
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Computes the chain hash of entry `seq` with body `bytes` following `prev`.
pub fn chain_hash(seq: u64, prev: &ChainHash, bytes: &[u8]) -> ChainHash {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update(seq.to_be_bytes());
    h.update(prev.0);
    h.update(bytes);
    ChainHash(h.finalize().into())
}

/// Who acted. Staff appear by opaque user id and role; operators' CLI commands as `System`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    System {
        command: String,
    },
    Staff {
        user: Uuid,
        role: String,
    },
    /// Someone not signed in (a failed login names no account).
    Anonymous,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Allow,
    Deny,
}

/// What was done. The list grows with the product; names are stable once written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Init,
    OrgCreate,
    SurvivorCreate,
    SurvivorView,
    SurvivorErase,
    SurvivorUpdate,
    KeyRotate,
    AuditCheckpoint,
    CaseCreate,
    CaseView,
    /// The notes of a case, listed apart from the case (`GET /api/v1/cases/{id}/notes`).
    NoteList,
    CaseList,
    /// A change to the case record itself: its status, its classification, or the minor
    /// flag cleared when the survivor comes of age (the reason says which).
    CaseStatus,
    NoteCreate,
    TaskCreate,
    TaskDone,
    Search,
    Login,
    LoginFailed,
    Logout,
    MfaEnrol,
    MfaReset,
    PasswordChange,
    UserCreate,
    UserDisable,
    TokenCreate,
    TokenRevoke,
    AccessDenied,
    ConsentRecord,
    ConsentRevoke,
    /// The releases of a survivor, listed for a case team.
    ConsentList,
    /// The scan of a release's signed form.
    ConsentScanView,
    AdversaryRecord,
    ReferralCreate,
    ReferralView,
    ReferralMove,
    MessageSend,
    MessageList,
    AccessReport,
    DirectoryImport,
    DirectoryExport,
    SubjectExport,
    TransferPropose,
    TransferDecide,
    /// A member added to or taken off a case team (the reason says which). Entries
    /// written before this action existed say `case_status`.
    TeamChange,
    /// A goal added to a case plan. Earlier entries say `task_create`, reason `goal_add`.
    GoalCreate,
    /// A goal achieved, dropped or opened again; the reason is its new status. Earlier
    /// entries say `task_done`, reason `goal_status`.
    GoalStatus,
    /// The audit log's index of targets emptied and built again from the log
    /// (`haven audit reindex`).
    AuditReindex,
}

/// The opaque record an entry is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum AuditTarget {
    Survivor(Uuid),
    Organisation(Uuid),
    Keystore,
    AuditLog,
    User(Uuid),
    Case(Uuid),
    Token(Uuid),
    Referral(Uuid),
    Directory,
    Transfer(Uuid),
}

impl AuditTarget {
    /// The id of the one record this names; `None` for the keystore, the log itself and the
    /// directory.
    pub fn id(&self) -> Option<Uuid> {
        match self {
            Self::Survivor(id)
            | Self::Organisation(id)
            | Self::User(id)
            | Self::Case(id)
            | Self::Token(id)
            | Self::Referral(id)
            | Self::Transfer(id) => Some(*id),
            Self::Keystore | Self::AuditLog | Self::Directory => None,
        }
    }
}

/// The id of the record an entry's canonical bytes name as its target; `None` for an entry
/// about no one record, or for bytes that are not an entry. What the audit log's index of
/// targets holds for each entry, read for every entry of the log when the index is built and
/// again when `audit verify` checks it, so the usual shape is read straight from the bytes
/// and anything else is left to the decoder.
pub fn target_id_of(bytes: &[u8]) -> Option<Uuid> {
    if let Some(found) = canonical_target(bytes) {
        return found;
    }
    #[derive(Deserialize)]
    struct TargetOnly {
        target: Option<AuditTarget>,
    }
    serde_json::from_slice::<TargetOnly>(bytes)
        .ok()?
        .target?
        .id()
}

/// The target as [`AuditEvent::to_canonical_bytes`] writes it: `Some(None)` for
/// `,"target":null,` and `Some(Some(id))` for `,"target":{"kind":"…","id":"<uuid>"},`;
/// `None` for any other shape. The first `,"target":` in the bytes is the entry's own key:
/// inside a JSON string every quote is escaped, so a comma is never directly followed by
/// one, and no field before `target` holds an object with a key of that name.
fn canonical_target(bytes: &[u8]) -> Option<Option<Uuid>> {
    const KEY: &[u8] = b",\"target\":";
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(KEY));
    let at = FINDER.find(bytes)? + KEY.len();
    let rest = bytes.get(at..)?;
    if rest.starts_with(b"null,") {
        return Some(None);
    }
    let rest = rest.strip_prefix(b"{\"kind\":\"")?;
    let kind = rest
        .iter()
        .position(|b| !(b.is_ascii_lowercase() || *b == b'_'))?;
    let rest = rest.get(kind..)?.strip_prefix(b"\",\"id\":\"")?;
    let (id, rest) = rest.split_at_checked(36)?;
    rest.starts_with(b"\"},").then_some(())?;
    Uuid::try_parse_ascii(id).ok().map(Some)
}

/// One audit event, as recorded. `reason` is a short code (`"cli_erase"`), never free text
/// that could carry personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor: Actor,
    pub org: Option<OrgId>,
    pub action: AuditAction,
    pub target: Option<AuditTarget>,
    pub categories: Vec<DataCategory>,
    pub consent: Option<Uuid>,
    pub decision: Decision,
    pub reason: String,
}

impl AuditEvent {
    /// The canonical bytes that are stored and hashed.
    pub fn to_canonical_bytes(&self) -> Result<Vec<u8>, AuditEncodingError> {
        serde_json::to_vec(self).map_err(|_| AuditEncodingError)
    }

    pub fn from_canonical_bytes(bytes: &[u8]) -> Result<Self, AuditEncodingError> {
        serde_json::from_slice(bytes).map_err(|_| AuditEncodingError)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("audit entry could not be encoded")]
pub struct AuditEncodingError;

/// A stored entry, as the verifier reads it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: u64,
    pub body: Vec<u8>,
    pub hash: ChainHash,
}

/// The state of the log at some size: the last sequence number and its chain hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainHead {
    pub size: u64,
    pub hash: ChainHash,
}

impl ChainHead {
    pub const EMPTY: ChainHead = ChainHead {
        size: 0,
        hash: GENESIS,
    };

    /// The head after appending `body` as the next entry.
    pub fn append(&self, body: &[u8]) -> ChainHead {
        let seq = self.size + 1;
        ChainHead {
            size: seq,
            hash: chain_hash(seq, &self.hash, body),
        }
    }
}

/// Why a log failed verification, naming the first bad entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainFault {
    #[error("audit entry {expected} is missing (found entry {found} in its place)")]
    Gap { expected: u64, found: u64 },
    #[error("audit entry {seq} does not match its recorded hash")]
    HashMismatch { seq: u64 },
    #[error("the audit log ends at entry {actual} but its head records {recorded}")]
    HeadMismatch { recorded: u64, actual: u64 },
}

/// Checks records in order, one at a time, so a verifier can stream the whole log.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    head: ChainHead,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            head: ChainHead::EMPTY,
        }
    }
}

impl ChainVerifier {
    pub fn push(&mut self, seq: u64, body: &[u8], hash: &ChainHash) -> Result<(), ChainFault> {
        let expected = self.head.size + 1;
        if seq != expected {
            return Err(ChainFault::Gap {
                expected,
                found: seq,
            });
        }
        let next = self.head.append(body);
        if &next.hash != hash {
            return Err(ChainFault::HashMismatch { seq });
        }
        self.head = next;
        Ok(())
    }

    pub fn head(&self) -> ChainHead {
        self.head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(bodies: &[&[u8]]) -> Vec<AuditRecord> {
        let mut head = ChainHead::EMPTY;
        bodies
            .iter()
            .map(|b| {
                head = head.append(b);
                AuditRecord {
                    seq: head.size,
                    body: b.to_vec(),
                    hash: head.hash,
                }
            })
            .collect()
    }

    fn verify(records: &[AuditRecord]) -> Result<ChainHead, ChainFault> {
        let mut v = ChainVerifier::default();
        for r in records {
            v.push(r.seq, &r.body, &r.hash)?;
        }
        Ok(v.head())
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let records = chain(&[b"a", b"b", b"c"]);
        assert_eq!(verify(&records).map(|h| h.size), Ok(3));
    }

    #[test]
    fn an_edited_body_names_its_entry() {
        let mut records = chain(&[b"a", b"b", b"c"]);
        records[1].body = b"B".to_vec();
        assert_eq!(verify(&records), Err(ChainFault::HashMismatch { seq: 2 }));
    }

    #[test]
    fn a_deleted_entry_is_a_gap() {
        let mut records = chain(&[b"a", b"b", b"c"]);
        records.remove(1);
        assert_eq!(
            verify(&records),
            Err(ChainFault::Gap {
                expected: 2,
                found: 3
            })
        );
    }

    #[test]
    fn swapped_entries_are_detected() {
        let mut records = chain(&[b"a", b"b", b"c"]);
        let (first, second) = (records[0].clone(), records[1].clone());
        records[0] = AuditRecord { seq: 1, ..second };
        records[1] = AuditRecord { seq: 2, ..first };
        assert_eq!(verify(&records), Err(ChainFault::HashMismatch { seq: 1 }));
    }

    #[test]
    fn canonical_bytes_round_trip() -> Result<(), AuditEncodingError> {
        let event = AuditEvent {
            at: time::macros::datetime!(2026-11-28 12:00 UTC),
            actor: Actor::System {
                command: "erase".into(),
            },
            org: None,
            action: AuditAction::SurvivorErase,
            target: Some(AuditTarget::Survivor(Uuid::nil())),
            categories: vec![DataCategory::Identity],
            consent: None,
            decision: Decision::Allow,
            reason: "cli_erase".into(),
        };
        let bytes = event.to_canonical_bytes()?;
        assert_eq!(AuditEvent::from_canonical_bytes(&bytes)?, event);
        assert_eq!(bytes, event.to_canonical_bytes()?);
        Ok(())
    }

    #[test]
    fn an_entrys_target_is_read_from_its_bytes_alone() -> Result<(), AuditEncodingError> {
        let id = Uuid::from_u128(7);
        let mut event = AuditEvent {
            at: time::macros::datetime!(2026-12-03 12:00 UTC),
            actor: Actor::Anonymous,
            org: None,
            action: AuditAction::CaseView,
            target: Some(AuditTarget::Case(id)),
            categories: vec![DataCategory::Case],
            consent: None,
            decision: Decision::Allow,
            reason: "case_team".into(),
        };
        assert_eq!(target_id_of(&event.to_canonical_bytes()?), Some(id));
        event.target = Some(AuditTarget::Directory);
        assert_eq!(target_id_of(&event.to_canonical_bytes()?), None);
        event.target = None;
        assert_eq!(target_id_of(&event.to_canonical_bytes()?), None);
        assert_eq!(target_id_of(b"not an entry"), None);
        Ok(())
    }

    /// Every entry's target, whatever its strings hold, is what decoding the whole entry
    /// gives; and the usual shapes are read from the bytes without the decoder.
    mod targets {
        use super::*;
        use proptest::prelude::*;

        fn target() -> impl Strategy<Value = Option<AuditTarget>> {
            (0u8..11, any::<u128>()).prop_map(|(kind, n)| {
                let id = Uuid::from_u128(n);
                Some(match kind {
                    0 => return None,
                    1 => AuditTarget::Survivor(id),
                    2 => AuditTarget::Organisation(id),
                    3 => AuditTarget::Keystore,
                    4 => AuditTarget::AuditLog,
                    5 => AuditTarget::User(id),
                    6 => AuditTarget::Case(id),
                    7 => AuditTarget::Token(id),
                    8 => AuditTarget::Referral(id),
                    9 => AuditTarget::Directory,
                    _ => AuditTarget::Transfer(id),
                })
            })
        }

        proptest! {
            #[test]
            fn read_from_the_bytes_as_decoded(
                target in target(),
                // Strings meant to look like a target key, quotes and commas included.
                command in "[a-z,:\"\\{} ]{0,24}|.*\"target\":\\?\"?.*",
                reason in ".{0,24}",
                staff in any::<bool>(),
            ) {
                let event = AuditEvent {
                    at: time::macros::datetime!(2026-12-03 12:00 UTC),
                    actor: if staff {
                        Actor::Staff { user: Uuid::from_u128(9), role: command.clone() }
                    } else {
                        Actor::System { command: command.clone() }
                    },
                    org: None,
                    action: AuditAction::CaseView,
                    target: target.clone(),
                    categories: vec![DataCategory::Case],
                    consent: None,
                    decision: Decision::Allow,
                    reason,
                };
                let bytes = event.to_canonical_bytes().map_err(|e| TestCaseError::fail(e.to_string()))?;
                let expected = target.as_ref().and_then(AuditTarget::id);
                prop_assert_eq!(target_id_of(&bytes), expected);
                if target.is_none() || expected.is_some() {
                    prop_assert_eq!(canonical_target(&bytes), Some(expected));
                }
            }
        }
    }
}
