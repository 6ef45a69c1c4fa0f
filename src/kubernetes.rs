//! Kubernetes API versions that the API server no longer serves.
//!
//! A manifest written against a removed API version is rejected by every cluster from the
//! release that removed it. The table follows the Kubernetes deprecated API migration guide
//! (https://kubernetes.io/docs/reference/using-api/deprecation-guide/), releases 1.16 to 1.29.

/// A removed API version of one kind, and what replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removal {
    /// The Kubernetes minor release that stopped serving the version, such as `1.16`.
    pub removed_in: &'static str,
    /// The API version to use instead, or `None` when the kind itself was removed.
    pub replacement: Option<&'static str>,
}

/// `(apiVersion, kinds, removed in, replacement)`; an empty kind list means every kind of
/// that API version.
const REMOVED: &[(&str, &[&str], &str, Option<&str>)] = &[
    ("extensions/v1beta1", &["Deployment", "DaemonSet", "ReplicaSet"], "1.16", Some("apps/v1")),
    ("extensions/v1beta1", &["NetworkPolicy"], "1.16", Some("networking.k8s.io/v1")),
    ("extensions/v1beta1", &["PodSecurityPolicy"], "1.16", Some("policy/v1beta1")),
    ("extensions/v1beta1", &["Ingress"], "1.22", Some("networking.k8s.io/v1")),
    ("apps/v1beta1", &[], "1.16", Some("apps/v1")),
    ("apps/v1beta2", &[], "1.16", Some("apps/v1")),
    ("networking.k8s.io/v1beta1", &["Ingress", "IngressClass"], "1.22", Some("networking.k8s.io/v1")),
    ("rbac.authorization.k8s.io/v1beta1", &[], "1.22", Some("rbac.authorization.k8s.io/v1")),
    ("apiextensions.k8s.io/v1beta1", &["CustomResourceDefinition"], "1.22", Some("apiextensions.k8s.io/v1")),
    ("admissionregistration.k8s.io/v1beta1", &[], "1.22", Some("admissionregistration.k8s.io/v1")),
    ("apiregistration.k8s.io/v1beta1", &["APIService"], "1.22", Some("apiregistration.k8s.io/v1")),
    ("authentication.k8s.io/v1beta1", &["TokenReview"], "1.22", Some("authentication.k8s.io/v1")),
    ("authorization.k8s.io/v1beta1", &[], "1.22", Some("authorization.k8s.io/v1")),
    ("certificates.k8s.io/v1beta1", &["CertificateSigningRequest"], "1.22", Some("certificates.k8s.io/v1")),
    ("coordination.k8s.io/v1beta1", &["Lease"], "1.22", Some("coordination.k8s.io/v1")),
    ("scheduling.k8s.io/v1beta1", &["PriorityClass"], "1.22", Some("scheduling.k8s.io/v1")),
    (
        "storage.k8s.io/v1beta1",
        &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
        "1.22",
        Some("storage.k8s.io/v1"),
    ),
    ("batch/v1beta1", &["CronJob"], "1.25", Some("batch/v1")),
    ("discovery.k8s.io/v1beta1", &["EndpointSlice"], "1.25", Some("discovery.k8s.io/v1")),
    ("events.k8s.io/v1beta1", &["Event"], "1.25", Some("events.k8s.io/v1")),
    ("autoscaling/v2beta1", &["HorizontalPodAutoscaler"], "1.25", Some("autoscaling/v2")),
    ("policy/v1beta1", &["PodDisruptionBudget"], "1.25", Some("policy/v1")),
    ("policy/v1beta1", &["PodSecurityPolicy"], "1.25", None),
    ("node.k8s.io/v1beta1", &["RuntimeClass"], "1.25", Some("node.k8s.io/v1")),
    ("autoscaling/v2beta2", &["HorizontalPodAutoscaler"], "1.26", Some("autoscaling/v2")),
    ("flowcontrol.apiserver.k8s.io/v1beta1", &[], "1.26", Some("flowcontrol.apiserver.k8s.io/v1")),
    ("storage.k8s.io/v1beta1", &["CSIStorageCapacity"], "1.27", Some("storage.k8s.io/v1")),
    ("flowcontrol.apiserver.k8s.io/v1beta2", &[], "1.29", Some("flowcontrol.apiserver.k8s.io/v1")),
];

/// Looks up whether `api_version` still serves `kind`.
pub fn removal(api_version: &str, kind: &str) -> Option<Removal> {
    REMOVED
        .iter()
        .find(|(version, kinds, _, _)| *version == api_version && (kinds.is_empty() || kinds.contains(&kind)))
        .map(|(_, _, removed_in, replacement)| Removal { removed_in, replacement: *replacement })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removed_workload_apis() {
        let deployment = removal("extensions/v1beta1", "Deployment").unwrap();
        assert_eq!(deployment.removed_in, "1.16");
        assert_eq!(deployment.replacement, Some("apps/v1"));
        assert_eq!(removal("apps/v1beta2", "StatefulSet").unwrap().replacement, Some("apps/v1"));
        assert_eq!(removal("batch/v1beta1", "CronJob").unwrap().removed_in, "1.25");
    }

    #[test]
    fn removed_kind_has_no_replacement() {
        assert_eq!(removal("policy/v1beta1", "PodSecurityPolicy").unwrap().replacement, None);
    }

    #[test]
    fn served_apis_pass() {
        assert_eq!(removal("apps/v1", "Deployment"), None);
        assert_eq!(removal("batch/v1", "Job"), None);
        assert_eq!(removal("serving.kserve.io/v1beta1", "InferenceService"), None);
        assert_eq!(removal("extensions/v1beta1", "SomethingElse"), None);
    }
}
