"""API v1 at /api/v1/, OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs (Swagger UI from Custode's own
static files, never a CDN: the docs work offline)."""

from ninja import NinjaAPI, Swagger

from custode.api import (agents, backups, customers, errors, evidence, expiries, incidents, patches, probes, subscribers,
                         tickets)
from custode.api.auth import TokenAuth
from custode.api.crud import router_for
from custode.api.methods import wrap_patterns
from custode.api.reports import reports
from custode.api.resources import RESOURCES
from custode.portal.api import callbacks


class Api(NinjaAPI):
    """ninja's API whose routes answer HEAD and OPTIONS too (``custode.api.methods``)."""

    @property
    def urls(self):
        patterns, app_name, namespace = super().urls
        return wrap_patterns(patterns), app_name, namespace

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """Built once per path prefix: the document depends only on the routes, and building it walks every
        schema through pydantic (1.6 s on a quiet machine, 5-9 s on a busy one, for every request before)."""
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        cache = self.__dict__.setdefault("_schemas", {})
        if path_prefix not in cache:
            cache[path_prefix] = super().get_openapi_schema(path_prefix=path_prefix)
        return cache[path_prefix]


api = Api(
    title="Custode API",
    version="1",
    description="Customers, contacts, assets, monitors, maintenance windows and plans of a managed-service "
    "provider; its incidents, the delivery log of the messages telling of them, and the public status page's "
    "subscribers; the service desk's tickets with their SLA clocks, and each customer's hours bank. "
    "Authenticate with `Authorization: Bearer <token>` (`custode token create USERNAME [--write]`); the "
    "`/probe/` routes, with a remote probe's own token (`custode probes add NAME`).",
    auth=TokenAuth(),
    parser=errors.QueryParser(),
    urls_namespace="api",
    docs=Swagger(settings={"validatorUrl": None}),  # no badge fetched from validator.swagger.io
)
errors.install(api)
for resource in RESOURCES:
    api.add_router(f"/{resource.name}", router_for(resource))
api.add_router("/customers", customers.customers)
api.add_router("/customers", evidence.evidence)
api.add_router("/customers", patches.patches)
api.add_router("/customers", reports)
api.add_router("/incidents", incidents.incidents)
api.add_router("/messages", incidents.messages)
api.add_router("/subscribers", subscribers.subscribers)
api.add_router("/tickets", tickets.tickets)
api.add_router("/callbacks", callbacks)
api.add_router("/backups", backups.backups)
api.add_router("/assets", agents.agents)
api.add_router("/assets", expiries.expiries)
api.add_router("/probe", probes.probe)
