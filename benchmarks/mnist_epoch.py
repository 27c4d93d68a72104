r"""How fast bplib trains the classic 784-30-10 network on MNIST, and how that compares.

    BPLIB_DATA_DIR=/path/to/mnist python benchmarks/mnist_epoch.py [--epochs 30] [--compare]

Trains 784-30-10 (sigmoid, quadratic cost, N(0, 1) initialization, float64) by mini-batch
SGD with batch 10 and eta = 3.0 on the 50,000 training images, and prints for each epoch the
seconds of its training steps (shuffling and evaluation excluded) and the accuracy on the
10,000 test images; then the peak memory of the process.

``--compare`` then times, in this process, on the same data, from the same initial weights and
in the same sample order, ``--compare-epochs`` epochs of

(a) a per-sample loop in the style of Nielsen's network.py: each sample of a mini-batch has its
    own forward and backward pass on column vectors, and the batch gradient is their sum;
(b) PyTorch on the CPU, batch 10 and batch 100, when ``import torch`` works (it is never a
    dependency of bplib; without it this part is skipped with a message);

and prints how many times faster bplib is. The test accuracies printed beside the times
show that all of them compute the same training, up to rounding.

``--count-calls`` prints instead the NumPy calls (ufuncs, matmul and reductions) of one
training step, backpropagation and the gradient-descent update, and needs no data.
"""

import argparse
import collections
import os
import resource
import sys
import time

import numpy as np

from bplib import optim
from bplib.activations import sigmoid, sigmoid_prime
from bplib.data import load_mnist
from bplib.network import Network
from bplib.train import train

SIZES = [784, 30, 10]
ETA = 3.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=10, help="--compare uses 10 and 100")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--compare", action="store_true", help="time the alternatives too")
    parser.add_argument("--compare-epochs", type=int, default=1)
    parser.add_argument(
        "--torch-threads", type=int, default=os.cpu_count(), help="default: all cores"
    )
    parser.add_argument("--count-calls", action="store_true", help="count the calls of a step")
    args = parser.parse_args()
    if args.count_calls:
        count_calls(args.batch_size)
        return

    describe_machine()
    mnist = load_mnist()
    X_train, X_test = (np.asarray(X, dtype=np.float64) for X in (mnist.X_train, mnist.X_test))
    y_train, y_test = mnist.y_train, mnist.y_test
    print(f"MNIST: {len(X_train)} training images, {len(X_test)} test images\n")

    print(f"bplib, {SIZES}, batch {args.batch_size}, eta = {ETA}, {args.epochs} epochs")
    net = Network(SIZES, seed=args.seed)
    history = train(
        net, X_train, y_train, epochs=args.epochs, batch_size=args.batch_size, eta=ETA,
        validation=(X_test, y_test), seed=args.seed, progress=False, monitor=("accuracy",),
    )  # fmt: skip
    print("epoch  seconds  test accuracy")
    for epoch, seconds, accuracy in zip(
        history.epoch, history.seconds, history.val_accuracy, strict=True
    ):
        print(f"{epoch:5d}  {seconds:7.3f}  {accuracy:13.2%}")
    print(f"mean {np.mean(history.seconds):.3f} s/epoch, min {np.min(history.seconds):.3f} s")
    print(f"peak memory (ru_maxrss, the process's peak resident set): {peak_rss_mib():.0f} MiB")

    if args.compare:
        compare(X_train, y_train, X_test, y_test, args)


def describe_machine() -> None:
    """Print what the timings depend on: cores, NumPy and its BLAS."""
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    print(f"{os.cpu_count()} cores; NumPy {np.__version__}; BLAS {blas['name']} {blas['version']}")
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(not set)')}")
    try:  # threadpoolctl, when installed, tells which kernels the BLAS picked at run time
        from threadpoolctl import threadpool_info
    except ImportError:
        return
    for pool in threadpool_info():
        kernels = pool.get("architecture", "")
        print(
            f"{pool['internal_api']} {pool.get('version') or ''} {kernels}: "
            f"{pool['num_threads']} threads"
        )


