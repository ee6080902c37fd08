//! Memory held by an idle established connection, measured with a
//! counting global allocator.
//!
//! A binary that wants the figure installs [`CountingAlloc`] as its global
//! allocator (`connection-memory` and `bench-report` do) and calls
//! [`measure`]. It connects an outbound and an inbound connection with the
//! same local loop as the connection benches ([`Nodes::connect`]), drains
//! them, optionally runs them through some traffic ([`Scenario`]), and then
//! drops them one at a time: the bytes freed by dropping a connection are
//! the heap it held. Everything the harness owns (configuration,
//! identities, buffers) is made before and freed after, so it never counts.
//! Each connection's figure is `size_of::<Connection>()` (where the
//! application keeps it) plus that heap; the shared
//! `Arc<ConnectionConfig>` is reported apart.
//!
//! Heap bytes are the sizes asked of the allocator; glibc's malloc adds
//! 8 bytes per block and rounds up to 16.
//!
//! # Example
//!
//! ```
//! use veil_benches::memory::{measure, Scenario};
//! // Without `CountingAlloc` as the global allocator there is nothing to
//! // count with.
//! assert!(measure(Scenario::JustConnected).is_err());
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use veil_core::connection::{Connection, ConnectionConfig, Event};
use veil_core::message::Message;
use veil_core::{Duration, Instant};

use crate::connection::{Link, Nodes, BLOCK_LEN};

/// The largest idle connection the goal allows: 4 KiB.
///
/// ```
/// assert_eq!(veil_benches::memory::GOAL_BYTES, 4096);
/// ```
pub const GOAL_BYTES: usize = 4096;

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);
static FREED: AtomicUsize = AtomicUsize::new(0);
static TRACKING: AtomicBool = AtomicBool::new(false);

/// Live blocks recorded while tracking: address (0 = free slot) and size.
const SLOTS: usize = 4096;
static SLOT_ADDR: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
static SLOT_SIZE: [AtomicUsize; SLOTS] = [const { AtomicUsize::new(0) }; SLOTS];
static SLOTS_OVERFLOWED: AtomicBool = AtomicBool::new(false);

/// The system allocator, counting bytes allocated and freed, and recording
/// live blocks while [`measure`] runs.
///
/// ```no_run
/// #[global_allocator]
/// static ALLOC: veil_benches::memory::CountingAlloc = veil_benches::memory::CountingAlloc;
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct CountingAlloc;

fn record(addr: *mut u8, size: usize) {
    if addr.is_null() {
        return;
    }
    ALLOCATED.fetch_add(size, Ordering::Relaxed);
    if TRACKING.load(Ordering::Relaxed) {
        let addr = addr as usize;
        for (slot, slot_size) in SLOT_ADDR.iter().zip(&SLOT_SIZE) {
            if slot
                .compare_exchange(0, addr, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
            {
                slot_size.store(size, Ordering::Relaxed);
                return;
            }
        }
        SLOTS_OVERFLOWED.store(true, Ordering::Relaxed);
    }
}

fn forget(addr: *mut u8, size: usize) {
    FREED.fetch_add(size, Ordering::Relaxed);
    if TRACKING.load(Ordering::Relaxed) {
        let addr = addr as usize;
        if let Some(slot) = SLOT_ADDR
            .iter()
            .find(|slot| slot.load(Ordering::Relaxed) == addr)
        {
            slot.store(0, Ordering::Relaxed);
        }
    }
}

// SAFETY: every call is passed to `System` unchanged; the bookkeeping only
// touches atomics and never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let addr = unsafe { System.alloc(layout) };
        record(addr, layout.size());
        addr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let addr = unsafe { System.alloc_zeroed(layout) };
        record(addr, layout.size());
        addr
    }

    unsafe fn dealloc(&self, addr: *mut u8, layout: Layout) {
        forget(addr, layout.size());
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(addr, layout) }
    }

    unsafe fn realloc(&self, addr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        let new = unsafe { System.realloc(addr, layout, new_size) };
        if !new.is_null() {
            forget(addr, layout.size());
            record(new, new_size);
        }
        new
    }
}

/// Bytes allocated and not yet freed, process-wide.
fn live() -> usize {
    ALLOCATED.load(Ordering::Relaxed) - FREED.load(Ordering::Relaxed)
}

/// The blocks recorded as live: address to size. The map itself is not
/// recorded (tracking pauses while it is built).
fn tracked() -> BTreeMap<usize, usize> {
    let was = TRACKING.swap(false, Ordering::Relaxed);
    let blocks = SLOT_ADDR
        .iter()
        .zip(&SLOT_SIZE)
        .filter_map(|(addr, size)| {
            let addr = addr.load(Ordering::Relaxed);
            (addr != 0).then(|| (addr, size.load(Ordering::Relaxed)))
        })
        .collect();
    TRACKING.store(was, Ordering::Relaxed);
    blocks
}

/// Bytes allocated and not yet freed, process-wide, as [`CountingAlloc`]
/// counts them (0 without it: nothing is counted).
///
/// ```
/// assert_eq!(veil_benches::memory::live_bytes(), 0);
/// ```
#[must_use]
pub fn live_bytes() -> usize {
    live()
}

