"""Python and numpy objects as plain JSON values (one sanitiser for every JSON file synmi writes)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["to_jsonable"]


def to_jsonable(obj: Any, *, nonfinite_as_null: bool = True) -> Any:
    """``obj`` with numpy scalars and arrays, tuples and ``to_dict()`` objects made plain JSON values.

    Parameters
    ----------
    obj : Any
        Dicts (keys become ``str``), lists and tuples (become lists), numpy
        integers, floats, bools and arrays, and objects with a ``to_dict()``
        method (e.g. :class:`~validation.engine.claims.ClaimResult`) are
        converted recursively; anything else is returned as it is (``json``
        then raises ``TypeError`` for what it cannot write).
    nonfinite_as_null : bool
        Write NaN and infinities as ``null`` (strict JSON, for the report's
        files); ``False`` keeps them as floats, which ``json`` writes as
        ``NaN``/``Infinity`` and reads back unchanged (the case cache).

    Returns
    -------
    Any
        A value ``json.dumps`` accepts.
    """
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v, nonfinite_as_null=nonfinite_as_null) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v, nonfinite_as_null=nonfinite_as_null) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        v = float(obj)
        return None if nonfinite_as_null and not np.isfinite(v) else v
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist(), nonfinite_as_null=nonfinite_as_null)
    if callable(getattr(obj, "to_dict", None)) and not isinstance(obj, type):
        return to_jsonable(obj.to_dict(), nonfinite_as_null=nonfinite_as_null)
    return obj
