//! Haven's cryptography: only the composition is written here; the primitives are
//! audited RustCrypto / dalek implementations.
//!
//! - [`keyfile`]: the key-encryption keys (KEK), blind-index root and audit signing key,
//!   in a 0600 file created by `haven init`.
//! - [`envelope`]: one data key (DEK) per survivor, wrapped by the current KEK.
//! - [`field`]: XChaCha20-Poly1305 field encryption bound to its place by associated data.
//! - [`blind_index`]: truncated keyed HMACs for lookups without decryption.
//! - [`stream`]: chunked attachment encryption that detects truncation.
//! - [`checkpoint`]: ed25519 signatures over audit-log heads.

pub mod blind_index;
pub mod checkpoint;
pub mod entropy;
pub mod envelope;
mod error;
pub mod field;
pub mod keyfile;
pub mod password;
mod plaintext;
mod secret;
pub mod stream;
pub mod totp;

pub use entropy::{Entropy, OsEntropy, SeededEntropy};
pub use error::CryptoError;
pub use plaintext::Plaintext;
pub use secret::SecretKey;
