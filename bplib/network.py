r"""A fully connected feedforward network trained by backpropagation.

Rows are samples. A batch ``X`` has shape (n, d). Layer $l$ has weights $W^l$ of shape
(n_in, n_out) and biases $b^l$ of shape (n_out,), and computes

$$z^l = a^{l-1} W^l + b^l, \qquad a^l = \sigma(z^l), \qquad a^0 = X.$$

Backpropagation computes $\delta^l = \partial C / \partial z^l$ for the whole batch at once:

$$\delta^L = \nabla_a C \odot \sigma'(z^L), \qquad
\delta^l = (\delta^{l+1} (W^{l+1})^T) \odot \sigma'(z^l),$$
$$\partial C/\partial b^l = \textstyle\sum_x \delta^l_x, \qquad
\partial C/\partial W^l = (a^{l-1})^T \delta^l.$$

Two options change the hidden layers $l < L$. With ``batchnorm``, $z^l = \mathrm{BN}(u^l)$,
$u^l = a^{l-1} W^l + b^l$ (bplib.batchnorm), and the gradients of $W^l$, $b^l$ take
$\partial C/\partial u^l$, the backward pass of BN applied to $\delta^l$. With ``residual``,
a hidden layer whose input and output sizes agree adds its input, $a^l = a^{l-1} + \sigma(z^l)$,
so $\partial C/\partial a^{l-1} = \partial C/\partial a^l + (\partial C/\partial u^l) (W^l)^T$:
the identity path carries the gradient of the layer above down unchanged.
"""

from collections.abc import Callable, Sequence

import numpy as np

from bplib import activations, losses
from bplib import batchnorm as bn
from bplib import init as initializers
from bplib.data import one_hot
from bplib.regularization import dropout_mask

# backprop(weights, biases, X, Y) -> (nabla_b, nabla_w): a backward pass written outside the class.
Backprop = Callable[
    [list[np.ndarray], list[np.ndarray], np.ndarray, np.ndarray],
    tuple[Sequence[np.ndarray], Sequence[np.ndarray]],
]


