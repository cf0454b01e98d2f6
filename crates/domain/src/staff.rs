//! Staff identity rules: email addresses and the password policy (NIST SP 800-63B, as in
//! security.md §3.1 and §7 B 11–12): at least 12 characters because every staff account
//! also has a second factor, at most 256, any characters, no composition rules, never
//! truncated, and refused — with a reason — when it is a common password or contains the
//! organisation's or product's name.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::LazyLock;

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 256;
const MAX_EMAIL_CHARS: usize = 254;

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect()
});

/// A staff email address, trimmed and lower-cased: the login name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a valid email address")]
pub struct InvalidEmail;

impl Email {
    pub fn parse(raw: &str) -> Result<Self, InvalidEmail> {
        let e = raw.trim().to_lowercase();
        let (local, domain) = e.split_once('@').ok_or(InvalidEmail)?;
        let ok = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && e.chars().count() <= MAX_EMAIL_CHARS
            && !e.chars().any(|c| c.is_whitespace() || c.is_control())
            && !domain.contains('@');
        ok.then_some(Self(e)).ok_or(InvalidEmail)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a new password was refused. Never carries the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRejection {
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("the password must have at most {MAX_PASSWORD_CHARS} characters")]
    TooLong,
    #[error("this password is one of the most common passwords; choose another")]
    Common,
    #[error("the password must not contain the name of the organisation or of this system")]
    ContainsContext,
}

/// Checks a new password. `context` holds words it must not contain (organisation name,
/// "haven", the user's email name), compared case-insensitively.
pub fn check_new_password(password: &str, context: &[&str]) -> Result<(), PasswordRejection> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordRejection::TooShort);
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(PasswordRejection::TooLong);
    }
    let lower = password.to_lowercase();
    if COMMON.contains(lower.as_str()) {
        return Err(PasswordRejection::Common);
    }
    let squashed: String = lower.chars().filter(|c| c.is_alphanumeric()).collect();
    for word in context {
        let w: String = word
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect();
        if w.chars().count() >= 4 && squashed.contains(&w) {
            return Err(PasswordRejection::ContainsContext);
        }
    }
    Ok(())
}

/// Whether an existing password is on the common list (checked at login, so a user whose
/// password became known must change it).
pub fn is_common(password: &str) -> bool {
    COMMON.contains(password.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_rules_without_composition_rules() {
        assert_eq!(
            check_new_password("short pass", &[]),
            Err(PasswordRejection::TooShort)
        );
        assert_eq!(check_new_password("lowercase only words", &[]), Ok(()));
        assert_eq!(
            check_new_password(&"x".repeat(257), &[]),
            Err(PasswordRejection::TooLong)
        );
    }

    #[test]
    fn long_passwords_with_spaces_emoji_and_other_scripts_are_accepted() {
        for pw in [
            "a sentence that is quite long and has spaces in it, sixty-four c",
            "пароль-который-достаточно-длинный 🔐🔐 日本語のパスフレーズも大丈夫",
            &"🙂".repeat(128),
        ] {
            assert_eq!(check_new_password(pw, &[]), Ok(()), "{pw}");
        }
    }

    #[test]
    fn common_passwords_are_refused_with_a_reason() {
        for pw in ["qwertyuiop123", "1qaz2wsx3edc", "Password1234"] {
            let r = check_new_password(pw, &[]);
            assert!(matches!(r, Err(PasswordRejection::Common)), "{pw}: {r:?}");
        }
        assert!(is_common("password"));
    }

    #[test]
    fn context_words_are_refused() {
        assert_eq!(
            check_new_password("Riverside-Safe-House-2026", &["Riverside Safe House"]),
            Err(PasswordRejection::ContainsContext)
        );
        assert_eq!(
            check_new_password("i love haven so much", &["haven"]),
            Err(PasswordRejection::ContainsContext)
        );
    }

    #[test]
    fn emails_are_normalised_and_validated() {
        assert_eq!(
            Email::parse("  Ana.Lopez@Example.ORG ").map(|e| e.as_str().to_owned()),
            Ok("ana.lopez@example.org".into())
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.org",
            "ana@example",
            "a na@example.org",
            "ana@@example.org",
        ] {
            assert_eq!(Email::parse(bad), Err(InvalidEmail), "{bad}");
        }
    }
}
