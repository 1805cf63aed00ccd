//! What can go wrong with an AWS source, each with what to do about it.
//!
//! None of these carry a value, a credential, a signature or AWS's own message (which
//! quotes ARNs and policies, and is not ours to vouch for): an error is the action, the
//! resource and AWS's error code, cleaned to the characters such codes are made of.

/// A failure of an AWS source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AwsError {
    /// A setting (an `AWS_*` variable, a profile, the manifest) is unusable.
    #[error("invalid AWS setting {setting}: {reason}")]
    Config {
        /// The variable, file or manifest field.
        setting: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No region anywhere.
    #[error(
        "no AWS region: the source names none, and AWS_REGION, AWS_DEFAULT_REGION and the profile's `region` are unset"
    )]
    NoRegion,
    /// No credentials anywhere in the chain.
    #[error("no AWS credentials: looked in {}", looked.join(", "))]
    NoCredentials {
        /// Where the chain looked, in order.
        looked: Vec<String>,
    },
    /// The profile uses a way of getting credentials this source does not implement.
    #[error(
        "AWS profile `{profile}` gets its credentials by {how}, which secretary does not support"
    )]
    Unsupported {
        /// The profile.
        profile: String,
        /// `source_profile`, `credential_process`, `sso_session`...
        how: String,
    },
    /// Plain `http://` to an endpoint that is not loopback.
    #[error(
        "refusing plain http to the AWS endpoint {endpoint}: signed requests and values would cross the network unencrypted; nothing was sent"
    )]
    PlainHttp {
        /// The endpoint (without user name or password).
        endpoint: String,
    },
    /// The endpoint could not be reached.
    #[error("cannot connect to {endpoint}: {reason}")]
    Connect {
        /// The endpoint.
        endpoint: String,
        /// The underlying reason (connection refused, DNS, TLS...).
        reason: String,
    },
    /// No answer in time.
    #[error("{endpoint} did not answer {action} within {seconds}s")]
    Timeout {
        /// The endpoint.
        endpoint: String,
        /// The API action.
        action: String,
        /// The time-out.
        seconds: u64,
    },
    /// The answer is larger than secretary reads.
    #[error("the answer to {action} from {endpoint} is larger than the {} limit", crate::file::size(*limit))]
    TooLarge {
        /// The endpoint.
        endpoint: String,
        /// The API action.
        action: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// AWS refused: the credentials are not allowed this action on this resource (or
    /// are invalid or expired).
    #[error("AWS denied {action} on {resource} ({code})")]
    Denied {
        /// The API action (`secretsmanager:GetSecretValue`).
        action: String,
        /// The secret or parameter (or `*`).
        resource: String,
        /// AWS's error code (`AccessDeniedException`, `ExpiredTokenException`...).
        code: String,
    },
    /// The KMS key that encrypts the value cannot be used by these credentials.
    #[error(
        "AWS could not decrypt {resource} ({code}): the KMS key is not usable with these credentials"
    )]
    Decryption {
        /// The secret or parameter.
        resource: String,
        /// AWS's error code.
        code: String,
    },
    /// Throttled on every attempt.
    #[error("AWS throttled {action} ({code}) on all {attempts} attempts")]
    Throttled {
        /// The API action.
        action: String,
        /// AWS's error code, or the HTTP status.
        code: String,
        /// How many attempts were made.
        attempts: u32,
    },
    /// A 5xx on every attempt.
    #[error("AWS answered {action} with HTTP {status} on all {attempts} attempts")]
    Server {
        /// The API action.
        action: String,
        /// The status.
        status: u16,
        /// How many attempts were made.
        attempts: u32,
    },
    /// Another error AWS names.
    #[error("AWS answered {action} on {resource} with {code} (HTTP {status})")]
    Service {
        /// The API action.
        action: String,
        /// The secret or parameter (or `*`).
        resource: String,
        /// AWS's error code.
        code: String,
        /// The HTTP status.
        status: u16,
    },
    /// An answer that is not the API's: not JSON, missing what it must hold, another
    /// web server's page.
    #[error("unexpected answer to {action} from {endpoint}: {what}")]
    Malformed {
        /// The endpoint.
        endpoint: String,
        /// The API action.
        action: String,
        /// What was wrong with it.
        what: String,
    },
    /// The secret holds binary data (`SecretBinary`), not text.
    #[error("{resource} holds binary data (SecretBinary), not text")]
    Binary {
        /// The secret.
        resource: String,
    },
    /// The field of a JSON secret holds a list, a map, or a number that would not read
    /// back as written.
    #[error("{what} of {resource} is not text")]
    NotText {
        /// The secret.
        resource: String,
        /// ``field `x` ``.
        what: String,
    },
    /// The source reads a `field`, and the secret string is not a JSON object, so it has
    /// no fields (it was called "not text": an eighteenth adversarial pass).
    #[error("the secret string of {resource} is not a JSON object, so it has no field to read")]
    NotAnObject {
        /// The secret.
        resource: String,
    },
    /// A value larger than a secret may be.
    #[error("{resource} holds more than {}, the most a secret may hold", crate::file::size(*limit))]
    ValueTooLarge {
        /// The secret or parameter.
        resource: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// STS refused the web identity token, or its answer held no credentials.
    #[error("AssumeRoleWithWebIdentity for {role_arn} failed: {reason}")]
    WebIdentity {
        /// The role.
        role_arn: String,
        /// Why (never the token).
        reason: String,
    },
    /// The container credentials endpoint failed, or answered without credentials.
    #[error("the container credentials endpoint {endpoint} failed: {reason}")]
    Container {
        /// The endpoint.
        endpoint: String,
        /// Why (never the token or the keys).
        reason: String,
    },
    /// A write's token was used before for another value (AWS's idempotency check).
    #[error("{resource}: the client request token was already used for another value")]
    TokenReused {
        /// The secret.
        resource: String,
    },
}

