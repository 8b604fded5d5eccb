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

/// Appends `item`, growing `vec` as [`Vec::push`] does (amortized doubling),
/// or the bytes that could not be had; `vec` is unchanged on failure.
pub(crate) fn push<T>(vec: &mut Vec<T>, item: T) -> Result<(), RouteError> {
    if vec.len() == vec.capacity() {
        vec.try_reserve(1).map_err(|_| RouteError::OutOfMemory {
            bytes: (vec.len() as u64)
                .saturating_mul(2)
                .max(1)
                .saturating_mul(std::mem::size_of::<T>() as u64),
        })?;
    }
    vec.push(item);
    Ok(())
}

/// Collects `items`, refusing with `too_many(count)` as soon as there would
/// be more than `max` of them (so an endless iterator ends), and growing
/// the vector fallibly.
pub(crate) fn collect_at_most<T>(
    items: impl IntoIterator<Item = T>,
    max: usize,
    too_many: impl FnOnce(usize) -> RouteError,
) -> Result<Vec<T>, RouteError> {
    let items = items.into_iter();
    let mut vec = vec_with_capacity(items.size_hint().0.min(max))?;
    for item in items {
        if vec.len() == max {
            return Err(too_many(max.saturating_add(1)));
        }
        push(&mut vec, item)?;
    }
    Ok(vec)
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
        push(&mut vec, 3).unwrap();
        assert_eq!(vec, [1, 2, 3]);
    }

    #[test]
    fn collecting_stops_at_the_limit_even_for_an_endless_iterator() {
        let too_many =
            |count| RouteError::TooManyNodes { strategy: "test", requested: count as u64, max: 3 };
        assert_eq!(collect_at_most(0..3, 3, too_many).unwrap(), [0, 1, 2]);
        let err = collect_at_most(0.., 3, too_many).unwrap_err();
        assert!(matches!(err, RouteError::TooManyNodes { requested: 4, .. }), "{err:?}");
        // A size hint past the limit reserves only up to the limit.
        assert!(collect_at_most(0..u64::MAX, 2, too_many).is_err());
    }
}
