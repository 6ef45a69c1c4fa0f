//! Content signatures: the keys and values that mark a parsed document as one flavor of an
//! artifact kind. Each detector looks at one document and returns the flavor with a short
//! reason, or `None`. The order in which [`classify`](super::classify) tries them is set there.

use serde_json::{Map, Value};

type Object = Map<String, Value>;

/// A detector's verdict: the flavor and a short sentence saying what gave it away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Match {
    pub flavor: &'static str,
    pub reason: String,
}

impl Match {
    fn new(flavor: &'static str, reason: String) -> Option<Match> {
        Some(Match { flavor, reason })
    }
}

/// Hugging Face model card metadata keys.
const MODEL_CARD_KEYS: &[&str] = &[
    "license",
    "library_name",
    "pipeline_tag",
    "base_model",
    "model-index",
    "language",
    "tags",
    "metrics",
    "datasets",
    "widget",
    "inference",
];

/// Hugging Face dataset card metadata keys. `pretty_name` is left out because model cards
/// use it too; `license`, `language` and `tags` are shared with model cards.
const DATASET_CARD_KEYS: &[&str] = &[
    "task_categories",
    "size_categories",
    "dataset_info",
    "configs",
    "task_ids",
    "annotations_creators",
    "language_creators",
    "source_datasets",
];

/// Returns the keys of `keys` that `object` contains, in the order of `keys`.
fn present<'a>(object: &Object, keys: &[&'a str]) -> Vec<&'a str> {
    keys.iter().copied().filter(|key| object.contains_key(*key)).collect()
}

fn has_any(object: &Object, keys: &[&str]) -> bool {
    keys.iter().any(|key| object.contains_key(*key))
}

fn keys_reason(keys: &[&str]) -> String {
    match keys {
        [key] => format!("has key {key}"),
        _ => format!("has keys {}", keys.join(", ")),
    }
}

pub(crate) fn hf_model_card(front_matter: &Object) -> Option<Match> {
    let found = present(front_matter, MODEL_CARD_KEYS);
    if found.is_empty() {
        return None;
    }
    Match::new("hf", format!("has front matter keys {}", found.join(", ")))
}

pub(crate) fn hf_dataset_card(front_matter: &Object) -> Option<Match> {
    let found = present(front_matter, DATASET_CARD_KEYS);
    if found.is_empty() {
        return None;
    }
    Match::new("hf", format!("has front matter keys {}", found.join(", ")))
}

/// Model Card Toolkit JSON: `model_details` plus one more of its top-level sections.
pub(crate) fn mct_model_card(object: &Object) -> Option<Match> {
    if !object.contains_key("model_details") {
        return None;
    }
    let others = present(object, &["schema_version", "model_parameters", "quantitative_analysis", "considerations"]);
    // `model_details` with a `name` inside is distinctive enough on its own: the toolkit
    // requires nothing else, so a minimal card has only that section.
    let named_details =
        object.get("model_details").and_then(Value::as_object).is_some_and(|details| details.contains_key("name"));
    if others.is_empty() && !named_details {
        return None;
    }
    let mut keys = vec!["model_details"];
    keys.extend(others);
    Match::new("mct", keys_reason(&keys))
}

/// Croissant JSON-LD. Croissant 1.0 and later bind the `cr` prefix to
/// `http://mlcommons.org/croissant/` and usually state `conformsTo`; 0.8 bound `ml` to
/// `http://mlcommons.org/schema/` and had no `conformsTo`.
pub(crate) fn croissant(object: &Object) -> Option<Match> {
    if let Some(context) = object.get("@context") {
        if any_string(context, &|text| {
            text.contains("mlcommons.org/croissant") || text.contains("mlcommons.org/schema")
        }) {
            return Match::new("croissant", "@context uses the Croissant vocabulary".to_string());
        }
    }

    let conforms_to = object.get("conformsTo").or_else(|| object.get("dct:conformsTo"));
    if conforms_to.is_some_and(|value| any_string(value, &|text| text.to_ascii_lowercase().contains("croissant"))) {
        return Match::new("croissant", "conformsTo names Croissant".to_string());
    }

    let is_dataset = object.get("@type").is_some_and(|value| {
        any_string(value, &|text| {
            matches!(text, "sc:Dataset" | "schema:Dataset" | "https://schema.org/Dataset" | "http://schema.org/Dataset")
        })
    });
    if is_dataset && has_any(object, &["recordSet", "cr:recordSet"]) {
        return Match::new("croissant", "schema.org Dataset with a recordSet".to_string());
    }
    None
}

