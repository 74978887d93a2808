//! What a packet hands the stream and application layers: the parser's
//! new bytes, the stream view's flags, and detection over a stream window
//! (split from `worker.rs`, which keeps the per-packet flow of control).

use super::*;

/// Rules matching a stream window whose first `old` bytes were inspected
/// before: a rule that also matches those bytes alone is not raised again.
pub(super) fn stream_hits(
    rules: &RuleSet,
    scratch: &mut Scratch,
    view: &PacketView<'_>,
    old: u64,
    vars: &mut FlowVars,
    hits: &mut Vec<RuleId>,
    prefix_hits: &mut Vec<RuleId>,
) {
    rules.match_flow_packet(view, vars, scratch, hits);
    if hits.is_empty() || old == 0 {
        return;
    }
    let mut prefix = *view;
    prefix.payload = view
        .payload
        .get(..usize::try_from(old).unwrap_or(usize::MAX))
        .unwrap_or(&[]);
    let mut probe_vars = vars.clone();
    rules.match_flow_packet(&prefix, &mut probe_vars, scratch, prefix_hits);
    hits.retain(|h| !prefix_hits.contains(h));
}

/// Consumes what inspection would have consumed, when nothing inspects.
pub(super) fn drain(sess: &mut TcpSession, dir: Direction, inline: bool) {
    let sd = sess.direction_mut(dir);
    let n = if inline {
        sd.readable().len()
    } else {
        sd.acked_len()
    };
    sd.consume(n);
}

/// The stream part of the `flow` keyword's view.
pub(super) fn set_stream_info(info: &mut sigil_rules::packet::FlowInfo, sess: &TcpSession) {
    info.stream_active = sess.is_reassembling();
    info.stream_bytes_toserver = sess.direction(Direction::ToServer).contiguous_end();
    info.stream_bytes_toclient = sess.direction(Direction::ToClient).contiguous_end();
}

/// Hands the application layer what this packet makes parseable: for
/// reassembled TCP the peer's newly acknowledged bytes (IDS) or this
/// direction's new bytes (inline); for UDP the datagram itself.
#[allow(clippy::too_many_arguments)]
pub(super) fn feed_packet(
    fs: &mut FlowState,
    key: FlowKey,
    dir: Direction,
    udp: bool,
    payload: &[u8],
    ts: Timestamp,
    inline: bool,
    cfg: &AppConfig,
) {
    let ports = (key.sport, key.dport);
    if let Some(sess) = fs.tcp.as_deref().filter(|s| s.is_reassembling()) {
        let feed = if inline { dir } else { reverse(dir) };
        feed_app(&mut fs.app, sess, feed, inline, ts, ports, cfg);
        // One-sided capture: this direction's data is acknowledged as it
        // arrives, so the parser takes it now, before raw inspection
        // consumes it.
        if !inline && sess.direction(dir).acks_itself() && !fs.app.swap_pending {
            feed_app(&mut fs.app, sess, dir, false, ts, ports, cfg);
        }
    } else if udp {
        fs.app.input(dir, payload, ts, false, ports, cfg);
    }
}

pub(super) fn reverse(d: Direction) -> Direction {
    match d {
        Direction::ToServer => Direction::ToClient,
        Direction::ToClient => Direction::ToServer,
    }
}

/// Hands `dir`'s new stream bytes to the parser: acknowledged ones, or all
/// contiguous ones when `all` (inline mode, flow end).
pub(super) fn feed_app(
    app: &mut AppFlow,
    sess: &TcpSession,
    dir: Direction,
    all: bool,
    ts: Timestamp,
    ports: (u16, u16),
    cfg: &AppConfig,
) {
    if matches!(app.state, crate::pipeline::app::AppState::Failed) && app.dirs.settled() {
        return;
    }
    let i = usize::from(dir == Direction::ToClient);
    let sd = sess.direction(dir);
    let start = sd.readable_offset();
    let data = if all { sd.readable() } else { sd.acked_data() };
    let mut parsed = app.parsed[i];
    if parsed < start {
        // Bytes were skipped (a gap, or consumed before the parser saw
        // them): the parser resynchronises.
        if parsed > 0 || start > 0 {
            app.gap(dir, start - parsed);
        }
        parsed = start;
    }
    let off = usize::try_from(parsed - start).unwrap_or(usize::MAX);
    if let Some(new) = data.get(off..).filter(|d| !d.is_empty()) {
        app.input(dir, new, ts, true, ports, cfg);
        if app.swap_pending {
            // Not parsed: the flow is turned round and fed again.
            return;
        }
        parsed = start + data.len() as u64;
    }
    app.parsed[i] = parsed;
}
