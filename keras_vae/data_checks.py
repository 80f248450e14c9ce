"""Checks of the data given to a VAE, run once before Keras' trainer loop.

A VAE trained on data of the wrong shape, out of range for its likelihood, or
holding NaN learns garbage without failing. These checks look at the data
(all of an in-memory array, the first batch of a dataset or generator) and
raise an error that names what was wrong and what was expected. They run in
Python before `fit`, `evaluate` or `predict` start, never inside the
compiled step, so a refused call leaves the model as it was.
"""

import inspect
import sys
import warnings

import keras
import numpy as np


def checked_data(
    data,
    data_shape,
    likelihood,
    name="x",
    num_classes=None,
    y=None,
    sample_weight=None,
    gaussian_scale=None,
):
    """Checks data for a VAE and returns it ready to pass on to Keras.

    Args:
        data: what the user passed: a NumPy array or backend tensor of shape
            `(num_examples, *data_shape)`, a `tf.data.Dataset`, a
            `keras.utils.PyDataset`, a torch `DataLoader` or a Python
            generator yielding `x`, `(x,)`, `(x, y)` or
            `(x, y, sample_weight)` batches. A Python list of examples is
            read as one array, as `np.asarray` reads it.
        data_shape: the shape of one example, the encoder's input shape.
        likelihood: `"bernoulli"` (values must lie in `[0, 1]`) or
            `"gaussian"`.
        name: what to call the data in error messages.
        num_classes: `None`, or the number of classes of the labels that
            must come with the data (for a `ConditionalVAE`): `y`, or the
            `y` of the first batch of a dataset.
        y: the labels given beside an in-memory `data`, or `None`.
        sample_weight: the weights given beside an in-memory `data`, or
            `None`; a dataset's are read from its first batch.
        gaussian_scale: `None`, or the fixed scale of the Gaussian
            likelihood: data spread far wider than it gets a warning (see
            `warn_if_wider_than_gaussian_scale`).

    Returns:
        `data`, except that a list of examples becomes a NumPy array, and a
        generator whose first batch was read to check it is replaced by one
        that yields that batch again first.

    Raises:
        TypeError: the data or the weights are not numeric, or the data is
            of an unsupported kind.
        ValueError: it is empty, of the wrong shape, holds NaN or infinity,
            or lies outside `[0, 1]` for the Bernoulli likelihood; the
            weights are not one finite, non-negative number per example.

    Example:

    ```python
    x_train = checked_data(x_train, (28, 28, 1), "bernoulli")
    ```
    """
    if isinstance(data, (list, tuple)):
        # Keras would read a list as several inputs, one per example.
        data = _as_numpy(data, name)
    x, batch_y, batch_sample_weight, data = _first_batch(data, name)
    x = check_batch(x, data_shape, likelihood, name)
    if num_classes is not None:
        check_labels(batch_y if y is None else y, num_classes, len(x))
    if sample_weight is None:
        sample_weight = batch_sample_weight
    if sample_weight is not None:
        check_sample_weight(sample_weight, len(x))
    if likelihood == "gaussian" and gaussian_scale is not None:
        warn_if_wider_than_gaussian_scale(x, gaussian_scale, name)
    return data


# Measured: a Gaussian MLP VAE (gaussian_scale=1) on MNIST scaled to a
# standard deviation of 3 trains; at 9 its first epoch's loss reaches 1e9;
# at 30 and above (0..255 pixels: 79) two epochs give NaN.
WIDEST_SPREAD_PER_SCALE = 5.0


