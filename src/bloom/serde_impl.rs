//! `serde` support (feature `serde`): the filters serialize as their
//! versioned byte format, and deserializing checks them as `from_bytes` does.
//!
//! Filters hashed with [`Xxh3`] or [`Fnv1a`] implement `Deserialize`: the
//! Xxh3 seed is in the bytes, and Fnv1a has none. A [`Sip13`](crate::Sip13)
//! key never leaves the process, and a custom hasher is the caller's own
//! type, so those filters are read with [`WithHasher`], which takes the
//! hasher from the caller and refuses bytes written under another.
//! Either way a refusal is the [`DecodeError`] that `from_bytes` gives, as
//! the deserializer's error.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::wire;
use super::{AtomicBloomFilter, BlockedBloomFilter, BloomFilter, DecodeError, Filter};
use crate::hash::{Fnv1a, HashAlgorithm, HasherId, KeyHasher, Xxh3};

/// Deserializes a filter under a hasher the caller supplies: the way to read
/// a filter hashed with a secret [`Sip13`](crate::Sip13) key or with a
/// hasher of your own. It is a serde [`DeserializeSeed`].
///
/// It reads [`BloomFilter`], [`BlockedBloomFilter`] and
/// [`AtomicBloomFilter`] of any hasher; the filter type `F` is usually
/// inferred from where the result goes.
///
/// # Example
///
/// ```
/// use routekit::bloom::{BloomFilter, Filter, WithHasher};
/// use routekit::Sip13;
/// use serde::de::DeserializeSeed;
///
/// let key = [0x42; 16];
/// let mut filter = BloomFilter::with_hasher(100, 0.01, Sip13::new(key))?;
/// filter.insert(b"secret-keyed");
/// let json = serde_json::to_string(&filter)?;
///
/// let mut reader = serde_json::Deserializer::from_str(&json);
/// let copy: BloomFilter<Sip13> = WithHasher::new(Sip13::new(key)).deserialize(&mut reader)?;
/// assert_eq!(copy, filter);
///
/// // Under another key the bytes are refused, not misread.
/// let mut reader = serde_json::Deserializer::from_str(&json);
/// let other: Result<BloomFilter<Sip13>, _> = WithHasher::new(Sip13::new([1; 16])).deserialize(&mut reader);
/// assert!(other.unwrap_err().to_string().contains("written with hasher sip13"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
pub struct WithHasher<F: Filter> {
    hasher: F::Hasher,
    filter: PhantomData<fn() -> F>,
}

impl<F: Filter> WithHasher<F> {
    /// Reads filters of type `F` under `hasher`.
    ///
    /// ```
    /// use routekit::bloom::{BlockedBloomFilter, WithHasher};
    /// let _seed = WithHasher::<BlockedBloomFilter>::new(routekit::Xxh3::with_seed(3));
    /// ```
    pub fn new(hasher: F::Hasher) -> Self {
        WithHasher { hasher, filter: PhantomData }
    }
}

impl<F: Filter> fmt::Debug for WithHasher<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WithHasher").field("hasher", &self.hasher).finish()
    }
}

impl<F: Filter> Clone for WithHasher<F> {
    fn clone(&self) -> Self {
        WithHasher::new(self.hasher.clone())
    }
}

/// Collects the serialized bytes from whatever form the format gives them
/// in (bytes, or a sequence of integers in text formats).
struct BytesVisitor;

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the bytes of a routekit filter")
    }

    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Vec<u8>, E> {
        Ok(bytes.to_vec())
    }

    fn visit_byte_buf<E: de::Error>(self, bytes: Vec<u8>) -> Result<Vec<u8>, E> {
        Ok(bytes)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
        // The length hint and the header come from the input: neither is
        // trusted for more than doubling what was read. Growing to the
        // length the header claims keeps the buffer at the filter's size
        // instead of the next power of two, and reserving fallibly makes a
        // refusal an error rather than an abort.
        let mut bytes = Vec::new();
        let first = seq.size_hint().unwrap_or(0).clamp(64, 1 << 16);
        while let Some(byte) = seq.next_element()? {
            if bytes.len() == bytes.capacity() {
                let read = bytes.len();
                let claimed = wire::claimed_len(&bytes).unwrap_or(0);
                let next = usize::try_from(claimed).unwrap_or(usize::MAX);
                let next = next.min(read.saturating_mul(2)).max(read + 1).max(first);
                bytes.try_reserve_exact(next - read).map_err(|_| {
                    de::Error::custom(DecodeError::OutOfMemory { bytes: next as u64 })
                })?;
            }
            bytes.push(byte);
        }
        Ok(bytes)
    }
}

