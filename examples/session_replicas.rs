//! Three instances serve the same users without sticky routing: each
//! session is replicated to every instance, as a last-writer-wins map of
//! attributes (a few registers: user, theme, locale, last page), an
//! add-wins cart set and a page-view counter. Instances send deltas as
//! bytes over a network that reorders, duplicates and loses messages, then
//! re-send what was lost, and converge.
//!
//! Requests often write what the session already holds (the same theme,
//! the same user): those writes make no delta and send nothing. At the end
//! the example prints how many writes were skipped, whether the replicas
//! agree, and the bytes sent against sending the whole session after every
//! change.
//!
//! ```sh
//! cargo run --example session_replicas            # seed 7
//! cargo run --example session_replicas -- 12345   # another seeded run
//! ```

use std::collections::BTreeMap;

use routekit::crdt::{
    HybridClock, LwwMap, LwwMapDelta, OrSet, OrSetDelta, PNCounter, PNCounterDelta,
};

/// One session on one instance.
#[derive(Clone, Default, PartialEq, Debug)]
struct Session {
    attributes: LwwMap<String, String, String>,
    cart: OrSet<String, String>,
    views: PNCounter<String>,
}

impl Session {
    /// What sending the whole session costs.
    fn encoded_len(&self) -> usize {
        self.attributes.encoded_len() + self.cart.encoded_len() + self.views.encoded_len()
    }
}

/// One instance: its actor id, its clock and its copy of every session.
struct Instance {
    name: String,
    clock: HybridClock,
    sessions: BTreeMap<u32, Session>,
}

/// What travels: a session id and the bytes of one part's delta.
#[derive(Clone)]
enum Message {
    Attribute(u32, Vec<u8>),
    Cart(u32, Vec<u8>),
    Views(u32, Vec<u8>),
}

impl Message {
    fn len(&self) -> usize {
        match self {
            Message::Attribute(_, b) | Message::Cart(_, b) | Message::Views(_, b) => 4 + b.len(),
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

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn receive(instance: &mut Instance, message: &Message) -> Result<(), Box<dyn std::error::Error>> {
    match message {
        Message::Attribute(id, bytes) => {
            let delta = LwwMapDelta::from_bytes(bytes)?;
            // Follow the writers' clocks, so later writes here order after theirs.
            instance.clock.observe(delta.timestamp())?;
            instance.sessions.entry(*id).or_default().attributes.merge_delta(&delta)?;
        }
        Message::Cart(id, bytes) => {
            let session = instance.sessions.entry(*id).or_default();
            session.cart.merge_delta(&OrSetDelta::from_bytes(bytes)?)?;
        }
        Message::Views(id, bytes) => {
            let session = instance.sessions.entry(*id).or_default();
            session.views.merge_delta(&PNCounterDelta::from_bytes(bytes)?);
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seed = std::env::args().nth(1).map_or(Ok(7), |s| s.parse())?;
    let mut rng = Rng(seed);
    let mut instances: Vec<Instance> = ["eu-1", "eu-2", "us-1"]
        .iter()
        .map(|name| Instance {
            name: name.to_string(),
            clock: HybridClock::new(),
            sessions: BTreeMap::new(),
        })
        .collect();

    let (sessions, requests) = (20u32, 3_000);
    let mut network: Vec<(usize, Message)> = Vec::new();
    let mut lost: Vec<(usize, Message)> = Vec::new();
    let (mut sent_bytes, mut full_bytes, mut skipped, mut writes) =
        (0usize, 0usize, 0usize, 0usize);

    for _ in 0..requests {
        // A request for a random session lands on a random instance.
        let at = rng.below(instances.len());
        let id = rng.below(sessions as usize) as u32;
        let instance = &mut instances[at];
        let actor = instance.name.clone();
        let session = instance.sessions.entry(id).or_default();
        let mut out = Vec::new();

        // Every request re-writes the user and theme (usually unchanged),
        // sometimes the locale and the page, and counts a view.
        let user = format!("user-{id}");
        let theme = if rng.below(10) == 0 { rng.pick(&["dark", "light"]) } else { "dark" };
        let mut updates = vec![("user", user), ("theme", theme.to_string())];
        if rng.below(5) == 0 {
            updates.push(("locale", rng.pick(&["en", "de", "fr"]).to_string()));
        }
        if rng.below(2) == 0 {
            updates.push(("page", format!("/item/{}", rng.below(8))));
        }
        for (name, value) in updates {
            writes += 1;
            match session.attributes.set_now(
                &mut instance.clock,
                &actor,
                name.to_string(),
                value,
            )? {
                Some(delta) => out.push(Message::Attribute(id, delta.to_bytes())),
                None => skipped += 1,
            }
        }
        if let Some(delta) = session.views.increment(&actor, 1)? {
            out.push(Message::Views(id, delta.to_bytes()));
        }
        match rng.below(6) {
            0 => {
                let item = rng.pick(&["tea", "milk", "bread", "jam"]).to_string();
                out.push(Message::Cart(id, session.cart.add(&actor, item)?.to_bytes()));
            }
            1 => {
                let item = rng.pick(&["tea", "milk", "bread", "jam"]);
                writes += 1;
                match session.cart.remove(item) {
                    Some(delta) => out.push(Message::Cart(id, delta.to_bytes())),
                    None => skipped += 1, // not in the cart: nothing to send
                }
            }
            _ => {}
        }
        let whole = session.encoded_len();
        for message in out {
            for to in (0..3).filter(|&to| to != at) {
                sent_bytes += message.len();
                full_bytes += 4 + whole;
                network.push((to, message.clone()));
            }
        }
        // The network delivers messages in any order, keeping up to a few
        // dozen in flight, now and then twice, and loses one in ten.
        while network.len() > 40 || (!network.is_empty() && rng.below(3) != 0) {
            let (to, message) = network.swap_remove(rng.below(network.len()));
            match rng.below(10) {
                0 => lost.push((to, message)),
                1 => {
                    receive(&mut instances[to], &message)?;
                    receive(&mut instances[to], &message)?;
                }
                _ => receive(&mut instances[to], &message)?,
            }
        }
    }
    // What is still in flight arrives; what was lost is sent again.
    println!("{} messages in flight at the end, {} lost and re-sent", network.len(), lost.len());
    for (to, message) in network.iter().chain(&lost) {
        sent_bytes += message.len();
        receive(&mut instances[*to], message)?;
    }

    let agree = instances.windows(2).all(|w| w[0].sessions == w[1].sessions);
    println!("{} sessions on {} instances: replicas agree: {agree}", sessions, instances.len());
    let sample = &instances[0].sessions[&0];
    let mut attributes: Vec<_> = sample.attributes.iter().collect();
    attributes.sort();
    println!(
        "session 0: {attributes:?}, cart {:?}, {} views",
        sample.cart.iter().collect::<Vec<_>>(),
        sample.views.value()
    );
    println!(
        "{writes} attribute and cart writes, {skipped} changed nothing and sent nothing ({:.0}%)",
        100.0 * skipped as f64 / writes as f64
    );
    println!(
        "bytes sent as deltas: {sent_bytes}; as whole sessions after every change: {full_bytes} \
         ({:.1}x more)",
        full_bytes as f64 / sent_bytes as f64
    );
    if !agree {
        return Err("replicas diverged".into());
    }
    Ok(())
}
