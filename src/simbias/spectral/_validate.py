"""Input checks shared by the spectral modules (private).

Every check raises :class:`simbias.errors.InputError` naming the input, what came and the fix.
Nothing here synchronises a CUDA device except where stated (``finite`` checks).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from ..errors import InputError

NORMS = ("backward", "forward", "ortho")
KINDS = ("complex", "magnitude")


def as_tensor(name: str, value: Any, *, device: torch.device | None = None) -> Tensor:
    """``value`` as a tensor; integers/bools become the default float dtype.

    Tensors keep their device and dtype (float64 stays float64).  Non-tensors are placed on
    ``device`` (used so that e.g. a Python list of frequencies follows ``x``'s device).
    """
    if isinstance(value, Tensor):
        t = value
    else:
        try:
            t = torch.as_tensor(value, device=device)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise InputError(name, f"cannot be read as a tensor ({exc})", "pass a tensor or an array") from None
    if not (t.is_floating_point() or t.is_complex()):
        t = t.to(torch.get_default_dtype())
    return t


def real_tensor(name: str, value: Any, *, device: torch.device | None = None) -> Tensor:
    t = as_tensor(name, value, device=device)
    if t.is_complex():
        raise InputError(name, f"got a complex tensor ({t.dtype})", "pass real values")
    return t


def check_norm(norm: Any) -> str:
    if norm not in NORMS:
        raise InputError("norm", f"got {norm!r}", f"use one of {', '.join(map(repr, NORMS))}")
    return norm


def check_kind(kind: Any) -> str:
    if kind not in KINDS:
        raise InputError("kind", f"got {kind!r}", f"use one of {', '.join(map(repr, KINDS))}")
    return kind


def check_dim(name: str, dim: Any, ndim: int) -> int:
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise InputError(name, f"got {dim!r}", "use an integer axis")
    if ndim == 0:
        raise InputError("values", "got a 0-d tensor", "pass at least one axis of samples")
    if not -ndim <= dim < ndim:
        raise InputError(name, f"got {dim} for a tensor with {ndim} dims", f"use an axis in [{-ndim}, {ndim - 1}]")
    return dim % ndim


def check_nonneg(name: str, value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(name, f"got {value!r}", "use a non-negative number") from None
    if not v >= 0 or math.isnan(v):
        raise InputError(name, f"got {value!r}", "use a non-negative number")
    return v


def check_positive_int(name: str, value: Any, *, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InputError(name, f"got {value!r}", "use a positive integer" + (" or None" if allow_none else ""))
    return value


def same_device(**tensors: Tensor) -> None:
    items = list(tensors.items())
    dev0 = items[0][1].device
    for name, t in items[1:]:
        if t.device != dev0:
            raise InputError(
                name, f"is on {t.device} but {items[0][0]} is on {dev0}", "move both to the same device"
            )


def deltas_tensor(value: Any, *, name: str = "delta") -> tuple[Tensor, bool]:
    """Positive variances δ as a 1-D float64 CPU tensor, and whether a scalar was given.

    ``+inf`` is accepted (the kernel becomes constant: the low part is the mean).
    """
    scalar = False
    if isinstance(value, Tensor):
        t = value.detach().to("cpu", torch.float64)
    else:
        try:
            t = torch.as_tensor(value, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError):
            raise InputError(name, f"got {value!r}", "use a positive variance or a list of them") from None
    if t.ndim == 0:
        scalar = True
        t = t.reshape(1)
    if t.ndim != 1 or t.numel() == 0:
        raise InputError(name, f"got shape {tuple(t.shape)}", "use a positive variance or a 1-D list of them")
    bad = ~(t > 0)  # catches 0, negatives and NaN
    if bool(bad.any()):
        raise InputError(name, f"got {t[bad][0].item()} (δ is a variance)", "use a positive variance")
    return t, scalar


def as_sequence_of_ints(name: str, value: Any, *, device: torch.device) -> Tensor:
    """Integer indices as a 1-D LongTensor on ``device``."""
    try:
        t = torch.as_tensor(value, device=device) if not isinstance(value, Tensor) else value.to(device)
    except (TypeError, ValueError, RuntimeError):
        raise InputError(name, f"got {value!r}", "pass integer indices") from None
    if t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
        raise InputError(name, f"got dtype {t.dtype}", "pass integer indices")
    return t.reshape(-1).long()

