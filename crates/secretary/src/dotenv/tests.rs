//! The `.env` grammar's golden tests.
use super::*;
use std::fmt::Write as _;

fn parse_ok(text: &str) -> Vec<(String, String, usize)> {
    let outside = |name: &str| (name == "OUTSIDE").then_some(Lent::value("from-env"));
    parse(text, &outside)
        .unwrap_or_else(|errors| panic!("{text:?}: {errors:?}"))
        .into_iter()
        .map(|entry| (entry.key, entry.value.to_string(), entry.line))
        .collect()
}

fn one(text: &str) -> String {
    let entries = parse_ok(text);
    assert_eq!(entries.len(), 1, "{text:?}");
    entries[0].1.clone()
}

fn errors(text: &str) -> Vec<ParseError> {
    parse(text, &|_| None).expect_err(text)
}

/// The golden table of the grammar: input, expected value.
#[test]
fn golden_values() {
    let table: &[(&str, &str)] = &[
        ("A=plain", "plain"),
        ("A = spaced  ", "spaced"),
        ("A=", ""),
        ("A=  ", ""),
        ("export A=exported", "exported"),
        ("A=with # comment", "with"),
        ("A=hash#inside", "hash#inside"),
        ("A=#starts-with-hash", "#starts-with-hash"),
        ("A=tab\t# comment", "tab"),
        ("A='single'", "single"),
        ("A='lit $HOME ${OUTSIDE} \\n'", "lit $HOME ${OUTSIDE} \\n"),
        ("A='a # b'", "a # b"),
        ("A='x' # comment", "x"),
        ("A=\"double\"", "double"),
        ("A=\"a\\nb\\tc\\\"d\\\\e\\'f\"", "a\nb\tc\"d\\e'f"),
        ("A=\"keep \\q\"", "keep \\q"),
        ("A=\"a # b\"", "a # b"),
        ("A=\"${OUTSIDE}\"", "from-env"),
        ("A=\"\\${OUTSIDE}\"", "${OUTSIDE}"),
        ("A=${OUTSIDE}", "from-env"),
        ("A=${MISSING}", ""),
        ("A=${MISSING:-fallback}", "fallback"),
        ("A=${MISSING-fallback}", "fallback"),
        ("A=pa$word", "pa$word"),
        ("A=pa$$word", "pa$$word"),
        ("A=$OUTSIDE", "$OUTSIDE"),
        ("A=x=y=z", "x=y=z"),
        (
            "A=postgresql://u:p@h:5432/db?sslmode=require",
            "postgresql://u:p@h:5432/db?sslmode=require",
        ),
        ("A=naïve ☃", "naïve ☃"),
        ("A.B=dotted", "dotted"),
        ("\u{feff}A=bom", "bom"),
        ("A=crlf\r\n", "crlf"),
        ("A='multi\nline'", "multi\nline"),
        ("A=\"multi\nline\"", "multi\nline"),
        ("A=\"multi\r\nline\"", "multi\nline"),
    ];
    for (input, expected) in table {
        assert_eq!(one(input), *expected, "input {input:?}");
    }
}

#[test]
fn expansion_sees_earlier_keys_before_the_environment() {
    let entries = parse_ok(
        "OUTSIDE=local\nA=${OUTSIDE}\nEMPTY=\nB=${EMPTY:-d}\nC=${EMPTY-d}\nD=${LATER}\nLATER=x\n",
    );
    let value = |key: &str| {
        entries
            .iter()
            .rev()
            .find(|e| e.0 == key)
            .map(|e| e.1.clone())
    };
    assert_eq!(value("A").as_deref(), Some("local"));
    assert_eq!(value("B").as_deref(), Some("d"));
    assert_eq!(value("C").as_deref(), Some(""));
    assert_eq!(value("D").as_deref(), Some(""));
}

#[test]
fn line_numbers_count_comments_blanks_and_multiline_values() {
    let entries = parse_ok("# c\n\nA=1\nB=\"x\ny\nz\"\n  C='p\nq' # c\nD=4\n");
    let lines: Vec<_> = entries.iter().map(|e| (e.0.as_str(), e.2)).collect();
    assert_eq!(lines, [("A", 3), ("B", 4), ("C", 7), ("D", 9)]);
}

