"""``loopwire lint``: blocking calls reachable on the event loop from ``async def``."""
