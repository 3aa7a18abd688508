"""The compiled daily origin blending agrees with the steady-state rule it mirrors."""

from __future__ import annotations

import importlib

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from supplyshock.model.steady import output_origin

morning = importlib.import_module("supplyshock.sim.kernels.morning")


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_fac=st.integers(1, 6), n_org=st.integers(1, 3))
def test_daily_origin_blend_equals_output_origin(seed: int, n_fac: int, n_org: int) -> None:
    rng = np.random.default_rng(seed)
    in_fac = np.sort(rng.integers(0, n_fac, size=rng.integers(0, 12))).astype(np.int64)
    n_in = len(in_fac)
    value_in = rng.lognormal(size=n_in) * rng.integers(0, 2, size=n_in)  # some inputs free
    share_in = rng.dirichlet(np.ones(n_org), size=n_in) * rng.random((n_in, 1))
    own = np.eye(n_org)[rng.integers(0, n_org, size=n_fac)] * rng.integers(0, 2, (n_fac, 1))
    price_out = rng.lognormal(size=n_fac) * rng.choice([0.1, 1.0, 10.0], size=n_fac)
    expected = output_origin(value_in, share_in, in_fac, own, price_out)

    # stocks of one unit make the input shares the origin quantities themselves
    made, share_f = np.zeros((n_fac, n_org)), np.zeros((n_fac, n_org))
    morning._origin(
        n_in,
        np.ones(n_in),
        share_in.copy(),
        np.zeros(n_fac),
        np.zeros((n_fac, n_org)),
        value_in,
        np.ones(n_in),
        in_fac,
        own,
        price_out,
        np.zeros((n_in, n_org)),
        made,
        share_f,
    )
    np.testing.assert_array_equal(made, expected)