#[test]
fn later_definitions_win_and_both_are_reported() {
    let entries = parse_ok("A=1\nA=2\n");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].1, "2");
    assert_eq!(entries[1].2, 2);
}

#[test]
fn every_malformed_line_is_reported_with_its_number() {
    let found = errors(
        "GOOD=1\njust words\n1BAD=x\nA='x' trailing\nB=${}\nC=${OPEN\nD=\"${BAD NAME}\"\nE=ok\n",
    );
    let kinds: Vec<_> = found.iter().map(|e| (e.line, e.kind)).collect();
    assert_eq!(
        kinds,
        [
            (2, ParseErrorKind::MissingEquals),
            (3, ParseErrorKind::InvalidKey),
            (4, ParseErrorKind::TrailingCharacters),
            (5, ParseErrorKind::InvalidExpansion),
            (6, ParseErrorKind::UnclosedExpansion),
            (7, ParseErrorKind::InvalidExpansion),
        ]
    );
}

#[test]
fn a_bare_key_or_junk_is_an_error() {
    assert_eq!(errors("JUSTAKEY\n")[0].kind, ParseErrorKind::MissingEquals);
    assert_eq!(errors("=value\n")[0].kind, ParseErrorKind::InvalidKey);
    assert_eq!(errors("!!!\n")[0].kind, ParseErrorKind::MissingEquals);
    assert_eq!(errors("A B=1\n")[0].kind, ParseErrorKind::MissingEquals);
}

#[test]
fn an_unterminated_quote_stops_at_its_line() {
    let found = errors("A=1\nB=\"never closed\nC=3\nD=4\n");
    assert_eq!(
        found,
        [ParseError {
            line: 2,
            kind: ParseErrorKind::UnterminatedQuote { quote: '"' }
        }]
    );
    let found = errors("A='open\n");
    assert_eq!(
        found[0].kind,
        ParseErrorKind::UnterminatedQuote { quote: '\'' }
    );
}

#[test]
fn a_lone_carriage_return_ends_a_line_as_in_python_dotenv() {
    assert_eq!(
        parse_ok("A=1\rB=2\r"),
        [
            ("A".to_owned(), "1".to_owned(), 1),
            ("B".to_owned(), "2".to_owned(), 2)
        ]
    );
    let found = errors("A=1\rjust words\rB=2\r\nC=3\n");
    assert_eq!(
        found,
        [ParseError {
            line: 2,
            kind: ParseErrorKind::MissingEquals
        }]
    );
    assert_eq!(one("A='multi\rline'"), "multi\nline");
    assert_eq!(one("A=\"multi\r\nline\""), "multi\nline");
    let lines: Vec<_> = parse_ok("A='x\ry'\rB=2\r")
        .into_iter()
        .map(|e| (e.0, e.2))
        .collect();
    assert_eq!(lines, [("A".to_owned(), 1), ("B".to_owned(), 3)]);
}

#[test]
fn dotted_names_expand_like_other_keys() {
    let entries = parse_ok("A.B=dotted\nC=${A.B}-x\n");
    assert_eq!(entries[1].1, "dotted-x");
}

#[test]
fn doubling_expansions_stop_at_the_value_limit_naming_the_line() {
    // Each line doubles the one before: line 22 would be 2 MiB.
    let mut text = "A0=x\n".to_owned();
    for i in 1..=25 {
        let _ = writeln!(text, "A{i}=${{A{}}}${{A{}}}", i - 1, i - 1);
    }
    let found = errors(&text);
    assert_eq!(found[0].kind, ParseErrorKind::ValueTooLarge);
    assert_eq!(found[0].line, 22, "{found:?}");
    assert!(found[0].to_string().contains("larger than 1 MiB"));
}

