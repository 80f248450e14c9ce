"""keras-vae: variational autoencoders for Keras 3 on TensorFlow, JAX and torch."""

from keras_vae import callbacks
from keras_vae import datasets
from keras_vae import distribution
from keras_vae import layers
from keras_vae import losses
from keras_vae import plots
from keras_vae import priors
from keras_vae.layers.sampling import Sampling
from keras_vae.models.autoencoder import Autoencoder
from keras_vae.models.conditional_vae import ConditionalVAE
from keras_vae.models.decoders import build_conv_decoder
from keras_vae.models.decoders import build_mlp_decoder
from keras_vae.models.encoders import build_conv_encoder
from keras_vae.models.divergence import NonFiniteLossError
from keras_vae.models.encoders import build_mlp_encoder
from keras_vae.models.hierarchical_vae import HierarchicalVAE
from keras_vae.models.hierarchy import build_mlp_hierarchy
from keras_vae.models.iwae import IWAE
from keras_vae.models.loading import load_vae
from keras_vae.models.vae import VAE
from keras_vae.presets import from_preset
from keras_vae.presets import presets

__version__ = "0.1.0"

__all__ = [
    "VAE",
    "IWAE",
    "HierarchicalVAE",
    "Autoencoder",
    "ConditionalVAE",
    "NonFiniteLossError",
    "Sampling",
    "build_conv_decoder",
    "build_conv_encoder",
    "build_mlp_decoder",
    "build_mlp_encoder",
    "build_mlp_hierarchy",
    "callbacks",
    "datasets",
    "distribution",
    "from_preset",
    "layers",
    "load_vae",
    "losses",
    "plots",
    "presets",
    "priors",
]
