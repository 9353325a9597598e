"""The references that the code's own tables write: the CLI, the settings, the error table.

``make docs`` (``python -m tests.docgen``) writes them into ``docs/reference/``;
``tests/test_docs.py`` checks that the files there are what this module writes now, so a
new option, setting or error cannot go undocumented, nor a documented one stay after it is gone.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from claimgraph import errors
from claimgraph.cli import main
from claimgraph.config import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "reference"
NOTICE = "<!-- Written by `make docs` (tests/docgen.py) from {source}: edit that, not this file. -->\n\n"
#: The text the CLI adds to a setting's help: not repeated in the table.
SETTING_SUFFIX = re.compile(r" \[env CLAIMGRAPH_\w+; default .*\]$")


def cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def cli() -> str:
    settings = {s.option: s for s in SETTINGS}
    out = [
        NOTICE.format(source="the commands of src/claimgraph/cli/"),
        "# Commands and options\n\n",
        "`claimgraph COMMAND --help` prints the same. Errors are one line on standard error (one line "
        "per problem for sheets), never a traceback; every command exits 2 on an error, and "
        "`validate` exits 0 when the corpus conforms, 1 on violations, 2 on any other error "
        "([error table](errors-table.md)). An option that is a setting can also be given by its "
        "environment variable ([settings](settings.md)); the option wins.\n\n",
        "| command | what it does |\n|---|---|\n",
    ]
    for name in sorted(main.commands):
        command = main.commands[name]
        out.append(
            f"| [`claimgraph {name}`](#claimgraph-{name}) | {cell(command.get_short_help_str(200))} |\n"
        )
    for name in sorted(main.commands):
        command = main.commands[name]
        context = click.Context(command, info_name=f"claimgraph {name}")
        usage = " ".join(command.collect_usage_pieces(context))
        out.append(f"\n## claimgraph {name}\n\n```\nclaimgraph {name} {usage}\n```\n\n")
        out.append(cell(command.help or "").replace("Exit status: ", "\n\nExit status: ") + "\n\n")
        rows = []
        for param in command.params:
            if not isinstance(param, click.Option):
                continue
            names = ", ".join(f"`{o}`" for o in [*param.opts, *param.secondary_opts])
            if param.opts[0] in settings:
                setting = settings[param.opts[0]]
                what = f"setting `{setting.env}` ([settings](settings.md#{setting.name.replace('_', '-')}))"
            else:
                parts = [cell(param.help)] if param.help else []
                if isinstance(param.type, click.Choice):
                    parts.append("One of: " + ", ".join(f"`{c}`" for c in param.type.choices) + ".")
                default = param.get_default(context, call=False)
                if isinstance(default, str | int | float) and not param.is_flag:
                    parts.append(f"Default: `{default}`.")
                what = " ".join(parts)
            rows.append(f"| {names} | {what} |\n")
        if rows:
            out += ["| option | what it does |\n|---|---|\n", *rows]
    return "".join(out)


def settings() -> str:
    out = [
        NOTICE.format(source="SETTINGS in src/claimgraph/config.py"),
        "# Settings\n\n",
        "Declared once in `src/claimgraph/config.py`; each is read from its environment variable "
        "and can be given as the option beside it to the commands that use it "
        "([command line](cli.md)); the option wins.\n\n",
        "| setting | variable | option | default |\n|---|---|---|---|\n",
    ]
    for s in SETTINGS:
        default = f"`{s.default}`" if s.default != "" else "(empty)"
        out.append(f"| [{s.name}](#{s.name.replace('_', '-')}) | `{s.env}` | `{s.option}` | {default} |\n")
    for s in SETTINGS:
        out.append(f"\n## {s.name.replace('_', '-')}\n\n`{s.env}`, `{s.option}`: {cell(s.help)}\n")
    return "".join(out)


def errors_table() -> str:
    out = [
        NOTICE.format(source="the error classes of src/claimgraph/errors.py"),
        "# Error table\n\n",
        "Every error claimgraph reports on purpose has one row: the HTTP status and `error.code` of "
        "the JSON body the endpoint answers with, and the exit code of the command line. A subclass "
        "keeps its parent's row unless it declares its own. Anything else is a logged 500 with a "
        "generic message (`internal`).\n\n",
        "| error | HTTP status | `error.code` | exit code | when |\n|---|---|---|---|---|\n",
    ]
    rows = sorted(errors.table(), key=lambda c: (c.status or 0, c.code, c.__name__))
    for cls in rows:
        when = cell((cls.__doc__ or "").strip().split("\n\n")[0])
        out.append(f"| `{cls.__name__}` | {cls.status} | `{cls.code}` | {cls.exit_code} | {when} |\n")
    return "".join(out)


#: Each generated file, and what writes it.
GENERATED = {"cli.md": cli, "settings.md": settings, "errors-table.md": errors_table}


def write() -> list[Path]:
    REFERENCE.mkdir(parents=True, exist_ok=True)
    written = []
    for name, render in GENERATED.items():
        path = REFERENCE / name
        path.write_text(render(), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write():
        print(f"wrote {path.relative_to(ROOT)}", file=sys.stderr)
