//! Entity-tags and conditional requests over HTTP (RFC 9110 §8.8.3, §13):
//! plain strings in, a small answer out, no HTTP framework needed.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// An HTTP entity-tag (RFC 9110 §8.8.3): an opaque string, strong or weak
/// (`W/` prefix).
///
/// The strong tag of a version, `"v42"`, is what [`ETag::from_version`]
/// makes and [`ETag::version`] reads back. [`FromStr`] parses one
/// entity-tag as sent in an `ETag` header; [`Display`](fmt::Display) writes
/// it back (`W/"x"` or `"x"`).
///
/// Comparison follows RFC 9110 §8.8.3.2: [`strong_eq`](ETag::strong_eq) for
/// `If-Match`, [`weak_eq`](ETag::weak_eq) for `If-None-Match`. `==` is plain
/// equality of weakness and tag, which is neither.
///
/// | tag 1   | tag 2   | strong | weak  |
/// |---------|---------|--------|-------|
/// | `W/"1"` | `W/"1"` | no     | yes   |
/// | `W/"1"` | `W/"2"` | no     | no    |
/// | `W/"1"` | `"1"`   | no     | yes   |
/// | `"1"`   | `"1"`   | yes    | yes   |
///
/// # Example
///
/// ```
/// use routekit::optimistic::ETag;
///
/// let current = ETag::from_version(42);
/// assert_eq!(current.to_string(), r#""v42""#);
///
/// let sent: ETag = r#"W/"v42""#.parse()?;
/// assert!(sent.is_weak());
/// assert!(sent.weak_eq(&current) && !sent.strong_eq(&current));
/// assert_eq!(sent.version(), Some(42));
/// # Ok::<(), routekit::optimistic::ETagError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ETag {
    weak: bool,
    tag: String,
}

/// The members of an `If-Match` or `If-None-Match` header: `*` or a list of
/// entity-tags (RFC 9110 §13.1.1, §13.1.2).
///
/// Empty list members (`"a", , "b"`) are skipped, as RFC 9110 §5.6.1 asks of
/// recipients; several field lines of one header are one list.
///
/// # Example
///
/// ```
/// use routekit::optimistic::{ETag, ETagList};
///
/// let list = ETagList::parse(r#""v1", W/"v2""#)?;
/// assert!(list.contains_weak(&ETag::from_version(2)));
/// assert!(!list.contains_strong(&ETag::from_version(2)));
/// assert_eq!(list.to_string(), r#""v1", W/"v2""#);
/// assert_eq!(ETagList::parse("*")?, ETagList::Any);
/// # Ok::<(), routekit::optimistic::ETagError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ETagList {
    /// `*`: any current representation.
    Any,
    /// The listed entity-tags (possibly none).
    Tags(Vec<ETag>),
}

