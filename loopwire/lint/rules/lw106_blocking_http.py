"""LW106 blocking-http: A synchronous HTTP request on the event loop."""

from __future__ import annotations

from loopwire.core.rule import Example, Expected, Fix, Rule, Safety
from loopwire.lint.rules.common import DIRECT_MESSAGE, Rewrite

RULE = Rule(
    code="LW106",
    slug="blocking-http",
    summary="A synchronous HTTP request on the event loop.",
    message=DIRECT_MESSAGE,
    rationale=(
        "`requests`, sync `httpx` (and `httpx2`, its continuation), `urllib`, urllib3's "
        "pools and managers, and every API call of a boto3 client wait for the whole round "
        "trip to the server; the loop serves nobody meanwhile. `urlopen` of a `data:` URL "
        "(a literal, or a local string checked with `startswith('data:')` and not rebound "
        "since) is decoded in memory and is not reported."
    ),
    suggestion="aiohttp.ClientSession or httpx.AsyncClient",
    aliases=("ASYNC210", "ASYNC211", "ASYNC212"),
    fix=Fix(Safety.UNSAFE, Rewrite.TO_THREAD),
    valid=(
        Example(
            """
            import boto3

            s3 = boto3.client('s3')

            async def link(key):
                return s3.generate_presigned_url('get_object', Params={'Key': key})
            """,
            title="Signing a URL is computed locally.",
        ),
        Example(
            """
            import httpx

            async def fetch(url):
                async with httpx.AsyncClient() as c:
                    return await c.get(url)
            """,
        ),
        Example(
            """
            from urllib.request import urlopen

            async def inline_image(uri):
                if not uri.startswith('data:'):
                    raise ValueError(uri)
                with urlopen(uri) as reply:
                    return reply.read()
            """,
            title="urllib decodes a data: URL in memory: the checked call never waits.",
        ),
    ),
    invalid=(
        Example(
            """
            from urllib.request import urlopen

            async def inline_image(uri):
                if not uri.startswith('http:'):
                    raise ValueError(uri)
                with urlopen(uri) as reply:
                    return reply.read()
            """,
            title="Any other URL is a round trip.",
            expected=(Expected(6, 10, "urlopen"),),
        ),
        Example(
            """
            import boto3

            s3 = boto3.client('s3')

            async def fetch(key):
                return s3.get_object(Bucket='media', Key=key)
            """,
            title="Every API call of a boto3 client is an HTTP round trip.",
            expected=(Expected(6, 12, "s3.get_object"),),
        ),
        Example(
            """
            import httpx2

            async def fetch(url):
                return httpx2.get(url)
            """,
            title="httpx2 (the continuation of httpx) blocks like httpx.",
            expected=(Expected(4, 12, "httpx2.get"),),
        ),
        Example(
            """
            import requests

            async def fetch(url):
                return requests.get(url)
            """,
            expected=(Expected(4, 12, "requests.get"),),
        ),
        Example(
            """
            import httpx

            async def fetch(url):
                client = httpx.Client()
                return client.get(url)
            """,
            expected=(Expected(5, 12, "client.get"),),
        ),
        Example(
            """
            from urllib.request import urlopen

            async def fetch(url):
                return urlopen(url)
            """,
            expected=(Expected(4, 12, "urlopen"),),
        ),
        Example(
            """
            import requests

            async def fetch(url):
                return requests.get(url, timeout=5).json()
            """,
            expected=(Expected(4, 12, "requests.get"),),
            replacement="""
            import asyncio
            import requests

            async def fetch(url):
                return (await asyncio.to_thread(requests.get, url, timeout=5)).json()
            """,
        ),
    ),
)
