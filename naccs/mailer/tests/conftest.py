import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from naccs.tests.helpers import free_port


class Inbox(Message):
    """An aiosmtpd handler that keeps every received message, parsed with the standard email package."""

    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def smtp_server(settings, smtp_port):
    """A real SMTP server on 127.0.0.1, and Django pointed at it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp_port
    settings.EMAIL_TIMEOUT = 5
    yield inbox
    controller.stop()
