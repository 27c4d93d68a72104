"""load_mnist on small IDX files written here (their checksums patched in), served from a
folder or by HTTP servers on 127.0.0.1; then on the real MNIST when BPLIB_DATA_DIR is set."""

import gzip
import hashlib
import http.server
import os
import re
import socket
import threading
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from bplib import data

# Read before the fixtures below clear or patch them for the tests on small files.
REAL_MNIST = os.environ.get("BPLIB_DATA_DIR")
DEFAULT_MIRRORS = data.MIRRORS

N_TRAIN, N_VAL, N_TEST = 10, 2, 5
NAMES = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
]


def idx(array: np.ndarray, magic: int | None = None) -> bytes:
    """IDX bytes: 0x00 0x00 0x08 ndim (or ``magic``), each dimension big-endian, the bytes."""
    magic = 0x0800 + array.ndim if magic is None else magic
    header = np.array([magic, *array.shape], dtype=">u4").tobytes()
    return header + array.astype(np.uint8).tobytes()


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    """No real MNIST, no user cache, no proxy, no default mirror, an empty in-memory cache."""
    for name in ("BPLIB_DATA_DIR", "BPLIB_CACHE_DIR", "BPLIB_MNIST_MIRRORS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")
    monkeypatch.setattr(data, "MIRRORS", (f"http://127.0.0.1:{closed_port()}/default/",))
    data._read_mnist.cache_clear()
    yield
    data._read_mnist.cache_clear()


@pytest.fixture
def mnist(monkeypatch, tmp_path):
    """A tiny MNIST: 12 training images (10 + 2 for validation) and 5 test images, written to
    tmp_path/"data" as the four .gz files, with ``data._FILES`` describing them."""
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (N_TRAIN + N_VAL, 28, 28), np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, N_TRAIN + N_VAL, np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (N_TEST, 28, 28), np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, N_TEST, np.uint8),
    }
    arrays["train-images-idx3-ubyte"][0, 0, :2] = [0, 255]  # both ends of the pixel range
    raw = {name: idx(a) for name, a in arrays.items()}
    files = {f"{name}.gz": gzip.compress(content, mtime=0) for name, content in raw.items()}
    folder = (tmp_path / "data").resolve()  # the loader names folders resolved
    folder.mkdir()
    for filename, content in files.items():
        (folder / filename).write_bytes(content)
    table = {name: (hashlib.sha256(raw[name]).hexdigest(), a.shape) for name, a in arrays.items()}
    monkeypatch.setattr(data, "_FILES", table)
    monkeypatch.setattr(data, "_N_VALIDATION", N_VAL)
    return SimpleNamespace(folder=folder, arrays=arrays, raw=raw, files=files)


def assert_is_the_tiny_mnist(m: data.MNIST, mnist) -> None:
    images = mnist.arrays["train-images-idx3-ubyte"].reshape(-1, 784) / 255
    labels = mnist.arrays["train-labels-idx1-ubyte"]
    np.testing.assert_array_equal(m.X_train, images[:N_TRAIN])
    np.testing.assert_array_equal(m.X_val, images[N_TRAIN:])
    np.testing.assert_array_equal(m.y_train, labels[:N_TRAIN])
    np.testing.assert_array_equal(m.y_val, labels[N_TRAIN:])
    np.testing.assert_array_equal(
        m.X_test, mnist.arrays["t10k-images-idx3-ubyte"].reshape(-1, 784) / 255
    )
    np.testing.assert_array_equal(m.y_test, mnist.arrays["t10k-labels-idx1-ubyte"])


def closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def serve():
    """``serve(files, truncate=False)`` starts a server on 127.0.0.1 for ``files`` (file name
    -> bytes; others 404) and returns its ``url`` and the list of its ``requests``. With
    ``truncate``, it announces the whole length and sends half of it."""
    started = []

    def start(files: dict[str, bytes], truncate: bool = False) -> SimpleNamespace:
        requests: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                requests.append(self.path)
                body = files.get(self.path.rsplit("/", 1)[-1])
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if truncate else body)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(
            # A short poll, so that shutdown() returns at once.
            target=server.serve_forever,
            kwargs={"poll_interval": 0.01},
            daemon=True,
        )
        thread.start()
        started.append((server, thread))
        return SimpleNamespace(
            url=f"http://127.0.0.1:{server.server_port}/mnist/", requests=requests
        )

    yield start
    for server, thread in started:
        server.shutdown()
        server.server_close()
        thread.join()


def damaged(mnist, name: str) -> bytes:
    """The .gz of ``name`` with one data byte changed: a valid IDX file with another SHA-256."""
    content = bytearray(mnist.raw[name])
    content[-1] ^= 0xFF
    return gzip.compress(bytes(content))


