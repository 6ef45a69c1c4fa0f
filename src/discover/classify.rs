//! Deciding which artifact kind and flavor a file is.
//!
//! The format comes from the file name alone ([`detect_format`]), because the parser must be
//! chosen before anything is read. The kind and flavor come from the name and the parsed
//! content together ([`classify`]): a `.yaml` file may be a training config, a Kubernetes
//! manifest or neither, and only its keys tell. Files that match no signature are skipped with
//! a reason, never guessed.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde_json::Value;

use super::signatures::{self, Match};

/// An artifact kind: what a file is for. Each kind has flavors, the formats of the tools that
/// write it (`hf`, `mct`, `kserve`...), and schemas are chosen by kind and flavor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    ModelCard,
    DatasetCard,
    TrainingConfig,
    DeploymentManifest,
    Data,
    Scaler,
}

impl Kind {
    pub const ALL: [Kind; 6] =
        [Kind::ModelCard, Kind::DatasetCard, Kind::TrainingConfig, Kind::DeploymentManifest, Kind::Data, Kind::Scaler];

    /// Returns the kebab-case name used on the command line (`--kind`) and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::ModelCard => "model-card",
            Kind::DatasetCard => "dataset-card",
            Kind::TrainingConfig => "training-config",
            Kind::DeploymentManifest => "deployment-manifest",
            Kind::Data => "data",
            Kind::Scaler => "scaler",
        }
    }

    /// Returns every flavor [`classify`] can give a file of this kind.
    pub fn flavors(self) -> &'static [&'static str] {
        match self {
            Kind::ModelCard => &["hf", "mct"],
            Kind::DatasetCard => &["hf", "croissant"],
            Kind::TrainingConfig => {
                &["deepspeed", "hf-trainer", "lightning", "hydra", "axolotl", "accelerate", "mlproject"]
            }
            Kind::DeploymentManifest => &["kserve", "seldon", "k8s-workload", "k8s-object", "bentoml", "mlmodel"],
            Kind::Data => &["csv", "tsv", "jsonl", "json-records"],
            Kind::Scaler => &["standard"],
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `--kind` value that names no kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown kind `{input}`; expected one of: model-card, dataset-card, training-config, deployment-manifest, data, scaler")]
pub struct ParseKindError {
    pub input: String,
}

impl FromStr for Kind {
    type Err = ParseKindError;

    fn from_str(input: &str) -> Result<Kind, ParseKindError> {
        Kind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == input)
            .ok_or_else(|| ParseKindError { input: input.to_string() })
    }
}

/// A file format, which decides the parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Json,
    Yaml,
    /// Markdown; only its front matter is parsed.
    Markdown,
    Csv,
    Tsv,
    JsonLines,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Yaml => "YAML",
            Format::Markdown => "Markdown",
            Format::Csv => "CSV",
            Format::Tsv => "TSV",
            Format::JsonLines => "JSON Lines",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Detects a file's format from its name: the extension, compared case-insensitively, or the
/// extensionless MLflow names `MLmodel` and `MLproject`, which are YAML. Returns `None` for
/// any other file.
pub fn detect_format(path: &Path) -> Option<Format> {
    // A name that is not UTF-8 is still checked: only its extension decides the format.
    let name = path.file_name()?.to_string_lossy();
    let name = name.as_ref();
    if is_mlflow_model_name(name) || is_mlflow_project_name(name) {
        return Some(Format::Yaml);
    }
    let (_, extension) = name.rsplit_once('.')?;
    match extension.to_ascii_lowercase().as_str() {
        "json" => Some(Format::Json),
        "yaml" | "yml" => Some(Format::Yaml),
        "md" | "markdown" => Some(Format::Markdown),
        "csv" => Some(Format::Csv),
        "tsv" => Some(Format::Tsv),
        "jsonl" | "ndjson" => Some(Format::JsonLines),
        _ => None,
    }
}

// MLflow itself looks these names up case-insensitively.
fn is_mlflow_model_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("MLmodel")
}

fn is_mlflow_project_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("MLproject")
}

/// The kind and flavor of an artifact, and why [`classify`] chose them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    pub kind: Kind,
    pub flavor: &'static str,
    /// One short sentence for `--verbose` output, such as "has front matter keys license,
    /// library_name".
    pub reason: String,
}

/// The decision [`classify`] makes about a file: an artifact, or a skip with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Artifact(Classification),
    Skip { reason: String },
}

impl Verdict {
    fn artifact(kind: Kind, found: Match) -> Verdict {
        Verdict::Artifact(Classification { kind, flavor: found.flavor, reason: found.reason })
    }

    fn named(kind: Kind, flavor: &'static str, reason: String) -> Verdict {
        Verdict::Artifact(Classification { kind, flavor, reason })
    }

    fn skip(reason: impl Into<String>) -> Verdict {
        Verdict::Skip { reason: reason.into() }
    }
}

