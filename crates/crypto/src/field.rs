//! Field encryption: XChaCha20-Poly1305 under a survivor's data key, with associated data
//! that binds each ciphertext to its place — organisation, table, column, record id and key
//! id/generation — so a ciphertext copied to another row, column or organisation fails to
//! open (security.md §7 A 3; Tink / RFC 5116 associated data).
//!
//! Layout: `0x01 ‖ key id (16) ‖ key generation (u32 BE) ‖ nonce (24) ‖ ciphertext ‖ tag`.
//! Nonces are random (192 bits), so repeats are negligible at any volume Haven will see.

use crate::entropy::random_array;
use crate::envelope::{DataKey, NONCE_LEN, cipher};
use crate::{CryptoError, Entropy, Plaintext};
use chacha20poly1305::XNonce;
use chacha20poly1305::aead::{Aead, Payload};
use haven_domain::{KeyId, OrgId};

const FORMAT: u8 = 1;
const HEADER_LEN: usize = 1 + 16 + 4;
const AAD_DOMAIN: &[u8] = b"haven-field-v1";

/// Where a ciphertext lives. Every part is bound into the associated data.
#[derive(Debug, Clone, Copy)]
pub struct FieldContext<'a> {
    pub org: OrgId,
    pub table: &'a str,
    pub column: &'a str,
    pub record: [u8; 16],
}

impl FieldContext<'_> {
    fn aad(&self, header: &[u8]) -> Vec<u8> {
        let mut aad =
            Vec::with_capacity(AAD_DOMAIN.len() + 40 + self.table.len() + self.column.len());
        aad.extend_from_slice(AAD_DOMAIN);
        aad.extend_from_slice(self.org.as_bytes());
        for part in [self.table, self.column] {
            aad.extend_from_slice(&(part.len() as u32).to_be_bytes());
            aad.extend_from_slice(part.as_bytes());
        }
        aad.extend_from_slice(&self.record);
        aad.extend_from_slice(header);
        aad
    }
}

fn header(key: &DataKey) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[0] = FORMAT;
    h[1..17].copy_from_slice(key.id.as_bytes());
    h[17..21].copy_from_slice(&key.generation.to_be_bytes());
    h
}

impl DataKey {
    /// Encrypts one field value for its place.
    pub fn seal(
        &self,
        ctx: &FieldContext<'_>,
        plaintext: &[u8],
        entropy: &dyn Entropy,
    ) -> Result<Vec<u8>, CryptoError> {
        let header = header(self);
        let nonce: [u8; NONCE_LEN] = random_array(entropy);
        let ct = cipher(&self.key)
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: &ctx.aad(&header),
                },
            )
            .map_err(|_| CryptoError::Integrity)?;
        let mut out = Vec::with_capacity(HEADER_LEN + NONCE_LEN + ct.len());
        out.extend_from_slice(&header);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Decrypts one field value, failing unless it was sealed for exactly this place.
    pub fn open(
        &self,
        ctx: &FieldContext<'_>,
        ciphertext: &[u8],
    ) -> Result<Plaintext, CryptoError> {
        if ciphertext.len() < HEADER_LEN + NONCE_LEN || ciphertext[0] != FORMAT {
            return Err(CryptoError::Malformed);
        }
        let (head, rest) = ciphertext.split_at(HEADER_LEN);
        if head != header(self) {
            return Err(CryptoError::Integrity);
        }
        let (nonce, ct) = rest.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::Malformed)?;
        cipher(&self.key)
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: ct,
                    aad: &ctx.aad(head),
                },
            )
            .map(Plaintext::new)
            .map_err(|_| CryptoError::Integrity)
    }
}

/// The key id a field ciphertext names, to find its data key.
pub fn key_id_of(ciphertext: &[u8]) -> Result<KeyId, CryptoError> {
    let id: [u8; 16] = ciphertext
        .get(1..17)
        .and_then(|b| b.try_into().ok())
        .ok_or(CryptoError::Malformed)?;
    Ok(KeyId::from_uuid(uuid::Uuid::from_bytes(id)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SeededEntropy;
    use proptest::prelude::*;

    fn ctx(
        org: u8,
        table: &'static str,
        column: &'static str,
        record: u8,
    ) -> FieldContext<'static> {
        FieldContext {
            org: OrgId::from_random_bytes([org; 16]),
            table,
            column,
            record: [record; 16],
        }
    }

    #[test]
    fn a_ciphertext_moved_to_another_place_fails_to_open() -> Result<(), CryptoError> {
        let e = SeededEntropy::new(1);
        let key = DataKey::generate(&e);
        let here = ctx(1, "survivors", "legal_name", 1);
        let ct = key.seal(&here, b"Maria Lopez", &e)?;
        assert_eq!(&key.open(&here, &ct)?[..], b"Maria Lopez");
        for elsewhere in [
            ctx(1, "survivors", "legal_name", 2),
            ctx(1, "survivors", "phone", 1),
            ctx(1, "notes", "legal_name", 1),
            ctx(2, "survivors", "legal_name", 1),
        ] {
            assert!(matches!(
                key.open(&elsewhere, &ct),
                Err(CryptoError::Integrity)
            ));
        }
        let other_key = DataKey::generate(&e);
        assert!(other_key.open(&here, &ct).is_err());
        Ok(())
    }

    #[test]
    fn the_same_value_encrypts_differently_each_time() -> Result<(), CryptoError> {
        let e = SeededEntropy::new(2);
        let key = DataKey::generate(&e);
        let c = ctx(1, "survivors", "phone", 1);
        assert_ne!(key.seal(&c, b"555", &e)?, key.seal(&c, b"555", &e)?);
        Ok(())
    }

    #[test]
    fn the_key_id_is_readable_from_the_ciphertext() -> Result<(), CryptoError> {
        let e = SeededEntropy::new(3);
        let key = DataKey::generate(&e);
        let ct = key.seal(&ctx(1, "t", "c", 1), b"x", &e)?;
        assert_eq!(key_id_of(&ct)?, key.id);
        Ok(())
    }

    proptest! {
        #[test]
        fn any_flipped_byte_is_an_error(plain in proptest::collection::vec(any::<u8>(), 0..200), pos in any::<prop::sample::Index>(), bit in 0u8..8) {
            let e = SeededEntropy::new(4);
            let key = DataKey::generate(&e);
            let c = ctx(1, "survivors", "aliases", 9);
            let mut ct = key.seal(&c, &plain, &e).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let i = pos.index(ct.len());
            ct[i] ^= 1 << bit;
            prop_assert!(key.open(&c, &ct).is_err());
        }

        #[test]
        fn round_trip(plain in proptest::collection::vec(any::<u8>(), 0..500)) {
            let e = SeededEntropy::new(5);
            let key = DataKey::generate(&e);
            let c = ctx(3, "survivors", "email", 4);
            let ct = key.seal(&c, &plain, &e).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let opened = key.open(&c, &ct).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&opened[..], plain.as_slice());
        }
    }
}