/// The conditions of one request — `If-Match`, `If-None-Match` and whether
/// the server demands one — evaluated against the resource's current
/// entity-tag in the order of RFC 9110 §13.2.2.
///
/// 1. `If-Match` present: true when it is `*` and the resource exists, or a
///    listed tag matches the current one under the **strong** comparison;
///    false → 412 Precondition Failed.
/// 2. `If-None-Match` present: false when it is `*` and the resource exists,
///    or a listed tag matches under the **weak** comparison; false → 304 Not
///    Modified for `GET` and `HEAD`, 412 for every other method.
/// 3. Otherwise, proceed.
///
/// With [`require`](Preconditions::require), a request without a condition
/// that can fail (no `If-Match`, and no `If-None-Match` naming `*` or a tag)
/// gets 428 Precondition Required (RFC 6585 §3) — the guard against a client
/// that overwrites without having read.
///
/// Dates (`If-Unmodified-Since`, `If-Modified-Since`) and `If-Range` are not
/// evaluated; RFC 9110 has entity-tags take precedence over dates, so a
/// caller that also serves dates checks them only when the matching tag
/// header is absent. Method names are case-sensitive (RFC 9110 §9.1). As RFC
/// 9110 §13.2.1 says, evaluate only when the request would otherwise succeed
/// (2xx); an error or redirect takes precedence.
///
/// # Example
///
/// ```
/// use routekit::optimistic::{ETag, Precondition, Preconditions};
///
/// let current = ETag::from_version(4);
///
/// // A save based on revision 3 of a document now at revision 4.
/// let stale = Preconditions::new("PUT").if_match(r#""v3""#).require().evaluate(Some(&current))?;
/// assert_eq!(stale, Precondition::PreconditionFailed);
/// assert_eq!(stale.status(), Some(412));
///
/// // A save that did not say what it was based on.
/// let blind = Preconditions::new("PUT").require().evaluate(Some(&current))?;
/// assert_eq!(blind.status(), Some(428));
///
/// // A cache revalidating revision 4.
/// let fresh = Preconditions::new("GET").if_none_match(r#"W/"v4""#).evaluate(Some(&current))?;
/// assert_eq!(fresh, Precondition::NotModified);
///
/// // A create that must not overwrite: `If-None-Match: *` on a missing resource.
/// let create = Preconditions::new("PUT").if_none_match("*").require().evaluate(None)?;
/// assert_eq!(create, Precondition::Proceed);
/// # Ok::<(), routekit::optimistic::ETagError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Preconditions<'a> {
    method: &'a str,
    if_match: Lines<'a>,
    if_none_match: Lines<'a>,
    required: bool,
}

/// The answer of [`Preconditions::evaluate`].
///
/// # Example
///
/// ```
/// use routekit::optimistic::Precondition;
/// assert_eq!(Precondition::Proceed.status(), None);
/// assert_eq!(Precondition::NotModified.status(), Some(304));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Precondition {
    /// The conditions hold (or there are none): perform the method.
    Proceed,
    /// 304 Not Modified: the client's cached copy is current (`GET`/`HEAD`
    /// with a matching `If-None-Match`).
    NotModified,
    /// 412 Precondition Failed: do not perform the method.
    PreconditionFailed,
    /// 428 Precondition Required: the server demands a condition and the
    /// request had none.
    PreconditionRequired,
}

impl ETag {
    /// The strong tag `"v<version>"`.
    ///
    /// ```
    /// assert_eq!(routekit::optimistic::ETag::from_version(0).to_string(), r#""v0""#);
    /// ```
    pub fn from_version(version: u64) -> Self {
        ETag { weak: false, tag: format!("v{version}") }
    }

    /// A strong tag with the opaque text `tag` (without quotes).
    ///
    /// # Errors
    ///
    /// [`ETagError::InvalidCharacter`] when `tag` holds a `"`, a space, or a
    /// control character.
    ///
    /// ```
    /// use routekit::optimistic::ETag;
    /// assert_eq!(ETag::strong("abc")?.to_string(), r#""abc""#);
    /// assert!(ETag::strong("a b").is_err());
    /// # Ok::<(), routekit::optimistic::ETagError>(())
    /// ```
    pub fn strong(tag: &str) -> Result<Self, ETagError> {
        check_opaque(tag)?;
        Ok(ETag { weak: false, tag: tag.to_owned() })
    }

    /// A weak tag with the opaque text `tag` (without quotes).
    ///
    /// # Errors
    ///
    /// As [`ETag::strong`].
    ///
    /// ```
    /// use routekit::optimistic::ETag;
    /// assert_eq!(ETag::weak("abc")?.to_string(), r#"W/"abc""#);
    /// # Ok::<(), routekit::optimistic::ETagError>(())
    /// ```
    pub fn weak(tag: &str) -> Result<Self, ETagError> {
        check_opaque(tag)?;
        Ok(ETag { weak: true, tag: tag.to_owned() })
    }

    /// Whether the tag is weak (`W/`).
    ///
    /// ```
    /// assert!(!routekit::optimistic::ETag::from_version(1).is_weak());
    /// ```
    pub fn is_weak(&self) -> bool {
        self.weak
    }

