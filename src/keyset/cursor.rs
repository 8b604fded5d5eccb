//! Cursors: the byte format, its authentication tag and its URL-safe text.
//!
//! A cursor is the unpadded URL-safe base64 (RFC 4648 §5) of:
//!
//! | bytes | field |
//! |-------|-------|
//! | 1     | format version, `1` |
//! | 8     | ordering fingerprint, little-endian |
//! | 1     | number of key values |
//! | ...   | each value: a type byte, then its payload |
//! | 8     | tag: SipHash-2-4 under the caller's secret of every byte before it, little-endian |
//!
//! Value payloads: `0` NULL (none), `1` bool (one byte, 0 or 1), `2` int (i64
//! LE), `3` float (f64 bits LE), `4` text (u32 LE length, UTF-8), `5` bytes
//! (u32 LE length, bytes), `6` timestamp (i64 LE seconds, u32 LE nanoseconds
//! below 10⁹). Decoding accepts exactly one spelling of each cursor: no
//! padding, no trailing bits, no trailing bytes.

use std::fmt;

use siphasher::sip::SipHasher24;

use super::CursorError;
use crate::sql::{Timestamp, Value};

/// The secret that authenticates cursors: 16 random bytes shared by every
/// process that must accept the others' cursors, and by no one else.
///
/// Cursors carry a SipHash-2-4 tag under this key, so a client cannot edit a
/// cursor's values or mint one of its own. Keep it out of logs: `Debug` does
/// not print it. Changing it invalidates every cursor already handed out
/// (they fail with [`CursorError::BadTag`]).
///
/// # Example
///
/// ```
/// use routekit::keyset::CursorSecret;
///
/// let secret = CursorSecret::new(*b"0123456789abcdef"); // use random bytes
/// assert_eq!(format!("{secret:?}"), "CursorSecret(..)");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CursorSecret {
    k0: u64,
    k1: u64,
}

impl CursorSecret {
    /// The secret with these 16 bytes (read as two little-endian words, as
    /// SipHash's reference implementation reads its key).
    ///
    /// ```
    /// let secret = routekit::keyset::CursorSecret::new([42; 16]);
    /// # let _ = secret;
    /// ```
    pub fn new(key: [u8; 16]) -> CursorSecret {
        let mut k0 = [0; 8];
        let mut k1 = [0; 8];
        k0.copy_from_slice(&key[..8]);
        k1.copy_from_slice(&key[8..]);
        CursorSecret { k0: u64::from_le_bytes(k0), k1: u64::from_le_bytes(k1) }
    }

    fn tag(&self, bytes: &[u8]) -> u64 {
        SipHasher24::new_with_keys(self.k0, self.k1).hash(bytes)
    }
}

impl fmt::Debug for CursorSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CursorSecret(..)")
    }
}

/// The cursor format this release writes and reads.
pub(crate) const VERSION: u8 = 1;
const TAG_LEN: usize = 8;
/// Version, fingerprint, value count.
const HEADER_LEN: usize = 1 + 8 + 1;

/// The cursor for `values` under an ordering with this fingerprint.
pub(crate) fn encode(secret: &CursorSecret, fingerprint: u64, values: &[Value]) -> String {
    let mut bytes = Vec::with_capacity(HEADER_LEN + TAG_LEN + 9 * values.len());
    bytes.push(VERSION);
    bytes.extend_from_slice(&fingerprint.to_le_bytes());
    // An ordering has at most MAX_SORT_KEYS (< 256) keys.
    bytes.push(values.len() as u8);
    for value in values {
        encode_value(value, &mut bytes);
    }
    let tag = secret.tag(&bytes);
    bytes.extend_from_slice(&tag.to_le_bytes());
    base64_encode(&bytes)
}

