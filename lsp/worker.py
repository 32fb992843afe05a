"""The analysis process: `llmsight.api.check_source` runs in a child process, not in the server's.

Why a process: an analysis holds the GIL for hundreds of milliseconds on a large file; in a thread of
the server that would stall every other request (hover on another file, cancellations) for as long.
In a child process the server stays responsive, and a crash inside the analysis (native code, memory)
kills only the child: the server logs it, analyses that one snapshot in-process and starts a new child.

Protocol on the child's stdin/stdout: 8-byte big-endian length + pickle, one request at a time:
`(job, args)` → `("ok", result, warnings)` or `("error", message, warnings)`; jobs are
`check_source` (one buffer) and `check_workspace` (a whole project, for `diagnosticMode: workspace`). The child imports no LSP code (lsprotocol is slow to import).
"""
from __future__ import annotations

import dataclasses
import os
import gc
import pickle
import struct
import subprocess
import sys
import threading
import traceback
from pathlib import Path
from typing import BinaryIO, Callable

from llmsight import api
from llmsight.launch import module_argv
from llmsight.lsp.settings import ProjectConfigs, Settings
from llmsight.records import CheckResult

_HEADER = struct.Struct("!Q")



class WorkerDied(RuntimeError):
    """The analysis process exited or answered garbage."""


class AnalysisTimeout(RuntimeError):
    """An analysis ran past its time limit; the child was killed (a new one starts on the next call)."""


BUFFER_TIMEOUT_S = 60.0       # one editor buffer: far above any real file, so only a hang hits it
WORKSPACE_TIMEOUT_S = 600.0   # a whole project, cold cache


def _traffic_origin(settings: Settings) -> str:
    """Where the traffic store in use was set, so a warning says what to fix."""
    return "setting llmsight.trafficDb" if settings.traffic_db else "[tool.llmsight] traffic in pyproject.toml"


def run_check(source: str, path: Path, root: Path, settings: Settings, configs: ProjectConfigs,
              warn: Callable[[str], None]) -> tuple[CheckResult, object, str | None]:
    """check_source with the project's config; if traffic or estimates fail, diagnostics still come."""
    config, problem = configs.get(root)
    if problem:
        warn(problem)
    traffic = settings.traffic_db or config.traffic
    kwargs = dict(config=config, root=root, select=settings.select, ignore=settings.ignore)
    try:
        return api.check_source(source, str(path), traffic=traffic, **kwargs), config, traffic or None
    except Exception as exc:  # noqa: BLE001 - degrade, say why, keep linting
        if traffic:
            warn(f"{_traffic_origin(settings)}: {exc}; showing static estimates until it is fixed "
                 "(then llmsight.reloadTraffic)")
            config = dataclasses.replace(config, traffic=None)
            kwargs["config"] = config
            try:
                return api.check_source(source, str(path), **kwargs), config, None
            except Exception as again:  # noqa: BLE001
                exc = again
        warn(f"estimates failed for {path.name} ({type(exc).__name__}: {exc}); showing diagnostics only")
        return api.check_source(source, str(path), with_estimates=False, **kwargs), config, None


def run_workspace_check(root: Path, settings: Settings, configs: ProjectConfigs,
                        warn: Callable[[str], None]) -> CheckResult:
    """`llmsight.api.check` of a whole project, as `llm-lint check` runs it (content-hash cache included)."""
    config, problem = configs.get(root)
    if problem:
        warn(problem)
    traffic = settings.traffic_db or config.traffic
    try:
        return api.check([root], config=config, select=settings.select, ignore=settings.ignore, traffic=traffic,
                         with_estimates=False)
    except Exception as exc:  # noqa: BLE001 - without traffic the static rules still report
        if not traffic:
            raise
        warn(f"{_traffic_origin(settings)}: {exc}; workspace diagnostics without traffic rules")
        return api.check([root], config=dataclasses.replace(config, traffic=None), select=settings.select,
                         ignore=settings.ignore, with_estimates=False)


