r"""Batch normalization (Ioffe & Szegedy, 2015): normalize each feature over the batch, then
scale and shift it by learned $\gamma$, $\beta$.

For a batch of $m$ rows $x_i$ (shape (m, d)) and each feature on its own,

$$\mu = \frac1m \sum_i x_i, \quad \sigma^2 = \frac1m \sum_i (x_i - \mu)^2, \quad
s = \sqrt{\sigma^2 + \varepsilon}, \quad \hat x_i = \frac{x_i - \mu}{s}, \quad
y_i = \gamma \hat x_i + \beta.$$

The backward pass, given $dy = \partial C/\partial y$ (m, d): every sample adds to $\beta$ and
$\gamma$, so $d\beta = \sum_i dy_i$ and $d\gamma = \sum_i dy_i \hat x_i$. $x_i$ reaches $C$ by
three paths, through $\hat x_i$ itself, through $\mu$ and through $\sigma^2$. With
$d\hat x_j = \gamma\, dy_j$,

$$\frac{\partial C}{\partial \sigma^2} = -\frac{1}{2 s^2} \sum_j d\hat x_j \hat x_j, \qquad
\frac{\partial C}{\partial \mu} = -\frac1s \sum_j d\hat x_j
\quad (\text{its part through } \sigma^2 \text{ is } 0:
\textstyle\sum_j (x_j-\mu) = 0),$$

$$dx_i = \frac{d\hat x_i}{s} + \frac{\partial C}{\partial \sigma^2} \frac{2 (x_i - \mu)}{m}
+ \frac{\partial C}{\partial \mu} \frac1m
= \frac{\gamma}{m s}\big(m\, dy_i - d\beta - \hat x_i\, d\gamma\big).$$

At test time $\mu$ and $\sigma^2$ are running averages collected in training,
$\bar\mu \leftarrow \rho \bar\mu + (1 - \rho) \mu$ (and $\bar\sigma^2$ alike), so that a
prediction does not depend on the other samples of its batch.
"""

import numpy as np

# (x_hat, gamma, s): what the backward pass needs; x_hat (m, d), gamma and s (d,).
Cache = tuple[np.ndarray, np.ndarray, np.ndarray]


def forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5
) -> tuple[np.ndarray, Cache]:
    r"""$y = \gamma \hat x + \beta$ with the batch's $\mu$, $\sigma^2$ (axis 0): x (m, d),
    gamma and beta (d,). Returns (y, cache), cache = (x_hat, gamma, s) with
    $s = \sqrt{\sigma^2+\varepsilon}$ (d,)."""
    mu = x.mean(axis=0)
    s = np.sqrt(x.var(axis=0) + eps)
    x_hat = (x - mu) / s
    return gamma * x_hat + beta, (x_hat, gamma, s)


def backward(dy: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""(dx, dgamma, dbeta) from $dy$ (m, d): $dx = \frac{\gamma}{m s}(m\,dy - d\beta - \hat x\,
    d\gamma)$ (m, d), $d\gamma = \sum_i dy_i \hat x_i$ and $d\beta = \sum_i dy_i$ (d,)."""
    x_hat, gamma, s = cache
    m = len(dy)
    dbeta = dy.sum(axis=0)
    dgamma = (dy * x_hat).sum(axis=0)
    return gamma / (m * s) * (m * dy - dbeta - x_hat * dgamma), dgamma, dbeta


class BatchNorm:
    r"""One batch-normalization layer of ``d`` features: $\gamma = 1$, $\beta = 0$ to start,
    running averages $\bar\mu = 0$, $\bar\sigma^2 = 1$ updated with ``momentum`` $\rho$."""

    def __init__(self, d: int, momentum: float = 0.9, eps: float = 1e-5) -> None:
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must lie in [0, 1), got {momentum}")
        self.gamma, self.beta = np.ones(d), np.zeros(d)
        self.running_mean, self.running_var = np.zeros(d), np.ones(d)
        self.momentum, self.eps = momentum, eps

    def __repr__(self) -> str:
        return f"BatchNorm({len(self.gamma)}, momentum={self.momentum}, eps={self.eps})"

    def train_forward(self, x: np.ndarray) -> tuple[np.ndarray, Cache]:
        """``forward`` with the batch's statistics, which also move the running averages."""
        rho = self.momentum
        self.running_mean = rho * self.running_mean + (1 - rho) * x.mean(axis=0)
        self.running_var = rho * self.running_var + (1 - rho) * x.var(axis=0)
        return forward(x, self.gamma, self.beta, self.eps)

    def __call__(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        r"""$y$ for x (m, d): with the batch's statistics when ``training`` (the running
        averages stay), else with the running averages (test mode)."""
        if training:
            return forward(x, self.gamma, self.beta, self.eps)[0]
        s = np.sqrt(self.running_var + self.eps)
        return self.gamma * (x - self.running_mean) / s + self.beta
