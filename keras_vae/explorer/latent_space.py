"""`LatentSpace`: a model and its encoded test set, as the explorer serves them.

Every request the page makes comes down to one of its methods, which check
their arguments and raise `RequestError` with a message that says what was
wrong: the HTTP layer turns that into a 400 response.
"""

import base64
import io
import math
import threading

import numpy as np
from PIL import Image

from keras_vae.explorer import model_notes
from keras_vae.models.autoencoder import Autoencoder
from keras_vae.models.conditional_vae import ConditionalVAE

# A latent coordinate this far out is a typing error, not a point to decode:
# it is 100 standard deviations out under N(0, I), and far beyond where an
# encoder puts its codes (a VampPrior's mass sits at codes of its
# pseudo-inputs, wherever they are, but not there).
MAX_ABS_Z = 100.0
# Rows of one batch decode (the page asks for at most a strip of previews).
MAX_DECODE_ROWS = 256


class RequestError(ValueError):
    """A request the explorer cannot serve; the message says why."""


class LatentSpace:
    """A keras-vae model and the encoded points of a dataset, for the explorer.

    Encodes `x` once. Decoding and encoding afterwards go through the model
    one request at a time (a lock), so that several browser tabs can ask at
    once on every backend.

    Args:
        model: a `VAE`, `IWAE`, `HierarchicalVAE` (the plane shows its top
            stochastic layer), `ConditionalVAE` or `Autoencoder`.
        x: the examples to show, of shape `(num_examples, *data_shape)`.
        labels: optional integer labels of shape `(num_examples,)`; required
            for a `ConditionalVAE`.
        dataset: the dataset's name, shown on the page.

    Example:

    ```python
    space = LatentSpace(vae, x_test[:1000], y_test[:1000], dataset="mnist")
    png = space.decode_png([[0.0, 0.0]])
    ```
    """

    def __init__(self, model, x, labels=None, dataset=""):
        self.model = model
        self.x = np.asarray(x, "float32")
        self.labels = None if labels is None else np.asarray(labels, "int64")
        self.dataset = dataset
        self.conditional = isinstance(model, ConditionalVAE)
        self.has_posterior = not isinstance(model, Autoencoder)
        if self.conditional and self.labels is None:
            raise ValueError("A ConditionalVAE needs the examples' labels.")
        self._lock = threading.Lock()
        self.z_mean, self.z_log_var = self._encode(self.x, self.labels)
        self.pca_mean, self.pca_components = principal_plane(self.z_mean)
        with self._lock:
            self.prior_mixture = model_notes.prior_mixture(model)
        self._points = None

    @property
    def latent_dim(self):
        return self.model.latent_dim

    @property
    def data_shape(self):
        return tuple(self.model.data_shape)

    def info(self):
        """What the page needs to lay itself out.

        Returns:
            A JSON-ready dict: `model` (the class name), `latent_dim`,
            `data_shape`, `has_posterior` and `posterior_note` (why not),
            `num_classes` (`ConditionalVAE` only), `can_draw` (a
            single-channel image input), `dataset`, `num_points`, `prior`
            (`model_notes.prior_note`: the prior, and whether the page
            draws its contours) and `latent_layer`
            (`model_notes.layer_note`: which stochastic layer the plane
            shows; `None` for a model with one).

        Example:

        ```python
        space.info()["latent_dim"]  # 2
        ```
        """
        shape = self.data_shape
        return {
            "model": type(self.model).__name__,
            "latent_dim": self.latent_dim,
            "data_shape": list(shape),
            "has_posterior": self.has_posterior,
            "posterior_note": None
            if self.has_posterior
            else "An autoencoder encodes each example to one code, not to a "
            "distribution q(z | x): there is no posterior to draw.",
            "num_classes": self.model.num_classes if self.conditional else None,
            "can_draw": len(shape) == 3 and shape[-1] == 1,
            "dataset": self.dataset,
            "num_points": len(self.x),
            "prior": model_notes.prior_note(self.model),
            "latent_layer": model_notes.layer_note(self.model),
        }

    def points(self):
        """The encoded examples and the plane of their first two principal
        components, built on the first call (they never change).

        Returns:
            A JSON-ready dict: `z_mean` and `z_log_var` (`None` for an
            autoencoder), rows of `latent_dim` numbers rounded to 5
            decimals; `labels` or `None`; `pca`, the `mean` and the two
            orthonormal `components` of `principal_plane`; `prior_mixture`,
            a `VampPrior`'s component `means` and `log_vars`
            (`model_notes.prior_mixture`), rounded as the points are, or
            `None`.

        Example:

        ```python
        plane = np.asarray(space.points()["z_mean"])[:, :2]
        ```
        """
        if self._points is None:
            self._points = {
                "z_mean": _rounded(self.z_mean),
                "z_log_var": _rounded(self.z_log_var),
                "labels": None if self.labels is None else self.labels.tolist(),
                # Not rounded: the page relies on the components being
                # orthonormal to map the plane back to z.
                "pca": {
                    "mean": self.pca_mean.astype("float64").tolist(),
                    "components": self.pca_components.astype(
                        "float64"
                    ).tolist(),
                },
                "prior_mixture": None
                if self.prior_mixture is None
                else {
                    name: _rounded(values)
                    for name, values in self.prior_mixture.items()
                },
            }
        return self._points

    def decode(self, z, label=None):
        """Decodes latent points to the mean of `p(x | z)`, clipped to
        `[0, 1]` for display.

        Args:
            z: a list of rows of `latent_dim` finite numbers, each within
                `MAX_ABS_Z`; at most `MAX_DECODE_ROWS` rows.
            label: the class to decode with (a `ConditionalVAE` needs it;
                other models refuse it).

        Returns:
            Float32 array of shape `(len(z), *data_shape)`.

        Raises:
            RequestError: a bad `z` or `label`.
        """
        z = self._checked_z(z)
        return self._decoded(z, self._checked_labels(label, len(z)))

    def decode_png(self, z, label=None):
        """`decode`, each image as PNG bytes (see `to_png`).

        Args:
            z: as for `decode`.
            label: as for `decode`.

        Returns:
            A list of `bytes`, one PNG per point.

        Raises:
            RequestError: a bad `z` or `label`.

        Example:

        ```python
        png = space.decode_png([[0.0, 0.0]])[0]
        ```
        """
        return [to_png(image) for image in self.decode(z, label)]

    def encode(self, pixels, label=None):
        """Encodes one example given as a flat list of pixel values.

        Args:
            pixels: `prod(data_shape)` finite numbers in `[0, 1]`, in the
                row-major order of `data_shape`.
            label: the example's class (a `ConditionalVAE` needs it).

        Returns:
            A JSON-ready dict: `z_mean`, `z_log_var` (`None` for an
            autoencoder) and `reconstruction`, a PNG data URL.

        Raises:
            RequestError: pixels of the wrong number, type or range, or a bad
                `label`.
        """
        x = self._checked_pixels(pixels)
        labels = self._checked_labels(label, 1)
        z_mean, z_log_var = self._encode(x, labels)
        return {
            "z_mean": _rounded(z_mean[0]),
            "z_log_var": _rounded(z_log_var, row=0),
            "reconstruction": data_url(self._decoded(z_mean, labels)[0]),
        }

    def example(self, index):
        """One encoded example: its original, reconstruction and posterior.

        Args:
            index: an integer in `[0, num_points)`.

        Returns:
            A JSON-ready dict: `index`, `label`, `original` and
            `reconstruction` (PNG data URLs), `z_mean` and `z_log_var`.

        Raises:
            RequestError: an index that is not an integer in range.
        """
        if not isinstance(index, int) or not 0 <= index < len(self.x):
            raise RequestError(
                f"index must be an integer in [0, {len(self.x)}). Received: "
                f"{index!r}"
            )
        label = None if self.labels is None else int(self.labels[index])
        z_mean = self.z_mean[index : index + 1]
        return {
            "index": index,
            "label": label,
            "original": data_url(np.clip(self.x[index], 0.0, 1.0)),
            "reconstruction": data_url(
                self._decoded(z_mean, self._example_labels(index))[0]
            ),
            "z_mean": _rounded(z_mean[0]),
            "z_log_var": _rounded(self.z_log_var, row=index),
        }

    def _checked_z(self, z):
        """`z` as a float32 `(rows, latent_dim)` array, or a `RequestError`
        that says what is wrong with it."""
        if not isinstance(z, list) or not z:
            raise RequestError("z must be a non-empty list of latent points.")
        if len(z) > MAX_DECODE_ROWS:
            raise RequestError(
                f"At most {MAX_DECODE_ROWS} points per request. Received: "
                f"{len(z)}"
            )
        rows = []
        for row in z:
            if not isinstance(row, list) or len(row) != self.latent_dim:
                raise RequestError(
                    f"Each point must have latent_dim={self.latent_dim} "
                    f"coordinates. Received: {_short(row)}"
                )
            rows.append([_checked_number(value, "z") for value in row])
        z = np.asarray(rows, "float32")
        if np.abs(z).max() > MAX_ABS_Z:
            raise RequestError(
                f"Latent coordinates must lie within +-{MAX_ABS_Z:g}: one "
                "further out is taken for a typing error, not a point to "
                f"decode. Received: {np.abs(z).max():g}"
            )
        return z

    def _checked_labels(self, label, count):
        if not self.conditional:
            if label is not None:
                raise RequestError(
                    f"A {type(self.model).__name__} takes no label. "
                    f"Received: label={label!r}"
                )
            return None
        num_classes = self.model.num_classes
        if label is None:
            raise RequestError(
                f"A ConditionalVAE needs a label in [0, {num_classes})."
            )
        if (
            isinstance(label, bool)
            or not isinstance(label, int)
            or not 0 <= label < num_classes
        ):
            raise RequestError(
                f"label must be an integer in [0, {num_classes}). Received: "
                f"{label!r}"
            )
        return np.full((count,), label, "int64")

    def _checked_pixels(self, pixels):
        size = math.prod(self.data_shape)
        if not isinstance(pixels, list) or len(pixels) != size:
            raise RequestError(
                f"pixels must be a flat list of {size} numbers (data shape "
                f"{self.data_shape}). Received: {_short(pixels)}"
            )
        values = np.asarray(
            [_checked_number(value, "pixels") for value in pixels], "float32"
        )
        if values.min() < 0.0 or values.max() > 1.0:
            raise RequestError(
                "pixels must lie in [0, 1]. Received values in "
                f"[{values.min():g}, {values.max():g}]"
            )
        return values.reshape((1, *self.data_shape))

    def _example_labels(self, index):
        if not self.conditional:
            return None
        return self.labels[index : index + 1]

    def _decoded(self, z, labels):
        with self._lock:
            if self.conditional:
                images = self.model.decode(z, labels)
            else:
                images = self.model.decode(z)
        return np.clip(images, 0.0, 1.0)

    def _encode(self, x, labels):
        with self._lock:
            if self.conditional:
                return self.model.encode(x, labels)
            if not self.has_posterior:
                return self.model.encode(x), None
            return self.model.encode(x)


