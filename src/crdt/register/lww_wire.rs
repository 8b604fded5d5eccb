//! The byte format (kind 5) and serde form of an [`LwwRegister`]: a byte 0
//! for the empty register, or a byte 1, then the timestamp, the actor id and
//! the value.

use super::{LwwRegister, Stamp};
use crate::crdt::DecodeError;
use crate::crdt::wire::{self, Kind, Wire};

impl<A: Ord + Clone + Wire, T: PartialEq + Clone + Wire> LwwRegister<A, T> {
    /// The register in the versioned byte format (kind 5, see the
    /// [module docs](crate::crdt#byte-format)). Cost: O(1) plus the value's
    /// encoding.
    ///
    /// ```
    /// let mut register = routekit::crdt::LwwRegister::new();
    /// register.set(&1u8, 300, String::from("dark"))?;
    /// assert_eq!(register.to_bytes(), b"RK\x05\x01\x01\xac\x02\x01\x04dark");
    /// # Ok::<(), routekit::crdt::CrdtError>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        wire::put_header(&mut out, Kind::LwwRegister);
        self.encode_body_to(&mut out);
        debug_assert_eq!(out.len(), self.encoded_len());
        out
    }

    /// The length of [`to_bytes`](Self::to_bytes), computed without
    /// encoding. Cost: O(1) plus the value's [`Wire::encoded_len`].
    ///
    /// ```
    /// let register = routekit::crdt::LwwRegister::<u8, u8>::new();
    /// assert_eq!(register.encoded_len(), register.to_bytes().len());
    /// ```
    pub fn encoded_len(&self) -> usize {
        wire::HEADER_LEN + self.body_len()
    }

    /// Reads a register written by [`to_bytes`](Self::to_bytes).
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] for truncated, corrupted, foreign or non-canonical
    /// bytes.
    ///
    /// ```
    /// use routekit::crdt::LwwRegister;
    ///
    /// let mut register = LwwRegister::new();
    /// register.set(&1u8, 9, 42u32)?;
    /// assert_eq!(LwwRegister::from_bytes(&register.to_bytes())?, register);
    /// assert!(LwwRegister::<u8, u32>::from_bytes(b"RK\x05\x01\x02").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut input = bytes;
        wire::get_header(&mut input, Kind::LwwRegister)?;
        let register = Self::decode_body_from(&mut input)?;
        wire::finish(input)?;
        Ok(register)
    }

    /// Appends the body: the form byte, then the write.
    pub(crate) fn encode_body_to(&self, out: &mut Vec<u8>) {
        match &self.write {
            None => out.push(0),
            Some((stamp, value)) => {
                out.push(1);
                stamp.timestamp.encode_to(out);
                stamp.actor.encode_to(out);
                value.encode_to(out);
            }
        }
    }

    /// The length of the body.
    pub(crate) fn body_len(&self) -> usize {
        1 + self.write.as_ref().map_or(0, |(stamp, value)| {
            stamp.timestamp.encoded_len() + stamp.actor.encoded_len() + value.encoded_len()
        })
    }

    /// Reads a body.
    pub(crate) fn decode_body_from(input: &mut &[u8]) -> Result<Self, DecodeError> {
        match wire::take(input, 1)? {
            [0] => Ok(LwwRegister::new()),
            [1] => {
                let timestamp = wire::get_u64(input)?;
                let actor = A::decode_from(input)?;
                let value = T::decode_from(input)?;
                Ok(LwwRegister { write: Some((Stamp { timestamp, actor }, value)) })
            }
            _ => Err(DecodeError::Invalid { what: "a register's form byte must be 0 or 1" }),
        }
    }
}

#[cfg(feature = "serde")]
mod serde_impls {
    //! As an option of `(timestamp, actor, value)`.

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::{LwwRegister, Stamp};

    impl<A: Serialize, T: Serialize> Serialize for LwwRegister<A, T> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let write =
                self.write.as_ref().map(|(stamp, value)| (stamp.timestamp, &stamp.actor, value));
            write.serialize(serializer)
        }
    }

    impl<'de, A: Deserialize<'de>, T: Deserialize<'de>> Deserialize<'de> for LwwRegister<A, T> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let write = Option::<(u64, A, T)>::deserialize(deserializer)?;
            Ok(LwwRegister {
                write: write.map(|(timestamp, actor, value)| (Stamp { timestamp, actor }, value)),
            })
        }
    }
}
