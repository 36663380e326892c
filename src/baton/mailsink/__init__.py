"""SMTP sink with a web view: the customer's mailbox in the demo and the tests."""

from baton.mailsink.sink import MailSink, SinkMessage
from baton.mailsink.web import create_mailsink_app

__all__ = ["MailSink", "SinkMessage", "create_mailsink_app"]