/// Whether [`CountingAlloc`] is this process's global allocator.
///
/// ```
/// assert!(!veil_benches::memory::counting_alloc_installed());
/// ```
#[must_use]
pub fn counting_alloc_installed() -> bool {
    let before = ALLOCATED.load(Ordering::Relaxed);
    let probe = std::hint::black_box(Box::new(0u64));
    drop(probe);
    ALLOCATED.load(Ordering::Relaxed) != before
}

/// What the connections go through before they are measured.
///
/// ```
/// use veil_benches::memory::Scenario;
/// assert_eq!(Scenario::JustConnected.label(), "just connected");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// Handshake complete and every event taken: the smallest an
    /// established connection gets.
    JustConnected,
    /// Then one 64 KiB `block` each way, and an hour on the clock, deadline
    /// to deadline: a keepalive ping each way every minute and one session
    /// rekey. Events taken, transmit queues drained.
    AfterAnHour,
}

impl Scenario {
    /// Both scenarios, in order.
    ///
    /// ```
    /// assert_eq!(veil_benches::memory::Scenario::ALL.len(), 2);
    /// ```
    pub const ALL: [Scenario; 2] = [Scenario::JustConnected, Scenario::AfterAnHour];

    /// A short description for tables.
    ///
    /// ```
    /// use veil_benches::memory::Scenario;
    /// assert!(Scenario::AfterAnHour.label().contains("hour"));
    /// ```
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Scenario::JustConnected => "just connected",
            Scenario::AfterAnHour => "after 64 KiB each way and an hour of keepalive + 1 rekey",
        }
    }
}

/// The memory one idle connection holds.
///
/// ```
/// use veil_benches::memory::Held;
/// let held = Held { size_of: 700, heap: 1000, blocks: vec![900, 100], buffered: 100 };
/// assert_eq!(held.total(), 1700);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held {
    /// `size_of::<Connection>()`: the part stored where the application
    /// keeps the connection.
    pub size_of: usize,
    /// Heap bytes freed when the connection is dropped.
    pub heap: usize,
    /// Sizes of those heap blocks, largest first.
    pub blocks: Vec<usize>,
    /// What the connection counts itself in `Connection::buffered_bytes`
    /// (transmit queue, partial input and garbage capacity).
    pub buffered: usize,
}

impl Held {
    /// `size_of` plus `heap`.
    ///
    /// ```
    /// # use veil_benches::memory::Held;
    /// assert_eq!(Held { size_of: 1, heap: 2, blocks: vec![2], buffered: 0 }.total(), 3);
    /// ```
    #[must_use]
    pub fn total(&self) -> usize {
        self.size_of + self.heap
    }
}

/// Both idle connections of one [`Scenario`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Measurement {
    /// What happened before the measurement.
    pub scenario: Scenario,
    /// The dialling side.
    pub outbound: Held,
    /// The accepting side.
    pub inbound: Held,
    /// Heap of the `Arc<ConnectionConfig>` every connection of a node
    /// shares (counted once per node, not per connection).
    pub shared_config: usize,
    /// Bytes allocated from the first connection's creation on and still
    /// live once both are dropped: 0 unless something outlives its
    /// connection.
    pub leftover: usize,
}

impl Measurement {
    /// The larger of the two sides' totals: what the goal is judged on.
    ///
    /// ```
    /// # use veil_benches::memory::{Held, Measurement, Scenario};
    /// let side = |heap| Held { size_of: 10, heap, blocks: vec![heap], buffered: 0 };
    /// let m = Measurement { scenario: Scenario::JustConnected, outbound: side(5), inbound: side(7), shared_config: 0, leftover: 0 };
    /// assert_eq!(m.worst(), 17);
    /// ```
    #[must_use]
    pub fn worst(&self) -> usize {
        self.outbound.total().max(self.inbound.total())
    }

    /// Whether the worst side fits in [`GOAL_BYTES`].
    ///
    /// ```
    /// # use veil_benches::memory::{Held, Measurement, Scenario};
    /// let side = Held { size_of: 800, heap: 5000, blocks: vec![5000], buffered: 0 };
    /// let m = Measurement { scenario: Scenario::JustConnected, outbound: side.clone(), inbound: side, shared_config: 0, leftover: 0 };
    /// assert!(!m.met());
    /// ```
    #[must_use]
    pub fn met(&self) -> bool {
        self.worst() <= GOAL_BYTES
    }
}

/// Runs both connections deadline to deadline until `until`.
fn run_until(
    a: &mut Connection,
    b: &mut Connection,
    link: &mut Link,
    from: Instant,
    until: Instant,
) {
    let mut now = from;
    loop {
        link.settle(a, b, now, |_, event| expect_quiet(&event));
        let next = [a.poll_timeout(), b.poll_timeout()]
            .into_iter()
            .flatten()
            .map(|(at, _)| at)
            .min();
        match next {
            Some(at) if at <= until => {
                now = now.max(at);
                a.handle_timeout(now);
                b.handle_timeout(now);
            }
            _ => return,
        }
    }
}

