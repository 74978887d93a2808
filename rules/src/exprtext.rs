//! Parses the text of address and port variables (`"[10.0.0.0/8,!$DMZ]"`,
//! `"[80,8000:8100]"`) into the grammar's expression AST.
//!
//! Variable values come from YAML or `--set`, not from rule text, so they
//! never pass through the rule grammar; this small recursive-descent parser
//! produces the same `AddrExpr`/`PortExpr` values the grammar produces for
//! rule headers, and resolution then treats both alike.

use std::net::IpAddr;

use sigil_grammar::ast::{AddrExpr, PortExpr};

/// Parses an address expression.
pub fn parse_addr(text: &str) -> Result<AddrExpr, String> {
    let mut p = Cursor::new(text);
    let e = p.addr()?;
    p.end()?;
    Ok(e)
}

/// Parses a port expression.
pub fn parse_port(text: &str) -> Result<PortExpr, String> {
    let mut p = Cursor::new(text);
    let e = p.port()?;
    p.end()?;
    Ok(e)
}

struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor { text, pos: 0 }
    }

    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn skip_ws(&mut self) {
        let r = self.rest();
        self.pos += r.len() - r.trim_start().len();
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_ws();
        self.rest().chars().next()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn end(&mut self) -> Result<(), String> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(format!(
                "unexpected {:?} at column {} of {:?}",
                self.rest(),
                self.pos + 1,
                self.text
            )),
        }
    }

    /// Takes characters while `f` holds.
    fn take(&mut self, f: impl Fn(char) -> bool) -> &'a str {
        self.skip_ws();
        let r = self.rest();
        let n = r.find(|c: char| !f(c)).unwrap_or(r.len());
        self.pos += n;
        &r[..n]
    }

    fn name(&mut self) -> Result<String, String> {
        let n = self.take(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if n.is_empty() {
            Err(format!("missing variable name in {:?}", self.text))
        } else {
            Ok(n.to_string())
        }
    }

    fn list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, String>,
    ) -> Result<Vec<T>, String> {
        let mut items = Vec::new();
        loop {
            items.push(item(self)?);
            if self.eat(',') {
                continue;
            }
            if self.eat(']') {
                return Ok(items);
            }
            return Err(format!("expected ',' or ']' in {:?}", self.text));
        }
    }

    fn addr(&mut self) -> Result<AddrExpr, String> {
        if self.eat('!') {
            return Ok(AddrExpr::Not(Box::new(self.addr()?)));
        }
        if self.eat('[') {
            return Ok(AddrExpr::List(self.list(|p| p.addr())?));
        }
        if self.eat('$') {
            return Ok(AddrExpr::Var(self.name()?));
        }
        let atom = self.take(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '/' | '-'));
        if atom.eq_ignore_ascii_case("any") {
            return Ok(AddrExpr::Any);
        }
        if atom.is_empty() {
            return Err(format!("expected an address in {:?}", self.text));
        }
        addr_atom(atom)
    }

    fn port(&mut self) -> Result<PortExpr, String> {
        if self.eat('!') {
            return Ok(PortExpr::Not(Box::new(self.port()?)));
        }
        if self.eat('[') {
            return Ok(PortExpr::List(self.list(|p| p.port())?));
        }
        if self.eat('$') {
            return Ok(PortExpr::Var(self.name()?));
        }
        let atom = self.take(|c| c.is_ascii_alphanumeric() || c == ':');
        if atom.eq_ignore_ascii_case("any") {
            return Ok(PortExpr::Any);
        }
        port_atom(atom).ok_or_else(|| format!("invalid port {atom:?} in {:?}", self.text))
    }
}

fn ip(text: &str) -> Result<IpAddr, String> {
    text.parse()
        .map_err(|_| format!("invalid IP address {text:?}"))
}

fn addr_atom(atom: &str) -> Result<AddrExpr, String> {
    if let Some((a, b)) = atom.split_once('-') {
        return Ok(AddrExpr::Range {
            start: ip(a)?,
            end: ip(b)?,
        });
    }
    if let Some((a, m)) = atom.split_once('/') {
        let addr = ip(a)?;
        if let Ok(prefix) = m.parse::<u8>() {
            return Ok(AddrExpr::Cidr { addr, prefix });
        }
        return Ok(AddrExpr::Netmask { addr, mask: ip(m)? });
    }
    let addr = ip(atom)?;
    let prefix = if addr.is_ipv4() { 32 } else { 128 };
    Ok(AddrExpr::Cidr { addr, prefix })
}

fn port_atom(atom: &str) -> Option<PortExpr> {
    let num = |s: &str| -> Option<Option<u16>> {
        if s.is_empty() {
            Some(None)
        } else {
            s.parse::<u16>().ok().map(Some)
        }
    };
    match atom.split_once(':') {
        Some((lo, hi)) => {
            let (lo, hi) = (num(lo)?, num(hi)?);
            if lo.is_none() && hi.is_none() {
                return None;
            }
            Some(PortExpr::Range { lo, hi })
        }
        None => atom.parse::<u16>().ok().map(PortExpr::Single),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::v4;

    #[test]
    fn parses_address_values() {
        assert_eq!(parse_addr("any").unwrap(), AddrExpr::Any);
        assert_eq!(
            parse_addr("!$HOME_NET").unwrap(),
            AddrExpr::Not(Box::new(AddrExpr::Var("HOME_NET".into())))
        );
        let l =
            parse_addr("[192.168.0.0/16, 10.0.0.1 ,!$X, 1.1.1.1-1.1.1.5, 2001:db8::/32]").unwrap();
        let AddrExpr::List(items) = l else {
            panic!("not a list")
        };
        assert_eq!(items.len(), 5);
        assert_eq!(
            items[1],
            AddrExpr::Cidr {
                addr: v4(10, 0, 0, 1),
                prefix: 32
            }
        );
        assert!(matches!(items[3], AddrExpr::Range { .. }));
        assert!(matches!(items[4], AddrExpr::Cidr { prefix: 32, .. }));
        assert!(matches!(
            parse_addr("10.0.0.0/255.0.0.0").unwrap(),
            AddrExpr::Netmask { .. }
        ));
        assert!(parse_addr("[10.0.0.0/8").is_err());
        assert!(parse_addr("10.0.0.0/8 x").is_err());
        assert!(parse_addr("300.1.1.1").is_err());
    }

    #[test]
    fn parses_port_values() {
        assert_eq!(parse_port(" 80 ").unwrap(), PortExpr::Single(80));
        assert_eq!(
            parse_port("[$HTTP_PORTS,110,1024:]").unwrap(),
            PortExpr::List(vec![
                PortExpr::Var("HTTP_PORTS".into()),
                PortExpr::Single(110),
                PortExpr::Range {
                    lo: Some(1024),
                    hi: None
                }
            ])
        );
        assert_eq!(
            parse_port("!:1023").unwrap(),
            PortExpr::Not(Box::new(PortExpr::Range {
                lo: None,
                hi: Some(1023)
            }))
        );
        assert!(parse_port("70000").is_err());
        assert!(parse_port(":").is_err());
    }
}