_JOBS = {"check_source": run_check, "check_workspace": run_workspace_check}


def _write(stream: BinaryIO, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read(stream: BinaryIO):
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)


def serve() -> None:
    """Child side: answer requests until stdin closes."""
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr   # a stray print in analysis code must not corrupt the channel
    configs = ProjectConfigs()
    served = 0
    while (request := _read(requests)) is not None:
        if served == 1:
            # what the first analysis loaded (price catalog, tokenizer, modules) lives as long as the
            # process: out of the collector's sight, full collections stop costing ~100 ms per keystroke
            gc.freeze()
        served += 1
        job, args = request
        warnings: list[str] = []
        try:
            answer = ("ok", _JOBS[job](*args, configs, warnings.append), warnings)
        except Exception as exc:  # noqa: BLE001 - reported to the server, which logs it
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            answer = ("error", f"{type(exc).__name__}: {exc} at {Path(frame.filename).name}:{frame.lineno}", warnings)
        try:
            _write(answers, answer)
        except BrokenPipeError:   # the server exited meanwhile: nobody to answer, nothing for its editor's log
            os.dup2(os.open(os.devnull, os.O_WRONLY), answers.fileno())
            return


class AnalysisProcess:
    """Server side: one child, started on first use and restarted after it dies."""

    def __init__(self, on_restart: Callable[[str], None] = lambda reason: None,
                 buffer_timeout_s: float = BUFFER_TIMEOUT_S, workspace_timeout_s: float = WORKSPACE_TIMEOUT_S) -> None:
        self._child: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._on_restart = on_restart
        self.buffer_timeout_s, self.workspace_timeout_s = buffer_timeout_s, workspace_timeout_s

    def check(self, source: str, path: Path, root: Path, settings: Settings):
        """(CheckResult, Config, traffic, warnings) of one buffer; WorkerDied if the child is gone,
        RuntimeError if the analysis raised."""
        payload, warnings = self._call("check_source", (source, path, root, settings))
        return (*payload, warnings)

    def check_workspace(self, root: Path, settings: Settings) -> tuple[CheckResult, list[str]]:
        return self._call("check_workspace", (root, settings))

    def _call(self, job: str, args: tuple):
        with self._lock:
            if self._child is not None and self._child.poll() is not None:
                self._on_restart(f"it exited with code {self._child.returncode}")
                self._child = None
            if self._child is None:
                self._child = subprocess.Popen(module_argv(sys.executable, "llmsight.lsp.worker"), stdin=subprocess.PIPE,
                                               stdout=subprocess.PIPE, env=os.environ.copy())
            child, expired = self._child, threading.Event()

            def expire() -> None:   # a hung analysis must not hang the server
                expired.set()
                child.kill()

            limit = self.buffer_timeout_s if job == "check_source" else self.workspace_timeout_s
            timer = threading.Timer(limit, expire)
            timer.start()
            try:
                _write(child.stdin, (job, args))
                answer = _read(child.stdout)
            except (OSError, pickle.UnpicklingError, EOFError) as exc:
                answer, reason = None, str(exc)
            else:
                reason = f"exit code {child.poll()}"
            finally:
                timer.cancel()
            if answer is None:
                self._stop()
                if expired.is_set():
                    raise AnalysisTimeout(f"it ran longer than {limit:g} s and was stopped")
                raise WorkerDied(reason)
        status, payload, warnings = answer
        if status != "ok":
            raise RuntimeError(payload)
        return payload, warnings

    def _stop(self) -> None:
        child, self._child = self._child, None
        if child is not None and child.poll() is None:
            child.kill()
            child.wait()

    def close(self) -> None:
        """At shutdown: end the child's input (it exits after any answer in flight); never blocks."""
        child, self._child = self._child, None
        if child is not None and child.stdin is not None:
            try:
                child.stdin.close()
            except OSError:
                pass


if __name__ == "__main__":
    serve()