    /// The opaque text, without quotes or `W/`.
    ///
    /// ```
    /// assert_eq!(routekit::optimistic::ETag::from_version(7).tag(), "v7");
    /// ```
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// The version of a `"v<version>"` tag (strong or weak), written as
    /// [`from_version`](ETag::from_version) writes it (no sign, no leading
    /// zero); `None` for any other tag.
    ///
    /// ```
    /// use routekit::optimistic::ETag;
    /// assert_eq!(ETag::from_version(42).version(), Some(42));
    /// assert_eq!(ETag::strong("v042")?.version(), None);
    /// assert_eq!(ETag::strong("abc")?.version(), None);
    /// # Ok::<(), routekit::optimistic::ETagError>(())
    /// ```
    pub fn version(&self) -> Option<u64> {
        let digits = self.tag.strip_prefix('v')?;
        let canonical = digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.is_empty()
            && (digits == "0" || !digits.starts_with('0'));
        if canonical { digits.parse().ok() } else { None }
    }

    /// The strong comparison (RFC 9110 §8.8.3.2): both strong, same text.
    ///
    /// ```
    /// use routekit::optimistic::ETag;
    /// let (s, w) = (ETag::strong("1")?, ETag::weak("1")?);
    /// assert!(s.strong_eq(&s) && !w.strong_eq(&w) && !w.strong_eq(&s));
    /// # Ok::<(), routekit::optimistic::ETagError>(())
    /// ```
    pub fn strong_eq(&self, other: &ETag) -> bool {
        strong_eq(self.weak, &self.tag, other)
    }

    /// The weak comparison (RFC 9110 §8.8.3.2): same text, weakness ignored.
    ///
    /// ```
    /// use routekit::optimistic::ETag;
    /// let (s, w) = (ETag::strong("1")?, ETag::weak("1")?);
    /// assert!(s.weak_eq(&w) && w.weak_eq(&w) && !w.weak_eq(&ETag::weak("2")?));
    /// # Ok::<(), routekit::optimistic::ETagError>(())
    /// ```
    pub fn weak_eq(&self, other: &ETag) -> bool {
        self.tag == other.tag
    }
}

impl fmt::Display for ETag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let weak = if self.weak { "W/" } else { "" };
        write!(f, "{weak}\"{}\"", self.tag)
    }
}

impl FromStr for ETag {
    type Err = ETagError;

    /// Parses one entity-tag, as in an `ETag` header; spaces and tabs around
    /// it are ignored.
    ///
    /// ```
    /// use routekit::optimistic::{ETag, ETagError};
    /// assert_eq!(" \"v1\" ".parse::<ETag>()?, ETag::from_version(1));
    /// assert!(matches!("v1".parse::<ETag>(), Err(ETagError::NotAnEntityTag { .. })));
    /// # Ok::<(), ETagError>(())
    /// ```
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut one = Members::new(text.trim_matches(is_ows));
        if one.at_end() {
            return Err(ETagError::NotAnEntityTag { found: excerpt(text) });
        }
        match one.member()? {
            Member::Tag { weak, tag } if one.at_end() => Ok(ETag { weak, tag: tag.to_owned() }),
            Member::Tag { .. } => Err(ETagError::NotOneEntityTag { found: excerpt(text) }),
            Member::Any => Err(ETagError::NotAnEntityTag { found: excerpt(text) }),
        }
    }
}

impl ETagList {
    /// Parses one header field value.
    ///
    /// # Errors
    ///
    /// [`ETagError`] naming the malformed member.
    ///
    /// ```
    /// use routekit::optimistic::{ETagError, ETagList};
    /// assert!(matches!(ETagList::parse(r#""a" "b""#), Err(ETagError::MissingComma { .. })));
    /// assert_eq!(ETagList::parse("")?, ETagList::Tags(vec![]));
    /// # Ok::<(), ETagError>(())
    /// ```
    pub fn parse(value: &str) -> Result<Self, ETagError> {
        ETagList::parse_lines([value])
    }

