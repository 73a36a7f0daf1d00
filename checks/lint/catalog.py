"""The blocking calls loopwire knows, as data: qualified names, tracked objects and their methods.

Kept apart from the rule units (``rules/``) and from the call classifier (``classifier.py``) so
that adding a blocking call is a one-line change here; an entry names the rule it reports under.
"""

from __future__ import annotations

from dataclasses import dataclass

SUBPROCESS = "LW101"
SLEEP = "LW102"
INPUT = "LW103"
FILE_IO = "LW104"
PATH_IO = "LW105"
HTTP = "LW106"
SOCKET = "LW107"
SQLITE = "LW108"
CONFIGURED = "LW109"
TRANSITIVE = "LW110"
WAIT = "LW111"


@dataclass(frozen=True, slots=True)
class Blocking:
    """What a blocking call is reported as, and what to use instead."""

    code: str
    # What to use instead, when this call needs more specific advice than its rule's own
    # suggestion; None: the rule's.
    suggestion: str | None = None
    # Arguments that make the call return at once: the positional index (None: keyword only)
    # and keyword of a "block" flag that is off when False, and of a timeout that is off when 0.
    block_flag: tuple[int | None, str] | None = None
    timeout: tuple[int | None, str] | None = None


_RUN_PROCESS = Blocking(SUBPROCESS, "asyncio.create_subprocess_exec")
_WAIT_PROCESS = Blocking(SUBPROCESS, "asyncio.create_subprocess_exec and await proc.wait()")
_TO_THREAD = "asyncio.to_thread"
_FILES = Blocking(FILE_IO)
_PATHS = Blocking(PATH_IO)
_HTTP = Blocking(HTTP)
_SOCKETS = Blocking(SOCKET)
_SQLITE = Blocking(SQLITE)
_AWAIT_THREAD = "asyncio.to_thread(...), or the asyncio primitive (asyncio.Event, asyncio.Queue)"
_AWAIT_FUTURE = "await asyncio.wrap_future(future)"

# Fully qualified function name -> how it is reported.
FUNCTIONS: dict[str, Blocking] = {
    **{
        f"subprocess.{name}": _RUN_PROCESS
        for name in (
            "run",
            "call",
            "check_call",
            "check_output",
            "getoutput",
            "getstatusoutput",
            "Popen",
        )
    },
    "os.system": _RUN_PROCESS,
    "os.popen": _RUN_PROCESS,
    "os.posix_spawn": _RUN_PROCESS,
    "os.posix_spawnp": _RUN_PROCESS,
    **{
        f"os.{name}": _RUN_PROCESS
        for name in (
            "spawnl",
            "spawnle",
            "spawnlp",
            "spawnlpe",
            "spawnv",
            "spawnve",
            "spawnvp",
            "spawnvpe",
        )
    },
    **{f"os.{name}": _WAIT_PROCESS for name in ("wait", "wait3", "wait4", "waitid", "waitpid")},
    "time.sleep": Blocking(SLEEP),
    "input": Blocking(INPUT, "asyncio.to_thread(input, ...) or an async stdin reader"),
    "builtins.input": Blocking(INPUT, "asyncio.to_thread(input, ...) or an async stdin reader"),
    "open": _FILES,
    "builtins.open": _FILES,
    "io.open": _FILES,
    "io.open_code": _FILES,
    "os.fdopen": _FILES,
    **{
        f"shutil.{name}": Blocking(FILE_IO, _TO_THREAD)
        for name in (
            "copy",
            "copy2",
            "copyfile",
            "copyfileobj",
            "copymode",
            "copystat",
            "copytree",
            "move",
            "rmtree",
            "make_archive",
            "unpack_archive",
            "disk_usage",
            "chown",
        )
    },
    # The os functions that touch the file system (os.path's are below); anything in os that
    # only computes (os.fspath, os.getcwd, os.environ) stays off the list.
    **{
        f"os.{name}": _PATHS
        for name in (
            "listdir",
            "scandir",
            "walk",
            "fwalk",
            "stat",
            "lstat",
            "access",
            "mkdir",
            "makedirs",
            "rmdir",
            "removedirs",
            "remove",
            "unlink",
            "rename",
            "renames",
            "replace",
            "chmod",
            "chown",
            "link",
            "symlink",
            "readlink",
            "utime",
            "truncate",
        )
    },
    "glob.glob": _PATHS,
    "glob.iglob": _PATHS,
    **{
        f"os.path.{name}": _PATHS
        for name in (
            "exists",
            "lexists",
            "isfile",
            "isdir",
            "islink",
            "ismount",
            "isjunction",
            "getsize",
            "getatime",
            "getmtime",
            "getctime",
            "samefile",
            "sameopenfile",
            "realpath",
        )
    },
    **{
        f"{module}.{method}": _HTTP
        for module in ("requests", "httpx")
        for method in ("get", "options", "head", "post", "put", "patch", "delete", "request")
    },
    "httpx.stream": _HTTP,
    "urllib.request.urlopen": _HTTP,
    "urllib.request.urlretrieve": _HTTP,
    "urllib3.request": _HTTP,
    "socket.create_connection": _SOCKETS,
    "socket.getaddrinfo": _SOCKETS,
    "socket.gethostbyname": _SOCKETS,
    "socket.gethostbyname_ex": _SOCKETS,
    "socket.gethostbyaddr": _SOCKETS,
    "socket.getnameinfo": _SOCKETS,
    "socket.getfqdn": _SOCKETS,
    "sqlite3.connect": _SQLITE,
    "concurrent.futures.wait": Blocking(WAIT, "await asyncio.wait(...)", timeout=(1, "timeout")),
}

