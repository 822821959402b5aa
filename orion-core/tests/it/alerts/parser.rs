//! The condition language: `<metric> <op> <number>`, every metric and
//! operator, whitespace anywhere between the parts, and a table of bad
//! conditions with their exact messages and positions.

use orion_core::model::alert::{Condition, ConditionError, Metric, Op};

const OPS: [(&str, Op); 6] =
    [(">", Op::Gt), (">=", Op::Ge), ("<", Op::Lt), ("<=", Op::Le), ("==", Op::Eq), ("!=", Op::Ne)];

#[test]
fn every_metric_parses_with_every_operator() {
    let names = [
        "error_count",
        "error_rate",
        "error_percent",
        "log_count",
        "warn_count",
        "fatal_count",
        "crash_count",
        "cpu_percent",
        "ram_percent",
        "disk_percent",
        "offline_servers",
    ];
    assert_eq!(names.len(), Metric::ALL.len(), "the table names every metric");
    for (name, metric) in names.into_iter().zip(Metric::ALL) {
        assert_eq!(metric.as_str(), name);
        for (symbol, op) in OPS {
            let parsed = Condition::parse(&format!("{name} {symbol} 3")).unwrap();
            assert_eq!(parsed, Condition { metric, op, threshold: 3.0 }, "{name} {symbol} 3");
        }
    }
}

#[test]
fn whitespace_between_and_around_the_parts_is_optional_and_free() {
    let want = Condition { metric: Metric::ErrorRate, op: Op::Le, threshold: 2.5 };
    for text in [
        "error_rate<=2.5",
        "error_rate <= 2.5",
        "  error_rate   <=   2.5  ",
        "\terror_rate\t<=\t2.5\n",
        "error_rate<= 2.5",
        "error_rate <=2.5",
        "\r\n error_rate\r\n<=\r\n2.5\r\n",
    ] {
        assert_eq!(Condition::parse(text), Ok(want), "{text:?}");
    }
}

#[test]
fn thresholds_are_finite_decimals_with_sign_fraction_or_exponent() {
    for (text, threshold) in [
        ("0", 0.0),
        ("3", 3.0),
        ("2.5", 2.5),
        ("-1", -1.0),
        ("+4", 4.0),
        (".5", 0.5),
        ("5.", 5.0),
        ("1e3", 1_000.0),
        ("2.5E-1", 0.25),
        ("007", 7.0),
    ] {
        let parsed = Condition::parse(&format!("cpu_percent > {text}")).unwrap();
        assert_eq!(parsed.threshold, threshold, "{text}");
    }
}

#[test]
fn a_condition_prints_back_to_text_that_parses_to_it() {
    for text in ["error_count >= 3", "cpu_percent!=0.1", "offline_servers > -2", "log_count == 1e20"] {
        let parsed = Condition::parse(text).unwrap();
        assert_eq!(Condition::parse(&parsed.to_string()), Ok(parsed), "{text} printed as {parsed}");
    }
    assert_eq!(Condition::parse("error_count>=3").unwrap().to_string(), "error_count >= 3");
}

/// The known-metrics list every unknown-metric message ends with.
const KNOWN: &str = "known metrics: error_count, error_rate, error_percent, log_count, warn_count, \
                     fatal_count, crash_count, cpu_percent, ram_percent, disk_percent, offline_servers";
const EXPECTED_OP: &str = "expected an operator (>, >=, <, <=, ==, !=) but found";

#[test]
fn bad_conditions_say_what_is_wrong_and_where() {
    // (condition, 0-based position, message)
    let table: Vec<(&str, usize, String)> = vec![
        ("", 0, "the condition is empty; expected `<metric> <op> <number>`".into()),
        ("   \t", 0, "the condition is empty; expected `<metric> <op> <number>`".into()),
        ("cpu > 90", 0, format!("unknown metric `cpu`; {KNOWN}")),
        ("  errors > 1", 2, format!("unknown metric `errors`; {KNOWN}")),
        ("Error_Count > 1", 0, format!("unknown metric `Error_Count`; {KNOWN}")),
        ("cpü_percent > 1", 0, format!("unknown metric `cpü_percent`; {KNOWN}")),
        (">= 3", 0, "expected a metric name such as `error_count`".into()),
        ("error_count", 11, format!("{EXPECTED_OP} the end")),
        ("error_count   ", 14, format!("{EXPECTED_OP} the end")),
        ("error_count 3", 12, format!("{EXPECTED_OP} `3`")),
        ("error_count = 3", 12, format!("{EXPECTED_OP} `=`")),
        ("error_count => 3", 12, format!("{EXPECTED_OP} `=`")),
        ("error_count ≥ 3", 12, format!("{EXPECTED_OP} `≥`")),
        ("error_count >=", 14, "expected a number after `>=`".into()),
        ("error_count >=   ", 17, "expected a number after `>=`".into()),
        ("error_count <", 13, "expected a number after `<`".into()),
        ("error_count >= 3 errors", 17, "unexpected text `errors` after the number".into()),
        ("error_count >= 3 4", 17, "unexpected text `4` after the number".into()),
        ("error_count >= abc def", 15, "`abc` is not a number".into()),
        ("error_count >= NaN", 15, "`NaN` is not a number".into()),
        ("error_count >= inf", 15, "`inf` is not a number".into()),
        ("error_count >= -infinity", 15, "`-infinity` is not a number".into()),
        ("error_count >= 1e999", 15, "`1e999` is not a number".into()),
        ("error_count >= 1,5", 15, "`1,5` is not a number".into()),
        ("error_count >= 0x10", 15, "`0x10` is not a number".into()),
        ("error_count >= 1_000", 15, "`1_000` is not a number".into()),
        ("error_count >= 3>", 15, "`3>` is not a number".into()),
        ("error_count >== 3", 14, "`=` is not a number".into()),
    ];
    for (text, position, message) in table {
        let got = Condition::parse(text);
        assert_eq!(got, Err(ConditionError { position, message }), "{text:?}");
    }
}

#[test]
fn an_error_prints_its_message_and_one_based_character() {
    let err = Condition::parse("error_count >= 3 errors").unwrap_err();
    assert_eq!(err.to_string(), "unexpected text `errors` after the number (at character 18)");
}

#[test]
fn a_huge_bad_condition_gets_a_short_message() {
    let text = format!("error_count >= {}", "9x".repeat(10_000));
    let err = Condition::parse(&text).unwrap_err();
    assert_eq!(err.position, 15);
    assert!(err.message.len() < 100, "{} bytes", err.message.len());
    assert!(err.message.starts_with("`9x9x"), "{}", err.message);
    let name = "m".repeat(10_000);
    assert!(Condition::parse(&name).unwrap_err().message.len() < 400);
}
