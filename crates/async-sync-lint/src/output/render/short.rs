//! `--message-format short`: one line per finding, as
//! `cargo --message-format short` prints them:
//! `src/lib.rs:5:9: warning[sync-guard-across-await]: message`.

use std::io::{self, Write};

use super::{level_word, Sources};
use crate::diagnostic::Finding;

pub(crate) fn render(out: &mut dyn Write, sources: &Sources<'_>, findings: &[Finding]) -> io::Result<()> {
    for f in findings {
        writeln!(out, "{}", line(sources, f))?;
    }
    Ok(())
}

/// The short line, without a trailing newline. The location is just the
/// path when the line is unknown.
pub(crate) fn line(sources: &Sources<'_>, f: &Finding) -> String {
    let pos = sources.pos(f.file, f.primary);
    let path = sources.display(f.file);
    let location = if pos.line == 0 { path.to_string() } else { format!("{path}:{}:{}", pos.line, pos.col) };
    format!("{location}: {}[{}]: {}", level_word(f.level), f.rule, f.message)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::MessageFormat;

    #[test]
    fn one_exact_line_per_finding() {
        let fx = fixture();
        let out = render_to_string(&fx, MessageFormat::Short, false);
        let expected = "\
src/lib.rs:4:9: error[dropped-guard]: guard dropped as soon as it is made
src/lib.rs:5:9: warning[sync-guard-across-await]: std mutex guard held across an await
src/bom.rs:3:26: warning[dropped-guard]: guard dropped: 50% of \"lock\", at once
scripts/loose.rs:1:21: warning[blocking-in-async]: value, with: 50%\r\nnext
src/gone.rs: error[io-error]: could not read file: no such file
src/lib.rs:300:1: warning[internal-error]: span out of range
";
        assert_eq!(out, expected);
    }
}
