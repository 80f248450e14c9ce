"""`keras_vae.datasets`: image datasets as float32 arrays in `[0, 1]`."""

import os

from keras_vae import checks

KNOWN_DATASETS = ("mnist", "fashion_mnist")


def load(name, data_dir=None, download=True, limit=None):
    """Loads an image dataset from TensorFlow Datasets as NumPy arrays.

    The data is read from `data_dir`, else from the `TFDS_DATA_DIR`
    environment variable, else from `~/tensorflow_datasets`, as
    `tfds.load` does. If it is not there, it is downloaded when `download`
    is true.

    Args:
        name: one of `"mnist"` or `"fashion_mnist"`.
        data_dir: optional directory holding TFDS data.
        download: whether to download and prepare the data if it is missing.
        limit: optional positive integer: read only the first `limit`
            examples of each split (quick runs; the rest is never decoded).

    Returns:
        `((x_train, y_train), (x_test, y_test))`: images as float32 arrays
        of shape `(num_examples, 28, 28, 1)` with values in `[0, 1]`, labels
        as int64 arrays of shape `(num_examples,)`.

    Raises:
        ValueError: for an unknown `name`.
        FileNotFoundError: if the data is missing and cannot be downloaded;
            the message names the directory that was searched.

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = keras_vae.datasets.load("mnist")
    ```
    """
    if limit is not None:
        limit = checks.positive_int("limit", limit)
    if name not in KNOWN_DATASETS:
        raise ValueError(
            f"Unknown dataset name: {name!r}. Known datasets are: "
            f"{list(KNOWN_DATASETS)}"
        )
    import tensorflow_datasets as tfds

    # Read here, not left to TFDS, which keeps the first default it saw.
    data_dir = data_dir or os.environ.get("TFDS_DATA_DIR")
    builder = tfds.builder(name, data_dir=data_dir)
    if not builder.is_prepared():
        searched = builder.data_dir
        fix = (
            f"Download it with `tfds build {name}` on a machine with internet "
            "access and copy it there, or point `data_dir=` (or the "
            "TFDS_DATA_DIR environment variable) to a directory that holds "
            f"`{name}/`."
        )
        if not download:
            raise FileNotFoundError(
                f"Dataset {name!r} was not found in {searched}. {fix}"
            )
        try:
            builder.download_and_prepare()
        except Exception as error:
            raise FileNotFoundError(
                f"Dataset {name!r} was not found in {searched} and could not "
                f"be downloaded ({type(error).__name__}: {error}). {fix}"
            ) from error
    return tuple(
        _split_as_arrays(
            builder, split if limit is None else f"{split}[:{limit}]"
        )
        for split in ("train", "test")
    )


def _split_as_arrays(builder, split):
    import tensorflow_datasets as tfds

    images, labels = tfds.as_numpy(
        builder.as_dataset(split=split, batch_size=-1, as_supervised=True)
    )
    return images.astype("float32") / 255.0, labels.astype("int64")
