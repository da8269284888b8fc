//! The key file: what each original was replaced by, and the project's list
//! of identifying names and places, kept only here (never in the database),
//! as JSON encrypted with a passphrase (age, scrypt recipient, ASCII armour).
//!
//! This module turns a [`KeyFile`] into encrypted bytes and back; reading
//! and writing the file itself is the caller's.

use age::secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::detect::{normalise, Category, KnownName};

/// The format tag inside every key file.
pub const FORMAT: &str = "axial-key/1";

/// What can go wrong with a key file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("the passphrase is empty; give the key file's passphrase")]
    EmptyPassphrase,
    #[error("the passphrase does not open this key file; check it and try again (without the right passphrase the mapping cannot be recovered)")]
    WrongPassphrase,
    #[error("this is not an Axial key file ({0}); check the path given with --key")]
    NotAKeyFile(String),
    #[error("the key file opened but its contents are damaged ({0}); restore it from a backup")]
    Damaged(String),
    #[error("the key file has format '{found}', which this Axial does not know; upgrade Axial to read it")]
    UnknownFormat { found: String },
    #[error("could not encrypt the key file: {0}")]
    Encrypt(String),
    #[error("the name is empty; give the name or place to add")]
    EmptyName,
}

/// One original and its replacement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    /// The original as first met.
    pub original: String,
    pub replacement: String,
    pub category: Category,
    /// Ids of the sources it was replaced in.
    #[serde(default)]
    pub sources: Vec<String>,
}

/// The decrypted key file of one project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFile {
    pub format: String,
    /// The id of the project the key belongs to.
    pub project: String,
    /// Identifying names and places to look for.
    #[serde(default)]
    pub names: Vec<KnownName>,
    #[serde(default)]
    pub mappings: Vec<Mapping>,
}

fn secret(passphrase: &str) -> Result<SecretString, KeyError> {
    if passphrase.is_empty() {
        return Err(KeyError::EmptyPassphrase);
    }
    Ok(SecretString::from(passphrase.to_string()))
}

impl KeyFile {
    /// An empty key for a project.
    pub fn new(project: impl Into<String>) -> KeyFile {
        KeyFile {
            format: FORMAT.into(),
            project: project.into(),
            names: Vec::new(),
            mappings: Vec::new(),
        }
    }

    /// Encrypts the key with a passphrase (work factor chosen by age for
    /// about a second on this machine). The result is ASCII-armoured text.
    pub fn encrypt(&self, passphrase: &str) -> Result<Vec<u8>, KeyError> {
        self.encrypt_with(age::scrypt::Recipient::new(secret(passphrase)?))
    }

    /// Encrypts with a fixed scrypt work factor `2^log_n` (1..=30), for
    /// tests and slow machines.
    pub fn encrypt_with_work_factor(
        &self,
        passphrase: &str,
        log_n: u8,
    ) -> Result<Vec<u8>, KeyError> {
        let mut r = age::scrypt::Recipient::new(secret(passphrase)?);
        r.set_work_factor(log_n.clamp(1, 30));
        self.encrypt_with(r)
    }

    fn encrypt_with(&self, recipient: age::scrypt::Recipient) -> Result<Vec<u8>, KeyError> {
        let json = serde_json::to_vec(self).map_err(|e| KeyError::Encrypt(e.to_string()))?;
        age::encrypt_and_armor(&recipient, &json)
            .map(String::into_bytes)
            .map_err(|e| KeyError::Encrypt(e.to_string()))
    }

    /// Opens an encrypted key file.
    pub fn decrypt(bytes: &[u8], passphrase: &str) -> Result<KeyFile, KeyError> {
        let identity = age::scrypt::Identity::new(secret(passphrase)?);
        let plain = age::decrypt(&identity, bytes).map_err(|e| match e {
            age::DecryptError::DecryptionFailed
            | age::DecryptError::KeyDecryptionFailed
            | age::DecryptError::NoMatchingKeys => KeyError::WrongPassphrase,
            age::DecryptError::InvalidHeader | age::DecryptError::UnknownFormat => {
                KeyError::NotAKeyFile("it is not an age-encrypted file".into())
            }
            age::DecryptError::InvalidMac => {
                KeyError::Damaged("the file's header does not match its contents".into())
            }
            other => KeyError::NotAKeyFile(other.to_string()),
        })?;
        let key: KeyFile =
            serde_json::from_slice(&plain).map_err(|e| KeyError::Damaged(e.to_string()))?;
        if key.format != FORMAT {
            return Err(KeyError::UnknownFormat { found: key.format });
        }
        Ok(key)
    }

