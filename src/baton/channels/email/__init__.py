"""Email channel building blocks: parse inbound mail, compose replies, send and receive over SMTP.

Message ids everywhere are in one normal form: without angle brackets, case
preserved (see ``message_ids``).
"""

from baton.channels.email.compose import compose_reply, reply_subject
from baton.channels.email.message_ids import (
    format_message_id,
    new_message_id,
    normalize_message_id,
    parse_message_id_list,
)
from baton.channels.email.parse import Attachment, InboundEmail, parse_inbound
from baton.channels.email.smtp_receiver import InboundMailHandler, SmtpReceiver
from baton.channels.email.smtp_send import (
    EmailPermanentError,
    EmailSendError,
    EmailTransientError,
    send_message,
)

__all__ = [
    "Attachment",
    "EmailPermanentError",
    "EmailSendError",
    "EmailTransientError",
    "InboundEmail",
    "InboundMailHandler",
    "SmtpReceiver",
    "compose_reply",
    "format_message_id",
    "new_message_id",
    "normalize_message_id",
    "parse_inbound",
    "parse_message_id_list",
    "reply_subject",
    "send_message",
]
