"""Reading one e-mail as the desk needs it: who wrote, about what, which ticket it answers, what it carries, and
whether a machine wrote it. Nothing here touches the database (``custode.tickets.inbox`` decides what to do).

A message that cannot be read (no sender, broken MIME, a charset nobody knows) is not an exception: ``problem``
says why, and the desk keeps it for staff.
"""

from __future__ import annotations

import email
import email.policy
import html
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime

NUMBER = re.compile(r"\[#(\d{1,9})\]")  # the ticket number as Custode's subjects carry it: "[#1042] ..."
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_MACHINES = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply)@", re.IGNORECASE)
# Broken structure, not a mere oddity: a multipart whose parts cannot be found.
_BROKEN = ("NoBoundaryInMultipartDefect", "StartBoundaryNotFoundDefect", "MultipartInvariantViolationDefect",
           "CloseBoundaryNotFoundDefect")


@dataclass(frozen=True)
class Part:
    name: str
    content_type: str
    data: bytes


@dataclass
class Mail:
    sender: str = ""  # the address, lower case
    sender_name: str = ""
    subject: str = ""
    body: str = ""
    message_id: str = ""
    references: list[str] = field(default_factory=list)  # In-Reply-To first, then References, newest first
    sent_at: object = None  # the Date header as a datetime, when it can be read
    attachments: list[Part] = field(default_factory=list)
    too_large: list[tuple[str, int]] = field(default_factory=list)  # (name, size) of attachments not kept
    automatic: str = ""  # why a machine wrote it (an auto-reply, a bounce); "" for a person
    problem: str = ""  # why it cannot be read; "" when it can

    @property
    def number(self) -> int | None:
        found = NUMBER.search(self.subject)
        return int(found.group(1)) if found else None


def read(raw: bytes, *, max_attachment: int) -> Mail:
    """RAW as a Mail; attachments above MAX_ATTACHMENT bytes are named in ``too_large``, not kept."""
    mail = Mail()
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        _headers(message, mail)
        mail.automatic = automatic(message)
        broken = [d.__class__.__name__ for part in message.walk() for d in part.defects
                  if d.__class__.__name__ in _BROKEN]
        if broken:
            mail.problem = f"broken MIME structure ({', '.join(sorted(set(broken)))})"
            mail.body = text_of_raw(raw)
            return mail
        _content(message, mail, max_attachment)
    except (LookupError, UnicodeError) as exc:
        mail.problem = f"a part in an unknown or wrong character set ({exc})"
    except Exception as exc:  # the parser of a stranger's bytes: whatever it raises is the mail's problem
        mail.problem = f"cannot be read: {exc.__class__.__name__}: {exc}"
    if not mail.body and mail.problem:
        mail.body = text_of_raw(raw)
    if not mail.problem and not mail.sender:
        mail.problem = "no sender (From) address"
    return _without_nul(mail)


def _without_nul(mail: Mail) -> Mail:
    """MAIL's texts without NUL characters, which PostgreSQL refuses in text (and no person writes)."""
    for name in ("sender", "sender_name", "subject", "body", "message_id"):
        setattr(mail, name, getattr(mail, name).replace("\x00", ""))
    mail.references = [ref.replace("\x00", "") for ref in mail.references]
    mail.attachments = [Part(p.name.replace("\x00", ""), p.content_type.replace("\x00", ""), p.data)
                        for p in mail.attachments]
    return mail


def _headers(message: EmailMessage, mail: Mail) -> None:
    try:
        found = [(name, addr) for name, addr in getaddresses([str(message.get("From", ""))]) if "@" in addr]
    except Exception:
        found = []
    if found:
        mail.sender_name, mail.sender = found[0][0].strip(), found[0][1].strip().lower()
    mail.subject = " ".join(str(message.get("Subject", "")).split())
    own = _ids(message.get("Message-ID"))
    mail.message_id = own[0] if own else ""
    ids = _ids(message.get("In-Reply-To")) + list(reversed(_ids(message.get("References"))))
    mail.references = list(dict.fromkeys(ids))
    try:
        mail.sent_at = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        mail.sent_at = None


def _ids(value) -> list[str]:
    return [m[:255] for m in _MESSAGE_ID.findall(str(value or ""))]


def automatic(message: EmailMessage) -> str:
    """Why MESSAGE was written by a machine (RFC 3834 and the headers common programs use instead), or ""."""
    def header(name: str) -> str:
        return str(message.get(name, "") or "").strip().lower()

    if header("auto-submitted") not in ("", "no"):
        return f"Auto-Submitted: {header('auto-submitted')}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        if header(name):
            return f"{name}: {header(name)}"
    if header("precedence") in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {header('precedence')}"
    if "return-path" in message and header("return-path") in ("<>", ""):
        return "an empty Return-Path (a bounce)"
    if message.get_content_type() == "multipart/report":
        return f"a delivery report ({message.get_param('report-type') or 'multipart/report'})"
    sender = _MACHINES.match(str(message.get("From", "")).rpartition("<")[2].strip(" >").lower())
    if sender:
        return f"sent by {sender.group(1).upper()}"
    return ""


def _content(message: EmailMessage, mail: Mail, max_attachment: int) -> None:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None:
        text = body.get_content()
        mail.body = trimmed(_from_html(text) if body.get_content_type() == "text/html" else text)
    for part in message.iter_attachments() if message.is_multipart() else []:
        if part is body or part.is_multipart() and part.get_content_type() != "message/rfc822":
            continue
        name = part.get_filename() or f"part.{part.get_content_subtype()}"
        data = part.get_payload(decode=True) or (part.as_bytes() if part.get_content_maintype() == "message" else b"")
        if len(data) > max_attachment:
            mail.too_large.append((name, len(data)))
        else:
            mail.attachments.append(Part(name[:200], part.get_content_type()[:100], data))


_QUOTE_HEAD = re.compile(r"^(On .+ wrote|Il .+ ha scritto|El .+ escribió)\s*:\s*$", re.IGNORECASE)


def trimmed(text: str) -> str:
    """TEXT without the quoted message a reply ends with ("> ..." lines and the "On ... wrote:" above them)."""
    lines = text.replace("\r\n", "\n").rstrip().split("\n")
    end = len(lines)
    while end and (lines[end - 1].startswith(">") or not lines[end - 1].strip()):
        end -= 1
    if end < len(lines) and end and _QUOTE_HEAD.match(lines[end - 1].strip()):
        end -= 1
    kept = "\n".join(lines[:end]).strip() if end else ""
    return kept or text.strip()


def _from_html(text: str) -> str:
    text = re.sub(r"(?is)<(script|style|head).*?</\1>", "", text)
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>", "\n", text)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def text_of_raw(raw: bytes) -> str:
    """What can be shown of a mail that cannot be parsed: its bytes as text, bounded."""
    return raw[:20000].decode("utf-8", "replace").replace("\x00", "")
