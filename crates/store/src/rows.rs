//! Rows as the stores hold them: ids, timestamps and ciphertext. No plaintext personal data.

use haven_domain::{KeyId, OrgId, SurvivorId};

use time::OffsetDateTime;

pub use haven_crypto::envelope::WrappedKey;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRow {
    pub id: OrgId,
    pub name: String,
    pub kind: String,
    pub created_at: OffsetDateTime,
}

/// The encrypted personal fields of a survivor, one ciphertext per column.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SurvivorCiphertexts {
    pub pseudonym: Vec<u8>,
    pub legal_name: Option<Vec<u8>>,
    pub aliases: Option<Vec<u8>>,
    pub date_of_birth: Option<Vec<u8>>,
    pub phone: Option<Vec<u8>>,
    pub email: Option<Vec<u8>>,
    pub safe_contact: Option<Vec<u8>>,
}

/// One blind-index entry: which index, and the truncated value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    pub name: String,
    pub value: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurvivorRow {
    pub id: SurvivorId,
    pub org: OrgId,
    pub key_id: KeyId,
    pub created_at: OffsetDateTime,
    pub fields: SurvivorCiphertexts,
    /// Written with the row; not read back by `survivor()`.
    pub index: Vec<IndexEntry>,
}

/// A signed audit checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointRow {
    pub size: u64,
    pub head: [u8; 32],
    pub at: OffsetDateTime,
    pub public_key: [u8; 32],
    pub signature: [u8; 64],
}
