"""Fixtures: `runner` (a CliRunner) and `tex` / the `latex` marker (see support.py)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from support import require_tex, tex_required


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Skip before any fixture is set up; when TeX is required, fail in the call instead.
    if item.get_closest_marker("latex") is not None and not tex_required():
        require_tex()


def pytest_runtest_call(item: pytest.Item) -> None:
    if item.get_closest_marker("latex") is not None:
        require_tex()  # BACKPROP_REQUIRE_LATEX=1 and no TeX: the test itself fails


@pytest.fixture
def tex() -> None:
    """Use in a test that needs TeX, like marking it @pytest.mark.latex (but when TeX is
    required and missing, this reports an error in setup rather than a failure)."""
    require_tex()


@pytest.fixture
def runner() -> CliRunner:
    """A CliRunner that keeps stdout and stderr apart (click 8.1 and 8.2+ alike)."""
    try:
        return CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        return CliRunner()  # click >= 8.2 always keeps result.stderr apart
