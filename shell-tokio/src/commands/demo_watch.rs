//! The demo's application on each node: prints what the node reports and
//! relays transactions (the application decides a transaction is valid;
//! here every one is).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc::UnboundedReceiver;
use veil_core::identity::PeerId;
use veil_core::message::Message;
use veil_core::node::{NodeEvent, RelayOutcome, TxSource};

use crate::driver::Stopped;

use super::demo::Seen;
use super::demo_view::{describe_outcome, short_hash, View, NAMES};
use crate::driver::NodeHandle;

pub(super) async fn watch(
    index: usize,
    mut events: UnboundedReceiver<NodeEvent>,
    handle: NodeHandle,
    view: View,
    names: Arc<HashMap<PeerId, &'static str>>,
    seen: Arc<Mutex<Seen>>,
) {
    let me = NAMES[index];
    let name_of = |id: Option<PeerId>| id.and_then(|id| names.get(&id).copied()).unwrap_or("?");
    while let Some(event) = events.recv().await {
        match event {
            NodeEvent::Connected {
                conn, kind, info, ..
            } => {
                let carrier = handle
                    .call(move |ctx| ctx.carrier_of(conn))
                    .await
                    .ok()
                    .flatten()
                    .map_or("?".to_owned(), |c| c.to_string());
                let peer = name_of(info.peer_id);
                view.say(
                    index,
                    me,
                    &format!(
                        "connected to {peer} over {carrier} ({kind}, {:?} transport, identity proven)",
                        info.transport
                    ),
                );
                seen.lock().unwrap().connected += 1;
            }
            NodeEvent::Message {
                conn,
                peer_id,
                message,
            } => {
                let from = name_of(peer_id);
                let (tx, source, phase) = match message {
                    Message::Block(text) => {
                        let text = String::from_utf8_lossy(&text).into_owned();
                        view.say(
                            index,
                            me,
                            &format!("received a message from {from}: {text:?}"),
                        );
                        continue;
                    }
                    Message::StemTx(tx) => (tx, TxSource::Stem(conn), "stem"),
                    Message::Tx(tx) => (tx, TxSource::Fluff(conn), "fluff"),
                    _ => continue,
                };
                let hash: [u8; 32] = Sha256::digest(&tx).into();
                let outcome = relay(&handle, hash, tx, source).await;
                let first = {
                    let mut seen = seen.lock().unwrap();
                    !std::mem::replace(&mut seen.tx_at[index], true)
                };
                if first {
                    let outcome = outcome.map_or("node stopped".to_owned(), |(o, to)| {
                        describe_outcome(&o, to.and_then(|id| names.get(&id).copied()))
                    });
                    view.say(
                        index,
                        me,
                        &format!(
                            "got transaction {} from {from} ({phase} phase): {outcome}",
                            short_hash(&hash)
                        ),
                    );
                }
            }
            NodeEvent::Disconnected {
                peer_id, reason, ..
            } => {
                let peer = name_of(peer_id);
                view.say(
                    index,
                    me,
                    &format!("disconnected from {peer}: {}", reason.name()),
                );
            }
            NodeEvent::DialFailed { addr, failure, .. } => {
                view.say(index, me, &format!("dial to {addr} failed: {failure:?}"));
            }
            NodeEvent::Punished { .. } | NodeEvent::GaveUp { .. } => {
                view.say(index, me, &format!("{event:?}"));
            }
            _ => {}
        }
    }
}

/// Hands a transaction to the node's Dandelion++ relay; the outcome and,
/// for a stem, the next hop's peer id.
pub(super) async fn relay(
    handle: &NodeHandle,
    hash: [u8; 32],
    tx: Bytes,
    source: TxSource,
) -> Result<(RelayOutcome, Option<PeerId>), Stopped> {
    handle
        .call(move |ctx| {
            let outcome = ctx.node.relay_transaction(ctx.now, hash, tx, source);
            let next = match outcome {
                RelayOutcome::Stemmed { to } => ctx.node.peer(to).and_then(|p| p.peer_id),
                _ => None,
            };
            (outcome, next)
        })
        .await
}
