//! Google Cloud inputs.

pub(crate) mod service_account_key;
