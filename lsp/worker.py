"""The analysis process: `llmsight.api.check_source` runs in a child process, not in the server's.

Why a process: an analysis holds the GIL for hundreds of milliseconds on a large file; in a thread of
the server that would stall every other request (hover on another file, cancellations) for as long.
In a child process the server stays responsive, and a crash inside the analysis (native code, memory)
kills only the child: the server logs it, analyses that one snapshot in-process and starts a new child.

Protocol on the child's stdin/stdout: 8-byte big-endian length + pickle, one request at a time:
`(job, args)` → `("ok", result, warnings)` or `("error", message, warnings)`; jobs are
`check_source` (one buffer), `same_source` (whether the buffer's last result is still its result: the
edit changed only comments no rule reads) and `check_workspace` (a whole project, for `diagnosticMode:
workspace`). The child imports no LSP code (lsprotocol is slow to import); `llmsight.api` is imported
where a job runs, so that `llm-lint lsp` starts the child before importing anything heavy.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import gc
import pickle
import signal
import struct
import subprocess
import sys
import threading
import traceback
from pathlib import Path
from typing import BinaryIO, Callable, NoReturn

from llmsight.launch import module_argv
from llmsight.lsp.settings import ProjectConfigs, Settings
from llmsight.records import CheckResult

_HEADER = struct.Struct("!Q")
log = logging.getLogger(__name__)



class WorkerDied(RuntimeError):
    """The analysis process exited or answered garbage."""


class AnalysisTimeout(RuntimeError):
    """An analysis ran past its time limit; the child was killed (a new one starts on the next call)."""


BUFFER_TIMEOUT_S = 60.0       # one editor buffer: far above any real file, so only a hang hits it
WORKSPACE_TIMEOUT_S = 600.0   # a whole project, cold cache
# analysed once when the process starts, so that the editor's first file finds the analysis modules, price
# catalog, tokenizer and priors loaded
WARM_UP_SOURCE = ('from openai import OpenAI\nOpenAI().chat.completions.create(model="gpt-4o-mini", '
                  'messages=[{"role": "user", "content": "warm up the tokenizer"}])\n')


def _traffic_origin(settings: Settings) -> str:
    """Where the traffic store in use was set, so a warning says what to fix."""
    return "setting llmsight.trafficDb" if settings.traffic_db else "[tool.llmsight] traffic in pyproject.toml"


def run_check(source: str, path: Path, root: Path, settings: Settings, configs: ProjectConfigs,
              warn: Callable[[str], None]) -> tuple[CheckResult, object, str | None]:
    """check_source with the project's config; if traffic or estimates fail, diagnostics still come."""
    from llmsight import api

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
    from llmsight import api

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


@dataclasses.dataclass
class _Last:
    """The last analysis of one buffer in this process, under the server's token for it."""

    token: object
    source: str
    settings: Settings
    payload: tuple[CheckResult, object, str | None]


_LAST: dict[tuple[str, str], _Last] = {}
MAX_BUFFERS = 32   # buffers remembered (the least recently analysed go first)


def check_buffer(source: str, path: Path, root: Path, settings: Settings, token: object, configs: ProjectConfigs,
                 warn: Callable[[str], None]) -> tuple[CheckResult, object, str | None]:
    """`run_check`, remembered under `token` (the server's name for this analysis) for `same_buffer`."""
    payload = run_check(source, path, root, settings, configs, warn)
    key = (str(path), str(root))
    _LAST.pop(key, None)
    if token is not None:
        _LAST[key] = _Last(token, source, settings, payload)
        while len(_LAST) > MAX_BUFFERS:
            del _LAST[next(iter(_LAST))]
    return payload


def same_buffer(source: str, path: Path, root: Path, settings: Settings, token: object, configs: ProjectConfigs,
                warn: Callable[[str], None]) -> bool:
    """True when the analysis the server holds as `token` is also `source`'s: the buffer changed only in
    comments no rule reads or trailing whitespace since, under the same settings and config."""
    from llmsight import api

    last = _LAST.get((str(path), str(root)))
    return (last is not None and last.token == token and last.settings == settings and path.suffix != ".ipynb"
            and configs.get(root)[0] == last.payload[1] and api.same_findings(last.source, source, last.payload[0]))


_JOBS = {"check_source": check_buffer, "same_source": same_buffer, "check_workspace": run_workspace_check}


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
        if job == "check_source" and (last := _LAST.get((str(args[1]), str(args[2])))) is not None:
            from llmsight import api

            api.same_findings(last.source, last.source, last.payload[0])   # parsed now, not on the next keystroke


