"""`keras_vae.datasets`: image datasets as float32 arrays in `[0, 1]`."""

import difflib
import os
import pathlib

import numpy as np

from keras_vae import checks
from keras_vae import data_checks

# Examples that error messages name; `load` takes any TFDS image dataset.
KNOWN_DATASETS = ("mnist", "fashion_mnist")

# The `tf.image` function for each `(channels of the data, channels=)`.
_CHANNEL_CONVERSIONS = {(3, 1): "rgb_to_grayscale", (1, 3): "grayscale_to_rgb"}
_COLOR_MODES = {1: "grayscale", 3: "rgb"}

# Examples per batch while a split is read into memory.
_READ_BATCH_SIZE = 1024


def binarize(x, seed=None):
    """Draws one binary copy of images: pixel on with probability its value.

    For a test set binarized once, as in the binarized-MNIST protocol of
    Burda et al. (2016): the same `seed` gives the same draw, so everyone
    who evaluates on it scores the same images. Training draws afresh with
    `VAE(..., dynamic_binarization=True)` instead. Binary data comes out
    unchanged.

    Args:
        x: array of intensities in `[0, 1]`, any shape, e.g. the float32
            images `load` returns.
        seed: optional integer seed of NumPy's default generator.

    Returns:
        Float32 NumPy array of zeros and ones with the shape of `x`.

    Raises:
        ValueError: `x` is empty, holds NaN or lies outside `[0, 1]`.

    Example:

    ```python
    _, (x_test, _) = keras_vae.datasets.load("mnist")
    x_test_binary = keras_vae.datasets.binarize(x_test, seed=0)
    ```
    """
    x = np.asarray(x)
    data_checks.check_batch(x, x.shape[1:], "bernoulli", name="x")
    uniform = np.random.default_rng(seed).random(x.shape, dtype="float32")
    return (uniform < x).astype("float32")


def mean_logits(x, clip=1e-3):
    """The logit of each pixel's mean over `x`: a decoder's starting bias.

    Burda et al. (2016) start the output bias of the Bernoulli decoder at
    the logit of the training set's mean pixel, so the untrained model
    already predicts the average image. Pass the result as
    `build_mlp_decoder(..., output_bias=...)`.

    Args:
        x: training images in `[0, 1]`, `(num_examples, *data_shape)`.
        clip: the means are clipped to `[clip, 1 - clip]` first, so pixels
            that are always off (MNIST's corners) get a finite logit.

    Returns:
        Float32 NumPy array of shape `data_shape`.

    Example:

    ```python
    bias = keras_vae.datasets.mean_logits(x_train)
    decoder = keras_vae.build_mlp_decoder((28, 28, 1), 50, output_bias=bias)
    ```
    """
    x = np.asarray(x)
    data_checks.check_batch(x, x.shape[1:], "bernoulli", name="x")
    clip = checks.non_negative_float("clip", clip)
    if not clip < 0.5:
        raise ValueError(
            f"Expected `clip` in [0, 0.5). Received: clip={clip}"
        )
    mean = np.clip(x.astype("float64").mean(axis=0), clip, 1.0 - clip)
    return np.log(mean / (1.0 - mean)).astype("float32")


