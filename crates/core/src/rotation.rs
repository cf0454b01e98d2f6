//! KEK rotation: a new key-encryption key, every data key rewrapped under it, the old one
//! destroyed. Data keys pass through memory; no field plaintext is ever decrypted. The old
//! KEK is retired only after a count shows no data key still needs it (Vault's rewrap with
//! `min_decryption_version`; security.md §7 A 6).

use crate::{CoreError, Haven, system};
use haven_crypto::envelope;
use haven_crypto::keyfile::KeyFile;
use haven_domain::audit::{AuditAction, AuditTarget};
use haven_store::Store;

const BATCH: u32 = 500;

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationReport {
    pub new_version: u32,
    pub rewrapped: u64,
    pub retired: Vec<u32>,
}

impl<S: Store> Haven<S> {
    /// Rewraps every data key under the key file's current KEK version. Returns how many
    /// were rewrapped. Safe to re-run after an interruption.
    pub async fn rewrap_all(&self) -> Result<u64, CoreError> {
        let keys = self.key_file();
        let (current, _) = keys.current_kek()?;
        let entropy = self.inner().entropy.as_ref();
        let store = self.store();
        let mut after = None;
        let mut count = 0;
        loop {
            let page = store.data_keys_page(after, BATCH).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            let moved = page
                .iter()
                .filter(|k| k.kek_version != current)
                .map(|k| envelope::rewrap(keys, k, entropy))
                .collect::<Result<Vec<_>, _>>()?;
            count += moved.len() as u64;
            store.rewrap_data_keys(&moved).await?;
        }
        Ok(count)
    }

    /// How many data keys are still wrapped under a version other than the current one.
    pub async fn keys_behind_current(&self) -> Result<u64, CoreError> {
        let (current, _) = self.key_file().current_kek()?;
        Ok(self
            .store()
            .data_keys_by_kek()
            .await?
            .into_iter()
            .filter(|(v, _)| *v != current)
            .map(|(_, n)| n)
            .sum())
    }

    /// After [`Haven::rewrap_all`]: the key file with old KEKs removed, or an error if any
    /// data key still depends on one.
    pub async fn retire_old_keks(&self) -> Result<(KeyFile, Vec<u32>), CoreError> {
        let behind = self.keys_behind_current().await?;
        if behind > 0 {
            return Err(CoreError::RotationIncomplete(behind));
        }
        let mut keys = self.key_file().clone();
        let (current, _) = keys.current_kek()?;
        let retired: Vec<u32> = keys
            .kek_versions()
            .into_iter()
            .filter(|v| *v < current)
            .collect();
        keys.retire_keks_before(current);
        Ok((keys, retired))
    }

    /// Rotates the KEK end to end. `persist` writes a key file durably (atomically): it is
    /// called first with the new KEK added — before any data key is wrapped under it — and
    /// last with the old KEKs removed, once no data key needs them. Interrupted, it can be
    /// run again: each run rewraps everything under its newest KEK.
    pub async fn rotate_kek(
        &self,
        persist: impl Fn(&KeyFile) -> Result<(), CoreError>,
    ) -> Result<RotationReport, CoreError> {
        let inner = self.inner();
        let mut keys = self.key_file().clone();
        let new_version = keys.add_kek(inner.entropy.as_ref());
        persist(&keys)?;
        let check = envelope::kek_check(&keys, new_version, inner.entropy.as_ref())?;
        inner.store.put_kek_check(new_version, &check).await?;
        let rotated = self.with_key_file(keys);
        let rewrapped = rotated.rewrap_all().await?;
        let (final_keys, retired) = rotated.retire_old_keks().await?;
        persist(&final_keys)?;
        inner.store.delete_kek_checks_before(new_version).await?;
        rotated
            .record(
                system("keys rotate"),
                None,
                AuditAction::KeyRotate,
                Some(AuditTarget::Keystore),
                &[],
                "kek_rotate",
            )
            .await?;
        Ok(RotationReport {
            new_version,
            rewrapped,
            retired,
        })
    }
}
