"""``POST /agent/<asset>/report`` served before Django (see ``custode.asgi``), the way heartbeat pings are.

10,000 agents report every minute, and through Django each report cost the web about 14 ms of CPU: the ASGI
handler's thread hops, a database connection opened per request, the ORM. Here a request is checked by hand
(``ingest.received``, no query), queued, and stored with the others that arrived meanwhile by one database thread
with a kept connection (``ingest.store_reports``); it is answered once its batch is committed, with the answer the
Django view gives (the view remains for every other way in, and for the other methods). Any other URL goes on.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone

from custode.agents import ingest, reports
from custode.lib.asgi import answer, read_body
from custode.lib.batches import BatchWriter

# Django's <slug:asset>/report (``agents.urls``): the same paths, nothing more.
REPORT_PATH = re.compile(r"/agent/([-a-zA-Z0-9_]+)/report")


class ReportApp:
    """ASGI app: agents' reports here, everything else to the app it wraps."""

    def __init__(self, inner: Any):
        self.inner = inner
        self.writer = BatchWriter(ingest.store_reports, "agent-reports")

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        found = scope["type"] == "http" and scope["method"] == "POST" and REPORT_PATH.fullmatch(scope["path"])
        if not found:
            return await self.inner(scope, receive, send)
        headers = dict(scope["headers"])
        item = ingest.received(found[1], authorization=headers.get(b"authorization", b"").decode("latin-1"),
                               declared=headers.get(b"content-length", b"").decode("latin-1"),
                               body=await read_body(receive, reports.MAX_BODY + 1), now=timezone.now())
        outcome = await self.writer.submit(item)
        content, content_type = outcome.content()
        await answer(send, outcome.status, content, content_type=content_type.encode())