# --- from a folder ---------------------------------------------------------------------------


def test_loads_nielsens_split_from_data_dir(mnist):
    m = data.load_mnist(data_dir=mnist.folder)
    assert isinstance(m, data.MNIST)
    assert m.X_train.shape == (N_TRAIN, 784) and m.X_val.shape == (N_VAL, 784)
    assert m.X_test.shape == (N_TEST, 784)
    for X in (m.X_train, m.X_val, m.X_test):
        assert X.dtype == np.float64
    for y in (m.y_train, m.y_val, m.y_test):
        assert y.dtype == np.int64
    assert m.X_train.min() == 0.0 and m.X_train.max() == 1.0
    assert_is_the_tiny_mnist(m, mnist)


def test_arrays_are_read_only_and_shared_between_calls(mnist):
    m = data.load_mnist(data_dir=str(mnist.folder))
    for array in m:
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 0
    again = data.load_mnist(data_dir=mnist.folder / ".." / "data")
    assert all(a is b for a, b in zip(m, again, strict=True))


def test_loads_from_BPLIB_DATA_DIR_without_writing_to_it(mnist, monkeypatch, serve):
    server = serve({})
    monkeypatch.setenv("BPLIB_DATA_DIR", str(mnist.folder))
    monkeypatch.setenv("BPLIB_MNIST_MIRRORS", server.url)
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in mnist.folder.iterdir()}
    assert_is_the_tiny_mnist(data.load_mnist(), mnist)
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in mnist.folder.iterdir()}
    assert after == before
    assert server.requests == []
    assert not (Path(os.environ["XDG_CACHE_HOME"])).exists()


def test_data_dir_argument_comes_before_BPLIB_DATA_DIR(mnist, monkeypatch, tmp_path):
    monkeypatch.setenv("BPLIB_DATA_DIR", str(tmp_path / "nothing here"))
    assert_is_the_tiny_mnist(data.load_mnist(data_dir=mnist.folder), mnist)


@pytest.mark.parametrize("name", NAMES)
def test_a_missing_file_in_data_dir_is_named_and_not_downloaded(mnist, monkeypatch, serve, name):
    server = serve(mnist.files)
    monkeypatch.setenv("BPLIB_MNIST_MIRRORS", server.url)
    (mnist.folder / f"{name}.gz").unlink()
    with pytest.raises(FileNotFoundError) as error:
        data.load_mnist(data_dir=mnist.folder)
    assert f"{mnist.folder} has no {name}.gz" in str(error.value)
    assert server.requests == []


def test_a_bad_checksum_in_data_dir_names_the_file_and_its_folder(mnist):
    path = mnist.folder / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(damaged(mnist, "t10k-images-idx3-ubyte"))
    with pytest.raises(ValueError, match="SHA-256") as error:
        data.load_mnist(data_dir=mnist.folder)
    assert str(path) in str(error.value)


def test_the_gz_wrapper_may_differ_only_the_content_is_checked(mnist):
    # Mirrors compress the same bytes differently: another level, another timestamp.
    for name in NAMES:
        path = mnist.folder / f"{name}.gz"
        path.write_bytes(gzip.compress(mnist.raw[name], compresslevel=1, mtime=12345))
        assert path.read_bytes() != mnist.files[f"{name}.gz"]
    assert_is_the_tiny_mnist(data.load_mnist(data_dir=mnist.folder), mnist)


BAD_FILES = {
    "bad magic": (
        lambda a: idx(a, magic=0x0803),
        "magic number 0x00000803, expected 0x00000801",
    ),
    "magic of another type": (
        lambda a: idx(a, magic=0x0D01),  # 0x0D: float32
        "magic number 0x00000d01, expected 0x00000801",
    ),
    "wrong count": (
        lambda a: idx(a[:-1]),
        rf"the header gives shape \({N_TRAIN + N_VAL - 1},\), expected \({N_TRAIN + N_VAL},\)",
    ),
    "missing bytes": (
        lambda a: idx(a)[:-3],
        f"{N_TRAIN + N_VAL - 3} bytes of data, expected {N_TRAIN + N_VAL}",
    ),
    "extra bytes": (
        lambda a: idx(a) + b"\0",
        f"{N_TRAIN + N_VAL + 1} bytes of data, expected {N_TRAIN + N_VAL}",
    ),
    "empty": (lambda a: b"", "magic number 0x00000000"),
}


