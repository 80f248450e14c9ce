"""The callbacks of `likelihood.py`'s training runs: what each epoch logs
beside Keras' own (its seconds, the trained weights' validation loss under
weight averaging, a VampPrior's use of its components) and the save of the
model selected on validation."""

import time

import keras

import keras_vae


class EpochSeconds(keras.callbacks.Callback):
    """Adds each epoch's wall-clock seconds to the logs, as `epoch_seconds`,
    so that the CSV log sums to the training time across resumed runs."""

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs["epoch_seconds"] = time.perf_counter() - self._start


class ValidationWithoutEMA(keras.callbacks.Callback):
    """Logs the validation loss of the trained weights, as
    `val_loss_without_ema`, beside that of their moving average. Goes
    before `keras.callbacks.SwapEMAWeights(swap_on_epoch=True)`, which
    swaps the average in at the end of each epoch. `batch_size` is fit's,
    so that the validation batches' compiled step is reused."""

    def __init__(self, x_validation, batch_size):
        super().__init__()
        self.x_validation = x_validation
        self.batch_size = batch_size

    def on_epoch_end(self, epoch, logs=None):
        logs["val_loss_without_ema"] = self.model.evaluate(
            self.x_validation,
            batch_size=self.batch_size,
            verbose=0,
            return_dict=True,
        )["loss"]


class PriorPerplexity(keras.callbacks.Callback):
    """Logs how many of a VampPrior's components the codes use, as
    `val_prior_perplexity`: `exp` of the entropy of the components' mean
    responsibility for codes drawn from `q(z | x)` of the validation
    images (by `keras_vae.Sampling`, afresh each epoch; the top layer's,
    lower layers at their means, as the prior's components are). K when
    every component holds an equal share, 1 when one holds them all."""

    def __init__(self, x_validation, seed=0):
        super().__init__()
        self.x_validation = x_validation
        self.sampling = keras_vae.Sampling(seed=seed)

    def on_epoch_end(self, epoch, logs=None):
        posterior = map(
            keras.ops.convert_to_tensor, self.model.encode(self.x_validation)
        )
        log_densities = keras_vae.priors._component_log_densities(
            self.sampling(list(posterior)), *self.model.prior.components()
        )
        shares = keras.ops.mean(keras.ops.softmax(log_densities), axis=0)
        entropy = -keras.ops.sum(
            keras.ops.where(shares > 0, shares * keras.ops.log(shares), 0.0)
        )
        logs["val_prior_perplexity"] = float(keras.ops.exp(entropy))


class SaveBestAfterWarmup(keras.callbacks.Callback):
    """Saves the model at its best `val_loss` among the epochs with beta at
    its target: during warm-up the loss is not the bound being reported.
    The best value so far is read back from the training log on resume."""

    def __init__(self, path, first_epoch, best):
        super().__init__()
        self.path = path
        self.first_epoch = first_epoch
        self.best = best

    def on_epoch_end(self, epoch, logs=None):
        if epoch >= self.first_epoch and logs["val_loss"] < self.best:
            self.best = logs["val_loss"]
            self.model.save(self.path)
