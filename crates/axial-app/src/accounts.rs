//! Accounts, signing in and sessions.
//!
//! An account is a [`User`] who can sign in: an Argon2id password hash and
//! an administrator flag, kept by the store outside the change log so that
//! no hash is ever copied into it. Creating a user and every password
//! change are still logged (who did it, to whom, when), without the hash.
//!
//! A session is a random 32-byte token handed to the browser once (base64url);
//! the store keeps only its SHA-256, so a copy of the database cannot be used
//! to sign in. Hashing runs on a blocking thread. This module decides nothing
//! about HTTP (cookies, rate limits): that is the server's part.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axial_core::{
    validate_name, Account, Action, ChangeSet, Entity, Op, Session, Timestamp, User, UserId,
    Version,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand_core::{OsRng, RngCore};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{list_hint, Actor, App, AppError};

/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted (hashing cost stays bounded).
pub const MAX_PASSWORD_CHARS: usize = 1024;
/// How long a session lasts after signing in.
pub const SESSION_LIFETIME: time::Duration = time::Duration::hours(12);

/// A user who can sign in, as listed for administrators.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountView {
    pub id: UserId,
    pub name: String,
    pub display_name: String,
    pub admin: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: Timestamp,
}

/// Someone signed in through a session.
#[derive(Debug, Clone, PartialEq)]
pub struct SignedIn {
    pub actor: Actor,
    pub admin: bool,
}

/// A session just opened: `token` goes to the browser and is not kept.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub expires_at: Timestamp,
    pub who: SignedIn,
}

/// Checks a new password against the rules, with a message saying what to do.
pub fn check_password(password: &str) -> Result<(), AppError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(AppError::invalid(format!(
            "the password must be at least {MIN_PASSWORD_CHARS} characters long (this one has {n}); \
             a few unrelated words make a good one"
        )));
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(AppError::invalid(format!(
            "the password must be at most {MAX_PASSWORD_CHARS} characters long (this one has {n})"
        )));
    }
    Ok(())
}

/// Hex SHA-256 of a session token: what the store keeps.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `token` looks like one this module hands out (43 base64url
/// characters), so that garbage never reaches the store.
fn plausible_token(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Argon2id (the crate's default: v1.3, 19 MiB, 2 passes) with a random salt.
async fn hash_password(password: &str) -> Result<String, AppError> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(format!("password hashing stopped: {e}")))?
}

async fn verify_password(password: &str, hash: &str) -> Result<bool, AppError> {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash).map_err(|e| {
            AppError::Internal(format!("a stored password hash cannot be read: {e}"))
        })?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| AppError::Internal(format!("password check stopped: {e}")))?
}

/// A hash to check against when the name is unknown, so that a wrong name
/// takes as long to refuse as a wrong password.
async fn decoy_hash() -> Result<String, AppError> {
    static DECOY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DECOY.get() {
        return Ok(h.clone());
    }
    let h = hash_password(&new_token()).await?;
    Ok(DECOY.get_or_init(|| h).clone())
}

impl App {
    /// Whether any account exists: then the server requires signing in.
    pub async fn accounts_on(&self) -> Result<bool, AppError> {
        Ok(self.store.account_count().await? > 0)
    }

    /// The user with this name (exact, else ignoring case).
    pub async fn find_user(&self, name: &str) -> Result<User, AppError> {
        let name = name.trim();
        let users = self.store.users().await?;
        users
            .iter()
            .find(|u| u.name == name)
            .or_else(|| users.iter().find(|u| u.name.eq_ignore_ascii_case(name)))
            .cloned()
            .ok_or_else(|| AppError::NotFound {
                what: "user",
                name: name.to_string(),
                hint: list_hint("users", users.iter().map(|u| u.name.as_str())),
            })
    }

