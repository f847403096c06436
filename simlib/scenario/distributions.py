"""Probability distributions as small typed values that know their theory.

A distribution in a scenario file is pure data (``kind: lognormal, mean: 35,
cv: 0.6``). It knows its mean and variance, so theory tests and reports can use
them, and it samples from a generator passed in, so scenarios stay data and
random streams stay under the model's control.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

if TYPE_CHECKING:
    import numpy as np

PositiveFloat = Annotated[float, Strict(), Field(gt=0, le=1e7, allow_inf_nan=False)]
CoefficientOfVariation = Annotated[float, Strict(), Field(gt=0, le=10, allow_inf_nan=False)]


class _Distribution(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @property
    def mean(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def variance(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def sample(self, rng: np.random.Generator) -> float:  # pragma: no cover
        raise NotImplementedError

    def sample_many(self, rng: np.random.Generator, n: int) -> np.ndarray:  # pragma: no cover
        """``n`` draws at once: the same numbers as ``n`` calls of ``sample`` (numpy
        Generators fill arrays element by element), for block drawing on hot paths."""
        raise NotImplementedError


class Exponential(_Distribution):
    """Memoryless; the textbook M in M/M/c."""

    kind: Literal["exponential"] = "exponential"
    mean_: PositiveFloat = Field(alias="mean")

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def variance(self) -> float:
        return self.mean_**2

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.exponential(self.mean_))

    def sample_many(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.exponential(self.mean_, n)


class Deterministic(_Distribution):
    """Always the same value (M/D/1, insensitivity tests)."""

    kind: Literal["deterministic"] = "deterministic"
    value: PositiveFloat

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0

    def sample(self, rng: np.random.Generator) -> float:
        rng.random()  # keep stream alignment with the random kinds (CRN)
        return self.value

    def sample_many(self, rng: np.random.Generator, n: int) -> np.ndarray:
        rng.random(n)
        import numpy as np  # here, not at the top: validating a scenario needs no numpy

        return np.full(n, self.value)


class _MeanCv(_Distribution):
    """Distributions written as mean and coefficient of variation."""

    mean_: PositiveFloat = Field(alias="mean")
    cv: CoefficientOfVariation

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def variance(self) -> float:
        return (self.cv * self.mean_) ** 2


class Lognormal(_MeanCv):
    """Right-skewed work content and durations, given by mean and cv."""

    kind: Literal["lognormal"] = "lognormal"

    @property
    def _sigma(self) -> float:
        return math.sqrt(math.log1p(self.cv**2))

    def sample(self, rng: np.random.Generator) -> float:
        sigma = self._sigma
        mu = math.log(self.mean_) - 0.5 * sigma * sigma
        return float(rng.lognormal(mu, sigma))

    def sample_many(self, rng: np.random.Generator, n: int) -> np.ndarray:
        sigma = self._sigma
        return rng.lognormal(math.log(self.mean_) - 0.5 * sigma * sigma, sigma, n)


class Gamma(_MeanCv):
    """Durations with a lighter tail than the lognormal, given by mean and cv."""

    kind: Literal["gamma"] = "gamma"

    def sample(self, rng: np.random.Generator) -> float:
        shape = 1.0 / self.cv**2
        return float(rng.gamma(shape, self.mean_ / shape))

    def sample_many(self, rng: np.random.Generator, n: int) -> np.ndarray:
        shape = 1.0 / self.cv**2
        return rng.gamma(shape, self.mean_ / shape, n)


class Uniform(_Distribution):
    """A plain range, for quantities known only as 'between a and b'."""

    kind: Literal["uniform"] = "uniform"
    low: Annotated[float, Strict(), Field(ge=0, le=1e7, allow_inf_nan=False)]
    high: PositiveFloat

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) must be at least low ({self.low})")
        return self

    @property
    def mean(self) -> float:
        return 0.5 * (self.low + self.high)

    @property
    def variance(self) -> float:
        return (self.high - self.low) ** 2 / 12.0

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(self.low, self.high))

    def sample_many(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)


class Triangular(_Distribution):
    """Expert ranges given as low, most likely, high (e.g. screening 1-2-4 h)."""

    kind: Literal["triangular"] = "triangular"
    low: Annotated[float, Strict(), Field(ge=0, le=1e7, allow_inf_nan=False)]
    mode: Annotated[float, Strict(), Field(ge=0, le=1e7, allow_inf_nan=False)]
    high: PositiveFloat

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high) or self.low == self.high:
            raise ValueError(
                f"need low <= mode <= high and low < high, got {self.low}, {self.mode}, {self.high}"
            )
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3.0

    @property
    def variance(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.triangular(self.low, self.mode, self.high))

    def sample_many(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.triangular(self.low, self.mode, self.high, n)


Distribution = Annotated[
    Exponential | Deterministic | Lognormal | Gamma | Uniform | Triangular,
    Field(discriminator="kind"),
]

DISTRIBUTION_KINDS = ("exponential", "deterministic", "lognormal", "gamma", "uniform", "triangular")
KIND_MODELS: dict[str, type[_Distribution]] = {
    m.model_fields["kind"].default: m for m in (Exponential, Deterministic, Lognormal, Gamma, Uniform, Triangular)
}
