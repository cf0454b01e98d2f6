//! Signed audit checkpoints: an ed25519 signature over `(size, head hash, time)` of the
//! audit chain. Exported off the machine, a checkpoint lets a later `audit verify` detect a
//! log that was rolled back or rebuilt below it (security.md §4.2, §7 E 31).

use crate::SecretKey;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

const DOMAIN: &[u8] = b"haven-checkpoint-v1";

fn message(size: u64, head: &[u8; 32], at_unix: i64) -> Vec<u8> {
    let mut m = Vec::with_capacity(DOMAIN.len() + 48);
    m.extend_from_slice(DOMAIN);
    m.extend_from_slice(&size.to_be_bytes());
    m.extend_from_slice(head);
    m.extend_from_slice(&at_unix.to_be_bytes());
    m
}

/// The audit signing key, from the key file's seed.
pub struct CheckpointSigner(SigningKey);

impl CheckpointSigner {
    pub fn new(seed: &SecretKey) -> Self {
        Self(SigningKey::from_bytes(seed.expose()))
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.0.verifying_key().to_bytes()
    }

    pub fn sign(&self, size: u64, head: &[u8; 32], at_unix: i64) -> [u8; 64] {
        self.0.sign(&message(size, head, at_unix)).to_bytes()
    }
}

/// Verifies a checkpoint signature with a public key held apart from the server.
pub fn verify(
    public_key: &[u8; 32],
    size: u64,
    head: &[u8; 32],
    at_unix: i64,
    signature: &[u8; 64],
) -> bool {
    let Ok(key) = VerifyingKey::from_bytes(public_key) else {
        return false;
    };
    key.verify(
        &message(size, head, at_unix),
        &Signature::from_bytes(signature),
    )
    .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SeededEntropy;

    #[test]
    fn a_signature_verifies_only_for_what_was_signed() {
        let signer = CheckpointSigner::new(&SecretKey::generate(&SeededEntropy::new(1)));
        let pk = signer.public_key();
        let sig = signer.sign(10, &[7; 32], 1_700_000_000);
        assert!(verify(&pk, 10, &[7; 32], 1_700_000_000, &sig));
        assert!(!verify(&pk, 9, &[7; 32], 1_700_000_000, &sig));
        assert!(!verify(&pk, 10, &[8; 32], 1_700_000_000, &sig));
        let other = CheckpointSigner::new(&SecretKey::generate(&SeededEntropy::new(2)));
        assert!(!verify(
            &other.public_key(),
            10,
            &[7; 32],
            1_700_000_000,
            &sig
        ));
    }
}
