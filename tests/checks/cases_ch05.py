"""Chapter 05's exercises for the tests: the reference answers, as in solutions/05_*.ipynb,
and the contract cases of its checks (see test_contract.py). The tests of the slips build their
wrong answers from these references."""

from contract import Case, hard

from bplib import activations


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


CASES = {
    "output_delta": Case((output_delta,), hard(output_delta), ("random",)),
    "backprop_step": Case((backprop_step,), hard(backprop_step), ("random",)),
    "backprop": Case(
        (backprop,),
        hard(backprop),
        ("random",),
        calls=(
            {},
            {"seed": 7},
            {"seed": 3, "sizes": (2, 1), "n": 1},
            {"seed": 4, "sizes": (3, 4, 4, 1), "n": 2},
        ),
    ),
}
