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
