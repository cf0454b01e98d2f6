//! `haven demo`: a throw-away installation with a synthetic network of organisations and
//! survivors, served on 127.0.0.1:7878. Every name is generated; none is a real person.

use crate::CliError;
use crate::backend::{self, with_haven};
use crate::config::{Config, Overrides};
use crate::logging;
use haven_core::auth::{Acting, AuthSettings, NewUser};
use haven_core::cases::NewCase;
use haven_core::{Haven, system};
use haven_crypto::{Entropy, SeededEntropy};
use haven_domain::access::Role;
use haven_domain::case::{ExploitationType, TraffickingType};
use haven_domain::survivor::{PersonalText, SurvivorField, SurvivorProfile};
use haven_store::Store;
use std::path::PathBuf;

pub const ORGANISATIONS: [(&str, &str); 7] = [
    ("Harbour Light NGO", "ngo"),
    ("Riverside Safe House", "shelter"),
    ("Northside Community Clinic", "clinic"),
    ("Justice Bridge Legal Aid", "legal_aid"),
    ("Freedom Line Hotline", "hotline"),
    ("Metro Police Victim Liaison Unit", "law_enforcement"),
    ("City Social Services", "government"),
];

const GIVEN: [&str; 16] = [
    "Amina", "Lucía", "Mei", "Olena", "Grace", "Fatima", "Rosa", "Nadia", "Thi", "Esther", "Ana",
    "Joy", "Mariam", "Daniel", "Tomas", "Ali",
];
const FAMILY: [&str; 16] = [
    "Okafor",
    "Hernández",
    "Chen",
    "Kovalenko",
    "Mensah",
    "Rahman",
    "Lopez",
    "Petrova",
    "Nguyen",
    "Adeyemi",
    "Silva",
    "Haddad",
    "Ivanova",
    "Mwangi",
    "Reyes",
    "Popescu",
];

fn pick<'a>(rng: &SeededEntropy, from: &[&'a str]) -> &'a str {
    let mut b = [0u8; 2];
    rng.fill(&mut b);
    from[usize::from(u16::from_be_bytes(b)) % from.len()]
}

/// A synthetic profile: pseudonym always, a legal name and phone for most.
pub fn synthetic_profile(rng: &SeededEntropy, n: u32) -> Result<SurvivorProfile, CliError> {
    let text = |f, s: &str| PersonalText::parse(f, s).map_err(|e| CliError::Config(e.to_string()));
    let mut p = SurvivorProfile::pseudonymous(&format!(
        "{} {}",
        pick(rng, &["Client", "Guest", "Friend"]),
        n
    ))
    .map_err(|e| CliError::Config(e.to_string()))?;
    if !n.is_multiple_of(5) {
        p.legal_name = Some(text(
            SurvivorField::LegalName,
            &format!("{} {}", pick(rng, &GIVEN), pick(rng, &FAMILY)),
        )?);
        p.phone = Some(text(
            SurvivorField::Phone,
            &format!("+1 555 01{:02} {:04}", n % 100, n % 10_000),
        )?);
        p.safe_contact = Some(text(
            SurvivorField::SafeContact,
            "Texts only; never call after 6 pm",
        )?);
    }
    Ok(p)
}

/// Every demo account's password (shown on the demo sign-in page).
pub const DEMO_PASSWORD: &str = "demo passphrase 2026";

/// Staff of each organisation, by the index in [`ORGANISATIONS`]: (email name, roles).
const STAFF: &[(usize, &str, &[Role])] = &[
    (0, "admin", &[Role::Admin]),
    (0, "supervisor", &[Role::Supervisor]),
    (0, "case.manager", &[Role::CaseManager]),
    (0, "second.case.manager", &[Role::CaseManager]),
    (0, "legal.advocate", &[Role::LegalAdvocate]),
    (0, "clinician", &[Role::Clinician]),
    (0, "outreach", &[Role::OutreachWorker]),
    (0, "analyst", &[Role::Analyst]),
    (1, "coordinator", &[Role::ShelterCoordinator]),
    (1, "case.manager", &[Role::CaseManager]),
    (2, "clinician", &[Role::Clinician]),
    (2, "case.manager", &[Role::CaseManager]),
    (3, "legal.advocate", &[Role::LegalAdvocate]),
    (4, "hotline", &[Role::HotlineAdvocate]),
    (5, "liaison", &[Role::LeLiaison]),
    (6, "case.manager", &[Role::CaseManager]),
];

const DOMAINS: [&str; 7] = [
    "harbour.demo",
    "riverside.demo",
    "northside.demo",
    "justice.demo",
    "freedomline.demo",
    "metro-police.demo",
    "city.demo",
];

