//! Known devices: OWASP's "device cookies". A browser that signs in with both factors gets
//! a cookie naming it as a known device of that account, for `known_device_for` (90 days).
//! A later sign-in to the same account that carries it is counted against the device, not
//! against the account's failures, its second factor's lock or the address's limit, and its
//! password is checked in a lane of its own. So someone guessing at an account from
//! elsewhere — enough wrong codes to lock the second factor, enough wrong passwords to
//! throttle the account, a flood that fills the password checks — does not lock its owner
//! out of a browser they have used before.
//!
//! The cookie is a random token; only its hash is stored, with the account, the account's
//! security epoch and when, and nothing about the browser or its address. It opens nothing:
//! the password and the code are still checked. A device whose sign-ins fail
//! `known_device_failures` times is forgotten, so a stolen cookie buys a handful of guesses.
//! A password change or reset, a new second factor and disabling the account forget every
//! device (the security epoch moves). Each successful sign-in replaces the cookie it came
//! with, and an account keeps its newest `known_devices_kept`.

use super::login::{Failure, NewSession};
use super::{Lane, Staff, secrets};
use crate::{CoreError, Haven};
use haven_domain::audit::{Actor, AuditAction, AuditTarget, Decision};
use haven_store::{KnownDeviceRow, Store, StoreError, UserRow};

/// A browser's new known-device cookie, and how long it lasts.
#[derive(Debug, Clone)]
pub struct RememberedDevice {
    pub token: String,
    pub lasts: time::Duration,
}

/// A known device's token is 32 random bytes, base64url without padding.
const TOKEN_LEN: usize = 43;

/// How often an account written meanwhile is read again to sign in from a known device:
/// under attack, failures elsewhere write the account continually.
const ACCOUNT_REREADS: u32 = 10;

impl<S: Store> Haven<S> {
    /// The known device a cookie names, if it is still remembered and in date. Not yet
    /// checked against the account the sign-in names (`is_known_device_of`).
    pub(super) async fn presented_device(
        &self,
        cookie: Option<&str>,
    ) -> Result<Option<KnownDeviceRow>, CoreError> {
        let lasts = self.inner().auth.known_device_for;
        let Some(token) = cookie.filter(|c| c.len() == TOKEN_LEN && lasts.is_positive()) else {
            return Ok(None);
        };
        let now = self.now();
        Ok(self
            .store()
            .known_device(&secrets::hash(token))
            .await?
            .filter(|d| now < d.created_at + lasts))
    }

    /// Whether `device` is a known device of `user` as the account stands.
    pub(super) fn is_known_device_of(&self, device: &KnownDeviceRow, user: &UserRow) -> bool {
        device.user == user.id
            && device.security_epoch == user.security_epoch
            && user.totp_secret.is_some()
    }

    /// Remembers the browser that has just signed in to `user` with both factors, in place
    /// of the device it came from. A browser that cannot be remembered still signs in; it
    /// only stays unknown.
    pub(super) async fn remember_device(
        &self,
        user: &UserRow,
        replacing: Option<&KnownDeviceRow>,
    ) -> Option<RememberedDevice> {
        let settings = &self.inner().auth;
        let lasts = settings.known_device_for;
        if !lasts.is_positive() {
            return None;
        }
        let token = secrets::token(self.inner().entropy.as_ref());
        let now = self.now();
        let row = KnownDeviceRow {
            token_hash: secrets::hash(&token),
            user: user.id,
            security_epoch: user.security_epoch,
            created_at: now,
            failures: 0,
        };
        let remembered = self
            .store()
            .remember_device(
                &row,
                replacing.map(|d| &d.token_hash),
                now - lasts,
                settings.known_devices_kept.max(1),
            )
            .await;
        match remembered {
            Ok(()) => Some(RememberedDevice { token, lasts }),
            Err(e) => {
                tracing::error!(error = %e, "could not remember a device");
                None
            }
        }
    }

