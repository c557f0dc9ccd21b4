"""Whole worlds as config files, for end-to-end tests and benchmarks that run Custode as a user would.

``forty_sites`` is DESIGN.md story 1: one provider server and forty customer sites hosted on it, across
twelve customers who speak Italian, English or Spanish, every monitor pointing at loopback targets.
"""

from __future__ import annotations

import yaml

LANGUAGES = ("it", "en", "es")


def forty_sites(*, server_url: str, site_url: str, sites: int = 40, customers: int = 12, interval: str = "5s",
                retries: int = 1, staff_notify: list[str] | None = None) -> str:
    """The config file of story 1. Customer ``c03`` has two contacts; everyone is reached by e-mail."""
    config = {
        "provider": {
            "name": "Rete Sicura S.r.l.", "timezone": "Europe/Rome", "language": "it",
            "contact": {"phone": "+39 0521 000000", "email": "assistenza@retesicura.example",
                        "url": "https://retesicura.example/contatti"},
            "status_page": {"slug": "stato", "title": "Rete Sicura"},
        },
        "staff": [{"username": "domenico", "name": "Domenico Ferri", "email": "domenico@retesicura.example",
                   "phone": "+39 333 0000001", "on_call": True, "notify": staff_notify or ["email"]}],
        "infrastructure": [{
            "id": "vps-01", "kind": "server", "name": "vps-01.retesicura.example",
            "monitors": [{"id": "vps-01-http", "type": "http", "url": server_url, "interval": interval,
                          "retries": retries, "timeout": "2s"}],
        }],
        "customers": [_customer(i, sites, customers, site_url, interval, retries) for i in range(customers)],
    }
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True)


def _customer(i: int, sites: int, customers: int, url: str, interval: str, retries: int) -> dict:
    language = LANGUAGES[i % len(LANGUAGES)]
    contacts = [{"name": f"Referente {i:02}", "email": f"referente{i:02}@cliente{i:02}.example",
                 "language": language, "notify": ["email"]}]
    if i == 3:
        contacts.append({"name": "Second Contact", "email": "second@cliente03.example", "language": "en",
                         "notify": ["email"]})
    return {
        "id": f"c{i:02}", "name": f"Cliente {i:02}", "language": language, "contacts": contacts,
        "assets": [
            {"id": f"site-{n:02}", "kind": "website", "name": f"www.site{n:02}.example", "depends_on": ["vps-01"],
             "monitors": [{"id": f"site-{n:02}-http", "type": "http", "url": url, "interval": interval,
                           "retries": retries, "timeout": "2s"}]}
            for n in range(i, sites, customers)
        ],
    }


def contact_addresses(*, customers: int = 12) -> dict[str, str]:
    """Every customer contact's address in ``forty_sites``, with the customer id it belongs to."""
    addresses = {f"referente{i:02}@cliente{i:02}.example": f"c{i:02}" for i in range(customers)}
    if customers > 3:
        addresses["second@cliente03.example"] = "c03"
    return addresses
