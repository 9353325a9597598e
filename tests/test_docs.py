"""The manual stays true: README.md and docs/ say what the code does, and lead nowhere broken.

* The generated references (CLI, settings, error table) are what ``tests/docgen.py`` writes now.
* Every link between the documents resolves: the file, and the heading a ``#fragment`` names.
* Every ``claimgraph …`` command in a shell block parses (its command and options exist), the
  guide to writing a corpus by hand runs word for word (the tutorial has tests/test_tutorial.py),
  and the front page's three curl lines answer from a live server.
* The hand-written references still name every command, named query and exit code.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
import requests

from claimgraph.cli import main
from claimgraph.queries import load_named_queries

from . import docgen
from .conftest import ROOT, SEEDS
from .live import free_port, live_server, shared_store

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = ROOT / "docs"
#: Every Markdown file of the repository that people read (not the installed or fetched ones).
SKIP = {".venv", "node_modules", "build", "dist", ".git", ".pytest_cache", ".ruff_cache"}
MARKDOWN = sorted(
    p
    for p in ROOT.rglob("*.md")
    if not SKIP & set(p.relative_to(ROOT).parts) and "results" not in p.relative_to(ROOT).parts[:2]
)
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^```[^\n]*\n.*?^```", re.S | re.M)
CODE = re.compile(r"`[^`\n]*`")


def prose(text: str) -> str:
    """The text without its code blocks and inline code (links there are examples)."""
    return CODE.sub("", FENCE.sub("", text))


def anchors(path: Path) -> set[str]:
    """The ``#fragments`` a file's headings give, as GitHub makes them."""
    found: set[str] = set()
    for line in FENCE.sub("", path.read_text(encoding="utf-8")).splitlines():
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*$", line)
        if heading is None:
            continue
        slug = re.sub(r"[^\w\- ]", "", heading.group(1).replace("`", "").lower()).replace(" ", "-")
        candidate, n = slug, 1
        while candidate in found:
            candidate, n = f"{slug}-{n}", n + 1
        found.add(candidate)
    return found


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"^```(?:sh|bash|shell)\n(.*?)^```", text, re.S | re.M)


# ---------------------------------------------------------------- the front page


def test_readme_opens_with_the_two_commands():
    first_block = re.search(r"```sh\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["make serve", "make test"]
    assert README.index("make serve") < README.index("## ")


def test_the_readme_is_a_front_page():
    assert len(README.split()) < 600, "the manual is docs/: the front page stays short"
    assert "docs/tutorial.md" in README and "docs/README.md" in README


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, re.M)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^test: ", makefile, re.M) and re.search(r"^serve: ", makefile, re.M)


# ---------------------------------------------------------------- generated references


@pytest.mark.parametrize("name", sorted(docgen.GENERATED))
def test_the_generated_reference_is_up_to_date(name: str):
    path = docgen.REFERENCE / name
    assert path.is_file(), f"run make docs: {path} is missing"
    assert path.read_text(encoding="utf-8") == docgen.GENERATED[name](), f"run make docs: {path} is stale"


