"""Full training state for exact resume: :class:`Checkpoint`.

:func:`~simbias.train.fit` and :func:`~simbias.train.fit_ensemble` hand a :class:`Checkpoint` to
``on_checkpoint`` every ``checkpoint_every`` steps and continue from one given as ``resume=``.  A
checkpoint taken at step ``s`` is the state *before* update ``s``: model parameters and buffers
(stacked, member axis first, for an ensemble), the optimiser state, the RNG states (the global
torch generator, CUDA's when in use, and the mini-batch ``generator``), the per-step losses of
steps ``< s``, what every probe recorded before ``s`` (and its static arrays), and the engine's
own counters (mini-batch permutation and position, divergence bookkeeping).

The contract (tests): training ``steps`` updates in one call equals, bit for bit on one machine,
training with checkpoints, stopping, and calling the engine again with ``resume=`` the last
checkpoint and the same arguments (same ``steps``, record schedule, probes, loss).  The resumed
call is given freshly built objects: a model (or models) of the same structure — a model rebuilt
from the spec is right, as probe ``setup`` runs on it before the state is loaded, so probes that
remember the initialisation see it — and an optimiser over its parameters.

Everything in :meth:`Checkpoint.to_dict` is tensors, numbers, strings, lists and dicts, so
``torch.save(ckpt.to_dict(), path)`` / ``Checkpoint.from_dict(torch.load(path, weights_only=True))``
round-trip (:meth:`Checkpoint.save`, :meth:`Checkpoint.load`).  Writing checkpoints atomically into
a run directory is the job of ``simbias.io``.  The state of many jobs (:func:`~simbias.train.fit_jobs`)
adds the finished jobs' histories (:func:`pack_history`: the ``.npz`` bytes and a JSON line of the
outcome and ``info``) and every ``torch.Generator`` the jobs hold (:func:`rng_state`).

Limits: the state of a probe is its static arrays (``setup`` must be deterministic given the model
it is handed and the problem); a gradient-free optimiser's internal generator is saved only when
its ``state_dict`` includes it; a callable objective with a generator of its own (the PDE
objectives' collocation sampler) must be re-seeded by its owner (it is not the engine's state).
"""

from __future__ import annotations

import copy
import io
import json
import os
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import torch

from ..errors import InputError, Outcome
from ..results import History

__all__ = ["Checkpoint", "pack_history", "unpack_history", "rng_state", "set_rng_state"]

_FORMAT = 1


