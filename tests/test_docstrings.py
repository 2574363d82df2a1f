"""Covers: the numpydoc docstrings of the public API (issue 22 item 7).

Every public function of the modules below, and every function and class of
``geozones.__all__``, has a docstring; a function with parameters has a numpydoc
``Parameters`` section, one that returns a value a ``Returns`` section, and a quantity named
in metres or degrees (``distance_m``, ``azimuth_deg`` …) gives its unit in brackets. Public
means: listed in the module's ``__all__`` when it has one, else not starting with ``_`` and
defined in that module. The docs site renders these docstrings (``docs/api.md``), and its
strict build fails on what the numpy parser cannot read.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap

import pytest

MODULES = (
    "geozones.api",
    "geozones.core.rules",
    "geozones.core.heightfield",
    "geozones.station",
    "geozones.pilot",
    "geozones.heightlimit",
    "geozones.horizon",
    "geozones.maps",
    "geozones.sunshine",
    "geozones.core.sunshine",
)

#: Name endings of quantities and the unit their description must give.
UNITS = {"_m": "[m]", "_deg": "[deg]", "_m2": "[m²]", "_km2": "[km²]"}


def _public(module_name: str) -> list[tuple[str, object]]:
    mod = importlib.import_module(module_name)
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [n for n, o in vars(mod).items()
                 if not n.startswith("_") and (inspect.isfunction(o) or inspect.isclass(o))
                 and o.__module__ == module_name]
    found = []
    for n in names:
        obj = getattr(mod, n)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            found.append((f"{module_name}.{n}", obj))
    return found


def _objects() -> list[tuple[str, object]]:
    seen: dict[int, tuple[str, object]] = {}
    for name, obj in [p for m in MODULES for p in _public(m)] + _public("geozones"):
        seen.setdefault(id(obj), (name, obj))
    return sorted(seen.values(), key=lambda p: p[0])


OBJECTS = _objects()
FUNCTIONS = [(n, o) for n, o in OBJECTS if inspect.isfunction(o)]


def _parameters(func) -> list[str]:
    return [p.name for p in inspect.signature(func).parameters.values()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _returns_a_value(func) -> bool:
    """From the annotation when there is one, else from the body: a ``return <value>``
    outside nested functions."""
    ann = inspect.signature(func).return_annotation
    if ann is not inspect.Signature.empty:
        return ann not in (None, "None")
    tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    stack = list(ast.iter_child_nodes(tree.body[0]))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(node, ast.Return) and node.value is not None:
            return True
        stack.extend(ast.iter_child_nodes(node))
    return False


def _section(doc: str, title: str) -> bool:
    return f"\n{title}\n{'-' * len(title)}\n" in f"\n{doc}\n"


def test_the_walk_finds_the_public_api():
    names = {n for n, _ in OBJECTS}
    for expected in ("geozones.api.check", "geozones.api.assess", "geozones.api.assess_frame",
                     "geozones.api.screen_file", "geozones.core.rules.evaluate",
                     "geozones.core.heightfield.page_table", "geozones.api.load_station",
                     "geozones.pilot.load_pilot", "geozones.maps.build_map",
                     "geozones.GeozonesError", "geozones.api.StationFrame", "geozones.api.zone_layer",
                     "geozones.api.write_heightlimit", "geozones.api.verdict_qml"):
        assert expected in names
    assert len(FUNCTIONS) >= 25


@pytest.mark.parametrize("name,obj", OBJECTS, ids=[n for n, _ in OBJECTS])
def test_has_a_summary(name, obj):
    doc = inspect.getdoc(obj)
    assert doc and doc.strip().splitlines()[0].strip(), f"{name} has no docstring"


@pytest.mark.parametrize("name,func", FUNCTIONS, ids=[n for n, _ in FUNCTIONS])
def test_parameters_and_returns_sections(name, func):
    doc = inspect.getdoc(func) or ""
    if _parameters(func):
        assert _section(doc, "Parameters"), f"{name}: no numpydoc Parameters section"
    if _returns_a_value(func):
        assert _section(doc, "Returns") or _section(doc, "Yields"), f"{name}: no Returns section"


def _entries(doc: str) -> dict[str, str]:
    """The Parameters section as {name: its header line and description}; ``x, y : ...``
    gives both names the same entry."""
    lines = doc.split("\n")
    try:
        start = lines.index("Parameters") + 2
    except ValueError:
        return {}
    entries: dict[str, str] = {}
    names: list[str] = []
    for i in range(start, len(lines)):
        line = lines[i]
        if i + 1 < len(lines) and lines[i + 1].startswith("---"):
            break                                   # the next section's title
        if line and not line.startswith(" "):
            names = [n.strip() for n in line.split(":")[0].split(",")]
            for n in names:
                entries[n] = line
        elif names:
            for n in names:
                entries[n] += "\n" + line
    return entries


@pytest.mark.parametrize("name,func", FUNCTIONS, ids=[n for n, _ in FUNCTIONS])
def test_quantities_give_their_unit(name, func):
    entries = _entries(inspect.getdoc(func) or "")
    for param in _parameters(func):
        unit = next((u for e, u in UNITS.items() if param.endswith(e)), None)
        if unit is not None:
            assert unit in entries.get(param, ""), f"{name}: {param} has no entry giving {unit}"


def test_the_check_catches_a_bare_function():
    """The walk's own test: a function without sections fails it."""
    def bare(distance_m: float) -> float:
        """Half of it."""
        return distance_m / 2

    doc = inspect.getdoc(bare) or ""
    assert _parameters(bare) == ["distance_m"] and not _section(doc, "Parameters")
    assert _returns_a_value(bare) and not _section(doc, "Returns")


@pytest.mark.parametrize("name,func", FUNCTIONS, ids=[n for n, _ in FUNCTIONS])
def test_every_parameter_has_an_entry(name, func):
    entries = _entries(inspect.getdoc(func) or "")
    missing = [p for p in _parameters(func) if p not in entries]
    assert not missing, f"{name}: no Parameters entry for {', '.join(missing)}"


CLASSES = [(n, o) for n, o in OBJECTS if inspect.isclass(o)]


@pytest.mark.parametrize("name,cls", CLASSES, ids=[n for n, _ in CLASSES])
def test_classes_say_what_they_hold(name, cls):
    """A class documents its constructor's parameters or its attributes; an error class
    takes its parameters from the root, :class:`geozones.GeozonesError`."""
    owner = next(c for c in cls.__mro__ if "__init__" in vars(c) or "__new__" in vars(c))
    if owner is not cls and owner.__module__.startswith("geozones"):
        cls = owner
    doc = inspect.getdoc(cls) or ""
    assert _section(doc, "Parameters") or _section(doc, "Attributes"), \
        f"{name}: no Parameters or Attributes section"
