//! JUnit XML for CI systems (GitLab, Jenkins, GitHub test reporters): one
//! `<testsuite>` with a `<testcase>` per test; failures carry the check
//! message and the closest events as text.

use std::io::{self, Write};
use std::time::Duration;

use crate::run::{Summary, TestResult, TestStatus};

/// The suite and class name written into the report.
pub const SUITE: &str = "suricata-verify";

/// Writes `results` as a JUnit XML document.
pub fn write_junit<W: Write>(results: &[TestResult], mut w: W) -> io::Result<()> {
    let s = Summary::of(results);
    let total: Duration = results.iter().map(|r| r.duration).sum();
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites tests="{}" failures="{}" errors="{}" skipped="{}" time="{:.3}">"#,
        results.len(),
        s.failed,
        s.errors,
        s.skipped,
        total.as_secs_f64()
    )?;
    writeln!(
        w,
        r#"  <testsuite name="{SUITE}" tests="{}" failures="{}" errors="{}" skipped="{}" time="{:.3}">"#,
        results.len(),
        s.failed,
        s.errors,
        s.skipped,
        total.as_secs_f64()
    )?;
    for r in results {
        write!(
            w,
            r#"    <testcase name="{}" classname="{SUITE}" time="{:.3}""#,
            escape(&r.name),
            r.duration.as_secs_f64()
        )?;
        match &r.status {
            TestStatus::Pass => writeln!(w, "/>")?,
            TestStatus::Skip { reason } => {
                writeln!(w, ">")?;
                writeln!(w, r#"      <skipped message="{}"/>"#, escape(reason))?;
                writeln!(w, "    </testcase>")?;
            }
            TestStatus::Error { message } => {
                writeln!(w, ">")?;
                writeln!(
                    w,
                    r#"      <error message="{}">{}</error>"#,
                    escape(first_line(message)),
                    escape(message)
                )?;
                writeln!(w, "    </testcase>")?;
            }
            TestStatus::Fail {
                message, closest, ..
            } => {
                let mut body = message.clone();
                for m in closest {
                    body.push_str("\n  ");
                    body.push_str(&m.to_string());
                }
                writeln!(w, ">")?;
                writeln!(
                    w,
                    r#"      <failure message="{}">{}</failure>"#,
                    escape(first_line(message)),
                    escape(&body)
                )?;
                writeln!(w, "    </testcase>")?;
            }
        }
    }
    writeln!(w, "  </testsuite>")?;
    writeln!(w, "</testsuites>")?;
    w.flush()
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// Escapes text for both element content and attribute values. Characters
/// XML 1.0 cannot carry at all (most C0 controls, U+FFFE/U+FFFF) become
/// U+FFFD, so a stray byte in an event cannot make the report unreadable.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(name: &str, status: TestStatus) -> TestResult {
        TestResult {
            name: name.into(),
            status,
            duration: Duration::from_millis(1500),
        }
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape(r#"a<b>&"c"'d'"#),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;"
        );
        assert_eq!(escape("x\u{1}y\u{ffff}"), "x\u{fffd}y\u{fffd}");
        assert_eq!(escape("l1\nl2\t"), "l1&#10;l2&#9;");
        assert_eq!(escape("héllo ✓"), "héllo ✓");
    }

    #[test]
    fn report_structure() {
        let results = [
            result("ok", TestStatus::Pass),
            result(
                "sk<ip>",
                TestStatus::Skip {
                    reason: "needs \"9\"".into(),
                },
            ),
            result(
                "err",
                TestStatus::Error {
                    message: "exit 1\nstderr: boom & bust".into(),
                },
            ),
            result(
                "bad",
                TestStatus::Fail {
                    check: 1,
                    message: "check #2 (line 9): expected 1 matching event(s), found 0".into(),
                    closest: vec![],
                },
            ),
        ];
        let mut buf = Vec::new();
        write_junit(&results, &mut buf).unwrap();
        let xml = String::from_utf8(buf).unwrap();
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
        assert!(
            xml.contains(
                r#"<testsuites tests="4" failures="1" errors="1" skipped="1" time="6.000">"#
            ),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<testcase name="ok" classname="suricata-verify" time="1.500"/>"#),
            "{xml}"
        );
        assert!(xml.contains(r#"<testcase name="sk&lt;ip&gt;""#), "{xml}");
        assert!(
            xml.contains(r#"<skipped message="needs &quot;9&quot;"/>"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<error message="exit 1">exit 1&#10;stderr: boom &amp; bust</error>"#),
            "{xml}"
        );
        assert!(
            xml.contains(
                "<failure message=\"check #2 (line 9): expected 1 matching event(s), found 0\">"
            ),
            "{xml}"
        );
        assert!(xml.trim_end().ends_with("</testsuites>"));
        // Balanced testcase elements.
        let opens = xml.matches("<testcase ").count();
        let closes = xml.matches("</testcase>").count() + xml.matches("\"/>\n").count()
            - xml.matches("<skipped").count();
        assert_eq!(opens, closes, "{xml}");
    }
}
