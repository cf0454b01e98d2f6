//! Verifying the audit log and exporting signed checkpoints.
//!
//! `verify` streams the whole log, recomputes every chain hash, compares the result with the
//! recorded head (so a deleted tail is caught), checks every stored checkpoint's signature
//! and head, and — given a checkpoint exported earlier and kept off the machine — checks
//! that the log still extends it. A log rolled back below that checkpoint, or rewritten and
//! re-chained by someone with database access, fails here even though its own hashes agree.
//! It also checks the index of targets the access report reads (`crate::audit_index`).

use crate::audit_index::IndexCheck;
use crate::{CoreError, Haven, system};
use haven_crypto::checkpoint;
use haven_domain::audit::{
    AuditAction, AuditTarget, ChainFault, ChainHash, ChainHead, ChainVerifier,
};
use haven_store::{CheckpointRow, Store, StoreError};
use std::collections::BTreeMap;
use time::OffsetDateTime;

const PAGE: u32 = 5_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditFault {
    #[error("{0}")]
    Chain(#[from] ChainFault),
    #[error(
        "the audit log has {log_size} entries but the checkpoint covers {checkpoint_size}: it was rolled back"
    )]
    RolledBack { checkpoint_size: u64, log_size: u64 },
    #[error(
        "audit entries up to {size} differ from the checkpoint: the log was rewritten below it"
    )]
    Rewritten { size: u64 },
    #[error("the checkpoint at entry {size} has an invalid signature")]
    BadSignature { size: u64 },
    #[error("the checkpoint was signed by a different key than this installation's")]
    ForeignKey,
    #[error("the checkpoint file is malformed: {0}")]
    MalformedCheckpoint(&'static str),
    #[error(
        "the index of audit targets disagrees with the log at entry {seq}: a survivor's access report could miss entries; `haven audit reindex` builds it again from the log"
    )]
    IndexDisagrees { seq: u64 },
}

/// What a successful verification saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub entries: u64,
    pub head: ChainHead,
    pub checkpoints_checked: usize,
    /// How many entries, from the first, the index of targets covered and was checked for.
    pub indexed: u64,
}

/// A checkpoint as exported to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub size: u64,
    pub head: [u8; 32],
    pub at: OffsetDateTime,
    pub public_key: [u8; 32],
    pub signature: [u8; 64],
}

impl From<CheckpointRow> for Checkpoint {
    fn from(r: CheckpointRow) -> Self {
        Self {
            size: r.size,
            head: r.head,
            at: r.at,
            public_key: r.public_key,
            signature: r.signature,
        }
    }
}

impl Checkpoint {
    fn signature_ok(&self) -> bool {
        checkpoint::verify(
            &self.public_key,
            self.size,
            &self.head,
            self.at.unix_timestamp(),
            &self.signature,
        )
    }

    /// The text form kept off the machine: a few `key value` lines.
    pub fn to_text(&self) -> String {
        format!(
            "haven-audit-checkpoint v1\nsize {}\nhead {}\nat {}\npublic_key {}\nsignature {}\n",
            self.size,
            hex::encode(self.head),
            self.at.unix_timestamp(),
            hex::encode(self.public_key),
            hex::encode(self.signature)
        )
    }

    pub fn parse(text: &str) -> Result<Self, AuditFault> {
        let mut lines = text.lines();
        if lines.next() != Some("haven-audit-checkpoint v1") {
            return Err(AuditFault::MalformedCheckpoint(
                "not a Haven audit checkpoint",
            ));
        }
        let fields: BTreeMap<&str, &str> = lines.filter_map(|l| l.split_once(' ')).collect();
        let get = |k: &'static str| {
            fields
                .get(k)
                .copied()
                .ok_or(AuditFault::MalformedCheckpoint(k))
        };
        fn hex_array<const N: usize>(s: &str, what: &'static str) -> Result<[u8; N], AuditFault> {
            hex::decode(s)
                .ok()
                .and_then(|v| v.try_into().ok())
                .ok_or(AuditFault::MalformedCheckpoint(what))
        }
        let at: i64 = get("at")?
            .parse()
            .map_err(|_| AuditFault::MalformedCheckpoint("at"))?;
        Ok(Self {
            size: get("size")?
                .parse()
                .map_err(|_| AuditFault::MalformedCheckpoint("size"))?,
            head: hex_array(get("head")?, "head")?,
            at: OffsetDateTime::from_unix_timestamp(at)
                .map_err(|_| AuditFault::MalformedCheckpoint("at"))?,
            public_key: hex_array(get("public_key")?, "public_key")?,
            signature: hex_array(get("signature")?, "signature")?,
        })
    }
}

