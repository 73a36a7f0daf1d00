"""The API with history and the library in its own SQLite even in distributed mode (the choice
before issue 18), for the negative control of the shared-history tests:
``python -m tests.integration.service.sqlite_history_api (service arguments)``. Built from the
real service with the storage opener replaced, no switch in the product."""

from __future__ import annotations

import sys

from aiohttp import web

from service.__main__ import main
from service.app import create_app
from service.config import ServiceConfig
from service.storage import History, Storage


async def per_process_sqlite(config: ServiceConfig) -> History:
    return await Storage.open(config.db_path)


def app_with_sqlite_history(config: ServiceConfig) -> web.Application:
    return create_app(config, storage=per_process_sqlite)


if __name__ == "__main__":
    sys.exit(main(app_factory=app_with_sqlite_history))
