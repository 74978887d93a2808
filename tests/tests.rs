//! End-to-end tests: the `sigil` binary on captures built here or bundled
//! in fixtures/. One test binary (ripgrep's habit) keeps link time down.

mod suite;
