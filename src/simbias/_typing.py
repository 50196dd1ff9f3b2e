"""Shared type aliases (no logic)."""

from __future__ import annotations

from typing import Union

import torch

DeviceLike = Union[str, torch.device, None]
DTypeLike = Union[torch.dtype, None]
SeedLike = Union[int, torch.Generator, None]

__all__ = ["DeviceLike", "DTypeLike", "SeedLike"]
