//! The Matrix login and its end-to-end encryption store: the session is kept in the database
//! (so the device and its transaction ids survive restarts), the SDK's keys in a directory
//! that belongs to one device.

use matrix_sdk::Client;
use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::config::RequestConfig;
use matrix_sdk::ruma::api::client::session::login;
use matrix_sdk::ruma::api::client::uiaa::{MatrixUserIdentifier, UserIdentifier};
use matrix_sdk::ruma::{OwnedDeviceId, OwnedUserId};
use matrix_sdk::{SessionMeta, SessionTokens};
use serde_json::Value;
use std::path::{Path, PathBuf};

use super::bot::MatrixError;
use crate::config::{MatrixSettings, sqlite_file};
use crate::store::Store;

const SESSION: &str = "matrix:session";
/// In the store directory: the device the store's keys belong to.
const STORE_DEVICE_FILE: &str = "wandelgang-device";
/// matrix-sdk's files in the store directory (state, crypto, event cache, media).
const SDK_FILE_PREFIX: &str = "matrix-sdk-";

/// Where matrix-sdk keeps the bot's device, keys and rooms: `[matrix] store`, or a directory
/// next to the SQLite database (`wandelgang.db` → `wandelgang.matrix-store/`).
pub fn store_dir(settings: &MatrixSettings, database_url: &str) -> Result<PathBuf, MatrixError> {
    match &settings.store {
        Some(dir) => Ok(dir.clone()),
        None => sqlite_sibling(database_url).ok_or(MatrixError::NoStoreDir),
    }
}

fn sqlite_sibling(database_url: &str) -> Option<PathBuf> {
    let file = sqlite_file(database_url)?;
    let stem = file.file_stem()?.to_string_lossy();
    Some(file.with_file_name(format!("{stem}.matrix-store")))
}

