//! The one error type of this crate. Messages never carry key material or plaintext.

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// Authentication failed: wrong key, wrong place, or tampered bytes.
    #[error("ciphertext failed authentication")]
    Integrity,
    /// An attachment stream ended before its final chunk.
    #[error("encrypted stream is truncated")]
    Truncated,
    /// Bytes follow the final chunk of a stream.
    #[error("encrypted stream has data after its final chunk")]
    TrailingData,
    #[error("ciphertext is malformed")]
    Malformed,
    #[error("no key-encryption key of version {0} is available")]
    UnknownKekVersion(u32),
    #[error("{0}")]
    KeyFile(String),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}
