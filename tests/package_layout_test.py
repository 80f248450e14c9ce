"""How the package is laid out: layers that import downward only, short files."""

import ast
import pathlib

import keras_vae

PACKAGE = pathlib.Path(keras_vae.__file__).parent
# Lowest first. A module may import from its own layer and those below.
LAYERS = (
    ("checks", "losses", "layers", "backend", "execution", "distribution"),
    ("data_checks", "datasets", "importance_sampling", "priors"),
    ("models",),
    ("plots", "callbacks", "presets"),
    ("explorer", "cli", "__main__", "__init__"),
)
LAYER_OF = {name: index for index, names in enumerate(LAYERS) for name in names}


def top_name(module):
    """`models` for `keras_vae.models.vae`; None outside keras_vae."""
    parts = module.split(".")
    if parts[0] != "keras_vae":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def imported_modules(path):
    """Every module a file imports, at any depth (imports in functions
    too), with `from keras_vae import x` counted as `keras_vae.x`."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "keras_vae":
                yield from (f"keras_vae.{a.name}" for a in node.names)
            else:
                yield node.module


def test_every_module_imports_from_its_layer_or_below():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).with_suffix("")
        own = LAYER_OF[relative.parts[0]]
        for module in imported_modules(path):
            name = top_name(module)
            if name is not None and LAYER_OF[name] > own:
                upward.append(f"{relative} imports {module}")
    assert not upward, "\n".join(upward)


def test_every_module_has_a_layer():
    names = {
        path.relative_to(PACKAGE).with_suffix("").parts[0]
        for path in PACKAGE.rglob("*.py")
    }
    assert names <= set(LAYER_OF), names - set(LAYER_OF)


def test_no_file_of_the_package_is_over_500_lines():
    """A file that grows past 500 lines holds two jobs (../shared/STYLE.md);
    static files included."""
    long_files = {
        str(path.relative_to(PACKAGE)): count
        for path in PACKAGE.rglob("*")
        if path.suffix in (".py", ".js", ".css", ".html")
        and (count := len(path.read_text().splitlines())) > 500
    }
    assert not long_files, long_files