# os.spawn* with one of these modes returns at once: it starts a process without waiting for it.
NON_WAITING_SPAWN_MODES = frozenset({"P_NOWAIT", "P_NOWAITO", "P_DETACH"})
SPAWN_PREFIX = "os.spawn"

# Objects whose methods block, by kind. A call that creates one binds the variable to the kind.
PROCESS = "process"
FILE = "file"
PATH = "path"
SQLITE_CONNECTION = "sqlite-connection"
SQLITE_CURSOR = "sqlite-cursor"
HTTP_CLIENT = "http-client"
# Synchronisation objects of threads and processes: their waits park the whole loop.
LOCK = "lock"  # Lock, RLock, Semaphore, BoundedSemaphore, Condition
EVENT = "event"
BARRIER = "barrier"
THREAD = "thread"  # threading.Thread, multiprocessing.Process
QUEUE = "queue"
FUTURE = "future"  # concurrent.futures.Future
EXECUTOR = "executor"

# The classes of those objects: calling one makes one, annotating with one declares one.
_SYNC_CLASSES: dict[str, str] = {
    **{
        f"threading.{name}": LOCK
        for name in ("Lock", "RLock", "Semaphore", "BoundedSemaphore", "Condition")
    },
    "threading.Event": EVENT,
    "threading.Barrier": BARRIER,
    "threading.Thread": THREAD,
    "multiprocessing.Process": THREAD,
    **{f"queue.{name}": QUEUE for name in ("Queue", "LifoQueue", "PriorityQueue", "SimpleQueue")},
    "concurrent.futures.Future": FUTURE,
    "concurrent.futures.ThreadPoolExecutor": EXECUTOR,
    "concurrent.futures.ProcessPoolExecutor": EXECUTOR,
}

CONSTRUCTORS: dict[str, str] = {
    "subprocess.Popen": PROCESS,
    "open": FILE,
    "builtins.open": FILE,
    "io.open": FILE,
    "io.open_code": FILE,
    "os.fdopen": FILE,
    "pathlib.Path": PATH,
    "pathlib.PosixPath": PATH,
    "pathlib.WindowsPath": PATH,
    "pathlib.Path.cwd": PATH,
    "pathlib.Path.home": PATH,
    "sqlite3.connect": SQLITE_CONNECTION,
    "requests.Session": HTTP_CLIENT,
    "requests.session": HTTP_CLIENT,
    "httpx.Client": HTTP_CLIENT,
    "urllib3.PoolManager": HTTP_CLIENT,
    "urllib3.ProxyManager": HTTP_CLIENT,
    "urllib3.HTTPConnectionPool": HTTP_CLIENT,
    "urllib3.HTTPSConnectionPool": HTTP_CLIENT,
    "urllib3.connection_from_url": HTTP_CLIENT,
    **_SYNC_CLASSES,
    # multiprocessing's are factory functions (of its default context), not classes.
    **{
        f"multiprocessing.{name}": LOCK
        for name in ("Lock", "RLock", "Semaphore", "BoundedSemaphore", "Condition")
    },
    "multiprocessing.Event": EVENT,
    "multiprocessing.Barrier": BARRIER,
    "multiprocessing.Queue": QUEUE,
    "multiprocessing.JoinableQueue": QUEUE,
    "multiprocessing.SimpleQueue": QUEUE,
    # It hands back a concurrent future, not an awaitable one.
    "asyncio.run_coroutine_threadsafe": FUTURE,
}

# Type annotations that bind a parameter or variable to a kind.
ANNOTATIONS: dict[str, str] = {
    "subprocess.Popen": PROCESS,
    "pathlib.Path": PATH,
    "pathlib.PosixPath": PATH,
    "pathlib.WindowsPath": PATH,
    "io.TextIOWrapper": FILE,
    "io.BufferedReader": FILE,
    "io.BufferedWriter": FILE,
    "io.BufferedRandom": FILE,
    "typing.TextIO": FILE,
    "typing.BinaryIO": FILE,
    "typing.IO": FILE,
    "sqlite3.Connection": SQLITE_CONNECTION,
    "sqlite3.Cursor": SQLITE_CURSOR,
    "requests.Session": HTTP_CLIENT,
    "httpx.Client": HTTP_CLIENT,
    "urllib3.PoolManager": HTTP_CLIENT,
    **_SYNC_CLASSES,
    "concurrent.futures.Executor": EXECUTOR,
}