    /// A sign-in from a known device of `user`. Nothing the account counts against guesses
    /// (failures this hour, the second factor's lock) refuses it, and its failures are the
    /// device's. What it decides is written to the account as it stands when it writes:
    /// others' failures, written meanwhile, do not undo it.
    pub(super) async fn attempt_on_device(
        &self,
        mut user: UserRow,
        device: &KnownDeviceRow,
        password: &str,
        code: &str,
    ) -> Result<NewSession, CoreError> {
        let step_before = user.totp_last_step;
        if !self.second_factor_ok(&mut user, code, self.now()).await? {
            self.dummy_verification(Lane::KnownDevice, password).await?;
            return Err(self
                .fail_on_device(&user, device, Failure::WrongCode, false)
                .await);
        }
        let spent_step = user
            .totp_last_step
            .filter(|_| user.totp_last_step != step_before);
        if !self
            .verify_password(Lane::KnownDevice, password, user.password_hash.clone())
            .await?
        {
            return Err(self
                .fail_on_device(&user, device, Failure::WrongPassword, spent_step.is_some())
                .await);
        }
        let settings = &self.inner().auth;
        let rehashed = if settings.password.needs_rehash(&user.password_hash) {
            Some(self.hash_password(Lane::KnownDevice, password).await?)
        } else {
            None
        };
        let common = haven_domain::staff::is_common(password);
        let mut rereads = 0;
        loop {
            if let Some(step) = spent_step {
                user.totp_last_step = Some(step);
            }
            if let Some(phc) = &rehashed {
                user.password_hash.clone_from(phc);
            }
            user.must_change_password |= common;
            let event = self.account_event(
                Staff::from_row(&user).actor(),
                AuditAction::Login,
                "password_totp_known_device",
                (user.org, user.id),
            );
            match self
                .store()
                .update_user(&user, Some(&self.encode(&event)?))
                .await
            {
                Ok(()) => break,
                Err(StoreError::Stale(_)) if rereads < ACCOUNT_REREADS => {
                    rereads += 1;
                    let now_stands = self.store().user(user.id).await?;
                    // Disabled, its password or factor changed, or its code spent by another
                    // sign-in meanwhile: this one's answer is not used.
                    let usable = now_stands.filter(|u| {
                        u.disabled_at.is_none()
                            && self.is_known_device_of(device, u)
                            && spent_step.is_none_or(|step| u.totp_last_step < Some(step))
                    });
                    match usable {
                        Some(u) => user = u,
                        None => {
                            return Err(self
                                .fail_on_device(&user, device, Failure::AccountChanged, false)
                                .await);
                        }
                    }
                }
                Err(StoreError::Stale(_)) => {
                    return Err(self
                        .fail_on_device(&user, device, Failure::AccountChanged, false)
                        .await);
                }
                Err(e) => return Err(e.into()),
            }
        }
        let mut session = self.start_session(&user, true).await?;
        session.device = self.remember_device(&user, Some(device)).await;
        Ok(session)
    }

    /// Counts a failure against the device, not the account, and audits it as from a known
    /// device; the one error all failures share. A code the attempt `spent` (right code,
    /// wrong password) is written spent with the audit entry, as any sign-in's is, unless
    /// the account was written meanwhile.
    async fn fail_on_device(
        &self,
        user: &UserRow,
        device: &KnownDeviceRow,
        failure: Failure,
        spent: bool,
    ) -> CoreError {
        let forget_at = self.inner().auth.known_device_failures.max(1);
        if let Err(e) = self
            .store()
            .known_device_failed(&device.token_hash, forget_at)
            .await
        {
            tracing::error!(error = %e, "could not count a known device's failure");
        }
        let reason = format!("{}_on_known_device", failure.reason());
        let mut event = self.event(Actor::Anonymous, AuditAction::LoginFailed, &reason);
        event.decision = Decision::Deny;
        event.org = Some(user.org);
        event.target = Some(AuditTarget::User(*user.id.as_uuid()));
        let written = match self.encode(&event) {
            Ok(body) if spent => match self.store().update_user(user, Some(&body)).await {
                Err(StoreError::Stale(_)) => self.append(&event).await.map(|_| ()),
                other => other.map_err(CoreError::from),
            },
            Ok(_) => self.append(&event).await.map(|_| ()),
            Err(e) => Err(e),
        };
        if let Err(e) = written {
            tracing::error!(error = %e, "could not record a failed login");
        }
        CoreError::LoginFailed
    }
}
