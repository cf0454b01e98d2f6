//! A small pool of fresh data keys, stored (wrapped) in the keystore in batches before any
//! is handed out. One keystore commit then serves many intakes, instead of an extra durable
//! write per survivor; a key that was stored but never used (the process stopped) opens
//! nothing and can be purged. Each key is still used by exactly one survivor: the data
//! database's `survivors.key_id` is unique.

use crate::CoreError;
use haven_crypto::Entropy;
use haven_crypto::envelope::{self, DataKey};
use haven_crypto::keyfile::KeyFile;
use haven_store::Store;
use tokio::sync::Mutex;

const BATCH: usize = 32;

#[derive(Default)]
pub(crate) struct KeyPool {
    ready: Mutex<Vec<DataKey>>,
}

impl KeyPool {
    /// A data key that is durably in the keystore and used by nobody yet.
    pub(crate) async fn take<S: Store>(
        &self,
        store: &S,
        keys: &KeyFile,
        entropy: &dyn Entropy,
    ) -> Result<DataKey, CoreError> {
        let mut ready = self.ready.lock().await;
        if let Some(key) = ready.pop() {
            return Ok(key);
        }
        let fresh: Vec<DataKey> = (0..BATCH).map(|_| DataKey::generate(entropy)).collect();
        let wrapped = fresh
            .iter()
            .map(|k| envelope::wrap(keys, k, entropy))
            .collect::<Result<Vec<_>, _>>()?;
        store.insert_data_keys(&wrapped).await?;
        ready.extend(fresh);
        ready.pop().ok_or(CoreError::NotFound)
    }
}
