"""The package's shape: no import circle inside korocr, and small command modules."""

import ast
from pathlib import Path

import korocr

ROOT = Path(korocr.__file__).resolve().parent


def _modules() -> dict[str, Path]:
    out = {}
    for p in ROOT.rglob("*.py"):
        parts = p.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = p
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """korocr modules imported anywhere in the file (module level or inside functions)."""
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "korocr"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.split(".")[0] != "korocr":
                continue
            subs = {f"{mod}.{a.name}" for a in node.names if f"{mod}.{a.name}" in modules}
            found |= subs or {mod}
            if subs and len(subs) < len(node.names):
                found.add(mod)
    return {m for m in found if m in modules and m != name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_cycle_finder_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circle_inside_korocr():
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert _cycles(graph) == []


def test_command_modules_are_small():
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in (ROOT / "cli").glob("*.py")}
    assert sizes and all(n < 200 for n in sizes.values()), sizes


def test_user_errors_are_one_line_messages_not_tracebacks(tmp_path, capsys, monkeypatch):
    import importlib

    import pytest

    from korocr.cli import main

    # a --rec-model path that does not exist is reported as missing (not taken for a hub name)
    with pytest.raises(SystemExit) as e:
        main(["read", "--rec-model", str(tmp_path / "nope" / "model"), str(tmp_path / "x.png")])
    err = capsys.readouterr().err
    assert e.value.code == 2 and "recognition model not found" in err and "Traceback" not in err

    # korocr train without the training extra says what to install
    real = importlib.import_module

    def fake(name, *a, **k):
        if name == "lightning":
            raise ModuleNotFoundError("No module named 'lightning'", name="lightning")
        return real(name, *a, **k)

    monkeypatch.setattr(importlib, "import_module", fake)
    with pytest.raises(SystemExit) as e:
        main(["train", "--max-steps", "1"])
    err = capsys.readouterr().err
    assert e.value.code == 2 and "korocr[train]" in err and "lightning" in err
