"""Latency of the explorer's decode requests, as the page makes them.

Usage:

    KERAS_BACKEND=jax python benchmarks/explorer_latency.py \
        [--model saved_models/binarized_mnist/vae.keras] [--requests 300] \
        [--limit 1000] [--data-dir DIR]

Serves the model as `keras-vae explore` does (on a free loopback port, the
first `--limit` MNIST test images encoded), then times, one after another
over HTTP as a dragging page does: `--requests` single decodes
(`GET /api/decode` of a fresh N(0, I) point each, PNG back) and a tenth as
many batch decodes of 10 points (`POST /api/decode`, the interpolation
strip). Prints the median, 95th percentile and maximum in milliseconds,
after 10 warm-up requests of each kind. It measures; it asserts nothing.
"""

import argparse
import http.client
import json
import pathlib
import threading
import time

import keras
import numpy as np

import keras_vae
from keras_vae.explorer import LatentSpace
from keras_vae.explorer import make_server

ROOT = pathlib.Path(__file__).resolve().parent.parent


def timed_requests(address, requests):
    """Milliseconds of each `(method, path, body)` request, in order."""
    connection = http.client.HTTPConnection(*address, timeout=60)
    milliseconds = []
    for method, path, body in requests:
        start = time.perf_counter()
        connection.request(method, path, body=body)
        response = connection.getresponse()
        response.read()
        milliseconds.append((time.perf_counter() - start) * 1000)
        if response.status != 200:
            raise RuntimeError(f"{method} {path} answered {response.status}")
    connection.close()
    return milliseconds


def summary(milliseconds):
    values = np.asarray(milliseconds)
    return {
        "median_ms": float(np.median(values)),
        "p95_ms": float(np.percentile(values, 95)),
        "max_ms": float(values.max()),
        "requests": len(values),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model",
        default=str(ROOT / "saved_models" / "binarized_mnist" / "vae.keras"),
    )
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--data-dir")
    args = parser.parse_args()

    model = keras_vae.load_vae(args.model)
    _, (x_test, y_test) = keras_vae.datasets.load(
        "mnist", data_dir=args.data_dir, limit=args.limit
    )
    space = LatentSpace(model, x_test, y_test, dataset="mnist")
    server = make_server(space, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    address = server.server_address[:2]
    label = {"label": 0} if space.conditional else {}
    query = "&label=0" if space.conditional else ""
    rng = np.random.default_rng(0)

    def single(count):
        return [
            (
                "GET",
                "/api/decode?z=" + ",".join(f"{v:.4f}" for v in z) + query,
                None,
            )
            for z in rng.standard_normal((count, space.latent_dim))
        ]

    def strip(count):
        return [
            (
                "POST",
                "/api/decode",
                json.dumps({"z": z.tolist(), **label}),
            )
            for z in rng.standard_normal((count, 10, space.latent_dim))
        ]

    timed_requests(address, single(10) + strip(10))
    results = {
        "single decode (GET /api/decode, 1 PNG)": summary(
            timed_requests(address, single(args.requests))
        ),
        "strip of 10 (POST /api/decode)": summary(
            timed_requests(address, strip(max(args.requests // 10, 1)))
        ),
    }
    server.shutdown()
    print(
        f"backend={keras.backend.backend()} model={args.model} "
        f"({type(model).__name__}, latent_dim={space.latent_dim})"
    )
    for name, row in results.items():
        print(
            f"{name:40} median {row['median_ms']:6.1f} ms  p95 "
            f"{row['p95_ms']:6.1f} ms  max {row['max_ms']:6.1f} ms  "
            f"({row['requests']} requests)"
        )


if __name__ == "__main__":
    main()
