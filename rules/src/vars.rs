//! Address and port variables (`$HOME_NET`, `$HTTP_PORTS`).
//!
//! [`Vars`] holds the variable *texts* as configured (defaults, then a
//! suricata.yaml `vars:` section, then `--set` overrides). [`Vars::resolve`]
//! turns them into shared sets once per build, detecting undefined names and
//! cycles; each rule header then only looks the sets up.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use crate::addr::{
    addr_has_negation, resolve_addr, resolve_port, IpSet, PortSet, ResolveError, SetResolver,
};
use crate::exprtext::{parse_addr, parse_port};

/// Errors from reading variable configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VarsError {
    /// The YAML document does not parse.
    #[error("invalid YAML: {0}")]
    Yaml(#[from] serde_yaml::Error),
    /// A section or value has the wrong shape.
    #[error("{0}")]
    Shape(String),
    /// A `--set` key that is not `vars.address-groups.NAME` or `vars.port-groups.NAME`.
    #[error(
        "unknown variable key {0:?} (expected vars.address-groups.NAME or vars.port-groups.NAME)"
    )]
    UnknownKey(String),
}

/// Variable definitions, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vars {
    /// `address-groups`: name (without `$`) → expression text.
    pub address_groups: BTreeMap<String, String>,
    /// `port-groups`: name (without `$`) → expression text.
    pub port_groups: BTreeMap<String, String>,
}

const HOME: &str = "$HOME_NET";

impl Vars {
    /// No variables at all.
    pub fn new() -> Self {
        Self::default()
    }

    /// The variables of Suricata's shipped suricata.yaml.
    pub fn suricata_defaults() -> Self {
        let mut v = Vars::new();
        let addr: &[(&str, &str)] = &[
            ("HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]"),
            ("EXTERNAL_NET", "!$HOME_NET"),
            ("HTTP_SERVERS", HOME),
            ("SMTP_SERVERS", HOME),
            ("SQL_SERVERS", HOME),
            ("DNS_SERVERS", HOME),
            ("TELNET_SERVERS", HOME),
            ("AIM_SERVERS", "$EXTERNAL_NET"),
            ("DC_SERVERS", HOME),
            ("DNP3_SERVER", HOME),
            ("DNP3_CLIENT", HOME),
            ("MODBUS_CLIENT", HOME),
            ("MODBUS_SERVER", HOME),
            ("ENIP_CLIENT", HOME),
            ("ENIP_SERVER", HOME),
        ];
        let ports: &[(&str, &str)] = &[
            ("HTTP_PORTS", "80"),
            ("SHELLCODE_PORTS", "!80"),
            ("ORACLE_PORTS", "1521"),
            ("SSH_PORTS", "22"),
            ("DNP3_PORTS", "20000"),
            ("MODBUS_PORTS", "502"),
            ("FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]"),
            ("FTP_PORTS", "21"),
            ("GENEVE_PORTS", "6081"),
            ("VXLAN_PORTS", "4789"),
            ("TEREDO_PORTS", "3544"),
        ];
        for (k, val) in addr {
            v.address_groups.insert((*k).into(), (*val).into());
        }
        for (k, val) in ports {
            v.port_groups.insert((*k).into(), (*val).into());
        }
        v
    }

    /// Merges the `vars:` section of a suricata.yaml-style document
    /// (`vars: {address-groups: {NAME: "value"}, port-groups: {…}}`);
    /// other top-level keys are ignored. Later definitions replace earlier ones.
    pub fn merge_yaml(&mut self, yaml: &str) -> Result<(), VarsError> {
        let doc: serde_yaml::Value = serde_yaml::from_str(yaml)?;
        let Some(vars) = doc.get("vars") else {
            return Ok(());
        };
        for (section, target) in [
            ("address-groups", &mut self.address_groups),
            ("port-groups", &mut self.port_groups),
        ] {
            let Some(group) = vars.get(section) else {
                continue;
            };
            if group.is_null() {
                continue;
            }
            let map = group
                .as_mapping()
                .ok_or_else(|| VarsError::Shape(format!("vars.{section} is not a mapping")))?;
            for (k, v) in map {
                let name = scalar(k).ok_or_else(|| {
                    VarsError::Shape(format!("vars.{section} has a non-scalar key"))
                })?;
                let value = scalar(v).ok_or_else(|| {
                    VarsError::Shape(format!("vars.{section}.{name} is not a scalar"))
                })?;
                target.insert(name, value);
            }
        }
        Ok(())
    }

    /// Applies one `--set` override, e.g.
    /// `set("vars.address-groups.HOME_NET", "[10.0.0.0/8]")`.
    pub fn set(&mut self, dotted_key: &str, value: &str) -> Result<(), VarsError> {
        let key = dotted_key.strip_prefix("vars.").unwrap_or(dotted_key);
        let (section, name) = key
            .split_once('.')
            .ok_or_else(|| VarsError::UnknownKey(dotted_key.into()))?;
        let target = match section {
            "address-groups" => &mut self.address_groups,
            "port-groups" => &mut self.port_groups,
            _ => return Err(VarsError::UnknownKey(dotted_key.into())),
        };
        if name.is_empty() || name.contains('.') {
            return Err(VarsError::UnknownKey(dotted_key.into()));
        }
        target.insert(name.to_string(), value.trim().to_string());
        Ok(())
    }

