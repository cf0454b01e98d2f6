//! End-to-end tests of the `haven` binary and the installation it manages: one test binary
//! for the crate (link time matters on two cores).

// Test helpers outside `#[test]` functions should fail loudly too.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod accessibility;
mod at_rest;
mod audit_tamper;
mod bad_input;
mod browser;
mod browser_case_history;
mod browser_no_script;
mod browser_referral;
mod browser_session_clock;
mod chromium;
mod demo;
mod erasure;
mod postgres;
mod rotation;
mod serve;
mod staff_cli;
mod support;
