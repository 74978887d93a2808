//! The one error type of the crate.
//!
//! Every variant names the file it is about, and a line (and column) when
//! one is known, so that `sigil test` can print errors the way a compiler
//! does: `tests/x/test.yaml:12:7: unknown requires key "foo"`.

use std::fmt;
use std::path::{Path, PathBuf};

/// A position in a YAML file, both numbers 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mark {
    /// Line, counting from 1.
    pub line: usize,
    /// Column, counting from 1.
    pub col: usize,
}

impl fmt::Display for Mark {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// Why a test folder, a manifest or an EVE file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The file could not be read at all.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The YAML parser rejected the text (syntax), or a scalar could not be
    /// constructed the way PyYAML would (e.g. `0b` with no digits).
    #[error("{}:{mark}: {message}", .path.display())]
    Yaml {
        /// The file.
        path: PathBuf,
        /// Where the parser stopped.
        mark: Mark,
        /// What went wrong.
        message: String,
    },
    /// The file parsed but does not say something this format allows
    /// (unknown `requires` key, `count` that is not a number, …).
    #[error("{}: {message}", at(.path, .mark))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The offending node, when known.
        mark: Option<Mark>,
        /// What went wrong.
        message: String,
    },
    /// A line of a JSON-lines file (eve.json) or a JSON file (manifest) is
    /// not what it must be.
    #[error("{}: {message}", at_line(.path, *.line))]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line number, 0 when the whole file is meant.
        line: usize,
        /// What went wrong.
        message: String,
    },
}

fn at(path: &Path, mark: &Option<Mark>) -> String {
    match mark {
        Some(m) => format!("{}:{m}", path.display()),
        None => path.display().to_string(),
    }
}

fn at_line(path: &Path, line: usize) -> String {
    if line == 0 {
        path.display().to_string()
    } else {
        format!("{}:{line}", path.display())
    }
}

impl VerifyError {
    /// Shorthand for [`VerifyError::Invalid`].
    pub(crate) fn invalid(path: &Path, mark: Option<Mark>, message: impl Into<String>) -> Self {
        VerifyError::Invalid {
            path: path.to_path_buf(),
            mark,
            message: message.into(),
        }
    }

    /// Shorthand for [`VerifyError::Io`].
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        VerifyError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_file_and_position() {
        let e = VerifyError::invalid(
            Path::new("t/test.yaml"),
            Some(Mark { line: 3, col: 5 }),
            "bad",
        );
        assert_eq!(e.to_string(), "t/test.yaml:3:5: bad");
        let e = VerifyError::invalid(Path::new("t/test.yaml"), None, "bad");
        assert_eq!(e.to_string(), "t/test.yaml: bad");
        let e = VerifyError::Json {
            path: "o/eve.json".into(),
            line: 7,
            message: "blank line".into(),
        };
        assert_eq!(e.to_string(), "o/eve.json:7: blank line");
    }
}
