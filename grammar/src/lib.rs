//! Snort/Suricata rule text → AST with spans.
//!
//! This crate knows the *syntax* of rules and nothing of keyword meaning:
//! the header (action, protocol, address and port expressions, direction)
//! is fully parsed, options are kept as `keyword` / raw `value` text with
//! their spans, for the rule compiler to interpret. Errors carry a kind, a
//! position and a caret rendering in the style of rustc.
//!
//! ```
//! use sigil_grammar::{ast::PortExpr, parse_file_with, parse_rule, ParseOptions};
//!
//! let rule = parse_rule(r#"alert tcp $HOME_NET any -> any [80,8080] (msg:"x"; sid:1;)"#)?;
//! assert_eq!(rule.protocol, "tcp");
//! assert_eq!(rule.dst_port, PortExpr::List(vec![PortExpr::Single(80), PortExpr::Single(8080)]));
//! assert_eq!(rule.option("sid").and_then(|o| o.value.as_deref()), Some("1"));
//!
//! let file = "alert tcp any any -> any any (sid:1;)\nalert tcp any 99999 -> any any (sid:2;)\n";
//! let parsed = parse_file_with(file, None, &ParseOptions::default());
//! assert_eq!(parsed.rules.len(), 1);
//! assert_eq!(parsed.errors[0].line, 2);
//! assert!(parsed.errors[0].to_string().starts_with("2:15: error: port 99999 is out of range"));
//! # Ok::<(), sigil_grammar::ParseError>(())
//! ```
#![deny(missing_docs)]

pub mod ast;
mod error;
mod expected;
mod file;
mod header;
mod parser;
mod value;

pub use ast::{Rule, Span};
pub use error::{ErrorKind, ParseError, RuleError};
pub use file::{parse_file, parse_file_with, FileParse, ParseOptions, ParsedRule};
pub use parser::parse_rule;
