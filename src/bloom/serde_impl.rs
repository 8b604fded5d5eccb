//! `serde` support (feature `serde`): the filters serialize as their
//! versioned byte format.
//!
//! Filters hashed with [`Xxh3`] or [`Fnv1a`] implement `Deserialize`: the
//! Xxh3 seed is in the bytes, and Fnv1a has none. A [`Sip13`](crate::Sip13)
//! key never leaves the process, so keyed filters are read with
//! [`WithHasher`], which takes the hasher from the caller and refuses bytes
//! written under another key.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::wire;
use super::{AtomicBloomFilter, BlockedBloomFilter, BloomFilter, Filter};
use crate::hash::{Fnv1a, HashAlgorithm, KeyHasher, Xxh3};

/// Deserializes a filter under a hasher the caller supplies: the way to read
/// a filter hashed with a secret [`Sip13`](crate::Sip13) key.
///
/// # Example
///
/// ```
/// use routekit::bloom::{BloomFilter, Filter, WithHasher};
/// use routekit::Sip13;
/// use serde::de::DeserializeSeed;
///
/// let key = [0x42; 16];
/// let mut filter = BloomFilter::builder().expected_items(100).fpr(0.01).hasher(Sip13::new(key)).build()?;
/// filter.insert(b"secret-keyed");
/// let json = serde_json::to_string(&filter).unwrap();
///
/// let mut reader = serde_json::Deserializer::from_str(&json);
/// let copy = WithHasher::<BloomFilter<Sip13>>::new(Sip13::new(key)).deserialize(&mut reader).unwrap();
/// assert_eq!(copy, filter);
///
/// // Under another key the bytes are refused, not misread.
/// let mut reader = serde_json::Deserializer::from_str(&json);
/// assert!(WithHasher::<BloomFilter<Sip13>>::new(Sip13::new([1; 16])).deserialize(&mut reader).is_err());
/// # Ok::<(), routekit::bloom::BloomError>(())
/// ```
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
        // Cap the preallocation: the length hint comes from the input.
        let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
        while let Some(byte) = seq.next_element()? {
            bytes.push(byte);
        }
        Ok(bytes)
    }
}

/// Hashers whose whole configuration is in the bytes' hasher id.
trait FromId: Sized {
    fn from_id(algorithm: HashAlgorithm, tag: u64) -> Option<Self>;
}

impl FromId for Xxh3 {
    fn from_id(algorithm: HashAlgorithm, tag: u64) -> Option<Self> {
        (algorithm == HashAlgorithm::Xxh3).then_some(Xxh3::with_seed(tag))
    }
}

impl FromId for Fnv1a {
    fn from_id(algorithm: HashAlgorithm, tag: u64) -> Option<Self> {
        (algorithm == HashAlgorithm::Fnv1a && tag == 0).then_some(Fnv1a)
    }
}

macro_rules! serde_for {
    ($filter:ident) => {
        impl<H: KeyHasher> Serialize for $filter<H> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_bytes(&self.to_bytes())
            }
        }

        impl<'de, H: KeyHasher> DeserializeSeed<'de> for WithHasher<$filter<H>> {
            type Value = $filter<H>;

            fn deserialize<D: Deserializer<'de>>(self, reader: D) -> Result<$filter<H>, D::Error> {
                let bytes = reader.deserialize_bytes(BytesVisitor)?;
                $filter::from_bytes(&bytes, self.hasher).map_err(de::Error::custom)
            }
        }

        impl<'de> Deserialize<'de> for $filter<Xxh3> {
            fn deserialize<D: Deserializer<'de>>(reader: D) -> Result<Self, D::Error> {
                deserialize_unkeyed(reader, $filter::from_bytes)
            }
        }

        impl<'de> Deserialize<'de> for $filter<Fnv1a> {
            fn deserialize<D: Deserializer<'de>>(reader: D) -> Result<Self, D::Error> {
                deserialize_unkeyed(reader, $filter::from_bytes)
            }
        }
    };
}

serde_for!(BloomFilter);
serde_for!(BlockedBloomFilter);
serde_for!(AtomicBloomFilter);

/// Reads the bytes, rebuilds the hasher from the id in them, and decodes.
fn deserialize_unkeyed<'de, D, H, F>(
    reader: D,
    from_bytes: fn(&[u8], H) -> Result<F, super::BloomError>,
) -> Result<F, D::Error>
where
    D: Deserializer<'de>,
    H: FromId,
{
    let bytes = reader.deserialize_bytes(BytesVisitor)?;
    let id = wire::peek_hasher(&bytes).map_err(de::Error::custom)?;
    let hasher = H::from_id(id.algorithm, id.tag).ok_or_else(|| {
        de::Error::custom(format_args!(
            "the filter was written with hasher {id:?}: read it with WithHasher and that hasher"
        ))
    })?;
    from_bytes(&bytes, hasher).map_err(de::Error::custom)
}