/// True when `value` is a string, or an array or object containing a string at any depth,
/// for which `test` holds.
fn any_string(value: &Value, test: &dyn Fn(&str) -> bool) -> bool {
    match value {
        Value::String(text) => test(text),
        Value::Array(items) => items.iter().any(|item| any_string(item, test)),
        Value::Object(object) => object.values().any(|item| any_string(item, test)),
        _ => false,
    }
}

/// A Kubernetes object: a document with string `apiVersion` and `kind`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KubernetesObject<'a> {
    pub api_version: &'a str,
    pub kind: &'a str,
    pub flavor: &'static str,
}

impl KubernetesObject<'_> {
    /// True for the flavors that run or serve a model, as opposed to supporting objects such as
    /// a `Service` or a `ConfigMap`.
    pub fn is_workload(&self) -> bool {
        self.flavor != "k8s-object"
    }
}

pub(crate) fn kubernetes(document: &Value) -> Option<KubernetesObject<'_>> {
    let object = document.as_object()?;
    let api_version = object.get("apiVersion")?.as_str()?;
    let kind = object.get("kind")?.as_str()?;

    // The core group (`v1`) has no slash and no group name.
    let group = api_version.split_once('/').map_or("", |(group, _)| group);
    let flavor = match (group, kind) {
        // `serving.kubeflow.org` is the group KServe had while it was called KFServing; its
        // InferenceService has the same shape.
        ("serving.kserve.io" | "serving.kubeflow.org", "InferenceService") => "kserve",
        ("machinelearning.seldon.io", "SeldonDeployment") => "seldon",
        (
            "apps" | "extensions" | "batch",
            "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" | "CronJob",
        ) => "k8s-workload",
        _ => "k8s-object",
    };
    Some(KubernetesObject { api_version, kind, flavor })
}

/// MLflow `MLmodel` content: `flavors` plus a field MLflow writes when it saves a model.
pub(crate) fn mlflow_model(object: &Object) -> Option<Match> {
    let found = present(object, &["artifact_path", "run_id", "utc_time_created"]);
    if !object.get("flavors").is_some_and(Value::is_object) || found.is_empty() {
        return None;
    }
    let mut keys = vec!["flavors"];
    keys.extend(found);
    Match::new("mlmodel", keys_reason(&keys))
}

/// BentoML build file: the `service` import string plus build options.
pub(crate) fn bentofile(object: &Object) -> Option<Match> {
    let found = present(object, &["include", "python", "docker", "models"]);
    if !object.get("service").is_some_and(Value::is_string) || found.is_empty() {
        return None;
    }
    let mut keys = vec!["service"];
    keys.extend(found);
    Match::new("bentoml", keys_reason(&keys))
}

/// MLflow `MLproject` content, for a project file under another name.
pub(crate) fn mlflow_project(object: &Object) -> Option<Match> {
    let found = present(object, &["conda_env", "python_env", "docker_env"]);
    if !object.get("entry_points").is_some_and(Value::is_object) || found.is_empty() {
        return None;
    }
    let mut keys = vec!["entry_points"];
    keys.extend(found);
    Match::new("mlproject", keys_reason(&keys))
}

/// Hugging Face Accelerate launcher config (`accelerate config` output).
pub(crate) fn accelerate(object: &Object) -> Option<Match> {
    let found = present(object, &["compute_environment", "distributed_type"]);
    if !found.is_empty() {
        return Match::new("accelerate", keys_reason(&found));
    }
    if object.contains_key("mixed_precision") && object.contains_key("num_processes") {
        return Match::new("accelerate", keys_reason(&["mixed_precision", "num_processes"]));
    }
    None
}

/// Axolotl config: `base_model` plus a key only Axolotl uses, or its dataset list.
pub(crate) fn axolotl(object: &Object) -> Option<Match> {
    if !object.contains_key("base_model") {
        return None;
    }
    let mut keys = vec!["base_model"];
    if object.get("datasets").is_some_and(is_axolotl_dataset_list) {
        keys.push("datasets");
    }
    keys.extend(present(object, &["adapter", "micro_batch_size", "sequence_len"]));
    if keys.len() == 1 {
        return None;
    }
    Match::new("axolotl", keys_reason(&keys))
}

/// Axolotl's `datasets`: a non-empty list of mappings that name a `path` or a `type`.
fn is_axolotl_dataset_list(value: &Value) -> bool {
    let Some(items) = value.as_array() else {
        return false;
    };
    !items.is_empty()
        && items.iter().all(|item| item.as_object().is_some_and(|entry| has_any(entry, &["path", "type"])))
}

