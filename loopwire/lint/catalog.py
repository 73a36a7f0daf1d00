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
DATABASE = "LW112"
STARTUP = "LW113"
# Reported only when selected by their exact code (``--select LW113``).
OFF_BY_DEFAULT = frozenset({STARTUP})


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
    # The argument without which the call only builds the object and connects nothing
    # (``smtplib.SMTP()`` vs ``smtplib.SMTP(host)``).
    connects_with: tuple[int | None, str] | None = None
    # An argument (position, keyword) and a flag name: when the argument names the flag
    # (``flags=socket.AI_NUMERICHOST``, alone or or-ed in), the call returns at once.
    quiet_flag: tuple[int | None, str, str] | None = None
    # False: reported where it is called on the loop, but it does not make the sync function
    # calling it a blocking helper (calls reported only for parity with the peer linters).
    chains: bool = True


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
    # These read at most the working directory or the password database (normpath only
    # computes): ruff and flake8-async report them (ASYNC240), so loopwire does too, directly;
    # but a helper that only does this is no blocking helper, and no chain ends here.
    **{
        f"os.path.{name}": Blocking(PATH_IO, "asyncio.to_thread (or anyio.Path)", chains=False)
        for name in ("abspath", "relpath", "expanduser", "normpath")
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
    # A numeric host is parsed, never looked up.
    "socket.getaddrinfo": Blocking(
        SOCKET, _SOCKETS.suggestion, quiet_flag=(5, "flags", "AI_NUMERICHOST")
    ),
    "socket.gethostbyname": _SOCKETS,
    "socket.gethostbyname_ex": _SOCKETS,
    "socket.gethostbyaddr": _SOCKETS,
    "socket.getnameinfo": _SOCKETS,
    "socket.getfqdn": _SOCKETS,
    "sqlite3.connect": _SQLITE,
    "concurrent.futures.wait": Blocking(WAIT, "await asyncio.wait(...)", timeout=(1, "timeout")),
}

# Decorators that make a sync function run in a worker thread when it is called (the call hands
# back an awaitable or a worker): a chain never goes through such a function. A value names the
# keyword argument, and the value it must have, for decorators that offload only when asked.
OFFLOADING_DECORATORS: dict[str, tuple[str, object] | None] = {
    "textual.work": ("thread", True),
    "textual._work_decorator.work": ("thread", True),
    "asgiref.sync.sync_to_async": None,
    "channels.db.database_sync_to_async": None,
    "asyncer.asyncify": None,
    "quart.utils.run_sync": None,
    "aiofiles.os.wrap": None,
}

# Memoising decorators: a function they wrap that takes no argument runs its body once per
# process, the first time, like start-up code; a chain does not go through it.
ONCE_DECORATORS = frozenset({"functools.cache", "functools.lru_cache"})

# Decorators whose function, when called, only builds an object that runs its body later.
LAZY_DECORATORS = frozenset({"contextlib.contextmanager"})

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

# kind -> method -> kind of what iterating its result yields (``Path.iterdir()`` yields paths).
YIELDS: dict[str, dict[str, str]] = {PATH: dict.fromkeys(("iterdir", "glob", "rglob"), PATH)}

# Attributes that hold an object of a kind (``path.parent`` is a path).
ATTRIBUTES: dict[str, dict[str, str]] = {PATH: {"parent": PATH}}


# -- Blocking clients of libraries beyond the stdlib, each with the async replacement to use. ------
# Databases get their own code; network protocols are reported as sockets, HTTP APIs as HTTP.

_REDIS = Blocking(DATABASE, "redis.asyncio.Redis")
_POSTGRES = Blocking(DATABASE, "psycopg.AsyncConnection (or asyncpg)")
_MYSQL = Blocking(DATABASE, "aiomysql (or asyncmy)")
_MONGO = Blocking(DATABASE, "pymongo.AsyncMongoClient (or motor)")
_SMTP = Blocking(SOCKET, "aiosmtplib", connects_with=(0, "host"))
_FTP = Blocking(SOCKET, "aioftp", connects_with=(0, "host"))
_SSH = Blocking(SOCKET, "asyncssh")
_WEBSOCKET = Blocking(SOCKET, "websockets, or aiohttp's ClientSession.ws_connect")
_AWS = Blocking(HTTP, "aiobotocore / aioboto3, or asyncio.to_thread for the whole call")
_SOCKET_IO = Blocking(SOCKET, "loop.sock_recv / loop.sock_sendall, or asyncio streams")
# Any method not listed as quiet blocks (a client whose every API call is a round trip).
ANY = "*"

