use serde_json::json;

use super::*;

/// Classifies `documents` as the content of a file named `name`, with the format its name
/// gives.
fn classify_named(name: &str, documents: &[Value]) -> Verdict {
    let path = Path::new(name);
    let format = detect_format(path).unwrap_or_else(|| panic!("no format for {name}"));
    classify(path, format, documents)
}

/// Returns the kind and flavor of an artifact, panicking with the reason of a skip.
pub(super) fn kind_and_flavor(verdict: &Verdict) -> (Kind, &'static str) {
    match verdict {
        Verdict::Artifact(classification) => (classification.kind, classification.flavor),
        Verdict::Skip { reason } => panic!("skipped: {reason}"),
    }
}

pub(super) fn skip_reason(verdict: &Verdict) -> &str {
    match verdict {
        Verdict::Skip { reason } => reason,
        Verdict::Artifact(classification) => panic!("classified as {classification:?}"),
    }
}

#[test]
fn kind_names_round_trip() {
    for kind in Kind::ALL {
        assert_eq!(kind.as_str().parse::<Kind>(), Ok(kind));
        assert_eq!(kind.to_string(), kind.as_str());
    }
}

#[test]
fn kind_parse_rejects_unknown() {
    let error = "modelcard".parse::<Kind>().unwrap_err();

    assert_eq!(error.input, "modelcard");
    assert!(error.to_string().starts_with("unknown kind `modelcard`; expected one of: model-card"));
}

#[test]
fn detect_format_by_name() {
    let cases = [
        ("card.json", Some(Format::Json)),
        ("deploy.YAML", Some(Format::Yaml)),
        ("config.yml", Some(Format::Yaml)),
        ("dir/MLmodel", Some(Format::Yaml)),
        ("MLproject", Some(Format::Yaml)),
        ("mlproject", Some(Format::Yaml)),
        ("README.md", Some(Format::Markdown)),
        ("notes.Markdown", Some(Format::Markdown)),
        ("iris.csv", Some(Format::Csv)),
        ("iris.TSV", Some(Format::Tsv)),
        ("rows.jsonl", Some(Format::JsonLines)),
        ("rows.ndjson", Some(Format::JsonLines)),
        ("model.safetensors", None),
        ("LICENSE", None),
        ("Makefile", None),
        ("archive.json.gz", None),
    ];
    for (name, expected) in cases {
        assert_eq!(detect_format(Path::new(name)), expected, "{name}");
    }
}

#[test]
fn tabular_formats_are_data() {
    assert_eq!(kind_and_flavor(&classify_named("iris.csv", &[])), (Kind::Data, "csv"));
    assert_eq!(kind_and_flavor(&classify_named("iris.tsv", &[])), (Kind::Data, "tsv"));
    assert_eq!(kind_and_flavor(&classify_named("rows.jsonl", &[])), (Kind::Data, "jsonl"));
}

// Model cards, shaped like the huggingface_hub fixtures and Model Card Toolkit files.

#[test]
fn hf_model_card_by_keys() {
    let front_matter = json!({
        "language": ["en"],
        "license": "mit",
        "library_name": "pytorch-lightning",
        "tags": ["pytorch", "image-classification"],
        "datasets": ["beans"],
        "metrics": ["acc"]
    });

    let verdict = classify_named("cards/sample_simple.md", &[front_matter]);

    assert_eq!(kind_and_flavor(&verdict), (Kind::ModelCard, "hf"));
    let Verdict::Artifact(classification) = verdict else { unreachable!() };
    assert_eq!(classification.reason, "has front matter keys license, library_name, language, tags, metrics, datasets");
}

#[test]
fn readme_with_empty_front_matter() {
    let verdict = classify_named("tiny-bert/README-lf.md", &[json!({})]);

    assert_eq!(kind_and_flavor(&verdict), (Kind::ModelCard, "hf"));
}

#[test]
fn readme_with_list_front_matter() {
    let verdict = classify_named("README.md", &[json!([])]);

    assert_eq!(kind_and_flavor(&verdict), (Kind::ModelCard, "hf"));
}

