"""Every check fails on at least one realistic mistake, and each mistake fails exactly the checks it should.

TABLE lists, per mutation of the catalogue (nndl_hw4.mutants), the exact set
of checks it fails. Only checks that import the mutated module are observed
(Runtime.exercises): the others cannot change. Layer mistakes show up only in
their layer's checks: the network checks run the student's network with
trusted layers (one mistake, one penalty; the rubric's cascade switch
restores the old behaviour). Legitimate variants must pass every check.
"""

import pytest

from nndl_hw4 import mutants

from .conftest import failing

TABLE = [
    pytest.param('adam-no-bias-correction', {'adam/dead_unit', 'adam/defaults', 'adam/float32', 'adam/public', 'adam/steps'}, id='adam-no-bias-correction'),
    pytest.param('dropout-other-convention', {'dropout_forward/drop_fraction', 'dropout_forward/public', 'dropout_forward/scaling'}, id='dropout-other-convention'),
    pytest.param('fc-no-reg-gradient-last-layer', {'fc_net_batchnorm/grads', 'fc_net_batchnorm/public_grads', 'fc_net_dropout/grads', 'fc_net_dropout/with_batchnorm', 'hw3/fc_grads', 'hw3/public_fc_grads'}, id='fc-no-reg-gradient-last-layer'),
    pytest.param('rmsprop-step-with-old-cache', {'rmsprop/dead_unit', 'rmsprop/defaults', 'rmsprop/float32', 'rmsprop/public', 'rmsprop/steps', 'rmsprop/training'}, id='rmsprop-step-with-old-cache'),
    pytest.param('momentum-velocity-sign-flip', {'sgd_momentum/public', 'sgd_momentum/state'}, id='momentum-velocity-sign-flip'),
    pytest.param('momentum-gradient-ascent', {'sgd_momentum/defaults', 'sgd_momentum/float32', 'sgd_momentum/public', 'sgd_momentum/steps', 'sgd_momentum/training'}, id='momentum-gradient-ascent'),
    pytest.param('momentum-velocity-not-stored', {'sgd_momentum/defaults', 'sgd_momentum/float32', 'sgd_momentum/public', 'sgd_momentum/state', 'sgd_momentum/steps', 'sgd_momentum/training'}, id='momentum-velocity-not-stored'),
    pytest.param('nesterov-as-plain-momentum', {'sgd_nesterov_momentum/defaults', 'sgd_nesterov_momentum/float32', 'sgd_nesterov_momentum/public', 'sgd_nesterov_momentum/steps'}, id='nesterov-as-plain-momentum'),
    pytest.param('nesterov-sign-flip', {'sgd_nesterov_momentum/defaults', 'sgd_nesterov_momentum/float32', 'sgd_nesterov_momentum/public', 'sgd_nesterov_momentum/steps'}, id='nesterov-sign-flip'),
    pytest.param('nesterov-gradient-ascent', {'sgd_nesterov_momentum/defaults', 'sgd_nesterov_momentum/float32', 'sgd_nesterov_momentum/public', 'sgd_nesterov_momentum/state', 'sgd_nesterov_momentum/steps', 'sgd_nesterov_momentum/training'}, id='nesterov-gradient-ascent'),
    pytest.param('rmsprop-eps-on-weights', {'rmsprop/dead_unit'}, id='rmsprop-eps-on-weights'),
    pytest.param('adam-eps-on-weights', {'adam/dead_unit', 'adam/defaults', 'adam/steps'}, id='adam-eps-on-weights'),
    pytest.param('rmsprop-no-sqrt', {'rmsprop/dead_unit', 'rmsprop/defaults', 'rmsprop/float32', 'rmsprop/public', 'rmsprop/steps', 'rmsprop/training'}, id='rmsprop-no-sqrt'),
    pytest.param('rmsprop-decay-swapped', {'rmsprop/dead_unit', 'rmsprop/defaults', 'rmsprop/float32', 'rmsprop/public', 'rmsprop/state', 'rmsprop/steps'}, id='rmsprop-decay-swapped'),
    pytest.param('rmsprop-cache-not-stored', {'rmsprop/dead_unit', 'rmsprop/defaults', 'rmsprop/float32', 'rmsprop/public', 'rmsprop/state', 'rmsprop/steps'}, id='rmsprop-cache-not-stored'),
    pytest.param('adam-no-t-increment', {'adam/dead_unit', 'adam/defaults', 'adam/float32', 'adam/public', 'adam/state', 'adam/steps', 'adam/training'}, id='adam-no-t-increment'),
    pytest.param('adam-t-not-stored', {'adam/dead_unit', 'adam/defaults', 'adam/float32', 'adam/public', 'adam/state', 'adam/steps'}, id='adam-t-not-stored'),
    pytest.param('adam-only-first-moment-corrected', {'adam/dead_unit', 'adam/defaults', 'adam/float32', 'adam/public', 'adam/steps'}, id='adam-only-first-moment-corrected'),
    pytest.param('adam-moments-swapped', {'adam/dead_unit', 'adam/defaults', 'adam/float32', 'adam/public', 'adam/state', 'adam/steps', 'adam/training'}, id='adam-moments-swapped'),
    pytest.param('affine-forward-no-reshape', {'hw3/affine_backward', 'hw3/affine_forward', 'hw3/affine_relu_backward', 'hw3/affine_relu_forward', 'hw3/public_affine_forward'}, id='affine-forward-no-reshape'),
    pytest.param('affine-backward-no-reshape', {'hw3/affine_backward', 'hw3/affine_relu_backward'}, id='affine-backward-no-reshape'),
    pytest.param('affine-backward-db-mean', {'hw3/affine_backward', 'hw3/affine_relu_backward'}, id='affine-backward-db-mean'),
    pytest.param('relu-forward-np-max', {'hw3/affine_relu_forward', 'hw3/public_relu_forward', 'hw3/relu_forward'}, id='relu-forward-np-max'),
    pytest.param('relu-backward-mutates-cache', {'hw3/relu_backward_inputs'}, id='relu-backward-mutates-cache'),
    pytest.param('relu-backward-mutates-dout', {'hw3/relu_backward_inputs'}, id='relu-backward-mutates-dout'),
    pytest.param('relu-backward-relu-of-dout', {'hw3/affine_relu_backward', 'hw3/relu_backward'}, id='relu-backward-relu-of-dout'),
    pytest.param('affine-relu-forward-no-relu', {'hw3/affine_relu_forward'}, id='affine-relu-forward-no-relu'),
    pytest.param('affine-relu-backward-skips-relu', {'hw3/affine_relu_backward'}, id='affine-relu-backward-skips-relu'),
    pytest.param('batchnorm-variance-ddof1', {'batchnorm_backward/gradients', 'batchnorm_backward/public', 'batchnorm_forward_test/after_warmup', 'batchnorm_forward_train/output', 'batchnorm_forward_train/public', 'batchnorm_forward_train/running_defaults', 'batchnorm_forward_train/running_stats'}, id='batchnorm-variance-ddof1'),
    pytest.param('batchnorm-wrong-axis', {'batchnorm_backward/gradients', 'batchnorm_backward/public', 'batchnorm_forward_test/after_warmup', 'batchnorm_forward_test/public', 'batchnorm_forward_train/output', 'batchnorm_forward_train/public', 'batchnorm_forward_train/running_defaults', 'batchnorm_forward_train/running_stats'}, id='batchnorm-wrong-axis'),
    pytest.param('batchnorm-momentum-swapped', {'batchnorm_forward_test/after_warmup', 'batchnorm_forward_train/running_defaults', 'batchnorm_forward_train/running_stats'}, id='batchnorm-momentum-swapped'),
    pytest.param('batchnorm-running-std', {'batchnorm_forward_test/after_warmup', 'batchnorm_forward_test/public', 'batchnorm_forward_train/running_defaults', 'batchnorm_forward_train/running_stats'}, id='batchnorm-running-std'),
    pytest.param('batchnorm-running-not-updated', {'batchnorm_forward_test/after_warmup', 'batchnorm_forward_test/public', 'batchnorm_forward_train/running_defaults', 'batchnorm_forward_train/running_stats'}, id='batchnorm-running-not-updated'),
    pytest.param('batchnorm-running-not-written-back', {'batchnorm_forward_test/after_warmup', 'batchnorm_forward_test/public', 'batchnorm_forward_train/running_defaults', 'batchnorm_forward_train/running_stats'}, id='batchnorm-running-not-written-back'),
    pytest.param('batchnorm-no-eps', {'batchnorm_backward/gradients', 'batchnorm_backward/public', 'batchnorm_forward_train/output', 'batchnorm_forward_train/running_stats'}, id='batchnorm-no-eps'),
    pytest.param('batchnorm-test-uses-batch-stats', {'batchnorm_forward_test/after_warmup', 'batchnorm_forward_test/given_stats'}, id='batchnorm-test-uses-batch-stats'),
    pytest.param('batchnorm-unknown-mode-as-test', {'batchnorm_forward_test/invalid_mode'}, id='batchnorm-unknown-mode-as-test'),
    pytest.param('batchnorm-backward-no-mean-path', {'batchnorm_backward/gradients', 'batchnorm_backward/public'}, id='batchnorm-backward-no-mean-path'),
    pytest.param('batchnorm-backward-no-variance-path', {'batchnorm_backward/gradients', 'batchnorm_backward/public'}, id='batchnorm-backward-no-variance-path'),
    pytest.param('dropout-no-inverted-scaling', {'dropout_forward/public', 'dropout_forward/scaling'}, id='dropout-no-inverted-scaling'),
    pytest.param('dropout-mask-at-test', {'dropout_forward/public', 'dropout_forward/test_identity'}, id='dropout-mask-at-test'),
    pytest.param('dropout-scale-at-test', {'dropout_forward/public', 'dropout_forward/test_identity'}, id='dropout-scale-at-test'),
    pytest.param('dropout-unseeded-generator', {'dropout_forward/seed'}, id='dropout-unseeded-generator'),
    pytest.param('dropout-float64-output', {'dropout_forward/dtype'}, id='dropout-float64-output'),
    pytest.param('dropout-backward-ignores-mask', {'dropout_backward/mask', 'dropout_backward/public'}, id='dropout-backward-ignores-mask'),
    pytest.param('dropout-backward-unscaled', {'dropout_backward/mask', 'dropout_backward/public'}, id='dropout-backward-unscaled'),
    pytest.param('dropout-backward-scale-at-test', {'dropout_backward/test_identity'}, id='dropout-backward-scale-at-test'),
    pytest.param('fc-reg-no-half', {'fc_net_batchnorm/loss', 'fc_net_batchnorm/public_grads', 'fc_net_dropout/loss', 'hw3/fc_loss', 'hw3/public_fc_grads'}, id='fc-reg-no-half'),
    pytest.param('fc-reg-all-params-in-loss', {'fc_net_batchnorm/loss', 'fc_net_batchnorm/public_grads', 'fc_net_dropout/loss', 'hw3/fc_loss'}, id='fc-reg-all-params-in-loss'),
    pytest.param('fc-ignores-dtype', {'fc_net_batchnorm/init', 'hw3/fc_init'}, id='fc-ignores-dtype'),
    pytest.param('fc-hardcoded-float32', {'hw3/fc_init_float64'}, id='fc-hardcoded-float32'),
    pytest.param('fc-weights-not-scaled', {'fc_net_batchnorm/init', 'hw3/fc_init', 'hw3/fc_init_float64'}, id='fc-weights-not-scaled'),
    pytest.param('fc-gamma-init-zeros', {'fc_net_batchnorm/init', 'fc_net_batchnorm/training'}, id='fc-gamma-init-zeros'),
    pytest.param('fc-batchnorm-on-output', {'fc_net_batchnorm/grads', 'fc_net_batchnorm/init', 'fc_net_batchnorm/loss', 'fc_net_batchnorm/public_grads', 'fc_net_batchnorm/running_stats', 'fc_net_batchnorm/test_scores', 'fc_net_batchnorm/training', 'fc_net_dropout/with_batchnorm'}, id='fc-batchnorm-on-output'),
    pytest.param('fc-shared-bn-param', {'fc_net_batchnorm/grads', 'fc_net_batchnorm/init', 'fc_net_batchnorm/loss', 'fc_net_batchnorm/public_grads', 'fc_net_batchnorm/running_stats', 'fc_net_batchnorm/test_scores', 'fc_net_dropout/with_batchnorm'}, id='fc-shared-bn-param'),
    pytest.param('fc-dropout-after-output', {'fc_net_dropout/grads', 'fc_net_dropout/loss', 'fc_net_dropout/masks', 'fc_net_dropout/public_grads', 'fc_net_dropout/with_batchnorm'}, id='fc-dropout-after-output'),
    pytest.param('fc-dropout-complement', {'fc_net_dropout/grads', 'fc_net_dropout/loss', 'fc_net_dropout/masks', 'fc_net_dropout/public_grads', 'fc_net_dropout/with_batchnorm'}, id='fc-dropout-complement'),
    pytest.param('fc-no-dropout', {'fc_net_dropout/grads', 'fc_net_dropout/loss', 'fc_net_dropout/masks', 'fc_net_dropout/public_grads', 'fc_net_dropout/test_scores', 'fc_net_dropout/with_batchnorm'}, id='fc-no-dropout'),
    pytest.param('fc-output-no-bias', {'fc_net_batchnorm/grads', 'fc_net_batchnorm/loss', 'fc_net_batchnorm/test_scores', 'fc_net_dropout/grads', 'fc_net_dropout/loss', 'fc_net_dropout/test_scores', 'fc_net_dropout/with_batchnorm', 'hw3/fc_grads', 'hw3/fc_loss', 'hw3/fc_scores'}, id='fc-output-no-bias'),
    pytest.param('fc-dropout-no-backward', {'fc_net_dropout/grads', 'fc_net_dropout/public_grads', 'fc_net_dropout/with_batchnorm'}, id='fc-dropout-no-backward'),
    pytest.param('fc-dropout-inline-no-backward', {'fc_net_dropout/grads', 'fc_net_dropout/loss', 'fc_net_dropout/masks', 'fc_net_dropout/public_grads', 'fc_net_dropout/with_batchnorm'}, id='fc-dropout-inline-no-backward'),
    pytest.param('adam-moments-not-stored', {'adam/dead_unit', 'adam/defaults', 'adam/float32', 'adam/public', 'adam/state', 'adam/steps'}, id='adam-moments-not-stored'),
    pytest.param('nesterov-velocity-not-stored', {'sgd_nesterov_momentum/defaults', 'sgd_nesterov_momentum/float32', 'sgd_nesterov_momentum/public', 'sgd_nesterov_momentum/state', 'sgd_nesterov_momentum/steps', 'sgd_nesterov_momentum/training'}, id='nesterov-velocity-not-stored'),
    pytest.param('adam-t-incremented-after-use', {'adam/dead_unit', 'adam/defaults', 'adam/float32', 'adam/public', 'adam/steps', 'adam/training'}, id='adam-t-incremented-after-use'),
    pytest.param('dropout-scale-wrong-factor', {'dropout_forward/public', 'dropout_forward/scaling'}, id='dropout-scale-wrong-factor'),
    pytest.param('fc-reg-gradient-doubled', {'fc_net_batchnorm/grads', 'fc_net_batchnorm/public_grads', 'fc_net_dropout/grads', 'fc_net_dropout/with_batchnorm', 'hw3/fc_grads', 'hw3/public_fc_grads'}, id='fc-reg-gradient-doubled'),
    pytest.param('batchnorm-backward-dgamma-no-xhat', {'batchnorm_backward/gradients', 'batchnorm_backward/public'}, id='batchnorm-backward-dgamma-no-xhat'),
]

