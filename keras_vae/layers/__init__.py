"""`keras_vae.layers`: the layers that draw random numbers."""

from keras_vae.layers.binarization import DynamicBinarization
from keras_vae.layers.sampling import Sampling

__all__ = ["DynamicBinarization", "Sampling"]
