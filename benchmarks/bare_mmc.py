"""The bare SimPy M/M/c loop: the yardstick of the M/M/c ratios in ``make bench``.

Only numpy and SimPy, so it can also run as a whole process (start-up
included) next to ``simlib run``: ``python benchmarks/bare_mmc.py LAM MU C DAYS SEED``
prints ``customers=N``.
"""

from __future__ import annotations

import sys

import numpy as np
import simpy


def bare_simpy_mmc(lam: float, mu: float, c: int, until: float, seed: int) -> int:
    """The textbook SimPy M/M/c: a source process, a Resource of c servers, one process per customer."""
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=c)
    rng = np.random.default_rng(seed)
    waits: list[float] = []

    def customer(env: simpy.Environment, work: float):
        arrived = env.now
        with servers.request() as req:
            yield req
            waits.append(env.now - arrived)
            yield env.timeout(work)

    def source(env: simpy.Environment):
        while True:
            yield env.timeout(rng.exponential(1.0 / lam))
            env.process(customer(env, rng.exponential(1.0 / mu)))

    env.process(source(env))
    env.run(until=until)
    return len(waits)


if __name__ == "__main__":
    lam, mu, c, until, seed = sys.argv[1:6]
    print(f"customers={bare_simpy_mmc(float(lam), float(mu), int(c), float(until), int(seed))}")