/// The values of `cursor`, once its structure, tag and fingerprint check.
///
/// Structure is checked first (so a cut-off cursor is reported as
/// truncated), then the tag, then the fingerprint. Values are never used
/// before the tag checks.
pub(crate) fn decode(
    secret: &CursorSecret,
    fingerprint: u64,
    cursor: &str,
) -> Result<Vec<Value>, CursorError> {
    let bytes = base64_decode(cursor)?;
    if bytes.len() < HEADER_LEN + TAG_LEN {
        if bytes.first().is_some_and(|&v| v != VERSION) {
            return Err(CursorError::UnsupportedVersion { version: bytes[0], supported: VERSION });
        }
        return Err(CursorError::Truncated { len: bytes.len() });
    }
    if bytes[0] != VERSION {
        return Err(CursorError::UnsupportedVersion { version: bytes[0], supported: VERSION });
    }
    let mut reader = Reader { bytes: &bytes[..bytes.len() - TAG_LEN], at: HEADER_LEN };
    let count = bytes[HEADER_LEN - 1];
    let mut values = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        values.push(reader.value().map_err(|e| e.into_error(bytes.len()))?);
    }
    if reader.at != reader.bytes.len() {
        // The bytes between the last value and the tag may be a tag cut off
        // and shifted: the structure cannot tell, and the tag will not check.
        return Err(CursorError::Malformed { reason: "bytes after the last key value" });
    }
    let body_len = bytes.len() - TAG_LEN;
    let tag = u64::from_le_bytes(take(&bytes[body_len..]));
    if tag != secret.tag(&bytes[..body_len]) {
        return Err(CursorError::BadTag);
    }
    if u64::from_le_bytes(take(&bytes[1..9])) != fingerprint {
        return Err(CursorError::ForeignOrdering);
    }
    Ok(values)
}

fn encode_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.push(0),
        Value::Bool(b) => out.extend_from_slice(&[1, u8::from(*b)]),
        Value::Int(n) => {
            out.push(2);
            out.extend_from_slice(&n.to_le_bytes());
        }
        Value::Float(x) => {
            out.push(3);
            out.extend_from_slice(&x.to_bits().to_le_bytes());
        }
        Value::Text(text) => {
            out.push(4);
            encode_len_prefixed(text.as_bytes(), out);
        }
        Value::Bytes(bytes) => {
            out.push(5);
            encode_len_prefixed(bytes, out);
        }
        Value::Timestamp(t) => {
            out.push(6);
            out.extend_from_slice(&t.seconds().to_le_bytes());
            out.extend_from_slice(&t.nanos().to_le_bytes());
        }
    }
}

fn encode_len_prefixed(bytes: &[u8], out: &mut Vec<u8>) {
    // A value longer than 4 GiB cannot reach a cursor: it would be a URL.
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&bytes[..len as usize]);
}

/// Why a value could not be read.
enum ReadError {
    Truncated,
    Malformed(&'static str),
}

impl ReadError {
    fn into_error(self, len: usize) -> CursorError {
        match self {
            ReadError::Truncated => CursorError::Truncated { len },
            ReadError::Malformed(reason) => CursorError::Malformed { reason },
        }
    }
}

struct Reader<'b> {
    bytes: &'b [u8],
    at: usize,
}

impl<'b> Reader<'b> {
    fn take(&mut self, n: usize) -> Result<&'b [u8], ReadError> {
        let end = self.at.checked_add(n).filter(|&end| end <= self.bytes.len());
        let end = end.ok_or(ReadError::Truncated)?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ReadError> {
        self.take(N).map(take)
    }

    fn len_prefixed(&mut self) -> Result<&'b [u8], ReadError> {
        let len = u32::from_le_bytes(self.array()?);
        self.take(len as usize)
    }

    fn value(&mut self) -> Result<Value, ReadError> {
        let [code] = self.array()?;
        Ok(match code {
            0 => Value::Null,
            1 => match self.array()? {
                [0] => Value::Bool(false),
                [1] => Value::Bool(true),
                _ => return Err(ReadError::Malformed("a bool byte other than 0 or 1")),
            },
            2 => Value::Int(i64::from_le_bytes(self.array()?)),
            3 => Value::Float(f64::from_bits(u64::from_le_bytes(self.array()?))),
            4 => match std::str::from_utf8(self.len_prefixed()?) {
                Ok(text) => Value::Text(text.to_owned()),
                Err(_) => return Err(ReadError::Malformed("text that is not UTF-8")),
            },
            5 => Value::Bytes(self.len_prefixed()?.to_vec()),
            6 => {
                let seconds = i64::from_le_bytes(self.array()?);
                let nanos = u32::from_le_bytes(self.array()?);
                match Timestamp::new(seconds, nanos) {
                    Ok(t) => Value::Timestamp(t),
                    Err(_) => {
                        return Err(ReadError::Malformed("timestamp nanoseconds of 10^9 or more"));
                    }
                }
            }
            _ => return Err(ReadError::Malformed("an unknown value type")),
        })
    }
}

