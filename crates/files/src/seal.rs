//! A JSON object sealed with a SHA-256 digest: [`seal`] appends the digest of the object (and of
//! any bytes stored beside it, such as a model's tensors) as the object's last field, and
//! [`unseal`] splits it off again, so a reader can recompute it over the very bytes that were
//! written. A byte changed after writing then reads as "damaged", not as a model that predicts
//! something else. Readers that do not know the field skip it.
//!
//! ```
//! use ndnet_files::{seal, sha256_hex, unseal};
//! let json = r#"{"level":0.9}"#;
//! let sealed = seal(json, &sha256_hex([json.as_bytes()]));
//! let (covered, digest) = unseal(&sealed);
//! assert_eq!((&*covered, digest), (json, Some(sha256_hex([json.as_bytes()]).as_str())));
//! assert_eq!(unseal(json).1, None); // written before seals: nothing to check
//! ```

use std::borrow::Cow;

use sha2::{Digest, Sha256};

/// The field that holds the digest.
pub const SEAL_FIELD: &str = "ndnet_sha256";

/// The SHA-256 of `parts`, each prefixed with its length (so parts cannot shift into each
/// other), as 64 lower-case hex digits.
pub fn sha256_hex<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut h = Sha256::new();
    for part in parts {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// `json` (an object) with `digest` as its last field.
pub fn seal(json: &str, digest: &str) -> String {
    let body = json.trim_end().strip_suffix('}').unwrap_or(json);
    format!("{body},\"{SEAL_FIELD}\":\"{digest}\"}}")
}

/// A stored object split into what its seal covers and the digest, when it has a seal.
pub fn unseal(stored: &str) -> (Cow<'_, str>, Option<&str>) {
    let tail = format!(",\"{SEAL_FIELD}\":\"");
    match stored.rfind(&tail) {
        Some(at) if stored.ends_with("\"}") && stored.len() == at + tail.len() + 64 + 2 => {
            let digest = &stored[at + tail.len()..stored.len() - 2];
            (format!("{}}}", &stored[..at]).into(), Some(digest))
        }
        _ => (stored.into(), None),
    }
}
