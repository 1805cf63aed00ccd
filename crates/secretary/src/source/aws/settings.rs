//! An AWS source's settings, from the manifest's `region` and the user's variables only:
//! the region, the service's and STS's endpoints, attempts, and the credential chain.
//!
//! - The endpoint is AWS's own for the region (`https://secretsmanager.REGION.amazonaws.com`),
//!   or the one the user sets: `AWS_ENDPOINT_URL_SECRETS_MANAGER` / `AWS_ENDPOINT_URL_SSM`
//!   / `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL` (unless
//!   `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true). The manifest never chooses one: it
//!   may only name a region, which is spelled as regions are. Plain `http://` only to
//!   loopback, unless `SECRETARY_ALLOW_HTTP=1`.
//! - `AWS_MAX_ATTEMPTS` (default 3): attempts per request, the first included.

use url::Url;

use super::AwsError;
use super::client::Service;
use super::credentials::{self, Chain, Profile};
use crate::Variables;
use crate::source::vault::is_loopback;

/// Everything a connection is made from.
#[derive(Debug)]
pub(super) struct Settings {
    /// The region signed for.
    pub region: String,
    /// The service's endpoint.
    pub endpoint: Url,
    /// STS's endpoint (for a web identity).
    pub sts: Url,
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// Requests in flight at once.
    pub max_concurrency: usize,
    /// Where credentials come from.
    pub chain: Chain,
}

/// A variable's value, when set and not empty.
fn var<'a>(vars: &'a Variables, name: &str) -> Option<&'a str> {
    vars.get_str(name).filter(|value| !value.is_empty())
}

/// A configuration error of `setting`.
pub(super) fn config_error(setting: &str, reason: impl Into<String>) -> AwsError {
    AwsError::Config {
        setting: setting.to_owned(),
        reason: reason.into(),
    }
}

fn parse_bool(setting: &str, text: &str) -> Result<bool, AwsError> {
    match text.to_ascii_lowercase().as_str() {
        "1" | "true" => Ok(true),
        "0" | "false" => Ok(false),
        _ => Err(config_error(setting, "must be true or false")),
    }
}

