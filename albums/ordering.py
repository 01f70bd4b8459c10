"""Keyset positions in an ordered queryset: what comes after (or before) a row.

An ordering is what `order_by()` takes: field names ("-created_at") and OrderBy expressions
(`F("taken_at").desc(nulls_last=True)`). For a row's values of those fields, `after_filter`
builds the Q that keeps only the rows past it, so the next page, or the next photo, costs
one indexed query whatever the position (no OFFSET). The last field must make the order
total (an id). Fields spanning a many-valued relation must be annotations: a second
`filter()` on such a relation would join it again. Field names are taken as never null;
nullable fields come as OrderBy expressions saying where their nulls go.
"""

from dataclasses import dataclass

from django.db.models import F, OrderBy, Q

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Term:
    field: str
    descending: bool = False
    nullable: bool = False
    nulls_last: bool = False  # where nulls go, for a nullable field

    def reversed(self) -> "Term":
        return Term(self.field, not self.descending, self.nullable, not self.nulls_last)

    def as_order(self) -> OrderBy:
        nulls = {}
        if self.nullable:
            nulls = {"nulls_last": True} if self.nulls_last else {"nulls_first": True}
        expression = F(self.field)
        return expression.desc(**nulls) if self.descending else expression.asc(**nulls)


def terms(ordering) -> list[Term]:
    found = []
    for item in ordering:
        if isinstance(item, str):
            found.append(Term(item.lstrip("-"), descending=item.startswith("-")))
        elif isinstance(item, OrderBy) and isinstance(item.expression, F):
            if not (item.nulls_last or item.nulls_first):
                raise TypeError(f"say where the nulls of {item.expression.name} go")
            found.append(Term(item.expression.name, item.descending, True, bool(item.nulls_last)))
        else:
            raise TypeError(f"cannot page on {item!r}: use field names or F() orderings")
    return found


def fields(ordering) -> list[str]:
    return [term.field for term in terms(ordering)]


def reversed_order(ordering) -> list[OrderBy]:
    return [term.reversed().as_order() for term in terms(ordering)]


def _equal(term: Term, value) -> Q:
    return Q(**{f"{term.field}__isnull": True}) if value is None else Q(**{term.field: value})


def _beyond(term: Term, value) -> Q:
    """Rows strictly after `value` in this term's direction."""
    if value is None:
        # Nulls last: nothing follows a null. Nulls first: every value does.
        return NOTHING if term.nulls_last else Q(**{f"{term.field}__isnull": False})
    past = Q(**{f"{term.field}__{'lt' if term.descending else 'gt'}": value})
    if term.nullable and term.nulls_last:
        return past | Q(**{f"{term.field}__isnull": True})
    return past


def after_filter(ordering, values: dict, *, reverse: bool = False) -> Q:
    """Rows after the one with `values` (a dict by field name) in `ordering`; with
    `reverse`, the rows before it (to be read in `reversed_order(ordering)`)."""
    order = [t.reversed() for t in terms(ordering)] if reverse else terms(ordering)
    query = NOTHING
    prefix = Q()
    for term in order:
        value = values[term.field]
        query |= prefix & _beyond(term, value)
        prefix &= _equal(term, value)
    return query
