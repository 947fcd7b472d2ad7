"""What a careful reader of the answer key trips on (issue 13): the title block, options
that would silently do something else, zero terms, labels that name the rules a line
uses, equation numbers, the spacing of function brackets, matrix columns, notes with math,
warnings that say where they happened, and page breaks."""

from __future__ import annotations

import re

from backprop_cli.cli import main
from backprop_cli.pipeline import render, solve_text
from backprop_cli.settings import Settings
from support import PROBLEMS


def latex_of(spec: str, **settings) -> str:
    return render(solve_text(spec, "spec.yaml"), "latex", Settings(**settings))


def text_of(spec: str) -> str:
    return render(solve_text(spec, "spec.yaml"), "text", Settings(color=False, width=100))


UNTITLED = "function: x**2\nat: {x: 3}\n"


# -- the title block -------------------------------------------------------------------

def test_an_untitled_problem_is_titled_worked_solution_once():
    tex = latex_of(UNTITLED)
    assert tex.count("Worked solution") == 1


def test_a_titled_problem_says_worked_solution_under_its_title():
    tex = latex_of("title: Squares\n" + UNTITLED)
    assert "Squares" in tex and tex.count("Worked solution") == 1


# -- options ---------------------------------------------------------------------------

def test_fragment_without_latex_is_a_usage_error_naming_the_fix(runner):
    spec = str(PROBLEMS / "seed003_q8_log_sigmoid.yaml")
    for args in ([], ["--format", "json"], ["--format", "text"]):
        result = runner.invoke(main, ["solve", spec, "--fragment", *args])
        assert result.exit_code == 2, args
        assert result.stdout == ""
        assert "--latex" in result.stderr
    for args in (["--latex"], ["--format", "latex"]):
        result = runner.invoke(main, ["solve", spec, "--fragment", *args])
        assert result.exit_code == 0, args
        assert "\\documentclass" not in result.stdout and "\\partial" in result.stdout


def test_derive_fragment_without_latex_is_refused_too(runner):
    result = runner.invoke(main, ["derive", "x**2", "--fragment"])
    assert result.exit_code == 2 and "--latex" in result.stderr


# -- zero terms in a loss --------------------------------------------------------------

def example(name: str) -> str:
    return (PROBLEMS / f"{name}.yaml").read_text(encoding="utf-8")


def test_a_zero_target_drops_its_term_from_the_substituted_loss():
    text = text_of(example("bce_logistic"))
    assert "−0 ·" not in text
    # y = 0: only the (1 − y) term is left; y = 1: only the y term
    general = "= −y log(y\u0302) − (1 − y) log(1 − y\u0302)"  # ŷ: y and a combining hat
    assert f"{general} = −(1 − 0) · log(1 − 0.18243) = 0.20141" in text
    assert f"{general} = −1 · log(0.54983) = 0.59814" in text


def test_a_one_hot_target_leaves_the_true_class_term_in_latex_too():
    tex = latex_of(example("softmax_classifier"))
    assert not re.search(r"-\s*0 \\cdot", tex)
    assert "= - 1 \\cdot \\log" in tex


# -- a target of one symbolic entry -----------------------------------------------------

def test_a_symbolic_one_output_target_is_written_as_itself_not_as_y_equals_bracket_y():
    spec = example("seed004_single_sample_symbolic")
    text, tex = text_of(spec), latex_of(spec)
    assert "y = [y]" not in text and "target y" in text
    assert "\\mathbf{y} = \\begin{bmatrix}y\\end{bmatrix}" not in tex
    assert "\\text{target } y" in tex


def test_each_sample_of_a_symbolic_batch_names_its_own_target():
    text = text_of(example("seed004_batch_symbolic"))
    assert "target y[¹]" in text and "target y[²]" in text  # the layered form's sample marks


# -- warnings say where -----------------------------------------------------------------

KINK_STEPS = """
inputs: [x]
params: {w: 1, v: 0.5}
nodes:
  z: w*x
  h: leaky_relu(z, 0.2)
  yhat: v*h
loss: (yhat - y)**2
data:
  - {x: 0, y: 1}
  - {x: 1, y: 2}
optimizer: {type: sgd, lr: 0.1, steps: 2}
"""