    /// Resolves every variable into a set. Bad variables are kept as errors
    /// and reported only when a rule uses them, as Suricata does.
    pub fn resolve(&self) -> ResolvedVars {
        let mut r = ResolvedVars {
            addrs: HashMap::new(),
            ports: HashMap::new(),
            negated: HashSet::new(),
        };
        for name in self.address_groups.keys() {
            let res = resolve_addr_var(self, name, &mut Vec::new());
            r.addrs.insert(name.clone(), res.map(Arc::new));
            if addr_var_negated(self, name, &mut Vec::new()) {
                r.negated.insert(name.clone());
            }
        }
        for name in self.port_groups.keys() {
            let res = resolve_port_var(self, name, &mut Vec::new());
            r.ports.insert(name.clone(), res.map(Arc::new));
        }
        r
    }
}

fn scalar(v: &serde_yaml::Value) -> Option<String> {
    match v {
        serde_yaml::Value::String(s) => Some(s.trim().to_string()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        serde_yaml::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Resolution in progress: the chain of names being resolved (for cycles).
struct Walk<'a> {
    vars: &'a Vars,
    stack: Vec<String>,
}

impl SetResolver for Walk<'_> {
    fn address_var(&self, name: &str) -> Result<Arc<IpSet>, ResolveError> {
        let mut stack = self.stack.clone();
        resolve_addr_var(self.vars, name, &mut stack).map(Arc::new)
    }

    fn port_var(&self, name: &str) -> Result<Arc<PortSet>, ResolveError> {
        let mut stack = self.stack.clone();
        resolve_port_var(self.vars, name, &mut stack).map(Arc::new)
    }

    fn address_var_negated(&self, name: &str) -> bool {
        addr_var_negated(self.vars, name, &mut self.stack.clone())
    }
}

/// True when address variable `name` negates an address anywhere in its
/// definition or in the variables it uses. Undefined, invalid and cyclic
/// variables are reported by [`resolve_addr_var`]; here they count as
/// having none.
fn addr_var_negated(vars: &Vars, name: &str, stack: &mut Vec<String>) -> bool {
    let Some(text) = vars.address_groups.get(name) else {
        return false;
    };
    if enter(stack, name).is_err() {
        return false;
    }
    let Ok(expr) = parse_addr(text) else {
        return false;
    };
    let walk = Walk {
        vars,
        stack: stack.clone(),
    };
    addr_has_negation(&expr, &walk)
}

fn enter(stack: &mut Vec<String>, name: &str) -> Result<(), ResolveError> {
    if stack.iter().any(|n| n == name) {
        let mut chain: Vec<String> = stack.iter().map(|n| format!("${n}")).collect();
        chain.push(format!("${name}"));
        return Err(ResolveError::Cycle(chain.join(" -> ")));
    }
    stack.push(name.to_string());
    Ok(())
}

fn resolve_addr_var(
    vars: &Vars,
    name: &str,
    stack: &mut Vec<String>,
) -> Result<IpSet, ResolveError> {
    let text = vars
        .address_groups
        .get(name)
        .ok_or_else(|| ResolveError::Undefined(name.to_string()))?;
    enter(stack, name)?;
    let expr = parse_addr(text).map_err(|e| ResolveError::Invalid(format!("${name}: {e}")))?;
    let walk = Walk {
        vars,
        stack: stack.clone(),
    };
    let set = resolve_addr(&expr, &walk)?;
    if set.is_empty() {
        return Err(ResolveError::Invalid(format!(
            "${name} = {text:?} matches no address"
        )));
    }
    Ok(set)
}

fn resolve_port_var(
    vars: &Vars,
    name: &str,
    stack: &mut Vec<String>,
) -> Result<PortSet, ResolveError> {
    let text = vars
        .port_groups
        .get(name)
        .ok_or_else(|| ResolveError::Undefined(name.to_string()))?;
    enter(stack, name)?;
    let expr = parse_port(text).map_err(|e| ResolveError::Invalid(format!("${name}: {e}")))?;
    let walk = Walk {
        vars,
        stack: stack.clone(),
    };
    let set = resolve_port(&expr, &walk)?;
    if set.is_empty() {
        return Err(ResolveError::Invalid(format!(
            "${name} = {text:?} matches no port"
        )));
    }
    Ok(set)
}

/// Every variable resolved to a shared set (or the reason it cannot be).
#[derive(Debug, Clone)]
pub struct ResolvedVars {
    addrs: HashMap<String, Result<Arc<IpSet>, ResolveError>>,
    ports: HashMap<String, Result<Arc<PortSet>, ResolveError>>,
    /// Address variables whose definition negates an address.
    negated: HashSet<String>,
}

impl SetResolver for ResolvedVars {
    fn address_var(&self, name: &str) -> Result<Arc<IpSet>, ResolveError> {
        match self.addrs.get(name) {
            Some(r) => r.clone(),
            None => Err(ResolveError::Undefined(name.to_string())),
        }
    }

    fn port_var(&self, name: &str) -> Result<Arc<PortSet>, ResolveError> {
        match self.ports.get(name) {
            Some(r) => r.clone(),
            None => Err(ResolveError::Undefined(name.to_string())),
        }
    }

    fn address_var_negated(&self, name: &str) -> bool {
        self.negated.contains(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::{v4, v6};

    #[test]
    fn defaults_resolve() {
        let r = Vars::suricata_defaults().resolve();
        let home = r.address_var("HOME_NET").unwrap();
        assert!(home.contains(v4(10, 1, 2, 3)) && !home.contains(v4(8, 8, 8, 8)));
        let ext = r.address_var("AIM_SERVERS").unwrap();
        assert!(ext.contains(v4(8, 8, 8, 8)) && ext.contains(v6("2001:db8::1")));
        assert!(!ext.contains(v4(192, 168, 1, 1)));
        let fdp = r.port_var("FILE_DATA_PORTS").unwrap();
        assert!(fdp.contains(80) && fdp.contains(143) && !fdp.contains(25));
        assert!(!r.port_var("SHELLCODE_PORTS").unwrap().contains(80));
    }

    #[test]
    fn negated_address_variables_are_known() {
        let mut v = Vars::suricata_defaults();
        v.set("vars.address-groups.OUTSIDE", "[$EXTERNAL_NET, 1.2.3.4]")
            .unwrap();
        v.set("vars.address-groups.LOOP_A", "$LOOP_B").unwrap();
        v.set("vars.address-groups.LOOP_B", "$LOOP_A").unwrap();
        let r = v.resolve();
        assert!(r.address_var_negated("EXTERNAL_NET"));
        assert!(r.address_var_negated("OUTSIDE"));
        assert!(!r.address_var_negated("HOME_NET"));
        assert!(!r.address_var_negated("LOOP_A"));
        assert!(!r.address_var_negated("UNDEFINED"));
    }

    #[test]
    fn yaml_and_set_override() {
        let mut v = Vars::suricata_defaults();
        v.merge_yaml(
            "%YAML 1.1\n---\nvars:\n  address-groups:\n    HOME_NET: \"[10.0.0.0/8]\"\n  port-groups:\n    HTTP_PORTS: \"[80,8080]\"\n    SSH_PORTS: 2222\nother: 1\n",
        )
        .unwrap();
        assert_eq!(v.port_groups["SSH_PORTS"], "2222");
        v.set("vars.address-groups.HOME_NET", "[172.16.0.0/12]")
            .unwrap();
        let r = v.resolve();
        assert!(r
            .address_var("HOME_NET")
            .unwrap()
            .contains(v4(172, 16, 0, 1)));
        assert!(!r.address_var("HOME_NET").unwrap().contains(v4(10, 0, 0, 1)));
        assert!(r.port_var("FILE_DATA_PORTS").unwrap().contains(8080));
        assert!(v.set("vars.bogus.X", "1").is_err());
        assert!(v.merge_yaml("vars: [1, 2").is_err());
    }

    #[test]
    fn et_open_vars_file_parses() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/rules/et-open/vars.yaml"
        );
        let Ok(text) = std::fs::read_to_string(path) else {
            println!("skipping: {path} not found");
            return;
        };
        let mut v = Vars::suricata_defaults();
        v.merge_yaml(&text).unwrap();
        let r = v.resolve();
        assert!(r.port_var("HTTP_PORTS").unwrap().contains(8080));
        assert!(r.address_var("EXTERNAL_NET").is_ok());
    }

    #[test]
    fn cycles_undefined_and_invalid_are_errors() {
        let mut v = Vars::new();
        v.set("vars.address-groups.A", "$B").unwrap();
        v.set("vars.address-groups.B", "[1.2.3.4,$A]").unwrap();
        v.set("vars.address-groups.C", "$NOPE").unwrap();
        v.set("vars.address-groups.D", "!any").unwrap();
        v.set("vars.address-groups.E", "[1.2.3.4").unwrap();
        let r = v.resolve();
        assert!(matches!(r.address_var("A"), Err(ResolveError::Cycle(_))));
        assert_eq!(
            r.address_var("C").unwrap_err(),
            ResolveError::Undefined("NOPE".into())
        );
        assert!(matches!(r.address_var("D"), Err(ResolveError::Invalid(_))));
        assert!(matches!(r.address_var("E"), Err(ResolveError::Invalid(_))));
        assert!(matches!(
            r.address_var("Z"),
            Err(ResolveError::Undefined(_))
        ));
    }
}
