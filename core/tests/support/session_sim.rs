//! The simulator that writes the scripts of `testvectors/v1/sessions.json`:
//! two connections joined by a link with a fixed one-way latency, whose
//! deadlines fire when due. The sim only decides *which* steps happen; every
//! step is recorded explicitly (bytes delivered included), so a replayer
//! needs no link model.
//!
//! Only `session_vectors` uses this; it declares it with `#[path]`.

use std::collections::VecDeque;

use serde_json::Value;
use veil_core::connection::ConnectionState;

use crate::support::session::{Op, Session, SideSpec, Step, SIDES};

/// One-way latency of the simulated link.
pub const LATENCY_MS: u64 = 25;

/// What travels on the link.
enum Flight {
    Bytes(Vec<u8>),
    /// The sender's shell dropped the socket after its close.
    Eof,
}

/// Changes a transmit before it travels.
pub type Tamper = Box<dyn FnMut(&mut Vec<u8>)>;

/// Two connections on the simulated link, and the script recorded so far.
pub struct Sim {
    session: Session,
    pub steps: Vec<Step>,
    pub expect: Vec<Value>,
    now: u64,
    /// `(arrival, to side, what)`, in arrival order (one latency for all).
    in_flight: VecDeque<(u64, usize, Flight)>,
    /// A frozen side does nothing: nothing reaches it, its deadlines pass
    /// unhandled (a hung peer or a black-holed path).
    pub frozen: [bool; 2],
    closed: [bool; 2],
    /// How each side answers `check_nonce`.
    pub nonce_is_local: [bool; 2],
    /// Changes the next transmit of the given side before it travels.
    pub tamper: [Option<Tamper>; 2],
    /// Whether transmits arriving together at one side are delivered as
    /// one read (as TCP may coalesce them).
    pub coalesce: bool,
    opened: bool,
}

impl Sim {
    pub fn new(sides: [Option<SideSpec>; 2]) -> Sim {
        Sim {
            session: Session::new(sides),
            steps: Vec::new(),
            expect: Vec::new(),
            now: 0,
            in_flight: VecDeque::new(),
            frozen: [false; 2],
            closed: [false; 2],
            nonce_is_local: [false; 2],
            tamper: [None, None],
            coalesce: false,
            opened: false,
        }
    }

    /// Opens the sides that have a configuration, at time 0, `a` first.
    fn open(&mut self) {
        if self.opened {
            return;
        }
        self.opened = true;
        for side in 0..2 {
            if self.session.spec(side).is_some() {
                self.act(side, Op::Open);
            }
        }
    }

    /// Performs `op` on `side` now and routes what comes out.
    pub fn act(&mut self, side: usize, op: Op) {
        if op != Op::Open {
            self.open();
        }
        let step = Step {
            at_ms: self.now,
            side,
            op,
        };
        let outputs = self
            .session
            .perform(self.steps.len(), &step)
            .expect("a scripted step runs");
        self.steps.push(step);
        let peer = 1 - side;
        let mut check_nonce = false;
        for output in &outputs {
            match output["output"].as_str() {
                Some("transmit") => {
                    let mut bytes = hex::decode(output["bytes"].as_str().unwrap()).unwrap();
                    if let Some(mut tamper) = self.tamper[side].take() {
                        tamper(&mut bytes);
                    }
                    self.in_flight
                        .push_back((self.now + LATENCY_MS, peer, Flight::Bytes(bytes)));
                }
                Some("event") if output["event"] == "closed" => {
                    self.closed[side] = true;
                    self.in_flight
                        .push_back((self.now + LATENCY_MS, peer, Flight::Eof));
                }
                Some("event") if output["event"] == "check_nonce" => check_nonce = true,
                _ => {}
            }
        }
        self.expect.extend(outputs);
        if check_nonce {
            let is_local = self.nonce_is_local[side];
            self.act(side, Op::NonceCheck { is_local });
        }
    }

    fn deadline(&self, side: usize) -> Option<u64> {
        if self.frozen[side] || self.closed[side] {
            return None;
        }
        let (at, _) = self.session.connection(side)?.poll_timeout()?;
        Some(at.as_millis())
    }

    /// Delivers what arrives and fires what is due, in time order, up to
    /// and including `until`; then sets the clock to `until`.
    pub fn run_until(&mut self, until: u64) {
        self.open();
        for _ in 0..10_000 {
            let arrival = self.in_flight.front().map(|(at, _, _)| *at);
            let timers = [self.deadline(0), self.deadline(1)];
            let Some(next) = arrival
                .into_iter()
                .chain(timers.into_iter().flatten())
                .min()
            else {
                break;
            };
            if next > until {
                break;
            }
            self.now = self.now.max(next);
            if arrival == Some(next) {
                let (_, to, flight) = self.in_flight.pop_front().unwrap();
                let present = self.session.connection(to).is_some();
                if !present || self.frozen[to] || self.closed[to] {
                    continue;
                }
                match flight {
                    Flight::Bytes(mut bytes) => {
                        while self.coalesce {
                            match self.in_flight.front() {
                                Some((at, next_to, Flight::Bytes(_)))
                                    if *at == next && *next_to == to =>
                                {
                                    if let Some((_, _, Flight::Bytes(more))) =
                                        self.in_flight.pop_front()
                                    {
                                        bytes.extend(more);
                                    }
                                }
                                _ => break,
                            }
                        }
                        self.act(to, Op::Deliver(bytes));
                    }
                    Flight::Eof => self.act(to, Op::Eof),
                }
            } else {
                let side = if timers[0] == Some(next) { 0 } else { 1 };
                self.act(side, Op::Timeout);
            }
        }
        self.now = self.now.max(until);
    }

    fn state(&self, side: usize) -> Option<ConnectionState> {
        self.session.connection(side).map(|c| c.state())
    }
}

/// The last state of each side, as a close reason name or `connected`.
pub fn endings(sim: &Sim) -> [Option<String>; 2] {
    let mut ends = [None, None];
    for (side, end) in ends.iter_mut().enumerate() {
        let closed =
            sim.expect.iter().rev().find(|o| {
                o["side"] == SIDES[side] && o["output"] == "event" && o["event"] == "closed"
            });
        *end = match (closed, sim.state(side)) {
            (Some(closed), _) => Some(closed["reason"].as_str().unwrap().to_string()),
            (None, Some(ConnectionState::Connected)) => Some("connected".into()),
            (None, Some(other)) => Some(other.as_str().to_string()),
            (None, None) => None,
        };
    }
    ends
}
