"""Closed-form queueing results the model is checked against (MODEL.md section 6).

Students compare simulated KPIs with these textbook values, and the theory tests
use them as the expected values of t-intervals. Time units are whatever the
rates are given in (the model uses days). Formulas follow Kleinrock, *Queueing
Systems* vol. 1 (1975) and Gross, Shortle, Thompson and Harris, *Fundamentals of
Queueing Theory* (4th ed., 2008), cited per function.
"""

from __future__ import annotations

import math


def _check_servers(c: int) -> None:
    if int(c) != c or c < 1:
        raise ValueError(f"the number of servers must be a positive integer, got {c!r}")


def erlang_b(c: int, a: float) -> float:
    """Erlang B: blocking probability of M/G/c/c with offered load ``a = lambda/mu``.

    B(c, a) = (a^c / c!) / sum_{k=0..c} a^k / k!  (Erlang 1917; Gross et al. eq. 2.53),
    computed by the stable recursion B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)).
    Insensitive to the service-time distribution beyond its mean.
    """
    _check_servers(c)
    if a < 0:
        raise ValueError(f"offered load must be non-negative, got {a}")
    b = 1.0
    for k in range(1, int(c) + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Erlang C: probability that an arrival waits in M/M/c, offered load ``a = lambda/mu``.

    C(c, a) = c B(c, a) / (c - a (1 - B(c, a)))  for a < c (Gross et al. eq. 2.36
    rewritten through Erlang B); 1 when a >= c (every arrival waits).
    """
    _check_servers(c)
    if a < 0:
        raise ValueError(f"offered load must be non-negative, got {a}")
    if a >= c:
        return 1.0
    b = erlang_b(c, a)
    return c * b / (c - a * (1.0 - b))


def mmc_wq(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of M/M/c FIFO: Wq = C(c, lambda/mu) / (c mu - lambda).

    Gross et al. eq. 2.38. Infinite when lambda >= c mu (no steady state).
    By Little's law the mean queue length is Lq = lambda Wq.
    """
    _check_rates(lam, mu)
    if lam >= c * mu:
        return math.inf
    return erlang_c(c, lam / mu) / (c * mu - lam)


def mmc_lq(lam: float, mu: float, c: int) -> float:
    """Mean number waiting in M/M/c: Lq = lambda Wq (Little 1961)."""
    wq = mmc_wq(lam, mu, c)
    return math.inf if math.isinf(wq) else lam * wq


def mm1ps_sojourn(lam: float, mu: float) -> float:
    """Mean time in system of M/G/1 processor sharing: T = 1 / (mu - lambda).

    Kleinrock (1975) vol. 2 section 4.4: under processor sharing a job of size x
    spends x / (1 - rho) in the system on average, so the mean is
    (1/mu) / (1 - rho) = 1 / (mu - lambda) for any work distribution with mean
    1/mu (insensitivity). Infinite when lambda >= mu.
    """
    _check_rates(lam, mu)
    if lam >= mu:
        return math.inf
    return 1.0 / (mu - lam)


def _check_rates(lam: float, mu: float) -> None:
    if lam < 0 or mu <= 0:
        raise ValueError(f"need lambda >= 0 and mu > 0, got lambda={lam}, mu={mu}")
