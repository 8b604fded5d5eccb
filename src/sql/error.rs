//! The error types of the sql module: a name that cannot be an identifier
//! (a mistake in the program), and a timestamp out of range (a bad value).

use thiserror::Error;

/// A name that is not a plain SQL identifier, refused by
/// [`Ident::new`](super::Ident::new).
///
/// Names come from the program, so this is a mistake to fix, reported when
/// the statement builder that takes the name is built.
///
/// # Example
///
/// ```
/// use routekit::sql::Ident;
/// let err = Ident::new("a b").unwrap_err();
/// assert_eq!(err.ident(), "a b");
/// assert!(err.to_string().starts_with(r#""a b" is not a plain SQL identifier"#));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error(
    "{ident:?} is not a plain SQL identifier: use 1 to 3 dot-separated parts, each an ASCII \
     letter or '_' followed by up to 62 ASCII letters, digits or '_'"
)]
pub struct IdentError {
    ident: String,
}

impl IdentError {
    pub(crate) fn new(ident: &str) -> IdentError {
        IdentError { ident: ident.to_owned() }
    }

    /// The refused name.
    ///
    /// ```
    /// assert_eq!(routekit::sql::Ident::new("1a").unwrap_err().ident(), "1a");
    /// ```
    pub fn ident(&self) -> &str {
        &self.ident
    }
}

/// Nanoseconds of a second or more, refused by
/// [`Timestamp::new`](super::Timestamp::new).
///
/// # Example
///
/// ```
/// use routekit::sql::Timestamp;
/// let err = Timestamp::new(0, 1_000_000_000).unwrap_err();
/// assert_eq!(err.nanos(), 1_000_000_000);
/// assert_eq!(err.to_string(), "timestamp nanoseconds must be below 1000000000, got 1000000000");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[error("timestamp nanoseconds must be below 1000000000, got {nanos}")]
pub struct TimestampError {
    nanos: u32,
}

impl TimestampError {
    pub(crate) fn new(nanos: u32) -> TimestampError {
        TimestampError { nanos }
    }

    /// The refused nanoseconds.
    ///
    /// ```
    /// assert_eq!(routekit::sql::Timestamp::new(0, u32::MAX).unwrap_err().nanos(), u32::MAX);
    /// ```
    pub fn nanos(&self) -> u32 {
        self.nanos
    }
}
