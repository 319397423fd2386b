"""A database call from an event loop is an error outside the Playwright tests (conftest's `browser` allows it only
for its own test): the revocation responder answers from an event loop and must never touch the database there."""

import asyncio

import pytest
from django.core.exceptions import SynchronousOnlyOperation

from naccs.accounts.models import User

pytestmark = pytest.mark.django_db


def test_a_database_call_from_an_event_loop_is_refused():
    async def count_users():
        return User.objects.count()

    with pytest.raises(SynchronousOnlyOperation):
        asyncio.run(count_users())
