//! Signing in. One form takes email, password and code; the second factor is checked
//! before the password is evaluated, failures are throttled per account (at most
//! `max_failures_per_hour` evaluations), and every failure — unknown account, disabled,
//! throttled, wrong code, wrong password — looks the same to the caller and costs the same
//! time, because a password hash is always verified (a dummy one when there is no account).
//! An attempt writes the account only as it read it (`UserRow::row_version`), so sign-ins
//! that race cannot spend one code twice or undo each other's failure counts, and none can
//! write back enabled an account an administrator disabled meanwhile: the loser's answer
//! is not used, and it fails like any other.
//!
//! A sign-in from a known device of its account (`known_devices`) is counted against that
//! device instead of the account or the address, so guessing at an account from elsewhere
//! cannot lock its owner out.

use super::known_devices::RememberedDevice;
use super::{Lane, Staff, secrets};
use crate::{CoreError, Haven};
use haven_crypto::{password, totp};
use haven_domain::audit::{Actor, AuditAction, AuditTarget, Decision};
use haven_domain::staff::Email;
use haven_store::{KnownDeviceRow, SessionRow, Store, StoreError, UserRow};
use std::net::IpAddr;
use time::Duration;

/// What a successful sign-in gives the browser.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The cookie value; shown once, stored only as a hash.
    pub token: String,
    pub csrf_token: String,
    /// False for an account still without a second factor: such a session reaches only the
    /// enrolment page.
    pub mfa_verified: bool,
    pub staff: Staff,
    /// The browser's new known-device cookie, for a sign-in with both factors where the
    /// installation remembers devices.
    pub device: Option<RememberedDevice>,
}

/// Where a sign-in comes from, as far as the server can tell.
#[derive(Debug, Clone, Default)]
pub struct SignInFrom {
    /// The client's address; none for a caller in the same process.
    pub address: Option<IpAddr>,
    /// The known-device cookie the browser sent, if any.
    pub device: Option<String>,
}

pub(super) enum Failure {
    UnknownAccount,
    Disabled,
    Throttled,
    FactorLocked,
    WrongCode,
    WrongPassword,
    /// Another sign-in (or an administrator) wrote the account after this one read it: this
    /// attempt's answer is not used, whatever it was.
    AccountChanged,
}

impl Failure {
    pub(super) fn reason(&self) -> &'static str {
        match self {
            Failure::UnknownAccount => "unknown_account",
            Failure::Disabled => "disabled",
            Failure::Throttled => "throttled",
            Failure::FactorLocked => "factor_locked",
            Failure::WrongCode => "wrong_code",
            Failure::WrongPassword => "wrong_password",
            Failure::AccountChanged => "account_changed",
        }
    }
}

impl<S: Store> Haven<S> {
    /// Verifies `password` against `phc` off the async threads, in its turn in `lane`.
    pub(crate) async fn verify_password(
        &self,
        lane: Lane,
        password: &str,
        phc: String,
    ) -> Result<bool, CoreError> {
        let pw = password.to_owned();
        self.inner()
            .passwords
            .run(lane, move || password::verify(pw.as_bytes(), &phc))
            .await
    }

    /// Hashes a password with the configured parameters off the async threads.
    pub(crate) async fn hash_password(
        &self,
        lane: Lane,
        password: &str,
    ) -> Result<String, CoreError> {
        let params = self.inner().auth.password;
        let pw = password.to_owned();
        let salt: [u8; 16] = haven_crypto::entropy::random_array(self.inner().entropy.as_ref());
        self.inner()
            .passwords
            .run(lane, move || params.hash(pw.as_bytes(), &salt))
            .await?
            .ok_or(CoreError::Crypto(haven_crypto::CryptoError::Malformed))
    }

    /// Spends the time of one password verification, for accounts that do not get one.
    pub(super) async fn dummy_verification(
        &self,
        lane: Lane,
        password: &str,
    ) -> Result<(), CoreError> {
        let phc = self.dummy_phc().await;
        self.verify_password(lane, password, phc).await.map(|_| ())
    }

