"""The command line. Parses options, calls the pipeline, writes the result; nothing else.

SymPy and the pipeline are imported inside the commands, so `backprop --help` and
`--version` answer without loading them.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

import click

from . import __version__
from .errors import EXIT_INTERNAL, SpecError, one_line

FORMATS = ("text", "json", "latex")


class _Main(click.Group):
    """Command-line mistakes (an unknown option, --digits 99) are one line on stderr and
    exit status 2, like every other input error, not click's four-line usage block."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.ClickException as exc:
            hint = ""
            if isinstance(exc, click.UsageError) and exc.ctx is not None:
                hint = f" ({exc.ctx.command_path} --help shows the options)"
            click.echo(f"error: {one_line(exc.format_message())}{hint}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


class _OnceCommand(click.Command):
    """A command whose single-valued options may be given once: click keeps the last of
    `--wrt x --wrt y` and drops x without a word, so a second one is a usage error."""

    def make_parser(self, ctx: click.Context):
        parser = super().make_parser(ctx)
        parse = parser.parse_args

        def parse_once(args):
            opts, rest, order = parse(args)  # order: each parameter once per occurrence
            seen = set()
            for param in order:
                if not isinstance(param, click.Option) or param.multiple or param.count \
                        or param.is_flag:
                    continue
                if param.name in seen:
                    name = "/".join(param.opts)
                    raise click.UsageError(f"{name} is given twice; give it once"
                                           + _ONCE_HINTS.get(param.opts[-1], ""), ctx=ctx)
                seen.add(param.name)
            return opts, rest, order

        parser.parse_args = parse_once
        return parser


#: What to write instead of repeating an option that can take several values at once.
_ONCE_HINTS = {"--wrt": ", listing the variables with commas, like --wrt x,y",
               "--at": ", with every value, like --at x=1,y=2"}


def run() -> None:
    """`backprop` as a process: the console script and `python -m backprop_cli`.

    Two costs of a large problem that are not its work: the cycle collector scanning the
    millions of SymPy objects a network's worked lines are made of, again and again as
    they are made (a sixth of the time of a 64-64-10 network), and freeing them one by
    one at exit (another tenth). So the collector runs rarely, and the process ends
    without the interpreter's teardown once its output is flushed, unless a profiler or
    a coverage tool is watching. (Tests call `main`.)
    """
    gc.set_threshold(20_000, 50, 100)
    _standard_streams()
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    if sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)  # under a profiler or coverage: let them write what they measured
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (BrokenPipeError, ValueError):  # a closed pipe (| head): nothing more to say
            pass
        except OSError as exc:  # a full disk: the output is incomplete, and we say so
            os.write(2, f"error: cannot write the output: {exc.strerror or exc}\n".encode())
            code = code or 2
    os._exit(code or 0)


def _standard_streams() -> None:
    """Any locale, and streams a caller closed (`<&-`, `>&-`, `2>&-`): the output is UTF-8
    wherever the locale's encoding cannot write it (an ISO-8859-1 or ASCII locale would
    end in an encoding error at the first ∂), and a closed stderr swallows messages
    instead of failing on them (the exit status still tells). A closed stdin or stdout is
    an input error where it is used (pipeline.read_spec, _deliver)."""
    for stream in (sys.stdout, sys.stderr):
        if stream is None or not hasattr(stream, "reconfigure"):
            continue
        try:
            "∂ŷ⁽¹⁾₁ ← η·σ′".encode(stream.encoding or "ascii")
        except (UnicodeEncodeError, LookupError):
            stream.reconfigure(encoding="utf-8")
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (for the process)


def _output_options(command):
    """The output options `solve` and `derive` share: format, file, digits, colour."""
    options = [
        click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default=None,
                     help="Output format (default: text, for the terminal)."),
        click.option("--latex", "as_latex", is_flag=True, help="Same as --format latex."),
        click.option("--pdf", "as_pdf", is_flag=True, help="Compile the LaTeX to PDF (needs TeX Live)."),
        click.option("--fragment", is_flag=True,
                     help="With --latex: the body only, for \\input into your own document."),
        click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default=None,
                     help="Write here instead of standard output (written atomically)."),
        click.option("-d", "--digits", type=click.IntRange(1, 15), default=5, show_default=True,
                     help="Significant digits shown (values are computed exactly or to 50 digits)."),
        click.option("--color/--no-color", default=None,
                     help="Colour the terminal output (default: only on a terminal)."),
        click.option("--paper", type=click.Choice(("a4", "letter")), default="a4", show_default=True,
                     help="LaTeX and PDF: the paper the answer key is set on."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="backprop")