def load(
    name,
    data_dir=None,
    download=True,
    limit=None,
    image_size=None,
    channels=None,
):
    """Loads an image dataset from TensorFlow Datasets as NumPy arrays.

    Any TFDS dataset with an `image` feature works, e.g. `"mnist"`,
    `"fashion_mnist"`, `"cifar10"`, `"svhn_cropped"` or `"celeb_a"`. The
    data is read from `data_dir`, else from the `TFDS_DATA_DIR` environment
    variable, else from `~/tensorflow_datasets`, as `tfds.load` does. If it
    is not there, it is downloaded when `download` is true.

    The training images come from the `"train"` split, the test images from
    the `"test"` split, or from `"validation"` when the dataset has no
    `"test"` split. Each split is read whole into memory as float32, 4 bytes
    per pixel and channel: 600 MB for CIFAR-10's training split, and 76 GB
    for CelebA's at its 218x178 size; use `limit=` and `image_size=` to read
    less.

    Args:
        name: a TFDS dataset name (`tfds.list_builders()` lists them), with
            an optional config and version as in `tfds.load`, e.g.
            `"cifar10"` or `"mnist:3.0.1"`.
        data_dir: optional directory holding TFDS data.
        download: whether to download and prepare the data if it is missing.
        limit: optional positive integer: read only the first `limit`
            examples of each split, in the order a full load returns them
            (quick runs; the rest is never decoded).
        image_size: optional `(height, width)`: resize every image to it
            with `tf.image.resize(method="bilinear", antialias=True)`, which
            averages pixels when shrinking. Required when the dataset's
            images vary in size.
        channels: optional `1` or `3`: convert RGB images to grayscale
            (`tf.image.rgb_to_grayscale`) or grayscale ones to RGB (the gray
            value repeated). `None` keeps the dataset's channels.

    Returns:
        `((x_train, y_train), (x_test, y_test))`: images as float32 arrays
        of shape `(num_examples, height, width, channels)` with values in
        `[0, 1]` (e.g. `(60000, 28, 28, 1)` for MNIST, `(50000, 32, 32, 3)`
        for CIFAR-10); labels as int64 arrays of shape `(num_examples,)`
        when the dataset has a class-label feature named `label`, else
        `None` (e.g. `celeb_a`, whose annotations are attributes and
        landmarks).

    Raises:
        ValueError: for a name TFDS does not know (the message lists close
            matches), a dataset without an `image` feature or without the
            splits above, images of varying size without `image_size`, a
            `channels` conversion other than grayscale <-> RGB, or an
            invalid `limit`, `image_size` or `channels`.
        FileNotFoundError: if the data is missing and cannot be downloaded;
            the message names the directory that was searched.

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = keras_vae.datasets.load("mnist")
    (x_train, _), (x_test, _) = keras_vae.datasets.load(
        "celeb_a", limit=1000, image_size=(64, 64)
    )  # labels are None: CelebA has no `label` feature
    ```
    """
    if limit is not None:
        limit = checks.positive_int("limit", limit)
    if image_size is not None:
        image_size = checks.image_size("image_size", image_size)
    if channels is not None:
        channels = checks.int_choice("channels", channels, (1, 3))
    # Read here, not left to TFDS, which keeps the first default it saw.
    data_dir = data_dir or os.environ.get("TFDS_DATA_DIR")
    builder = _builder(name, data_dir)
    conversion = _check_image_feature(builder, image_size, channels)
    _prepare(builder, download)
    splits = (
        _split_name(builder, ("train",)),
        _split_name(builder, ("test", "validation")),
    )
    has_label = _has_class_label(builder)
    return tuple(
        _split_as_arrays(
            builder, split, limit, has_label, image_size, conversion
        )
        for split in splits
    )