#[test]
fn markdown_without_front_matter_skipped() {
    assert_eq!(skip_reason(&classify_named("README.md", &[])), "Markdown without front matter");
    assert_eq!(skip_reason(&classify_named("notes.md", &[])), "Markdown without front matter");
}

#[test]
fn other_markdown_needs_card_keys() {
    let empty = classify_named("docs/guide.md", &[json!({"title": "Guide"})]);
    let list = classify_named("docs/guide.md", &[json!(["a"])]);

    assert_eq!(skip_reason(&empty), "Markdown front matter has no model card or dataset card keys");
    assert_eq!(kind_and_flavor(&list), (Kind::ModelCard, "hf"));
}

#[test]
fn mct_model_card_by_keys() {
    let document = json!({
        "schema_version": "0.0.2",
        "model_details": {"name": "Fine-tuned MobileNetV2 Model for Cats vs. Dogs"},
        "model_parameters": {},
        "quantitative_analysis": {},
        "considerations": {}
    });

    assert_eq!(kind_and_flavor(&classify_named("card.json", &[document])), (Kind::ModelCard, "mct"));
}

// Dataset cards, shaped like the huggingface_hub fixture and the Croissant examples.

#[test]
fn hf_dataset_card_by_keys() {
    let front_matter = json!({
        "language": ["en"],
        "license": ["bsd-3-clause"],
        "annotations_creators": ["crowdsourced", "expert-generated"],
        "language_creators": ["found"],
        "multilinguality": ["monolingual"],
        "size_categories": ["n<1K"],
        "task_categories": ["image-segmentation"],
        "task_ids": ["semantic-segmentation"],
        "pretty_name": "Sample Segmentation"
    });

    // A dataset repository's card is its README.md too, so the keys must win over the name.
    let verdict = classify_named("README.md", &[front_matter]);

    assert_eq!(kind_and_flavor(&verdict), (Kind::DatasetCard, "hf"));
}

#[test]
fn croissant_by_context() {
    let document = json!({
        "@context": {"@vocab": "https://schema.org/", "cr": "http://mlcommons.org/croissant/", "sc": "https://schema.org/"},
        "@type": "sc:Dataset",
        "name": "Titanic",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "distribution": [],
        "recordSet": []
    });

    assert_eq!(kind_and_flavor(&classify_named("metadata.json", &[document])), (Kind::DatasetCard, "croissant"));
}

#[test]
fn croissant_0_8_by_ml_prefix() {
    let document = json!({
        "@context": {"@vocab": "https://schema.org/", "ml": "http://mlcommons.org/schema/", "sc": "https://schema.org/"},
        "@type": "sc:Dataset",
        "name": "Titanic",
        "citation": "The principal source for data about Titanic passengers is the Encyclopedia Titanica."
    });

    assert_eq!(kind_and_flavor(&classify_named("metadata.json", &[document])), (Kind::DatasetCard, "croissant"));
}

#[test]
fn croissant_without_context() {
    let conforming = json!({"@type": "sc:Dataset", "conformsTo": "http://mlcommons.org/croissant/1.1"});
    let with_record_set = json!({"@type": "sc:Dataset", "name": "x", "recordSet": []});

    assert_eq!(kind_and_flavor(&classify_named("a.json", &[conforming])), (Kind::DatasetCard, "croissant"));
    assert_eq!(kind_and_flavor(&classify_named("b.json", &[with_record_set])), (Kind::DatasetCard, "croissant"));
}

// Training configs, shaped like the corpus files of each tool.

#[test]
fn deepspeed_zero1_config() {
    let document = json!({
        "zero_optimization": {"stage": 1, "overlap_comm": true},
        "bf16": {"enabled": "auto"},
        "fp16": {"enabled": "auto", "auto_cast": false, "loss_scale": 0},
        "gradient_accumulation_steps": "auto",
        "gradient_clipping": "auto",
        "train_batch_size": "auto",
        "train_micro_batch_size_per_gpu": "auto",
        "wall_clock_breakdown": false
    });

    assert_eq!(kind_and_flavor(&classify_named("zero1.json", &[document])), (Kind::TrainingConfig, "deepspeed"));
}

