"""Guards on the layout: `core` never imports streamlit, `pages/` holds only page scripts that start
under the studio's navigation, and nothing patches sys.path."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from ui.catalogue import HOME, PAGES

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [p for d in ("core", "ui", "pages", "bench", "tests") for p in (ROOT / d).rglob("*.py")] + [ROOT / "app.py"]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_module_under_core_imports_streamlit_or_ui():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "core").rglob("*.py")
                 if any(n.split(".")[0] in ("streamlit", "ui", "pages") for n in _imports(p))]
    assert offenders == []


def test_importing_every_core_module_leaves_streamlit_unloaded():
    modules = sorted(".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
                     for p in (ROOT / "core").rglob("*.py") if p.name != "__main__.py")
    code = ("import importlib, sys\n"
            f"for m in {modules!r}: importlib.import_module(m)\n"
            "print(sorted(k for k in sys.modules if k.split('.')[0] == 'streamlit'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_pages_holds_only_the_page_scripts():
    expected = {Path(spec.path).name for spec in [HOME, *PAGES]}
    found = {p.name for p in (ROOT / "pages").iterdir() if p.name != "__pycache__"}
    assert found == expected


def test_each_page_script_is_a_short_table_of_contents_that_starts_under_the_navigation():
    for spec in [HOME, *PAGES]:
        path = ROOT / spec.path
        lines = path.read_text("utf-8").splitlines()
        assert len(lines) <= 110, f"{spec.path} has {len(lines)} lines"
        calls = [n for n in ast.walk(ast.parse("\n".join(lines)))
                 if isinstance(n, ast.Call) and getattr(n.func, "id", getattr(n.func, "attr", "")) == "enter_page"]
        assert calls, f"{spec.path} does not call ui.navigation.enter_page()"


def _patches_sys_path(path: Path) -> bool:
    """A call of any method on ``sys.path`` (insert, append, extend...): the project is installed
    (editable), so nothing needs to reach into the import path."""
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
            if (isinstance(target, ast.Attribute) and target.attr == "path"
                    and isinstance(target.value, ast.Name) and target.value.id == "sys"):
                return True
    return False


def test_nothing_patches_sys_path(tmp_path):
    offenders = [str(p.relative_to(ROOT)) for p in SOURCES if _patches_sys_path(p)]
    assert offenders == []
    patched = tmp_path / "patched.py"  # the guard itself can fail
    patched.write_text("import sys\nsys.path.append('x')\n", "utf-8")
    assert _patches_sys_path(patched)