    /// Records a failure — the account's counters and the audit entry in one write, so every
    /// kind of failure costs the same — and returns the one error all failures share.
    pub(super) async fn fail(&self, user: Option<&UserRow>, failure: Failure) -> CoreError {
        let mut event = self.event(Actor::Anonymous, AuditAction::LoginFailed, failure.reason());
        event.decision = Decision::Deny;
        let written = match user {
            Some(u) => {
                event.org = Some(u.org);
                event.target = Some(AuditTarget::User(*u.id.as_uuid()));
                match self.encode(&event) {
                    Ok(body) => match self.store().update_user(u, Some(&body)).await {
                        // The account was written meanwhile by a sign-in whose count stands;
                        // this attempt is still audited.
                        Err(StoreError::Stale(_)) => self.append(&event).await.map(|_| ()),
                        other => other.map_err(CoreError::from),
                    },
                    Err(e) => Err(e),
                }
            }
            None => self.append(&event).await.map(|_| ()),
        };
        if let Err(e) = written {
            tracing::error!(error = %e, "could not record a failed login");
        }
        CoreError::LoginFailed
    }

    /// A sign-in sent from `from`. Unless it comes from a known device of the account it
    /// names, it is counted against its address's limit, before anything else is read where
    /// it carries no device cookie the server knows, and given back if it succeeds.
    pub async fn login_from(
        &self,
        from: &SignInFrom,
        email: &str,
        password: &str,
        code: &str,
    ) -> Result<NewSession, CoreError> {
        let presented = self.presented_device(from.device.as_deref()).await?;
        if presented.is_none() {
            self.spend_address(from.address)?;
        }
        let user = self.account_named(email).await?;
        let device = presented
            .as_ref()
            .filter(|d| user.as_ref().is_some_and(|u| self.is_known_device_of(d, u)));
        if presented.is_some() && device.is_none() {
            // Another account's device, or this one's from before its password changed:
            // an attempt like any other.
            self.spend_address(from.address)?;
        }
        let signed_in = self.attempt(user, device, password, code).await;
        if let (Ok(_), None, Some(address)) = (&signed_in, device, from.address) {
            self.inner().addresses.give_back(address, self.now());
        }
        signed_in
    }

    /// Counts an attempt against its address's limit: `TooManyAttempts` past it. Without an
    /// address (a caller in the same process) there is nothing to count.
    fn spend_address(&self, address: Option<IpAddr>) -> Result<(), CoreError> {
        let Some(address) = address else {
            return Ok(());
        };
        self.inner()
            .addresses
            .spend(address, self.now())
            .map_err(|over| {
                if over.first {
                    // The address is not logged: it may be a member of staff's.
                    tracing::warn!("sign-ins refused: too many failures from one address");
                }
                CoreError::TooManyAttempts {
                    retry_after: over.retry_after,
                }
            })
    }

    /// A sign-in from a caller in the same process: no address, no device.
    pub async fn login(
        &self,
        email: &str,
        password: &str,
        code: &str,
    ) -> Result<NewSession, CoreError> {
        let user = self.account_named(email).await?;
        self.attempt(user, None, password, code).await
    }

    /// The account an email names, if any (a malformed email names none).
    async fn account_named(&self, email: &str) -> Result<Option<UserRow>, CoreError> {
        match Email::parse(email) {
            Ok(e) => Ok(self.store().user_by_email(e.as_str()).await?),
            Err(_) => Ok(None),
        }
    }

