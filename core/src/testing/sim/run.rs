//! The simulator's loop: deliveries and deadlines in time order, and the
//! shell duties it performs for each node after every step.

use alloc::vec;
use alloc::vec::Vec;
use rand_chacha::rand_core::RngCore;
use sha2::{Digest, Sha256};

use super::link::{Delivery, Socket};
use super::{SimEvent, Simulator};
use crate::message::{Message, NetAddress};
use crate::node::{Action, DialError, NodeEvent, PeerAddr, Reached, TxSource, Via};
use crate::time::{Duration, Instant};

impl Simulator {
    /// Runs the network for `duration` of virtual time.
    ///
    /// ```
    /// # use veil_core::testing::sim::{SimConfig, Simulator};
    /// let mut sim = Simulator::new(SimConfig::default(), 1);
    /// sim.run_for(veil_core::Duration::from_secs(5));
    /// assert_eq!(sim.now().as_millis(), 5_000);
    /// ```
    pub fn run_for(&mut self, duration: Duration) {
        let end = self.now + duration;
        self.run_until(end);
    }

    /// Runs the network until virtual time `end`.
    ///
    /// ```
    /// # use veil_core::testing::sim::{SimConfig, Simulator};
    /// let mut sim = Simulator::new(SimConfig::default(), 1);
    /// sim.run_until(veil_core::Instant::from_millis(1_000));
    /// assert_eq!(sim.now().as_millis(), 1_000);
    /// ```
    pub fn run_until(&mut self, end: Instant) {
        while let Some(entry) = self.queue.first_entry() {
            if entry.key().0 > end {
                break;
            }
            let ((at, _), delivery) = entry.remove_entry();
            self.now = self.now.max(at);
            self.stats.steps += 1;
            self.deliver(delivery);
        }
        self.now = self.now.max(end);
    }

    /// Cuts the network into groups: `group_of(i)` for host `i`. Streams
    /// between groups are reset and dials between them go unanswered.
    ///
    /// ```
    /// # use core::net::Ipv4Addr;
    /// # use veil_core::{node::NodeConfig, testing::sim::{SimConfig, Simulator}};
    /// let mut sim = Simulator::new(SimConfig::default(), 1);
    /// let a = sim.add_node(NodeConfig::default(), Ipv4Addr::new(20, 0, 0, 1));
    /// sim.partition(|i| (i % 2) as u8);
    /// sim.heal();
    /// ```
    pub fn partition(&mut self, group_of: impl Fn(usize) -> u8) {
        for (i, host) in self.hosts.iter_mut().enumerate() {
            host.group = group_of(i);
        }
        for i in 0..self.hosts.len() {
            let crossing: Vec<_> = self.hosts[i]
                .sockets
                .iter()
                .filter(|(_, s)| self.hosts[s.remote_host].group != self.hosts[i].group)
                .map(|(&conn, _)| conn)
                .collect();
            for conn in crossing {
                if let Some(socket) = self.hosts[i].sockets.remove(&conn) {
                    self.reset_remote(&socket);
                    let epoch = self.hosts[i].epoch;
                    self.schedule(
                        self.now,
                        Delivery::Closed {
                            host: i,
                            conn,
                            epoch,
                        },
                    );
                    self.hosts[i].sockets.insert(conn, socket);
                }
            }
        }
    }

    /// Joins all groups again.
    ///
    /// ```
    /// # use veil_core::testing::sim::{SimConfig, Simulator};
    /// let mut sim = Simulator::new(SimConfig::default(), 1);
    /// sim.heal();
    /// ```
    pub fn heal(&mut self) {
        for host in &mut self.hosts {
            host.group = 0;
        }
    }

    /// Tells the remote end of `socket` that the stream is gone.
    pub(super) fn reset_remote(&mut self, socket: &Socket) {
        if let Some(conn) = socket.remote_conn {
            let at = socket.last_arrival.max(self.now);
            self.schedule(
                at,
                Delivery::Closed {
                    host: socket.remote_host,
                    conn,
                    epoch: socket.remote_epoch,
                },
            );
        }
    }

    fn schedule(&mut self, at: Instant, delivery: Delivery) {
        self.seq += 1;
        self.queue.insert((at, self.seq), delivery);
    }

    /// One segment's travel time: uniform latency, plus a retransmission
    /// if lost.
    fn travel(&mut self) -> Duration {
        let (min, max) = (
            self.config.latency_min.as_millis(),
            self.config.latency_max.as_millis(),
        );
        let mut millis = min + self.rng.next_u64() % (max.saturating_sub(min) + 1);
        if u64::from(self.config.loss_permille) > self.rng.next_u64() % 1000 {
            millis += self.config.retransmit_delay.as_millis();
        }
        Duration::from_millis(millis)
    }

