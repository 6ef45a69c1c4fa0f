//! `mlconform check --show-config`: the effective configuration of the paths named on the
//! command line, with where each value comes from.
//!
//! The text form is itself a valid `mlconform.toml`, with the origin of each value in a
//! trailing comment: `default`, `PATH:LINE:COLUMN` of the configuration file, or
//! `command line (--option)`. One block is printed per configuration in use.

use std::sync::Arc;

use serde_json::{json, Value as Json};

use super::{threshold_name, Config, Configs, Origin};

/// The column at which origin comments start in the text form.
const COMMENT_COLUMN: usize = 48;

/// Renders the effective configuration, as TOML text or as JSON.
pub fn render(configs: &Configs, as_json: bool) -> String {
    let views: Vec<View> =
        configs.root_configs().into_iter().map(|(config, paths)| View::new(configs, &config, paths)).collect();
    if as_json {
        let list: Vec<Json> = views.iter().map(View::to_json).collect();
        let mut out = serde_json::to_string_pretty(&json!({ "configurations": list })).expect("the view serializes");
        out.push('\n');
        out
    } else {
        views.iter().map(View::to_toml).collect::<Vec<String>>().join("\n")
    }
}

/// A value as TOML text and as JSON, with its origin.
struct Item {
    toml: String,
    json: Json,
    origin: String,
}

impl Item {
    fn string(text: &str, origin: &Origin) -> Item {
        Item { toml: quote(text), json: Json::String(text.to_string()), origin: origin.to_string() }
    }
}

/// A `[[waivers]]` entry as shown.
struct WaiverView {
    fields: Vec<(&'static str, Item)>,
    origin: String,
    problem: Option<String>,
}

/// The effective settings for the files of one configuration.
struct View {
    file: Option<String>,
    paths: Vec<String>,
    run: bool,
    packs: Item,
    rules: Item,
    /// `None` when no `select` applies: every finding is selected.
    select: Option<Vec<Item>>,
    ignore: Vec<Item>,
    fail_on: Item,
    exclude: Vec<Item>,
    schema_versions: Vec<Item>,
    severity: Vec<(String, Item)>,
    per_file_ignores: Vec<(String, Item)>,
    kinds: Vec<(String, Item)>,
    waivers: Vec<WaiverView>,
    /// Run-level keys set in this configuration that the run does not take from it.
    unused: Vec<(&'static str, String)>,
}

impl View {
    fn new(configs: &Configs, config: &Arc<Config>, paths: Vec<String>) -> View {
        let run_config = configs.run_config();
        let run = Arc::ptr_eq(config, run_config);
        let command_line = &configs.command_line;
        let settings = configs.run_settings();

        let packs = if !command_line.packs.is_empty() {
            list_item(&settings.packs, "command line (--pack)".to_string())
        } else if let Some(packs) = &run_config.packs {
            list_item(&packs.value, packs.origin.to_string())
        } else {
            list_item(&["core".to_string(), "security".to_string()], "default".to_string())
        };
        let display_rules =
            |paths: &[std::path::PathBuf]| -> Vec<String> { paths.iter().map(|path| configs.display(path)).collect() };
        let rules = if !command_line.rule_files.is_empty() {
            list_item(&display_rules(&command_line.rule_files), "command line (--rules)".to_string())
        } else if let Some(rules) = &run_config.rules {
            list_item(&display_rules(&rules.value), rules.origin.to_string())
        } else {
            list_item(&[], "default".to_string())
        };

        let select = match (&command_line.select, &config.select) {
            (Some(selectors), _) => Some(
                selectors
                    .iter()
                    .map(|selector| Item::string(selector.as_str(), &Origin::CommandLine("--select")))
                    .collect(),
            ),
            (None, Some(selectors)) => {
                Some(selectors.iter().map(|selector| Item::string(selector.value.as_str(), &selector.origin)).collect())
            }
            (None, None) => None,
        };
        let ignore = config
            .ignore
            .iter()
            .map(|selector| Item::string(selector.value.as_str(), &selector.origin))
            .chain(
                command_line
                    .ignore
                    .iter()
                    .map(|selector| Item::string(selector.as_str(), &Origin::CommandLine("--ignore"))),
            )
            .collect();

        let fail_on_origin = match (&command_line.fail_on, &run_config.fail_on) {
            (Some(_), _) => Origin::CommandLine("--fail-on").to_string(),
            (None, Some(fail_on)) => fail_on.origin.to_string(),
            (None, None) => "default".to_string(),
        };
        let fail_on = Item::string(threshold_name(settings.fail_on), &Origin::Default);
        let fail_on = Item { origin: fail_on_origin, ..fail_on };

        let exclude = config
            .exclude
            .iter()
            .map(|pattern| Item::string(&pattern.value, &pattern.origin))
            .chain(command_line.exclude.iter().map(|pattern| Item::string(pattern, &Origin::CommandLine("--exclude"))))
            .collect();

        let schema_versions = settings
            .pins
            .iter()
            .map(|pin| {
                let origin = if command_line.schema_versions.contains(pin) {
                    Origin::CommandLine("--schema-version")
                } else {
                    run_config.schema_versions.as_ref().map_or(Origin::Default, |pins| pins.origin.clone())
                };
                Item::string(&pin.to_string(), &origin)
            })
            .collect();

        let severity = config
            .severity
            .iter()
            .map(|entry| {
                let level = entry.severity.map_or("off", |severity| severity.as_str());
                (entry.selector.to_string(), Item::string(level, &entry.origin))
            })
            .collect();
        let per_file_ignores = config
            .per_file_ignores
            .iter()
            .map(|entry| {
                let names: Vec<String> = entry.selectors.iter().map(ToString::to_string).collect();
                (entry.pattern.as_str().to_string(), list_item(&names, entry.origin.to_string()))
            })
            .collect();
        let kinds = config
            .kinds
            .iter()
            .map(|entry| {
                let target = match entry.flavor {
                    Some(flavor) => format!("{}/{flavor}", entry.kind),
                    None => entry.kind.to_string(),
                };
                (entry.pattern.as_str().to_string(), Item::string(&target, &entry.origin))
            })
            .collect();
        let waivers = config.waivers.iter().map(waiver_view).collect();

        let mut unused = Vec::new();
        if !run {
            let keys: [(&str, Option<&Origin>); 4] = [
                ("packs", config.packs.as_ref().map(|packs| &packs.origin)),
                ("rules", config.rules.as_ref().map(|rules| &rules.origin)),
                ("schema-versions", config.schema_versions.as_ref().map(|pins| &pins.origin)),
                ("fail-on", config.fail_on.as_ref().map(|fail_on| &fail_on.origin)),
            ];
            for (key, origin) in keys {
                if let Some(origin) = origin {
                    unused.push((key, origin.to_string()));
                }
            }
        }

        View {
            file: config.display_path().map(str::to_string),
            paths,
            run,
            packs,
            rules,
            select,
            ignore,
            fail_on,
            exclude,
            schema_versions,
            severity,
            per_file_ignores,
            kinds,
            waivers,
            unused,
        }
    }

