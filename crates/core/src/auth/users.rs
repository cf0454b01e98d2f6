//! Administering staff accounts: creation, disabling, factor resets, password changes. An
//! organisation's admins manage its accounts (policy action `ManageUsers`); operators with
//! the key file do the same from the command line. Every change is audited, and the ones that
//! must end existing sign-ins bump the account's security epoch and revoke its API tokens.

use super::{Authenticated, NewSession, Staff, secrets};
use crate::problem::{Problem, Reason};
use crate::{CoreError, Haven};
use haven_domain::OrgId;
use haven_domain::UserId;
use haven_domain::access::{Action, Decision, ResourceContext, Role, decide};
use haven_domain::audit::{Actor, AuditAction, AuditTarget};
use haven_domain::staff::{Email, check_new_password};
use haven_store::{Preferences, Store, StoreError, UserRow};
use std::collections::BTreeSet;

/// How many times an administrative change reads the account again when a sign-in wrote it
/// between the change's read and its write. Each sign-in attempt writes the account once,
/// after a password verification, so even a flood of guesses writes it only some tens of
/// times a second, and the window between a reread and its write is milliseconds.
const ACCOUNT_REREADS: u32 = 10;

/// Who is administering.
#[derive(Debug, Clone)]
pub enum Acting {
    /// An operator running a `haven` command (they hold the key file).
    Operator(String),
    Staff(Staff),
}

impl Acting {
    pub fn actor(&self) -> Actor {
        match self {
            Acting::Operator(command) => Actor::System {
                command: command.clone(),
            },
            Acting::Staff(s) => s.actor(),
        }
    }
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub org: OrgId,
    pub email: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    /// `None`: a strong one-time password is generated and returned.
    pub password: Option<String>,
}

impl<S: Store> Haven<S> {
    fn may_manage(&self, by: &Acting, org: OrgId) -> bool {
        match by {
            Acting::Operator(_) => true,
            Acting::Staff(s) => {
                let ctx = ResourceContext {
                    owning_org: org,
                    team: BTreeSet::new(),
                    consents: Vec::new(),
                };
                matches!(
                    decide(&s.principal(), Action::ManageUsers, &ctx, self.now()),
                    Decision::Allow { .. }
                )
            }
        }
    }

    /// The account `email`, if `by` may administer it (itself, an admin of its organisation,
    /// or an operator); otherwise not found.
    pub(crate) async fn user_for(&self, by: &Acting, email: &str) -> Result<UserRow, CoreError> {
        let email = Email::parse(email).map_err(|_| CoreError::NotFound)?;
        let user = self
            .store()
            .user_by_email(email.as_str())
            .await?
            .ok_or(CoreError::NotFound)?;
        let own = matches!(by, Acting::Staff(s) if s.id == user.id);
        if own || self.may_manage(by, user.org) {
            Ok(user)
        } else {
            Err(CoreError::NotFound)
        }
    }

    async fn context_words(&self, org: OrgId, email: &str) -> Result<Vec<String>, CoreError> {
        let mut words = vec!["haven".to_owned()];
        if let Some(o) = self.store().org(org).await? {
            words.push(o.name);
        }
        if let Some((local, _)) = email.split_once('@') {
            words.push(local.to_owned());
        }
        Ok(words)
    }

