"""Every route of an application with its full dependency tree, on FastAPI versions that list included routers
eagerly (``APIRoute``) and on those that include them lazily (0.16x: ``_IncludedRouter`` with effective route
contexts carrying the routers' own dependencies)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute


def effective_routes(app: FastAPI) -> Iterator[Any]:
    """Objects with ``path``, ``methods``, ``dependant`` and ``include_in_schema``."""
    for route in app.routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "effective_route_contexts"):
            for context in route.effective_route_contexts():
                if context.dependant is not None:
                    yield context