    fn to_toml(&self) -> String {
        let mut out = String::new();
        let file = self.file.as_deref().unwrap_or("no configuration file (defaults)");
        out.push_str(&format!("# Configuration for {}: {file}\n", self.paths.join(", ")));
        if self.run {
            out.push_str("# This is the run configuration: packs, rules, schema-versions and fail-on come from it.\n");
        } else {
            out.push_str("# packs, rules, schema-versions and fail-on come from the run configuration.\n");
            for (key, origin) in &self.unused {
                out.push_str(&format!("# `{key}` set at {origin} is not used.\n"));
            }
        }
        out.push('\n');

        push_line(&mut out, &format!("packs = {}", self.packs.toml), &self.packs.origin);
        push_line(&mut out, &format!("rules = {}", self.rules.toml), &self.rules.origin);
        match &self.select {
            None => out.push_str("# select is not set: every finding is selected\n"),
            Some(items) => push_list(&mut out, "select", items),
        }
        push_list(&mut out, "ignore", &self.ignore);
        push_line(&mut out, &format!("fail-on = {}", self.fail_on.toml), &self.fail_on.origin);
        push_list(&mut out, "exclude", &self.exclude);
        push_list(&mut out, "schema-versions", &self.schema_versions);

        for (table, entries) in
            [("severity", &self.severity), ("per-file-ignores", &self.per_file_ignores), ("kinds", &self.kinds)]
        {
            out.push('\n');
            if entries.is_empty() {
                push_line(&mut out, &format!("[{table}]"), "default: empty");
            } else {
                out.push_str(&format!("[{table}]\n"));
                for (key, item) in entries {
                    push_line(&mut out, &format!("{} = {}", quote(key), item.toml), &item.origin);
                }
            }
        }

        if self.waivers.is_empty() {
            out.push_str("\n# no [[waivers]]\n");
        }
        for waiver in &self.waivers {
            out.push('\n');
            push_line(&mut out, "[[waivers]]", &waiver.origin);
            if let Some(problem) = &waiver.problem {
                out.push_str(&format!("# invalid, so it waives nothing: {problem}\n"));
            }
            for (key, item) in &waiver.fields {
                out.push_str(&format!("{key} = {}\n", item.toml));
            }
        }
        out
    }

