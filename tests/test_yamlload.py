"""Strict YAML: exact numbers, plain data only, every refusal with a line."""

from __future__ import annotations

from fractions import Fraction

import pytest

from backprop_cli.errors import SpecError
from backprop_cli.yamlload import MAX_BYTES, Flag, field_name, is_number, load_yaml


def data(text):
    return load_yaml(text).data


def error(text) -> SpecError:
    with pytest.raises(SpecError) as info:
        load_yaml(text)
    return info.value


# --- numbers -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("0.1", Fraction(1, 10)),
    ("-1.7", Fraction(-17, 10)),
    (".5", Fraction(1, 2)),
    ("1e3", Fraction(1000)),
    ("1E-3", Fraction(1, 1000)),
    ("-2.5e+2", Fraction(-250)),
    ("0.30000000000000004", Fraction(30000000000000004, 10**17)),
    ("1e300", Fraction(10**300)),
])
def test_decimals_are_exact_fractions_of_the_text(text, expected):
    value = data(f"a: {text}")["a"]
    assert isinstance(value, Fraction)
    assert value == expected


@pytest.mark.parametrize("text, expected", [("7", 7), ("-3", -3), ("1_000", 1000), ("0x1F", 31)])
def test_integers(text, expected):
    value = data(f"a: {text}")["a"]
    assert value == expected and is_number(value)


@pytest.mark.parametrize("text", [".inf", "-.inf", "+.inf", ".Inf", "-.INF", ".nan", ".NaN", ".NAN"])
def test_infinities_and_nans_are_refused(text):
    err = error(f"w:\n  a: {text}")
    assert "not a finite number" in err.message
    assert (err.field, err.line, err.column) == ("w.a", 2, 6)


@pytest.mark.parametrize("text", ["1e301", "-1e400", "1e-301"])
def test_out_of_range_numbers_are_refused(text):
    err = error(f"a: {text}")
    assert "out of range" in err.message
    assert (err.field, err.line) == ("a", 1)


@pytest.mark.parametrize("text", ["yes", "No", "on", "OFF", "true", "False"])
def test_booleans_are_flags_that_keep_their_spelling(text):
    value = data(f"a: {text}")["a"]
    assert isinstance(value, Flag)
    assert value == text
    assert bool(value) is (text.lower() in ("yes", "on", "true"))
    assert not is_number(value)


@pytest.mark.parametrize("text", ["y", "n", "Yes please"])
def test_other_words_are_plain_text(text):
    value = data(f"a: {text}")["a"]
    assert value == text and not isinstance(value, Flag)


def test_is_number_excludes_bools_and_text():
    assert is_number(3) and is_number(Fraction(1, 3))
    assert not is_number(True) and not is_number("3") and not is_number(None)


@pytest.mark.parametrize("text", ["a: ~", "a: null", "a:"])
def test_nulls(text):
    assert data(text) == {"a": None}


def test_quoted_numbers_stay_text():
    assert data('a: "1.5"\nb: \'2\'') == {"a": "1.5", "b": "2"}


# --- structure and refusals ----------------------------------------------------------------

def test_nested_data():
    assert data("top:\n  list:\n    - {x: 1, y: 2.5}\n    - q\n") == \
        {"top": {"list": [{"x": 1, "y": Fraction(5, 2)}, "q"]}}


def test_duplicate_top_level_key():
    err = error("a: 1\nb: 2\na: 3\n")
    assert "appears twice" in err.message and "'a'" in err.message
    assert (err.field, err.line, err.column) == ("a", 3, 1)


def test_duplicate_key_in_a_flow_mapping():
    err = error("a: {b: 1, b: 2}\n")
    assert (err.field, err.line, err.column) == ("a.b", 1, 11)


def test_duplicate_key_quoted_and_plain():
    err = error("params:\n  w1: 1\n  'w1': 2\n")
    assert (err.field, err.line) == ("params.w1", 3)


@pytest.mark.parametrize("text, line", [
    ("a: &x 1\nb: *x\n", 1),
    ("a: [&x 1]\n", 1),
    ("a: 1\nb: &big [1, 2]\nc: [*big, *big]\n", 2),
])
def test_anchors_and_aliases_are_refused(text, line):
    err = error(text)
    assert "anchors and aliases" in err.message
    assert err.line == line


