//! `--message-format github`: GitHub Actions workflow commands, which the
//! runner turns into annotations on the pull request:
//! `::warning file=src/lib.rs,line=5,endLine=5,col=9,endColumn=10,title=rule::message`.
//!
//! Notes and helps follow the message on their own lines (escaped, so the
//! command stays one line).

use std::io::{self, Write};

use super::Sources;
use crate::diagnostic::{Finding, Level};

pub(crate) fn render(out: &mut dyn Write, sources: &Sources<'_>, findings: &[Finding]) -> io::Result<()> {
    for f in findings {
        writeln!(out, "{}", command(sources, f))?;
    }
    Ok(())
}

fn command(sources: &Sources<'_>, f: &Finding) -> String {
    let kind = match f.level {
        Level::Deny | Level::Forbid => "error",
        Level::Warn => "warning",
        Level::Allow => "notice",
    };
    let pos = sources.pos(f.file, f.primary);
    let mut props = vec![format!("file={}", escape_property(sources.display(f.file)))];
    if pos.line > 0 {
        props.push(format!("line={}", pos.line));
        props.push(format!("endLine={}", pos.end_line.max(pos.line)));
        props.push(format!("col={}", pos.col));
        props.push(format!("endColumn={}", pos.end_col));
    }
    props.push(format!("title={}", escape_property(&f.rule)));

    let mut message = f.message.clone();
    for n in &f.notes {
        message.push_str(&format!("\nnote: {n}"));
    }
    for h in &f.helps {
        message.push_str(&format!("\nhelp: {}", h.message));
        if let Some(s) = &h.suggestion {
            message.push_str(&format!(": `{}`", s.replacement));
        }
    }
    format!("::{kind} {}::{}", props.join(","), escape_data(&message))
}

/// Escapes a command's message (`%`, CR, LF), as `@actions/core` does.
pub(crate) fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value: as data, plus `:` and `,`.
pub(crate) fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::MessageFormat;
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_data("50%\r\nx: a, b"), "50%25%0D%0Ax: a, b");
        assert_eq!(escape_property("a:b,c%d\ne\r"), "a%3Ab%2Cc%25d%0Ae%0D");
        // `%` first: an escape is never escaped again.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn one_command_per_finding() {
        let fx = fixture();
        let out = render_to_string(&fx, MessageFormat::Github, false);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), fx.findings.len(), "{out}");
        assert_eq!(
            lines[0],
            "::error file=src/lib.rs,line=4,endLine=4,col=9,endColumn=10,title=dropped-guard::\
             guard dropped as soon as it is made\
             %0Anote: `let _ = ...` drops the value at the end of the statement\
             %0Ahelp: bind the guard to a name: `_guard`"
        );
        assert_eq!(
            lines[3],
            "::warning file=scripts/loose.rs,line=1,endLine=1,col=21,endColumn=24,title=blocking-in-async::\
             value, with: 50%25%0D%0Anext%0Ahelp: line one%0Aline two"
        );
        assert_eq!(lines[4], "::error file=src/gone.rs,title=io-error::could not read file: no such file");
        assert!(lines[2].starts_with("::warning file=src/bom.rs,line=3,endLine=3,col=26,endColumn=27,"));
    }
}
