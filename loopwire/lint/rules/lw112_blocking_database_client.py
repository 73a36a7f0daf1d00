"""LW112 blocking-database-client: a synchronous database client on the event loop."""

from __future__ import annotations

from loopwire.core.rule import Example, Expected, Fix, Rule, Safety
from loopwire.lint.rules.common import DIRECT_MESSAGE, Rewrite

RULE = Rule(
    code="LW112",
    slug="blocking-database-client",
    summary="A synchronous database client (redis-py, psycopg, pymysql, pymongo) on the loop.",
    message=DIRECT_MESSAGE,
    rationale=(
        "Every command of redis-py's `Redis`, every `execute`/`fetch*`/`commit` of a "
        "psycopg2, psycopg or pymysql connection and every query of a pymongo collection is a "
        "network round trip that holds the thread until the server answers: on the loop, a "
        "slow query or a failover stalls every other task. Each driver has an asyncio "
        "counterpart (`redis.asyncio`, psycopg's `AsyncConnection`, aiomysql, pymongo's "
        "`AsyncMongoClient`). Building a client, a pipeline or a cursor is not a round "
        "trip and is not reported. flake8-async and ruff have no such rule."
    ),
    suggestion="the driver's asyncio client (redis.asyncio, psycopg.AsyncConnection, ...)",
    fix=Fix(Safety.UNSAFE, Rewrite.TO_THREAD),
    valid=(
        Example(
            """
            import redis.asyncio as redis

            async def visits(user):
                cache = redis.Redis()
                return await cache.incr(f'visits:{user}')
            """,
            title="redis.asyncio's client is awaited, not blocking.",
        ),
        Example(
            """
            import pymongo

            async def make_client(url):
                client = pymongo.MongoClient(url)
                return client, client.get_database('app')
            """,
            title="Building a client connects in the background; nothing waits here.",
        ),
    ),
    invalid=(
        Example(
            """
            import redis

            cache = redis.Redis()

            async def visits(user):
                return cache.incr(f'visits:{user}')
            """,
            expected=(Expected(6, 12, "cache.incr"),),
            replacement="""
            import asyncio
            import redis

            cache = redis.Redis()

            async def visits(user):
                return await asyncio.to_thread(cache.incr, f'visits:{user}')
            """,
        ),
        Example(
            """
            import psycopg2

            async def names(dsn):
                conn = psycopg2.connect(dsn)
                cursor = conn.cursor()
                cursor.execute('select name from users')
                return cursor.fetchall()
            """,
            expected=(
                Expected(4, 12, "psycopg2.connect"),
                Expected(6, 5, "cursor.execute"),
                Expected(7, 12, "cursor.fetchall"),
            ),
        ),
        Example(
            """
            from pymongo import MongoClient

            client = MongoClient()

            async def find_user(name):
                return client.app.users.find_one({'name': name})
            """,
            expected=(Expected(6, 12, "client.app.users.find_one"),),
        ),
        Example(
            """
            from pymongo import MongoClient

            client = MongoClient()

            async def find_user(name):
                users = client['app']['users']
                return users.find_one({'name': name})
            """,
            expected=(Expected(7, 12, "users.find_one"),),
        ),
    ),
)
