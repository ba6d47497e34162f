"""The handlers of an apply for alerting: services, integrations (a new one's key and URLs
are kept as the run's secrets), silences and severity policies."""

from __future__ import annotations

from tocsin.alerts import integrations as alert_integrations
from tocsin.alerts import silences as alert_silences
from tocsin.alerts.schemas import IntegrationCreate, IntegrationPatch, SilenceCreate
from tocsin.config_as_code.document import IntegrationDoc, ServiceDoc, SilenceDoc
from tocsin.config_as_code.run import Run
from tocsin.core.config_plan import Change
from tocsin.core.severity import Severity
from tocsin.incidents import severity_policies as stored_policies
from tocsin.incidents.schemas import SeverityPolicyFields
from tocsin.oncall.escalation import service as escalation
from tocsin.oncall.escalation.schemas import ServiceCreate, ServicePatch


class AlertingHandlers(Run):
    """Create, change and delete services, integrations, silences and severity policies."""

    # services

    def _create_services(self, change: Change) -> None:
        doc: ServiceDoc = self.docs["services"][change.key]
        body = ServiceCreate(
            name=doc.name,
            description=doc.description,
            team_id=self.id_of("teams", doc.team),
            escalation_policy_id=self.id_of("escalation_policies", doc.escalation_policy),
        )
        self.remember("services", doc.key, escalation.create_service(self.db, body=body).id)

    def _change_services(self, change: Change) -> None:
        doc: ServiceDoc = self.docs["services"][change.key]
        patch = ServicePatch(
            description=doc.description,
            team_id=self.id_of("teams", doc.team),
            escalation_policy_id=self.id_of("escalation_policies", doc.escalation_policy),
        )
        escalation.edit_service(self.db, name=doc.name, patch=patch)

    def _delete_services(self, change: Change) -> None:
        name = self.plan.current.config["services"][change.key]["name"]
        escalation.delete_service(self.db, name=name)
        self.forget("services", self.ids["services"][change.key])

    # integrations

    def _create_integrations(self, change: Change) -> None:
        doc: IntegrationDoc = self.docs["integrations"][change.key]
        body = IntegrationCreate.model_validate(doc.model_dump(exclude={"key"}))
        made = alert_integrations.create_integration(
            self.db,
            state=self.ctx.state,
            integration=body,
            created_by=self.ctx.actor,
            base_url=self.ctx.base_url,
        )
        self.remember("integrations", doc.key, made.id)
        self.secrets.append(
            {
                "what": f"integrations.{doc.key}",
                "key": made.key,
                "url": made.url,
                "heartbeat_url": made.heartbeat_url,
            }
        )

    def _change_integrations(self, change: Change) -> None:
        doc: IntegrationDoc = self.docs["integrations"][change.key]
        changed = {f.path.split(".", 1)[0] for f in change.fields}
        values = doc.model_dump(include=changed)
        alert_integrations.change_integration(
            self.db,
            state=self.ctx.state,
            integration_id=self.ids["integrations"][doc.key],
            patch=IntegrationPatch.model_validate(values),
        )

    def _delete_integrations(self, change: Change) -> None:
        integration_id = self.ids["integrations"][change.key]
        alert_integrations.revoke_integration(
            self.db, state=self.ctx.state, integration_id=integration_id
        )
        self.forget("integrations", integration_id)

    # silences (they cannot be edited: a changed one is ended and made anew)

    def _create_silences(self, change: Change) -> None:
        doc: SilenceDoc = self.docs["silences"][change.key]
        body = SilenceCreate(
            matchers=doc.matchers,
            starts_at=doc.starts_at,
            ends_at=doc.ends_at,
            weekly=doc.weekly,
            comment=doc.comment,
            service=doc.service,
            integration_id=self.id_of("integrations", doc.integration),
        )
        made = alert_silences.create_silence(
            self.db, state=self.ctx.state, silence=body, created_by=self.ctx.actor
        )
        self.remember("silences", doc.key, made.id)

    def _change_silences(self, change: Change) -> None:
        self._delete_silences(change)
        self._create_silences(change)

    def _delete_silences(self, change: Change) -> None:
        silence_id = self.ids["silences"][change.key]
        alert_silences.expire_silence(self.db, state=self.ctx.state, silence_id=silence_id)
        self.forget("silences", silence_id)

    # severity policies (every severity has one: a change stores the file's fields, a
    # severity a pruning file leaves out goes back to the deployment's policy)

    def _change_severity_policies(self, change: Change) -> None:
        severity = Severity(change.key.upper())
        doc = self.docs["severity_policies"].get(change.key)
        if doc is None:
            stored_policies.reset_policy(
                self.db, self.ctx.policies, severity=severity, actor=self.ctx.actor
            )
            return
        fields = SeverityPolicyFields.model_validate(
            doc.model_dump(exclude_unset=True, exclude={"key"})
        )
        stored_policies.set_policy(
            self.db, self.ctx.policies, severity=severity, change=fields, actor=self.ctx.actor
        )
