//! `license-compatible`: a model's licence permits what its base model's and training
//! datasets' licences require.
//!
//! **What it checks**: the licence at the value (a card's `license`) against the licences of
//! the base model cards and dataset cards it names, when those cards are in the project. The
//! base model is found from the key `base-model` names (default `base_model`), the datasets
//! from `datasets` (default `datasets`), by path, name or id as `cross-ref` finds them. A
//! conflict is reported when:
//! - the base model's licence forbids derivative works (`cc-by-nd-4.0`);
//! - the base model's or a dataset's licence is non-commercial and the model's permits
//!   commercial use;
//! - the base model's licence is share-alike or copyleft and the model's is another licence;
//! - the base model's licence carries use restrictions (the RAIL family, Llama, Gemma) and the
//!   model's licence is not of the same family.
//!
//! Licence ids are compared case-insensitively, so SPDX ids (`Apache-2.0`) and Hugging Face
//! Hub ids (`apache-2.0`) alike are found in the table.
//!
//! **Why**: a fine-tuned model inherits its base model's terms, and data licensed for
//! non-commercial use does not become commercial by being trained on.
//!
//! **Options**: `base-model`, `datasets` (key names); `table`, entries that replace or add to
//! the built-in table: `{id: {commercial, share-alike, no-derivatives, use-restrictions,
//! family}}`.
//!
//! **Known problems**: the table is a simplification, not legal advice. Whether training on
//! share-alike or no-derivatives data makes the model a derivative work is unsettled, so only
//! the non-commercial terms of datasets are checked. Licences not in the table (`other`,
//! custom licences) are never reported, and neither are bases and datasets outside the
//! project.

use serde_json::{Map, Value as Json};

use super::{string_option, Function, Input, OptionError, RelatedSpot, Spec, Violation};
use crate::discover::Kind;
use crate::rules::context::RefBy;

pub const SPEC: Spec = Spec {
    name: "license-compatible",
    options: &["base-model", "datasets", "table"],
    summary: "the licence permits what the base model's and training datasets' licences require",
    compile,
};

/// What a licence permits and requires, as far as this check needs.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Terms {
    commercial: bool,
    share_alike: bool,
    no_derivatives: bool,
    use_restrictions: bool,
    /// Licences of one family satisfy each other's share-alike and use-restriction terms.
    family: String,
}

/// `(id, commercial, share_alike, no_derivatives, use_restrictions, family)`.
type Row = (&'static str, bool, bool, bool, bool, &'static str);

