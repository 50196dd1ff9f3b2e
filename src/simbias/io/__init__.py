"""Persistence: run directories, atomic writes, loading results back.

The run-directory plumbing that ``simbias run`` and sweeps use (``claimed``, ``manifest_head``,
``now``, the checkpoint files of ``_checkpoint``, the TOML reader of ``_toml``) is importable from
here for the other layers but is not part of the public API.
"""

from ._checkpoint import checkpoint_interval, checkpointing, load_state, save_state
from ._store import RunDir as RunDir
from ._store import claimed, manifest_head, now
from ._store import atomic_write_bytes as atomic_write_bytes
from ._store import atomic_write_text as atomic_write_text
from ._store import environment_info as environment_info
from ._store import load_run as load_run
from ._store import read_history_file as read_history_file
from ._store import read_json as read_json
from ._store import read_json_file as read_json_file
from ._store import read_spec_file as read_spec_file
from ._store import remove_stale_temporaries as remove_stale_temporaries
from ._store import spec_hash as spec_hash
from ._store import write_json as write_json
from ._toml import MAX_NESTING, load_toml_text, parse_value, read_spec_text, to_toml
from ._sweepdir import SweepDir as SweepDir
from ._sweepdir import flatten_summary as flatten_summary
from ._sweepdir import format_cell as format_cell
from ._sweepdir import read_csv as read_csv
from ._sweepresults import load_sweep_results as load_sweep_results

__all__ = [
    "RunDir",
    "SweepDir",
    "load_run",
    "load_sweep_results",
    "spec_hash",
    "atomic_write_bytes",
    "atomic_write_text",
    "read_spec_file",
    "to_toml",
]