@pytest.mark.parametrize(("make", "message"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_malformed_idx_file_is_a_value_error_naming_it(mnist, make, message):
    path = mnist.folder / "train-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(make(mnist.arrays["train-labels-idx1-ubyte"])))
    with pytest.raises(ValueError, match=message) as error:
        data.load_mnist(data_dir=mnist.folder)
    assert str(path) in str(error.value)


def test_wrong_image_dimensions_are_a_value_error(mnist):
    path = mnist.folder / "t10k-images-idx3-ubyte.gz"
    images = mnist.arrays["t10k-images-idx3-ubyte"].reshape(N_TEST, 784, 1)
    path.write_bytes(gzip.compress(idx(images)))
    with pytest.raises(
        ValueError, match=rf"shape \({N_TEST}, 784, 1\), expected \({N_TEST}, 28, 28\)"
    ):
        data.load_mnist(data_dir=mnist.folder)


def test_a_file_that_is_not_gzip_is_a_value_error_naming_it(mnist):
    path = mnist.folder / "train-images-idx3-ubyte.gz"
    path.write_bytes(mnist.raw["train-images-idx3-ubyte"])
    with pytest.raises(ValueError, match="not a complete gzip file") as error:
        data.load_mnist(data_dir=mnist.folder)
    assert str(path) in str(error.value)


# --- downloads -------------------------------------------------------------------------------


def test_downloads_into_the_cache_once(mnist, serve, tmp_path, capsys):
    server = serve(mnist.files)
    cache = tmp_path / "cache" / "mnist"
    assert_is_the_tiny_mnist(data.load_mnist(cache_dir=cache, mirrors=[server.url]), mnist)
    assert sorted(server.requests) == sorted(f"/mnist/{name}.gz" for name in NAMES)
    assert {p.name: p.read_bytes() for p in cache.iterdir()} == mnist.files
    assert capsys.readouterr().err.count("Downloading") == 4

    data._read_mnist.cache_clear()  # the second load reads the files in the cache
    assert_is_the_tiny_mnist(data.load_mnist(cache_dir=cache, mirrors=[server.url]), mnist)
    assert len(server.requests) == 4


def test_downloads_only_the_files_missing_from_the_cache(mnist, serve, tmp_path):
    server = serve(mnist.files)
    cache = tmp_path / "cache"
    cache.mkdir()
    for name in NAMES[1:]:
        (cache / f"{name}.gz").write_bytes(mnist.files[f"{name}.gz"])
    assert_is_the_tiny_mnist(data.load_mnist(cache_dir=cache, mirrors=[server.url]), mnist)
    assert server.requests == [f"/mnist/{NAMES[0]}.gz"]


def test_cache_and_mirrors_from_the_environment(mnist, serve, tmp_path, monkeypatch):
    missing, good = serve({}), serve(mnist.files)
    cache = tmp_path / "env cache"
    monkeypatch.setenv("BPLIB_CACHE_DIR", str(cache))
    monkeypatch.setenv("BPLIB_MNIST_MIRRORS", f" {missing.url} ,{good.url},")
    assert_is_the_tiny_mnist(data.load_mnist(), mnist)
    assert len(missing.requests) == 4 and len(good.requests) == 4
    assert sorted(p.name for p in cache.iterdir()) == sorted(mnist.files)


def test_default_cache_is_under_XDG_CACHE_HOME(mnist, serve, monkeypatch):
    monkeypatch.setattr(data, "MIRRORS", (serve(mnist.files).url,))
    assert_is_the_tiny_mnist(data.load_mnist(), mnist)
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "bplib" / "mnist"
    assert sorted(p.name for p in cache.iterdir()) == sorted(mnist.files)


def test_a_mirror_that_404s_falls_through_to_the_next(mnist, serve, tmp_path):
    missing, good = serve({}), serve(mnist.files)
    m = data.load_mnist(cache_dir=tmp_path / "cache", mirrors=[missing.url, good.url])
    assert_is_the_tiny_mnist(m, mnist)
    assert len(missing.requests) == len(good.requests) == 4


def test_a_bad_checksum_falls_through_to_the_next_mirror(mnist, serve, tmp_path):
    bad_files = dict(mnist.files)
    bad_files["train-images-idx3-ubyte.gz"] = damaged(mnist, "train-images-idx3-ubyte")
    bad, good = serve(bad_files), serve(mnist.files)
    cache = tmp_path / "cache"
    assert_is_the_tiny_mnist(data.load_mnist(cache_dir=cache, mirrors=[bad.url, good.url]), mnist)
    assert good.requests == ["/mnist/train-images-idx3-ubyte.gz"]
    assert {p.name: p.read_bytes() for p in cache.iterdir()} == mnist.files


def test_a_truncated_download_leaves_nothing_in_the_cache(mnist, serve, tmp_path):
    server = serve(mnist.files, truncate=True)
    cache = tmp_path / "cache"
    with pytest.raises(data.MNISTDownloadError, match=re.escape(server.url)):
        data.load_mnist(cache_dir=cache, mirrors=[server.url])
    assert list(cache.iterdir()) == []


def test_a_truncated_download_falls_through_to_the_next_mirror(mnist, serve, tmp_path):
    cut, good = serve(mnist.files, truncate=True), serve(mnist.files)
    cache = tmp_path / "cache"
    assert_is_the_tiny_mnist(data.load_mnist(cache_dir=cache, mirrors=[cut.url, good.url]), mnist)
    assert len(cut.requests) == 4
    assert {p.name: p.read_bytes() for p in cache.iterdir()} == mnist.files  # no temporary file


def test_when_every_mirror_fails_the_error_names_each_and_says_what_to_do(mnist, serve, tmp_path):
    missing = serve({})
    refused = f"http://127.0.0.1:{closed_port()}/mnist/"
    bad = serve({name: damaged(mnist, name[:-3]) for name in mnist.files})
    cache = tmp_path / "cache"
    with pytest.raises(data.MNISTDownloadError) as error:
        data.load_mnist(cache_dir=cache, mirrors=[missing.url, refused, bad.url])
    message = str(error.value)
    lines = message.splitlines()
    assert f"{missing.url}train-images-idx3-ubyte.gz: HTTP Error 404" in message
    assert any(line.startswith(f"  {refused}train-images-idx3-ubyte.gz: ") for line in lines)
    assert f"{bad.url}train-images-idx3-ubyte.gz: the SHA-256" in message
    assert "internet connection" in message and "BPLIB_DATA_DIR" in message
    assert list(cache.iterdir()) == []


def test_the_default_mirrors_are_the_three_public_ones():
    assert DEFAULT_MIRRORS == (
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    )
    assert data._mirror_list(None) == list(data.MIRRORS)


def unwritable(tmp_path: Path) -> Path:
    """A cache folder that cannot be created or written, for root too."""
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        (folder / "probe").touch()
    except PermissionError:
        return folder / "mnist"
    # Root ignores permissions; nobody can create a folder under a regular file.
    (folder / "probe").unlink()
    folder.chmod(0o700)
    (tmp_path / "a file").touch()
    return tmp_path / "a file" / "mnist"


def test_an_unwritable_cache_is_a_clear_error(mnist, serve, tmp_path):
    server = serve(mnist.files)
    cache = unwritable(tmp_path)
    try:
        with pytest.raises(OSError, match="BPLIB_CACHE_DIR") as error:
            data.load_mnist(cache_dir=cache, mirrors=[server.url])
    finally:
        (tmp_path / "locked").chmod(0o700)  # so that pytest can remove it
    assert f"cache folder {cache.resolve()}" in str(error.value)
    assert server.requests == []


# --- the real MNIST --------------------------------------------------------------------------

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture
def real_mnist():
    if not REAL_MNIST:
        pytest.skip("real MNIST: set BPLIB_DATA_DIR to the folder of the four MNIST .gz files")
    return data.load_mnist(data_dir=REAL_MNIST)


@pytest.mark.mnist
def test_real_mnist_shapes_dtypes_range_and_labels(real_mnist):
    m = real_mnist
    shapes = [(50_000, 784), (50_000,), (10_000, 784), (10_000,), (10_000, 784), (10_000,)]
    assert [a.shape for a in m] == shapes
    for X in (m.X_train, m.X_val, m.X_test):
        assert X.dtype == np.float64
        assert X.min() == 0.0 and X.max() == 1.0
    for y in (m.y_train, m.y_val, m.y_test):
        assert y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(m.y_test, minlength=10), TEST_COUNTS)
    train_and_val = np.bincount(m.y_train, minlength=10) + np.bincount(m.y_val, minlength=10)
    np.testing.assert_array_equal(train_and_val, TRAIN_COUNTS)
    assert m.y_train[:5].tolist() == [5, 0, 4, 1, 9]  # the well-known first training labels
    assert m.y_test[:5].tolist() == [7, 2, 1, 0, 4]


@pytest.mark.mnist
def test_checksums_in_the_code_are_those_of_the_real_files():
    if not REAL_MNIST:
        pytest.skip("real MNIST: set BPLIB_DATA_DIR to the folder of the four MNIST .gz files")
    sums = Path(REAL_MNIST) / "SHA256SUMS"
    if not sums.is_file():
        pytest.skip(f"no {sums} to compare the checksums in the code with")
    listed = sums.read_text().splitlines()[:4]
    expected = {name: digest for digest, name in (line.split() for line in listed)}
    assert {name: sha for name, (sha, _) in data._FILES.items()} == expected
