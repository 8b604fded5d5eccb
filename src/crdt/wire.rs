//! The pieces of the CRDT byte format: the [`Wire`] trait that turns actor
//! ids and elements into bytes, the header (magic, kind byte, version) and
//! the varints every encoding is made of.
//!
//! The format itself — one kind byte per type, version 1 of each — is
//! documented for users in the [module docs](super#byte-format); [`Kind`]
//! below is its table of kind bytes. A new kind takes the next free byte and
//! starts at version 1; a change to the bytes of an existing kind bumps
//! [`VERSION`] for it, and its readers keep reading the old version.

use super::DecodeError;

/// How an actor id or a set element becomes bytes, and back.
///
/// Implemented for the unsigned and signed integers (LEB128 varints; signed
/// ones zigzag-mapped first, so small negative numbers stay short), `bool`,
/// `String` and `Vec<u8>` (a varint length, then the bytes; strings must be
/// UTF-8). Implement it for your own id type by writing its fields in a fixed
/// order with these building blocks.
///
/// The names differ from the whole-value `to_bytes` / `from_bytes` of the
/// CRDTs on purpose: a `Wire` value is one field inside an encoding, written
/// onto the end of a buffer and read off the front of a cursor, with no
/// header of its own.
///
/// The bytes of a value must depend on the value alone (they are part of the
/// CRDT encodings, which are deterministic), and
/// [`decode_from`](Wire::decode_from) must accept exactly what
/// [`encode_to`](Wire::encode_to) writes: an error for anything else, never a
/// panic.
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
///     fn encode_to(&self, out: &mut Vec<u8>) {
///         self.shop.encode_to(out);
///         self.item.encode_to(out);
///     }
///     fn decode_from(input: &mut &[u8]) -> Result<Self, DecodeError> {
///         Ok(Sku { shop: u32::decode_from(input)?, item: String::decode_from(input)? })
///     }
///     fn encoded_len(&self) -> usize {
///         self.shop.encoded_len() + self.item.encoded_len()
///     }
/// }
///
/// let tea = Sku { shop: 3, item: "tea".into() };
/// let mut bytes = Vec::new();
/// tea.encode_to(&mut bytes);
/// assert_eq!(bytes, [3, 3, b't', b'e', b'a']);
/// assert_eq!(tea.encoded_len(), bytes.len());
/// assert_eq!(Sku::decode_from(&mut &bytes[..])?, tea);
/// # Ok::<(), DecodeError>(())
/// ```
pub trait Wire: Sized {
    /// Appends the bytes of `self` to `out`.
    fn encode_to(&self, out: &mut Vec<u8>);

    /// Reads one value from the front of `input` and advances `input` past
    /// the bytes read.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] when the bytes are truncated or not an encoding this
    /// type writes.
    fn decode_from(input: &mut &[u8]) -> Result<Self, DecodeError>;

    /// How many bytes [`encode_to`](Wire::encode_to) appends.
    ///
    /// The provided method encodes into a scratch buffer and counts the
    /// bytes; the implementations in this crate compute it in O(1) without
    /// encoding. Override it when your type can do the same: it must equal
    /// the number of bytes `encode_to` appends, or the `encoded_len` of the
    /// CRDTs holding the value is wrong.
    ///
    /// ```
    /// use routekit::crdt::Wire;
    ///
    /// assert_eq!(127u64.encoded_len(), 1);
    /// assert_eq!(128u64.encoded_len(), 2);
    /// assert_eq!((-1i32).encoded_len(), 1);
    /// assert_eq!(String::from("tea").encoded_len(), 4);
    /// ```
    fn encoded_len(&self) -> usize {
        let mut out = Vec::new();
        self.encode_to(&mut out);
        out.len()
    }
}

macro_rules! wire_unsigned {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            #[inline]
            fn encode_to(&self, out: &mut Vec<u8>) {
                put_varint(out, u128::from(*self));
            }

            #[inline]
            fn decode_from(input: &mut &[u8]) -> Result<Self, DecodeError> {
                let value = get_varint(input, <$t>::BITS)?;
                <$t>::try_from(value).map_err(|_| DecodeError::BadVarint { bits: <$t>::BITS })
            }

            #[inline]
            fn encoded_len(&self) -> usize {
                varint_len(u128::from(*self))
            }
        }
    )*};
}
wire_unsigned!(u8, u16, u32, u64, u128);

