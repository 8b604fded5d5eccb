//! The byte encoding of CRDT states and deltas, and the [`Wire`] trait that
//! turns actor ids and elements into bytes.
//!
//! # Format, version 1
//!
//! Every encoding starts with a four-byte header: the magic bytes `RK`, a
//! kind byte (1 = [`GCounter`](super::GCounter), 2 =
//! [`PNCounter`](super::PNCounter), 3 = [`OrSet`](super::OrSet)) and the
//! format version (1). Integers that describe the structure (lengths, counts,
//! dot counters, indexes) are unsigned LEB128 varints: seven bits a byte,
//! least significant group first, the high bit set on every byte but the
//! last, and never longer than needed.
//!
//! Actor ids and elements are written by their [`Wire`] implementation.
//! Everything is written in a canonical order (actors and elements sorted by
//! their `Ord`), so the same state always encodes to the same bytes, and the
//! reader refuses any other order, duplicates, and trailing bytes: bytes
//! that decode are exactly the bytes their state encodes to.

use super::DecodeError;

/// How an actor id or a set element becomes bytes, and back.
///
/// Implemented for the unsigned and signed integers (LEB128 varints; signed
/// ones zigzag-mapped first, so small negative numbers stay short), `bool`,
/// `String` and `Vec<u8>` (a varint length, then the bytes; strings must be
/// UTF-8). Implement it for your own id type by writing its fields in a fixed
/// order with these building blocks.
///
/// The encoding of a value must depend on the value alone, and `decode` must
/// accept exactly what `encode` writes (an error for anything else, never a
/// panic).
///
/// # Example
///
/// ```
/// use routekit::crdt::{DecodeError, Wire};
///
/// #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
/// struct Sku { shop: u32, item: String }
///
/// impl Wire for Sku {
///     fn encode(&self, out: &mut Vec<u8>) {
///         self.shop.encode(out);
///         self.item.encode(out);
///     }
///     fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
///         Ok(Sku { shop: u32::decode(input)?, item: String::decode(input)? })
///     }
/// }
///
/// let mut bytes = Vec::new();
/// Sku { shop: 3, item: "tea".into() }.encode(&mut bytes);
/// assert_eq!(bytes, [3, 3, b't', b'e', b'a']);
/// assert_eq!(Sku::decode(&mut &bytes[..])?, Sku { shop: 3, item: "tea".into() });
/// # Ok::<(), DecodeError>(())
/// ```
pub trait Wire: Sized {
    /// Appends the bytes of `self` to `out`.
    fn encode(&self, out: &mut Vec<u8>);

    /// Reads one value from the front of `input` and advances it past the
    /// bytes read.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] when the bytes are truncated or not an encoding this
    /// type writes.
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError>;
}

macro_rules! wire_unsigned {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            #[inline]
            fn encode(&self, out: &mut Vec<u8>) {
                put_varint(out, u128::from(*self));
            }

            #[inline]
            fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
                let value = get_varint(input, <$t>::BITS)?;
                <$t>::try_from(value).map_err(|_| DecodeError::BadVarint { bits: <$t>::BITS })
            }
        }
    )*};
}
wire_unsigned!(u8, u16, u32, u64, u128);

macro_rules! wire_signed {
    ($($t:ty => $u:ty),*) => {$(
        impl Wire for $t {
            #[inline]
            fn encode(&self, out: &mut Vec<u8>) {
                // Zigzag: 0, -1, 1, -2, ... map to 0, 1, 2, 3, ...
                let zigzag = ((*self << 1) ^ (*self >> (<$t>::BITS - 1))) as $u;
                zigzag.encode(out);
            }

            #[inline]
            fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
                let zigzag = <$u>::decode(input)?;
                Ok((zigzag >> 1) as $t ^ -((zigzag & 1) as $t))
            }
        }
    )*};
}
wire_signed!(i8 => u8, i16 => u16, i32 => u32, i64 => u64, i128 => u128);

impl Wire for bool {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }

    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        match take(input, 1)? {
            [0] => Ok(false),
            [1] => Ok(true),
            _ => Err(DecodeError::Invalid { what: "a bool must be the byte 0 or 1" }),
        }
    }
}