impl<S: Store> Haven<S> {
    /// Recomputes the whole chain; see the module note.
    pub async fn verify_audit(
        &self,
        external: Option<&Checkpoint>,
    ) -> Result<VerifyReport, CoreError> {
        let store = self.store();
        let own_key = self.inner().signer.public_key();
        if let Some(c) = external {
            if c.public_key != own_key {
                return Err(AuditFault::ForeignKey.into());
            }
            if !c.signature_ok() {
                return Err(AuditFault::BadSignature { size: c.size }.into());
            }
        }
        // Heads to compare along the way: the external checkpoint and the stored ones.
        let mut expected: BTreeMap<u64, [u8; 32]> = BTreeMap::new();
        let mut stored = 0;
        if let Some(row) = store.latest_checkpoint().await? {
            let c = Checkpoint::from(row);
            if !c.signature_ok() || c.public_key != own_key {
                return Err(AuditFault::BadSignature { size: c.size }.into());
            }
            expected.insert(c.size, c.head);
            stored += 1;
        }
        if let Some(c) = external {
            expected.insert(c.size, c.head);
        }

        let mut verifier = ChainVerifier::default();
        let index = IndexCheck::start(store).await?;
        // The next page, and the index's rows for it, are read while this one is hashed:
        // reading, not hashing, is the slower half, and the two run on different cores.
        let fetch = |after: u64| {
            let store = store.clone();
            tokio::spawn(async move {
                let (page, rows) = tokio::join!(
                    store.audit_page(after, PAGE),
                    index.rows_for_page(&store, after, PAGE)
                );
                Ok::<_, CoreError>((page?, rows?))
            })
        };
        let mut pending = fetch(0);
        loop {
            let (page, rows) = pending
                .await
                .map_err(|_| StoreError::Backend("audit page reader stopped".into()))??;
            let Some(last) = page.last() else { break };
            pending = fetch(last.seq);
            for r in &page {
                verifier
                    .push(r.seq, &r.body, &r.hash)
                    .map_err(AuditFault::from)?;
                if expected
                    .get(&r.seq)
                    .is_some_and(|h| r.hash != ChainHash(*h))
                {
                    return Err(AuditFault::Rewritten { size: r.seq }.into());
                }
            }
            if let Some(seq) = index.page(&page, &rows) {
                return Err(AuditFault::IndexDisagrees { seq }.into());
            }
        }
        let head = verifier.head();
        let recorded = store.audit_head().await?;
        if recorded != head {
            return Err(AuditFault::Chain(ChainFault::HeadMismatch {
                recorded: recorded.size,
                actual: head.size,
            })
            .into());
        }
        if let Some(&size) = expected.keys().next_back().filter(|s| **s > head.size) {
            return Err(AuditFault::RolledBack {
                checkpoint_size: size,
                log_size: head.size,
            }
            .into());
        }
        if let Some(seq) = index.finish(store, head.size).await? {
            return Err(AuditFault::IndexDisagrees { seq }.into());
        }
        Ok(VerifyReport {
            entries: head.size,
            head,
            checkpoints_checked: stored + usize::from(external.is_some()),
            indexed: index.covered(),
        })
    }

    /// Signs the current head, stores the checkpoint and returns it for export. The
    /// checkpoint itself is then recorded in the log (after the head it covers).
    pub async fn checkpoint_audit(&self) -> Result<Checkpoint, CoreError> {
        let store = self.store();
        let head = store.audit_head().await?;
        let at = self.now();
        let signer = &self.inner().signer;
        let c = Checkpoint {
            size: head.size,
            head: head.hash.0,
            at,
            public_key: signer.public_key(),
            signature: signer.sign(head.size, &head.hash.0, at.unix_timestamp()),
        };
        store
            .insert_checkpoint(&CheckpointRow {
                size: c.size,
                head: c.head,
                at: c.at,
                public_key: c.public_key,
                signature: c.signature,
            })
            .await?;
        self.record(
            system("audit checkpoint"),
            None,
            AuditAction::AuditCheckpoint,
            Some(AuditTarget::AuditLog),
            &[],
            "checkpoint",
        )
        .await?;
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_round_trips_through_its_text_form() -> Result<(), AuditFault> {
        let c = Checkpoint {
            size: 12,
            head: [3; 32],
            at: time::macros::datetime!(2026-11-28 10:00 UTC),
            public_key: [4; 32],
            signature: [5; 64],
        };
        assert_eq!(Checkpoint::parse(&c.to_text())?, c);
        assert!(matches!(
            Checkpoint::parse("hello"),
            Err(AuditFault::MalformedCheckpoint(_))
        ));
        Ok(())
    }
}
