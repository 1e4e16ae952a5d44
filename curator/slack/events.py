"""``/slack/events`` as a Starlette endpoint over a Bolt app: the one place the HTTP server
(:mod:`curator.web`) meets Bolt, so that only ``curator/slack/`` imports ``slack_bolt``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from slack_bolt import App as BoltApp
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

__all__ = ["BoltApp", "events_endpoint"]


def events_endpoint(bolt: BoltApp) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint that hands each request to ``bolt`` and its answer back."""
    # Bolt's Starlette adapter turns requests and responses into Bolt's; its handler would call
    # the synchronous App.dispatch on the event loop (blocking every other connection while
    # Bolt checks the signature or calls auth.test), so dispatch runs in the thread pool here.
    from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response

    async def endpoint(request: Request) -> Response:
        body = await request.body()
        try:
            bolt_request = to_bolt_request(request, body)
        except UnicodeDecodeError:
            return PlainTextResponse("the body is not UTF-8\n", status_code=400)
        bolt_response = await run_in_threadpool(bolt.dispatch, bolt_request)
        response: Response = to_starlette_response(bolt_response)
        return response

    return endpoint