/// Classifies a parsed file by its name and content.
///
/// `documents` are the file's parsed documents as JSON values: one for JSON, one per document
/// of a YAML stream, and for Markdown the front matter only (an empty slice when the file has
/// none). CSV, TSV and JSON Lines files are classified by format alone and get an empty slice.
pub fn classify(path: &Path, format: Format, documents: &[Value]) -> Verdict {
    match format {
        Format::Csv => Verdict::named(Kind::Data, "csv", "CSV file".to_string()),
        Format::Tsv => Verdict::named(Kind::Data, "tsv", "TSV file".to_string()),
        Format::JsonLines => Verdict::named(Kind::Data, "jsonl", "JSON Lines file".to_string()),
        Format::Markdown => classify_markdown(path, documents),
        Format::Json | Format::Yaml => classify_structured(path, format, documents),
    }
}

/// Returns the flavor of `kind` whose content signature `document` has, or `None`.
///
/// This looks at content only, never at a name. It serves two callers. Validation of a
/// multi-document stream gives each Kubernetes object the schema of its own flavor, and a kind
/// forced with `--kind` needs a flavor even when the file's name matches no signature. `None`
/// means the document has no marker of any flavor of `kind`, as with a model card whose front
/// matter is empty. The caller then falls back to the file's [`Classification`].
pub fn document_flavor(kind: Kind, document: &Value) -> Option<&'static str> {
    if kind == Kind::DeploymentManifest {
        if let Some(object) = signatures::kubernetes(document) {
            return Some(object.flavor);
        }
    }
    if kind == Kind::Data {
        return signatures::json_records(document).map(|found| found.flavor);
    }

    let object = document.as_object()?;
    let from_table = MAPPING_SIGNATURES
        .iter()
        .filter(|(signature_kind, _)| *signature_kind == kind)
        .find_map(|(_, detector)| detector(object));
    // Front matter signatures are not in the table: front matter keys such as `license` or
    // `tags` say nothing about a JSON or YAML file.
    let found = from_table.or_else(|| match kind {
        Kind::ModelCard => signatures::hf_model_card(object),
        Kind::DatasetCard => signatures::hf_dataset_card(object),
        _ => None,
    });
    found.map(|found| found.flavor)
}

type Detector = fn(&serde_json::Map<String, Value>) -> Option<Match>;

/// Signatures of JSON and YAML mappings, tried in this order; the first match wins.
///
/// Several artifacts share keys, so the order puts the narrow signature before the broad one:
/// - Model Card Toolkit and Croissant first: `model_details` and JSON-LD `@context` occur
///   nowhere else.
/// - Accelerate before DeepSpeed: an Accelerate config embeds DeepSpeed settings.
/// - Axolotl before DeepSpeed and the Hugging Face Trainer: it also has `learning_rate`,
///   `output_dir`, `gradient_accumulation_steps` and `optimizer`.
/// - Lightning before Hydra: `class_path` and `seed_everything` are LightningCLI's own, while a
///   `defaults` list may appear in other tools' files too.
/// - Hydra before DeepSpeed and the Trainer: a Hydra config that sets Trainer arguments is
///   a fragment that only makes sense once Hydra composes it.
/// - DeepSpeed before the Trainer: DeepSpeed's `zero_optimization` is specific, the
///   Trainer's `learning_rate` is not.
/// - The scaler last: `mean` and `std` are common words that other configs use as well.
const MAPPING_SIGNATURES: &[(Kind, Detector)] = &[
    (Kind::ModelCard, signatures::mct_model_card),
    (Kind::DatasetCard, signatures::croissant),
    (Kind::DeploymentManifest, signatures::mlflow_model),
    (Kind::DeploymentManifest, signatures::bentofile),
    (Kind::TrainingConfig, signatures::mlflow_project),
    (Kind::TrainingConfig, signatures::accelerate),
    (Kind::TrainingConfig, signatures::axolotl),
    (Kind::TrainingConfig, signatures::lightning),
    (Kind::TrainingConfig, signatures::hydra),
    (Kind::TrainingConfig, signatures::deepspeed),
    (Kind::TrainingConfig, signatures::hf_trainer),
    (Kind::Scaler, signatures::standard_scaler),
];

