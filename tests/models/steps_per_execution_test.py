"""The default `steps_per_execution="auto"` and the step counts it must keep."""

import hypothesis
import keras
from hypothesis import strategies as st

from keras_vae import execution
from tests.helpers import synthetic_digits
from tests.helpers import tiny_vae
from tests.helpers import to_numpy

AUTO = 1 if keras.backend.backend() == "torch" else 32
counts = st.one_of(st.none(), st.integers(1, 500))


@hypothesis.given(
    steps_per_execution=st.integers(1, 64), step_counts=st.lists(counts)
)
@hypothesis.settings(deadline=None, max_examples=200)
def test_dividing_steps_per_execution_is_the_largest_common_divisor(
    steps_per_execution, step_counts
):
    result = execution.dividing_steps_per_execution(
        steps_per_execution, *step_counts
    )
    given = [count for count in step_counts if count]
    assert 1 <= result <= steps_per_execution
    assert all(count % result == 0 for count in given)
    larger = range(result + 1, steps_per_execution + 1)
    assert not given or not any(
        all(count % divisor == 0 for count in given) for divisor in larger
    )


def test_plain_compile_runs_32_steps_per_call_except_on_torch():
    vae = tiny_vae()
    vae.compile(optimizer="adam")
    assert vae.steps_per_execution == AUTO


def endless(batch):
    """An endless generator of the same batch."""
    while True:
        yield (batch,)


def examples_seen_by_the_trackers(vae):
    return int(to_numpy(vae.metrics[0].count))


def test_steps_per_epoch_below_a_call_runs_exactly_the_steps_asked():
    # With 32 steps per call, Keras would run 32 steps in each epoch of 10
    # and validate on 32 batches.
    vae = tiny_vae()
    batch, _ = synthetic_digits(16)
    vae.fit(
        endless(batch),
        epochs=2,
        steps_per_epoch=10,
        validation_data=endless(batch),
        validation_steps=3,
        verbose=0,
    )
    assert int(to_numpy(vae.optimizer.iterations)) == 20
    # The trackers hold the last validation run.
    assert examples_seen_by_the_trackers(vae) == 3 * len(batch)
    # The compiled value is restored for the next fit.
    assert vae.steps_per_execution == AUTO


def test_evaluate_and_predict_run_exactly_their_steps():
    vae = tiny_vae()
    batch, _ = synthetic_digits(16)
    vae.evaluate(endless(batch), steps=5, verbose=0)
    assert examples_seen_by_the_trackers(vae) == 5 * len(batch)
    z_mean = vae.predict(endless(batch), steps=5, verbose=0)[0]
    assert len(z_mean) == 5 * len(batch)
    assert vae.steps_per_execution == AUTO


def test_steps_per_epoch_of_a_whole_number_of_calls_keeps_the_compiled_value(
    monkeypatch,
):
    vae = tiny_vae()
    changes = []
    set_steps = vae._set_steps_per_execution
    monkeypatch.setattr(
        vae,
        "_set_steps_per_execution",
        lambda value: changes.append(value) or set_steps(value),
    )
    vae.fit(
        endless(synthetic_digits(16)[0]),
        epochs=1,
        steps_per_epoch=2 * AUTO,
        verbose=0,
    )
    assert int(to_numpy(vae.optimizer.iterations)) == 2 * AUTO
    assert changes == []
