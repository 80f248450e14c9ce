"""Forward + backward time of each layer of the conv VAE, alone, in JAX.

Usage:

    python benchmarks/conv_layers.py [--batch-size 128] [--repeats 10]

Times, jitted, the convolutions of `build_conv_encoder/decoder` with their
default filters on 28x28x1 images, as `lax` ops with the shapes and strides
Keras gives them: the gradient of the sum of squares with respect to both
the input and the kernel, after one warm-up call. Prints milliseconds per
call. It measures; it asserts nothing.
"""

import argparse
import time

import jax
import jax.numpy as jnp
from jax import lax

DIMENSIONS = ("NHWC", "HWIO", "NHWC")
# name, operation, input shape (no batch), kernel shape, stride
LAYERS = (
    ("encoder Conv2D 28x28x1 -> 14x14x32, stride 2", "conv", (28, 28, 1), (3, 3, 1, 32), 2),
    ("encoder Conv2D 14x14x32 -> 7x7x64, stride 2", "conv", (14, 14, 32), (3, 3, 32, 64), 2),
    ("decoder Conv2DTranspose 7x7x64 -> 14x14x64, stride 2", "transpose", (7, 7, 64), (3, 3, 64, 64), 2),
    ("decoder Conv2DTranspose 14x14x64 -> 28x28x32, stride 2", "transpose", (14, 14, 64), (3, 3, 64, 32), 2),
    ("decoder Conv2DTranspose 28x28x32 -> 28x28x1, stride 1", "transpose", (28, 28, 32), (3, 3, 32, 1), 1),
)  # fmt: skip


def layer_function(operation, stride):
    strides = (stride, stride)
    if operation == "conv":
        return lambda x, w: lax.conv_general_dilated(
            x, w, strides, "SAME", dimension_numbers=DIMENSIONS
        )
    return lambda x, w: lax.conv_transpose(
        x, w, strides, "SAME", dimension_numbers=DIMENSIONS
    )


def milliseconds(function, arguments, repeats):
    jax.block_until_ready(function(*arguments))
    start = time.perf_counter()
    for _ in range(repeats):
        result = function(*arguments)
    jax.block_until_ready(result)
    return (time.perf_counter() - start) / repeats * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    key = jax.random.PRNGKey(0)
    print(f"jax {jax.__version__}, batch {args.batch_size}")
    for name, operation, input_shape, kernel_shape, stride in LAYERS:
        layer = layer_function(operation, stride)
        x = jax.random.normal(key, (args.batch_size, *input_shape))
        w = 0.1 * jax.random.normal(key, kernel_shape)
        forward = jax.jit(layer)
        both = jax.jit(
            jax.grad(lambda x, w: jnp.sum(layer(x, w) ** 2), argnums=(0, 1))
        )
        print(
            f"{name:56} forward {milliseconds(forward, (x, w), args.repeats):6.1f} ms"
            f"  forward + backward {milliseconds(both, (x, w), args.repeats):6.1f} ms"
        )


if __name__ == "__main__":
    main()