    /// Parses several field lines of one header as one list (RFC 9110 §5.3).
    ///
    /// # Errors
    ///
    /// [`ETagError`] naming the malformed member; [`ETagError::WildcardInList`]
    /// when `*` is not the only member.
    ///
    /// ```
    /// use routekit::optimistic::{ETagError, ETagList};
    /// let list = ETagList::parse_lines([r#""a""#, r#"W/"b""#])?;
    /// assert_eq!(list.to_string(), r#""a", W/"b""#);
    /// assert_eq!(ETagList::parse_lines(["*", r#""a""#]), Err(ETagError::WildcardInList));
    /// # Ok::<(), ETagError>(())
    /// ```
    pub fn parse_lines<'l>(lines: impl IntoIterator<Item = &'l str>) -> Result<Self, ETagError> {
        let (mut any, mut members) = (false, 0);
        let mut tags = Vec::new();
        for line in lines {
            for member in Members::new(line) {
                members += 1;
                match member? {
                    Member::Any => any = true,
                    Member::Tag { weak, tag } => tags.push(ETag { weak, tag: tag.to_owned() }),
                }
                if any && members > 1 {
                    return Err(ETagError::WildcardInList);
                }
            }
        }
        Ok(if any { ETagList::Any } else { ETagList::Tags(tags) })
    }

    /// Whether `current` matches a member under the strong comparison (the
    /// `If-Match` rule); `*` matches every tag.
    ///
    /// ```
    /// use routekit::optimistic::{ETag, ETagList};
    /// assert!(ETagList::parse(r#""v1""#)?.contains_strong(&ETag::from_version(1)));
    /// # Ok::<(), routekit::optimistic::ETagError>(())
    /// ```
    pub fn contains_strong(&self, current: &ETag) -> bool {
        match self {
            ETagList::Any => true,
            ETagList::Tags(tags) => tags.iter().any(|tag| tag.strong_eq(current)),
        }
    }

    /// Whether `current` matches a member under the weak comparison (the
    /// `If-None-Match` rule); `*` matches every tag.
    ///
    /// ```
    /// use routekit::optimistic::{ETag, ETagList};
    /// assert!(ETagList::parse(r#"W/"v1""#)?.contains_weak(&ETag::from_version(1)));
    /// # Ok::<(), routekit::optimistic::ETagError>(())
    /// ```
    pub fn contains_weak(&self, current: &ETag) -> bool {
        match self {
            ETagList::Any => true,
            ETagList::Tags(tags) => tags.iter().any(|tag| tag.weak_eq(current)),
        }
    }
}

impl fmt::Display for ETagList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ETagList::Any => f.write_str("*"),
            ETagList::Tags(tags) => {
                for (i, tag) in tags.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{tag}")?;
                }
                Ok(())
            }
        }
    }
}

impl<'a> Preconditions<'a> {
    /// The conditions of a request with `method` (`"GET"`, `"PUT"`, …), none
    /// set yet.
    ///
    /// ```
    /// use routekit::optimistic::{Precondition, Preconditions};
    /// assert_eq!(Preconditions::new("DELETE").evaluate(None)?, Precondition::Proceed);
    /// # Ok::<(), routekit::optimistic::ETagError>(())
    /// ```
    pub fn new(method: &'a str) -> Self {
        Preconditions {
            method,
            if_match: Lines::Absent,
            if_none_match: Lines::Absent,
            required: false,
        }
    }

    /// Adds one `If-Match` field line (call once per line).
    ///
    /// ```
    /// use routekit::optimistic::{ETag, Precondition, Preconditions};
    /// let answer = Preconditions::new("PATCH").if_match(r#""v1", "v2""#).evaluate(Some(&ETag::from_version(2)))?;
    /// assert_eq!(answer, Precondition::Proceed);
    /// # Ok::<(), routekit::optimistic::ETagError>(())
    /// ```
    pub fn if_match(&mut self, value: &'a str) -> &mut Self {
        self.if_match.push(value);
        self
    }