/// Keepalive and rekey produce these events; anything else is a bug.
fn expect_quiet(event: &Event) {
    assert!(
        matches!(
            event,
            Event::Pong { .. } | Event::Rekeyed { .. } | Event::Message(Message::Block(_))
        ),
        "unexpected event {event:?}"
    );
}

/// Drops `connection` and returns what it held.
fn release(connection: Connection) -> Held {
    let buffered = connection.buffered_bytes();
    let before_blocks = tracked();
    let before = live();
    drop(connection);
    let heap = before - live();
    let after_blocks = tracked();
    // What the connection freed, recorded without recording the record.
    let was = TRACKING.swap(false, Ordering::Relaxed);
    let mut blocks: Vec<usize> = before_blocks
        .iter()
        .filter(|(addr, _)| !after_blocks.contains_key(addr))
        .map(|(_, &size)| size)
        .collect();
    blocks.sort_unstable_by(|x, y| y.cmp(x));
    drop((before_blocks, after_blocks));
    TRACKING.store(was, Ordering::Relaxed);
    Held {
        size_of: core::mem::size_of::<Connection>(),
        heap,
        blocks,
        buffered,
    }
}

/// Connects a pair, runs `scenario`, and measures each side.
///
/// # Errors
///
/// [`CountingAlloc`] is not the global allocator, or more blocks were live
/// at once than the tracker records.
///
/// ```
/// # use veil_benches::memory::{measure, Scenario};
/// assert!(measure(Scenario::AfterAnHour).is_err());
/// ```
pub fn measure(scenario: Scenario) -> Result<Measurement, String> {
    if !counting_alloc_installed() {
        return Err("the counting allocator is not the global allocator".into());
    }
    let config_before = live();
    let config = Arc::new(ConnectionConfig::default());
    let shared_config = live() - config_before;
    drop(config);

    let mut nodes = Nodes::default();
    // Whole 64 KiB chunks, as a socket read would deliver them; both sides
    // start their hourly rekey at the same time (a collision).
    let mut link = Link::with_chunk(64 * 1024);
    SLOTS_OVERFLOWED.store(false, Ordering::Relaxed);
    TRACKING.store(true, Ordering::Relaxed);

    let (mut a, mut b) = nodes.connect();
    if scenario == Scenario::AfterAnHour {
        let block = Message::Block(bytes::Bytes::from(vec![7u8; BLOCK_LEN]));
        a.send(Instant::ZERO, block.clone())
            .map_err(|e| e.to_string())?;
        b.send(Instant::ZERO, block).map_err(|e| e.to_string())?;
        let hour = Instant::ZERO + Duration::from_secs(61 * 60);
        run_until(&mut a, &mut b, &mut link, Instant::ZERO, hour);
        if a.stats().rekeys == 0 || a.stats().pings_sent < 60 {
            return Err(format!("the hour did not run as planned: {:?}", a.stats()));
        }
    }
    let outbound = release(a);
    let inbound = release(b);
    let leftover = tracked().values().sum();
    TRACKING.store(false, Ordering::Relaxed);
    // Free the table for the next run.
    for slot in &SLOT_ADDR {
        slot.store(0, Ordering::Relaxed);
    }
    drop((nodes, link));
    if SLOTS_OVERFLOWED.load(Ordering::Relaxed) {
        return Err(format!("more than {SLOTS} blocks live at once"));
    }
    Ok(Measurement {
        scenario,
        outbound,
        inbound,
        shared_config,
        leftover,
    })
}

/// A markdown table of `measurements`, one row per scenario and side.
///
/// ```
/// # use veil_benches::memory::{table, Held, Measurement, Scenario};
/// let side = Held { size_of: 784, heap: 2000, blocks: vec![1680, 320], buffered: 0 };
/// let m = Measurement { scenario: Scenario::JustConnected, outbound: side.clone(), inbound: side, shared_config: 400, leftover: 0 };
/// let text = table(&[m]);
/// assert!(text.contains("| just connected | outbound | 784 | 2000 | 2784 | ≤ 4096 | yes | 1680, 320 |"));
/// ```
#[must_use]
pub fn table(measurements: &[Measurement]) -> String {
    use std::fmt::Write as _;
    let mut out = String::from(
        "| state | side | size_of | heap | total bytes | goal | met? | heap blocks |\n\
         |---|---|---:|---:|---:|---|---|---|\n",
    );
    for m in measurements {
        for (side, held) in [("outbound", &m.outbound), ("inbound", &m.inbound)] {
            let blocks: Vec<String> = held.blocks.iter().map(usize::to_string).collect();
            let _ = writeln!(
                out,
                "| {} | {side} | {} | {} | {} | ≤ {GOAL_BYTES} | {} | {} |",
                m.scenario.label(),
                held.size_of,
                held.heap,
                held.total(),
                if held.total() <= GOAL_BYTES {
                    "yes"
                } else {
                    "**NO**"
                },
                blocks.join(", "),
            );
        }
    }
    out
}
