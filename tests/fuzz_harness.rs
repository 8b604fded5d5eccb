//! The fuzz harness itself: deterministic, varied, and loud on a panic.

#[path = "support/fuzz.rs"]
mod fuzz;

use fuzz::{Field, Target};

/// A toy format: magic `T`, version 1, a u32 LE count, then that many bytes.
fn decode(bytes: &[u8]) -> Option<Vec<u8>> {
    let (&[b'T', 1], rest) = bytes.split_first_chunk::<2>()? else { return None };
    let (count, rest) = rest.split_first_chunk::<4>()?;
    (u32::from_le_bytes(*count) as usize == rest.len()).then(|| rest.to_vec())
}

fn encode(body: &[u8]) -> Vec<u8> {
    let mut out = vec![b'T', 1];
    out.extend((body.len() as u32).to_le_bytes());
    out.extend(body);
    out
}

#[test]
fn mutations_reach_refusals_and_acceptances_alike() {
    let seeds = vec![encode(b""), encode(b"abc"), encode(&[7; 40])];
    let target = Target {
        name: "toy",
        seeds: &seeds,
        fields: &[Field { at: 1, width: 1 }, Field { at: 2, width: 4 }],
        default_cases: 5_000,
    };
    let outcome =
        fuzz::run(&target, decode, |body, input| fuzz::assert_canonical(&encode(body), input));
    assert_eq!(outcome.cases, fuzz::cases(5_000));
    // Unmutated seeds are accepted; most mutations are refused.
    assert!(outcome.accepted > outcome.cases / 40, "{outcome:?}");
    assert!(outcome.accepted < outcome.cases / 2, "{outcome:?}");
}

#[test]
fn the_same_target_generates_the_same_cases() {
    let seeds = vec![encode(b"hello")];
    let target = Target { name: "toy", seeds: &seeds, fields: &[], default_cases: 1 };
    let run = |n: u64| {
        let mut rng = fuzz::Rng::new(n);
        (0..50).map(|_| fuzz::generate(&mut rng, &target)).collect::<Vec<_>>()
    };
    assert_eq!(run(3), run(3));
    assert_ne!(run(3), run(4));
    let distinct: std::collections::HashSet<_> = run(3).into_iter().collect();
    assert!(distinct.len() > 25, "{} distinct cases of 50", distinct.len());
}

#[test]
#[should_panic(expected = "case")]
fn a_panic_in_a_check_names_its_case() {
    let seeds = vec![encode(b"x")];
    let target = Target { name: "toy", seeds: &seeds, fields: &[], default_cases: 100 };
    fuzz::run(&target, decode, |_, _| panic!("law broken"));
}