    /// Adds one `If-None-Match` field line (call once per line).
    ///
    /// ```
    /// use routekit::optimistic::{ETag, Precondition, Preconditions};
    /// let answer = Preconditions::new("PUT").if_none_match("*").evaluate(Some(&ETag::from_version(2)))?;
    /// assert_eq!(answer, Precondition::PreconditionFailed); // it exists already
    /// # Ok::<(), routekit::optimistic::ETagError>(())
    /// ```
    pub fn if_none_match(&mut self, value: &'a str) -> &mut Self {
        self.if_none_match.push(value);
        self
    }

    /// Demands a condition: a request with none gets 428. Set it for the
    /// methods that change state.
    ///
    /// ```
    /// use routekit::optimistic::{Precondition, Preconditions};
    /// assert_eq!(Preconditions::new("PUT").require().evaluate(None)?, Precondition::PreconditionRequired);
    /// # Ok::<(), routekit::optimistic::ETagError>(())
    /// ```
    pub fn require(&mut self) -> &mut Self {
        self.required = true;
        self
    }

    /// The answer for a resource whose current representation has the tag
    /// `current` (`None`: the resource does not exist).
    ///
    /// Cost: one pass over the header text, no allocation. Every header is
    /// parsed in full, so a malformed member is an error whatever the others
    /// say.
    ///
    /// # Errors
    ///
    /// [`ETagError`] for a malformed header: answer 400 Bad Request.
    ///
    /// ```
    /// use routekit::optimistic::{ETag, ETagError, Preconditions};
    /// let err = Preconditions::new("PUT").if_match("v3").evaluate(Some(&ETag::from_version(3)));
    /// assert!(matches!(err, Err(ETagError::NotAnEntityTag { .. })));
    /// ```
    pub fn evaluate(&self, current: Option<&ETag>) -> Result<Precondition, ETagError> {
        let if_match = scan(self.if_match.as_slice(), current, strong_eq)?;
        let if_none_match = scan(self.if_none_match.as_slice(), current, weak_eq)?;
        let can_fail = |scan: &Option<Scan>| scan.is_some_and(|s| s.any || s.tags > 0);
        if self.required && if_match.is_none() && !can_fail(&if_none_match) {
            return Ok(Precondition::PreconditionRequired);
        }
        if let Some(scan) = if_match {
            let holds = if scan.any { current.is_some() } else { scan.matched };
            if !holds {
                return Ok(Precondition::PreconditionFailed);
            }
        }
        if let Some(scan) = if_none_match {
            let holds = if scan.any { current.is_none() } else { !scan.matched };
            if !holds {
                return Ok(if matches!(self.method, "GET" | "HEAD") {
                    Precondition::NotModified
                } else {
                    Precondition::PreconditionFailed
                });
            }
        }
        Ok(Precondition::Proceed)
    }
}

impl Precondition {
    /// The HTTP status code to answer with, or `None` to go ahead.
    ///
    /// ```
    /// use routekit::optimistic::Precondition;
    /// assert_eq!(Precondition::PreconditionFailed.status(), Some(412));
    /// assert_eq!(Precondition::PreconditionRequired.status(), Some(428));
    /// ```
    pub fn status(&self) -> Option<u16> {
        match self {
            Precondition::Proceed => None,
            Precondition::NotModified => Some(304),
            Precondition::PreconditionFailed => Some(412),
            Precondition::PreconditionRequired => Some(428),
        }
    }
}

