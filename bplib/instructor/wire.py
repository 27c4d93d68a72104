"""Plain data across the kernel boundary: what a check passes to a student's function and what
comes back, as JSON, without pickle.

A value is JSON's (None, bool, int, float with NaN and infinities, str, list, dict with str
keys) or an object with one key naming its type:

- ``{"tuple": [...]}``, ``{"dict": [[key, value], ...]}`` (keys not str);
- ``{"array": [dtype, shape, base64]}``: a NumPy array of booleans or numbers (no object
  dtype), ``{"scalar": [dtype, base64]}`` a NumPy scalar;
- ``{"rng": [bit generator, state]}``: a ``np.random.Generator`` of one of NumPy's bit
  generators, with its state;
- ``{"network": {...}}``: a ``bplib.network.Network`` (weights, biases, activations and loss
  by their registered names, its rng, its backprop function or None);
- ``{"activation": name}``, ``{"loss": name}``: a registered activation or loss;
- ``{"mine": n}`` / ``{"yours": n}``: a callable that lives on the sender's side (n is its
  handle there) or on the receiver's side (a handle the receiver gave out before);
- ``{"iterator": [...]}``: the items of an iterator (at most MAX_ITEMS), read on the sender's side;
- ``{"opaque": [type name, repr]}``: anything else, which arrives as an inert stand-in.

Decoding builds only these types; an ill-formed message raises ``WireError``.
"""

import base64
import builtins
import json
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from bplib import activations, losses
from bplib.network import Network

MAX_ITEMS = 100_000  # items read from an iterator a student's function returns
MAX_DEPTH = 50  # nesting of lists, tuples and dicts
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
KINDS = "biufc"  # NumPy dtype kinds that cross: booleans and numbers


class WireError(ValueError):
    """A message that is not a well-formed encoding."""


class Remote:
    """A callable on the other side, known here by its handle; calling it asks that side.

    ``rebind(references)`` and ``restore()`` put the course's versions of earlier exercises in
    place of the student's helpers that the function calls, on its side, and back (what
    ``bplib.checks.feedback.references_in_place`` asks of a function it cannot reach itself).
    """

    def __init__(
        self,
        handle: int,
        call: Callable[[int, tuple], Any],
        command: Callable[[dict], Any] | None = None,
    ) -> None:
        self.handle = handle
        self._call = call
        self._command = command

    def __call__(self, *args):
        return self._call(self.handle, args)

    def rebind(self, references: Mapping[str, Callable]) -> list[str]:
        if self._command is None:
            return []
        names = {n: [f.__module__, f.__qualname__] for n, f in references.items()}
        return list(self._command({"op": "rebind", "handle": self.handle, "names": names}))

    def restore(self) -> None:
        if self._command is not None:
            self._command({"op": "restore", "handle": self.handle})

    def __repr__(self) -> str:
        return f"<function across the kernel boundary #{self.handle}>"


class Opaque:
    """What stands in for a value the sender could not encode."""

    def __init__(self, type_name: str, text: str) -> None:
        self.type_name, self.text = type_name, text

    def __repr__(self) -> str:
        return self.text