def test_billion_laughs_is_refused_before_expanding():
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    err = error("\n".join(lines))
    assert "anchors" in err.message and err.line == 1


@pytest.mark.parametrize("text", [
    "a: !!python/object/apply:os.system [ls]",
    "a: !!python/name:os.system",
    "a: !!binary aGVsbG8=",
    "a: !!set {x}",
    "a: !custom 3",
])
def test_tags_are_refused(text):
    err = error(text)
    assert "tags" in err.message
    assert (err.field, err.line, err.column) == ("a", 1, 4)


def test_an_implicit_date_says_to_quote_it():
    err = error("a: 2001-12-14")
    assert "as a date" in err.message and "quotes" in err.message
    assert (err.field, err.line, err.column) == ("a", 1, 4)


def test_merge_keys_are_refused():
    err = error("base: {x: 1}\nb:\n  <<: {x: 2}\n")
    assert "merge" in err.message
    assert (err.field, err.line) == ("b", 3)


def test_complex_keys_are_refused():
    err = error("? [1]\n: 2\n")
    assert "plain name" in err.message and err.line == 1


@pytest.mark.parametrize("text, line", [("a: [1, 2", 1), ("a:\n\t- 1", 2), ("a: b: c", 1)])
def test_invalid_yaml_has_a_line(text, line):
    err = error(text)
    assert err.message.startswith("invalid YAML")
    assert err.line == line


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file(text):
    assert "empty" in error(text).message


def test_nul_bytes_are_refused():
    assert "NUL" in error("a: 1\x00").message
    assert "NUL" in error(b"a: 1\x00").message


def test_bytes_must_be_utf8():
    assert data(b"a: 1") == {"a": 1}
    assert data("a: \u00e9t\u00e9".encode()) == {"a": "\u00e9t\u00e9"}
    assert "UTF-8" in error(b"a: \xff").message


@pytest.mark.parametrize("as_bytes", [False, True])
def test_size_limit(as_bytes):
    text = "a: 1\n#" + "x" * MAX_BYTES
    err = error(text.encode() if as_bytes else text)
    assert "limit" in err.message


# --- marks ---------------------------------------------------------------------------------

def test_marks_give_line_and_column_of_each_value():
    doc = load_yaml("top:\n  list:\n    - {x: 1, y: 2.5}\n    - 'q'\n")
    assert (doc.mark(("top", "list", 0, "y")).line, doc.mark(("top", "list", 0, "y")).column) == (3, 17)
    assert doc.mark(("top", "list", 1)).line == 4
    assert doc.mark(("top", "list", 1)).quoted
    assert not doc.mark(("top", "list", 0, "x")).quoted


def test_mark_of_a_missing_path_is_the_nearest_enclosing_value():
    doc = load_yaml("top:\n  list:\n    - {x: 1}\n")
    assert doc.mark(("top", "list", 0, "nope")) == doc.mark(("top", "list", 0))
    assert doc.mark(("missing",)) == doc.mark(())


@pytest.mark.parametrize("path, name", [
    (("data", 2, "x1"), "data[2].x1"),
    (("params", "w1"), "params.w1"),
    (("inputs", 0), "inputs[0]"),
    (("a", 0, 1), "a[0][1]"),
    ((), ""),
])
def test_field_name(path, name):
    assert field_name(path) == name


# --- JSON's surrogate pairs -----------------------------------------------------------------

def test_a_json_surrogate_pair_is_one_character():
    # JSON (and so a YAML file written by json.dumps) writes 🙂 as two escapes.
    assert data('title: "\\ud83d\\ude42 and \\u00fe"\n') == {"title": "\U0001f642 and þ"}


def test_half_a_surrogate_pair_is_refused_with_its_line():
    exc = error('nodes: {}\ntitle: "a \\ud83d b"\n')
    assert exc.field == "title" and exc.line == 2
    assert "\\ud83d, half of a UTF-16 surrogate pair" in exc.message
