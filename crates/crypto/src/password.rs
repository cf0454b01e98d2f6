//! Staff passwords: Argon2id with parameters calibrated at start-up (never below m = 64 MiB,
//! t = 3; security.md §7 B 16), stored as PHC strings with a per-user 16-byte salt, and
//! re-hashed on the next login when the parameters change. No truncation: the whole
//! password, of any length, is hashed.

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use std::time::{Duration, Instant};

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordParams {
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
}

impl PasswordParams {
    /// The minimum for production: 64 MiB, three passes, one lane.
    pub const FLOOR: PasswordParams = PasswordParams {
        m_kib: 64 * 1024,
        t: 3,
        p: 1,
    };
    /// Cheap parameters for tests that evaluate many passwords. Never for production.
    pub const TESTING: PasswordParams = PasswordParams {
        m_kib: 256,
        t: 1,
        p: 1,
    };

    /// Raises `t` from the floor until one hash takes about `target`, up to `t = 10`.
    pub fn calibrate(target: Duration) -> PasswordParams {
        let mut params = Self::FLOOR;
        let salt = [7u8; 16];
        while params.t < 10 {
            let start = Instant::now();
            if params.hash(b"calibration", &salt).is_none() {
                return Self::FLOOR;
            }
            if start.elapsed() >= target {
                break;
            }
            params.t += 1;
        }
        params
    }

    fn argon2(&self) -> Option<Argon2<'static>> {
        let params = Params::new(self.m_kib, self.t, self.p, None).ok()?;
        Some(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`).
    pub fn hash(&self, password: &[u8], salt: &[u8; 16]) -> Option<String> {
        self.argon2()?
            .hash_password_with_salt(password, salt)
            .ok()
            .map(|h| h.to_string())
    }

    /// Whether `phc` was made with other parameters than these.
    pub fn needs_rehash(&self, phc: &str) -> bool {
        parse_params(phc) != Some(*self)
    }
}

/// The parameters recorded in a PHC string.
pub fn parse_params(phc: &str) -> Option<PasswordParams> {
    let mut parts = phc.split('$');
    if parts.nth(1)? != "argon2id" {
        return None;
    }
    let _version = parts.next()?;
    let mut m = None;
    let (mut t, mut p) = (None, None);
    for kv in parts.next()?.split(',') {
        let (k, v) = kv.split_once('=')?;
        let v: u32 = v.parse().ok()?;
        match k {
            "m" => m = Some(v),
            "t" => t = Some(v),
            "p" => p = Some(v),
            _ => {}
        }
    }
    Some(PasswordParams {
        m_kib: m?,
        t: t?,
        p: p?,
    })
}

/// Checks a password against a stored PHC string (parameters are read from the string).
pub fn verify(password: &[u8], phc: &str) -> bool {
    Argon2::default().verify_password(password, phc).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify_only_the_same_password() {
        let p = PasswordParams::TESTING;
        let a = p
            .hash(b"correct horse battery", &[1; 16])
            .unwrap_or_default();
        let b = p
            .hash(b"correct horse battery", &[2; 16])
            .unwrap_or_default();
        assert!(a.starts_with("$argon2id$v=19$"));
        assert_ne!(a, b, "per-user salts");
        assert!(verify(b"correct horse battery", &a));
        assert!(!verify(b"correct horse batterx", &a));
        assert!(
            !verify(b"correct horse battery ", &a),
            "no truncation or trimming"
        );
    }

    #[test]
    fn a_change_of_parameters_asks_for_a_rehash() {
        let old = PasswordParams::TESTING
            .hash(b"pw pw pw pw pw", &[3; 16])
            .unwrap_or_default();
        assert_eq!(parse_params(&old), Some(PasswordParams::TESTING));
        assert!(!PasswordParams::TESTING.needs_rehash(&old));
        assert!(
            PasswordParams {
                t: 2,
                ..PasswordParams::TESTING
            }
            .needs_rehash(&old)
        );
    }

    #[test]
    fn the_production_floor_is_at_least_64_mib_and_three_passes() {
        let f = PasswordParams::FLOOR;
        assert!(f.m_kib >= 64 * 1024 && f.t >= 3);
        let phc = f
            .hash(b"floor check password", &[4; 16])
            .unwrap_or_default();
        assert!(phc.contains("m=65536,t=3,p=1"), "{phc}");
    }
}