def peak_rss_mib() -> float:
    """The peak resident memory of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes; KiB on Linux


def compare(
    X: np.ndarray, y: np.ndarray, X_test: np.ndarray, y_test: np.ndarray, args: argparse.Namespace
) -> None:
    """Time bplib, the per-sample loop and PyTorch on the same epochs; print the ratios."""
    epochs = args.compare_epochs
    start = Network(SIZES, seed=args.seed)
    # bplib.train draws one permutation per epoch from default_rng(seed); the others use the
    # same permutations, so all of them see the samples in the same order.
    rng = np.random.default_rng(args.seed)
    perms = [rng.permutation(len(X)) for _ in range(epochs)]
    Y = np.eye(SIZES[-1])[y]
    print(f"\nCompare, {epochs} epoch(s) each, same initial weights, same order of samples")
    print("                          batch  s/epoch  test accuracy")

    def report(name: str, batch_size: int, seconds: list[float], accuracy: float) -> float:
        mean = float(np.mean(seconds))
        print(f"{name:26s}{batch_size:5d}  {mean:7.3f}  {accuracy:13.2%}")
        return mean

    ours = {}
    for batch_size in (10, 100):
        net = Network(SIZES, seed=args.seed)
        history = train(
            net, X, y, epochs=epochs, batch_size=batch_size, eta=ETA, seed=args.seed,
            validation=(X_test, y_test), progress=False, monitor=("accuracy",),
        )  # fmt: skip
        ours[batch_size] = report("bplib", batch_size, history.seconds, history.val_accuracy[-1])

    loop = PerSampleNetwork(start.weights, start.biases)
    seconds = loop.train(X, Y, perms, 10, ETA)
    loop_seconds = report("per-sample loop", 10, seconds, loop.accuracy(X_test, y_test))

    torch_seconds = {}
    try:
        import torch
    except ImportError:
        print("PyTorch: not installed, skipped (pip install torch, in another environment)")
    else:
        torch.set_num_threads(args.torch_threads)
        name = f"PyTorch {torch.__version__} ({torch.get_num_threads()} thr)"
        for batch_size in (10, 100):
            seconds, accuracy = train_torch(start, X, Y, X_test, y_test, perms, batch_size)
            torch_seconds[batch_size] = report(name, batch_size, seconds, accuracy)

    print(f"\nbplib vs the per-sample loop, batch 10: {loop_seconds / ours[10]:.1f}x faster")
    for batch_size, seconds in torch_seconds.items():
        ratio = seconds / ours[batch_size]
        print(f"bplib vs PyTorch, batch {batch_size}: {ratio:.2f}x faster")
    print(f"peak memory (ru_maxrss) after the comparison: {peak_rss_mib():.0f} MiB")


class Counting(np.ndarray):
    """An array that counts the NumPy calls made on it; what they return counts too."""

    calls: collections.Counter = collections.Counter()

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        Counting.calls[
            ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
        ] += 1
        if "out" in kwargs:
            kwargs["out"] = tuple(_plain(o) for o in kwargs["out"])
        return _counting(getattr(ufunc, method)(*(_plain(x) for x in inputs), **kwargs))

    def __array_function__(self, func, types, args, kwargs):
        Counting.calls[func.__name__] += 1
        return _counting(super().__array_function__(func, types, args, kwargs))


def _plain(x: object) -> object:
    return x.view(np.ndarray) if isinstance(x, Counting) else x


def _counting(x: object) -> object:
    return x.view(Counting) if isinstance(x, np.ndarray) else x


def count_calls(batch_size: int) -> None:
    """Print the NumPy calls of one step of training: backprop, then the update."""
    net = Network(SIZES, seed=0)
    rng = np.random.default_rng(0)
    X = rng.random((batch_size, SIZES[0])).view(Counting)
    Y = np.eye(SIZES[-1])[rng.integers(0, SIZES[-1], batch_size)].view(Counting)
    net.weights = [W.view(Counting) for W in net.weights]
    net.biases = [b.view(Counting) for b in net.biases]
    optimizer = optim.get("gd", eta=ETA)

    def report(what: str) -> None:
        calls = ", ".join(f"{name} {k}" for name, k in sorted(Counting.calls.items()))
        print(f"{what}: {Counting.calls.total()} NumPy calls ({calls})")
        Counting.calls.clear()

    Counting.calls.clear()
    grads = net.gradient(X, Y, 0.0, rng, checked=True)
    report(f"Network.gradient (backprop, checked=True), batch {batch_size}")
    optimizer.step(net.parameters(), grads)
    report("GradientDescent.step")


class PerSampleNetwork:
    """A sigmoid network with quadratic cost, trained one sample at a time, the way the loop
    of Nielsen's network.py does it (our own code in its style, for comparison only).

    Samples are column vectors: x is (784, 1); W is (n_out, n_in) and b is (n_out, 1).
    """

    def __init__(self, weights: list[np.ndarray], biases: list[np.ndarray]) -> None:
        self.weights = [W.T.copy() for W in weights]  # bplib keeps W as (n_in, n_out)
        self.biases = [b.reshape(-1, 1).copy() for b in biases]

    def train(
        self, X: np.ndarray, Y: np.ndarray, perms: list[np.ndarray], batch_size: int, eta: float
    ) -> list[float]:
        """One epoch per permutation; returns the seconds of each epoch's steps."""
        samples = list(zip(X[:, :, None], Y[:, :, None], strict=True))  # column views, no copy
        seconds = []
        for perm in perms:
            shuffled = [samples[i] for i in perm]
            start = time.perf_counter()
            for k in range(0, len(shuffled), batch_size):
                self.update_mini_batch(shuffled[k : k + batch_size], eta)
            seconds.append(time.perf_counter() - start)
        return seconds

    def update_mini_batch(self, mini_batch: list, eta: float) -> None:
        """One gradient step on the sum of the per-sample gradients of the mini-batch."""
        sum_b = [np.zeros(b.shape) for b in self.biases]
        sum_w = [np.zeros(W.shape) for W in self.weights]
        for x, y in mini_batch:
            grad_b, grad_w = self.backprop(x, y)
            sum_b = [s + g for s, g in zip(sum_b, grad_b, strict=True)]
            sum_w = [s + g for s, g in zip(sum_w, grad_w, strict=True)]
        step = eta / len(mini_batch)
        self.weights = [W - step * s for W, s in zip(self.weights, sum_w, strict=True)]
        self.biases = [b - step * s for b, s in zip(self.biases, sum_b, strict=True)]

    def backprop(self, x: np.ndarray, y: np.ndarray) -> tuple[list, list]:
        """The gradient of C_x = ||a - y||^2 / 2 for one sample, layer by layer."""
        a, acts, zs = x, [x], []
        for W, b in zip(self.weights, self.biases, strict=True):
            z = W @ a + b
            a = sigmoid(z)
            zs.append(z)
            acts.append(a)
        grad_b, grad_w = [], []
        delta = (a - y) * sigmoid_prime(zs[-1])
        for layer in range(len(self.weights) - 1, -1, -1):
            grad_b.insert(0, delta)
            grad_w.insert(0, delta @ acts[layer].T)
            if layer > 0:
                delta = (self.weights[layer].T @ delta) * sigmoid_prime(zs[layer - 1])
        return grad_b, grad_w

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        """The fraction of rows of ``X`` classified as ``y``, all at once."""
        A = X.T
        for W, b in zip(self.weights, self.biases, strict=True):
            A = sigmoid(W @ A + b)
        return float(np.mean(np.argmax(A, axis=0) == y))


