//! Extra engine arguments of a test: `-k MODE` and `--set KEY=VALUE` pulled
//! out so `sigil test` can map them onto its own options, anything else kept
//! verbatim for the caller to accept or refuse.

/// One engine argument, with the two kinds the corpus uses pulled out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineArg {
    /// `-k MODE` (checksum validation: `none`, `all`, `auto`).
    ChecksumMode(String),
    /// `--set KEY=VALUE`.
    Set {
        /// Dotted configuration key.
        key: String,
        /// Value, as text.
        value: String,
    },
    /// Anything else, verbatim; the caller decides what to do with it.
    Other(String),
}

/// The test's extra engine arguments, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineArgs {
    /// The arguments.
    pub items: Vec<EngineArg>,
}

impl EngineArgs {
    /// Structures a list of already split arguments.
    pub fn from_tokens<S: AsRef<str>>(tokens: &[S]) -> EngineArgs {
        let mut items = Vec::new();
        let mut i = 0;
        while let Some(tok) = tokens.get(i) {
            let tok = tok.as_ref();
            let next = tokens.get(i + 1).map(AsRef::as_ref);
            i += 1;
            match (tok, next) {
                ("-k", Some(mode)) => {
                    items.push(EngineArg::ChecksumMode(mode.to_string()));
                    i += 1;
                }
                ("--set", Some(kv)) if kv.contains('=') => {
                    items.push(set(kv));
                    i += 1;
                }
                _ => {
                    if let Some(kv) = tok.strip_prefix("--set=").filter(|kv| kv.contains('=')) {
                        items.push(set(kv));
                    } else if let Some(mode) = tok.strip_prefix("-k").filter(|m| !m.is_empty()) {
                        items.push(EngineArg::ChecksumMode(mode.to_string()));
                    } else {
                        items.push(EngineArg::Other(tok.to_string()));
                    }
                }
            }
        }
        EngineArgs { items }
    }

    /// Structures test.yaml `args:` strings, each split on whitespace.
    pub fn from_lines<S: AsRef<str>>(lines: &[S]) -> EngineArgs {
        let tokens: Vec<&str> = lines
            .iter()
            .flat_map(|l| l.as_ref().split_whitespace())
            .collect();
        EngineArgs::from_tokens(&tokens)
    }

    /// The `-k` mode (the last one given wins, as on a command line).
    pub fn checksum_mode(&self) -> Option<&str> {
        self.items.iter().rev().find_map(|a| match a {
            EngineArg::ChecksumMode(m) => Some(m.as_str()),
            _ => None,
        })
    }

    /// The `--set` pairs in order.
    pub fn sets(&self) -> impl Iterator<Item = (&str, &str)> {
        self.items.iter().filter_map(|a| match a {
            EngineArg::Set { key, value } => Some((key.as_str(), value.as_str())),
            _ => None,
        })
    }

    /// The arguments that are neither `-k` nor `--set`.
    pub fn extra(&self) -> impl Iterator<Item = &str> {
        self.items.iter().filter_map(|a| match a {
            EngineArg::Other(s) => Some(s.as_str()),
            _ => None,
        })
    }

    /// Back to a command line (`-k MODE`, `--set K=V`, others verbatim).
    pub fn to_tokens(&self) -> Vec<String> {
        let mut out = Vec::new();
        for a in &self.items {
            match a {
                EngineArg::ChecksumMode(m) => out.extend(["-k".to_string(), m.clone()]),
                EngineArg::Set { key, value } => {
                    out.extend(["--set".to_string(), format!("{key}={value}")])
                }
                EngineArg::Other(s) => out.push(s.clone()),
            }
        }
        out
    }
}

fn set(kv: &str) -> EngineArg {
    let (key, value) = kv.split_once('=').unwrap_or((kv, ""));
    EngineArg::Set {
        key: key.to_string(),
        value: value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn args_are_structured() {
        let a = EngineArgs::from_lines(&[
            "-k none --set stream.inline=true",
            "  --set app-layer.protocols.dns.tcp.detection-ports.dp=1053 ",
            "--runmode=single -v --set=a.b=c=d -kall --set",
        ]);
        assert_eq!(a.checksum_mode(), Some("all"));
        let sets: Vec<_> = a.sets().collect();
        assert_eq!(
            sets,
            [
                ("stream.inline", "true"),
                ("app-layer.protocols.dns.tcp.detection-ports.dp", "1053"),
                ("a.b", "c=d")
            ]
        );
        assert_eq!(
            a.extra().collect::<Vec<_>>(),
            ["--runmode=single", "-v", "--set"]
        );
        assert_eq!(
            EngineArgs::from_tokens(&a.to_tokens()),
            a,
            "tokens round-trip"
        );
        let b = EngineArgs::from_tokens(&["--set", "novalue", "-k"]);
        assert_eq!(
            b.items,
            [
                EngineArg::Other("--set".into()),
                EngineArg::Other("novalue".into()),
                EngineArg::Other("-k".into())
            ]
        );
    }
}