class Network:
    """A network with layer sizes ``sizes``, e.g. ``[784, 30, 10]``.

    ``activation`` is used in the hidden layers and, unless ``output_activation`` is given,
    in the output layer too. ``loss`` is the cost $C$; ``init`` draws the initial weights
    from ``np.random.default_rng(seed)``. ``backprop``, when given, is a function
    ``backprop(weights, biases, X, Y) -> (nabla_b, nabla_w)`` that the network uses instead of
    its own (the one a student writes in chapter 05), with ``Y`` as ``check_targets`` returns it.

    ``batchnorm=True`` puts a ``BatchNorm`` layer (``self.norms``) before the activation of every
    hidden layer; ``residual=True`` gives each hidden layer with as many inputs as outputs a skip
    connection (see the module's docstring). Neither works with ``backprop=``.

    ``parameters()`` is $[W^1, \\ldots, W^L, b^1, \\ldots, b^L]$, the network's own arrays,
    followed with batch normalization by the $\\gamma$'s and then the $\\beta$'s of its hidden
    layers; ``gradient(X, Y)`` is the gradient of the cost in the same order.
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str | activations.Activation = "sigmoid",
        output_activation: str | activations.Activation | None = None,
        loss: str | losses.Loss = "quadratic",
        init: str | initializers.Init = "normal",
        seed: int | np.random.Generator | None = None,
        backprop: Backprop | None = None,
        batchnorm: bool = False,
        residual: bool = False,
    ) -> None:
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"sizes needs at least 2 layers (input and output), got {sizes}")
        if any(not isinstance(s, (int, np.integer)) or s < 1 for s in sizes):
            raise ValueError(f"sizes must be positive integers, got {sizes}")
        self.sizes = sizes
        self.activation = activations.get(activation)
        self.output_activation = activations.get(output_activation or activation)
        if not self.activation.elementwise:
            raise ValueError(
                f"{self.activation.name} is an output activation; pick another hidden activation"
            )
        self.loss = losses.get(loss)
        losses.check_pair(self.loss, self.output_activation)
        self.rng = np.random.default_rng(seed)
        if backprop is not None and (batchnorm or residual):
            raise ValueError(
                "backprop= computes the plain network's gradient; it cannot be combined with "
                f"batchnorm={batchnorm} or residual={residual}"
            )
        self.backprop_fn = backprop
        # One BatchNorm per hidden layer, or none; skips[l]: layer l + 1 adds its input.
        self.norms = [bn.BatchNorm(n) for n in sizes[1:-1]] if batchnorm else []
        self.skips = [
            residual and 0 < l < len(sizes) - 2 and sizes[l] == sizes[l + 1]
            for l in range(len(sizes) - 1)
        ]
        draw = initializers.get(init)
        self.weights: list[np.ndarray] = []
        self.biases: list[np.ndarray] = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
            W, b = draw(n_in, n_out, self.rng)
            self.weights.append(W)
            self.biases.append(b)

    @classmethod
    def from_weights(
        cls,
        weights: Sequence[np.ndarray],
        biases: Sequence[np.ndarray],
        activation: str | activations.Activation = "sigmoid",
        output_activation: str | activations.Activation | None = None,
        loss: str | losses.Loss = "quadratic",
        seed: int | np.random.Generator | None = None,
        backprop: Backprop | None = None,
        batchnorm: bool = False,
        residual: bool = False,
    ) -> "Network":
        r"""A network with the given $W^l$ (n_in, n_out) and $b^l$ (n_out,), copied as floats."""
        weights = [np.array(W, dtype=float) for W in weights]
        biases = [np.array(b, dtype=float) for b in biases]
        if not weights or len(weights) != len(biases):
            raise ValueError(
                f"expected one bias vector per weight matrix (at least one), got "
                f"{len(weights)} weight matrices and {len(biases)} bias vectors"
            )
        sizes = [weights[0].shape[0] if weights[0].ndim == 2 else -1]
        for l, (W, b) in enumerate(zip(weights, biases, strict=True)):
            if W.ndim != 2 or W.shape[0] != sizes[-1] or b.shape != (W.shape[1],):
                raise ValueError(
                    f"layer {l + 1}: expected W of shape ({sizes[-1]}, n_out) and b of shape "
                    f"(n_out,), got W {W.shape} and b {b.shape}"
                )
            sizes.append(W.shape[1])
        given = iter(zip(weights, biases, strict=True))
        return cls(
            sizes,
            activation,
            output_activation,
            loss,
            init=lambda *_: next(given),
            seed=seed,
            backprop=backprop,
            batchnorm=batchnorm,
            residual=residual,
        )

    def __repr__(self) -> str:
        options = ", batchnorm=True" * bool(self.norms) + ", residual=True" * any(self.skips)
        return (
            f"Network({self.sizes}, activation={self.activation.name!r}, "
            f"output_activation={self.output_activation.name!r}, loss={self.loss.name!r}"
            f"{options})"
        )

    def layer_activations(self) -> list[activations.Activation]:
        r"""$\sigma$ of each weight layer $l = 1, \ldots, L$: the hidden one, then the output's."""
        return [self.activation] * (len(self.weights) - 1) + [self.output_activation]

    def parameters(self) -> list[np.ndarray]:
        r"""$[W^1, \ldots, W^L, b^1, \ldots, b^L]$: the network's own arrays, not copies, so an
        optimizer that updates them in place updates the network; then the $\gamma$'s and the
        $\beta$'s of batch normalization, if any."""
        norms = self.norms
        return self.weights + self.biases + [n.gamma for n in norms] + [n.beta for n in norms]

    def feedforward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        r"""The output $a^L$ for a batch ``X`` (n, sizes[0]); returns (n, sizes[-1]). Batch
        normalization uses its running averages, or with ``training`` the batch's statistics
        (the cost that ``backprop`` differentiates)."""
        a = self.check_inputs(X)
        layers = zip(self.layer_activations(), self.weights, self.biases, self.skips, strict=True)
        for l, (sigma, W, b, skip) in enumerate(layers):
            z = a @ W + b
            if self.norms and l < len(self.norms):
                z = self.norms[l](z, training)
            a = a + sigma.fn(z) if skip else sigma.fn(z)
        return a

    def backprop(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        dropout: float = 0.0,
        rng: np.random.Generator | None = None,
        *,
        checked: bool = False,
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        r"""The gradient of the mean cost over the batch: ``(nabla_b, nabla_w)``.

        ``X`` is (n, sizes[0]); ``Y`` is (n, sizes[-1]) or, for a classifier, (n,) integer
        labels. ``nabla_b[l]`` and ``nabla_w[l]`` have the shapes of ``biases[l]`` and
        ``weights[l]``. With ``dropout`` = p > 0, each hidden unit is dropped with
        probability p (inverted dropout, masks drawn from ``rng``, default ``self.rng``).
        ``checked=True`` says that ``X`` and ``Y`` are already what ``check_inputs`` and
        ``check_targets`` return, and skips the checks: the hot path of training.
        """
        if not checked:
            X = _nonempty(self.check_inputs(X), "backprop")
            Y = self.check_targets(Y, len(X))
        if self.backprop_fn is not None:
            if dropout > 0.0:
                raise ValueError(
                    "dropout needs the network's own backprop; this one was given backprop="
                    f"{getattr(self.backprop_fn, '__name__', self.backprop_fn)!r}"
                )
            given_b, given_w = self.backprop_fn(self.weights, self.biases, X, Y)
            return list(given_b), list(given_w)
        nabla_b, nabla_w, _ = self._backprop(X, Y, dropout, rng or self.rng)
        return nabla_b, nabla_w

    def _backprop(
        self, X: np.ndarray, Y: np.ndarray, dropout: float, rng: np.random.Generator
    ) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
        """(nabla_b, nabla_w, [dgamma of each BN layer..., dbeta of each...]) of the mean cost."""
        # At batch size 10 a NumPy call on these small arrays costs about as much as its
        # arithmetic, so this path keeps the calls few: benchmarks/README.md counts them.
        sigmas = self.layer_activations()
        L = len(self.weights)
        acts, sigma_primes, masks, caches = [X], [], [], []
        for l, sigma in enumerate(sigmas):
            z = acts[-1] @ self.weights[l] + self.biases[l]
            if l < len(self.norms):
                z, cache = self.norms[l].train_forward(z)
                caches.append(cache)
            a = sigma.fn(z)
            if l < L - 1:
                # sigma'(z) from a, when there is a formula, spares a second pass over z.
                from_a = sigma.prime_from_output
                sigma_primes.append(from_a(a) if from_a else sigma.prime(z))
                if dropout > 0.0:
                    masks.append(dropout_mask(a.shape, dropout, rng))
                    a = a * masks[-1]
                if self.skips[l]:
                    a = a + acts[-1]
            acts.append(a)

        # z and a are now z^L and a^L; the loss calls prime(z^L) only if its delta needs it.
        output = sigmas[-1]
        from_a = output.prime_from_output
        prime = (lambda z: from_a(a)) if from_a else output.prime
        # The cost is a mean over the batch, so every delta carries a factor 1/n.
        delta = self.loss.delta(z, a, Y, prime) / len(X)
        nabla_b: list[np.ndarray] = [np.empty(0)] * L
        nabla_w: list[np.ndarray] = [np.empty(0)] * L
        dgammas: list[np.ndarray] = [np.empty(0)] * len(caches)
        dbetas: list[np.ndarray] = [np.empty(0)] * len(caches)
        dC_da = np.empty(0)  # dC/da^l for the output a^l of the layer just done
        for l in range(L - 1, -1, -1):
            du = delta  # dC/du^l, u^l = a^(l-1) W^l + b^l: delta^l, or BN's backward pass of it
            if l < len(caches):
                du, dgammas[l], dbetas[l] = bn.backward(delta, caches[l])
            nabla_b[l] = du.sum(axis=0)
            nabla_w[l] = acts[l].T @ du
            if l > 0:
                below = du @ self.weights[l].T
                if self.skips[l]:
                    below += dC_da  # the identity path
                dC_da = below
                delta = (dC_da * masks[l - 1] if masks else dC_da) * sigma_primes[l - 1]
        return nabla_b, nabla_w, dgammas + dbetas

    def gradient(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        dropout: float = 0.0,
        rng: np.random.Generator | None = None,
        *,
        checked: bool = False,
    ) -> list[np.ndarray]:
        r"""$[\nabla_{W^1} C, \ldots, \nabla_{W^L} C, \nabla_{b^1} C, \ldots, \nabla_{b^L} C]$,
        then those of batch normalization's $\\gamma$'s and $\\beta$'s, if any: the order of
        ``parameters()``; the arguments are those of ``backprop``."""
        if not self.norms:
            nabla_b, nabla_w = self.backprop(X, Y, dropout, rng, checked=checked)
            return nabla_w + nabla_b
        if not checked:
            X = _nonempty(self.check_inputs(X), "gradient")
            Y = self.check_targets(Y, len(X))
        nabla_b, nabla_w, nabla_norms = self._backprop(X, Y, dropout, rng or self.rng)
        return nabla_w + nabla_b + nabla_norms

    def cost(self, X: np.ndarray, Y: np.ndarray) -> float:
        """The mean cost $C$ over the batch (no regularization term)."""
        X = _nonempty(self.check_inputs(X), "cost")
        return self.loss.fn(self.feedforward(X), self.check_targets(Y, len(X)))

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Class labels (n,) for the batch ``X``: see ``labels``."""
        return self.labels(self.feedforward(X))

    def labels(self, a: np.ndarray) -> np.ndarray:
        """Class labels (n,) from outputs ``a`` (n, sizes[-1]): the argmax, or for one unit
        whether ``a`` exceeds the output activation's ``threshold`` (0.5 for sigmoid)."""
        if a.shape[1] == 1:
            return (a[:, 0] > self.output_activation.threshold).astype(np.int64)
        return np.argmax(a, axis=1)

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        """The fraction of samples whose predicted label equals ``y`` (labels or one-hot)."""
        y = np.asarray(y)
        if y.ndim == 2:
            y = np.argmax(y, axis=1) if y.shape[1] > 1 else y[:, 0]
        labels = self.predict(_nonempty(self.check_inputs(X), "accuracy"))
        if y.shape != labels.shape:
            raise ValueError(f"y must hold {len(labels)} labels, got shape {y.shape}")
        return float(np.mean(labels == y))

    def check_inputs(self, X: np.ndarray) -> np.ndarray:
        """``X`` as a float array (n, sizes[0]), or a ValueError that says what is wrong."""
        X = np.asarray(X, dtype=float)
        if X.ndim == 1 and self.sizes[0] == X.shape[0]:
            raise ValueError(
                f"X must be a batch of shape (n, {self.sizes[0]}), got a single sample of shape "
                f"{X.shape}; use X[None, :] or X.reshape(1, -1)"
            )
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ValueError(
                f"X must have shape (n, {self.sizes[0]}) for an input layer of "
                f"{self.sizes[0]} units, got {X.shape}"
            )
        if not np.all(np.isfinite(X)):
            raise ValueError(f"X contains {np.sum(~np.isfinite(X))} NaN or infinite values")
        return X

    def check_targets(self, Y: np.ndarray, n: int) -> np.ndarray:
        """Targets as a float array (n, sizes[-1]); integer labels (n,) become one-hot."""
        k = self.sizes[-1]
        Y = np.asarray(Y)
        if Y.ndim == 1 and k > 1:
            if not np.issubdtype(Y.dtype, np.integer):
                raise ValueError(
                    f"1-D targets must be integer class labels, got dtype {Y.dtype}; "
                    f"or pass Y of shape ({n}, {k})"
                )
            if Y.size and (Y.min() < 0 or Y.max() >= k):
                raise ValueError(
                    f"labels must lie in 0..{k - 1} for {k} output units, "
                    f"got values from {Y.min()} to {Y.max()}"
                )
            Y = one_hot(Y, k)
        elif Y.ndim == 1:
            Y = Y.reshape(-1, 1)
        Y = Y.astype(float, copy=False)
        if Y.shape != (n, k):
            raise ValueError(
                f"Y must have shape ({n}, {k}) to match X and the output, got {Y.shape}"
            )
        if not np.all(np.isfinite(Y)):
            raise ValueError("Y contains NaN or infinite values")
        return Y


def _nonempty(X: np.ndarray, what: str) -> np.ndarray:
    """``X`` if it holds a sample; a mean over no samples is undefined."""
    if len(X) == 0:
        raise ValueError(f"{what} needs at least one sample: X has shape {X.shape}")
    return X
