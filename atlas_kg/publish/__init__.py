"""Linked-data publishing: a server over the store, and the same site as static files.

``create_app(store, config)`` is the Starlette app of ``atlas-kg serve`` (dereferenceable
IRIs with content negotiation, entity pages, the SPARQL endpoint, named queries, VoID and
dumps); ``publish_site(store, folder, config)`` writes the static site of ``atlas-kg
publish`` with conneg rules for nginx and Apache; ``serve`` runs the app with uvicorn and
``ServerProcess`` starts ``atlas-kg serve`` in a subprocess (tests, benchmarks).

Names are imported on first use: the SPARQL worker processes import
``atlas_kg.publish.worker`` and should not pay for Starlette.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "PublishConfig",
    "ServerProcess",
    "create_app",
    "dataset_description",
    "publish_site",
    "serve",
]

_WHERE = {
    "PublishConfig": "config",
    "create_app": "app",
    "dataset_description": "void",
    "publish_site": "static",
    "serve": "server",
    "ServerProcess": "server",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'atlas_kg.publish' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{_WHERE[name]}", __name__), name)
