"""The `Example:` block of every public docstring runs, on every backend.

The public docstrings are those of `keras_vae.__all__`: its classes and
functions, the public names of its modules, and every public method of its
classes (inherited ones included). As doctest does, each example runs with
the globals of the module that defines it, plus small stand-ins for the
names the examples take as given: the quick start's data and trained `vae`
(the `quick_start_names` fixture of tests/conftest.py), untrained small
models (`iwae`, `hvae`, `cvae`, `autoencoder`), a saved model file and a
folder of images, in a scratch folder, with TFDS serving small random
MNIST. Every `fit` runs one epoch, whatever the example asks: the examples
show real settings, the tests check that they run, on tiny data. An example
that cannot run here says why on its first line: `# Not run in the tests:
the reason`.
"""

import functools
import inspect
import math
import re
import sys
import textwrap

import keras
import numpy as np
import pytest
from PIL import Image

import keras_vae
from tests.helpers import IMAGE_SHAPE
from tests.helpers import mock_tfds

EXAMPLE = re.compile(r"Example:\s*\n\s*```python\n(.*?)```", re.DOTALL)
NOT_RUN = "# Not run in the tests:"


def public_objects():
    """`{qualified name: object}` of every public documented object."""
    found = {}

    def visit(name, obj):
        if any(obj is seen for seen in found.values()):
            return
        found[name] = obj
        if inspect.ismodule(obj):
            for child_name in getattr(obj, "__all__", dir(obj)):
                child = getattr(obj, child_name)
                if child_name.startswith("_") or inspect.ismodule(child):
                    continue
                if getattr(child, "__module__", None) == obj.__name__:
                    visit(f"{name}.{child_name}", child)
        elif inspect.isclass(obj):
            for klass in obj.__mro__:
                if not klass.__module__.startswith("keras_vae"):
                    continue
                for member_name, member in vars(klass).items():
                    if isinstance(member, (staticmethod, classmethod)):
                        member = member.__func__
                    if isinstance(member, property):
                        member = member.fget
                    if not member_name.startswith("_") and callable(member):
                        visit(f"{name}.{member_name}", member)

    for name in keras_vae.__all__:
        visit(f"keras_vae.{name}", getattr(keras_vae, name))
    return found


def examples():
    """`(qualified name, code, defining module)` of every example."""
    found = []
    for name, obj in public_objects().items():
        for code in EXAMPLE.findall(inspect.getdoc(obj) or ""):
            module = inspect.getmodule(obj)
            found.append((name, textwrap.dedent(code).strip(), module.__name__))
    return found


EXAMPLES = examples()


def small_pair(latent_dim=2, num_classes=None):
    """A small MLP encoder and decoder for the models nothing trains."""
    return (
        keras_vae.build_mlp_encoder(
            IMAGE_SHAPE, latent_dim, (16,), num_classes=num_classes
        ),
        keras_vae.build_mlp_decoder(
            IMAGE_SHAPE, latent_dim, (16,), num_classes=num_classes
        ),
    )


def compiled(model):
    model.compile(optimizer="adam")
    return model


@pytest.fixture(scope="module")
def stand_ins(quick_start_names, tmp_path_factory):
    """The names the examples take as given, made once per backend, and
    the scratch folder holding their files."""
    folder = tmp_path_factory.mktemp("examples")
    names = dict(quick_start_names)
    (folder / "saved_models").mkdir()
    names["vae"].save(folder / "saved_models" / "vae_mnist.keras")
    for label in ("a", "b"):
        (folder / "photos" / label).mkdir(parents=True)
        for index in range(10):
            Image.fromarray(np.full((8, 8, 3), 20 * index, "uint8")).save(
                folder / "photos" / label / f"{index}.png"
            )
    encoders, decoders = keras_vae.build_mlp_hierarchy(
        IMAGE_SHAPE, latent_dims=(4, 2), hidden_units=((16,), (8,))
    )
    x_train, y_train = names["x_train"], names["y_train"]
    names.update(
        ops=keras.ops,
        math=math,
        x=names["x_test"][:8],
        y=names["y_test"][:8],
        x_batch=x_train[:8],
        y_batch=y_train[:8],
        w_batch=np.ones(8, "float32"),
        batch=x_train[:8],
        z=np.zeros((8, 2), "float32"),
        latent_dim=2,
        model=names["vae"],
        iwae=compiled(keras_vae.IWAE(*small_pair(), num_samples=3)),
        hvae=compiled(keras_vae.HierarchicalVAE(encoders, decoders)),
        cvae=compiled(keras_vae.ConditionalVAE(*small_pair(num_classes=10))),
        autoencoder=compiled(keras_vae.Autoencoder(*small_pair())),
    )
    return folder, names


@pytest.fixture
def one_epoch_fits(monkeypatch):
    """Every `keras.Model.fit` trains one epoch, whatever it is asked."""
    fit = keras.Model.fit
    signature = inspect.signature(fit)

    @functools.wraps(fit)
    def fit_one_epoch(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.arguments["epochs"] = 1
        return fit(*bound.args, **bound.kwargs)

    monkeypatch.setattr(keras.Model, "fit", fit_one_epoch)


@pytest.mark.parametrize(
    "name, code, module", EXAMPLES, ids=[name for name, _, _ in EXAMPLES]
)
def test_the_docstring_example_runs(
    name, code, module, stand_ins, one_epoch_fits, monkeypatch
):
    if code.startswith(NOT_RUN):
        reason = code.splitlines()[0][len(NOT_RUN) :].strip()
        assert reason, f"{name}: say why the example does not run"
        return
    folder, names = stand_ins
    monkeypatch.chdir(folder)
    namespace = {**vars(sys.modules[module]), **names}
    with mock_tfds(
        names=("mnist", "fashion_mnist", "celeb_a"), num_examples=64
    ):
        exec(compile(code, f"{name} (docstring)", "exec"), namespace)


def test_every_public_class_and_function_has_an_example():
    missing = [
        name
        for name in keras_vae.__all__
        if not inspect.ismodule(getattr(keras_vae, name))
        and not any(found == f"keras_vae.{name}" for found, _, _ in EXAMPLES)
    ]
    assert not missing, missing


def test_fits_train_one_epoch_here(quick_start_names, one_epoch_fits):
    history = quick_start_names["vae"].fit(
        quick_start_names["x_train"], epochs=3, verbose=0
    )
    assert len(history.history["loss"]) == 1