async fn seed<S: Store>(haven: &Haven<S>, people: u32) -> Result<(), CliError> {
    let mut orgs = Vec::new();
    for (name, kind) in ORGANISATIONS {
        orgs.push(haven.create_org(system("demo"), name, kind).await?);
    }
    let mut case_managers = vec![None; orgs.len()];
    for (org, name, roles) in STAFF {
        let email = format!("{name}@{}", DOMAINS[*org]);
        let new = NewUser {
            org: orgs[*org],
            email: email.clone(),
            display_name: name.replace('.', " "),
            roles: roles.to_vec(),
            password: Some(DEMO_PASSWORD.into()),
        };
        let (id, _) = haven
            .add_user(&Acting::Operator("demo".into()), new)
            .await?;
        haven.enrol_demo_factor(&email).await?;
        if roles.contains(&Role::CaseManager) && case_managers[*org].is_none() {
            case_managers[*org] = Some(id);
        }
    }
    let rng = SeededEntropy::new(2026);
    let owners = [0usize, 1, 4];
    let mut batch = Vec::new();
    for n in 1..=people {
        let org = owners[n as usize % owners.len()];
        let case = NewCase {
            exploitation: Some(
                [
                    ExploitationType::Labour,
                    ExploitationType::Sex,
                    ExploitationType::Both,
                ][n as usize % 3],
            ),
            trafficking_types: TraffickingType::try_from((n % 25) as u8 + 1)
                .into_iter()
                .collect(),
            safety_risk: n % 7 == 0,
            immigration_sensitive: n % 4 == 0,
        };
        let team: Vec<_> = case_managers[org].into_iter().collect();
        batch.push((orgs[org], synthetic_profile(&rng, n)?, case, team));
        // One transaction per 500 intakes: a large demo loads in minutes, not hours.
        if batch.len() == 500 || n == people {
            haven.intake_batch(system("demo"), &batch).await?;
            batch.clear();
        }
    }
    let named: Vec<(haven_domain::OrgId, &str)> = orgs
        .iter()
        .zip(ORGANISATIONS)
        .map(|(id, (name, _))| (*id, name))
        .collect();
    haven
        .import_directory(
            system("demo"),
            &super::demo_sharing::directory(&named, &rng),
        )
        .await?;
    super::demo_sharing::first_referrals(haven, orgs[0], orgs[2], orgs[1]).await?;
    use super::demo_casework::{HARBOUR_COLLEAGUES, seed as casework};
    casework(
        haven,
        orgs[0],
        "case.manager@harbour.demo",
        &HARBOUR_COLLEAGUES,
    )
    .await?;
    casework(haven, orgs[1], "case.manager@riverside.demo", &[]).await?;
    Ok(())
}

pub async fn run(
    data_dir: Option<PathBuf>,
    listen: Option<String>,
    people: u32,
) -> Result<(), CliError> {
    // A temporary directory lives (and is removed) with this process.
    let temp = match data_dir {
        Some(_) => None,
        None => Some(tempfile::Builder::new().prefix("haven-demo-").tempdir()?),
    };
    let dir = match (&data_dir, &temp) {
        (Some(d), _) => d.clone(),
        (None, Some(t)) => t.path().to_path_buf(),
        (None, None) => return Err(CliError::Config("no data directory".into())),
    };
    let cfg = Config::load(
        &dir,
        &Overrides {
            database: None,
            listen,
        },
    )?;
    logging::to_stderr_and_file(&dir)?;
    let fresh = !cfg.key_file.exists();
    if fresh {
        super::init::run(&cfg).await?;
    }
    let opened = backend::open(&cfg).await?;
    let auth = AuthSettings {
        demo: true,
        ..super::serve::auth_settings(&cfg).await
    };
    with_haven!(opened, |haven| {
        let haven = haven
            .with_auth(auth)
            .with_consent_rules(cfg.consent.clone());
        if fresh {
            let started = std::time::Instant::now();
            seed(&haven, people).await?;
            println!(
                "created {} organisations, {} staff accounts and {people} synthetic survivors in {:.1?}",
                ORGANISATIONS.len(),
                STAFF.len(),
                started.elapsed()
            );
        }
        println!(
            "DEMO — synthetic data only. Data directory: {}",
            dir.display()
        );
        println!(
            "sign in at http://{}/login — the page lists every demo account with its current code",
            cfg.listen
        );
        println!("every demo account's password: {DEMO_PASSWORD}");
        super::serve::serve(haven, &cfg.listen).await
    })
}
