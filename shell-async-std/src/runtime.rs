//! Starting the driver on a runtime: smol's or async-std's executor.

#[cfg(any(feature = "smol", feature = "async-std"))]
use std::io;

#[cfg(any(feature = "smol", feature = "async-std"))]
use veil_core::node::Node;

#[cfg(any(feature = "smol", feature = "async-std"))]
use crate::{AsyncConfig, Clock, Driver, Running};

/// Starts the node's driver on smol's global executor.
///
/// ```
/// # use rand_core::OsRng;
/// # use veil_core::{identity::Identity, node::{Node, NodeConfig}};
/// let clock = veil_async_std::Clock::start();
/// let node = Node::new(NodeConfig::default(), Identity::generate(&mut OsRng), clock.now(), clock.wall(), &mut OsRng).unwrap();
/// let (running, task) = veil_async_std::spawn_smol(node, clock, Default::default()).unwrap();
/// running.handle.shutdown();
/// smol::block_on(task);
/// ```
#[cfg(feature = "smol")]
pub fn spawn_smol(
    node: Node,
    clock: Clock,
    config: AsyncConfig,
) -> io::Result<(Running, smol::Task<()>)> {
    let (running, driver) = Driver::new(node, clock, config)?;
    Ok((running, smol::spawn(driver)))
}

/// Starts the node's driver on async-std's executor.
///
/// ```
/// # use rand_core::OsRng;
/// # use veil_core::{identity::Identity, node::{Node, NodeConfig}};
/// let clock = veil_async_std::Clock::start();
/// let node = Node::new(NodeConfig::default(), Identity::generate(&mut OsRng), clock.now(), clock.wall(), &mut OsRng).unwrap();
/// let (running, task) = veil_async_std::spawn_async_std(node, clock, Default::default()).unwrap();
/// running.handle.shutdown();
/// async_std::task::block_on(task);
/// ```
#[cfg(feature = "async-std")]
pub fn spawn_async_std(
    node: Node,
    clock: Clock,
    config: AsyncConfig,
) -> io::Result<(Running, async_std::task::JoinHandle<()>)> {
    let (running, driver) = Driver::new(node, clock, config)?;
    Ok((running, async_std::task::spawn(driver)))
}
