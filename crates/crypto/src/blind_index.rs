//! Blind indexes: a keyed HMAC-SHA256 of a normalised value, truncated to a few bits so that
//! each value shares its index with several others. They allow exact and phonetic lookups
//! and duplicate blocking without decrypting, while an attacker holding the database learns
//! only coarse buckets (CipherSweet's design; security.md §1.8, §7 A 8–9).
//!
//! Each index has its own key, derived with HKDF from the key file's index root and the
//! index's table, column and name, so the same plaintext in two indexes gives unrelated
//! values. Sizing rule: with planned population R and L bits, the expected number of records
//! sharing one index value is `C = R / 2^L`; it must satisfy `2 ≤ C < √R`.

use crate::SecretKey;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// One configured blind index: data, not code, so sizing can be checked in tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlindIndexSpec {
    pub table: &'static str,
    pub column: &'static str,
    pub name: &'static str,
    /// Bits kept of the HMAC output (1..=32).
    pub bits: u8,
}

impl BlindIndexSpec {
    /// Expected number of records per index value at `population` records.
    pub fn collisions_at(&self, population: f64) -> f64 {
        population / 2f64.powi(i32::from(self.bits))
    }

    /// Whether this index hides values among at least two others and still narrows a
    /// search below √R candidates at the planned population.
    pub fn is_safely_sized(&self, population: f64) -> bool {
        let c = self.collisions_at(population);
        (2.0..population.sqrt()).contains(&c)
    }
}

/// The derived key of one index.
#[derive(Debug, Clone)]
pub struct BlindIndexKey {
    key: SecretKey,
    bits: u8,
}

impl BlindIndexKey {
    pub fn derive(root: &SecretKey, spec: &BlindIndexSpec) -> Self {
        let info = format!(
            "haven blind-index v1|{}|{}|{}",
            spec.table, spec.column, spec.name
        );
        Self {
            key: root.derive(info.as_bytes()),
            bits: spec.bits.clamp(1, 32),
        }
    }

    /// The index value of an already normalised input: the top `bits` bits of the HMAC.
    pub fn compute(&self, normalised: &[u8]) -> u32 {
        let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(self.key.expose()) else {
            return 0;
        };
        mac.update(normalised);
        let out = mac.finalize().into_bytes();
        let word = u32::from_be_bytes([out[0], out[1], out[2], out[3]]);
        word >> (32 - u32::from(self.bits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SecretKey, SeededEntropy};

    const A: BlindIndexSpec = BlindIndexSpec {
        table: "survivors",
        column: "legal_name",
        name: "exact",
        bits: 16,
    };
    const B: BlindIndexSpec = BlindIndexSpec {
        table: "survivors",
        column: "aliases",
        name: "exact",
        bits: 16,
    };

    #[test]
    fn the_same_value_in_two_indexes_gives_unrelated_values() {
        let root = SecretKey::generate(&SeededEntropy::new(1));
        let (a, b) = (
            BlindIndexKey::derive(&root, &A),
            BlindIndexKey::derive(&root, &B),
        );
        let same = (0..200)
            .filter(|i| {
                let v = format!("name {i}");
                a.compute(v.as_bytes()) == b.compute(v.as_bytes())
            })
            .count();
        assert!(same < 3, "{same} of 200 values coincided across indexes");
    }

    #[test]
    fn values_stay_within_the_configured_bits() {
        let root = SecretKey::generate(&SeededEntropy::new(2));
        let k = BlindIndexKey::derive(&root, &BlindIndexSpec { bits: 12, ..A });
        assert!((0..1000).all(|i| k.compute(format!("{i}").as_bytes()) < 1 << 12));
    }

    #[test]
    fn a_different_root_key_gives_different_values() {
        let a = BlindIndexKey::derive(&SecretKey::generate(&SeededEntropy::new(3)), &A);
        let b = BlindIndexKey::derive(&SecretKey::generate(&SeededEntropy::new(4)), &A);
        let same = (0..200)
            .filter(|i| {
                a.compute(format!("{i}").as_bytes()) == b.compute(format!("{i}").as_bytes())
            })
            .count();
        assert!(same < 3);
    }

    #[test]
    fn sizing_rule_rejects_too_many_and_too_few_bits() {
        let r = 1_000_000.0;
        assert!(A.is_safely_sized(r));
        assert!(
            !BlindIndexSpec { bits: 20, ..A }.is_safely_sized(r),
            "nearly unique: leaks equality"
        );
        assert!(
            !BlindIndexSpec { bits: 8, ..A }.is_safely_sized(r),
            "too coarse to narrow a search"
        );
    }
}