LEGIT = [m.id for m in mutants.CATALOGUE if m.legit]


def _mutation(mutation_id):
    try:
        return mutants.by_id(mutation_id)
    except KeyError:
        pytest.fail(f"{mutation_id} is in TABLE but no longer in the catalogue: update TABLE")


@pytest.mark.parametrize("mutation_id, expected", TABLE)
def test_a_mistake_fails_exactly_its_checks(mutation_id, expected, verdicts_of):
    assert not _mutation(mutation_id).legit
    assert failing(verdicts_of(mutation_id)) == set(expected)


@pytest.mark.parametrize("mutation_id", LEGIT)
def test_a_legitimate_variant_passes_every_check(mutation_id, verdicts_of):
    failed = {cid: v.message for cid, (_, v) in verdicts_of(mutation_id).items() if not v.passed}
    assert not failed


def test_every_check_is_failed_by_some_mistake_in_the_table(checks):
    caught = set().union(*(set(expected) for _, expected in (p.values for p in TABLE)))
    assert {c.id for c in checks} - caught == set()


def test_every_mistake_in_the_catalogue_fails_some_check(verdicts_of):
    in_table = {p.values[0] for p in TABLE}
    for mutation in mutants.CATALOGUE:
        if not mutation.legit and mutation.id not in in_table:
            assert failing(verdicts_of(mutation.id)), f"{mutation.id} passes every check"


def test_failure_messages_name_the_function_and_the_case(checks, verdicts_of):
    by_id = {c.id: c for c in checks}
    for mutation_id, expected in (p.values for p in TABLE):
        if mutation_id not in {m.id for m in mutants.CATALOGUE}:
            continue
        for cid, (observation, verdict) in verdicts_of(mutation_id).items():
            if verdict.passed:
                continue
            check = by_id[cid]
            assert verdict.message.startswith(check.function), (mutation_id, verdict.message)
            if observation.status == "ok":   # judged by the check (errors are worded by grading.judging)
                assert f"{check.function} ({check.title}): " in verdict.message, (mutation_id, verdict.message)
                if "relative error" in verdict.message:
                    assert "tolerance" in verdict.message, (mutation_id, verdict.message)