#[test]
fn deepspeed_without_zero_block() {
    let document = json!({
        "train_batch_size": 32,
        "gradient_accumulation_steps": 1,
        "optimizer": {"type": "AdamW", "params": {"lr": 3e-5}},
        "fp16": {"enabled": true}
    });

    assert_eq!(kind_and_flavor(&classify_named("ds.json", &[document])), (Kind::TrainingConfig, "deepspeed"));
}

#[test]
fn hf_trainer_recipe() {
    let document = json!({
        "model_name_or_path": "HuggingFaceTB/SmolLM2-1.7B",
        "bf16": true,
        "do_eval": false,
        "gradient_accumulation_steps": 4,
        "learning_rate": 1.0e-03,
        "lr_scheduler_type": "cosine",
        "num_train_epochs": 1,
        "output_dir": "data/smollm2-1.7B-sft",
        "per_device_train_batch_size": 4,
        "optim": "adamw_torch"
    });

    assert_eq!(kind_and_flavor(&classify_named("config.yaml", &[document])), (Kind::TrainingConfig, "hf-trainer"));
}

#[test]
fn deepspeed_config_by_name() {
    for name in ["ds_config.json", "configs/ds_config_zero3.json", "DS_CONFIG.json"] {
        let verdict = classify_named(name, &[json!({"train_batch_size": 8})]);

        assert_eq!(kind_and_flavor(&verdict), (Kind::TrainingConfig, "deepspeed"), "{name}");
    }
    let verdict = classify_named("batch.json", &[json!({"train_batch_size": 8})]);
    assert!(skip_reason(&verdict).contains("no recognised ML keys"));
    // An empty one is a config to report on, not a file to skip.
    let Verdict::Artifact(empty) = classify_named("ds_config.json", &[]) else {
        panic!("empty ds_config.json skipped")
    };
    assert_eq!(empty.reason, "file named ds_config.json");
}

#[test]
fn deepspeed_keys_explain_better_than_the_name() {
    let document = json!({"zero_optimization": {"stage": 2}});
    let Verdict::Artifact(found) = classify_named("ds_config.json", &[document]) else { panic!("skipped") };

    assert_eq!(found.flavor, "deepspeed");
    assert!(found.reason.contains("zero_optimization"), "{}", found.reason);
}

#[test]
fn training_args_json_by_name() {
    let verdict = classify_named("checkpoint-500/training_args.json", &[json!({"seed": 42})]);

    assert_eq!(kind_and_flavor(&verdict), (Kind::TrainingConfig, "hf-trainer"));
}

#[test]
fn lightning_cli_config() {
    let document = json!({
        "seed_everything": 4444,
        "data": {"class_path": "vocos.dataset.VocosDataModule", "init_args": {}},
        "model": {"class_path": "vocos.experiment.VocosExp", "init_args": {"initial_learning_rate": "5e-4"}},
        "trainer": {"max_steps": 2000000, "devices": [0]}
    });

    assert_eq!(kind_and_flavor(&classify_named("vocos.yaml", &[document])), (Kind::TrainingConfig, "lightning"));
}

#[test]
fn lightning_without_seed() {
    let document = json!({"trainer": {"max_epochs": 3}, "model": {"class_path": "my.Model"}});

    assert_eq!(kind_and_flavor(&classify_named("cli.yaml", &[document])), (Kind::TrainingConfig, "lightning"));
}

#[test]
fn hydra_configs() {
    let primary = json!({
        "defaults": ["_self_", {"data": "mnist"}, {"model": "mnist"}, {"optional local": "default"}, {"debug": null}],
        "task_name": "train",
        "tags": ["dev"],
        "train": true,
        "ckpt_path": null,
        "seed": null
    });
    let model = json!({"_target_": "src.models.mnist_module.MNISTLitModule", "optimizer": {"_target_": "torch.optim.Adam", "_partial_": true}});
    let sweep = json!({"defaults": [{"override /hydra/sweeper": "optuna"}], "optimized_metric": "val/acc_best", "hydra": {"mode": "MULTIRUN"}});

    for (name, document) in [("train.yaml", primary), ("mnist.yaml", model), ("mnist_optuna.yaml", sweep)] {
        assert_eq!(kind_and_flavor(&classify_named(name, &[document])), (Kind::TrainingConfig, "hydra"), "{name}");
    }
}

