"""Every ``ape run <script>`` imports every script in scripts/ to list the commands, so what the
scripts import at module level is paid by every command, ``--help`` and one-line refusals
included. scikit-learn (with SciPy and pandas) cost each command about a second; it is
imported only where a model or an encoder is used."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sklearn", "scipy", "pandas", "matplotlib")

PROBE = f"""
import importlib.util, sys
from pathlib import Path
for path in sorted(Path({str(ROOT / "scripts")!r}).glob("*.py")):
    spec = importlib.util.spec_from_file_location("scripts_" + path.stem, path)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
print(",".join(sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))))
"""


def test_loading_every_script_imports_no_heavy_library():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


def test_the_probe_sees_a_heavy_import():
    """The probe itself works: a module that imports scikit-learn is seen."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sharedmodels.mirrors.perceptron as p, sys;"
            "p.SklearnPerceptron(4); print('sklearn' in sys.modules)",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "True"
