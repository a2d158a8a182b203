//! Options a rule declares next to its code (`declare_rule! { options: [..] }`).
//!
//! A rule's options are set in the rule's own table of the configuration
//! (`[rules.blocking-in-async] blocking-paths = [..]`). The configuration
//! loader, `--explain`, `--print-config`, the cache fingerprint and
//! `docs/rules.md` all read the declarations here, so adding an option is a
//! change to the rule's file alone.

use std::collections::BTreeMap;

use super::RuleMeta;

/// One option of a rule, as declared in [`declare_rule!`](crate::declare_rule).
#[derive(Debug)]
pub struct RuleOption {
    /// Kebab-case key in the rule's configuration table.
    pub name: &'static str,
    pub kind: OptionKind,
    /// One or two sentences of Markdown: what the option changes.
    pub docs: &'static str,
    /// A value for the docs' example (`["my_crate::io::read_blocking"]`).
    pub example: &'static str,
}

/// What values an option takes. Every kind so far is a list: lists from
/// every configuration layer add up (an option describes code, not taste).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionKind {
    /// A list of call paths such as `my_crate::io::read_blocking`.
    CallPaths,
}

impl OptionKind {
    /// For docs and error messages: "a list of call paths".
    pub fn describe(self) -> &'static str {
        match self {
            OptionKind::CallPaths => "a list of call paths such as `my_crate::io::read_blocking`",
        }
    }

    /// Checks one entry of the list; `Err` says what is wrong with it.
    pub fn check_entry(self, entry: &str) -> Result<(), String> {
        match self {
            OptionKind::CallPaths if is_call_path(entry) => Ok(()),
            OptionKind::CallPaths => Err(format!("`{entry}` is not a path such as `my_crate::block_hard`")),
        }
    }
}

/// `a::b`, `::a::b`, `b` or `r#type::b`: identifier segments joined by `::`.
fn is_call_path(path: &str) -> bool {
    let path = path.strip_prefix("::").unwrap_or(path);
    !path.is_empty()
        && path.split("::").all(|seg| {
            let seg = seg.strip_prefix("r#").unwrap_or(seg);
            let mut chars = seg.chars();
            matches!(chars.next(), Some(c) if c == '_' || c.is_alphabetic())
                && chars.all(|c| c == '_' || c.is_alphanumeric())
        })
}

/// The options set for a run: rule name → option name → values, every
/// layer's values added up with duplicates dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleOptions(BTreeMap<String, BTreeMap<String, Vec<String>>>);

impl RuleOptions {
    /// The values of `option` of `rule`; empty when not set.
    pub fn get(&self, rule: &str, option: &str) -> &[String] {
        self.0.get(rule).and_then(|options| options.get(option)).map_or(&[], Vec::as_slice)
    }

    /// Adds `value` to `option` of `rule`, unless it is already there.
    pub fn push(&mut self, rule: &str, option: &str, value: &str) {
        let values = self.0.entry(rule.to_string()).or_default().entry(option.to_string()).or_default();
        if !values.iter().any(|v| v == value) {
            values.push(value.to_string());
        }
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &RuleOptions) {
        for (rule, option, values) in other.iter() {
            for value in values {
                self.push(rule, option, value);
            }
        }
    }

    /// `(rule, option, values)` in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, &[String])> {
        self.0.iter().flat_map(|(rule, options)| {
            options.iter().map(move |(option, values)| (rule.as_str(), option.as_str(), values.as_slice()))
        })
    }

    pub fn is_empty(&self) -> bool {
        self.iter().all(|(_, _, values)| values.is_empty())
    }
}

impl RuleMeta {
    /// The declared option called `name`, if any.
    pub fn option(&self, name: &str) -> Option<&'static RuleOption> {
        self.options.iter().find(|o| o.name == name)
    }

    /// The rule's documentation with its `## Options` section, if it has
    /// options: what `--explain`, `docs/rules.md` and SARIF's rule help show.
    pub fn full_docs(&self) -> String {
        let options = self.options_markdown();
        if options.is_empty() {
            self.docs.trim_end().to_string()
        } else {
            format!("{}\n\n{}", self.docs.trim_end(), options.trim_end())
        }
    }

    /// The `## Options` section of `--explain` and `docs/rules.md`; empty for
    /// a rule without options.
    pub fn options_markdown(&self) -> String {
        if self.options.is_empty() {
            return String::new();
        }
        let mut text = String::from("## Options\n\n");
        for option in self.options {
            text.push_str(&format!("- `{}` ({}): {}.\n", option.name, option.kind.describe(), option.docs.trim()));
        }
        text.push_str("\nSet them in the rule's table of the configuration:\n\n```toml\n");
        text.push_str(&format!("[rules.{}]\n", self.name));
        for option in self.options {
            text.push_str(&format!("{} = {}\n", option.name, option.example));
        }
        text.push_str("```\n");
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_add_up_without_duplicates() {
        let mut a = RuleOptions::default();
        a.push("blocking-in-async", "blocking-paths", "ws::block");
        let mut b = RuleOptions::default();
        b.push("blocking-in-async", "blocking-paths", "pkg::block");
        b.push("blocking-in-async", "blocking-paths", "ws::block");
        a.merge(&b);
        assert_eq!(a.get("blocking-in-async", "blocking-paths"), ["ws::block", "pkg::block"]);
        assert!(a.get("blocking-in-async", "other").is_empty());
        assert!(a.get("busy-wait", "blocking-paths").is_empty());
        assert!(!a.is_empty());
        assert!(RuleOptions::default().is_empty());
    }

    #[test]
    fn call_paths_are_checked() {
        assert!(OptionKind::CallPaths.check_entry("::a::b").is_ok());
        assert!(OptionKind::CallPaths.check_entry("read_blocking").is_ok());
        assert!(OptionKind::CallPaths.check_entry("a::").is_err());
        assert!(OptionKind::CallPaths.check_entry("not a path").is_err());
        assert!(OptionKind::CallPaths.check_entry("").is_err());
    }
}
