//! Three instances edit a shared cart and a visit counter without
//! coordinating, exchange deltas as bytes over a network that shuffles,
//! duplicates and loses messages, re-send what was lost, and converge.
//!
//! A change that changes nothing (removing an item that is not in the cart)
//! makes no delta, so nothing is sent for it. At the end the example prints
//! how many bytes crossed the network, against sending the whole state after
//! every change.
//!
//! ```sh
//! cargo run --example crdt_replicas            # seed 7
//! cargo run --example crdt_replicas -- 12345   # another seeded run
//! ```

use routekit::crdt::{OrSet, OrSetDelta, PNCounter, PNCounterDelta};

/// One instance: its actor id, its copy of the cart and of the counter.
struct Instance {
    name: &'static str,
    cart: OrSet<String, String>,
    visits: PNCounter<String>,
}

/// What travels between instances: the bytes of a delta of the cart or of
/// the counter, the way it would cross a real network.
#[derive(Clone)]
enum Message {
    Cart(Vec<u8>),
    Visits(Vec<u8>),
}

impl Message {
    fn len(&self) -> usize {
        match self {
            Message::Cart(bytes) | Message::Visits(bytes) => bytes.len(),
        }
    }
}

/// A seeded pseudo-random sequence (SplitMix64), so runs can be repeated.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Reads a delta from its bytes and merges it through the cheap delta path.
fn receive(instance: &mut Instance, message: &Message) -> Result<(), Box<dyn std::error::Error>> {
    match message {
        Message::Cart(bytes) => instance.cart.merge_delta(&OrSetDelta::from_bytes(bytes)?)?,
        Message::Visits(bytes) => instance.visits.merge_delta(&PNCounterDelta::from_bytes(bytes)?),
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seed = std::env::args().nth(1).map_or(Ok(7), |s| s.parse())?;
    let mut rng = Rng(seed);
    let mut instances: Vec<Instance> = ["eu-1", "us-1", "ap-1"]
        .into_iter()
        .map(|name| Instance { name, cart: OrSet::new(), visits: PNCounter::new() })
        .collect();
    let items = ["tea", "milk", "bread", "jam", "eggs", "rice"];

    // (recipient, message) pairs in flight, and those the network dropped.
    let mut in_flight: Vec<(usize, Message)> = Vec::new();
    let mut lost: Vec<(usize, Message)> = Vec::new();
    let (mut sent, mut duplicated, mut visits_total) = (0, 0, 0i128);
    let (mut unchanged, mut delta_bytes, mut state_bytes) = (0, 0, 0);

    for _ in 0..300 {
        let at = rng.below(instances.len());
        let instance = &mut instances[at];
        let actor = instance.name.to_string();
        let item = items[rng.below(items.len())].to_string();
        let message = match rng.below(10) {
            0..=2 => Some(Message::Cart(instance.cart.add(&actor, item)?.to_bytes())),
            // Removing an item that is not in the cart returns no delta.
            3..=5 => instance.cart.remove(&item).map(|delta| Message::Cart(delta.to_bytes())),
            _ => {
                visits_total += 1;
                let delta = instance.visits.increment(&actor, 1)?;
                delta.map(|delta| Message::Visits(delta.to_bytes()))
            }
        };
        let Some(message) = message else {
            unchanged += 1;
            continue;
        };
        // What sending the whole changed state instead would have cost.
        let state = match &message {
            Message::Cart(_) => instance.cart.encoded_len(),
            Message::Visits(_) => instance.visits.encoded_len(),
        };
        for to in (0..instances.len()).filter(|&to| to != at) {
            delta_bytes += message.len();
            state_bytes += state;
            in_flight.push((to, message.clone()));
        }

        // The network delivers a few messages in any order; it loses one in
        // five and delivers one in ten twice.
        for _ in 0..rng.below(4) {
            if in_flight.is_empty() {
                break;
            }
            let (to, message) = in_flight.swap_remove(rng.below(in_flight.len()));
            sent += 1;
            match rng.below(10) {
                0 | 1 => lost.push((to, message)),
                2 => {
                    duplicated += 1;
                    receive(&mut instances[to], &message)?;
                    in_flight.push((to, message));
                }
                _ => receive(&mut instances[to], &message)?,
            }
        }
    }

    // Drain the network, then re-send everything that was lost.
    let lost_count = lost.len();
    for queue in [&mut in_flight, &mut lost] {
        while !queue.is_empty() {
            let (to, message) = queue.swap_remove(rng.below(queue.len()));
            receive(&mut instances[to], &message)?;
        }
    }

    println!(
        "seed {seed}: {sent} deliveries, {duplicated} duplicated, {lost_count} lost and re-sent"
    );
    println!(
        "{unchanged} changes changed nothing and sent nothing; deltas took {delta_bytes} bytes, \
         whole states after each change would have taken {state_bytes}"
    );
    for instance in &instances {
        let cart: Vec<&str> = instance.cart.iter().map(String::as_str).collect();
        println!(
            "{}: cart {:?}, visits {}, causal context compact: {}",
            instance.name,
            cart,
            instance.visits.value(),
            instance.cart.context().is_compact()
        );
    }
    let first = &instances[0];
    let converged = instances.iter().all(|i| i.cart == first.cart && i.visits == first.visits)
        && first.visits.value() == visits_total;
    if !converged {
        return Err("the instances did not converge".into());
    }
    println!("converged: all three instances hold the same cart and {visits_total} visits");
    Ok(())
}
