import pytest

from custode.testing import factories


@pytest.mark.django_db
def test_factories_build_a_monitor_on_a_customer_asset():
    c = factories.customer()
    m = factories.monitor(asset=factories.asset(customer=c))
    assert m.asset.customer == c