def from_directory(
    path,
    image_size,
    channels=3,
    labels="inferred",
    batch_size=None,
    shuffle=True,
    validation_split=None,
    seed=None,
    **kwargs,
):
    """Loads a folder of image files as float32 images in `[0, 1]`.

    Wraps `keras.utils.image_dataset_from_directory`: with
    `labels="inferred"` the folder holds one sub-folder per class
    (`path/cats/*.png`, `path/dogs/*.jpg`) and the labels are the classes'
    indices in alphabetical order of the sub-folder names; with
    `labels=None` every image under `path` is read, without labels. Files
    ending in `.bmp`, `.gif`, `.jpeg`, `.jpg` or `.png` are read; each image
    is resized to `image_size` by Keras (bilinear, without antialiasing;
    pass `interpolation=` or `crop_to_aspect_ratio=True` to change that).

    With `batch_size=None` (the default) the images are read into NumPy
    arrays, which `vae.fit(x_train, ...)` takes on every backend; all of
    them are held in memory, 4 bytes per pixel and channel. With an integer
    `batch_size` it returns a `tf.data.Dataset` that reads the files batch by
    batch while training (`vae.fit(dataset)` works on every backend), for
    folders too big for memory.

    Args:
        path: the folder of images.
        image_size: `(height, width)` that every image is resized to; for
            `build_conv_encoder`, sides divisible by `2 ** len(filters)`.
        channels: `1` (read as grayscale) or `3` (read as RGB).
        labels: `"inferred"` (from the sub-folder names) or `None`.
        batch_size: `None` for NumPy arrays, or a positive integer for a
            `tf.data.Dataset` of batches of that size.
        shuffle: whether to shuffle the images (Keras' default); `False`
            keeps alphanumeric order of the file paths.
        validation_split: optional float in `(0, 1)`: the fraction of the
            images held out for validation. Needs `seed` when shuffling, so
            that the two subsets do not overlap.
        seed: optional integer seed of the shuffling and the split.
        **kwargs: other arguments of
            `keras.utils.image_dataset_from_directory`, such as
            `class_names`, `interpolation`, `crop_to_aspect_ratio` or
            `follow_links`.

    Returns:
        With `batch_size=None`: `(images, labels)`, images a float32 array
        `(num_images, height, width, channels)` in `[0, 1]` and labels an
        int64 array `(num_images,)` (`None` when `labels=None`). With an
        integer `batch_size`: a `tf.data.Dataset` yielding `(images,
        labels)` batches (`images` only when `labels=None`) of the same
        dtypes. With `validation_split`: a pair of those, `(training,
        validation)`.

    Raises:
        FileNotFoundError: if `path` is not a folder.
        ValueError: if no image file is found, if an image file cannot be
            decoded (the message names the file; with an integer
            `batch_size` TensorFlow's own error comes when the batch holding
            it is read), or for an invalid `image_size` or `channels`.

    Example:

    ```python
    (x_train, y_train), (x_val, y_val) = keras_vae.datasets.from_directory(
        "photos/", image_size=(64, 64), validation_split=0.1, seed=0
    )
    ```
    """
    import keras

    image_size = checks.image_size("image_size", image_size)
    channels = checks.int_choice("channels", channels, (1, 3))
    path = pathlib.Path(path)
    if not path.is_dir():
        raise FileNotFoundError(
            f"No image folder at {path}: it does not exist or is not a "
            "folder. Expected a folder of image files, in one sub-folder per "
            "class with `labels='inferred'`."
        )
    try:
        datasets = keras.utils.image_dataset_from_directory(
            path,
            labels=labels,
            label_mode="int" if labels is not None else None,
            color_mode=_COLOR_MODES[channels],
            batch_size=None,
            image_size=image_size,
            shuffle=shuffle,
            seed=seed,
            validation_split=validation_split,
            subset="both" if validation_split else None,
            verbose=False,
            **kwargs,
        )
    except ValueError as error:
        if not str(error).startswith("No images found"):
            raise
        raise ValueError(
            f"{error}. With `labels='inferred'` the images must be in one "
            f"sub-folder per class ({path}/<class name>/<image>); with "
            "`labels=None`, anywhere under it."
        ) from error
    if not validation_split:
        return _from_files(datasets, batch_size)
    return tuple(_from_files(dataset, batch_size) for dataset in datasets)


