//! Staff authentication: sign-in with password and mandatory TOTP, server-side sessions,
//! API tokens, and the administration of accounts. Who may read survivor data is decided
//! separately, by the policy (`crate::access`).

mod address_limit;
mod demo;
mod enrolment;
mod known_devices;
mod login;
mod password_gate;
mod secrets;
mod sessions;
mod users;

pub(crate) use address_limit::AddressLimit;
pub use demo::DemoAccount;
pub use enrolment::TotpEnrolment;
pub use known_devices::RememberedDevice;
pub use login::{NewSession, SignInFrom};
pub(crate) use password_gate::{Lane, PasswordGate};
pub use secrets::API_TOKEN_PREFIX;
pub(crate) use secrets::token as random_token;
pub use sessions::{Authenticated, SessionClock, Via};
pub use users::{Acting, NewUser};

use crate::local_time::LocalTime;
use haven_crypto::password::PasswordParams;
use haven_domain::OrgId;
use haven_domain::UserId;
use haven_domain::access::{Principal, Role};
use haven_domain::audit::Actor;
use haven_store::UserRow;
use std::collections::BTreeSet;
use time::Duration;

/// Authentication settings; defaults follow `reference/security.md` §3 and §7 B–C.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    pub password: PasswordParams,
    pub idle_timeout: Duration,
    pub absolute_timeout: Duration,
    /// Password evaluations allowed per account per hour before it is throttled.
    pub max_failures_per_hour: u32,
    /// Wrong codes in a row before the second factor locks, and for how long.
    pub totp_lock_after: u32,
    pub totp_lock_for: Duration,
    /// Demo installations only (`haven demo`): the sign-in page may show demo accounts'
    /// current codes under a DEMO banner. Never set by `haven serve`.
    pub demo: bool,
    /// Password hashes worked out at once (see `password_gate`), and how long one may wait
    /// for its turn before the sign-in is refused as busy.
    pub passwords_at_once: usize,
    pub password_wait: std::time::Duration,
    /// Sign-ins that may fail in a row from one address (an IPv6 /64), and how often one
    /// more is allowed after that (see `address_limit`). A burst of zero: no limit.
    pub failures_per_address: u32,
    pub address_refill: Duration,
    /// Reverse proxies whose `X-Forwarded-For` names the client's address; a request from
    /// anywhere else is counted by its own address, whatever the header says.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// How long a browser that signed in with both factors stays a known device of its
    /// account (zero: none is remembered), how many of an account's are kept, and how many
    /// sign-ins from one may fail before it is forgotten (see `known_devices`).
    pub known_device_for: Duration,
    pub known_devices_kept: u32,
    pub known_device_failures: u32,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            password: PasswordParams::FLOOR,
            idle_timeout: Duration::minutes(15),
            absolute_timeout: Duration::hours(12),
            max_failures_per_hour: 100,
            totp_lock_after: 5,
            totp_lock_for: Duration::seconds(60),
            demo: false,
            passwords_at_once: password_gate::default_at_once(),
            password_wait: std::time::Duration::from_secs(10),
            failures_per_address: 20,
            address_refill: Duration::seconds(6),
            trusted_proxies: Vec::new(),
            known_device_for: Duration::days(90),
            known_devices_kept: 10,
            known_device_failures: 5,
        }
    }
}

/// A signed-in member of staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub id: UserId,
    pub org: OrgId,
    pub email: String,
    pub display_name: String,
    pub roles: BTreeSet<Role>,
    pub mfa_enrolled: bool,
    /// The chosen language for the pages, if any.
    pub language: Option<String>,
    /// The zone the pages show times in (UTC, said so, if none was chosen).
    pub local_time: LocalTime,
}

impl Staff {
    pub(crate) fn from_row(u: &UserRow) -> Self {
        Self {
            id: u.id,
            org: u.org,
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            roles: u.roles.iter().filter_map(|r| r.parse().ok()).collect(),
            mfa_enrolled: u.totp_secret.is_some(),
            language: u.language.clone(),
            local_time: LocalTime::named(u.time_zone.as_deref()),
        }
    }

    pub fn principal(&self) -> Principal {
        Principal {
            user: *self.id.as_uuid(),
            org: self.org,
            roles: self.roles.clone(),
        }
    }

    /// How this person appears in the audit log: opaque id and roles, never a name.
    pub fn actor(&self) -> Actor {
        Actor::Staff {
            user: *self.id.as_uuid(),
            role: self
                .roles
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join("+"),
        }
    }
}

impl<S: haven_store::Store> crate::Haven<S> {
    /// An audit event about an account: its organisation and opaque id, never its name.
    pub(crate) fn account_event(
        &self,
        actor: Actor,
        action: haven_domain::audit::AuditAction,
        reason: &str,
        (org, user): (OrgId, UserId),
    ) -> haven_domain::audit::AuditEvent {
        let mut event = self.event(actor, action, reason);
        event.org = Some(org);
        event.target = Some(haven_domain::audit::AuditTarget::User(*user.as_uuid()));
        event
    }
}
