"""`backprop export` (issue 17): Moodle XML, Canvas QTI 1.2 and per-variant answers files
from a variants folder, checked for the structure each format's importer reads."""

from __future__ import annotations

import html
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
import zipfile

import pytest

from backprop_cli.cli import main
from backprop_cli.kit.asked import asked, entries
from backprop_cli.kit.checks import tolerance
from backprop_cli.kit.export import answers_document
from support import PROBLEMS

SEED001 = PROBLEMS / "seed001_relu_two_samples.yaml"
SEED004 = PROBLEMS / "seed004_numeric_batch_row.yaml"
QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
#: a numerical field of Moodle's embedded answers (cloze) syntax: {weight:NUMERICAL:=value:tolerance#feedback}
#: (then each common mistake's value at 0%: ~%0%value:tolerance#feedback)
CLOZE_FIELD = re.compile(r"\{(\d+):NUMERICAL:=(-?\d+(?:\.\d+)?):(\d+(?:\.\d+)?)(?:#[^}~]*)?(?:~%0%[^}]*)?\}")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    from click.testing import CliRunner

    out = {}
    for spec in (SEED001, SEED004):
        folder = tmp_path_factory.mktemp(spec.stem)
        result = CliRunner().invoke(main, ["variants", str(spec), "-n", "30", "--seed", "8",
                                           "-o", str(folder), "--jobs", "2"])
        assert result.exit_code == 0, result.output
        out[spec.stem] = folder
    return out


def variant_numbers(folder, name):
    data = json.loads((folder / f"{name}.json").read_text())
    return [float(v) for a in asked(data) for _, v in entries(a)]


def test_moodle_xml_is_one_cloze_question_per_variant_with_every_answer(folders, runner, tmp_path):
    for stem, folder in folders.items():
        out = tmp_path / f"{stem}.xml"
        result = runner.invoke(main, ["export", str(folder), "--moodle", "-o", str(out)])
        assert result.exit_code == 0, result.stderr
        quiz = ET.fromstring(out.read_bytes())  # well-formed
        assert quiz.tag == "quiz"
        category, *questions = list(quiz)
        assert category.get("type") == "category" and \
            category.find("category/text").text.startswith("$course$/")
        assert len(questions) == 30
        for k, question in enumerate(questions, 1):
            name = f"variant-{k:03d}"
            assert question.get("type") == "cloze"  # several numbers: embedded answers
            assert question.find("name/text").text.endswith(f"({name})")
            assert question.find("questiontext").get("format") == "html"
            assert question.find("idnumber").text == name
            assert float(question.find("penalty").text) < 1 and question.find("hidden").text == "0"
            text = question.find("questiontext/text").text
            fields = CLOZE_FIELD.findall(text)
            # every { in the text opens a field: the given part's braces are entities
            assert text.count("{") == len(fields)
            expected = variant_numbers(folder, name)
            assert [float(v) for _, v, _ in fields] == pytest.approx(expected, rel=1e-15)
            for (_, value, margin), want in zip(fields, expected):
                assert float(margin) == pytest.approx(tolerance(want), rel=5e-3)
            feedback = question.find("generalfeedback/text").text
            assert question.find("generalfeedback").get("format") == "html"
            assert "Backward pass" in feedback and feedback.startswith("<pre")


def test_one_asked_number_is_a_numerical_question(folders, runner, tmp_path):
    """A variant whose JSON asks for one number (the spec's ask:, read by kit/asked.py)."""
    folder = tmp_path / "one"
    folder.mkdir()
    source = folders["seed001_relu_two_samples"]
    shutil.copy(source / "variant-001.yaml", folder / "variant-001.yaml")
    data = json.loads((source / "variant-001.json").read_text())
    data["answers"] = [{"name": "dL/dw3", "key": "gradients.w3", "label": "2.1",
                        "text": "the gradient of L by w3", "value": data["gradients"]["w3"]}]
    (folder / "variant-001.json").write_text(json.dumps(data))
    out = tmp_path / "one.xml"
    assert runner.invoke(main, ["export", str(folder), "--moodle", "-o", str(out)]).exit_code == 0
    question = ET.fromstring(out.read_bytes())[1]
    assert question.get("type") == "numerical"
    answer = question.find("answer")
    assert answer.get("fraction") == "100"
    assert float(answer.find("text").text) == data["gradients"]["w3"]
    assert float(answer.find("tolerance").text) == pytest.approx(tolerance(data["gradients"]["w3"]),
                                                                 rel=5e-3)
    assert "2.1. Compute the gradient of L by w3." in question.find("questiontext/text").text


