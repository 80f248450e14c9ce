"""Argument checks shared by the builders and models.

Each check returns the value normalized, or raises a `ValueError` that names
the argument, what was expected and what was received.
"""

import math
import numbers


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def positive_int(name, value):
    """Checks that `value` is a positive integer.

    Args:
        name: the argument's name, for the error message.
        value: the value received.

    Returns:
        `value` as an `int`.

    Example:

    ```python
    latent_dim = checks.positive_int("latent_dim", latent_dim)
    ```
    """
    if not _is_int(value) or value <= 0:
        raise ValueError(
            f"Received an invalid value for `{name}`, expected a positive "
            f"integer. Received: {name}={value!r}"
        )
    return int(value)


def _positive_ints(value):
    """`value` as a tuple of positive `int`s, or `None` if it is not one."""
    try:
        dims = tuple(value)
    except TypeError:
        return None
    if not all(_is_int(d) and d > 0 for d in dims):
        return None
    return tuple(int(d) for d in dims)


def shape_tuple(name, value):
    """Checks that `value` is a non-empty sequence of positive integers.

    Args:
        name: the argument's name, for the error message.
        value: the value received, e.g. `(28, 28, 1)`.

    Returns:
        `value` as a tuple of `int`s.

    Example:

    ```python
    input_shape = checks.shape_tuple("input_shape", [28, 28, 1])  # (28, 28, 1)
    ```
    """
    dims = _positive_ints(value)
    if not dims:
        raise ValueError(
            f"Received an invalid value for `{name}`, expected a non-empty "
            f"tuple of positive integers such as (28, 28, 1). "
            f"Received: {name}={value!r}"
        )
    return dims


def image_size(name, value):
    """Checks that `value` is a `(height, width)` pair of positive integers.

    Args:
        name: the argument's name, for the error message.
        value: the value received, e.g. `(32, 32)`.

    Returns:
        `value` as a tuple of two `int`s.

    Example:

    ```python
    size = checks.image_size("image_size", [64, 64])  # (64, 64)
    ```
    """
    dims = _positive_ints(value)
    if dims is None or len(dims) != 2:
        raise ValueError(
            f"Received an invalid value for `{name}`, expected a (height, "
            f"width) tuple of two positive integers such as (32, 32). "
            f"Received: {name}={value!r}"
        )
    return dims


def int_choice(name, value, choices):
    """Checks that `value` is one of a few integers.

    Args:
        name: the argument's name, for the error message.
        value: the value received.
        choices: tuple of the valid integers.

    Returns:
        `value` as an `int`.

    Example:

    ```python
    channels = checks.int_choice("channels", 3, (1, 3))  # 3
    ```
    """
    if not _is_int(value) or value not in choices:
        raise ValueError(
            f"Received an invalid value for `{name}`, expected one of "
            f"{list(choices)}. Received: {name}={value!r}"
        )
    return int(value)


def positive_int_tuple(name, value):
    """Checks that `value` is a possibly empty sequence of positive integers.

    Args:
        name: the argument's name, for the error message.
        value: the value received, e.g. `hidden_units=(512, 256)`.

    Returns:
        `value` as a tuple of `int`s.

    Example:

    ```python
    hidden_units = checks.positive_int_tuple("hidden_units", ())  # ()
    ```
    """
    return () if not tuple(value) else shape_tuple(name, value)


def conv_image_shape(name, value, filters):
    """Checks an image shape that `len(filters)` stride-2 layers can halve.

    Args:
        name: the argument's name, for the error message.
        value: the value received, `(height, width, channels)`.
        filters: the filters of the stride-2 layers, one entry each.

    Returns:
        `value` as a tuple of three `int`s whose height and width are
        divisible by `2 ** len(filters)`.

    Raises:
        ValueError: if `value` is not `(height, width, channels)` with
            height and width divisible by `2 ** len(filters)`; for a
            3-tuple, the message names the nearest valid shapes and the
            `image_size=` argument of `keras_vae.datasets` that resizes
            images to one of them.

    Example:

    ```python
    shape = checks.conv_image_shape("input_shape", (28, 28, 1), (32, 64))
    ```
    """
    filters = shape_tuple("filters", filters)
    shape = shape_tuple(name, value)
    factor = 2 ** len(filters)
    if len(shape) == 3 and not shape[0] % factor and not shape[1] % factor:
        return shape
    message = (
        f"Received an invalid value for `{name}`, expected "
        f"(height, width, channels) with height and width divisible by "
        f"{factor} (one stride-2 layer per entry of filters={filters}), "
        f"such as (28, 28, 1) or (32, 32, 3). Received: {name}={value!r}."
    )
    if len(shape) == 3:
        height, width, channels = shape
        smaller = (
            max(factor, height // factor * factor),
            max(factor, width // factor * factor),
        )
        larger = (-(-height // factor) * factor, -(-width // factor) * factor)
        nearest = " or ".join(
            str((*size, channels)) for size in sorted({smaller, larger})
        )
        message += (
            f" Nearest valid shapes: {nearest}; to resize the images, pass "
            f"`image_size=({larger[0]}, {larger[1]})` to "
            "`keras_vae.datasets.load` or `keras_vae.datasets.from_directory`."
        )
    raise ValueError(message)


def non_negative_float(name, value, allow_zero=True):
    """Checks that `value` is a finite real number >= 0 (or > 0).

    Args:
        name: the argument's name, for the error message.
        value: the value to check.
        allow_zero: whether 0 is accepted.

    Returns:
        `value` as a Python float.

    Example:

    ```python
    beta = checks.non_negative_float("beta", 4.0)
    ```
    """
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if (
        not is_number
        or not math.isfinite(value)
        or value < 0
        or (value == 0 and not allow_zero)
    ):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(
            f"Received an invalid value for `{name}`, expected a finite "
            f"float {bound}. Received: {name}={value!r}"
        )
    return float(value)
