//! Demo installations: accounts enrolled at creation, and their current codes for the
//! sign-in page, so a newcomer can try Haven without an authenticator app. Everything here
//! refuses to work unless the installation was started with `demo` set, which only
//! `haven demo` does.

use super::Acting;
use crate::{CoreError, Haven};
use haven_crypto::field::FieldContext;
use haven_crypto::totp;
use haven_store::Store;

/// A demo account as the sign-in page lists it.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub email: String,
    pub roles: String,
    pub organisation: String,
    pub code: String,
}

impl<S: Store> Haven<S> {
    /// Whether this installation was started by `haven demo` (its pages say so).
    pub fn is_demo(&self) -> bool {
        self.inner().auth.demo
    }

    /// Gives a demo account a second factor directly.
    pub async fn enrol_demo_factor(&self, email: &str) -> Result<(), CoreError> {
        if !self.is_demo() {
            return Err(CoreError::Forbidden);
        }
        let mut user = self
            .user_for(&Acting::Operator("demo".into()), email)
            .await?;
        let entropy = self.inner().entropy.as_ref();
        let secret: [u8; totp::SECRET_LEN] = haven_crypto::entropy::random_array(entropy);
        let ctx = FieldContext {
            org: user.org,
            table: "users",
            column: "totp_secret",
            record: *user.id.as_bytes(),
        };
        user.totp_secret = Some(self.inner().totp_key.seal(&ctx, &secret, entropy)?);
        self.store().update_user(&user, None).await?;
        Ok(())
    }

    /// Every enrolled account with its current code; empty unless this is a demo.
    pub async fn demo_accounts(&self) -> Result<Vec<DemoAccount>, CoreError> {
        if !self.is_demo() {
            return Ok(Vec::new());
        }
        let now = u64::try_from(self.now().unix_timestamp()).unwrap_or(0);
        let mut out = Vec::new();
        for org in self.store().orgs().await? {
            for user in self.store().users_in_org(org.id).await? {
                if user.totp_secret.is_none() || user.disabled_at.is_some() {
                    continue;
                }
                let secret = self.open_totp_secret(&user)?;
                out.push(DemoAccount {
                    email: user.email.clone(),
                    roles: user.roles.join(", "),
                    organisation: org.name.clone(),
                    code: totp::code(&secret, now).unwrap_or_default(),
                });
            }
        }
        Ok(out)
    }
}