macro_rules! wire_signed {
    ($($t:ty => $u:ty),*) => {$(
        impl Wire for $t {
            #[inline]
            fn encode_to(&self, out: &mut Vec<u8>) {
                zigzag!(*self, $t, $u).encode_to(out);
            }

            #[inline]
            fn decode_from(input: &mut &[u8]) -> Result<Self, DecodeError> {
                let zigzag = <$u>::decode_from(input)?;
                Ok((zigzag >> 1) as $t ^ -((zigzag & 1) as $t))
            }

            #[inline]
            fn encoded_len(&self) -> usize {
                zigzag!(*self, $t, $u).encoded_len()
            }
        }
    )*};
}

/// Zigzag: 0, -1, 1, -2, ... map to 0, 1, 2, 3, ...
macro_rules! zigzag {
    ($value:expr, $t:ty, $u:ty) => {
        (($value << 1) ^ ($value >> (<$t>::BITS - 1))) as $u
    };
}
wire_signed!(i8 => u8, i16 => u16, i32 => u32, i64 => u64, i128 => u128);

impl Wire for bool {
    fn encode_to(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }

    fn decode_from(input: &mut &[u8]) -> Result<Self, DecodeError> {
        match take(input, 1)? {
            [0] => Ok(false),
            [1] => Ok(true),
            _ => Err(DecodeError::Invalid { what: "a bool must be the byte 0 or 1" }),
        }
    }

    fn encoded_len(&self) -> usize {
        1
    }
}

impl Wire for Vec<u8> {
    fn encode_to(&self, out: &mut Vec<u8>) {
        put_len(out, self.len());
        out.extend_from_slice(self);
    }

    fn decode_from(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let len = get_len(input)?;
        Ok(take(input, len)?.to_vec())
    }

    fn encoded_len(&self) -> usize {
        len_len(self.len()) + self.len()
    }
}

impl Wire for String {
    fn encode_to(&self, out: &mut Vec<u8>) {
        put_len(out, self.len());
        out.extend_from_slice(self.as_bytes());
    }

    fn decode_from(input: &mut &[u8]) -> Result<Self, DecodeError> {
        // Checked before it is copied: bytes that are not UTF-8 cost nothing.
        let len = get_len(input)?;
        let text = std::str::from_utf8(take(input, len)?).map_err(|_| DecodeError::BadUtf8)?;
        Ok(text.to_owned())
    }

    fn encoded_len(&self) -> usize {
        len_len(self.len()) + self.len()
    }
}

/// The magic bytes every encoding starts with.
const MAGIC: [u8; 2] = *b"RK";
/// The format version this release writes and reads, for every kind.
pub(crate) const VERSION: u8 = 1;
/// The length of the header: magic, kind byte, version.
pub(crate) const HEADER_LEN: usize = 4;

/// The kinds of encoding, by their kind byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A [`GCounter`](super::GCounter), or a
    /// [`GCounterDelta`](super::GCounterDelta) as the counter it stands for.
    GCounter = 1,
    /// A [`PNCounter`](super::PNCounter), or a
    /// [`PNCounterDelta`](super::PNCounterDelta) likewise.
    PNCounter = 2,
    /// An [`OrSet`](super::OrSet).
    OrSet = 3,
    /// An [`OrSetDelta`](super::OrSetDelta): one mutation of a set.
    OrSetDelta = 4,
    /// An [`LwwRegister`](super::LwwRegister).
    LwwRegister = 5,
    /// An [`EnableWinsFlag`](super::EnableWinsFlag).
    EnableWinsFlag = 6,
    /// A [`DisableWinsFlag`](super::DisableWinsFlag).
    DisableWinsFlag = 7,
    /// An [`LwwMap`](super::LwwMap).
    LwwMap = 8,
    /// An [`LwwMapDelta`](super::LwwMapDelta): one write to a map.
    LwwMapDelta = 9,
    /// An [`MvRegister`](super::MvRegister).
    MvRegister = 10,
}