/// The built-in table. Families group the versions and variants of one licence text.
const TABLE: &[Row] = &[
    // Permissive licences and public-domain dedications.
    ("apache-2.0", true, false, false, false, "apache-2.0"),
    ("mit", true, false, false, false, "mit"),
    ("bsd-2-clause", true, false, false, false, "bsd"),
    ("bsd-3-clause", true, false, false, false, "bsd"),
    ("bsd-3-clause-clear", true, false, false, false, "bsd"),
    ("isc", true, false, false, false, "isc"),
    ("bsl-1.0", true, false, false, false, "bsl"),
    ("zlib", true, false, false, false, "zlib"),
    ("artistic-2.0", true, false, false, false, "artistic"),
    ("afl-3.0", true, false, false, false, "afl"),
    ("ecl-2.0", true, false, false, false, "ecl"),
    ("unlicense", true, false, false, false, "public-domain"),
    ("cc0-1.0", true, false, false, false, "public-domain"),
    ("pddl", true, false, false, false, "public-domain"),
    ("cc-by-2.0", true, false, false, false, "cc-by"),
    ("cc-by-2.5", true, false, false, false, "cc-by"),
    ("cc-by-3.0", true, false, false, false, "cc-by"),
    ("cc-by-4.0", true, false, false, false, "cc-by"),
    ("odc-by", true, false, false, false, "odc-by"),
    ("cdla-permissive-1.0", true, false, false, false, "cdla-permissive"),
    ("cdla-permissive-2.0", true, false, false, false, "cdla-permissive"),
    // Share-alike and copyleft licences.
    ("cc-by-sa-3.0", true, true, false, false, "cc-by-sa"),
    ("cc-by-sa-4.0", true, true, false, false, "cc-by-sa"),
    ("odbl", true, true, false, false, "odbl"),
    ("cdla-sharing-1.0", true, true, false, false, "cdla-sharing"),
    ("gpl-2.0", true, true, false, false, "gpl"),
    ("gpl-3.0", true, true, false, false, "gpl"),
    ("agpl-3.0", true, true, false, false, "agpl"),
    ("lgpl-2.1", true, true, false, false, "lgpl"),
    ("lgpl-3.0", true, true, false, false, "lgpl"),
    ("mpl-2.0", true, true, false, false, "mpl"),
    ("epl-2.0", true, true, false, false, "epl"),
    // Non-commercial and no-derivatives licences.
    ("cc-by-nc-2.0", false, false, false, false, "cc-by-nc"),
    ("cc-by-nc-3.0", false, false, false, false, "cc-by-nc"),
    ("cc-by-nc-4.0", false, false, false, false, "cc-by-nc"),
    ("cc-by-nc-sa-2.0", false, true, false, false, "cc-by-nc-sa"),
    ("cc-by-nc-sa-3.0", false, true, false, false, "cc-by-nc-sa"),
    ("cc-by-nc-sa-4.0", false, true, false, false, "cc-by-nc-sa"),
    ("cc-by-nd-4.0", true, false, true, false, "cc-by-nd"),
    ("cc-by-nc-nd-3.0", false, false, true, false, "cc-by-nc-nd"),
    ("cc-by-nc-nd-4.0", false, false, true, false, "cc-by-nc-nd"),
    // Model licences with use restrictions that derivatives must carry on.
    ("openrail", true, false, false, true, "openrail"),
    ("openrail++", true, false, false, true, "openrail"),
    ("creativeml-openrail-m", true, false, false, true, "openrail"),
    ("bigscience-openrail-m", true, false, false, true, "openrail"),
    ("bigcode-openrail-m", true, false, false, true, "openrail"),
    ("bigscience-bloom-rail-1.0", true, false, false, true, "openrail"),
    ("llama2", true, false, false, true, "llama2"),
    ("llama3", true, false, false, true, "llama3"),
    ("llama3.1", true, false, false, true, "llama3.1"),
    ("llama3.2", true, false, false, true, "llama3.2"),
    ("llama3.3", true, false, false, true, "llama3.3"),
    ("gemma", true, false, false, true, "gemma"),
];

struct LicenseCompatible {
    base_model_key: String,
    datasets_key: String,
    overrides: Vec<(String, Terms)>,
}

fn compile(options: &Map<String, Json>) -> Result<Box<dyn Function>, OptionError> {
    let mut overrides = Vec::new();
    match options.get("table") {
        None => {}
        Some(Json::Object(table)) => {
            for (id, entry) in table {
                overrides.push((id.to_ascii_lowercase(), table_entry(id, entry)?));
            }
        }
        Some(other) => {
            return Err(OptionError::at("table", format!("`table` must be a mapping of licence ids, found {other}")))
        }
    }
    Ok(Box::new(LicenseCompatible {
        base_model_key: string_option(options, "base-model")?.unwrap_or_else(|| "base_model".to_string()),
        datasets_key: string_option(options, "datasets")?.unwrap_or_else(|| "datasets".to_string()),
        overrides,
    }))
}

fn table_entry(id: &str, entry: &Json) -> Result<Terms, OptionError> {
    let Json::Object(map) = entry else {
        return Err(OptionError::at("table", format!("`table.{id}` must be a mapping")));
    };
    for key in map.keys() {
        if !["commercial", "share-alike", "no-derivatives", "use-restrictions", "family"].contains(&key.as_str()) {
            return Err(OptionError::at("table", format!("`table.{id}` has an unknown key \"{key}\"")));
        }
    }
    let flag = |key: &str| -> Result<bool, OptionError> {
        match map.get(key) {
            None => Ok(false),
            Some(Json::Bool(flag)) => Ok(*flag),
            Some(other) => {
                Err(OptionError::at("table", format!("`table.{id}.{key}` must be true or false, found {other}")))
            }
        }
    };
    Ok(Terms {
        commercial: flag("commercial")?,
        share_alike: flag("share-alike")?,
        no_derivatives: flag("no-derivatives")?,
        use_restrictions: flag("use-restrictions")?,
        family: map.get("family").and_then(Json::as_str).unwrap_or(id).to_ascii_lowercase(),
    })
}

impl LicenseCompatible {
    fn terms(&self, id: &str) -> Option<Terms> {
        let id = id.trim().to_ascii_lowercase();
        if let Some((_, terms)) = self.overrides.iter().find(|(known, _)| *known == id) {
            return Some(terms.clone());
        }
        TABLE.iter().find(|row| row.0 == id).map(|row| Terms {
            commercial: row.1,
            share_alike: row.2,
            no_derivatives: row.3,
            use_restrictions: row.4,
            family: row.5.to_string(),
        })
    }
}

