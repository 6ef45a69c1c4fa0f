//! `mlconform rules` and `mlconform explain`: the rule packs as documentation.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;

use super::OutputFormat;
use crate::rules::functions;
use crate::rules::rule::Test;
use crate::rules::{self, Catalog, PackError, PackSpec, Rule};
use crate::schema::closest;
use crate::source::Limits;

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// List only this pack (repeatable), as NAME or NAME@VERSION, with the packs it extends.
    /// Without --pack, the newest version of every pack is listed.
    #[arg(long = "pack", value_name = "PACK[@VERSION]")]
    pub packs: Vec<String>,

    /// Also load the rule pack in the YAML file PATH (repeatable).
    #[arg(long = "rules", value_name = "PATH")]
    pub rule_files: Vec<PathBuf>,

    /// Output format of the list.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule's id (`MLC001`) or name (`model-card-license-missing`).
    #[arg(value_name = "ID|NAME")]
    pub rule: String,

    /// Also load the rule pack in the YAML file PATH (repeatable), to explain its rules.
    #[arg(long = "rules", value_name = "PATH")]
    pub rule_files: Vec<PathBuf>,
}

/// Prints pack errors to standard error, each with its location and help.
fn print_errors(errors: &[PackError]) {
    for error in errors {
        match &error.location {
            Some(location) => {
                eprintln!("error: {}:{}:{}: {}", location.path, location.line, location.column, error.message)
            }
            None => eprintln!("error: {}", error.message),
        }
        if let Some(help) = &error.help {
            eprintln!("  help: {help}");
        }
    }
}

/// A pack to list: its `name@version`, description and rules.
type ListedPack = (String, String, Vec<Arc<Rule>>);

/// Collects the packs to list: those named, each with its rules after `extends`, or the newest
/// version of every pack.
fn listed(catalog: &Catalog, specs: &[String]) -> Result<Vec<ListedPack>, Vec<PackError>> {
    let mut out = Vec::new();
    if specs.is_empty() {
        for pack in catalog.newest() {
            let index = catalog.packs.iter().position(|known| std::ptr::eq(known, pack));
            let rules = match index {
                Some(index) => catalog.resolve(index)?,
                None => Vec::new(),
            };
            out.push((format!("{}@{}", pack.name, pack.version), pack.description.clone(), rules));
        }
        return Ok(out);
    }
    for text in specs {
        let spec = PackSpec::parse(text).map_err(|message| vec![PackError::plain(message)])?;
        let index = catalog.find(&spec).ok_or_else(|| {
            vec![PackError::plain(format!("no rule pack matches \"{spec}\""))
                .with_help("run `mlconform rules` to list the packs")]
        })?;
        let pack = &catalog.packs[index];
        out.push((format!("{}@{}", pack.name, pack.version), pack.description.clone(), catalog.resolve(index)?));
    }
    Ok(out)
}

fn references_text(rule: &Rule) -> String {
    rule.references
        .iter()
        .map(|reference| format!("{}, {}", reference.standard, reference.clause))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Renders the list of rules.
pub fn render_rules(packs: &[ListedPack], format: OutputFormat) -> String {
    match format {
        OutputFormat::Json => {
            let list: Vec<serde_json::Value> = packs
                .iter()
                .map(|(pack, description, rules)| {
                    let rules: Vec<serde_json::Value> = rules
                        .iter()
                        .map(|rule| {
                            serde_json::json!({
                                "id": rule.id,
                                "name": rule.name,
                                "severity": rule.severity.as_str(),
                                "status": rule.status.as_str(),
                                "since": rule.since,
                                "pack": rule.pack,
                                "applies_to": rule.applies_to.iter().map(ToString::to_string).collect::<Vec<_>>(),
                                "references": rule.references,
                                "deprecated_reason": rule.deprecated_reason,
                            })
                        })
                        .collect();
                    serde_json::json!({ "pack": pack, "description": description.trim(), "rules": rules })
                })
                .collect();
            serde_json::to_string_pretty(&list).expect("the list serializes") + "\n"
        }
        OutputFormat::Human => {
            let mut out = String::new();
            for (pack, description, rules) in packs {
                let _ = writeln!(out, "{pack}");
                out.push_str(&wrapped(description, WIDTH, 2));
                let name_width = rules.iter().map(|rule| rule.name.len()).max().unwrap_or(4).max(4);
                let _ = writeln!(
                    out,
                    "  {:<7} {:<name_width$}  {:<8} {:<10} REFERENCES",
                    "ID", "NAME", "SEVERITY", "STATUS"
                );
                for rule in rules {
                    let _ = writeln!(
                        out,
                        "  {:<7} {:<name_width$}  {:<8} {:<10} {}",
                        rule.id,
                        rule.name,
                        rule.severity.as_str(),
                        rule.status.as_str(),
                        references_text(rule)
                    );
                    if let Some(reason) = &rule.deprecated_reason {
                        let _ = writeln!(out, "  {:<7} deprecated: {reason}", "");
                    }
                }
                out.push('\n');
            }
            out
        }
    }
}

pub fn run_rules(args: &RulesArgs) -> ExitCode {
    let catalog = match Catalog::load(&args.rule_files, &Limits::default()) {
        Ok(catalog) => catalog,
        Err(errors) => {
            print_errors(&errors);
            return ExitCode::from(2);
        }
    };
    match listed(&catalog, &args.packs) {
        Ok(packs) => {
            print!("{}", render_rules(&packs, args.format));
            ExitCode::SUCCESS
        }
        Err(errors) => {
            print_errors(&errors);
            ExitCode::from(2)
        }
    }
}

/// Width of the prose in `rules` and `explain`, in characters.
const WIDTH: usize = 92;

/// Reflows prose into lines of at most `width` characters (longer words stay whole), each
/// indented by `by` spaces. Blank lines separate paragraphs.
fn wrapped(text: &str, width: usize, by: usize) -> String {
    let pad = " ".repeat(by);
    let mut out = String::new();
    for (index, paragraph) in text.trim().split("\n\n").enumerate() {
        if index > 0 {
            out.push('\n');
        }
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && by + line.chars().count() + 1 + word.chars().count() > width {
                let _ = writeln!(out, "{pad}{line}");
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            let _ = writeln!(out, "{pad}{line}");
        }
    }
    out
}

/// Indents every line of `text` by `by` spaces, and ends it with a newline.
fn indented(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    let mut out = String::new();
    for line in text.trim_end().lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{pad}{line}");
        }
    }
    out
}

