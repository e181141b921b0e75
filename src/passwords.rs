//! Passwords hashed with argon2id (PHC strings with their own salt and parameters).

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};

/// The PHC string of `password` under a fresh random salt.
pub fn hash(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
}

/// Whether `password` is the one `phc` was made from; a malformed hash matches nothing.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A hash to check against when the user does not exist, so that a wrong name takes as
/// long as a wrong password and does not reveal which names exist.
pub fn decoy() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("no such user: a decoy password").unwrap_or_default())
}

/// A new API token: `oc_` and 64 hex digits (256 random bits), and the hash stored for it.
pub fn new_token() -> anyhow::Result<(String, String)> {
    use rand::TryRng;
    let mut bytes = [0u8; 32];
    rand::rngs::SysRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| anyhow::anyhow!("no randomness from the system: {e}"))?;
    let token = format!("oc_{}", hex(&bytes));
    let hash = token_hash(&token);
    Ok((token, hash))
}

/// What the database keeps of a token: its BLAKE2b-512 digest in hex. A token carries
/// 256 random bits, so a fast hash cannot be reversed by guessing.
pub fn token_hash(token: &str) -> String {
    use blake2::{Blake2b512, Digest};
    hex(&Blake2b512::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_matches_its_hash_only() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterY", &h));
        assert!(!verify("anything", "not a hash"));
        assert_ne!(h, hash("correct horse battery").unwrap(), "salted");
    }

    #[test]
    fn a_token_is_random_and_only_its_hash_is_kept() {
        let (token, stored) = new_token().unwrap();
        assert!(token.starts_with("oc_") && token.len() == 67);
        assert_eq!(stored, token_hash(&token));
        assert!(!stored.contains(&token[3..]));
        assert_ne!(new_token().unwrap().0, token);
    }
}
