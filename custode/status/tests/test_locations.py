"""A component checked from several locations says where from, in the reader's language."""

import pytest

from custode.monitors.models import Monitor

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language, said", [
    ("en", "Checked from Milan, Frankfurt and Madrid"),
    ("it", "Monitorato da Milan, Frankfurt e Madrid"),
    ("es", "Comprobado desde Milan, Frankfurt y Madrid"),
])
def test_a_component_checked_from_several_locations_names_them(client, world, language, said):
    Monitor.objects.filter(pk=world.monitors.router.pk).update(locations=["milan", "frankfurt", "madrid"], quorum=2)
    html = client.get(f"/status/stato/?lang={language}").content.decode()
    router = html[html.index('id="component-core-router"'):]
    assert said in router[:router.index("</li>")]
    server = html[html.index('id="component-srv-1"'):]
    assert 'class="checked-from"' not in server[:server.index("</li>")]  # one location: nothing to say


def test_locations_are_title_cased_as_the_config_writes_them(client, world):
    Monitor.objects.filter(pk=world.monitors.router.pk).update(locations=["san_marino", "new-york"], quorum=1)
    html = client.get("/status/stato/?lang=en").content.decode()
    assert "Checked from San Marino and New-York" in html


def test_the_json_summary_names_where_a_component_is_checked_from(client, world):
    Monitor.objects.filter(pk=world.monitors.router.pk).update(locations=["milan", "frankfurt", "madrid"], quorum=2)
    components = {c["key"]: c for c in client.get("/status/stato.json").json()["components"]}
    assert components["core-router"]["checked_from"] == ["milan", "frankfurt", "madrid"]
    assert components["srv-1"]["checked_from"] == []
