"""What a subscriber receives of their own: the confirmation link, and the unsubscribe link in every message.

Incident messages to subscribers are written with the others, in ``custode.incidents.messages``; they take
their addressing from here (``recipient``, ``unsubscribe_url``, ``email_headers``) so that every one carries
the one-click unsubscribe of RFC 8058.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

from custode.assets.models import Asset
from custode.directory.models import Provider
from custode.incidents import contexts, templating, wording
from custode.notify.models import Audience, Channel
from custode.notify.outgoing import Outgoing
from custode.notify.recipients import Recipient
from custode.subscriptions.models import Subscriber


def recipient(subscriber: Subscriber) -> Recipient:
    channel = Channel.EMAIL if subscriber.channel == Subscriber.Channel.EMAIL else Channel.WEBHOOK
    return Recipient(f"subscriber:{subscriber.pk}", "", subscriber.language, channel, subscriber.address)


def page_url(provider: Provider) -> str:
    return f"{settings.BASE_URL}/status/{provider.status_slug}/"


def unsubscribe_url(subscriber: Subscriber, provider: Provider) -> str:
    return f"{page_url(provider)}unsubscribe/{subscriber.token}/"


def email_headers(subscriber: Subscriber, provider: Provider) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe (RFC 2369 List-Unsubscribe, POSTed to by the mail client), and
    List-Id so a mail client can file and filter the page's messages."""
    host = (settings.BASE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]) or "custode.invalid"
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(subscriber, provider)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"<{provider.status_slug or 'status'}.{host}>",
        "Precedence": "list",
    }


def page_title(provider: Provider, language: str) -> str:
    """The public page's title: the provider's own, else "<provider> service status" in LANGUAGE."""
    with translation.override(language):
        return provider.status_title or gettext("%(provider)s service status") % {"provider": provider.name}


def confirmation(subscriber: Subscriber, components: Iterable[Asset], language: str, link: str,
                 ident: int) -> Outgoing:
    """The e-mail that asks the owner of the address to confirm; sent to ``email`` for webhooks too."""
    provider = Provider.get()
    r = Recipient(f"subscriber:{subscriber.pk}", "", language, Channel.EMAIL, subscriber.email)
    names = [a.name for a in components]
    context = {
        **contexts.common(provider, r, contexts.signer_of(None, provider)),
        "page": {"title": page_title(provider, language), "url": page_url(provider)},
        "confirm_url": f"{settings.BASE_URL}{link}", "webhook": subscriber.channel == Subscriber.Channel.WEBHOOK,
        "address": subscriber.address, "components": names, "components_inline": wording.join(names, language),
    }
    subject, body = templating.render("subscriber_confirm", language, context)
    return Outgoing(key=f"subscriber:{subscriber.pk}:confirm:{ident}", audience=Audience.SUBSCRIBER,
                    channel=Channel.EMAIL, recipient=subscriber.email, language=language, subject=subject,
                    body=body, topic=f"subscriber:{subscriber.pk}")