def main() -> None:
    """Worked solutions to neural-network homework: forward pass, loss, backward pass
    by the chain rule, gradients and updates, from a YAML problem file."""


@main.command(cls=_OnceCommand)
@click.argument("spec", type=click.Path(dir_okay=False, allow_dash=True))
@_output_options
@click.option("--view", type=click.Choice(("matrix", "scalar", "both")), default="matrix",
              show_default=True,
              help="Layered problems: vectors and matrices, entry by entry, or both.")
@click.option("--questions", is_flag=True,
              help="The question sheet: the problem and what to compute, without the solution.")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
def solve(spec, fmt, as_latex, as_pdf, fragment, output, digits, color, paper, view, questions,
          debug):
    """Solve the problem in SPEC (a YAML file, or - for standard input)."""
    fmt = _output_format(fmt, as_latex, as_pdf, fragment)
    if questions and fmt == "json":
        raise click.BadParameter("a question sheet is text, LaTeX or PDF; the JSON lists the "
                                 "asked quantities under 'answers'", param_hint="--questions")
    if as_pdf and output in (None, "-"):
        output = (Path(spec).stem if spec != "-" else "solution") + \
            ("-questions.pdf" if questions else ".pdf")
    _refuse_overwriting_input(spec, output)

    def action():
        from .api import Solution
        from .pipeline import read_spec, solve_text

        _check_output(output)
        source, text = read_spec(spec)
        settings = _settings(digits, fragment, color, output, view, paper)
        solution = Solution(solve_text(text, source), settings)
        if questions:
            from .kit.sheets import QuestionSheet

            solution = QuestionSheet(solution)
        _deliver(solution, fmt, as_pdf, output)

    _run(debug, action)


def _settings(digits: int, fragment: bool, color, output, view: str = "matrix", paper: str = "a4"):
    """The one settings object of a command: colour only on a terminal (unless asked)."""
    from .api import make_settings

    if color is None:
        color = output in (None, "-") and sys.stdout is not None and sys.stdout.isatty() \
            and "NO_COLOR" not in os.environ
    return make_settings(digits=digits, fragment=fragment, color=bool(color),
                         width=_terminal_width(), view=view, paper=paper)


def _output_format(fmt, as_latex: bool, as_pdf: bool, fragment: bool) -> str:
    """The format the options ask for; contradictory options are a usage error."""
    if as_latex and fmt not in (None, "latex"):
        raise click.BadParameter(f"--latex contradicts --format {fmt}", param_hint="--latex")
    if as_pdf and fragment:
        raise click.BadParameter("a PDF needs the whole document, not --fragment",
                                 param_hint="--fragment")
    if fragment and not as_latex and fmt != "latex":
        # the body of a LaTeX document: asked for with another format it would be
        # ignored, and a user who \input-s the terminal text finds out only in TeX
        raise click.BadParameter(f"--fragment is the body of the LaTeX document: add --latex "
                                 f"(the output format is {fmt or 'text'})", param_hint="--fragment")
    return "latex" if as_latex or as_pdf else (fmt or "text")


def _deliver(solution, fmt: str, as_pdf: bool, output) -> None:
    """Render a solution and write it where the options say: stdout, a file, or a PDF."""
    from .output import write

    result = solution.render(fmt)
    if as_pdf:
        from .render.pdf import build_pdf

        write(output, build_pdf(result))
        click.echo(f"wrote {output}", err=True)
    elif output in (None, "-"):
        if sys.stdout is None:
            raise SpecError("standard output is closed; write the result to a file with -o FILE")
        try:
            click.echo(result, nl=False, color=solution.settings.color)
            sys.stdout.flush()
        except BrokenPipeError:  # the reader went away (| head): stop quietly, status 1,
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # as Python's
            sys.exit(1)  # documentation on SIGPIPE does
        except OSError as exc:  # a full disk: the output is incomplete, and we say so
            raise SpecError(f"cannot write the output: {exc.strerror or exc}") from None
    else:
        write(output, result.encode("utf-8"))