def warn_if_wider_than_gaussian_scale(x, gaussian_scale, name="x"):
    """Warns when data is spread far wider than the Gaussian's fixed scale.

    The Gaussian likelihood's loss is `0.5 * sum((x - mean)**2) /
    gaussian_scale**2`: data whose standard deviation is many times
    `gaussian_scale`, such as 0..255 pixels with the default scale of 1,
    gives losses and gradients so large that training overflows to NaN.

    Args:
        x: NumPy array, the data (or its first batch).
        gaussian_scale: the likelihood's fixed standard deviation.
        name: what to call the data in the warning.

    Example:

    ```python
    warn_if_wider_than_gaussian_scale(x_train, 1.0)  # warns for 0..255 data
    ```
    """
    spread = float(np.std(x))
    if spread > WIDEST_SPREAD_PER_SCALE * gaussian_scale:
        warnings.warn(
            f"`{name}` has a standard deviation of {spread:.3g}, "
            f"{spread / gaussian_scale:.3g}x the Gaussian likelihood's fixed "
            f"scale gaussian_scale={gaussian_scale}: its loss and gradients "
            "will be huge and training is likely to overflow to NaN. "
            f"Standardise it, `({name} - {name}.mean()) / {name}.std()`, "
            "scale it to [0, 1], or pass a `gaussian_scale` of the order of "
            "its spread.",
            stacklevel=4,
        )


def check_sample_weight(sample_weight, num_examples, name="sample_weight"):
    """Checks the weights of the examples, as `fit` and `evaluate` take them.

    Args:
        sample_weight: array-like of shape `(num_examples,)` (or
            `(num_examples, 1)`) of finite, non-negative numbers.
        num_examples: how many examples the weights are for.
        name: what to call the weights in error messages.

    Raises:
        TypeError: the weights are not numeric.
        ValueError: they are of the wrong shape, negative, NaN or infinite.

    Example:

    ```python
    check_sample_weight(np.ones(128), 128)
    ```
    """
    weights = _as_numpy(sample_weight, name)
    expected = (
        f"one finite, non-negative weight per example, of shape "
        f"({num_examples},)"
    )
    if weights.dtype.kind not in "biuf":
        raise TypeError(
            f"Expected `{name}` to hold {expected}. Received dtype "
            f"{weights.dtype}."
        )
    if weights.shape not in ((num_examples,), (num_examples, 1)):
        raise ValueError(
            f"Expected `{name}` to hold {expected}. Received: "
            f"{name}.shape={weights.shape}."
        )
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise ValueError(
            f"Expected `{name}` to hold {expected}. Received values in "
            f"[{weights.min()}, {weights.max()}], NaN or infinity included: "
            "a negative weight would train the model away from its examples."
        )


def check_labels(y, num_classes, num_examples, name="y"):
    """Checks class labels for a `ConditionalVAE`.

    Args:
        y: integer labels of shape `(num_examples,)` in
            `[0, num_classes)`, or one-hot (or soft) labels of shape
            `(num_examples, num_classes)` with values in `[0, 1]`.
        num_classes: the number of classes the model was built for.
        num_examples: how many labels are expected.
        name: what to call the labels in error messages.

    Raises:
        ValueError: `y` is missing, of the wrong shape or length, or holds
            labels out of range.
        TypeError: `y` is not numeric, or 1-D but not integer.

    Example:

    ```python
    check_labels(y_train[:128], 10, 128)
    ```
    """
    expected = (
        f"integer class labels of shape ({num_examples},) in "
        f"[0, {num_classes}) or one-hot labels of shape "
        f"({num_examples}, {num_classes})"
    )
    if y is None:
        raise ValueError(
            f"A ConditionalVAE needs labels: pass `fit(x, y)` (or a dataset "
            f"of `(x, y)` batches) with `{name}` holding {expected}."
        )
    y = _as_numpy(y, name)
    if y.dtype.kind not in "biuf":
        raise TypeError(
            f"Expected `{name}` to hold {expected}. Received dtype {y.dtype}."
        )
    if y.shape not in ((num_examples,), (num_examples, num_classes)):
        raise ValueError(
            f"Expected `{name}` to hold {expected}. Received: "
            f"{name}.shape={y.shape}."
        )
    if y.ndim == 1:
        if y.dtype.kind not in "iu":
            raise TypeError(
                f"Expected `{name}` of shape ({num_examples},) to hold integer "
                f"class labels. Received dtype {y.dtype}: convert with "
                f"`{name}.astype('int32')`, or pass one-hot labels."
            )
        low, high = 0, num_classes - 1
    else:
        low, high = 0.0, 1.0
    if len(y) and (y.min() < low or y.max() > high or not np.isfinite(y).all()):
        raise ValueError(
            f"Expected `{name}` values in [{low}, {high}] ({expected}). "
            f"Received values in [{y.min()}, {y.max()}]."
        )


