"""Loads a saved VAE and makes every plot of its latent space.

Usage (after `make demo`, or any model written by `keras-vae train`):

    python examples/latent_space_tour.py saved_models/mnist_latent2/model.keras

Writes the figures next to `--output-dir` (default: `latent_tour/`).
"""

import argparse
import pathlib

import keras_vae
from keras_vae import plots


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a .keras file holding a keras_vae.VAE")
    parser.add_argument("--dataset", default="mnist")
    parser.add_argument("--output-dir", default="latent_tour")
    args = parser.parse_args(argv)
    output_dir = pathlib.Path(args.output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)

    vae = keras_vae.load_vae(args.model)
    _, (x_test, y_test) = keras_vae.datasets.load(args.dataset)

    plots.plot_reconstructions(
        vae, x_test[:12], output_dir / "reconstructions.png"
    )
    plots.plot_samples(vae, 64, seed=0, path=output_dir / "samples.png")
    plots.plot_latent_scatter(
        vae, x_test[:5000], y_test[:5000], output_dir / "latent_scatter.png"
    )
    plots.plot_traversals(vae, x_test[:1], path=output_dir / "traversals.png")
    plots.plot_interpolation(
        vae,
        x_test[0],
        x_test[1],
        steps=10,
        path=output_dir / "interpolation.png",
    )
    if vae.latent_dim == 2:
        plots.plot_latent_manifold(
            vae, grid_size=20, path=output_dir / "latent_manifold.png"
        )
    print(f"wrote the figures of {args.model} to {output_dir}/")


if __name__ == "__main__":
    main()