def _run(debug: bool, action) -> None:
    """Run a command's work: input errors are ClickExceptions (status 2, or 3 for TeX); a
    stop signal (SIGTERM, SIGHUP, SIGINT) ends it cleanly, nothing half-written, with the
    shell's status 128 + n; anything else is a bug (status 1)."""
    import signal

    from .signals import Interrupted, stop_on_signals

    try:
        with stop_on_signals():
            action()
    except Interrupted as exc:
        name = signal.Signals(exc.signum).name
        click.echo(f"stopped by {name}", err=True)
        sys.exit(128 + exc.signum)
    except (click.ClickException, click.exceptions.Exit, KeyboardInterrupt):
        raise
    except Exception as exc:  # a bug in backprop, not in the user's input
        if debug:
            import traceback

            traceback.print_exc()
        else:
            click.echo(f"internal error: {type(exc).__name__}: {exc} "
                       f"(this is a bug in backprop; --debug shows the traceback)", err=True)
        sys.exit(EXIT_INTERNAL)


def _check_output(output: str | None) -> None:
    """Before any work: an output that can never be written (a folder) is an error."""
    if output not in (None, "-"):
        from .output import check_target

        check_target(output)


def _refuse_overwriting_input(spec: str, output: str | None) -> None:
    if spec == "-" or output in (None, "-"):
        return
    a, b = Path(spec), Path(output)
    same = a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    if same:
        raise click.BadParameter("the output would overwrite the problem file", param_hint="-o")


def _terminal_width() -> int:
    import shutil

    return max(60, min(shutil.get_terminal_size((100, 24)).columns, 160))



# -- check: mark a student's own numbers (check/) ---------------------------------------------

@main.command(cls=_OnceCommand)
@click.argument("spec", type=click.Path(dir_okay=False, allow_dash=True))
@click.argument("answers", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(("text", "json", "gradescope")), default="text",
              show_default=True, help="A marked list, JSON, or Gradescope's results.json.")
@click.option("--rtol", type=click.FloatRange(min=0), default=1e-3, show_default=True,
              help="Relative tolerance.")
@click.option("--atol", type=click.FloatRange(min=0), default=1e-6, show_default=True,
              help="Absolute tolerance.")
@click.option("--sigfigs", type=click.IntRange(1, 15), default=None,
              help="Mark at N significant figures instead of --rtol.")
@click.option("--color/--no-color", default=None, help="Colour (default: on a terminal).")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
def check(spec, answers, fmt, rtol, atol, sigfigs, color, debug):
    """Mark the numbers in ANSWERS (YAML or JSON, - for standard input) against the
    problem in SPEC. Exit status 0: all correct; 1: something is not; 2: bad input."""
    status = []

    def action():
        from .check import Tolerance, mark, title_of
        from .check.answers import read_answers
        from .check.report import as_gradescope, as_json, render_text
        from .check.slots import build
        from .pipeline import read_spec, solve_text

        if spec == "-" and answers == "-":
            raise click.BadParameter("the problem and the answers cannot both be standard input")
        source, text = read_spec(spec)
        result = solve_text(text, source)
        model = build(result)
        name, written = read_spec(answers)
        report = mark(model, read_answers(name, written, model),
                      Tolerance(rtol=rtol, atol=atol, sigfigs=sigfigs), title_of(result))
        settings = _settings(5, False, color, None)
        text_out = as_json(report) if fmt == "json" else as_gradescope(report) \
            if fmt == "gradescope" else render_text(report, settings)
        click.echo(text_out, nl=False, color=settings.color)
        status.append(0 if report.all_correct else 1)

    _run(debug, action)
    return status[0] if status else 1


# -- course kits: variants of a spec, and exports to quiz systems ------------------------------

