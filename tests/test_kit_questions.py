"""`backprop solve --questions` (issue 17): the problem without its solution, the asked
quantities numbered by label with room to answer; text, LaTeX and PDF."""

from __future__ import annotations

import pytest

from backprop_cli.api import solve
from backprop_cli.cli import main
from backprop_cli.pipeline import render
from backprop_cli.sheet import build_sheet
from backprop_cli.sheet.questions import question_sheet
from support import PROBLEMS

SEED001 = PROBLEMS / "seed001_relu_two_samples.yaml"
SEED004 = PROBLEMS / "seed004_numeric_batch_row.yaml"


def test_the_text_sheet_gives_the_problem_and_asks_without_answering(runner):
    result = runner.invoke(main, ["solve", str(SEED001), "--questions"])
    assert result.exit_code == 0, result.stderr
    out = result.output
    assert "Given" in out and "sample 2: x₁ = −3, x₂ = 2, y = 1.9" in out  # the given numbers
    assert "Questions" in out and "  1. Compute the loss." in out
    assert "  6. Compute the gradient of the loss with respect to w4." in out
    assert "∂L/∂w₃ = ____________" in out
    for answer in ("3.25", "3.4", "5.1", "−0.2", "Backward pass", "Forward pass", "0.966"):
        assert answer not in out  # the loss, the gradients, the worked passes, the update


def test_a_matrix_answer_gets_a_matrix_of_blanks(runner):
    out = runner.invoke(main, ["solve", str(SEED004), "--questions"]).output
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if "∂l/∂W¹ = " in line)
    rows = lines[at - 1:at + 2]
    assert [row.count("________") for row in rows] == [4, 4, 4]  # W¹ is 3 × 4
    assert "−0.03853" not in out and "0.4654" not in out  # ∂l/∂W¹₁₁ and the loss


def test_the_latex_sheet_has_the_given_part_and_the_questions_only(runner):
    tex = runner.invoke(main, ["solve", str(SEED004), "--questions", "--latex"]).output
    assert "{\\small Questions}" in tex and "\\subsection*{Given}" in tex
    assert "\\item[1.] Compute the loss." in tex
    assert "\\frac{\\partial l}{\\partial W^{1}} = \\begin{bmatrix}" in tex
    assert tex.count("\\underline{\\makebox[1.5cm]{}}") == 12 + 6 + 2
    for key_part in ("matrix form", "Forward pass", "Backward pass", "Gradients"):
        assert key_part not in tex


def test_questions_come_from_the_json_answers_when_the_spec_asks():
    solution = solve(SEED001)
    asked = [{"name": "h", "key": "samples.1.h", "label": "2.3", "text": "the hidden unit",
              "value": 3},
             {"name": "dL/dw3", "key": "gradients.w3", "label": "2.4", "text": "", "value": 5.1}]
    sheet = question_sheet(build_sheet(solution._result, solution.settings), asked)
    assert [(q.label, q.lhs.unicode) for q in sheet.questions] == [("2.3", "h"), ("2.4", "∂L/∂w₃")]
    assert sheet.sections == () and sheet.summary == () and sheet.warnings == ()
    text = render(solution._result, "text", solution.settings, questions=asked)
    assert "2.3. Compute the hidden unit." in text and "2.4. Compute:" in text


def test_a_json_question_sheet_is_refused(runner):
    result = runner.invoke(main, ["solve", str(SEED001), "--questions", "-f", "json"])
    assert result.exit_code == 2 and "--questions" in result.stderr


@pytest.mark.latex
def test_the_question_sheet_compiles(runner, tmp_path):
    for spec in (SEED001, SEED004):
        pdf = tmp_path / f"{spec.stem}.pdf"
        result = runner.invoke(main, ["solve", str(spec), "--questions", "--pdf", "-o", str(pdf)])
        assert result.exit_code == 0, result.stderr
        assert pdf.read_bytes().startswith(b"%PDF")


def test_the_question_pdf_is_not_named_like_the_key(runner, tmp_path, monkeypatch):
    """`--questions --pdf` without -o writes P-questions.pdf, never over the key's P.pdf."""
    import backprop_cli.cli as cli

    written = []
    monkeypatch.setattr("backprop_cli.render.pdf.build_pdf", lambda text: b"%PDF-fake")
    monkeypatch.setattr("backprop_cli.output.write", lambda path, data: written.append(path))
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli.main, ["solve", str(SEED001), "--questions", "--pdf"])
    assert result.exit_code == 0, result.stderr
    assert written == ["seed001_relu_two_samples-questions.pdf"]