#[test]
fn marked_oversize_a_value_and_those_built_from_it_are_empty_and_no_error() {
    // What the `dotenv` source reads: a line no secret reads says nothing of how large
    // its value grew (a fortieth adversarial pass read a length from which were refused).
    let mut text = "A0=x\n".to_owned();
    for i in 1..=22 {
        let _ = writeln!(text, "A{i}=${{A{}}}${{A{}}}", i - 1, i - 1);
    }
    text.push_str("B=pre-${A22}-post\nC=plain\n");
    let entries = parse_marking_oversize(&text, &|_| None, &std::cell::Cell::new(0)).unwrap();
    let by = |key: &str| entries.iter().find(|e| e.key == key).unwrap();
    assert!(!by("A20").oversize && by("A20").value.len() == 1 << 20);
    for key in ["A21", "A22", "B"] {
        assert!(by(key).oversize && by(key).value.is_empty(), "{key}");
    }
    assert!(!by("C").oversize && by("C").value.as_str() == "plain");
    // `parse` still calls it malformed, and the file's budget names no line.
    assert_eq!(errors(&text)[0].kind, ParseErrorKind::ValueTooLarge);
    let budget = ParseError {
        line: 18,
        kind: ParseErrorKind::ExpansionTooLarge,
    };
    assert!(!budget.to_string().contains("18"), "{budget}");
}

#[test]
fn expansions_stop_at_the_file_limit() {
    // Each line is under the value limit, but together they add more than 4 MiB.
    let big = "x".repeat(1024 * 1024 - 1);
    let mut text = format!("BIG={big}\n");
    for i in 0..20 {
        let _ = writeln!(text, "C{i}=${{BIG}}");
    }
    text.push_str("LAST=1\n");
    let found = errors(&text);
    assert_eq!(
        found,
        [ParseError {
            line: 6,
            kind: ParseErrorKind::ExpansionTooLarge
        }]
    );
}

#[test]
fn refused_expansions_use_up_the_budget_and_values_are_lent_not_copied() {
    // Each line asks for a 1 MiB value from outside and is refused (over what a value
    // from outside may be): the file stops once the charges add up to 4 MiB, not after
    // 4,000 copies.
    let big = "x".repeat(1024 * 1024);
    let outside = |name: &str| (name == "BIG").then_some(Lent::value(big.as_str()));
    let text = "X=a${BIG}\n".repeat(4000);
    let found =
        parse_marking_oversize(&text, &outside, &std::cell::Cell::new(0)).expect_err("refused");
    assert_eq!(
        found,
        [ParseError {
            line: MAX_EXPANDED / OUTSIDE_CHARGE + 1,
            kind: ParseErrorKind::ExpansionTooLarge
        }]
    );
    // Under `parse`, each is a malformed line.
    let found = parse("X=a${BIG}\n", &outside).expect_err("refused");
    assert_eq!(found[0].kind, ParseErrorKind::OutsideTooLarge);
    assert!(
        found[0].to_string().contains("larger than 32 KiB"),
        "{}",
        found[0]
    );
}

#[test]
fn the_budget_is_charged_the_same_whatever_a_value_from_outside_holds() {
    // A forty-sixth adversarial pass: charged by the length of the value inserted, the
    // budget spent or not told whether a variable was longer than 16 MiB / N, for an N
    // of the file's choosing, on the verdict of a secret that reads none of it.
    let lines = MAX_EXPANDED / OUTSIDE_CHARGE;
    let text = "A=${TOKEN}\nB=${A}\n".repeat(lines / 2);
    let long = "t".repeat(OUTSIDE_CHARGE);
    for value in [None, Some(""), Some("t"), Some(long.as_str())] {
        let budget = std::cell::Cell::new(0);
        let outside = |name: &str| {
            if name == "TOKEN" {
                value.map(Lent::value)
            } else {
                None
            }
        };
        assert!(parse_marking_oversize(&text, &outside, &budget).is_ok());
        assert_eq!(budget.get(), MAX_EXPANDED, "{:?}", value.map(str::len));
        // One more spends it, whatever the value.
        let over = format!("{text}C=${{TOKEN}}\n");
        let found = parse_marking_oversize(&over, &outside, &std::cell::Cell::new(0));
        assert_eq!(
            found.expect_err("spent")[0].kind,
            ParseErrorKind::ExpansionTooLarge
        );
    }
}

#[test]
fn a_file_of_junk_is_read_up_to_the_error_limit() {
    let found = errors(&"junk\n".repeat(100_000));
    assert_eq!(found.len(), MAX_ERRORS + 1);
    assert_eq!(found[MAX_ERRORS].kind, ParseErrorKind::TooManyErrors);
    assert_eq!(found[MAX_ERRORS].line, MAX_ERRORS + 1);
    assert!(
        found[MAX_ERRORS]
            .to_string()
            .contains("not read, after 20 malformed lines")
    );
}

