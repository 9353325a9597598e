"""What the wheel carries beside the code (pyproject.toml holds everything else).

The vocabulary, shapes and JSON-LD context (``ontology/``) and the named queries (``queries/``)
live at the top of the checkout, where people read and edit them; a wheel carries them inside
the package (``claimgraph/ontology``, ``claimgraph/queries``), where ``claimgraph.config.installed``
finds them. The query page's YASGUI comes from the npm registry when the wheel is built
(``npm ci`` and ``npm run vendor``, as ``make`` does), never when claimgraph runs.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
CARRIED = ("ontology", "queries")
VENDOR = HERE / "src" / "claimgraph" / "web" / "static" / "vendor"
YASGUI = ("yasgui.min.js", "yasgui.min.css")


class BuildWithData(build_py):
    def run(self) -> None:
        if not self.editable_mode:
            self._vendor()
        super().run()
        if self.editable_mode:
            return  # a checkout finds ontology/ and queries/ where they are
        package = Path(self.build_lib) / "claimgraph"
        for name in CARRIED:
            target = package / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(HERE / name, target, ignore=shutil.ignore_patterns(".*"))

    def _vendor(self) -> None:
        if all((VENDOR / name).is_file() for name in YASGUI):
            return
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit("building claimgraph needs npm (Node.js): the query page's YASGUI comes from it")
        subprocess.run([npm, "ci", "--silent", "--no-audit", "--no-fund"], cwd=HERE, check=True)
        subprocess.run([npm, "run", "--silent", "vendor"], cwd=HERE, check=True)


setup(cmdclass={"build_py": BuildWithData})
