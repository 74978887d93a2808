//! Sigil's engine: packet capture, decoding, flow tracking (and, later,
//! detection glue and output).

pub mod capture;
pub mod decode;
pub mod flow;
#[cfg(any(test, feature = "testutil"))]
pub mod testutil;
pub mod config;
pub mod output;
pub mod pipeline;