@main.command(cls=_OnceCommand)
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("-n", "--count", type=click.IntRange(1, 10_000), required=True,
              help="How many variants.")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), required=True,
              help="The seed: the same spec, count and seed give the same files.")
@click.option("-o", "--output", "folder", type=click.Path(file_okay=False), required=True,
              help="The folder to write variant-001.yaml, variant-001.json, ... into.")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=1, show_default=True,
              help="Processes to draw and solve in (the files do not depend on it).")
@click.option("--pdf", "as_pdf", is_flag=True,
              help="Also a question booklet and a key booklet of every variant (TeX Live).")
@click.option("--latex", "as_latex", is_flag=True,
              help="The booklets' LaTeX only (questions.tex, key.tex), without TeX.")
@click.option("--paper", type=click.Choice(("a4", "letter")), default="a4", show_default=True)
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
def variants(spec, count, seed, folder, jobs, as_pdf, as_latex, paper, debug):
    """Write COUNT variants of SPEC, each with new numbers, checked and solved.

    \b
    backprop variants P.yaml --count 30 --seed 7 -o class/
    """
    def action():
        from .kit.files import write_variants
        from .pipeline import read_spec

        source, text = read_spec(spec)
        booklets = "pdf" if as_pdf else "latex" if as_latex else None
        for line in write_variants(text, source, count, seed, folder, jobs, booklets, paper):
            click.echo(line, err=True)

    _run(debug, action)