#[test]
fn hydra_experiment_not_lightning() {
    // The experiment config overrides `trainer` and `model` like a LightningCLI config, but
    // with plain values instead of `class_path`.
    let document = json!({
        "defaults": [{"override /data": "mnist"}, {"override /model": "mnist"}],
        "tags": ["mnist", "simple_dense_net"],
        "seed": 12345,
        "trainer": {"min_epochs": 10, "max_epochs": 10},
        "model": {"optimizer": {"lr": 0.002}, "compile": false}
    });

    assert_eq!(kind_and_flavor(&classify_named("example.yaml", &[document])), (Kind::TrainingConfig, "hydra"));
}

#[test]
fn axolotl_configs() {
    let qlora = json!({
        "base_model": "tiiuae/falcon-7b",
        "load_in_4bit": true,
        "datasets": [{"path": "QingyiSi/Alpaca-CoT", "data_files": ["Chain-of-Thought/formatted_cot_data/gsm8k_train.json"], "type": "alpaca:chat"}],
        "adapter": "qlora",
        "sequence_len": 2048,
        "micro_batch_size": 1,
        "gradient_accumulation_steps": 2,
        "optimizer": "paged_adamw_32bit",
        "learning_rate": 0.0002,
        "output_dir": "./qlora-out",
        "num_epochs": 4
    });
    let full_finetune = json!({
        "base_model": "NousResearch/Meta-Llama-3.1-8B",
        "datasets": [{"path": "mlabonne/FineTome-100k", "type": "chat_template"}],
        "output_dir": "./outputs/out",
        "sequence_len": 4096,
        "micro_batch_size": 2,
        "learning_rate": "2e-5",
        "bf16": "auto"
    });

    for (name, document) in [("config-7b-qlora.yml", qlora), ("fft-8b-liger-fsdp.yaml", full_finetune)] {
        assert_eq!(kind_and_flavor(&classify_named(name, &[document])), (Kind::TrainingConfig, "axolotl"), "{name}");
    }
}

#[test]
fn accelerate_embedding_deepspeed() {
    let document = json!({
        "compute_environment": "LOCAL_MACHINE",
        "debug": false,
        "deepspeed_config": {"deepspeed_multinode_launcher": "standard", "zero3_init_flag": true, "zero_stage": 3},
        "distributed_type": "DEEPSPEED",
        "downcast_bf16": "no",
        "mixed_precision": "bf16",
        "num_machines": 1,
        "num_processes": 8,
        "use_cpu": false
    });

    assert_eq!(
        kind_and_flavor(&classify_named("deepspeed_zero3.yaml", &[document])),
        (Kind::TrainingConfig, "accelerate")
    );
}

#[test]
fn mlproject_by_name_and_keys() {
    let content = json!({"name": "docker-example", "docker_env": {"image": "mlflow-docker-example"}, "entry_points": {"main": {"command": "python train.py"}}});

    let by_name = classify_named("project/MLproject", &[]);
    let by_keys = classify_named("project.yaml", &[content]);

    assert_eq!(kind_and_flavor(&by_name), (Kind::TrainingConfig, "mlproject"));
    assert_eq!(kind_and_flavor(&by_keys), (Kind::TrainingConfig, "mlproject"));
}

// Deployment manifests, shaped like the KServe, Seldon, Kubernetes, BentoML and MLflow files.

fn inference_service() -> Value {
    json!({
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": "sklearn-iris"},
        "spec": {"predictor": {"sklearn": {"storageUri": "gs://kfserving-examples/models/sklearn/1.0/model"}}}
    })
}

fn service() -> Value {
    json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "resnet-service"}, "spec": {"type": "LoadBalancer"}})
}

