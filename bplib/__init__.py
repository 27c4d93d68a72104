"""bplib: the small NumPy library behind the backpropagation course."""

from importlib.metadata import version

__version__ = version("bplib")  # pyproject.toml is the one place the version is written
