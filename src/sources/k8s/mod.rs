//! Kubernetes objects read from manifests and `kubectl get … -o yaml|json` output: RBAC
//! (roles, bindings) and service accounts.

pub(crate) mod rbac;