#[test]
fn kserve_inference_service() {
    let verdict = classify_named("sklearn.yaml", &[inference_service()]);

    assert_eq!(kind_and_flavor(&verdict), (Kind::DeploymentManifest, "kserve"));
    let Verdict::Artifact(classification) = verdict else { unreachable!() };
    assert_eq!(classification.reason, "Kubernetes InferenceService (serving.kserve.io/v1beta1) in document index 0");
}

#[test]
fn seldon_deployment() {
    let document = json!({
        "apiVersion": "machinelearning.seldon.io/v1alpha2",
        "kind": "SeldonDeployment",
        "metadata": {"name": "mlflow"},
        "spec": {"predictors": [{"graph": {"implementation": "MLFLOW_SERVER", "name": "classifier"}, "name": "default", "replicas": 1}]}
    });

    assert_eq!(kind_and_flavor(&classify_named("seldon.json", &[document])), (Kind::DeploymentManifest, "seldon"));
}

#[test]
fn workload_with_service_stream() {
    let deployment = json!({
        "apiVersion": "extensions/v1beta1",
        "kind": "Deployment",
        "metadata": {"name": "resnet-deployment"},
        "spec": {"replicas": 3, "template": {}}
    });
    // A stream ending with a bare `---` has a trailing empty document.
    let documents = [deployment, service(), Value::Null];

    let verdict = classify_named("resnet_k8s.yaml", &documents);

    assert_eq!(kind_and_flavor(&verdict), (Kind::DeploymentManifest, "k8s-workload"));
}

#[test]
fn first_workload_sets_flavor() {
    let job = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "train"}});
    let documents = [service(), job, inference_service()];

    let verdict = classify_named("stack.yaml", &documents);

    assert_eq!(kind_and_flavor(&verdict), (Kind::DeploymentManifest, "k8s-workload"));
    let Verdict::Artifact(classification) = verdict else { unreachable!() };
    assert_eq!(classification.reason, "Kubernetes Job (batch/v1) in document index 1");
}

#[test]
fn lone_service_skipped() {
    let config_map = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}});

    let verdict = classify_named("service.yaml", &[service(), config_map]);

    assert_eq!(skip_reason(&verdict), "Kubernetes objects without a model workload (Service, ConfigMap)");
}

#[test]
fn document_flavor_per_object() {
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment"});
    let seldon = json!({"apiVersion": "machinelearning.seldon.io/v1", "kind": "SeldonDeployment"});
    let kfserving = json!({"apiVersion": "serving.kubeflow.org/v1beta1", "kind": "InferenceService"});
    let cron_job = json!({"apiVersion": "batch/v1", "kind": "CronJob"});
    let cases = [
        (inference_service(), Some("kserve")),
        (kfserving, Some("kserve")),
        (seldon, Some("seldon")),
        (deployment, Some("k8s-workload")),
        (service(), Some("k8s-object")),
        (cron_job, Some("k8s-workload")),
        (json!({"kind": "Service"}), None),
        (Value::Null, None),
    ];
    for (document, expected) in cases {
        assert_eq!(document_flavor(Kind::DeploymentManifest, &document), expected, "{document}");
    }
}

#[test]
fn bentofile_by_name_and_keys() {
    let content = json!({
        "service": "service:IrisClassifier",
        "labels": {"owner": "bentoml-team", "project": "gallery"},
        "include": ["*.py"],
        "python": {"packages": ["scikit-learn", "pandas"]},
        "docker": {"env": "./env.sh"}
    });

    let by_name = classify_named("bentofile-gpu.yaml", &[]);
    let by_keys = classify_named("build.yaml", &[content]);

    assert_eq!(kind_and_flavor(&by_name), (Kind::DeploymentManifest, "bentoml"));
    assert_eq!(kind_and_flavor(&by_keys), (Kind::DeploymentManifest, "bentoml"));
}

