//! Organisations, staff accounts and API tokens from the command line. These run as the
//! operator (who holds the key file) and are audited as the command that made them.

use crate::CliError;
use crate::backend::{self, with_haven};
use crate::config::Config;
use haven_core::auth::{Acting, NewUser};
use haven_core::{CoreError, system};
use haven_domain::TokenId;
use haven_domain::access::{OrgKind, Role};

fn operator(command: &str) -> Acting {
    Acting::Operator(command.to_owned())
}

fn kind(text: &str) -> Result<OrgKind, CliError> {
    text.parse().map_err(|_| {
        let all: Vec<&str> = OrgKind::ALL.iter().map(|k| k.as_str()).collect();
        CliError::Config(format!(
            "unknown organisation kind; use one of: {}",
            all.join(", ")
        ))
    })
}

fn roles(texts: &[String]) -> Result<Vec<Role>, CliError> {
    texts
        .iter()
        .map(|t| {
            t.parse().map_err(|_| {
                let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                CliError::Config(format!(
                    "unknown role; use one or more of: {}",
                    all.join(", ")
                ))
            })
        })
        .collect()
}

pub async fn add_org(cfg: &Config, name: &str, kind_text: &str) -> Result<(), CliError> {
    let kind = kind(kind_text)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(CliError::Config(
            "--name must have 1 to 200 characters".into(),
        ));
    }
    let opened = backend::open(cfg).await?;
    let id = with_haven!(opened, |haven| {
        if haven.org_by_name(name).await.is_ok() {
            return Err(CliError::Config(
                "an organisation with this name already exists".into(),
            ));
        }
        haven
            .create_org(system("org add"), name, kind.as_str())
            .await
    })?;
    println!("organisation added: {id}");
    Ok(())
}

pub async fn add_user(
    cfg: &Config,
    org: &str,
    email: &str,
    role_texts: &[String],
    name: Option<&str>,
) -> Result<(), CliError> {
    let roles = roles(role_texts)?;
    let opened = backend::open(cfg).await?;
    let (id, password) = with_haven!(opened, |haven| {
        let org = haven.org_by_name(org).await.map_err(|e| match e {
            CoreError::NotFound => CliError::Config("no organisation with that name".into()),
            other => other.into(),
        })?;
        haven
            .add_user(
                &operator("user add"),
                NewUser {
                    org: org.id,
                    email: email.to_owned(),
                    display_name: name.unwrap_or(email).to_owned(),
                    roles,
                    password: None,
                },
            )
            .await
            .map_err(CliError::from)
    })?;
    println!("user added: {id}");
    println!(
        "give them this one-time password over a safe channel; at first sign-in they enrol a second factor:"
    );
    println!("{}", password.unwrap_or_default());
    Ok(())
}

pub async fn bootstrap(
    cfg: &Config,
    org: &str,
    kind_text: &str,
    email: &str,
) -> Result<(), CliError> {
    let kind = kind(kind_text)?;
    let password = match std::env::var("HAVEN_ADMIN_PASSWORD") {
        Ok(p) => p,
        Err(_) => rpassword::prompt_password("password for the first admin: ").map_err(|_| {
            CliError::Config(
                "set HAVEN_ADMIN_PASSWORD, or run init in a terminal to be asked".into(),
            )
        })?,
    };
    // Checked before anything is created, so a refused password leaves no half-made org.
    let local = email.split('@').next().unwrap_or_default();
    haven_domain::staff::check_new_password(&password, &[org, "haven", local])
        .map_err(CoreError::from)?;
    let opened = backend::open(cfg).await?;
    with_haven!(opened, |haven| {
        let org_id = haven.create_org(system("init"), org, kind.as_str()).await?;
        haven
            .add_user(
                &operator("init"),
                NewUser {
                    org: org_id,
                    email: email.to_owned(),
                    display_name: email.to_owned(),
                    roles: vec![Role::Admin],
                    password: Some(password),
                },
            )
            .await
            .map_err(CliError::from)
    })?;
    println!("admin {email} of {org} created; sign in and enrol a second factor");
    Ok(())
}

pub async fn disable(cfg: &Config, email: &str) -> Result<(), CliError> {
    let opened = backend::open(cfg).await?;
    with_haven!(opened, |haven| haven
        .disable_user(&operator("user disable"), email)
        .await)
    .map_err(not_found("no such account"))?;
    println!("account disabled; its sessions and tokens no longer work");
    Ok(())
}

pub async fn reset_mfa(cfg: &Config, email: &str) -> Result<(), CliError> {
    let opened = backend::open(cfg).await?;
    with_haven!(opened, |haven| haven
        .reset_mfa(&operator("user reset-mfa"), email)
        .await)
    .map_err(not_found("no such account"))?;
    println!("second factor removed; the account enrols again at its next sign-in");
    Ok(())
}

pub async fn reset_password(cfg: &Config, email: &str) -> Result<(), CliError> {
    let opened = backend::open(cfg).await?;
    let password = with_haven!(opened, |haven| haven
        .reset_password(&operator("user reset-password"), email)
        .await)
    .map_err(not_found("no such account"))?;
    println!(
        "new one-time password (sessions and tokens have ended; the second factor is unchanged):"
    );
    println!("{password}");
    Ok(())
}

pub async fn create_token(cfg: &Config, email: &str, name: &str) -> Result<(), CliError> {
    let opened = backend::open(cfg).await?;
    let (id, secret) = with_haven!(opened, |haven| haven
        .create_api_token(&operator("token create"), email, name)
        .await)
    .map_err(not_found("no such account"))?;
    println!("token {id} created for {email}; it is shown once:");
    println!("{secret}");
    Ok(())
}

pub async fn revoke_token(cfg: &Config, email: &str, id: &str) -> Result<(), CliError> {
    let id: TokenId = id
        .parse()
        .map_err(|_| CliError::Config("--id must be a token id".into()))?;
    let opened = backend::open(cfg).await?;
    with_haven!(opened, |haven| haven
        .revoke_api_token(&operator("token revoke"), email, id)
        .await)
    .map_err(not_found("no such live token for that account"))?;
    println!("token {id} revoked");
    Ok(())
}

fn not_found(message: &'static str) -> impl Fn(CoreError) -> CliError {
    move |e| match e {
        CoreError::NotFound => CliError::Config(message.into()),
        other => other.into(),
    }
}
