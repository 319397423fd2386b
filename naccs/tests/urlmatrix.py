"""Every URL pattern of the project, expanded so that tests cover new pages without being edited."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name", or "" for unnamed patterns
    pattern: URLPattern
    prefix: list  # the resolvers' patterns above it

    @property
    def converters(self) -> dict:
        converters = {}
        for part in [*self.prefix, self.pattern.pattern]:
            converters.update(getattr(part, "converters", {}))
        return converters

    @property
    def template(self) -> str:
        return "".join(str(part) for part in [*self.prefix, self.pattern.pattern])

    def fill(self, values: dict) -> str:
        """Build the path with concrete values for each argument (only <converter:name> routes are supported)."""
        from django.urls import reverse

        return reverse(self.name, kwargs=values)


def all_routes() -> list[Route]:
    routes = []

    def walk(resolver: URLResolver, prefix: list, namespace: str):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                child_ns = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace
                walk(entry, [*prefix, entry.pattern], child_ns or namespace)
            elif entry.name:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                routes.append(Route(name, entry, prefix))

    walk(get_resolver(), [], "")
    return routes


def is_staff_route(route: Route) -> bool:
    """The back office: everything under /center/."""
    return route.name.startswith("admin:") or route.template.startswith("center/")


# The company pages an office user (a company login that is not its 管理者, naccs.accounts.roles) may open, besides
# those every login may: each shows them only their own 事業所's terminals and their own 申込. Every other company
# page is the 管理者's. An allowlist, so that a new page is the 管理者's until someone decides otherwise.
OFFICE_USER_ROUTES = frozenset(
    {
        "portal:apply",
        "contract:overview",
        "contract:acquire",
        "applications:list",
        "applications:detail",
        "applications:withdraw",
        "applications:applicant",
        "applications:confirm",
        "applications:done",
        "applications:reissue_guidance",
        "applications:reissue_terminals",
    }
)