    fn to_json(&self) -> Json {
        let item = |item: &Item| json!({ "value": item.json, "source": item.origin });
        let items = |items: &[Item]| -> Vec<Json> { items.iter().map(item).collect() };
        let entries = |entries: &[(String, Item)], key_name: &str, value_name: &str| -> Vec<Json> {
            entries
                .iter()
                .map(|(key, entry)| json!({ key_name: key, value_name: entry.json, "source": entry.origin }))
                .collect()
        };
        let waivers: Vec<Json> = self
            .waivers
            .iter()
            .map(|waiver| {
                let mut object = serde_json::Map::new();
                for (key, field) in &waiver.fields {
                    object.insert(key.to_string(), field.json.clone());
                }
                object.insert("source".to_string(), Json::String(waiver.origin.clone()));
                if let Some(problem) = &waiver.problem {
                    object.insert("invalid".to_string(), Json::String(problem.clone()));
                }
                Json::Object(object)
            })
            .collect();
        let unused: Vec<Json> =
            self.unused.iter().map(|(key, origin)| json!({ "key": key, "source": origin })).collect();
        json!({
            "file": self.file,
            "paths": self.paths,
            "run_configuration": self.run,
            "settings": {
                "packs": item(&self.packs),
                "rules": item(&self.rules),
                "select": self.select.as_ref().map(|select| items(select)),
                "ignore": items(&self.ignore),
                "fail-on": item(&self.fail_on),
                "exclude": items(&self.exclude),
                "schema-versions": items(&self.schema_versions),
                "severity": entries(&self.severity, "selector", "severity"),
                "per-file-ignores": entries(&self.per_file_ignores, "pattern", "ignore"),
                "kinds": entries(&self.kinds, "pattern", "kind"),
                "waivers": waivers,
            },
            "unused_run_settings": unused,
        })
    }
}

fn waiver_view(waiver: &super::ConfigWaiver) -> WaiverView {
    let mut fields = Vec::new();
    let origin = waiver.origin.to_string();
    let text = |value: &str| Item::string(value, &waiver.origin);
    match &waiver.content {
        Ok((rules, terms)) => {
            let names: Vec<String> = rules.iter().map(|rule| rule.text.clone()).collect();
            fields.push(("rule", list_item(&names, origin.clone())));
            if let Some(file) = &waiver.file {
                fields.push(("file", text(file.as_str())));
            }
            if let Some(pointer) = &waiver.pointer {
                fields.push(("pointer", text(pointer)));
            }
            fields.push(("reason", text(&terms.reason)));
            if let Some(owner) = &terms.owner {
                fields.push(("owner", text(owner)));
            }
            if let Some(expires) = terms.expires {
                let date = expires.to_string();
                fields.push(("expires", Item { toml: date.clone(), json: Json::String(date), origin: origin.clone() }));
            }
            WaiverView { fields, origin, problem: None }
        }
        Err(problem) => WaiverView { fields, origin, problem: Some(problem.message.clone()) },
    }
}

fn list_item(values: &[String], origin: String) -> Item {
    let quoted: Vec<String> = values.iter().map(|value| quote(value)).collect();
    Item { toml: format!("[{}]", quoted.join(", ")), json: json!(values), origin }
}

/// Quotes `text` as a TOML basic string. JSON's string escapes are all valid in TOML.
fn quote(text: &str) -> String {
    serde_json::to_string(text).expect("a string serializes")
}

/// Writes `text` and a trailing comment naming `origin`, aligned at [`COMMENT_COLUMN`].
fn push_line(out: &mut String, text: &str, origin: &str) {
    let padding = COMMENT_COLUMN.saturating_sub(text.chars().count()).max(2);
    out.push_str(&format!("{text}{}# {origin}\n", " ".repeat(padding)));
}

/// Writes a list with one value per line, so each value can name its own origin.
fn push_list(out: &mut String, key: &str, items: &[Item]) {
    if items.is_empty() {
        push_line(out, &format!("{key} = []"), "default");
        return;
    }
    out.push_str(&format!("{key} = [\n"));
    for item in items {
        push_line(out, &format!("    {},", item.toml), &item.origin);
    }
    out.push_str("]\n");
}
