"""What the lint rules share: the message of a direct blocking call (the walker reports every
catalogued call the same way) and the rewrites ``loopwire lint --fix`` knows."""

from __future__ import annotations

from enum import Enum

# ``call`` is the call as spelled, with its qualified name in parentheses when they differ.
DIRECT_MESSAGE = "blocking call {call} in async function {function}; use {suggestion}"
TRANSITIVE_MESSAGE = (
    "{caller} calls {symbol}, which blocks the event loop: {chain} ({code}); {remedy}"
)
# The remedy depends on the callee: a thread fixes a plain call, but a generator function or a
# context-manager factory only builds its object there and runs its body on the loop later.
THREAD_REMEDY = "run it in a thread: await asyncio.to_thread(...)"
LAZY_REMEDY = (
    "its body runs when iterated or entered, on the loop: make it async, "
    "or run the whole block in a thread"
)


class Rewrite(Enum):
    """The rewrites ``loopwire lint --fix`` knows; the value says what it does."""

    ASYNC_SLEEP = "`time.sleep(x)` becomes `await asyncio.sleep(x)`"
    TO_THREAD = "`f(a, b=c)` becomes `await asyncio.to_thread(f, a, b=c)`"