def _builder(name, data_dir):
    """`tfds.builder(name)`, with close matches for an unknown name."""
    import tensorflow_datasets as tfds

    try:
        return tfds.builder(name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError as error:
        close = difflib.get_close_matches(
            str(name),
            tfds.list_builders(with_community_datasets=False),
            n=5,
            cutoff=0.6,
        )
        raise ValueError(
            f"Unknown dataset name: {name!r}. Close matches in TensorFlow "
            f"Datasets: {close}. `name` may be any TFDS dataset with an "
            "`image` feature (`tfds.list_builders()` lists them), such as "
            f"{[*KNOWN_DATASETS, 'cifar10', 'svhn_cropped', 'celeb_a']}."
        ) from error


def _check_image_feature(builder, image_size, channels):
    """Checks the dataset's `image` feature against `image_size` and
    `channels`, before any download; returns the channel conversion to
    apply, or `None`."""
    import tensorflow_datasets as tfds

    features = builder.info.features
    if "image" not in features or not isinstance(
        features["image"], tfds.features.Image
    ):
        raise ValueError(
            f"Dataset {builder.name!r} has no `image` feature, so it is not "
            "an image dataset `load` can read. Its features are: "
            f"{list(features.keys())}"
        )
    image = features["image"]
    height, width, data_channels = image.shape
    if image_size is None and (height is None or width is None):
        raise ValueError(
            f"The images of dataset {builder.name!r} vary in size (feature "
            f"shape {image.shape}), so they cannot be stacked into one array. "
            "Pass `image_size=(height, width)` to resize them, e.g. "
            "image_size=(64, 64)."
        )
    if channels is None or channels == data_channels:
        return None
    if (data_channels, channels) not in _CHANNEL_CONVERSIONS:
        raise ValueError(
            f"Cannot convert the {data_channels}-channel images of dataset "
            f"{builder.name!r} to channels={channels}: only RGB (3) to "
            "grayscale (1) and grayscale to RGB are supported. Pass "
            "channels=None to keep the dataset's channels."
        )
    return _CHANNEL_CONVERSIONS[(data_channels, channels)]


def _prepare(builder, download):
    """Downloads and prepares the dataset if it is missing and allowed."""
    if builder.is_prepared():
        return
    name = builder.name
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


def _split_name(builder, candidates):
    """The first of `candidates` that the dataset has as a split."""
    splits = list(builder.info.splits.keys())
    for candidate in candidates:
        if candidate in splits:
            return candidate
    raise ValueError(
        f"Dataset {builder.name!r} has none of the splits {list(candidates)} "
        f"that `load` reads. Its splits are: {splits}"
    )


def _has_class_label(builder):
    import tensorflow_datasets as tfds

    features = builder.info.features
    return "label" in features and isinstance(
        features["label"], tfds.features.ClassLabel
    )


def _split_as_arrays(builder, split, limit, has_label, image_size, conversion):
    """One split as `(images, labels)` arrays, `labels` `None` if unlabeled."""
    import tensorflow as tf

    def to_example(features):
        images = tf.image.convert_image_dtype(features["image"], tf.float32)
        if conversion is not None:
            images = getattr(tf.image, conversion)(images)
        if image_size is not None:
            images = _clipped(
                tf.image.resize(images, image_size, antialias=True)
            )
        if not has_label:
            return images
        return images, tf.cast(features["label"], tf.int64)

    dataset = builder.as_dataset(split=split, shuffle_files=False)
    if limit is not None:
        dataset = dataset.take(limit)
    return _as_arrays(
        dataset.map(to_example, num_parallel_calls=tf.data.AUTOTUNE)
    )


def _from_files(dataset, batch_size):
    """A dataset from `image_dataset_from_directory` scaled to `[0, 1]`,
    as arrays or batched."""
    import tensorflow as tf

    def scale(images, *labels):
        scaled = _clipped(images / 255.0)
        if not labels:
            return scaled
        return scaled, tf.cast(labels[0], tf.int64)

    scaled = dataset.map(scale, num_parallel_calls=tf.data.AUTOTUNE)
    if batch_size is not None:
        batch_size = checks.positive_int("batch_size", batch_size)
        return scaled.batch(batch_size).prefetch(tf.data.AUTOTUNE)
    try:
        return _as_arrays(scaled)
    except tf.errors.InvalidArgumentError as error:
        # The pipeline's error does not say which file failed: find it by
        # decoding the files one by one, which costs nothing unless one did.
        for file_path in dataset.file_paths:
            try:
                tf.io.decode_image(tf.io.read_file(file_path))
            except tf.errors.InvalidArgumentError as file_error:
                raise ValueError(
                    f"Could not decode the image file {file_path}: "
                    f"{file_error.message}. Replace or remove it."
                ) from error
        raise


def _clipped(images):
    """`images` clipped to `[0, 1]`: float rounding in a resize can step just
    outside, which the Bernoulli likelihood's data check refuses."""
    import tensorflow as tf

    return tf.clip_by_value(images, 0.0, 1.0)


def _as_arrays(dataset):
    """Reads a dataset of `images` or `(images, labels)` examples into
    `(images, labels)` NumPy arrays, `labels` `None` for the first kind."""
    import numpy as np

    batches = list(dataset.batch(_READ_BATCH_SIZE).as_numpy_iterator())
    if isinstance(batches[0], tuple):
        return tuple(np.concatenate(parts) for parts in zip(*batches))
    return np.concatenate(batches), None
