//! Sign-up and sign-in: the rules around the users table, the same for the JSON API and the pages.

use boxoffice_activities::store::{StoreError, sessions, users};
use boxoffice_domain::UserId;
use sea_orm::DatabaseConnection;
use serde_json::Value;

use crate::auth::{SESSION_DAYS, SessionUser};
use crate::backpressure::{Saturated, shed};
use crate::domain::{self, Email, Invalid, Password};
use crate::limits::{ClientAddress, Limited, Limits};
use crate::passwords::{PasswordError, PasswordHasher};

/// Why signing up or in did not work. The message is what the user reads.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// About the `email` field.
    #[error("Email in use")]
    EmailInUse,
    /// Unknown email or wrong password: deliberately not told apart.
    #[error("Invalid credentials")]
    InvalidCredentials,
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error(transparent)]
    Limited(#[from] Limited),
    #[error(transparent)]
    Busy(#[from] Saturated),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("password hashing failed: {0}")]
    Hashing(String),
}

impl From<PasswordError> for AccountError {
    fn from(err: PasswordError) -> Self {
        match err {
            PasswordError::Busy => Self::Busy(shed(Saturated::Passwords)),
            PasswordError::Failed(message) => Self::Hashing(message),
        }
    }
}

/// What signing up and in needs: the users table, the password hashing pool, and the limits on
/// how often one address or account may try.
#[derive(Clone)]
pub struct Accounts {
    pub db: DatabaseConnection,
    pub reader: DatabaseConnection,
    pub passwords: PasswordHasher,
    pub limits: Limits,
}

/// An e-mail address and a password as a form or a JSON body sent them, before any check.
#[derive(Debug, Clone, Copy)]
pub struct Credentials<'a> {
    pub email: Option<&'a Value>,
    pub password: Option<&'a Value>,
}

/// A hash of a password nobody has, checked when the email is unknown so that an unknown email and
/// a wrong password take the same time.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$5Fd/6X6jbqY2WOGZ8TgdvbWpVOTR0JhP+Hxgk9dGL7M";

impl Accounts {
    /// A new account for `credentials`, signed in; within the sign-ups one address may make.
    pub async fn sign_up(
        &self,
        client: ClientAddress,
        credentials: Credentials<'_>,
    ) -> Result<SessionUser, AccountError> {
        self.limits.auth(client, None)?;
        let (email, password) = domain::both(
            Email::parse(credentials.email),
            Password::parse(credentials.password),
        )?;
        let db = &self.db;
        if users::find_user_by_email(db, email.as_str())
            .await?
            .is_some()
        {
            return Err(AccountError::EmailInUse);
        }
        let hash = self.passwords.hash(password.expose().to_owned()).await?;
        // The unique index still decides a race between two sign-ups with one email.
        let user = users::create_user(db, email.as_str(), &hash)
            .await
            .map_err(|err| match err {
                StoreError::EmailInUse => AccountError::EmailInUse,
                other => other.into(),
            })?;
        self.start_session(user.id, user.email).await
    }

    /// Signs in with `credentials`; within the tries one address, and one account, may make.
    pub async fn sign_in(
        &self,
        client: ClientAddress,
        credentials: Credentials<'_>,
    ) -> Result<SessionUser, AccountError> {
        let tried = credentials.email.and_then(Value::as_str);
        self.limits.auth(client, tried)?;
        let (email, password) = domain::both(
            Email::parse(credentials.email),
            Password::parse_any(credentials.password),
        )?;
        let user = users::find_user_by_email(&self.reader, email.as_str()).await?;
        let hash = user
            .as_ref()
            .map_or(DECOY_HASH, |user| user.password_hash.as_str())
            .to_owned();
        let matches = self
            .passwords
            .verify(password.expose().to_owned(), hash)
            .await?;
        match user {
            Some(user) if matches => self.start_session(user.id, user.email).await,
            _ => Err(AccountError::InvalidCredentials),
        }
    }

    async fn start_session(&self, id: UserId, email: String) -> Result<SessionUser, AccountError> {
        let until = chrono::Utc::now() + chrono::Duration::days(SESSION_DAYS);
        let session_id = sessions::start_session(&self.db, id, until).await?;
        Ok(SessionUser {
            id,
            email,
            session_id,
        })
    }

    /// Ends this browser's session: its cookie, and every copy of it, stops working.
    pub async fn sign_out(&self, user: &SessionUser) -> Result<(), AccountError> {
        Ok(sessions::end_session(&self.db, user.session_id).await?)
    }

    /// Ends every session of the user, in every browser.
    pub async fn sign_out_everywhere(&self, user: &SessionUser) -> Result<u64, AccountError> {
        Ok(sessions::end_all_sessions(&self.db, user.id).await?)
    }
}