impl AwsError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            Self::Config { setting, .. } => format!("fix {setting}"),
            Self::NoRegion => {
                "set AWS_REGION (or the source's `region`, or `region` in your AWS profile)"
                    .to_owned()
            }
            Self::NoCredentials { .. } => {
                "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE with ~/.aws/credentials, or AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN".to_owned()
            }
            Self::Unsupported { profile, .. } => format!(
                "export the credentials of profile `{profile}` first (`aws configure export-credentials --profile {} --format env`), or use a profile with keys or a web identity",
                crate::printable::shell_word(profile)
            ),
            Self::PlainHttp { endpoint } => format!(
                "use https:// for {endpoint}; if the network to it is trusted, set SECRETARY_ALLOW_HTTP=1"
            ),
            Self::Connect { .. } | Self::Timeout { .. } => {
                "check the network to AWS, AWS_REGION, and AWS_ENDPOINT_URL if you set one".to_owned()
            }
            Self::TooLarge { .. } | Self::Malformed { .. } => {
                "check AWS_ENDPOINT_URL (and its per-service variants): it seems to point at something that is not the AWS API".to_owned()
            }
            Self::Denied { action, resource, code } if code.contains("Expired") => format!(
                "the credentials expired: renew them (log in again), then retry; they must allow {action} on {resource}"
            ),
            Self::Denied { action, resource, code }
                if code.contains("Signature") || code.contains("UnrecognizedClient") || code.contains("InvalidClientTokenId") =>
            {
                format!(
                    "AWS does not accept these credentials (check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or the profile, and the clock); they must allow {action} on {resource}"
                )
            }
            Self::Denied { action, resource, .. } => format!(
                "ask for an IAM policy that allows {action} on {resource}, or use credentials that have one"
            ),
            Self::Decryption { resource, .. } => format!(
                "allow kms:Decrypt on the KMS key that encrypts {resource} to these credentials"
            ),
            Self::Throttled { .. } => {
                "lower the source's max_concurrency, or raise the account's API quota".to_owned()
            }
            Self::Server { .. } => "AWS is failing: retry later, or check the AWS Health Dashboard".to_owned(),
            Self::Service { .. } => "check the source's name and region against the AWS account".to_owned(),
            Self::Binary { .. } => {
                "store the value as a secret string (base64 for binary data)".to_owned()
            }
            Self::NotAnObject { resource } | Self::NotText { resource, .. } => format!(
                "store {resource} as a JSON object of strings, or drop the source's `field` to read it whole"
            ),
            Self::ValueTooLarge { .. } => {
                "keep large data elsewhere and store its location (a path, a URL) as the secret".to_owned()
            }
            Self::WebIdentity { .. } => {
                "check AWS_WEB_IDENTITY_TOKEN_FILE (a current token) and that AWS_ROLE_ARN trusts its issuer and audience".to_owned()
            }
            Self::Container { .. } => {
                "check AWS_CONTAINER_CREDENTIALS_FULL_URI (or _RELATIVE_URI) and its authorization token: the ECS or EKS Pod Identity agent must be reachable from here".to_owned()
            }
            Self::TokenReused { .. } => {
                "write again: a new request makes a new token".to_owned()
            }
        }
    }
}

/// An error code from a server, shown only when it is spelled as AWS's codes are (an
/// upper-case letter, then letters and digits, at most 64), else `an unrecognised error`:
/// what a server puts there is shown, and must not carry anything else.
pub(super) fn clean_code(text: &str) -> String {
    // `com.amazonaws.secretsmanager#ResourceNotFoundException:http://...`: the name.
    let text = text.rsplit('#').next().unwrap_or(text);
    let text = text.split(':').next().unwrap_or(text).trim();
    let spelled = text.len() <= 64
        && text.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && text.chars().all(|c| c.is_ascii_alphanumeric());
    if spelled {
        text.to_owned()
    } else {
        "an unrecognised error".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_cleaned_before_they_are_shown() {
        assert_eq!(
            clean_code("com.amazonaws.secretsmanager#ResourceNotFoundException"),
            "ResourceNotFoundException"
        );
        assert_eq!(
            clean_code("AccessDeniedException:http://internal.amazon.com/"),
            "AccessDeniedException"
        );
        for shown in [
            "<b>hunter2 is the password</b>",
            "",
            "lowercase",
            "Canary value",
        ] {
            assert_eq!(clean_code(shown), "an unrecognised error", "{shown}");
        }
        assert_eq!(clean_code(&"X".repeat(65)), "an unrecognised error");
    }
}
