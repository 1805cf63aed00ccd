//! The generated schema held to the kinds: every kind in `type`, every setting described
//! and constrained alike by the kinds that share it, nothing described that no kind takes.

use serde_json::Value;

use super::*;

fn schema() -> Value {
    serde_json::from_str(&json_schema()).expect("the schema is JSON")
}

#[test]
fn the_skeleton_is_json_with_one_place_for_the_sources() {
    let skeleton: Value = serde_json::from_str(SKELETON).unwrap();
    assert_eq!(
        skeleton.pointer("/definitions/source"),
        Some(&Value::String("made from the kinds of source".to_owned()))
    );
    assert_eq!(SKELETON.matches(PLACEHOLDER).count(), 1);
    // Nothing else of it is made from the kinds.
    let mut made = schema();
    *made.pointer_mut("/definitions/source").unwrap() = skeleton["definitions"]["source"].clone();
    assert_eq!(made, skeleton);
}

#[test]
fn type_lists_every_registered_kind_in_order() {
    let schema = schema();
    let types: Vec<&str> = schema
        .pointer("/definitions/source/properties/type/enum")
        .and_then(Value::as_array)
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let registered: Vec<&str> = declarations().map(|d| d.kind().as_str()).collect();
    assert_eq!(types, registered);
    let description = schema
        .pointer("/definitions/source/properties/type/description")
        .and_then(Value::as_str)
        .unwrap();
    for declared in declarations() {
        assert!(
            description.contains(&format!(
                "`{}` ({})",
                declared.kind(),
                declared.description()
            )),
            "{description}"
        );
    }
}

#[test]
fn every_setting_is_described_for_each_kind_that_takes_it_and_no_other() {
    let schema = schema();
    let properties = schema
        .pointer("/definitions/source/properties")
        .and_then(Value::as_object)
        .unwrap();
    let mut described: Vec<&str> = properties.keys().map(String::as_str).collect();
    let mut taken = every_field();
    described.sort_unstable();
    taken.sort_unstable();
    assert_eq!(described, taken, "the schema's settings and the kinds'");
    for declared in declarations() {
        let kind = declared.kind().as_str();
        for setting in declared.settings() {
            let property = &properties[setting.name()];
            let description = property["description"].as_str().unwrap();
            assert!(
                description.contains(setting.description())
                    && (description.contains(&format!("{kind}: "))
                        || description.contains(&format!("{kind}, "))),
                "{kind}'s `{}` is not described for it: {description}",
                setting.name()
            );
            assert!(!setting.description().is_empty());
        }
    }
}

#[test]
fn a_setting_kinds_share_has_the_same_constraints_in_each() {
    let mut seen: Vec<(&str, &str, Value)> = Vec::new();
    for declared in declarations() {
        let kind = declared.kind().as_str();
        for setting in declared.settings() {
            let constraints: Value = serde_json::from_str(setting.schema())
                .unwrap_or_else(|e| panic!("{kind}'s `{}`: {e}", setting.name()));
            let object = constraints
                .as_object()
                .unwrap_or_else(|| panic!("{kind}'s `{}` is not a JSON object", setting.name()));
            assert!(
                !object.contains_key("description") && !object.is_empty(),
                "{kind}'s `{}`: the description is given apart",
                setting.name()
            );
            if let Some((other, _, first)) =
                seen.iter().find(|(_, name, _)| *name == setting.name())
            {
                assert_eq!(
                    &constraints,
                    first,
                    "`{}` is constrained differently by {other} and {kind}",
                    setting.name()
                );
            } else {
                seen.push((kind, setting.name(), constraints));
            }
        }
    }
}

#[test]
fn a_setting_is_refused_in_a_table_of_a_kind_that_does_not_take_it() {
    let schema = schema();
    let rules = schema
        .pointer("/definitions/source/allOf")
        .and_then(Value::as_array)
        .unwrap();
    // What each rule refuses, for the kinds outside it.
    let refused = |kind: &str, field: &str| {
        rules.iter().any(|rule| {
            let condition = &rule["if"]["properties"]["type"]["not"];
            let outside = match (&condition["const"], &condition["enum"]) {
                (Value::String(one), _) => one != kind,
                (_, Value::Array(kinds)) => !kinds.iter().any(|k| k == kind),
                _ => false,
            };
            let not = &rule["then"]["not"];
            let names = |required: &Value| required["required"][0] == field;
            outside
                && (names(not)
                    || not["anyOf"]
                        .as_array()
                        .is_some_and(|any| any.iter().any(names)))
        })
    };
    for declared in declarations() {
        let kind = declared.kind().as_str();
        for field in every_field().into_iter().skip(2) {
            assert_eq!(
                refused(kind, field),
                !declared.takes(field),
                "{kind} and `{field}`"
            );
        }
    }
}

#[test]
fn strings_are_quoted_as_json() {
    let text = "a \"b\" \\ \n\t\u{1}é";
    let back: String = serde_json::from_str(&quoted(text)).unwrap();
    assert_eq!(back, text);
    assert_eq!(either(&["a".into(), "b".into(), "c".into()]), "a, b or c");
}
