"""Reference answers to the exercises, as in solutions/*.ipynb, chapter by chapter: the contract
test runs each check on them, and the tests of the slips build their wrong answers from them."""

import math

import numpy as np

from bplib import activations, gradcheck

# ---------------------------------------------------------------- 00_getting_started.ipynb


def mean_squared_error(a, y):
    """The reference, as in solutions/00_getting_started.ipynb."""
    return 0.5 * float(np.sum((a - y) ** 2)) / a.shape[0]


# ---------------------------------------------------------------- 01_gradient_descent.ipynb


def numerical_derivative(J, w, h=1e-5):
    return (J(w + h) - J(w - h)) / (2 * h)


def gradient_descent(J, grad, w0, eta, max_iters=1000, cost_tol=1e-8, step_tol=1e-10):
    w = np.array(w0, dtype=float)
    path = [w]
    for _ in range(max_iters):
        if J(w) < cost_tol:
            return np.array(path), "cost"
        step = eta * grad(w)
        w = w - step
        path.append(w)
        if np.linalg.norm(step) < step_tol:
            return np.array(path), "step"
    return np.array(path), "max_iters"


def best_learning_rate(k):
    k = np.asarray(k, dtype=float)
    return 2 / (k.min() + k.max())


# ---------------------------------------------------------------- 02_chain_rule.ipynb


def neuron_gradients(w1, x1, w2, x2, b):
    z = w1 * x1 + w2 * x2 + b
    a = 1 / (1 + np.exp(-z))
    dz = a * (1 - a)
    return {"w1": x1 * dz, "x1": w1 * dz, "w2": x2 * dz, "x2": w2 * dz, "b": dz}


def central_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def gradient_check(f, grad_f, x, tol=1e-7):
    g = grad_f(x)
    n = gradcheck.numerical_gradient(lambda: f(x), x)
    scale = np.linalg.norm(g) + np.linalg.norm(n)
    return gradcheck.rel_error(g, n), [tuple(i) for i in np.argwhere(np.abs(g - n) > tol * scale)]


# ---------------------------------------------------------------- 03_activation_functions.ipynb


def sigmoid_prime(z):
    s = 1 / (1 + np.exp(-z))
    return s * (1 - s)


def tanh_prime(z):
    return 1 - np.tanh(z) ** 2


def relu(z):
    return np.maximum(z, 0.0)


def relu_prime(z):
    return (z > 0).astype(float)


def leaky_relu(z, alpha=0.01):
    return np.where(z > 0, z, alpha * z)


def leaky_relu_prime(z, alpha=0.01):
    return np.where(z > 0, 1.0, alpha)


def stable_sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


# ---------------------------------------------------------------- 04_forward_propagation.ipynb


def layer_forward(a, W, b, sigma):
    return sigma(a @ W + b)


def network_forward(X, weights, biases, sigma):
    activations = [X]
    for W, b in zip(weights, biases, strict=True):
        activations.append(layer_forward(activations[-1], W, b, sigma))
    return activations


def count_parameters(sizes):
    return sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True))


def xor_network():
    # Hidden unit 1 is OR, hidden unit 2 is AND; the output is "OR and not AND".
    W1 = np.array([[20.0, 20.0], [20.0, 20.0]])
    b1 = np.array([-10.0, -30.0])
    W2 = np.array([[20.0], [-20.0]])
    b2 = np.array([-10.0])
    return [W1, W2], [b1, b2]


# ---------------------------------------------------------------- 05_backpropagation.ipynb


def output_delta(z, a, y):
    return (a - y) * activations.sigmoid_prime(z)


def backprop_step(delta_next, W_next, z):
    return (delta_next @ W_next.T) * activations.sigmoid_prime(z)