fn classify_markdown(path: &Path, documents: &[Value]) -> Verdict {
    let Some(front_matter) = documents.first() else {
        return Verdict::skip("Markdown without front matter");
    };

    // Dataset keys are checked first because dataset cards also carry model card keys such
    // as `license`, `language` and `tags`.
    if let Some(object) = front_matter.as_object() {
        if let Some(found) = signatures::hf_dataset_card(object) {
            return Verdict::artifact(Kind::DatasetCard, found);
        }
        if let Some(found) = signatures::hf_model_card(object) {
            return Verdict::artifact(Kind::ModelCard, found);
        }
    }

    // On the Hugging Face Hub a repository's README.md is its model card, so a README whose
    // front matter is empty or malformed is still a card to report on.
    let name = file_name_lowercase(path);
    let is_card_name =
        ["readme", "model_card", "model-card", "modelcard"].iter().any(|prefix| name.starts_with(prefix));
    if is_card_name {
        return Verdict::named(Kind::ModelCard, "hf", format!("{} with front matter", file_name(path)));
    }
    if front_matter.is_object() {
        Verdict::skip("Markdown front matter has no model card or dataset card keys")
    } else {
        // Site generators (Jekyll, Hugo) always write a mapping. A front matter of another
        // shape is most likely card metadata gone wrong, which is worth a finding.
        Verdict::named(
            Kind::ModelCard,
            "hf",
            "Markdown front matter that is not a mapping, checked as Hugging Face card metadata".to_string(),
        )
    }
}

fn classify_structured(path: &Path, format: Format, documents: &[Value]) -> Verdict {
    let verdict = classify_structured_content(path, format, documents);
    // DeepSpeed's documentation and the Hugging Face integration name their configs
    // `ds_config.json`, `ds_config_zero3.json` and so on. A minimal one may hold only
    // `train_batch_size`, too common a key to go by, so the name decides when the keys do not.
    let name = file_name_lowercase(path);
    if matches!(verdict, Verdict::Skip { .. }) && format == Format::Json && name.starts_with("ds_config") {
        return Verdict::named(Kind::TrainingConfig, "deepspeed", format!("file named {}", file_name(path)));
    }
    verdict
}

fn classify_structured_content(path: &Path, format: Format, documents: &[Value]) -> Verdict {
    // A name that a tool looks for is the strongest signal, and the only one for a file that
    // is empty or broken. The content is checked by validation.
    let name = file_name_lowercase(path);
    if is_mlflow_model_name(&name) {
        return Verdict::named(Kind::DeploymentManifest, "mlmodel", "file named MLmodel".to_string());
    }
    if is_mlflow_project_name(&name) {
        return Verdict::named(Kind::TrainingConfig, "mlproject", "file named MLproject".to_string());
    }
    if format == Format::Yaml && name.starts_with("bentofile") {
        return Verdict::named(Kind::DeploymentManifest, "bentoml", format!("file named {}", file_name(path)));
    }
    if format == Format::Json && name == "training_args.json" {
        return Verdict::named(Kind::TrainingConfig, "hf-trainer", "file named training_args.json".to_string());
    }

    let present: Vec<(usize, &Value)> =
        documents.iter().enumerate().filter(|(_, document)| !document.is_null()).collect();
    let Some(&(_, primary)) = present.first() else {
        return Verdict::skip(format!("{format} file without content"));
    };

    if let Some(verdict) = classify_kubernetes(&present) {
        return verdict;
    }

    // Past this point only the first document decides, on the assumption that the documents
    // of a stream other than a Kubernetes one share one shape.
    match primary {
        Value::Object(object) => MAPPING_SIGNATURES
            .iter()
            .find_map(|(kind, detector)| detector(object).map(|found| Verdict::artifact(*kind, found)))
            .unwrap_or_else(|| Verdict::skip(format!("{format} with no recognised ML keys"))),
        Value::Array(_) if format == Format::Json => match signatures::json_records(primary) {
            Some(found) => Verdict::artifact(Kind::Data, found),
            None => Verdict::skip("JSON array that is not a list of records"),
        },
        Value::Array(_) => Verdict::skip(format!("{format} sequence with no recognised ML content")),
        _ => Verdict::skip(format!("{format} scalar with no recognised ML content")),
    }
}

/// Classifies a stream that contains Kubernetes objects, or returns `None` when it contains
/// none. The file takes the flavor of its first model workload, because that object is what the
/// file deploys. Services and other supporting objects alone do not make a deployment manifest.
fn classify_kubernetes(documents: &[(usize, &Value)]) -> Option<Verdict> {
    let objects: Vec<(usize, signatures::KubernetesObject)> = documents
        .iter()
        .filter_map(|(index, document)| signatures::kubernetes(document).map(|object| (*index, object)))
        .collect();
    if objects.is_empty() {
        return None;
    }

    let Some((index, workload)) = objects.iter().find(|(_, object)| object.is_workload()) else {
        let kinds: Vec<&str> = objects.iter().map(|(_, object)| object.kind).collect();
        return Some(Verdict::skip(format!("Kubernetes objects without a model workload ({})", kinds.join(", "))));
    };
    let reason = format!("Kubernetes {} ({}) in document index {index}", workload.kind, workload.api_version);
    Some(Verdict::named(Kind::DeploymentManifest, workload.flavor, reason))
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default()
}

fn file_name_lowercase(path: &Path) -> String {
    file_name(path).to_ascii_lowercase()
}

#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod tests;