def test_every_option_and_setting_is_in_the_generated_references():
    cli = (docgen.REFERENCE / "cli.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        assert f"## claimgraph {name}\n" in cli
        for param in command.params:
            if isinstance(param, click.Option):
                assert f"`{param.opts[0]}`" in cli.split(f"## claimgraph {name}\n", 1)[1], (name, param.opts)
    settings = (docgen.REFERENCE / "settings.md").read_text(encoding="utf-8")
    from claimgraph.config import SETTINGS

    for setting in SETTINGS:
        assert f"`{setting.env}`" in settings and f"`{setting.option}`" in settings


# ---------------------------------------------------------------- hand-written references


COMMAND_LINE = (DOCS / "reference" / "command-line.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_is_documented(command: str):
    assert f"`claimgraph {command}" in COMMAND_LINE


@pytest.mark.parametrize("name", sorted(load_named_queries(ROOT / "queries")))
def test_every_named_query_is_documented(name: str):
    assert f"`{name}.rq`" in (DOCS / "reference" / "named-queries.md").read_text(encoding="utf-8")


def test_validate_exit_codes_are_written():
    assert "0 conforms, 1 violations, 2 error" in COMMAND_LINE


# ---------------------------------------------------------------- links


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_inside_the_docs_resolves(path: Path):
    broken = []
    for target in LINK.findall(prose(path.read_text(encoding="utf-8"))):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):
            continue  # an address on the web, or mailto:
        file, _, fragment = target.partition("#")
        resolved = (path.parent / file).resolve() if file else path
        if not resolved.exists():
            broken.append(f"{target}: no {resolved}")
        elif fragment and resolved.suffix == ".md" and fragment not in anchors(resolved):
            broken.append(f"{target}: no heading #{fragment} in {resolved.name}")
    assert broken == []


def test_the_link_checker_finds_a_broken_link_and_a_missing_heading(tmp_path: Path):
    (tmp_path / "a.md").write_text("# A\n\n## Two words\n\n[ok](#two-words) [gone](b.md) [no](#three)\n")
    text = prose((tmp_path / "a.md").read_text())
    assert LINK.findall(text) == ["#two-words", "b.md", "#three"]
    assert anchors(tmp_path / "a.md") == {"a", "two-words"}


# ---------------------------------------------------------------- documented commands run


def claimgraph_commands(text: str) -> list[list[str]]:
    """Every ``claimgraph …`` command of the shell blocks, as words (variables, pipes and
    heredocs left out)."""
    found = []
    for block in shell_blocks(text):
        joined = block.replace("\\\n", " ")
        if "<<" in joined:
            joined = re.sub(r"<<'?(\w+)'?\n.*?^\1$", "", joined, flags=re.S | re.M)
        for line in joined.splitlines():
            lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
            lexer.commenters = "#"
            lexer.whitespace_split = True
            words: list[str] = []
            for word in [*lexer, ";"]:
                if word not in {";", "&", "&&", "|", "||"}:
                    words.append(word)
                    continue
                while words and re.match(r"^[A-Z_]+=", words[0]):
                    words.pop(0)
                if words and Path(words[0]).name == "claimgraph":
                    found.append(words[1:])
                words = []
    return found


DOCUMENTED = [
    pytest.param(words, id=f"{path.relative_to(ROOT)}: claimgraph {' '.join(words)}"[:120])
    for path in MARKDOWN
    for words in claimgraph_commands(path.read_text(encoding="utf-8"))
]


def test_documented_commands_are_found():
    assert len(DOCUMENTED) > 10
    assert ["load", "lakeside", "--store", "lakeside-store"] in [p.values[0] for p in DOCUMENTED]


@pytest.mark.parametrize("words", DOCUMENTED)
def test_every_documented_command_parses(words: list[str]):
    """Its command exists, and so does each of its options (with the values they need)."""
    if words in (["--version"], ["--help"]):
        return
    assert words, "claimgraph alone"
    name, *rest = words
    assert name in main.commands, f"no command {name!r}"
    command = main.commands[name]
    try:
        command.make_parser(click.Context(command, info_name=name)).parse_args(rest)
    except click.UsageError as exc:
        pytest.fail(f"claimgraph {' '.join(words)}: {exc}")


#: The guide that runs from an empty folder with claimgraph installed (docs/tutorial.md has its
#: own test, tests/test_tutorial.py).
BY_HAND = DOCS / "how-to" / "write-a-corpus.md"


def runnable_script(port: int) -> str:
    text = BY_HAND.read_text(encoding="utf-8")
    runnable = text.split("<!-- runnable:", 1)[1]
    lines = ["set -euo pipefail"]
    for block in shell_blocks(runnable):
        block = block.replace("5000", str(port))
        lines.append(block)
        if re.search(r"^claimgraph serve .*&$", block, re.M):
            lines.append(
                f"for i in $(seq 120); do curl -sf -o /dev/null 'http://127.0.0.1:{port}/sparql?query=ASK%7B%7D'"
                " && break; sleep 0.5; done"
            )
    return "\n".join(lines) + "\n"


@pytest.mark.slow
def test_writing_a_corpus_by_hand_runs_word_for_word(tmp_path: Path):
    """Every shell block of the guide after its marker, in order, in an empty folder, with no
    setting but the PATH; the server it starts is stopped by the guide's own ``kill %1``."""
    port = free_port()
    script = runnable_script(port)
    bin_dir = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMGRAPH_")}
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    done = subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "lakeside: conforms (3 claims)" in out
    assert "lakeside: committed: 3 claims" in out
    assert "6 people died in Saturday's storm" in out and "killed 4 people, the fire brigade said" in out
    assert "Lakeside storm of 11 March 2023" in out and "@prefix" in out  # the Turtle description
    time.sleep(0.5)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/sparql", timeout=2)  # kill %1 stopped it


@pytest.mark.slow
def test_the_front_page_curl_lines_answer():
    [curls] = [b for b in shell_blocks(README) if b.startswith("curl")]
    lines = curls.strip().splitlines()
    assert len(lines) == 3
    with live_server(shared_store(SEEDS)) as server:
        port = server.url.rsplit(":", 1)[1]
        for line in lines:
            done = subprocess.run(
                ["bash", "-c", line.replace("5000", port) + " --fail --silent --show-error"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0 and len(done.stdout.splitlines()) > 2, line + done.stderr


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
