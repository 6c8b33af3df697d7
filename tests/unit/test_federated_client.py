"""The federated client's differential-privacy noise, without a chain."""

import warnings

import numpy as np

from sharedmodels.federated.client import Privacy


def test_privacy_noise_is_quiet_at_large_epsilons():
    """diffprivlib's analytic calibration overflows exp() at large epsilons (harmless): the
    federated demo printed some 800 RuntimeWarnings; they are silenced where the noise is set
    up, and the noisy update stays finite."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for epsilon in (1.0, 10.0, 100.0, 1000.0):
            noisy = Privacy(epsilon).noisy(np.ones(5), 3.0, 0)
            assert np.all(np.isfinite(noisy))
    assert [str(w.message) for w in caught] == []
