//! Who is asking: a session cookie or an API token, checked on every request against the
//! account as it is now. Idle and absolute timeouts are enforced here, server-side; a
//! disabled account, a changed password or a reset factor (each bumps the account's
//! security epoch) ends every session on its next request.

use super::{Acting, Staff, secrets};
use crate::problem::{Problem, Reason};
use crate::{CoreError, Haven};
use haven_domain::TokenId;
use haven_domain::audit::{AuditAction, AuditTarget};
use haven_store::{ApiTokenRow, SessionRow, Store, UserRow};
use time::{Duration, OffsetDateTime};

/// How a request was authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    Session {
        token_hash: [u8; 32],
        csrf_token: String,
        mfa_verified: bool,
    },
    ApiToken(TokenId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    pub staff: Staff,
    pub via: Via,
}

impl Authenticated {
    /// Whether the second factor was presented (always true for API tokens, which only
    /// enrolled accounts can be given).
    pub fn mfa_verified(&self) -> bool {
        match &self.via {
            Via::Session { mfa_verified, .. } => *mfa_verified,
            Via::ApiToken(_) => true,
        }
    }

    pub fn csrf_token(&self) -> Option<&str> {
        match &self.via {
            Via::Session { csrf_token, .. } => Some(csrf_token),
            Via::ApiToken(_) => None,
        }
    }
}

/// Sessions are touched at most this often, to spare a write on every request…
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// … or a quarter of the idle timeout where that is shorter: with a one-minute timeout, a
/// session touched once a minute would end under the hands of someone clicking every
/// 50 seconds.
fn touch_every(idle_timeout: Duration) -> Duration {
    (idle_timeout / 4_i32).min(TOUCH_EVERY)
}

/// When a session ends if nothing more is sent: read without counting as activity, so that
/// a page may ask how long it has left without keeping itself alive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionClock {
    /// The time it was read at.
    pub now: OffsetDateTime,
    /// The idle timeout's end; any request moves it. Sessions are touched at most once a
    /// minute (see [`touch_every`]), so this may lie up to a minute before the idle timeout
    /// counted from the last request; it is the end the server will apply.
    pub idle_ends_at: OffsetDateTime,
    /// The absolute limit, which nothing moves.
    pub limit_at: OffsetDateTime,
}

impl SessionClock {
    /// When the session ends if nothing more is sent.
    pub fn ends_at(&self) -> OffsetDateTime {
        self.idle_ends_at.min(self.limit_at)
    }

    /// Time left until [`Self::ends_at`] (never negative).
    pub fn left(&self) -> Duration {
        (self.ends_at() - self.now).max(Duration::ZERO)
    }

    /// Whether the absolute limit comes first, so that staying active would not help.
    pub fn ends_at_limit(&self) -> bool {
        self.limit_at <= self.idle_ends_at
    }
}

/// A session that has not ended, with its account.
struct LiveSession {
    hash: [u8; 32],
    session: SessionRow,
    user: UserRow,
    now: OffsetDateTime,
}

impl LiveSession {
    fn authenticated(self) -> Authenticated {
        Authenticated {
            staff: Staff::from_row(&self.user),
            via: Via::Session {
                token_hash: self.hash,
                csrf_token: self.session.csrf_token,
                mfa_verified: self.session.mfa_verified,
            },
        }
    }
}

impl<S: Store> Haven<S> {
    pub async fn authenticate_session(&self, token: &str) -> Result<Authenticated, CoreError> {
        let live = self.live_session(token).await?;
        if live.now - live.session.last_seen_at >= touch_every(self.inner().auth.idle_timeout) {
            self.store().touch_session(&live.hash, live.now).await?;
        }
        Ok(live.authenticated())
    }

    /// The session's account and when the session ends, without counting this as activity:
    /// asking does not move the idle timeout. A session that has ended is removed and
    /// answered `Unauthenticated`, as on any request.
    pub async fn session_clock(
        &self,
        token: &str,
    ) -> Result<(Authenticated, SessionClock), CoreError> {
        let live = self.live_session(token).await?;
        let settings = &self.inner().auth;
        let clock = SessionClock {
            now: live.now,
            idle_ends_at: live.session.last_seen_at + settings.idle_timeout,
            limit_at: live.session.created_at + settings.absolute_timeout,
        };
        Ok((live.authenticated(), clock))
    }

    /// How long a session lasts without a request (the installation's setting).
    pub fn idle_timeout(&self) -> Duration {
        self.inner().auth.idle_timeout
    }