/// The session to use: the stored one (same user, same configured token), or a new login.
pub(super) async fn session(
    store: &Store,
    settings: &MatrixSettings,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<MatrixSession, MatrixError> {
    if let Some(saved) = store.chat_state(SESSION).await?.filter(|s| !s.is_empty()) {
        let session: MatrixSession =
            serde_json::from_str(&saved).map_err(|e| MatrixError::Login(e.to_string()))?;
        // A new access token in the configuration replaces the stored one.
        let same_token = settings
            .access_token
            .as_ref()
            .is_none_or(|t| t.expose() == session.tokens.access_token);
        if session.meta.user_id.as_str() == settings.user && same_token {
            return Ok(session);
        }
    }
    let session = if let Some(token) = &settings.access_token {
        let (user_id, device_id) = whoami(settings, token.expose()).await?;
        MatrixSession {
            meta: SessionMeta { user_id, device_id },
            tokens: SessionTokens {
                access_token: token.expose().to_string(),
                refresh_token: None,
            },
        }
    } else if let Some(password) = &settings.password {
        password_login(settings, password.expose()).await?
    } else {
        return Err(MatrixError::NoCredentials);
    };
    save_session(store, &session, now).await?;
    Ok(session)
}

/// The user and device an access token belongs to. Asked without matrix-sdk, whose client
/// would set up encryption for that device in a throwaway store.
async fn whoami(
    settings: &MatrixSettings,
    token: &str,
) -> Result<(OwnedUserId, OwnedDeviceId), MatrixError> {
    let login_err = |e: &dyn std::fmt::Display| MatrixError::Login(e.to_string());
    let url = format!(
        "{}/_matrix/client/v3/account/whoami",
        settings.homeserver.trim_end_matches('/')
    );
    let response = matrix_sdk::reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .map_err(|e| login_err(&e))?;
    if response.status() == matrix_sdk::reqwest::StatusCode::UNAUTHORIZED {
        return Err(MatrixError::TokenRevoked {
            user: settings.user.clone(),
        });
    }
    let body = response
        .error_for_status()
        .map_err(|e| login_err(&e))?
        .text()
        .await
        .map_err(|e| login_err(&e))?;
    let body: Value = serde_json::from_str(&body).map_err(|e| login_err(&e))?;
    let user: OwnedUserId = body["user_id"]
        .as_str()
        .unwrap_or_default()
        .try_into()
        .map_err(|e| login_err(&e))?;
    let device = body["device_id"]
        .as_str()
        .ok_or_else(|| login_err(&"token without a device"))?;
    Ok((user, device.into()))
}

/// A new login, so a new device. Sent as a bare request, so no client sets up encryption for
/// the device before the client with the real store does.
async fn password_login(
    settings: &MatrixSettings,
    password: &str,
) -> Result<MatrixSession, MatrixError> {
    let login_err = |e: &dyn std::fmt::Display| MatrixError::Login(e.to_string());
    let probe = Client::builder()
        .homeserver_url(&settings.homeserver)
        .build()
        .await
        .map_err(|e| login_err(&e))?;
    let mut request =
        login::v3::Request::new(login::v3::LoginInfo::Password(login::v3::Password::new(
            UserIdentifier::Matrix(MatrixUserIdentifier::new(settings.user.clone())),
            password.to_string(),
        )));
    request.initial_device_display_name = Some("Wandelgang".into());
    let response = probe.send(request).await.map_err(|e| login_err(&e))?;
    tracing::info!(device = %response.device_id, "logged in on Matrix as a new device");
    Ok(MatrixSession::from(&response))
}

/// A client on the store directory, with the session restored. The store belongs to one
/// device: a store of another device (after a new login) is replaced by a fresh one, since
/// matrix-sdk refuses it and its keys are useless to the new device anyway.
pub(super) async fn open_client(
    settings: &MatrixSettings,
    dir: &Path,
    session: MatrixSession,
) -> Result<Client, MatrixError> {
    let store_err = |e: &dyn std::fmt::Display| MatrixError::StoreDir {
        path: dir.display().to_string(),
        reason: e.to_string(),
    };
    let device = format!("{} {}", session.meta.user_id, session.meta.device_id);
    let marker = dir.join(STORE_DEVICE_FILE);
    let owner = std::fs::read_to_string(&marker).unwrap_or_default();
    if owner.trim() != device {
        clear_sdk_files(dir).map_err(|e| store_err(&e))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| store_err(&e))?;
    let passphrase = settings.store_passphrase.as_ref().map(|p| p.expose());
    let client = Client::builder()
        .homeserver_url(&settings.homeserver)
        .sqlite_store(dir, passphrase)
        // The SDK would retry a 429 by itself for up to 15 minutes, silently; the bot keeps to
        // the homeserver's limits itself (`pace`), and its loops retry everything else.
        .request_config(RequestConfig::new().disable_retry())
        .build()
        .await
        .map_err(|e| store_err(&e))?;
    client
        .restore_session(session)
        .await
        .map_err(|e| MatrixError::Login(e.to_string()))?;
    std::fs::write(&marker, format!("{device}\n")).map_err(|e| store_err(&e))?;
    let fingerprint = client.encryption().ed25519_key().await.unwrap_or_default();
    tracing::info!(%device, %fingerprint, store = %dir.display(), "Matrix device (verify it with this fingerprint)");
    Ok(client)
}

/// Removes matrix-sdk's own files from the store directory, and nothing else there.
fn clear_sdk_files(dir: &Path) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        if !entry
            .file_name()
            .to_string_lossy()
            .starts_with(SDK_FILE_PREFIX)
        {
            continue;
        }
        tracing::warn!(file = %entry.path().display(), "removing the Matrix store of another device");
        if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(entry.path())?;
        } else {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// Keeps the session for the next start.
async fn save_session(
    store: &Store,
    session: &MatrixSession,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), MatrixError> {
    let saved = serde_json::to_string(session).map_err(|e| MatrixError::Login(e.to_string()))?;
    store.set_chat_state(SESSION, &saved, now).await?;
    Ok(())
}

/// A revoked session is never restored again.
pub(super) async fn forget_session(
    store: &Store,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), MatrixError> {
    store.set_chat_state(SESSION, "", now).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_lives_next_to_an_sqlite_database() {
        let sibling = |url: &str| sqlite_sibling(url).map(|p| p.display().to_string());
        assert_eq!(
            sibling("sqlite://wandelgang.db").as_deref(),
            Some("wandelgang.matrix-store")
        );
        assert_eq!(
            sibling("sqlite:///var/lib/wg/data.db?mode=rwc").as_deref(),
            Some("/var/lib/wg/data.matrix-store")
        );
        assert_eq!(
            sibling("sqlite:data/wg.db").as_deref(),
            Some("data/wg.matrix-store")
        );
        assert_eq!(sibling("sqlite::memory:"), None);
        assert_eq!(sibling("postgres://db/wg"), None);
    }

    #[test]
    fn a_new_device_clears_only_the_sdk_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        for name in [
            "matrix-sdk-crypto.sqlite3",
            "matrix-sdk-crypto.sqlite3-wal",
            "wandelgang.db",
        ] {
            std::fs::write(dir.path().join(name), "x").expect("write");
        }
        std::fs::create_dir(dir.path().join("matrix-sdk-media")).expect("dir");
        clear_sdk_files(dir.path()).expect("clear");
        let left: Vec<String> = std::fs::read_dir(dir.path())
            .expect("read")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, vec!["wandelgang.db".to_string()]);
        clear_sdk_files(&dir.path().join("absent")).expect("nothing to clear");
    }
}