@dataclass
class Checkpoint:
    """The state of a training run before update ``step`` (module docstring).

    Parameters
    ----------
    kind : ``"fit"`` or ``"ensemble"`` (which engine wrote it; the other refuses it).
    step : number of updates done.
    steps : the run's total number of updates (a resume must ask for the same).
    model : ``fit``: the model's ``state_dict``; ensemble: ``{"params": …, "buffers": …}`` stacked.
    optimizer : the optimiser's ``state_dict()``.
    rng : ``{"torch": …, "cuda": [...], "generator": … or None}`` byte tensors.
    engine : the engine's counters, per-step losses and records so far.

    Examples
    --------
    >>> saved = []
    >>> h = fit(model, problem, opt, steps=1000, checkpoint_every=100,   # doctest: +SKIP
    ...         on_checkpoint=lambda c: c.save("ckpt.pt"))
    >>> h = fit(fresh_model, problem, fresh_opt, steps=1000,              # doctest: +SKIP
    ...         resume=Checkpoint.load("ckpt.pt"))
    """

    kind: str
    step: int
    steps: int
    model: dict[str, Any]
    optimizer: dict[str, Any]
    rng: dict[str, Any]
    engine: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A plain nested dict (``torch.load(..., weights_only=True)`` friendly)."""
        return {"format": _FORMAT, "kind": self.kind, "step": int(self.step), "steps": int(self.steps),
                "model": self.model, "optimizer": self.optimizer, "rng": self.rng, "engine": self.engine}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Checkpoint":
        """Inverse of :meth:`to_dict`."""
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise InputError("checkpoint", "is not a simbias checkpoint of this version",
                             "resume from a checkpoint written by this simbias version, or start over")
        return cls(kind=str(data["kind"]), step=int(data["step"]), steps=int(data["steps"]), model=data["model"],
                   optimizer=data["optimizer"], rng=data["rng"], engine=data["engine"])

    def save(self, path: str | os.PathLike) -> None:
        """Write with ``torch.save`` to ``path`` atomically (a temporary file, then a rename)."""
        path = os.fspath(path)
        tmp = f"{path}.tmp{os.getpid()}"
        torch.save(self.to_dict(), tmp)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str | os.PathLike, map_location=None) -> "Checkpoint":
        """Read a checkpoint written by :meth:`save` (``weights_only=True``: no code is unpickled)."""
        try:
            data = torch.load(os.fspath(path), map_location=map_location, weights_only=True)
        except (OSError, RuntimeError, EOFError) as exc:
            raise InputError("checkpoint", f"cannot read {os.fspath(path)!r} ({type(exc).__name__})",
                             "give a file written by Checkpoint.save") from None
        return cls.from_dict(data)


def pack_history(h: History) -> dict[str, Any]:
    """``h`` as tensors and strings that ``torch.load(..., weights_only=True)`` reads back.

    Parameters
    ----------
    h : History
        A recorded history (its outcome and ``info`` included).

    Returns
    -------
    dict
        ``{"npz": uint8 tensor of the .npz bytes, "meta": JSON text}``; :func:`unpack_history` inverts it.

    Examples
    --------
    >>> import numpy as np
    >>> from simbias import History
    >>> h = History(steps=np.arange(3), arrays={"loss": np.array([3.0, 2.0, 1.0])})
    >>> unpack_history(pack_history(h))["loss"].tolist()
    [3.0, 2.0, 1.0]
    """
    buf = io.BytesIO()
    np.savez(buf, **h.to_npz_dict())
    meta = json.dumps({"outcome": h.outcome, "diverged_step": h.diverged_step, "info": h.info})  # str enums
    return {"npz": torch.frombuffer(bytearray(buf.getvalue()), dtype=torch.uint8), "meta": meta}


def unpack_history(d: dict[str, Any]) -> History:
    """The :class:`~simbias.History` that :func:`pack_history` packed.

    Parameters
    ----------
    d : dict
        What :func:`pack_history` returned (possibly through ``torch.save``/``torch.load``).

    Returns
    -------
    History
        The arrays, outcome, ``diverged_step`` and ``info`` of the packed history.

    Examples
    --------
    >>> import numpy as np
    >>> from simbias import History
    >>> unpack_history(pack_history(History(steps=np.arange(2)))).steps.tolist()
    [0, 1]
    """
    with np.load(io.BytesIO(d["npz"].numpy().tobytes()), allow_pickle=False) as z:
        h = History.from_npz_dict({k: z[k] for k in z.files})
    meta = json.loads(d["meta"])
    o = meta["outcome"]
    h.outcome = [Outcome(x) for x in o] if isinstance(o, list) else Outcome(o)
    h.diverged_step, h.info = meta["diverged_step"], meta["info"]
    return h


def _generators(jobs: Sequence[Any]) -> list[torch.Generator]:
    """Every distinct ``torch.Generator`` the jobs hold (their ``generator=`` option and problem attributes)."""
    out: list[torch.Generator] = []
    for f in jobs:
        for g in [f.options.get("generator"), *(v for _, v in sorted(getattr(f.problem, "__dict__", {}).items()))]:
            if isinstance(g, torch.Generator) and not any(g is o for o in out):
                out.append(g)
    return out


def rng_state(jobs: Sequence[Any]) -> dict[str, Any]:
    """The global torch RNG and every ``torch.Generator`` that ``jobs`` hold.

    Parameters
    ----------
    jobs : sequence
        Training jobs (:class:`~simbias.train.Job`): their ``options["generator"]`` and the
        generators among their ``problem``'s attributes count.

    Returns
    -------
    dict
        ``{"torch": state, "generators": [state, ...]}``; :func:`set_rng_state` restores it.

    Examples
    --------
    >>> import torch
    >>> from types import SimpleNamespace
    >>> g = torch.Generator().manual_seed(0)
    >>> jobs = [SimpleNamespace(options={"generator": g}, problem=None)]
    >>> state = rng_state(jobs)
    >>> a = torch.rand(2, generator=g)
    >>> set_rng_state(state, jobs)
    >>> torch.equal(a, torch.rand(2, generator=g))
    True
    """
    return {"torch": torch.get_rng_state(), "generators": [g.get_state() for g in _generators(jobs)]}


def set_rng_state(state: dict[str, Any], jobs: Sequence[Any]) -> None:
    """Restore what :func:`rng_state` took.

    Parameters
    ----------
    state : dict
        From :func:`rng_state`.
    jobs : sequence
        The same jobs (rebuilt): they must hold as many generators as when the state was taken.

    Returns
    -------
    None

    Raises
    ------
    InputError
        The jobs hold other generators (``--resume`` of a checkpoint that does not fit the run).

    Examples
    --------
    >>> import torch
    >>> from types import SimpleNamespace
    >>> jobs = [SimpleNamespace(options={}, problem=None)]
    >>> state = rng_state(jobs)
    >>> a = torch.rand(1)
    >>> set_rng_state(state, jobs)
    >>> torch.equal(a, torch.rand(1))
    True
    """
    gens = _generators(jobs)
    if len(gens) != len(state["generators"]):
        raise InputError("--resume", "the checkpoint does not fit this run (its generators differ)",
                         "start over without --resume")
    torch.set_rng_state(state["torch"])
    for g, s in zip(gens, state["generators"]):
        g.set_state(s)


# ---- helpers shared by the engines ---------------------------------------------------------

def _clone(obj):
    """Deep copy with tensors detached and cloned (the engine keeps training on the originals)."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().clone()
    if isinstance(obj, dict):
        return {k: _clone(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_clone(v) for v in obj)
    return copy.deepcopy(obj)


def _rng_state(generator: torch.Generator | None, device: torch.device) -> dict[str, Any]:
    out: dict[str, Any] = {"torch": torch.get_rng_state(),
                           "generator": None if generator is None else generator.get_state()}
    if device.type == "cuda":
        out["cuda"] = torch.cuda.get_rng_state(device)
    return out


def _set_rng_state(state: dict[str, Any], generator: torch.Generator | None, device: torch.device) -> None:
    torch.set_rng_state(state["torch"])
    if state.get("generator") is not None:
        if generator is None:
            raise InputError("generator", "the checkpoint holds a mini-batch generator state, none was given",
                             "pass the same generator= as the interrupted run")
        generator.set_state(state["generator"])
    if device.type == "cuda" and state.get("cuda") is not None:
        torch.cuda.set_rng_state(state["cuda"], device)


def _stack_records(vals: dict[str, list[torch.Tensor]], dim: int = 0) -> dict[str, torch.Tensor]:
    return {k: torch.stack(v, dim=dim) if v else torch.empty(0) for k, v in vals.items()}


def _unstack_records(data: dict[str, torch.Tensor], device, dim: int = 0) -> dict[str, list[torch.Tensor]]:
    return {k: [t.to(device) for t in v.unbind(dim)] for k, v in data.items()}


def _check_resume(ckpt: Any, kind: str, steps: int) -> "Checkpoint":
    if isinstance(ckpt, dict):
        ckpt = Checkpoint.from_dict(ckpt)
    if not isinstance(ckpt, Checkpoint):
        raise InputError("resume", f"got {type(ckpt).__name__}", "give a train.Checkpoint (or Checkpoint.load(path))")
    if ckpt.kind != kind:
        raise InputError("resume", f"is a checkpoint of {ckpt.kind!r}, this engine is {kind!r}",
                         "resume with the engine that wrote it")
    if ckpt.steps != steps or not 0 <= ckpt.step <= steps:
        raise InputError("resume", f"was taken in a run of {ckpt.steps} steps (at step {ckpt.step}), this one has {steps}",
                         "resume with the same train.steps")
    return ckpt


def _check_every(checkpoint_every, on_checkpoint) -> int | None:
    if checkpoint_every is None:
        return None
    if isinstance(checkpoint_every, bool) or not isinstance(checkpoint_every, int) or checkpoint_every < 1:
        raise InputError("record.checkpoint_every", f"got {checkpoint_every!r}", "use a positive integer or leave it unset")
    if on_checkpoint is None:
        raise InputError("on_checkpoint", "checkpoint_every is set but nothing receives the checkpoints",
                         "pass on_checkpoint=callable(Checkpoint)")
    return checkpoint_every