#[test]
fn error_messages_hold_no_text_of_the_file() {
    let text = "X=\"canary-secret\" canary-tail\nY='canary-open\n";
    for error in errors(text) {
        let message = error.to_string();
        assert!(!message.contains("canary"), "{message}");
    }
}

#[test]
fn debug_of_an_entry_is_redacted() {
    let entries = parse("A=canary-value", &|_| None).unwrap();
    assert!(!format!("{entries:?}").contains("canary"));
}

#[test]
fn a_line_of_many_names_is_read_in_linear_time() {
    // A forty-second adversarial pass: each `${NAME}` was looked for in the list of the
    // line's names so far, so 80,000 distinct names on one line took 27 s. Bounded, so
    // that a quadratic step fails with a reason rather than hold the suite (about a
    // second here).
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // (Names defined in the file, at most MAX_ENTRIES of them with the line.)
        let names = MAX_ENTRIES - 1;
        let mut text = String::new();
        for n in 0..names {
            let _ = writeln!(text, "V{n:07}=");
        }
        text.push_str("X=");
        for n in 0..names {
            let _ = write!(text, "${{V{n:07}}}");
        }
        text.push('\n');
        let entries = parse(&text, &|_| None).unwrap();
        let _ = done.send(entries[names].references.len());
    });
    match finished.recv_timeout(std::time::Duration::from_secs(20)) {
        Ok(names) => assert_eq!(names, MAX_ENTRIES - 1),
        Err(error) => panic!("a line of 100,000 names took over 20 s ({error}): not linear"),
    }
}

#[test]
fn a_file_holds_at_most_max_entries_assignments() {
    // A forty-seventh adversarial pass: 1.6 million `K=1` lines in 16 MiB took 800 MB
    // and seconds, at every listing of the file.
    let mut text = String::new();
    for n in 0..MAX_ENTRIES {
        let _ = writeln!(text, "K{n}=1");
    }
    assert_eq!(parse(&text, &|_| None).unwrap().len(), MAX_ENTRIES);
    let over = format!("{text}# one more\nLAST=1\n");
    let found = errors(&over);
    assert_eq!(
        found,
        [ParseError {
            line: MAX_ENTRIES + 2,
            kind: ParseErrorKind::TooManyEntries
        }]
    );
    assert!(
        found[0]
            .to_string()
            .contains("more than 100000 assignments")
    );
}

#[test]
fn only_the_values_needed_are_expanded_and_nothing_else_is_asked_of_outside() {
    // A forty-eighth adversarial pass: 8,000 copies of a token no secret read made the
    // time and memory of a read grow with the token's length. A value not needed asks
    // nothing of outside and inserts nothing, with the same entries, bounds and budget.
    let text = "A=${TOKEN}\nB=x-${A}\nC=${TOKEN}${TOKEN}\nD=${B}\n";
    let asked = std::cell::RefCell::new(Vec::new());
    let outside = |name: &str| {
        asked.borrow_mut().push(name.to_owned());
        (name == "TOKEN").then_some(Lent::value("tok"))
    };
    let (whole, part) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
    let all = parse_marking_oversize(text, &outside, &whole).unwrap();
    assert_eq!(asked.borrow().len(), 3);
    asked.borrow_mut().clear();
    // D needs B, which needs A: C is not needed.
    let needed = |at: usize| at != 2;
    let some = parse_needed(text, &outside, &part, &needed).unwrap();
    assert_eq!(*asked.borrow(), ["TOKEN"], "only A's reference asked");
    assert_eq!(whole.get(), part.get(), "the same budget spent");
    let values: Vec<&str> = some.iter().map(|entry| entry.value.as_str()).collect();
    assert_eq!(values, ["tok", "x-tok", "", "x-tok"]);
    for (a, b) in all.iter().zip(&some) {
        assert_eq!(
            (&a.key, &a.references, a.line),
            (&b.key, &b.references, b.line)
        );
    }
    // The structure alone asks nothing.
    asked.borrow_mut().clear();
    let structure = parse_needed(text, &outside, &std::cell::Cell::new(0), &|_| false).unwrap();
    assert!(asked.borrow().is_empty());
    assert!(structure.iter().all(|entry| entry.value.is_empty()));
}
