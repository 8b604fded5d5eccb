//! Checked SQL identifiers.

use std::fmt;

use super::IdentError;

/// A SQL identifier that passed the plain-identifier rule: one to three
/// dot-separated parts, each an ASCII letter or `_` followed by up to 62
/// ASCII letters, digits or `_`.
///
/// Anything else — spaces, quotes, semicolons, comments, operators, non-ASCII —
/// is refused, so an identifier can be quoted without escaping and can never
/// change the shape of a statement.
///
/// # Example
///
/// ```
/// use routekit::sql::Ident;
///
/// assert!(Ident::new("public.orders").is_ok());
/// assert!(Ident::new("id; DROP TABLE t").is_err());
/// assert!(Ident::new(r#""a" OR 1=1"#).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ident(String);

/// The longest identifier part, in bytes (PostgreSQL's limit is 63).
const MAX_IDENT_PART: usize = 63;

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Ident {
    /// Checks `name` against the plain-identifier rule.
    ///
    /// Cost: linear in the length of `name`, and one copy of it.
    ///
    /// # Errors
    ///
    /// [`IdentError`] naming the identifier and the rule.
    ///
    /// ```
    /// use routekit::sql::Ident;
    /// assert_eq!(Ident::new("created_at")?.as_str(), "created_at");
    /// assert_eq!(Ident::new("a b").unwrap_err().ident(), "a b");
    /// # Ok::<(), routekit::sql::IdentError>(())
    /// ```
    pub fn new(name: &str) -> Result<Ident, IdentError> {
        let plain = |part: &str| {
            let mut chars = part.chars();
            part.len() <= MAX_IDENT_PART
                && chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        if name.split('.').count() <= 3 && name.split('.').all(plain) {
            Ok(Ident(name.to_owned()))
        } else {
            Err(IdentError::new(name))
        }
    }

    /// The identifier as written (unquoted).
    ///
    /// ```
    /// assert_eq!(routekit::sql::Ident::new("t.a")?.as_str(), "t.a");
    /// # Ok::<(), routekit::sql::IdentError>(())
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Appends each dot-separated part between `quote`s; parts are plain, so
    /// they hold no quote character to escape.
    pub(crate) fn quote_parts(&self, quote: char, out: &mut String) {
        for (i, part) in self.0.split('.').enumerate() {
            if i > 0 {
                out.push('.');
            }
            out.push(quote);
            out.push_str(part);
            out.push(quote);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_that_could_change_a_statement_are_refused() {
        for bad in [
            "",
            "1a",
            "a b",
            "a;b",
            "id; DROP TABLE t",
            r#""a" OR 1=1"#,
            "a--",
            "a/*",
            "`a`",
            "a.",
            ".a",
            "a..b",
            "a.b.c.d",
            "é",
            "a\0",
            &"x".repeat(64),
        ] {
            assert_eq!(Ident::new(bad), Err(IdentError::new(bad)), "{bad:?} accepted");
        }
        for good in ["a", "_", "A_1", "s.t", "db.s.t", &"x".repeat(63)] {
            assert!(Ident::new(good).is_ok(), "{good:?} refused");
        }
    }
}