/// Renders a rule's documentation.
pub fn render_explain(rule: &Rule) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} {}", rule.id, rule.name);
    let _ = writeln!(
        out,
        "pack {}, severity {}, status {}, since {}",
        rule.pack,
        rule.severity.as_str(),
        rule.status.as_str(),
        rule.since
    );
    let targets: Vec<String> = rule.applies_to.iter().map(ToString::to_string).collect();
    let _ = writeln!(out, "applies to: {}", targets.join(", "));
    let _ = writeln!(out, "looks at: {}", rule.given_text);
    for check in &rule.checks {
        let at = check.field.as_ref().map(|field| format!("`{field}`: ")).unwrap_or_default();
        let test = match &check.test {
            Test::Function { name, .. } => {
                let summary = functions::find(name).map(|spec| spec.summary).unwrap_or_default();
                format!("{name} ({summary})")
            }
            Test::Schema(_) => "a JSON Schema".to_string(),
        };
        let _ = writeln!(out, "checks: {at}{test}");
    }

    if let Some(reason) = &rule.deprecated_reason {
        let _ = writeln!(out, "deprecated: {reason}");
    }
    let sections = [
        ("What it checks", Some(&rule.docs.what)),
        ("Why it matters", Some(&rule.docs.why)),
        ("How to fix it", Some(&rule.docs.fix)),
        ("Known problems", rule.docs.known_problems.as_ref()),
    ];
    for (title, text) in sections {
        if let Some(text) = text {
            let _ = write!(out, "\n{title}\n{}", wrapped(text, WIDTH, 2));
        }
    }

    for example in &rule.docs.examples {
        for (what, text) in [("fails", &example.fail), ("passes", &example.pass)] {
            if let Some(text) = text {
                let _ = write!(out, "\nExample that {what} ({})\n{}", example.file, indented(text, 4));
            }
        }
        for (path, text) in &example.context {
            let _ = write!(out, "\nBeside it, {path}\n{}", indented(text, 4));
        }
    }

    let _ = writeln!(out, "\nReferences");
    for reference in &rule.references {
        let _ = writeln!(out, "  - {}, {}", reference.standard, reference.clause);
    }
    out
}

pub fn run_explain(args: &ExplainArgs) -> ExitCode {
    let catalog = match Catalog::load(&args.rule_files, &Limits::default()) {
        Ok(catalog) => catalog,
        Err(errors) => {
            print_errors(&errors);
            return ExitCode::from(2);
        }
    };
    match rules::find_rule(&catalog, &args.rule) {
        Some(rule) => {
            print!("{}", render_explain(rule));
            ExitCode::SUCCESS
        }
        None => {
            let known: Vec<String> =
                catalog.newest().iter().flat_map(|pack| pack.rules.iter()).map(|rule| rule.name.clone()).collect();
            eprintln!("error: no rule with id or name \"{}\"", args.rule);
            let containing: Vec<&str> =
                known.iter().filter(|name| name.contains(&args.rule.to_lowercase())).map(String::as_str).collect();
            match closest(&args.rule, &known) {
                Some(near) => eprintln!("  help: did you mean \"{near}\"?"),
                None if !containing.is_empty() => {
                    eprintln!("  help: rules with that in their name: {}", containing.join(", "))
                }
                None => eprintln!("  help: run `mlconform rules` to list the rules"),
            }
            ExitCode::from(2)
        }
    }
}
