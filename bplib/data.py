r"""The data of the course: small problems generated in code, and MNIST.

Rows are samples: ``X`` is (n, d), float64; class labels ``y`` are integers 0, 1, ..., shape
(n,). Every random draw comes from ``np.random.default_rng(seed)``, so a seed gives the same
data on every run.

``load_mnist`` reads the four MNIST files from, in this order: the folder ``data_dir``; the
folder ``$BPLIB_DATA_DIR`` (read only, never written to); the cache folder (``cache_dir``, else
``$BPLIB_CACHE_DIR``, else ``$XDG_CACHE_HOME/bplib/mnist``, by default ``~/.cache/bplib/mnist``,
or ``%LOCALAPPDATA%\bplib\mnist`` on Windows), where missing files are downloaded from the
first mirror that has them (``mirrors``, else ``$BPLIB_MNIST_MIRRORS``, comma-separated base
URLs, else ``MIRRORS``). The decompressed content of each file must have its SHA-256 below.
"""

import functools
import gzip
import hashlib
import http.client
import math
import os
import shutil
import sys
import tempfile
import urllib.request
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

# --- small problems -------------------------------------------------------------------------


def _gate(outputs: list[int]) -> tuple[np.ndarray, np.ndarray]:
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, np.array(outputs, dtype=np.int64)


def xor() -> tuple[np.ndarray, np.ndarray]:
    """X (4, 2), the corners of the unit square; y (4,) = [0, 1, 1, 0], $x_1$ XOR $x_2$."""
    return _gate([0, 1, 1, 0])


def and_gate() -> tuple[np.ndarray, np.ndarray]:
    """X (4, 2), the corners of the unit square; y (4,) = [0, 0, 0, 1], $x_1$ AND $x_2$."""
    return _gate([0, 0, 0, 1])


def or_gate() -> tuple[np.ndarray, np.ndarray]:
    """X (4, 2), the corners of the unit square; y (4,) = [0, 1, 1, 1], $x_1$ OR $x_2$."""
    return _gate([0, 1, 1, 1])


def regression_1d(
    n: int = 100, noise: float = 0.1, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    r"""X (n, 1) with $x \sim U[-1, 1]$ and targets Y (n, 1),
    $y = \sin(\pi x) + \varepsilon$, $\varepsilon \sim \mathcal N(0, \text{noise}^2)$."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.0, 1.0, (n, 1))
    return X, np.sin(np.pi * X) + noise * rng.standard_normal((n, 1))


def moons(n: int = 200, noise: float = 0.1, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    r"""Two interlocking half circles: X (n, 2), y (n,) = 0, 1, 0, 1, ...

    Class 0 is $(\cos t, \sin t)$, class 1 is $(1 - \cos t, \tfrac12 - \sin t)$, with
    $t \sim U[0, \pi]$ and $\mathcal N(0, \text{noise}^2)$ added to each coordinate.
    """
    rng = np.random.default_rng(seed)
    y = np.arange(n, dtype=np.int64) % 2
    t = rng.uniform(0.0, np.pi, n)
    X = np.column_stack([np.cos(t), np.sin(t)])
    X[y == 1] = [1.0, 0.5] - X[y == 1]
    return X + noise * rng.standard_normal((n, 2)), y


def circles(
    n: int = 200, noise: float = 0.05, factor: float = 0.5, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    r"""Two concentric circles: X (n, 2), y (n,) = 0, 1, 0, 1, ...

    Class 0 is $(\cos t, \sin t)$, class 1 is $\text{factor}\,(\cos t, \sin t)$, with
    $t \sim U[0, 2\pi)$ and $\mathcal N(0, \text{noise}^2)$ added to each coordinate.
    """
    rng = np.random.default_rng(seed)
    y = np.arange(n, dtype=np.int64) % 2
    t = rng.uniform(0.0, 2.0 * np.pi, n)
    radius = np.where(y == 0, 1.0, factor)
    X = radius[:, None] * np.column_stack([np.cos(t), np.sin(t)])
    return X + noise * rng.standard_normal((n, 2)), y


def spirals(
    n: int = 300, classes: int = 3, noise: float = 0.2, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    r"""One spiral arm per class (as in CS231n): X (n, 2), y (n,) = 0, 1, ..., classes - 1, 0, ...

    A point of class $c$ is $r\,(\sin\theta, \cos\theta)$ with $r \sim U[0, 1]$ and
    $\theta = 4(c + r) + \varepsilon$, $\varepsilon \sim \mathcal N(0, \text{noise}^2)$.
    """
    rng = np.random.default_rng(seed)
    y = np.arange(n, dtype=np.int64) % classes
    r = rng.uniform(0.0, 1.0, n)
    theta = 4.0 * (y + r) + noise * rng.standard_normal(n)
    return r[:, None] * np.column_stack([np.sin(theta), np.cos(theta)]), y


def blobs(
    n: int = 200, centers: int = 3, std: float = 1.0, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    r"""Gaussian clusters: X (n, 2), y (n,) = 0, 1, ..., centers - 1, 0, ...

    A point of class $c$ is drawn from $\mathcal N(\mu_c, \text{std}^2 I)$, the means $\mu_c$
    evenly spaced on the circle of radius 5 around the origin, $\mu_0 = (5, 0)$.
    """
    rng = np.random.default_rng(seed)
    y = np.arange(n, dtype=np.int64) % centers
    angle = 2.0 * np.pi * np.arange(centers) / centers
    means = 5.0 * np.column_stack([np.cos(angle), np.sin(angle)])
    return means[y] + std * rng.standard_normal((n, 2)), y


def one_hot(y: ArrayLike, k: int | None = None) -> np.ndarray:
    """Y (n, k), float64, with $Y_{i, y_i} = 1$ and 0 elsewhere; k defaults to max(y) + 1."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"one_hot needs labels of shape (n,), got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"one_hot needs integer labels, got dtype {y.dtype}")
    if np.any(y < 0):
        raise ValueError(f"one_hot needs labels 0 or more, got {y.min()}")
    if k is None:
        k = int(y.max()) + 1 if y.size else 0
    if np.any(y >= k):
        raise ValueError(f"label {y.max()} is out of range for k = {k} classes (0 to {k - 1})")
    Y = np.zeros((len(y), k))
    Y[np.arange(len(y)), y] = 1.0
    return Y


