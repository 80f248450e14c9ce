"""Argument checks shared by the builders and models.

Each check raises a `ValueError` that names the argument, what was expected
and what was received, and returns the value normalized.
"""

import numbers


def positive_int(name, value):
    """Returns `value` if it is a positive integer, else raises `ValueError`."""
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value <= 0
    ):
        raise ValueError(
            f"Received an invalid value for `{name}`, expected a positive "
            f"integer. Received: {name}={value!r}"
        )
    return int(value)


def shape_tuple(name, value):
    """Returns `value` as a tuple of positive integers, else raises."""
    try:
        dims = tuple(value)
    except TypeError:
        dims = None
    if not dims or not all(
        isinstance(d, numbers.Integral) and not isinstance(d, bool) and d > 0
        for d in dims
    ):
        raise ValueError(
            f"Received an invalid value for `{name}`, expected a non-empty "
            f"tuple of positive integers such as (28, 28, 1). "
            f"Received: {name}={value!r}"
        )
    return tuple(int(d) for d in dims)


def positive_int_tuple(name, value):
    """Returns `value` as a tuple of positive integers; it may be empty."""
    return () if not tuple(value) else shape_tuple(name, value)


def conv_image_shape(name, value, filters):
    """Returns `value` as `(height, width, channels)` that `filters` halves.

    Each entry of `filters` is one stride-2 layer, so height and width must be
    divisible by `2 ** len(filters)`.
    """
    filters = shape_tuple("filters", filters)
    shape = shape_tuple(name, value)
    factor = 2 ** len(filters)
    if len(shape) != 3 or shape[0] % factor or shape[1] % factor:
        raise ValueError(
            f"Received an invalid value for `{name}`, expected "
            f"(height, width, channels) with height and width divisible by "
            f"{factor} (one stride-2 layer per entry of filters={filters}), "
            f"such as (28, 28, 1) or (32, 32, 3). Received: {name}={value!r}"
        )
    return shape
