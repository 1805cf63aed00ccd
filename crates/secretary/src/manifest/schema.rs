//! The manifest's JSON Schema ([`json_schema`]): `schema.json`, written by hand, with its
//! definition of a source (`definitions.source`) made from the registered kinds of
//! source, so that a kind's settings are described in its own file.

use super::kind::{Capability, Declaration, Setting, declarations, every_field};

/// A JSON Schema (draft-07) of `secrets.toml`, for editors that complete and check
/// manifests as they are typed (taplo and Even Better TOML read a `#:schema` line). It
/// checks shapes, names and types; what needs the whole manifest (undefined sources, env
/// names claimed twice, a default that fails its type) only the checker sees.
///
/// A source's table is described from the kinds of source: its `type` lists them, each
/// setting says which kinds take it, and a setting in a table of a kind that does not
/// take it is refused.
pub fn json_schema() -> String {
    SKELETON.replacen(
        PLACEHOLDER,
        &format!("\"source\": {}", source_definition()),
        1,
    )
}

/// The schema written by hand, with [`PLACEHOLDER`] for the definition of a source.
const SKELETON: &str = include_str!("schema.json");

/// Where the skeleton's definition of a source goes.
const PLACEHOLDER: &str = r#""source": "made from the kinds of source""#;

/// What `ttl` is, to every kind whose values may change while a process runs.
const TTL: &str = "How long SecretManager keeps a value from this source before reading it again";

/// `definitions.source`: the settings of a `[sources.NAME]` table, from the kinds.
fn source_definition() -> String {
    let kinds: Vec<&dyn Declaration> = declarations().collect();
    let mut properties = vec![type_property(&kinds), ttl_property(&kinds)];
    for field in every_field() {
        if let Some(property) = setting_property(&kinds, field) {
            properties.push(property);
        }
    }
    let rules = rules(&kinds);
    format!(
        "{{\n      \"type\": \"object\",\n      \"additionalProperties\": false,\n      \
         \"required\": [\"type\"],\n      \"properties\": {{\n{}\n      }},\n      \
         \"allOf\": [\n{}\n      ]\n    }}",
        properties.join(",\n"),
        rules.join(",\n")
    )
}

/// The property `type`: each kind, with what it reads.
fn type_property(kinds: &[&dyn Declaration]) -> String {
    let described: Vec<String> = kinds
        .iter()
        .map(|declared| format!("`{}` ({})", declared.kind(), declared.description()))
        .collect();
    let names: Vec<&str> = kinds
        .iter()
        .map(|declared| declared.kind().as_str())
        .collect();
    property(
        "type",
        &format!("{}.", either(&described)),
        &format!("\"enum\": {}", list(&names)),
    )
}

/// The property `ttl`, which names the kinds whose values do not change.
fn ttl_property(kinds: &[&dyn Declaration]) -> String {
    let fixed: Vec<String> = kinds
        .iter()
        .filter(|declared| !declared.capabilities().has(Capability::Changes))
        .map(|declared| format!("`{}`", declared.kind()))
        .collect();
    let description = if fixed.is_empty() {
        format!("{TTL}.")
    } else {
        format!("{TTL} (not for {}).", either(&fixed))
    };
    property("ttl", &description, "\"$ref\": \"#/definitions/duration\"")
}

/// The property of the setting `field`: its constraints as the first kind that takes it
/// writes them, and each kind's description after the kinds that give it.
fn setting_property(kinds: &[&dyn Declaration], field: &str) -> Option<String> {
    let mut first: Option<Setting> = None;
    // Each description, with the kinds that give it, in registration order.
    let mut described: Vec<(&str, Vec<&str>)> = Vec::new();
    for declared in kinds {
        let Some(setting) = declared.settings().iter().find(|s| s.name() == field) else {
            continue;
        };
        first.get_or_insert(*setting);
        let kind = declared.kind().as_str();
        match described
            .iter_mut()
            .find(|(text, _)| *text == setting.description())
        {
            Some((_, owners)) => owners.push(kind),
            None => described.push((setting.description(), vec![kind])),
        }
    }
    let description = described
        .iter()
        .map(|(text, owners)| format!("{}: {text}", owners.join(", ")))
        .collect::<Vec<_>>()
        .join(" ");
    Some(property(field, &description, &members(first?.schema())))
}

