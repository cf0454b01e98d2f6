//! Random tokens and their hashes: session cookies, CSRF tokens, API tokens, recovery
//! codes. Tokens carry 256 bits from the injected entropy source; only SHA-256 hashes are
//! stored, so a copy of the database opens no session.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use haven_crypto::Entropy;
use sha2::{Digest, Sha256};

/// The recognisable prefix of API tokens (so secret scanners can find leaked ones).
pub const API_TOKEN_PREFIX: &str = "haven_pat_";

pub(crate) fn token(entropy: &dyn Entropy) -> String {
    let mut bytes = [0u8; 32];
    entropy.fill(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(crate) fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A recovery code: ten base32 characters in two groups (`abcde-fghij`), 50 bits.
pub(crate) fn recovery_code(entropy: &dyn Entropy) -> String {
    let mut bytes = [0u8; 10];
    entropy.fill(&mut bytes);
    let alphabet = b"abcdefghijkmnpqrstuvwxyz23456789";
    let chars: String = bytes
        .iter()
        .map(|b| alphabet[usize::from(*b) % 32] as char)
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// Recovery codes are compared without case, spaces or dashes.
pub(crate) fn normalise_recovery_code(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}