REDIS_CLIENT = "redis-client"
DB_CONNECTION = "db-connection"  # a DB-API connection of psycopg2, psycopg or pymysql
DB_CURSOR = "db-cursor"
MONGO_CLIENT = "mongo-client"
MONGO_DATABASE = "mongo-database"
MONGO_COLLECTION = "mongo-collection"
AWS_CLIENT = "aws-client"
SSH_CLIENT = "ssh-client"
SFTP_CLIENT = "sftp-client"
SMTP_CLIENT = "smtp-client"
FTP_CLIENT = "ftp-client"
WEBSOCKET_CLIENT = "websocket-client"
SOCKET_OBJECT = "socket"

FUNCTIONS.update(
    {
        "psycopg2.connect": _POSTGRES,
        "psycopg.connect": _POSTGRES,
        "psycopg.Connection.connect": _POSTGRES,
        "pymysql.connect": _MYSQL,
        "pymysql.Connect": _MYSQL,
        "pymysql.connections.Connection": _MYSQL,
        "smtplib.SMTP": _SMTP,
        "smtplib.SMTP_SSL": _SMTP,
        "smtplib.LMTP": _SMTP,
        "ftplib.FTP": _FTP,
        "ftplib.FTP_TLS": _FTP,
        "paramiko.Transport": _SSH,
        "websocket.create_connection": _WEBSOCKET,
        "select.select": Blocking(SOCKET, "the event loop's own readiness", timeout=(3, "timeout")),
        **{
            f"httpx2.{method}": _HTTP
            for method in ("get", "options", "head", "post", "put", "patch", "delete", "request")
        },
        "httpx2.stream": _HTTP,
    }
)

CONSTRUCTORS.update(
    {
        **dict.fromkeys(
            (
                "redis.Redis",
                "redis.StrictRedis",
                "redis.Redis.from_url",
                "redis.from_url",
                "redis.client.Redis",
                "redis.cluster.RedisCluster",
                "redis.RedisCluster",
            ),
            REDIS_CLIENT,
        ),
        **dict.fromkeys(
            (
                "psycopg2.connect",
                "psycopg.connect",
                "psycopg.Connection.connect",
                "pymysql.connect",
                "pymysql.Connect",
                "pymysql.connections.Connection",
            ),
            DB_CONNECTION,
        ),
        "pymongo.MongoClient": MONGO_CLIENT,
        "pymongo.mongo_client.MongoClient": MONGO_CLIENT,
        "boto3.client": AWS_CLIENT,
        "paramiko.SSHClient": SSH_CLIENT,
        "paramiko.client.SSHClient": SSH_CLIENT,
        "paramiko.SFTPClient.from_transport": SFTP_CLIENT,
        "smtplib.SMTP": SMTP_CLIENT,
        "smtplib.SMTP_SSL": SMTP_CLIENT,
        "ftplib.FTP": FTP_CLIENT,
        "ftplib.FTP_TLS": FTP_CLIENT,
        "websocket.create_connection": WEBSOCKET_CLIENT,
        "websocket.WebSocket": WEBSOCKET_CLIENT,
        "socket.socket": SOCKET_OBJECT,
        "socket.create_connection": SOCKET_OBJECT,
        "httpx2.Client": HTTP_CLIENT,
        "urllib3.poolmanager.PoolManager": HTTP_CLIENT,
        "urllib3.connectionpool.HTTPConnectionPool": HTTP_CLIENT,
        "urllib3.connectionpool.HTTPSConnectionPool": HTTP_CLIENT,
    }
)

ANNOTATIONS.update(
    {
        "redis.Redis": REDIS_CLIENT,
        "redis.client.Redis": REDIS_CLIENT,
        "psycopg2.extensions.connection": DB_CONNECTION,
        "psycopg.Connection": DB_CONNECTION,
        "pymysql.connections.Connection": DB_CONNECTION,
        "pymongo.MongoClient": MONGO_CLIENT,
        "pymongo.database.Database": MONGO_DATABASE,
        "pymongo.collection.Collection": MONGO_COLLECTION,
        "paramiko.SSHClient": SSH_CLIENT,
        "paramiko.SFTPClient": SFTP_CLIENT,
        "smtplib.SMTP": SMTP_CLIENT,
        "ftplib.FTP": FTP_CLIENT,
        "websocket.WebSocket": WEBSOCKET_CLIENT,
        "httpx2.Client": HTTP_CLIENT,
        "urllib3.HTTPConnectionPool": HTTP_CLIENT,
        "urllib3.HTTPSConnectionPool": HTTP_CLIENT,
        "urllib3.connectionpool.HTTPConnectionPool": HTTP_CLIENT,
    }
)

