//! Enrolling the second factor. The new secret travels to the browser and back sealed (it
//! is encrypted and bound to the account, so nothing is stored until the person proves
//! they have it by entering a valid code). Confirming stores the secret encrypted, ends every
//! other session, issues a fresh one, and returns recovery codes to show once.

use super::{Authenticated, NewSession, secrets};
use crate::problem::Reason;
use crate::{CoreError, Haven};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use haven_crypto::field::FieldContext;
use haven_crypto::{Plaintext, totp};
use haven_domain::audit::AuditAction;
use haven_domain::{OrgId, UserId};
use haven_store::{Store, UserRow};
use zeroize::Zeroizing;

const RECOVERY_CODES: usize = 10;

/// What the enrolment page shows.
#[derive(Debug, Clone)]
pub struct TotpEnrolment {
    pub secret_base32: String,
    pub uri: String,
    /// The secret, sealed to this account, for the confirmation form.
    pub sealed: String,
}

fn context(org: OrgId, user: UserId, column: &'static str) -> FieldContext<'static> {
    FieldContext {
        org,
        table: "users",
        column,
        record: *user.as_bytes(),
    }
}

impl<S: Store> Haven<S> {
    pub(crate) fn open_totp_secret(&self, user: &UserRow) -> Result<Plaintext, CoreError> {
        let sealed = user.totp_secret.as_ref().ok_or(CoreError::LoginFailed)?;
        Ok(self
            .inner()
            .totp_key
            .open(&context(user.org, user.id, "totp_secret"), sealed)?)
    }

    pub fn begin_totp(&self, auth: &Authenticated) -> Result<TotpEnrolment, CoreError> {
        let entropy = self.inner().entropy.as_ref();
        let secret: Zeroizing<[u8; totp::SECRET_LEN]> =
            Zeroizing::new(haven_crypto::entropy::random_array(entropy));
        let staff = &auth.staff;
        let sealed = self.inner().totp_key.seal(
            &context(staff.org, staff.id, "totp_pending"),
            &secret[..],
            entropy,
        )?;
        Ok(TotpEnrolment {
            secret_base32: totp::base32(&secret[..]),
            uri: totp::provisioning_uri(&secret[..], "Haven", &staff.email),
            sealed: URL_SAFE_NO_PAD.encode(sealed),
        })
    }

    pub async fn confirm_totp(
        &self,
        auth: &Authenticated,
        sealed: &str,
        code: &str,
    ) -> Result<(NewSession, Vec<String>), CoreError> {
        let staff = &auth.staff;
        let invalid = || CoreError::invalid("code", Reason::TotpCodeWrong);
        let sealed = URL_SAFE_NO_PAD
            .decode(sealed.trim())
            .map_err(|_| invalid())?;
        let secret = self
            .inner()
            .totp_key
            .open(&context(staff.org, staff.id, "totp_pending"), &sealed)
            .map_err(|_| invalid())?;
        let mut user = self
            .store()
            .user(staff.id)
            .await?
            .ok_or(CoreError::Unauthenticated)?;
        let now = u64::try_from(self.now().unix_timestamp()).unwrap_or(0);
        let step = totp::accept(&secret, code, now, user.totp_last_step).ok_or_else(invalid)?;
        let entropy = self.inner().entropy.as_ref();
        user.totp_secret = Some(self.inner().totp_key.seal(
            &context(user.org, user.id, "totp_secret"),
            &secret,
            entropy,
        )?);
        user.totp_last_step = Some(step);
        user.totp_failures = 0;
        user.totp_locked_until = None;
        user.security_epoch += 1;
        let codes: Vec<String> = (0..RECOVERY_CODES)
            .map(|_| secrets::recovery_code(entropy))
            .collect();
        let hashes: Vec<[u8; 32]> = codes
            .iter()
            .map(|c| secrets::hash(&secrets::normalise_recovery_code(c)))
            .collect();
        let event = self.account_event(
            staff.actor(),
            AuditAction::MfaEnrol,
            "totp_enrol",
            (user.org, user.id),
        );
        self.store()
            .update_user(&user, Some(&self.encode(&event)?))
            .await
            .map_err(CoreError::changed_meanwhile(Reason::AccountChanged))?;
        self.store()
            .replace_recovery_codes(user.id, &hashes)
            .await?;
        let session = self.start_session(&user, true).await?;
        Ok((session, codes))
    }
}