/// PyTorch Lightning `LightningCLI` config: jsonargparse `class_path`/`init_args` under
/// `model`, or `seed_everything`, which only LightningCLI writes.
pub(crate) fn lightning(object: &Object) -> Option<Match> {
    if object.contains_key("seed_everything") {
        return Match::new("lightning", keys_reason(&["seed_everything"]));
    }
    let model_has_class_path = object
        .get("model")
        .and_then(Value::as_object)
        .is_some_and(|model| has_any(model, &["class_path", "init_args"]));
    if object.contains_key("trainer") && model_has_class_path {
        return Match::new("lightning", "has keys trainer, model with class_path or init_args".to_string());
    }
    // LightningCLI with a fixed model class takes its arguments directly: a `trainer` mapping
    // beside `model` or `data` mappings. Hydra experiment files have the same shape, so a
    // file with any Hydra marker is left to the Hydra signature.
    let trainer_is_mapping = object.get("trainer").is_some_and(Value::is_object) && hydra(object).is_none();
    let sections = present(object, &["model", "data"]);
    if trainer_is_mapping
        && !sections.is_empty()
        && sections.iter().all(|key| object.get(*key).is_some_and(Value::is_object))
    {
        let mut keys = vec!["trainer"];
        keys.extend(sections);
        return Match::new("lightning", keys_reason(&keys));
    }
    None
}

/// Hydra config: a `defaults` list, an `_target_` to instantiate, or Hydra's own `hydra` key.
// NOTE: a `# @package` header also marks a Hydra config, but comments are not part of the
// parsed documents, so a file with only that marker is not recognised here.
pub(crate) fn hydra(object: &Object) -> Option<Match> {
    let mut keys = Vec::new();
    if object.get("defaults").is_some_and(Value::is_array) {
        keys.push("defaults");
    }
    keys.extend(present(object, &["_target_", "hydra"]));
    if keys.is_empty() {
        return None;
    }
    Match::new("hydra", keys_reason(&keys))
}

/// DeepSpeed config (`ds_config.json`). `zero_optimization` and
/// `train_micro_batch_size_per_gpu` only occur there. The batch keys it shares with the
/// Hugging Face Trainer count only next to a DeepSpeed-style `fp16`, `bf16` or `optimizer`
/// block: DeepSpeed writes those as mappings, the Trainer as a boolean and a string.
pub(crate) fn deepspeed(object: &Object) -> Option<Match> {
    let own = present(object, &["zero_optimization", "train_micro_batch_size_per_gpu"]);
    if !own.is_empty() {
        return Match::new("deepspeed", keys_reason(&own));
    }
    let batch = present(object, &["train_batch_size", "gradient_accumulation_steps"]);
    let blocks: Vec<&str> = ["fp16", "bf16", "optimizer"]
        .into_iter()
        .filter(|key| object.get(*key).is_some_and(Value::is_object))
        .collect();
    if batch.is_empty() || blocks.is_empty() {
        return None;
    }
    let mut keys = batch;
    keys.extend(blocks);
    Match::new("deepspeed", keys_reason(&keys))
}

/// Hugging Face `TrainingArguments` (and TRL configs built on them) written as JSON or YAML.
pub(crate) fn hf_trainer(object: &Object) -> Option<Match> {
    if !object.contains_key("learning_rate") {
        return None;
    }
    let found = present(object, &["per_device_train_batch_size", "output_dir", "num_train_epochs"]);
    if found.is_empty() {
        return None;
    }
    let mut keys = vec!["learning_rate"];
    keys.extend(found);
    Match::new("hf-trainer", keys_reason(&keys))
}

/// Fitted scikit-learn `StandardScaler` attributes, with or without the trailing underscore.
pub(crate) fn standard_scaler(object: &Object) -> Option<Match> {
    let mean = present(object, &["mean", "mean_"]);
    let spread = present(object, &["scale", "scale_", "std", "var", "var_"]);
    if mean.is_empty() || spread.is_empty() {
        return None;
    }
    let mut keys = mean;
    keys.extend(spread);
    Match::new("standard", keys_reason(&keys))
}

/// Detects a JSON array of records: a non-empty array whose items are all objects.
pub(crate) fn json_records(document: &Value) -> Option<Match> {
    let items = document.as_array()?;
    if items.is_empty() || !items.iter().all(Value::is_object) {
        return None;
    }
    Match::new("json-records", format!("is an array of {} objects", items.len()))
}
