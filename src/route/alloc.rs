//! Fallible allocation for the tables routers build, so that a parameter
//! the router accepts can never abort the process: every table is reserved
//! through here, and a reservation the allocator refuses becomes
//! [`RouteError::OutOfMemory`](super::RouteError::OutOfMemory).

use super::RouteError;

/// An empty vector with room for `count` items, or the bytes that could not
/// be had.
pub(crate) fn vec_with_capacity<T>(count: usize) -> Result<Vec<T>, RouteError> {
    let mut vec = Vec::new();
    reserve(&mut vec, count)?;
    Ok(vec)
}

/// Room for `additional` more items in `vec`, or the bytes that could not
/// be had; `vec` is unchanged on failure.
pub(crate) fn reserve<T>(vec: &mut Vec<T>, additional: usize) -> Result<(), RouteError> {
    vec.try_reserve_exact(additional).map_err(|_| RouteError::OutOfMemory {
        bytes: (vec.len() as u64)
            .saturating_add(additional as u64)
            .saturating_mul(std::mem::size_of::<T>() as u64),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_impossible_reservation_is_an_error_not_an_abort() {
        let err = vec_with_capacity::<u64>(usize::MAX / 2).unwrap_err();
        assert!(matches!(err, RouteError::OutOfMemory { bytes } if bytes > 1 << 62), "{err:?}");
        let mut vec = vec![1u32, 2];
        assert!(reserve(&mut vec, usize::MAX).is_err());
        assert_eq!(vec, [1, 2]);
        assert!(vec_with_capacity::<u8>(16).unwrap().capacity() >= 16);
    }
}
