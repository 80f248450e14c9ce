"""Trains a tiny VAE under $KERAS_BACKEND and saves it for another backend.

Usage: python write_saved_model.py OUTPUT_DIR

Writes OUTPUT_DIR/vae.keras, OUTPUT_DIR/cvae.keras (a ConditionalVAE),
OUTPUT_DIR/autoencoder.keras, OUTPUT_DIR/iwae.keras (dynamically binarized),
OUTPUT_DIR/hvae.keras (a HierarchicalVAE with a VampPrior)
and OUTPUT_DIR/expected.npz (the inputs and the
outputs a loader must reproduce).
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_vae  # noqa: E402

from tests.helpers import synthetic_digits  # noqa: E402
from tests.helpers import tiny_vae  # noqa: E402
from tests.models.autoencoder_test import tiny_autoencoder  # noqa: E402
from tests.models.conditional_vae_test import tiny_cvae  # noqa: E402
from tests.models.hierarchical_vae_test import tiny_hvae  # noqa: E402
from tests.models.iwae_test import tiny_iwae  # noqa: E402


def main(output_dir):
    output_dir = pathlib.Path(output_dir)
    x, y = synthetic_digits(128, seed=0)
    vae = tiny_vae(architecture="conv", seed=1)
    # An explicit steps_per_execution > 1, which torch cannot run: the
    # loading backend must cope with it.
    if keras.backend.backend() != "torch":
        vae.compile(
            optimizer=keras.optimizers.Adam(1e-3), steps_per_execution=4
        )
    vae.fit(x, epochs=1, batch_size=32, verbose=0)
    vae.beta.assign(0.5)  # as a KLWarmup would leave it
    vae.save(output_dir / "vae.keras")
    cvae = tiny_cvae(seed=1)
    cvae.fit(x, y, epochs=1, batch_size=64, verbose=0)
    cvae.save(output_dir / "cvae.keras")
    autoencoder = tiny_autoencoder(seed=1)
    autoencoder.fit(x, epochs=1, batch_size=64, verbose=0)
    autoencoder.save(output_dir / "autoencoder.keras")
    iwae = tiny_iwae(num_samples=3, seed=1, dynamic_binarization=True)
    iwae.fit(x, epochs=1, batch_size=64, verbose=0)
    iwae.save(output_dir / "iwae.keras")
    hvae = tiny_hvae(
        num_samples=2, seed=1, prior=keras_vae.priors.VampPrior(4, seed=1)
    )
    hvae.fit(x, epochs=1, batch_size=64, verbose=0)
    hvae.save(output_dir / "hvae.keras")
    z = np.random.default_rng(0).normal(size=(5, 2)).astype("float32")
    z_mean, z_log_var = vae.encode(x[:8])
    np.savez(
        output_dir / "expected.npz",
        x=x[:8],
        z=z,
        z_mean=z_mean,
        z_log_var=z_log_var,
        decoded=vae.decode(z),
        y=y[:8],
        cvae_reconstructed=cvae.reconstruct(x[:8], y[:8]),
        autoencoder_reconstructed=autoencoder.reconstruct(x[:8]),
        iwae_z_mean=iwae.encode(x[:8])[0],
        hvae_log_prior=keras.ops.convert_to_numpy(hvae.prior.log_prob(z)),
        hvae_decoded=hvae.decode(z),
    )


if __name__ == "__main__":
    main(sys.argv[1])