/// The filters' decoder, for the seed.
trait Codec: Filter + Sized {
    fn from_bytes(bytes: &[u8], hasher: Self::Hasher) -> Result<Self, DecodeError>;
}

/// Hashers whose whole configuration is in the bytes' hasher id.
trait FromId: KeyHasher {
    const ALGORITHM: HashAlgorithm;
    fn from_id(id: HasherId) -> Self;
}

impl FromId for Xxh3 {
    const ALGORITHM: HashAlgorithm = HashAlgorithm::Xxh3;
    fn from_id(id: HasherId) -> Self {
        Xxh3::with_seed(id.tag())
    }
}

impl FromId for Fnv1a {
    const ALGORITHM: HashAlgorithm = HashAlgorithm::Fnv1a;
    // A tag other than 0 is then refused by `from_bytes` as a mismatch.
    fn from_id(_: HasherId) -> Self {
        Fnv1a
    }
}

impl<'de, F: Codec> DeserializeSeed<'de> for WithHasher<F> {
    type Value = F;

    fn deserialize<D: Deserializer<'de>>(self, reader: D) -> Result<F, D::Error> {
        deserialize_with(reader, |_| Ok(self.hasher))
    }
}

/// Reads the bytes and decodes them under the hasher `F` gets from `hasher`:
/// the caller's, or one rebuilt from the id in the bytes.
fn deserialize_with<'de, D: Deserializer<'de>, F: Codec>(
    reader: D,
    hasher: impl FnOnce(&[u8]) -> Result<F::Hasher, DecodeError>,
) -> Result<F, D::Error> {
    let bytes = reader.deserialize_bytes(BytesVisitor)?;
    hasher(&bytes).and_then(|hasher| F::from_bytes(&bytes, hasher)).map_err(de::Error::custom)
}

/// The unkeyed hasher the bytes name, or [`DecodeError::WrongAlgorithm`].
fn hasher_in<H: FromId>(bytes: &[u8]) -> Result<H, DecodeError> {
    let written = wire::peek_hasher(bytes)?;
    if written.algorithm() != H::ALGORITHM {
        return Err(DecodeError::WrongAlgorithm { written, expected: H::ALGORITHM });
    }
    Ok(H::from_id(written))
}

macro_rules! serde_for {
    ($filter:ident) => {
        impl<H: KeyHasher> Codec for $filter<H> {
            fn from_bytes(bytes: &[u8], hasher: H) -> Result<Self, DecodeError> {
                $filter::from_bytes(bytes, hasher)
            }
        }

        #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
        impl<H: KeyHasher> Serialize for $filter<H> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_bytes(&self.to_bytes())
            }
        }

        #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
        impl<'de> Deserialize<'de> for $filter<Xxh3> {
            fn deserialize<D: Deserializer<'de>>(reader: D) -> Result<Self, D::Error> {
                deserialize_with(reader, hasher_in::<Xxh3>)
            }
        }

        #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
        impl<'de> Deserialize<'de> for $filter<Fnv1a> {
            fn deserialize<D: Deserializer<'de>>(reader: D) -> Result<Self, D::Error> {
                deserialize_with(reader, hasher_in::<Fnv1a>)
            }
        }
    };
}

serde_for!(BloomFilter);
serde_for!(BlockedBloomFilter);
serde_for!(AtomicBloomFilter);