    pub async fn add_user(
        &self,
        by: &Acting,
        new: NewUser,
    ) -> Result<(UserId, Option<String>), CoreError> {
        if !self.may_manage(by, new.org) {
            return Err(CoreError::Forbidden);
        }
        let email = Email::parse(&new.email)
            .map_err(|_| CoreError::invalid("email", Reason::EmailInvalid))?;
        let name = new.display_name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(CoreError::invalid(
                "display_name",
                Problem::new(Reason::DisplayName).with("max", 100),
            ));
        }
        // Refused here rather than by the database: PostgreSQL cannot store a NUL in text.
        if name.chars().any(char::is_control) {
            return Err(CoreError::invalid(
                "display_name",
                Problem::new(Reason::FieldControlCharacters).with("field", "display_name"),
            ));
        }
        if new.roles.is_empty() {
            return Err(CoreError::invalid("roles", Reason::RolesRequired));
        }
        if self.store().org(new.org).await?.is_none() {
            return Err(CoreError::NotFound);
        }
        if self.store().user_by_email(email.as_str()).await?.is_some() {
            return Err(CoreError::Conflict(Reason::EmailTaken.into()));
        }
        let (password, generated) = match new.password {
            Some(pw) => {
                let words = self.context_words(new.org, email.as_str()).await?;
                let refs: Vec<&str> = words.iter().map(String::as_str).collect();
                check_new_password(&pw, &refs)?;
                (pw, None)
            }
            None => {
                let pw = secrets::token(self.inner().entropy.as_ref());
                (pw.clone(), Some(pw))
            }
        };
        let entropy = self.inner().entropy.as_ref();
        let id = UserId::from_random_bytes(haven_crypto::entropy::random_array(entropy));
        let mut roles: Vec<String> = new.roles.iter().map(|r| r.as_str().to_owned()).collect();
        roles.sort();
        roles.dedup();
        let row = UserRow {
            id,
            org: new.org,
            email: email.as_str().to_owned(),
            display_name: name.to_owned(),
            roles,
            password_hash: self.hash_password(super::Lane::Anyone, &password).await?,
            totp_secret: None,
            totp_last_step: None,
            totp_failures: 0,
            totp_locked_until: None,
            failed_logins: 0,
            failed_window_start: None,
            must_change_password: false,
            security_epoch: 0,
            disabled_at: None,
            created_at: self.now(),
            language: None,
            time_zone: None,
            row_version: 0,
        };
        let event = self.account_event(
            by.actor(),
            AuditAction::UserCreate,
            "user_create",
            (new.org, id),
        );
        self.store()
            .insert_user(&row, &self.encode(&event)?)
            .await?;
        Ok((id, generated))
    }

    /// Applies `change` to an account, ends its sessions and tokens, and audits it. When a
    /// sign-in writes the account between this read and this write, the account is read
    /// again and the change applied to what is there, a few times before giving up.
    async fn end_sign_ins(
        &self,
        by: &Acting,
        mut user: UserRow,
        action: AuditAction,
        reason: &str,
        change: impl Fn(&mut UserRow),
    ) -> Result<UserRow, CoreError> {
        let mut rereads = 0;
        loop {
            change(&mut user);
            user.security_epoch += 1;
            let event = self.account_event(by.actor(), action, reason, (user.org, user.id));
            match self
                .store()
                .update_user(&user, Some(&self.encode(&event)?))
                .await
            {
                Ok(()) => break,
                Err(StoreError::Stale(_)) if rereads < ACCOUNT_REREADS => {
                    rereads += 1;
                    user = self
                        .store()
                        .user(user.id)
                        .await?
                        .ok_or(CoreError::NotFound)?;
                }
                Err(e) => return Err(CoreError::changed_meanwhile(Reason::AccountChanged)(e)),
            }
        }
        let now = self.now();
        for token in self
            .store()
            .api_tokens_of(user.id)
            .await?
            .into_iter()
            .filter(|t| t.revoked_at.is_none())
        {
            let mut revoke = self.event(by.actor(), AuditAction::TokenRevoke, reason);
            revoke.org = Some(user.org);
            revoke.target = Some(AuditTarget::Token(*token.id.as_uuid()));
            self.store()
                .revoke_api_token(token.id, now, &self.encode(&revoke)?)
                .await?;
        }
        Ok(user)
    }

    pub async fn disable_user(&self, by: &Acting, email: &str) -> Result<(), CoreError> {
        let user = self.user_for(by, email).await?;
        if matches!(by, Acting::Staff(s) if s.id == user.id) {
            return Err(CoreError::invalid("email", Reason::DisableSelf));
        }
        let now = self.now();
        self.end_sign_ins(by, user, AuditAction::UserDisable, "user_disable", |u| {
            u.disabled_at = Some(now)
        })
        .await?;
        Ok(())
    }

    pub async fn reset_mfa(&self, by: &Acting, email: &str) -> Result<(), CoreError> {
        let user = self.user_for(by, email).await?;
        let user = self
            .end_sign_ins(by, user, AuditAction::MfaReset, "mfa_reset", |u| {
                u.totp_secret = None;
                u.totp_last_step = None;
                u.totp_failures = 0;
                u.totp_locked_until = None;
            })
            .await?;
        self.store().replace_recovery_codes(user.id, &[]).await?;
        Ok(())
    }

    /// Gives an account a new one-time password (an admin or operator, for someone who forgot
    /// theirs): every session and token ends; the second factor stays, so the password alone
    /// still does not open the account.
    pub async fn reset_password(&self, by: &Acting, email: &str) -> Result<String, CoreError> {
        let user = self.user_for(by, email).await?;
        if matches!(by, Acting::Staff(s) if s.id == user.id) {
            return Err(CoreError::invalid("email", Reason::ResetOwnPassword));
        }
        let password = secrets::token(self.inner().entropy.as_ref());
        let hash = self.hash_password(super::Lane::Anyone, &password).await?;
        self.end_sign_ins(
            by,
            user,
            AuditAction::PasswordChange,
            "password_reset",
            |u| {
                u.password_hash.clone_from(&hash);
                u.failed_logins = 0;
                u.must_change_password = false;
            },
        )
        .await?;
        Ok(password)
    }

    /// Changes the signed-in user's own password: every session and token ends, and a new
    /// session is returned for this browser.
    pub async fn change_password(
        &self,
        auth: &Authenticated,
        current: &str,
        new: &str,
    ) -> Result<NewSession, CoreError> {
        let by = Acting::Staff(auth.staff.clone());
        let user = self.user_for(&by, &auth.staff.email).await?;
        if !self
            .verify_password(super::Lane::Anyone, current, user.password_hash.clone())
            .await?
        {
            return Err(CoreError::invalid(
                "current_password",
                Reason::CurrentPasswordWrong,
            ));
        }
        let words = self.context_words(user.org, &user.email).await?;
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        check_new_password(new, &refs)?;
        let hash = self.hash_password(super::Lane::Anyone, new).await?;
        let user = self
            .end_sign_ins(
                &by,
                user,
                AuditAction::PasswordChange,
                "password_change",
                |u| {
                    u.password_hash.clone_from(&hash);
                    u.must_change_password = false;
                },
            )
            .await?;
        let mut session = self.start_session(&user, auth.mfa_verified()).await?;
        // The change forgot every device of the account; this browser has just shown the
        // password, in a session that showed the second factor.
        if auth.mfa_verified() {
            session.device = self.remember_device(&user, None).await;
        }
        Ok(session)
    }

    /// The accounts of an organisation, for its admins.
    pub async fn users_of(&self, by: &Acting, org: OrgId) -> Result<Vec<(Staff, bool)>, CoreError> {
        if !self.may_manage(by, org) {
            return Err(CoreError::Forbidden);
        }
        Ok(self
            .store()
            .users_in_org(org)
            .await?
            .iter()
            .map(|u| (Staff::from_row(u), u.disabled_at.is_some()))
            .collect())
    }

    /// Whether the signed-in person must choose a new password (theirs became common).
    pub async fn must_change_password(&self, auth: &Authenticated) -> Result<bool, CoreError> {
        Ok(self
            .store()
            .user(auth.staff.id)
            .await?
            .is_some_and(|u| u.must_change_password))
    }

    /// Sets the signed-in person's language for the pages (`None`: follow the browser).
    pub async fn set_language(
        &self,
        auth: &Authenticated,
        language: Option<&str>,
    ) -> Result<(), CoreError> {
        if language.is_some_and(|l| !["en", "es"].contains(&l)) {
            return Err(CoreError::invalid("language", Reason::LanguageUnknown));
        }
        let preferences = Preferences {
            language: language.map(str::to_owned),
            ..own_preferences(auth)
        };
        self.store()
            .set_preferences(auth.staff.id, &preferences)
            .await?;
        Ok(())
    }

    /// Sets the signed-in person's time zone for the pages (`None`: UTC). The name is an
    /// IANA zone this build knows, stored as the database spells it.
    pub async fn set_time_zone(
        &self,
        auth: &Authenticated,
        zone: Option<&str>,
    ) -> Result<(), CoreError> {
        let zone = zone.map(crate::local_time::canonical_zone).transpose()?;
        let preferences = Preferences {
            time_zone: zone,
            ..own_preferences(auth)
        };
        self.store()
            .set_preferences(auth.staff.id, &preferences)
            .await?;
        Ok(())
    }

    /// Finds an organisation by its exact name (for the command line).
    pub async fn org_by_name(&self, name: &str) -> Result<haven_store::OrgRow, CoreError> {
        self.store()
            .orgs()
            .await?
            .into_iter()
            .find(|o| o.name == name)
            .ok_or(CoreError::NotFound)
    }
}

impl<S: Store> Haven<S> {
    /// Every organisation's id and name (for choosing a recipient; names are not personal
    /// data).
    pub async fn organisation_names(
        &self,
    ) -> Result<std::collections::BTreeMap<OrgId, String>, CoreError> {
        Ok(self
            .store()
            .orgs()
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect())
    }

    /// The display names of colleagues, for a case team's list.
    pub async fn staff_names(&self, ids: &[UserId]) -> Result<Vec<(UserId, String)>, CoreError> {
        let mut out = Vec::new();
        for id in ids {
            if let Some(u) = self.store().user(*id).await? {
                out.push((*id, u.display_name));
            }
        }
        Ok(out)
    }
}

/// The preferences as the signed-in account was read for this request.
fn own_preferences(auth: &Authenticated) -> Preferences {
    Preferences {
        language: auth.staff.language.clone(),
        time_zone: auth.staff.local_time.name().map(str::to_owned),
    }
}