def check_batch(x, data_shape, likelihood=None, name="x"):
    """Checks an in-memory batch of examples.

    Args:
        x: array-like of shape `(batch_size, *data_shape)`.
        data_shape: the shape of one example.
        likelihood: `"bernoulli"` (values must lie in `[0, 1]`),
            `"gaussian"` or `None`, which check no range.
        name: what to call the data in error messages.

    Returns:
        `x` as a NumPy array.

    Raises:
        TypeError: `x` is not numeric.
        ValueError: `x` is empty, of the wrong shape, holds NaN or infinity,
            or lies outside `[0, 1]` for the Bernoulli likelihood.

    Example:

    ```python
    x_batch = check_batch(x_train[:128], (28, 28, 1), "bernoulli")
    ```
    """
    x = _as_numpy(x, name)
    if x.dtype.kind not in "biuf":
        raise TypeError(
            f"Expected `{name}` to hold numbers (float32 images), but it has "
            f"dtype {x.dtype}. Convert it, e.g. `{name}.astype('float32')`."
        )
    expected = (None, *data_shape)
    if x.shape[1:] != tuple(data_shape):
        hint = ""
        if x.ndim >= 1 and np.prod(x.shape[1:]) == np.prod(data_shape):
            hint = f" Reshape it: `{name}.reshape(-1, *{tuple(data_shape)})`."
        raise ValueError(
            f"Expected `{name}` of shape {expected}, batch first. "
            f"Received: {name}.shape={x.shape}.{hint}"
        )
    if x.shape[0] == 0:
        raise ValueError(f"`{name}` is empty: it holds no examples.")
    if x.dtype.kind == "f":
        finite = np.isfinite(x)
        if not finite.all():
            index = np.unravel_index(np.argmin(finite), x.shape)
            raise ValueError(
                f"`{name}` holds {x.size - np.count_nonzero(finite)} NaN or "
                f"infinite values (the first, {x[index]}, at index "
                f"{tuple(int(i) for i in index)}). Remove or replace them "
                "before training."
            )
    low, high = x.min(), x.max()
    if likelihood == "bernoulli" and (low < 0 or high > 1):
        raise ValueError(
            f"The Bernoulli likelihood needs `{name}` in [0, 1], but it holds "
            f"values in [{low}, {high}] (dtype {x.dtype}). Scale it first, "
            f"e.g. `{name}.astype('float32') / 255` for 8-bit images, or use "
            f"likelihood='gaussian'."
        )
    return x


def _as_numpy(x, name):
    try:
        return np.asarray(keras.ops.convert_to_numpy(x))
    except (TypeError, ValueError, RuntimeError):
        pass
    try:
        x = np.asarray(x)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"Expected `{name}` to be an array of numbers, a tf.data.Dataset, "
            f"a keras.utils.PyDataset or a generator. Received a "
            f"{type(x).__name__} that NumPy cannot read: {error}"
        ) from None
    return x


def _first_batch(data, name):
    """Returns `(x, y, sample_weight)` of the first batch and the data to
    pass on.

    For in-memory data, `x` is all of it, `y` and `sample_weight` `None`.
    """
    if data is None:
        raise ValueError(f"Expected data for `{name}`. Received None.")
    tf = sys.modules.get("tensorflow")
    if tf is not None and isinstance(data, tf.data.Dataset):
        batch = next(iter(data.take(1)), None)
    elif isinstance(data, keras.utils.PyDataset):
        batch = data[0] if data.num_batches != 0 else None
    elif inspect.isgenerator(data):
        batch = next(data, None)
        if batch is not None:
            data = _chained(batch, data)
    elif _is_torch_data_loader(data):
        batch = next(iter(data), None)
    else:
        return data, None, None, data
    if batch is None:
        raise ValueError(
            f"`{name}` is empty: the {type(data).__name__} yielded no batch."
        )
    return (*keras.utils.unpack_x_y_sample_weight(batch), data)


def _chained(first, rest):
    yield first
    yield from rest


def _is_torch_data_loader(data):
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(data, torch.utils.data.DataLoader)
