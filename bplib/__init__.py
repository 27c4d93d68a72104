"""bplib: the small NumPy library behind the backpropagation course."""

__version__ = "0.1.0"
