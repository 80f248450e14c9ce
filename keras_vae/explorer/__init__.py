"""`keras_vae.explorer`: the browser latent-space explorer of `keras-vae explore`."""

from keras_vae.explorer.latent_space import LatentSpace
from keras_vae.explorer.latent_space import RequestError
from keras_vae.explorer.server import make_server

__all__ = ["LatentSpace", "RequestError", "make_server"]
