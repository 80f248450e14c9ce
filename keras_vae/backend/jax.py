"""The JAX step: pure functions of the state that return the new state.

The state is Keras' `(trainable, non-trainable, optimizer, metrics)`
variable values. The non-trainable ones hold the `SeedGenerator` state of
the `Sampling` (and binarization) layers: a step that dropped their update
would replay the same noise at every step.
"""

import jax
import keras


def _stateless(variables, values, function):
    """`function()` with `variables` read from `values`, the state
    that JAX carries: returns its result and the variables' values after it
    (a `SeedGenerator` advanced, a tracker updated)."""
    mapping = list(zip(variables, values))
    with keras.StatelessScope(state_mapping=mapping) as scope:
        result = function()
    return result, [scope.get_current_value(variable) for variable in variables]


def _loss_terms(
    model,
    trainable_variables,
    non_trainable_variables,
    inputs,
    outputs,
    sample_weight,
):
    # The loss reads variables: non-trainable ones such as `beta`, and
    # trainable ones such as a VampPrior's pseudo-inputs and the encoder
    # it runs them through. From the state, or the compiled step would keep
    # their values at tracing time and their gradients would be lost.
    terms, _ = _stateless(
        [*model.trainable_variables, *model.non_trainable_variables],
        [*trainable_variables, *non_trainable_variables],
        lambda: model.compute_loss_terms(
            inputs, *outputs, sample_weight=sample_weight
        ),
    )
    return terms


def _loss(
    trainable_variables,
    non_trainable_variables,
    optimizer_variables,
    model,
    inputs,
    sample_weight,
):
    outputs, non_trainable_variables = model.stateless_call(
        trainable_variables, non_trainable_variables, inputs, training=True
    )
    terms = _loss_terms(
        model,
        trainable_variables,
        non_trainable_variables,
        inputs,
        outputs,
        sample_weight,
    )
    # Loss scaling (mixed precision) reads the optimizer's scale variable.
    scaled_loss, _ = _stateless(
        model.optimizer.variables,
        optimizer_variables,
        lambda: model.optimizer.scale_loss(terms["loss"]),
    )
    return scaled_loss, (terms, non_trainable_variables)


def _batch(model, non_trainable_variables, data):
    # Dynamic binarization draws from a SeedGenerator, a non-trainable
    # variable: draw on the state's value and return the advanced one.
    inputs, non_trainable_variables = _stateless(
        model.non_trainable_variables,
        non_trainable_variables,
        lambda: model.binarized(model.unpack_x(data)),
    )
    return inputs, model.unpack_sample_weight(data), non_trainable_variables


def _update_trackers(model, metrics_variables, terms, inputs, sample_weight):
    """`model.update_loss_trackers` on the state's metrics variables:
    `(logs, new metrics variables)`."""
    return _stateless(
        model.metrics_variables,
        metrics_variables,
        lambda: model.update_loss_trackers(terms, inputs, sample_weight),
    )


def train_step(model, state, data):
    """One gradient step on a batch: `(logs, new state)`."""
    (
        trainable_variables,
        non_trainable_variables,
        optimizer_variables,
        metrics_variables,
    ) = state
    inputs, sample_weight, non_trainable_variables = _batch(
        model, non_trainable_variables, data
    )
    gradient_fn = jax.value_and_grad(_loss, has_aux=True)
    (_, (terms, non_trainable_variables)), gradients = gradient_fn(
        trainable_variables,
        non_trainable_variables,
        optimizer_variables,
        model,
        inputs,
        sample_weight,
    )
    trainable_variables, optimizer_variables = model.optimizer.stateless_apply(
        optimizer_variables, gradients, trainable_variables
    )
    logs, metrics_variables = _update_trackers(
        model, metrics_variables, terms, inputs, sample_weight
    )
    return logs, (
        trainable_variables,
        non_trainable_variables,
        optimizer_variables,
        metrics_variables,
    )


def test_step(model, state, data):
    """The loss trackers updated with a batch: `(logs, new state)`."""
    trainable_variables, non_trainable_variables, metrics_variables = state
    inputs, sample_weight, non_trainable_variables = _batch(
        model, non_trainable_variables, data
    )
    outputs, non_trainable_variables = model.stateless_call(
        trainable_variables, non_trainable_variables, inputs, training=False
    )
    terms = _loss_terms(
        model,
        trainable_variables,
        non_trainable_variables,
        inputs,
        outputs,
        sample_weight,
    )
    logs, metrics_variables = _update_trackers(
        model, metrics_variables, terms, inputs, sample_weight
    )
    return logs, (
        trainable_variables,
        non_trainable_variables,
        metrics_variables,
    )


def predict_outputs_on_host(predict_function):
    """`predict_function` itself: JAX's predict loop keeps memory flat (see
    the torch module)."""
    return predict_function
