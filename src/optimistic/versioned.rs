//! [`Versioned`]: a value and the version it was read at.

use super::{ETag, OptimisticError};

/// A value and the version it was read at.
///
/// Versions start at 0 and every write adds 1. The pair is plain data: it is
/// what a read returns and what a write is checked against.
///
/// # Example
///
/// ```
/// use routekit::optimistic::Versioned;
///
/// let v = Versioned::new("hello", 41);
/// let next = v.next("hello, world")?;
/// assert_eq!((next.value, next.version), ("hello, world", 42));
/// assert_eq!(next.etag().to_string(), r#""v42""#);
/// # Ok::<(), routekit::optimistic::OptimisticError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Versioned<T> {
    /// The value.
    pub value: T,
    /// The version the value is at.
    pub version: u64,
}

impl<T> Versioned<T> {
    /// `value` at `version`.
    ///
    /// ```
    /// let v = routekit::optimistic::Versioned::new(7, 3);
    /// assert_eq!((v.value, v.version), (7, 3));
    /// ```
    pub fn new(value: T, version: u64) -> Self {
        Versioned { value, version }
    }

    /// The successor: `value` at this version plus one.
    ///
    /// # Errors
    ///
    /// [`OptimisticError::VersionOverflow`] when the version is `u64::MAX`.
    ///
    /// ```
    /// use routekit::optimistic::Versioned;
    /// assert_eq!(Versioned::new((), 0).next(())?.version, 1);
    /// assert!(Versioned::new((), u64::MAX).next(()).is_err());
    /// # Ok::<(), routekit::optimistic::OptimisticError>(())
    /// ```
    pub fn next<U>(&self, value: U) -> Result<Versioned<U>, OptimisticError> {
        Ok(Versioned { value, version: bump(self.version, u64::MAX)? })
    }

    /// The strong entity-tag of this version, `"v<version>"`, for an HTTP
    /// `ETag` header.
    ///
    /// ```
    /// let v = routekit::optimistic::Versioned::new("x", 42);
    /// assert_eq!(v.etag().to_string(), r#""v42""#);
    /// ```
    pub fn etag(&self) -> ETag {
        ETag::from_version(self.version)
    }
}

/// `version + 1`, or [`OptimisticError::VersionOverflow`] when that passes `max`.
pub(super) fn bump(version: u64, max: u64) -> Result<u64, OptimisticError> {
    match version.checked_add(1) {
        Some(next) if next <= max => Ok(next),
        _ => Err(OptimisticError::VersionOverflow { version, max }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bump_stops_at_the_maximum() {
        assert_eq!(bump(0, u64::MAX), Ok(1));
        assert_eq!(bump(u64::MAX - 1, u64::MAX), Ok(u64::MAX));
        assert_eq!(
            bump(u64::MAX, u64::MAX),
            Err(OptimisticError::VersionOverflow { version: u64::MAX, max: u64::MAX })
        );
        let max = i64::MAX as u64;
        assert_eq!(bump(max - 1, max), Ok(max));
        assert_eq!(bump(max, max), Err(OptimisticError::VersionOverflow { version: max, max }));
    }
}
