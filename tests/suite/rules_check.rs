//! `sigil rules check`: counts, JSON shape, error positions, ET Open.

use super::common::*;

#[test]
fn syntax_error_gives_file_line_col_and_caret() {
    let dir = TempDir::new("check-syntax").unwrap();
    let p = dir.join("bad.rules");
    std::fs::write(
        &p,
        "# a comment\n\
         alert tcp any any -> any 80 (msg:\"ok\"; content:\"a\"; sid:1;)\n\
         alert tcp any any -> any 99999 (msg:\"bad port\"; sid:2;)\n",
    )
    .unwrap();
    let o = sigil(&["rules", "check", s(&p)]);
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8_lossy(&o.stdout);
    let want = format!("{}:3:26: error:", s(&p));
    assert!(text.contains(&want), "{text}");
    assert!(text.contains('^'), "{text}");
    assert!(text.contains("compiled:       1"), "{text}");
}

#[test]
fn json_report_has_the_documented_keys() {
    let dir = TempDir::new("check-json").unwrap();
    let p = dir.join("r.rules");
    std::fs::write(
        &p,
        "alert tcp any any -> any 80 (msg:\"a\"; content:\"a\"; sid:1;)\n\
         alert smtp any any -> any any (msg:\"b\"; content:\"x\"; sid:2;)\n\
         alert tcp any any -> any 80 (msg:\"c\"; content:\"a\"; sid:1;)\n\
         alert tcp $NOPE any -> any 80 (msg:\"d\"; sid:4;)\n",
    )
    .unwrap();
    let o = sigil_ok(&["rules", "check", "--json", s(&p)]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for k in [
        "rules",
        "parsed",
        "compiled",
        "syntax_errors",
        "unsupported",
        "unsupported_keywords",
    ] {
        assert!(v.get(k).is_some(), "missing {k}: {v}");
    }
    assert_eq!(v["rules"], 4);
    assert_eq!(v["parsed"], 4);
    assert_eq!(v["compiled"], 1);
    assert_eq!(v["unsupported"], 1);
    assert_eq!(v["duplicates"], 1);
    assert_eq!(v["undefined_vars"], 1);
    assert!(!v["unsupported_keywords"].as_object().unwrap().is_empty());
}

#[test]
fn et_open_parses_without_syntax_errors() {
    let Some(et) = shared("rules/et-open") else {
        return;
    };
    let o = sigil_ok(&[
        "rules",
        "check",
        "--json",
        "--include-commented",
        "--set",
        "vars.port-groups.HTTP_PORTS=[80,8080]",
        s(&et),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["syntax_errors"], 0);
    assert_eq!(v["invalid"], 0, "{}", v["details"]["other_errors"]);
    assert_eq!(v["rules"], 15021);
    assert_eq!(v["commented"], 10384);
    let sum = v["compiled"].as_u64().unwrap()
        + v["unsupported"].as_u64().unwrap()
        + v["duplicates"].as_u64().unwrap()
        + v["undefined_vars"].as_u64().unwrap();
    assert_eq!(sum, 15021, "every rule is accounted for");
}
