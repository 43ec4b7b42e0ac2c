//! Secrets from SSM Parameter Store: SecureString parameters under one path, one per secret
//! (`{path}/meta-app-secret`, …), read in one `GetParameters` call at start. Standard parameters
//! cost nothing (each SecureString decrypted is a KMS request, counted by `handoff cost`), and
//! each function's role may read only its own names.

use std::collections::HashMap;

use aws_sdk_ssm::error::DisplayErrorContext;
use thiserror::Error;

/// Why the secrets could not be read. Never contains a value.
#[derive(Debug, Error)]
pub enum SecretsError {
    #[error("reading parameters under {path} failed: {reason}")]
    Read { path: String, reason: String },
}

/// The parameter that holds the secret known locally as `variable` (`META_APP_SECRET` →
/// `{path}/meta-app-secret`).
pub fn parameter_name(path: &str, variable: &str) -> String {
    format!(
        "{}/{}",
        path.trim_end_matches('/'),
        variable.to_ascii_lowercase().replace('_', "-")
    )
}

/// The values of `variables` that exist under `path`, by variable name. A missing parameter is
/// simply absent: the configuration then says which required one is missing.
pub async fn fetch(
    aws: &aws_config::SdkConfig,
    path: &str,
    variables: &[&str],
) -> Result<HashMap<String, String>, SecretsError> {
    let client = aws_sdk_ssm::Client::new(aws);
    let by_parameter: HashMap<String, &str> = variables
        .iter()
        .map(|v| (parameter_name(path, v), *v))
        .collect();
    let out = client
        .get_parameters()
        .set_names(Some(by_parameter.keys().cloned().collect()))
        .with_decryption(true)
        .send()
        .await
        .map_err(|e| SecretsError::Read {
            path: path.to_string(),
            reason: DisplayErrorContext(e).to_string(),
        })?;
    for missing in out.invalid_parameters() {
        tracing::info!(parameter = %missing, "secret parameter not set");
    }
    Ok(out
        .parameters()
        .iter()
        .filter_map(|p| {
            let variable = by_parameter.get(p.name()?)?;
            Some((variable.to_string(), p.value()?.to_string()))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_names_follow_the_variables() {
        assert_eq!(
            parameter_name("/handoff/prod/", "META_APP_SECRET"),
            "/handoff/prod/meta-app-secret"
        );
        assert_eq!(parameter_name("/h", "LINK_KEYS"), "/h/link-keys");
    }
}