    /// Adds a name or place to look for; false if it was listed already
    /// (its kind is then updated).
    pub fn add_name(&mut self, name: &str, kind: Category) -> Result<bool, KeyError> {
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err(KeyError::EmptyName);
        }
        let key = normalise(&name);
        if let Some(n) = self.names.iter_mut().find(|n| normalise(&n.name) == key) {
            n.kind = kind;
            return Ok(false);
        }
        self.names.push(KnownName { name, kind });
        Ok(true)
    }

    /// The mapping of an original (matched by [`normalise`]d text).
    pub fn mapping(&self, original: &str) -> Option<&Mapping> {
        let key = normalise(original);
        self.mappings.iter().find(|m| normalise(&m.original) == key)
    }

    /// Records that `original` was replaced by `replacement` in a source.
    pub fn record(&mut self, original: &str, replacement: &str, category: Category, source: &str) {
        let key = normalise(original);
        let m = match self
            .mappings
            .iter_mut()
            .position(|m| normalise(&m.original) == key)
        {
            Some(i) => &mut self.mappings[i],
            None => {
                self.mappings.push(Mapping {
                    original: original.to_string(),
                    replacement: replacement.to_string(),
                    category,
                    sources: Vec::new(),
                });
                self.mappings.last_mut().expect("just pushed")
            }
        };
        m.replacement = replacement.to_string();
        if !source.is_empty() && !m.sources.iter().any(|s| s == source) {
            m.sources.push(source.to_string());
        }
    }

    /// Everything the detectors should look for: the listed names and every
    /// original already mapped.
    pub fn vocabulary(&self) -> Vec<KnownName> {
        let mut out = self.names.clone();
        out.extend(self.mappings.iter().map(|m| KnownName {
            name: m.original.clone(),
            kind: m.category,
        }));
        out
    }

    /// `(original key, replacement)` of every mapping, for a [`crate::Labeller`].
    pub fn labels(&self) -> impl Iterator<Item = (&str, &str)> {
        self.mappings
            .iter()
            .map(|m| (m.original.as_str(), m.replacement.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> KeyFile {
        let mut k = KeyFile::new("7d1c3a4e-0000-4000-8000-000000000001");
        k.add_name("Zoë Ó Súilleabháin", Category::Person).unwrap();
        k.add_name("Harrogate", Category::Place).unwrap();
        k.record("Zoë Ó Súilleabháin", "[Person A]", Category::Person, "s1");
        k
    }

    #[test]
    fn round_trips_only_with_the_passphrase() {
        let k = sample();
        let bytes = k.encrypt_with_work_factor("correct horse", 4).unwrap();
        let text = String::from_utf8(bytes.clone()).expect("armoured");
        assert!(text.starts_with("-----BEGIN AGE ENCRYPTED FILE-----"));
        for secret in ["Zoë", "Súilleabháin", "Harrogate", "Person A"] {
            assert!(!text.contains(secret), "{secret} in clear");
        }
        assert_eq!(KeyFile::decrypt(&bytes, "correct horse").unwrap(), k);
        assert_eq!(
            KeyFile::decrypt(&bytes, "wrong horse"),
            Err(KeyError::WrongPassphrase)
        );
        assert_eq!(KeyFile::decrypt(&bytes, ""), Err(KeyError::EmptyPassphrase));
        assert!(matches!(
            KeyFile::decrypt(b"hello", "x"),
            Err(KeyError::NotAKeyFile(_))
        ));
    }

    #[test]
    fn names_and_mappings() {
        let mut k = sample();
        assert_eq!(k.add_name("  harrogate ", Category::Place), Ok(false));
        assert_eq!(k.add_name("", Category::Place), Err(KeyError::EmptyName));
        k.record("ZOË Ó SÚILLEABHÁIN", "[Person A]", Category::Person, "s2");
        assert_eq!(k.mappings.len(), 1);
        assert_eq!(k.mappings[0].sources, ["s1", "s2"]);
        assert_eq!(
            k.mapping("zoë ó súilleabháin")
                .map(|m| m.replacement.as_str()),
            Some("[Person A]")
        );
        let v = k.vocabulary();
        assert_eq!(v.len(), 3);
    }
}
