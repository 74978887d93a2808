//! Per-flow variables (`flowbits`, `flowint`, float values and the string
//! variables pcre captures set) and the name tables that turn variable
//! names into dense ids.
//!
//! Names are interned once, when the rule set is built, so matching works
//! on small integers: a flow's bits are a plain bitset and its integers a
//! short list. The state lives in the engine's flow table (one
//! [`FlowVars`] per flow) rather than in the rule set, which stays
//! immutable and shared between workers.

use std::collections::HashMap;
use std::sync::Arc;

/// Most string variables one flow keeps (a new name past it is dropped).
const MAX_STRING_VARS: usize = 64;

/// The `flowbits` and `flowint` values of one flow.
///
/// Ids come from the [`crate::RuleSet`] that produced them: keep one
/// `FlowVars` per flow per rule set. `Default` allocates nothing; the
/// bitset grows to the highest bit ever set and the integer list to the
/// number of integers set, both bounded by the rule set's name counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowVars {
    bits: Vec<u64>,
    /// (id, value); flows carry few integers, so a list beats a map.
    ints: Vec<(u32, u32)>,
    /// Float variables (`entropy` values, named after the inspected
    /// list) as (name, `f64` bits), in the order first set.
    floats: Vec<(&'static str, u64)>,
    /// String variables (pcre captures, `flow:name`) as (name, value), in
    /// the order first set, as Suricata lists them under
    /// `metadata.flowvars`.
    strings: Vec<(Arc<str>, Vec<u8>)>,
}

impl FlowVars {
    /// Empty state (no bit set, no integer set).
    pub fn new() -> Self {
        Self::default()
    }

    /// True when no bit and no integer is set.
    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|&w| w == 0)
            && self.ints.is_empty()
            && self.floats.is_empty()
            && self.strings.is_empty()
    }

    /// Forgets everything (keeps the allocations).
    pub fn clear(&mut self) {
        self.bits.clear();
        self.ints.clear();
        self.floats.clear();
        self.strings.clear();
    }

    /// Whether flowbit `id` is set.
    pub fn bit(&self, id: u32) -> bool {
        let (w, m) = split(id);
        self.bits.get(w).is_some_and(|&x| x & m != 0)
    }

    /// Sets or clears flowbit `id`.
    pub(crate) fn set_bit(&mut self, id: u32, on: bool) {
        let (w, m) = split(id);
        if on {
            if self.bits.len() <= w {
                self.bits.resize(w + 1, 0);
            }
            if let Some(x) = self.bits.get_mut(w) {
                *x |= m;
            }
        } else if let Some(x) = self.bits.get_mut(w) {
            *x &= !m;
        }
    }

    /// Ids of the set flowbits, ascending.
    pub fn bits(&self) -> impl Iterator<Item = u32> + '_ {
        (0u32..).step_by(64).zip(&self.bits).flat_map(|(base, &w)| {
            (0..64u32)
                .filter(move |b| w >> b & 1 == 1)
                .map(move |b| base + b)
        })
    }

    /// Value of flowint `id`, if it was ever set.
    pub fn int(&self, id: u32) -> Option<u32> {
        self.ints.iter().find(|(i, _)| *i == id).map(|&(_, v)| v)
    }

    /// Sets flowint `id`.
    pub(crate) fn set_int(&mut self, id: u32, value: u32) {
        match self.ints.iter_mut().find(|(i, _)| *i == id) {
            Some(slot) => slot.1 = value,
            None => self.ints.push((id, value)),
        }
    }

    /// The set flowints as (id, value), in the order they were first set.
    pub fn ints(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.ints.iter().copied()
    }

    /// Sets float variable `name` (the latest value wins, as in Suricata).
    pub(crate) fn set_float(&mut self, name: &'static str, value: f64) {
        match self.floats.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value.to_bits(),
            None => self.floats.push((name, value.to_bits())),
        }
    }

    /// Sets string variable `name` (the latest value wins).
    pub(crate) fn set_string(&mut self, name: &Arc<str>, value: Vec<u8>) {
        let full = self.strings.len() >= MAX_STRING_VARS;
        match self.strings.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None if !full => self.strings.push((name.clone(), value)),
            None => {}
        }
    }

    /// The string variables as (name, value), in the order first set (EVE
    /// `metadata.flowvars`).
    pub fn strings(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        self.strings.iter().map(|(n, v)| (&**n, v.as_slice()))
    }

    /// The float variables as (name, value), in the order first set (EVE
    /// `metadata.entropy`).
    pub fn floats(&self) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        self.floats.iter().map(|&(n, v)| (n, f64::from_bits(v)))
    }
}

fn split(id: u32) -> (usize, u64) {
    ((id / 64) as usize, 1u64 << (id % 64))
}

/// A name table: name → dense id (assigned in first-seen order) and back.
#[derive(Debug, Clone, Default)]
pub(crate) struct Names {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Names {
    /// The id of `name`, assigning the next one if new.
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.ids.insert(name.to_string(), id);
        self.names.push(name.to_string());
        id
    }

    /// The id of `name`, if interned.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    /// The name of `id`.
    pub fn name(&self, id: u32) -> Option<&str> {
        self.names.get(id as usize).map(String::as_str)
    }

    /// Number of names.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.names.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_grow_and_clear() {
        let mut v = FlowVars::new();
        assert!(v.is_empty() && !v.bit(0) && !v.bit(1000));
        v.set_bit(130, true);
        v.set_bit(3, true);
        assert!(v.bit(130) && v.bit(3) && !v.bit(2));
        assert_eq!(v.bits().collect::<Vec<_>>(), vec![3, 130]);
        v.set_bit(130, false);
        v.set_bit(5000, false); // clearing an unknown bit allocates nothing
        assert_eq!(v.bits.len(), 3);
        assert_eq!(v.bits().collect::<Vec<_>>(), vec![3]);
        v.set_bit(3, false);
        assert!(v.is_empty());
    }

    #[test]
    fn ints_set_and_overwrite() {
        let mut v = FlowVars::default();
        assert_eq!(v.int(7), None);
        v.set_int(7, 1);
        v.set_int(2, 9);
        v.set_int(7, 5);
        assert_eq!((v.int(7), v.int(2)), (Some(5), Some(9)));
        assert_eq!(v.ints().collect::<Vec<_>>(), vec![(7, 5), (2, 9)]);
        v.clear();
        assert!(v.is_empty());
    }

    #[test]
    fn names_are_dense_and_stable() {
        let mut n = Names::default();
        assert_eq!(n.intern("a"), 0);
        assert_eq!(n.intern("b"), 1);
        assert_eq!(n.intern("a"), 0);
        assert_eq!((n.get("b"), n.get("c"), n.len()), (Some(1), None, 2));
        assert_eq!(n.name(1), Some("b"));
    }
}
