"""/api/v1/docs works without internet: every script, stylesheet and icon comes from Custode itself."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

pytestmark = pytest.mark.django_db(transaction=True)


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])


def test_the_api_docs_load_every_asset_from_custode_itself(live_server):
    page = f"{live_server.url}/api/v1/docs"
    response = httpx.get(page)
    assert response.status_code == 200
    parser = _Assets()
    parser.feed(response.text)
    scripts = [u for u in parser.urls if u.endswith(".js")]
    assert scripts and any(u.endswith(".css") for u in parser.urls)
    own = urlsplit(live_server.url).netloc
    for url in parser.urls:
        full = urljoin(page, url)
        assert urlsplit(full).netloc == own, f"{url} is fetched from another host"
        assert httpx.get(full).status_code == 200, f"{url} is not served"
