//! The key file: every long-lived secret Haven needs, in one small TOML file that
//! `haven init` creates with mode 0600.
//!
//! It holds the key-encryption keys by version (the highest is current; older versions
//! remain only until `haven keys rotate` has rewrapped every data key), the root key of the
//! blind indexes, and the ed25519 seed that signs audit checkpoints. The server refuses a
//! key file that group or others can read (security.md §7 A 7).

use crate::{CryptoError, Entropy, SecretKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

const FORMAT: u32 = 1;

/// The loaded key file. `Debug` shows versions only.
#[derive(Clone)]
pub struct KeyFile {
    keks: BTreeMap<u32, SecretKey>,
    index_root: SecretKey,
    audit_signing: SecretKey,
}

impl std::fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyFile")
            .field("kek_versions", &self.keks.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OnDisk {
    format: u32,
    index_root: String,
    audit_signing: String,
    kek: Vec<OnDiskKek>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OnDiskKek {
    version: u32,
    key: String,
}

impl KeyFile {
    /// A new key file with KEK version 1.
    pub fn generate(entropy: &dyn Entropy) -> Self {
        let mut keks = BTreeMap::new();
        keks.insert(1, SecretKey::generate(entropy));
        Self {
            keks,
            index_root: SecretKey::generate(entropy),
            audit_signing: SecretKey::generate(entropy),
        }
    }

    pub fn current_kek_version(&self) -> u32 {
        self.keks.keys().next_back().copied().unwrap_or(0)
    }

    pub fn current_kek(&self) -> Result<(u32, &SecretKey), CryptoError> {
        self.keks
            .iter()
            .next_back()
            .map(|(v, k)| (*v, k))
            .ok_or(CryptoError::UnknownKekVersion(0))
    }

    pub fn kek(&self, version: u32) -> Result<&SecretKey, CryptoError> {
        self.keks
            .get(&version)
            .ok_or(CryptoError::UnknownKekVersion(version))
    }

    pub fn kek_versions(&self) -> Vec<u32> {
        self.keks.keys().copied().collect()
    }

    pub fn index_root(&self) -> &SecretKey {
        &self.index_root
    }

    pub fn audit_signing(&self) -> &SecretKey {
        &self.audit_signing
    }

    /// Adds a new KEK version and makes it current. Returns the new version.
    pub fn add_kek(&mut self, entropy: &dyn Entropy) -> u32 {
        let next = self.current_kek_version() + 1;
        self.keks.insert(next, SecretKey::generate(entropy));
        next
    }

    /// Drops every KEK older than `keep_from`. Call only once no data key is wrapped under
    /// them: destroying a retired KEK is what makes the old wrapping useless.
    pub fn retire_keks_before(&mut self, keep_from: u32) {
        self.keks.retain(|v, _| *v >= keep_from);
    }

    pub fn parse(text: &str) -> Result<Self, CryptoError> {
        let bad = |what: &str| CryptoError::KeyFile(format!("key file is corrupt: {what}"));
        let disk: OnDisk = toml::from_str(text).map_err(|_| bad("not a Haven key file"))?;
        if disk.format > FORMAT {
            return Err(CryptoError::KeyFile(format!(
                "key file format {} is newer than this haven supports ({FORMAT})",
                disk.format
            )));
        }
        let decode = |s: &str, what: &str| -> Result<SecretKey, CryptoError> {
            let bytes = Zeroizing::new(B64.decode(s).map_err(|_| bad(what))?);
            let arr: [u8; 32] = bytes.as_slice().try_into().map_err(|_| bad(what))?;
            Ok(SecretKey::from_bytes(arr))
        };
        let mut keks = BTreeMap::new();
        for k in &disk.kek {
            if keks.insert(k.version, decode(&k.key, "kek")?).is_some() {
                return Err(bad("duplicate kek version"));
            }
        }
        if keks.is_empty() {
            return Err(bad("no key-encryption key"));
        }
        Ok(Self {
            keks,
            index_root: decode(&disk.index_root, "index_root")?,
            audit_signing: decode(&disk.audit_signing, "audit_signing")?,
        })
    }

    pub fn to_text(&self) -> Result<Zeroizing<String>, CryptoError> {
        let disk = OnDisk {
            format: FORMAT,
            index_root: B64.encode(self.index_root.expose()),
            audit_signing: B64.encode(self.audit_signing.expose()),
            kek: self
                .keks
                .iter()
                .map(|(v, k)| OnDiskKek {
                    version: *v,
                    key: B64.encode(k.expose()),
                })
                .collect(),
        };
        let body = toml::to_string(&disk)
            .map_err(|_| CryptoError::KeyFile("key file could not be encoded".into()))?;
        Ok(Zeroizing::new(format!(
            "# Haven key file. Keep it secret, keep it off the database host's backups,\n\
             # and keep an offline copy: without it no survivor record can be read.\n{body}"
        )))
    }

    /// Reads a key file, refusing one that group or others may read.
    pub fn load(path: &Path) -> Result<Self, CryptoError> {
        let meta = std::fs::metadata(path).map_err(|e| {
            CryptoError::KeyFile(format!("cannot read key file {}: {e}", path.display()))
        })?;
        check_private(path, &meta)?;
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
            CryptoError::KeyFile(format!("cannot read key file {}: {e}", path.display()))
        })?);
        Self::parse(&text).map_err(|e| CryptoError::KeyFile(format!("{} ({})", e, path.display())))
    }

    /// Writes the key file atomically (temporary file, fsync, rename) with mode 0600.
    /// `create_new` refuses to overwrite an existing file.
    pub fn store(&self, path: &Path, create_new: bool) -> Result<(), CryptoError> {
        if create_new && path.exists() {
            return Err(CryptoError::KeyFile(format!(
                "key file {} already exists; refusing to overwrite it",
                path.display()
            )));
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        let tmp = dir.join(format!(
            ".{}.tmp",
            path.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("haven.key")
        ));
        let text = self.to_text()?;
        {
            let mut f = private_file(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

#[cfg(unix)]
fn check_private(path: &Path, meta: &std::fs::Metadata) -> Result<(), CryptoError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(CryptoError::KeyFile(format!(
            "key file {} is readable by group or others (mode {mode:04o}); run: chmod 600 {}",
            path.display(),
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_: &Path, _: &std::fs::Metadata) -> Result<(), CryptoError> {
    Ok(())
}

#[cfg(unix)]
fn private_file(path: &Path) -> Result<std::fs::File, CryptoError> {
    use std::os::unix::fs::OpenOptionsExt;
    Ok(std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> Result<std::fs::File, CryptoError> {
    Ok(std::fs::File::create(path)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SeededEntropy;

    #[test]
    fn a_key_file_round_trips_and_keeps_versions() -> Result<(), CryptoError> {
        let e = SeededEntropy::new(1);
        let mut kf = KeyFile::generate(&e);
        assert_eq!(kf.add_kek(&e), 2);
        let back = KeyFile::parse(&kf.to_text()?)?;
        assert_eq!(back.kek_versions(), vec![1, 2]);
        assert_eq!(back.kek(1)?, kf.kek(1)?);
        assert_eq!(back.current_kek()?.0, 2);
        Ok(())
    }

    #[test]
    fn corrupt_text_is_a_clear_error() {
        let err = KeyFile::parse("format = 1\nindex_root = \"%%%\"").map(|_| ());
        assert!(matches!(err, Err(CryptoError::KeyFile(m)) if m.contains("corrupt")));
    }

    #[cfg(unix)]
    #[test]
    fn a_group_readable_key_file_is_refused() -> Result<(), Box<dyn std::error::Error>> {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("haven.key");
        KeyFile::generate(&SeededEntropy::new(2)).store(&path, true)?;
        assert!(KeyFile::load(&path).is_ok());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640))?;
        let err = KeyFile::load(&path).map(|_| ());
        assert!(matches!(err, Err(CryptoError::KeyFile(m)) if m.contains("chmod 600")));
        Ok(())
    }

    #[test]
    fn store_refuses_to_overwrite_when_asked() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("haven.key");
        let kf = KeyFile::generate(&SeededEntropy::new(3));
        kf.store(&path, true)?;
        assert!(kf.store(&path, true).is_err());
        Ok(())
    }
}