def backprop(weights, biases, X, Y, slip=None):
    """The backward pass with one of ch05.SLIPS made on purpose, written here independently."""
    acts, zs = [X], []
    for W, b in zip(weights, biases, strict=True):
        zs.append(acts[-1] @ W + b)
        acts.append(activations.sigmoid(zs[-1]))
    prime = (
        activations.sigmoid_prime
        if slip != "prime_of_a"
        else (lambda z: activations.sigmoid_prime(activations.sigmoid(z)))
    )
    delta = acts[-1] - Y
    if slip != "no_prime_output":
        delta = delta * prime(zs[-1])
    if slip != "sum":
        delta = delta / len(X)
    nabla_b, nabla_w = [], []
    for l in reversed(range(len(weights))):
        nabla_b.insert(0, delta.sum(axis=0))
        nabla_w.insert(0, delta.T @ acts[l] if slip == "dW_transposed" else acts[l].T @ delta)
        if l > 0:
            delta = delta @ (weights[l] if slip == "not_transposed" else weights[l].T)
            if slip != "no_prime_hidden":
                delta = delta * prime(zs[l - 1])
    if slip == "reversed":
        return nabla_b[::-1], nabla_w[::-1]
    return nabla_b, nabla_w


# ---------------------------------------------------------------- 06_losses.ipynb


def cross_entropy(a, y):
    return -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)) / len(a)


def cross_entropy_delta(z, a, y):
    return a - y


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def log_likelihood_gradient(z, y):
    return (softmax(z) - np.eye(z.shape[1])[y]) / len(z)


# ---------------------------------------------------------------- 07_minibatch_and_optimizers.ipynb


def minibatches(X, y, batch_size, rng):
    perm = rng.permutation(len(X))
    for start in range(0, len(X), batch_size):
        idx = perm[start : start + batch_size]
        yield X[idx], y[idx]


def momentum_step(w, grad, v, eta, mu):
    v = mu * v - eta * grad
    return w + v, v


def adam_step(w, grad, m, v, t, eta, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return w - eta * m_hat / (np.sqrt(v_hat) + eps), m, v


# ---------------------------------------------------------------- 08_mnist.ipynb


def update_mini_batch(net, X_batch, Y_batch, eta):
    nabla_b, nabla_w = net.backprop(X_batch, Y_batch)
    for W, nw in zip(net.weights, nabla_w, strict=True):
        W -= eta * nw
    for b, nb in zip(net.biases, nabla_b, strict=True):
        b -= eta * nb


def evaluate(net, X, y):
    return int(np.sum(np.argmax(net.feedforward(X), axis=1) == y))


def learning_curve_summary(accuracies, threshold):
    acc = np.asarray(accuracies)
    reached = np.flatnonzero(acc >= threshold)
    first = int(reached[0]) + 1 if reached.size else None
    return int(np.argmax(acc)) + 1, float(acc.max()), first


# ---------------------------------------------------------------- 09_regularization.ipynb


def l2_update(W, nabla_w, eta, lmbda, n):
    return (1 - eta * lmbda / n) * W - eta * nabla_w


def dropout_forward(a, p, rng):
    mask = (rng.random(a.shape) >= p) / (1 - p)
    return a * mask, mask


def dropout_backward(delta, mask):
    return delta * mask


def early_stopping(val_losses, patience):
    best_epoch, best = 0, math.inf
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best:
            best, best_epoch = loss, epoch
        if epoch - best_epoch >= patience:
            return epoch, best_epoch
    return len(val_losses), best_epoch


# ---------------------------------------------------------------- 10_initialization.ipynb


def xavier_init(n_in, n_out, rng):
    r = np.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-r, r, (n_in, n_out)), np.zeros(n_out)


def xavier_normal(n_in, n_out, rng):
    return rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), (n_in, n_out)), np.zeros(n_out)


def he_init(n_in, n_out, rng):
    return rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in), np.zeros(n_out)


def layer_gradient_norms(net, X, y):
    _, nabla_w = net.backprop(X, y)
    return [float(np.linalg.norm(nw)) for nw in nabla_w]


def batchnorm_forward(x, gamma, beta, eps):
    mu, std = x.mean(axis=0), np.sqrt(x.var(axis=0) + eps)
    x_hat = (x - mu) / std
    return gamma * x_hat + beta, (x_hat, gamma, std)


def batchnorm_backward(dy, cache):
    x_hat, gamma, std = cache
    n = len(dy)
    dbeta = dy.sum(axis=0)
    dgamma = (dy * x_hat).sum(axis=0)
    return gamma / (n * std) * (n * dy - dbeta - x_hat * dgamma), dgamma, dbeta
