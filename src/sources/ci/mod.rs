//! CI configuration: the identities a pipeline holds (variables, cloud logins, OIDC tokens),
//! the third-party code it runs with them (images, includes, orbs, pipes) and the script
//! lines that expose them.

pub(crate) mod azure;
pub(crate) mod bitbucket;
pub(crate) mod circleci;
pub(crate) mod gitlab;
pub(crate) mod jenkins;
pub(crate) mod vars;