    fn reachable(&self, from: usize, to: usize) -> bool {
        self.hosts[from].group == self.hosts[to].group
    }

    fn deliver(&mut self, delivery: Delivery) {
        let now = self.now;
        match delivery {
            Delivery::Connect {
                from_host,
                from_conn,
                from_epoch,
                from_addr,
                to,
            } => {
                let target = self.listeners.get(&to).copied();
                let outcome = match target {
                    Some(t) if !self.reachable(from_host, t) => return,
                    Some(t) if self.hosts[t].node.is_some() => {
                        let accepted = self.hosts[t]
                            .node
                            .as_mut()
                            .map(|n| n.accept(now, from_addr, Reached::Direct));
                        match accepted {
                            Some(Ok(conn)) => {
                                self.hosts[t].sockets.insert(
                                    conn,
                                    Socket {
                                        remote_host: from_host,
                                        remote_conn: Some(from_conn),
                                        remote_epoch: from_epoch,
                                        last_arrival: now,
                                    },
                                );
                                self.drain(t);
                                Ok((t, conn, self.hosts[t].epoch))
                            }
                            _ => Err(DialError::Refused),
                        }
                    }
                    _ => Err(DialError::Refused),
                };
                let at = now + self.travel();
                self.schedule(
                    at,
                    Delivery::Connected {
                        host: from_host,
                        conn: from_conn,
                        epoch: from_epoch,
                        outcome,
                    },
                );
            }
            Delivery::Connected {
                host,
                conn,
                epoch,
                outcome,
            } => {
                let pending = self.hosts[host].epoch == epoch
                    && self.hosts[host].sockets.contains_key(&conn)
                    && self.hosts[host].node.is_some();
                match outcome {
                    Ok((remote_host, remote_conn, remote_epoch)) if pending => {
                        if let Some(socket) = self.hosts[host].sockets.get_mut(&conn) {
                            socket.remote_host = remote_host;
                            socket.remote_conn = Some(remote_conn);
                            socket.remote_epoch = remote_epoch;
                        }
                        if let Some(node) = self.hosts[host].node.as_mut() {
                            node.dial_opened(now, conn);
                        }
                    }
                    Ok((remote_host, remote_conn, remote_epoch)) => {
                        // The dialler gave up meanwhile: reset the stream.
                        let at = now + self.travel();
                        self.schedule(
                            at,
                            Delivery::Closed {
                                host: remote_host,
                                conn: remote_conn,
                                epoch: remote_epoch,
                            },
                        );
                        return;
                    }
                    Err(_) if self.hosts[host].epoch != epoch => return,
                    Err(error) => {
                        self.hosts[host].sockets.remove(&conn);
                        if let Some(node) = self.hosts[host].node.as_mut() {
                            node.dial_failed(now, conn, error);
                        }
                    }
                }
                self.drain(host);
            }
            Delivery::Bytes {
                host,
                conn,
                epoch,
                data,
            } => {
                if self.hosts[host].epoch != epoch || !self.hosts[host].sockets.contains_key(&conn)
                {
                    return;
                }
                self.stats.deliveries += 1;
                self.stats.bytes += data.len() as u64;
                if let Some(node) = self.hosts[host].node.as_mut() {
                    node.handle_input(now, conn, &data);
                }
                self.drain(host);
            }
            Delivery::Closed { host, conn, epoch } => {
                if self.hosts[host].epoch != epoch
                    || self.hosts[host].sockets.remove(&conn).is_none()
                {
                    return;
                }
                if let Some(node) = self.hosts[host].node.as_mut() {
                    node.handle_closed(now, conn);
                }
                self.drain(host);
            }
            Delivery::Wake { host, generation } => {
                let due = self.hosts[host].timer.is_some_and(|(_, g)| g == generation);
                if !due {
                    return;
                }
                self.hosts[host].timer = None;
                if let Some(node) = self.hosts[host].node.as_mut() {
                    node.handle_timeout(now);
                }
                self.drain(host);
            }
        }
    }

