"""The shipped models: `keras_vae.saved_models` once installed.

The wheel carries `binarized_mnist/*.keras` from here as package data, so
the repository holds each file once. `keras_vae.presets` names them.
"""