    /// Every user who has an account, by name.
    pub async fn accounts(&self) -> Result<Vec<AccountView>, AppError> {
        let mut out = Vec::new();
        for u in self.store.users().await? {
            if let Some(a) = self.store.account(u.id).await? {
                out.push(AccountView {
                    id: u.id,
                    name: u.name,
                    display_name: u.display_name,
                    admin: a.admin,
                    created_at: a.created_at,
                });
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Gives `name` an account, creating the user if there is none yet. The
    /// creation is logged (`user.create`, or `account.update` for an
    /// existing user); the hash is not.
    pub async fn create_account(
        &self,
        actor: &Actor,
        name: &str,
        display_name: Option<&str>,
        password: &str,
        admin: bool,
    ) -> Result<AccountView, AppError> {
        let name = validate_name("user", name)?;
        check_password(password)?;
        let display = display_name
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(|d| validate_name("display name", d))
            .transpose()?;
        let existing = self
            .store
            .users()
            .await?
            .into_iter()
            .find(|u| u.name == name);
        if let Some(u) = &existing {
            if self.store.account(u.id).await?.is_some() {
                return Err(AppError::Exists(format!(
                    "user '{name}' already has an account; set a new password with `axial user password {name} --password-stdin`"
                )));
            }
        }
        let hash = hash_password(password).await?;
        let what = if admin { "an administrator" } else { "a user" };
        let user = match existing {
            None => {
                let user = User {
                    id: UserId::new(),
                    name: name.clone(),
                    display_name: display.clone().unwrap_or_else(|| name.clone()),
                    created_at: axial_core::now(),
                    version: Version::FIRST,
                };
                let cs = ChangeSet::new(
                    None,
                    actor.id(),
                    Action::UserCreate,
                    format!("created user '{name}' with an account as {what}"),
                )
                .op(Op::insert(Entity::User(user.clone())));
                self.store.commit(cs).await?;
                user
            }
            Some(u) => {
                let mut cs = ChangeSet::new(
                    None,
                    actor.id(),
                    Action::AccountUpdate,
                    format!("gave user '{name}' an account as {what}"),
                );
                let mut user = u.clone();
                if let Some(d) = display.filter(|d| *d != u.display_name) {
                    user.display_name = d;
                    let op = Op::update(Entity::User(u), Entity::User(user.clone()));
                    user = match op.entity() {
                        Entity::User(after) => after.clone(),
                        _ => user,
                    };
                    cs.push(op);
                }
                self.store.commit(cs).await?;
                user
            }
        };
        let now = axial_core::now();
        self.store
            .put_account(&Account {
                user: user.id,
                password_hash: hash,
                admin,
                created_at: now,
                updated_at: now,
            })
            .await?;
        Ok(AccountView {
            id: user.id,
            name: user.name,
            display_name: user.display_name,
            admin,
            created_at: now,
        })
    }

    /// Sets a new password for `name` (an administrator's reset) and ends
    /// all of their sessions. Returns how many sessions ended.
    pub async fn set_password(
        &self,
        actor: &Actor,
        name: &str,
        password: &str,
    ) -> Result<u64, AppError> {
        let user = self.find_user(name).await?;
        let account = self.account_of(&user).await?;
        check_password(password)?;
        let hash = hash_password(password).await?;
        self.store
            .put_account(&Account {
                password_hash: hash,
                updated_at: axial_core::now(),
                ..account
            })
            .await?;
        let ended = self.store.delete_sessions(user.id).await?;
        self.log_account_change(actor, format!("set a new password for '{}'", user.name))
            .await?;
        Ok(ended)
    }

    /// The signed-in user changes their own password: `old` must be right.
    /// Every other session of theirs ends; `keep` (the current session's
    /// token) stays valid.
    pub async fn change_password(
        &self,
        actor: &Actor,
        keep: Option<&str>,
        old: &str,
        new: &str,
    ) -> Result<(), AppError> {
        let account = self.account_of(&actor.user).await?;
        if !verify_password(old, &account.password_hash).await? {
            return Err(AppError::invalid(
                "the current password is not right; nothing was changed",
            ));
        }
        check_password(new)?;
        let hash = hash_password(new).await?;
        let kept = match keep.filter(|t| plausible_token(t)) {
            Some(t) => self
                .store
                .session(&token_hash(t))
                .await?
                .filter(|s| s.user == actor.id()),
            None => None,
        };
        self.store
            .put_account(&Account {
                password_hash: hash,
                updated_at: axial_core::now(),
                ..account
            })
            .await?;
        self.store.delete_sessions(actor.id()).await?;
        if let Some(s) = kept {
            self.store.create_session(&s).await?;
        }
        self.log_account_change(
            actor,
            format!("'{}' changed their password", actor.user.name),
        )
        .await
    }

    /// Opens a session when the name and password are right; `None` when
    /// they are not (without saying which was wrong).
    pub async fn login(&self, name: &str, password: &str) -> Result<Option<NewSession>, AppError> {
        let users = self.store.users().await?;
        let name = name.trim();
        let user = users.into_iter().find(|u| u.name == name);
        let account = match &user {
            Some(u) => self.store.account(u.id).await?,
            None => None,
        };
        let (Some(user), Some(account)) = (user, account) else {
            // Same work as a real check, same answer.
            let decoy = decoy_hash().await?;
            let _ = verify_password(password, &decoy).await?;
            return Ok(None);
        };
        if password.chars().count() > MAX_PASSWORD_CHARS
            || !verify_password(password, &account.password_hash).await?
        {
            return Ok(None);
        }
        let token = new_token();
        let now = axial_core::now();
        let session = Session {
            token_hash: token_hash(&token),
            user: user.id,
            created_at: now,
            expires_at: now + SESSION_LIFETIME,
        };
        self.store.create_session(&session).await?;
        Ok(Some(NewSession {
            token,
            expires_at: session.expires_at,
            who: SignedIn {
                actor: Actor { user },
                admin: account.admin,
            },
        }))
    }

    /// Who holds this session token, if it is valid and has not expired
    /// (an expired session is deleted on the way).
    pub async fn authenticate(&self, token: &str) -> Result<Option<SignedIn>, AppError> {
        if !plausible_token(token) {
            return Ok(None);
        }
        let hash = token_hash(token);
        let Some(session) = self.store.session(&hash).await? else {
            return Ok(None);
        };
        if session.expires_at <= axial_core::now() {
            self.store.delete_session(&hash).await?;
            return Ok(None);
        }
        let Some(account) = self.store.account(session.user).await? else {
            return Ok(None);
        };
        let Some(user) = self
            .store
            .users()
            .await?
            .into_iter()
            .find(|u| u.id == session.user)
        else {
            return Ok(None);
        };
        Ok(Some(SignedIn {
            actor: Actor { user },
            admin: account.admin,
        }))
    }

    /// Ends a session (an unknown token is no error).
    pub async fn logout(&self, token: &str) -> Result<(), AppError> {
        if plausible_token(token) {
            self.store.delete_session(&token_hash(token)).await?;
        }
        Ok(())
    }

    async fn account_of(&self, user: &User) -> Result<Account, AppError> {
        self.store.account(user.id).await?.ok_or_else(|| {
            AppError::invalid(format!(
                "user '{}' has no account; create one with `axial user add {} --password-stdin`",
                user.name, user.name
            ))
        })
    }

    /// A database-wide log entry without ops, naming the user but never the hash.
    async fn log_account_change(&self, actor: &Actor, summary: String) -> Result<(), AppError> {
        let cs = ChangeSet::new(None, actor.id(), Action::AccountUpdate, summary);
        self.store.commit(cs).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_need_ten_characters() {
        assert!(check_password("short").is_err());
        let e = check_password("nine-char").unwrap_err().to_string();
        assert!(e.contains("at least 10"), "{e}");
        assert!(check_password("ten-chars!").is_ok());
        assert!(check_password(&"x".repeat(MAX_PASSWORD_CHARS + 1)).is_err());
    }

    #[test]
    fn tokens_are_random_base64url_and_stored_as_sha256() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert!(plausible_token(&a), "{a}");
        assert!(!plausible_token("short"));
        assert!(!plausible_token(&format!("{}=", &a[..42])));
        let h = token_hash(&a);
        assert_eq!(h.len(), 64);
        assert!(h.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(h, token_hash(&b));
    }

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let h = hash_password("correct horse battery").await.unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("correct horse battery", &h).await.unwrap());
        assert!(!verify_password("wrong horse battery", &h).await.unwrap());
        let h2 = hash_password("correct horse battery").await.unwrap();
        assert_ne!(h, h2, "every hash has its own salt");
    }
}
