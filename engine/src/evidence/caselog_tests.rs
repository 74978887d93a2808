use super::*;
use crate::evidence::integrity::check_chain;
use crate::evidence::sign::{load_signing_key, parse_signature_hex, verify, write_keypair};
use crate::testutil::TempDir;

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn start_output_end_form_a_chain() {
    let dir = TempDir::new("caselog").unwrap();
    let input = dir.join("in.pcap");
    std::fs::write(&input, b"abc").unwrap();
    let rules = dir.join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(
        rules.join("a.rules"),
        b"alert ip any any -> any any (sid:1;)",
    )
    .unwrap();
    std::fs::write(rules.join("README"), b"not a rule file").unwrap();
    let out = dir.join("out");
    let mut log = CaseLog::create(&out).unwrap();
    let mut extra = Map::new();
    extra.insert("embedded_rules".into(), Value::from(false));
    extra.insert("hostname".into(), Value::from("ignored: start sets it"));
    log.start(&StartInfo {
        argv: vec!["sigil".into(), "run".into()],
        version: "0.1.0".into(),
        inputs: vec![input.clone(), dir.join("missing.pcap"), input.clone()],
        rules: vec![rules.clone()],
        config: None,
        extra,
    })
    .unwrap();
    std::fs::write(out.join("eve.json"), b"{}\n").unwrap();
    let rec = log.output(&out.join("eve.json")).unwrap();
    assert_eq!(rec.path, "eve.json");
    assert_eq!(rec.size, 3);
    let mut fields = Map::new();
    fields.insert("seq".into(), Value::from(99)); // reserved: dropped
    fields.insert("note".into(), Value::from("x\"y"));
    log.record("custom", fields).unwrap();
    let head = log.end(serde_json::json!({"alerts": 2}), 0, None).unwrap();

    let bytes = std::fs::read(out.join(CASE_LOG_NAME)).unwrap();
    let chain = check_chain(&bytes);
    assert!(chain.breaks.is_empty(), "{:?}", chain.breaks);
    assert_eq!(chain.count, 4);
    assert_eq!(chain.head.as_deref(), Some(head.as_str()));
    let v = lines(&out.join(CASE_LOG_NAME));
    let ops: Vec<&str> = v.iter().map(|l| l["op"].as_str().unwrap()).collect();
    assert_eq!(ops, ["start", "output", "custom", "end"]);
    assert_eq!(v[0]["prev"], GENESIS);
    assert_eq!(v[0]["argv"][1], "run");
    assert_ne!(v[0]["hostname"], "ignored: start sets it");
    assert_eq!(v[0]["embedded_rules"], false);
    assert_eq!(
        v[0]["inputs"][0]["sha256"],
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert!(v[0]["inputs"][1]["error"].is_string());
    // Given twice: recorded twice (hashed once).
    assert_eq!(v[0]["inputs"][2], v[0]["inputs"][0]);
    let rule_files = v[0]["rules"].as_array().unwrap();
    assert_eq!(rule_files.len(), 1, "only *.rules in a directory");
    assert!(rule_files[0]["path"].as_str().unwrap().ends_with("a.rules"));
    assert_eq!(v[0]["config"], Value::Null);
    assert_eq!(v[2]["seq"], 2);
    assert_eq!(v[2]["note"], "x\"y");
    assert_eq!(v[3]["counts"]["alerts"], 2);
    assert_eq!(v[3]["exit_status"], 0);
    let t = v[3]["time"].as_str().unwrap();
    assert!(t.ends_with('Z') && t.len() == 27, "{t}");
    // Never replaced.
    assert!(CaseLog::create(&out).is_err());
}

#[test]
fn a_changed_or_removed_line_breaks_the_chain() {
    let dir = TempDir::new("caselog-tamper").unwrap();
    let mut log = CaseLog::create(dir.path()).unwrap();
    for i in 0..4 {
        let mut f = Map::new();
        f.insert("i".into(), Value::from(i));
        log.record("step", f).unwrap();
    }
    drop(log);
    let text = std::fs::read_to_string(dir.join(CASE_LOG_NAME)).unwrap();
    let changed = text.replacen("\"i\":1", "\"i\":7", 1);
    let breaks: Vec<usize> = check_chain(changed.as_bytes())
        .breaks
        .iter()
        .map(|b| b.0)
        .collect();
    assert_eq!(breaks, vec![3]);
    let mut ls: Vec<&str> = text.lines().collect();
    ls.remove(1);
    let removed = ls.join("\n") + "\n";
    let breaks: Vec<usize> = check_chain(removed.as_bytes())
        .breaks
        .iter()
        .map(|b| b.0)
        .collect();
    assert_eq!(breaks, vec![2]); // seq and prev both off, reported once
    let cut = text.trim_end_matches('\n');
    let last = check_chain(cut.as_bytes()).breaks;
    assert_eq!(last.len(), 1);
    assert!(last[0].1.contains("incomplete"));
    let garbage = format!("{text}not json\n");
    assert_eq!(check_chain(garbage.as_bytes()).breaks[0].0, 5);
    assert!(check_chain(b"").breaks.is_empty());
}

#[test]
fn signed_end_line_covers_the_line() {
    let dir = TempDir::new("caselog-sign").unwrap();
    let (kp, _, vk) = write_keypair(&dir.join("k")).unwrap();
    let key = load_signing_key(&kp).unwrap();
    let out = dir.join("out");
    let log = CaseLog::create(&out).unwrap();
    log.end(Value::Null, 1, Some(&key)).unwrap();
    let text = std::fs::read_to_string(out.join(CASE_LOG_NAME)).unwrap();
    let line = text.trim_end();
    let v: Value = serde_json::from_str(line).unwrap();
    assert_eq!(v["signer"], hex(vk.as_bytes()));
    let (signed, sig_hex) = split_signature(line).unwrap();
    assert!(!signed.contains("signature"));
    assert!(signed.ends_with(&format!("\"signer\":\"{}\"}}", hex(vk.as_bytes()))));
    let sig = parse_signature_hex(&sig_hex).unwrap();
    assert!(verify(&vk, signed.as_bytes(), &sig));
    let forged = signed.replace("\"exit_status\":1", "\"exit_status\":0");
    assert!(!verify(&vk, forged.as_bytes(), &sig));
    assert!(split_signature("{\"op\":\"end\"}").is_none());
    assert!(split_signature("{\"signature\":\"zz\"}").is_none());
}

#[test]
fn outputs_outside_outdir_keep_their_path() {
    let dir = TempDir::new("caselog-rel").unwrap();
    let out = dir.join("out");
    let mut log = CaseLog::create(&out).unwrap();
    let outside = dir.join("elsewhere.txt");
    std::fs::write(&outside, b"x").unwrap();
    let rec = log.output(&outside).unwrap();
    assert_eq!(rec.path, outside.display().to_string());
    std::fs::create_dir(out.join("sub")).unwrap();
    std::fs::write(out.join("sub/f"), b"x").unwrap();
    assert_eq!(log.output(&out.join("sub/f")).unwrap().path, "sub/f");
    let err = log.output(&out.join("nope")).unwrap_err().to_string();
    assert!(err.contains("nope"), "{err}");
}