/// The rules between `type` and the other settings: what a kind requires, `ttl` refused
/// where values do not change, and each setting refused in a table of a kind that does
/// not take it.
fn rules(kinds: &[&dyn Declaration]) -> Vec<String> {
    let mut rules = Vec::new();
    for declared in kinds {
        let required: Vec<&str> = declared
            .settings()
            .iter()
            .filter(|setting| setting.is_required())
            .map(Setting::name)
            .collect();
        if !required.is_empty() {
            rules.push(rule(
                &is(&[declared.kind().as_str()]),
                &format!("{{ \"required\": {} }}", list(&required)),
            ));
        }
    }
    for declared in kinds {
        if !declared.capabilities().has(Capability::Changes) {
            rules.push(rule(
                &is(&[declared.kind().as_str()]),
                "{ \"not\": { \"required\": [\"ttl\"] } }",
            ));
        }
    }
    // The settings grouped by the kinds that take them, in the order they are first met.
    let mut groups: Vec<(Vec<&str>, Vec<&str>)> = Vec::new();
    for field in every_field().into_iter().skip(2) {
        let owners: Vec<&str> = kinds
            .iter()
            .filter(|declared| declared.takes(field))
            .map(|declared| declared.kind().as_str())
            .collect();
        if owners.len() == kinds.len() {
            continue;
        }
        match groups.iter_mut().find(|(kinds, _)| *kinds == owners) {
            Some((_, fields)) => fields.push(field),
            None => groups.push((owners, vec![field])),
        }
    }
    for (owners, fields) in groups {
        let present: Vec<String> = fields
            .iter()
            .map(|field| format!("{{ \"required\": [{}] }}", quoted(field)))
            .collect();
        let present = match present.as_slice() {
            [one] => one.clone(),
            _ => format!("{{ \"anyOf\": [{}] }}", present.join(", ")),
        };
        rules.push(rule(
            &format!("{{ \"not\": {} }}", is(&owners)),
            &format!("{{ \"not\": {present} }}"),
        ));
    }
    rules
}

/// `if` the table's `type` matches `condition`, `then` the table matches `then`.
fn rule(condition: &str, then: &str) -> String {
    format!(
        "        {{\n          \"if\": {{ \"properties\": {{ \"type\": {condition} }} }},\n          \
         \"then\": {then}\n        }}"
    )
}

/// The schema of a value that is one of `kinds`.
fn is(kinds: &[&str]) -> String {
    match kinds {
        [one] => format!("{{ \"const\": {} }}", quoted(one)),
        _ => format!("{{ \"enum\": {} }}", list(kinds)),
    }
}

/// A property of a source's table: its description, then its constraints (the members of
/// a JSON object, on one line).
fn property(name: &str, description: &str, constraints: &str) -> String {
    format!(
        "        {}: {{\n          \"description\": {},\n          {constraints}\n        }}",
        quoted(name),
        quoted(description)
    )
}

/// The members of the JSON object `object`, as written, on one line.
fn members(object: &str) -> String {
    let object = object.trim();
    let inner = object
        .strip_prefix('{')
        .and_then(|rest| rest.strip_suffix('}'))
        .unwrap_or(object);
    inner
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `a`, `a or b`, `a, b or c`.
fn either(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// A JSON array of strings, on one line.
fn list(items: &[&str]) -> String {
    let items: Vec<String> = items.iter().map(|item| quoted(item)).collect();
    format!("[{}]", items.join(", "))
}

/// `text` as a JSON string.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c < ' ' => {
                let code = u32::from(c);
                out.push_str("\\u00");
                out.push(char::from_digit(code >> 4, 16).unwrap_or('0'));
                out.push(char::from_digit(code & 0xf, 16).unwrap_or('0'));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests;