def train_torch(
    start: Network,
    X: np.ndarray,
    Y: np.ndarray,
    X_test: np.ndarray,
    y_test: np.ndarray,
    perms: list[np.ndarray],
    batch_size: int,
) -> tuple[list[float], float]:
    """PyTorch epochs of the same network from the same weights; (seconds, test accuracy)."""
    import torch

    model = torch.nn.Sequential(
        torch.nn.Linear(784, 30), torch.nn.Sigmoid(), torch.nn.Linear(30, 10), torch.nn.Sigmoid()
    ).double()
    with torch.no_grad():
        for layer, W, b in zip(model[::2], start.weights, start.biases, strict=True):
            layer.weight.copy_(torch.from_numpy(W.T))
            layer.bias.copy_(torch.from_numpy(b))
    optimizer = torch.optim.SGD(model.parameters(), lr=ETA)
    Xs, Ys = np.empty_like(X), np.empty_like(Y)
    seconds = []
    for perm in perms:
        np.take(X, perm, axis=0, out=Xs)
        np.take(Y, perm, axis=0, out=Ys)
        Xt, Yt = torch.from_numpy(Xs), torch.from_numpy(Ys)  # share memory with Xs, Ys
        start_time = time.perf_counter()
        for k in range(0, len(X), batch_size):
            optimizer.zero_grad()
            a = model(Xt[k : k + batch_size])
            loss = 0.5 * ((a - Yt[k : k + batch_size]) ** 2).sum(dim=1).mean()
            loss.backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start_time)
    with torch.no_grad():
        labels = model(torch.tensor(X_test)).argmax(dim=1).numpy()
    return seconds, float(np.mean(labels == y_test))


if __name__ == "__main__":
    main()
