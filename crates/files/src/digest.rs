//! [`Fnv`]: a 64-bit FNV-1a hash, for fingerprints that say "this is not the data (or file) you
//! wrote" — a resume on other rows, a shard's curves edited after the run. Not cryptographic:
//! it catches accidents, not adversaries.

/// FNV-1a, 64 bits.
///
/// ```
/// let mut h = ndnet_files::Fnv::new();
/// h.eat(b"a");
/// assert_eq!(h.hex(), "af63dc4c8601ec8c");
/// ```
#[derive(Debug, Clone)]
pub struct Fnv(u64);

impl Fnv {
    /// The hash of nothing yet.
    pub fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    /// Adds `bytes`.
    pub fn eat(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// The hash as 16 hex digits.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

impl Default for Fnv {
    fn default() -> Self {
        Fnv::new()
    }
}