    async fn attempt(
        &self,
        user: Option<UserRow>,
        device: Option<&KnownDeviceRow>,
        password: &str,
        code: &str,
    ) -> Result<NewSession, CoreError> {
        let lane = if device.is_some() {
            Lane::KnownDevice
        } else {
            Lane::Anyone
        };
        let Some(mut user) = user else {
            self.dummy_verification(lane, password).await?;
            return Err(self.fail(None, Failure::UnknownAccount).await);
        };
        if user.disabled_at.is_some() {
            self.dummy_verification(lane, password).await?;
            return Err(self.fail(Some(&user), Failure::Disabled).await);
        }
        if let Some(device) = device {
            return self.attempt_on_device(user, device, password, code).await;
        }
        let settings = self.inner().auth.clone();
        let now = self.now();
        if user
            .failed_window_start
            .is_none_or(|start| now - start >= Duration::hours(1))
        {
            user.failed_window_start = Some(now);
            user.failed_logins = 0;
        }
        if user.failed_logins >= settings.max_failures_per_hour {
            self.dummy_verification(lane, password).await?;
            return Err(self.fail(Some(&user), Failure::Throttled).await);
        }
        let enrolled = user.totp_secret.is_some();
        if enrolled {
            if user.totp_locked_until.is_some_and(|until| now < until) {
                self.dummy_verification(lane, password).await?;
                return Err(self.fail(Some(&user), Failure::FactorLocked).await);
            }
            if !self.second_factor_ok(&mut user, code, now).await? {
                user.failed_logins += 1;
                user.totp_failures += 1;
                if user.totp_failures >= settings.totp_lock_after {
                    user.totp_locked_until = Some(now + settings.totp_lock_for);
                    user.totp_failures = 0;
                }
                self.dummy_verification(lane, password).await?;
                return Err(self.fail(Some(&user), Failure::WrongCode).await);
            }
        }
        if !self
            .verify_password(lane, password, user.password_hash.clone())
            .await?
        {
            user.failed_logins += 1;
            return Err(self.fail(Some(&user), Failure::WrongPassword).await);
        }
        user.failed_logins = 0;
        user.totp_failures = 0;
        user.totp_locked_until = None;
        if settings.password.needs_rehash(&user.password_hash) {
            user.password_hash = self.hash_password(lane, password).await?;
        }
        if haven_domain::staff::is_common(password) {
            user.must_change_password = true;
        }
        let method = if enrolled {
            "password_totp"
        } else {
            "password_only_enrolment"
        };
        let event = self.account_event(
            Staff::from_row(&user).actor(),
            AuditAction::Login,
            method,
            (user.org, user.id),
        );
        match self
            .store()
            .update_user(&user, Some(&self.encode(&event)?))
            .await
        {
            Ok(()) => {}
            // Someone wrote the account after this sign-in read it: an administrator may have
            // disabled it, or a racing sign-in spent the same code. Nothing this one decided
            // is written, and it fails like any other.
            Err(StoreError::Stale(_)) => {
                return Err(self.fail(Some(&user), Failure::AccountChanged).await);
            }
            Err(e) => return Err(e.into()),
        }
        let mut session = self.start_session(&user, enrolled).await?;
        if enrolled {
            session.device = self.remember_device(&user, None).await;
        }
        Ok(session)
    }

    /// Checks a TOTP code (or an unused recovery code) and consumes it.
    pub(super) async fn second_factor_ok(
        &self,
        user: &mut UserRow,
        code: &str,
        now: time::OffsetDateTime,
    ) -> Result<bool, CoreError> {
        let secret = self.open_totp_secret(user)?;
        let unix = u64::try_from(now.unix_timestamp()).unwrap_or(0);
        if let Some(step) = totp::accept(&secret, code, unix, user.totp_last_step) {
            user.totp_last_step = Some(step);
            return Ok(true);
        }
        let normalised = secrets::normalise_recovery_code(code);
        if normalised.len() == 10 {
            return Ok(self
                .store()
                .use_recovery_code(user.id, &secrets::hash(&normalised), now)
                .await?);
        }
        Ok(false)
    }

    /// A new session for `user`: a fresh token every time (no fixation).
    pub(crate) async fn start_session(
        &self,
        user: &UserRow,
        mfa_verified: bool,
    ) -> Result<NewSession, CoreError> {
        let entropy = self.inner().entropy.as_ref();
        let token = secrets::token(entropy);
        let csrf_token = secrets::token(entropy);
        let now = self.now();
        self.store()
            .insert_session(&SessionRow {
                token_hash: secrets::hash(&token),
                user: user.id,
                csrf_token: csrf_token.clone(),
                mfa_verified,
                security_epoch: user.security_epoch,
                created_at: now,
                last_seen_at: now,
            })
            .await?;
        Ok(NewSession {
            token,
            csrf_token,
            mfa_verified,
            staff: Staff::from_row(user),
            device: None,
        })
    }
}