#[test]
fn mlmodel_by_name_and_keys() {
    let content = json!({
        "artifact_path": "model",
        "flavors": {"python_function": {"loader_module": "mlflow.sklearn"}, "sklearn": {"sklearn_version": "1.1.3"}},
        "mlflow_version": "2.12.2",
        "run_id": "0f9a2c",
        "utc_time_created": "2024-05-01 10:00:00.000000"
    });

    let by_name = classify_named("model/MLmodel", &[]);
    let by_keys = classify_named("model.yaml", &[content]);

    assert_eq!(kind_and_flavor(&by_name), (Kind::DeploymentManifest, "mlmodel"));
    assert_eq!(kind_and_flavor(&by_keys), (Kind::DeploymentManifest, "mlmodel"));
}

// Data and scalers.

#[test]
fn json_records_are_data() {
    let records = json!([{"sepal_length": 5.1, "species": "setosa"}, {"sepal_length": 4.9, "species": "setosa"}]);

    let verdict = classify_named("iris.json", &[records]);

    assert_eq!(kind_and_flavor(&verdict), (Kind::Data, "json-records"));
}

#[test]
fn other_arrays_skipped() {
    assert_eq!(skip_reason(&classify_named("empty.json", &[json!([])])), "JSON array that is not a list of records");
    assert_eq!(
        skip_reason(&classify_named("numbers.json", &[json!([1, 2])])),
        "JSON array that is not a list of records"
    );
    assert_eq!(
        skip_reason(&classify_named("list.yaml", &[json!([{"a": 1}])])),
        "YAML sequence with no recognised ML content"
    );
}

#[test]
fn standard_scaler_parameters() {
    let plain = json!({"column": "val_loss_x100", "mean": 10.0, "scale": 6.44981, "source": "StandardScaler (ddof=0)"});
    let sklearn = json!({"mean_": [10.0, 2.5], "var_": [41.6, 1.25], "scale_": [6.45, 1.118], "n_samples_seen_": 5});

    assert_eq!(kind_and_flavor(&classify_named("scaler.json", &[plain])), (Kind::Scaler, "standard"));
    assert_eq!(kind_and_flavor(&classify_named("scaler.yaml", &[sklearn])), (Kind::Scaler, "standard"));
}

// Files of no known kind.

#[test]
fn unrecognised_content_skipped() {
    let experiments = json!({"name": "baseline", "batch_size": 32});

    assert_eq!(
        skip_reason(&classify_named("experiments.yaml", std::slice::from_ref(&experiments))),
        "YAML with no recognised ML keys"
    );
    assert_eq!(skip_reason(&classify_named("experiments.json", &[experiments])), "JSON with no recognised ML keys");
    assert_eq!(
        skip_reason(&classify_named("version.json", &[json!("1.0")])),
        "JSON scalar with no recognised ML content"
    );
}

#[test]
fn empty_file_skipped() {
    assert_eq!(skip_reason(&classify_named("empty.yaml", &[])), "YAML file without content");
    assert_eq!(skip_reason(&classify_named("comments.yaml", &[Value::Null])), "YAML file without content");
}

#[test]
fn document_flavor_for_forced_kinds() {
    let front_matter = json!({"license": "mit"});
    let mct = json!({"model_details": {}, "schema_version": "0.0.2"});
    let deepspeed = json!({"zero_optimization": {"stage": 2}});

    assert_eq!(document_flavor(Kind::ModelCard, &front_matter), Some("hf"));
    assert_eq!(document_flavor(Kind::ModelCard, &mct), Some("mct"));
    assert_eq!(document_flavor(Kind::ModelCard, &json!({})), None);
    assert_eq!(document_flavor(Kind::TrainingConfig, &deepspeed), Some("deepspeed"));
    assert_eq!(document_flavor(Kind::Scaler, &deepspeed), None);
    assert_eq!(document_flavor(Kind::Data, &json!([{"a": 1}])), Some("json-records"));
}

#[test]
fn every_flavor_is_listed() {
    let documents = [
        (Kind::ModelCard, json!({"license": "mit"})),
        (Kind::DatasetCard, json!({"task_ids": []})),
        (Kind::DeploymentManifest, service()),
        (Kind::Data, json!([{"a": 1}])),
    ];
    for (kind, document) in documents {
        let flavor = document_flavor(kind, &document).unwrap();
        assert!(kind.flavors().contains(&flavor), "{kind} lacks {flavor}");
    }
}
