//! Random secrets and their hashes: token values, session tokens, recovery
//! codes. Values are shown once; only [`sha256_hex`] of them is stored.

use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};

/// SHA-256 of `value`, lower-case hex. Tokens are looked up by this.
pub fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// `len` random alphanumeric characters from the OS-seeded thread RNG.
pub fn random_alphanumeric(len: usize) -> String {
    rand::rng().sample_iter(Alphanumeric).take(len).map(char::from).collect()
}

/// A new token value: `prefix` followed by 40 random alphanumerics
/// (~238 bits of entropy).
pub fn new_token_value(prefix: &str) -> String {
    format!("{prefix}{}", random_alphanumeric(40))
}

/// A recovery code like `k3j9x-2mq8z`: 10 lower-case alphanumerics.
pub fn new_recovery_code() -> String {
    let raw = random_alphanumeric(10).to_lowercase();
    format!("{}-{}", &raw[..5], &raw[5..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_values_carry_their_prefix_and_differ() {
        let a = new_token_value("sk_api_");
        let b = new_token_value("sk_api_");
        assert!(a.starts_with("sk_api_"));
        assert_eq!(a.len(), 47);
        assert_ne!(a, b);
    }

    #[test]
    fn sha256_is_hex_of_the_digest() {
        assert_eq!(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
