"""What the rest of Tocsin asks of on-call: the one module other features import.

Inside the caller's transaction, for paging:

* ``escalation_snapshot_in``: the escalation policy of an incident's services, frozen as plain
  JSON so editing the policy later never changes paging already under way;
* ``resolve_people_in``: who a level's targets mean at an instant (a schedule: whoever is on
  call then);
* ``notification_plan_in``: how and when to reach one person;

for the incidents feature (roles and stakeholders name people), ``people_in``, ``list_people``
and ``mail_contact_in`` (a person's first mail contact method); for the worker,
``delivery_target_in``: where a contact method delivers, secrets opened, and
``contact_method_in`` (one of a person's methods, for a test page); and,
for postmortems, ``owning_team_in`` (a service's team and its zone) and
``services_of_team_in``, and ``directory_in`` (everyone, for the blamelessness check); in a
read of its own, ``get_person`` (paging's acknowledge page names who followed a link); for the
metrics (``reports.py``), ``service_teams``, ``shifts_between_in`` and ``zones_in``; for
every route or page that changes a team's configuration (an integration of a team's
service), ``require_change``, ``may_change`` and ``rights`` (admins, and the owning team's
admins), with ``service_team_if_any`` (the team of a service named in the catalog).

Each is written in the sub-feature it belongs to; this module only names them. The
sub-features are ``people/`` (people, contact methods, notification rules), ``teams/``,
``schedules/`` (layers, overrides, who is on call, calendar feeds) and ``escalation/``
(policies, the services catalog, the preview), each with its ``tables``, ``schemas``,
``service`` and ``api`` modules; ``tocsin.oncall.api`` gathers their routes.
"""

from __future__ import annotations

from tocsin.oncall.escalation.ownership import OwningTeam, owning_team_in, services_of_team_in
from tocsin.oncall.escalation.service import (
    escalation_snapshot_in,
    resolve_people_in,
    service_team_if_any,
)
from tocsin.oncall.people.contacts import (
    PlannedContact,
    contact_method_in,
    delivery_target_in,
    list_contact_methods,
    mail_contact_in,
    notification_plan_in,
)
from tocsin.oncall.people.schemas import Email
from tocsin.oncall.people.service import (
    PersonRef,
    directory_in,
    get_person,
    list_people,
    people_in,
)
from tocsin.oncall.reports import service_teams, shifts_between_in, zones_in
from tocsin.oncall.teams.access import Rights, may_change, require_change, rights

__all__ = [
    "Email",
    "OwningTeam",
    "PersonRef",
    "PlannedContact",
    "Rights",
    "contact_method_in",
    "delivery_target_in",
    "directory_in",
    "escalation_snapshot_in",
    "get_person",
    "list_contact_methods",
    "list_people",
    "mail_contact_in",
    "may_change",
    "notification_plan_in",
    "owning_team_in",
    "people_in",
    "require_change",
    "resolve_people_in",
    "rights",
    "service_team_if_any",
    "service_teams",
    "services_of_team_in",
    "shifts_between_in",
    "zones_in",
]
