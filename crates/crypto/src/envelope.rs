//! Envelope encryption: each survivor's data key (DEK) is random and stored only wrapped
//! by a key-encryption key (KEK) from the key file. Wrapped keys live in the keystore, apart
//! from the data, so destroying one makes every copy of that survivor's ciphertext — in the
//! live database and in every backup — unreadable (crypto-shredding, DESIGN §3).
//!
//! Wrapping is XChaCha20-Poly1305 under `HKDF(KEK, "haven dek-wrap v1")`, with the key id,
//! DEK generation and KEK version as associated data, so a wrapped key cannot be swapped
//! onto another key id or relabelled with another KEK version.

use crate::entropy::random_array;
use crate::keyfile::KeyFile;
use crate::{CryptoError, Entropy, SecretKey};
use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{KeyInit, XChaCha20Poly1305, XNonce};
use haven_domain::KeyId;
use zeroize::Zeroizing;

const WRAP_INFO: &[u8] = b"haven dek-wrap v1";
const WRAP_AAD: &[u8] = b"haven-dek-v1";
pub(crate) const NONCE_LEN: usize = 24;

/// An unwrapped data key. Exists only in memory.
#[derive(Debug, Clone)]
pub struct DataKey {
    pub id: KeyId,
    pub generation: u32,
    pub(crate) key: SecretKey,
}

impl DataKey {
    /// A service key derived from a key-file secret (e.g. for staff TOTP secrets), used with
    /// the same field format. `id` names it in every ciphertext.
    pub fn derived(id: KeyId, root: &SecretKey, info: &[u8]) -> Self {
        Self {
            id,
            generation: 1,
            key: root.derive(info),
        }
    }

    pub fn generate(entropy: &dyn Entropy) -> Self {
        Self {
            id: KeyId::from_random_bytes(random_array(entropy)),
            generation: 1,
            key: SecretKey::generate(entropy),
        }
    }
}

/// A data key as the keystore holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedKey {
    pub id: KeyId,
    pub generation: u32,
    pub kek_version: u32,
    pub wrapped: Vec<u8>,
}

pub(crate) fn cipher(key: &SecretKey) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(&(*key.expose()).into())
}

fn wrap_aad(id: &KeyId, generation: u32, kek_version: u32) -> Vec<u8> {
    let mut aad = Vec::with_capacity(WRAP_AAD.len() + 24);
    aad.extend_from_slice(WRAP_AAD);
    aad.extend_from_slice(id.as_bytes());
    aad.extend_from_slice(&generation.to_be_bytes());
    aad.extend_from_slice(&kek_version.to_be_bytes());
    aad
}

/// Wraps `dek` under the key file's current KEK.
pub fn wrap(
    keys: &KeyFile,
    dek: &DataKey,
    entropy: &dyn Entropy,
) -> Result<WrappedKey, CryptoError> {
    let (kek_version, kek) = keys.current_kek()?;
    let nonce: [u8; NONCE_LEN] = random_array(entropy);
    let aad = wrap_aad(&dek.id, dek.generation, kek_version);
    let ct = cipher(&kek.derive(WRAP_INFO))
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: dek.key.expose(),
                aad: &aad,
            },
        )
        .map_err(|_| CryptoError::Integrity)?;
    let mut wrapped = nonce.to_vec();
    wrapped.extend_from_slice(&ct);
    Ok(WrappedKey {
        id: dek.id,
        generation: dek.generation,
        kek_version,
        wrapped,
    })
}

/// Unwraps a stored key with the KEK version it names.
pub fn unwrap(keys: &KeyFile, stored: &WrappedKey) -> Result<DataKey, CryptoError> {
    let kek = keys.kek(stored.kek_version)?;
    if stored.wrapped.len() <= NONCE_LEN {
        return Err(CryptoError::Malformed);
    }
    let (nonce, ct) = stored.wrapped.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::Malformed)?;
    let aad = wrap_aad(&stored.id, stored.generation, stored.kek_version);
    let plain = Zeroizing::new(
        cipher(&kek.derive(WRAP_INFO))
            .decrypt(&XNonce::from(nonce), Payload { msg: ct, aad: &aad })
            .map_err(|_| CryptoError::Integrity)?,
    );
    let key: [u8; 32] = plain
        .as_slice()
        .try_into()
        .map_err(|_| CryptoError::Malformed)?;
    Ok(DataKey {
        id: stored.id,
        generation: stored.generation,
        key: SecretKey::from_bytes(key),
    })
}

