from django import template

register = template.Library()


@register.filter
def monitor_target(monitor) -> str:
    """What a monitor checks, as its spec names it: a URL, a host (with its port when set) or a DNS name."""
    spec = monitor.spec or {}
    if spec.get("url"):
        return spec["url"]
    if spec.get("host"):
        return f"{spec['host']}:{spec['port']}" if spec.get("port") else spec["host"]
    return spec.get("name", "")
