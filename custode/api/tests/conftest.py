import httpx
import pytest

from custode.accounts.services import token_create
from custode.testing import factories


@pytest.fixture
def tech(db):
    return factories.staff("tech")


@pytest.fixture
def write_client(live_server, tech):
    _, secret = token_create(username=tech.username, can_write=True)
    with httpx.Client(base_url=f"{live_server.url}/api/v1", headers={"Authorization": f"Bearer {secret}"}) as c:
        yield c


@pytest.fixture
def read_client(live_server, tech):
    _, secret = token_create(username=tech.username, can_write=False)
    with httpx.Client(base_url=f"{live_server.url}/api/v1", headers={"Authorization": f"Bearer {secret}"}) as c:
        yield c


@pytest.fixture
def anonymous(live_server):
    with httpx.Client(base_url=f"{live_server.url}/api/v1") as c:
        yield c