/// How an upstream licence's terms constrain the model's licence, or `None` when they agree.
fn conflict_with_base(model: &Terms, base: &Terms) -> Option<&'static str> {
    if base.no_derivatives {
        Some("forbids derivative works")
    } else if !base.commercial && model.commercial {
        Some("does not permit commercial use")
    } else if base.share_alike && model.family != base.family {
        Some("requires derivatives under the same licence")
    } else if base.use_restrictions && model.family != base.family {
        Some("requires derivatives to keep its use restrictions")
    } else {
        None
    }
}

fn conflict_with_dataset(model: &Terms, dataset: &Terms) -> Option<&'static str> {
    (!dataset.commercial && model.commercial).then_some("does not permit commercial use")
}

/// The reference strings under a key: a string or a list of strings.
fn references(document: &Json, key: &str) -> Vec<String> {
    match document.get(key) {
        Some(Json::String(text)) => vec![text.clone()],
        Some(Json::Array(items)) => items.iter().filter_map(Json::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

impl Function for LicenseCompatible {
    fn check(&self, input: &Input<'_>) -> Vec<Violation> {
        let Some(Json::String(licence)) = input.value else { return Vec::new() };
        let Some(model) = self.terms(licence) else { return Vec::new() };
        let Some(document) = input.artifact.documents.get(input.document) else { return Vec::new() };
        let project = input.project;
        let by = [RefBy::Path, RefBy::Name, RefBy::Id];

        let upstream =
            [(Kind::ModelCard, &self.base_model_key, "base model"), (Kind::DatasetCard, &self.datasets_key, "dataset")];
        let mut out = Vec::new();
        for (kind, key, role) in upstream {
            for reference in references(&document.json, key) {
                for index in project.find(input.artifact, &reference, &[kind], &by) {
                    let target = &project.artifacts[index];
                    let Some(Json::String(their)) = target.top_level("license") else { continue };
                    let Some(terms) = self.terms(their) else { continue };
                    let conflict = match kind {
                        Kind::ModelCard => conflict_with_base(&model, &terms),
                        _ => conflict_with_dataset(&model, &terms),
                    };
                    let Some(conflict) = conflict else { continue };
                    let detail = format!("the {role} \"{reference}\" is licensed {their}, which {conflict}");
                    let mut violation = Violation::at_input(input, detail);
                    violation.related.push(RelatedSpot {
                        message: format!("the {role}'s licence"),
                        artifact: index,
                        document: 0,
                        pointer: "/license".to_string(),
                    });
                    out.push(violation);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(id: &str) -> Terms {
        let function =
            LicenseCompatible { base_model_key: String::new(), datasets_key: String::new(), overrides: Vec::new() };
        function.terms(id).unwrap_or_else(|| panic!("{id} is in the table"))
    }

    #[test]
    fn base_model_conflicts() {
        assert_eq!(
            conflict_with_base(&terms("apache-2.0"), &terms("cc-by-nc-4.0")),
            Some("does not permit commercial use")
        );
        assert_eq!(conflict_with_base(&terms("cc-by-nc-4.0"), &terms("cc-by-nc-4.0")), None);
        assert_eq!(conflict_with_base(&terms("mit"), &terms("cc-by-nd-4.0")), Some("forbids derivative works"));
        assert_eq!(
            conflict_with_base(&terms("mit"), &terms("cc-by-sa-4.0")),
            Some("requires derivatives under the same licence")
        );
        assert_eq!(conflict_with_base(&terms("cc-by-sa-4.0"), &terms("cc-by-sa-3.0")), None);
        assert_eq!(
            conflict_with_base(&terms("apache-2.0"), &terms("llama3")),
            Some("requires derivatives to keep its use restrictions")
        );
        assert_eq!(conflict_with_base(&terms("mit"), &terms("Apache-2.0")), None);
    }

    #[test]
    fn dataset_conflicts_only_non_commercial() {
        assert_eq!(
            conflict_with_dataset(&terms("mit"), &terms("cc-by-nc-4.0")),
            Some("does not permit commercial use")
        );
        assert_eq!(conflict_with_dataset(&terms("mit"), &terms("cc-by-sa-4.0")), None);
    }
}