_FILE_METHODS = (
    "read",
    "read1",
    "readinto",
    "readline",
    "readlines",
    "write",
    "writelines",
    "flush",
    "truncate",
    "seek",
    "close",
)
_PATH_METHODS = (
    "read_text",
    "read_bytes",
    "write_text",
    "write_bytes",
    "exists",
    "is_file",
    "is_dir",
    "is_symlink",
    "is_mount",
    "is_socket",
    "is_fifo",
    "is_block_device",
    "is_char_device",
    "is_junction",
    "stat",
    "lstat",
    "owner",
    "group",
    "iterdir",
    "glob",
    "rglob",
    "walk",
    "mkdir",
    "rmdir",
    "unlink",
    "rename",
    "replace",
    "touch",
    "chmod",
    "lchmod",
    "resolve",
    "samefile",
    "readlink",
    "symlink_to",
    "hardlink_to",
    "expanduser",
)
_SQL_METHODS = ("execute", "executemany", "executescript", "commit", "rollback", "close")
_HTTP_METHODS = (
    "get",
    "options",
    "head",
    "post",
    "put",
    "patch",
    "delete",
    "request",
    "send",
    "stream",
    "urlopen",
    "request_encode_url",
    "request_encode_body",
    "close",
)

# kind -> method -> how a call of it is reported.
METHODS: dict[str, dict[str, Blocking]] = {
    PROCESS: {name: _WAIT_PROCESS for name in ("wait", "communicate")},
    FILE: dict.fromkeys(_FILE_METHODS, _FILES),
    PATH: {**dict.fromkeys(_PATH_METHODS, _PATHS), "open": _FILES},
    SQLITE_CONNECTION: dict.fromkeys((*_SQL_METHODS, "backup", "iterdump"), _SQLITE),
    SQLITE_CURSOR: dict.fromkeys((*_SQL_METHODS, "fetchone", "fetchmany", "fetchall"), _SQLITE),
    HTTP_CLIENT: dict.fromkeys(_HTTP_METHODS, _HTTP),
    LOCK: {
        "acquire": Blocking(
            WAIT, _AWAIT_THREAD, block_flag=(0, "blocking"), timeout=(1, "timeout")
        ),
        "wait": Blocking(WAIT, _AWAIT_THREAD, timeout=(0, "timeout")),
        "wait_for": Blocking(WAIT, _AWAIT_THREAD, timeout=(1, "timeout")),
    },
    EVENT: {"wait": Blocking(WAIT, _AWAIT_THREAD, timeout=(0, "timeout"))},
    BARRIER: {"wait": Blocking(WAIT, _AWAIT_THREAD, timeout=(0, "timeout"))},
    THREAD: {"join": Blocking(WAIT, _AWAIT_THREAD, timeout=(0, "timeout"))},
    # Not ``put``: most queues handed to threads are unbounded, and then ``put`` never waits.
    QUEUE: {
        "get": Blocking(WAIT, _AWAIT_THREAD, block_flag=(0, "block"), timeout=(1, "timeout")),
        "join": Blocking(WAIT, _AWAIT_THREAD),
    },
    FUTURE: {
        "result": Blocking(WAIT, _AWAIT_FUTURE, timeout=(0, "timeout")),
        "exception": Blocking(WAIT, _AWAIT_FUTURE, timeout=(0, "timeout")),
    },
    EXECUTOR: {
        "shutdown": Blocking(
            WAIT, "await asyncio.to_thread(executor.shutdown)", block_flag=(0, "wait")
        ),
    },
}

# kind -> method -> kind of the object the method returns (creating a cursor is not I/O).
RETURNS: dict[str, dict[str, str]] = {
    PATH: {
        **dict.fromkeys(
            (
                "with_name",
                "with_stem",
                "with_suffix",
                "joinpath",
                "relative_to",
                "absolute",
                "resolve",
                "expanduser",
            ),
            PATH,
        ),
        "open": FILE,
    },
    SQLITE_CONNECTION: {"cursor": SQLITE_CURSOR, "execute": SQLITE_CURSOR},
    SQLITE_CURSOR: {"execute": SQLITE_CURSOR},
    EXECUTOR: {"submit": FUTURE},
}

# Attributes that hold an object of a kind (``path.parent`` is a path).
ATTRIBUTES: dict[str, dict[str, str]] = {PATH: {"parent": PATH}}
