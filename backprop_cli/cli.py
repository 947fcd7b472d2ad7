"""The command line. Parses options, calls the pipeline, writes the result; nothing else.

SymPy and the pipeline are imported inside the commands, so `backprop --help` and
`--version` answer without loading them.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from pathlib import Path

import click

from . import __version__
from .errors import EXIT_INTERNAL, BackpropError, SpecError

FORMATS = ("text", "json", "latex")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="backprop")
def main() -> None:
    """Worked solutions to neural-network homework: forward pass, loss, backward pass
    by the chain rule, gradients and updates, from a YAML problem file."""


@main.command()
@click.argument("spec", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format (default: text, for the terminal).")
@click.option("--latex", "as_latex", is_flag=True, help="Same as --format latex.")
@click.option("--pdf", "as_pdf", is_flag=True, help="Compile the LaTeX to PDF (needs TeX Live).")
@click.option("--fragment", is_flag=True,
              help="LaTeX body only, for \\input into your own document.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Write here instead of standard output (written atomically).")
@click.option("-d", "--digits", type=click.IntRange(1, 15), default=5, show_default=True,
              help="Significant digits shown (values are computed exactly or to 50 digits).")
@click.option("--color/--no-color", default=None,
              help="Colour the terminal output (default: only on a terminal).")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
def solve(spec, fmt, as_latex, as_pdf, fragment, output, digits, color, debug):
    """Solve the problem in SPEC (a YAML file, or - for standard input)."""
    if as_latex and fmt not in (None, "latex"):
        raise click.BadParameter(f"--latex contradicts --format {fmt}", param_hint="--latex")
    fmt = "latex" if as_latex or as_pdf else (fmt or "text")
    if as_pdf and fragment:
        raise click.BadParameter("a PDF needs the whole document, not --fragment",
                                 param_hint="--fragment")
    if as_pdf and output in (None, "-"):
        output = (Path(spec).stem if spec != "-" else "solution") + ".pdf"
    _refuse_overwriting_input(spec, output)
    _run(debug, lambda: _solve(spec, fmt, as_pdf, fragment, output, digits, color))


def _solve(spec, fmt, as_pdf, fragment, output, digits, color):
    from .pipeline import read_spec, render, solve_text

    source, text = read_spec(spec)
    solution = solve_text(text, source)
    if color is None:
        color = output in (None, "-") and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    from .render.layout import Settings

    settings = Settings(digits=digits, fragment=fragment, color=bool(color),
                        width=_terminal_width())
    result = render(solution, fmt, settings)
    if as_pdf:
        from .render.pdf import build_pdf

        _write(output, build_pdf(result))
        click.echo(f"wrote {output}", err=True)
    elif output in (None, "-"):
        click.echo(result, nl=False, color=bool(color))
    else:
        _write(output, result.encode("utf-8"))


def _run(debug: bool, action) -> None:
    try:
        action()
    except BackpropError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except (click.ClickException, click.exceptions.Exit, KeyboardInterrupt):
        raise
    except Exception as exc:  # a bug in backprop, not in the user's input
        if debug:
            traceback.print_exc()
        else:
            click.echo(f"internal error: {type(exc).__name__}: {exc} "
                       f"(this is a bug in backprop; --debug shows the traceback)", err=True)
        sys.exit(EXIT_INTERNAL)


def _refuse_overwriting_input(spec: str, output: str | None) -> None:
    if spec == "-" or output in (None, "-"):
        return
    a, b = Path(spec), Path(output)
    same = a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    if same:
        raise click.BadParameter("the output would overwrite the problem file", param_hint="-o")


def _write(path: str, data: bytes) -> None:
    """Write atomically: a temporary file in the same folder, renamed into place."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise SpecError(f"cannot write {path}: the folder {folder} does not exist")
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    except OSError as exc:
        raise SpecError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes it private; a key is not
        os.replace(temporary, target)
    except OSError as exc:  # a full disk, a target that is a folder: nothing half-written
        Path(temporary).unlink(missing_ok=True)
        raise SpecError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _terminal_width() -> int:
    import shutil

    return max(60, min(shutil.get_terminal_size((100, 24)).columns, 160))


if __name__ == "__main__":  # pragma: no cover
    main()
