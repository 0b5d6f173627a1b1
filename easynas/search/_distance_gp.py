"""A Gaussian process over a precomputed distance (between architectures), in numpy.

The kernel is `k(a, b) = exp(-(d(a, b) / length_scale)**2 / 2)`. An edit
distance is not Euclidean, so that matrix need not be positive semi-definite;
the training kernel's negative eigenvalues are clipped to zero before the
Cholesky factorisation (as Auto-Keras, arXiv 1806.10282, makes its kernel
valid in another way, through an embedding).
"""

from __future__ import annotations

import numpy as np

__all__ = ["DistanceGP"]


class DistanceGP:
    """GP regression given distances instead of feature vectors.

    Args:
        length_scale: Kernel length scale; None takes the median of the
            non-zero training distances (1.0 when there are none).
        noise: Noise variance added to the (unit-variance) kernel's diagonal,
            relative to the normalised targets.
    """

    def __init__(self, length_scale: float | None = None, noise: float = 1e-2) -> None:
        self.length_scale = length_scale
        self.noise = noise

    def fit(self, distances: np.ndarray, y: np.ndarray) -> DistanceGP:
        """Fit to `n` points given their `(n, n)` distances and targets `y`.

        Raises:
            ValueError: If the shapes do not agree or there are no points.
        """
        distances = np.asarray(distances, dtype=float)
        y = np.asarray(y, dtype=float).ravel()
        if distances.shape != (len(y), len(y)) or len(y) == 0:
            raise ValueError(
                f"distances must be (n, n) for n = len(y) >= 1. Received shapes "
                f"{distances.shape} and {y.shape}."
            )
        scale = self.length_scale
        if scale is None:
            positive = distances[distances > 0]
            scale = float(np.median(positive)) if positive.size else 1.0
        self.scale_ = scale
        self.y_mean_ = float(y.mean())
        self.y_std_ = float(y.std()) or 1.0
        kernel = self._kernel(distances)
        kernel = (kernel + kernel.T) / 2
        values, vectors = np.linalg.eigh(kernel)
        kernel = (vectors * np.clip(values, 0.0, None)) @ vectors.T
        kernel[np.diag_indices_from(kernel)] += self.noise
        self.chol_ = np.linalg.cholesky(kernel)
        self.alpha_ = np.linalg.solve(
            self.chol_.T, np.linalg.solve(self.chol_, (y - self.y_mean_) / self.y_std_)
        )
        return self

    def predict(self, cross: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation at new points.

        Args:
            cross: `(m, n)` distances from the new points to the training points.

        Returns:
            `(mean, std)`, each of length `m`, in the units of `y`.
        """
        k = self._kernel(np.asarray(cross, dtype=float))
        mean = k @ self.alpha_
        v = np.linalg.solve(self.chol_, k.T)
        variance = np.clip(1.0 - np.sum(v * v, axis=0), 1e-12, None)
        return mean * self.y_std_ + self.y_mean_, np.sqrt(variance) * self.y_std_

    def _kernel(self, distances: np.ndarray) -> np.ndarray:
        return np.exp(-0.5 * (distances / self.scale_) ** 2)