_MONGO_COLLECTION_METHODS = (
    "find_one",
    "insert_one",
    "insert_many",
    "update_one",
    "update_many",
    "replace_one",
    "delete_one",
    "delete_many",
    "count_documents",
    "estimated_document_count",
    "aggregate",
    "distinct",
    "bulk_write",
    "create_index",
    "create_indexes",
    "drop_index",
    "drop",
    "find_one_and_update",
    "find_one_and_replace",
    "find_one_and_delete",
)
_DB_METHODS = ("execute", "executemany", "commit", "rollback", "close")
METHODS.update(
    {
        # Building a pipeline, a pub/sub object or a lock is not a round trip; using them is.
        REDIS_CLIENT: {ANY: _REDIS},
        DB_CONNECTION: dict.fromkeys(_DB_METHODS, _POSTGRES),
        DB_CURSOR: dict.fromkeys(
            (*_DB_METHODS, "fetchone", "fetchmany", "fetchall", "callproc", "copy_expert"),
            _POSTGRES,
        ),
        MONGO_CLIENT: dict.fromkeys(
            ("server_info", "list_database_names", "list_databases", "drop_database"), _MONGO
        ),
        MONGO_DATABASE: dict.fromkeys(
            ("command", "list_collection_names", "create_collection", "drop_collection"), _MONGO
        ),
        MONGO_COLLECTION: dict.fromkeys(_MONGO_COLLECTION_METHODS, _MONGO),
        AWS_CLIENT: {ANY: _AWS},
        SSH_CLIENT: dict.fromkeys(("connect", "exec_command", "open_sftp"), _SSH),
        SFTP_CLIENT: dict.fromkeys(
            ("get", "put", "open", "listdir", "listdir_attr", "stat", "remove", "rename", "mkdir"),
            _SSH,
        ),
        SMTP_CLIENT: dict.fromkeys(
            ("connect", "login", "ehlo", "helo", "starttls", "sendmail", "send_message", "quit"),
            _SMTP,
        ),
        FTP_CLIENT: dict.fromkeys(
            (
                "connect",
                "login",
                "cwd",
                "nlst",
                "dir",
                "mlsd",
                "retrbinary",
                "retrlines",
                "storbinary",
                "storlines",
                "delete",
                "rename",
                "mkd",
                "rmd",
                "size",
                "quit",
            ),
            _FTP,
        ),
        WEBSOCKET_CLIENT: dict.fromkeys(
            ("connect", "send", "send_binary", "recv", "recv_data", "ping", "close"), _WEBSOCKET
        ),
        SOCKET_OBJECT: dict.fromkeys(
            (
                "connect",
                "accept",
                "recv",
                "recv_into",
                "recvfrom",
                "recvfrom_into",
                "recvmsg",
                "send",
                "sendall",
                "sendto",
                "sendmsg",
                "sendfile",
            ),
            _SOCKET_IO,
        ),
    }
)

# Methods of an ``ANY`` kind that do no I/O.
QUIET_METHODS: dict[str, frozenset[str]] = {
    REDIS_CLIENT: frozenset(
        {"pipeline", "pubsub", "lock", "get_connection_kwargs", "get_encoder", "client"}
    ),
    AWS_CLIENT: frozenset(
        {
            "get_paginator",
            "get_waiter",
            "can_paginate",
            "generate_presigned_url",
            "generate_presigned_post",
            "close",
        }
    ),
}

RETURNS.update(
    {
        DB_CONNECTION: {"cursor": DB_CURSOR, "execute": DB_CURSOR},
        DB_CURSOR: {"execute": DB_CURSOR},
        MONGO_CLIENT: {"get_database": MONGO_DATABASE, "get_default_database": MONGO_DATABASE},
        MONGO_DATABASE: {"get_collection": MONGO_COLLECTION},
        SSH_CLIENT: {"open_sftp": SFTP_CLIENT},
    }
)

# ``client.admin`` is a database and ``db.users`` a collection, whatever the attribute's name.
ATTRIBUTES.update({MONGO_CLIENT: {ANY: MONGO_DATABASE}, MONGO_DATABASE: {ANY: MONGO_COLLECTION}})
# ``client["db"]["users"]``: subscripting gives the same as an attribute of that name.
ITEMS: dict[str, str] = {MONGO_CLIENT: MONGO_DATABASE, MONGO_DATABASE: MONGO_COLLECTION}

# A call that turns an object into one that never waits: its kind no longer applies.
DISARMING: dict[str, dict[str, tuple[int | None, str, object]]] = {
    SOCKET_OBJECT: {"setblocking": (0, "flag", False)},
}


def method_blocking(kind: str, method: str) -> Blocking | None:
    """How a call of ``method`` on an object of ``kind`` is reported, if it blocks."""
    methods = METHODS.get(kind, {})
    found = methods.get(method)
    if found is None and ANY in methods and method not in QUIET_METHODS.get(kind, ()):
        return methods[ANY] if not method.startswith("_") else None
    return found


def attribute_kind(kind: str, attribute: str) -> str | None:
    attributes = ATTRIBUTES.get(kind, {})
    found = attributes.get(attribute)
    if found is None and not attribute.startswith("_"):
        return attributes.get(ANY)
    return found
