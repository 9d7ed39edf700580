"""Named streams and block samplers: the draws are numpy's, in order, across block boundaries."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.randomness import GammaSampler, Streams, UniformSampler


def test_gamma_draws_are_numpys_in_order_across_blocks():
    # 2,500 draws span three blocks of 1,024; mean 2, cv 0.5: shape 4, scale 0.5
    g = GammaSampler(np.random.default_rng(7), mean=2.0, cv=0.5)
    got = [g.draw() for _ in range(1_300)] + [g() for _ in range(1_200)]
    ref = np.random.default_rng(7)
    want = np.concatenate([ref.standard_gamma(4.0, size=1024) * 0.5 for _ in range(3)])[:2_500]
    assert got == want.tolist()
    assert np.mean(got) == pytest.approx(2.0, rel=0.03)


def test_uniform_draws_are_numpys_in_order_and_stay_in_range():
    u = UniformSampler(np.random.default_rng(3), 1.0, 3.0)
    got = [u.draw() for _ in range(2_100)]
    ref = np.random.default_rng(3)
    want = np.concatenate([ref.uniform(1.0, 3.0, size=1024) for _ in range(3)])[:2_100]
    assert got == want.tolist()
    assert min(got) >= 1.0 and max(got) <= 3.0


def test_degenerate_samplers_are_constants_and_draw_nothing():
    rng = np.random.default_rng(0)
    assert [GammaSampler(rng, 2.5, 0.0).draw() for _ in range(3)] == [2.5, 2.5, 2.5]
    assert [GammaSampler(rng, 0.0, 1.0)() for _ in range(2)] == [0.0, 0.0]
    assert UniformSampler(rng, 4.0, 4.0).draw() == 4.0
    assert rng.random() == np.random.default_rng(0).random()  # the generator was not advanced


def test_block_uniforms_on_0_1_are_the_generators_random_draws():
    """Route choice draws uniforms on [0, 1) in blocks; they are Generator.random()'s draws."""
    s = Streams(seed=11, replication=2)
    blocks = s.uniform("choice:f", 0.0, 1.0)
    one_by_one = s.generator("choice:f")
    assert [blocks.draw() for _ in range(1_500)] == [one_by_one.random() for _ in range(1_500)]


def test_bad_parameters_are_refused():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"mean \(=-1\.0\) and cv \(=1\.0\) must be >= 0"):
        GammaSampler(rng, -1.0, 1.0)
    with pytest.raises(ValueError, match=r"low \(=2\.0\) must be <= high \(=1\.0\)"):
        UniformSampler(rng, 2.0, 1.0)