impl Wire for Vec<u8> {
    fn encode(&self, out: &mut Vec<u8>) {
        put_len(out, self.len());
        out.extend_from_slice(self);
    }

    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let len = get_len(input)?;
        Ok(take(input, len)?.to_vec())
    }
}

impl Wire for String {
    fn encode(&self, out: &mut Vec<u8>) {
        put_len(out, self.len());
        out.extend_from_slice(self.as_bytes());
    }

    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let bytes = Vec::<u8>::decode(input)?;
        String::from_utf8(bytes).map_err(|_| DecodeError::BadUtf8)
    }
}

/// The magic bytes every encoding starts with.
const MAGIC: [u8; 2] = *b"RK";
/// The format version this release writes and reads.
pub(crate) const VERSION: u8 = 1;

/// The CRDT types with their wire kind bytes and names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    GCounter = 1,
    PNCounter = 2,
    OrSet = 3,
}

impl Kind {
    fn name(code: u8) -> &'static str {
        match code {
            1 => "GCounter",
            2 => "PNCounter",
            3 => "OrSet",
            _ => "unknown type",
        }
    }
}

/// Starts an encoding of `kind`.
pub(crate) fn put_header(out: &mut Vec<u8>, kind: Kind) {
    out.extend_from_slice(&MAGIC);
    out.push(kind as u8);
    out.push(VERSION);
}

/// Reads and checks the header of an encoding of `kind`.
pub(crate) fn get_header(input: &mut &[u8], kind: Kind) -> Result<(), DecodeError> {
    let header = take(input, 4).map_err(|_| {
        if input.len() >= 2 && input[..2] != MAGIC {
            DecodeError::BadMagic
        } else {
            DecodeError::Truncated
        }
    })?;
    if header[..2] != MAGIC {
        return Err(DecodeError::BadMagic);
    }
    if header[2] != kind as u8 {
        return Err(DecodeError::WrongKind {
            expected: Kind::name(kind as u8),
            found: Kind::name(header[2]),
        });
    }
    if header[3] != VERSION {
        return Err(DecodeError::UnsupportedVersion { found: header[3], supported: VERSION });
    }
    Ok(())
}

/// Checks that `input` was read to the end.
pub(crate) fn finish(input: &[u8]) -> Result<(), DecodeError> {
    match input.len() {
        0 => Ok(()),
        count => Err(DecodeError::TrailingBytes { count }),
    }
}

