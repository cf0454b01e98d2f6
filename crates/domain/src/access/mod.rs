//! The access model as pure functions: who may do what to which part of a survivor's record.
//! The table is `shared/POLICY.md`; deny by default, and whatever is denied answers exactly
//! like a record that does not exist.

mod policy;
mod roles;

pub use policy::{
    Access, Action, Basis, ConsentGrant, Decision, DenyReason, Principal, ResourceContext, decide,
    may_read_notes,
};
pub use roles::{OrgKind, Role, UnknownName};
