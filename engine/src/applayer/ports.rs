//! Detection ports: the ports on which a protocol that has no signature of
//! its own (DNS) is probed, Suricata's `app-layer.protocols.P.detection-ports.dp`.
//!
//! The set is a handful of ranges in a fixed array so [`super::AppConfig`]
//! stays `Copy` and a lookup costs a few comparisons on the packet path.

/// Ranges a port list may hold; Suricata configurations use one or two.
const MAX_RANGES: usize = 8;

/// A small set of ports (inclusive ranges).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DetectionPorts {
    ranges: [(u16, u16); MAX_RANGES],
    len: usize,
}

/// A port list that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("detection ports {text:?}: {reason}")]
pub struct PortsError {
    text: String,
    reason: &'static str,
}

impl DetectionPorts {
    /// The given ports.
    pub fn of(ports: &[u16]) -> Self {
        let mut set = DetectionPorts {
            ranges: [(0, 0); MAX_RANGES],
            len: 0,
        };
        for &p in ports.iter().take(MAX_RANGES) {
            set.push(p, p);
        }
        set
    }

    fn push(&mut self, lo: u16, hi: u16) -> bool {
        match self.ranges.get_mut(self.len) {
            Some(slot) => {
                *slot = (lo, hi);
                self.len += 1;
                true
            }
            None => false,
        }
    }

    /// Parses Suricata's port syntax as detection ports take it: `53`,
    /// `"53, 5353"`, `[53,5353]`, ranges `1024:2048` and `any`.
    pub fn parse(text: &str) -> Result<Self, PortsError> {
        let err = |reason| PortsError {
            text: text.to_string(),
            reason,
        };
        let inner = text.trim();
        let inner = inner
            .strip_prefix('[')
            .and_then(|s| s.strip_suffix(']'))
            .unwrap_or(inner);
        let mut set = DetectionPorts::of(&[]);
        for item in inner.split(',').map(str::trim) {
            let (lo, hi) = if item.eq_ignore_ascii_case("any") {
                (0, u16::MAX)
            } else if let Some((a, b)) = item.split_once(':') {
                let lo = if a.trim().is_empty() {
                    0
                } else {
                    a.trim().parse().map_err(|_| err("not a port"))?
                };
                let hi = if b.trim().is_empty() {
                    u16::MAX
                } else {
                    b.trim().parse().map_err(|_| err("not a port"))?
                };
                if lo > hi {
                    return Err(err("range ends before it starts"));
                }
                (lo, hi)
            } else {
                let p = item.parse().map_err(|_| err("not a port"))?;
                (p, p)
            };
            if !set.push(lo, hi) {
                return Err(err("too many entries"));
            }
        }
        Ok(set)
    }

    /// True when `port` is in the set.
    pub fn contains(&self, port: u16) -> bool {
        self.ranges
            .iter()
            .take(self.len)
            .any(|&(lo, hi)| (lo..=hi).contains(&port))
    }

    /// True when either port of a flow is in the set (Suricata probes a
    /// flow by its destination port and, for a flow seen the other way
    /// round, by its source port).
    pub fn either(&self, ports: (u16, u16)) -> bool {
        self.contains(ports.0) || self.contains(ports.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_suricata_port_lists() {
        let p = DetectionPorts::parse("53").unwrap();
        assert!(p.contains(53) && !p.contains(54));
        let p = DetectionPorts::parse("[53, 5353]").unwrap();
        assert!(p.contains(5353) && p.contains(53) && !p.contains(1053));
        let p = DetectionPorts::parse("1000:1100, 20").unwrap();
        assert!(p.contains(1000) && p.contains(1100) && p.contains(20) && !p.contains(999));
        let p = DetectionPorts::parse("any").unwrap();
        assert!(p.contains(0) && p.contains(65535));
        assert!(p.either((1, 2)));
        assert!(DetectionPorts::of(&[53]).either((40000, 53)));
        assert!(!DetectionPorts::of(&[53]).either((40000, 54)));
    }

    #[test]
    fn refuses_bad_lists() {
        assert!(DetectionPorts::parse("http").is_err());
        assert!(DetectionPorts::parse("70000").is_err());
        assert!(DetectionPorts::parse("20:10").is_err());
        assert!(DetectionPorts::parse("1,2,3,4,5,6,7,8,9").is_err());
    }
}
