//! AWS IAM exports read offline: the credential report and `aws iam list-access-keys`.

pub(crate) mod credential_report;
pub(crate) mod list_access_keys;
