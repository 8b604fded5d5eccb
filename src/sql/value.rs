//! Bind values.

use super::TimestampError;

/// A bind value.
///
/// Timestamps keep their full precision (seconds and nanoseconds since the
/// Unix epoch, UTC); nothing is rounded to milliseconds on the way.
///
/// # Example
///
/// ```
/// use routekit::sql::{Timestamp, Value};
///
/// let values = [Value::Int(7), Value::Text("x".into()), Value::Null];
/// assert_eq!(values[0], Value::Int(7));
/// let t = Value::Timestamp(Timestamp::new(1_700_000_000, 123_456_789)?);
/// assert!(matches!(t, Value::Timestamp(ts) if ts.nanos() == 123_456_789));
/// # Ok::<(), routekit::sql::TimestampError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A 64-bit signed integer (`BIGINT`).
    Int(i64),
    /// A 64-bit float (`DOUBLE PRECISION` / `REAL`).
    Float(f64),
    /// Text.
    Text(String),
    /// Bytes (`BYTEA` / `BLOB`).
    Bytes(Vec<u8>),
    /// An instant, UTC, at nanosecond precision.
    Timestamp(Timestamp),
}

/// An instant as seconds and nanoseconds since 1970-01-01T00:00:00Z.
///
/// # Example
///
/// ```
/// use routekit::sql::Timestamp;
/// let t = Timestamp::new(-1, 999_999_999)?; // one nanosecond before the epoch
/// assert_eq!((t.seconds(), t.nanos()), (-1, 999_999_999));
/// assert!(Timestamp::new(0, 1_000_000_000).is_err());
/// # Ok::<(), routekit::sql::TimestampError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    seconds: i64,
    nanos: u32,
}

impl Timestamp {
    /// An instant `seconds` (floor) plus `nanos` after the epoch.
    ///
    /// # Errors
    ///
    /// [`TimestampError`] when `nanos` is a second or more.
    ///
    /// ```
    /// assert!(routekit::sql::Timestamp::new(0, 0).is_ok());
    /// ```
    pub fn new(seconds: i64, nanos: u32) -> Result<Timestamp, TimestampError> {
        if nanos < 1_000_000_000 {
            Ok(Timestamp { seconds, nanos })
        } else {
            Err(TimestampError::new(nanos))
        }
    }

    /// Whole seconds since the epoch (rounded toward negative infinity).
    ///
    /// ```
    /// assert_eq!(routekit::sql::Timestamp::new(5, 1)?.seconds(), 5);
    /// # Ok::<(), routekit::sql::TimestampError>(())
    /// ```
    pub fn seconds(&self) -> i64 {
        self.seconds
    }

    /// Nanoseconds after [`seconds`](Timestamp::seconds), below 10⁹.
    ///
    /// ```
    /// assert_eq!(routekit::sql::Timestamp::new(5, 1)?.nanos(), 1);
    /// # Ok::<(), routekit::sql::TimestampError>(())
    /// ```
    pub fn nanos(&self) -> u32 {
        self.nanos
    }
}
