//! The web application through its real router, in process (crates.io's habit): sign-in,
//! sessions, CSRF, throttling, enumeration, revocation, tenant isolation. One test binary.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod account_races;
mod api;
mod audit;
mod case_history;
mod case_list;
mod case_plan;
mod case_races;
mod case_team;
mod cases;
mod classification;
mod client_mistakes;
mod coming_of_age;
mod consistent_reads;
mod intake_form;
mod known_devices;
mod languages;
mod page_forms;
mod record_edit;
mod referrals;
mod refused_forms;
mod return_after_sign_in;
mod search;
mod session_clock;
mod sessions;
mod sharing;
mod sharing_network;
mod sign_in_by_address;
mod sign_in_flood;
mod signin;
mod stored_faults;
mod subject_access;
mod support;
mod time_zones;
