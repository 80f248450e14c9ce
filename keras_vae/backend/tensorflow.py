"""The TensorFlow step: the forward pass recorded on a `tf.GradientTape`."""

import tensorflow as tf

from keras_vae.backend import eager

test_step = eager.test_step


def train_step(model, data):
    """One gradient step on a batch; returns the loss trackers' logs."""
    inputs, sample_weight = eager.batch(model, data)
    # Under `tf.distribute` each replica gets a slice of the batch and the
    # optimizer sums the replicas' gradients: dividing each replica's mean
    # loss by their number, as Keras' own losses do, makes that sum the
    # gradient of the mean over the whole batch. The trackers get the
    # unscaled terms, weighted by the slice's size and summed over replicas.
    num_replicas = tf.distribute.get_strategy().num_replicas_in_sync
    with tf.GradientTape() as tape:
        terms = eager.forward(model, inputs, sample_weight, training=True)
        scaled_loss = model.optimizer.scale_loss(terms["loss"] / num_replicas)
    trainable_variables = model.trainable_variables
    gradients = tape.gradient(scaled_loss, trainable_variables)
    model.optimizer.apply(gradients, trainable_variables)
    return model.update_loss_trackers(terms, inputs, sample_weight)


def predict_outputs_on_host(predict_function):
    """`predict_function` itself: TensorFlow's predict loop keeps memory
    flat (see the torch module)."""
    return predict_function