/// The first `N` bytes of `bytes`, which the caller has checked are there.
fn take<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0; N];
    out.copy_from_slice(&bytes[..N]);
    out
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Unpadded URL-safe base64.
fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let word =
            chunk.iter().enumerate().fold(0u32, |w, (i, &b)| w | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(word >> (18 - 6 * i)) as usize & 63]));
        }
    }
    out
}

/// Decodes unpadded URL-safe base64, accepting only the one spelling
/// [`base64_encode`] produces.
fn base64_decode(text: &str) -> Result<Vec<u8>, CursorError> {
    let text = text.as_bytes();
    if text.len() % 4 == 1 {
        return Err(CursorError::Encoding { position: text.len() - 1 });
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    for (c, chunk) in text.chunks(4).enumerate() {
        let mut word = 0u32;
        for (i, &ch) in chunk.iter().enumerate() {
            let sextet = match ch {
                b'A'..=b'Z' => ch - b'A',
                b'a'..=b'z' => ch - b'a' + 26,
                b'0'..=b'9' => ch - b'0' + 52,
                b'-' => 62,
                b'_' => 63,
                _ => return Err(CursorError::Encoding { position: 4 * c + i }),
            };
            word |= u32::from(sextet) << (18 - 6 * i);
        }
        let produced = chunk.len() - 1;
        // Bits past the last whole byte must be zero in the one spelling.
        if word & (0x00ff_ffff >> (8 * produced)) != 0 {
            return Err(CursorError::Encoding { position: 4 * c + chunk.len() - 1 });
        }
        out.extend_from_slice(&word.to_be_bytes()[1..=produced]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        // RFC 4648 §10, with the padding removed.
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_encode(plain.as_bytes()), encoded);
            assert_eq!(base64_decode(encoded).unwrap(), plain.as_bytes());
        }
        // The URL-safe alphabet's last two characters.
        assert_eq!(base64_encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64_decode("-_8").unwrap(), [0xfb, 0xff]);
    }

    #[test]
    fn base64_refuses_other_spellings() {
        assert_eq!(base64_decode("Zg=="), Err(CursorError::Encoding { position: 2 }));
        assert_eq!(base64_decode("Zh"), Err(CursorError::Encoding { position: 1 })); // trailing bits
        assert_eq!(base64_decode("Zm9vY"), Err(CursorError::Encoding { position: 4 }));
        assert_eq!(base64_decode("Zm+v"), Err(CursorError::Encoding { position: 2 }));
    }

    #[test]
    fn every_value_type_round_trips() {
        let secret = CursorSecret::new([3; 16]);
        let values = vec![
            Value::Null,
            Value::Bool(true),
            Value::Bool(false),
            Value::Int(i64::MIN),
            Value::Float(-0.0),
            Value::Text("naïve ✓".into()),
            Value::Bytes(vec![0, 255, 7]),
            Value::Timestamp(Timestamp::new(-5, 999_999_999).unwrap()),
        ];
        let cursor = encode(&secret, 77, &values);
        let back = decode(&secret, 77, &cursor).unwrap();
        assert_eq!(back.len(), values.len());
        // -0.0 == 0.0, so compare floats by their bits.
        assert!(matches!(back[4], Value::Float(x) if x.to_bits() == (-0.0f64).to_bits()));
        assert_eq!(back, values);
    }

    #[test]
    fn the_format_is_pinned() {
        // One golden cursor: a change here breaks cursors already issued.
        let cursor = encode(
            &CursorSecret::new(*b"0123456789abcdef"),
            0x0102_0304_0506_0708,
            &[Value::Int(42)],
        );
        let bytes = base64_decode(&cursor).unwrap();
        assert_eq!(&bytes[..19], [1, 8, 7, 6, 5, 4, 3, 2, 1, 1, 2, 42, 0, 0, 0, 0, 0, 0, 0]);
        let tag = SipHasher24::new_with_keys(
            u64::from_le_bytes(*b"01234567"),
            u64::from_le_bytes(*b"89abcdef"),
        )
        .hash(&bytes[..19]);
        assert_eq!(bytes[19..], tag.to_le_bytes());
        assert_eq!(cursor.len(), 36);
    }

    #[test]
    fn siphash_2_4_is_the_reference_function() {
        // The SipHash paper's test vector: key 00..0f, message 00..0e.
        let key: [u8; 16] = std::array::from_fn(|i| i as u8);
        let message: Vec<u8> = (0..15).collect();
        assert_eq!(CursorSecret::new(key).tag(&message), 0xa129_ca61_49be_45e5);
    }
}
