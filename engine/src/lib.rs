//! Sigil's engine: packet capture, decoding, flow tracking (and, later,
//! detection glue and output).

pub mod applayer;
pub mod capture;
pub mod config;
pub mod decode;
pub mod defrag;
pub mod evidence;
pub mod flow;
pub mod output;
pub mod pipeline;
pub mod stream;
#[cfg(any(test, feature = "testutil"))]
pub mod testutil;
