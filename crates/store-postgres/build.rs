//! `sqlx::migrate!` embeds the migrations at compile time but cannot tell Cargo about a
//! file added to their directory, so without this a new migration is left out of an
//! incremental build (as sqlx's own documentation advises).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