impl Settings {
    /// The settings for `service` from the manifest's `region` and the user's variables.
    pub(super) fn resolve(
        service: Service,
        region: Option<&str>,
        max_concurrency: usize,
        vars: &Variables,
    ) -> Result<Self, AwsError> {
        let profile: Option<Profile> = credentials::profile(vars)?;
        let region = region
            .or_else(|| var(vars, "AWS_REGION"))
            .or_else(|| var(vars, "AWS_DEFAULT_REGION"))
            .or_else(|| profile.as_ref().and_then(|p| p.get("region")))
            .ok_or(AwsError::NoRegion)?
            .to_owned();
        if !super::super::kinds::is_region(&region) {
            return Err(config_error("AWS_REGION", "is not an AWS region name"));
        }
        let ignore = match var(vars, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") {
            Some(text) => parse_bool("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", text)?,
            None => false,
        };
        let allow_http = match var(vars, "SECRETARY_ALLOW_HTTP") {
            Some(text) => parse_bool("SECRETARY_ALLOW_HTTP", text)?,
            None => false,
        };
        let endpoint = |variable: &str, host: &str| -> Result<Url, AwsError> {
            let chosen = (!ignore)
                .then(|| {
                    var(vars, variable).map(|url| (variable, url)).or_else(|| {
                        var(vars, "AWS_ENDPOINT_URL").map(|url| ("AWS_ENDPOINT_URL", url))
                    })
                })
                .flatten();
            let Some((setting, text)) = chosen else {
                let domain = if region.starts_with("cn-") {
                    "amazonaws.com.cn"
                } else {
                    "amazonaws.com"
                };
                return Url::parse(&format!("https://{host}.{region}.{domain}/"))
                    .map_err(|e| config_error("region", e.to_string()));
            };
            let url = Url::parse(text.trim())
                .ok()
                .filter(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
                .ok_or_else(|| config_error(setting, "is not an http:// or https:// URL"))?;
            if !url.username().is_empty() || url.password().is_some() {
                return Err(config_error(setting, "holds a user name or password"));
            }
            if url.scheme() == "http" && !is_loopback(&url) && !allow_http {
                return Err(AwsError::PlainHttp {
                    endpoint: url.as_str().to_owned(),
                });
            }
            Ok(url)
        };
        let max_attempts = match var(vars, "AWS_MAX_ATTEMPTS") {
            Some(text) => text
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=20).contains(n))
                .ok_or_else(|| config_error("AWS_MAX_ATTEMPTS", "must be a number from 1 to 20"))?,
            None => 3,
        };
        Ok(Self {
            endpoint: endpoint(service.endpoint_variable(), service.name())?,
            sts: endpoint("AWS_ENDPOINT_URL_STS", "sts")?,
            chain: credentials::chain(vars, profile.as_ref())?,
            region,
            max_attempts,
            max_concurrency,
        })
    }

    /// A digest of every setting, credentials included: sources with the same one share
    /// a connection.
    pub(super) fn fingerprint(&self, service: Service) -> [u8; 32] {
        let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
        for part in [
            service.name(),
            &self.region,
            self.endpoint.as_str(),
            self.sts.as_str(),
        ] {
            digest.update(&u64::try_from(part.len()).unwrap_or(u64::MAX).to_le_bytes());
            digest.update(part.as_bytes());
        }
        digest.update(&self.max_attempts.to_le_bytes());
        digest.update(
            &u64::try_from(self.max_concurrency)
                .unwrap_or(u64::MAX)
                .to_le_bytes(),
        );
        self.chain.fingerprint_into(&mut digest);
        let mut out = [0; 32];
        out.copy_from_slice(digest.finish().as_ref());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Variables {
        let mut all = vec![
            ("AWS_ACCESS_KEY_ID", "AKIA1"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
            ("HOME", "/nonexistent"),
        ];
        all.extend_from_slice(pairs);
        Variables::from_pairs(all)
    }

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, AwsError> {
        Settings::resolve(Service::SecretsManager, None, 4, &vars(pairs))
    }

    #[test]
    fn endpoints_and_regions_come_from_the_user() {
        let s = settings(&[("AWS_REGION", "eu-west-1")]).unwrap();
        assert_eq!(
            s.endpoint.as_str(),
            "https://secretsmanager.eu-west-1.amazonaws.com/"
        );
        assert_eq!(s.sts.as_str(), "https://sts.eu-west-1.amazonaws.com/");
        let s = settings(&[("AWS_DEFAULT_REGION", "cn-north-1")]).unwrap();
        assert_eq!(
            s.endpoint.as_str(),
            "https://secretsmanager.cn-north-1.amazonaws.com.cn/"
        );
        let s = settings(&[
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
            ("AWS_ENDPOINT_URL_STS", "http://localhost:5001"),
        ])
        .unwrap();
        assert_eq!(s.endpoint.as_str(), "http://127.0.0.1:5000/");
        assert_eq!(s.sts.as_str(), "http://localhost:5001/");
        let s = settings(&[
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
        ])
        .unwrap();
        assert!(s.endpoint.as_str().starts_with("https://secretsmanager."));
        assert!(matches!(settings(&[]), Err(AwsError::NoRegion)));
        assert!(matches!(
            settings(&[("AWS_REGION", "evil.example#")]),
            Err(AwsError::Config { .. })
        ));
        assert!(matches!(
            settings(&[
                ("AWS_REGION", "eu-west-1"),
                ("AWS_ENDPOINT_URL", "http://10.0.0.8:4566")
            ]),
            Err(AwsError::PlainHttp { .. })
        ));
        assert!(
            settings(&[
                ("AWS_REGION", "eu-west-1"),
                ("AWS_ENDPOINT_URL", "http://10.0.0.8:4566"),
                ("SECRETARY_ALLOW_HTTP", "1")
            ])
            .is_ok()
        );
        assert!(matches!(
            settings(&[("AWS_REGION", "eu-west-1"), ("AWS_MAX_ATTEMPTS", "many")]),
            Err(AwsError::Config { .. })
        ));
        let s = Settings::resolve(
            Service::Ssm,
            Some("ap-south-1"),
            4,
            &vars(&[("AWS_REGION", "eu-west-1")]),
        )
        .unwrap();
        assert_eq!(
            s.endpoint.as_str(),
            "https://ssm.ap-south-1.amazonaws.com/",
            "the manifest's region wins"
        );
    }
}
