//! Tokens and passwords: kept out of `Debug`, `Display`, error messages and logged URLs.

use std::fmt;

use super::values::{Bad, bad};

/// A token or password. `Debug` and `Display` print `***`; use [`Secret::expose`] where the
/// value is really needed (handing it to the platform client).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a token or password.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for the platform client only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// `postgres://user:pw@host/db` becomes `postgres://user:***@host/db`; a `password=` query
/// parameter is masked too.
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(scheme_end) = out.find("://") {
        let auth_start = scheme_end + 3;
        let auth_end = out[auth_start..]
            .find(['/', '?'])
            .map_or(out.len(), |i| auth_start + i);
        if let Some(at) = out[auth_start..auth_end].rfind('@') {
            let userinfo = &out[auth_start..auth_start + at];
            if let Some(colon) = userinfo.find(':') {
                out.replace_range(auth_start + colon + 1..auth_start + at, "***");
            }
        }
    }
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let masked: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => pair.to_string(),
            })
            .collect();
        out = format!("{head}{}", masked.join("&"));
    }
    out
}

/// A token as the file or environment gives it: trimmed, neither empty nor with spaces.
pub(super) fn check_token(token: &str) -> Result<Secret, Bad> {
    let t = token.trim();
    if t.is_empty() || t.chars().any(char::is_whitespace) {
        Err(bad(
            "token mag niet leeg zijn of spaties bevatten",
            "token may not be empty or contain spaces",
        ))
    } else {
        Ok(Secret::new(t))
    }
}