    /// Plays host `index`'s shell: sends its bytes, carries out its actions,
    /// plays its application, and schedules its next wake-up.
    pub(super) fn drain(&mut self, index: usize) {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let mut progressed = false;
            while let Some(transmit) = self.hosts[index]
                .node
                .as_mut()
                .and_then(|n| n.poll_transmit(&mut buf))
            {
                progressed = true;
                self.send_bytes(index, transmit.conn, buf[..transmit.len].to_vec());
            }
            while let Some(action) = self.hosts[index]
                .node
                .as_mut()
                .and_then(|n| n.poll_action())
            {
                progressed = true;
                self.act(index, action);
            }
            while let Some(event) = self.hosts[index].node.as_mut().and_then(|n| n.poll_event()) {
                progressed = true;
                self.stats.node_events += 1;
                self.application(index, &event);
                if self.config.record_events {
                    self.events.push(SimEvent {
                        at: self.now,
                        node: index,
                        event,
                    });
                }
            }
            if !progressed {
                break;
            }
        }
        self.schedule_wake(index);
    }

    fn send_bytes(&mut self, host: usize, conn: crate::node::ConnId, data: Vec<u8>) {
        let travel = self.travel();
        let Some(socket) = self.hosts[host].sockets.get_mut(&conn) else {
            return;
        };
        let Some(remote_conn) = socket.remote_conn else {
            return;
        };
        let at = (self.now + travel).max(socket.last_arrival);
        socket.last_arrival = at;
        let (remote_host, epoch) = (socket.remote_host, socket.remote_epoch);
        self.schedule(
            at,
            Delivery::Bytes {
                host: remote_host,
                conn: remote_conn,
                epoch,
                data,
            },
        );
    }

    fn act(&mut self, host: usize, action: Action) {
        match action {
            Action::Dial { conn, addr, via } => {
                if via == Via::Socks5 {
                    if let Some(node) = self.hosts[host].node.as_mut() {
                        node.dial_failed(self.now, conn, DialError::NoProxy);
                    }
                    return;
                }
                let port = self.hosts[host].next_port;
                self.hosts[host].next_port = port.checked_add(1).unwrap_or(40_000);
                let from_addr = PeerAddr::new(NetAddress::Ipv4(self.hosts[host].ip), port);
                self.hosts[host].sockets.insert(
                    conn,
                    Socket {
                        remote_host: host,
                        remote_conn: None,
                        remote_epoch: 0,
                        last_arrival: self.now,
                    },
                );
                let at = self.now + self.travel();
                self.schedule(
                    at,
                    Delivery::Connect {
                        from_host: host,
                        from_conn: conn,
                        from_epoch: self.hosts[host].epoch,
                        from_addr,
                        to: addr,
                    },
                );
            }
            Action::Close { conn } => {
                if let Some(socket) = self.hosts[host].sockets.remove(&conn) {
                    self.reset_remote(&socket);
                }
            }
        }
    }

    /// The simulated application: every transaction is valid and relayed.
    fn application(&mut self, host: usize, event: &NodeEvent) {
        let NodeEvent::Message { conn, message, .. } = event else {
            return;
        };
        let (tx, source) = match message {
            Message::Tx(tx) => (tx.clone(), TxSource::Fluff(*conn)),
            Message::StemTx(tx) => (tx.clone(), TxSource::Stem(*conn)),
            _ => return,
        };
        let hash: [u8; 32] = Sha256::digest(&tx).into();
        let now = self.now;
        if let Some(node) = self.hosts[host].node.as_mut() {
            let _ = node.relay_transaction(now, hash, tx, source);
        }
    }

    fn schedule_wake(&mut self, index: usize) {
        let Some(deadline) = self.hosts[index]
            .node
            .as_ref()
            .and_then(|n| n.poll_timeout())
        else {
            return;
        };
        let at = deadline.0.max(self.now);
        if self.hosts[index].timer.is_some_and(|(t, _)| t == at) {
            return;
        }
        self.seq += 1;
        let generation = self.seq;
        self.hosts[index].timer = Some((at, generation));
        self.schedule(
            at,
            Delivery::Wake {
                host: index,
                generation,
            },
        );
    }

    /// Sends a transaction from node `index` as its own (stemmed first by
    /// Dandelion++). Returns its hash.
    ///
    /// ```
    /// # use core::net::Ipv4Addr;
    /// # use veil_core::{node::NodeConfig, testing::sim::{SimConfig, Simulator}};
    /// # let mut sim = Simulator::new(SimConfig::default(), 1);
    /// let a = sim.add_node(NodeConfig::default(), Ipv4Addr::new(20, 0, 0, 1));
    /// let hash = sim.submit_transaction(a, b"pay bob".to_vec());
    /// assert_eq!(hash.len(), 32);
    /// ```
    pub fn submit_transaction(&mut self, index: usize, tx: Vec<u8>) -> [u8; 32] {
        let hash: [u8; 32] = Sha256::digest(&tx).into();
        self.with_node(index, |node, now| {
            node.relay_transaction(now, hash, bytes::Bytes::from(tx), TxSource::Local)
        });
        hash
    }
}