/// Appends `value` as an unsigned LEB128 varint.
#[inline]
pub(crate) fn put_varint(out: &mut Vec<u8>, mut value: u128) {
    while value >= 0x80 {
        out.push(value as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Reads a minimal unsigned LEB128 varint of at most `bits` bits.
#[inline]
pub(crate) fn get_varint(input: &mut &[u8], bits: u32) -> Result<u128, DecodeError> {
    let mut value: u128 = 0;
    let mut shift = 0;
    loop {
        let (&byte, rest) = input.split_first().ok_or(DecodeError::Truncated)?;
        *input = rest;
        let group = u128::from(byte & 0x7f);
        // The group must fit in the bits left; only a one-byte varint may end
        // in a zero byte (anything else is overlong).
        if shift >= bits || (bits - shift < 7 && group >> (bits - shift) != 0) {
            return Err(DecodeError::BadVarint { bits });
        }
        value |= group << shift;
        shift += 7;
        if byte & 0x80 == 0 {
            if byte == 0 && shift > 7 {
                return Err(DecodeError::BadVarint { bits });
            }
            return Ok(value);
        }
    }
}

/// Reads a `u64` varint.
#[inline]
pub(crate) fn get_u64(input: &mut &[u8]) -> Result<u64, DecodeError> {
    u64::decode(input)
}

/// Appends a length or count.
#[inline]
pub(crate) fn put_len(out: &mut Vec<u8>, len: usize) {
    put_varint(out, len as u128);
}

/// Reads a length or count; it cannot exceed the bytes left, since every
/// counted item takes at least one byte (so a corrupt length cannot make the
/// reader reserve memory the input does not justify).
pub(crate) fn get_len(input: &mut &[u8]) -> Result<usize, DecodeError> {
    let len = get_u64(input)?;
    match usize::try_from(len) {
        Ok(len) if len <= input.len() => Ok(len),
        _ => Err(DecodeError::Truncated),
    }
}

/// Splits `len` bytes off the front of `input`.
pub(crate) fn take<'a>(input: &mut &'a [u8], len: usize) -> Result<&'a [u8], DecodeError> {
    if input.len() < len {
        return Err(DecodeError::Truncated);
    }
    let (head, rest) = input.split_at(len);
    *input = rest;
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: Wire + PartialEq + std::fmt::Debug>(value: T) -> Vec<u8> {
        let mut bytes = Vec::new();
        value.encode(&mut bytes);
        let mut input = &bytes[..];
        assert_eq!(T::decode(&mut input).unwrap(), value);
        assert!(input.is_empty());
        bytes
    }

    #[test]
    fn integers_are_minimal_varints() {
        assert_eq!(round_trip(0u64), [0]);
        assert_eq!(round_trip(127u64), [127]);
        assert_eq!(round_trip(128u64), [0x80, 1]);
        assert_eq!(round_trip(u64::MAX).len(), 10);
        assert_eq!(round_trip(u128::MAX).len(), 19);
        assert_eq!(round_trip(0i32), [0]);
        assert_eq!(round_trip(-1i32), [1]);
        assert_eq!(round_trip(1i32), [2]);
        assert_eq!(round_trip(i64::MIN).len(), 10);
        assert_eq!(round_trip(i128::MAX).len(), 19);
        assert_eq!(round_trip(u8::MAX), [0xff, 1]);
    }

    #[test]
    fn overlong_and_oversized_varints_are_refused() {
        for bad in [&[0x80, 0x00][..], &[0xff, 0x00], &[0x80, 0x80, 0x00]] {
            assert_eq!(u64::decode(&mut &bad[..]), Err(DecodeError::BadVarint { bits: 64 }));
        }
        // 2^64 does not fit a u64; 256 does not fit a u8.
        let mut big = Vec::new();
        put_varint(&mut big, 1 << 64);
        assert_eq!(u64::decode(&mut &big[..]), Err(DecodeError::BadVarint { bits: 64 }));
        assert_eq!(u8::decode(&mut &[0x80, 0x02][..]), Err(DecodeError::BadVarint { bits: 8 }));
        assert_eq!(u64::decode(&mut &[0x80][..]), Err(DecodeError::Truncated));
        assert_eq!(u64::decode(&mut &[0xff; 11][..]), Err(DecodeError::BadVarint { bits: 64 }));
    }

    #[test]
    fn strings_and_bytes() {
        assert_eq!(round_trip(String::from("héllo")), b"\x06h\xc3\xa9llo");
        assert_eq!(round_trip(vec![1u8, 2, 3]), [3, 1, 2, 3]);
        assert_eq!(String::decode(&mut &b"\x01\xff"[..]), Err(DecodeError::BadUtf8));
        assert_eq!(String::decode(&mut &b"\x05ab"[..]), Err(DecodeError::Truncated));
        assert_eq!(round_trip(true), [1]);
        assert!(bool::decode(&mut &[2u8][..]).is_err());
    }

    #[test]
    fn headers_name_what_is_wrong() {
        let mut out = Vec::new();
        put_header(&mut out, Kind::OrSet);
        assert_eq!(get_header(&mut &out[..], Kind::OrSet), Ok(()));
        assert_eq!(
            get_header(&mut &out[..], Kind::GCounter),
            Err(DecodeError::WrongKind { expected: "GCounter", found: "OrSet" })
        );
        assert_eq!(get_header(&mut &b"XX\x03\x01"[..], Kind::OrSet), Err(DecodeError::BadMagic));
        assert_eq!(get_header(&mut &b"XYZ"[..], Kind::OrSet), Err(DecodeError::BadMagic));
        assert_eq!(get_header(&mut &b"RK"[..], Kind::OrSet), Err(DecodeError::Truncated));
        assert_eq!(
            get_header(&mut &b"RK\x03\x09"[..], Kind::OrSet),
            Err(DecodeError::UnsupportedVersion { found: 9, supported: 1 })
        );
    }
}
