"""The service's whole URL space, in one table."""

from __future__ import annotations

from aiohttp import web

from service import handlers, sse

API = "/api/v1"

ROUTES = [
    web.get("/", handlers.index, name="index"),
    web.get(f"{API}/health", handlers.health, name="health"),
    web.post(f"{API}/scans", handlers.create_scan, name="create_scan"),
    web.post(f"{API}/jobs", handlers.create_job, name="create_job"),
    web.get(f"{API}/jobs", handlers.list_jobs, name="list_jobs"),
    web.get(f"{API}/jobs/{{job_id}}", handlers.get_job, name="get_job"),
    web.post(f"{API}/jobs/{{job_id}}/cancel", handlers.cancel_job, name="cancel_job"),
    web.get(f"{API}/jobs/{{job_id}}/events", sse.job_events, name="job_events"),
    web.get(f"{API}/videos", handlers.list_videos, name="list_videos"),
    web.get(f"{API}/folders", handlers.folders, name="folders"),
    web.get("/static/{name:.+}", handlers.static_file, name="static"),
]