impl Kind {
    /// The kind with this byte, if there is one.
    fn from_byte(byte: u8) -> Option<Kind> {
        match byte {
            1 => Some(Kind::GCounter),
            2 => Some(Kind::PNCounter),
            3 => Some(Kind::OrSet),
            4 => Some(Kind::OrSetDelta),
            5 => Some(Kind::LwwRegister),
            6 => Some(Kind::EnableWinsFlag),
            7 => Some(Kind::DisableWinsFlag),
            8 => Some(Kind::LwwMap),
            9 => Some(Kind::LwwMapDelta),
            10 => Some(Kind::MvRegister),
            _ => None,
        }
    }

    /// The name of the kind, for errors.
    fn name(self) -> &'static str {
        match self {
            Kind::GCounter => "GCounter",
            Kind::PNCounter => "PNCounter",
            Kind::OrSet => "OrSet",
            Kind::OrSetDelta => "OrSetDelta",
            Kind::LwwRegister => "LwwRegister",
            Kind::EnableWinsFlag => "EnableWinsFlag",
            Kind::DisableWinsFlag => "DisableWinsFlag",
            Kind::LwwMap => "LwwMap",
            Kind::LwwMapDelta => "LwwMapDelta",
            Kind::MvRegister => "MvRegister",
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
    let header = take(input, HEADER_LEN).map_err(|_| {
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
        return Err(match Kind::from_byte(header[2]) {
            Some(found) => DecodeError::WrongKind { expected: kind.name(), found: found.name() },
            None => DecodeError::UnknownKind { expected: kind.name(), found: header[2] },
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

/// The number of bytes [`put_varint`] writes for `value`: one per started
/// group of seven significant bits, and one for zero.
#[inline]
pub(crate) fn varint_len(value: u128) -> usize {
    let bits = 128 - (value | 1).leading_zeros() as usize;
    bits.div_ceil(7)
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
    u64::decode_from(input)
}

/// Appends a length or count.
#[inline]
pub(crate) fn put_len(out: &mut Vec<u8>, len: usize) {
    put_varint(out, len as u128);
}

/// The number of bytes [`put_len`] writes for `len`.
#[inline]
pub(crate) fn len_len(len: usize) -> usize {
    varint_len(len as u128)
}

/// Reads a byte length: it cannot exceed the bytes left (so a corrupt
/// length cannot make the reader reserve memory the input does not hold).
/// Counts of structured items use [`get_count_bounded`].
pub(crate) fn get_len(input: &mut &[u8]) -> Result<usize, DecodeError> {
    get_count_bounded(input, 1)
}

/// The most bytes a decoder reserves up front for the items of one list;
/// beyond it the list grows as items are read, so memory follows the items
/// actually present, not the count the input declares.
pub(crate) const PREALLOCATION_LIMIT_BYTES: usize = 64 * 1024;

/// Reads the count of a list whose every item takes at least
/// `min_item_len` bytes (at least 1): a count the bytes left cannot hold is
/// [`DecodeError::Truncated`], before anything is reserved or read.
///
/// Every decoder of a list calls this with the smallest encoding of one
/// item (the fixed parts: a varint is at least one byte, a [`Wire`] value
/// may be none), then reserves [`bounded_capacity`] items.
pub(crate) fn get_count_bounded(
    input: &mut &[u8],
    min_item_len: usize,
) -> Result<usize, DecodeError> {
    let count = get_u64(input)?;
    let most = input.len() / min_item_len.max(1);
    match usize::try_from(count) {
        Ok(count) if count <= most => Ok(count),
        _ => Err(DecodeError::Truncated),
    }
}

/// How many items of type `T` to reserve for a list that declares `count`:
/// `count`, but at most [`PREALLOCATION_LIMIT_BYTES`] worth (at least one
/// item), so that a hostile count costs no more than that before its items
/// turn out to be missing.
pub(crate) fn bounded_capacity<T>(count: usize) -> usize {
    let most = (PREALLOCATION_LIMIT_BYTES / std::mem::size_of::<T>().max(1)).max(1);
    count.min(most)
}

/// A vector for a list of `count` items read off the wire, reserved by
/// [`bounded_capacity`].
pub(crate) fn vec_for_count<T>(count: usize) -> Vec<T> {
    Vec::with_capacity(bounded_capacity::<T>(count))
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
        value.encode_to(&mut bytes);
        assert_eq!(value.encoded_len(), bytes.len(), "{value:?}");
        let mut input = &bytes[..];
        assert_eq!(T::decode_from(&mut input).unwrap(), value);
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
        assert_eq!(round_trip(i128::MIN).len(), 19);
        assert_eq!(round_trip(u8::MAX), [0xff, 1]);
    }

    #[test]
    fn varint_len_counts_every_group() {
        for shift in 0..128 {
            for value in [1u128 << shift, (1u128 << shift) - 1, (1u128 << shift) + 1] {
                let mut out = Vec::new();
                put_varint(&mut out, value);
                assert_eq!(varint_len(value), out.len(), "{value}");
            }
        }
        assert_eq!(varint_len(u128::MAX), 19);
    }

    #[test]
    fn overlong_and_oversized_varints_are_refused() {
        for bad in [&[0x80, 0x00][..], &[0xff, 0x00], &[0x80, 0x80, 0x00]] {
            assert_eq!(u64::decode_from(&mut &bad[..]), Err(DecodeError::BadVarint { bits: 64 }));
        }
        // 2^64 does not fit a u64; 256 does not fit a u8.
        let mut big = Vec::new();
        put_varint(&mut big, 1 << 64);
        assert_eq!(u64::decode_from(&mut &big[..]), Err(DecodeError::BadVarint { bits: 64 }));
        assert_eq!(
            u8::decode_from(&mut &[0x80, 0x02][..]),
            Err(DecodeError::BadVarint { bits: 8 })
        );
        assert_eq!(u64::decode_from(&mut &[0x80][..]), Err(DecodeError::Truncated));
        assert_eq!(
            u64::decode_from(&mut &[0xff; 11][..]),
            Err(DecodeError::BadVarint { bits: 64 })
        );
    }

    #[test]
    fn strings_and_bytes() {
        assert_eq!(round_trip(String::from("héllo")), b"\x06h\xc3\xa9llo");
        assert_eq!(round_trip(vec![1u8, 2, 3]), [3, 1, 2, 3]);
        assert_eq!(round_trip("x".repeat(200)).len(), 202);
        assert_eq!(String::decode_from(&mut &b"\x01\xff"[..]), Err(DecodeError::BadUtf8));
        assert_eq!(String::decode_from(&mut &b"\x05ab"[..]), Err(DecodeError::Truncated));
        assert_eq!(round_trip(true), [1]);
        assert!(bool::decode_from(&mut &[2u8][..]).is_err());
    }

    #[test]
    fn the_provided_encoded_len_counts_what_encode_to_writes() {
        struct Pair(u64, String);
        impl Wire for Pair {
            fn encode_to(&self, out: &mut Vec<u8>) {
                self.0.encode_to(out);
                self.1.encode_to(out);
            }
            fn decode_from(input: &mut &[u8]) -> Result<Self, DecodeError> {
                Ok(Pair(u64::decode_from(input)?, String::decode_from(input)?))
            }
        }
        assert_eq!(Pair(300, "ab".into()).encoded_len(), 2 + 3);
    }

    #[test]
    fn headers_name_what_is_wrong() {
        let mut out = Vec::new();
        put_header(&mut out, Kind::OrSet);
        assert_eq!(out.len(), HEADER_LEN);
        assert_eq!(get_header(&mut &out[..], Kind::OrSet), Ok(()));
        assert_eq!(
            get_header(&mut &out[..], Kind::GCounter),
            Err(DecodeError::WrongKind { expected: "GCounter", found: "OrSet" })
        );
        assert_eq!(
            get_header(&mut &b"RK\xf9\x01"[..], Kind::OrSetDelta),
            Err(DecodeError::UnknownKind { expected: "OrSetDelta", found: 0xf9 })
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