class Codec:
    """Encodes and decodes for one side; holds the callables this side has handed out.

    ``call(handle, args)`` calls the other side's callable ``handle``.
    """

    def __init__(
        self, call: Callable[[int, tuple], Any], command: Callable[[dict], Any] | None = None
    ) -> None:
        self.call, self.command = call, command
        self.handed_out: list[Callable] = []

    def dumps(self, value) -> str:
        return json.dumps(self.encode(value))

    def loads(self, text: str):
        try:
            return self.decode(json.loads(text))
        except WireError:
            raise
        except (ValueError, TypeError, KeyError, IndexError, RecursionError) as e:
            raise WireError(f"ill-formed message: {type(e).__name__}: {e}") from None

    def encode(self, value, depth: int = 0):
        if depth > MAX_DEPTH:
            raise WireError(f"nested deeper than {MAX_DEPTH}")
        if value is None or isinstance(value, (bool, int, str)):
            return value
        if isinstance(value, float):
            return value
        if isinstance(value, np.ndarray) and value.dtype.kind in KINDS:
            return {"array": [value.dtype.str, list(value.shape), _b64(value.tobytes())]}
        if isinstance(value, np.generic) and value.dtype.kind in KINDS:
            return {"scalar": [value.dtype.str, _b64(value.tobytes())]}
        if isinstance(value, list):
            return [self.encode(v, depth + 1) for v in value]
        if isinstance(value, tuple) and not isinstance(
            value, (activations.Activation, losses.Loss)
        ):
            return {"tuple": [self.encode(v, depth + 1) for v in value]}
        if isinstance(value, dict):
            if all(isinstance(k, str) for k in value) and len(value) != 1:
                return {k: self.encode(v, depth + 1) for k, v in value.items()}
            pairs = [
                [self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()
            ]
            return {"dict": pairs}
        if isinstance(value, np.random.Generator):
            bits = value.bit_generator
            if type(bits).__name__ in BIT_GENERATORS:
                return {"rng": [type(bits).__name__, bits.state]}
        if isinstance(value, Network):
            return {"network": self.network(value, depth)}
        if isinstance(value, activations.Activation) and _registered(activations, value):
            return {"activation": value.name}
        if isinstance(value, losses.Loss) and _registered(losses, value):
            return {"loss": value.name}
        if isinstance(value, Remote) and value._call == self.call:
            return {"yours": value.handle}
        if callable(value) and not isinstance(value, type):
            self.handed_out.append(value)
            return {"mine": len(self.handed_out) - 1}
        if isinstance(value, Iterator):
            items: list = []
            for item in value:
                if len(items) == MAX_ITEMS:
                    raise WireError(f"an iterator of more than {MAX_ITEMS} items")
                items.append(self.encode(item, depth + 1))
            return {"iterator": items}
        return {"opaque": [type(value).__name__, _short_repr(value)]}

    def network(self, net: Network, depth: int) -> dict:
        return {
            "weights": self.encode(list(net.weights), depth + 1),
            "biases": self.encode(list(net.biases), depth + 1),
            "activation": net.activation.name,
            "output_activation": net.output_activation.name,
            "loss": net.loss.name,
            "rng": self.encode(net.rng, depth + 1),
            "backprop": self.encode(net.backprop_fn, depth + 1),
        }

    def decode(self, data, depth: int = 0):
        if depth > MAX_DEPTH:
            raise WireError(f"nested deeper than {MAX_DEPTH}")
        if data is None or isinstance(data, (bool, int, float, str)):
            return data
        if isinstance(data, list):
            return [self.decode(v, depth + 1) for v in data]
        if not isinstance(data, dict):
            raise WireError(f"unexpected {type(data).__name__}")
        if len(data) != 1:
            return {k: self.decode(v, depth + 1) for k, v in data.items()}
        ((kind, body),) = data.items()
        if kind == "tuple":
            return tuple(self.decode(v, depth + 1) for v in _list(body))
        if kind == "dict":
            return {self.decode(k, depth + 1): self.decode(v, depth + 1) for k, v in _list(body)}
        if kind == "array":
            dtype, shape, text = _list(body)
            return _array(dtype, shape, text)
        if kind == "scalar":
            dtype, text = _list(body)
            return _array(dtype, [], text)[()]
        if kind == "rng":
            name, state = _list(body)
            if name not in BIT_GENERATORS or not isinstance(state, dict):
                raise WireError(f"not a bit generator: {name!r}")
            bits = getattr(np.random, name)()
            bits.state = state
            return np.random.Generator(bits)
        if kind == "network":
            return self.decode_network(body, depth)
        if kind == "activation":
            return activations.get(_str(body))
        if kind == "loss":
            return losses.get(_str(body))
        if kind == "mine":
            return Remote(_int(body), self.call, self.command)
        if kind == "yours":
            handle = _int(body)
            if not 0 <= handle < len(self.handed_out):
                raise WireError(f"no callable #{handle} was handed out")
            return self.handed_out[handle]
        if kind == "iterator":
            return iter([self.decode(v, depth + 1) for v in _list(body)])
        if kind == "opaque":
            type_name, text = map(_str, _list(body))
            return Opaque(type_name[:100], text)
        raise WireError(f"unknown kind {kind[:50]!r}")

    def decode_network(self, body, depth: int) -> Network:
        if not isinstance(body, dict):
            raise WireError("a network is a mapping")
        rng = self.decode(body["rng"], depth + 1)
        backprop = self.decode(body["backprop"], depth + 1)
        net = Network.from_weights(
            self.decode(body["weights"], depth + 1),
            self.decode(body["biases"], depth + 1),
            _str(body["activation"]),
            _str(body["output_activation"]),
            _str(body["loss"]),
            backprop=backprop if callable(backprop) else None,
        )
        if isinstance(rng, np.random.Generator):
            net.rng = rng
        return net


def describe(e: BaseException) -> dict:
    """An exception as data: its type's name, the nearest built-in type above it, its text."""
    builtin = next(t for t in type(e).__mro__ if t.__module__ == "builtins")
    return {"type": type(e).__name__, "builtin": builtin.__name__, "message": str(e)[:10_000]}


def rebuild(error) -> Exception:
    """The exception ``describe`` gave, as an instance of a class of the same name, derived
    from the same built-in type (so ``isinstance(e, ValueError)`` still holds)."""
    if not isinstance(error, dict):
        raise WireError("an error is a mapping")
    name, builtin, message = _str(error["type"]), _str(error["builtin"]), _str(error["message"])
    base = getattr(builtins, builtin, None)
    if not (isinstance(base, type) and issubclass(base, Exception)):
        base = Exception
    if name == base.__name__:
        return base(message)
    if not name.isidentifier():
        name = "Error"
    return type(name, (base,), {"__module__": "kernel"})(message)


def write_back(original, returned) -> None:
    """Make ``original`` (an argument the check passed) hold what the student's function left
    in its copy ``returned``: arrays, lists, dicts, generators and networks change in place."""
    if isinstance(original, np.ndarray) and isinstance(returned, np.ndarray):
        if original.shape == returned.shape and original.flags.writeable:
            np.copyto(original, returned, casting="unsafe")
    elif isinstance(original, list) and isinstance(returned, list):
        if len(original) == len(returned):
            for i, (o, r) in enumerate(zip(original, returned, strict=True)):
                if mutable(o) and type(o) is type(r):
                    write_back(o, r)
                else:
                    original[i] = r
        else:
            original[:] = returned
    elif isinstance(original, dict) and isinstance(returned, dict):
        for key in set(original) - set(returned):
            del original[key]
        for key, value in returned.items():
            if key in original and mutable(original[key]) and type(original[key]) is type(value):
                write_back(original[key], value)
            else:
                original[key] = value
    elif isinstance(original, np.random.Generator) and isinstance(returned, np.random.Generator):
        if type(original.bit_generator) is type(returned.bit_generator):
            original.bit_generator.state = returned.bit_generator.state
    elif isinstance(original, Network) and isinstance(returned, Network):
        write_back(original.weights, returned.weights)
        write_back(original.biases, returned.biases)
        write_back(original.rng, returned.rng)


def mutable(value) -> bool:
    return isinstance(value, (np.ndarray, list, dict, np.random.Generator, Network))


def _registered(registry, value) -> bool:
    try:
        return registry.get(value.name) is value
    except ValueError:
        return False


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _array(dtype, shape, text) -> np.ndarray:
    kind = np.dtype(_str(dtype))
    if kind.kind not in KINDS or not all(isinstance(n, int) and n >= 0 for n in _list(shape)):
        raise WireError(f"not an array of numbers: dtype {dtype!r}, shape {shape!r}")
    raw = base64.b64decode(_str(text), validate=True)
    if len(raw) != kind.itemsize * math.prod(shape):
        raise WireError(f"{len(raw)} bytes for an array {dtype} of shape {shape}")
    return np.frombuffer(raw, dtype=kind).reshape(shape).copy()


def _list(body) -> list:
    if not isinstance(body, list):
        raise WireError(f"expected a list, got {type(body).__name__}")
    return body


def _str(body) -> str:
    if not isinstance(body, str):
        raise WireError(f"expected a string, got {type(body).__name__}")
    return body


def _int(body) -> int:
    if not isinstance(body, int) or isinstance(body, bool):
        raise WireError(f"expected an integer, got {type(body).__name__}")
    return body


def _short_repr(value) -> str:
    try:
        text = repr(value)
    except Exception:  # a student's object whose __repr__ fails is still an object
        text = f"<{type(value).__name__}>"
    return text[:200]
