"""The shipped models by name: `presets()` and `from_preset(name)`.

As in keras-hub, a preset is a trained model known by a name. The files are
the repository's `saved_models/`, which the wheel installs as the package
`keras_vae.saved_models`, so `pip install keras-vae` is enough to use them.
"""

import importlib.resources

from keras_vae.models.loading import load_vae

# name: (file under saved_models/, one-line description). The figures are
# those of benchmarks/likelihood.json, which the tests compare them with.
_PRESETS = {
    "binarized_mnist_vae": (
        "binarized_mnist/vae.keras",
        "VAE, 784-200-200-50 tanh MLP, Bernoulli decoder, trained 1,000 "
        "passes on dynamically binarized MNIST; test NLL 87.02 nats "
        "(IWAE bound, 5,000 samples, the 10,000 test images binarized with "
        "seed 0; Burda et al. 2016 protocol).",
    ),
    "binarized_mnist_iwae5": (
        "binarized_mnist/iwae5.keras",
        "IWAE (k=5), 784-200-200-50 tanh MLP, Bernoulli decoder, trained "
        "3,280 passes on dynamically binarized MNIST; test NLL 85.24 nats "
        "(IWAE bound, 5,000 samples, the 10,000 test images binarized with "
        "seed 0; Burda et al. 2016 protocol).",
    ),
    "binarized_mnist_hvae": (
        "binarized_mnist/hvae.keras",
        "HierarchicalVAE (2 stochastic layers, z1 100, z2 50), "
        "784-200-200 / 100-100 tanh MLPs, Bernoulli decoder, ELBO, trained "
        "3,280 passes on dynamically binarized MNIST; test NLL 83.88 nats "
        "(IWAE bound, 5,000 samples, the 10,000 test images binarized with "
        "seed 0; Burda et al. 2016 protocol).",
    ),
    "binarized_mnist_vae_vamp": (
        "binarized_mnist/vae_vamp.keras",
        "VAE with a VampPrior (500 learned pseudo-inputs), 784-300-300-40 "
        "tanh MLP (Tomczak & Welling 2018's shape), Bernoulli decoder, ELBO, "
        "trained 1,000 passes on dynamically binarized MNIST; test NLL 84.24 "
        "nats (IWAE bound, 5,000 samples, the 10,000 test images binarized "
        "with seed 0; Burda et al. 2016 protocol).",
    ),
}


def presets():
    """The names of the shipped models, each with a one-line description.

    Returns:
        A dict from each preset name to its description: the model, how it
        was trained, and its measured test negative log-likelihood with the
        protocol that measured it.

    Example:

    ```python
    for name, description in keras_vae.presets().items():
        print(name, "-", description)
    ```
    """
    return {name: description for name, (_, description) in _PRESETS.items()}


def _preset_file(name):
    """The installed `.keras` file of the preset `name`."""
    if name not in _PRESETS:
        raise ValueError(
            f"Unknown preset: {name!r}. The presets are: "
            f"{', '.join(sorted(_PRESETS))}."
        )
    return importlib.resources.files("keras_vae.saved_models").joinpath(
        _PRESETS[name][0]
    )


def from_preset(name):
    """Loads a shipped model by name, on the current backend.

    The model loads with `safe_mode=True`, uncompiled, ready for
    `log_likelihood`, `decode`, `sample` and the plots; compile it to train
    further.

    Args:
        name: a name that `presets()` lists, e.g. `"binarized_mnist_vae"`.

    Returns:
        The model (`keras_vae.VAE`, `keras_vae.IWAE`, ...).

    Raises:
        ValueError: if `name` is not a preset; the message lists the names.

    Example:

    ```python
    vae = keras_vae.from_preset("binarized_mnist_vae")
    digits = vae.sample(16)
    ```
    """
    # A real file even where the package is imported from a zip archive.
    with importlib.resources.as_file(_preset_file(name)) as path:
        return load_vae(path, safe_mode=True)