def train_val_split(
    X: ArrayLike, y: ArrayLike, val_fraction: float = 0.2, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X_train, y_train, X_val, y_val): the rows of X and y in a random order, the first
    round(val_fraction * n) of them for validation and the rest for training."""
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}")
    if not 0.0 <= val_fraction <= 1.0:
        raise ValueError(f"val_fraction must be between 0 and 1, got {val_fraction}")
    order = np.random.default_rng(seed).permutation(len(X))
    n_val = round(val_fraction * len(X))
    val, train = order[:n_val], order[n_val:]
    return X[train], y[train], X[val], y[val]


# --- MNIST ----------------------------------------------------------------------------------

# For each file: the SHA-256 of its decompressed content and the shape its header must give.
# Only the content is checked, because mirrors wrap the same bytes in different .gz files.
_FILES = {
    "train-images-idx3-ubyte": (
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        (60_000, 28, 28),
    ),
    "train-labels-idx1-ubyte": (
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        (60_000,),
    ),
    "t10k-images-idx3-ubyte": (
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        (10_000, 28, 28),
    ),
    "t10k-labels-idx1-ubyte": (
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        (10_000,),
    ),
}
# Nielsen's split: the last 10,000 training images are held out for validation.
_N_VALIDATION = 10_000

MIRRORS = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
_TIMEOUT = 30.0  # seconds without a byte before a mirror counts as down


class MNIST(NamedTuple):
    """MNIST in Nielsen's split: one 28x28 image per row, its pixels row by row, float64 in
    [0, 1]; labels int64 in 0-9. All arrays are read-only.

    X_train (50000, 784), y_train (50000,): training images 0-49,999.
    X_val (10000, 784), y_val (10000,): training images 50,000-59,999.
    X_test (10000, 784), y_test (10000,): the 10,000 test (t10k) images.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


class MNISTDownloadError(RuntimeError):
    """No mirror gave a file with the expected content."""


def load_mnist(
    data_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    mirrors: Sequence[str] | None = None,
) -> MNIST:
    """MNIST in Nielsen's split, the same read-only arrays on every call with the same folder."""
    data_dir = data_dir or os.environ.get("BPLIB_DATA_DIR")
    if data_dir:
        return _read_mnist(Path(data_dir).expanduser().resolve())
    folder = cache_folder(cache_dir).resolve()
    for name in _FILES:
        if not (folder / f"{name}.gz").is_file():
            _download(name, folder, _mirror_list(mirrors))
    return _read_mnist(folder)


