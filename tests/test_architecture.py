"""The architecture of docs/ARCHITECTURE.md, checked: small modules, dependencies pointing one
way (api → quotes → customers → common, never back), no import cycle, a pure pricing engine,
and a repository that explains itself (no citations of a design document it does not
contain)."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("common", "customers", "quotes", "api", "ssa_portal", "scripts")
MAX_LINES = 600
EXEMPT_FROM_SIZE = {"quotes/pricing.py"}  # the pure engine, kept whole on purpose


def _modules() -> dict[str, Path]:
    """Every Python module of the shipped code, by dotted name (migrations left out)."""
    found = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts:
                continue
            parts = list(relative.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _imports(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """The project modules `path` imports, anywhere in the file (also inside functions)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                imported.add(target)
    return imported


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, name, modules) for name, path in modules.items()}


def test_no_module_of_the_shipped_code_is_over_600_lines():
    too_long = {}
    for path in [*_modules().values(), *(ROOT / "templates").rglob("*.html")]:
        relative = str(path.relative_to(ROOT))
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES and relative not in EXEMPT_FROM_SIZE:
            too_long[relative] = lines
    assert not too_long


def test_customers_imports_nothing_from_quotes_and_common_nothing_from_either():
    wrong = {(name, target) for name, targets in _graph().items() for target in targets
             if (name.startswith("customers") and target.startswith("quotes"))
             or (name.startswith("common") and target.split(".")[0] in ("customers", "quotes"))}
    assert not wrong


def test_neither_customers_nor_quotes_imports_the_api():
    """The API is built on the apps (docs/API.md); they never know it is there."""
    wrong = {(name, target) for name, targets in _graph().items() for target in targets
             if name.split(".")[0] in ("common", "customers", "quotes")
             and target.split(".")[0] == "api"}
    assert not wrong


def test_there_is_no_import_cycle_between_modules():
    graph = _graph()
    cycles = []
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done

    def walk(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(graph.get(name, ())):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target):], target])
            elif target not in state:
                walk(target, [*path, target])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            walk(name, [name])
    assert not cycles


def test_the_pricing_engine_imports_nothing_from_django():
    source = (ROOT / "quotes" / "pricing.py").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(from|import)\s+django", source, re.MULTILINE)
    assert _graph()["quotes.pricing"] <= {"common.months"}, "the engine reads only the calendar"


def test_no_command_module_is_imported_as_a_library():
    importers = {name for name, targets in _graph().items()
                 if any(".management.commands." in target for target in targets)}
    assert not importers


def test_the_offer_template_has_no_language_branches():
    template = (ROOT / "templates" / "quotes" / "pdf" / "offer.html").read_text(encoding="utf-8")
    assert template.count('lang == "nb"') == 0


# The design document the project started from lives outside the repository; spelled in two
# parts so that this test does not cite it itself.
OUTSIDE_DOCUMENT = "DESIGN" + ".md"


def test_code_points_to_the_docs_in_the_repository_not_to_a_design_document_outside_it():
    citing = [str(path.relative_to(ROOT)) for path in
              [*_modules().values(), *(ROOT / "templates").rglob("*.html"),
               *(ROOT / "static").rglob("*.js"), *(ROOT / "docs").rglob("*.md"),
               ROOT / "README.md"]
              if OUTSIDE_DOCUMENT in path.read_text(encoding="utf-8")]
    assert not citing
    linked = set()
    for path in [*_modules().values(), *(ROOT / "templates").rglob("*.html")]:
        linked |= set(re.findall(r"docs/(\w+\.md)#([\w-]+)", path.read_text(encoding="utf-8")))
    missing = [f"{doc}#{anchor}" for doc, anchor in sorted(linked)
               if anchor not in _anchors(ROOT / "docs" / doc)]
    assert not missing, "links to headings that do not exist"


def _anchors(path: Path) -> set[str]:
    """GitHub's anchors of a Markdown file's headings."""
    if not path.exists():
        return set()
    anchors = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            text = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", text).replace(" ", "-"))
    return anchors


EXTRACTED_NAMES = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy",
                   "pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}


def test_translation_functions_keep_names_that_makemessages_extracts():
    """An alias such as `gettext_lazy as _lazy` hides every string behind it from the catalogue,
    so those messages silently stay English for a Norwegian reader."""
    hidden = []
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                hidden += [f"{name}: {alias.name} as {alias.asname}" for alias in node.names
                           if alias.asname and alias.asname not in EXTRACTED_NAMES]
    assert hidden == []
