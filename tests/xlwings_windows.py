"""xlwings' own Windows UDF machinery, run on Linux (tooling-facts.md, "Worksheet functions in
real xlwings").

On Linux ``@xw.func``/``@xw.arg``/``@xw.ret`` are no-ops, so a test of the worksheet functions
never meets xlwings' conversion — which is where a return hint ``float | str`` breaks every
call in Excel. This helper stubs pywin32 (``pythoncom``, ``pywintypes``, ``win32com``,
``win32timezone``: empty modules with the few names ``xlwings.udfs`` touches at import), imports
the real ``xlwings.udfs`` and sets its ``xlfunc``/``xlarg``/``xlret`` as ``xw.func``/``arg``/
``ret`` *before* loading ``addin/udfs.py`` as a fresh module. The functions then carry the same
``__xlfunc__`` that Excel's call path (``xlwings.udfs.call_udf``) reads.

Cell values need an engine named "excel": its two conversion steps (``clean_value_data`` when
reading an argument, ``prepare_xl_data_element`` when writing the result) and the error codes
are taken from xlwings' own ``_xlwindows.py`` source — the functions themselves, compiled from
that file, not a copy — because that module cannot import on Linux.

``call(func, *args)`` does what ``call_udf`` does between Excel and the function: a missing
optional argument arrives as the COM "missing" integer, every other argument goes through
``conversion.read(None, value, options)`` (a range's values arrive already fetched from COM,
as tuples of rows), and the result through ``conversion.write(value, None, ret options)``.

Everything is undone on exit (``sys.modules``, ``xw.func``/``arg``/``ret``, the engine list).
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import importlib.util
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlwings as xw

ROOT = Path(__file__).resolve().parents[1]
COM_MISSING = -2147352572  # what VBA passes for an omitted Optional argument


def _stub_modules() -> dict[str, types.ModuleType]:
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None  # type: ignore[attr-defined]
    pythoncom.IID_IDispatch = None  # type: ignore[attr-defined]
    pywintypes = types.ModuleType("pywintypes")

    class ComError(Exception):
        pass

    class TimeType(dt.datetime):
        pass

    pywintypes.com_error = ComError  # type: ignore[attr-defined]
    pywintypes.TimeType = TimeType  # type: ignore[attr-defined]
    pywintypes.IID = lambda text: text  # type: ignore[attr-defined]
    win32com = types.ModuleType("win32com")
    client = types.ModuleType("win32com.client")
    client.Dispatch = lambda *a, **k: None  # type: ignore[attr-defined]
    win32com.client = client  # type: ignore[attr-defined]
    win32timezone = types.ModuleType("win32timezone")

    class TimeZoneInfo:
        @staticmethod
        def utc() -> dt.tzinfo:
            return dt.UTC

    win32timezone.TimeZoneInfo = TimeZoneInfo  # type: ignore[attr-defined]
    return {"pythoncom": pythoncom, "pywintypes": pywintypes, "win32com": win32com,
            "win32com.client": client, "win32timezone": win32timezone}


_ENGINE_PARTS = {"_clean_value_data_element", "_com_time_to_datetime", "_datetime_to_com_time"}
_ENGINE_METHODS = {"prepare_xl_data_element", "clean_value_data"}


def windows_engine_impl(stubs: dict[str, types.ModuleType]) -> Any:
    """The value conversion of xlwings' Windows engine, compiled from ``_xlwindows.py``."""
    path = Path(xw.__file__).with_name("_xlwindows.py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    body: list[ast.stmt] = []
    for node in tree.body:
        errors = isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "cell_errors" for t in node.targets)
        if errors or (isinstance(node, ast.FunctionDef) and node.name in _ENGINE_PARTS):
            body.append(node)
        elif isinstance(node, ast.ClassDef) and node.name == "Engine":
            methods: list[ast.stmt] = [n for n in node.body if isinstance(n, ast.FunctionDef)
                                       and n.name in _ENGINE_METHODS]
            body.append(ast.ClassDef(name="Engine", bases=[], keywords=[], body=methods,
                                     decorator_list=[], type_params=[]))
    found = {n.name for n in body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    assert found == _ENGINE_PARTS | {"Engine"}, f"xlwings changed _xlwindows.py: {found}"
    module = ast.fix_missing_locations(ast.Module(body=body, type_ignores=[]))
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy comes with the engine's dependencies
        np = None  # type: ignore[assignment]
    from xlwings.utils import np_datetime_to_datetime

    pywintypes = stubs["pywintypes"]
    time_types: tuple[type, ...] = (dt.date, dt.datetime, pywintypes.TimeType)
    if np is not None:
        time_types += (np.datetime64,)
    namespace: dict[str, Any] = {
        "dt": dt, "pd": None, "np": np, "pywintypes": pywintypes, "time_types": time_types,
        "win32timezone": stubs["win32timezone"], "np_datetime_to_datetime": np_datetime_to_datetime,
    }
    exec(compile(module, str(path), "exec"), namespace)
    impl = namespace["Engine"]()
    impl.name = "excel"
    impl.type = "desktop"
    impl.cell_errors = namespace["cell_errors"]
    return impl


@dataclass
class WindowsXlwings:
    udfs: types.ModuleType  # addin/udfs.py, decorated by real xlwings
    xlwings_udfs: types.ModuleType  # xlwings.udfs (generate_vba_wrapper, …)
    cell_errors: dict[int, str]

    def call(self, func: Any, *args: Any) -> Any:
        """Excel → ``call_udf`` → the function → the value handed back to Excel."""
        from xlwings import conversion

        info = func.__xlfunc__
        converted = []
        for i, arg in enumerate(args):
            arg_info = info["args"][min(i, len(info["args"]) - 1)]
            if isinstance(arg, int) and not isinstance(arg, bool) and arg == COM_MISSING:
                converted.append(arg_info.get("optional", None))
            else:
                converted.append(conversion.read(None, arg, arg_info["options"]))
        result = func(*converted)
        return conversion.write(result, None, info["ret"]["options"])


@contextmanager
def windows_xlwings() -> Iterator[WindowsXlwings]:
    stubs = _stub_modules()
    names = [*stubs, "xlwings.udfs", "addin_udfs_windows"]
    saved_modules = {name: sys.modules.get(name) for name in names}
    saved = (xw.func, xw.arg, xw.ret)
    engines = xw.engines
    saved_engines = (list(engines.engines), dict(engines.engines_by_name))
    try:
        sys.modules.update(stubs)
        sys.modules.pop("xlwings.udfs", None)
        xlwings_udfs = importlib.import_module("xlwings.udfs")
        impl = windows_engine_impl(stubs)
        if "excel" in engines.engines_by_name:
            engines.engines.remove(engines.engines_by_name["excel"])
        engines.add(xw.main.Engine(impl=impl))
        xw.func, xw.arg, xw.ret = (xlwings_udfs.xlfunc, xlwings_udfs.xlarg,  # type: ignore[assignment]
                                   xlwings_udfs.xlret)
        spec = importlib.util.spec_from_file_location("addin_udfs_windows",
                                                      ROOT / "addin" / "udfs.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["addin_udfs_windows"] = module
        spec.loader.exec_module(module)
        yield WindowsXlwings(module, xlwings_udfs, impl.cell_errors)
    finally:
        xw.func, xw.arg, xw.ret = saved  # type: ignore[assignment]
        engines.engines[:] = saved_engines[0]
        engines.engines_by_name.clear()
        engines.engines_by_name.update(saved_engines[1])
        for name, module in saved_modules.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
