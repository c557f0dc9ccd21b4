"""/api/v1/customers/<id>/status-link: a customer's new private status link; the old one stops working at once.

The rest of /api/v1/customers is the generic resource (``crud.py``); this is the one action it lacks.
"""

from django.http import HttpRequest

from custode.api.errors import Router
from custode.api.resources import CUSTOMERS
from custode.api.tickets import HoursOut, customer_hours
from custode.directory.services import customer_get, customer_rotate_status_token

customers = Router(tags=["customers"])


@customers.post(
    "/{key}/status-link",
    response={200: dict},
    operation_id="customers_status_link_rotate",
    summary="Give a customer a new private status link",
    description="The customer's old link (`status_url`) answers 404 from now on. Returns the customer with its "
    "new `status_url`. Needs a read-write token.",
)
def status_link_rotate(request: HttpRequest, key: str):
    customer = customer_get(key)
    customer_rotate_status_token(customer=customer)
    return CUSTOMERS.out(customer, request)


customers.get("/{key}/hours", response={200: HoursOut}, operation_id="customers_hours",
              summary="A customer's hours bank for a month",
              description="What the plan's `monthly_hours` include, what time logged on the customer's tickets "
              "used, and the balance (negative when overdrawn), in minutes.")(customer_hours)