class AnalysisProcess:
    """Server side: one child, started on first use and restarted after it dies."""

    def __init__(self, on_restart: Callable[[str], None] = lambda reason: None,
                 buffer_timeout_s: float = BUFFER_TIMEOUT_S, workspace_timeout_s: float = WORKSPACE_TIMEOUT_S) -> None:
        self._child: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._unread = 0        # answers the child owes to requests nobody waits for (the warm-up)
        self.warmed = False
        self.on_restart = on_restart
        self.buffer_timeout_s, self.workspace_timeout_s = buffer_timeout_s, workspace_timeout_s

    def warm_up(self, fork: bool = False) -> None:
        """Start the child, if it is not running, and have it analyse WARM_UP_SOURCE without waiting for
        the answer: it loads everything an analysis needs while the caller does other work (the server
        imports its protocol modules, the editor opens files). `fork`: start it as a fork of this process
        (`_Forked`), which only a caller that has started no thread yet may ask for."""
        with self._lock:
            if self.warmed:
                return
            self.warmed = True
            try:
                child = self._running(fork)
                _write(child.stdin, ("check_source", (WARM_UP_SOURCE, Path.cwd() / "llmsight_warm_up.py", Path.cwd(),
                                                      Settings(), None)))
                self._unread += 1
            except OSError as exc:   # the first real analysis starts a new child and reports real problems
                log.debug("warm-up failed: %s", exc)
                self._stop()

    def _running(self, fork: bool = False) -> subprocess.Popen | _Forked:
        """The child, started now if it is not running (called with the lock held)."""
        if self._child is not None and self._child.poll() is not None:
            self.on_restart(f"it exited with code {self._child.returncode}")
            self._child = None
        if self._child is None:
            self._unread = 0
            self._child = _Forked() if fork else subprocess.Popen(
                module_argv(sys.executable, "llmsight.lsp.worker"), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                env=os.environ.copy())
        return self._child

    def check(self, source: str, path: Path, root: Path, settings: Settings, token: object = None):
        """(CheckResult, Config, traffic, warnings) of one buffer; WorkerDied if the child is gone,
        RuntimeError if the analysis raised. `token`: the caller's name for this analysis (`same`)."""
        payload, warnings = self._call("check_source", (source, path, root, settings, token))
        return (*payload, warnings)

    def same(self, source: str, path: Path, root: Path, settings: Settings, token: object) -> bool:
        """True when the buffer's analysis checked under `token` is also `source`'s (see `same_buffer`)."""
        same, _warnings = self._call("same_source", (source, path, root, settings, token))
        return same

    def check_workspace(self, root: Path, settings: Settings) -> tuple[CheckResult, list[str]]:
        return self._call("check_workspace", (root, settings))

    def _call(self, job: str, args: tuple):
        with self._lock:
            child, expired = self._running(), threading.Event()

            def expire() -> None:   # a hung analysis must not hang the server
                expired.set()
                child.kill()

            limit = self.workspace_timeout_s if job == "check_workspace" else self.buffer_timeout_s
            timer = threading.Timer(limit, expire)
            timer.start()
            try:
                _write(child.stdin, (job, args))
                while self._unread:
                    self._unread -= 1
                    if _read(child.stdout) is None:
                        break
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
        self._unread = 0
        if child is not None and child.poll() is None:
            child.kill()
            child.wait()

    def close(self) -> None:
        """At shutdown: end the child's input (it exits after any answer in flight); never blocks."""
        child, self._child = self._child, None
        self._unread = 0
        if child is not None and child.stdin is not None:
            try:
                child.stdin.close()
            except OSError:
                pass


class _Forked:
    """The analysis process as a fork of `llm-lint lsp`, with the `subprocess.Popen` methods
    `AnalysisProcess` uses. The language server's first diagnostics wait for the child's warm-up; a
    fork skips a new interpreter's start-up and the imports the command already made (~0.06 CPU-s of
    that wait). Only for a process with no thread yet (a fork copies only the calling thread)."""

    def __init__(self) -> None:
        requests_read, requests_write = os.pipe()
        answers_read, answers_write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            _serve_forked(requests_read, answers_write, (requests_write, answers_read))
        os.close(requests_read)
        os.close(answers_write)
        self.stdin = os.fdopen(requests_write, "wb")
        self.stdout = os.fdopen(answers_read, "rb")
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self._reap(os.WNOHANG)
        return self.returncode

    def wait(self) -> int:
        if self.returncode is None:
            self._reap(0)
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _reap(self, options: int) -> None:
        try:
            pid, status = os.waitpid(self.pid, options)
        except ChildProcessError:   # reaped elsewhere: dead, its status unknown (as Popen.poll says 0)
            self.returncode = 0
            return
        if pid:
            self.returncode = os.waitstatus_to_exitcode(status)


def _serve_forked(requests: int, answers: int, parent_ends: tuple[int, int]) -> NoReturn:
    """The forked child: the pipes become its stdin and stdout, as a started child's are (the editor's
    pipes are not held open by it, and a stray write to fd 1 cannot reach the editor), the project's
    folder leaves `sys.path` as `module_argv` drops it, then `serve`."""
    code = 1
    try:
        for fd in parent_ends:
            os.close(fd)
        os.dup2(requests, 0)
        os.dup2(answers, 1)
        os.close(requests)
        os.close(answers)
        if sys.path and sys.path[0] in ("", os.getcwd()):
            del sys.path[0]
        serve()
        code = 0
    except BaseException:   # noqa: BLE001 - what a started child would print before exiting
        traceback.print_exc()
    finally:
        os._exit(code)


# started by `llm-lint lsp` before it imports the server, so that the child loads in parallel with it
EARLY: AnalysisProcess | None = None


def start_early() -> None:
    """Start the analysis process and its warm-up now (the server adopts it): forked on Linux, where the
    command has started no thread yet; a new interpreter elsewhere (and for every later restart)."""
    global EARLY
    EARLY = AnalysisProcess()
    EARLY.warm_up(fork=sys.platform.startswith("linux"))


if __name__ == "__main__":
    serve()
