//! Time-based one-time passwords (RFC 6238), 6 digits, 30-second steps, HMAC-SHA1 (what
//! authenticator apps actually support). A code is accepted for steps −1, 0 and +1 around
//! now, and only for a step later than the last one accepted, so no code is ever used twice
//! (security.md §7 B 15; vaultwarden's `last_used`).

use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Builder};

pub const STEP_SECONDS: u64 = 30;
pub const DIGITS: u8 = 6;
/// Secret length in bytes (160 bits, RFC 4226's recommendation).
pub const SECRET_LEN: usize = 20;

/// The code for `unix_time` with `algorithm` and `digits` (for known-answer tests and
/// enrolment); `None` if the parameters are invalid.
pub fn code_with(
    secret: &[u8],
    unix_time: u64,
    algorithm: Algorithm,
    digits: u8,
) -> Option<String> {
    let totp = Builder::new()
        .with_algorithm(algorithm)
        .with_digits(digits)
        .with_skew(0)
        .with_step_duration(STEP_SECONDS)
        .with_secret(secret.to_vec())
        .build()
        .ok()?;
    Some(totp.generate(unix_time).to_string())
}

/// The 6-digit SHA-1 code for `unix_time`.
pub fn code(secret: &[u8], unix_time: u64) -> Option<String> {
    code_with(secret, unix_time, Algorithm::SHA1, DIGITS)
}

/// The time step `unix_time` falls in.
pub fn step_of(unix_time: u64) -> u64 {
    unix_time / STEP_SECONDS
}

/// The step whose code `submitted` is, among now−1, now and now+1 and later than
/// `last_step`; `None` if there is none (wrong, expired, or replayed).
pub fn accept(
    secret: &[u8],
    submitted: &str,
    unix_time: u64,
    last_step: Option<u64>,
) -> Option<u64> {
    let now = step_of(unix_time);
    let mut found = None;
    for step in [now.saturating_sub(1), now, now + 1] {
        let expected = code(secret, step * STEP_SECONDS)?;
        // Compare every candidate, in constant time, whatever matched before.
        if bool::from(expected.as_bytes().ct_eq(submitted.trim().as_bytes())) {
            found = Some(step);
        }
    }
    found.filter(|s| last_step.is_none_or(|last| *s > last))
}

/// The `otpauth://` URI an authenticator app scans.
pub fn provisioning_uri(secret: &[u8], issuer: &str, account: &str) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        enc(issuer),
        enc(account),
        base32(secret),
        enc(issuer)
    )
}

/// RFC 4648 base32 without padding, as authenticator apps expect.
pub fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for b in bytes {
        buffer = (buffer << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B: the seeds are ASCII "1234567890" repeated to 20, 32 and 64 bytes.
    #[test]
    fn rfc_6238_appendix_b_vectors() {
        let sha1 = b"12345678901234567890".as_slice();
        let sha256 = b"12345678901234567890123456789012".as_slice();
        let sha512 = b"1234567890123456789012345678901234567890123456789012345678901234".as_slice();
        let vectors: [(u64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1111111109, "07081804", "68084774", "25091201"),
            (1111111111, "14050471", "67062674", "99943326"),
            (1234567890, "89005924", "91819424", "93441116"),
            (2000000000, "69279037", "90698825", "38618901"),
            (20000000000, "65353130", "77737706", "47863826"),
        ];
        for (t, a, b, c) in vectors {
            assert_eq!(
                code_with(sha1, t, Algorithm::SHA1, 8).as_deref(),
                Some(a),
                "SHA1 T={t}"
            );
            assert_eq!(
                code_with(sha256, t, Algorithm::SHA256, 8).as_deref(),
                Some(b),
                "SHA256 T={t}"
            );
            assert_eq!(
                code_with(sha512, t, Algorithm::SHA512, 8).as_deref(),
                Some(c),
                "SHA512 T={t}"
            );
        }
    }

    #[test]
    fn codes_one_step_either_side_are_accepted_two_steps_are_not() {
        let secret = [42u8; SECRET_LEN];
        let now = 1_800_000_000u64;
        let at = |offset: i64| {
            code(&secret, (now as i64 + offset * STEP_SECONDS as i64) as u64).unwrap_or_default()
        };
        for offset in [-1, 0, 1] {
            assert!(
                accept(&secret, &at(offset), now, None).is_some(),
                "step {offset}"
            );
        }
        for offset in [-2, 2] {
            assert!(
                accept(&secret, &at(offset), now, None).is_none(),
                "step {offset}"
            );
        }
    }

    #[test]
    fn a_used_code_and_any_earlier_or_equal_step_are_refused() {
        let secret = [7u8; SECRET_LEN];
        let now = 1_800_000_000u64;
        let current = code(&secret, now).unwrap_or_default();
        let step = accept(&secret, &current, now, None);
        assert_eq!(step, Some(step_of(now)));
        assert_eq!(accept(&secret, &current, now, step), None, "replay");
        let previous = code(&secret, now - STEP_SECONDS).unwrap_or_default();
        assert_eq!(accept(&secret, &previous, now, step), None, "earlier step");
        let next = code(&secret, now + STEP_SECONDS).unwrap_or_default();
        assert!(
            accept(&secret, &next, now, step).is_some(),
            "a later step is fine"
        );
    }

    #[test]
    fn base32_matches_rfc_4648() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(b"f"), "MY");
    }
}