/// Rewraps a stored key under the current KEK. The data key passes through memory; no
/// field plaintext is ever touched.
pub fn rewrap(
    keys: &KeyFile,
    stored: &WrappedKey,
    entropy: &dyn Entropy,
) -> Result<WrappedKey, CryptoError> {
    wrap(keys, &unwrap(keys, stored)?, entropy)
}

/// A value that proves a KEK belongs to this installation: sealed at init, opened at every
/// start so that a wrong key file is refused before anything is written.
pub fn kek_check(
    keys: &KeyFile,
    version: u32,
    entropy: &dyn Entropy,
) -> Result<Vec<u8>, CryptoError> {
    let kek = keys.kek(version)?;
    let nonce: [u8; NONCE_LEN] = random_array(entropy);
    let ct = cipher(&kek.derive(b"haven kek-check v1"))
        .encrypt(&XNonce::from(nonce), b"haven".as_slice())
        .map_err(|_| CryptoError::Integrity)?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&ct);
    Ok(out)
}

pub fn verify_kek_check(keys: &KeyFile, version: u32, check: &[u8]) -> Result<(), CryptoError> {
    let kek = keys.kek(version)?;
    if check.len() <= NONCE_LEN {
        return Err(CryptoError::Malformed);
    }
    let (nonce, ct) = check.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::Malformed)?;
    cipher(&kek.derive(b"haven kek-check v1"))
        .decrypt(&XNonce::from(nonce), ct)
        .map(|_| ())
        .map_err(|_| CryptoError::Integrity)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SeededEntropy;

    #[test]
    fn a_wrapped_key_unwraps_to_the_same_key() -> Result<(), CryptoError> {
        let e = SeededEntropy::new(7);
        let keys = KeyFile::generate(&e);
        let dek = DataKey::generate(&e);
        let w = wrap(&keys, &dek, &e)?;
        assert_eq!(unwrap(&keys, &w)?.key, dek.key);
        Ok(())
    }

    #[test]
    fn rewrap_moves_a_key_to_the_current_kek_without_changing_it() -> Result<(), CryptoError> {
        let e = SeededEntropy::new(8);
        let mut keys = KeyFile::generate(&e);
        let dek = DataKey::generate(&e);
        let old = wrap(&keys, &dek, &e)?;
        keys.add_kek(&e);
        let new = rewrap(&keys, &old, &e)?;
        assert_eq!(new.kek_version, 2);
        keys.retire_keks_before(2);
        assert!(matches!(
            unwrap(&keys, &old),
            Err(CryptoError::UnknownKekVersion(1))
        ));
        assert_eq!(unwrap(&keys, &new)?.key, dek.key);
        Ok(())
    }

    #[test]
    fn a_relabelled_or_moved_wrapped_key_fails() -> Result<(), CryptoError> {
        let e = SeededEntropy::new(9);
        let keys = KeyFile::generate(&e);
        let w = wrap(&keys, &DataKey::generate(&e), &e)?;
        let other = DataKey::generate(&e).id;
        let moved = WrappedKey {
            id: other,
            ..w.clone()
        };
        assert!(matches!(unwrap(&keys, &moved), Err(CryptoError::Integrity)));
        let wrong_keys = KeyFile::generate(&SeededEntropy::new(10));
        assert!(matches!(
            unwrap(&wrong_keys, &w),
            Err(CryptoError::Integrity)
        ));
        Ok(())
    }

    #[test]
    fn the_kek_check_tells_a_wrong_key_file() -> Result<(), CryptoError> {
        let e = SeededEntropy::new(11);
        let keys = KeyFile::generate(&e);
        let check = kek_check(&keys, 1, &e)?;
        verify_kek_check(&keys, 1, &check)?;
        let other = KeyFile::generate(&SeededEntropy::new(12));
        assert!(verify_kek_check(&other, 1, &check).is_err());
        Ok(())
    }
}