    /// The session behind `token`, unless it has ended (idle, at its limit, or by a change
    /// to its account), in which case it is removed.
    async fn live_session(&self, token: &str) -> Result<LiveSession, CoreError> {
        let hash = secrets::hash(token);
        let session = self
            .store()
            .session(&hash)
            .await?
            .ok_or(CoreError::Unauthenticated)?;
        let user = self
            .store()
            .user(session.user)
            .await?
            .ok_or(CoreError::Unauthenticated)?;
        let now = self.now();
        let settings = &self.inner().auth;
        let expired = now - session.last_seen_at > settings.idle_timeout
            || now - session.created_at > settings.absolute_timeout;
        if user.disabled_at.is_some() || user.security_epoch != session.security_epoch || expired {
            self.store().delete_session(&hash).await?;
            return Err(CoreError::Unauthenticated);
        }
        Ok(LiveSession {
            hash,
            session,
            user,
            now,
        })
    }

    pub async fn authenticate_bearer(&self, token: &str) -> Result<Authenticated, CoreError> {
        if !token.starts_with(secrets::API_TOKEN_PREFIX) {
            return Err(CoreError::Unauthenticated);
        }
        let (row, user) = self
            .store()
            .api_token_with_user(&secrets::hash(token))
            .await?
            .filter(|(t, _)| t.revoked_at.is_none())
            .ok_or(CoreError::Unauthenticated)?;
        if user.disabled_at.is_some() || user.totp_secret.is_none() {
            return Err(CoreError::Unauthenticated);
        }
        Ok(Authenticated {
            staff: Staff::from_row(&user),
            via: Via::ApiToken(row.id),
        })
    }

    /// Ends this session; the cookie no longer works.
    pub async fn logout(&self, auth: &Authenticated) -> Result<(), CoreError> {
        if let Via::Session { token_hash, .. } = &auth.via {
            self.store().delete_session(token_hash).await?;
            let event = self.account_event(
                auth.staff.actor(),
                AuditAction::Logout,
                "logout",
                (auth.staff.org, auth.staff.id),
            );
            self.append(&event).await?;
        }
        Ok(())
    }

    /// Creates an API token for an enrolled account; the secret is returned once.
    pub async fn create_api_token(
        &self,
        by: &Acting,
        email: &str,
        name: &str,
    ) -> Result<(TokenId, String), CoreError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(CoreError::invalid(
                "name",
                Problem::new(Reason::TokenName).with("max", 100),
            ));
        }
        let user = self.user_for(by, email).await?;
        if user.totp_secret.is_none() {
            return Err(CoreError::invalid("user", Reason::NoSecondFactor));
        }
        let entropy = self.inner().entropy.as_ref();
        let secret = format!("{}{}", secrets::API_TOKEN_PREFIX, secrets::token(entropy));
        let id = TokenId::from_random_bytes(haven_crypto::entropy::random_array(entropy));
        let mut event = self.event(by.actor(), AuditAction::TokenCreate, "token_create");
        event.org = Some(user.org);
        event.target = Some(AuditTarget::Token(*id.as_uuid()));
        let row = ApiTokenRow {
            id,
            user: user.id,
            name: name.to_owned(),
            token_hash: secrets::hash(&secret),
            created_at: self.now(),
            revoked_at: None,
        };
        self.store()
            .insert_api_token(&row, &self.encode(&event)?)
            .await?;
        Ok((id, secret))
    }

    /// The tokens of one account (owner, an admin of its organisation, or an operator).
    pub async fn api_tokens(
        &self,
        by: &Acting,
        email: &str,
    ) -> Result<Vec<ApiTokenRow>, CoreError> {
        let user = self.user_for(by, email).await?;
        Ok(self.store().api_tokens_of(user.id).await?)
    }

    /// Revokes one of `email`'s tokens; the owner, an admin of the owner's organisation, or
    /// an operator may.
    pub async fn revoke_api_token(
        &self,
        by: &Acting,
        email: &str,
        id: TokenId,
    ) -> Result<(), CoreError> {
        let user = self.user_for(by, email).await?;
        if !self
            .store()
            .api_tokens_of(user.id)
            .await?
            .iter()
            .any(|t| t.id == id)
        {
            return Err(CoreError::NotFound);
        }
        let mut event = self.event(by.actor(), AuditAction::TokenRevoke, "token_revoke");
        event.org = Some(user.org);
        event.target = Some(AuditTarget::Token(*id.as_uuid()));
        if !self
            .store()
            .revoke_api_token(id, self.now(), &self.encode(&event)?)
            .await?
        {
            return Err(CoreError::NotFound);
        }
        Ok(())
    }
}