def test_the_common_mistakes_are_answers_worth_nothing_that_check_diagnoses(folders, runner, tmp_path):
    """Each 0% answer of a numerical question is a value one of check's mistakes gives; fed
    to `backprop check` as the student's number, it is marked incorrect with a diagnosis,
    and its feedback is that table's sentence."""
    from backprop_cli.check import MISTAKES, check_answers

    source = folders["seed001_relu_two_samples"]
    folder = tmp_path / "one"
    folder.mkdir()
    shutil.copy(source / "variant-001.yaml", folder / "variant-001.yaml")
    data = json.loads((source / "variant-001.json").read_text())
    data["answers"] = [{"name": "dL/dw3", "key": "gradients.w3", "label": "1", "text": None,
                        "value": data["gradients"]["w3"]}]
    (folder / "variant-001.json").write_text(json.dumps(data))
    out = tmp_path / "one.xml"
    assert runner.invoke(main, ["export", str(folder), "--moodle", "-o", str(out)]).exit_code == 0
    wrong = [a for a in ET.fromstring(out.read_bytes())[1].findall("answer") if a.get("fraction") == "0"]
    assert len(wrong) >= 3  # the sign, a lost factor 2, the mean as a sum, ...
    sentences = {m.sentence for m in MISTAKES}
    spec = (folder / "variant-001.yaml").read_text()
    for answer in wrong:
        value = float(answer.find("text").text)
        assert abs(value - data["gradients"]["w3"]) > tolerance(data["gradients"]["w3"])
        assert html.unescape(answer.find("feedback/text").text) in sentences
        result = check_answers(spec, json.dumps({"gradients": {"w3": value}})).results[0]
        assert result.verdict == "incorrect" and result.diagnosis is not None, (value, result)


def test_qti_zip_has_a_manifest_and_a_numerical_item_per_number(folders, runner, tmp_path):
    folder = folders["seed004_numeric_batch_row"]
    out = tmp_path / "quiz.zip"
    result = runner.invoke(main, ["export", str(folder), "--qti", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as z:
        manifest = ET.fromstring(z.read("imsmanifest.xml"))
        hrefs = [f.get("href") for f in manifest.iter() if f.tag.endswith("file")]
        resource = next(r for r in manifest.iter() if r.tag.endswith("resource"))
        assert resource.get("type") == "imsqti_xmlv1p2" and hrefs == [resource.get("href")]
        quiz = ET.fromstring(z.read(hrefs[0]))
    assert quiz.tag == f"{QTI}questestinterop"
    sections = quiz.findall(f"{QTI}assessment/{QTI}section/{QTI}section")
    assert [s.get("ident") for s in sections] == [f"variant-{k:03d}" for k in range(1, 31)]
    for section in sections:
        items = section.findall(f"{QTI}item")
        expected = variant_numbers(folder, section.get("ident"))
        assert len(items) == len(expected) == 1 + 12 + 6 + 2
        for item, want in zip(items, expected):
            fields = {f.findtext(f"{QTI}fieldlabel"): f.findtext(f"{QTI}fieldentry")
                      for f in item.iter(f"{QTI}qtimetadatafield")}
            assert fields["question_type"] == "numerical_question"
            assert item.find(f".//{QTI}render_fib").get("fibtype") == "Decimal"
            assert float(item.findtext(f".//{QTI}varequal")) == want
            low, high = float(item.findtext(f".//{QTI}vargte")), float(item.findtext(f".//{QTI}varlte"))
            assert low < want < high and high - low == pytest.approx(2 * tolerance(want))
            assert item.findtext(f".//{QTI}setvar") == "100"


def test_answers_files_hold_each_variants_asked_numbers_in_the_json_shape(folders, runner, tmp_path):
    folder = folders["seed004_numeric_batch_row"]
    result = runner.invoke(main, ["export", str(folder), "--answers", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    files = sorted(tmp_path.iterdir())
    assert [f.name for f in files] == [f"variant-{k:03d}.answers.json" for k in range(1, 31)]
    for f in files:
        solution = json.loads((folder / f.name.replace(".answers", "")).read_text())
        assert json.loads(f.read_text()) == {"loss": solution["loss"],
                                             "gradients": solution["gradients"]}


def test_the_answers_shape_of_other_asked_quantities():
    answers = [{"key": "samples.2.h1", "value": 1.5}, {"key": "updates.1.params.w1", "value": 0.9},
               {"key": "loss", "value": 2.0}]
    assert answers_document(answers) == {"samples": [{}, {"h1": 1.5}],
                                         "updates": [{"params": {"w1": 0.9}}], "loss": 2.0}


def test_exports_are_the_same_bytes_each_time(folders, runner, tmp_path):
    folder = folders["seed001_relu_two_samples"]
    for kind, name in (("--moodle", "q.xml"), ("--qti", "q.zip")):
        a, b = tmp_path / f"a{name}", tmp_path / f"b{name}"
        for out in (a, b):
            assert runner.invoke(main, ["export", str(folder), kind, "-o", str(out)]).exit_code == 0
        assert a.read_bytes() == b.read_bytes()


def test_a_spec_exports_as_one_question(runner, tmp_path):
    out = tmp_path / "q.xml"
    assert runner.invoke(main, ["export", str(SEED001), "--moodle", "-o", str(out)]).exit_code == 0
    questions = ET.fromstring(out.read_bytes())[1:]
    assert len(questions) == 1 and "{1:NUMERICAL:=3.25:0.0325#" in questions[0].find(
        "questiontext/text").text


@pytest.mark.parametrize("args, message", [
    (["--moodle"], "needs -o FILE"),
    (["--moodle", "--qti", "-o", "x"], "give one of --moodle and --qti"),
    ([], "say what to export"),
])
def test_export_usage_errors(runner, args, message):
    result = runner.invoke(main, ["export", str(SEED001), *args])
    assert result.exit_code == 2 and message in result.stderr


def test_a_folder_without_variants_is_one_message(runner, tmp_path):
    result = runner.invoke(main, ["export", str(tmp_path), "--answers", str(tmp_path / "a")])
    assert result.exit_code == 2 and "holds no variant-*.json" in result.stderr