/// A malformed entity-tag or entity-tag list: answer 400 Bad Request.
///
/// `found` is the offending text (its first 64 characters).
///
/// # Example
///
/// ```
/// use routekit::optimistic::ETagList;
/// let err = ETagList::parse(r#""v1", w/"v2""#).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     r#"w/"v2" is not an entity-tag: send "opaque" or W/"opaque" (W uppercase), or * alone"#
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ETagError {
    /// A member does not start with `"` or `W/"`.
    #[error(
        r#"{found} is not an entity-tag: send "opaque" or W/"opaque" (W uppercase), or * alone"#
    )]
    #[non_exhaustive]
    NotAnEntityTag {
        /// The offending text.
        found: String,
    },
    /// An entity-tag has no closing `"`.
    #[error(r#"{found} lacks its closing double quote"#)]
    #[non_exhaustive]
    Unterminated {
        /// The offending text.
        found: String,
    },
    /// An entity-tag holds a character that is not allowed.
    #[error(
        "{found} holds {character:?}, which an entity-tag cannot: allowed are visible ASCII \
         other than '\"', and non-ASCII text"
    )]
    #[non_exhaustive]
    InvalidCharacter {
        /// The offending text.
        found: String,
        /// The character not allowed.
        character: char,
    },
    /// Something other than a comma follows an entity-tag.
    #[error("{found} follows an entity-tag without a comma: separate list members with ','")]
    #[non_exhaustive]
    MissingComma {
        /// The text after the entity-tag.
        found: String,
    },
    /// A single entity-tag was expected, and the text holds more.
    #[error("{found} holds more than one entity-tag: an ETag header has exactly one")]
    #[non_exhaustive]
    NotOneEntityTag {
        /// The offending text.
        found: String,
    },
    /// `*` appeared together with other members.
    #[error("* must be the only member of If-Match / If-None-Match, not part of a list")]
    WildcardInList,
}

/// One list member.
enum Member<'a> {
    Any,
    Tag { weak: bool, tag: &'a str },
}

/// The members of one field line, in order: `#member` of RFC 9110 §5.6.1
/// with empty members skipped, then each member checked against §8.8.3.
///
/// Works on bytes: every byte the grammar names is ASCII, and in valid UTF-8
/// every byte of a non-ASCII character is 0x80 or above, which `obs-text`
/// allows, so byte positions at ASCII bytes are always character boundaries.
struct Members<'a> {
    text: &'a str,
    at: usize,
}

/// The field lines given for one header: most requests send one.
#[derive(Clone, Debug, Default)]
enum Lines<'a> {
    #[default]
    Absent,
    One(&'a str),
    Many(Vec<&'a str>),
}

/// What one header held, for [`Preconditions::evaluate`].
#[derive(Clone, Copy)]
struct Scan {
    any: bool,
    tags: usize,
    matched: bool,
}

impl<'a> Members<'a> {
    fn new(line: &'a str) -> Self {
        Members { text: line, at: 0 }
    }

    fn skip(&mut self, also_commas: bool) {
        let bytes = self.text.as_bytes();
        while let Some(&b) = bytes.get(self.at) {
            if !(b == b' ' || b == b'\t' || (also_commas && b == b',')) {
                break;
            }
            self.at += 1;
        }
    }

    /// Whether only optional whitespace is left.
    fn at_end(&mut self) -> bool {
        self.skip(false);
        self.at == self.text.len()
    }

    /// The member starting here, and the separator after it.
    fn member(&mut self) -> Result<Member<'a>, ETagError> {
        let (text, bytes, start) = (self.text, self.text.as_bytes(), self.at);
        let member = if bytes.get(start) == Some(&b'*') {
            self.at += 1;
            Member::Any
        } else {
            let weak = bytes[start..].starts_with(b"W/");
            let open = if weak { start + 2 } else { start };
            if bytes.get(open) != Some(&b'"') {
                return Err(ETagError::NotAnEntityTag {
                    found: excerpt(until_comma(&text[start..])),
                });
            }
            let mut close = open + 1;
            loop {
                match bytes.get(close) {
                    Some(b'"') => break,
                    Some(&b) if is_etagc(b) => close += 1,
                    Some(_) => {
                        let end = text[close..].find('"').map_or(text.len(), |q| close + q + 1);
                        return Err(invalid_character(&text[start..end], &text[close..]));
                    }
                    None => return Err(ETagError::Unterminated { found: excerpt(&text[start..]) }),
                }
            }
            self.at = close + 1;
            Member::Tag { weak, tag: &text[open + 1..close] }
        };
        if !self.at_end() && bytes[self.at] != b',' {
            return Err(ETagError::MissingComma { found: excerpt(&text[self.at..]) });
        }
        Ok(member)
    }
}