def cache_folder(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where ``load_mnist`` keeps what it downloads: ``cache_dir``, else ``BPLIB_CACHE_DIR``,
    else the platform's cache folder."""
    folder = cache_dir or os.environ.get("BPLIB_CACHE_DIR")
    if folder:
        return Path(folder).expanduser()
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local"
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "bplib" / "mnist"


def _mirror_list(mirrors: Sequence[str] | None) -> list[str]:
    if mirrors is None:
        mirrors = os.environ.get("BPLIB_MNIST_MIRRORS", "").split(",")
    return [base.strip() for base in mirrors if base.strip()] or list(MIRRORS)


def _download(name: str, folder: Path, mirrors: list[str]) -> None:
    """Put ``name``.gz into ``folder`` from the first mirror whose copy has the right content."""
    filename = f"{name}.gz"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{filename}.", suffix=".part")
    except OSError as error:
        raise OSError(
            f"cannot write MNIST into the cache folder {folder} ({error}); "
            "set BPLIB_CACHE_DIR to a folder you can write to"
        ) from error
    os.close(handle)
    partial = Path(temporary)
    print(f"Downloading {filename} into {folder}", file=sys.stderr)
    failures = []
    try:
        for base in mirrors:
            url = f"{base.rstrip('/')}/{filename}"
            try:
                with urllib.request.urlopen(url, timeout=_TIMEOUT) as response:
                    with partial.open("wb") as out:
                        shutil.copyfileobj(response, out)
                _unpack(partial.read_bytes(), name, url)
            except (OSError, ValueError, http.client.HTTPException) as error:
                failures.append(f"  {url}: {error}")
            else:
                # Readers see either no file or a checked one, never half of one.
                os.replace(partial, folder / filename)
                return
    finally:
        partial.unlink(missing_ok=True)
    raise MNISTDownloadError(
        f"could not download {filename} from any mirror:\n"
        + "\n".join(failures)
        + f"\nCheck the internet connection, or download the four files ({_file_names()}) "
        + "by hand and set BPLIB_DATA_DIR to the folder that holds them."
    )


def _file_names() -> str:
    return ", ".join(f"{name}.gz" for name in _FILES)


@functools.cache
def _read_mnist(folder: Path) -> MNIST:
    train_images = _read(folder, "train-images-idx3-ubyte")
    train_labels = _read(folder, "train-labels-idx1-ubyte")
    n_train = len(train_images) - _N_VALIDATION
    X, y = _pixels(train_images), _labels(train_labels)
    X_test = _pixels(_read(folder, "t10k-images-idx3-ubyte"))
    y_test = _labels(_read(folder, "t10k-labels-idx1-ubyte"))
    return MNIST(X[:n_train], y[:n_train], X[n_train:], y[n_train:], X_test, y_test)


def _pixels(images: np.ndarray) -> np.ndarray:
    # Read-only, because every caller in the process shares the cached arrays.
    X = images.reshape(len(images), -1) / 255.0
    X.setflags(write=False)
    return X


def _labels(labels: np.ndarray) -> np.ndarray:
    y = labels.astype(np.int64)
    y.setflags(write=False)
    return y


def _read(folder: Path, name: str) -> np.ndarray:
    path = folder / f"{name}.gz"
    if not path.is_file():
        raise FileNotFoundError(
            f"{folder} has no {path.name}; it must hold the four MNIST files ({_file_names()})"
        )
    return _unpack(path.read_bytes(), name, str(path))


def _unpack(compressed: bytes, name: str, source: str) -> np.ndarray:
    """The uint8 array of the IDX file ``name``, checked against ``_FILES``; errors name
    ``source``, the file or URL the bytes came from."""
    try:
        data = gzip.decompress(compressed)
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(f"{source}: not a complete gzip file ({error})") from error
    sha256, shape = _FILES[name]
    # IDX header: 0x00 0x00, 0x08 (unsigned bytes), the number of dimensions; then each
    # dimension as a big-endian 32-bit integer.
    magic = 0x0800 + len(shape)
    start = 4 * (1 + len(shape))
    found = int.from_bytes(data[:4], "big")
    if found != magic:
        raise ValueError(f"{source}: magic number {found:#010x}, expected {magic:#010x} ({name})")
    dims = tuple(int.from_bytes(data[i : i + 4], "big") for i in range(4, start, 4))
    if dims != shape:
        raise ValueError(f"{source}: the header gives shape {dims}, expected {shape}")
    if len(data) - start != math.prod(shape):
        raise ValueError(
            f"{source}: {len(data) - start} bytes of data, expected {math.prod(shape)} "
            f"for shape {shape}"
        )
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise ValueError(
            f"{source}: the SHA-256 of the decompressed content is {digest}, expected {sha256}; "
            f"the file is damaged or not the original {name}"
        )
    return np.frombuffer(data, np.uint8, offset=start).reshape(shape)
