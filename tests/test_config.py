"""Settings: declared once, read from CLAIMGRAPH_* variables, mirrored by CLI options."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from claimgraph.cli import main
from claimgraph.config import SETTINGS, load_settings
from claimgraph.errors import ConfigError


def test_defaults_then_environment_then_overrides():
    assert load_settings(environ={}).port == 5000
    assert load_settings(environ={"CLAIMGRAPH_PORT": "8080"}).port == 8080
    assert load_settings({"port": 9090}, environ={"CLAIMGRAPH_PORT": "8080"}).port == 9090
    assert load_settings({"port": None}, environ={"CLAIMGRAPH_PORT": "8080"}).port == 8080


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("1", True), ("no", False), ("", False)])
def test_booleans(raw: str, expected: bool):
    assert load_settings(environ={"CLAIMGRAPH_ALLOW_SERVICE": raw}).allow_service is expected


def test_a_bad_value_names_the_variable():
    with pytest.raises(ConfigError, match="CLAIMGRAPH_QUERY_TIMEOUT"):
        load_settings(environ={"CLAIMGRAPH_QUERY_TIMEOUT": "soon"})
    with pytest.raises(ConfigError, match="unknown setting"):
        load_settings({"nonsense": 1}, environ={})


def test_the_base_iri_ends_with_a_separator():
    assert (
        load_settings({"base_iri": "http://example.org/kg"}, environ={}).base_iri == "http://example.org/kg/"
    )


def test_serve_mirrors_every_setting_as_an_option():
    help_text = CliRunner().invoke(main, ["serve", "--help"]).output
    for setting in SETTINGS:
        assert setting.option in help_text, setting.option
        assert setting.env in help_text, setting.env


def test_a_bad_option_is_one_line_and_exit_2(tmp_path, runner):
    result = runner.invoke(
        main, ["stats", "--store", str(tmp_path / "s")], obj={"environ": {"CLAIMGRAPH_PORT": "many"}}
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: CLAIMGRAPH_PORT")
