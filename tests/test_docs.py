"""The README stays true: its commands, settings, queries and exit codes are the real ones."""

from __future__ import annotations

import re

import pytest

from claimgraph.cli import main
from claimgraph.config import SETTINGS
from claimgraph.queries import load_named_queries

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands():
    first_block = re.search(r"```sh\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["make serve", "make test"]
    assert README.index("make serve") < README.index("## ")


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, re.M)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^test: ", makefile, re.M) and re.search(r"^serve: ", makefile, re.M)


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_listed(setting):
    assert f"`{setting.env}`" in README and f"`{setting.option}`" in README


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_is_documented(command: str):
    assert f"`claimgraph {command}" in README


@pytest.mark.parametrize("name", sorted(load_named_queries(ROOT / "queries")))
def test_every_named_query_is_documented(name: str):
    assert f"`{name}.rq`" in README


def test_validate_exit_codes_are_written():
    assert "0 conforms, 1 violations, 2 error" in README


def test_every_test_security_md_names_exists():
    """SECURITY.md states each guarantee with its test: each named test is a real one."""
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    module = None
    named = 0
    for match in re.finditer(r"`(tests/\w+\.py)?(?:::(\w+))?`", text):
        module = match.group(1) or module
        if match.group(2):
            source = (ROOT / module).read_text(encoding="utf-8")
            assert f"def {match.group(2)}(" in source, f"{module}::{match.group(2)}"
            named += 1
        elif match.group(1):
            assert (ROOT / module).is_file(), module
    assert named >= 20