@main.command(cls=_OnceCommand)
@click.argument("source", type=click.Path(exists=True))
@click.option("--moodle", is_flag=True, help="Moodle XML (one question per variant) to -o FILE.")
@click.option("--qti", is_flag=True, help="Canvas QTI 1.2 zip (numerical questions) to -o FILE.")
@click.option("--answers", "answers_folder", type=click.Path(file_okay=False), default=None,
              help="Write one answers file per variant (for backprop check) into this folder.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="The quiz file of --moodle or --qti.")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
def export(source, moodle, qti, answers_folder, output, debug):
    """Export SOURCE (a folder of variants, or one spec) to a quiz system or as answers files.

    \b
    backprop export class/ --moodle -o quiz.xml
    backprop export class/ --qti -o quiz.zip
    backprop export class/ --answers answers/
    """
    if moodle and qti:
        raise click.BadParameter("give one of --moodle and --qti (each is written to -o)",
                                 param_hint="--qti")
    if not (moodle or qti or answers_folder):
        raise click.UsageError("say what to export: --moodle, --qti or --answers DIR")
    if (moodle or qti) and output in (None, "-"):
        raise click.BadParameter(f"{'--moodle' if moodle else '--qti'} needs -o FILE",
                                 param_hint="-o")

    def action():
        from .kit.export import items, write_answers
        from .output import write

        if output:
            _check_output(output)
        found = items(source)
        name = Path(source.rstrip("/")).name or "backprop"
        if moodle or qti:
            if moodle:
                from .kit.moodle import moodle_xml

                data = moodle_xml(found, name)
            else:
                from .kit.qti import qti_zip

                data = qti_zip(found, found[0].title)
            write(output, data)
            kind = "Moodle XML" if moodle else "Canvas QTI 1.2"
            click.echo(f"wrote {output} ({kind}: {len(found)} variant"
                       f"{'s' if len(found) != 1 else ''})", err=True)
        if answers_folder:
            for line in write_answers(found, answers_folder):
                click.echo(line, err=True)

    _run(debug, action)


# -- derive: the calculus form from the command line ---------------------------------------

@main.command(cls=_OnceCommand)
@click.argument("formulas", nargs=-1, required=True, metavar="FORMULA...")
@click.option("--wrt", default=None, help="Variables to differentiate by, comma separated "
                                          "(default: every variable).")
@click.option("--at", "point", default=None, help="Evaluate at this point: x=1,y=2 (every variable).")
@click.option("--define", "defines", multiple=True, metavar="NAME=FORMULA",
              help="An inner function, for the chain rule (repeat, in order).")
@click.option("--lr", default=None, help="Write the gradient-descent step with this learning "
                                         "rate (a number, or eta for the symbol).")
@click.option("--title", default=None, help="A title for the answer.")
@_output_options
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
def derive(formulas, wrt, point, defines, lr, title, fmt, as_latex, as_pdf, fragment, output,
           digits, color, paper, debug):
    """Differentiate FORMULA: its gradient, or with several formulas the Jacobian.

    \b
    backprop derive "(2*x + 3*y)**2" --wrt x,y --at x=1,y=2
    backprop derive "x**2 + 2*y" "3*x + 4*y**2" --define x=t --define y=t**2 --at t=2
    """
    fmt = _output_format(fmt, as_latex, as_pdf, fragment)
    if as_pdf and output in (None, "-"):
        output = "derivative.pdf"

    def action():
        from .api import Solution

        _check_output(output)
        settings = _settings(digits, fragment, color, output, paper=paper)
        solution = Solution(_derive_solution(formulas, wrt, point, defines, lr, title), settings)
        _deliver(solution, fmt, as_pdf, output)

    _run(debug, action)


def _derive_solution(formulas, wrt, point, defines, lr, title):
    """The command's arguments as a calculus spec, through the same checks as a YAML file."""
    from .calculus.engine import solve_calculus
    from .spec import Reader
    from .spec.spelling import Options
    from .yamlload import Document

    data: dict = {"function": formulas[0] if len(formulas) == 1 else list(formulas)}
    if title is not None:
        data["title"] = title
    if defines:
        data["define"] = _pairs([_pair(d, "--define", "NAME=FORMULA, like x=t**2") for d in defines],
                                "--define")
    if wrt is not None:
        data["wrt"] = [w.strip() for w in wrt.split(",")]
        if not all(data["wrt"]):
            raise SpecError("needs variable names separated by commas, like --wrt x,y",
                            field="--wrt")
    if point is not None:
        data["at"] = {name: _number(value, name) for name, value in _pairs(
            [_pair(p, "--at", "x=1,y=2") for p in point.split(",")], "--at").items()}
    if lr is not None:
        data["update"] = {"lr": lr.strip() if lr.strip() in ("eta", "η") else _number(lr, "--lr")}
    spelling = Options(_DERIVE_OPTIONS, numbered=("function",), named=("at", "define"),
                       given_with=("define",))
    problem = Reader(Document(data=data, marks={}), "derive", spelling).problem()
    return solve_calculus(problem)  # its messages say --at, not at:, from the spelling


#: The option (or argument) that gives each key of the calculus spec derive builds: its
#: messages name the options, "choose values in --at".
_DERIVE_OPTIONS = {"function": "FORMULA", "define": "--define", "wrt": "--wrt", "at": "--at",
                   "update": "--lr", "title": "--title"}


def _pairs(pairs: list, option: str) -> dict:
    """NAME=VALUE pairs as a mapping; a name given twice is an error, not the last one wins."""
    result: dict = {}
    for name, value in pairs:
        if name in result:
            raise SpecError(f"{name!r} is given twice ({name}={result[name]} and {name}={value}); "
                            f"give each name once", field=f"{option} {name}")
        result[name] = value
    return result


def _pair(text: str, option: str, example: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name.strip() or not value.strip():
        raise SpecError(f"{text!r} is not NAME=VALUE (write {example})", field=option)
    return name.strip(), value.strip()


def _number(text: str, where: str):
    import re
    from fractions import Fraction

    field = f"--at {where}" if where != "--lr" else "--lr"
    text = text.strip()
    exponent = re.search(r"[eE]([+-]?\d+)\s*$", text)
    try:  # 1e999999999 would be a billion-digit integer: the range is checked first
        value = None if exponent and abs(int(exponent.group(1))) > 400 else Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise SpecError(f"{text!r} is not a number; write one like 0.5 or -2",
                        field=field) from None
    if value is None or abs(value) > 10**300 or (value and abs(value) < Fraction(1, 10**300)):
        raise SpecError(f"the number {text!r} is out of range; numbers must be between 1e-300 "
                        f"and 1e300 in size", field=field)
    return value


if __name__ == "__main__":  # pragma: no cover
    main()