def test_a_kink_warning_names_the_step_and_the_activation():
    warnings = [str(w) for w in solve_text(KINK_STEPS, "spec.yaml").warnings]
    assert [w.split(":")[0] for w in warnings] == [
        "LeakyReLU at its kink in sample 1, before step 1",
        "LeakyReLU at its kink in sample 1, after step 1",
        "LeakyReLU at its kink in sample 1, after step 2"]


def test_without_an_optimizer_a_kink_warning_names_only_the_sample():
    spec = KINK_STEPS.replace("leaky_relu(z, 0.2)", "relu(z)").split("optimizer")[0]
    [warning] = [str(w) for w in solve_text(spec, "spec.yaml").warnings]
    assert warning.startswith("ReLU at its kink in sample 1: z = 0")


# -- rule labels name the rules a line uses ---------------------------------------------

def rules_of(runner, *args) -> dict:
    import json

    result = runner.invoke(main, ["derive", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return {s["name"]: s["rule"] for s in json.loads(result.stdout)["steps"] if s["rule"]}


def test_a_sum_with_a_product_says_sum_rule_and_constant_factor(runner):
    assert rules_of(runner, "a*b + c", "--wrt", "a") == {"df/da": "sum rule; constant factor"}


def test_each_rule_of_a_partial_is_named_once_outermost_first(runner):
    rules = rules_of(runner, "x**2 + 2*y", "3*x + 4*y**2", "--wrt", "x,y")
    assert rules == {"df1/dx": "sum rule; power rule, (uⁿ)′ = nuⁿ⁻¹",
                     "df1/dy": "sum rule; constant factor",
                     "df2/dx": "sum rule; constant factor",
                     "df2/dy": "sum rule; constant factor; power rule, (uⁿ)′ = nuⁿ⁻¹"}


def test_the_chain_rule_names_every_derivative_it_chains(runner):
    [rule] = rules_of(runner, "log(sigmoid(z))", "--wrt", "z").values()
    assert rule == "chain rule with log′(u) = 1/u and σ′(u) = σ(u)(1 − σ(u))"
    [rule] = rules_of(runner, "(2*x + 3*y)**2", "--wrt", "x").values()
    assert rule == "chain rule with (uⁿ)′ = nuⁿ⁻¹; sum rule; constant factor"


def test_a_linear_term_alone_needs_only_the_sum_rule(runner):
    assert rules_of(runner, "w0 + w1*x1", "--wrt", "w0") == {"df/dw0": "sum rule"}


# -- equation numbers in every form -----------------------------------------------------

def displays(tex: str) -> list[str]:
    return re.findall(r"\\begin\{(align\*?|equation|gather\*?)\}", tex)


def test_calculus_lines_are_numbered_with_their_rules_beside_or_under_them():
    tex = latex_of(example("seed003_q14_logistic_likelihood"))
    body = tex.split("\\subsection*{Outer derivatives")[1]
    assert "\\tag*" not in body and "align*" not in body.split("\\subsection*{Gradient}")[0]
    # a short rule in a column of its own, left of the number
    assert "&= x_{0} &&\\text{\\small sum rule; constant factor} \\\\" in body
    # a long one under its line, which keeps the number: a paragraph that wraps (a \\text
    # cell would run off a narrow page), ending the display with an unnumbered row
    assert re.search(r"= y - \\sigma.*\\\\\*\n  \\noalign\{.*\\noindent sum rule; constant factor; "
                     r"chain rule with .*\\endgraf\}.*\n  \\notag\n\\end\{align\}", body)
    # the gradient at the point: the last line of the lines it sums up, never parted from them
    point = body.split("\\subsection*{At the point}")[1]
    assert re.search(r"\\\\\*\n  \\nabla_\{.*\} l &= \\left\(0\.62246,.*\\right\)\n\\end\{align\}", point)


def test_a_calculus_given_part_stays_unnumbered():
    tex = latex_of(example("seed003_q13a_gradient"))
    given = tex.split("\\subsection*{Given}")[1].split("\\subsection*")[0]
    assert "\\begin{align*}" in given and "\\begin{align}" not in given


def test_layered_matrix_lines_are_numbered_and_their_notes_are_not():
    tex = latex_of(example("seed002_classification_sigmoid_bce"))
    body = tex.split("\\subsection*{The network in matrix form}")[1]
    assert "\\begin{align*}" not in body and "\\begin{align}" in body
    assert re.search(r"\\\\\*\n  \\noalign\{.*\\noindent sigmoid with binary cross-entropy", body)


# -- function brackets and matrix columns -----------------------------------------------

def test_no_gap_between_a_function_and_its_bracket_in_any_form():
    for name, call in (("symbolic_weights", "\\sigma\\mathopen{}\\left("),          # graph
                       ("seed002_classification_sigmoid_bce", "\\sigma'\\mathopen{}\\left("),  # layered
                       ("softmax_classifier", "\\log\\mathopen{}\\left("),
                       ("seed003_q8_log_sigmoid", "\\sigma\\mathopen{}\\left(")):     # calculus
        tex = latex_of(example(name))
        assert call in tex, name
        assert not re.search(r"(\\sigma|\\tanh|\\log|\\operatorname\{\w+\})'?\\left\(", tex), name


def test_a_column_of_numbers_is_aligned_on_the_decimal_point():
    tex = latex_of(example("softmax_classifier"))
    assert ("\\left[\\begin{array}{@{}r@{}l@{}}0 & .092195 \\\\ 0 & .41448 \\\\ 0 & .49333"
            "\\end{array}\\right]") in tex
    assert "\\begin{array}{@{}r@{}lr@{}l@{}}0 & .5 & -0 & .3 \\\\ 0 & .2 & 0 & .8\\end{array}" in tex


def test_a_matrix_of_formulas_stays_centred():
    tex = latex_of(example("seed004_single_sample_symbolic"))
    assert "\\begin{bmatrix}x_{1} & x_{2} & x_{3} & x_{4}\\end{bmatrix}" in tex


# -- inline math in notes ---------------------------------------------------------------

NOTES = ("title: Notes with math\n"
         "notes: 'The row convention $h^i = \\sigma(h^{i-1} {W^i}^{\\top})$, with $W^i$ of size "
         "$n_i \\times n_{i-1}$; it costs \\$5 & 10%.'\n" + UNTITLED)


def test_notes_math_is_set_as_math_and_the_text_around_it_escaped():
    tex = latex_of(NOTES)
    assert ("The row convention $h^i = \\sigma(h^{i-1} {W^i}^{\\top})$, with $W^i$ of size "
            "$n_i \\times n_{i-1}$; it costs \\$5 \\& 10\\%.") in tex


def test_notes_math_in_the_terminal_is_as_written_with_its_letters_and_signs():
    """As a reader writes it by hand: scripts in Unicode where it has them, fractions
    with a slash, the minus sign; a script Unicode lacks (x_q) keeps its _."""
    text = text_of(NOTES)
    assert ("The row convention hⁱ = σ(hⁱ⁻¹ Wⁱᵀ), with Wⁱ of size nᵢ × nᵢ₋₁; "
            "it costs $5 & 10%.") in text
    from backprop_cli.texchars import math_as_text
    assert math_as_text("\\frac{1}{m} \\sum_i \\ell^{(i)}") == "1/m Σᵢ ℓ⁽ⁱ⁾"
    assert math_as_text("\\frac{1}{m}\\sum_i x_q") == "(1/m) Σᵢ x_q"
    assert math_as_text("\\frac{\\partial L}{\\partial w_1} = \\hat{y} - y") == "∂L/∂w₁ = ŷ − y"
    assert math_as_text("\\sqrt{1 + x^2} \\le 3.4 \\times 10^{-7}") == "√(1 + x²) ≤ 3.4 × 10⁻⁷"


def test_notes_math_outside_the_safe_subset_is_refused_naming_notes(runner, tmp_path):
    for math, message in (("$x \\input{/etc/passwd}$", "\\input is not allowed in math in notes"),
                          ("$x^$", "would stop LaTeX"),
                          ("costs $5", "no $ closes")):
        spec = tmp_path / "notes.yaml"
        spec.write_text(f"title: T\nnotes: '{math}'\nfunction: x**2\n", encoding="utf-8")
        result = runner.invoke(main, ["solve", str(spec), "--latex"])
        assert result.exit_code == 2 and result.stdout == "", math
        assert "line 2" in result.stderr and "in notes" in result.stderr and message in result.stderr


def test_math_a_renderer_is_given_unchecked_is_printed_as_text():
    from backprop_cli.render.tex import notes_tex

    assert notes_tex("see $\\input{x}$ here") == "see \\$\\textbackslash{}input\\{x\\}\\$ here"


# -- page breaks ------------------------------------------------------------------------

def rows_of(tex: str, env: str = "align") -> list[list[str]]:
    """The row ends (\\\\ or \\\\*) of each display `env` in the document."""
    blocks = re.findall(rf"\\begin\{{{env}\}}(.*?)\\end\{{{env}\}}", tex, re.S)
    matrices = re.compile(r"\\begin\{(bmatrix|array)\}.*?\\end\{\1\}", re.S)
    return [re.findall(r"\\\\\*?", matrices.sub("", block)) for block in blocks]


def test_a_short_summary_is_one_page_heading_table_and_loss_line():
    tex = latex_of(example("seed001_relu_two_samples"))
    summary = tex.split("\\begin{samepage}")[1].split("\\end{samepage}")[0]
    assert "\\subsection*{Gradients at the given parameters}" in summary
    assert "\\begin{tabular}" in summary and "\\textbf{Loss:}" in summary


def test_a_display_never_starts_or_ends_a_page_with_one_line():
    for name in ("seed001_relu_two_samples", "seed003_q20_softmax_regression", "softmax_classifier"):
        for ends in rows_of(latex_of(example(name))):
            if ends:
                assert ends[0] == "\\\\*" and ends[-1] == "\\\\*", name


def test_the_rows_of_one_worked_line_stay_together():
    tex = latex_of(example("seed004_single_sample_symbolic"))
    assert "\\notag \\\\*" in tex and not re.search(r"\\notag \\\\(?!\*)\n  &=", tex)


def test_in_the_pdf_the_summary_heading_table_and_loss_share_a_page(tmp_path):
    import subprocess

    from backprop_cli.api import Solution
    from support import require_pdftotext, require_tex

    require_tex()
    require_pdftotext()
    pdf = tmp_path / "key.pdf"
    pdf.write_bytes(Solution(solve_text(example("seed001_relu_two_samples"), "spec.yaml")).to_pdf())
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout.split("\f")
    [page] = [p for p in pages if "Gradients at the given parameters" in p]
    assert "Loss:" in page and "w4" in page.replace("w 4", "w4")


def test_a_long_rule_wraps_under_its_line_in_a_narrow_plain_article(tmp_path):
    """In a plain article (345 pt of text) the rules of q14 and q8 fit: a long one is a
    paragraph under its line, not a cell wider than the page."""
    import subprocess

    from support import require_tex

    require_tex()
    for name in ("seed003_q14_logistic_likelihood", "seed003_q8_log_sigmoid"):
        (tmp_path / "fragment.tex").write_text(latex_of(example(name), fragment=True), encoding="utf-8")
        (tmp_path / "doc.tex").write_text(
            "\\documentclass{article}\n\\usepackage{amsmath}\n\\usepackage{booktabs}\n"
            "\\begin{document}\n\\input{fragment}\n\\end{document}\n", encoding="utf-8")
        run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                             cwd=tmp_path, capture_output=True, text=True)
        log = (tmp_path / "doc.log").read_text(encoding="utf-8", errors="replace")
        assert run.returncode == 0, name
        assert "Overfull \\hbox" not in log, name
