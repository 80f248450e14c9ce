"""What the explorer's page says about a model's prior and latent plane.

The page draws the prior's density only where it knows it: the dashed
circles at 1, 2 and 3 standard deviations are `N(0, I)`'s, drawn for a
`StandardNormal` prior and for an `Autoencoder` (no prior; `sample()` draws
`N(0, I)`). For any other prior, such as a `VampPrior`, it draws none and
says so. For a `HierarchicalVAE` it says which stochastic layer the plane
shows: the top one, `z_L`, whose space `encode`, `decode` and `sample` use.
"""

from keras_vae import priors
from keras_vae.plots import figures


def prior_note(model):
    """The model's prior as the page describes it.

    Args:
        model: a keras-vae model; one without a `prior` attribute (an
            `Autoencoder`) is taken to sample `N(0, I)`.

    Returns:
        A JSON-ready dict: `name` (the prior's class name, `None` for a
        model without a prior), `description` (a few words for the page's
        info line), `contours` (whether the page draws the `N(0, I)`
        circles: only when they are the prior's density, or the codes that
        `sample()` decodes) and `note` (a sentence shown under the plane).

    Example:

    ```python
    prior_note(vae)["contours"]  # True for the default N(0, I) prior
    ```
    """
    prior = getattr(model, "prior", None)
    if prior is None:
        return {
            "name": None,
            "description": "none (samples N(0, I))",
            "contours": True,
            "note": "An autoencoder has no prior; the dashed circles show "
            "N(0, I) at 1, 2 and 3 σ, which sample() draws its codes from.",
        }
    name = type(prior).__name__
    if isinstance(prior, priors.StandardNormal):
        return {
            "name": name,
            "description": "N(0, I)",
            "contours": True,
            "note": "Dashed circles: the prior N(0, I) at 1, 2 and 3 σ.",
        }
    description = figures.prior_name(model)
    detail = ""
    if isinstance(prior, priors.VampPrior):
        detail = (
            " It is a mixture of the encoder's posteriors at learned "
            "pseudo-inputs: its mass need not lie around 0."
        )
    return {
        "name": name,
        "description": description,
        "contours": False,
        "note": f"Prior: {description}; its density contours are not "
        f"drawn.{detail}",
    }


def layer_note(model):
    """Which stochastic layer the plane shows, for a model with several.

    Args:
        model: a keras-vae model; a `HierarchicalVAE` has `latent_dims`,
            the size of each stochastic layer, lowest first.

    Returns:
        `None` for a model with one stochastic layer, else a JSON-ready
        dict: `name` (`"z_L"`), `index` and `num_layers` (both `L`: the
        plane shows the top layer), `latent_dims`, `summary` (a few words
        for the info line) and `note` (a sentence shown under the plane).

    Example:

    ```python
    layer_note(hvae)["summary"]  # "top layer z_2 of 2 (size 2)"
    ```
    """
    latent_dims = tuple(getattr(model, "latent_dims", ()))
    if len(latent_dims) < 2:
        return None
    num_layers = len(latent_dims)
    name = f"z_{num_layers}"
    lower = ", ".join(
        f"z_{index} (size {size})"
        for index, size in enumerate(latent_dims[:-1], start=1)
    )
    return {
        "name": name,
        "index": num_layers,
        "num_layers": num_layers,
        "latent_dims": list(latent_dims),
        "summary": f"top layer {name} of {num_layers} (size {latent_dims[-1]})",
        "note": f"The plane shows the top stochastic layer {name} of "
        f"{num_layers} (size {latent_dims[-1]}). The layers below it, "
        f"{lower}, are taken at their means: the posterior's when "
        f"encoding, p(z_(l-1) | z_l)'s when decoding.",
    }
