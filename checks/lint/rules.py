"""Every rule of ``loopwire lint`` as one self-describing unit.

A rule carries its code, slug, message, rationale, suggested replacement, the equivalent
flake8-async / ruff codes, valid and invalid examples, and its automatic fix with before/after
examples. The tests (one per example), the rules page (``docs/rules.md``) and ``loopwire explain``
are all generated from these units, so the code, the tests and the documentation cannot drift
apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from checks.lint import catalog


@dataclass(frozen=True, slots=True)
class Example:
    code: str
    # ``[tool.loopwire.blocking-calls]`` the example is linted with.
    blocking_calls: Mapping[str, str] = field(default_factory=dict)


class Safety(Enum):
    """Safe fixes keep the program's meaning; unsafe ones (``--unsafe-fixes``, as in ruff) move
    the call to another thread, which changes what it may touch."""

    SAFE = "safe"
    UNSAFE = "unsafe"


class Rewrite(Enum):
    """The rewrites ``loopwire lint --fix`` knows; the value says what it does."""

    ASYNC_SLEEP = "`time.sleep(x)` becomes `await asyncio.sleep(x)`"
    TO_THREAD = "`f(a, b=c)` becomes `await asyncio.to_thread(f, a, b=c)`"


@dataclass(frozen=True, slots=True)
class FixExample:
    before: str
    # Equal to ``before`` when the fix deliberately leaves the call alone (it stays reported).
    after: str
    blocking_calls: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Fix:
    safety: Safety
    rewrite: Rewrite
    examples: tuple[FixExample, ...]


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    slug: str
    summary: str
    rationale: str
    suggestion: str
    # Codes of flake8-async / ruff rules that report the same thing (a noqa naming one works).
    aliases: tuple[str, ...]
    valid: tuple[Example, ...]
    invalid: tuple[Example, ...]
    # None: no automatic fix.
    fix: Fix | None


def _examples(*sources: str) -> tuple[Example, ...]:
    return tuple(Example(source) for source in sources)


def _to_thread(*examples: FixExample) -> Fix:
    return Fix(Safety.UNSAFE, Rewrite.TO_THREAD, examples)


RULES: tuple[Rule, ...] = (
    Rule(
        code=catalog.SUBPROCESS,
        slug="blocking-subprocess",
        summary="A process is started or waited for synchronously on the event loop.",
        rationale=(
            "`subprocess.run` and friends block the calling thread until the child exits; "
            "on the event loop that freezes every other task (status polling, timeouts, "
            "cancellation) for as long as the child runs. `os.spawn*` with `P_NOWAIT` does "
            "not wait and is not reported."
        ),
        suggestion="asyncio.create_subprocess_exec(...) and await proc.communicate()",
        aliases=("ASYNC220", "ASYNC221", "ASYNC222"),
        valid=_examples(
            "import asyncio\n\nasync def probe(path):\n"
            "    proc = await asyncio.create_subprocess_exec('ffprobe', path)\n"
            "    await proc.wait()\n",
            "import subprocess\n\ndef probe(path):\n    subprocess.run(['ffprobe', path])\n",
            "import os\n\nasync def start():\n    os.spawnl(os.P_NOWAIT, '/bin/true', 'true')\n",
            "import asyncio, subprocess\n\nasync def probe(path):\n"
            "    await asyncio.to_thread(subprocess.run, ['ffprobe', path])\n",
        ),
        invalid=_examples(
            "import subprocess\n\nasync def probe(path):\n    subprocess.run(['ffprobe', path])\n",
            "import subprocess as sp\n\nasync def probe(path):\n    sp.check_output(['ls'])\n",
            "from subprocess import Popen\n\nasync def probe():\n"
            "    proc = Popen(['ls'])\n    proc.wait()\n",
            "import os\n\nasync def clean():\n    os.system('rm -rf build')\n",
        ),
        fix=_to_thread(
            FixExample(
                "import subprocess\n\nasync def probe(path):\n"
                "    subprocess.run(['ffprobe', path], check=True)\n",
                "import asyncio\nimport subprocess\n\nasync def probe(path):\n"
                "    await asyncio.to_thread(subprocess.run, ['ffprobe', path], check=True)\n",
            ),
            FixExample(
                "from subprocess import Popen\n\nasync def probe():\n"
                "    proc = Popen(['ls'])\n    proc.wait()\n",
                "import asyncio\nfrom subprocess import Popen\n\nasync def probe():\n"
                "    proc = await asyncio.to_thread(Popen, ['ls'])\n"
                "    await asyncio.to_thread(proc.wait)\n",
            ),
        ),
    ),
    Rule(
        code=catalog.SLEEP,
        slug="blocking-sleep",
        summary="`time.sleep` on the event loop.",
        rationale=(
            "`time.sleep` suspends the whole thread, so no other task runs while it sleeps."
        ),
        suggestion="await asyncio.sleep(...)",
        aliases=("ASYNC251",),
        valid=_examples(
            "import asyncio\n\nasync def tick():\n    await asyncio.sleep(1)\n",
            "from time import sleep\n\nasync def tick():\n    def sleep(s): return s\n"
            "    sleep(1)\n",
            "import time\n\nasync def tick():\n    def later():\n        time.sleep(1)\n"
            "    return later\n",
        ),
        invalid=_examples(
            "import time\n\nasync def tick():\n    time.sleep(1)\n",
            "from time import sleep as nap\n\nasync def tick():\n    nap(1)\n",
        ),
        fix=Fix(
            Safety.SAFE,
            Rewrite.ASYNC_SLEEP,
            (
                FixExample(
                    '"""Ticks."""\n\nfrom __future__ import annotations\n\nimport time\n\n'
                    "async def tick():\n    time.sleep(1)\n",
                    '"""Ticks."""\n\nfrom __future__ import annotations\n\nimport asyncio\n\n'
                    "async def tick():\n    await asyncio.sleep(1)\n",
                ),
                FixExample(
                    "import asyncio\nimport time\nfrom time import sleep as nap\n\n"
                    "async def tick():\n    nap(0.5)\n    return time.monotonic()\n",
                    "import asyncio\nimport time\n\nasync def tick():\n"
                    "    await asyncio.sleep(0.5)\n    return time.monotonic()\n",
                ),
                # Left alone: `await` in a generator expression makes it an async generator.
                FixExample(
                    "import time\n\nasync def ticks(n):\n"
                    "    return list(time.sleep(i) for i in range(n))\n",
                    "import time\n\nasync def ticks(n):\n"
                    "    return list(time.sleep(i) for i in range(n))\n",
                ),
            ),
        ),
    ),
    Rule(
        code=catalog.INPUT,
        slug="blocking-input",
        summary="`input()` on the event loop.",
        rationale="`input()` waits for a line on stdin and blocks the loop until one arrives.",
        suggestion="await asyncio.to_thread(input, prompt)",
        aliases=("ASYNC250",),
        valid=_examples(
            "import asyncio\n\nasync def ask():\n    return await asyncio.to_thread(input, '?')\n",
        ),
        invalid=_examples("async def ask():\n    return input('? ')\n"),
        fix=_to_thread(
            FixExample(
                "async def ask():\n    return input('? ')\n",
                "import asyncio\n\nasync def ask():\n"
                "    return await asyncio.to_thread(input, '? ')\n",
            ),
        ),
    ),
    Rule(
        code=catalog.FILE_IO,
        slug="blocking-file-io",
        summary="A file is opened, read, written or copied synchronously on the event loop.",
        rationale=(
            "Disk I/O can take milliseconds to seconds (network file systems, cold caches); "
            "`open`, the methods of the file object it returns and `shutil` copies all block "
            "the loop for that long."
        ),
        suggestion="aiofiles, or asyncio.to_thread for the whole file operation",
        aliases=("ASYNC230", "ASYNC231", "ASYNC232"),
        valid=_examples(
            "import asyncio\n\ndef load(path):\n    with open(path) as fh:\n"
            "        return fh.read()\n\nasync def main(path):\n"
            "    return await asyncio.to_thread(load, path)\n",
        ),
        invalid=_examples(
            "async def load(path):\n    fh = await wrap(open(path))\n",
            "import shutil\n\nasync def backup(a, b):\n    shutil.copyfile(a, b)\n",
        ),
        fix=_to_thread(
            FixExample(
                "async def load(path):\n    return open(path).read()\n",
                "import asyncio\n\nasync def load(path):\n"
                "    return await asyncio.to_thread((await asyncio.to_thread(open, path)).read)\n",
            ),
            FixExample(
                "import shutil\n\nasync def backup(a, b):\n    shutil.copyfile(\n        a,\n"
                "        b,\n    )\n",
                "import asyncio\nimport shutil\n\nasync def backup(a, b):\n"
                "    await asyncio.to_thread(\n        shutil.copyfile,\n        a,\n"
                "        b,\n    )\n",
            ),
        ),
    ),
    Rule(
        code=catalog.PATH_IO,
        slug="blocking-path-io",
        summary="A file-system query (`os.path.exists`, `Path.read_text`, ...) on the event loop.",
        rationale=(
            "`os.path.exists`, `Path.stat`, `Path.iterdir`, `os.scandir`, `os.walk`, `glob.glob` "
            "and friends make system calls that block on the disk (a walk of a large media tree "
            "for seconds). The pure `os.path` functions (`join`, `abspath`, `normpath`, "
            "`basename`, ...) only compute strings and are not reported."
        ),
        suggestion="asyncio.to_thread (or anyio.Path)",
        aliases=("ASYNC240",),
        valid=_examples(
            "import os.path\n\nasync def name(path):\n"
            "    return os.path.join(os.path.dirname(path), 'x')\n",
            "from pathlib import Path\n\nasync def name(path):\n    return Path(path).name\n",
        ),
        invalid=_examples(
            "import os\n\nasync def check(path):\n    return os.path.exists(path)\n",
            "from pathlib import Path\n\nasync def load(path):\n"
            "    return Path(path).read_text()\n",
            "from pathlib import Path\n\nasync def scan(root: Path):\n"
            "    return list(root.iterdir())\n",
            "import os\n\nasync def scan(root):\n"
            "    return [name for _, _, names in os.walk(root) for name in names]\n",
            "from dataclasses import dataclass\nfrom pathlib import Path\n\n@dataclass\n"
            "class Library:\n    root: Path\n\n    async def ready(self):\n"
            "        return self.root.is_dir()\n",
        ),
        fix=_to_thread(
            FixExample(
                "import os\n\nasync def check(path):\n    return os.path.exists(path)\n",
                "import asyncio\nimport os\n\nasync def check(path):\n"
                "    return await asyncio.to_thread(os.path.exists, path)\n",
            ),
            # Left alone: `iterdir` is lazy, the directory is read while `list` iterates, on the
            # loop; a thread would only build the iterator.
            FixExample(
                "from pathlib import Path\n\nasync def scan(root: Path):\n"
                "    return list(root.iterdir())\n",
                "from pathlib import Path\n\nasync def scan(root: Path):\n"
                "    return list(root.iterdir())\n",
            ),
        ),
    ),
    Rule(
        code=catalog.HTTP,
        slug="blocking-http",
        summary="A synchronous HTTP request on the event loop.",
        rationale=(
            "`requests`, sync `httpx` and `urllib` wait for the whole round trip to the server; "
            "the loop serves nobody meanwhile."
        ),
        suggestion="aiohttp.ClientSession or httpx.AsyncClient",
        aliases=("ASYNC210", "ASYNC211", "ASYNC212"),
        valid=_examples(
            "import httpx\n\nasync def fetch(url):\n    async with httpx.AsyncClient() as c:\n"
            "        return await c.get(url)\n",
        ),
        invalid=_examples(
            "import requests\n\nasync def fetch(url):\n    return requests.get(url)\n",
            "import httpx\n\nasync def fetch(url):\n    client = httpx.Client()\n"
            "    return client.get(url)\n",
            "from urllib.request import urlopen\n\nasync def fetch(url):\n"
            "    return urlopen(url)\n",
        ),
        fix=_to_thread(
            FixExample(
                "import requests\n\nasync def fetch(url):\n"
                "    return requests.get(url, timeout=5).json()\n",
                "import asyncio\nimport requests\n\nasync def fetch(url):\n"
                "    return (await asyncio.to_thread(requests.get, url, timeout=5)).json()\n",
            ),
        ),
    ),
    Rule(
        code=catalog.SOCKET,
        slug="blocking-socket",
        summary="A blocking socket connect or name lookup on the event loop.",
        rationale=(
            "`socket.create_connection` and `socket.getaddrinfo` wait for the network (DNS can "
            "take seconds)."
        ),
        suggestion="asyncio.open_connection / loop.getaddrinfo",
        aliases=(),
        valid=_examples(
            "import asyncio\n\nasync def connect(host):\n"
            "    return await asyncio.open_connection(host, 80)\n",
        ),
        invalid=_examples(
            "import socket\n\nasync def connect(host):\n"
            "    return socket.create_connection((host, 80))\n",
        ),
        fix=_to_thread(
            FixExample(
                "import socket\n\nasync def connect(host):\n"
                "    return socket.create_connection((host, 80))\n",
                "import asyncio\nimport socket\n\nasync def connect(host):\n"
                "    return await asyncio.to_thread(socket.create_connection, (host, 80))\n",
            ),
        ),
    ),
    Rule(
        code=catalog.SQLITE,
        slug="blocking-sqlite",
        summary="`sqlite3` I/O on the event loop.",
        rationale=(
            "`sqlite3.connect` and the `execute*`, `commit` and `fetch*` methods of its "
            "connections and cursors do disk I/O and wait for locks. Creating a cursor is not "
            "I/O and is not reported."
        ),
        suggestion="aiosqlite",
        aliases=(),
        valid=_examples(
            "import aiosqlite\n\nasync def count(db):\n"
            "    async with aiosqlite.connect(db) as conn:\n"
            "        await conn.execute('select 1')\n",
        ),
        invalid=_examples(
            "import sqlite3\n\nconn = sqlite3.connect('x.db')\n\nasync def count():\n"
            "    cur = conn.cursor()\n    cur.execute('select 1')\n",
        ),
        fix=_to_thread(
            FixExample(
                "import sqlite3\n\nconn = sqlite3.connect('x.db')\n\nasync def count():\n"
                "    cur = conn.cursor()\n    cur.execute('select 1')\n",
                "import asyncio\nimport sqlite3\n\nconn = sqlite3.connect('x.db')\n\n"
                "async def count():\n    cur = conn.cursor()\n"
                "    await asyncio.to_thread(cur.execute, 'select 1')\n",
            ),
        ),
    ),
    Rule(
        code=catalog.CONFIGURED,
        slug="configured-blocking-call",
        summary="A call listed in `[tool.loopwire.blocking-calls]` on the event loop.",
        rationale=(
            "Projects know their own blocking APIs (a sync database driver, a vendored SDK). "
            "`[tool.loopwire.blocking-calls]` maps a qualified name or fnmatch pattern to the "
            "replacement to suggest."
        ),
        suggestion="the replacement configured for the call",
        aliases=(),
        valid=(
            Example(
                "import legacy\n\ndef sync_path():\n    legacy.fetch()\n",
                {"legacy.fetch": "legacy.fetch_async"},
            ),
        ),
        invalid=(
            Example(
                "import legacy\n\nasync def handler():\n    legacy.fetch()\n",
                {"legacy.fetch": "legacy.fetch_async"},
            ),
            Example(
                "from vendor.sdk import client\n\nasync def handler():\n    client.upload()\n",
                {"vendor.sdk.*": "vendor.aio"},
            ),
        ),
        fix=_to_thread(
            FixExample(
                "import legacy\n\nasync def handler():\n    legacy.fetch()\n",
                "import asyncio\nimport legacy\n\nasync def handler():\n"
                "    await asyncio.to_thread(legacy.fetch)\n",
                {"legacy.fetch": "legacy.fetch_async"},
            ),
        ),
    ),
    Rule(
        code=catalog.TRANSITIVE,
        slug="transitive-blocking-call",
        summary="An async function calls a sync project function that reaches a blocking call.",
        rationale=(
            "The usual shape of the real bug: `async def scan()` calls `probe(path)`, a plain "
            "function (maybe in another module) that runs `subprocess.run`. Direct-call linters "
            "miss it; loopwire follows calls into the project's own sync functions and methods "
            "(also through instances: `prober.probe()` with `prober: Prober`, `self.prober = "
            "Prober()`) at any depth and names the chain. Passing the helper to "
            "`asyncio.to_thread` or `loop.run_in_executor` is not a call and is not reported."
        ),
        suggestion="await asyncio.to_thread(helper, ...)",
        aliases=(),
        valid=_examples(
            "import asyncio, subprocess\n\ndef probe(path):\n"
            "    return subprocess.run(['ffprobe', path])\n\nasync def scan(path):\n"
            "    return await asyncio.to_thread(probe, path)\n",
        ),
        invalid=_examples(
            "import subprocess\n\nasync def scan(path):\n    return probe(path)\n\n"
            "def probe(path):\n    return subprocess.run(['ffprobe', path])\n",
            "import time\n\nclass Scanner:\n    def _wait(self):\n        time.sleep(1)\n\n"
            "    def _step(self):\n        self._wait()\n\n    async def run(self):\n"
            "        self._step()\n",
            "import subprocess\n\nclass Prober:\n    def probe(self, path):\n"
            "        return subprocess.run(['ffprobe', path])\n\n"
            "async def handle(prober: Prober, path):\n    return prober.probe(path)\n",
        ),
        fix=_to_thread(
            FixExample(
                "import subprocess\n\nasync def scan(path):\n    return probe(path)\n\n"
                "def probe(path):\n    return subprocess.run(['ffprobe', path])\n",
                "import asyncio\nimport subprocess\n\nasync def scan(path):\n"
                "    return await asyncio.to_thread(probe, path)\n\ndef probe(path):\n"
                "    return subprocess.run(['ffprobe', path])\n",
            ),
            FixExample(
                "import time\n\nclass Scanner:\n    def _wait(self):\n        time.sleep(1)\n"
                "\n    async def run(self):\n        self._wait()\n"
                "        return [self._wait() for _ in range(3)]\n",
                "import asyncio\nimport time\n\nclass Scanner:\n    def _wait(self):\n"
                "        time.sleep(1)\n\n    async def run(self):\n"
                "        await asyncio.to_thread(self._wait)\n"
                "        return [await asyncio.to_thread(self._wait) for _ in range(3)]\n",
            ),
        ),
    ),
    Rule(
        code=catalog.WAIT,
        slug="blocking-wait",
        summary="A thread, lock, queue or concurrent future is waited for on the event loop.",
        rationale=(
            "Code that hands work to threads often waits for it the thread's way: "
            "`future.result()`, `thread.join()`, `event.wait()`, `lock.acquire()`, "
            "`queue.get()`. Each parks the loop's own thread until the other side is done, so "
            "nothing else runs, and the worker may itself be waiting for the loop: a deadlock. "
            "A call that asks not to wait (`acquire(blocking=False)`, `get(block=False)`, "
            "`result(timeout=0)`) is not reported, nor is `queue.put` (an unbounded queue "
            "never waits). flake8-async and ruff have no such rule."
        ),
        suggestion=(
            "await asyncio.wrap_future(future), asyncio.Event / asyncio.Queue, "
            "or await asyncio.to_thread(...)"
        ),
        aliases=(),
        valid=_examples(
            "import asyncio\nfrom concurrent.futures import ThreadPoolExecutor\n\n"
            "async def run(pool: ThreadPoolExecutor, job):\n"
            "    return await asyncio.wrap_future(pool.submit(job))\n",
            "import queue\n\nasync def drain(q: queue.Queue):\n"
            "    while not q.empty():\n        yield q.get(block=False)\n",
            "import threading\n\nasync def try_lock(lock: threading.Lock):\n"
            "    return lock.acquire(blocking=False)\n",
            "import asyncio\n\nasync def consume(q: asyncio.Queue):\n    return await q.get()\n",
        ),
        invalid=_examples(
            "from concurrent.futures import ThreadPoolExecutor\n\nasync def run(job):\n"
            "    with ThreadPoolExecutor() as pool:\n        return pool.submit(job).result()\n",
            "import threading\n\nasync def stop(worker: threading.Thread):\n    worker.join()\n",
            "import threading\n\nasync def wait_ready():\n    ready = threading.Event()\n"
            "    ready.wait(5)\n",
            "import asyncio\n\nasync def call_other_loop(coro, loop):\n"
            "    return asyncio.run_coroutine_threadsafe(coro, loop).result()\n",
        ),
        fix=_to_thread(
            FixExample(
                "import threading\n\nasync def handle(done: threading.Event):\n    done.wait()\n",
                "import asyncio\nimport threading\n\nasync def handle(done: threading.Event):\n"
                "    await asyncio.to_thread(done.wait)\n",
            ),
        ),
    ),
)

BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}


def aliases_of(code: str) -> tuple[str, ...]:
    rule = BY_CODE.get(code)
    return rule.aliases if rule is not None else ()