def principal_plane(z):
    """The mean of `z` and its first two principal directions.

    Args:
        z: float array of shape `(num_points, latent_dim)`.

    Returns:
        `(mean, components)`: arrays of shapes `(latent_dim,)` and
        `(2, latent_dim)`, the components orthonormal. With one latent
        dimension the second component is zero.

    Example:

    ```python
    mean, components = principal_plane(z_mean)
    plane = (z_mean - mean) @ components.T  # (num_points, 2)
    ```
    """
    z = np.asarray(z, "float64")
    mean = z.mean(axis=0)
    _, _, directions = np.linalg.svd(z - mean, full_matrices=False)
    components = np.zeros((2, z.shape[1]))
    components[: len(directions[:2])] = directions[:2]
    return mean.astype("float32"), components.astype("float32")


def to_png(image):
    """PNG bytes of an image.

    Args:
        image: values in `[0, 1]`: `(h, w, 1)` or `(h, w)` is written as
            grey, `(h, w, 3)` as RGB, and any other shape as one row of grey
            pixels.

    Returns:
        The PNG file's `bytes`, 8 bits per channel.

    Example:

    ```python
    pathlib.Path("digit.png").write_bytes(to_png(vae.decode(z)[0]))
    ```
    """
    pixels = np.round(np.asarray(image) * 255.0).astype("uint8")
    if pixels.ndim == 3 and pixels.shape[-1] == 1:
        pixels = pixels[..., 0]
    elif not (pixels.ndim == 2 or (pixels.ndim == 3 and pixels.shape[-1] == 3)):
        pixels = pixels.reshape(1, -1)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def data_url(image):
    """An image as a URL that a page can show without another request.

    Args:
        image: as for `to_png`.

    Returns:
        `to_png(image)` as a `data:image/png;base64,...` string.

    Example:

    ```python
    html = f'<img src="{data_url(x_test[0])}">'
    ```
    """
    encoded = base64.b64encode(to_png(image)).decode("ascii")
    return f"data:image/png;base64,{encoded}"


def _checked_number(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RequestError(f"{name} must hold numbers. Received: {value!r}")
    if not math.isfinite(value):
        raise RequestError(f"{name} must be finite. Received: {value!r}")
    return value


def _rounded(array, row=None):
    """`array` (or its `row`) rounded to 5 decimals as lists; `None` stays
    `None` (an autoencoder's missing `z_log_var`)."""
    if array is None:
        return None
    if row is not None:
        array = array[row]
    return np.round(np.asarray(array, "float64"), 5).tolist()


def _short(value):
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."
