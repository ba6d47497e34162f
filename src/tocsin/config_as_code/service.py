"""The use cases of configuration as code: plan a file, apply it, export, list the applies."""

from __future__ import annotations

from typing import Any

from tocsin import clock
from tocsin.config_as_code import yamlfile
from tocsin.config_as_code.apply import Context, Outcome, apply_plan, list_applies
from tocsin.config_as_code.document import Document
from tocsin.config_as_code.plan import Plan, PlanRefused, make_plan
from tocsin.config_as_code.state import export, read_current
from tocsin.config_as_code.tables import ConfigApply
from tocsin.core.text import find_problem
from tocsin.db import Database
from tocsin.errors import InvalidInput


def _refusal(problems: list[yamlfile.Problem]) -> InvalidInput:
    first = problems[0]
    return InvalidInput(
        str(first), field=first.field or "body", problems=[p.to_dict() for p in problems]
    )


def read_file(text: str, source: str) -> Document:
    """The document in ``text``; a bad one is a 422 naming the file, line, column and field."""
    try:
        data, _ = yamlfile.load(text, source)
        problem = find_problem(data)
        if problem is not None:
            path = problem.field.replace("[", ".").replace("]", "")
            raise yamlfile.FileError([yamlfile.problem_at(source, text, path, problem.message)])
        return yamlfile.parse(text, source)
    except yamlfile.FileError as error:
        raise _refusal(error.problems) from None


def plan_file(db: Database, ctx: Context, *, text: str, source: str, prune: bool) -> Plan:
    document = read_file(text, source)
    current = read_current(db, state=ctx.state, policies=ctx.policies)
    try:
        return make_plan(document, current, prune=prune, now=clock.now())
    except PlanRefused as refused:
        problems = [yamlfile.problem_at(source, text, p.path, p.message) for p in refused.problems]
        raise _refusal(problems) from None


def apply_file(db: Database, ctx: Context, *, text: str, source: str, prune: bool) -> Outcome:
    return apply_plan(
        db, plan_file(db, ctx, text=text, source=source, prune=prune), ctx, source=source
    )


def export_document(db: Database, ctx: Context) -> dict[str, Any]:
    return export(read_current(db, state=ctx.state, policies=ctx.policies)).model_dump(mode="json")


def applies(db: Database, *, limit: int) -> list[ConfigApply]:
    return list_applies(db, limit=limit)
