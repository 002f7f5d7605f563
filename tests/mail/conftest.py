from __future__ import annotations

import uuid

import pytest

from devserver.mailservers import MailServers, mail_servers
from tests.conftest import service_unavailable


@pytest.fixture(scope="session")
def mail_server_session():
    with mail_servers() as servers:
        yield servers


@pytest.fixture
def mail(mail_server_session) -> MailServers:
    if isinstance(mail_server_session, str):
        service_unavailable(mail_server_session)
    return mail_server_session


@pytest.fixture
def addresses():
    """Fresh addresses per test: the servers live for the session, each test writes to its own mailboxes."""
    tag = uuid.uuid4().hex[:8]
    return lambda name: f"{name}.{tag}@{'pursuit.test' if name.startswith('rep') else 'acme.test'}"
