"""What the explorer's page says about a model's prior and latent plane.

The page draws the prior's density where it knows it: the dashed circles
at 1, 2 and 3 standard deviations are `N(0, I)`'s, drawn for a
`StandardNormal` prior and for an `Autoencoder` (no prior; `sample()` draws
`N(0, I)`). A `VampPrior` is a mixture of Gaussians, `prior_mixture` sends
its components, and the page draws the mixture's density in the plane's two
coordinates (its marginal, exact for any projection) at the levels that
enclose 39%, 86% and 99% of its mass: the masses of the 1, 2 and 3 sigma
circles. For any other prior it draws none and says so. For a
`HierarchicalVAE` it says which stochastic layer the plane shows: the top
one, `z_L`, whose space `encode`, `decode` and `sample` use.
"""

from keras import ops

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
        info line), `contours` (what the page draws: `"N(0, I)"`, the
        circles, when they are the prior's density or the codes that
        `sample()` decodes; `"mixture"`, the density of `prior_mixture`'s
        components; `None` when it cannot draw the prior) and `note` (a
        sentence shown under the plane).

    Example:

    ```python
    prior_note(vae)["contours"]  # "N(0, I)" for the default prior
    ```
    """
    prior = getattr(model, "prior", None)
    if prior is None:
        return {
            "name": None,
            "description": "none (samples N(0, I))",
            "contours": "N(0, I)",
            "note": "An autoencoder has no prior; the dashed circles show "
            "N(0, I) at 1, 2 and 3 σ, which sample() draws its codes from.",
        }
    name = type(prior).__name__
    if isinstance(prior, priors.StandardNormal):
        return {
            "name": name,
            "description": "N(0, I)",
            "contours": "N(0, I)",
            "note": "Dashed circles: the prior N(0, I) at 1, 2 and 3 σ.",
        }
    description = figures.prior_name(model)
    if isinstance(prior, priors.VampPrior):
        drawn = (
            "Grey ticks: the prior, {}, on this line, where its density "
            "encloses 68%, 95% and 99.7% of its mass, as ±1, 2 and 3 σ of "
            "N(0, 1) do"
            if model.latent_dim == 1
            else "Grey contours: the prior, {}, in this plane (its density "
            "over the two plotted coordinates), enclosing 39%, 86% and 99% "
            "of its mass, as the 1, 2 and 3 σ circles of N(0, I) do"
        )
        return {
            "name": name,
            "description": description,
            "contours": "mixture",
            "note": drawn.format(description) + "; darker encloses less. "
            "It is a mixture of the encoder's posteriors at learned "
            "pseudo-inputs: its mass need not lie around 0.",
        }
    return {
        "name": name,
        "description": description,
        "contours": None,
        "note": f"Prior: {description}; its density contours are not drawn.",
    }


def prior_mixture(model):
    """The components of a model's `VampPrior`, for the page to draw.

    Args:
        model: a keras-vae model.

    Returns:
        `None` unless the model's prior is a `VampPrior`; else a dict:
        `means` and `log_vars`, float32 arrays `(num_pseudo_inputs,
        latent_dim)`, the components `q(z | u_k)` of the equal-weight
        mixture (for a `HierarchicalVAE`, of its top layer).

    Example:

    ```python
    mixture = prior_mixture(vamp_vae)
    mixture["means"].shape  # (num_pseudo_inputs, latent_dim)
    ```
    """
    prior = getattr(model, "prior", None)
    if not isinstance(prior, priors.VampPrior):
        return None
    return {
        name: ops.convert_to_numpy(values)
        for name, values in zip(("means", "log_vars"), prior.components())
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