impl<'a> Iterator for Members<'a> {
    type Item = Result<Member<'a>, ETagError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.skip(true);
        if self.at == self.text.len() {
            return None;
        }
        let member = self.member();
        if member.is_err() {
            self.at = self.text.len();
        }
        Some(member)
    }
}

impl<'a> Lines<'a> {
    fn push(&mut self, line: &'a str) {
        *self = match std::mem::take(self) {
            Lines::Absent => Lines::One(line),
            Lines::One(first) => Lines::Many(vec![first, line]),
            Lines::Many(mut lines) => {
                lines.push(line);
                Lines::Many(lines)
            }
        };
    }

    fn as_slice(&self) -> &[&'a str] {
        match self {
            Lines::Absent => &[],
            Lines::One(line) => std::slice::from_ref(line),
            Lines::Many(lines) => lines,
        }
    }
}

/// Scans the field lines of one header: whether it is present, holds `*`,
/// how many tags it lists, and whether one of them equals `current` under
/// `eq`.
fn scan(
    lines: &[&str],
    current: Option<&ETag>,
    eq: fn(bool, &str, &ETag) -> bool,
) -> Result<Option<Scan>, ETagError> {
    if lines.is_empty() {
        return Ok(None);
    }
    let mut scan = Scan { any: false, tags: 0, matched: false };
    let mut stars = 0;
    for line in lines {
        for member in Members::new(line) {
            match member? {
                Member::Any => {
                    scan.any = true;
                    stars += 1;
                }
                Member::Tag { weak, tag } => {
                    scan.tags += 1;
                    scan.matched |= current.is_some_and(|current| eq(weak, tag, current));
                }
            }
            if scan.any && (scan.tags > 0 || stars > 1) {
                return Err(ETagError::WildcardInList);
            }
        }
    }
    Ok(Some(scan))
}

fn strong_eq(weak: bool, tag: &str, other: &ETag) -> bool {
    !weak && !other.weak && tag == other.tag
}

fn weak_eq(_weak: bool, tag: &str, other: &ETag) -> bool {
    tag == other.tag
}

/// `etagc = %x21 / %x23-7E / obs-text`: visible ASCII but `"`, and any
/// byte of a non-ASCII character (all are 0x80 or above).
fn is_etagc(b: u8) -> bool {
    b == b'!' || (b'#'..=b'~').contains(&b) || b >= 0x80
}

/// Checks the opaque text of a tag built from parts.
fn check_opaque(tag: &str) -> Result<(), ETagError> {
    match tag.bytes().position(|b| !is_etagc(b)) {
        None => Ok(()),
        Some(at) => Err(invalid_character(tag, &tag[at..])),
    }
}

/// The error for the character that starts `bad`, inside `found`.
fn invalid_character(found: &str, bad: &str) -> ETagError {
    let character = bad.chars().next().unwrap_or('"');
    ETagError::InvalidCharacter { found: excerpt(found), character }
}

fn is_ows(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn until_comma(text: &str) -> &str {
    text.split(',').next().unwrap_or(text).trim_end_matches(is_ows)
}

/// The first 64 characters of `text`, for an error message.
fn excerpt(text: &str) -> String {
    match text.char_indices().nth(64) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_capped() {
        let long = "x".repeat(100);
        assert_eq!(excerpt(&long).chars().count(), 65);
        assert_eq!(excerpt("short"), "short");
    }

    #[test]
    fn commas_and_spaces_inside_a_tag() {
        // ',' is an etagc; ' ' is not.
        assert_eq!(
            ETagList::parse(r#""a,b""#).unwrap(),
            ETagList::Tags(vec![ETag::strong("a,b").unwrap()])
        );
        assert!(matches!(
            ETagList::parse(r#""a b""#),
            Err(ETagError::InvalidCharacter { character: ' ', .. })
        ));
    }
}
